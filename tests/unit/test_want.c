/*
** test_want.c — the analyzer's snippet filters (analysis.h: an_want_add,
** an_want_positions) never change what a caller looks for. On the five seed
** documents of corpus/, each analysed with and without a filter:
**   - wanted terms: for sets of terms drawn from the text itself, the two
**     streams have the same tokens at the same positions and offsets; a
**     token whose term is wanted comes back exactly as without the filter;
**     a token flagged AN_UNWANTED has an empty term and its unfiltered
**     term is not wanted;
**   - wanted positions (compound parts on): tokens at the wanted positions
**     come back with their term and flags, every position and offset is
**     the same, and nothing is dropped.
*/
#include "testutil.h"

#include "analysis.h"

#include <stdint.h>

#define MAXTOK 20000

typedef struct Tok {
  char term[64];
  size_t term_len, start, end;
  uint32_t pos;
  unsigned flags;
} Tok;

static Tok full[MAXTOK], filt[MAXTOK];

/* Analyse text into out (words and extras); returns the count. */
static size_t run(AnAnalyzer *an, const char *text, size_t len, Tok *out) {
  AnToken t;
  size_t n = 0;
  an_begin(an, text, len, 0);
  while (n < MAXTOK && an_next(an, &t) > 0) {
    Tok *o = &out[n++];
    o->term_len = t.term_len < sizeof o->term ? t.term_len : sizeof o->term;
    memcpy(o->term, t.term, o->term_len);
    o->start = t.start;
    o->end = t.end;
    o->pos = t.pos;
    o->flags = t.flags;
  }
  return n;
}

static int same_term(const Tok *a, const Tok *b) {
  return a->term_len == b->term_len && !memcmp(a->term, b->term, a->term_len);
}

static void check_terms(AnAnalyzer *an, const char *text, size_t len) {
  an_set_extras(an, 0);
  an_want_clear(an);
  size_t n = run(an, text, len, full);
  CHECK(n > 100);
  int unwanted = 0;
  for (size_t first = 0; first + 4 < n; first += 211) {
    const Tok *want[4];
    an_want_clear(an);
    for (int w = 0; w < 4; w++) {
      want[w] = &full[first + (size_t)w * 37 % (n - first)];
      an_want_add(an, want[w]->term, want[w]->term_len);
    }
    size_t m = run(an, text, len, filt);
    CHECK_EQ_INT(m, n);
    int ok = m == n;
    for (size_t i = 0; ok && i < n; i++) {
      const Tok *a = &full[i], *b = &filt[i];
      int wanted = 0;
      for (int w = 0; w < 4; w++) wanted |= same_term(a, want[w]);
      ok = a->pos == b->pos && a->start == b->start && a->end == b->end;
      if (b->flags & AN_UNWANTED) {
        unwanted++;
        ok = ok && b->term_len == 0 && !wanted;
      } else {
        ok = ok && same_term(a, b) && a->flags == b->flags;
      }
      if (!ok)
        fprintf(stderr, "token %zu (pos %u, '%.*s'): filtered differently\n",
                i, a->pos, (int)a->term_len, a->term);
    }
    CHECK(ok);
  }
  CHECK(unwanted > 0); /* the filter did filter */
  an_want_clear(an);
}

static void check_positions(AnAnalyzer *an, const char *text, size_t len) {
  an_set_extras(an, AN_WITH_PARTS | AN_WITH_IDENTS);
  an_want_clear(an);
  size_t n = run(an, text, len, full);
  uint32_t pos[64];
  size_t np = 0;
  for (size_t i = 0; i < n && np < 64; i += 97)
    if (np == 0 || full[i].pos > pos[np - 1]) pos[np++] = full[i].pos;
  an_want_positions(an, pos, np);
  size_t m = run(an, text, len, filt);
  an_want_clear(an);
  /* Match the streams word by word (an unwanted word makes no compound
  ** parts; identifiers come from the text and may follow it in both). A
  ** wanted word and the extras after it must be exactly as unfiltered. */
  size_t i = 0, j = 0;
  int ok = 1, at = 0;
  while (ok && i < n && j < m) {
    const Tok *a = &full[i], *b = &filt[j];
    ok = !(a->flags & AN_EXTRA) && !(b->flags & AN_EXTRA) &&
         a->pos == b->pos && a->start == b->start && a->end == b->end;
    int wanted = 0;
    for (size_t k = 0; k < np; k++) wanted |= pos[k] == a->pos;
    size_t ni = i + 1, nj = j + 1; /* the next words */
    while (ni < n && (full[ni].flags & AN_EXTRA)) ni++;
    while (nj < m && (filt[nj].flags & AN_EXTRA)) nj++;
    if (!ok) break;
    if (wanted) {
      ok = ni - i == nj - j;
      for (size_t k = 0; ok && k < ni - i; k++)
        ok = same_term(&full[i + k], &filt[j + k]) &&
             full[i + k].flags == filt[j + k].flags &&
             full[i + k].pos == filt[j + k].pos;
      at += ok;
    } else {
      ok = (b->flags & AN_UNWANTED) != 0;
    }
    i = ni;
    j = nj;
  }
  ok = ok && i == n && j == m;
  if (!ok) fprintf(stderr, "positions filter: word %zu / %zu differs\n", i, j);
  CHECK(ok);
  CHECK(at >= (int)np); /* every wanted position came back analysed */
}

int main(void) {
  const char *src = getenv("SW_SOURCE_DIR");
  static const char *const seeds[] = {
      "000_edd3e648c7099bc0.txt", "001_dcc03598cb1e7b7d.txt",
      "002_41484ad99dbc1724.txt", "003_cbcbe56bc7805af2.txt",
      "004_c6009626929c49d9.txt"};
  AnAnalyzer *an;
  SwError err;
  sw_error_clear(&err);
  if (an_new(&an, &err)) {
    fprintf(stderr, "an_new: %s\n", err.msg);
    return 1;
  }
  for (size_t s = 0; s < 5; s++) {
    char path[4096];
    size_t len;
    snprintf(path, sizeof path, "%s/corpus/%s", src ? src : ".", seeds[s]);
    char *text = tu_read_file(path, &len);
    CHECK(text != NULL);
    if (!text) continue;
    check_terms(an, text, len);
    check_positions(an, text, len);
    free(text);
  }
  an_free(an);
  return tu_done();
}
