/*
** test_expand.c — query expansion through the public API: ASCII-folded
** spellings and synonyms find more, weighted below 1 but ranked with the
** typed words by one score (eval.c: no tiers).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "swsearch.h"
#include "testutil.h"
#include "sw_fault.h"

static char tmp[256];

static void put(const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/docs/%s", tmp, name);
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(1);
  }
  fputs(text, f);
  fclose(f);
}

/* "id id id" of the hits of query (or "ERR <code>: <message>"). */
static const char *ids(SwIndex *ix, const char *query) {
  static char out[1024];
  SwSearchOptions so;
  memset(&so, 0, sizeof so);
  so.k = 20;
  SwResults *res = NULL;
  SwError e;
  sw_error_clear(&e);
  int rc = sw_search(ix, query, strlen(query), &so, &res, &e);
  if (rc) {
    snprintf(out, sizeof out, "ERR %d: %s", rc, e.msg);
    return out;
  }
  size_t n = 0;
  out[0] = '\0';
  for (size_t i = 0; i < res->nhits; i++)
    n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", i ? " " : "",
                          res->hits[i].id);
  sw_results_free(res);
  return out;
}

/* Whether a run armed with sw_fault_alloc_after(n) reached the fault. */
static int faulted(long n) { return sw_fault_alloc_reset() > n; }

/* query searched with the nth allocation and every later one failing, for
** n = 0, 1, ... until a run no longer reaches the fault: every failing run
** must be SW_NOMEM with a message, every other run (at least the unfaulted
** last one) must answer want, the answer of ids() without faults: hits, or
** "ERR 2: message" for a query meant to be refused. Unless the very first
** run allocated nothing (a query refused before any allocation), some run
** must have failed, or the loop proved nothing. */
static void search_under_faults(SwIndex *ix, const char *query,
                                const char *want) {
  int done = 0, nomem = 0;
  long n = 0;
  for (; n < 400 && !done; n++) {
    sw_fault_alloc_after(n);
    const char *got = ids(ix, query);
    done = !faulted(n);
    if (!strncmp(got, "ERR 8: ", 7)) {
      nomem++;
      CHECK(!done); /* no allocation failed, yet out of memory */
      CHECK(strstr(got, "out of memory") != NULL);
    } else {
      CHECK_EQ_STR(got, want);
    }
  }
  if (!done) fprintf(stderr, "search '%s' still failing after %ld runs\n",
                     query, n);
  CHECK(done);
  CHECK(nomem > 0 || n == 1);
}

/* Synonyms loaded from file with the nth allocation and every later one
** failing, each run starting from the synonyms of base: a failing run must
** be SW_NOMEM with a message and leave base's synonyms (the queries of
** checks answer as in before[]); every other run (at least the unfaulted
** last one) must give want_rc, with a message containing want_msg when it is
** an error, and then the queries answer as in after[]. */
static void load_under_faults(SwIndex *ix, const char *base, const char *file,
                              int want_rc, const char *want_msg,
                              const char *const *checks,
                              const char *const *before,
                              const char *const *after) {
  int done = 0, nomem = 0;
  for (long n = 0; n < 400 && !done; n++) {
    SwError e;
    sw_error_clear(&e);
    CHECK_EQ_INT(sw_index_load_synonyms(ix, base, &e), SW_OK);
    sw_error_clear(&e);
    sw_fault_alloc_after(n);
    int rc = sw_index_load_synonyms(ix, file, &e);
    done = !faulted(n);
    const char *const *want = after;
    if (rc == SW_NOMEM) {
      nomem++;
      CHECK(!done); /* no allocation failed, yet out of memory */
      CHECK(strstr(e.msg, "out of memory") != NULL);
      want = before;
    } else {
      CHECK_EQ_INT(rc, want_rc);
      CHECK_EQ_INT(e.code, want_rc);
      if (want_rc != SW_OK) CHECK(strstr(e.msg, want_msg) != NULL);
    }
    for (size_t i = 0; checks[i]; i++)
      CHECK_EQ_STR(ids(ix, checks[i]), want[i]);
  }
  if (!done) fprintf(stderr, "load of %s still failing after 400 runs\n",
                     file);
  CHECK(done);
  CHECK(nomem > 0);
}

int main(void) {
  const char *t = getenv("TMPDIR");
  snprintf(tmp, sizeof tmp, "%s/test_expand-XXXXXX", t ? t : "/tmp");
  if (!mkdtemp(tmp)) return 1;
  char path[600], dir[600], syn[600];
  snprintf(path, sizeof path, "%s/docs", tmp);
  mkdir(path, 0755);
  put("sig.txt", "Om SIG\nSIG arbetar i Rinkeby med avhoppare.\n");
  put("long.txt", "Sociala insatsgrupper\nSociala insatsgrupper finns i "
                  "Järva.\n");
  put("pron.txt", "Vardag\nHan tog med sig boken hem.\n");
  put("besok.txt", "Besöker\nHon besöker kommunen och överenskommelsen.\n");
  put("typo.txt", "Stavfel\nHan besoker kommunen (stavat utan prickar).\n");
  put("lvu.txt", "Tvångsvård\nLagen med särskilda bestämmelser om vård av "
                 "unga tillämpas.\n");
  put("lvu2.txt", "LVU\nEtt beslut enligt LVU fattades.\n");
  snprintf(dir, sizeof dir, "%s/ix", tmp);
  const char *paths[1] = {path};
  SwError e;
  sw_error_clear(&e);
  CHECK_EQ_INT(sw_build(dir, paths, 1, NULL, NULL, NULL, NULL, &e), SW_OK);
  SwIndex *ix = NULL;
  CHECK_EQ_INT(sw_index_open(dir, &ix, &e), SW_OK);
  if (!ix) return tu_done();

  /* Without synonyms: exact words only (the index folds case, so `SIG`
  ** also finds the pronoun `sig`). */
  CHECK_EQ_STR(ids(ix, "SIG"), "sig.txt pron.txt");
  /* ASCII folding: a word without å/ä/ö that the index (almost) lacks. */
  CHECK_EQ_STR(ids(ix, "overenskommelsen"), "besok.txt");
  /* `besoker` exists once, as a misspelling: both found, ranked by score
  ** (one order, no tier for typed words: the rarer folded form wins). */
  CHECK_EQ_STR(ids(ix, "besoker"), "besok.txt typo.txt");
  /* A word with å/ä/ö typed is never folded the other way. */
  CHECK_EQ_STR(ids(ix, "besöker"), "besok.txt");
  /* A frequent ASCII word is left alone (kommunen: 2 docs, but typed with
  ** no a/o it has no variants anyway); `arbetar` has no å variant here. */
  CHECK_EQ_STR(ids(ix, "arbetar"), "sig.txt");

  /* Synonyms. */
  snprintf(syn, sizeof syn, "%s/syn.txt", tmp);
  FILE *f = fopen(syn, "w");
  fputs("# test synonyms\n\nSIG = sociala insatsgrupper\n"
        "LVU = lagen med särskilda bestämmelser om vård av unga\n", f);
  fclose(f);
  CHECK_EQ_INT(sw_index_load_synonyms(ix, syn, &e), SW_OK);
  /* The abbreviation typed: its own documents and the long form's, by
  ** score (long.txt has the rarer long form twice, title too). */
  CHECK_EQ_STR(ids(ix, "SIG"), "long.txt sig.txt pron.txt");
  /* Lower-case `sig` is the pronoun (a stop word): no expansion. */
  CHECK_EQ_STR(ids(ix, "sig"), "sig.txt pron.txt");
  /* The long form typed: its documents only, since the abbreviation `sig`
  ** is also the pronoun (a stop word) and would match everything. */
  CHECK_EQ_STR(ids(ix, "sociala insatsgrupper"), "long.txt");
  /* An abbreviation that is no stop word is found from its long form. */
  /* Both, by score (each word counts its best form: eval.c). */
  CHECK_EQ_STR(ids(ix, "lagen med särskilda bestämmelser om vård av unga"),
               "lvu2.txt lvu.txt");
  CHECK_EQ_STR(ids(ix, "lvu"), "lvu2.txt lvu.txt");
  /* lvu2.txt lacks `tillämpas`: it ranks below, by score. */
  CHECK_EQ_STR(ids(ix, "LVU tillämpas"), "lvu.txt lvu2.txt");
  CHECK_EQ_STR(ids(ix, "\"sociala insatsgrupper\""), "long.txt");
  /* long.txt and pron.txt hold `SIG` in some form but not the rarer
  ** `Rinkeby`: less than half the query's weight, no hits (eval.c). */
  CHECK_EQ_STR(ids(ix, "SIG Rinkeby"), "sig.txt");

  /* Bad files: named, previous synonyms kept. */
  sw_error_clear(&e);
  snprintf(path, sizeof path, "%s/missing.txt", tmp);
  CHECK_EQ_INT(sw_index_load_synonyms(ix, path, &e), SW_IO);
  CHECK(strstr(e.msg, "missing.txt") != NULL);
  f = fopen(syn, "w");
  fputs("SIG = sociala insatsgrupper\nno equals sign here\n", f);
  fclose(f);
  sw_error_clear(&e);
  CHECK_EQ_INT(sw_index_load_synonyms(ix, syn, &e), SW_INPUT);
  CHECK(strstr(e.msg, "syn.txt:2") != NULL);
  f = fopen(syn, "w");
  fputs("SIG = !!!\n", f);
  fclose(f);
  sw_error_clear(&e);
  CHECK_EQ_INT(sw_index_load_synonyms(ix, syn, &e), SW_INPUT);
  CHECK(strstr(e.msg, "syn.txt:1: a side has no words") != NULL);
  CHECK_EQ_STR(ids(ix, "SIG"), "long.txt sig.txt pron.txt");

  /* Allocation failures while loading and expanding: SW_NOMEM with a
  ** message and the previous synonyms kept, or the normal answer. */
  char sig[600], lvu[600];
  snprintf(sig, sizeof sig, "%s/sig.syn", tmp);
  snprintf(lvu, sizeof lvu, "%s/lvu.syn", tmp);
  f = fopen(sig, "w");
  fputs("SIG = sociala insatsgrupper\n", f);
  fclose(f);
  f = fopen(lvu, "w");
  fputs("LVU = lagen med särskilda bestämmelser om vård av unga\n", f);
  fclose(f);
  f = fopen(syn, "w");
  fputs("LVU = lagen om vård av unga\nSIG = !!!\n", f);
  fclose(f);
  static const char *const checks[] = {"SIG", "lvu", NULL};
  static const char *const with_sig[] = {"long.txt sig.txt pron.txt",
                                         "lvu2.txt"};
  static const char *const with_lvu[] = {"sig.txt pron.txt",
                                         "lvu2.txt lvu.txt"};
  CHECK_EQ_INT(sw_index_load_synonyms(ix, sig, &e), SW_OK);
  for (size_t i = 0; checks[i]; i++)
    CHECK_EQ_STR(ids(ix, checks[i]), with_sig[i]);
  /* a good file replaces the synonyms */
  load_under_faults(ix, sig, lvu, SW_OK, NULL, checks, with_sig, with_lvu);
  /* a bad file is refused, naming file and line, and changes nothing */
  load_under_faults(ix, sig, syn, SW_INPUT, "syn.txt:2: a side has no words",
                    checks, with_sig, with_sig);
  /* expansion under failure: a synonym, ASCII folding, both with AND */
  search_under_faults(ix, "SIG", "long.txt sig.txt pron.txt");
  search_under_faults(ix, "besoker", "besok.txt typo.txt");
  search_under_faults(ix, "SIG Rinkeby", "sig.txt");
  /* refused queries stay refused (SW_QUERY and the message) */
  search_under_faults(ix, "SIG OR -lvu",
                      "ERR 2: OR cannot join an exclusion at column 5");
  search_under_faults(ix, "\"sociala insatsgrupper",
                      "ERR 2: unbalanced quote at column 1");
  CHECK_EQ_STR(ids(ix, "SIG"), "long.txt sig.txt pron.txt");
  sw_index_close(ix);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  if (system(cmd) != 0) return 1;
  return tu_done();
}
