/*
** engine_int.h — private interfaces between the engine's files. Not seen by
** cli/ or bench/ (they use swsearch.h only). One banner section per file.
*/
#ifndef SW_ENGINE_INT_H
#define SW_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "metadata.h"
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
** non-string id/text, binary or empty file, a path that does not exist, a
** document over SW_MAX_DOC_BYTES, a symlink loop) is reported through warn
** with "file:line" or "file" and skipped; it never stops the walk. A file
** named explicitly with another extension is reported and skipped too.
** Details (title trimming, Markdown heading marks, line limits): intake.c.
** The counters are the public SwReadStats (swsearch.h, sw_read_documents). */

/* Called once per document. `where` is "file:line" or "file" for messages.
** doc and where are borrowed for the duration of the call only (doc's
** strings need not be NUL-terminated). A non-SW_OK return stops the
** walk and is returned by eng_intake_paths (the callback fills err). */
typedef int (*EngDocFn)(void *ctx, const IxDoc *doc, const char *where,
                        SwError *err);

/* Walk paths[0..npaths) in order and call fn(ctx, ...) for every document.
** warn (may be NULL) gets every problem; stats (may be NULL) is reset, then
** counted. Returns SW_OK when the walk finished, however much was skipped
** (the caller decides whether zero documents is an error); SW_NOMEM; or the
** code a callback returned, with err filled. The cJSON allocator is pointed at
** sw_malloc/sw_free (a process-wide setting of cJSON). */
int eng_intake_paths(const char *const *paths, size_t npaths, EngDocFn fn,
                     void *ctx, SwWarnFn warn, void *warn_ctx,
                     SwReadStats *stats, SwError *err);

/* ====================================================== interface to query.c
** Query language v1: text -> an analysed, flat AST.
**
**   query  := item*
**   item   := '-' atom | atom ( 'OR' atom )*
**   atom   := word | '"' text '"'
**
** Whitespace separates items. A word is a run of bytes up to whitespace or a
** quote; the exact word `OR` (upper case) is the operator, `or` is a word.
** Quotes are ASCII " or the typographic “ ” „ « » (any opens, any closes:
** Swedish writes ”...” with the same mark on both sides). `-` at the start of
** a word excludes the word or phrase it prefixes; a lone `-` is ignored.
**
** Every word and phrase is analysed with the document chain (an_begin/an_next):
**   - no tokens (`!!!`, `""`): the atom vanishes;
**   - one token: a term atom;
**   - several tokens (`Rinkeby-Kista`, `covid-19`, a quoted phrase): a phrase
**     atom whose slots keep the tokens' relative positions.
** Then:
**   - OR joins its two neighbours into one clause and binds tighter than the
**     implicit AND: `x a OR b` = x AND (a OR b);
**   - a bare one-token word that is a stop word (AN_STOP) and not excluded is
**     dropped (also out of an OR group) unless that would leave no positive
**     clause, in which case every stop word is kept;
**   - duplicates count once: equal alternatives within a clause, equal
**     clauses and equal exclusions are merged; equal terms share one entry
**     of the term table;
**   - exclusions (`-word`, `-"phrase"`) are kept even if they are stop words
**     (the user asked for them explicitly).
** Errors (SW_QUERY, message "<problem> at column N", N 1-based in
** characters): empty query, unbalanced quote (column of the opening quote),
** dangling OR, OR next to an exclusion, more than SW_MAX_QUERY_TERMS tokens,
** nothing to search for (only exclusions or tokenless words). A query over
** SW_MAX_QUERY_BYTES is SW_LIMIT. */

typedef struct EngQTerm {
  uint32_t off;      /* first byte of the term in EngQuery.bytes          */
  uint32_t len;      /* length of the term in bytes                       */
  uint8_t stop;      /* 1: every token giving this term was a stop word   */
  uint8_t used;      /* 1: some clause or exclusion of the result uses it */
  uint8_t positive;  /* 1: some positive clause uses it                   */
  uint8_t bare;      /* 1: a positive clause uses it as a one-term atom   */
  uint8_t alt;       /* 1: only as an expansion (expand.c) of some word   */
  uint8_t joined;    /* 1: a compound joining two typed words (expand.c):
                        counts as both of them when ranking              */
  float boost;       /* BM25 weight factor: 1, below 1 for expansions     */
} EngQTerm;

typedef struct EngQSlot {
  uint32_t term;     /* index into EngQuery.terms                         */
  uint32_t off;      /* position relative to the atom's first token       */
} EngQSlot;

/* A term (nslots == 1) or a phrase (nslots > 1). */
typedef struct EngQAtom {
  uint32_t slot;     /* first slot in EngQuery.slots                      */
  uint32_t nslots;   /* tokens of the atom                                */
  uint32_t column;   /* 1-based column of the atom in the query text      */
  uint32_t exact;    /* 1: typed in quotes: no expansion (expand.c)       */
} EngQAtom;

/* A positive clause: its alternatives (joined by OR) are adjacent atoms. */
typedef struct EngQClause {
  uint32_t atom;     /* first alternative in EngQuery.atoms               */
  uint32_t natoms;   /* number of alternatives (1: a plain term/phrase)   */
  uint32_t filter;   /* 1: a metadata filter: required in every mode and
                        adds nothing to scores (expand.c)                  */
} EngQClause;

/* Metadata filters, `key:value` or `key:"value"` (expand.c turns them into
** clauses over facet terms; FORMAT.md §7 and build.c say which). A `-`
** before the key excludes instead. */
enum {
  ENG_F_TYPE = 1,   /* typ:motion                         */
  ENG_F_YEAR,       /* år:2021 (also ar:)                  */
  ENG_F_DATE,       /* datum:2021-03-24 or datum:A..B      */
  ENG_F_PARTY,      /* parti:V                             */
  ENG_F_ORGAN,      /* organ:socialnämnden                 */
  ENG_F_DNR         /* dnr:"KS 2020/1050"                  */
};

typedef struct EngQFilter {
  int key;           /* ENG_F_*                                           */
  int neg;           /* 1: exclude documents that match                   */
  uint32_t off, len; /* the value as typed, in EngQuery.fbytes            */
  uint32_t column;   /* 1-based column of the key                         */
} EngQFilter;

/* The parsed query. After a successful eng_query_parse the result fields
** (first group) describe it; they stay valid until the next parse or free.
** The scratch group is the parser's own. */
typedef struct EngQuery {
  EngQTerm *terms;       /* distinct terms                                */
  uint32_t nterms;       /* ... held                                      */
  char *bytes;           /* term text, referenced by EngQTerm.off/len     */
  EngQSlot *slots;       /* tokens of the atoms                           */
  EngQAtom *atoms;       /* clause alternatives, then the exclusions      */
  uint32_t natoms;       /* ... held                                      */
  EngQClause *clauses;   /* positive clauses: all required                */
  uint32_t nclauses;     /* ... held                                      */
  uint32_t excl;         /* first exclusion in atoms                      */
  uint32_t nexcl;        /* number of exclusions                          */
  uint32_t ntokens;      /* tokens analysed (the SW_MAX_QUERY_TERMS count) */
  EngQFilter *filters;   /* metadata filters, in query order              */
  uint32_t nfilters;     /* ... held                                      */
  size_t filters_cap;    /* ... allocated                                 */
  char *fbytes;          /* their values                                  */
  size_t fbytes_len, fbytes_cap;
  int question;          /* 1: a question typed as a sentence (ends with
                            '?' or opens with a question word), >= 2
                            clauses: ranked as a question (eval.c)       */
  /* scratch, private to query.c */
  void *items;           /* lexed items (query.c's QItem)                 */
  size_t items_cap;      /* ... allocated                                 */
  size_t terms_cap;      /* terms allocated                               */
  size_t bytes_cap;      /* bytes allocated                               */
  size_t bytes_len;      /* bytes used                                    */
  size_t slots_cap;      /* slots allocated                               */
  size_t nslots;         /* slots used (also by dropped atoms)            */
  size_t atoms_cap;      /* atoms allocated                               */
  size_t clauses_cap;    /* clauses allocated                             */
} EngQuery;

/* Create an empty query object, reused by every eng_query_parse. Errors:
** SW_NOMEM. */
int eng_query_new(EngQuery **out, SwError *err);
void eng_query_free(EngQuery *q); /* NULL is a no-op */

/* Parse text[0..len) into q, analysing words with an (which is left at an
** arbitrary state). On failure q is empty (no clauses). Errors: SW_QUERY,
** SW_LIMIT (text over SW_MAX_QUERY_BYTES), SW_NOMEM. */
int eng_query_parse(EngQuery *q, AnAnalyzer *an, const char *text,
                    size_t len, SwError *err);

/* The term table's entry for term[0..len) (interned if new, with boost 1
** and no flags). Returns its index, or -1 on SW_NOMEM (err set). For
** expand.c. */
long eng_query_intern(EngQuery *q, const char *term, size_t len,
                      SwError *err);

/* Canonical one-line form of q for tests and debugging: clauses in query
** order separated by spaces, `(a|b)` for OR, `"a b"` for phrases, `-x` for
** exclusions, terms as analysed. Writes at most cap bytes, NUL-terminated
** (truncated if needed); returns the full length. */
size_t eng_query_describe(const EngQuery *q, char *buf, size_t cap);

/* ===================================================== interface to expand.c
** Query expansion: after parsing, a clause may get alternatives beyond the
** words the user typed, each with a boost below 1, so that it weighs less
** than the word typed in the one score (eval.c; a clause scores its best
** alternative):
**   - ASCII-folded spellings: a word typed without å, ä, ö whose term is
**     rare or absent in the index (`besoker`, `overenskommelse`) also
**     matches the spellings with those letters that the index holds
**     (ENG_BOOST_FOLD; full weight when the index lacks the spelling typed:
**     it can only mean them);
**   - synonyms and abbreviations from a synonyms file (corpus/synonyms.conf):
**     an abbreviation typed in the query (`SIG`, `LVU`; an all-lower-case
**     one only if it is not a stop word, so `sig` the pronoun stays one)
**     also matches its long form as a phrase, and a long form typed as
**     consecutive words also matches the abbreviation (ENG_BOOST_SYNONYM);
**   - compound parts: every typed word also matches compounds that hold it
**     as a part (`grupper` finds `insatsgrupper`; AN_NS_PART terms), below
**     the word itself (ENG_BOOST_PART); phrases stay exact. search.c first
**     runs the query without parts and adds them only when fewer than
**     ENG_PARTS_BELOW (10) documents hold every clause (`parts`): measured
**     on the judged sets, parts lose where enough documents have the
**     typed words;
**   - two neighbouring words both inside one compound (`nämnder i
**     stadsdelar`): the compound the index holds (`stadsdelsnämnd`) is an
**     alternative of both clauses and counts as both words typed;
** Expansion never removes what the user typed: a clause keeps its atoms
** and gains alternatives. */

#define ENG_BOOST_FOLD 0.5f
#define ENG_BOOST_PART 0.6f  /* a word found as a part of a compound       */
/* The title field (eval.c, title_rerank). Read as an OR alternative of
** every word (BM25F proper), the title terms the index holds cost term
** queries 70 % at p50 (bench/queries.tsv) for an nDCG@10 change of +0.0015
** on corpus/queries/municipal.tsv. Instead the best ENG_TITLE_DEPTH hits
** by score (ties by doc id, as everywhere) each gain, per query word (typed
** or expansion) in its title, ENG_TITLE_BONUS times the word's BM25 weight
** (its score at saturation), and are sorted again; a fixed depth, so the
** first hits do not depend on k. Tuned on corpus/queries/municipal.tsv
** (bench/README.md). */
#define ENG_TITLE_DEPTH 20
#define ENG_TITLE_BONUS 0.5
/* Documents a query names (eval.c, find_known: its whole title is the
** query's words, or its own id or diarienummer holds the query's
** identifier): at most ENG_KNOWN_MAX are checked and promoted, each by
** ENG_KNOWN_BONUS times the query's weight (its clauses' bounds summed),
** more than any score without it. */
#define ENG_KNOWN_MAX 16
#define ENG_KNOWN_BONUS 2.0
#define ENG_BOOST_SYNONYM 0.8f

typedef struct EngSynonyms EngSynonyms;

/* Read a synonyms file: `#` comments, blank lines, and lines `A = B` where
** A and B are word sequences (the first side usually the abbreviation).
** Each side is analysed with an. Errors: SW_IO (unreadable; names the
** file), SW_INPUT (a malformed line: "file:line: ..."), SW_NOMEM. */
int eng_synonyms_load(const char *path, AnAnalyzer *an, EngSynonyms **out,
                      SwError *err);
void eng_synonyms_free(EngSynonyms *s); /* NULL is a no-op */
size_t eng_synonyms_count(const EngSynonyms *s);

/* Add the alternatives above to the parsed q (text[0..len) is the query
** as typed, for the case of abbreviations). syn may be NULL. Errors:
** SW_NOMEM, SW_CORRUPT (dictionary lookups). */
int eng_query_expand(EngQuery *q, IxReader *r, AnAnalyzer *an,
                     const EngSynonyms *syn, const char *text, size_t len,
                     int parts, SwError *err);

/* ====================================================== interface to facet.c
** Facet terms (FORMAT.md §3a, §7), owned by facet.c: what eng_meta_extract
** finds in a document, indexed once at position 0 and stored with it, as
** AN_NS_FACET + key + ':' + value: `typ:<type>`, `år:<yyyy>`,
** `mån:<yyyy-mm>`, `dag:<date>`, `parti:<code, lower case>`,
** `organ:<name>`, `dnr:<canon>`. build.c writes them, filters (expand.c)
** search them, hits and facet counts (search.c) read them back. */

enum {
  ENG_FK_TYPE,  /* typ   */
  ENG_FK_YEAR,  /* år    */
  ENG_FK_MONTH, /* mån   */
  ENG_FK_DAY,   /* dag   */
  ENG_FK_PARTY, /* parti */
  ENG_FK_ORGAN, /* organ */
  ENG_FK_DNR,   /* dnr   */
  ENG_FK_COUNT
};

/* The key's name ("typ", "år", ...; "" for an unknown key). */
const char *eng_facet_key_name(int key);

/* The facet term of key and v[0..vl) into out (cap bytes): its length, or
** 0 when it does not fit (or key is unknown). */
size_t eng_facet_term(int key, const char *v, size_t vl, char *out,
                      size_t cap);

/* The facet terms of m as { u8 len, bytes }* into buf (cap bytes); returns
** the bytes used (terms that do not fit are left out). */
size_t eng_facets_encode(const EngMeta *m, char *buf, size_t cap);

/* The stored facet field of document d: its metadata (meta is scratch,
** filled by eng_meta_extract) encoded as above, then the identifiers of its
** id as AN_NS_IDENT terms. Returns the bytes used of buf. */
size_t eng_doc_facets(const IxDoc *d, EngMeta *meta, char *buf, size_t cap);

/* One facet term of a stored field, as eng_facet_next reads it. */
typedef struct EngFacetRef {
  int key;            /* ENG_FK_*, or -1 for a key this build does not know */
  const char *value;  /* borrowed from the field                           */
  size_t len;
} EngFacetRef;

/* The next term of the stored field f[*o..n), whichever its namespace:
** *term (its first byte the namespace) and *len; 0 at the end or at a
** length byte below 2 or past the end. */
int eng_facet_field_next(const char *f, size_t n, size_t *o,
                         const char **term, size_t *len);

/* The next facet term of the field f[*o..n) into *r, skipping identifier
** terms; 0 at the end or on bad bytes. */
int eng_facet_next(const char *f, size_t n, size_t *o, EngFacetRef *r);

/* ======================================================= interface to bm25.c
** Okapi BM25 with k1 = 1.2, b = 0.75 (the maths is explained in bm25.c).
** A term's contribution to a document's score is
**     wt * tf / (tf + norm[doc])
** where wt = idf * (k1 + 1) is computed once per query term and
** norm[doc] = k1 * (1 - b + b * len(doc) / avg_len) once per index open. */

#define ENG_BM25_K1 1.2
#define ENG_BM25_B 0.75

/* idf = log(1 + (n_docs - df + 0.5) / (df + 0.5)); never negative. */
double eng_bm25_idf(uint64_t n_docs, uint64_t df);

/* The per-term constant idf * (k1 + 1). */
double eng_bm25_weight(uint64_t n_docs, uint64_t df);

/* Fill a new array of ix_reader_doc_count(r) length norms, one per
** document, owned by the caller (sw_free). *out is NULL for an empty index.
** Errors: SW_NOMEM. */
int eng_bm25_norms(IxReader *r, float **out, SwError *err);

/* One term's contribution; see above. */
static inline double eng_bm25_term(double wt, uint32_t tf, float norm) {
  double f = (double)tf;
  return wt * f / (f + (double)norm);
}

/* ======================================================= interface to eval.c
** Document-at-a-time evaluation of an EngQuery over the postings, keeping
** the top k in a bounded min-heap.
**
** Iterators. Every node of the plan is an EngIter sharing one protocol
** (ops): after the plan is built and after every next/seek that returned
** SW_OK, `doc` is the iterator's current document, or IX_DOC_END when it is
** exhausted. `next` moves past doc; `seek(t)` moves to the first match with
** doc >= t (no move when doc >= t already). `collect` (only when doc is a
** real document) records, for scoring, the terms matched at doc. After an
** error return only the plan's teardown is legal. Kinds: term (one postings
** list), phrase (leapfrog AND of its terms, positions checked only for the
** candidates), OR (union), empty (a term the index lacks). The top level
** is an AND of the clauses (leapfrog from the rarest), with exclusions
** checked by seeking their iterators to each candidate.
**
** Partial mode: when no document survives the AND (and there are >= 2
** positive clauses), the plan is rebuilt and the union of the clauses is
** ranked by (clauses matched, score); total = documents matching >= 1. */

typedef struct EngHitRaw {
  SwDocId doc;       /* document id                                       */
  double score;      /* the ranking score (eval.c): hits are in its order  */
  uint32_t clauses;  /* positive clauses it matches (SwHit.matched)       */
} EngHitRaw;

typedef struct EngEvalResult {
  const EngHitRaw *hits; /* best first; borrowed until the next run/free  */
  size_t nhits;
  uint64_t total;        /* matching documents (see partial); an estimate
                            when total_exact is 0                          */
  int total_exact;       /* 0: pruning skipped candidates unchecked, so
                            total is estimated (eng_eval_run)              */
  int partial;           /* 1: no document holds every clause              */
  int deferred;          /* 1: documents lacking a word not ranked
                            (eng_eval_run's rest_from)                    */
  uint32_t clauses;      /* positive clauses of the query                  */
  const SwDocId *all;    /* every matching document (eng_eval_run's
                            collect), in no set order; borrowed          */
  size_t nall;
} EngEvalResult;

typedef struct EngEval EngEval;

/* Scratch for evaluation, reused query after query. Errors: SW_NOMEM. */
int eng_eval_new(EngEval **out, SwError *err);
void eng_eval_free(EngEval *ev); /* NULL is a no-op */

/* Evaluate q over r: norms from eng_bm25_norms (NULL only for an empty
** index), k >= 1 hits wanted. collect: list every matching document (for
** facets; implies exhaustive). exhaustive: 0 lets top-k pruning skip
** candidates that cannot enter the best hits (the hits are the same; the
** total may become an estimate, total_exact 0); 1 examines every
** candidate (tests compare the two). rest_from: in a query of several
** clauses, the documents lacking a word are ranked only when at least this
** many hold every clause; when fewer do, out->deferred is 1, the hits are
** only those, and the caller means to run again (search.c: with compound
** parts). an (may be NULL: no title matching) analyses the titles of
** documents the query may name (eval.c, find_known: those whose whole title
** is the query's words, or whose own id holds its identifier, come first);
** it is left at an arbitrary state. Errors: SW_CORRUPT (damaged postings,
** or doc ids out of range), SW_NOMEM, SW_IO. */
int eng_eval_run(EngEval *ev, IxReader *r, const float *norms,
                 const EngQuery *q, AnAnalyzer *an, size_t k, int collect,
                 int exhaustive, uint64_t rest_from, EngEvalResult *out,
                 SwError *err);

/* ==================================================== interface to snippet.c
** The best passage of a document's text for a query, highlighted. See
** snippet.c for how the window is chosen and cut. */

typedef struct EngSnippet EngSnippet;

int eng_snippet_new(EngSnippet **out, SwError *err); /* SW_NOMEM */
void eng_snippet_free(EngSnippet *sn);               /* NULL is a no-op */

/* Where analysis of document doc's text[0..len) should start for q: 0 for
** texts up to 64 KiB; for larger ones a byte offset (at a word start)
** estimated from the first text position of a query term in the postings;
** len when the text holds no query term at all. Errors: SW_CORRUPT,
** SW_NOMEM (from the index). */
int eng_snippet_locate(IxReader *r, AnAnalyzer *an, const EngQuery *q,
                       SwDocId doc, const char *text, size_t len,
                       size_t *from, SwError *err);

/* Make a snippet of text[0..len) for q, about chars characters (markup not
** counted; at least 16), highlight one of SW_HL_*. Analysis starts at byte
** from (eng_snippet_locate; 0 = the start, len = none: the text's start is
** shown); if nothing is found after from > 0, the whole text is analysed.
** *out (valid UTF-8, not NUL-terminated, *out_len bytes) borrows sn's
** buffer until the next call or eng_snippet_free. Errors: SW_NOMEM. */
int eng_snippet_make(EngSnippet *sn, AnAnalyzer *an, const EngQuery *q,
                     const char *text, size_t len, size_t from, size_t chars,
                     int highlight, const char **out, size_t *out_len,
                     SwError *err);

/* With compound parts in q every word of a text is costly to analyse (split
** and stemmed, caches cold in a new process). eng_snippet_hint asks the
** index where q's positive terms are in document doc's text and has an
** analyse only the words there, for the eng_snippet_make that follows with
** from = 0; eng_snippet_unhint after it. Only for an index all made by this
** build's analysis (ix_reader_analysis_current): the candidates are then a
** full analysis's. Should a hinted position still hold no query term,
** eng_snippet_make analyses every word instead.
** Returns 1 if hinted, else 0 (on any failure: the text is analysed whole,
** nothing else changes). */
int eng_snippet_hint(EngSnippet *sn, IxReader *r, AnAnalyzer *an,
                     const EngQuery *q, SwDocId doc);
void eng_snippet_unhint(EngSnippet *sn, AnAnalyzer *an);

#endif /* SW_ENGINE_INT_H */
