/*
** index.h — the index layer's one public header (index/include/), its
** contract with engine/: a writer session that adds and deletes documents
** and publishes each change atomically, readers over mmap, and the check.
** It includes analysis.h (the layer below) and sw_base.h, nothing above;
** its own types (IxStats, IxReportFn) stand for what the engine's public
** API shows. The byte layout is index/FORMAT.md; nothing above this layer
** knows it.
**
** Directory layout (FORMAT.md §1, formats 2 and 3): DIR/CURRENT names the
** live commit point DIR/commit-NNNNNNNN, which lists the segments
** (DIR/seg-NNNNNNNN/, immutable once written) and a deletion bitmap for
** each. A writer (one at a time: DIR/LOCK) writes new segments and a new
** commit point beside the live ones, fsyncs them, then replaces CURRENT by
** rename and fsyncs DIR; commit points and segments no reader holds are
** removed afterwards. A reader holds its commit point with a shared flock
** and keeps its mmaps until it closes. Format 1 (CURRENT naming a single
** DIR/gen-NNNNNNNN/) is still read.
**
** Fields: a document's title and text are analysed into one token stream,
** title first (positions 0..t-1), then the text starting at position
** t + IX_FIELD_GAP, so no phrase spans the two. The document length used by
** BM25 is the number of tokens (title + text).
*/
#ifndef SW_INDEX_H
#define SW_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "sw_base.h"

#define IX_FIELD_GAP 16      /* positions between title and text           */
/* Title-field terms: every title word is also indexed as AN_NS_TITLE
** (analysis.h's registry of term namespaces) + its term, at the same
** position. */
#define IX_DOC_END UINT32_MAX /* IxPostings.doc after the last posting     */

/* ---------------------------------------------------------------- writer -- */

typedef struct IxWriter IxWriter;

typedef struct IxWriterOptions {
  size_t mem_budget; /* bytes of in-memory postings before a sorted run is
                        flushed to a temp file; 0 = 256 MiB                 */
  int positions_zstd; /* zstd level for positions blocks where it saves an
                        eighth; 0 = all raw, the default (FORMAT.md §11)    */
  int threads;        /* > 1: a segment's finish writes the document store
                        on a second thread while the postings are encoded,
                        compressing texts on that many threads (same
                        bytes); 0 or 1: all on the caller's thread         */
  double impact_k1;   /* > 0: the BM25 k1 and b that postings blocks'     */
  double impact_b;    /* impacts are computed for (FORMAT.md §4); 0: none  */
} IxWriterOptions;

/* One document to add. Strings are borrowed for the duration of the call;
** none needs a NUL terminator. Missing fields have len 0. */
typedef struct IxDoc {
  const char *id;     size_t id_len;      /* the document's own id          */
  const char *title;  size_t title_len;
  const char *date;   size_t date_len;    /* "YYYY-MM-DD" or empty          */
  const char *source; size_t source_len;
  const char *url;    size_t url_len;
  const char *file;   size_t file_len;    /* base name of the source file   */
  const char *text;   size_t text_len;    /* the full text (stored, indexed) */
  const char *facets; size_t facets_len;  /* facet terms: { u8 len, bytes }*,
                                             each indexed once at position 0
                                             and stored (ix_doc_meta)       */
} IxDoc;

typedef struct IxWriteStats {
  uint64_t docs;          /* documents added                            */
  uint64_t replaced;      /* live documents replaced by an added one    */
  uint64_t deleted;       /* documents deleted by ix_writer_delete      */
  uint64_t merged;        /* segments merged away by this commit        */
  uint64_t live_docs;     /* documents the new commit serves            */
  uint64_t segments;      /* segments of the new commit                 */
  uint64_t tokens;        /* tokens indexed (sum of document lengths)   */
  uint64_t terms;         /* distinct terms                              */
  uint64_t text_bytes;    /* title + text bytes analysed                 */
  uint64_t runs;          /* sorted runs flushed before the final merge  */
  uint64_t index_bytes;   /* bytes of the segments written by this commit */
  uint64_t generation;    /* number of the published commit point        */
} IxWriteStats;

enum {
  IX_REBUILD = 0, /* the commit holds only what this writer adds            */
  IX_UPDATE = 1   /* the commit keeps the live index's documents too        */
};

/* Start a change to the index in dir (created if missing, with parents).
** Takes DIR/LOCK (flock) so a second writer is refused with SW_IO "index is
** being written by another process (pid N)"; the kernel releases the lock
** of a process that dies, so a lock is never stale. Removes what killed
** writers left behind. IX_UPDATE opens the live index (none yet is fine).
** Errors: SW_IO, SW_FULL, SW_NOMEM, and for IX_UPDATE those of
** ix_reader_open. */
int ix_writer_begin(const char *dir, const IxWriterOptions *opts, int mode,
                    IxWriter **out, SwError *err);

/* Analyse and add one document to the new segment; a live document with the
** same id (in the index or added earlier by this writer) is deleted, so an
** index holds one document per id and the last one added wins.
** *replaced (may be NULL) is set to 1 when that happened. *invalid_utf8
** (may be NULL) receives the number of invalid sequences replaced in this
** document. Errors: SW_LIMIT (text over SW_MAX_DOC_BYTES; the document is
** not added and the writer stays usable), SW_IO, SW_FULL, SW_NOMEM (the
** writer is then failed: later calls return the same error). */
int ix_writer_add(IxWriter *w, const IxDoc *doc, size_t *invalid_utf8,
                  int *replaced, SwError *err);

/* --- analysed documents (parallel builds) ---
** ix_writer_add is two steps, which a parallel build runs apart:
** ix_doc_analyse (any thread, one AnAnalyzer per thread) turns a document
** into the token stream the writer indexes (terms, positions, title twins,
** facet terms, word counts, invalid UTF-8 count) in an IxAnalysed;
** ix_writer_add_analysed (the writer's thread, documents in input order)
** indexes and stores it. ix_writer_add is exactly these two in a row, so a
** build through either path writes the same bytes. */
typedef struct IxAnalysed IxAnalysed;

/* An empty analysed document (reusable: each ix_doc_analyse overwrites it).
** Errors: SW_NOMEM. */
int ix_analysed_new(IxAnalysed **out, SwError *err);
void ix_analysed_free(IxAnalysed *a); /* NULL is a no-op */
/* Bytes of token records a holds (for bounding queues of them). */
size_t ix_analysed_bytes(const IxAnalysed *a);
/* Free a's buffer if a large document left it big (more than 4 MiB). */
void ix_analysed_trim(IxAnalysed *a);

/* A new analysis chain configured as the writer analyses documents (with
** identifiers and compound parts). Free with an_free. Errors: as an_new. */
int ix_analyzer_new(AnAnalyzer **out, SwError *err);

/* Analyse doc (borrowed for the call; facets included) with an into *a.
** Returns SW_OK, SW_LIMIT (doc over SW_MAX_DOC_BYTES: nothing analysed) or
** SW_NOMEM; the result is also kept in *a, for ix_writer_add_analysed to
** report in order. a does not borrow doc. */
int ix_doc_analyse(AnAnalyzer *an, const IxDoc *doc, IxAnalysed *a);

/* Add doc as ix_writer_add does, with its analysis a (from ix_doc_analyse of
** this same doc; an analysis failure recorded in a fails the writer as it
** would have in ix_writer_add). Same contract, results and errors as
** ix_writer_add. */
int ix_writer_add_analysed(IxWriter *w, const IxDoc *doc, const IxAnalysed *a,
                           size_t *invalid_utf8, int *replaced, SwError *err);

/* Delete the live document with this id. SW_NOTFOUND (writer still usable)
** when there is none; SW_NOMEM. */
int ix_writer_delete(IxWriter *w, const char *id, size_t len, SwError *err);

/* Ask commit to merge every segment into one (dropping deleted documents),
** whatever the merge policy says. */
void ix_writer_optimize(IxWriter *w);

/* Documents added so far. */
uint64_t ix_writer_docs(const IxWriter *w);

/* Finish the new segment, apply the merge policy (FORMAT.md §1a), write the
** commit point, fsync, publish it atomically through CURRENT, remove what
** nothing names any more, release the lock and free w (always, even on
** failure). On failure nothing is published and the previous commit still
** serves. stats may be NULL. */
int ix_writer_commit(IxWriter *w, IxWriteStats *stats, SwError *err);

/* Throw away everything written, release the lock, free w. NULL: no-op. */
void ix_writer_abort(IxWriter *w);

/* ---------------------------------------------------------------- reader -- */

typedef struct IxReader IxReader;

/* Open the live commit point of dir and hold it (no writer removes it or
** its segments until ix_reader_close): mmap every file of every segment,
** check magic, version, sizes and footers. Errors: SW_NOTFOUND (no
** CURRENT), SW_CORRUPT (names the file and what is wrong), SW_VERSION
** ("index format N; this build reads 1..M"), SW_IO, SW_NOMEM. */
int ix_reader_open(const char *dir, IxReader **out, SwError *err);
void ix_reader_close(IxReader *r); /* NULL is a no-op */

/* Doc ids run from 0 to ix_reader_doc_count - 1 over all segments, deleted
** documents included (they keep their ids; no iterator returns them). The
** statistics BM25 needs count live documents only. */
uint32_t ix_reader_doc_count(const IxReader *r);
uint32_t ix_reader_live_docs(const IxReader *r);
uint64_t ix_reader_total_tokens(const IxReader *r); /* live doc lengths */
double ix_reader_avg_doc_len(const IxReader *r);    /* over live docs   */
int ix_reader_is_deleted(const IxReader *r, SwDocId d); /* 1 if deleted */

/* What the index holds, for `swsearch stats` (the engine copies it into its
** public SwIndexStats). */
#define IX_STATS_FILES 16
typedef struct IxStats {
  uint64_t generation;    /* commit point number                     */
  uint64_t docs;          /* live documents                          */
  uint64_t segments;      /* segments of the commit point            */
  uint64_t deleted;       /* deleted documents still in segments     */
  uint64_t terms;         /* distinct terms of each segment, summed  */
  uint64_t tokens;        /* sum of live document lengths            */
  double avg_doc_len;     /* over live documents                     */
  uint32_t format_version;
  size_t nfiles;
  struct {
    char name[64];        /* file kind (summed over segments), NUL-terminated */
    uint64_t bytes;
  } files[IX_STATS_FILES];
} IxStats;

/* Fill *out (generation, docs, terms, tokens, files). */
int ix_reader_stats(const IxReader *r, IxStats *out, SwError *err);

/* Document length in tokens (title + text), for BM25. d < doc_count. */
uint32_t ix_doc_len(const IxReader *r, SwDocId d);
/* The lengths of documents first, first + 1, ... into out[0..max): how
** many it wrote (fewer at the end of a segment; 0 past the last document).
** A loop over every document without a lookup per document. */
uint32_t ix_doc_lens(const IxReader *r, SwDocId first, uint32_t *out,
                     uint32_t max);

/* Stored metadata of document d. Pointers borrow the mapping and live until
** ix_reader_close; they are NOT NUL-terminated. Errors: SW_CORRUPT,
** SW_NOTFOUND (d out of range). */
typedef struct IxDocMeta {
  const char *id;     size_t id_len;
  const char *title;  size_t title_len;
  const char *date;   size_t date_len;
  const char *source; size_t source_len;
  const char *url;    size_t url_len;
  const char *file;   size_t file_len;
  const char *facets; size_t facets_len;  /* as IxDoc.facets ("" in format 1) */
} IxDocMeta;
int ix_doc_meta(IxReader *r, SwDocId d, IxDocMeta *out, SwError *err);

/* Full stored text of document d, decompressed into a new NUL-terminated
** buffer the caller frees with sw_free. Errors: SW_CORRUPT, SW_NOMEM,
** SW_NOTFOUND. */
int ix_doc_text(IxReader *r, SwDocId d, char **text, size_t *len,
                SwError *err);

/* --- terms and postings --- */

/* What the dictionary knows of a term. The locator fields are the index
** layer's own (callers pass the struct back unchanged). */
typedef struct IxTermInfo {
  uint32_t df;        /* live documents containing the term          */
  uint32_t max_tf;    /* largest frequency in any one document (an
                         upper bound: deleted documents count)       */
  uint64_t cf;        /* total occurrences (deleted docs included)   */
  uint64_t loc[5];    /* private: offsets/sizes into postings files
                         and the postings checksum, or which
                         segments hold the term                      */
  const char *term;   /* private: the term bytes ix_term_find got,
                         borrowed; with several segments
                         ix_postings_open looks them up again, so
                         they must live until then                   */
  size_t term_len;
} IxTermInfo;

/* Look up term[0..len) (an analysed term). SW_OK and *out filled when
** present; SW_NOTFOUND when not; SW_CORRUPT on damaged dictionary data. */
int ix_term_find(IxReader *r, const char *term, size_t len, IxTermInfo *out,
                 SwError *err);

/* A postings iterator. The struct is the public head of a private one:
** after ix_postings_open and after every next/seek that returned SW_OK,
** `doc` and `freq` describe the current posting, or eof == 1 and
** doc == IX_DOC_END when the list is exhausted. A freshly opened iterator is
** positioned on its first posting. After an error return, only free is legal.
*/
typedef struct IxPostings {
  SwDocId doc;    /* current document, IX_DOC_END at the end     */
  uint32_t freq;  /* occurrences of the term in doc              */
  int eof;        /* 1 after the last posting                     */
} IxPostings;

/* Open an iterator over the postings of a term found by ix_term_find.
** with_positions: 1 if ix_postings_positions will be called. */
int ix_postings_open(IxReader *r, const IxTermInfo *ti, int with_positions,
                     IxPostings **out, SwError *err);

/* Advance to the next posting. */
int ix_postings_next(IxPostings *p, SwError *err);

/* Advance to the first posting with doc >= target (no move if already
** there), skipping whole blocks by their skip data. */
int ix_postings_seek(IxPostings *p, SwDocId target, SwError *err);

/* Positions of the current posting, ascending, freq of them. *pos borrows
** the iterator's buffer until the next next/seek/free. Only for iterators
** opened with_positions. Errors: SW_CORRUPT. */
int ix_postings_positions(IxPostings *p, const uint32_t **pos, uint32_t *n,
                          SwError *err);

/* The first position >= target of the current posting, for checking a
** frequent term (`och`) at a few candidate positions without decoding all
** its positions in the document. On SW_OK, *found = 1 and *pos = that
** position, or *found = 0 and *pos = 0 when every position of the posting
** is below target (or the iterator is at its end). Positions are consumed
** in order and only as far as needed, so calls for one posting should come
** with non-decreasing targets; a smaller target than the previous call's
** rescans the document from its start (correct, only slower). Calls may be
** mixed with ix_postings_positions on the same posting; next/seek/free end
** it. Only the positions consumed are validated: the rest of the document
** is skipped, unread, when the iterator moves on (as the documents before
** the current one in a block always are; ix_check validates everything).
** Only for iterators opened with_positions. Errors: SW_CORRUPT (a consumed
** position truncated, not ascending or past 2^32 - 1, or the block too
** short), SW_NOMEM (a zstd block's buffer); then *found = 0, *pos = 0, and
** only free is legal. */
int ix_postings_position_seek(IxPostings *p, uint32_t target,
                              uint32_t *pos /* OUT */, int *found /* OUT */,
                              SwError *err);

/* Skip data of the block holding the current posting, for top-k pruning:
** its last doc id and largest freq. */
SwDocId ix_postings_block_last(const IxPostings *p);
uint32_t ix_postings_block_max_tf(const IxPostings *p);
/* The current block's impact (FORMAT.md §4, format 3): no document of the
** block has tf / (tf + k1 * (1 - b + b * len / avg)) above it, with the
** manifest's k1, b and the segment's average length avg. INFINITY when the
** term has one block or the index no impacts. */
float ix_postings_block_impact(const IxPostings *p);
/* A factor s >= 1 such that impact * s bounds every block's documents
** under the reader's own average length (over live documents, all
** segments), when every segment has impacts for k1, b; else 0. */
double ix_reader_impact_scale(const IxReader *r, double k1, double b);
/* 1 if every segment of r was made by this build's analysis (its format-3
** manifest records IX_ANALYSIS_VERSION; older segments do not say), so the
** positions r holds for a stored text are exactly those analysing the text
** gives (the engine's snippets then analyse only the words there). */
int ix_reader_analysis_current(const IxReader *r);
/* Leave the current block for the first later one whose impact is above
** limit, reading only skip entries; eof if none. Multi-segment iterators
** move one block at a time. */
int ix_postings_skip_blocks(IxPostings *p, double limit, SwError *err);

void ix_postings_free(IxPostings *p); /* NULL is a no-op */

/* ----------------------------------------------------------------- check -- */

/* Verify the live commit point of dir and every segment it names, reading
** every byte: footers, checksums,
** every block decoded, terms sorted, doc ids ascending and < doc count,
** freqs match positions, df/cf match postings, doc table consistent,
** deletion bitmaps consistent, no id live twice. report
** (may be NULL) gets one line per file. Returns SW_OK or the first error. */
typedef void (*IxReportFn)(void *ctx, const char *line);
int ix_check(const char *dir, IxReportFn report, void *ctx, SwError *err);

/* --------------------------------------------------------------- inspect --
** What `swsearch inspect` shows of the segments of an open reader
** (index/inspect.c): each segment's manifest and place in the doc id space,
** and one segment's own dictionary entry and postings of a term. */

typedef struct IxSegmentInfo {
  const char *name;        /* "seg-00000003" (or format 1's "gen-"), borrowed
                              from the reader                              */
  const char *dir;         /* its directory DIR/name, borrowed             */
  uint32_t version;        /* format version of its manifest               */
  uint64_t number;         /* the number in its name                       */
  SwDocId base;            /* global id of its first document              */
  uint32_t docs;           /* documents, deleted included                  */
  uint32_t ndel;           /* of them deleted                              */
  uint64_t terms;          /* manifest: distinct terms                     */
  uint64_t tokens;         /* manifest: sum of document lengths            */
  uint64_t text_bytes;     /* manifest: title + text bytes analysed        */
  uint32_t analysis;       /* manifest: analysis version (0: unknown)      */
  double impact_k1, impact_b; /* manifest: impacts' BM25 k1, b (0: none)    */
  size_t nfiles;           /* files of the segment (FORMAT.md §2)          */
  const char *file_name[8];
  uint64_t file_size[8];   /* manifest: length of each                     */
  uint64_t file_sum[8];    /* manifest: footer checksum of each            */
} IxSegmentInfo;

uint64_t ix_reader_generation(const IxReader *r); /* the commit's number   */
int ix_reader_legacy(const IxReader *r);  /* 1: format 1 gen-N directory    */
uint32_t ix_reader_segments(const IxReader *r); /* segments, doc id order   */
/* Segment i (< ix_reader_segments) of r. */
void ix_reader_segment_info(const IxReader *r, uint32_t i, IxSegmentInfo *out);
/* The segment holding global doc d, or UINT32_MAX when d is out of range. */
uint32_t ix_reader_segment_of(const IxReader *r, SwDocId d);
/* Look up term[0..len) in segment i's own dictionary (*ti: its df, cf,
** max_tf there, deleted documents counted) and open an iterator over that
** segment's postings, deleted documents included, with doc ids LOCAL to
** the segment (add IxSegmentInfo.base). SW_NOTFOUND when the segment does not
** hold the term; SW_CORRUPT, SW_NOMEM. Free with ix_postings_free. */
int ix_segment_postings(IxReader *r, uint32_t i, const char *term, size_t len,
                        int with_positions, IxTermInfo *ti, IxPostings **out,
                        SwError *err);

#endif /* SW_INDEX_H */
