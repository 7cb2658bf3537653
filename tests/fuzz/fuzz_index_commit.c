/*
** fuzz_index_commit.c — the commit point decoders (index/publish.c, FORMAT.md §1-§2):
** damaged "CURRENT", "manifest" (and, after the multi-segment change,
** "commit-N") files of a sound index, opened, searched and checked.
** The harness, its input format and its checks: fuzz_ixfiles.h.
*/
#include "fuzz_common.h"
#include "fuzz_ixfiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const files[] = {"CURRENT", "manifest*", "commit*", NULL};
  fz_ix_run(data, size, files, 0);
  return 0;
}
