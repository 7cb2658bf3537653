/*
** fuzz_index_positions.c — the positions decoder (index/postings.c, FORMAT.md §5):
** damaged "positions" files of a sound index, opened, searched (phrases,
** snippets) and checked.
** The harness, its input format and its checks: fuzz_ixfiles.h.
*/
#include "fuzz_common.h"
#include "fuzz_ixfiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const files[] = {"positions*", NULL};
  fz_ix_run(data, size, files, 0);
  return 0;
}
