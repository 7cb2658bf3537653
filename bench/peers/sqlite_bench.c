/*
** sqlite_bench.c — the SQLite FTS5 peer of bench/peers (see README.md).
**
**   sqlite_bench build TSV INDEXDIR
**   sqlite_bench query INDEXDIR QUERIES PASSES
**   sqlite_bench cold  INDEXDIR QUERY
**
** build: reads the TSV of swsearch-export (id<TAB>title<TAB>text a line) into
**   INDEXDIR/fts.db, table
**     t USING fts5(id UNINDEXED, title, text,
**                  tokenize = 'unicode61 remove_diacritics 0')
**   in one transaction, then runs FTS5's 'optimize' (merges the index into
**   one b-tree, as the other engines end with one segment). Prints one JSON
**   object: docs, text_bytes (title + text), seconds (wall time of the whole
**   build, reading the TSV included), mb_per_s, index_bytes (fts.db),
**   peak_rss_mb (getrusage ru_maxrss, MB = 10^6 bytes).
** query: one untimed warm-up pass over QUERIES (class<TAB>query lines, as
**   swsearch-bench reads them), then PASSES timed passes. A sample is the
**   wall time of binding the query, stepping through the top 10 rows of
**     SELECT id, title FROM t WHERE t MATCH ?1 ORDER BY bm25(t) LIMIT 10
**   and reading each row's id and title (the statement is prepared once, as
**   an application would). Prints JSON shaped like swsearch-bench --json:
**   {"engine", "passes", "warmup_passes", "classes": {class: {n, queries,
**   zero_hit_queries, p50_ms, p95_ms, p99_ms, mean_ms}}, "sink"};
**   percentiles are nearest-rank (bench/README.md); sink counts bytes of
**   the ids and titles read, so the reads cannot be optimised away.
** cold: open the index, run one query, print the top 10 as "rank<TAB>id<TAB>
**   title" lines, exit: the work of a command-line search.
**
** Query language (swsearch's, bench/README.md): bare words are all required,
** "a phrase", a OR b (binds tighter than the implicit AND), -word or
** -"phrase" excludes. It is translated, outside the timed part, into FTS5
** syntax with every word and phrase quoted (so '-' or ':' inside a word are
** not FTS5 operators): x a OR b -c  ->  ("x" AND ("a" OR "b")) NOT ("c").
** FTS5 tokenizes each quoted string with the table's tokenizer; a string of
** several tokens is a phrase. FTS5 has no stemmer here: words match their
** exact (case-folded) form only.
**
** Exit 0; 2 with "sqlite_bench: <file or query>: <problem>" on any error.
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#define TOP_K 10
#define MAX_CLASSES 64
#define MAX_PASSES 100000
#define DB_NAME "fts.db"

/* ------------------------------------------------------------ small helpers */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("sqlite_bench: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) die("out of memory (%zu bytes)", n);
  return p;
}

static void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) die("out of memory (%zu bytes)", n);
  return p;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double peak_rss_mb(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return (double)ru.ru_maxrss * 1024.0 / 1e6; /* ru_maxrss: KiB on Linux */
}

static char *db_path(const char *dir) {
  size_t n = strlen(dir) + sizeof "/" DB_NAME;
  char *p = xmalloc(n);
  snprintf(p, n, "%s/%s", dir, DB_NAME);
  return p;
}

/* ------------------------------------------------------------- query file */

typedef struct Query {
  char *cls;    /* class name                     */
  char *text;   /* the query as written           */
  char *match;  /* its FTS5 translation           */
  size_t ci;    /* index of its class             */
} Query;

typedef struct Queries {
  Query *q;                     /* queries in file order       */
  size_t n, cap;
  char *cls[MAX_CLASSES];       /* classes in order of first use */
  size_t ncls;
} Queries;

/* A growable string. */
typedef struct Buf {
  char *s;
  size_t len, cap;
} Buf;

static void buf_add(Buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1) cap *= 2;
    b->s = xrealloc(b->s, cap);
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void buf_str(Buf *b, const char *s) { buf_add(b, s, strlen(s)); }

/* Length of the quote mark at s (ASCII " or typographic “ ” „ « »), 0 if
** none. The engine accepts any of them to open and any to close. */
static size_t quote_len(const char *s, const char *end) {
  const unsigned char *u = (const unsigned char *)s;
  if (s >= end) return 0;
  if (u[0] == '"') return 1;
  if (end - s >= 3 && u[0] == 0xE2 && u[1] == 0x80 &&
      (u[2] == 0x9C || u[2] == 0x9D || u[2] == 0x9E))
    return 3; /* “ ” „ */
  if (end - s >= 2 && u[0] == 0xC2 && (u[1] == 0xAB || u[1] == 0xBB))
    return 2; /* « » */
  return 0;
}

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

/* One lexed item of the query language. */
typedef struct Item {
  const char *s;  /* word or phrase text (without quotes or '-') */
  size_t len;
  int neg;        /* 1: excluded                                 */
  int is_or;      /* 1: the OR operator                          */
} Item;

/* Append s[0..len) as an FTS5 string: in double quotes, quotes doubled. */
static void add_fts_string(Buf *b, const char *s, size_t len) {
  buf_add(b, "\"", 1);
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '"') buf_add(b, "\"", 1);
    buf_add(b, s + i, 1);
  }
  buf_add(b, "\"", 1);
}

/* Translate query text (NUL-terminated) into FTS5 syntax, see the opening
** comment. Returns a malloc'ed string, or NULL with *why set. */
static char *translate(const char *text, const char **why) {
  const char *p = text, *end = text + strlen(text);
  Item *items = NULL;
  size_t n = 0, cap = 0;
  while (p < end) {
    while (p < end && is_space(*p)) p++;
    if (p >= end) break;
    Item it = {NULL, 0, 0, 0};
    if (*p == '-') {
      it.neg = 1;
      p++;
    }
    size_t ql = quote_len(p, end);
    if (ql) {
      const char *s = p + ql, *e = s;
      while (e < end && !quote_len(e, end)) e++;
      if (e >= end) {
        free(items);
        *why = "unbalanced quote";
        return NULL;
      }
      it.s = s;
      it.len = (size_t)(e - s);
      p = e + quote_len(e, end);
    } else {
      const char *s = p;
      while (p < end && !is_space(*p) && !quote_len(p, end)) p++;
      it.s = s;
      it.len = (size_t)(p - s);
      if (it.len == 0) continue; /* a lone '-' is ignored */
      if (!it.neg && it.len == 2 && memcmp(s, "OR", 2) == 0) it.is_or = 1;
    }
    if (n == cap) {
      cap = cap ? cap * 2 : 8;
      items = xrealloc(items, cap * sizeof *items);
    }
    items[n++] = it;
  }

  Buf pos = {NULL, 0, 0}, neg = {NULL, 0, 0};
  size_t nclauses = 0, nneg = 0;
  for (size_t i = 0; i < n; i++) {
    if (items[i].is_or) {
      free(items);
      free(pos.s);
      free(neg.s);
      *why = "dangling OR";
      return NULL;
    }
    if (items[i].neg) {
      if (nneg++) buf_str(&neg, " OR ");
      add_fts_string(&neg, items[i].s, items[i].len);
      continue;
    }
    /* A clause: this atom and every "OR atom" after it. */
    size_t j = i;
    while (j + 2 < n && items[j + 1].is_or && !items[j + 2].is_or &&
           !items[j + 2].neg)
      j += 2;
    if (j + 1 < n && items[j + 1].is_or) {
      free(items);
      free(pos.s);
      free(neg.s);
      *why = "dangling OR";
      return NULL;
    }
    if (nclauses++) buf_str(&pos, " AND ");
    if (j > i) buf_str(&pos, "(");
    for (size_t k = i; k <= j; k += 2) {
      if (k > i) buf_str(&pos, " OR ");
      add_fts_string(&pos, items[k].s, items[k].len);
    }
    if (j > i) buf_str(&pos, ")");
    i = j;
  }
  free(items);
  if (nclauses == 0) {
    free(pos.s);
    free(neg.s);
    *why = "nothing to search for";
    return NULL;
  }
  Buf out = {NULL, 0, 0};
  if (nneg) {
    buf_str(&out, "(");
    buf_add(&out, pos.s, pos.len);
    buf_str(&out, ") NOT (");
    buf_add(&out, neg.s, neg.len);
    buf_str(&out, ")");
  } else {
    buf_add(&out, pos.s, pos.len);
  }
  free(pos.s);
  free(neg.s);
  return out.s;
}

static void read_queries(const char *path, Queries *qs) {
  FILE *f = fopen(path, "r");
  if (!f) die("%s: %s", path, strerror(errno));
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  unsigned long lineno = 0;
  while ((len = getline(&line, &cap, f)) >= 0) {
    lineno++;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
      line[--len] = '\0';
    if (len == 0 || line[0] == '#') continue;
    char *tab = strchr(line, '\t');
    if (!tab) die("%s:%lu: no TAB between class and query", path, lineno);
    *tab = '\0';
    const char *why = NULL;
    char *match = translate(tab + 1, &why);
    if (!match) die("%s:%lu: %s: %s", path, lineno, tab + 1, why);
    size_t ci = 0;
    while (ci < qs->ncls && strcmp(qs->cls[ci], line) != 0) ci++;
    if (ci == qs->ncls) {
      if (qs->ncls == MAX_CLASSES)
        die("%s:%lu: more than %d classes", path, lineno, MAX_CLASSES);
      qs->cls[qs->ncls++] = strdup(line);
    }
    if (qs->n == qs->cap) {
      qs->cap = qs->cap ? qs->cap * 2 : 64;
      qs->q = xrealloc(qs->q, qs->cap * sizeof *qs->q);
    }
    qs->q[qs->n++] = (Query){strdup(line), strdup(tab + 1), match, ci};
  }
  if (ferror(f)) die("%s: %s", path, strerror(errno));
  fclose(f);
  free(line);
  if (qs->n == 0) die("%s: no queries", path);
}

/* ----------------------------------------------------------------- build */

static void exec_sql(sqlite3 *db, const char *sql, const char *where) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
    die("%s: %s: %s", where, sql, msg ? msg : sqlite3_errmsg(db));
}

static int cmd_build(const char *tsv, const char *dir) {
  double t0 = now_s();
  if (mkdir(dir, 0777) != 0 && errno != EEXIST)
    die("%s: cannot create: %s", dir, strerror(errno));
  char *path = db_path(dir);
  if (remove(path) != 0 && errno != ENOENT)
    die("%s: cannot remove the old index: %s", path, strerror(errno));
  FILE *in = fopen(tsv, "r");
  if (!in) die("%s: %s", tsv, strerror(errno));

  sqlite3 *db = NULL;
  if (sqlite3_open(path, &db) != SQLITE_OK)
    die("%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
  /* 256 MiB of page cache, like swsearch's default --mem 256 for postings. */
  exec_sql(db, "PRAGMA cache_size = -262144", path);
  exec_sql(db,
           "CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, title, text, "
           "tokenize = 'unicode61 remove_diacritics 0')",
           path);
  exec_sql(db, "BEGIN", path);
  sqlite3_stmt *ins = NULL;
  if (sqlite3_prepare_v2(db, "INSERT INTO t(id, title, text) VALUES (?1, ?2, ?3)",
                         -1, &ins, NULL) != SQLITE_OK)
    die("%s: %s", path, sqlite3_errmsg(db));

  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  unsigned long lineno = 0;
  unsigned long long docs = 0, text_bytes = 0;
  while ((len = getline(&line, &cap, in)) >= 0) {
    lineno++;
    if (len > 0 && line[len - 1] == '\n') line[--len] = '\0';
    char *t1 = memchr(line, '\t', (size_t)len);
    char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(line + len - t1 - 1)) : NULL;
    if (!t2) die("%s:%lu: expected id<TAB>title<TAB>text", tsv, lineno);
    size_t id_len = (size_t)(t1 - line), title_len = (size_t)(t2 - t1 - 1);
    size_t text_len = (size_t)(line + len - t2 - 1);
    if (sqlite3_bind_text(ins, 1, line, (int)id_len, SQLITE_STATIC) ||
        sqlite3_bind_text(ins, 2, t1 + 1, (int)title_len, SQLITE_STATIC) ||
        sqlite3_bind_text(ins, 3, t2 + 1, (int)text_len, SQLITE_STATIC) ||
        sqlite3_step(ins) != SQLITE_DONE)
      die("%s:%lu: insert into %s: %s", tsv, lineno, path, sqlite3_errmsg(db));
    sqlite3_reset(ins);
    docs++;
    text_bytes += title_len + text_len;
  }
  if (ferror(in)) die("%s: %s", tsv, strerror(errno));
  fclose(in);
  free(line);
  sqlite3_finalize(ins);
  exec_sql(db, "COMMIT", path);
  exec_sql(db, "INSERT INTO t(t) VALUES ('optimize')", path);
  if (sqlite3_close(db) != SQLITE_OK) die("%s: close failed", path);
  double secs = now_s() - t0;

  struct stat sb;
  if (stat(path, &sb) != 0) die("%s: %s", path, strerror(errno));
  printf("{\"engine\": \"sqlite\", \"docs\": %llu, \"text_bytes\": %llu, "
         "\"seconds\": %.3f, \"mb_per_s\": %.2f, \"index_bytes\": %lld, "
         "\"peak_rss_mb\": %.1f}\n",
         docs, text_bytes, secs, secs > 0 ? (double)text_bytes / 1e6 / secs : 0,
         (long long)sb.st_size, peak_rss_mb());
  free(path);
  return 0;
}

/* ----------------------------------------------------------------- search */

static sqlite3 *open_index(const char *dir, sqlite3_stmt **stmt) {
  char *path = db_path(dir);
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    die("%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
  if (sqlite3_prepare_v2(db,
                         "SELECT id, title FROM t WHERE t MATCH ?1 "
                         "ORDER BY bm25(t) LIMIT 10",
                         -1, stmt, NULL) != SQLITE_OK)
    die("%s: %s", path, sqlite3_errmsg(db));
  free(path);
  return db;
}

/* Run one query: its top 10, reading each hit's id and title (their bytes
** are added to *sink so the reads are not optimised away). Returns the
** number of hits. */
static int run_query(sqlite3 *db, sqlite3_stmt *st, const Query *q,
                     size_t *sink) {
  if (sqlite3_bind_text(st, 1, q->match, -1, SQLITE_STATIC) != SQLITE_OK)
    die("%s: %s", q->text, sqlite3_errmsg(db));
  int hits = 0, rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const unsigned char *id = sqlite3_column_text(st, 0);
    const unsigned char *title = sqlite3_column_text(st, 1);
    *sink += (size_t)sqlite3_column_bytes(st, 0) + (id ? id[0] : 0u);
    *sink += (size_t)sqlite3_column_bytes(st, 1) + (title ? title[0] : 0u);
    hits++;
  }
  if (rc != SQLITE_DONE)
    die("%s (FTS5: %s): %s", q->text, q->match, sqlite3_errmsg(db));
  sqlite3_reset(st);
  return hits;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Nearest-rank percentile p (integer percent) of sorted s[0..n), n > 0. */
static double percentile(const double *s, size_t n, unsigned p) {
  size_t rank = (p * n + 99) / 100;
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return s[rank - 1];
}

static void json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

static int cmd_query(const char *dir, const char *qfile, const char *passes_s) {
  char *endp;
  long passes = strtol(passes_s, &endp, 10);
  if (*endp || passes < 1 || passes > MAX_PASSES)
    die("PASSES: expected 1..%d, got '%s'", MAX_PASSES, passes_s);
  Queries qs = {0};
  read_queries(qfile, &qs);
  sqlite3_stmt *st;
  sqlite3 *db = open_index(dir, &st);
  size_t sink = 0;

  size_t zero[MAX_CLASSES] = {0}, nq[MAX_CLASSES] = {0};
  for (size_t i = 0; i < qs.n; i++) { /* the warm-up pass */
    nq[qs.q[i].ci]++;
    if (run_query(db, st, &qs.q[i], &sink) == 0) zero[qs.q[i].ci]++;
  }
  double *ms = xmalloc(qs.n * (size_t)passes * sizeof *ms);
  for (long p = 0; p < passes; p++) {
    for (size_t i = 0; i < qs.n; i++) {
      double t0 = now_s();
      (void)run_query(db, st, &qs.q[i], &sink);
      ms[(size_t)p * qs.n + i] = (now_s() - t0) * 1e3;
    }
  }

  printf("{\"engine\": \"sqlite\", \"passes\": %ld, \"warmup_passes\": 1, "
         "\"classes\": {", passes);
  double *cs = xmalloc(qs.n * (size_t)passes * sizeof *cs);
  for (size_t c = 0; c < qs.ncls; c++) {
    size_t n = 0;
    double sum = 0;
    for (long p = 0; p < passes; p++)
      for (size_t i = 0; i < qs.n; i++)
        if (qs.q[i].ci == c) {
          cs[n] = ms[(size_t)p * qs.n + i];
          sum += cs[n++];
        }
    qsort(cs, n, sizeof *cs, cmp_double);
    printf("%s\n  ", c ? "," : "");
    json_string(qs.cls[c]);
    printf(": {\"n\": %zu, \"queries\": %zu, \"zero_hit_queries\": %zu, "
           "\"p50_ms\": %.4f, \"p95_ms\": %.4f, \"p99_ms\": %.4f, "
           "\"mean_ms\": %.4f}",
           n, nq[c], zero[c], percentile(cs, n, 50), percentile(cs, n, 95),
           percentile(cs, n, 99), sum / (double)n);
  }
  printf("},\n \"sink\": %zu}\n", sink);
  free(cs);
  free(ms);
  sqlite3_finalize(st);
  sqlite3_close(db);
  for (size_t i = 0; i < qs.n; i++) {
    free(qs.q[i].cls);
    free(qs.q[i].text);
    free(qs.q[i].match);
  }
  free(qs.q);
  for (size_t c = 0; c < qs.ncls; c++) free(qs.cls[c]);
  return 0;
}

/* Column i of the current row as text, "" for NULL. */
static const char *column(sqlite3_stmt *st, int i) {
  const unsigned char *s = sqlite3_column_text(st, i);
  return s ? (const char *)s : "";
}

static int cmd_cold(const char *dir, const char *text) {
  const char *why = NULL;
  char *match = translate(text, &why);
  if (!match) die("%s: %s", text, why);
  sqlite3_stmt *st;
  sqlite3 *db = open_index(dir, &st);
  if (sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC) != SQLITE_OK)
    die("%s: %s", text, sqlite3_errmsg(db));
  int rank = 0, rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    printf("%d\t%s\t%s\n", ++rank, column(st, 0), column(st, 1));
  if (rc != SQLITE_DONE) die("%s (FTS5: %s): %s", text, match, sqlite3_errmsg(db));
  sqlite3_finalize(st);
  sqlite3_close(db);
  free(match);
  if (fflush(stdout) != 0) die("stdout: %s", strerror(errno));
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "build") == 0)
    return cmd_build(argv[2], argv[3]);
  if (argc == 5 && strcmp(argv[1], "query") == 0)
    return cmd_query(argv[2], argv[3], argv[4]);
  if (argc == 4 && strcmp(argv[1], "cold") == 0)
    return cmd_cold(argv[2], argv[3]);
  fputs("usage: sqlite_bench build TSV INDEXDIR\n"
        "       sqlite_bench query INDEXDIR QUERIES PASSES\n"
        "       sqlite_bench cold INDEXDIR QUERY\n",
        stderr);
  return 2;
}
