/*
** bench.c — swsearch-bench: query latency per query class, build throughput
** and index size. Uses only the public API (swsearch.h).
**
**   swsearch-bench --index DIR --queries FILE [--passes N] [--json]
**                  [--snippets] [--build PATH... --build-index DIR]
**                  [--threads N] [--exact-total]
**
** Queries: FILE holds "class<TAB>query" lines; blank lines and lines starting
** with '#' are ignored. The index is opened once; one warm-up pass runs every
** query untimed, then N timed passes (default 5) run them again in file order,
** in this process. Each query asks for the top 10 with id and title (and a
** snippet only with --snippets) and is timed with sw_now() around sw_search,
** a read of every hit's id and title, and sw_results_free: what a caller
** pays for one answer.
**
** Per class the samples (queries x passes) are summarised as n, p50, p95,
** p99 and mean in milliseconds. Percentiles are nearest-rank: the samples
** are sorted ascending and the p-th percentile is the sample at 1-based rank
** ceil(p/100 * n); it is always one of the measured values, never an
** interpolation.
**
** --build PATH... first builds an index of the paths into --build-index DIR
** with sw_build (one thread, or N with --threads N: the same index) and
** reports documents, text MB (10^6 bytes of
** title + text analysed), seconds, MB/s, the process's peak RSS after the
** build (getrusage ru_maxrss), and the size of every index file. Without
** --index the queries then run against that new index.
**
** Output: a table on stdout, or with --json one object:
**   {"classes": {"<class>": {"n", "queries", "zero_hit_queries", "p50_ms",
**    "p95_ms", "p99_ms", "mean_ms"}, ...}, "build": {...} | null,
**    "index_bytes": {"<file>": bytes, ..., "total": bytes}}
** Exit 0, or 2 with "swsearch-bench: <file or query>: <problem>" on stderr.
*/
#include "swsearch.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define DEFAULT_PASSES 5
#define MAX_PASSES 100000
#define MAX_CLASSES 64
#define TOP_K 10

static const char USAGE[] =
    "usage: swsearch-bench --index DIR --queries FILE [--passes N] [--json]\n"
    "                      [--snippets] [--build PATH... --build-index DIR]\n"
    "  --queries FILE   class<TAB>query lines ('#' comments)\n"
    "  --passes N       timed passes after one warm-up pass (default 5)\n"
    "  --json           one JSON object instead of a table\n"
    "  --snippets       make snippets (off by default)\n"
    "  --exact-total    examine every candidate (no top-k pruning), so\n"
    "                   totals are exact; compares with pruning's speed\n"
    "  --build PATH...  first build PATHs into --build-index DIR and report\n"
    "                   MB/s, peak RSS and index size (--index defaults to it)\n"
    "  --threads N      build with N analysis threads (default 1)\n";

/* One query of the file. */
typedef struct Query {
  char *text;        /* the query, NUL-terminated         */
  size_t len;        /* its length                         */
  int cls;           /* index into Bench.classes           */
  uint64_t hits;     /* total_hits of the warm-up run      */
} Query;

/* The samples of one class. */
typedef struct Class {
  char name[64];     /* class name from the file           */
  size_t nqueries;   /* queries in the class               */
  size_t nzero;      /* of those, with no hit              */
  double *ms;        /* samples, queries x passes          */
  size_t n;          /* samples taken                      */
  size_t cap;        /* samples allocated                  */
} Class;

typedef struct Bench {
  Query *q;               /* the queries in file order             */
  size_t nq;              /* number of queries                     */
  Class classes[MAX_CLASSES]; /* classes in order of first use     */
  size_t ncls;            /* classes used                          */
} Bench;

/* What --build measured. */
typedef struct BuildResult {
  int done;               /* 1 when a build ran                    */
  SwBuildStats st;        /* sw_build's counters                   */
  uint64_t warnings;      /* problems reported during the build    */
  double peak_rss_mb;     /* ru_maxrss after the build, MB (10^6)  */
} BuildResult;

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("swsearch-bench: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 2;
}

static int class_index(Bench *b, const char *name, size_t len) {
  if (len >= sizeof b->classes[0].name) len = sizeof b->classes[0].name - 1;
  for (size_t i = 0; i < b->ncls; i++)
    if (strlen(b->classes[i].name) == len &&
        memcmp(b->classes[i].name, name, len) == 0)
      return (int)i;
  if (b->ncls == MAX_CLASSES) return -1;
  Class *c = &b->classes[b->ncls];
  memcpy(c->name, name, len);
  c->name[len] = '\0';
  return (int)b->ncls++;
}

/* Read the query file. Returns 0 or the exit code after a message. */
static int load_queries(Bench *b, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return fail("%s: %s", path, strerror(errno));
  char line[SW_MAX_QUERY_BYTES + 256];
  size_t cap = 0;
  unsigned long lineno = 0;
  int rc = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    size_t len = strlen(line);
    if (len == sizeof line - 1 && line[len - 1] != '\n') {
      rc = fail("%s:%lu: line too long", path, lineno);
      break;
    }
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    size_t lead = 0;
    while (lead < len && (line[lead] == ' ' || line[lead] == '\t')) lead++;
    if (lead == len || line[lead] == '#') continue;
    char *tab = strchr(line, '\t');
    if (!tab || tab == line || !tab[1]) {
      rc = fail("%s:%lu: expected class<TAB>query", path, lineno);
      break;
    }
    int cls = class_index(b, line, (size_t)(tab - line));
    if (cls < 0) {
      rc = fail("%s:%lu: more than %d classes", path, lineno, MAX_CLASSES);
      break;
    }
    if (b->nq == cap) {
      size_t ncap = cap ? cap * 2 : 64;
      Query *nq = sw_realloc(b->q, ncap * sizeof *nq);
      if (!nq) { rc = fail("out of memory"); break; }
      b->q = nq;
      cap = ncap;
    }
    Query *q = &b->q[b->nq];
    q->len = strlen(tab + 1);
    q->text = sw_strndup(tab + 1, q->len);
    if (!q->text) { rc = fail("out of memory"); break; }
    q->cls = cls;
    q->hits = 0;
    b->classes[cls].nqueries++;
    b->nq++;
  }
  if (!rc && ferror(f)) rc = fail("%s: read error", path);
  fclose(f);
  if (!rc && b->nq == 0) rc = fail("%s: no queries", path);
  return rc;
}

/* Run every query once; record samples when timed. */
static int run_pass(Bench *b, SwIndex *ix, int snippets, int exact,
                    int timed) {
  SwSearchOptions so;
  memset(&so, 0, sizeof so);
  so.k = TOP_K;
  so.snippets = snippets;
  so.exact_total = exact;
  so.highlight = SW_HL_NONE;
  for (size_t i = 0; i < b->nq; i++) {
    Query *q = &b->q[i];
    SwResults *res = NULL;
    SwError err;
    sw_error_clear(&err);
    double t0 = sw_now();
    int rc = sw_search(ix, q->text, q->len, &so, &res, &err);
    if (rc != SW_OK) return fail("%s: %s", q->text, err.msg);
    size_t touched = 0; /* read what a caller reads */
    for (size_t h = 0; h < res->nhits; h++)
      touched += strlen(res->hits[h].id) + strlen(res->hits[h].title);
    uint64_t total = res->total_hits;
    sw_results_free(res);
    double ms = (sw_now() - t0) * 1000.0;
    (void)touched;
    if (!timed) {
      q->hits = total;
      continue;
    }
    Class *c = &b->classes[q->cls];
    if (c->n == c->cap) {
      size_t ncap = c->cap ? c->cap * 2 : 256;
      double *nm = sw_realloc(c->ms, ncap * sizeof *nm);
      if (!nm) return fail("out of memory");
      c->ms = nm;
      c->cap = ncap;
    }
    c->ms[c->n++] = ms;
  }
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted samples s[0..n), n > 0. */
static double percentile(const double *s, size_t n, double p) {
  size_t rank = (size_t)ceil(p / 100.0 * (double)n);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return s[rank - 1];
}

typedef struct Summary {
  double p50, p95, p99, mean;
} Summary;

static Summary summarise(Class *c) {
  Summary s = {0, 0, 0, 0};
  if (c->n == 0) return s;
  qsort(c->ms, c->n, sizeof *c->ms, cmp_double);
  double sum = 0;
  for (size_t i = 0; i < c->n; i++) sum += c->ms[i];
  s.p50 = percentile(c->ms, c->n, 50);
  s.p95 = percentile(c->ms, c->n, 95);
  s.p99 = percentile(c->ms, c->n, 99);
  s.mean = sum / (double)c->n;
  return s;
}

/* JSON string for names we control or read from the query file / index:
** quote, backslash and control characters escaped. */
static void json_str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

static void count_warning(void *ctx, const char *where, const char *problem) {
  uint64_t *n = ctx;
  if (*n < 10) fprintf(stderr, "swsearch-bench: %s: %s\n", where, problem);
  (*n)++;
}

int main(int argc, char **argv) {
  const char *index = NULL, *queries = NULL, *build_index = NULL;
  long passes = DEFAULT_PASSES;
  int json = 0, snippets = 0, exact = 0, rc = 0, threads = 1;
  const char **build_paths = sw_calloc((size_t)argc + 1, sizeof *build_paths);
  size_t nbuild = 0;
  Bench b;
  BuildResult br;
  SwIndex *ix = NULL;
  memset(&b, 0, sizeof b);
  memset(&br, 0, sizeof br);
  if (!build_paths) return fail("out of memory");

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has_next = i + 1 < argc;
    if (strcmp(a, "--index") == 0 && has_next) {
      index = argv[++i];
    } else if (strcmp(a, "--queries") == 0 && has_next) {
      queries = argv[++i];
    } else if (strcmp(a, "--passes") == 0 && has_next) {
      char *end;
      errno = 0;
      passes = strtol(argv[++i], &end, 10);
      if (errno || *end || passes < 1 || passes > MAX_PASSES) {
        rc = fail("--passes: expected 1..%d, not '%s'", MAX_PASSES, argv[i]);
        goto done;
      }
    } else if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (strcmp(a, "--snippets") == 0) {
      snippets = 1;
    } else if (strcmp(a, "--exact-total") == 0) {
      exact = 1;
    } else if (strcmp(a, "--threads") == 0 && has_next) {
      char *end;
      errno = 0;
      long t = strtol(argv[++i], &end, 10);
      if (errno || *end || t < 1 || t > 64) {
        rc = fail("--threads: expected 1..64, not '%s'", argv[i]);
        goto done;
      }
      threads = (int)t;
    } else if (strcmp(a, "--build-index") == 0 && has_next) {
      build_index = argv[++i];
    } else if (strcmp(a, "--build") == 0) {
      while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
        build_paths[nbuild++] = argv[++i];
      if (nbuild == 0) {
        rc = fail("--build needs at least one PATH");
        goto done;
      }
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(USAGE, stdout);
      goto done;
    } else {
      fprintf(stderr, "swsearch-bench: unknown or incomplete option %s\n%s", a,
              USAGE);
      rc = 2;
      goto done;
    }
  }
  if (nbuild && !build_index) {
    rc = fail("--build needs --build-index DIR");
    goto done;
  }
  if (!index) index = build_index;
  if (!index || !queries) {
    fprintf(stderr, "%s", USAGE);
    rc = 2;
    goto done;
  }

  SwError err;
  if (nbuild) {
    SwBuildOptions bo;
    memset(&bo, 0, sizeof bo);
    bo.threads = threads;
    sw_error_clear(&err);
    int brc = sw_build(build_index, build_paths, nbuild, &bo, count_warning,
                       &br.warnings, &br.st, &err);
    if (brc != SW_OK) {
      rc = fail("%s", err.msg);
      goto done;
    }
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) /* ru_maxrss: KiB on Linux */
      br.peak_rss_mb = (double)ru.ru_maxrss * 1024.0 / 1e6;
    br.done = 1;
  }

  rc = load_queries(&b, queries);
  if (rc) goto done;
  sw_error_clear(&err);
  int orc = sw_index_open(index, &ix, &err);
  if (orc != SW_OK) {
    rc = orc == SW_NOTFOUND ? fail("%s: no index here", index)
                            : fail("%s", err.msg);
    goto done;
  }
  SwIndexStats ist;
  memset(&ist, 0, sizeof ist);
  sw_error_clear(&err);
  if (sw_index_stats(ix, &ist, &err) != SW_OK) {
    rc = fail("%s", err.msg);
    goto done;
  }

  rc = run_pass(&b, ix, snippets, exact, 0); /* warm-up */
  for (size_t i = 0; i < b.nq && !rc; i++)
    if (b.q[i].hits == 0) b.classes[b.q[i].cls].nzero++;
  for (long p = 0; p < passes && !rc; p++) rc = run_pass(&b, ix, snippets, exact, 1);
  if (rc) goto done;

  size_t nfiles = ist.nfiles < 16 ? ist.nfiles : 16;
  uint64_t total_bytes = 0;
  for (size_t i = 0; i < nfiles; i++) total_bytes += ist.files[i].bytes;
  double mb = br.done ? (double)br.st.text_bytes / 1e6 : 0;
  double mbps = br.done && br.st.seconds > 0 ? mb / br.st.seconds : 0;

  if (json) {
    printf("{\"classes\": {");
    for (size_t i = 0; i < b.ncls; i++) {
      Class *c = &b.classes[i];
      Summary s = summarise(c);
      printf("%s\n  ", i ? "," : "");
      json_str(c->name);
      printf(": {\"n\": %zu, \"queries\": %zu, \"zero_hit_queries\": %zu, "
             "\"p50_ms\": %.4f, \"p95_ms\": %.4f, \"p99_ms\": %.4f, "
             "\"mean_ms\": %.4f}", c->n, c->nqueries, c->nzero, s.p50, s.p95,
             s.p99, s.mean);
    }
    printf("},\n \"passes\": %ld, \"snippets\": %s, \"exact_total\": %s,\n"
           " \"build\": ",
           passes, snippets ? "true" : "false", exact ? "true" : "false");
    if (br.done)
      printf("{\"docs\": %llu, \"skipped\": %llu, \"files\": %llu, "
             "\"text_bytes\": %llu, \"seconds\": %.3f, \"mb_per_s\": %.2f, "
             "\"peak_rss_mb\": %.1f, \"terms\": %llu, \"index_bytes\": %llu, "
             "\"threads\": %d}",
             (unsigned long long)br.st.docs, (unsigned long long)br.st.skipped,
             (unsigned long long)br.st.files,
             (unsigned long long)br.st.text_bytes, br.st.seconds, mbps,
             br.peak_rss_mb, (unsigned long long)br.st.terms,
             (unsigned long long)br.st.index_bytes, threads);
    else
      printf("null");
    printf(",\n \"index_bytes\": {");
    for (size_t i = 0; i < nfiles; i++) {
      json_str(ist.files[i].name);
      printf(": %llu, ", (unsigned long long)ist.files[i].bytes);
    }
    printf("\"total\": %llu}}\n", (unsigned long long)total_bytes);
  } else {
    if (br.done) {
      printf("build: %llu documents (%llu skipped) from %llu files, %.1f MB "
             "in %.2f s = %.2f MB/s on %d thread%s, peak RSS %.1f MB, %llu "
             "terms\n",
             (unsigned long long)br.st.docs, (unsigned long long)br.st.skipped,
             (unsigned long long)br.st.files, mb, br.st.seconds, mbps, threads,
             threads == 1 ? "" : "s", br.peak_rss_mb,
             (unsigned long long)br.st.terms);
    }
    printf("index: %s, %llu documents, %.1f MB\n", index,
           (unsigned long long)ist.docs, (double)total_bytes / 1e6);
    for (size_t i = 0; i < nfiles; i++) {
      printf("  %-24s %12llu bytes\n", ist.files[i].name,
             (unsigned long long)ist.files[i].bytes);
    }
    printf("queries: %zu, 1 warm-up + %ld timed passes, top %d, snippets %s, "
           "%s\n",
           b.nq, passes, TOP_K, snippets ? "on" : "off",
           exact ? "exact totals (no pruning)" : "pruning on");
    printf("%-12s %7s %7s %10s %10s %10s %10s\n", "class", "queries", "n",
           "p50 ms", "p95 ms", "p99 ms", "mean ms");
    for (size_t i = 0; i < b.ncls; i++) {
      Class *c = &b.classes[i];
      Summary s = summarise(c);
      printf("%-12s %7zu %7zu %10.3f %10.3f %10.3f %10.3f\n", c->name,
             c->nqueries, c->n, s.p50, s.p95, s.p99, s.mean);
    }
    for (size_t i = 0; i < b.ncls; i++)
      if (b.classes[i].nzero)
        printf("note: %zu %s queries found nothing\n", b.classes[i].nzero,
               b.classes[i].name);
  }
  if (fflush(stdout) != 0) rc = fail("standard output: %s", strerror(errno));

done:
  sw_index_close(ix);
  for (size_t i = 0; i < b.nq; i++) sw_free(b.q[i].text);
  sw_free(b.q);
  for (size_t i = 0; i < b.ncls; i++) sw_free(b.classes[i].ms);
  sw_free(build_paths);
  return rc;
}
