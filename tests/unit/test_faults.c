/*
** test_faults.c — fault injection through the public API: the Nth
** allocation (sw_fault_alloc_after) or the Nth write or fsync of an index
** file (sw_fault_write_after) fails, for every N from 0 until the operation
** runs to its end without reaching the fault. The operations:
**   - sw_build over a committed index: a small rebuild (tiny memory budget,
**     so postings go through sorted runs on disk) and a larger one (zstd
**     JSON Lines and Markdown input, the default budget, a trained doc-text
**     dictionary); and a first build into an empty directory;
**   - sw_add (new documents and one replacing a live id), sw_delete (ids
**     present and absent) and sw_optimize (of an index with several segments
**     and deleted documents), each over a committed index;
**   - sw_index_open + sw_search with snippets, for three committed indexes,
**     and the same handle answering again once the fault is gone;
**   - sw_index_check.
** Every failure must be a clean error (SW_NOMEM for allocations, SW_FULL for
** writes, whose message names a file under the index) with a message; no
** file descriptor, mapping or (LeakSanitizer, in the ASan build) heap block
** may leak; and once the hook is reset the previous commit must still open,
** give the baseline answers (ids, scores, order, snippets) from the same
** generation and pass check. A change that succeeds although the fault was
** reached (a fallback absorbed it) must give exactly the answers of the same
** change made without faults. The points tried per operation are printed.
**
** Expected answers come from clean runs of the same sequence of changes in
** a directory of their own, so the test knows nothing of the index layout.
**
** Each operation's loop runs in a child process: a crash (or a sanitizer
** abort) at failure point N is reported as such, and the loop resumes at
** N + 1 in a new child, so one crash neither ends the test nor hides others.
**
** Set SW_FAULT_LEAK_EACH=1 (ASan build) to run the leak check after every
** failure point instead of once per operation: slower, but it names the N.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include "sw_fault.h"
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
#include <zstd.h>

#if defined(__SANITIZE_ADDRESS__)
#define TF_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TF_LSAN 1
#endif
#endif
#ifdef TF_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#define MAX_POINTS 200000 /* a loop this long: the fault is never reached */
#define MAX_CRASHES 20    /* per operation, then give up                  */
#define NQUERIES 6
#define MAX_OPS 4         /* changes in a state's history                 */
#define MAX_ABSORBED 6    /* absorbed points listed per operation         */

/* ------------------------------------------------------------ helpers -- */

static char root[256];  /* temp directory         */
static char ixdir[512]; /* the index under test   */

static int write_bytes(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int rc = n && fwrite(p, 1, n, f) != n ? -1 : 0;
  return fclose(f) == 0 ? rc : -1;
}

static int write_text(const char *path, const char *text) {
  return write_bytes(path, text, strlen(text));
}

/* A growable string (test-side memory: plain malloc, never sw_malloc). */
/* Open file descriptors of this process. */
static int count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (de->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

/* Mappings of files under the temp directory (index files left mapped). */
static int count_maps(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  if (!f) return -1;
  char line[4096];
  int n = 0;
  while (fgets(line, sizeof line, f))
    if (strstr(line, root)) n++;
  fclose(f);
  return n;
}

/* ------------------------------------------------------- the documents -- */

typedef struct Doc {
  const char *id, *title, *text;
} Doc;

/* The committed index: a few short documents. */
static const Doc old_docs[] = {
    {"old-0", "Skolans trygghetsarbete",
     "Skolan har en social insatsgrupp som stöttar elever. Vikten av att "
     "stoppa skjutningarna lyfts av rektorn och av kommunen."},
    {"old-1", "Budget 2021",
     "Kommunstyrelsen beslutar om budget för 2021. Budgeten ska vara i "
     "balans och kommunen satsar på skolan och omsorgen."},
    {"old-2", "Parkering vid torget",
     "Parkering parkering vid torget. Trafiknämnden utreder nya cykelbanor "
     "längs ån och en översyn av parkering i området."},
    {"old-3", "Sociala insatsgrupper",
     "Stadsdelsnämnden har inrättat sociala insatsgrupper för unga. "
     "Insatsgruppen arbetar med polisen, skolan och kommunen."},
    {"old-4", "Äldreomsorg",
     "Omsorgen om äldre i kommunen byggs ut: nya äldreboenden, mer personal "
     "och bättre mat. Vikten av att lyssna på de äldre betonas."},
    {"old-5", "Bibliotek", "Biblioteket får längre öppettider och en ny filial."},
};

/* The second input: other documents and one with a committed id (old-2:
** sw_add replaces it), as JSON Lines and a .txt. */
static const Doc new_docs[] = {
    {"new-0", "Trygghet i Stockholm",
     "Vikten av att kraftsamla för att stoppa skjutningarna kan inte nog "
     "understrykas. Kommunen och polisen samverkar."},
    {"new-1", "Cykelbanor", "Nya cykelbanor byggs längs ån och vid skolan."},
    {"new-2", "Miljö", "Kommunen satsar på miljö, grönområden och rent vatten."},
    {"new-3", "Snöröjning", "Snöröjningen i kommunen upphandlas på nytt."},
    {"old-2", "Parkering vid torget, reviderad",
     "Parkeringen vid torget tas bort; cykelbanor och budget för skolan."},
};

static int write_jsonl(const char *path, const Doc *docs, size_t n) {
  TuStr s = {0};
  for (size_t i = 0; i < n; i++)
    tu_str_add(&s,
            "{\"id\":\"%s\",\"title\":\"%s\",\"date\":\"2021-03-%02zu\","
            "\"source\":\"test\",\"url\":\"https://example.org/%s\","
            "\"text\":\"%s\"}\n",
            docs[i].id, docs[i].title, i + 1, docs[i].id, docs[i].text);
  int rc = write_text(path, s.p ? s.p : "");
  free(s.p);
  return rc;
}

/* Words for the larger input; none a stop word. */
static const char *vocab[] = {
    "skolan",   "trygghet",  "budget",     "miljö",       "omsorg",
    "förskola", "nämnden",   "bostäder",   "ungdomar",    "föreningar",
    "vatten",   "avlopp",    "belysning",  "personal",    "ekonomi",
    "beslutar", "utreder",   "föreslår",   "satsar",      "bygger",
    "kommunen", "parkering", "cykelbanor", "biblioteket", "äldreboende",
};
#define NVOCAB (sizeof vocab / sizeof vocab[0])

/* The larger input: 24 documents of ~4 KB (enough sample for the doc-text
** dictionary) as zstd-compressed JSON Lines, and a Markdown file. */
static int make_big(const char *dir) {
  char path[1024];
  if (mkdir(dir, 0755) != 0) return -1;
  TuStr s = {0};
  uint64_t r = 99;
  for (int d = 0; d < 24; d++) {
    tu_str_add(&s, "{\"id\":%d,\"title\":\"Protokoll %d\",\"text\":\"", d, d);
    for (int w = 0; w < 420; w++) {
      r = r * 6364136223846793005ull + 1442695040888963407ull;
      tu_str_add(&s, "%s%s", w ? " " : "", vocab[(r >> 33) % NVOCAB]);
      if (w % 40 == 7 && d % 3 == 0) tu_str_add(&s, " vikten av att");
    }
    tu_str_add(&s, ".\"}\n");
  }
  size_t cap = ZSTD_compressBound(s.len);
  void *z = malloc(cap);
  size_t zn = z ? ZSTD_compress(z, cap, s.p, s.len, 3) : 0;
  free(s.p);
  snprintf(path, sizeof path, "%s/protokoll.jsonl.zst", dir);
  int rc = z && !ZSTD_isError(zn) ? write_bytes(path, z, zn) : -1;
  free(z);
  if (rc) return rc;
  snprintf(path, sizeof path, "%s/budget.md", dir);
  return write_text(path,
                    "# Budget och skolan\n\nKommunen satsar på skolan. "
                    "Parkering och cykelbanor, sa nämnden.\n");
}

/* Inputs: a path handed to sw_build/sw_add, and the memory budget. mem_budget
** 1: every document's postings go to a sorted run on disk, merged at commit
** (more write and allocation sites); 0: the default, one run. */
typedef struct Input {
  char path[512];
  size_t budget;
} Input;

static Input in_old = {"", 1}, in_new = {"", 1}, in_big = {"", 0};

static int make_inputs(void) {
  char path[1024];
  snprintf(in_old.path, sizeof in_old.path, "%s/old.jsonl", root);
  snprintf(in_new.path, sizeof in_new.path, "%s/new", root);
  snprintf(in_big.path, sizeof in_big.path, "%s/big", root);
  if (write_jsonl(in_old.path, old_docs, sizeof old_docs / sizeof old_docs[0]))
    return -1;
  if (mkdir(in_new.path, 0755) != 0) return -1;
  snprintf(path, sizeof path, "%s/new.jsonl", in_new.path);
  if (write_jsonl(path, new_docs, sizeof new_docs / sizeof new_docs[0]))
    return -1;
  snprintf(path, sizeof path, "%s/anteckning.txt", in_new.path);
  if (write_text(path,
                 "Anteckning från nämnden\n\nNämnden beslutar att "
                 "parkering vid skolan ska utredas. Vikten av att "
                 "kommunen lyssnar på föräldrarna betonas.\n"))
    return -1;
  return make_big(in_big.path);
}

/* ------------------------------------------------------------ changes -- */

typedef enum { OP_BUILD, OP_ADD, OP_DELETE, OP_OPTIMIZE } OpKind;

/* One change of an index. */
typedef struct Op {
  OpKind kind;
  const Input *in; /* OP_BUILD, OP_ADD */
} Op;

/* Ids sw_delete is given: two live ones, one never indexed (a warning). */
static const char *const del_ids[] = {"old-1", "new-3", "no-such-id"};

static void ignore_warning(void *ctx, const char *where, const char *problem) {
  (void)ctx, (void)where, (void)problem;
}

static int do_op(const char *dir, const Op *op, SwError *e) {
  SwBuildOptions o;
  memset(&o, 0, sizeof o);
  o.mem_budget = op->in ? op->in->budget : 1;
  const char *paths[1] = {op->in ? op->in->path : NULL};
  switch (op->kind) {
  case OP_BUILD:
    return sw_build(dir, paths, 1, &o, NULL, NULL, NULL, e);
  case OP_ADD:
    return sw_add(dir, paths, 1, &o, NULL, NULL, NULL, e);
  case OP_DELETE:
    return sw_delete(dir, del_ids, sizeof del_ids / sizeof del_ids[0],
                     ignore_warning, NULL, NULL, e);
  case OP_OPTIMIZE:
    return sw_optimize(dir, &o, NULL, e);
  }
  return SW_INPUT;
}

/* An index state: the changes that make it, from an empty directory. */
typedef struct State {
  Op ops[MAX_OPS];
  size_t nops;
} State;

/* Makes state st in dir afresh. */
static int make_state(const char *dir, const State *st, SwError *e) {
  tu_rm_rf(dir);
  int rc = SW_OK;
  for (size_t i = 0; i < st->nops && rc == SW_OK; i++)
    rc = do_op(dir, &st->ops[i], e);
  return rc;
}

/* ----------------------------------------------------------- queries -- */

static const char *queries[NQUERIES] = {
    "kommunen",                /* term                   */
    "skolan kommunen",         /* AND                    */
    "\"vikten av att\"",       /* phrase with stop words */
    "parkering OR cykelbanor", /* OR                     */
    "kommunen -skolan",        /* exclusion              */
    "budget zzzqqxx",          /* partial                */
};

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

/* SW_OK and the serialised answer in *out, or the error (-1: the call
** failed but did not leave its OUT parameter NULL). */
static int run_query(SwIndex *ix, size_t qi, char **out, SwError *e) {
  SwSearchOptions o;
  memset(&o, 0, sizeof o);
  o.k = 10;
  o.snippets = 1;
  o.highlight = SW_HL_BRACKETS;
  SwResults *r = NULL;
  *out = NULL;
  int rc = sw_search(ix, queries[qi], strlen(queries[qi]), &o, &r, e);
  if (rc == SW_OK) {
    *out = serialise(r);
    sw_results_free(r);
  } else if (r) {
    rc = -1;
  }
  return rc;
}

static void free_answers(char **a) {
  for (size_t qi = 0; qi < NQUERIES; qi++) {
    free(a[qi]);
    a[qi] = NULL;
  }
}

/* The answers of the index in dir into out[], its generation in *gen. */
static int answers(const char *dir, char **out, uint64_t *gen, SwError *e) {
  SwIndex *ix = NULL;
  int rc = sw_index_open(dir, &ix, e);
  if (rc) return rc;
  for (size_t qi = 0; qi < NQUERIES && rc == SW_OK; qi++)
    rc = run_query(ix, qi, &out[qi], e);
  SwIndexStats st;
  if (rc == SW_OK) rc = sw_index_stats(ix, &st, e);
  *gen = rc == SW_OK ? st.generation : 0;
  sw_index_close(ix);
  return rc;
}

/* ------------------------------------------------- failures, children -- */

/* What a phase's child process reports to the parent (a shared mapping). */
typedef struct Shared {
  long n;                      /* the failure point being tried         */
  long points;                 /* failure points tried, when done       */
  long absorbed;               /* successes although the fault was hit  */
  long absorbed_at[MAX_ABSORBED]; /* ... the first of them              */
  int failures;                /* failures found in the child           */
  int shown;                   /* failures printed, all children        */
  int done;                    /* 1: the child finished the phase       */
} Shared;

static Shared *sh;

static void fail(const char *phase, long n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(const char *phase, long n, const char *fmt, ...) {
  sh->failures++;
  if (sh->shown++ >= 40) return; /* the counts say the rest */
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "FAIL %s, failure point %ld: ", phase, n);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static int leak_each(void) {
  const char *v = getenv("SW_FAULT_LEAK_EACH");
  return v && *v == '1';
}

/* A leak check now (ASan builds): 0 when nothing leaked. */
static int leak_check(void) {
#ifdef TF_LSAN
  return __lsan_do_recoverable_leak_check();
#else
  return 0;
#endif
}

/* No descriptor or mapping left over since fds0/maps0. */
static void check_resources(const char *phase, long n, int fds0, int maps0) {
  int fds = count_fds(), maps = count_maps();
  if (fds != fds0) fail(phase, n, "%d file descriptors leaked", fds - fds0);
  if (maps != maps0) fail(phase, n, "%d index mappings leaked", maps - maps0);
  if (leak_each() && leak_check())
    fail(phase, n, "heap leak (LeakSanitizer report above)");
}

enum { FAULT_ALLOC, FAULT_WRITE };

static void arm(int kind, long n) {
  if (kind == FAULT_ALLOC) sw_fault_alloc_after(n);
  else sw_fault_write_after(n);
}

static long disarm(int kind) {
  return kind == FAULT_ALLOC ? sw_fault_alloc_reset() : sw_fault_write_reset();
}

/* Checks a failed call's code and message. */
static void check_error(const char *phase, long n, int kind, int rc,
                        const SwError *e) {
  int want = kind == FAULT_ALLOC ? SW_NOMEM : SW_FULL;
  if (rc != want)
    fail(phase, n, "code %d (%s), want %d (%s): %s", rc, sw_strerror(rc), want,
         sw_strerror(want), e->msg);
  else if (e->code != rc || !e->msg[0])
    fail(phase, n, "error %d \"%s\" does not go with the return code %d",
         e->code, e->msg, rc);
  else if (kind == FAULT_WRITE && !strstr(e->msg, ixdir))
    fail(phase, n, "message names no index file: %s", e->msg);
}

/* ------------------------------------------------------------- phases -- */

/* One operation under faults. */
typedef struct Phase {
  const char *name;
  enum { PH_CHANGE, PH_SEARCH, PH_CHECK } what;
  int kind;       /* FAULT_ALLOC or FAULT_WRITE                           */
  State before;   /* the committed state (nops 0: an empty directory)     */
  Op op;          /* PH_CHANGE: the change made under faults              */
  char *base_before[NQUERIES]; /* answers of `before`                     */
  char *base_after[NQUERIES];  /* PH_CHANGE: answers of before + op       */
} Phase;

/* 0 when the index in ixdir answers exactly base (from generation gen; 0:
** any) and passes check. */
static int serves(char **base, uint64_t gen, const char *what,
                  const char *phase, long n) {
  char *got[NQUERIES] = {0};
  uint64_t g = 0;
  SwError e;
  sw_error_clear(&e);
  int rc = answers(ixdir, got, &g, &e), bad = 0;
  if (rc != SW_OK) {
    fail(phase, n, "%s does not serve: code %d: %s", what, rc, e.msg);
    bad = 1;
  } else {
    for (size_t qi = 0; qi < NQUERIES; qi++)
      if (strcmp(got[qi], base[qi]) != 0) {
        fail(phase, n, "query [%s] answers differently from %s", queries[qi],
             what);
        bad = 1;
        break;
      }
    if (gen && g != gen) {
      fail(phase, n, "generation %llu, want %llu (%s)", (unsigned long long)g,
           (unsigned long long)gen, what);
      bad = 1;
    }
  }
  free_answers(got);
  sw_error_clear(&e);
  rc = sw_index_check(ixdir, NULL, NULL, &e);
  if (rc != SW_OK) {
    fail(phase, n, "check of %s fails: code %d: %s", what, rc, e.msg);
    bad = 1;
  }
  return bad;
}

/* ixdir holds ph->before, committed; its generation in *gen. */
static int commit_before(const Phase *ph, uint64_t *gen) {
  SwError e;
  sw_error_clear(&e);
  char *got[NQUERIES] = {0};
  *gen = 0;
  int rc = make_state(ixdir, &ph->before, &e);
  if (rc == SW_OK && ph->before.nops) rc = answers(ixdir, got, gen, &e);
  if (rc != SW_OK) fprintf(stderr, "%s: setup: %s\n", ph->name, e.msg);
  free_answers(got);
  return rc;
}

/* A change under faults, from failure point `start` on. */
static void change_phase(const Phase *ph, long start) {
  const char *name = ph->name;
  uint64_t gen = 0;
  int fresh = ph->before.nops == 0, restore = 1;
  long n;
  for (n = start; n < MAX_POINTS; n++) {
    sh->n = n;
    if (restore) {
      if (commit_before(ph, &gen)) {
        fail(name, n, "cannot make the committed state");
        break;
      }
      restore = 0;
    }
    int fds0 = count_fds(), maps0 = count_maps();
    SwError e;
    sw_error_clear(&e);
    arm(ph->kind, n);
    int rc = do_op(ixdir, &ph->op, &e);
    long tried = disarm(ph->kind);
    check_resources(name, n, fds0, maps0);
    if (tried <= n) { /* the fault was never reached: done */
      if (rc != SW_OK) fail(name, n, "fails without a fault: %s", e.msg);
      else serves((char **)ph->base_after, 0, "the change made", name, n);
      break;
    }
    if (rc == SW_OK) {
      /* The failure was absorbed (a fallback): the result must be exact. */
      if (sh->absorbed < MAX_ABSORBED) sh->absorbed_at[sh->absorbed] = n;
      sh->absorbed++;
      serves((char **)ph->base_after, 0, "the change made", name, n);
      restore = 1;
      continue;
    }
    check_error(name, n, ph->kind, rc, &e);
    if (fresh) {
      SwIndex *ix = NULL;
      sw_error_clear(&e);
      rc = sw_index_open(ixdir, &ix, &e);
      if (rc != SW_NOTFOUND)
        fail(name, n, "a failed first build left an index: open gives %d %s",
             rc, e.msg);
      sw_index_close(ix);
    } else if (serves((char **)ph->base_before, gen, "the previous commit",
                      name, n)) {
      restore = 1; /* do not let one failure cascade */
    }
  }
  if (leak_check()) fail(name, n, "heap leak (LeakSanitizer report above)");
  sh->points = n;
}

/* Open + every query (with snippets) of the committed state under
** allocation faults; once reset, the same handle answers as before, and so
** does a new one. */
static void search_phase(const Phase *ph, long start) {
  const char *name = ph->name;
  char **base = (char **)ph->base_before;
  uint64_t gen = 0;
  long n;
  if (commit_before(ph, &gen)) {
    fail(name, start, "cannot make the committed state");
    return;
  }
  for (n = start; n < MAX_POINTS; n++) {
    sh->n = n;
    int fds0 = count_fds(), maps0 = count_maps();
    SwError e;
    sw_error_clear(&e);
    SwIndex *ix = NULL;
    int errors = 0;
    sw_fault_alloc_after(n);
    int rc = sw_index_open(ixdir, &ix, &e);
    if (rc != SW_OK) {
      errors++;
      check_error(name, n, FAULT_ALLOC, rc, &e);
      if (ix) fail(name, n, "open failed but set its OUT parameter");
      ix = NULL;
    } else {
      for (size_t qi = 0; qi < NQUERIES; qi++) {
        char *got;
        sw_error_clear(&e);
        rc = run_query(ix, qi, &got, &e);
        if (rc == -1) {
          fail(name, n, "query [%s] failed but set its OUT parameter",
               queries[qi]);
        } else if (rc != SW_OK) {
          errors++;
          check_error(name, n, FAULT_ALLOC, rc, &e);
        } else if (strcmp(got, base[qi]) != 0) {
          fail(name, n, "query [%s] answers differently under faults",
               queries[qi]);
        }
        free(got);
      }
    }
    long tried = sw_fault_alloc_reset();
    if (ix) { /* the same handle, with memory again */
      for (size_t qi = 0; qi < NQUERIES; qi++) {
        char *got;
        sw_error_clear(&e);
        rc = run_query(ix, qi, &got, &e);
        if (rc != SW_OK)
          fail(name, n, "after the fault, query [%s] fails: %s", queries[qi],
               e.msg);
        else if (strcmp(got, base[qi]) != 0)
          fail(name, n, "after the fault, query [%s] answers differently",
               queries[qi]);
        free(got);
      }
      sw_index_close(ix);
    }
    check_resources(name, n, fds0, maps0);
    if (tried <= n) {
      if (errors) fail(name, n, "errors without a fault");
      break;
    }
  }
  serves(base, gen, "the committed index", name, n);
  if (leak_check()) fail(name, n, "heap leak (LeakSanitizer report above)");
  sh->points = n;
}

/* sw_index_check of the committed state under allocation faults. */
static void check_phase(const Phase *ph, long start) {
  const char *name = ph->name;
  uint64_t gen = 0;
  long n;
  if (commit_before(ph, &gen)) {
    fail(name, start, "cannot make the committed state");
    return;
  }
  for (n = start; n < MAX_POINTS; n++) {
    sh->n = n;
    int fds0 = count_fds(), maps0 = count_maps();
    SwError e;
    sw_error_clear(&e);
    sw_fault_alloc_after(n);
    int rc = sw_index_check(ixdir, NULL, NULL, &e);
    long tried = sw_fault_alloc_reset();
    check_resources(name, n, fds0, maps0);
    if (tried <= n) {
      if (rc != SW_OK) fail(name, n, "fails without a fault: %s", e.msg);
      break;
    }
    if (rc != SW_OK) check_error(name, n, FAULT_ALLOC, rc, &e);
  }
  serves((char **)ph->base_before, gen, "the committed index", name, n);
  if (leak_check()) fail(name, n, "heap leak (LeakSanitizer report above)");
  sh->points = n;
}

/* Runs ph in child processes from failure point 0, resuming after each
** crash; prints and returns the failure points tried. */
static long run_phase(const Phase *ph) {
  long start = 0, crashes = 0;
  int shown = sh->shown;
  memset(sh, 0, sizeof *sh);
  sh->shown = shown;
  for (;;) {
    sh->n = start;
    sh->done = 0;
    sh->failures = 0;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      exit(1);
    }
    if (pid == 0) {
      if (ph->what == PH_CHANGE) change_phase(ph, start);
      else if (ph->what == PH_SEARCH) search_phase(ph, start);
      else check_phase(ph, start);
      sh->done = 1;
      fflush(stdout);
      fflush(stderr);
      _exit(0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    tu_failed += sh->failures;
    if (sh->done) break;
    crashes++;
    tu_failed++;
    if (WIFSIGNALED(status))
      fprintf(stderr, "CRASH %s, failure point %ld: signal %d (%s)\n",
              ph->name, sh->n, WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
      fprintf(stderr, "CRASH %s, failure point %ld: exit status %d "
              "(a sanitizer report above?)\n", ph->name, sh->n,
              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    if (crashes >= MAX_CRASHES) {
      fprintf(stderr, "%s: giving up after %ld crashes\n", ph->name, crashes);
      sh->points = sh->n;
      break;
    }
    start = sh->n + 1;
  }
  printf("%-52s %5ld points", ph->name, sh->points);
  if (sh->absorbed) {
    printf(", %ld absorbed (at", sh->absorbed);
    for (long i = 0; i < sh->absorbed && i < MAX_ABSORBED; i++)
      printf(" %ld", sh->absorbed_at[i]);
    printf("%s)", sh->absorbed > MAX_ABSORBED ? " ..." : "");
  }
  if (crashes) printf(", %ld CRASHED", crashes);
  printf("\n");
  return sh->points;
}

/* Answers of a clean run of st (in a directory of its own) into base. */
static int baseline(const State *st, char **base) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/clean", root);
  SwError e;
  sw_error_clear(&e);
  uint64_t gen;
  int rc = make_state(dir, st, &e);
  if (rc == SW_OK) rc = answers(dir, base, &gen, &e);
  if (rc != SW_OK) fprintf(stderr, "baseline: %s\n", e.msg);
  tu_rm_rf(dir);
  return rc;
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/swsearch-faults-XXXXXX", tmp ? tmp : "/tmp");
  if (!mkdtemp(root)) {
    perror("mkdtemp");
    return 1;
  }
  double t0 = sw_now();
  snprintf(ixdir, sizeof ixdir, "%s/index", root);
  CHECK_EQ_INT(make_inputs(), 0);
  sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) {
    perror("mmap");
    return 1;
  }

  const Op build_old = {OP_BUILD, &in_old}, build_new = {OP_BUILD, &in_new},
           build_big = {OP_BUILD, &in_big}, add_new = {OP_ADD, &in_new},
           del = {OP_DELETE, NULL}, optimize = {OP_OPTIMIZE, NULL};
  const State none = {{{0}}, 0}, old = {{build_old}, 1},
              big = {{build_big}, 1}, added = {{build_old, add_new}, 2},
              segs = {{build_old, add_new, del}, 3};
  Phase phases[] = {
      {"small rebuild over a commit, allocation N", PH_CHANGE, FAULT_ALLOC,
       old, build_new, {0}, {0}},
      {"small rebuild over a commit, write N", PH_CHANGE, FAULT_WRITE, old,
       build_new, {0}, {0}},
      {"first build, allocation N", PH_CHANGE, FAULT_ALLOC, none, build_new,
       {0}, {0}},
      {"first build, write N", PH_CHANGE, FAULT_WRITE, none, build_new, {0},
       {0}},
      {"larger rebuild over a commit, allocation N", PH_CHANGE, FAULT_ALLOC,
       old, build_big, {0}, {0}},
      {"larger rebuild over a commit, write N", PH_CHANGE, FAULT_WRITE, old,
       build_big, {0}, {0}},
      {"add (one replacing) over a commit, allocation N", PH_CHANGE,
       FAULT_ALLOC, old, add_new, {0}, {0}},
      {"add (one replacing) over a commit, write N", PH_CHANGE, FAULT_WRITE,
       old, add_new, {0}, {0}},
      {"delete over a 2-segment commit, allocation N", PH_CHANGE, FAULT_ALLOC,
       added, del, {0}, {0}},
      {"delete over a 2-segment commit, write N", PH_CHANGE, FAULT_WRITE,
       added, del, {0}, {0}},
      {"optimize segments + deletions, allocation N", PH_CHANGE, FAULT_ALLOC,
       segs, optimize, {0}, {0}},
      {"optimize segments + deletions, write N", PH_CHANGE, FAULT_WRITE, segs,
       optimize, {0}, {0}},
      {"open + search + snippets, allocation N", PH_SEARCH, FAULT_ALLOC, old,
       {0, NULL}, {0}, {0}},
      {"open + search larger index, allocation N", PH_SEARCH, FAULT_ALLOC,
       big, {0, NULL}, {0}, {0}},
      {"open + search segments + deletions, allocation N", PH_SEARCH,
       FAULT_ALLOC, segs, {0, NULL}, {0}, {0}},
      {"check, allocation N", PH_CHECK, FAULT_ALLOC, old, {0, NULL}, {0}, {0}},
      {"check segments + deletions, allocation N", PH_CHECK, FAULT_ALLOC, segs,
       {0, NULL}, {0}, {0}},
  };
  enum { NPHASES = sizeof phases / sizeof phases[0] };

  /* Expected answers, from clean runs. Every change must change answers,
  ** or "the previous commit still serves" would prove nothing. */
  int rc = SW_OK;
  for (int i = 0; i < NPHASES && rc == SW_OK; i++) {
    Phase *ph = &phases[i];
    if (ph->before.nops) rc = baseline(&ph->before, ph->base_before);
    if (rc == SW_OK && ph->what == PH_CHANGE) {
      State after = ph->before;
      after.ops[after.nops++] = ph->op;
      rc = baseline(&after, ph->base_after);
      if (rc == SW_OK && ph->before.nops) {
        int differ = 0;
        for (size_t qi = 0; qi < NQUERIES; qi++)
          differ |= strcmp(ph->base_before[qi], ph->base_after[qi]) != 0;
        if (!differ) fprintf(stderr, "%s: the change changes no answer\n",
                             ph->name);
        CHECK(differ);
      }
    }
  }
  CHECK_EQ_INT(rc, SW_OK);
  if (rc != SW_OK) {
    tu_rm_rf(root);
    return tu_done();
  }

  long all = 0;
  for (int i = 0; i < NPHASES; i++) {
    long pts = run_phase(&phases[i]);
    CHECK(pts > 10); /* every operation allocates and writes many times */
    all += pts;
  }
  printf("%ld failure points in all, %.1f s\n", all, sw_now() - t0);

  for (int i = 0; i < NPHASES; i++) {
    free_answers(phases[i].base_before);
    free_answers(phases[i].base_after);
  }
  munmap(sh, sizeof *sh);
  tu_rm_rf(root);
  return tu_done();
}
