/*
** test_analysis.c — unit tests of the analysis chain (stemmer/analysis.h)
** and its stem cache (stemmer/stemmer_int.h): tokens, folding, stemming,
** stop words, invalid UTF-8, offsets, positions, cut tokens, an_term,
** allocation failures. Conformance with Snowball's word list is in
** test_snowball.c.
**
** Throughput check (not a test, no timing asserted): with
** SW_ANALYSIS_BENCH=FILE set, the tests run first, then FILE is analysed a
** line at a time (as the indexer feeds documents) on a fresh analyzer, twice,
** and MB/s is printed for each pass.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "stemmer_int.h"
#include "sw_base.h"
#include "testutil.h"
#include "sw_fault.h"

/* Analyse text and write its terms (or, with fold set, the folded unstemmed
** forms), space-separated, into buf (cap bytes). Returns buf. */
static const char *collect(AnAnalyzer *an, const char *text, size_t len,
                           int fold, char *buf, size_t cap) {
  AnToken tok;
  size_t n = 0;
  buf[0] = '\0';
  an_begin(an, text, len, 0);
  while (an_next(an, &tok) == 1) {
    const char *w = fold ? tok.fold : tok.term;
    size_t wl = fold ? tok.fold_len : tok.term_len;
    if (n + wl + 2 > cap) break;
    if (n > 0) buf[n++] = ' ';
    memcpy(buf + n, w, wl);
    n += wl;
    buf[n] = '\0';
  }
  return buf;
}

static const char *terms(AnAnalyzer *an, const char *text, size_t len,
                         char *buf, size_t cap) {
  return collect(an, text, len, 0, buf, cap);
}

static const char *folds(AnAnalyzer *an, const char *text, size_t len,
                         char *buf, size_t cap) {
  return collect(an, text, len, 1, buf, cap);
}

#define TERMS(an, s, buf) terms((an), (s), sizeof(s) - 1, (buf), sizeof(buf))
#define FOLDS(an, s, buf) folds((an), (s), sizeof(s) - 1, (buf), sizeof(buf))

/* The term of word as a NUL-terminated string in buf (cap bytes). */
static const char *term1(AnAnalyzer *an, const char *word, char *buf,
                         size_t cap) {
  size_t n = 0;
  if (an_term(an, word, strlen(word), buf, cap - 1, &n) != SW_OK) n = 0;
  buf[n] = '\0';
  return buf;
}

/* First token of text into *tok; returns an_next's result. */
static int first(AnAnalyzer *an, const char *text, size_t len, AnToken *tok) {
  an_begin(an, text, len, 0);
  return an_next(an, tok);
}

/* NUL-terminated copy of a token's fold or term, for CHECK_EQ_STR. */
static const char *str(const char *s, size_t n, char *buf, size_t cap) {
  if (n >= cap) n = cap - 1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  return buf;
}

static void test_case_and_stemming(AnAnalyzer *an) {
  char a[512];
  CHECK_EQ_STR(term1(an, "sociala", a, sizeof a), "social");
  CHECK_EQ_STR(term1(an, "SOCIALA", a, sizeof a), "social");
  CHECK_EQ_STR(term1(an, "Sociala", a, sizeof a), "social");
  const char *grp[] = {"insatsgrupper", "insatsgruppen", "INSATSGRUPPER",
                       "insatsgrupp", "Insatsgrupperna"};
  for (size_t i = 0; i < sizeof grp / sizeof grp[0]; i++)
    CHECK_EQ_STR(term1(an, grp[i], a, sizeof a), "insatsgrupp");
  CHECK_EQ_STR(TERMS(an, "Sociala insatsgruppen", a), "social insatsgrupp");
}

static void test_swedish_letters(AnAnalyzer *an) {
  char a[512], b[512];
  AnToken tok;
  /* å ä ö é ü survive folding and are lower-cased. */
  CHECK_EQ_STR(term1(an, "ÅTGÄRDER", a, sizeof a),
               term1(an, "åtgärder", b, sizeof b));
  CHECK_EQ_STR(a, "åtgärd");
  CHECK_EQ_INT(first(an, "ÅTGÄRDER", 10, &tok), 1);
  CHECK_EQ_STR(str(tok.fold, tok.fold_len, a, sizeof a), "åtgärder");
  CHECK_EQ_INT(first(an, "ÖVERSYN", 8, &tok), 1);
  CHECK_EQ_STR(str(tok.fold, tok.fold_len, a, sizeof a), "översyn");
  CHECK_EQ_INT(first(an, "CAFÉ", 5, &tok), 1);
  CHECK_EQ_STR(str(tok.fold, tok.fold_len, a, sizeof a), "café");
  CHECK_EQ_INT(first(an, "MÜNCHEN", 8, &tok), 1);
  CHECK_EQ_STR(str(tok.fold, tok.fold_len, a, sizeof a), "münchen");
  /* Unicode case folding, not just lower-casing; other scripts. */
  CHECK_EQ_INT(first(an, "Straße", 7, &tok), 1);
  CHECK_EQ_STR(str(tok.fold, tok.fold_len, a, sizeof a), "strasse");
  CHECK_EQ_INT(first(an, "\xE2\x84\xAA", 3, &tok), 1); /* KELVIN SIGN */
  CHECK_EQ_STR(str(tok.fold, tok.fold_len, a, sizeof a), "k");
  CHECK_EQ_STR(TERMS(an, "МОСКВА ΑΘΗΝΑ 日本語", a),
               "москва αθηνα 日本語");
  /* Cache hits give what misses gave: same words, same terms, again. */
  const char text[] = "Åtgärder åtgärder ÅTGÄRDER Sociala sociala";
  CHECK_EQ_STR(TERMS(an, text, a), TERMS(an, text, b));
  CHECK_EQ_STR(a, "åtgärd åtgärd åtgärd social social");
}

static void test_nfd(AnAnalyzer *an) {
  char a[512], b[512];
  AnToken tok;
  /* "åtgärder" and "ÅTGÄRDER" with å, ä decomposed (a + U+030A, a + U+0308). */
  const char nfd[] = "a\xCC\x8Atga\xCC\x88rder";
  const char nfd_upper[] = "A\xCC\x8ATGA\xCC\x88RDER";
  CHECK_EQ_STR(term1(an, nfd, a, sizeof a), term1(an, "åtgärder", b, sizeof b));
  CHECK_EQ_STR(term1(an, nfd_upper, a, sizeof a), b);
  CHECK_EQ_INT(first(an, nfd, sizeof nfd - 1, &tok), 1);
  CHECK_EQ_STR(str(tok.fold, tok.fold_len, a, sizeof a), "åtgärder");
  CHECK_EQ_INT(tok.end, sizeof nfd - 1); /* surface: all decomposed bytes */
  /* A mark after an ASCII letter joins the token and composes: é. */
  CHECK_EQ_INT(first(an, "e\xCC\x81", 3, &tok), 1);
  CHECK_EQ_STR(str(tok.fold, tok.fold_len, a, sizeof a), "\xC3\xA9");
}

static void test_separators(AnAnalyzer *an) {
  char a[512];
  CHECK_EQ_STR(FOLDS(an, "Rinkeby-Kista", a), "rinkeby kista");
  CHECK_EQ_STR(TERMS(an, "Rinkeby-Kista", a), "rinkeby kist");
  CHECK_EQ_STR(TERMS(an, "covid-19", a), "covid 19");
  CHECK_EQ_STR(TERMS(an, "2018/19:1 och 1916", a), "2018 19 1 och 1916");
  /* NFKC: compatibility characters fold to what they stand for. */
  CHECK_EQ_STR(TERMS(an, "covid19 ½ x²", a), "covid19 1\u20442 x2");
  CHECK_EQ_STR(TERMS(an, "\"Hej!\" (sa hon), 10 % – ja…", a),
               "hej sa hon 10 ja");
  /* Web addresses give no words (goteborg, forskola would match as text),
  ** up to a space or quote, trailing punctuation left to the text. */
  CHECK_EQ_STR(TERMS(an, "Se https://www.goteborg.se/forskola/a.pdf och "
                         "WWW.Test.se/a?b=c). Slut",
                     a),
               "se och slut");
  CHECK_EQ_STR(TERMS(an, "\"http://x.se/y\" webb wwwx httpd www", a),
               "webb wwwx httpd www");
  CHECK_EQ_STR(TERMS(an, "", a), "");
  CHECK_EQ_STR(TERMS(an, " \t\n.,;-", a), "");
  CHECK_EQ_STR(TERMS(an, "a\xF0\x9F\x98\x80" "b", a), "a b"); /* emoji: So */
}

/* PDF and Nordic text: ligatures, soft hyphens and zero-width joiners
** inside words, full-width forms, Norwegian/Danish letters; å, ä, ö stay
** apart from a and o. */
static void test_normalisation(AnAnalyzer *an) {
  char a[512];
  CHECK_EQ_STR(FOLDS(an, "\xEF\xAC\x81nansiering", a), "finansiering"); /* U+FB01 */
  CHECK_EQ_STR(FOLDS(an, "sam\xC2\xADverkan", a), "samverkan");     /* U+00AD */
  CHECK_EQ_STR(TERMS(an, "sam\xC2\xADverkan", a), "samverk");
  CHECK_EQ_STR(FOLDS(an, "sam\xE2\x80\x8Dverkan", a), "samverkan"); /* ZWJ */
  CHECK_EQ_STR(FOLDS(an, "\xC2\xADsam", a), "sam");  /* leading: separator */
  CHECK_EQ_STR(FOLDS(an, "sam\xC2\xAD", a), "sam");  /* trailing too */
  CHECK_EQ_STR(FOLDS(an, "sam\xC2\xAD verkan", a), "sam verkan");
  CHECK_EQ_STR(FOLDS(an, "r\xC3\xA4\xC2\xADtt", a), "rätt");
  CHECK_EQ_STR(FOLDS(an, "Bl\xC3\xA5" "b\xC3\xA6r S\xC3\x98KER \xC3\x86RE", a),
               "blåbär söker äre");
  CHECK_EQ_STR(FOLDS(an, "\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\x91", a), "ab1"); /* full-width */
  CHECK_EQ_STR(FOLDS(an, "12\xC2\xA0" "000 kronor", a), "12 000 kronor");     /* NBSP */
  CHECK_EQ_STR(FOLDS(an, "Åre Ängelholm Östersund are angelholm", a),
               "åre ängelholm östersund are angelholm");
}

/* A word broken by a hyphen at a line end is one word again when the joined
** form is a known word; otherwise, or without a line break, or before an
** upper-case letter (Rinkeby-\nKista), the hyphen separates as always. */
static void test_line_end_hyphen(AnAnalyzer *an) {
  char a[512];
  CHECK_EQ_STR(FOLDS(an, "sam-\nverkan", a), "samverkan");
  CHECK_EQ_STR(FOLDS(an, "sam- \r\n  verkan", a), "samverkan");
  CHECK_EQ_STR(FOLDS(an, "stads-\ndelsnämnden i Rinkeby", a),
               "stadsdelsnämnden i rinkeby");
  CHECK_EQ_STR(FOLDS(an, "avhoppar-\nverksamhet", a), "avhopparverksamhet");
  char whole[256];
  CHECK_EQ_STR(TERMS(an, "samverkans-\növerenskommelsen", a),
               TERMS(an, "samverkansöverenskommelsen", whole));
  CHECK_EQ_STR(FOLDS(an, "sam- verkan", a), "sam verkan");        /* no break */
  CHECK_EQ_STR(FOLDS(an, "sam-\n\nverkan", a), "sam verkan"); /* paragraph */
  CHECK_EQ_STR(FOLDS(an, "Rinkeby-\nKista", a), "rinkeby kista");
  CHECK_EQ_STR(FOLDS(an, "qwx-\nzyq", a), "qwx zyq");           /* not a word */
  CHECK_EQ_STR(FOLDS(an, "sam-\n", a), "sam");
  /* positions: the joined word takes one; its surface spans the break */
  const char *t = "ny sam-\nverkan nu";
  AnToken tok;
  an_begin(an, t, strlen(t), 0);
  CHECK(an_next(an, &tok) == 1 && tok.pos == 0);
  CHECK(an_next(an, &tok) == 1 && tok.pos == 1 && tok.start == 3 &&
        tok.end == 14);
  CHECK(an_next(an, &tok) == 1 && tok.pos == 2 && tok.start == 15);
  /* an_term agrees with the stream */
  char b[64];
  CHECK_EQ_STR(term1(an, "sam-\nverkan", b, sizeof b), "samverk");
}

static void test_colon_suffix(AnAnalyzer *an) {
  char a[512];
  AnToken tok;
  CHECK_EQ_INT(first(an, "FN:s", 4, &tok), 1);
  CHECK_EQ_STR(str(tok.term, tok.term_len, a, sizeof a), "fn");
  CHECK_EQ_INT(tok.start, 0);
  CHECK_EQ_INT(tok.end, 4);
  CHECK_EQ_STR(TERMS(an, "EU:s och SCB:n rapport", a), "eu och scb rapport");
  CHECK_EQ_STR(TERMS(an, "TV:ns 10:e", a), "tv 10");
  CHECK_EQ_STR(TERMS(an, "FN:är", a), "fn"); /* non-ASCII suffix letters */
  /* Not suffixes: too long, upper case, digits, nothing after the colon. */
  CHECK_EQ_STR(FOLDS(an, "FN:stadgan", a), "fn stadgan");
  CHECK_EQ_STR(TERMS(an, "FN:S", a), "fn s");
  CHECK_EQ_STR(TERMS(an, "FN:sa2", a), "fn sa2");
  CHECK_EQ_STR(TERMS(an, "kl 10:30", a), "kl 10 30");
  CHECK_EQ_INT(first(an, "FN: s", 5, &tok), 1);
  CHECK_EQ_INT(tok.end, 2);
  CHECK_EQ_INT(first(an, "FN:", 3, &tok), 1);
  CHECK_EQ_INT(tok.end, 2);
  /* Suffix then more text: the next token starts after it. */
  CHECK_EQ_STR(TERMS(an, "FN:s,stadga", a), "fn stadg");
  CHECK_EQ_STR(TERMS(an, "FN:s:a", a), "fn a");
}

static void test_positions_and_stops(AnAnalyzer *an) {
  const char text[] = "Barn och unga, att leva i Sverige. Och Är";
  const char *want[] = {"barn", "och", "ung", "att", "lev", "i", "sver",
                        "och", "är"};
  const unsigned stop[] = {0, AN_STOP, 0, AN_STOP, 0, AN_STOP, 0, AN_STOP,
                           AN_STOP};
  char a[512];
  AnToken tok;
  an_begin(an, text, sizeof text - 1, 100);
  uint32_t n = 0;
  while (an_next(an, &tok) == 1) {
    if (n < 9) {
      CHECK_EQ_STR(str(tok.term, tok.term_len, a, sizeof a), want[n]);
      CHECK_EQ_INT(tok.flags & AN_STOP, stop[n]);
    }
    CHECK_EQ_INT(tok.pos, 100 + n);
    n++;
  }
  CHECK_EQ_INT(n, 9);
  /* The built-in list: sorted strictly, all found, others not. */
  CHECK_EQ_INT(an_stopword_count(), 114);
  for (size_t i = 0; i < an_stopword_count(); i++) {
    const char *w = an_stopword(i);
    CHECK(an_is_stopword(w, strlen(w)));
    if (i > 0) CHECK(strcmp(an_stopword(i - 1), w) < 0);
  }
  CHECK(an_stopword(an_stopword_count()) == NULL);
  CHECK(!an_is_stopword("", 0));
  CHECK(!an_is_stopword("kommun", 6));
  CHECK(!an_is_stopword("oc", 2));
  CHECK(!an_is_stopword("ochs", 4));
  CHECK(an_is_stopword("över", strlen("över")));
}

/* Text of one invalid-UTF-8 case: its terms and its invalid count. */
typedef struct BadCase {
  const char *text;
  size_t len;
  const char *terms;
  size_t invalid;
} BadCase;

#define BAD(s, t, n) {s, sizeof(s) - 1, t, n}

static void test_invalid_utf8(AnAnalyzer *an) {
  static const BadCase cases[] = {
      BAD("hej\xFF" "då", "hej då", 1),             /* lone 0xFF            */
      BAD("hej\0då", "hej då", 0),                  /* NUL: valid, separates */
      BAD("a\x80" "b", "a b", 1),                   /* stray continuation    */
      BAD("a\x80\xBF\x80" "b", "a b", 3),           /* three of them         */
      BAD("a\xC0\x80" "b", "a b", 2),               /* overlong NUL          */
      BAD("a\xE0\x80\xAF" "b", "a b", 3),           /* overlong '/'          */
      BAD("a\xED\xA0\x80" "b", "a b", 3),           /* surrogate U+D800      */
      BAD("a\xF4\x90\x80\x80" "b", "a b", 4),       /* U+110000              */
      BAD("a\xE2\x82" "b", "a b", 1),               /* truncated inside      */
      BAD("a\xF0\x9F\x98" " b", "a b", 1),          /* truncated, 3 of 4     */
      BAD("hej \xE2\x82", "hej", 1),                /* truncated at the end  */
      BAD("\xC3", "", 1),                           /* only a lead byte      */
      BAD("\xFE\xFF\xFE", "", 3),
      BAD("Åt\xFFgärd\xC3(", "åt gärd", 2),
  };
  char a[512];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    terms(an, cases[i].text, cases[i].len, a, sizeof a);
    CHECK_EQ_STR(a, cases[i].terms);
    CHECK_EQ_INT(an_invalid_count(an), cases[i].invalid);
    if (strcmp(a, cases[i].terms) != 0 ||
        an_invalid_count(an) != cases[i].invalid)
      fprintf(stderr, "  (invalid UTF-8 case %zu)\n", i);
  }
  /* an_begin resets the count. */
  an_begin(an, "ok", 2, 0);
  CHECK_EQ_INT(an_invalid_count(an), 0);
  /* Every byte value, everywhere: no crash, and each token is valid UTF-8
  ** (checked by the sanitizers and by folding never failing). */
  unsigned char all[3 * 256];
  for (size_t i = 0; i < 256; i++) {
    all[3 * i] = (unsigned char)i;
    all[3 * i + 1] = (unsigned char)(255 - i);
    all[3 * i + 2] = 'x';
  }
  AnToken tok;
  size_t ntok = 0;
  an_begin(an, (const char *)all, sizeof all, 0);
  while (an_next(an, &tok) == 1) {
    CHECK(tok.start < tok.end && tok.end <= sizeof all);
    ntok++;
  }
  CHECK(ntok > 0);
  CHECK(an_invalid_count(an) > 0);
}

static void test_offsets(AnAnalyzer *an) {
  const char text[] = "  Sociala insatsgruppen, FN:s\xFF" "Åtgärder-19.";
  const char *surface[] = {"Sociala", "insatsgruppen", "FN:s", "Åtgärder",
                           "19"};
  AnToken tok;
  size_t n = 0;
  an_begin(an, text, sizeof text - 1, 0);
  while (an_next(an, &tok) == 1) {
    if (n < 5) {
      size_t want = strlen(surface[n]);
      CHECK_EQ_INT(tok.end - tok.start, want);
      CHECK(tok.end - tok.start == want &&
            memcmp(text + tok.start, surface[n], want) == 0);
    }
    n++;
  }
  CHECK_EQ_INT(n, 5);
}

static void test_long_tokens(AnAnalyzer *an) {
  static char buf[4096];
  char a[512];
  AnToken tok;
  /* ASCII: 300 letters, then a word. */
  memset(buf, 'A', 300);
  memcpy(buf + 300, " kommun", 7);
  an_begin(an, buf, 307, 0);
  CHECK_EQ_INT(an_next(an, &tok), 1);
  CHECK_EQ_INT(tok.fold_len, SW_MAX_TOKEN_BYTES);
  CHECK(tok.fold[0] == 'a' && tok.fold[SW_MAX_TOKEN_BYTES - 1] == 'a');
  CHECK(tok.term_len <= SW_MAX_TOKEN_BYTES);
  CHECK_EQ_INT(tok.start, 0);
  CHECK_EQ_INT(tok.end, 300);
  CHECK_EQ_INT(an_next(an, &tok), 1);
  CHECK_EQ_STR(str(tok.term, tok.term_len, a, sizeof a), "kommun");
  CHECK_EQ_INT(tok.pos, 1);
  /* 2-byte letters: 200 x "Ö" fold to 128 x "ö" (256 bytes). */
  for (size_t i = 0; i < 200; i++) memcpy(buf + 2 * i, "Ö", 2);
  CHECK_EQ_INT(first(an, buf, 400, &tok), 1);
  CHECK_EQ_INT(tok.fold_len, 256);
  CHECK(memcmp(tok.fold, "öö", 4) == 0 && memcmp(tok.fold + 252, "öö", 4) == 0);
  CHECK_EQ_INT(tok.end, 400);
  /* 3-byte letters (U+4E00, Lo, NFKC-stable): cut to 85 of them, 255
  ** bytes. */
  for (size_t i = 0; i < 100; i++) memcpy(buf + 3 * i, "\xE4\xB8\x80", 3);
  CHECK_EQ_INT(first(an, buf, 300, &tok), 1);
  CHECK_EQ_INT(tok.fold_len, 255);
  CHECK(memcmp(tok.fold + 252, "\xE4\xB8\x80", 3) == 0);
  /* 255 ASCII letters then "ö": the ö would cross the limit and goes. */
  memset(buf, 'b', 255);
  memcpy(buf + 255, "ö", 2);
  CHECK_EQ_INT(first(an, buf, 257, &tok), 1);
  CHECK_EQ_INT(tok.fold_len, 255);
  CHECK_EQ_INT(tok.end, 257);
  /* A very long non-ASCII run (past what folding reads) and its twin. */
  for (size_t i = 0; i < 2000; i++) memcpy(buf + 2 * i, "ä", 2);
  CHECK_EQ_INT(first(an, buf, 4000, &tok), 1);
  CHECK_EQ_INT(tok.fold_len, 256);
  CHECK_EQ_INT(tok.end, 4000);
  size_t n1 = 0, n2 = 0;
  char t1[SW_MAX_TOKEN_BYTES], t2[SW_MAX_TOKEN_BYTES];
  CHECK_EQ_INT(an_term(an, buf, 4000, t1, sizeof t1, &n1), SW_OK);
  CHECK_EQ_INT(an_term(an, buf, 4000, t2, sizeof t2, &n2), SW_OK);
  CHECK(n1 > 0 && n1 == n2 && memcmp(t1, t2, n1) == 0);
  /* Many combining marks on one letter: a run of marks, cut, no crash. */
  buf[0] = 'a';
  for (size_t i = 0; i < 1000; i++) memcpy(buf + 1 + 2 * i, "\xCC\x81", 2);
  CHECK_EQ_INT(first(an, buf, 2001, &tok), 1);
  CHECK(tok.fold_len > 0 && tok.fold_len <= SW_MAX_TOKEN_BYTES);
  CHECK_EQ_INT(tok.end, 2001);
}

static void test_an_term(AnAnalyzer *an) {
  char out[SW_MAX_TOKEN_BYTES];
  char a[512];
  size_t n = 99;
  CHECK_EQ_INT(an_term(an, "  -- Sociala frågor", 20, out, sizeof out, &n),
               SW_OK);
  CHECK_EQ_STR(str(out, n, a, sizeof a), "social");
  n = 99;
  CHECK_EQ_INT(an_term(an, " -- !", 5, out, sizeof out, &n), SW_OK);
  CHECK_EQ_INT(n, 0);
  CHECK_EQ_INT(an_term(an, NULL, 0, out, sizeof out, &n), SW_OK);
  CHECK_EQ_INT(n, 0);
  CHECK_EQ_INT(an_term(an, "FN:s", 4, out, sizeof out, &n), SW_OK);
  CHECK_EQ_STR(str(out, n, a, sizeof a), "fn");
  CHECK_EQ_INT(an_term(an, "sociala", 7, out, 3, &n), SW_LIMIT);
  CHECK_EQ_INT(n, 0);
  CHECK_EQ_INT(an_term(an, "sociala", 7, out, 6, &n), SW_OK);
  CHECK_EQ_INT(n, 6);
  /* an_term leaves a stream and its current token alone. */
  const char text[] = "Kommunens åtgärder";
  AnToken tok;
  an_begin(an, text, sizeof text - 1, 7);
  CHECK_EQ_INT(an_next(an, &tok), 1);
  CHECK_EQ_INT(an_term(an, "Insatsgrupperna", 15, out, sizeof out, &n), SW_OK);
  CHECK_EQ_STR(str(tok.term, tok.term_len, a, sizeof a), "kommun");
  CHECK_EQ_STR(str(tok.fold, tok.fold_len, a, sizeof a), "kommunens");
  CHECK_EQ_INT(an_term(an, "ÅTGÄRDERNA", 12, out, sizeof out, &n), SW_OK);
  CHECK_EQ_INT(an_next(an, &tok), 1);
  CHECK_EQ_STR(str(tok.term, tok.term_len, a, sizeof a), "åtgärd");
  CHECK_EQ_INT(tok.pos, 8);
  CHECK_EQ_INT(an_next(an, &tok), 0);
}

/* The cache on its own: bounded, emptied when full, right after a reset. */
static void test_stem_cache(void) {
  AnStemCache *c = NULL;
  CHECK_EQ_INT(an_stemcache_new(&c), SW_OK);
  if (!c) return;
  char key[32], stemv[32];
  size_t total = AN_CACHE_MAX_ENTRIES + AN_CACHE_MAX_ENTRIES / 2;
  size_t max_size = 0;
  for (size_t i = 0; i < total; i++) {
    int kl = snprintf(key, sizeof key, "k%zu", i);
    int sl = snprintf(stemv, sizeof stemv, "s%zu", i);
    uint32_t h = an_hash(key, (size_t)kl);
    AnCacheHit hit;
    if (an_stemcache_find(c, h, key, (size_t)kl, &hit)) {
      fprintf(stderr, "  cache: %s found before it was put\n", key);
      CHECK(0);
      break;
    }
    an_stemcache_put(c, h, key, (size_t)kl, key, (size_t)kl, stemv,
                     (size_t)sl, (unsigned)(i & 1));
    if (!an_stemcache_find(c, h, key, (size_t)kl, &hit) ||
        hit.stem_len != (size_t)sl || memcmp(hit.stem, stemv, hit.stem_len) ||
        hit.fold_len != (size_t)kl || memcmp(hit.fold, key, hit.fold_len) ||
        hit.flags != (i & 1)) {
      fprintf(stderr, "  cache: %s wrong right after put\n", key);
      CHECK(0);
      break;
    }
    if (an_stemcache_size(c) > max_size) max_size = an_stemcache_size(c);
  }
  CHECK_EQ_INT(max_size, AN_CACHE_MAX_ENTRIES);
  CHECK_EQ_INT(an_stemcache_resets(c), 1);
  CHECK_EQ_INT(an_stemcache_size(c), total - AN_CACHE_MAX_ENTRIES);
  /* Too long or empty keys are skipped. */
  static char big[AN_CACHE_KEY_MAX + 1];
  memset(big, 'x', sizeof big);
  size_t before = an_stemcache_size(c);
  an_stemcache_put(c, an_hash(big, sizeof big), big, sizeof big, "x", 1, "x",
                   1, 0);
  an_stemcache_put(c, an_hash("", 0), "", 0, "x", 1, "x", 1, 0);
  CHECK_EQ_INT(an_stemcache_size(c), before);
  an_stemcache_free(c);
  an_stemcache_free(NULL);
}

/* Many distinct words through one analyzer: the chain's cache fills and
** empties; terms stay right. The words end in a digit and "x", which the
** Swedish stemmer leaves alone, so each term is its word lower-cased. */
static void test_many_words(AnAnalyzer *an) {
  char w[64], want[64], out[SW_MAX_TOKEN_BYTES];
  size_t n, bad = 0;
  for (size_t i = 0; i < AN_CACHE_MAX_ENTRIES + 1000; i++) {
    int odd = (int)(i & 1);
    int wl = snprintf(w, sizeof w, "%s%zux", odd ? "ÄR" : "Ar", i);
    int ml = snprintf(want, sizeof want, "%s%zux", odd ? "är" : "ar", i);
    if (an_term(an, w, (size_t)wl, out, sizeof out, &n) != SW_OK ||
        n != (size_t)ml || memcmp(out, want, n) != 0) {
      if (bad++ < 5) fprintf(stderr, "  many words: %s gave %.*s\n", w,
                             (int)n, out);
    }
  }
  CHECK_EQ_INT(bad, 0);
  char a[64];
  CHECK_EQ_STR(term1(an, "insatsgrupperna", a, sizeof a), "insatsgrupp");
}

/* A small deterministic generator (64-bit LCG), for test_random. */
static uint32_t rnd(uint64_t *state) {
  *state = *state * 6364136223846793005u + 1442695040888963407u;
  return (uint32_t)(*state >> 33);
}

/* Random mixtures of words, Swedish letters, marks, suffixes, separators and
** garbage bytes. For each: tokens lie inside the text in order, positions
** are consecutive, lengths are bounded, the fold is valid UTF-8 (analysing
** it again finds nothing invalid), an_term of a token's surface gives its
** term, and a second pass (cache hits) gives the first pass's terms. */
static void test_random(AnAnalyzer *an) {
  static const char *const pieces[] = {
      "och", "Sociala", "ÅTGÄRDER", "insatsgruppen", "FN:s", ":n", "-", " ",
      "\n", "19", "\xCC\x8A", "\xCC\x88", "Ä", "ö", "ß", "\xE2\x84\xAA",
      "\xE3\x84\xB1", "\xF0\x9F\x98\x80", "\xFF", "\x80", "\xC3", "\xE2\x82",
      "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xC0\x80", ".", ",", "\0", "É"};
  static char text[4096];
  char fold[SW_MAX_TOKEN_BYTES], term[SW_MAX_TOKEN_BYTES];
  static char first_terms[8192], second_terms[8192];
  uint64_t st = 42;
  size_t bad = 0, ntok = 0;
  AnAnalyzer *check = NULL;
  SwError err;
  sw_error_clear(&err);
  CHECK_EQ_INT(an_new(&check, &err), SW_OK);
  for (int round = 0; round < 400 && bad == 0; round++) {
    size_t len = 0, target = rnd(&st) % 3000;
    while (len < target) {
      uint32_t r = rnd(&st);
      if (r % 16 == 0) { /* a long run of one piece */
        const char *p = pieces[rnd(&st) % 4];
        for (size_t k = 0; k < 40 && len + 16 < sizeof text; k++) {
          memcpy(text + len, p, strlen(p));
          len += strlen(p);
        }
      } else if (r % 16 == 1) { /* a random byte */
        text[len++] = (char)(rnd(&st) & 0xFF);
      } else {
        const char *p = pieces[rnd(&st) % (sizeof pieces / sizeof pieces[0])];
        size_t pl = p[0] ? strlen(p) : 1;
        if (len + pl >= sizeof text) break;
        memcpy(text + len, p, pl);
        len += pl;
      }
      if (len + 16 >= sizeof text) break;
    }
    for (int pass = 0; pass < 2; pass++) {
      char *list = pass == 0 ? first_terms : second_terms;
      size_t ll = 0;
      AnToken tok;
      size_t prev_end = 0;
      uint32_t n = 0;
      int rc;
      an_begin(an, text, len, 5);
      while ((rc = an_next(an, &tok)) == 1) {
        if (tok.start < prev_end || tok.start >= tok.end || tok.end > len ||
            tok.pos != 5 + n || tok.fold_len > SW_MAX_TOKEN_BYTES ||
            tok.term_len > SW_MAX_TOKEN_BYTES || tok.fold_len == 0)
          bad++;
        prev_end = tok.end;
        n++;
        ntok++;
        memcpy(fold, tok.fold, tok.fold_len);
        size_t fl = tok.fold_len;
        size_t tl = 0;
        if (an_term(an, text + tok.start, tok.end - tok.start, term,
                    sizeof term, &tl) != SW_OK ||
            tl != tok.term_len || memcmp(term, tok.term, tl) != 0)
          bad++;
        if (ll + tok.term_len + 1 < sizeof first_terms) {
          memcpy(list + ll, tok.term, tok.term_len);
          ll += tok.term_len;
          list[ll++] = ' ';
        }
        /* The fold is valid UTF-8: a second analyzer finds nothing
        ** invalid in it. */
        if (check) {
          AnToken t2;
          an_begin(check, fold, fl, 0);
          while (an_next(check, &t2) == 1) {}
          if (an_invalid_count(check) != 0) bad++;
        }
      }
      if (rc != 0) bad++;
      list[ll] = '\0';
    }
    if (strcmp(first_terms, second_terms) != 0) bad++;
    if (bad) fprintf(stderr, "  random round %d failed\n", round);
  }
  CHECK_EQ_INT(bad, 0);
  CHECK(ntok > 10000);
  an_free(check);
}

static void test_alloc_failures(void) {
  /* Fail each allocation of an_new in turn: SW_NOMEM, NULL, no leak. */
  int ok = 0;
  for (long n = 0; n < 20 && !ok; n++) {
    AnAnalyzer *an = (AnAnalyzer *)&ok; /* must be overwritten with NULL */
    SwError err;
    sw_error_clear(&err);
    sw_fault_alloc_after(n);
    int rc = an_new(&an, &err);
    sw_fault_alloc_reset();
    if (rc == SW_OK) {
      ok = 1;
      CHECK(an != NULL);
    } else {
      CHECK_EQ_INT(rc, SW_NOMEM);
      CHECK_EQ_INT(err.code, SW_NOMEM);
      CHECK(an == NULL);
      continue;
    }
    an_free(an);
  }
  CHECK(ok);
  an_free(NULL);
}

/* ----------------------------------------------------------- benchmark -- */

static int bench(const char *path) {
  size_t len;
  char *data = tu_read_file(path, &len);
  if (!data) {
    fprintf(stderr, "SW_ANALYSIS_BENCH: cannot read %s\n", path);
    return 1;
  }

  AnAnalyzer *an = NULL;
  SwError err;
  sw_error_clear(&err);
  if (an_new(&an, &err) != SW_OK) {
    fprintf(stderr, "an_new: %s\n", err.msg);
    free(data);
    return 1;
  }
  for (int pass = 1; pass <= 2; pass++) {
    size_t ntok = 0, nstop = 0, ninvalid = 0, ndocs = 0, sum = 0;
    double t0 = sw_now();
    for (size_t off = 0; off < len;) {
      const char *nl = memchr(data + off, '\n', len - off);
      size_t end = nl ? (size_t)(nl - data) : len;
      AnToken tok;
      an_begin(an, data + off, end - off, 0);
      while (an_next(an, &tok) == 1) {
        ntok++;
        nstop += tok.flags & AN_STOP;
        sum += tok.term_len;
      }
      ninvalid += an_invalid_count(an);
      ndocs++;
      off = end + 1;
    }
    double secs = sw_now() - t0;
    printf("bench pass %d: %.1f MB in %.3f s = %.1f MB/s; %zu lines, %zu "
           "tokens (%zu stop), %zu invalid, term bytes %zu\n",
           pass, (double)len / 1e6, secs, (double)len / 1e6 / secs, ndocs,
           ntok, nstop, ninvalid, sum);
  }
  an_free(an);
  free(data);
  return 0;
}

int main(void) {
  AnAnalyzer *an = NULL;
  SwError err;
  sw_error_clear(&err);
  int rc = an_new(&an, &err);
  CHECK_EQ_INT(rc, SW_OK);
  if (rc != SW_OK) {
    fprintf(stderr, "an_new: %s\n", err.msg);
    return tu_done();
  }
  test_case_and_stemming(an);
  test_swedish_letters(an);
  test_nfd(an);
  test_separators(an);
  test_normalisation(an);
  test_colon_suffix(an);
  test_line_end_hyphen(an);
  test_positions_and_stops(an);
  test_invalid_utf8(an);
  test_offsets(an);
  test_long_tokens(an);
  test_an_term(an);
  test_stem_cache();
  test_random(an);
  test_many_words(an);
  test_alloc_failures();
  an_free(an);

  const char *bench_file = getenv("SW_ANALYSIS_BENCH");
  if (bench_file && *bench_file && bench(bench_file) != 0) tu_failed++;
  return tu_done();
}
