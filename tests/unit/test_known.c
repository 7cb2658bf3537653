/*
** test_known.c — documents a query names come first (eval.c, find_known and
** promote_known): the one whose whole title is the query's words, and the
** one whose own id holds the identifier the query has, above documents that
** only mention them, however often and in however short a text; with every
** k; and in score order. And proximity: the query's words side by side
** rank above the same words apart.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "swsearch.h"
#include "testutil.h"

static char tmp[256];

/* The id of the first hit of query with k hits wanted, its score and the
** second's into *s1, *s2 ("" and 0 without). */
static const char *first(SwIndex *ix, const char *query, size_t k,
                         double *s1, double *s2) {
  static char out[600];
  SwSearchOptions so;
  memset(&so, 0, sizeof so);
  so.k = k;
  SwResults *res = NULL;
  SwError e;
  sw_error_clear(&e);
  out[0] = '\0';
  *s1 = *s2 = 0;
  if (sw_search(ix, query, strlen(query), &so, &res, &e) != SW_OK) {
    snprintf(out, sizeof out, "ERR %s", e.msg);
    return out;
  }
  if (res->nhits) {
    snprintf(out, sizeof out, "%s", res->hits[0].id);
    *s1 = res->hits[0].score;
  }
  if (res->nhits > 1) *s2 = res->hits[1].score;
  sw_results_free(res);
  return out;
}

int main(void) {
  const char *t = getenv("TMPDIR");
  snprintf(tmp, sizeof tmp, "%s/test_known-XXXXXX", t ? t : "/tmp");
  if (!mkdtemp(tmp)) return 1;
  char path[600], dir[600];
  snprintf(path, sizeof path, "%s/docs.jsonl", tmp);
  FILE *f = fopen(path, "w");
  if (!f) return 1;
  /* The law itself: a long text, so BM25 alone ranks it low. */
  fputs("{\"id\": \"SFS 2099:1\", \"title\": \"Skollag\", \"text\": \"", f);
  for (int i = 0; i < 200; i++)
    fputs("Denna lag innehåller bestämmelser om skolväsendet och om "
          "huvudmännens ansvar för utbildningen. ", f);
  fputs("Skollag.\"}\n", f);
  /* Short documents full of the words and the number. */
  fputs("{\"id\": \"m1\", \"title\": \"Lag om införande av skollagen\", "
        "\"text\": \"Skollag skollag skollag. SFS 2099:1 och SFS 2099:1 "
        "gäller.\"}\n", f);
  fputs("{\"id\": \"m2\", \"title\": \"Ändring i skollagen\", \"text\": "
        "\"Skollagen (SFS 2099:1) ändras: skollag, skollag.\"}\n", f);
  fputs("{\"id\": \"m3\", \"title\": \"Om skolans budget\", \"text\": "
        "\"Budgeten för skolan enligt skollag SFS 2099:1.\"}\n", f);
  fputs("{\"id\": \"m4\", \"title\": \"Trafik\", \"text\": \"Cykelbanor "
        "och trafik.\"}\n", f);
  /* Two documents of the same words, once each, in other orders: only
  ** proximity tells them apart (the far one first, so a tie would put it
  ** first). */
  fputs("{\"id\": \"p-far\", \"title\": \"Anteckning\", \"text\": "
        "\"gul dag kom till torget i buss\"}\n", f);
  fputs("{\"id\": \"p-near\", \"title\": \"Anteckning\", \"text\": "
        "\"gul buss kom till torget i dag\"}\n", f);
  fclose(f);
  snprintf(dir, sizeof dir, "%s/ix", tmp);
  const char *paths[1] = {path};
  SwError e;
  sw_error_clear(&e);
  CHECK_EQ_INT(sw_build(dir, paths, 1, NULL, NULL, NULL, NULL, &e), SW_OK);
  SwIndex *ix = NULL;
  CHECK_EQ_INT(sw_index_open(dir, &ix, &e), SW_OK);
  if (!ix) return tu_done();

  static const char *const named[] = {"SFS 2099:1", "sfs 2099:1", "skollag",
                                      "Skollag", "SKOLLAG", "2099:1",
                                      "skollag 2099:1"};
  static const size_t ks[] = {1, 2, 10, 1000};
  for (size_t i = 0; i < sizeof named / sizeof *named; i++)
    for (size_t j = 0; j < sizeof ks / sizeof *ks; j++) {
      double s1, s2;
      const char *id = first(ix, named[i], ks[j], &s1, &s2);
      if (strcmp(id, "SFS 2099:1") != 0)
        fprintf(stderr, "query '%s' (k %zu): first %s\n", named[i], ks[j], id);
      CHECK_EQ_STR(id, "SFS 2099:1");
      CHECK(ks[j] == 1 || s1 > s2); /* in score order */
    }
  /* A query that is no title and no identifier names nothing: the short
  ** documents full of the word rank first by BM25 alone. */
  double s1, s2;
  const char *id = first(ix, "skollag ändras", 10, &s1, &s2);
  CHECK(strcmp(id, "SFS 2099:1") != 0);
  id = first(ix, "skollagen budget", 10, &s1, &s2);
  CHECK_EQ_STR(id, "m3");
  /* The whole title, not a part of it: "lag" alone is no title here. */
  id = first(ix, "lag", 10, &s1, &s2);
  CHECK(strcmp(id, "SFS 2099:1") != 0);
  /* Proximity: the words side by side rank above the same words apart,
  ** whatever k, and by a score (not an order of their own). */
  for (size_t j = 0; j < sizeof ks / sizeof *ks; j++) {
    id = first(ix, "gul buss", ks[j], &s1, &s2);
    CHECK_EQ_STR(id, "p-near");
    CHECK(ks[j] == 1 || s1 > s2);
  }
  id = first(ix, "buss gul", 10, &s1, &s2);
  CHECK_EQ_STR(id, "p-near");
  sw_index_close(ix);
  tu_rm_rf(tmp);
  return tu_done();
}
