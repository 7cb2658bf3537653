/*
** regress.c — swsearch-regress: compares benchmark results with the baselines
** in bench/baselines/ and writes those baselines. It reads and writes JSON
** only; bench/regress/run.sh and instr.sh run the measurements
** (bench/regress/README.md).
**
**   swsearch-regress latency --baseline FILE [--env K=V]... RUN.json...
**   swsearch-regress latency --write FILE [--margin X] [--floor PCT]
**                            [--runs-per-check R] [--statistic min|median]
**                            [--env K=V]... RUN.json...
**     (defaults: margin 2, floor 10, 5 runs per check, min)
**   swsearch-regress instr --baseline FILE [--env K=V]... NAME=COUNT...
**   swsearch-regress instr --write FILE [--band PCT] [--env K=V]...
**                          [--note TEXT] NAME=COUNT...      (band default 1)
**   swsearch-regress table [--markdown] LABEL=RUN.json[,RUN.json...]...
**
** latency: RUN.json are `swsearch-bench --json` outputs of the same query
** set, in the order they ran. Per class and per metric (p50_ms, p99_ms) a
** check reduces its runs to one number, the baseline's "statistic": "min"
** (the fastest run: machine noise only ever adds time, so the minimum of a
** few runs is the steadiest estimate of what the code costs) or "median"
** (the middle run, the lower middle one for an even count). A metric
** regresses when
**     now > value * (1 + band_pct / 100)
** with value and band_pct from the baseline. Written as a baseline
** (--write, N runs, R = --runs-per-check runs per check), every window of R
** consecutive runs is treated as one check: value is the median of the
** windows' statistic and
**     band_pct = max(floor, 5 * ceil(margin * up / 5))    (whole percent)
** where up (percent) is how far the worst window's statistic lies above
** value. Windows rather than arbitrary subsets of the runs, because load on
** a shared machine lasts longer than one run: a check's runs share it.
**
** instr: NAME=COUNT pairs (instruction counts, e.g. build=... queries=...).
** Each differs from its baseline by (now - base) / base; beyond +band_pct it
** is a regression, beyond -band_pct an improvement (reported, exit 0). The
** baseline's env (compiler, build type, flags, valgrind version) must match
** the --env given: counts of another compiler mean nothing, so a mismatch is
** refused (exit 2). For latency a mismatch is only warned about.
**
** table: one row per LABEL=RUN.json (swsearch-bench --build ... --json):
** documents, text MB, build s, MB/s, peak RSS MB, index MB, then p50 and p99
** per class. More runs of the same index after a comma (query-only runs:
** --index ... --json) lower p50 and p99 to the smallest of all the runs; tab-separated with a header line (gnuplot's columnheader), or a
** Markdown table with --markdown.
**
** Exit: 0 no regression (or file written), 1 a regression, 2 an error (bad
** arguments, unreadable or malformed JSON, classes missing, env mismatch).
*/
#include "sw_base.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_RUNS 64        /* runs one invocation reads                */
#define MAX_CHECK_RUNS 20  /* runs per check at most                   */
#define MAX_ENV 16         /* --env pairs                              */

static const char USAGE[] =
    "usage: swsearch-regress latency --baseline FILE [--env K=V]... RUN.json...\n"
    "       swsearch-regress latency --write FILE [--margin X] [--floor PCT]\n"
    "                                [--runs-per-check R] [--statistic min|median]\n"
    "                                [--env K=V]... RUN.json...\n"
    "       swsearch-regress instr --baseline FILE [--env K=V]... NAME=COUNT...\n"
    "       swsearch-regress instr --write FILE [--band PCT] [--env K=V]...\n"
    "                              [--note TEXT] NAME=COUNT...\n"
    "       swsearch-regress table [--markdown] LABEL=RUN.json[,RUN.json...]...\n"
    "exit: 0 no regression, 1 regression, 2 error\n";

static const char *const METRICS[] = {"p50_ms", "p99_ms"};
#define NMETRICS 2

/* Options of every subcommand (each uses some). */
typedef struct Opts {
  const char *baseline;        /* --baseline FILE                         */
  const char *write;           /* --write FILE                            */
  double margin;               /* --margin (latency --write), default 2   */
  double floor_pct;            /* --floor, default 10                     */
  long runs_per_check;         /* --runs-per-check, default 5             */
  int use_min;                 /* --statistic min (default) or median     */
  double band_pct;             /* --band (instr --write), default 1       */
  const char *note;            /* --note                                  */
  int markdown;                /* --markdown (table)                      */
  char *env_key[MAX_ENV];      /* --env keys (owned)                     */
  const char *env_val[MAX_ENV]; /* --env values                           */
  size_t nenv;                 /* --env pairs given                       */
  const char **args;           /* the positional arguments                */
  size_t nargs;                /* their number                            */
} Opts;

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("swsearch-regress: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 2;
}

/* Parse the JSON file at path into *out (caller frees with cJSON_Delete). */
static int load_json(const char *path, cJSON **out) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return fail("%s: %s", path, strerror(errno));
  char *buf = NULL;
  size_t len = 0, cap = 0;
  int rc = 0;
  for (;;) {
    if (cap - len < 4096) {
      size_t ncap = cap ? cap * 2 : 65536;
      char *nb = sw_realloc(buf, ncap);
      if (!nb) { rc = fail("out of memory"); goto done; }
      buf = nb;
      cap = ncap;
    }
    size_t n = fread(buf + len, 1, cap - len - 1, f);
    len += n;
    if (n == 0) break;
  }
  if (ferror(f)) { rc = fail("%s: read error", path); goto done; }
  buf[len] = '\0';
  *out = cJSON_Parse(buf);
  if (!*out) {
    const char *at = cJSON_GetErrorPtr();
    rc = fail("%s: not valid JSON (at byte %ld)", path,
              at && at >= buf && at <= buf + len ? (long)(at - buf) : -1L);
  }
done:
  fclose(f);
  sw_free(buf);
  return rc;
}

/* Write root to path as formatted JSON (temp file + rename). */
static int save_json(const char *path, const cJSON *root) {
  char *text = cJSON_Print(root);
  if (!text) return fail("out of memory");
  size_t plen = strlen(path);
  char *tmp = sw_malloc(plen + 5);
  int rc = 0;
  if (!tmp) { cJSON_free(text); return fail("out of memory"); }
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".tmp", 5);
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    rc = fail("%s: %s", tmp, strerror(errno));
  } else {
    int bad = fputs(text, f) == EOF || fputc('\n', f) == EOF;
    if (fclose(f) != 0) bad = 1;
    if (bad) rc = fail("%s: write failed: %s", tmp, strerror(errno));
    else if (rename(tmp, path) != 0)
      rc = fail("%s: rename to %s: %s", tmp, path, strerror(errno));
    if (rc) remove(tmp);
  }
  sw_free(tmp);
  cJSON_free(text);
  return rc;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Median of v[0..n) (n > 0), the lower middle value for even n so that it
** is always a measured value. Sorts a copy. */
static double median(const double *v, size_t n) {
  double s[MAX_RUNS];
  memcpy(s, v, n * sizeof *v);
  qsort(s, n, sizeof *s, cmp_double);
  return s[(n - 1) / 2];
}

static double minimum(const double *v, size_t n) {
  double m = v[0];
  for (size_t i = 1; i < n; i++)
    if (v[i] < m) m = v[i];
  return m;
}

/* The check statistic of n runs: their minimum or their median. */
static double statistic(int use_min, const double *v, size_t n) {
  return use_min ? minimum(v, n) : median(v, n);
}

/* What the windows of the measured runs say about the statistic. */
typedef struct Spread {
  double typical;  /* median over the windows of the statistic        */
  double up;       /* max(statistic) / typical - 1                    */
  double down;     /* 1 - min(statistic) / typical                    */
} Spread;

/* The statistic of every window of r consecutive runs v[w..w+r) (runs in the
** order measured), r <= n <= MAX_RUNS: a window is what one check would have
** seen, load that lasted over several runs included. */
static void window_spread(int use_min, const double *v, size_t n, size_t r,
                          Spread *out) {
  double all[MAX_RUNS];
  size_t k = 0;
  for (size_t w = 0; w + r <= n; w++) all[k++] = statistic(use_min, v + w, r);
  qsort(all, k, sizeof *all, cmp_double);
  out->typical = all[(k - 1) / 2];
  out->up = all[k - 1] / out->typical - 1.0;
  out->down = 1.0 - all[0] / out->typical;
}

/* A number member of obj, or NAN when absent or not a number. */
static double num(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *env_get(const Opts *o, const char *key) {
  for (size_t i = 0; i < o->nenv; i++)
    if (strcmp(o->env_key[i], key) == 0) return o->env_val[i];
  return NULL;
}

/* Compare the baseline's "env" with --env. Returns the number of keys that
** differ (absent on our side counts too), printing each. */
static int env_check(const Opts *o, const cJSON *base, const char *file,
                     const char *label) {
  const cJSON *env = cJSON_GetObjectItemCaseSensitive(base, "env");
  int diffs = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, env) {
    if (!cJSON_IsString(e)) continue;
    const char *now = env_get(o, e->string);
    if (!now || strcmp(now, e->valuestring) != 0) {
      fprintf(stderr, "swsearch-regress: %s: %s: %s is '%s' in the baseline, "
              "'%s' now\n", file, label, e->string, e->valuestring,
              now ? now : "(not given)");
      diffs++;
    }
  }
  return diffs;
}

/* Add "env": {--env pairs} and "created" to root. */
static int add_env(cJSON *root, const Opts *o) {
  char when[32];
  time_t t = time(NULL);
  struct tm tmv;
  if (!gmtime_r(&t, &tmv) ||
      strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tmv) == 0)
    strcpy(when, "unknown");
  if (!cJSON_AddStringToObject(root, "created", when)) return 0;
  cJSON *env = cJSON_AddObjectToObject(root, "env");
  if (!env) return 0;
  for (size_t i = 0; i < o->nenv; i++)
    if (!cJSON_AddStringToObject(env, o->env_key[i], o->env_val[i])) return 0;
  return 1;
}

/* ------------------------------------------------------------------ latency */

/* Per class and metric, the values of every run. */
typedef struct LatRuns {
  char **names;                  /* class names, order of the first run   */
  size_t ncls;                   /* classes                               */
  double (*v)[NMETRICS][MAX_RUNS]; /* v[class][metric][run]               */
  size_t nruns;                  /* runs read                             */
} LatRuns;

static void latruns_free(LatRuns *lr) {
  for (size_t i = 0; i < lr->ncls; i++) sw_free(lr->names[i]);
  sw_free(lr->names);
  sw_free(lr->v);
}

/* Read the runs; every run must have the first run's classes. */
static int latruns_load(const Opts *o, LatRuns *lr) {
  memset(lr, 0, sizeof *lr);
  if (o->nargs == 0) return fail("latency: no RUN.json given");
  if (o->nargs > MAX_RUNS) return fail("latency: at most %d runs", MAX_RUNS);
  int rc = 0;
  for (size_t r = 0; r < o->nargs && !rc; r++) {
    cJSON *root;
    if ((rc = load_json(o->args[r], &root))) break;
    const cJSON *classes = cJSON_GetObjectItemCaseSensitive(root, "classes");
    if (!cJSON_IsObject(classes) || !classes->child) {
      rc = fail("%s: no \"classes\" object (not swsearch-bench --json output?)",
                o->args[r]);
    } else if (r == 0) {
      size_t n = (size_t)cJSON_GetArraySize(classes);
      lr->names = sw_calloc(n, sizeof *lr->names);
      lr->v = sw_calloc(n, sizeof *lr->v);
      if (!lr->names || !lr->v) rc = fail("out of memory");
      const cJSON *c;
      cJSON_ArrayForEach(c, classes) {
        if (rc) break;
        lr->names[lr->ncls] = sw_strndup(c->string, strlen(c->string));
        if (!lr->names[lr->ncls]) rc = fail("out of memory");
        else lr->ncls++;
      }
    }
    for (size_t i = 0; i < lr->ncls && !rc; i++) {
      const cJSON *c = cJSON_GetObjectItemCaseSensitive(classes, lr->names[i]);
      for (size_t m = 0; m < NMETRICS && !rc; m++) {
        double x = c ? num(c, METRICS[m]) : NAN;
        if (!(x > 0))
          rc = fail("%s: class %s: no positive %s", o->args[r], lr->names[i],
                    METRICS[m]);
        else lr->v[i][m][r] = x;
      }
    }
    cJSON_Delete(root);
    if (!rc) lr->nruns++;
  }
  return rc;
}

static int latency_write(const Opts *o, const LatRuns *lr) {
  size_t r = (size_t)o->runs_per_check;
  if (lr->nruns < 2 * r)
    return fail("latency --write: give at least %zu runs (2 x --runs-per-check;"
                " 30 recommended) to measure the noise", 2 * r);
  const char *stat = o->use_min ? "min" : "median";
  cJSON *root = cJSON_CreateObject();
  int ok = root && cJSON_AddStringToObject(root, "kind", "swsearch-latency-baseline") &&
           add_env(root, o) &&
           cJSON_AddNumberToObject(root, "runs", (double)lr->nruns) &&
           cJSON_AddNumberToObject(root, "runs_per_check", (double)r) &&
           cJSON_AddStringToObject(root, "statistic", stat) &&
           cJSON_AddNumberToObject(root, "margin", o->margin) &&
           cJSON_AddNumberToObject(root, "floor_pct", o->floor_pct) &&
           cJSON_AddStringToObject(root, "method",
               "a check takes the statistic (min or median) of runs_per_check "
               "runs per class and metric and fails above value x (1 + "
               "band_pct/100). value = the median of the statistic over every "
               "window of runs_per_check consecutive measured runs; band_pct = "
               "max(floor_pct, margin x window_up_pct rounded up to a multiple "
               "of 5), window_up_pct = how far the statistic of the worst "
               "window lies above value");
  cJSON *classes = ok ? cJSON_AddObjectToObject(root, "classes") : NULL;
  ok = ok && classes;
  printf("statistic: %s of %zu runs, from %zu measured runs\n", stat, r,
         lr->nruns);
  printf("%-12s %-7s %9s %9s %9s %8s %9s %8s %6s\n", "class", "metric",
         "value", "min", "max", "1-run%", "window+%", "window-%", "band%");
  for (size_t i = 0; ok && i < lr->ncls; i++) {
    cJSON *c = cJSON_AddObjectToObject(classes, lr->names[i]);
    ok = c != NULL;
    for (size_t m = 0; ok && m < NMETRICS; m++) {
      const double *v = lr->v[i][m];
      double lo = v[0], hi = v[0], med = median(v, lr->nruns), one = 0;
      for (size_t k = 0; k < lr->nruns; k++) {
        if (v[k] < lo) lo = v[k];
        if (v[k] > hi) hi = v[k];
        if (fabs(v[k] / med - 1.0) > one) one = fabs(v[k] / med - 1.0);
      }
      Spread sp;
      window_spread(o->use_min, v, lr->nruns, r, &sp);
      double band = 5.0 * ceil(o->margin * sp.up * 100.0 / 5.0 - 1e-9);
      if (band < o->floor_pct) band = o->floor_pct;
      cJSON *mo = cJSON_AddObjectToObject(c, METRICS[m]);
      ok = mo && cJSON_AddNumberToObject(mo, "value", sp.typical) &&
           cJSON_AddNumberToObject(mo, "band_pct", band) &&
           cJSON_AddNumberToObject(mo, "run_min", lo) &&
           cJSON_AddNumberToObject(mo, "run_median", med) &&
           cJSON_AddNumberToObject(mo, "run_max", hi) &&
           cJSON_AddNumberToObject(mo, "single_run_spread_pct",
                                   round(one * 1000) / 10) &&
           cJSON_AddNumberToObject(mo, "window_up_pct", round(sp.up * 1000) / 10) &&
           cJSON_AddNumberToObject(mo, "window_down_pct",
                                   round(sp.down * 1000) / 10);
      printf("%-12s %-7s %9.4f %9.4f %9.4f %8.1f %9.1f %8.1f %6.0f\n",
             lr->names[i], METRICS[m], sp.typical, lo, hi, one * 100,
             sp.up * 100, sp.down * 100, band);
    }
  }
  int rc = ok ? save_json(o->write, root) : fail("out of memory");
  cJSON_Delete(root);
  if (!rc) printf("wrote %s from %zu runs\n", o->write, lr->nruns);
  return rc;
}

static int latency_compare(const Opts *o, const LatRuns *lr) {
  cJSON *base;
  int rc = load_json(o->baseline, &base);
  if (rc) return rc;
  const cJSON *classes = cJSON_GetObjectItemCaseSensitive(base, "classes");
  if (!cJSON_IsObject(classes)) {
    cJSON_Delete(base);
    return fail("%s: no \"classes\" object (not a latency baseline?)",
                o->baseline);
  }
  if (env_check(o, base, o->baseline, "warning") > 0)
    fprintf(stderr, "swsearch-regress: warning: latency compared across "
            "different builds or machines; run with --update to re-baseline\n");
  double rpc = num(base, "runs_per_check");
  const cJSON *st = cJSON_GetObjectItemCaseSensitive(base, "statistic");
  int use_min = cJSON_IsString(st) && strcmp(st->valuestring, "min") == 0;
  if (cJSON_IsString(st) && !use_min && strcmp(st->valuestring, "median") != 0) {
    cJSON_Delete(base);
    return fail("%s: statistic '%s': expected min or median", o->baseline,
                st->valuestring);
  }
  if (rpc > 0 && (size_t)rpc != lr->nruns)
    fprintf(stderr, "swsearch-regress: warning: the band was set for the %s "
            "of %.0f runs, this check has %zu\n", use_min ? "min" : "median",
            rpc, lr->nruns);
  int worse = 0, better = 0;
  printf("%-12s %-7s %10s %6s %10s %10s %8s  %s\n", "class", "metric",
         "baseline", "band", "limit", "now", "change", "verdict");
  const cJSON *bc;
  cJSON_ArrayForEach(bc, classes) {
    size_t i = 0;
    while (i < lr->ncls && strcmp(lr->names[i], bc->string) != 0) i++;
    if (i == lr->ncls) {
      rc = fail("class %s is in %s but not in the runs (query set changed? "
                "re-baseline with --update)", bc->string, o->baseline);
      break;
    }
    for (size_t m = 0; m < NMETRICS && !rc; m++) {
      const cJSON *mo = cJSON_GetObjectItemCaseSensitive(bc, METRICS[m]);
      double bv = num(mo, "value"), band = num(mo, "band_pct");
      if (!(bv > 0) || !(band >= 0)) {
        rc = fail("%s: class %s: %s needs a positive value and band_pct",
                  o->baseline, bc->string, METRICS[m]);
        break;
      }
      double now = statistic(use_min, lr->v[i][m], lr->nruns);
      double limit = bv * (1.0 + band / 100.0);
      double change = (now / bv - 1.0) * 100.0;
      const char *verdict = "ok";
      if (now > limit) {
        verdict = "REGRESSION";
        worse++;
      } else if (now < bv * (1.0 - band / 100.0)) {
        verdict = "faster than band";
        better++;
      }
      printf("%-12s %-7s %10.4f %5.0f%% %10.4f %10.4f %+7.1f%%  %s\n",
             bc->string, METRICS[m], bv, band, limit, now, change, verdict);
    }
    if (rc) break;
  }
  for (size_t i = 0; i < lr->ncls && !rc; i++)
    if (!cJSON_GetObjectItemCaseSensitive(classes, lr->names[i]))
      printf("note: class %s is not in the baseline (not compared)\n",
             lr->names[i]);
  cJSON_Delete(base);
  if (rc) return rc;
  printf("latency: %s of %zu run(s); %d regression(s)",
         use_min ? "min" : "median", lr->nruns, worse);
  if (better) printf(", %d faster than the band (consider --update)", better);
  printf("\n");
  return worse ? 1 : 0;
}

static int cmd_latency(const Opts *o) {
  if (!o->baseline == !o->write)
    return fail("latency: give exactly one of --baseline FILE and --write FILE");
  if (o->runs_per_check < 1 || o->runs_per_check > MAX_CHECK_RUNS)
    return fail("--runs-per-check: expected 1..%d", MAX_CHECK_RUNS);
  LatRuns lr;
  int rc = latruns_load(o, &lr);
  if (!rc) rc = o->write ? latency_write(o, &lr) : latency_compare(o, &lr);
  latruns_free(&lr);
  return rc;
}

/* -------------------------------------------------------------------- instr */

/* Split "NAME=COUNT"; COUNT a positive integer. */
static int parse_count(const char *arg, char *name, size_t cap, double *count) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg || (size_t)(eq - arg) >= cap)
    return fail("expected NAME=COUNT, not '%s'", arg);
  memcpy(name, arg, (size_t)(eq - arg));
  name[eq - arg] = '\0';
  char *end;
  errno = 0;
  unsigned long long c = strtoull(eq + 1, &end, 10);
  if (errno || *end || end == eq + 1 || c == 0)
    return fail("%s: expected a positive instruction count, not '%s'", name,
                eq + 1);
  *count = (double)c;
  return 0;
}

static int cmd_instr(const Opts *o) {
  if (!o->baseline == !o->write)
    return fail("instr: give exactly one of --baseline FILE and --write FILE");
  if (o->nargs == 0) return fail("instr: no NAME=COUNT given");
  char name[128];
  double count;
  int rc = 0;
  if (o->write) {
    cJSON *root = cJSON_CreateObject();
    cJSON *counts = NULL;
    int ok = root && cJSON_AddStringToObject(root, "kind",
                                             "swsearch-instructions-baseline") &&
             add_env(root, o) &&
             cJSON_AddNumberToObject(root, "band_pct", o->band_pct) &&
             (!o->note || cJSON_AddStringToObject(root, "method", o->note)) &&
             (counts = cJSON_AddObjectToObject(root, "counts")) != NULL;
    for (size_t i = 0; ok && !rc && i < o->nargs; i++) {
      rc = parse_count(o->args[i], name, sizeof name, &count);
      if (!rc) {
        ok = cJSON_AddNumberToObject(counts, name, count) != NULL;
        printf("%-10s %15.0f\n", name, count);
      }
    }
    if (!rc) rc = ok ? save_json(o->write, root) : fail("out of memory");
    if (!rc) printf("wrote %s (band +-%.1f%%)\n", o->write, o->band_pct);
    cJSON_Delete(root);
    return rc;
  }
  cJSON *base;
  if ((rc = load_json(o->baseline, &base))) return rc;
  const cJSON *counts = cJSON_GetObjectItemCaseSensitive(base, "counts");
  double band = num(base, "band_pct");
  if (!cJSON_IsObject(counts) || !(band >= 0)) {
    cJSON_Delete(base);
    return fail("%s: needs \"counts\" and \"band_pct\" (not an instruction "
                "baseline?)", o->baseline);
  }
  if (env_check(o, base, o->baseline, "refused") > 0) {
    cJSON_Delete(base);
    return fail("%s: instruction counts depend on compiler, flags and "
                "valgrind: not comparable; rebuild to match or re-baseline "
                "with --update", o->baseline);
  }
  int worse = 0, better = 0, seen = 0;
  printf("%-10s %15s %15s %8s %6s  %s\n", "count", "baseline", "now", "change",
         "band", "verdict");
  for (size_t i = 0; i < o->nargs && !rc; i++) {
    if ((rc = parse_count(o->args[i], name, sizeof name, &count))) break;
    double bv = num(counts, name);
    if (!(bv > 0)) {
      printf("%-10s %15s %15.0f %8s %6s  not in baseline\n", name, "-", count,
             "", "");
      continue;
    }
    seen++;
    double change = (count / bv - 1.0) * 100.0;
    const char *verdict = "ok";
    if (change > band) { verdict = "REGRESSION"; worse++; }
    else if (change < -band) { verdict = "improved beyond band (consider --update)"; better++; }
    printf("%-10s %15.0f %15.0f %+7.2f%% %5.1f%%  %s\n", name, bv, count, change,
           band, verdict);
  }
  const cJSON *c;
  cJSON_ArrayForEach(c, counts) {
    int given = 0;
    for (size_t i = 0; i < o->nargs && !given; i++) {
      size_t n = strlen(c->string);
      given = strncmp(o->args[i], c->string, n) == 0 && o->args[i][n] == '=';
    }
    if (!given && !rc) rc = fail("%s: count %s was not measured", o->baseline,
                                 c->string);
  }
  cJSON_Delete(base);
  if (rc) return rc;
  if (!seen) return fail("no count in common with the baseline");
  printf("instructions: %d regression(s)%s\n", worse,
         better ? ", some improved beyond the band" : "");
  return worse ? 1 : 0;
}

/* -------------------------------------------------------------------- table */

/* Lower p50[i], p99[i] of the classes cls[0..n) to the values of the run
** in path where those are smaller (a class missing there is an error). */
static int table_min(const char *path, char **cls, size_t n, double *p50,
                     double *p99) {
  cJSON *root;
  int rc = load_json(path, &root);
  if (rc) return rc;
  const cJSON *classes = cJSON_GetObjectItemCaseSensitive(root, "classes");
  for (size_t i = 0; i < n && !rc; i++) {
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(classes, cls[i]);
    double a = num(c, "p50_ms"), b = num(c, "p99_ms");
    if (!(a > 0) || !(b > 0)) {
      rc = fail("%s: class %s: no p50_ms/p99_ms", path, cls[i]);
      break;
    }
    if (a < p50[i]) p50[i] = a;
    if (b < p99[i]) p99[i] = b;
  }
  cJSON_Delete(root);
  return rc;
}

static int cmd_table(const Opts *o) {
  if (o->nargs == 0) return fail("table: no LABEL=RUN.json given");
  int rc = 0;
  char **cls = NULL, *first = NULL;
  double *p50 = NULL, *p99 = NULL;
  size_t ncls = 0;
  for (size_t r = 0; r < o->nargs && !rc; r++) {
    const char *eq = strchr(o->args[r], '=');
    if (!eq || eq == o->args[r]) { rc = fail("expected LABEL=RUN.json, not '%s'", o->args[r]); break; }
    /* LABEL=FIRST.json[,MORE.json...]: build figures from FIRST, latency
    ** the smallest over all of them. */
    const char *more = strchr(eq + 1, ',');
    size_t flen = more ? (size_t)(more - (eq + 1)) : strlen(eq + 1);
    sw_free(first);
    first = sw_strndup(eq + 1, flen);
    if (!first) { rc = fail("out of memory"); break; }
    const char *path = first;
    int label_len = (int)(eq - o->args[r]);
    cJSON *root;
    if ((rc = load_json(path, &root))) break;
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "build");
    const cJSON *classes = cJSON_GetObjectItemCaseSensitive(root, "classes");
    const cJSON *ib = cJSON_GetObjectItemCaseSensitive(root, "index_bytes");
    if (!cJSON_IsObject(b) || !cJSON_IsObject(classes)) {
      rc = fail("%s: needs \"build\" and \"classes\" (swsearch-bench --build "
                "... --json)", path);
      cJSON_Delete(root);
      break;
    }
    if (r == 0) {
      size_t n = (size_t)cJSON_GetArraySize(classes);
      cls = sw_calloc(n + 1, sizeof *cls);
      p50 = sw_calloc(n + 1, sizeof *p50);
      p99 = sw_calloc(n + 1, sizeof *p99);
      if (!cls || !p50 || !p99) { rc = fail("out of memory"); cJSON_Delete(root); break; }
      const cJSON *c;
      cJSON_ArrayForEach(c, classes) {
        cls[ncls] = sw_strndup(c->string, strlen(c->string));
        if (!cls[ncls]) { rc = fail("out of memory"); break; }
        ncls++;
      }
      if (o->markdown) {
        printf("| ×K | documents | text MB | build s | MB/s | peak RSS MB | index MB |");
        for (size_t i = 0; i < ncls; i++) printf(" %s p50/p99 ms |", cls[i]);
        printf("\n|---|---:|---:|---:|---:|---:|---:|");
        for (size_t i = 0; i < ncls; i++) printf("---:|");
        printf("\n");
      } else {
        printf("K\tdocs\ttext_mb\tbuild_s\tmb_per_s\tpeak_rss_mb\tindex_mb");
        for (size_t i = 0; i < ncls; i++) printf("\t%s_p50\t%s_p99", cls[i], cls[i]);
        printf("\n");
      }
    }
    double docs = num(b, "docs"), text = num(b, "text_bytes") / 1e6,
           secs = num(b, "seconds"), mbps = num(b, "mb_per_s"),
           rss = num(b, "peak_rss_mb"), ix = num(ib, "total") / 1e6;
    if (o->markdown)
      printf("| %.*s | %.0f | %.1f | %.1f | %.2f | %.1f | %.1f |", label_len,
             o->args[r], docs, text, secs, mbps, rss, ix);
    else
      printf("%.*s\t%.0f\t%.1f\t%.3f\t%.2f\t%.1f\t%.1f", label_len, o->args[r],
             docs, text, secs, mbps, rss, ix);
    for (size_t i = 0; i < ncls; i++) {
      const cJSON *c = cJSON_GetObjectItemCaseSensitive(classes, cls[i]);
      p50[i] = num(c, "p50_ms");
      p99[i] = num(c, "p99_ms");
    }
    cJSON_Delete(root);
    while (more && !rc) {
      const char *start = more + 1;
      more = strchr(start, ',');
      char *extra = sw_strndup(start, more ? (size_t)(more - start) : strlen(start));
      if (!extra) { rc = fail("out of memory"); break; }
      rc = table_min(extra, cls, ncls, p50, p99);
      sw_free(extra);
    }
    if (rc) break;
    for (size_t i = 0; i < ncls; i++) {
      if (o->markdown) printf(" %.3f / %.3f |", p50[i], p99[i]);
      else printf("\t%.4f\t%.4f", p50[i], p99[i]);
    }
    printf("\n");
  }
  for (size_t i = 0; i < ncls; i++) sw_free(cls[i]);
  sw_free(cls);
  sw_free(p50);
  sw_free(p99);
  sw_free(first);
  if (!rc && fflush(stdout) != 0) rc = fail("standard output: %s", strerror(errno));
  return rc;
}

/* --------------------------------------------------------------------- main */

static int parse_double(const char *opt, const char *s, double lo, double hi,
                        double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || *end || end == s || !(v >= lo && v <= hi))
    return fail("%s: expected %g..%g, not '%s'", opt, lo, hi, s);
  *out = v;
  return 0;
}

static void *cjson_malloc(size_t n) { return sw_malloc(n); }
static void cjson_free(void *p) { sw_free(p); }

int main(int argc, char **argv) {
  Opts o;
  memset(&o, 0, sizeof o);
  o.margin = 2.0;
  o.floor_pct = 10.0;
  o.runs_per_check = 5;
  o.use_min = 1;
  o.band_pct = 1.0;
  cJSON_Hooks hooks = {cjson_malloc, cjson_free};
  cJSON_InitHooks(&hooks);
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(USAGE, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *cmd = argv[1];
  o.args = sw_calloc((size_t)argc, sizeof *o.args);
  if (!o.args) return fail("out of memory");
  int rc = 0;
  for (int i = 2; i < argc && !rc; i++) {
    const char *a = argv[i];
    int has_next = i + 1 < argc;
    if (strcmp(a, "--baseline") == 0 && has_next) {
      o.baseline = argv[++i];
    } else if (strcmp(a, "--write") == 0 && has_next) {
      o.write = argv[++i];
    } else if (strcmp(a, "--margin") == 0 && has_next) {
      rc = parse_double(a, argv[++i], 1, 100, &o.margin);
    } else if (strcmp(a, "--floor") == 0 && has_next) {
      rc = parse_double(a, argv[++i], 0, 1000, &o.floor_pct);
    } else if (strcmp(a, "--band") == 0 && has_next) {
      rc = parse_double(a, argv[++i], 0, 100, &o.band_pct);
    } else if (strcmp(a, "--runs-per-check") == 0 && has_next) {
      double r;
      rc = parse_double(a, argv[++i], 1, MAX_CHECK_RUNS, &r);
      o.runs_per_check = (long)r;
    } else if (strcmp(a, "--statistic") == 0 && has_next) {
      const char *v = argv[++i];
      if (strcmp(v, "min") == 0) o.use_min = 1;
      else if (strcmp(v, "median") == 0) o.use_min = 0;
      else rc = fail("--statistic: expected min or median, not '%s'", v);
    } else if (strcmp(a, "--note") == 0 && has_next) {
      o.note = argv[++i];
    } else if (strcmp(a, "--markdown") == 0) {
      o.markdown = 1;
    } else if (strcmp(a, "--env") == 0 && has_next) {
      const char *kv = argv[++i], *eq = strchr(kv, '=');
      if (!eq || eq == kv) rc = fail("--env: expected KEY=VALUE, not '%s'", kv);
      else if (o.nenv == MAX_ENV) rc = fail("--env: at most %d", MAX_ENV);
      else {
        char *k = sw_strndup(kv, (size_t)(eq - kv));
        if (!k) rc = fail("out of memory");
        else {
          o.env_key[o.nenv] = k;
          o.env_val[o.nenv++] = eq + 1;
        }
      }
    } else if (strncmp(a, "--", 2) == 0) {
      rc = fail("unknown or incomplete option %s", a);
    } else {
      o.args[o.nargs++] = a;
    }
  }
  if (!rc) {
    if (strcmp(cmd, "latency") == 0) rc = cmd_latency(&o);
    else if (strcmp(cmd, "instr") == 0) rc = cmd_instr(&o);
    else if (strcmp(cmd, "table") == 0) rc = cmd_table(&o);
    else rc = fail("unknown command '%s'\n%s", cmd, USAGE);
  }
  if (fflush(stdout) != 0 && rc != 2) rc = fail("standard output: %s", strerror(errno));
  for (size_t i = 0; i < o.nenv; i++) sw_free(o.env_key[i]);
  sw_free(o.args);
  return rc;
}
