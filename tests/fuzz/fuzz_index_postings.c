/*
** fuzz_index_postings.c — the postings decoder (index/postings.c, FORMAT.md §4): damaged
** "postings" files of a sound index, opened, searched and checked.
** The harness, its input format and its checks: fuzz_ixfiles.h.
*/
#include "fuzz_common.h"
#include "fuzz_ixfiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const files[] = {"postings*", NULL};
  fz_ix_run(data, size, files, 0);
  return 0;
}
