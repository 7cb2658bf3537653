/*
** test_corruption.c — the corruption sweep, through the public API only
** (sw_build, sw_add, sw_delete, sw_index_open, sw_search, sw_index_check):
** an index of a few hundred generated documents (several postings blocks per
** frequent term, a trained doc-text dictionary), plus the seed documents of
** corpus/ when SW_SOURCE_DIR is set, is built in a temp directory; then a
** few documents are added (one replacing a live id) and a few deleted, so
** the index has more than one segment and deletions in its commit point. A
** fixed query set (term, AND, phrase, OR, exclusion, partial) is answered
** once for the baseline: ids, scores, order, metadata and snippets.
**
** Then every file of the index is damaged in place, one case at a time, and
** restored after each case:
**   - truncated at every length inside the first 64 and the last 48 bytes
**     (headers and footers) and at ~30 sampled lengths in between;
**   - one byte flipped at every offset of the first 32 and the last 32
**     bytes and at 60 offsets spread over the rest (deterministic PRNG).
** The files are found by walking the index directory (every regular file but
** LOCK), so the sweep covers whatever files the format has: it depends on no
** file name or layout.
**
** Each case must end like this, or the test fails:
**   - sw_index_open fails with SW_CORRUPT/SW_VERSION/SW_IO/SW_NOTFOUND and a
**     message naming the file, or it opens;
**   - then every query fails with SW_CORRUPT naming the file, or answers
**     exactly as the baseline (a different answer is a wrong result);
**   - sw_index_check fails naming the file: every byte of an index is
**     covered by a checksum or a strict syntax, so a mutation check misses is
**     a bug.
** A message may instead name a path under the index that does not exist: a
** damaged pointer (CURRENT naming another generation) is reported as the
** missing thing it points to.
** No case may crash (the ASan build runs this under ctest) or hang (an alarm
** ends the process naming the case). The cases run in a child process; when
** one crashes or hangs, the parent reports it, restores the files and goes
** on with the next case in a new child, so one crash hides no other result.
** At the end a table gives, per file and kind of damage, how many cases ran
** and where each was first detected. SW_CORRUPT_SCALE=k (environment)
** multiplies the sampled truncations and flips by k, for deeper runs by hand.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include "swsearch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NDOCS 300           /* generated documents                       */
#define MAX_FILES 64        /* index files the sweep handles             */
#define HEAD_TRUNC 64       /* every truncation length below this        */
#define TAIL_TRUNC 48       /* ... and within this many of the end       */
#define SAMPLED_TRUNC 30    /* sampled truncation lengths in between     */
#define EDGE_FLIPS 32       /* every byte of the first and last 32       */
#define SAMPLED_FLIPS 60    /* flips spread over the rest                */
#define SHOW_EACH 3         /* failures printed per file, kind, problem  */
#define SHOW_MAX 200        /* ... and in all                            */
#define CASE_SECONDS 10     /* a case running longer than this is a hang */

/* ------------------------------------------------------------ helpers -- */

static char root[256];     /* the temp directory                 */
static char ixdir[512];    /* the index under test               */

static uint64_t rng_state;
static uint32_t rng(uint32_t n) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return n ? (uint32_t)((rng_state >> 33) % n) : 0;
}

/* A growable string (test-side memory: plain malloc, never sw_malloc). */
/* The whole file at path in a new malloc'd buffer, its length in *len. */
static uint8_t *read_whole(const char *path, size_t *len) {
  *len = 0;
  int fd = open(path, O_RDONLY);
  if (fd < 0) return NULL;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return NULL;
  }
  size_t n = (size_t)st.st_size, off = 0;
  uint8_t *p = malloc(n ? n : 1);
  while (p && off < n) {
    ssize_t k = read(fd, p + off, n - off);
    if (k <= 0) {
      free(p);
      p = NULL;
      break;
    }
    off += (size_t)k;
  }
  close(fd);
  if (p) *len = n;
  return p;
}

static int write_whole(const char *path, const uint8_t *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  size_t off = 0;
  while (off < len) {
    ssize_t k = write(fd, data + off, len - off);
    if (k <= 0) {
      close(fd);
      return -1;
    }
    off += (size_t)k;
  }
  return close(fd);
}

/* ------------------------------------------------------ the documents -- */

/* Words the generator draws from: nouns, verbs and adjectives of municipal
** Swedish, none a stop word, with å, ä, ö. Early entries are drawn more. */
static const char *vocab[] = {
    "skolan",       "trygghet",    "budget",        "miljö",
    "omsorg",       "förskola",    "nämnden",       "förvaltningen",
    "bostäder",     "ungdomar",    "föreningar",    "idrottshall",
    "kollektivtrafik", "grönområden", "vatten",     "avlopp",
    "snöröjning",   "belysning",   "brandskydd",    "vården",
    "personal",     "ekonomi",     "upphandling",   "medborgare",
    "beslutar",     "utreder",     "föreslår",      "satsar",
    "bygger",       "renoverar",   "ansvarar",      "planerar",
    "viktig",       "större",      "hållbar",       "äldreboende",
    "stadsdel",     "biblioteket", "parkering",     "cykelbanor",
};
#define NVOCAB (sizeof vocab / sizeof vocab[0])

/* Writes NDOCS JSON Lines documents to path. Every document has "kommunen"
** (a list of several 128-doc blocks); others have fixed phrases. */
static int make_jsonl(const char *path) {
  TuStr s = {0};
  rng_state = 20251124;
  for (uint32_t d = 0; d < NDOCS; d++) {
    const char *a = vocab[rng(12)], *b = vocab[rng(NVOCAB)];
    tu_str_add(&s,
            "{\"id\":\"gen-%03u\",\"title\":\"Protokoll %u: %s och %s\","
            "\"date\":\"2021-%02u-%02u\",\"source\":\"generator\","
            "\"url\":\"https://example.org/p/%u\",\"text\":\"",
            d, d, a, b, 1 + d % 12, 1 + d % 28, d);
    uint32_t sentences = 3 + rng(6);
    for (uint32_t k = 0; k < sentences; k++) {
      tu_str_add(&s, "%s", k == 0 ? "Kommunen" : " Sedan");
      uint32_t words = 5 + rng(9);
      for (uint32_t w = 0; w < words; w++) {
        /* Zipf-like: a small index often, the whole vocabulary rarely. */
        uint32_t r = rng(100);
        uint32_t i = r < 50 ? rng(8) : r < 85 ? rng(24) : rng(NVOCAB);
        tu_str_add(&s, " %s", vocab[i]);
      }
      if (k == 1 && d % 7 == 3) tu_str_add(&s, " och vikten av att stoppa våldet");
      if (k == 2 && d % 11 == 4) tu_str_add(&s, " med sociala insatsgrupper");
      if (k == 0 && d % 5 == 1) tu_str_add(&s, " i kommunen");
      tu_str_add(&s, ".");
    }
    tu_str_add(&s, "\"}\n");
  }
  int rc = write_whole(path, (const uint8_t *)s.p, s.len);
  free(s.p);
  return rc;
}

/* Added after the build: a new segment. gen-007 replaces a live document. */
static const char added_jsonl[] =
    "{\"id\":\"gen-007\",\"title\":\"Protokoll 7, reviderat\",\"text\":"
    "\"Kommunen ersätter protokollet: biblioteket och skolan får ny budget, "
    "och vikten av att stoppa våldet betonas.\"}\n"
    "{\"id\":\"tillagd-1\",\"title\":\"Parkering\",\"text\":"
    "\"Parkering vid biblioteket och nya cykelbanor i kommunen.\"}\n"
    "{\"id\":\"tillagd-2\",\"title\":\"Trygghet\",\"text\":"
    "\"Sociala insatsgrupper och trygghet i skolan, sa kommunen.\"}\n";

/* Deleted after that: generated documents and a seed document. */
static const char *const deleted_ids[] = {"gen-010", "gen-123", "tillagd-1",
                                          "002_41484ad99dbc1724.txt"};

/* ----------------------------------------------------------- queries -- */

typedef struct Query {
  const char *q;   /* the query                          */
  size_t k;        /* hits wanted                        */
  int snippets;    /* 1: with snippets                   */
} Query;

static const Query queries[] = {
    {"kommunen", 1000, 0},                 /* term: every document, ranked */
    {"biblioteket", 10, 1},                /* rarer term                   */
    {"skolan trygghet", 10, 1},            /* AND                          */
    {"\"vikten av att\" stoppa", 10, 1},   /* phrase with stop words       */
    {"\"sociala insatsgrupper\"", 10, 1},  /* phrase (also in the seeds)   */
    {"parkering OR cykelbanor", 20, 1},    /* OR                           */
    {"kommunen -skolan -miljö", 10, 1},    /* exclusion                    */
    {"budget zzzqqxx", 5, 1},              /* partial: a clause nowhere    */
    {"Trefas samverkan", 10, 1},           /* seed documents               */
};
#define NQUERIES (sizeof queries / sizeof queries[0])

static char *baseline[NQUERIES]; /* serialised answers of the sound index */

/* The whole answer as text: everything the API returns but the timing. */
static char *serialise(const SwResults *r) {
  TuStr s = {0};
  tu_str_add(&s, "total %llu partial %d clauses %u nhits %zu\n",
          (unsigned long long)r->total_hits, r->partial, r->clauses, r->nhits);
  for (size_t i = 0; i < r->nhits; i++) {
    const SwHit *h = &r->hits[i];
    tu_str_add(&s, "%zu doc %u score %.17g matched %u id %s file %s title %s "
            "date %s source %s url %s\n  snippet %s\n",
            i, h->doc, h->score, h->matched, h->id, h->file, h->title,
            h->date, h->source, h->url, h->snippet ? h->snippet : "(none)");
  }
  return s.p;
}

static int run_query(SwIndex *ix, size_t qi, char **out, SwError *e) {
  SwSearchOptions o;
  memset(&o, 0, sizeof o);
  o.k = queries[qi].k;
  o.snippets = queries[qi].snippets;
  o.highlight = SW_HL_BRACKETS;
  SwResults *r = NULL;
  *out = NULL;
  int rc = sw_search(ix, queries[qi].q, strlen(queries[qi].q), &o, &r, e);
  if (rc == SW_OK) {
    *out = serialise(r);
    sw_results_free(r);
  }
  return rc;
}

/* ------------------------------------------------------- index files -- */

typedef struct IxFile {
  char rel[256];          /* path relative to the index directory       */
  char path[1024];        /* full path                                  */
  uint8_t *orig;          /* the sound bytes                            */
  size_t len;             /* ... their count                            */
  /* Outcomes per kind of damage: [0] truncation, [1] flip. */
  unsigned cases[2], by_open[2], by_search[2], by_check[2], missed[2],
      wrong[2], badmsg[2], crashed[2];
} IxFile;

/* In a shared mapping: the cases run in child processes (see run_cases),
** whose counts the parent reads. */
static IxFile *files;
static size_t nfiles;

static int cmp_file(const void *a, const void *b) {
  return strcmp(((const IxFile *)a)->rel, ((const IxFile *)b)->rel);
}

/* Every regular file under dir except LOCK (the writer's lock: empty, never
** read), with rel its path relative to the index directory. */
static void walk(const char *dir, const char *rel) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    char path[1024], r[256];
    int n1 = snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    int n2 =
        snprintf(r, sizeof r, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof path || (size_t)n2 >= sizeof r)
      continue; /* longer than any index path */
    struct stat st;
    if (lstat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      walk(path, r);
    } else if (S_ISREG(st.st_mode) && strcmp(r, "LOCK") != 0 &&
               nfiles < MAX_FILES) {
      IxFile *f = &files[nfiles++];
      memset(f, 0, sizeof *f);
      snprintf(f->rel, sizeof f->rel, "%s", r);
      snprintf(f->path, sizeof f->path, "%s", path);
      f->orig = read_whole(path, &f->len);
      if (!f->orig) nfiles--;
    }
  }
  closedir(d);
}

/* 1 when msg names the file rel, or a path under the index that does not
** exist (a damaged pointer reported as the missing thing it points to). */
static int names_file(const char *msg, const IxFile *f) {
  if (strstr(msg, f->rel)) return 1;
  size_t dl = strlen(ixdir);
  for (const char *p = strstr(msg, ixdir); p; p = strstr(p + 1, ixdir)) {
    if (p[dl] != '/') continue;
    char sub[1024];
    size_t n = 0;
    const char *q = p;
    while (*q && *q != ':' && *q != ' ' && *q != '"' && n + 1 < sizeof sub)
      sub[n++] = *q++;
    sub[n] = '\0';
    struct stat st;
    if (stat(sub, &st) != 0 && errno == ENOENT) return 1;
  }
  return 0;
}

/* --------------------------------------------------------------- cases -- */

/* One damage: file, kind (0 truncation, 1 flip), where, and the flip mask. */
typedef struct Case {
  uint32_t file;   /* index into files[]                  */
  uint8_t kind;    /* 0 truncate to `at` bytes, 1 flip    */
  uint8_t mask;    /* kind 1: XOR mask, never 0           */
  size_t at;       /* kind 0: new length; 1: byte offset  */
} Case;

static Case *cases;
static size_t ncases, cases_cap;

/* Progress shared with the parent (same mapping as files[]). */
typedef struct Progress {
  size_t k;        /* the case running                    */
  int done;        /* 1: the child ran every case         */
  unsigned shown;  /* failures printed so far             */
} Progress;

static Progress *prog;
static char case_name[512]; /* for messages and the alarm handler */

static void name_case(const Case *c) {
  const IxFile *f = &files[c->file];
  if (c->kind == 0)
    snprintf(case_name, sizeof case_name,
             "%.255s truncated to %zu of %zu bytes", f->rel, c->at, f->len);
  else
    snprintf(case_name, sizeof case_name,
             "%.255s byte %zu of %zu flipped %02x -> %02x", f->rel, c->at,
             f->len, f->orig[c->at], f->orig[c->at] ^ c->mask);
}

static void on_alarm(int sig) {
  (void)sig;
  static const char pre[] = "\nHANG: case did not finish: ";
  ssize_t k = write(2, pre, sizeof pre - 1);
  k = write(2, case_name, strlen(case_name));
  k = write(2, "\n", 1);
  (void)k;
  _exit(3);
}

/* Prints a failure of the current case; `count` is how many of this kind
** the file has had: past a few, the table's counts say the rest. Returns 1
** when it printed. */
static int fail_case(unsigned count, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail_case(unsigned count, const char *fmt, ...) {
  if (count > SHOW_EACH || prog->shown++ > SHOW_MAX) return 0;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "FAIL %s: ", case_name);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 1;
}

/* An error that is not the expected kind, or whose message does not name
** the damaged file: counted once per case (*seen), printed each time. */
static void check_error(IxFile *f, int kind, int *seen, const char *where,
                        int rc, int want_corrupt_only, const char *msg) {
  int code_ok = rc == SW_CORRUPT ||
                (!want_corrupt_only &&
                 (rc == SW_VERSION || rc == SW_IO || rc == SW_NOTFOUND));
  if (code_ok && names_file(msg, f)) return;
  if (!*seen) f->badmsg[kind]++;
  *seen = 1;
  if (!code_ok)
    fail_case(f->badmsg[kind], "%s: code %d (%s), want %s: %s", where, rc,
              sw_strerror(rc),
              want_corrupt_only ? "corrupt" : "corrupt/version/io/notfound",
              msg);
  else
    fail_case(f->badmsg[kind], "%s: message does not name the file: %s",
              where, msg);
}

/* First line where a and b differ, for the report. */
static void show_diff(const char *a, const char *b) {
  size_t line = 0;
  const char *pa = a, *pb = b;
  while (*pa && *pa == *pb) {
    if (*pa == '\n') line++;
    pa++, pb++;
  }
  while (pa > a && pa[-1] != '\n') pa--, pb--;
  fprintf(stderr, "    line %zu\n    baseline: %.200s\n    got:      %.200s\n",
          line, pa, pb);
}

/* Runs open, every query and check on the (damaged) index; kind 0/1. */
static void run_case(IxFile *f, int kind) {
  SwError e;
  SwIndex *ix = NULL;
  int stage = 0;  /* 1 open, 2 search, 3 check: where first detected */
  int badmsg = 0; /* this case has had a bad code or message          */
  f->cases[kind]++;

  sw_error_clear(&e);
  int rc = sw_index_open(ixdir, &ix, &e);
  if (rc != SW_OK) {
    stage = 1;
    check_error(f, kind, &badmsg, "open", rc, 0, e.msg);
  } else {
    SwIndexStats st;
    sw_error_clear(&e);
    (void)sw_index_stats(ix, &st, &e); /* must not crash; any answer */
    int wrong = 0;
    for (size_t qi = 0; qi < NQUERIES; qi++) {
      char *got;
      char where[32];
      sw_error_clear(&e);
      rc = run_query(ix, qi, &got, &e);
      if (rc != SW_OK) {
        if (!stage) stage = 2;
        snprintf(where, sizeof where, "query %zu", qi);
        check_error(f, kind, &badmsg, where, rc, 1, e.msg);
      } else if (strcmp(got, baseline[qi]) != 0 && !wrong++) {
        if (fail_case(++f->wrong[kind],
                      "WRONG RESULT for query %zu [%s] (no error)", qi,
                      queries[qi].q))
          show_diff(baseline[qi], got);
      }
      free(got);
    }
    sw_index_close(ix);
  }

  sw_error_clear(&e);
  rc = sw_index_check(ixdir, NULL, NULL, &e);
  if (rc == SW_OK) {
    fail_case(++f->missed[kind],
              "UNDETECTED: sw_index_check passes a damaged index%s",
              stage ? " (open or search did notice)" : "");
  } else {
    if (!stage) stage = 3;
    check_error(f, kind, &badmsg, "check", rc, 0, e.msg);
  }
  if (stage == 1) f->by_open[kind]++;
  else if (stage == 2) f->by_search[kind]++;
  else if (stage == 3) f->by_check[kind]++;
}

static void restore(const IxFile *f) {
  if (write_whole(f->path, f->orig, f->len) != 0) {
    fprintf(stderr, "cannot restore %s: %s\n", f->path, strerror(errno));
    exit(1);
  }
}

static void add_case(uint32_t file, uint8_t kind, size_t at, uint8_t mask) {
  if (ncases == cases_cap) {
    cases_cap = cases_cap ? cases_cap * 2 : 1024;
    cases = realloc(cases, cases_cap * sizeof *cases);
    if (!cases) abort();
  }
  Case c = {file, kind, mask, at};
  cases[ncases++] = c;
}

static int cmp_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}

/* Sorted, without duplicates; returns the new count. */
static size_t sort_unique(size_t *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_size);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (!m || v[m - 1] != v[i]) v[m++] = v[i];
  return m;
}

/* The cases of file fi, appended to cases[]. */
static void plan_file(uint32_t fi, size_t scale) {
  size_t len = files[fi].len;
  size_t *v = malloc((HEAD_TRUNC + TAIL_TRUNC + SAMPLED_TRUNC * scale +
                      2 * EDGE_FLIPS + SAMPLED_FLIPS * scale) * sizeof *v);
  if (!v) abort();
  size_t n = 0;
  /* Truncations: 0..HEAD_TRUNC, the last TAIL_TRUNC lengths, and sampled
  ** lengths in between. */
  for (size_t c = 0; c < HEAD_TRUNC && c < len; c++) v[n++] = c;
  for (size_t c = len > TAIL_TRUNC ? len - TAIL_TRUNC : 0; c < len; c++)
    if (c >= HEAD_TRUNC) v[n++] = c;
  if (len > HEAD_TRUNC + TAIL_TRUNC) {
    size_t span = len - TAIL_TRUNC - HEAD_TRUNC;
    for (size_t k = 0; k < SAMPLED_TRUNC * scale; k++)
      v[n++] =
          HEAD_TRUNC + rng(span < UINT32_MAX ? (uint32_t)span : UINT32_MAX);
  }
  n = sort_unique(v, n);
  for (size_t i = 0; i < n; i++) add_case(fi, 0, v[i], 0);

  /* Flips: every byte of the first and last EDGE_FLIPS, then one offset in
  ** each of SAMPLED_FLIPS equal strata of the rest. */
  n = 0;
  for (size_t o = 0; o < EDGE_FLIPS && o < len; o++) v[n++] = o;
  for (size_t o = len > EDGE_FLIPS ? len - EDGE_FLIPS : 0; o < len; o++)
    if (o >= EDGE_FLIPS) v[n++] = o;
  if (len > 2 * EDGE_FLIPS) {
    size_t span = len - 2 * EDGE_FLIPS;
    size_t strata = SAMPLED_FLIPS * scale;
    for (size_t k = 0; k < strata; k++) {
      size_t lo = span * k / strata, hi = span * (k + 1) / strata;
      if (hi > lo) v[n++] = EDGE_FLIPS + lo + rng((uint32_t)(hi - lo));
    }
  }
  n = sort_unique(v, n);
  for (size_t i = 0; i < n; i++) add_case(fi, 1, v[i], (uint8_t)(1 + rng(255)));
  free(v);
}

/* Applies case c to its file (1: undo it). */
static void apply(const Case *c, int undo) {
  const IxFile *f = &files[c->file];
  if (c->kind == 0) {
    if (undo) restore(f);
    else if (truncate(f->path, (off_t)c->at) != 0) {
      fprintf(stderr, "truncate %s: %s\n", f->path, strerror(errno));
      exit(1);
    }
    return;
  }
  uint8_t b = undo ? f->orig[c->at] : (uint8_t)(f->orig[c->at] ^ c->mask);
  int fd = open(f->path, O_WRONLY);
  if (fd < 0 || pwrite(fd, &b, 1, (off_t)c->at) != 1) {
    fprintf(stderr, "pwrite %s: %s\n", f->path, strerror(errno));
    exit(1);
  }
  close(fd);
}

/* Runs every case, in child processes: a child runs cases from `start` on;
** when it dies (a crash, a sanitizer report, the alarm of a hang) the
** parent reports the case, restores every file and starts a new child at
** the next case. */
static void run_cases(void) {
  size_t start = 0;
  while (start < ncases) {
    prog->done = 0;
    prog->k = start;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      exit(1);
    }
    if (pid == 0) {
      signal(SIGALRM, on_alarm);
      for (size_t k = start; k < ncases; k++) {
        prog->k = k;
        name_case(&cases[k]);
        alarm(CASE_SECONDS);
        apply(&cases[k], 0);
        run_case(&files[cases[k].file], cases[k].kind);
        apply(&cases[k], 1);
        alarm(0);
      }
      prog->done = 1;
      fflush(stdout);
      fflush(stderr);
      _exit(0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (prog->done) break;
    const Case *c = &cases[prog->k];
    name_case(c);
    files[c->file].crashed[c->kind]++;
    if (WIFSIGNALED(status))
      fprintf(stderr, "CRASH %s: signal %d (%s)\n", case_name,
              WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
      fprintf(stderr,
              "CRASH %s: exit status %d (hang, or a sanitizer report above)\n",
              case_name, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    for (size_t i = 0; i < nfiles; i++) restore(&files[i]);
    start = prog->k + 1;
  }
}

/* ------------------------------------------------------------- driver -- */

/* Opens the index and checks it answers the baseline; 0 when it does. */
static int answers_baseline(const char *why) {
  SwError e;
  sw_error_clear(&e);
  SwIndex *ix = NULL;
  if (sw_index_open(ixdir, &ix, &e) != SW_OK) {
    fprintf(stderr, "%s: open: %s\n", why, e.msg);
    return 1;
  }
  int bad = 0;
  for (size_t qi = 0; qi < NQUERIES; qi++) {
    char *got;
    if (run_query(ix, qi, &got, &e) != SW_OK) {
      fprintf(stderr, "%s: query %zu: %s\n", why, qi, e.msg);
      bad = 1;
      continue;
    }
    if (strcmp(got, baseline[qi]) != 0) bad = 1;
    free(got);
  }
  sw_index_close(ix);
  sw_error_clear(&e);
  if (sw_index_check(ixdir, NULL, NULL, &e) != SW_OK) {
    fprintf(stderr, "%s: check: %s\n", why, e.msg);
    bad = 1;
  }
  return bad;
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/swsearch-corrupt-XXXXXX", tmp ? tmp : "/tmp");
  if (!mkdtemp(root)) {
    perror("mkdtemp");
    return 1;
  }
  double t0 = sw_now();

  /* The documents: generated JSON Lines, plus corpus/ when known. */
  char jsonl[512], corpus[1024];
  snprintf(jsonl, sizeof jsonl, "%s/generated.jsonl", root);
  snprintf(ixdir, sizeof ixdir, "%s/index", root);
  CHECK_EQ_INT(make_jsonl(jsonl), 0);
  const char *paths[2] = {jsonl, NULL};
  size_t npaths = 1;
  const char *src = getenv("SW_SOURCE_DIR");
  if (src && *src) {
    snprintf(corpus, sizeof corpus, "%s/corpus", src);
    struct stat st;
    if (stat(corpus, &st) == 0 && S_ISDIR(st.st_mode)) paths[npaths++] = corpus;
  }
  SwError e;
  sw_error_clear(&e);
  SwBuildStats bs;
  int rc = sw_build(ixdir, paths, npaths, NULL, NULL, NULL, &bs, &e);
  CHECK_EQ_INT(rc, SW_OK);
  if (rc != SW_OK) {
    fprintf(stderr, "build: %s\n", e.msg);
    tu_rm_rf(root);
    return tu_done();
  }
  /* A second segment (one document replacing a live id), and deletions. */
  char addf[512];
  snprintf(addf, sizeof addf, "%s/added.jsonl", root);
  CHECK_EQ_INT(write_whole(addf, (const uint8_t *)added_jsonl,
                           strlen(added_jsonl)), 0);
  const char *add_paths[1] = {addf};
  SwBuildStats as, ds;
  rc = sw_add(ixdir, add_paths, 1, NULL, NULL, NULL, &as, &e);
  if (rc == SW_OK)
    rc = sw_delete(ixdir, deleted_ids,
                   sizeof deleted_ids / sizeof deleted_ids[0], NULL, NULL, &ds,
                   &e);
  CHECK_EQ_INT(rc, SW_OK);
  if (rc != SW_OK) {
    fprintf(stderr, "add/delete: %s\n", e.msg);
    tu_rm_rf(root);
    return tu_done();
  }
  CHECK_EQ_INT(as.replaced, 1);
  CHECK(ds.segments >= 2);
  printf("index: %llu docs built (%s the seed corpus), %llu added (%llu "
         "replacing), %llu deleted: %llu live in %llu segments\n",
         (unsigned long long)bs.docs, npaths > 1 ? "with" : "without",
         (unsigned long long)as.docs, (unsigned long long)as.replaced,
         (unsigned long long)ds.deleted, (unsigned long long)ds.live_docs,
         (unsigned long long)ds.segments);

  /* The baseline: every query answers, most with hits. */
  SwIndex *ix = NULL;
  rc = sw_index_open(ixdir, &ix, &e);
  CHECK_EQ_INT(rc, SW_OK);
  if (rc != SW_OK) {
    fprintf(stderr, "open: %s\n", e.msg);
    tu_rm_rf(root);
    return tu_done();
  }
  size_t with_hits = 0;
  for (size_t qi = 0; qi < NQUERIES; qi++) {
    rc = run_query(ix, qi, &baseline[qi], &e);
    CHECK_EQ_INT(rc, SW_OK);
    if (rc != SW_OK) {
      fprintf(stderr, "query %s: %s\n", queries[qi].q, e.msg);
      baseline[qi] = strdup("");
    }
    if (strncmp(baseline[qi], "total 0 ", 8) != 0) with_hits++;
  }
  sw_index_close(ix);
  CHECK(with_hits >= NQUERIES - 1); /* "Trefas" only with the seeds */
  CHECK_EQ_INT(answers_baseline("sound index"), 0);

  /* files[] and the progress live in one shared mapping (see run_cases). */
  size_t shared = MAX_FILES * sizeof *files + sizeof *prog;
  void *map = mmap(NULL, shared, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  files = map;
  prog = (Progress *)(void *)(files + MAX_FILES);
  walk(ixdir, "");
  qsort(files, nfiles, sizeof *files, cmp_file);
  CHECK(nfiles >= 2);
  /* SW_CORRUPT_SCALE=k multiplies the sampled cases (deeper local runs). */
  const char *sc = getenv("SW_CORRUPT_SCALE");
  size_t scale = sc && atoi(sc) > 0 && atoi(sc) <= 1000 ? (size_t)atoi(sc) : 1;
  rng_state = 4711;
  for (size_t i = 0; i < nfiles; i++) plan_file((uint32_t)i, scale);
  run_cases();

  /* Every file restored: the index is sound again. */
  CHECK_EQ_INT(answers_baseline("after the sweep"), 0);

  unsigned tot[8] = {0};
  printf("\n%-28s %-5s %6s %6s %6s %6s %7s %6s %7s %7s\n", "file", "kind",
         "cases", "open", "search", "check", "MISSED", "WRONG", "BADMSG",
         "CRASHED");
  for (size_t i = 0; i < nfiles; i++) {
    IxFile *f = &files[i];
    for (int k = 0; k < 2; k++) {
      printf("%-28s %-5s %6u %6u %6u %6u %7u %6u %7u %7u\n",
             k ? "" : f->rel, k ? "flip" : "trunc", f->cases[k],
             f->by_open[k], f->by_search[k], f->by_check[k], f->missed[k],
             f->wrong[k], f->badmsg[k], f->crashed[k]);
      unsigned v[8] = {f->cases[k], f->by_open[k], f->by_search[k],
                       f->by_check[k], f->missed[k], f->wrong[k],
                       f->badmsg[k], f->crashed[k]};
      for (int j = 0; j < 8; j++) tot[j] += v[j];
    }
  }
  printf("%-28s %-5s %6u %6u %6u %6u %7u %6u %7u %7u\n", "total", "", tot[0],
         tot[1], tot[2], tot[3], tot[4], tot[5], tot[6], tot[7]);
  printf("(open/search/check: where the damage was first reported; MISSED: "
         "check passed; WRONG: a query answered differently without error; "
         "BADMSG: a wrong code or a message not naming the file; CRASHED: "
         "a crash, sanitizer report or hang; cases counted once each)\n");
  printf("%zu files, %.1f s\n", nfiles, sw_now() - t0);
  CHECK_EQ_INT(tot[4], 0); /* undetected by check */
  CHECK_EQ_INT(tot[5], 0); /* wrong results       */
  CHECK_EQ_INT(tot[6], 0); /* bad codes/messages  */
  CHECK_EQ_INT(tot[7], 0); /* crashes and hangs   */

  for (size_t i = 0; i < nfiles; i++) free(files[i].orig);
  free(cases);
  munmap(map, shared);
  for (size_t qi = 0; qi < NQUERIES; qi++) free(baseline[qi]);
  tu_rm_rf(root);
  return tu_done();
}
