/*
** fuzz_query.c — the query parser (engine/query.c): eng_query_parse over
** arbitrary bytes with a real analyzer, then every structural promise of the
** EngQuery it returns (engine_int.h, "interface to query.c"):
**   - errors: SW_QUERY (message names a column) or SW_LIMIT only, and the
**     query is left empty;
**   - success: at least one clause or positive metadata filter (filters:
**     known key, value inside fbytes, column in the text); a question only
**     with two clauses or more; no expansion marks (alt, boost, filter
**     clauses: expand.c adds those later); the clauses' atoms contiguous and in
**     order, exclusions after them; every index in range; phrase slots
**     strictly ascending from 0; terms distinct, non-empty, valid UTF-8, at
**     most SW_MAX_TOKEN_BYTES; the used/positive/bare flags exactly as the
**     atoms imply; no duplicate alternative or exclusion; columns within the
**     text;
**   - eng_query_describe returns the same length whatever the buffer, and
**     NUL-terminates;
**   - parsing the same text again, with an analyzer that returns extra
**     terms (identifiers: query.c must skip them) and a stem cache in
**     another state, gives the same description.
*/
#include "fuzz_common.h"

#include "engine_int.h"

#include <stdlib.h>
#include <string.h>

static AnAnalyzer *an;    /* made on the first call (see fuzz_common.h) */
static AnAnalyzer *an_x;  /* the same with extra terms, as search.c uses */
static EngQuery *query;

static void setup(void) {
  SwError err;
  sw_error_clear(&err);
  if (an_new(&an, &err) || an_new(&an_x, &err) ||
      eng_query_new(&query, &err))
    fz_fail("setup: %s", err.msg);
  an_set_extras(an_x, AN_WITH_IDENTS);
}

static uint32_t columns(const char *text, size_t len) {
  uint32_t col = 1;
  for (size_t i = 0; i < len; i++)
    if (((unsigned char)text[i] & 0xC0) != 0x80) col++;
  return col;
}

static int atoms_equal(const EngQuery *q, const EngQAtom *a,
                       const EngQAtom *b) {
  if (a->nslots != b->nslots) return 0;
  for (uint32_t i = 0; i < a->nslots; i++) {
    const EngQSlot *x = &q->slots[a->slot + i], *y = &q->slots[b->slot + i];
    if (x->term != y->term || x->off != y->off) return 0;
  }
  return 1;
}

static void check_query(const EngQuery *q, const char *text, size_t len) {
  uint32_t maxcol = columns(text, len);
  int positive_filter = 0;
  for (uint32_t f = 0; f < q->nfilters; f++) {
    const EngQFilter *fl = &q->filters[f];
    FZ_CHECK(fl->key >= ENG_F_TYPE && fl->key <= ENG_F_DNR, "filter key %d",
             fl->key);
    FZ_CHECK(fl->len >= 1 && (size_t)fl->off + fl->len <= q->fbytes_len,
             "filter %u value past the bytes", f);
    FZ_CHECK(fl->column >= 1 && fl->column <= maxcol, "filter %u column %u",
             f, fl->column);
    positive_filter |= !fl->neg;
  }
  FZ_CHECK(q->nclauses >= 1 || positive_filter,
           "success without a clause or a filter");
  FZ_CHECK(!q->question || q->nclauses >= 2, "a question of %u clauses",
           q->nclauses);
  FZ_CHECK(q->excl + q->nexcl == q->natoms, "excl %u + nexcl %u != natoms %u",
           q->excl, q->nexcl, q->natoms);
  FZ_CHECK(q->ntokens <= SW_MAX_QUERY_TERMS, "%u tokens", q->ntokens);
  uint32_t next = 0;
  for (uint32_t c = 0; c < q->nclauses; c++) {
    const EngQClause *cl = &q->clauses[c];
    FZ_CHECK(cl->natoms >= 1, "clause %u has no atom", c);
    FZ_CHECK(!cl->filter, "clause %u is a filter before expansion", c);
    FZ_CHECK(cl->atom == next, "clause %u starts at atom %u, expected %u", c,
             cl->atom, next);
    next = cl->atom + cl->natoms;
    FZ_CHECK(next <= q->excl, "clause %u runs into the exclusions", c);
    for (uint32_t i = 0; i < cl->natoms; i++)
      for (uint32_t j = i + 1; j < cl->natoms; j++)
        FZ_CHECK(!atoms_equal(q, &q->atoms[cl->atom + i],
                              &q->atoms[cl->atom + j]),
                 "clause %u repeats an alternative", c);
  }
  FZ_CHECK(next == q->excl, "atoms between the clauses and the exclusions");
  for (uint32_t i = q->excl; i < q->natoms; i++)
    for (uint32_t j = i + 1; j < q->natoms; j++)
      FZ_CHECK(!atoms_equal(q, &q->atoms[i], &q->atoms[j]),
               "exclusion repeated");

  /* Atoms and slots; the flags each term must carry. */
  uint8_t *used = calloc(q->nterms + 1, 3);
  if (!used) abort();
  for (uint32_t a = 0; a < q->natoms; a++) {
    const EngQAtom *at = &q->atoms[a];
    FZ_CHECK(at->nslots >= 1, "atom %u without slots", a);
    FZ_CHECK(at->slot + (size_t)at->nslots <= q->nslots,
             "atom %u: slots %u+%u past %zu", a, at->slot, at->nslots,
             q->nslots);
    FZ_CHECK(at->column >= 1 && at->column <= maxcol,
             "atom %u: column %u outside 1..%u", a, at->column, maxcol);
    for (uint32_t s = 0; s < at->nslots; s++) {
      const EngQSlot *sl = &q->slots[at->slot + s];
      FZ_CHECK(sl->term < q->nterms, "slot term %u of %u", sl->term,
               q->nterms);
      if (s == 0)
        FZ_CHECK(sl->off == 0, "atom %u: first slot at offset %u", a, sl->off);
      else
        FZ_CHECK(sl->off > q->slots[at->slot + s - 1].off,
                 "atom %u: slot offsets not ascending", a);
      used[3 * sl->term] = 1;
      if (a < q->excl) {
        used[3 * sl->term + 1] = 1;
        if (at->nslots == 1) used[3 * sl->term + 2] = 1;
      }
    }
  }
  for (uint32_t t = 0; t < q->nterms; t++) {
    const EngQTerm *tm = &q->terms[t];
    FZ_CHECK(tm->len >= 1 && tm->len <= SW_MAX_TOKEN_BYTES, "term %u: %u bytes",
             t, tm->len);
    FZ_CHECK(!tm->alt && tm->boost == 1.0f,
             "term %u: an expansion before expansion", t);
    FZ_CHECK((size_t)tm->off + tm->len <= q->bytes_len, "term %u past bytes",
             t);
    FZ_CHECK(fz_utf8_valid(q->bytes + tm->off, tm->len),
             "term %u is not valid UTF-8", t);
    FZ_CHECK(tm->used == used[3 * t] && tm->positive == used[3 * t + 1] &&
                 tm->bare == used[3 * t + 2],
             "term %u: flags used/positive/bare %u%u%u, atoms say %u%u%u", t,
             tm->used, tm->positive, tm->bare, used[3 * t], used[3 * t + 1],
             used[3 * t + 2]);
    if (q->nterms <= 256)
      for (uint32_t u = t + 1; u < q->nterms; u++)
        FZ_CHECK(q->terms[u].len != tm->len ||
                     memcmp(q->bytes + q->terms[u].off, q->bytes + tm->off,
                            tm->len) != 0,
                 "terms %u and %u are equal", t, u);
  }
  free(used);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!an) setup();
  const char *text = (const char *)data;
  SwError err;
  sw_error_clear(&err);
  int rc = eng_query_parse(query, an, text, size, &err);
  if (rc != SW_OK) {
    FZ_CHECK(rc == SW_QUERY || rc == SW_LIMIT, "parse returned %d: %s", rc,
             err.msg);
    FZ_CHECK(err.code == rc && err.msg[0], "error %d without a message", rc);
    FZ_CHECK(rc != SW_QUERY || strstr(err.msg, "column "),
             "query error names no column: %s", err.msg);
    FZ_CHECK(query->nclauses == 0 && query->natoms == 0 &&
                 query->nterms == 0 && query->nfilters == 0,
             "failed parse left a query behind");
    SwError err2;
    sw_error_clear(&err2);
    FZ_CHECK(eng_query_parse(query, an_x, text, size, &err2) == rc &&
                 strcmp(err.msg, err2.msg) == 0,
             "with extra terms the parse fails otherwise: %s / %s", err.msg,
             err2.msg);
    return 0;
  }
  check_query(query, text, size);

  /* What the description leaves out, to compare with the second parse. */
  uint32_t nfilters = query->nfilters;
  int question = query->question;
  char *fb = malloc(query->fbytes_len + 1);
  if (!fb) abort();
  size_t fb_len = query->fbytes_len;
  if (fb_len) memcpy(fb, query->fbytes, fb_len);

  size_t full = eng_query_describe(query, NULL, 0);
  char *d1 = malloc(full + 1), *d2 = malloc(full + 1);
  char small[8];
  if (!d1 || !d2) abort();
  FZ_CHECK(eng_query_describe(query, d1, full + 1) == full &&
               strlen(d1) == full,
           "describe length differs with room for it");
  FZ_CHECK(eng_query_describe(query, small, sizeof small) == full,
           "describe length differs with a small buffer");
  FZ_CHECK(strlen(small) == (full < sizeof small ? full : sizeof small - 1) &&
               memcmp(small, d1, strlen(small)) == 0,
           "describe truncation wrong");

  /* Again, with extras on and another cache: the answer must not change. */
  rc = eng_query_parse(query, an_x, text, size, &err);
  FZ_CHECK(rc == SW_OK, "second parse of the same text failed: %s", err.msg);
  FZ_CHECK(eng_query_describe(query, d2, full + 1) == full &&
               memcmp(d1, d2, full) == 0,
           "second parse differs: \"%s\" vs \"%s\"", d1, d2);
  FZ_CHECK(query->nfilters == nfilters && query->question == question &&
               query->fbytes_len == fb_len &&
               (fb_len == 0 || memcmp(query->fbytes, fb, fb_len) == 0),
           "second parse differs in filters or question");
  free(fb);
  free(d1);
  free(d2);
  return 0;
}
