/*
** eval.c — swsearch-eval: retrieval quality of swsearch on a judged query
** set: MRR@k, Recall@k and nDCG@k (k = 10 unless told). Uses only the
** public API (swsearch.h), like the benchmark harness.
**
**   swsearch-eval (--index DIR | --collection TSV) --queries TSV --qrels FILE
**                 [-k K] [--synonyms FILE] [--per-query] [--json]
**
** --collection TSV: `doc_id<TAB>...<TAB>text` lines (a first line starting
**   with "doc_id" or "#" is a header); the documents are indexed into a
**   temporary index (title empty, the text as the body) and the index is
**   removed afterwards. This is SweFAQ's derived/dev_corpus.tsv layout.
** --queries TSV: `query_id<TAB>...<TAB>query text` (the first and the last
**   column; header as above). SweFAQ's derived/dev_queries.tsv and
**   the files in corpus/queries/ both fit.
** --qrels FILE: TREC qrels, `query_id 0 doc_id grade` (grade > 0 relevant;
**   the doc id may hold spaces: it is everything between the second field
**   and the last).
**
**   swsearch-eval --suite [--shared DIR] [--work DIR] [-k K] [--synonyms F]
**
** --suite: the three judged sets in one run, each overall and per style or
**   category (the middle column of the queries file): the known-item dev
**   set (written from the documents alone, by someone else), SweFAQ dev,
**   and the municipal set written beside the engine (see suite() below).
**   --shared defaults to $SW_SHARED, else ../shared; the municipal files
**   are read from $SW_SOURCE_DIR, else the current directory. Qrels may
**   name documents by a global id `<file stem>:<id>` (doc_matches).
**
** Metrics, per query then averaged over the queries that have at least one
** relevant document: reciprocal rank of the first relevant hit in the top k
** (0 if none); recall = relevant in the top k / relevant; nDCG with gain
** `grade` and discount log2(rank + 1), normalised by the ideal ordering of
** the judged documents. Queries the engine rejects (SW_QUERY: nothing
** searchable) count as zero and are listed.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "swsearch.h"

#define MAX_LINE (1 << 20)

typedef struct Qrel {
  char *qid;
  char *doc;
  int grade;
} Qrel;

typedef struct Query {
  char *qid;
  char *cat;   /* the middle column (style, category), "" when none */
  char *text;
} Query;

static void die(const char *fmt, const char *a) {
  fprintf(stderr, "swsearch-eval: ");
  fprintf(stderr, fmt, a);
  fputc('\n', stderr);
  exit(2);
}

static char *dup_str(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (!p) die("%s", "out of memory");
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

static int is_header(const char *line) {
  return line[0] == '#' || !strncmp(line, "doc_id\t", 7) ||
         !strncmp(line, "query_id\t", 9) || !strncmp(line, "qid\t", 4) ||
         line[0] == '\0';
}

static void chomp(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
}

/* The first and the last tab-separated field of line; *mid the second when
** there are three or more ("" otherwise; mid may be NULL). */
static int first_last_mid(char *line, char **first, char **last, char **mid) {
  char *t = strchr(line, '\t');
  if (!t) return -1;
  *t = '\0';
  *first = line;
  char *l = strrchr(t + 1, '\t');
  *last = l ? l + 1 : t + 1;
  if (mid) {
    *mid = "";
    if (l) {
      char *m2 = strchr(t + 1, '\t');
      *m2 = '\0';
      *mid = t + 1;
    }
  }
  return 0;
}

static int first_last(char *line, char **first, char **last) {
  return first_last_mid(line, first, last, NULL);
}

static Query *read_queries(const char *path, size_t *n) {
  FILE *f = fopen(path, "r");
  if (!f) die("cannot open %s", path);
  char *line = malloc(MAX_LINE);
  Query *q = NULL;
  size_t cap = 0, lineno = 0;
  *n = 0;
  while (fgets(line, MAX_LINE, f)) {
    lineno++;
    chomp(line);
    if (is_header(line)) continue;
    char *id, *text, *cat;
    if (first_last_mid(line, &id, &text, &cat)) {
      fprintf(stderr, "swsearch-eval: %s:%zu: no tab; skipped\n", path, lineno);
      continue;
    }
    if (*n == cap) {
      cap = cap ? cap * 2 : 64;
      q = realloc(q, cap * sizeof *q);
      if (!q) die("%s", "out of memory");
    }
    q[*n].qid = dup_str(id, strlen(id));
    q[*n].cat = dup_str(cat, strlen(cat));
    q[*n].text = dup_str(text, strlen(text));
    (*n)++;
  }
  fclose(f);
  free(line);
  return q;
}

static Qrel *read_qrels(const char *path, size_t *n) {
  FILE *f = fopen(path, "r");
  if (!f) die("cannot open %s", path);
  char line[4096];
  Qrel *r = NULL;
  size_t cap = 0;
  *n = 0;
  while (fgets(line, sizeof line, f)) {
    /* query_id, "0", then the doc id (which may hold spaces: "SFS
    ** 2021:1002"), then the grade: first, second and last fields. */
    char qid[1024], doc[2048];
    int grade;
    chomp(line);
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    char *last = strrchr(line, ' ');
    if (line[0] == '#' || !sp1 || !sp2 || last <= sp2 ||
        (size_t)(sp1 - line) >= sizeof qid || (size_t)(last - sp2 - 1) >= sizeof doc)
      continue;
    memcpy(qid, line, (size_t)(sp1 - line));
    qid[sp1 - line] = '\0';
    memcpy(doc, sp2 + 1, (size_t)(last - sp2 - 1));
    doc[last - sp2 - 1] = '\0';
    grade = atoi(last + 1);
    if (*n == cap) {
      cap = cap ? cap * 2 : 64;
      r = realloc(r, cap * sizeof *r);
      if (!r) die("%s", "out of memory");
    }
    r[*n].qid = dup_str(qid, strlen(qid));
    r[*n].doc = dup_str(doc, strlen(doc));
    r[*n].grade = grade;
    (*n)++;
  }
  fclose(f);
  return r;
}

/* JSON string body of s (quotes, backslashes, control characters). */
static void json_str(FILE *f, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
}

/* Index the collection TSV into dir through a temporary JSON Lines file. */
static void index_collection(const char *tsv, const char *dir) {
  char jsonl[4300];
  snprintf(jsonl, sizeof jsonl, "%s.jsonl", dir);
  FILE *in = fopen(tsv, "r"), *out = fopen(jsonl, "w");
  if (!in) die("cannot open %s", tsv);
  if (!out) die("cannot create %s", jsonl);
  char *line = malloc(MAX_LINE);
  while (fgets(line, MAX_LINE, in)) {
    chomp(line);
    if (is_header(line)) continue;
    char *id, *text;
    if (first_last(line, &id, &text)) continue;
    fputs("{\"id\": \"", out);
    json_str(out, id);
    fputs("\", \"title\": \"\", \"text\": \"", out);
    json_str(out, text);
    fputs("\"}\n", out);
  }
  free(line);
  fclose(in);
  if (fclose(out) != 0) die("cannot write %s", jsonl);
  const char *paths[1] = {jsonl};
  SwError err;
  sw_error_clear(&err);
  SwBuildStats st;
  if (sw_build(dir, paths, 1, NULL, NULL, NULL, &st, &err) != SW_OK)
    die("indexing the collection: %s", err.msg);
  unlink(jsonl);
  fprintf(stderr, "indexed %llu documents of %s\n",
          (unsigned long long)st.docs, tsv);
}

/* Does the judged doc id name hit h? The plain id (municipal.qrels: the
** JSONL id), or a global id `<file stem>:<id>` (the known-item set:
** `riksdagen-motioner:H6021113` for a hit from riksdagen-motioner.jsonl.zst,
** `seeds:000_....txt` for a .txt file document, whose id is its file name
** and whose folder the hit does not carry). */
static int doc_matches(const char *judged, const SwHit *h) {
  if (!strcmp(judged, h->id)) return 1;
  const char *colon = strchr(judged, ':');
  if (!colon || strcmp(colon + 1, h->id)) return 0;
  size_t pl = (size_t)(colon - judged), fl = strlen(h->file);
  const char *ext[] = {".jsonl.zst", ".jsonl"};
  for (size_t e = 0; e < 2; e++) {
    size_t el = strlen(ext[e]);
    if (fl > el && !strcmp(h->file + fl - el, ext[e]))
      return fl - el == pl && !strncmp(h->file, judged, pl);
  }
  return !strcmp(h->file, h->id); /* a file document: any folder name */
}

/* Sums of the metrics over judged queries, overall or of one category. */
typedef struct Sums {
  char cat[64];
  size_t judged, found, rejected;
  double rr, recall, ndcg;
} Sums;

typedef struct Report {
  Sums all;
  Sums cats[32];
  size_t ncats;
} Report;

static void sums_add(Sums *s, double rr, double recall, double ndcg, int found,
                     int rejected) {
  s->judged++;
  s->rr += rr;
  s->recall += recall;
  s->ndcg += ndcg;
  s->found += found != 0;
  s->rejected += rejected != 0;
}

static Sums *report_cat(Report *r, const char *cat) {
  for (size_t i = 0; i < r->ncats; i++)
    if (!strcmp(r->cats[i].cat, cat)) return &r->cats[i];
  if (r->ncats == sizeof r->cats / sizeof r->cats[0]) return NULL;
  Sums *s = &r->cats[r->ncats++];
  memset(s, 0, sizeof *s);
  snprintf(s->cat, sizeof s->cat, "%s", cat);
  return s;
}

/* Run every judged query of q over ix and sum the metrics into *rep. */
static void evaluate(SwIndex *ix, const Query *q, size_t nq, const Qrel *r,
                     size_t nr, int k, int per_query, Report *rep) {
  memset(rep, 0, sizeof *rep);
  SwError err;
  for (size_t i = 0; i < nq; i++) {
    int grades[1024];
    size_t nrel = 0;
    for (size_t j = 0; j < nr && nrel < 1024; j++)
      if (!strcmp(r[j].qid, q[i].qid) && r[j].grade > 0) grades[nrel++] = r[j].grade;
    if (nrel == 0) continue;
    SwSearchOptions so;
    memset(&so, 0, sizeof so);
    so.k = (size_t)k;
    SwResults *res = NULL;
    sw_error_clear(&err);
    int rc = sw_search(ix, q[i].text, strlen(q[i].text), &so, &res, &err);
    double rr = 0, dcg = 0, idcg = 0;
    size_t hits = 0, first = 0;
    if (rc == SW_OK) {
      for (size_t h = 0; h < res->nhits; h++) {
        int g = 0;
        for (size_t j = 0; j < nr; j++)
          if (!strcmp(r[j].qid, q[i].qid) && doc_matches(r[j].doc, &res->hits[h])) {
            g = r[j].grade;
            break;
          }
        if (g <= 0) continue;
        hits++;
        if (!first) first = h + 1;
        dcg += g / log2((double)h + 2);
      }
      if (first) rr = 1.0 / (double)first;
    } else if (rc != SW_QUERY) {
      die("search failed: %s", err.msg);
    }
    /* Ideal: grades descending. */
    for (size_t a = 0; a < nrel; a++)
      for (size_t b = a + 1; b < nrel; b++)
        if (grades[b] > grades[a]) {
          int t = grades[a];
          grades[a] = grades[b];
          grades[b] = t;
        }
    for (size_t a = 0; a < nrel && a < (size_t)k; a++)
      idcg += grades[a] / log2((double)a + 2);
    double recall = (double)hits / (double)nrel;
    double ndcg = idcg > 0 ? dcg / idcg : 0;
    sums_add(&rep->all, rr, recall, ndcg, first != 0, rc != SW_OK);
    Sums *c = q[i].cat[0] ? report_cat(rep, q[i].cat) : NULL;
    if (c) sums_add(c, rr, recall, ndcg, first != 0, rc != SW_OK);
    if (per_query)
      printf("%s\t%s\trank %zu\trr %.3f\trecall %.3f\tndcg %.3f\t%s%s\n",
             q[i].qid, q[i].cat, first, rr, recall, ndcg, q[i].text,
             rc == SW_OK ? "" : "\t(rejected)");
    sw_results_free(res);
  }
}

static double avg(double sum, size_t n) { return n ? sum / (double)n : 0; }

static void print_report(const char *name, const Report *rep, int k, int json) {
  const Sums *a = &rep->all;
  if (json) {
    printf("{\"set\": \"%s\", \"queries\": %zu, \"k\": %d, \"mrr\": %.4f, "
           "\"recall\": %.4f, \"ndcg\": %.4f, \"found\": %zu, \"rejected\": %zu, "
           "\"categories\": [", name, a->judged, k, avg(a->rr, a->judged),
           avg(a->recall, a->judged), avg(a->ndcg, a->judged), a->found,
           a->rejected);
    for (size_t i = 0; i < rep->ncats; i++) {
      const Sums *c = &rep->cats[i];
      printf("%s{\"category\": \"", i ? ", " : "");
      json_str(stdout, c->cat);
      printf("\", \"queries\": %zu, \"mrr\": %.4f, \"recall\": %.4f, "
             "\"ndcg\": %.4f}", c->judged, avg(c->rr, c->judged),
             avg(c->recall, c->judged), avg(c->ndcg, c->judged));
    }
    printf("]}\n");
    return;
  }
  char m[16], rc[16], nd[16];
  snprintf(m, sizeof m, "MRR@%d", k);
  snprintf(rc, sizeof rc, "Recall@%d", k);
  snprintf(nd, sizeof nd, "nDCG@%d", k);
  printf("%-26s %7s %8s %10s %8s\n", name, "queries", m, rc, nd);
  printf("  %-24s %7zu %8.4f %10.4f %8.4f   (found %zu in the top %d; %zu "
         "rejected)\n", "all", a->judged, avg(a->rr, a->judged),
         avg(a->recall, a->judged), avg(a->ndcg, a->judged), a->found, k,
         a->rejected);
  for (size_t i = 0; i < rep->ncats; i++) {
    const Sums *c = &rep->cats[i];
    printf("  %-24s %7zu %8.4f %10.4f %8.4f\n", c->cat, c->judged,
           avg(c->rr, c->judged), avg(c->recall, c->judged),
           avg(c->ndcg, c->judged));
  }
}
static void usage(void) {
  fputs("usage: swsearch-eval (--index DIR | --collection TSV) --queries TSV "
        "--qrels FILE [-k K] [--synonyms FILE] [--per-query] [--json]\n"
        "       swsearch-eval --suite [--shared DIR] [--work DIR] [-k K]\n"
        "                     [--synonyms FILE] [--per-query] [--json]\n",
        stderr);
  exit(2);
}

static int exists(const char *path) { return access(path, F_OK) == 0; }

/* One judged set over an open index: read, evaluate, print. */
static void run_set(const char *name, const char *index, const char *queries,
                    const char *qrels, const char *synonyms, int k,
                    int per_query, int json) {
  size_t nq, nr;
  Query *q = read_queries(queries, &nq);
  Qrel *r = read_qrels(qrels, &nr);
  SwIndex *ix;
  SwError err;
  sw_error_clear(&err);
  if (sw_index_open(index, &ix, &err) != SW_OK) die("%s", err.msg);
  if (synonyms && sw_index_load_synonyms(ix, synonyms, &err) != SW_OK)
    die("%s", err.msg);
  Report rep;
  evaluate(ix, q, nq, r, nr, k, per_query, &rep);
  sw_index_close(ix);
  print_report(name, &rep, k, json);
  for (size_t i = 0; i < nq; i++) free(q[i].qid), free(q[i].cat), free(q[i].text);
  for (size_t i = 0; i < nr; i++) free(r[i].qid), free(r[i].doc);
  free(q);
  free(r);
}

/* Build dir from paths unless an index is there already (--work reuse). */
static void build_once(const char *dir, const char *const *paths, size_t n) {
  char cur[4300];
  snprintf(cur, sizeof cur, "%s/CURRENT", dir);
  if (exists(cur)) {
    fprintf(stderr, "swsearch-eval: reusing the index in %s\n", dir);
    return;
  }
  SwBuildOptions o;
  memset(&o, 0, sizeof o);
  o.threads = 2;
  SwBuildStats st;
  SwError err;
  sw_error_clear(&err);
  if (sw_build(dir, paths, n, &o, NULL, NULL, &st, &err) != SW_OK)
    die("building the suite's index: %s", err.msg);
  fprintf(stderr, "swsearch-eval: indexed %llu documents into %s\n",
          (unsigned long long)st.docs, dir);
}

/* --suite: the three judged sets, in one run:
**   known-item  ../shared/testdata/swedish-retrieval/known-item (written
**               from the documents alone, by someone else) over the shared
**               corpus's JSON Lines files plus the five seeds;
**   SweFAQ dev  ../shared/testdata/swedish-retrieval/swefaq/derived, its
**               110 answers as the collection;
**   municipal   corpus/queries/municipal.tsv (written beside the engine)
**               over the shared corpus's JSON Lines files.
** Indexes go to --work DIR (kept and reused; default a temporary
** directory, removed). */
static int suite(const char *shared, const char *work, const char *synonyms,
                 int k, int per_query, int json) {
  char ki[4200], fq[4200], corpus[4200], seeds[4200], d[4200];
  snprintf(ki, sizeof ki, "%s/testdata/swedish-retrieval/known-item", shared);
  snprintf(fq, sizeof fq, "%s/testdata/swedish-retrieval/swefaq/derived", shared);
  snprintf(corpus, sizeof corpus, "%s/corpus", shared);
  snprintf(seeds, sizeof seeds, "%s/corpus/seeds", shared);
  if (!exists(ki) || !exists(fq) || !exists(seeds))
    die("%s: the judged sets or the corpus are missing (--shared DIR)", shared);
  static const char *const files[] = {
      "riksdagen-betankanden", "riksdagen-interpellationer",
      "riksdagen-motioner", "riksdagen-propositioner", "sfs-forfattningar"};
  enum { NFILES = sizeof files / sizeof files[0] };
  char jsonl[NFILES][4300];
  const char *paths[NFILES + 1];
  for (size_t i = 0; i < NFILES; i++) {
    snprintf(jsonl[i], sizeof jsonl[i], "%s/%s.jsonl.zst", corpus, files[i]);
    if (!exists(jsonl[i])) die("%s: missing", jsonl[i]);
    paths[i] = jsonl[i];
  }
  paths[NFILES] = seeds;

  char tmp[4096] = "", ix_all[4300], ix_jsonl[4300], q[4300], r[4300];
  if (!work) {
    const char *t = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/swsearch-eval-XXXXXX", t ? t : "/tmp");
    if (!mkdtemp(tmp)) die("cannot create a temporary directory: %s", strerror(errno));
    work = tmp;
  } else if (mkdir(work, 0777) != 0 && errno != EEXIST) {
    die("cannot create %s", work);
  }
  snprintf(ix_all, sizeof ix_all, "%s/corpus+seeds", work);
  snprintf(ix_jsonl, sizeof ix_jsonl, "%s/corpus", work);
  build_once(ix_all, paths, NFILES + 1);
  build_once(ix_jsonl, paths, NFILES);

  snprintf(q, sizeof q, "%s/queries.tsv", ki);
  snprintf(r, sizeof r, "%s/qrels.txt", ki);
  run_set("known-item dev", ix_all, q, r, synonyms, k, per_query, json);

  snprintf(d, sizeof d, "%s/swefaq", work);
  char dc[4300];
  snprintf(dc, sizeof dc, "%s/dev_corpus.tsv", fq);
  char cur[4300];
  snprintf(cur, sizeof cur, "%s/CURRENT", d);
  if (!exists(cur)) index_collection(dc, d);
  snprintf(q, sizeof q, "%s/dev_queries.tsv", fq);
  snprintf(r, sizeof r, "%s/dev_qrels.txt", fq);
  run_set("SweFAQ dev", d, q, r, synonyms, k, per_query, json);

  const char *src = getenv("SW_SOURCE_DIR");
  snprintf(q, sizeof q, "%s/corpus/queries/municipal.tsv", src ? src : ".");
  snprintf(r, sizeof r, "%s/corpus/queries/municipal.qrels", src ? src : ".");
  if (!exists(q)) die("%s: missing (run from the source tree, or set SW_SOURCE_DIR)", q);
  run_set("municipal (own)", ix_jsonl, q, r, synonyms, k, per_query, json);

  if (tmp[0]) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *index = NULL, *collection = NULL, *queries = NULL, *qrels = NULL;
  const char *synonyms = NULL, *shared = NULL, *work = NULL;
  int k = 10, per_query = 0, json = 0, suite_mode = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--index") && i + 1 < argc) index = argv[++i];
    else if (!strcmp(argv[i], "--collection") && i + 1 < argc) collection = argv[++i];
    else if (!strcmp(argv[i], "--queries") && i + 1 < argc) queries = argv[++i];
    else if (!strcmp(argv[i], "--qrels") && i + 1 < argc) qrels = argv[++i];
    else if (!strcmp(argv[i], "-k") && i + 1 < argc) k = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--synonyms") && i + 1 < argc) synonyms = argv[++i];
    else if (!strcmp(argv[i], "--per-query")) per_query = 1;
    else if (!strcmp(argv[i], "--json")) json = 1;
    else if (!strcmp(argv[i], "--suite")) suite_mode = 1;
    else if (!strcmp(argv[i], "--shared") && i + 1 < argc) shared = argv[++i];
    else if (!strcmp(argv[i], "--work") && i + 1 < argc) work = argv[++i];
    else usage();
  }
  if (k < 1 || k > 1000) usage();
  if (suite_mode) {
    if (index || collection || queries || qrels) usage();
    if (!shared) shared = getenv("SW_SHARED");
    return suite(shared ? shared : "../shared", work, synonyms, k, per_query,
                 json);
  }
  if ((!index == !collection) || !queries || !qrels) usage();

  char tmpdir[4096] = "";
  if (collection) {
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/swsearch-eval-XXXXXX", t ? t : "/tmp");
    if (!mkdtemp(tmpdir)) die("cannot create a temporary directory: %s", strerror(errno));
    static char ixdir[4200];
    snprintf(ixdir, sizeof ixdir, "%s/index", tmpdir);
    index_collection(collection, ixdir);
    index = ixdir;
  }
  const char *base = strrchr(queries, '/');
  run_set(base ? base + 1 : queries, index, queries, qrels, synonyms, k,
          per_query, json);
  if (tmpdir[0]) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
  }
  return 0;
}
