/*
** test_compound.c — unit tests of compound splitting (stemmer/compound.c,
** "interface to compound.c" in stemmer/stemmer_int.h) and its measurement
** on tests/data/compounds.tsv (how that list was built is in its header).
**
** Measured per section of the list and printed, for quoting:
**   precision = splits produced that are right / splits produced
**   recall    = compounds split right / compounds in the list
**   accuracy  = words whose answer (a right split, or no split for "-")
**               is right / words in the list
** The test fails when the random section falls below the thresholds
** below, set a little under the figures measured when the splitter was
** written (random: precision 0.990, recall 0.875, accuracy 0.918; chosen:
** 1.000, 0.778, 0.864), so a change that loses more than a few words fails.
**
** Throughput check (not a test, no timing asserted): with
** SW_COMPOUND_BENCH=FILE set, the tests run first, then FILE is analysed
** (its folded tokens of 6+ bytes split) on a fresh splitter, twice, and
** words/s is printed: the first pass computes each distinct word once, the
** second finds every word in the cache. With SW_COMPOUND_DUMP=1 every
** word of the list is printed with the splitter's answer.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "stemmer_int.h"
#include "sw_base.h"
#include "testutil.h"
#include "sw_fault.h"

/* Thresholds on the random section (measured: see the printed figures). */
#define MIN_PRECISION 0.95
#define MIN_RECALL 0.82
#define MIN_ACCURACY 0.88

/* The top-level split of w as "a|(s)|b" into buf ("-" for none). */
static const char *format_split(AnSplitter *sp, const char *w, char *buf,
                                size_t cap) {
  AnPart p[AN_SPLIT_MAX_PARTS];
  size_t n = strlen(w);
  int np = an_splitter_split(sp, w, n, p, AN_SPLIT_MAX_PARTS);
  if (np == 0) {
    snprintf(buf, cap, "-");
    return buf;
  }
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; i < np && k < cap; i++) {
    k += (size_t)snprintf(buf + k, cap - k, "%s%.*s", i ? "|" : "",
                          (int)p[i].len, w + p[i].off);
    size_t end = (size_t)p[i].off + p[i].len;
    if (i + 1 < np && p[i + 1].off == end + 1 && w[end] == 's' && k < cap)
      k += (size_t)snprintf(buf + k, cap - k, "|(s)");
  }
  return buf;
}

/* 1 if got equals one of the ';'-separated analyses in gold. */
static int matches(const char *got, const char *gold) {
  size_t n = strlen(got);
  for (const char *g = gold;;) {
    const char *e = strchr(g, ';');
    size_t len = e ? (size_t)(e - g) : strlen(g);
    if (len == n && memcmp(g, got, n) == 0) return 1;
    if (!e) return 0;
    g = e + 1;
  }
}

typedef struct Score {
  int words, compounds, produced, right, exact;
} Score;

static void score_print(const char *name, const Score *s) {
  printf("compounds.tsv %-7s %3d words, %3d compounds: produced %3d splits, "
         "%3d right; precision %.3f, recall %.3f, accuracy %.3f\n",
         name, s->words, s->compounds, s->produced, s->right,
         s->produced ? (double)s->right / s->produced : 0.0,
         s->compounds ? (double)s->right / s->compounds : 0.0,
         s->words ? (double)s->exact / s->words : 0.0);
}

static void test_list(AnSplitter *sp) {
  char path[4096];
  const char *src = getenv("SW_SOURCE_DIR");
  snprintf(path, sizeof path, "%s/tests/data/compounds.tsv", src ? src : "..");
  size_t len;
  char *text = tu_read_file(path, &len);
  if (!text) {
    fprintf(stderr, "cannot read %s\n", path);
    CHECK(0);
    return;
  }
  int dump = getenv("SW_COMPOUND_DUMP") != NULL;
  Score sc[2] = {{0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}}, all = {0, 0, 0, 0, 0};
  int section = -1;
  for (char *line = text, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    if (strncmp(line, "# section: random", 17) == 0) section = 0;
    else if (strncmp(line, "# section: chosen", 17) == 0) section = 1;
    if (line[0] == '#' || line[0] == '\0') continue;
    char *tab = strchr(line, '\t');
    CHECK(tab != NULL && section >= 0);
    if (!tab || section < 0) continue;
    *tab = '\0';
    const char *word = line, *gold = tab + 1;
    char got[512];
    format_split(sp, word, got, sizeof got);
    int compound = strcmp(gold, "-") != 0, ok = matches(got, gold);
    Score *s = &sc[section];
    s->words++;
    s->compounds += compound;
    s->produced += strcmp(got, "-") != 0;
    s->right += compound && ok;
    s->exact += ok;
    if (dump) printf("%s %-30s %-45s %s\n", ok ? "  " : "XX", word, got, gold);
  }
  free(text);
  for (int i = 0; i < 2; i++) {
    all.words += sc[i].words;
    all.compounds += sc[i].compounds;
    all.produced += sc[i].produced;
    all.right += sc[i].right;
    all.exact += sc[i].exact;
  }
  score_print("random", &sc[0]);
  score_print("chosen", &sc[1]);
  score_print("all", &all);
  CHECK(sc[0].words >= 300);
  CHECK(sc[0].produced > 0 && sc[0].compounds > 0);
  if (sc[0].produced == 0 || sc[0].compounds == 0) return;
  CHECK((double)sc[0].right / sc[0].produced >= MIN_PRECISION);
  CHECK((double)sc[0].right / sc[0].compounds >= MIN_RECALL);
  CHECK((double)sc[0].exact / sc[0].words >= MIN_ACCURACY);
}

/* The term an_term gives word[0..n) into buf (NUL-terminated). */
static const char *term(AnAnalyzer *an, const char *w, size_t n, char *buf) {
  size_t len = 0;
  if (an_term(an, w, n, buf, SW_MAX_TOKEN_BYTES - 1, &len) != SW_OK) len = 0;
  buf[len] = '\0';
  return buf;
}

/* 1 if a query for q (through the analysis chain) matches the stem of a
** part of compound c, or of that part's base word: what indexing parts
** next to the whole word would make findable. Prints the parts. */
static int finds(AnSplitter *sp, AnAnalyzer *an, const char *q,
                 const char *c) {
  AnPart p[AN_SPLIT_MAX_PARTS];
  char qt[SW_MAX_TOKEN_BYTES], pt[SW_MAX_TOKEN_BYTES];
  int np = an_splitter_split_deep(sp, c, strlen(c), p, AN_SPLIT_MAX_PARTS);
  term(an, q, strlen(q), qt);
  int found = 0;
  printf("example: %-26s ->", c);
  for (int i = 0; i < np; i++) {
    printf(" %.*s", (int)p[i].len, c + p[i].off);
    if (p[i].depth) printf("[%u]", p[i].depth);
    if (p[i].base) printf("(=%.*s)", (int)p[i].base_len, p[i].base);
    if (strcmp(term(an, c + p[i].off, p[i].len, pt), qt) == 0) found = 1;
    if (p[i].base && strcmp(term(an, p[i].base, p[i].base_len, pt), qt) == 0)
      found = 1;
  }
  printf("%s; query \"%s\" (term %s) %s it\n", np ? "" : " (no split)", q, qt,
         found ? "finds" : "does NOT find");
  return found;
}

static void test_examples(AnSplitter *sp) {
  AnAnalyzer *an;
  SwError err = {0, ""};
  CHECK(an_new(&an, &err) == SW_OK);
  if (!an) return;
  CHECK(finds(sp, an, "samverkan", "samverkansöverenskommelse"));
  CHECK(finds(sp, an, "avhoppare", "avhopparverksamhet"));
  CHECK(finds(sp, an, "grupper", "insatsgrupper"));
  CHECK(finds(sp, an, "nämnd", "stadsdelsnämnd"));
  CHECK(finds(sp, an, "överenskommelse", "samverkansöverenskommelse"));
  CHECK(finds(sp, an, "stadsdel", "stadsdelsnämnd"));
  CHECK(finds(sp, an, "kvinna", "kvinnojour"));
  CHECK(finds(sp, an, "styrelse", "kommunstyrelseordförande"));
  an_free(an);
}

/* Parts of w as "text@off+len/depth" into buf. */
static const char *deep(AnSplitter *sp, const char *w, char *buf,
                        size_t cap) {
  AnPart p[AN_SPLIT_MAX_PARTS];
  int np = an_splitter_split_deep(sp, w, strlen(w), p, AN_SPLIT_MAX_PARTS);
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; i < np && k < cap; i++)
    k += (size_t)snprintf(buf + k, cap - k, "%s%.*s/%u", i ? " " : "",
                          (int)p[i].len, w + p[i].off, p[i].depth);
  return buf;
}

static void test_api(AnSplitter *sp) {
  AnPart p[AN_SPLIT_MAX_PARTS];
  char buf[512];
  an_splitter_free(NULL);

  /* The examples and the words it says must stay whole. */
  CHECK_EQ_STR(format_split(sp, "samverkansöverenskommelse", buf, 512),
               "samverkan|(s)|överenskommelse");
  CHECK_EQ_STR(format_split(sp, "avhopparverksamhet", buf, 512),
               "avhoppar|verksamhet");
  CHECK_EQ_STR(format_split(sp, "insatsgrupper", buf, 512), "insats|grupper");
  CHECK_EQ_STR(format_split(sp, "stadsdelsnämnd", buf, 512),
               "stadsdel|(s)|nämnd");
  static const char *const whole[] = {
      "bostäder",   "kommunen",        "förskolan", "verksamhet",
      "medborgare", "utredning",       "överenskommelse", "riksdagen",
      "ordförande", "fullmäktige",     "samverkan", "stockholm"};
  for (size_t i = 0; i < sizeof whole / sizeof *whole; i++) {
    int np = an_splitter_split(sp, whole[i], strlen(whole[i]), p,
                               AN_SPLIT_MAX_PARTS);
    if (np != 0) fprintf(stderr, "split: %s\n", whole[i]);
    CHECK_EQ_INT(np, 0);
  }

  /* Part fields: offsets into the word, the link s outside both parts. */
  const char *w = "samverkansöverenskommelse";
  int np = an_splitter_split(sp, w, strlen(w), p, AN_SPLIT_MAX_PARTS);
  CHECK_EQ_INT(np, 2);
  if (np == 2) {
    CHECK_EQ_INT(p[0].off, 0);
    CHECK_EQ_INT(p[0].len, 9);
    CHECK_EQ_INT(p[1].off, 10);
    CHECK_EQ_INT(p[1].len, strlen(w) - 10);
    CHECK_EQ_INT(p[0].depth, 0);
    CHECK(p[0].base == NULL && p[0].base_len == 0);
  }
  /* A combining form names its base word. */
  w = "avhopparverksamhet";
  np = an_splitter_split(sp, w, strlen(w), p, AN_SPLIT_MAX_PARTS);
  CHECK_EQ_INT(np, 2);
  if (np == 2) {
    CHECK(p[0].base != NULL && p[0].base_len == 9 &&
          memcmp(p[0].base, "avhoppare", 9) == 0);
    CHECK(p[1].base == NULL);
  }
  /* Triple consonant: kontroll + lista written kontrollista; the parts
  ** share the l. */
  w = "kontrollista";
  np = an_splitter_split(sp, w, strlen(w), p, AN_SPLIT_MAX_PARTS);
  CHECK_EQ_INT(np, 2);
  if (np == 2) {
    CHECK_EQ_INT(p[0].off, 0);
    CHECK_EQ_INT(p[0].len, 8);
    CHECK_EQ_INT(p[1].off, 7);
    CHECK_EQ_INT(p[1].len, 5);
  }
  /* ... but a real double stays with one part: sekretess|lagen. */
  CHECK_EQ_STR(format_split(sp, "sekretesslagen", buf, 512),
               "sekretess|lagen");

  /* Sub-compounds, pre-order, one level deeper. */
  CHECK_EQ_STR(deep(sp, "kommunstyrelseordförande", buf, 512),
               "kommunstyrelse/0 kommun/1 styrelse/1 ordförande/0");
  /* With too little room: the top level only. */
  w = "kommunstyrelseordförande";
  CHECK_EQ_INT(an_splitter_split_deep(sp, w, strlen(w), p, 3), 2);
  CHECK_EQ_INT(an_splitter_split(sp, w, strlen(w), p, 1), 0);

  /* Not compounds, or out of range: short, long, not letters. */
  CHECK_EQ_INT(an_splitter_split(sp, "", 0, p, AN_SPLIT_MAX_PARTS), 0);
  CHECK_EQ_INT(an_splitter_split(sp, "bilhus", 6, p, AN_SPLIT_MAX_PARTS) >= 0,
               1);
  CHECK_EQ_INT(an_splitter_split(sp, "hus", 3, p, AN_SPLIT_MAX_PARTS), 0);
  CHECK_EQ_INT(an_splitter_split(sp, "2020/1050", 9, p, AN_SPLIT_MAX_PARTS),
               0);
  char longw[200];
  memset(longw, 0, sizeof longw);
  for (int i = 0; i < 7; i++) strcat(longw, "stadsdelsnämnds");
  strcat(longw, "ordförande"); /* 115 bytes: never split */
  CHECK_EQ_INT(an_splitter_split(sp, longw, strlen(longw), p,
                                 AN_SPLIT_MAX_PARTS),
               0);
  /* Not NUL-terminated input: only w[0..n) is read. */
  char raw[32];
  memcpy(raw, "insatsgrupperXYZ", 16);
  CHECK_EQ_INT(an_splitter_split(sp, raw, 13, p, AN_SPLIT_MAX_PARTS), 2);

  /* Deterministic and cached: the second answer is the same. */
  size_t before = an_splitter_cached(sp);
  char a1[512], a2[512];
  format_split(sp, "brandstationen", a1, 512);
  CHECK_EQ_INT(an_splitter_cached(sp), before + 1);
  format_split(sp, "brandstationen", a2, 512);
  CHECK_EQ_STR(a1, a2);
  CHECK_EQ_INT(an_splitter_cached(sp), before + 1);
}

/* Allocation failures: creating fails cleanly; a failing cache only makes
** the splitter forget. */
static void test_faults(void) {
  SwError err = {0, ""};
  AnSplitter *sp = (AnSplitter *)1;
  int failed = 0;
  for (long k = 0; k < 8; k++) {
    sw_fault_alloc_after(k);
    int rc = an_splitter_new(&sp, &err);
    sw_fault_alloc_reset();
    if (rc == SW_OK) {
      an_splitter_free(sp);
      break;
    }
    failed++;
    CHECK_EQ_INT(rc, SW_NOMEM);
    CHECK(sp == NULL);
    sw_error_clear(&err);
  }
  CHECK(failed > 0);
  CHECK(an_splitter_new(&sp, &err) == SW_OK);
  if (!sp) return;
  char buf[512];
  sw_fault_alloc_after(0);
  /* Enough distinct words to make the cache want to grow. */
  char w[64];
  for (int i = 0; i < 5000; i++) {
    snprintf(w, sizeof w, "insatsgrupper%c%c", 'a' + i % 26, 'a' + i / 26 % 26);
    format_split(sp, w, buf, sizeof buf);
  }
  CHECK_EQ_STR(format_split(sp, "insatsgrupper", buf, 512), "insats|grupper");
  sw_fault_alloc_reset();
  an_splitter_free(sp);
}

/* Many distinct words through a small cache: it empties itself and keeps
** answering. */
static void test_cache_bound(AnSplitter *sp) {
  char w[64], buf[512];
  for (long i = 0; i < (long)AN_SPLIT_CACHE_MAX + 1000; i++) {
    snprintf(w, sizeof w, "skol%06ldgrupper", i);
    format_split(sp, w, buf, sizeof buf);
  }
  CHECK(an_splitter_cached(sp) <= AN_SPLIT_CACHE_MAX);
  CHECK(an_splitter_cached(sp) < 2000);
  CHECK_EQ_STR(format_split(sp, "insatsgrupper", buf, 512), "insats|grupper");
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void bench(const char *path) {
  size_t len;
  char *text = tu_read_file(path, &len);
  if (!text) {
    printf("bench: cannot read %s\n", path);
    return;
  }
  AnAnalyzer *an;
  AnSplitter *sp;
  SwError err = {0, ""};
  if (an_new(&an, &err) != SW_OK) return;
  if (an_splitter_new(&sp, &err) != SW_OK) {
    an_free(an);
    return;
  }
  /* The folds of 6+ bytes, in order, as the indexer would meet them. */
  size_t cap = 1 << 16, n = 0, bytes = 0;
  char **words = malloc(cap * sizeof *words);
  size_t *lens = malloc(cap * sizeof *lens);
  AnToken tok;
  an_begin(an, text, len, 0);
  while (words && lens && an_next(an, &tok) == 1) {
    if (tok.fold_len < 6) continue;
    if (n == cap) {
      cap *= 2;
      char **nw = realloc(words, cap * sizeof *words);
      size_t *nl = realloc(lens, cap * sizeof *lens);
      if (nw) words = nw;
      if (nl) lens = nl;
      if (!nw || !nl) break;
    }
    words[n] = malloc(tok.fold_len);
    if (!words[n]) break;
    memcpy(words[n], tok.fold, tok.fold_len);
    lens[n++] = tok.fold_len;
    bytes += tok.fold_len;
  }
  AnPart p[AN_SPLIT_MAX_PARTS];
  for (int pass = 0; pass < 2; pass++) {
    size_t split = 0;
    double t0 = now();
    for (size_t i = 0; i < n; i++)
      split += an_splitter_split_deep(sp, words[i], lens[i], p,
                                      AN_SPLIT_MAX_PARTS) > 0;
    double t = now() - t0;
    printf("bench pass %d: %zu words of 6+ bytes (%zu distinct cached), "
           "%zu split, %.3f s, %.0f words/s\n",
           pass + 1, n, an_splitter_cached(sp), split, t, n / t);
  }
  for (size_t i = 0; i < n; i++) free(words[i]);
  free(words);
  free(lens);
  an_splitter_free(sp);
  an_free(an);
  free(text);
}

int main(void) {
  AnSplitter *sp;
  SwError err = {0, ""};
  CHECK(an_splitter_new(&sp, &err) == SW_OK);
  if (!sp) return tu_done();
  test_list(sp);
  test_examples(sp);
  test_api(sp);
  test_cache_bound(sp);
  an_splitter_free(sp);
  test_faults();
  const char *b = getenv("SW_COMPOUND_BENCH");
  if (b) bench(b);
  return tu_done();
}
