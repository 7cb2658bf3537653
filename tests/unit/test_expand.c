/*
** test_expand.c — query expansion through the public API: ASCII-folded
** spellings and synonyms find more, and always rank below what was typed.
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

/* "id id id" of the hits of query (or "ERR <code>"). */
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
    snprintf(out, sizeof out, "ERR %d", rc);
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
  /* `besoker` exists once, as a misspelling: exact first, folded after. */
  CHECK_EQ_STR(ids(ix, "besoker"), "typo.txt besok.txt");
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
  /* The abbreviation typed: its own documents first, then the long form. */
  CHECK_EQ_STR(ids(ix, "SIG"), "sig.txt pron.txt long.txt");
  /* Lower-case `sig` is the pronoun (a stop word): no expansion. */
  CHECK_EQ_STR(ids(ix, "sig"), "sig.txt pron.txt");
  /* The long form typed: its documents only, since the abbreviation `sig`
  ** is also the pronoun (a stop word) and would match everything. */
  CHECK_EQ_STR(ids(ix, "sociala insatsgrupper"), "long.txt");
  /* An abbreviation that is no stop word is found from its long form. */
  CHECK_EQ_STR(ids(ix, "lagen med särskilda bestämmelser om vård av unga"),
               "lvu.txt lvu2.txt");
  CHECK_EQ_STR(ids(ix, "lvu"), "lvu2.txt lvu.txt");
  CHECK_EQ_STR(ids(ix, "LVU tillämpas"), "lvu.txt");
  CHECK_EQ_STR(ids(ix, "\"sociala insatsgrupper\""), "long.txt");
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
  CHECK_EQ_STR(ids(ix, "SIG"), "sig.txt pron.txt long.txt");

  /* Allocation failures while loading and expanding: clean errors. */
  f = fopen(syn, "w");
  fputs("SIG = sociala insatsgrupper\n", f);
  fclose(f);
  for (long n = 0; n < 60; n++) {
    sw_error_clear(&e);
    sw_fault_alloc_after(n);
    int rc = sw_index_load_synonyms(ix, syn, &e);
    sw_fault_alloc_reset();
    CHECK(rc == SW_OK || rc == SW_NOMEM);
    SwSearchOptions so;
    memset(&so, 0, sizeof so);
    SwResults *res = NULL;
    sw_fault_alloc_after(n);
    rc = sw_search(ix, "SIG overenskommelsen", 20, &so, &res, &e);
    sw_fault_alloc_reset();
    CHECK(rc == SW_OK || rc == SW_NOMEM);
    sw_results_free(res);
  }
  CHECK_EQ_STR(ids(ix, "SIG"), "sig.txt pron.txt long.txt");
  sw_index_close(ix);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  if (system(cmd) != 0) return 1;
  return tu_done();
}
