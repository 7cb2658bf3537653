/*
** stopwords.c — the built-in Swedish stop word list and its lookup.
** Interface: analysis.h (an_is_stopword, an_stopword_count, an_stopword).
**
** The words are the 114 of Snowball's Swedish stop list (stop.txt on the
** Snowball website; ../shared/testdata/snowball-swedish/stop.txt, whose
** README gives version and licence), in NFC and lower case, as folded forms
** are. test_snowball checks this table against that file word for word.
** Lookup is a binary search, so the table must stay sorted bytewise
** (memcmp order on the UTF-8 bytes, shorter prefix first): an unsorted entry
** silently becomes invisible, which test_analysis also guards against.
** analysis.c consults this only once per distinct word (the result is kept
** in the stem cache), so speed here hardly matters.
*/
#include "analysis.h"

#include <string.h>

static const char *const stopwords[] = {
    "alla",    "allt",    "att",     "av",      "blev",    "bli",
    "blir",    "blivit",  "de",      "dem",     "den",     "denna",
    "deras",   "dess",    "dessa",   "det",     "detta",   "dig",
    "din",     "dina",    "ditt",    "du",      "där",     "då",
    "efter",   "ej",      "eller",   "en",      "er",      "era",
    "ert",     "ett",     "från",    "för",     "ha",      "hade",
    "han",     "hans",    "har",     "henne",   "hennes",  "hon",
    "honom",   "hur",     "här",     "i",       "icke",    "ingen",
    "inom",    "inte",    "jag",     "ju",      "kan",     "kunde",
    "man",     "med",     "mellan",  "men",     "mig",     "min",
    "mina",    "mitt",    "mot",     "mycket",  "ni",      "nu",
    "när",     "någon",   "något",   "några",   "och",     "om",
    "oss",     "på",      "samma",   "sedan",   "sig",     "sin",
    "sina",    "sitt",    "själv",   "skulle",  "som",     "så",
    "sådan",   "sådana",  "sådant",  "till",    "under",   "upp",
    "ut",      "utan",    "vad",     "var",     "vara",    "varför",
    "varit",   "varje",   "vars",    "vart",    "vem",     "vi",
    "vid",     "vilka",   "vilkas",  "vilken",  "vilket",  "vår",
    "våra",    "vårt",    "än",      "är",      "åt",      "över",
};

#define NSTOPWORDS (sizeof stopwords / sizeof stopwords[0])

/* memcmp order of a[0..alen) and the NUL-terminated b; a shorter string
** sorts before every longer one it is a prefix of. */
static int compare(const char *a, size_t alen, const char *b) {
  size_t blen = strlen(b);
  int c = memcmp(a, b, alen < blen ? alen : blen);
  if (c != 0) return c;
  return (alen > blen) - (alen < blen);
}

int an_is_stopword(const char *fold, size_t len) {
  if (len == 0) return 0;
  size_t lo = 0, hi = NSTOPWORDS;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = compare(fold, len, stopwords[mid]);
    if (c == 0) return 1;
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return 0;
}

size_t an_stopword_count(void) { return NSTOPWORDS; }

const char *an_stopword(size_t i) { return i < NSTOPWORDS ? stopwords[i] : NULL; }
