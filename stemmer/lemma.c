/*
** lemma.c — the lemma of an inflected form, from the table lexgen.c
** generates out of hunspell-sv (interface: stemmer_int.h, "interface to
** lemma.c"). A binary search: analysis.c asks only when a word misses the
** stem cache, so a few dozen comparisons per new word are nothing next to
** Snowball itself.
*/
#include "stemmer_int.h"

#include <string.h>

/* memcmp order, a proper prefix first. */
static int cmp(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  return c ? c : (an > bn) - (an < bn);
}

size_t an_lemma(const char *f, size_t n, const char **lemma) {
  size_t lo = 0, hi = an_lemmas.n;
  *lemma = NULL;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const AnLemmaEntry *e = &an_lemmas.e[mid];
    int c = cmp(an_lemmas.pool + e->form, e->form_len, f, n);
    if (c == 0) {
      *lemma = an_lemmas.pool + e->lemma;
      return e->lemma_len;
    }
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return 0;
}
