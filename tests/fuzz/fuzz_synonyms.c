/*
** fuzz_synonyms.c — the synonyms file reader and the query expansion it
** drives (engine/expand.c): the input becomes a synonyms file, loaded with
** sw_index_load_synonyms into a handle on the tiny index of fuzz_common.c;
** then the left side of each of its first lines is searched for (so the
** abbreviations are typed), and a few fixed queries.
**
** Checks: loading gives SW_OK, or SW_INPUT naming "<file>:<line>:", or
** SW_LIMIT/SW_NOMEM; searching gives SW_OK or SW_QUERY/SW_LIMIT only (the
** index is sound); hits at most k, not more than total, each document once,
** with finite non-negative scores and a valid UTF-8 snippet.
*/
#include "fuzz_common.h"

#include "swsearch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SYN_QUERIES 8 /* lines whose left side is searched for */

static SwIndex *ix;      /* made on the first call (see fuzz_common.h) */
static uint64_t ndocs;

static void setup(void) {
  char dir[4096];
  fz_build_tiny_index("synonyms-index", 0, dir);
  SwError err;
  sw_error_clear(&err);
  if (sw_index_open(dir, &ix, &err)) fz_fail("open: %s", err.msg);
  SwIndexStats st;
  if (sw_index_stats(ix, &st, &err)) fz_fail("stats: %s", err.msg);
  ndocs = st.docs;
}

static void search(const char *q, size_t len) {
  SwSearchOptions o;
  memset(&o, 0, sizeof o);
  o.k = 20;
  o.snippets = 1;
  SwResults *res = NULL;
  SwError err;
  sw_error_clear(&err);
  int rc = sw_search(ix, q, len, &o, &res, &err);
  if (rc != SW_OK) {
    FZ_CHECK(rc == SW_QUERY || rc == SW_LIMIT, "search returned %d: %s", rc,
             err.msg);
    return;
  }
  /* Hits may lack a word, so they may outnumber total_hits (swsearch.h). */
  FZ_CHECK(res->nhits <= o.k && res->total_hits <= ndocs,
           "%zu hits, total %llu, %llu live docs", res->nhits,
           (unsigned long long)res->total_hits, (unsigned long long)ndocs);
  for (size_t i = 0; i < res->nhits; i++) {
    const SwHit *h = &res->hits[i];
    FZ_CHECK(isfinite(h->score) && h->score >= 0, "hit %zu: score %g", i,
             h->score);
    FZ_CHECK(h->snippet && fz_utf8_valid(h->snippet, strlen(h->snippet)),
             "hit %zu: snippet missing or not UTF-8", i);
    for (size_t j = 0; j < i; j++)
      FZ_CHECK(res->hits[j].doc != h->doc, "doc %u returned twice", h->doc);
  }
  sw_results_free(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ix) setup();
  char path[4096];
  fz_path(path, "synonyms.txt");
  if (fz_write_file(path, data, size)) fz_fail("cannot write %s", path);
  SwError err;
  sw_error_clear(&err);
  int rc = sw_index_load_synonyms(ix, path, &err);
  FZ_CHECK(rc == SW_OK || rc == SW_INPUT || rc == SW_LIMIT || rc == SW_NOMEM,
           "loading synonyms returned %d: %s", rc, err.msg);
  if (rc == SW_INPUT)
    FZ_CHECK(strstr(err.msg, "synonyms.txt:") != NULL,
             "synonyms error names no file and line: %s", err.msg);

  /* The left side of the first lines, as a user would type it. */
  const char *p = (const char *)data, *end = p + size;
  for (int n = 0; n < SYN_QUERIES && p < end; n++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    const char *eq = memchr(p, '=', (size_t)(e - p));
    if (eq && eq > p) search(p, (size_t)(eq - p));
    p = nl ? nl + 1 : end;
  }
  for (size_t q = 0; q < fz_tiny_nqueries; q += 2)
    search(fz_tiny_queries[q], strlen(fz_tiny_queries[q]));
  return 0;
}
