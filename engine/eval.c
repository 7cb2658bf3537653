/*
** eval.c — query evaluation: the iterator plan (term, phrase, OR, empty),
** the runs (one term; one clause by leapfrog; several clauses ranked softly
** by BM25 times the share of words held, with MaxScore and block-max
** pruning; questions over the whole union), scoring and the bounded top-k
** heap. One order for every hit: its score. Interface: engine_int.h, "interface
** to eval.c", which also states the iterator protocol.
**
** Everything is document-at-a-time: each iterator sits on one document and
** only moves forward, so a query reads each postings list once, in order,
** skipping blocks through ix_postings_seek. Nothing is allocated per posting
** or per document: the plan's nodes, pointer arrays, phrase scratch and the
** heap live in EngEval arrays sized once per query from the AST (and kept
** for the next query). Postings iterators are the index layer's, opened per
** query term.
**
** Scoring (iter_score): a document's score is the sum over the clauses it
** holds of each clause's score: a term's BM25 (bm25.c), a phrase's terms'
** BM25 summed (not a phrase frequency), and for a word with alternatives
** (expansions, synonyms, compound parts) the best alternative it holds.
** With several clauses that sum is multiplied by the share of the words
** held (the coordination factor; run_soft). After the run, the best hits
** gain a title bonus (title_rerank) and a proximity bonus for neighbouring
** query words close together (proximity), each over a fixed depth.
**
** Pruning: run_and checks a phrase clause's positions only for documents
** whose score (known before the positions) could enter the heap, and
** estimates the total past ENG_EXACT_FIRST candidates from a sample
** (exhaustive mode and facets examine everything). A single-term query
** skips postings blocks whose impact (format 3's skip entries) cannot beat
** the heap (block-max); documents lacking a word are found by MaxScore with
** block-max (run_rest). The hits are always those of examining everything.
**
** Not here: parsing (query.c), the BM25 formula (bm25.c), hit metadata and
** snippets (search.c, snippet.c).
*/
#include "engine_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Phrase clauses run_and checks lazily (the rest eagerly). */
#define ENG_MAX_LAZY 8
/* run_and checks the phrases of the first this many candidates, so their
** count is exact; of the later ones it checks those that could enter the
** heap and every ENG_PRUNE_SAMPLE-th, from which it estimates the rest.
** Both fixed, not tied to k, so the total is the same whatever k. */
#define ENG_EXACT_FIRST 500
/* Proximity: what two neighbouring query words side by side add, times the
** lesser of their weights (proximity). */
#define ENG_PROX_BONUS 0.25
#define ENG_PROX_DEPTH 10 /* hits checked, fixed (not k) */
/* When some document holds every word, one lacking a word is a hit only
** if the words it holds carry at least this share of the query's weight
** (their bounds, about their idf): `skygglappar` alone is a hit for
** "skygglappar göra", `göra` alone is not. Questions (run_union) are
** exempt: their words are many. */
#define ENG_SOFT_MIN 0.5
#define ENG_PRUNE_SAMPLE 4

typedef struct EngIter EngIter;

typedef struct EngIterOps {
  int (*next)(EngIter *it, SwError *err);
  int (*seek)(EngIter *it, SwDocId target, SwError *err);
} EngIterOps;

/* One plan node. `doc` and the protocol are in engine_int.h; the other
** fields belong to the kind named in their comment. */
struct EngIter {
  SwDocId doc;            /* current document or IX_DOC_END                */
  uint64_t cost;          /* documents it may yield at most (ordering)     */
  const EngIterOps *ops;  /* the kind's operations                          */
  EngEval *ev;            /* owner: term marks and phrase scratch          */
  IxPostings *post;       /* term: the postings iterator (owned)           */
  uint32_t term;          /* term: index into the query's terms            */
  uint32_t nkids;         /* phrase, OR: children                          */
  EngIter **kids;         /* phrase: in phrase order; OR: alternatives     */
  EngIter **order;        /* phrase: kids by ascending cost (leapfrog)     */
  const EngQSlot *slots;  /* phrase: the atom's slots (relative offsets)   */
  uint32_t scratch;       /* phrase: first entry in ev->ord                */
  int lazy;               /* phrase: stop on every document holding all its
                             terms; run_and checks positions (phrase_verify)
                             only for those that could enter the heap      */
  SwDocId vdoc;           /* phrase: the document last found to hold it    */
  double bound;           /* top-level clause: the most it can add to a
                             document's BM25 (clause_bound)                */
  int prefixed;           /* top-level clause: run_rest counted its weight
                             among the non-essential leaves'               */
};

/* What evaluation knows of one query term. */
typedef struct TermState {
  IxTermInfo ti;          /* dictionary entry (when found)                 */
  double wt;              /* idf * (k1 + 1)                                 */
  int everywhere;         /* 1: an alternative of every word clause (a
                             compound joining the two words of a query):
                             no document lacking a word holds it          */
  int found;              /* 1: the index has the term                      */
} TermState;

struct EngEval {
  TermState *terms;       /* per query term                                 */
  size_t terms_cap;       /* ... allocated                                  */
  EngIter *iters;         /* plan nodes                                     */
  size_t iters_cap;       /* ... allocated (sized before a plan is built)   */
  size_t niters;          /* ... in use                                     */
  EngIter **ptrs;         /* clause lists and children                      */
  size_t ptrs_cap;        /* ... allocated (sized before a plan is built)   */
  size_t nptrs;           /* ... in use                                     */
  uint32_t *ord;          /* phrase scratch, per slot: kids by freq         */
  size_t ord_cap;         /* ... allocated                                  */
  size_t npos;            /* ... in use                                     */
  uint32_t *cand;         /* phrase start positions still possible          */
  size_t cand_cap;        /* ... allocated                                  */
  EngHitRaw *heap;        /* min-heap of the best hits, worst at [0]        */
  size_t heap_alloc;      /* entries allocated                              */
  size_t heap_cap;        /* entries kept: min(k, documents)                */
  size_t nheap;           /* entries held                                   */
  const float *norms;     /* BM25 length norm per document                  */
  uint32_t ndocs;         /* doc id space (deleted documents included)      */
  uint32_t nlive;         /* live documents: BM25's N                       */
  int collect;            /* 1: keep every matching document in all[]       */
  SwDocId *all;           /* the matching documents (when collect)          */
  size_t nall, all_cap;   /* ... held, allocated                            */
  int all_nomem;          /* 1: all[] could not grow                        */
  int prune;              /* 1: skip what cannot enter the heap (top-k)     */
  uint64_t cands;         /* run_and: candidates holding every term         */
  uint64_t sampled;       /* ... past ENG_EXACT_FIRST, checked to estimate
                             the total (1 in ENG_PRUNE_SAMPLE)             */
  uint64_t held;          /* ... of those, holding every phrase             */
  double impact_scale;    /* ix_reader_impact_scale: 0, no block impacts    */
  EngIter **leaves;       /* run_rest: alternatives by ascending bound      */
  size_t leaves_cap;      /* ... allocated                                  */
  double *cbound;         /* run_soft: clause_bound per clause, query order */
  size_t cbound_cap;      /* ... allocated                                  */
  SwDocId known[ENG_KNOWN_MAX]; /* find_known: documents the query names   */
  size_t nknown;          /* ... held                                       */
};

/* Record d as matching, for facet counts. */
static inline void matched_doc(EngEval *ev, SwDocId d) {
  if (!ev->collect) return;
  if (ev->nall == ev->all_cap &&
      sw_grow((void **)&ev->all, &ev->all_cap, ev->nall + 1, sizeof *ev->all)) {
    ev->all_nomem = 1;
    return;
  }
  ev->all[ev->nall++] = d;
}

int eng_eval_new(EngEval **out, SwError *err) {
  *out = sw_calloc(1, sizeof **out);
  if (!*out) return sw_error_set(err, SW_NOMEM, "out of memory (evaluator)");
  return SW_OK;
}

void eng_eval_free(EngEval *ev) {
  if (!ev) return;
  sw_free(ev->terms);
  sw_free(ev->iters);
  sw_free(ev->ptrs);
  sw_free(ev->ord);
  sw_free(ev->cand);
  sw_free(ev->heap);
  sw_free(ev->all);
  sw_free(ev->leaves);
  sw_free(ev->cbound);
  sw_free(ev);
}

/* ------------------------------------------------------------- scoring -- */

/* ---------------------------------------------------------------- heap -- */

/* 1 if a ranks below b: lower score, then higher id. One order for every
** query: no tiers of clauses matched or words typed, so hits come out in
** the order of the score they print. */
static inline int worse(const EngHitRaw *a, const EngHitRaw *b) {
  if (a->score != b->score) return a->score < b->score;
  return a->doc > b->doc;
}

static void sift_down(EngHitRaw *h, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, m = i;
    if (l < n && worse(&h[l], &h[m])) m = l;
    if (l + 1 < n && worse(&h[l + 1], &h[m])) m = l + 1;
    if (m == i) return;
    EngHitRaw t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

/* Keep hit if it is among the best heap_cap seen so far. */
static inline void offer(EngEval *ev, SwDocId d, double score,
                         uint32_t clauses) {
  EngHitRaw h = {d, score, clauses};
  if (ev->nheap < ev->heap_cap) {
    size_t i = ev->nheap++;
    while (i > 0) {
      size_t p = (i - 1) / 2;
      if (!worse(&h, &ev->heap[p])) break;
      ev->heap[i] = ev->heap[p];
      i = p;
    }
    ev->heap[i] = h;
  } else if (ev->heap_cap && worse(&ev->heap[0], &h)) {
    ev->heap[0] = h;
    sift_down(ev->heap, ev->nheap, 0);
  }
}

/* ---------------------------------------------------- title re-rank -- */

static int by_doc(const void *a, const void *b) {
  SwDocId x = ((const EngHitRaw *)a)->doc, y = ((const EngHitRaw *)b)->doc;
  return x < y ? -1 : x > y;
}

static int best_first(const void *a, const void *b) {
  const EngHitRaw *x = a, *y = b;
  return worse(x, y) - worse(y, x); /* the better one first */
}

/* Sort h[0..n) by cmp: insertion sort for the usual few dozen hits (qsort's
** merge sort cost more than the seeks), qsort beyond. */
static void sort_hits(EngHitRaw *h, size_t n,
                      int (*cmp)(const void *, const void *)) {
  if (n > 64) {
    qsort(h, n, sizeof *h, cmp);
    return;
  }
  for (size_t i = 1; i < n; i++) {
    EngHitRaw x = h[i];
    size_t j = i;
    for (; j > 0 && cmp(&h[j - 1], &x) > 0; j--) h[j] = h[j - 1];
    h[j] = x;
  }
}

/* The smallest distance between a position of a[0..na) and one of
** b[0..nb) (both ascending); UINT32_MAX when either is empty. */
static uint32_t min_distance(const uint32_t *a, uint32_t na, const uint32_t *b,
                             uint32_t nb) {
  uint32_t best = UINT32_MAX, i = 0, j = 0;
  while (i < na && j < nb) {
    uint32_t d = a[i] < b[j] ? b[j] - a[i] : a[i] - b[j];
    if (d < best) best = d;
    if (a[i] < b[j]) i++;
    else j++;
  }
  return best;
}

/* Proximity (ENG_PROX_BONUS): of h[0..n) (sorted by doc), a hit holding two
** neighbouring words of the query (typed, single-term clauses, in query
** order) gains ENG_PROX_BONUS times the lesser of their weights over their
** smallest distance in the document, per pair. */
static int proximity(EngEval *ev, IxReader *r, const EngQuery *q,
                     EngHitRaw *h, size_t n, SwError *err) {
  uint32_t w[16], nw = 0;
  for (uint32_t c = 0; c < q->nclauses && nw < 16; c++) {
    const EngQClause *cl = &q->clauses[c];
    if (cl->filter) continue;
    const EngQAtom *a = &q->atoms[cl->atom];
    if (a->nslots != 1) continue;
    uint32_t t = q->slots[a->slot].term;
    const EngQTerm *qt = &q->terms[t];
    if (!ev->terms[t].found || ev->terms[t].wt <= 0 || qt->stop ||
        qt->len == 0 || an_ns_special(q->bytes[qt->off]))
      continue;
    w[nw++] = t;
  }
  int rc = SW_OK;
  for (uint32_t k = 0; k + 1 < nw && !rc; k++) {
    IxPostings *pa = NULL, *pb = NULL;
    if ((rc = ix_postings_open(r, &ev->terms[w[k]].ti, 1, &pa, err)) ||
        (rc = ix_postings_open(r, &ev->terms[w[k + 1]].ti, 1, &pb, err))) {
      ix_postings_free(pa);
      return rc;
    }
    double wt = ev->terms[w[k]].wt < ev->terms[w[k + 1]].wt
                    ? ev->terms[w[k]].wt
                    : ev->terms[w[k + 1]].wt;
    for (size_t i = 0; i < n && !rc && !pa->eof && !pb->eof; i++) {
      if ((rc = ix_postings_seek(pa, h[i].doc, err)) ||
          (rc = ix_postings_seek(pb, h[i].doc, err)))
        break;
      if (pa->eof || pb->eof || pa->doc != h[i].doc || pb->doc != h[i].doc)
        continue;
      const uint32_t *a, *b;
      uint32_t na, nb;
      if ((rc = ix_postings_positions(pa, &a, &na, err)) ||
          (rc = ix_postings_positions(pb, &b, &nb, err)))
        break;
      uint32_t d = min_distance(a, na, b, nb);
      if (d != UINT32_MAX) h[i].score += ENG_PROX_BONUS * wt / (d ? d : 1);
    }
    ix_postings_free(pa);
    ix_postings_free(pb);
  }
  return rc;
}

/* The title field (ENG_TITLE_BONUS): the held hits are sorted best first;
** the best ENG_TITLE_DEPTH of them gain a bonus per query word their title
** holds, read from the word's AN_NS_TITLE term, one seek per hit, and are
** sorted again; then the hits are cut to k. The depth is fixed, not k, so
** the first hits are the same whatever k is asked, and they stay in score
** order: a hit past the depth scores no more than the lowest body score
** within it, which the bonus only raises. */
static int title_rerank(EngEval *ev, IxReader *r, const EngQuery *q, size_t k,
                        SwError *err) {
  EngHitRaw *h = ev->heap;
  sort_hits(h, ev->nheap, best_first);
  size_t n = ev->nheap < ENG_TITLE_DEPTH ? ev->nheap : ENG_TITLE_DEPTH;
  sort_hits(h, n, by_doc);
  for (uint32_t t = 0; t < q->nterms; t++) {
    const EngQTerm *qt = &q->terms[t];
    const TermState *ts = &ev->terms[t];
    if (!ts->found || ts->wt <= 0 || !qt->positive || qt->len == 0 ||
        qt->len >= SW_MAX_TOKEN_BYTES ||
        an_ns_special(q->bytes[qt->off]))
      continue; /* not a word: a part, identifier, facet or title term */
    char tt[SW_MAX_TOKEN_BYTES];
    tt[0] = AN_NS_TITLE;
    memcpy(tt + 1, q->bytes + qt->off, qt->len);
    IxTermInfo ti;
    SwError local;
    sw_error_clear(&local);
    int rc = ix_term_find(r, tt, qt->len + 1, &ti, &local);
    if (rc == SW_NOTFOUND) continue;
    if (rc) return sw_error_set(err, rc, "%s", local.msg);
    IxPostings *p;
    if ((rc = ix_postings_open(r, &ti, 0, &p, err))) return rc;
    double bonus = ENG_TITLE_BONUS * ts->wt;
    for (size_t i = 0; i < n && !p->eof; i++) {
      if ((rc = ix_postings_seek(p, h[i].doc, err))) break;
      if (!p->eof && p->doc == h[i].doc) h[i].score += bonus;
    }
    ix_postings_free(p);
    if (rc) return rc;
  }
  /* Proximity over the best ENG_PROX_DEPTH by what is known so far. */
  sort_hits(h, n, best_first);
  size_t np = n < ENG_PROX_DEPTH ? n : ENG_PROX_DEPTH;
  sort_hits(h, np, by_doc);
  int rc = proximity(ev, r, q, h, np, err);
  if (rc) return rc;
  sort_hits(h, n, best_first);
  if (ev->nheap > k) ev->nheap = k;
  return SW_OK;
}

/* ----------------------------------------------------------- iterators -- */

static int corrupt(EngIter *it, SwDocId d, SwError *err) {
  return sw_error_set(err, SW_CORRUPT,
                      "postings of query term %u: doc id %u out of order or "
                      "out of range (%u documents)",
                      it->term, d, it->ev->ndocs);
}

static int empty_next(EngIter *it, SwError *err) {
  (void)it;
  (void)err;
  return SW_OK;
}
static int empty_seek(EngIter *it, SwDocId target, SwError *err) {
  (void)it;
  (void)target;
  (void)err;
  return SW_OK;
}
static const EngIterOps empty_ops = {empty_next, empty_seek};

/* Take the postings' position after a move from doc `was`; the new doc must
** be past `min` and inside the index. */
static int term_take(EngIter *it, SwDocId min, SwError *err) {
  const IxPostings *p = it->post;
  if (p->eof || p->doc == IX_DOC_END) {
    it->doc = IX_DOC_END;
    return SW_OK;
  }
  if (p->doc < min || p->doc >= it->ev->ndocs) return corrupt(it, p->doc, err);
  it->doc = p->doc;
  return SW_OK;
}

static int term_next(EngIter *it, SwError *err) {
  if (it->doc == IX_DOC_END) return SW_OK;
  int rc = ix_postings_next(it->post, err);
  if (rc) return rc;
  return term_take(it, it->doc + 1, err);
}

static int term_seek(EngIter *it, SwDocId target, SwError *err) {
  if (it->doc >= target) return SW_OK; /* also at the end */
  /* Always seek, also to doc + 1: choosing next for that case was a branch
  ** on the data the predictor mostly lost (1-3 % of phrase, and and
  ** municipal time with queries interleaved). */
  int rc = ix_postings_seek(it->post, target, err);
  if (rc) return rc;
  return term_take(it, target, err);
}

static const EngIterOps term_ops = {term_next, term_seek};

/* Move every iterator of its[0..n) to the first document >= target that
** all of them share (*out), or IX_DOC_END. Round-robin: each seeks to the
** candidate; one landing beyond it proposes a new candidate. terms: 1 when
** all are term iterators (a phrase's kids), a constant at each call site,
** so the phrase's copy seeks by direct, inlined calls instead of through
** ops (3 % of phrase time, queries interleaved). */
static inline int leapfrog_of(EngIter **its, uint32_t n, SwDocId target,
                              SwDocId *out, int terms, SwError *err) {
  SwDocId d = target;
  uint32_t agree = 0, i = 0;
  while (agree < n) {
    EngIter *x = its[i];
    if (x->doc < d) {
      int rc = terms ? term_seek(x, d, err) : x->ops->seek(x, d, err);
      if (rc) return rc;
    }
    if (x->doc == IX_DOC_END) {
      *out = IX_DOC_END;
      return SW_OK;
    }
    if (x->doc != d) {
      d = x->doc;
      agree = 1;
    } else {
      agree++;
    }
    if (++i == n) i = 0;
  }
  *out = d;
  return SW_OK;
}

static int leapfrog(EngIter **its, uint32_t n, SwDocId target, SwDocId *out,
                    SwError *err) {
  return leapfrog_of(its, n, target, out, 0, err);
}

/* A phrase kid with more occurrences in the document than this many per
** start still possible is checked with ix_postings_position_seek (a call
** per start, its positions mostly summed eight at a time up to the last
** start); one with fewer is decoded whole and merged (about 3 ns per
** position, no call per start). Measured on the bench phrases: `och` is
** sought, `stöd` in "särskilt stöd" decoded. */
#define PHRASE_SEEK_RATIO 8

/* With every kid on the same document: 1 in *match if the terms occur at
** consecutive positions (their slots' relative offsets), i.e. some start s
** has every kid i at s + off(i). The kid with the fewest occurrences in the
** document gives the possible starts; the others, in order of their freq,
** keep those they have at s + off(i), so a frequent term's positions
** (`och` in "barn och unga": the costly ones) are read only while some
** start survives the rarer kids. The last kid stops at the first start it
** confirms: a phrase scores by its terms' tf, not by how often it occurs.
** The starts are cs[c] - sub: first the rarest kid's own positions (not
** copied: with two kids, the common case, nothing is), then ev->cand.
** Merges advance without branching on the data (which way the next
** comparison goes is a coin toss the branch predictor loses). */
static int phrase_positions(EngIter *it, int *match, SwError *err) {
  EngEval *ev = it->ev;
  uint32_t n = it->nkids, *ord = ev->ord + it->scratch;
  const EngQSlot *slots = it->slots;
  const uint32_t *pos;
  uint32_t np;
  *match = 0;
  if (n == 2) { /* without a branch on which is rarer */
    uint32_t swap = it->kids[1]->post->freq < it->kids[0]->post->freq;
    ord[0] = swap;
    ord[1] = swap ^ 1;
  } else {
    for (uint32_t i = 0; i < n; i++) { /* insertion sort by freq */
      uint32_t j = i, f = it->kids[i]->post->freq;
      for (; j > 0 && it->kids[ord[j - 1]]->post->freq > f; j--)
        ord[j] = ord[j - 1];
      ord[j] = i;
    }
  }
  uint32_t sub = slots[ord[0]].off;
  int rc = ix_postings_positions(it->kids[ord[0]]->post, &pos, &np, err);
  if (rc) return rc;
  const uint32_t *cs = pos;
  uint32_t nc = np;
  while (nc && cs[0] < sub) { /* too early to start the phrase */
    cs++;
    nc--;
  }
  if (n > 2 && sw_grow((void **)&ev->cand, &ev->cand_cap, (size_t)nc + 1,
                        sizeof *ev->cand))
    return sw_error_set(err, SW_NOMEM, "out of memory (phrase positions)");
  uint32_t *cand = ev->cand;
  for (uint32_t r = 1; r < n && nc; r++) {
    IxPostings *p = it->kids[ord[r]]->post;
    uint32_t off = slots[ord[r]].off, kept = 0, c = 0, k = 0;
    int last = r + 1 == n;
    if ((uint64_t)nc * PHRASE_SEEK_RATIO < p->freq) {
      uint64_t next = 0; /* the kid's last answer + 1; 0: none yet */
      for (; c < nc; c++) {
        uint64_t want = (uint64_t)cs[c] - sub + off;
        if (next <= want) { /* the last answer is below want: move on */
          uint32_t at;
          int found;
          if (want > UINT32_MAX) break; /* no position gets there */
          rc = ix_postings_position_seek(p, (uint32_t)want, &at, &found, err);
          if (rc) return rc;
          if (!found) break; /* nor for any later start */
          next = (uint64_t)at + 1;
        }
        if (next != want + 1) continue;
        if (last) {
          *match = 1;
          return SW_OK;
        }
        cand[kept++] = cs[c] - sub;
      }
    } else {
      rc = ix_postings_positions(p, &pos, &np, err);
      if (rc) return rc;
      if (last) {
        while (c < nc && k < np) {
          uint64_t x = (uint64_t)cs[c] - sub + off, y = pos[k];
          if (x == y) {
            *match = 1;
            return SW_OK;
          }
          c += x < y;
          k += y < x;
        }
        return SW_OK;
      }
      while (c < nc && k < np) { /* kept <= c: overwrites only the past */
        uint64_t x = (uint64_t)cs[c] - sub + off, y = pos[k];
        cand[kept] = cs[c] - sub;
        kept += x == y;
        c += x <= y;
        k += y <= x;
      }
    }
    cs = cand;
    sub = 0;
    nc = kept;
  }
  *match = nc > 0; /* only with one kid: the last kid returned above */
  return SW_OK;
}

/* Move to the first document >= target holding the phrase. */
static int phrase_settle(EngIter *it, SwDocId target, SwError *err) {
  for (;;) {
    SwDocId d;
    int match, rc = leapfrog_of(it->order, it->nkids, target, &d, 1, err);
    if (rc) return rc;
    if (d == IX_DOC_END) break;
    if (it->lazy) { /* run_and decides whether to look (phrase_verify) */
      it->doc = d;
      return SW_OK;
    }
    rc = phrase_positions(it, &match, err);
    if (rc) return rc;
    if (match) {
      it->doc = it->vdoc = d;
      return SW_OK;
    }
    if (d + 1 == IX_DOC_END) break;
    target = d + 1;
  }
  it->doc = IX_DOC_END;
  return SW_OK;
}

/* A lazy phrase's kids all sit on it->doc: 1 in *match if it holds the
** phrase there. */
static int phrase_verify(EngIter *it, int *match, SwError *err) {
  if (it->vdoc == it->doc) {
    *match = 1;
    return SW_OK;
  }
  int rc = phrase_positions(it, match, err);
  if (!rc && *match) it->vdoc = it->doc;
  return rc;
}

static int phrase_next(EngIter *it, SwError *err) {
  if (it->doc == IX_DOC_END) return SW_OK;
  if (it->doc + 1 == IX_DOC_END) {
    it->doc = IX_DOC_END;
    return SW_OK;
  }
  return phrase_settle(it, it->doc + 1, err);
}

static int phrase_seek(EngIter *it, SwDocId target, SwError *err) {
  if (it->doc >= target) return SW_OK;
  return phrase_settle(it, target, err);
}

static const EngIterOps phrase_ops = {phrase_next, phrase_seek};

static void or_min(EngIter *it) {
  SwDocId d = IX_DOC_END;
  for (uint32_t i = 0; i < it->nkids; i++)
    if (it->kids[i]->doc < d) d = it->kids[i]->doc;
  it->doc = d;
}

static int or_next(EngIter *it, SwError *err) {
  SwDocId d = it->doc;
  if (d == IX_DOC_END) return SW_OK;
  for (uint32_t i = 0; i < it->nkids; i++) {
    EngIter *k = it->kids[i];
    if (k->doc != d) continue;
    int rc = k->ops->next(k, err);
    if (rc) return rc;
  }
  or_min(it);
  return SW_OK;
}

static int or_seek(EngIter *it, SwDocId target, SwError *err) {
  if (it->doc >= target) return SW_OK;
  for (uint32_t i = 0; i < it->nkids; i++) {
    EngIter *k = it->kids[i];
    if (k->doc >= target) continue;
    int rc = k->ops->seek(k, target, err);
    if (rc) return rc;
  }
  or_min(it);
  return SW_OK;
}

static const EngIterOps or_ops = {or_next, or_seek};

/* ------------------------------------------------------------- scoring -- */

/* What iterator it, sitting on a document of length norm, adds to its
** score: a term its BM25 (bm25.c); a phrase its terms' BM25 summed (not a
** phrase frequency); an OR (a word and its alternatives: expansions,
** synonyms, compound parts) the best of its alternatives on the document,
** so a word counts once however many of its forms the document holds. */
static double iter_score(const EngIter *it, float norm) {
  const EngEval *ev = it->ev;
  if (it->ops == &term_ops) {
    double wt = ev->terms[it->term].wt;
    return wt == 0 ? 0 : eng_bm25_term(wt, it->post->freq, norm);
  }
  double s = 0;
  if (it->ops == &phrase_ops) {
    for (uint32_t i = 0; i < it->nkids; i++)
      s += iter_score(it->kids[i], norm);
  } else if (it->ops == &or_ops) {
    for (uint32_t i = 0; i < it->nkids; i++)
      if (it->kids[i]->doc == it->doc) {
        double k = iter_score(it->kids[i], norm);
        if (k > s) s = k;
      }
  }
  return s;
}

/* ---------------------------------------------------------------- plan -- */

static EngIter *new_iter(EngEval *ev) {
  EngIter *it = &ev->iters[ev->niters++];
  memset(it, 0, sizeof *it);
  it->ev = ev;
  it->doc = IX_DOC_END;
  it->ops = &empty_ops;
  return it;
}

static EngIter **new_ptrs(EngEval *ev, size_t n) {
  EngIter **p = ev->ptrs + ev->nptrs;
  ev->nptrs += n;
  return p;
}

static int build_term(EngEval *ev, IxReader *r, uint32_t term, int with_pos,
                      EngIter **out, SwError *err) {
  EngIter *it = new_iter(ev);
  TermState *ts = &ev->terms[term];
  *out = it;
  it->term = term;
  if (!ts->found) return SW_OK; /* empty: matches nothing */
  int rc = ix_postings_open(r, &ts->ti, with_pos, &it->post, err);
  if (rc) return rc;
  it->ops = &term_ops;
  it->cost = ts->ti.df;
  return term_take(it, 0, err);
}

/* Sort its[0..n) by ascending cost (insertion sort: n is small). */
static void sort_by_cost(EngIter **its, uint32_t n) {
  for (uint32_t i = 1; i < n; i++) {
    EngIter *x = its[i];
    uint32_t j = i;
    for (; j > 0 && its[j - 1]->cost > x->cost; j--) its[j] = its[j - 1];
    its[j] = x;
  }
}

static int build_atom(EngEval *ev, IxReader *r, const EngQuery *q,
                      const EngQAtom *a, EngIter **out, SwError *err) {
  const EngQSlot *slots = &q->slots[a->slot];
  if (a->nslots == 1) return build_term(ev, r, slots[0].term, 0, out, err);
  EngIter *it = new_iter(ev);
  *out = it;
  for (uint32_t s = 0; s < a->nslots; s++)
    if (!ev->terms[slots[s].term].found) return SW_OK; /* empty */
  it->nkids = a->nslots;
  it->kids = new_ptrs(ev, a->nslots);
  it->order = new_ptrs(ev, a->nslots);
  it->slots = slots;
  it->scratch = (uint32_t)ev->npos;
  it->vdoc = IX_DOC_END;
  ev->npos += a->nslots;
  it->cost = UINT64_MAX;
  for (uint32_t s = 0; s < a->nslots; s++) {
    int rc = build_term(ev, r, slots[s].term, 1, &it->kids[s], err);
    if (rc) return rc;
    it->order[s] = it->kids[s];
    if (it->kids[s]->cost < it->cost) it->cost = it->kids[s]->cost;
  }
  sort_by_cost(it->order, it->nkids);
  it->ops = &phrase_ops;
  return phrase_settle(it, 0, err);
}

static int build_clause(EngEval *ev, IxReader *r, const EngQuery *q,
                        const EngQClause *c, EngIter **out, SwError *err) {
  if (c->natoms == 1)
    return build_atom(ev, r, q, &q->atoms[c->atom], out, err);
  EngIter *it = new_iter(ev);
  *out = it;
  it->kids = new_ptrs(ev, c->natoms);
  it->nkids = c->natoms;
  for (uint32_t a = 0; a < c->natoms; a++) {
    int rc = build_atom(ev, r, q, &q->atoms[c->atom + a], &it->kids[a], err);
    if (rc) return rc;
    it->cost += it->kids[a]->cost;
  }
  it->ops = &or_ops;
  or_min(it);
  return SW_OK;
}

static void teardown(EngEval *ev) {
  for (size_t i = 0; i < ev->niters; i++) {
    ix_postings_free(ev->iters[i].post);
    ev->iters[i].post = NULL;
  }
  ev->niters = 0;
  ev->nptrs = 0;
  ev->npos = 0;
}

/* Build the plan: cl[0..nclauses) and ex[0..nexcl) (in ev->ptrs). */
static int build_plan(EngEval *ev, IxReader *r, const EngQuery *q,
                      EngIter ***cl, EngIter ***ex, SwError *err) {
  teardown(ev);
  *cl = new_ptrs(ev, q->nclauses);
  *ex = new_ptrs(ev, q->nexcl);
  for (uint32_t c = 0; c < q->nclauses; c++) {
    int rc = build_clause(ev, r, q, &q->clauses[c], &(*cl)[c], err);
    if (rc) return rc;
  }
  for (uint32_t e = 0; e < q->nexcl; e++) {
    int rc = build_atom(ev, r, q, &q->atoms[q->excl + e], &(*ex)[e], err);
    if (rc) return rc;
  }
  return SW_OK;
}

/* Size every scratch array for q and look its terms up. */
static int prepare(EngEval *ev, IxReader *r, const EngQuery *q, size_t k,
                   SwError *err) {
  size_t nslots = 0;
  for (uint32_t a = 0; a < q->natoms; a++) nslots += q->atoms[a].nslots;
  size_t niters = q->nclauses + q->natoms + nslots;
  size_t nptrs = q->nclauses + q->nexcl + q->natoms + 2 * nslots;
  size_t keep = k < ENG_TITLE_DEPTH ? ENG_TITLE_DEPTH : k; /* title_rerank */
  ev->heap_cap = keep < ev->ndocs ? keep : ev->ndocs;
  ev->nheap = 0;
  if (sw_grow((void **)&ev->terms, &ev->terms_cap, q->nterms + 1,
               sizeof *ev->terms) ||
      sw_grow((void **)&ev->iters, &ev->iters_cap, niters + 1,
               sizeof *ev->iters) ||
      sw_grow((void **)&ev->ptrs, &ev->ptrs_cap, nptrs + 1,
               sizeof *ev->ptrs) ||
      sw_grow((void **)&ev->ord, &ev->ord_cap, nslots + 1,
               sizeof *ev->ord) ||
      sw_grow((void **)&ev->heap, &ev->heap_alloc, ev->heap_cap + 1,
               sizeof *ev->heap))
    return sw_error_set(err, SW_NOMEM, "out of memory (query plan)");

  for (uint32_t t = 0; t < q->nterms; t++) {
    TermState *ts = &ev->terms[t];
    memset(ts, 0, sizeof *ts);
    if (!q->terms[t].used) continue;
    SwError local;
    sw_error_clear(&local);
    int rc = ix_term_find(r, q->bytes + q->terms[t].off, q->terms[t].len,
                          &ts->ti, &local);
    if (rc == SW_NOTFOUND) continue;
    if (rc) return sw_error_set(err, rc, "%s", local.msg);
    ts->found = 1;
    ts->wt = eng_bm25_weight(ev->nlive, ts->ti.df) * q->terms[t].boost;
  }
  return SW_OK;
}

/* ---------------------------------------------------------------- runs -- */

/* The single-term query: no plan nodes in the loop, just the postings.
**
** Block-max pruning: once the heap is full, a postings block whose impact
** (FORMAT.md §4: the largest tf / (tf + norm) of its documents) times the
** term's weight cannot beat the worst hit held is skipped undecoded. The
** bound is raised by a millionth against the float rounding of norms and
** impacts. The total stays exact: it is the term's live df. */
static int run_single(EngEval *ev, EngIter *it, uint64_t *total,
                      SwError *err) {
  IxPostings *p = it->post;
  if (!p) return SW_OK; /* term not in the index */
  const float *norms = ev->norms;
  double wt = ev->terms[it->term].wt;
  uint32_t ndocs = ev->ndocs;
  uint64_t n = 0;
  int skipped = 0;
  SwDocId min = 0, judged = 0; /* docs below judged: in a block judged */
  double scale = ev->prune ? ev->impact_scale * wt * (1 + 1e-6) : 0;
  while (!p->eof) {
    SwDocId d = p->doc;
    if (d < min || d >= ndocs) return corrupt(it, d, err);
    if (scale > 0 && d >= judged && ev->nheap == ev->heap_cap) {
      SwDocId last = ix_postings_block_last(p);
      if (last == IX_DOC_END || last + 1 == IX_DOC_END) {
        judged = IX_DOC_END;
      } else if (scale * ix_postings_block_impact(p) <= ev->heap[0].score) {
        /* This block and the next ones no better, unread. */
        int rc = ix_postings_skip_blocks(p, ev->heap[0].score / scale, err);
        if (rc) return rc;
        skipped = 1;
        min = last + 1;
        continue;
      } else {
        judged = last + 1;
      }
    }
    double s = eng_bm25_term(wt, p->freq, norms[d]);
    n++;
    matched_doc(ev, d);
    /* Equal scores keep the earlier (lower) doc: only strictly better
    ** enters a full heap. */
    if (ev->nheap < ev->heap_cap || s > ev->heap[0].score) offer(ev, d, s, 1);
    min = d + 1;
    int rc = ix_postings_next(p, err);
    if (rc) return rc;
  }
  *total = skipped ? ev->terms[it->term].ti.df : n;
  return SW_OK;
}

/* 1 if d is excluded; exclusion iterators only move forward. */
static int excluded(EngIter **ex, uint32_t nex, SwDocId d, int *out,
                    SwError *err) {
  *out = 0;
  for (uint32_t e = 0; e < nex; e++) {
    if (ex[e]->doc < d) {
      int rc = ex[e]->ops->seek(ex[e], d, err);
      if (rc) return rc;
    }
    if (ex[e]->doc == d) {
      *out = 1;
      return SW_OK;
    }
  }
  return SW_OK;
}

/* The query of one clause (with alternatives, exclusions, or a phrase):
** its documents, leapfrogged with the exclusions' complement.
**
** Top-k pruning of phrases (two phases): a phrase clause stops on every
** document holding all its terms, and the positions are read only when
** the document could enter the heap. Its score does not depend on them (a
** phrase scores by its terms' tf), so collecting the clauses gives the
** exact score the document would have; the hits are exactly those of an
** exhaustive run. The total: the first ENG_EXACT_FIRST candidates are all
** checked and counted; of the later ones every ENG_PRUNE_SAMPLE-th is
** checked too, and the share of those holding the phrases estimates the
** rest (*exact = 0). Neither depends on k, so neither does the total. */
static int run_and(EngEval *ev, EngIter **cl, uint32_t ncl, EngIter **ex,
                   uint32_t nex, uint64_t *total, int *exact, SwError *err) {
  uint64_t n = 0;
  SwDocId d = 0;
  EngIter *lazy[ENG_MAX_LAZY] = {NULL};
  uint32_t nlazy = 0;
  sort_by_cost(cl, ncl);
  if (ev->prune)
    for (uint32_t c = 0; c < ncl && nlazy < ENG_MAX_LAZY; c++)
      if (cl[c]->ops == &phrase_ops) (lazy[nlazy++] = cl[c])->lazy = 1;
  for (;;) {
    int out, rc = leapfrog(cl, ncl, d, &d, err);
    if (rc) return rc;
    if (d == IX_DOC_END) break;
    rc = excluded(ex, nex, d, &out, err);
    if (rc) return rc;
    if (!out) {
      double sc = 0;
      for (uint32_t c = 0; c < ncl; c++) sc += iter_score(cl[c], ev->norms[d]);
      /* Only strictly better enters a full heap (equal: the lower id). */
      int could = ev->nheap < ev->heap_cap || sc > ev->heap[0].score;
      int counted = 1;
      if (nlazy) {
        uint64_t c = ev->cands++;
        int later = c >= ENG_EXACT_FIRST;
        int sample = later && (c - ENG_EXACT_FIRST) % ENG_PRUNE_SAMPLE == 0;
        if (later && !sample && !could) goto advance;
        for (uint32_t i = 0; i < nlazy && !out; i++) {
          int match;
          if ((rc = phrase_verify(lazy[i], &match, err))) return rc;
          out = !match;
        }
        ev->sampled += sample;
        ev->held += sample && !out;
        if (out) goto advance;
        counted = !later;
      }
      n += counted;
      matched_doc(ev, d);
      if (could) offer(ev, d, sc, ncl);
    }
  advance:
    if (d + 1 == IX_DOC_END) break;
    d++;
  }
  *total = n;
  *exact = ev->cands <= ENG_EXACT_FIRST;
  if (!*exact && ev->sampled) /* round to nearest */
    *total += ((ev->cands - ENG_EXACT_FIRST) * ev->held + ev->sampled / 2) /
              ev->sampled;
  return SW_OK;
}

/* The most a clause can add to a document's BM25: its terms' weights
** summed (a term adds wt * tf / (tf + norm) < wt; a term shared by several
** matched clauses counts once, so the clauses' bounds summed bound the
** score). */
static double clause_bound(const EngEval *ev, const EngIter *it) {
  if (it->ops == &term_ops) return ev->terms[it->term].wt;
  double s = 0;
  for (uint32_t i = 0; i < it->nkids; i++) {
    const EngIter *k0 = it->kids[i];
    if (it->ops == &or_ops && k0->ops == &term_ops &&
        ev->terms[k0->term].everywhere)
      continue; /* not in a document lacking a word: the bounds' only use */
    double k = clause_bound(ev, k0);
    if (it->ops == &or_ops) s = k > s ? k : s; /* the best alternative */
    else s += k;
  }
  return s;
}

/* The most clause it can add to a document's BM25 from its current
** document up to *to, which it lowers to the end of the current block of
** each of its terms: each term's weight times its block's impact (scaled
** to this reader's lengths). A phrase or a term without impacts: INFINITY
** (no skipping). */
static double block_bound(const EngEval *ev, const EngIter *it, SwDocId *to) {
  if (it->ops == &term_ops) {
    SwDocId last = ix_postings_block_last(it->post);
    if (last != IX_DOC_END && last + 1 < *to) *to = last + 1;
    return ev->impact_scale * ev->terms[it->term].wt * (1 + 1e-6) *
           ix_postings_block_impact(it->post);
  }
  if (it->ops != &or_ops) return it->ops == &empty_ops ? 0 : INFINITY;
  double s = 0; /* the best alternative */
  for (uint32_t i = 0; i < it->nkids; i++)
    if (it->kids[i]->doc != IX_DOC_END &&
        !(it->kids[i]->ops == &term_ops &&
          ev->terms[it->kids[i]->term].everywhere)) {
      double k = block_bound(ev, it->kids[i], to);
      if (k > s) s = k;
    }
  return s;
}

/* The score of document d, on which the clauses cl[c] with cl[c]->doc == d
** sit: the BM25 of their distinct terms times share, the share of the
** query's words it matches (the coordination factor). */
static double soft_score(EngEval *ev, EngIter **cl, uint32_t ncl, SwDocId d,
                         double share) {
  double s = 0;
  for (uint32_t c = 0; c < ncl; c++)
    if (cl[c]->doc == d) s += iter_score(cl[c], ev->norms[d]);
  return s * share;
}

/* The word clauses' bounds summed: the query's weight. */
static double words_weight(const EngQuery *q, const double *bound) {
  double w = 0;
  for (uint32_t c = 0; c < q->nclauses; c++)
    if (!q->clauses[c].filter) w += bound[c];
  return w;
}

/* The most a document lacking some word clause can score: the best
** nw - 1 of the nw word clauses' bounds, times (nw - 1) / nw; when it must
** lack word clause `without` (not UINT32_MAX), the others'. bound[] is per
** clause in query order. */
static double partial_bound(const EngQuery *q, const double *bound,
                            uint32_t without) {
  double sum = 0, min = -1;
  uint32_t nw = 0;
  for (uint32_t c = 0; c < q->nclauses; c++) {
    if (q->clauses[c].filter) continue;
    nw++;
    sum += bound[c];
    if (min < 0 || bound[c] < min) min = bound[c];
  }
  if (nw < 2) return 0;
  double drop = without == UINT32_MAX ? min : bound[without];
  return (sum - drop) * (nw - 1) / nw * (1 + 1e-9);
}

/* Queries of two or more clauses, not questions: one score for every
** document holding any word, BM25 times the share of the query's words it
** holds (soft_score), so covering more of the query raises the score
** smoothly, without one rare word outweighing everything or a long
** document full of one word winning (plain OR), and without tiers: a
** document missing a word outranks one with all of them when it matches
** the others much better. Filters stay required.
**
** Two runs. run_and first: every document holding every clause, scored
** (the share is 1) and counted, so the total is theirs and as exact as
** run_and's. Then run_rest, only when a document lacking a word could
** still beat the worst hit held (partial_bound > it, or the heap is not
** full): the documents lacking some word, in MaxScore order. Word clauses
** by ascending bound; the first ne are non-essential while no document
** holding only such clauses can beat the heap (ne / nw times their bounds
** summed <= the worst hit held), so candidates come from the essential
** clauses alone and the others are sought to each; a candidate whose
** matched clauses' bounds, times its share, cannot beat the heap is not
** scored. The hits are those of scoring every document. */
/* The word clause of cl[0..ncl) that leaf is or is an alternative of. */
static EngIter *clause_of(EngIter **cl, uint32_t ncl, const EngIter *leaf) {
  for (uint32_t c = 0; c < ncl; c++) {
    if (cl[c] == leaf) return cl[c];
    if (cl[c]->ops == &or_ops)
      for (uint32_t k = 0; k < cl[c]->nkids; k++)
        if (cl[c]->kids[k] == leaf) return cl[c];
  }
  return (EngIter *)leaf; /* not reached */
}

static int run_rest(EngEval *ev, const EngQuery *q, EngIter **cl,
                    uint32_t ncl, EngIter **ex, uint32_t nex,
                    const double *bound, uint32_t seeded, double share,
                    SwError *err) {
  int rc;
  /* The leaves: each word clause's alternatives (its atoms; the clause
  ** itself when it has one), but the seeded clause's, each with its own
  ** bound, so that a rare alternative (a joined compound) does not make
  ** its common word essential. Ascending bound. */
  size_t nleaves = 0;
  for (uint32_t c = 0; c < ncl; c++)
    nleaves += cl[c]->ops == &or_ops ? cl[c]->nkids : 1;
  if (sw_grow((void **)&ev->leaves, &ev->leaves_cap, nleaves + 1,
               sizeof *ev->leaves))
    return sw_error_set(err, SW_NOMEM, "out of memory (query plan)");
  EngIter **lv = ev->leaves;
  uint32_t nl = 0, nwords = 0;
  for (uint32_t c = 0; c < ncl; c++) {
    cl[c]->bound = bound[c];
    if (q->clauses[c].filter) continue;
    nwords++;
    if (c == seeded) continue;
    int or = cl[c]->ops == &or_ops;
    for (uint32_t k = 0; k < (or ? cl[c]->nkids : 1); k++) {
      EngIter *it = or ? cl[c]->kids[k] : cl[c];
      it->bound = it->ops == &term_ops && ev->terms[it->term].everywhere
                      ? 0
                      : clause_bound(ev, it);
      uint32_t j = nl++;
      for (; j > 0 && lv[j - 1]->bound > it->bound; j--) lv[j] = lv[j - 1];
      lv[j] = it;
    }
  }
  uint32_t nf = ncl - nwords;
  /* A document lacking a word holds at most nwords - 1 of them. */
  double most = (double)(nwords - 1) / nwords * (1 + 1e-9);
  /* Documents holding less than `share` of the words' weight are no hits:
  ** the leaves whose bounds, summed from the lowest, stay below it are
  ** non-essential from the start. */
  double need = share * words_weight(q, bound);
  uint32_t ne = 0;
  double ne_sum = 0, ne_weight = 0; /* leaves' bounds; their clauses' */
  for (uint32_t c = 0; c < ncl; c++) cl[c]->prefixed = 0;
  while (ev->prune && ne < nl) { /* exhaustive: every leaf a candidate */
    EngIter *owner = clause_of(cl, ncl, lv[ne]);
    double w = ne_weight + (owner->prefixed ? 0 : owner->bound);
    if (w >= need) break;
    owner->prefixed = 1;
    ne_weight = w;
    ne_sum += lv[ne++]->bound;
  }
  for (;;) {
    int full = ev->prune && ev->nheap == ev->heap_cap;
    double theta = full ? ev->heap[0].score : 0;
    if (full) {
      while (ne < nl && (ne_sum + lv[ne]->bound) * most <= theta)
        ne_sum += lv[ne++]->bound;
      if (ne == nl) break; /* no document left can enter */
    }
    SwDocId d = IX_DOC_END;
    for (uint32_t i = ne; i < nl; i++)
      if (lv[i]->doc < d) d = lv[i]->doc;
    if (d == IX_DOC_END) break;
    if (full && ev->impact_scale > 0) {
      /* Block-max: up to the next document of an essential leaf not on d,
      ** and within the current block of every term under those on d, a
      ** document holds no essential leaf but those on d, and each of their
      ** terms no more than its block's impact allows. If that, with every
      ** non-essential leaf matched too, cannot beat the heap, the leaves
      ** on d skip to there. */
      SwDocId to = IX_DOC_END;
      double bb = ne_sum;
      for (uint32_t i = ne; i < nl; i++) {
        EngIter *it = lv[i];
        if (it->doc != d) {
          if (it->doc < to) to = it->doc;
          continue;
        }
        bb += it->bound == 0 ? 0 : block_bound(ev, it, &to);
      }
      if (bb * most <= theta && to > d) {
        for (uint32_t i = ne; i < nl; i++) {
          EngIter *it = lv[i];
          if (it->doc == d && (rc = it->ops->seek(it, to, err))) return rc;
        }
        continue;
      }
    }
    for (uint32_t i = 0; i < ne; i++) {
      EngIter *it = lv[i];
      if (it->doc < d && (rc = it->ops->seek(it, d, err))) return rc;
    }
    /* Each word clause's document from its leaves; filters required; the
    ** seeded clause's documents already offered. */
    int out = 0;
    uint32_t m = 0;
    double b = 0;
    for (uint32_t c = 0; c < ncl; c++) {
      EngIter *it = cl[c];
      if (q->clauses[c].filter || c == seeded) {
        if (out) continue;
        if (it->doc < d && (rc = it->ops->seek(it, d, err))) return rc;
        out = c == seeded ? it->doc == d : it->doc != d;
        continue;
      }
      if (it->ops == &or_ops) or_min(it);
      if (it->doc == d) {
        m++;
        b += bound[c];
      }
    }
    if (m == nwords || b < need) out = 1; /* run_and's, or too little */
    if (!out && (rc = excluded(ex, nex, d, &out, err))) return rc;
    /* Only strictly better enters a full heap. */
    if (!out && (!full || b * m / nwords * (1 + 1e-9) > theta)) {
      double sc = soft_score(ev, cl, ncl, d, (double)m / nwords);
      if (!full || sc > theta) offer(ev, d, sc, m + nf);
    }
    if (d + 1 == IX_DOC_END) break;
    for (uint32_t i = ne; i < nl; i++) {
      EngIter *it = lv[i];
      if (it->doc == d && (rc = it->ops->next(it, err))) return rc;
    }
  }
  return SW_OK;
}

/* run_rest's first part, so that the heap fills with good hits at once:
** every document of word clause `seed` (the one of highest bound, so the
** rarest word, as a rule) lacking some other word, scored and offered.
** run_rest then leaves the clause's documents out. */
static int run_seed(EngEval *ev, const EngQuery *q, EngIter **cl,
                    uint32_t ncl, EngIter **ex, uint32_t nex,
                    const double *bound, uint32_t seed, double share,
                    SwError *err) {
  uint32_t nwords = 0;
  for (uint32_t c = 0; c < ncl; c++) nwords += !q->clauses[c].filter;
  double need = share * words_weight(q, bound);
  EngIter *s = cl[seed];
  int rc;
  while (s->doc != IX_DOC_END) {
    SwDocId d = s->doc;
    int out = 0;
    uint32_t m = 0;
    double b = 0;
    for (uint32_t c = 0; c < ncl && !out; c++) {
      EngIter *it = cl[c];
      if (it->doc < d && (rc = it->ops->seek(it, d, err))) return rc;
      if (q->clauses[c].filter) out = it->doc != d;
      else if (it->doc == d) m++, b += bound[c];
    }
    if (m == nwords || b < need) out = 1; /* run_and's, or too little */
    if (!out && (rc = excluded(ex, nex, d, &out, err))) return rc;
    int full = ev->prune && ev->nheap == ev->heap_cap;
    double theta = full ? ev->heap[0].score : 0;
    if (!out && (!full || b * m / nwords * (1 + 1e-9) > theta)) {
      double sc = soft_score(ev, cl, ncl, d, (double)m / nwords);
      if (!full || sc > theta) offer(ev, d, sc, m + ncl - nwords);
    }
    if ((rc = s->ops->next(s, err))) return rc;
  }
  return SW_OK;
}

/* The union of the clauses, every document examined: counts into *total
** and lists for facets the documents holding any word clause, and with
** rank offers each to the heap by soft_score over all clauses (questions:
** a question's words are many, and all of them are ranked). Filters are
** required: a document the filters let through but no word matched is
** none. */
static int run_union(EngEval *ev, const EngQuery *q, EngIter **cl,
                     uint32_t ncl, EngIter **ex, uint32_t nex, int rank,
                     uint64_t *total, SwError *err) {
  uint64_t n = 0;
  uint32_t word_clauses = 0;
  for (uint32_t c = 0; c < ncl; c++) word_clauses += !q->clauses[c].filter;
  for (;;) {
    SwDocId d = IX_DOC_END;
    for (uint32_t c = 0; c < ncl; c++)
      if (cl[c]->doc < d) d = cl[c]->doc;
    if (d == IX_DOC_END) break;
    int out, rc = excluded(ex, nex, d, &out, err);
    if (rc) return rc;
    for (uint32_t c = 0; c < ncl && !out; c++)
      if (q->clauses[c].filter && cl[c]->doc != d) out = 1;
    if (!out) {
      uint32_t m = 0, words = 0;
      for (uint32_t c = 0; c < ncl; c++)
        if (cl[c]->doc == d) {
          m++;
          words += !q->clauses[c].filter;
        }
      if (!word_clauses || words) {
        n++;
        matched_doc(ev, d);
        if (rank)
          offer(ev, d, soft_score(ev, cl, ncl, d, (double)m / ncl), m);
      }
    }
    for (uint32_t c = 0; c < ncl; c++) {
      if (cl[c]->doc != d) continue;
      rc = cl[c]->ops->next(cl[c], err);
      if (rc) return rc;
    }
  }
  *total = n;
  return SW_OK;
}

/* Set TermState.everywhere: the single-term alternatives found in every
** word clause. */
static void mark_everywhere(EngEval *ev, const EngQuery *q) {
  uint32_t nwords = 0, first = UINT32_MAX;
  for (uint32_t c = 0; c < q->nclauses; c++)
    if (!q->clauses[c].filter) {
      nwords++;
      if (first == UINT32_MAX) first = c;
    }
  /* TermState.everywhere starts at 0 (prepare clears every term). */
  if (nwords < 2) return;
  const EngQClause *f = &q->clauses[first];
  for (uint32_t a = 0; a < f->natoms; a++) {
    const EngQAtom *at = &q->atoms[f->atom + a];
    if (at->nslots != 1) continue;
    uint32_t t = q->slots[at->slot].term, in = 0;
    for (uint32_t c = 0; c < q->nclauses; c++) {
      const EngQClause *cc = &q->clauses[c];
      if (cc->filter) continue;
      for (uint32_t b = 0; b < cc->natoms; b++) {
        const EngQAtom *bt = &q->atoms[cc->atom + b];
        if (bt->nslots == 1 && q->slots[bt->slot].term == t) {
          in++;
          break;
        }
      }
    }
    ev->terms[t].everywhere = in == nwords;
  }
}

/* The two runs of a query of two or more clauses (run_rest says why);
** *cl and *ex are the plan built for the first. */
static int run_soft(EngEval *ev, IxReader *r, const EngQuery *q,
                    EngIter ***cl, EngIter ***ex, uint64_t rest_from,
                    uint64_t *total, int *exact, int *deferred,
                    SwError *err) {
  uint32_t ncl = q->nclauses;
  if (sw_grow((void **)&ev->cbound, &ev->cbound_cap, ncl + 1,
               sizeof *ev->cbound))
    return sw_error_set(err, SW_NOMEM, "out of memory (query plan)");
  mark_everywhere(ev, q);
  for (uint32_t c = 0; c < ncl; c++) /* before run_and reorders *cl */
    ev->cbound[c] = q->clauses[c].filter ? 0 : clause_bound(ev, (*cl)[c]);
  int rc = run_and(ev, *cl, ncl, *ex, q->nexcl, total, exact, err);
  if (rc) return rc;
  uint32_t nwords = 0;
  for (uint32_t c = 0; c < ncl; c++) nwords += !q->clauses[c].filter;
  if (nwords < 2) return SW_OK; /* lacking its one word, a document is none */
  if (*total < rest_from) {
    *deferred = 1;
    return SW_OK;
  }
  if (ev->prune && ev->nheap == ev->heap_cap &&
      partial_bound(q, ev->cbound, UINT32_MAX) <= ev->heap[0].score)
    return SW_OK; /* no document lacking a word can enter */
  /* When some document holds every word, the others must hold at least
  ** ENG_SOFT_MIN of the weight; when none does, whatever they hold. */
  double share = *total > 0 ? ENG_SOFT_MIN : 0;
  /* The word of highest bound first (run_seed: the rarest, as a rule), so
  ** the heap fills with good hits. */
  uint32_t seed = UINT32_MAX;
  for (uint32_t c = 0; c < ncl; c++)
    if (!q->clauses[c].filter &&
        (seed == UINT32_MAX || ev->cbound[c] > ev->cbound[seed]))
      seed = c;
  if ((rc = build_plan(ev, r, q, cl, ex, err)) ||
      (rc = run_seed(ev, q, *cl, ncl, *ex, q->nexcl, ev->cbound, seed, share,
                     err)))
    return rc;
  if (ev->prune && ev->nheap == ev->heap_cap &&
      partial_bound(q, ev->cbound, seed) <= ev->heap[0].score)
    return SW_OK; /* no document left can enter */
  if ((rc = build_plan(ev, r, q, cl, ex, err))) return rc;
  return run_rest(ev, q, *cl, ncl, *ex, q->nexcl, ev->cbound, seed, share,
                  err);
}

/* ---------------------------------------------------------- known items -- */

/* Add doc to ev->known (no duplicates); 0 when the list is full. */
static int known_add(EngEval *ev, SwDocId d) {
  for (size_t i = 0; i < ev->nknown; i++)
    if (ev->known[i] == d) return 1;
  if (ev->nknown == ENG_KNOWN_MAX) return 0;
  ev->known[ev->nknown++] = d;
  return 1;
}

/* 1 if the title of d, analysed, holds exactly the query's words t[0..n)
** (as terms, stop words left out, each at least once, nothing else). */
static int title_is(IxReader *r, AnAnalyzer *an, const EngQuery *q,
                    const uint32_t *t, uint32_t n, SwDocId d, int *is,
                    SwError *err) {
  IxDocMeta m;
  *is = 0;
  int rc = ix_doc_meta(r, d, &m, err);
  if (rc) return rc;
  uint64_t seen = 0; /* bit i: t[i] in the title (n <= 64) */
  AnToken tok;
  int more;
  an_set_extras(an, 0);
  an_begin(an, m.title, m.title_len, 0);
  while ((more = an_next(an, &tok)) > 0) {
    if (tok.flags & (AN_STOP | AN_EXTRA) || tok.term_len == 0) continue;
    uint32_t i = 0;
    while (i < n && !(q->terms[t[i]].len == tok.term_len &&
                      !memcmp(q->bytes + q->terms[t[i]].off, tok.term,
                              tok.term_len)))
      i++;
    if (i == n) return SW_OK; /* a title word the query lacks */
    seen |= (uint64_t)1 << i;
  }
  if (more < 0) return sw_error_set(err, SW_NOMEM, "out of memory (titles)");
  *is = seen == ((n == 64) ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1);
  return SW_OK;
}

/* Documents the query names (ev->known): those whose whole title is the
** query's words (from the intersection of the words' title terms: the
** documents whose title positions of them all lie below the query's token
** count, at most ENG_KNOWN_MAX of them read and analysed, among the first
** 256 * ENG_KNOWN_MAX), and those whose own id holds an identifier
** the query has (its AN_NS_IDENT term at position 0: the facets field's,
** eng_doc_facets). */
static int find_known(EngEval *ev, IxReader *r, AnAnalyzer *an,
                      const EngQuery *q, SwError *err) {
  uint32_t t[64], n = 0;
  int rc = SW_OK;
  ev->nknown = 0;
  for (uint32_t i = 0; i < q->nterms; i++) {
    const EngQTerm *qt = &q->terms[i];
    if (!qt->positive || qt->alt || qt->len == 0) continue;
    if (q->bytes[qt->off] == AN_NS_IDENT && ev->terms[i].found) {
      IxPostings *p;
      if ((rc = ix_postings_open(r, &ev->terms[i].ti, 1, &p, err))) return rc;
      while (!p->eof && ev->nknown < ENG_KNOWN_MAX) {
        const uint32_t *pos;
        uint32_t np;
        if ((rc = ix_postings_positions(p, &pos, &np, err))) break;
        if (np && pos[0] == 0) known_add(ev, p->doc);
        if ((rc = ix_postings_next(p, err))) break;
      }
      ix_postings_free(p);
      if (rc) return rc;
      continue;
    }
    if (qt->stop || an_ns_special(q->bytes[qt->off])) continue;
    if (n == 64) return SW_OK; /* no title is that long */
    t[n++] = i;
  }
  if (n == 0 || !an) return SW_OK;
  /* The title terms of the words, rarest first, intersected. */
  IxPostings *tp[64] = {NULL};
  uint32_t k;
  for (k = 0; k < n; k++) {
    const EngQTerm *qt = &q->terms[t[k]];
    char tt[SW_MAX_TOKEN_BYTES];
    if (qt->len >= SW_MAX_TOKEN_BYTES) break;
    tt[0] = AN_NS_TITLE;
    memcpy(tt + 1, q->bytes + qt->off, qt->len);
    IxTermInfo ti;
    SwError local;
    sw_error_clear(&local);
    rc = ix_term_find(r, tt, qt->len + 1, &ti, &local);
    if (rc == SW_NOTFOUND) {
      rc = SW_OK;
      break; /* a word in no title */
    }
    if (rc) {
      rc = sw_error_set(err, rc, "%s", local.msg);
      break;
    }
    if ((rc = ix_postings_open(r, &ti, 1, &tp[k], err))) break;
  }
  size_t checked = 0, visited = 0;
  if (!rc && k == n) {
    SwDocId d = 0;
    while (checked < ENG_KNOWN_MAX && visited++ < 256 * ENG_KNOWN_MAX &&
           !tp[0]->eof) {
      /* leapfrog: every list to the first document >= d they share */
      uint32_t agree = 0, i = 0;
      while (agree < n && !rc) {
        IxPostings *p = tp[i];
        if (!p->eof && p->doc < d) rc = ix_postings_seek(p, d, err);
        if (rc || p->eof) break;
        if (p->doc != d) {
          d = p->doc;
          agree = 1;
        } else {
          agree++;
        }
        if (++i == n) i = 0;
      }
      if (rc || agree < n) break;
      /* A title of the query's words alone has no more tokens than the
      ** query: each word's title positions lie below that (read from the
      ** postings, before the stored title). */
      int near = 1;
      for (uint32_t j = 0; j < n && near && !rc; j++) {
        const uint32_t *pos;
        uint32_t np;
        rc = ix_postings_positions(tp[j], &pos, &np, err);
        near = !rc && np > 0 && pos[np - 1] < q->ntokens;
      }
      if (rc) break;
      int is = 0;
      if (near) {
        checked++;
        if ((rc = title_is(r, an, q, t, n, d, &is, err))) break;
      }
      if (is && !known_add(ev, d)) break;
      if (d + 1 == IX_DOC_END) break;
      d++;
    }
  }
  for (uint32_t i = 0; i < n; i++) ix_postings_free(tp[i]);
  return rc;
}

/* Each document of ev->known gets its score as every other (on a fresh
** plan, sought to it) plus ENG_KNOWN_BONUS times the query's weight, more
** than any document's score can be, and replaces its own hit in the heap
** or enters it: the documents the query names come first, whatever k. */
static int promote_known(EngEval *ev, IxReader *r, const EngQuery *q,
                         SwError *err) {
  if (ev->nknown == 0) return SW_OK;
  EngIter **cl, **ex;
  int rc = build_plan(ev, r, q, &cl, &ex, err);
  if (rc) return rc;
  uint32_t ncl = q->nclauses, nwords = 0;
  double weight = 0;
  for (uint32_t c = 0; c < ncl; c++)
    if (!q->clauses[c].filter) {
      nwords++;
      weight += clause_bound(ev, cl[c]);
    }
  /* ascending, for the forward-only iterators */
  for (size_t i = 1; i < ev->nknown; i++)
    for (size_t j = i; j > 0 && ev->known[j - 1] > ev->known[j]; j--) {
      SwDocId x = ev->known[j];
      ev->known[j] = ev->known[j - 1];
      ev->known[j - 1] = x;
    }
  for (size_t i = 0; i < ev->nknown; i++) {
    SwDocId d = ev->known[i];
    uint32_t m = 0;
    int out;
    for (uint32_t c = 0; c < ncl; c++) {
      if (cl[c]->doc < d && (rc = cl[c]->ops->seek(cl[c], d, err))) return rc;
      m += cl[c]->doc == d && !q->clauses[c].filter;
    }
    if ((rc = excluded(ex, q->nexcl, d, &out, err))) return rc;
    int filtered = 0;
    for (uint32_t c = 0; c < ncl; c++)
      filtered |= q->clauses[c].filter && cl[c]->doc != d;
    /* Excluded, not of the filters, or holding no word the query asks
    ** for (a title of its words that the query wants in a phrase). */
    if (out || filtered || (nwords && m == 0)) continue;
    double sc = soft_score(ev, cl, ncl, d, nwords ? (double)m / nwords : 1) +
                ENG_KNOWN_BONUS * weight;
    size_t h = 0;
    while (h < ev->nheap && ev->heap[h].doc != d) h++;
    if (h < ev->nheap) { /* out of heap order: restore it */
      ev->heap[h].score = sc;
      for (size_t j = ev->nheap / 2; j-- > 0;) sift_down(ev->heap, ev->nheap, j);
    } else {
      offer(ev, d, sc, m + (ncl - nwords));
    }
  }
  return SW_OK;
}

int eng_eval_run(EngEval *ev, IxReader *r, const float *norms,
                 const EngQuery *q, AnAnalyzer *an, size_t k, int collect,
                 int exhaustive, uint64_t rest_from, EngEvalResult *out,
                 SwError *err) {
  EngIter **cl = NULL, **ex = NULL;
  uint64_t total = 0;
  int rc, exact = 1;
  memset(out, 0, sizeof *out);
  ev->ndocs = ix_reader_doc_count(r);
  ev->nlive = ix_reader_live_docs(r);
  ev->collect = collect;
  ev->nall = 0;
  ev->all_nomem = 0;
  ev->norms = norms;
  ev->niters = 0;
  ev->prune = !collect && !exhaustive;
  ev->cands = ev->sampled = ev->held = 0;
  ev->impact_scale = ev->prune ? ix_reader_impact_scale(r, ENG_BM25_K1,
                                                        ENG_BM25_B)
                               : 0;
  if (k == 0) k = 1;
  if (q->nclauses == 0)
    return sw_error_set(err, SW_QUERY, "nothing to search for at column 1");
  rc = prepare(ev, r, q, k, err);
  if (rc) goto fail;
  int ready = ev->ndocs > 0 && norms;
  if (ready) {
    rc = build_plan(ev, r, q, &cl, &ex, err);
    if (rc) goto fail;
    if (q->nclauses == 1 && q->nexcl == 0 && q->clauses[0].natoms == 1 &&
        q->atoms[q->clauses[0].atom].nslots == 1)
      rc = run_single(ev, cl[0], &total, err);
    else if (q->question)
      rc = run_union(ev, q, cl, q->nclauses, ex, q->nexcl, 1, &total, err);
    else if (q->nclauses == 1)
      rc = run_and(ev, cl, q->nclauses, ex, q->nexcl, &total, &exact, err);
    else
      rc = run_soft(ev, r, q, &cl, &ex, rest_from, &total, &exact,
                    &out->deferred, err);
    if (rc) goto fail;
  }
  if (ready && total == 0 && ev->nheap > 0 && !q->question &&
      !out->deferred) {
    /* No document has every clause: the hits hold some; the total counts
    ** the documents with any word (and the filters). */
    rc = build_plan(ev, r, q, &cl, &ex, err);
    if (rc) goto fail;
    ev->nall = 0;
    rc = run_union(ev, q, cl, q->nclauses, ex, q->nexcl, 0, &total, err);
    if (rc) goto fail;
    out->partial = total > 0;
    exact = 1;
  }
  if (ready) {
    rc = find_known(ev, r, an, q, err);
    if (!rc) rc = promote_known(ev, r, q, err);
    if (rc) goto fail;
  }
  teardown(ev);
  rc = title_rerank(ev, r, q, k, err);
  if (rc) goto fail;
  out->hits = ev->heap;
  out->nhits = ev->nheap;
  out->total = total;
  out->total_exact = exact;
  out->clauses = q->nclauses;
  out->all = ev->all;
  out->nall = ev->nall;
  if (ev->all_nomem)
    return sw_error_set(err, SW_NOMEM, "out of memory (matching documents)");
  return SW_OK;

fail:
  teardown(ev);
  ev->nheap = 0;
  memset(out, 0, sizeof *out);
  return rc;
}
