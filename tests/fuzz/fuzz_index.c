/*
** fuzz_index.c — every file of a sound index: one of them, chosen by the
** input, damaged, then the index opened, searched with snippets and
** checked. The per-kind targets (fuzz_index_terms.c, ...) do the same on
** fewer files. The harness, its input format and its checks:
** fuzz_ixfiles.h.
*/
#include "fuzz_common.h"
#include "fuzz_ixfiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_ix_run(data, size, NULL, 0);
  return 0;
}
