/*
** test_lemma.c — how well the analysis joins a word's inflected forms,
** measured on corpus/lemmas/sv-inflections.tsv (pairs of form and dictionary
** word written by hand, by family: adjectives in -t and -a, comparison,
** noun plurals and definite forms, strong and weak verbs). A pair is joined
** when the form and its word get the same term. Printed per family for the
** whole chain (an_term: Snowball plus the hunspell-sv lemma table) and for
** Snowball alone; the chain must join more pairs than Snowball alone, at
** least the count this tree measured (a regression floor), and every pair
** of the lemma table's own families (adjectives in -t, strong verbs) that
** the table lists. The list is ours, so these figures flatter: held-out
** query sets decide (bench/README.md).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stemmer_int.h"
#include "testutil.h"

/* Pairs the chain joined when this floor was set (80 of 123; 41 before the
** lemma table): a regression floor. */
#define JOINED_FLOOR 80

typedef struct Family {
  char name[32];
  int pairs, chain, snowball;
} Family;

static int same_term(AnAnalyzer *an, const char *a, const char *b) {
  char ta[SW_MAX_TOKEN_BYTES], tb[SW_MAX_TOKEN_BYTES];
  size_t la = 0, lb = 0;
  if (an_term(an, a, strlen(a), ta, sizeof ta, &la) != SW_OK ||
      an_term(an, b, strlen(b), tb, sizeof tb, &lb) != SW_OK)
    return -1;
  return la > 0 && la == lb && memcmp(ta, tb, la) == 0;
}

static int same_snowball(AnSnowball *sb, const char *a, const char *b) {
  char ta[SW_MAX_TOKEN_BYTES];
  const char *s;
  size_t la, lb;
  if (an_snowball_stem(sb, a, strlen(a), &s, &la) != SW_OK ||
      la > sizeof ta)
    return -1;
  memcpy(ta, s, la);
  if (an_snowball_stem(sb, b, strlen(b), &s, &lb) != SW_OK) return -1;
  return la == lb && memcmp(ta, s, la) == 0;
}

int main(void) {
  const char *src = getenv("SW_SOURCE_DIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/corpus/lemmas/sv-inflections.tsv",
           src ? src : ".");
  size_t len;
  char *buf = tu_read_file(path, &len);
  if (!buf) {
    fprintf(stderr, "cannot read %s\n", path);
    return 1;
  }
  AnAnalyzer *an = NULL;
  AnSnowball *sb = NULL;
  SwError err;
  sw_error_clear(&err);
  CHECK_EQ_INT(an_new(&an, &err), SW_OK);
  CHECK_EQ_INT(an_snowball_new(&sb), SW_OK);
  if (!an || !sb) return tu_done();
  Family fam[16];
  int nfam = 0, pairs = 0, chain = 0, snow = 0, table_missed = 0;
  for (char *line = buf, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    if (*line == '#' || !*line) continue;
    char *lemma = strchr(line, '\t');
    char *family = lemma ? strchr(lemma + 1, '\t') : NULL;
    CHECK(family != NULL); /* three fields */
    if (!family) continue;
    *lemma++ = '\0';
    *family++ = '\0';
    int f = 0;
    while (f < nfam && strcmp(fam[f].name, family) != 0) f++;
    if (f == nfam) {
      CHECK(nfam < 16);
      if (nfam == 16) continue;
      memset(&fam[nfam], 0, sizeof fam[nfam]);
      snprintf(fam[nfam].name, sizeof fam[nfam].name, "%s", family);
      nfam++;
    }
    int c = same_term(an, line, lemma), s = same_snowball(sb, line, lemma);
    CHECK(c >= 0 && s >= 0);
    fam[f].pairs++;
    fam[f].chain += c == 1;
    fam[f].snowball += s == 1;
    pairs++;
    chain += c == 1;
    snow += s == 1;
    /* A form the table maps to this word must be joined with it. */
    const char *lm;
    size_t ll = an_lemma(line, strlen(line), &lm);
    if (ll == strlen(lemma) && memcmp(lm, lemma, ll) == 0 && c != 1) {
      fprintf(stderr, "the table maps %s to %s, yet their terms differ\n",
              line, lemma);
      table_missed++;
    }
  }
  printf("%-12s %5s %7s %9s\n", "family", "pairs", "chain", "snowball");
  for (int f = 0; f < nfam; f++)
    printf("%-12s %5d %7d %9d\n", fam[f].name, fam[f].pairs, fam[f].chain,
           fam[f].snowball);
  printf("%-12s %5d %7d %9d   (joined: %.1f %% against %.1f %%)\n", "all",
         pairs, chain, snow, 100.0 * chain / (pairs ? pairs : 1),
         100.0 * snow / (pairs ? pairs : 1));
  CHECK(pairs >= 100);
  CHECK(chain > snow);
  CHECK(chain >= JOINED_FLOOR);
  CHECK_EQ_INT(table_missed, 0);
  an_snowball_free(sb);
  an_free(an);
  free(buf);
  return tu_done();
}
