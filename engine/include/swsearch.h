/*
** swsearch.h — the public API of swsearch: build an index, open it, search
** it, analyse text, check and describe it (engine/ sources). cli/ and bench/
** build on this header alone.
**
** It includes sw_base.h (stemmer/base/): the status codes, SwError, the
** allocator, limits and SwDocId, shared by every layer underneath, so a
** program that includes swsearch.h has them too.
**
** Conventions: functions that can fail return SW_OK (0) or one of the SW_*
** codes and fill the caller-owned SwError with a message naming the file,
** offset or query column and the problem. OUT parameters are set to NULL/0 on
** failure. Bytes travel as pointer + length; strings returned in structs are
** NUL-terminated for convenience as well.
*/
#ifndef SWSEARCH_H
#define SWSEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "sw_base.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SW_VERSION_STRING "0.1.0"

/* ---------------------------------------------------------- public API -- */

/* --- analysis ---------------------------------------------------------- */

/* One token as `swsearch analyze` shows it. Pointers are valid only during
** the callback. */
typedef struct SwToken {
  uint32_t pos;          /* position in the token stream               */
  const char *surface;   /* bytes of the original text                 */
  size_t surface_len;
  const char *term;      /* indexed term (folded, stemmed)             */
  size_t term_len;
  int stopword;          /* 1 if dropped from free-text queries        */
  int kind;              /* SW_TOKEN_*                                 */
} SwToken;

enum {
  SW_TOKEN_WORD = 0,  /* a word of the text                                */
  SW_TOKEN_IDENT = 1, /* an identifier in canonical form (`ks 2020/1050`),
                         at the position of its first word                */
  SW_TOKEN_PART = 2   /* a part of the compound word at this position     */
};

typedef int (*SwTokenFn)(void *ctx, const SwToken *tok); /* non-zero stops */

/* Run the one analysis chain over text and call fn per token. *invalid_utf8
** (may be NULL) receives the count of invalid byte sequences replaced. */
int sw_analyze(const char *text, size_t len, SwTokenFn fn, void *ctx,
               size_t *invalid_utf8, SwError *err);

/* --- building ---------------------------------------------------------- */

typedef struct SwBuildOptions {
  size_t mem_budget;   /* bytes of postings held before a run is flushed;
                          0 = default (256 MiB)                              */
  int progress;        /* 1: print progress lines on stderr (cli: on a TTY)  */
  int threads;         /* threads analysing documents (sw_build, sw_add):
                          0 or 1 = one thread, none started; N > 1 = N
                          worker threads beside the caller's (at most 64),
                          in a pipeline bounded in memory, writing the same
                          index byte for byte; at commit the document texts
                          are compressed on N threads. Merges (sw_optimize, merges
                          at commit) stay on the caller's thread. The fault
                          hooks (sw_fault_alloc_after, ...) count globally:
                          tests that inject faults build with threads <= 1 */
} SwBuildOptions;

typedef struct SwBuildStats {
  uint64_t docs;            /* documents indexed                          */
  uint64_t skipped;         /* documents/lines/files skipped (reported)   */
  uint64_t files;           /* input files read                           */
  uint64_t text_bytes;      /* bytes of title + text analysed              */
  uint64_t tokens;          /* tokens indexed                              */
  uint64_t terms;           /* distinct terms                              */
  uint64_t invalid_utf8;    /* invalid UTF-8 sequences replaced            */
  uint64_t index_bytes;     /* bytes of the segments this change wrote    */
  uint64_t replaced;        /* live documents replaced (same id)           */
  uint64_t deleted;         /* documents deleted by id                     */
  uint64_t merged;          /* segments merged into one by this change     */
  uint64_t live_docs;       /* documents the index now serves              */
  uint64_t segments;        /* segments it now has                         */
  uint64_t generation;      /* number of the commit point published        */
  double seconds;           /* wall time of the whole build                */
} SwBuildStats;

/* Called for every problem that skips input but does not stop the build
** (malformed JSON line, unreadable file, invalid UTF-8 replaced). `where` is
** "file:line" or "file". */
typedef void (*SwWarnFn)(void *ctx, const char *where, const char *problem);

/* --- reading documents ------------------------------------------------- */

/* One document as swsearch reads it from its inputs. Strings are borrowed
** for the duration of the callback and are not NUL-terminated; a missing
** field has length 0. */
typedef struct SwDoc {
  const char *id;     size_t id_len;     /* JSONL id, or path relative to
                                            the argument                   */
  const char *title;  size_t title_len;
  const char *date;   size_t date_len;   /* "YYYY-MM-DD" or empty          */
  const char *source; size_t source_len;
  const char *url;    size_t url_len;
  const char *file;   size_t file_len;   /* base name of the source file   */
  const char *text;   size_t text_len;
} SwDoc;

typedef struct SwReadStats {
  uint64_t files;    /* input files opened                         */
  uint64_t docs;     /* documents handed to the callback           */
  uint64_t skipped;  /* documents, lines or files skipped           */
  uint64_t bytes;    /* input bytes read (after decompression)      */
} SwReadStats;

/* Called once per document; `where` is "file:line" or "file". A non-SW_OK
** return stops the walk and is returned by sw_read_documents (the callback
** fills err). */
typedef int (*SwDocFn)(void *ctx, const SwDoc *doc, const char *where,
                       SwError *err);

/* Read the documents of paths exactly as sw_build does (the same walk, the
** same formats, titles and ids), for programs that hand the same documents
** to something else (the benchmark's peer engines, synthetic corpora).
** warn (may be NULL) gets every problem; stats (may be NULL) is reset, then
** counted. Returns SW_OK when the walk finished, however much was skipped;
** SW_NOMEM; or the code a callback returned. */
int sw_read_documents(const char *const *paths, size_t npaths, SwDocFn fn,
                      void *ctx, SwWarnFn warn, void *warn_ctx,
                      SwReadStats *stats, SwError *err);

/* Build a whole new index in dir from files and directories (recursively):
** .txt/.md (one document each), .jsonl and .jsonl.zst (one per line). The new
** generation is published atomically; on any failure the previous index in
** dir (if any) still serves and the error says why. warn may be NULL
** (warnings go nowhere). */
int sw_build(const char *dir, const char *const *paths, size_t npaths,
             const SwBuildOptions *opts, SwWarnFn warn, void *warn_ctx,
             SwBuildStats *stats, SwError *err);

/* --- updating ---------------------------------------------------------- */

/* Add the documents of paths (as sw_build reads them) to the index in dir,
** creating it if missing. A document whose id is already live replaces it
** (stats->replaced counts them); the index never holds one id twice. The
** change is one new commit point, published atomically; the merge policy
** (index/FORMAT.md §1a) may merge segments as part of it. Readers that
** have the index open keep seeing the commit they opened. Errors as
** sw_build; a second writer is refused with SW_IO. */
int sw_add(const char *dir, const char *const *paths, size_t npaths,
           const SwBuildOptions *opts, SwWarnFn warn, void *warn_ctx,
           SwBuildStats *stats, SwError *err);

/* Delete the documents with these ids from the index in dir, in one commit.
** An id with no live document is reported through warn (may be NULL) and
** counted in stats->skipped; the others are still deleted (SW_OK).
** Errors: SW_NOTFOUND (no index in dir), SW_CORRUPT, SW_IO, SW_FULL,
** SW_NOMEM; the previous commit then still serves. */
int sw_delete(const char *dir, const char *const *ids, size_t nids,
              SwWarnFn warn, void *warn_ctx, SwBuildStats *stats,
              SwError *err);

/* Merge every segment of the index in dir into one, dropping deleted
** documents (answers stay the same; queries get faster). */
int sw_optimize(const char *dir, const SwBuildOptions *opts,
                SwBuildStats *stats, SwError *err);

/* --- searching --------------------------------------------------------- */

typedef struct SwIndex SwIndex;

/* Open the current generation of the index in dir (mmap; magic, version and
** footer checked). Errors: SW_NOTFOUND (no index there), SW_CORRUPT,
** SW_VERSION, SW_IO, SW_NOMEM. An SwIndex holds per-query scratch, one
** analyzer and one zstd context: use it from one thread at a time (open one
** per thread; the mappings are shared by the page cache). */
int sw_index_open(const char *dir, SwIndex **out, SwError *err);
void sw_index_close(SwIndex *ix); /* NULL is a no-op */

/* Apply the synonyms of a file to every later query of ix (replacing any
** loaded before): lines `ABBR = long form` (corpus/synonyms.conf says how).
** A typed abbreviation also finds its long form and the reverse, ranked a
** little below the words typed. Errors: SW_IO (names the file), SW_INPUT
** ("file:line: problem"), SW_NOMEM; then ix keeps its previous synonyms. */
int sw_index_load_synonyms(SwIndex *ix, const char *path, SwError *err);

enum {
  SW_HL_BRACKETS = 0,  /* [word]                         */
  SW_HL_ANSI = 1,      /* ESC[1m word ESC[0m (bold)       */
  SW_HL_NONE = 2
};

typedef struct SwSearchOptions {
  size_t k;             /* hits wanted (top k); 0 = 10                   */
  int snippets;         /* 1: make a snippet per hit                      */
  int highlight;        /* SW_HL_*                                         */
  size_t snippet_chars; /* target snippet length in characters; 0 = 200   */
  int facets;           /* 1: count document type, year, organ and party
                           over every matching document (SwResults)       */
  int exact_total;      /* 1: check every candidate so total_hits is exact
                           (facets imply it); 0: top-k pruning may skip
                           candidates that cannot be among the best hits
                           and estimate how many of them match (the hits
                           are the same either way)                       */
} SwSearchOptions;

typedef struct SwHit {
  SwDocId doc;
  double score;
  const char *id;       /* the document's own id (JSONL id or rel. path)  */
  const char *file;     /* base name of the file it came from             */
  const char *title;
  const char *date;     /* "" when unknown                                */
  const char *source;   /* "" when unknown                                */
  const char *url;      /* "" when unknown                                */
  char *snippet;        /* NULL unless snippets were asked for            */
  uint32_t matched;     /* query clauses this document matched            */
  /* Municipal metadata found in the document (filters typ:, parti:, ...):
  ** "" when unknown; lists joined with ", ". */
  const char *type;     /* motion, skrivelse, tjänsteutlåtande, ...       */
  const char *organs;   /* "kommunstyrelsen, socialnämnden"                */
  const char *parties;  /* "S, V"                                          */
  const char *dnr;      /* "ks 2020/1050"                                  */
} SwHit;

/* One facet count: how many matching documents have field = value. */
typedef struct SwFacet {
  const char *field;    /* "typ", "år", "organ", "parti"                  */
  const char *value;
  uint64_t count;
} SwFacet;

typedef struct SwResults {
  uint64_t total_hits;  /* documents holding every clause (in partial
                           mode, none does: those holding at least one
                           word). The same whatever k is asked           */
  int total_exact;      /* 0: total_hits is an estimate: pruning left some
                           candidates unchecked (SwSearchOptions.exact_total) */
  int partial;          /* 1: no document had every clause               */
  uint32_t clauses;     /* number of positive clauses in the query        */
  int question;         /* 1: a question typed as a sentence: total_hits
                           counts the documents holding any word         */
  double took_ms;       /* evaluation + snippets                          */
  size_t nhits;
  SwHit *hits;          /* nhits entries, best first: by score, which is
                           BM25 times the share of the query's words a
                           document holds (plus a title bonus for the
                           best 20), so a hit may lack some word
                           (matched < clauses) and still rank above one
                           with all of them; the first hits are the same
                           whatever k is asked                            */
  size_t nfacets;       /* SwSearchOptions.facets: per field in the order
                           typ, år, organ, parti, its values by count
                           (at most 10 per field)                          */
  SwFacet *facets;
} SwResults;

/* Parse and run a query (query language v1: words, "phrases", OR, -word).
** Errors: SW_QUERY with the column and problem (empty query, unbalanced
** quotes, nothing searchable), SW_CORRUPT when index data is damaged. The
** results own all strings; free with sw_results_free. */
int sw_search(SwIndex *ix, const char *query, size_t len,
              const SwSearchOptions *opts, SwResults **out, SwError *err);
void sw_results_free(SwResults *res);

/* --- stats and checking ------------------------------------------------ */

typedef struct SwIndexStats {
  uint64_t generation;    /* commit point number                     */
  uint64_t docs;          /* live documents                          */
  uint64_t segments;      /* segments of the commit point            */
  uint64_t deleted;       /* deleted documents still in segments     */
  uint64_t terms;         /* distinct terms of each segment, summed  */
  uint64_t tokens;        /* sum of document lengths                 */
  double avg_doc_len;
  uint32_t format_version;
  size_t nfiles;
  struct {
    char name[64];        /* file kind (summed over segments), NUL-terminated */
    uint64_t bytes;
  } files[16];
} SwIndexStats;

int sw_index_stats(SwIndex *ix, SwIndexStats *out, SwError *err);

/* Verify every checksum and invariant of the index in dir without trusting
** anything (no mmap shortcuts). SW_OK when sound, else SW_CORRUPT/SW_VERSION
** /SW_IO with the first problem found. report (may be NULL) gets one line per
** file checked ("terms: 12345 terms ok"). */
typedef void (*SwReportFn)(void *ctx, const char *line);
int sw_index_check(const char *dir, SwReportFn report, void *ctx,
                   SwError *err);

/* Default index directory: $SWSEARCH_INDEX, else $XDG_DATA_HOME/swsearch/index,
** else $HOME/.local/share/swsearch/index. Writes at most cap bytes. */
int sw_default_index_dir(char *buf, size_t cap, SwError *err);

/* --- inspection (developers: `swsearch inspect`) ------------------------ */

/* What the index holds, shown as it is stored: the segments of the live
** commit point, a term's postings per segment, a document's record. For
** looking at an index, not for serving queries: each call opens the index
** in dir itself and closes it before returning. Results live in one
** allocation set freed by the matching *_free (NULL is a no-op). Strings
** are NUL-terminated; document bytes are as stored (not cleaned). */

typedef struct SwInspectFile {
  char name[16];          /* "terms", "postings", ... (FORMAT.md §2)      */
  uint64_t bytes;         /* file length                                  */
  uint64_t checksum;      /* the footer checksum the manifest records     */
} SwInspectFile;

typedef struct SwInspectSegment {
  const char *name;       /* as the commit point names it: "seg-00000003" */
  const char *dir;        /* its directory, DIR/name                      */
  uint32_t format_version;/* of its manifest                              */
  uint64_t number;        /* the number in its name                       */
  SwDocId first_doc;      /* internal id of its first document            */
  uint32_t docs;          /* documents, deleted ones included             */
  uint32_t live_docs;     /* of them not deleted                          */
  uint32_t deleted;
  uint64_t terms;         /* distinct terms (manifest)                    */
  uint64_t tokens;        /* sum of its documents' lengths (manifest)     */
  uint64_t text_bytes;    /* title + text bytes analysed (manifest)       */
  uint32_t analysis;      /* analysis version that built it; 0: unknown   */
  double impact_k1;       /* BM25 k1 and b of its blocks' impacts;        */
  double impact_b;        /*   0 and 0: no impacts                        */
  size_t nfiles;
  SwInspectFile files[8];
} SwInspectSegment;

typedef struct SwInspectCommit {
  const char *dir;        /* the index directory                          */
  uint64_t generation;    /* the live commit point's number               */
  int legacy;             /* 1: a format-1 gen-N directory, no commit     */
  uint32_t docs;          /* internal doc ids 0..docs-1, deleted included */
  uint32_t live_docs;
  size_t nsegments;
  SwInspectSegment *segments; /* in doc id order                          */
  void *mem_;             /* private                                      */
} SwInspectCommit;

/* The live commit point of the index in dir and each of its segments.
** Errors: those of sw_index_open. */
int sw_inspect_segments(const char *dir, SwInspectCommit **out, SwError *err);
void sw_inspect_commit_free(SwInspectCommit *c);

typedef struct SwInspectPosting {
  SwDocId doc;            /* internal id (over all segments)               */
  uint32_t freq;          /* occurrences in the document                   */
  int deleted;            /* 1: the document is deleted (still stored)     */
  uint32_t npositions;    /* positions, when asked for; else 0             */
  const uint32_t *positions;
} SwInspectPosting;

typedef struct SwInspectTermSegment {
  uint32_t segment;       /* its index in the commit (SwInspectCommit)     */
  const char *name;       /* "seg-00000003"                                */
  uint32_t df;            /* documents holding the term, as the segment's
                             dictionary records it (deleted ones counted)  */
  uint64_t cf;            /* occurrences, likewise                         */
  uint32_t max_tf;        /* largest freq in one document                  */
  size_t npostings;       /* postings listed (at most the cap asked for)   */
  SwInspectPosting *postings;
  int truncated;          /* 1: the segment has more postings than listed  */
} SwInspectTermSegment;

typedef struct SwInspectTerm {
  const char *surface;    /* the word as typed                             */
  const char *term;       /* the analysed term looked up                   */
  size_t term_len;
  int stopword;           /* 1: dropped from free-text queries             */
  int found;              /* 1: some segment holds the term                */
  uint32_t df;            /* live documents holding it (whole index)       */
  uint64_t cf;            /* occurrences (whole index, deleted included)   */
  size_t nsegments;       /* segments holding it                           */
  SwInspectTermSegment *segments;
} SwInspectTerm;

typedef struct SwInspectTerms {
  const char *word;       /* what was asked                                */
  size_t nterms;          /* the query terms its analysis gives (a word
                             with a hyphen can give two; punctuation none) */
  SwInspectTerm *terms;
  void *mem_;             /* private                                       */
} SwInspectTerms;

/* Analyse word[0..len) as a query word and, for each term it gives, look it
** up in every segment of the index in dir: df, cf, max_tf and the first
** max_postings postings (0: all) with their positions when positions = 1.
** Errors: SW_QUERY (the word gives no term), those of sw_index_open,
** SW_CORRUPT, SW_NOMEM. A term no segment holds is SW_OK with found = 0. */
int sw_inspect_term(const char *dir, const char *word, size_t len,
                    size_t max_postings, int positions,
                    SwInspectTerms **out, SwError *err);
void sw_inspect_terms_free(SwInspectTerms *t);

typedef struct SwInspectFacet {
  const char *value;      /* one stored facet term ("typ:motion"), without
                             the namespace byte facet terms are indexed with */
  size_t len;
} SwInspectFacet;

typedef struct SwInspectDoc {
  SwDocId doc;            /* internal id                                   */
  uint32_t segment;       /* index of its segment in the commit            */
  const char *segment_name;
  SwDocId local_doc;      /* its id inside the segment                     */
  const char *id, *title, *date, *source, *url, *file; /* "" when unknown  */
  uint32_t length;        /* tokens (title + text), as BM25 counts them    */
  int deleted;            /* 1: deleted (replaced or removed), not served  */
  size_t nfacets;
  SwInspectFacet *facets;
} SwInspectDoc;

typedef struct SwInspectDocs {
  const char *query;      /* what was asked                                */
  size_t ndocs;           /* records found: the live one and any deleted
                             earlier versions with the same id             */
  SwInspectDoc *docs;     /* in internal id order                          */
  void *mem_;             /* private                                       */
} SwInspectDocs;

/* The stored records of the document with this id in the index in dir
** (deleted versions too), or with id "#N" the record of internal doc id N.
** No such document: SW_OK with ndocs = 0. Errors: those of sw_index_open,
** SW_CORRUPT, SW_NOMEM. */
int sw_inspect_doc(const char *dir, const char *id, size_t len,
                   SwInspectDocs **out, SwError *err);
void sw_inspect_docs_free(SwInspectDocs *d);

#ifdef __cplusplus
}
#endif
#endif /* SWSEARCH_H */
