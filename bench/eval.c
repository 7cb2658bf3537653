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
         !strncmp(line, "query_id\t", 9) || line[0] == '\0';
}

static void chomp(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
}

/* The first and the last tab-separated field of line. */
static int first_last(char *line, char **first, char **last) {
  char *t = strchr(line, '\t');
  if (!t) return -1;
  *t = '\0';
  *first = line;
  char *l = strrchr(t + 1, '\t');
  *last = l ? l + 1 : t + 1;
  return 0;
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
    char *id, *text;
    if (first_last(line, &id, &text)) {
      fprintf(stderr, "swsearch-eval: %s:%zu: no tab; skipped\n", path, lineno);
      continue;
    }
    if (*n == cap) {
      cap = cap ? cap * 2 : 64;
      q = realloc(q, cap * sizeof *q);
      if (!q) die("%s", "out of memory");
    }
    q[*n].qid = dup_str(id, strlen(id));
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

static void usage(void) {
  fputs("usage: swsearch-eval (--index DIR | --collection TSV) --queries TSV "
        "--qrels FILE [-k K] [--synonyms FILE] [--per-query] [--json]\n", stderr);
  exit(2);
}

int main(int argc, char **argv) {
  const char *index = NULL, *collection = NULL, *queries = NULL, *qrels = NULL;
  const char *synonyms = NULL;
  int k = 10, per_query = 0, json = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--index") && i + 1 < argc) index = argv[++i];
    else if (!strcmp(argv[i], "--collection") && i + 1 < argc) collection = argv[++i];
    else if (!strcmp(argv[i], "--queries") && i + 1 < argc) queries = argv[++i];
    else if (!strcmp(argv[i], "--qrels") && i + 1 < argc) qrels = argv[++i];
    else if (!strcmp(argv[i], "-k") && i + 1 < argc) k = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--synonyms") && i + 1 < argc) synonyms = argv[++i];
    else if (!strcmp(argv[i], "--per-query")) per_query = 1;
    else if (!strcmp(argv[i], "--json")) json = 1;
    else usage();
  }
  if ((!index == !collection) || !queries || !qrels || k < 1 || k > 1000)
    usage();

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
  size_t nq, nr;
  Query *q = read_queries(queries, &nq);
  Qrel *r = read_qrels(qrels, &nr);

  SwIndex *ix;
  SwError err;
  sw_error_clear(&err);
  if (sw_index_open(index, &ix, &err) != SW_OK) die("%s", err.msg);
  if (synonyms && sw_index_load_synonyms(ix, synonyms, &err) != SW_OK)
    die("%s", err.msg);

  double sum_rr = 0, sum_recall = 0, sum_ndcg = 0;
  size_t judged = 0, rejected = 0, found_any = 0;
  for (size_t i = 0; i < nq; i++) {
    int grades[1024];
    size_t nrel = 0;
    for (size_t j = 0; j < nr && nrel < 1024; j++)
      if (!strcmp(r[j].qid, q[i].qid) && r[j].grade > 0) grades[nrel++] = r[j].grade;
    if (nrel == 0) continue;
    judged++;
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
          if (!strcmp(r[j].qid, q[i].qid) && !strcmp(r[j].doc, res->hits[h].id)) {
            g = r[j].grade;
            break;
          }
        if (g <= 0) continue;
        hits++;
        if (!first) first = h + 1;
        dcg += g / log2((double)h + 2);
      }
      if (first) rr = 1.0 / (double)first;
    } else {
      rejected++;
      if (rc != SW_QUERY) die("search failed: %s", err.msg);
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
    sum_rr += rr;
    sum_recall += recall;
    sum_ndcg += ndcg;
    found_any += first != 0;
    if (per_query)
      printf("%s\trank %zu\trr %.3f\trecall %.3f\tndcg %.3f\t%s%s\n", q[i].qid,
             first, rr, recall, ndcg, q[i].text,
             rc == SW_OK ? "" : "\t(rejected)");
    sw_results_free(res);
  }
  sw_index_close(ix);
  double n = judged ? (double)judged : 1;
  if (json)
    printf("{\"queries\": %zu, \"k\": %d, \"mrr\": %.4f, \"recall\": %.4f, "
           "\"ndcg\": %.4f, \"found\": %zu, \"rejected\": %zu}\n",
           judged, k, sum_rr / n, sum_recall / n, sum_ndcg / n, found_any,
           rejected);
  else
    printf("queries %zu (judged), k %d\nMRR@%d     %.4f\nRecall@%d  %.4f\n"
           "nDCG@%d    %.4f\nfound      %zu of %zu in the top %d; %zu "
           "rejected\n",
           judged, k, k, sum_rr / n, k, sum_recall / n, k, sum_ndcg / n,
           found_any, judged, k, rejected);
  if (tmpdir[0]) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
  }
  for (size_t i = 0; i < nq; i++) free(q[i].qid), free(q[i].text);
  for (size_t i = 0; i < nr; i++) free(r[i].qid), free(r[i].doc);
  free(q);
  free(r);
  return 0;
}
