/*
** fuzz_index_docstore.c — the document store decoders (index/docstore.c,
** FORMAT.md §6-§8): damaged "doclens", "docmeta" and "doctext" files of a
** sound index, opened, searched with snippets and checked. This target's
** index has a zstd dictionary (FORMAT.md §8) for its texts.
** The harness, its input format and its checks: fuzz_ixfiles.h.
*/
#include "fuzz_common.h"
#include "fuzz_ixfiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const files[] = {"doc*", NULL};
  fz_ix_run(data, size, files, 1);
  return 0;
}
