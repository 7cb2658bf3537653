/*
** test_pruning.c — top-k pruning returns exactly what exhaustive evaluation
** returns. Every query runs twice through sw_search, with
** SwSearchOptions.exact_total = 1 (every candidate examined) and = 0
** (pruning on), and the hits must agree in order, doc id, score (bit for
** bit), clauses matched and partial flag. A total the pruned run marks
** exact must equal the exhaustive one; an estimated one must be within
** half of it (plus 40, for the sampling of small counts). And pruning must actually happen on some queries, or the
** comparison would prove nothing.
**
** Corpora: a synthetic one written by the test (always runs; Zipf-like
** word frequencies, frequent phrases with "och", two segments and
** deletions), and with --shared one file of ../shared/corpus with the
** query files bench/queries.tsv and corpus/queries/municipal.tsv (skipped,
** saying so, when ../shared is absent).
*/
#include "testutil.h"

#include <swsearch.h>

#include <stdint.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n) { /* xorshift64*: reproducible */
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return (uint32_t)((rng * 2685821657736338717ull) >> 33) % n;
}

static const char *const vocab[] = {
    "och", "att", "det", "som", "barn", "unga", "skolan", "kommunen",
    "stöd", "särskilt", "vård", "omsorg", "lag", "ordning", "äldre",
    "personer", "insatser", "nämnden", "förslag", "beslut", "trygghet",
    "polisen", "samverkan", "bostäder", "budget", "kultur", "idrott",
    "miljö", "klimat", "trafik", "cykel", "parkering", "hemlöshet",
    "missbruk", "våld", "kvinnor", "förskola", "lärare", "elever",
    "utbildning", "arbete", "jobb", "företag", "upphandling", "avtal",
    "kostnad", "ekonomi", "skatt", "invånare", "stadsdel"};
#define NV (sizeof vocab / sizeof vocab[0])

/* Word index with roughly Zipf frequencies: low indices are common. */
static uint32_t zipf(void) {
  uint32_t r = rnd(1000);
  uint32_t w = (uint32_t)((double)NV * (double)r * r / 1e6);
  return w < NV ? w : NV - 1;
}

static int write_corpus(const char *path, uint32_t first, uint32_t n) {
  FILE *f = fopen(path, "w");
  if (!f) return 0;
  for (uint32_t d = first; d < first + n; d++) {
    fprintf(f, "{\"id\": \"s%u\", \"title\": \"%s %s\", \"text\": \"", d,
            vocab[zipf()], vocab[zipf()]);
    uint32_t len = 20 + rnd(400);
    for (uint32_t i = 0; i < len; i++) {
      if (rnd(40) == 0) fputs("barn och unga ", f);
      else if (rnd(60) == 0) fputs("vård och omsorg ", f);
      else fprintf(f, "%s ", vocab[zipf()]);
    }
    fputs("\"}\n", f);
  }
  return fclose(f) == 0;
}

typedef struct Tally {
  int queries;   /* compared                                          */
  int pruned;    /* ... whose pruned run estimated its total           */
} Tally;

/* Run query both ways with k hits; CHECK they agree. */
static void compare(SwIndex *ix, const char *query, size_t k, Tally *t) {
  SwSearchOptions ex = {k, 0, SW_HL_NONE, 0, 0, 1};
  SwSearchOptions pr = ex;
  pr.exact_total = 0;
  SwResults *a = NULL, *b = NULL;
  SwError err;
  sw_error_clear(&err);
  int rca = sw_search(ix, query, strlen(query), &ex, &a, &err);
  int rcb = sw_search(ix, query, strlen(query), &pr, &b, &err);
  CHECK_EQ_INT(rca, rcb);
  if (rca || rcb) {
    if (rca != SW_QUERY) fprintf(stderr, "query '%s': %s\n", query, err.msg);
    sw_results_free(a);
    sw_results_free(b);
    return;
  }
  t->queries++;
  int same = a->nhits == b->nhits && a->partial == b->partial;
  for (size_t i = 0; same && i < a->nhits; i++)
    same = a->hits[i].doc == b->hits[i].doc &&
           a->hits[i].score == b->hits[i].score &&
           a->hits[i].matched == b->hits[i].matched;
  if (!same)
    fprintf(stderr, "query '%s' (k %zu): pruned hits differ from exhaustive\n",
            query, k);
  CHECK(same);
  CHECK(a->total_exact == 1);
  if (b->total_exact) {
    if (a->total_hits != b->total_hits)
      fprintf(stderr, "query '%s': total %llu, exhaustive %llu\n", query,
              (unsigned long long)b->total_hits,
              (unsigned long long)a->total_hits);
    CHECK_EQ_INT(b->total_hits, a->total_hits);
  } else {
    t->pruned++;
    double est = (double)b->total_hits, real = (double)a->total_hits;
    /* Half the real count, plus slack for the sampling of small counts. */
    int close = est >= real * 0.5 - 40 && est <= real * 1.5 + 40;
    if (!close)
      fprintf(stderr, "query '%s': estimate %llu, exhaustive %llu\n", query,
              (unsigned long long)b->total_hits,
              (unsigned long long)a->total_hits);
    CHECK(close);
  }
  sw_results_free(a);
  sw_results_free(b);
}

static const size_t ks[] = {1, 3, 10, 25};

/* The index in dir opened, or NULL with a failed CHECK saying why (rc: the
** build's result, err its error). */
static SwIndex *open_built(const char *what, const char *dir, int rc,
                           SwError *err) {
  SwIndex *ix = NULL;
  if (!rc) rc = sw_index_open(dir, &ix, err);
  if (rc) {
    fprintf(stderr, "%s index: %s\n", what, err->msg);
    CHECK(0);
  }
  return ix;
}

static void synthetic(const char *tmp) {
  char dir[4200], f1[4200], f2[4200];
  snprintf(dir, sizeof dir, "%s/index", tmp);
  snprintf(f1, sizeof f1, "%s/a.jsonl", tmp);
  snprintf(f2, sizeof f2, "%s/b.jsonl", tmp);
  CHECK(write_corpus(f1, 0, 3000));
  CHECK(write_corpus(f2, 3000, 1500));
  SwError err;
  sw_error_clear(&err);
  const char *p1[] = {f1}, *p2[] = {f2};
  SwBuildOptions o = {0};
  o.threads = 1;
  int rc = sw_build(dir, p1, 1, &o, NULL, NULL, NULL, &err);
  if (!rc) rc = sw_add(dir, p2, 1, &o, NULL, NULL, NULL, &err);
  const char *del[] = {"s5", "s17", "s1000", "s2999", "s3001", "s4000"};
  if (!rc) rc = sw_delete(dir, del, 6, NULL, NULL, NULL, &err);
  SwIndex *ix = open_built("synthetic", dir, rc, &err);
  if (!ix) return;
  Tally t = {0, 0};
  char q[256];
  for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
    size_t k = ks[ki];
    for (uint32_t i = 0; i < NV; i++) {
      compare(ix, vocab[i], k, &t);
      snprintf(q, sizeof q, "%s %s", vocab[i], vocab[(i * 7 + 3) % NV]);
      compare(ix, q, k, &t);
      snprintf(q, sizeof q, "\"%s %s\"", vocab[i], vocab[(i + 1) % NV]);
      compare(ix, q, k, &t);
      snprintf(q, sizeof q, "%s OR %s", vocab[i], vocab[(i * 3 + 1) % NV]);
      compare(ix, q, k, &t);
      snprintf(q, sizeof q, "\"%s och %s\" %s", vocab[i], vocab[(i + 5) % NV],
               vocab[(i + 9) % NV]);
      compare(ix, q, k, &t);
      snprintf(q, sizeof q, "%s -%s", vocab[i], vocab[(i + 2) % NV]);
      compare(ix, q, k, &t);
    }
    compare(ix, "\"barn och unga\"", k, &t);
    compare(ix, "\"vård och omsorg\" stöd", k, &t);
    compare(ix, "\"barn och unga\" \"vård och omsorg\"", k, &t);
    compare(ix, "\"barn och unga\" OR \"vård och omsorg\"", k, &t);
    compare(ix, "\"barn och unga\" -\"vård och omsorg\"", k, &t);
  }
  printf("synthetic: %d queries compared, %d pruned\n", t.queries, t.pruned);
  CHECK(t.queries > 1000);
  CHECK(t.pruned > 20); /* the comparison covers pruned runs */
  sw_index_close(ix);
}

/* Queries of a tab-separated file: the text after the last tab. */
static void query_file(SwIndex *ix, const char *path, Tally *t) {
  size_t len;
  char *buf = tu_read_file(path, &len);
  if (!buf) {
    fprintf(stderr, "cannot read %s\n", path);
    CHECK(0);
    return;
  }
  for (char *line = buf, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    if (*line == '#' || !*line || !strncmp(line, "query_id\t", 9)) continue;
    char *q = strrchr(line, '\t');
    if (!q) continue;
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
      compare(ix, q + 1, ks[ki], t);
  }
  free(buf);
}

static void shared(const char *tmp) {
  char corpus[4096], dir[4200], qf[4200];
  const char *src = getenv("SW_SOURCE_DIR");
  if (!src) src = ".";
  tu_shared_path(corpus, "corpus/riksdagen-motioner.jsonl.zst");
  snprintf(dir, sizeof dir, "%s/shared-index", tmp);
  SwError err;
  sw_error_clear(&err);
  const char *p[] = {corpus};
  SwBuildOptions o = {0};
  o.threads = 2;
  SwIndex *ix = open_built("shared", dir,
                           sw_build(dir, p, 1, &o, NULL, NULL, NULL, &err), &err);
  if (!ix) return;
  Tally t = {0, 0};
  snprintf(qf, sizeof qf, "%s/bench/queries.tsv", src);
  query_file(ix, qf, &t);
  snprintf(qf, sizeof qf, "%s/corpus/queries/municipal.tsv", src);
  query_file(ix, qf, &t);
  /* Someone else's queries: many words, rare and common, with compound
  ** alternatives (run_rest's leaves). */
  tu_shared_path(qf, "testdata/swedish-retrieval/known-item/queries.tsv");
  query_file(ix, qf, &t);
  printf("shared corpus: %d queries compared, %d pruned\n", t.queries,
         t.pruned);
  CHECK(t.queries > 500);
  /* Totals are estimated only for phrases past ENG_EXACT_FIRST candidates
  ** (eval.c), which these sets do not reach; the hits compared above are
  ** pruned all the same (MaxScore, block-max, lazy phrases). */
  sw_index_close(ix);
}

/* No argument: the synthetic corpus. --shared: the shared corpus (its own
** ctest, unit.test_pruning_shared, skipped with exit 77 and a message
** when ../shared is absent). */
int main(int argc, char **argv) {
  char tmp[4096];
  const char *base = getenv("TMPDIR");
  int want_shared = argc > 1 && !strcmp(argv[1], "--shared");
  if (want_shared) { /* exits 77, saying why, without the corpus */
    char probe[4096];
    tu_shared_path(probe, "corpus/riksdagen-motioner.jsonl.zst");
  }
  snprintf(tmp, sizeof tmp, "%s/swsearch-prune-XXXXXX", base ? base : "/tmp");
  if (!mkdtemp(tmp)) {
    perror("mkdtemp");
    return 1;
  }
  setenv("SWSEARCH_SYNONYMS", "/dev/null", 1);
  if (want_shared) shared(tmp);
  else synthetic(tmp);
  tu_rm_rf(tmp);
  return tu_done();
}
