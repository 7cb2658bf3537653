/*
** fuzz_index_terms.c — the term dictionary decoder (index/termdict.c, FORMAT.md §3):
** damaged "terms" files of a sound index, opened, searched and checked.
** The harness, its input format and its checks: fuzz_ixfiles.h.
*/
#include "fuzz_common.h"
#include "fuzz_ixfiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const files[] = {"terms*", NULL};
  fz_ix_run(data, size, files, 0);
  return 0;
}
