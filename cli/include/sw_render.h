/*
** sw_render.h — how swsearch shows what the engine returns, as a library:
** the human form the command prints and the JSON form of `--json`, written
** to a caller-supplied sink (a FILE * or a growable memory buffer). The
** swsearch command renders through it; a server that links sw_render
** produces byte for byte the JSON the command prints.
**
** Depends only on swsearch.h. Nothing here touches the index or the
** environment: decisions such as "colour or not" are the caller's (flags).
**
** Output safety: titles, ids and snippets are document bytes. The human
** form turns C0/C1 control characters into spaces (a document cannot send
** escape sequences to a terminal), except the bold on/off sequences the
** engine puts around highlights for SW_HL_ANSI when the caller allows them,
** and folds white space runs into one space so each hit keeps its shape.
** The JSON form escapes control characters and writes invalid UTF-8 bytes
** as \ufffd.
*/
#ifndef SW_RENDER_H
#define SW_RENDER_H

#include <stdio.h>

#include "swsearch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- sink -- */

/* Where rendered bytes go: a stream (file != NULL) or a memory buffer that
** grows through sw_realloc and is kept NUL-terminated. A buffer whose
** growth failed drops later bytes and says so in `failed`; a stream's write
** errors are the stream's (ferror, fflush). */
typedef struct SwrSink {
  FILE *file;  /* the stream, or NULL for the buffer                */
  char *buf;   /* buffer: the bytes (NULL while empty), NUL-ended   */
  size_t len;  /* buffer: bytes written                             */
  size_t cap;  /* buffer: bytes allocated                           */
  int failed;  /* buffer: 1 after an allocation failed              */
} SwrSink;

void swr_sink_file(SwrSink *s, FILE *f); /* render into the stream f   */
void swr_sink_buffer(SwrSink *s);        /* render into a new buffer   */
void swr_sink_free(SwrSink *s); /* free a buffer's bytes; no-op for streams */

/* Raw output to a sink (for callers adding their own framing). */
void swr_write(SwrSink *s, const void *p, size_t n);
void swr_puts(SwrSink *s, const char *str);
void swr_printf(SwrSink *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* str as a JSON string literal, quotes included ("" for NULL). */
void swr_json_string(SwrSink *s, const char *str);
/* len bytes of str as a JSON string literal (may hold NUL bytes). */
void swr_json_bytes(SwrSink *s, const char *str, size_t len);
/* Document text for a terminal or pipe (see the top of this file); bold
** sequences pass when allow_bold. */
void swr_clean(SwrSink *s, const char *str, int allow_bold);

/* -------------------------------------------------------------- search -- */

/* The `--json` object of a search: query, total_hits, total_exact, took_ms,
** partial, hits[rank, id, file, title, date, type, organs, parties, dnr,
** score, snippet] and, when counted, facets[field, value, count]; one line
** per hit, a newline at the end. */
void swr_search_json(SwrSink *s, const char *query, const SwResults *res);

/* The human form: a header line, then per hit its title, an
** "id | file | date | score" line and its snippet. ansi: the snippets hold
** SW_HL_ANSI bold sequences to keep. */
void swr_search_human(SwrSink *s, const char *query, const SwResults *res,
                      int ansi);
/* The facet counts of res, one line per field (nothing without facets). */
void swr_search_facets(SwrSink *s, const SwResults *res);

/* ------------------------------------------------------------- changes -- */

/* The one-line summaries of index (add = 0), add (add = 1), delete and
** optimize; dir is the index directory. */
void swr_build_summary(SwrSink *s, int add, const SwBuildStats *st,
                       const char *dir);
void swr_delete_summary(SwrSink *s, const SwBuildStats *st, const char *dir);
void swr_optimize_summary(SwrSink *s, const SwBuildStats *st,
                          const char *dir);

/* ------------------------------------------------------- stats, analyze -- */

void swr_stats_human(SwrSink *s, const char *dir, const SwIndexStats *st);
/* One token as `swsearch analyze` shows it: position, surface, term and
** "identifier", "part" or "stop" when it is one, tab-separated. */
void swr_token_human(SwrSink *s, const SwToken *t);

/* ------------------------------------------------------------- inspect -- */

/* `swsearch inspect segments|term|doc` (swsearch.h, sw_inspect_*). */
void swr_segments_human(SwrSink *s, const SwInspectCommit *c);
void swr_segments_json(SwrSink *s, const SwInspectCommit *c);
void swr_term_human(SwrSink *s, const SwInspectTerms *t);
void swr_term_json(SwrSink *s, const SwInspectTerms *t);
void swr_doc_human(SwrSink *s, const SwInspectDocs *d);
void swr_doc_json(SwrSink *s, const SwInspectDocs *d);

#ifdef __cplusplus
}
#endif
#endif /* SW_RENDER_H */
