/*
** engine_int.h — private interfaces between the engine's files. Not seen by
** cli/ or bench/ (they use swsearch.h only). One banner section per file.
*/
#ifndef SW_ENGINE_INT_H
#define SW_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "index.h"
#include "swsearch.h"

/* ===================================================== interface to intake.c
** Turning files on disk into documents. Walks directories recursively (in
** sorted name order, so builds are deterministic; symlink loops detected),
** reads .txt/.md (one document: title = first non-empty line, id = path
** relative to the argument, or the base name when the argument is a file),
** .jsonl and .jsonl.zst (one document a line with id, title, date, source,
** url, text; streamed, never the whole file in memory). Other extensions are
** ignored. Bad input (unreadable file, malformed JSON line, missing or
** non-string id/text, binary or empty file) is reported through warn with
** "file:line" and skipped; it never stops the walk. */

typedef struct EngIntakeStats {
  uint64_t files;    /* input files opened                         */
  uint64_t docs;     /* documents handed to the callback           */
  uint64_t skipped;  /* documents, lines or files skipped           */
  uint64_t bytes;    /* input bytes read (after decompression)      */
} EngIntakeStats;

/* Called once per document. `where` is "file:line" or "file" for messages.
** A non-SW_OK return stops the walk and is returned by eng_intake_paths
** (the callback fills err). */
typedef int (*EngDocFn)(void *ctx, const IxDoc *doc, const char *where,
                        SwError *err);

int eng_intake_paths(const char *const *paths, size_t npaths, EngDocFn fn,
                     void *ctx, SwWarnFn warn, void *warn_ctx,
                     EngIntakeStats *stats, SwError *err);

#endif /* SW_ENGINE_INT_H */
