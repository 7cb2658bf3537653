/*
** fuzz_search.c — arbitrary queries against a sound index, through the
** public API: sw_search (parse, plan, iterators, BM25, top-k, partial mode,
** metadata, snippets) on the tiny index of fuzz_common.c.
**
** Input: byte 0 chooses the options (bits 0-3: k - 1; bits 4-5: highlight
** mode, 3 = snippets off; bits 6-7: snippet length 16, 40, 200 or 1000
** characters); the rest is the query text.
**
** Checks: only SW_QUERY / SW_LIMIT may fail (the index is sound, so
** SW_CORRUPT is a bug); nhits <= k and <= total_hits <= live documents;
** scores finite; hits ranked by clauses matched first;
** each document once, with its strings present; matched <= clauses, and ==
** clauses unless partial (or 0: a question); snippets valid UTF-8 and
** without ESC unless ANSI highlighting was asked for.
*/
#include "fuzz_common.h"

#include "swsearch.h"

#include <math.h>
#include <string.h>

static SwIndex *ix;       /* made on the first call (see fuzz_common.h) */
static uint64_t ndocs;

static void setup(void) {
  char dir[4096];
  fz_build_tiny_index("search-index", 0, dir);
  SwError err;
  sw_error_clear(&err);
  if (sw_index_open(dir, &ix, &err)) fz_fail("open: %s", err.msg);
  SwIndexStats st;
  if (sw_index_stats(ix, &st, &err)) fz_fail("stats: %s", err.msg);
  ndocs = st.docs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ix) setup();
  if (size < 1) return 0;
  static const size_t chars[4] = {16, 40, 200, 1000};
  SwSearchOptions o;
  memset(&o, 0, sizeof o);
  o.k = (size_t)(data[0] & 15) + 1;
  int hl = (data[0] >> 4) & 3;
  o.snippets = hl != 3;
  o.highlight = hl == 3 ? SW_HL_BRACKETS : hl;
  o.snippet_chars = chars[data[0] >> 6];

  SwError err;
  sw_error_clear(&err);
  SwResults *res = NULL;
  int rc = sw_search(ix, (const char *)data + 1, size - 1, &o, &res, &err);
  if (rc != SW_OK) {
    FZ_CHECK(rc == SW_QUERY || rc == SW_LIMIT, "search returned %d: %s", rc,
             err.msg);
    FZ_CHECK(res == NULL, "results left after an error");
    return 0;
  }
  FZ_CHECK(res->nhits <= o.k && res->total_hits <= ndocs,
           "%zu hits of k %zu, total %llu, docs %llu", res->nhits, o.k,
           (unsigned long long)res->total_hits, (unsigned long long)ndocs);
  FZ_CHECK(res->clauses >= 1, "no clause in a parsed query");
  size_t full = 0;
  for (size_t i = 0; i < res->nhits; i++) {
    const SwHit *h = &res->hits[i];
    FZ_CHECK(isfinite(h->score) && h->score >= 0, "hit %zu: score %g", i,
             h->score);
    /* One order: the score printed (eval.c), ties by doc id. */
    FZ_CHECK(i == 0 || h->score < res->hits[i - 1].score ||
                 (h->score == res->hits[i - 1].score &&
                  h->doc > res->hits[i - 1].doc),
             "hit %zu (score %g) ranked below hit %zu (score %g)", i,
             h->score, i - 1, res->hits[i - 1].score);
    FZ_CHECK(h->matched <= res->clauses && h->matched >= 1,
             "hit %zu: matched %u of %u", i, h->matched, res->clauses);
    FZ_CHECK(!res->partial || h->matched < res->clauses,
             "hit %zu matches all %u clauses in partial mode", i,
             res->clauses);
    full += h->matched == res->clauses;
    FZ_CHECK(h->id && h->id[0] && h->file && h->title && h->date &&
                 h->source && h->url,
             "hit %zu: missing metadata", i);
    for (size_t j = 0; j < i; j++)
      FZ_CHECK(res->hits[j].doc != h->doc, "doc %u returned twice", h->doc);
    if (o.snippets) {
      FZ_CHECK(h->snippet != NULL, "hit %zu: no snippet", i);
      size_t n = strlen(h->snippet);
      FZ_CHECK(fz_utf8_valid(h->snippet, n), "hit %zu: snippet not UTF-8", i);
      FZ_CHECK(o.highlight == SW_HL_ANSI || !memchr(h->snippet, 0x1b, n),
               "hit %zu: ESC in a snippet without ANSI highlighting", i);
    } else {
      FZ_CHECK(h->snippet == NULL, "hit %zu: snippet not asked for", i);
    }
  }
  /* Every hit holding every clause is counted in the total. */
  FZ_CHECK(res->question || !res->total_exact || full <= res->total_hits,
           "%zu hits hold every clause, total %llu", full,
           (unsigned long long)res->total_hits);
  sw_results_free(res);
  return 0;
}
