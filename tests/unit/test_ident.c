/*
** test_ident.c — unit tests of identifier recognition (stemmer/ident.c,
** interface in stemmer_int.h): the typing variants of diarienummer,
** riksmöte, SFS and paragraph numbers give one canon; dates, times, years,
** ratios and the like give none; ranges, order, kinds, broader canons,
** stopping, and arbitrary bytes (random and mutated input never crash or
** report a range outside the text). The seeds of corpus/ are scanned for
** the identifiers a reader finds in them.
**
** Throughput check (not a test, no timing asserted): with
** SW_IDENT_BENCH=FILE set, FILE is scanned three times after the tests and
** MB/s (CPU time) is printed.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stemmer_int.h"
#include "testutil.h"

/* What a scan reported. */
typedef struct Got {
  char all[2048];     /* every canon, "|"-separated, in report order   */
  char primary[1024]; /* the most specific canons only                  */
  int kinds[8];       /* kind of each primary canon (first 8)           */
  size_t starts[8];   /* start of each primary canon                    */
  size_t ends[8];     /* end of each primary canon                      */
  int n;              /* primary canons                                 */
  int calls;          /* callback calls                                 */
  size_t len;         /* text length, for range checks                  */
  int bad;            /* a range outside the text, overlap or disorder  */
  size_t last_end;    /* end of the previous identifier                 */
  size_t last_start;  /* start of the previous identifier               */
  int stop_after;     /* stop (return 7) after this many calls; 0 never */
} Got;

static void append(char *buf, size_t cap, const char *s) {
  size_t n = strlen(buf);
  snprintf(buf + n, cap - n, "%s%s", n ? "|" : "", s);
}

static int collect_cb(void *ctx, const AnIdent *id) {
  Got *g = ctx;
  g->calls++;
  if (id->end > g->len || id->start >= id->end) g->bad = 1;
  if (id->canon_len != strlen(id->canon) || id->canon_len == 0) g->bad = 1;
  if (!id->broader) {
    if (g->n > 0 && id->start < g->last_end) g->bad = 1; /* overlap/order */
    g->last_start = id->start;
    g->last_end = id->end;
    if (g->n < 8) {
      g->kinds[g->n] = id->kind;
      g->starts[g->n] = id->start;
      g->ends[g->n] = id->end;
    }
    g->n++;
    append(g->primary, sizeof g->primary, id->canon);
  } else if (id->start != g->last_start || id->end != g->last_end) {
    g->bad = 1; /* a broader canon shares the range of its identifier */
  }
  append(g->all, sizeof g->all, id->canon);
  return g->stop_after && g->calls >= g->stop_after ? 7 : 0;
}

static int scan(const char *text, size_t len, Got *g) {
  memset(g, 0, sizeof *g);
  g->len = len;
  return an_ident_scan(text, len, collect_cb, g);
}

/* Primary canons of text, "|"-separated ("" if none). */
static const char *prim(const char *text) {
  static Got g;
  scan(text, strlen(text), &g);
  CHECK(!g.bad);
  return g.primary;
}

/* Every canon of text. */
static const char *all(const char *text) {
  static Got g;
  scan(text, strlen(text), &g);
  CHECK(!g.bad);
  return g.all;
}

static int kind0(const char *text) {
  static Got g;
  scan(text, strlen(text), &g);
  return g.n ? g.kinds[0] : 0;
}

static void test_dnr_variants(void) {
  static const char *const ks[] = {
      "Dnr KS 2020/1050",      "KS 2020/1050",        "KS2020/1050",
      "ks2020/1050",           "ks 2020/1050",        "dnr. ks 2020/1050",
      "\"KS 2020/1050\"",      "(Dnr KS 2020/1050)",  "KS\xE2\x80\x93" "2020/1050",
      "KS - 2020/1050",        "KS\xC2\xA0" "2020/1050", "Dnr: KS 2020/1050.",
      "KS 2020/01050",         "DNR KS  2020/1050",   "Ks 2020/1050",
  };
  for (size_t i = 0; i < sizeof ks / sizeof *ks; i++) {
    CHECK_EQ_STR(prim(ks[i]), "ks 2020/1050");
    CHECK_EQ_STR(all(ks[i]), "ks 2020/1050|2020/1050");
    CHECK_EQ_INT(kind0(ks[i]), AN_ID_DNR);
  }
  CHECK_EQ_STR(prim("KS 2019/656"), "ks 2019/656");
  CHECK_EQ_STR(prim("dnr RK 2020/196"), "rk 2020/196");
  CHECK_EQ_STR(prim("Dnr EÅV 2019/274"), "eåv 2019/274");
  CHECK_EQ_STR(prim("EÅV2019/274"), "eåv 2019/274");
  CHECK_EQ_STR(prim("eåv 2019/274"), "eåv 2019/274");
  /* bare number: its own canon, and the one every series form gives too */
  CHECK_EQ_STR(all("2020/1050"), "2020/1050");
  CHECK_EQ_INT(kind0("2020/1050"), AN_ID_DNR);
  /* ministry numbers with a unit: three canons, most specific first */
  CHECK_EQ_STR(all("(N2018/03142/SK)"), "n 2018/3142/sk|n 2018/3142|2018/3142");
  CHECK_EQ_STR(all("Fi2019/00431/S2"), "fi 2019/431/s2|fi 2019/431|2019/431");
  CHECK_EQ_STR(prim("dnr S2018/00530/SF"), "s 2018/530/sf");
  /* the label takes other forms as they stand */
  CHECK_EQ_STR(prim("dnr 2018-00176"), "2018-00176");
  CHECK_EQ_STR(prim("Dnr 2018:1398"), "2018:1398");
  CHECK_EQ_INT(kind0("Dnr 2018:1398"), AN_ID_DNR);
  CHECK_EQ_STR(prim("(dnr 400-2018/19)"), "400-2018/19");
  CHECK_EQ_STR(prim("dnr A330.338/2017."), "a330.338/2017");
  CHECK_EQ_STR(prim("dnr 204 402 092"), ""); /* not one token */
  /* common words are no series; the number stays */
  CHECK_EQ_STR(all("för 2020/1050"), "2020/1050");
  CHECK_EQ_STR(all("nr 2017/746"), "2017/746");
  /* the range covers the series, not the label */
  Got g;
  scan("Dnr KS 2020/1050 x", 18, &g);
  CHECK_EQ_INT(g.n, 1);
  CHECK_EQ_INT(g.starts[0], 4);
  CHECK_EQ_INT(g.ends[0], 16);
}

static void test_rm_sfs_eu(void) {
  CHECK_EQ_STR(all("2018/19:1088"), "2018/19:1088");
  CHECK_EQ_INT(kind0("2018/19:1088"), AN_ID_RM);
  CHECK_EQ_STR(prim("motion 2018/19 :1088"), "2018/19:1088");
  CHECK_EQ_STR(prim("rskr. 2009/10: 374)"), "2009/10:374");
  CHECK_EQ_STR(prim("motion 2018/19\xE2\x80\x8D:2428 (C)"), "2018/19:2428");
  CHECK_EQ_STR(prim("Interpellation 1999/2000:412"), "1999/00:412");
  CHECK_EQ_STR(prim("bet. 2018/19:JuU19"), "2018/19:juu19");
  CHECK_EQ_STR(prim("yttr. 2018/19:UbU4y,"), "2018/19:ubu4y");
  CHECK_EQ_STR(prim("bet. KU 1986/87:33 s. 7"), "1986/87:ku33");
  CHECK_EQ_STR(prim("KU1987/88:40"), "1987/88:ku40");
  CHECK_EQ_STR(prim("Prop. 2018/19:154"), "2018/19:154");

  CHECK_EQ_STR(all("SFS 2017:725"), "2017:725");
  CHECK_EQ_STR(all("2017:725"), "2017:725");
  CHECK_EQ_STR(all("Lag (2019:835)."), "2019:835");
  CHECK_EQ_STR(all("motion (2017:54)"), "2017:54");
  CHECK_EQ_INT(kind0("SFS 2017:725"), AN_ID_SFS);
  Got g;
  scan("SFS 2017:725", 12, &g);
  CHECK_EQ_INT(g.starts[0], 0); /* "SFS" belongs to the identifier */
  CHECK_EQ_STR(all("SOU 2019:40"), "sou 2019:40|2019:40");
  CHECK_EQ_STR(all("(Ds 2017:61)"), "ds 2017:61|2017:61");
  CHECK_EQ_STR(all("dir. 2016:104"), "dir 2016:104|2016:104");

  CHECK_EQ_STR(all("förordning (EU) 2016/679 av"), "2016/679");
  CHECK_EQ_INT(kind0("förordning (EU) 2016/679 av"), AN_ID_EU);
  CHECK_EQ_STR(all("(EG) nr 1907/2006"), "1907/2006");
  CHECK_EQ_STR(all("(EEG) nr 1408/71"), "1408/71");
  CHECK_EQ_STR(all("(EU, Euratom) 2018/1046,"), "2018/1046");
  CHECK_EQ_STR(all("direktiv 2004/38/EG om"), "2004/38");
  CHECK_EQ_INT(kind0("direktiv 2004/38/EG om"), AN_ID_EU);
  CHECK_EQ_STR(all("rådets direktiv (EU)\n\n2018/843."), "2018/843");
}

static void test_para(void) {
  static const char *const p13[] = {"§ 13", "§13", "13 §", "§§ 13",
                                    "13 §§", "(§ 13)", "13\xC2\xA0\xC2\xA7"};
  for (size_t i = 0; i < sizeof p13 / sizeof *p13; i++) {
    CHECK_EQ_STR(all(p13[i]), "\xC2\xA7 13");
    CHECK_EQ_INT(kind0(p13[i]), AN_ID_PARA);
  }
  CHECK_EQ_STR(all("13 a §"), "\xC2\xA7 13 a");
  CHECK_EQ_STR(all("13a §"), "\xC2\xA7 13 a");
  CHECK_EQ_STR(all("§ 13a."), "\xC2\xA7 13 a");
  CHECK_EQ_STR(all("9 kap. 2 § andra stycket"), "\xC2\xA7 2");
  CHECK_EQ_STR(all("§ 0"), "");
  CHECK_EQ_STR(all("§ 12345"), "");
}

static void test_refused(void) {
  static const char *const none[] = {
      "2020-01-01",  "den 2020-01-01 kl. 10:30",  "10:30",  "12:30:00",
      "1/2",         "3/4 av",                    "2020",   "år 2020",
      "riksmötet 2018/19",  "1999/2000",          "för 2019/2020",
      "2018/19 och 2019/20", "2020/01/15",        "2019/1/5",
      "sid. 12",     "5 000 kr",  "08-508 43 024", "0,5/1000",
      "2015/6:FiU26",  "1990/9 l:SoU2",  "KS 2018/19", "2020/10.5",
      "2020/10a",    "ISO 9001:2015",  "1:a", "kl. 2019", "2019/01-15",
      "Joh 3:16",    "12/2020/1050", "a/2020/1050", "3.2020/15",
      "direktiv 2014/17/\xD0\x95U", /* a Cyrillic Е */
      "",
  };
  for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
    const char *got = all(none[i]);
    if (*got) fprintf(stderr, "refused case %zu \"%s\" gave \"%s\"\n", i,
                      none[i], got);
    CHECK_EQ_STR(got, "");
  }
}

static void test_order_and_stop(void) {
  const char *t = "Dnr KS 2020/1050, se 2018/19:1088 och SFS 2017:725 § 3.";
  Got g;
  CHECK_EQ_INT(scan(t, strlen(t), &g), 0);
  CHECK(!g.bad);
  CHECK_EQ_STR(g.primary, "ks 2020/1050|2018/19:1088|2017:725|\xC2\xA7 3");
  CHECK_EQ_INT(g.kinds[0], AN_ID_DNR);
  CHECK_EQ_INT(g.kinds[1], AN_ID_RM);
  CHECK_EQ_INT(g.kinds[2], AN_ID_SFS);
  CHECK_EQ_INT(g.kinds[3], AN_ID_PARA);
  memset(&g, 0, sizeof g);
  g.len = strlen(t);
  g.stop_after = 2;
  CHECK_EQ_INT(an_ident_scan(t, strlen(t), collect_cb, &g), 7);
  CHECK_EQ_INT(g.calls, 2);
  CHECK_EQ_INT(an_ident_scan(NULL, 0, collect_cb, &g), 0);
  /* a cut text: nothing read past len */
  const char *cut = "KS 2020/1050";
  for (size_t n = 0; n <= strlen(cut); n++) {
    char *copy = malloc(n ? n : 1); /* exact size: ASan sees overreads */
    memcpy(copy, cut, n);
    scan(copy, n, &g);
    CHECK(!g.bad);
    free(copy);
  }
  scan(cut, 11, &g);
  CHECK_EQ_STR(g.primary, "ks 2020/105");
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 16);
}

/* Random bytes, and valid text with bytes flipped or cut: never a crash,
** never a range outside the text. Each input sits in a buffer of its exact
** size so that ASan catches a read past the end. */
static void test_arbitrary_bytes(void) {
  static const char *const pieces[] = {
      "KS ", "2020", "/", "1050", "2018/19", ":", "JuU", "19", "\xC2\xA7",
      " ", "dnr ", "(EU) ", "nr ", "SFS ", "\xE2\x80\x93", "\xE2\x80\x8D",
      "13", " a ", "EÅV", "\xC3", "\xFF", "-", ".", "SOU ", "\n", "/SK",
      "(", ")", ",", "Euratom", "0", "\xC2\xA0",
  };
  size_t np = sizeof pieces / sizeof *pieces;
  int bad = 0;
  for (int iter = 0; iter < 20000; iter++) {
    char buf[256];
    size_t n = 0;
    if (iter % 2) {
      size_t want = rnd() % 200;
      while (n < want) buf[n++] = (char)(rnd() & 0xFF);
    } else {
      while (n < 200) {
        const char *p = pieces[rnd() % np];
        size_t pl = strlen(p);
        if (n + pl > 200) break;
        memcpy(buf + n, p, pl);
        n += pl;
        if (rnd() % 8 == 0) break;
      }
      if (n && rnd() % 4 == 0) buf[rnd() % n] = (char)(rnd() & 0xFF);
    }
    char *copy = malloc(n ? n : 1);
    memcpy(copy, buf, n);
    Got g;
    scan(copy, n, &g);
    bad |= g.bad;
    free(copy);
  }
  CHECK(!bad);
}

/* The identifiers of the five seeds, as a reader finds them. */
static void test_seeds(void) {
  static const struct {
    const char *file;
    const char *must; /* canons that must be reported, "|"-separated */
  } seeds[] = {
      {"000_edd3e648c7099bc0.txt", "ks 2020/1050|2020/1050"},
      {"001_dcc03598cb1e7b7d.txt", "ks 2019/1899|rk 2020/196"},
      {"002_41484ad99dbc1724.txt", "ks 2023/431"},
      {"003_cbcbe56bc7805af2.txt", "2017:54"},
      {"004_c6009626929c49d9.txt",
       "\xC2\xA7 13|ks 2019/656|eåv 2019/274|2019/274"},
  };
  const char *root = getenv("SW_SOURCE_DIR");
  for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/corpus/%s", root ? root : ".",
             seeds[i].file);
    size_t len;
    char *text = tu_read_file(path, &len);
    CHECK(text != NULL);
    if (!text) continue;
    Got g;
    scan(text, len, &g);
    CHECK(!g.bad);
    char want[256];
    snprintf(want, sizeof want, "%s", seeds[i].must);
    for (char *tok = strtok(want, "|"); tok; tok = strtok(NULL, "|")) {
      char needle[300];
      /* match whole canons inside "|a|b|" */
      char hay[2100];
      snprintf(hay, sizeof hay, "|%s|", g.all);
      snprintf(needle, sizeof needle, "|%s|", tok);
      if (!strstr(hay, needle))
        fprintf(stderr, "%s: missing \"%s\" in \"%s\"\n", seeds[i].file, tok,
                g.all);
      CHECK(strstr(hay, needle) != NULL);
    }
    /* nothing else of kind DNR: the phone number, dates and years are not */
    int dnr = 0;
    for (int k = 0; k < g.n && k < 8; k++) dnr += g.kinds[k] == AN_ID_DNR;
    CHECK(dnr <= 2);
    free(text);
  }
}

static int count_cb(void *ctx, const AnIdent *id) {
  (void)id;
  (*(size_t *)ctx)++;
  return 0;
}

static void bench(const char *path) {
  size_t len;
  char *text = tu_read_file(path, &len);
  if (!text) {
    printf("bench: cannot read %s\n", path);
    return;
  }
  for (int pass = 0; pass < 3; pass++) {
    size_t n = 0;
    clock_t t0 = clock();
    an_ident_scan(text, len, count_cb, &n);
    double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
    printf("bench: %zu bytes, %zu canons, %.3f s CPU, %.1f MB/s\n", len, n, s,
           s > 0 ? (double)len / s / 1e6 : 0.0);
  }
  free(text);
}

/* The scan jumps to the next digit or section sign (ident.c, IDENT_LEAD):
** whatever text comes before an identifier, and however far, it is found
** the same, at the same place. Each sample behind paddings of 0..299 bytes
** of words (ASCII, Swedish letters, a no-break space, line breaks). */
static void test_skip_invariance(void) {
  static const char *const samples[] = {
      "Dnr KS 2020/1050", "dnr RK 2020/196 och EÅV 2019/274",
      "interpellation 2017/18:447", "mot. 2018/19:1088", "SFS 2017:725",
      "prop. 2019/20:38", "KU 1986/87:33", "förordning (EU) 2016/679",
      "§ 13", "KS2020/1050", "betänkande 2019/20:JuU18"};
  static const char pad[] =
      "Kommunstyrelsen föreslår att överenskommelsen \xC2\xA0godkänns och "
      "att\nstadsdelsnämnderna i Rinkeby-Kista samt Spånga-Tensta ska "
      "få i uppdrag\r\natt återrapportera till kommunstyrelsen före "
      "årsskiftet enligt den plan som beskrivs i tjänsteutlåtandet. ";
  char text[1024];
  for (size_t k = 0; k < sizeof samples / sizeof *samples; k++) {
    Got ref, g;
    scan(samples[k], strlen(samples[k]), &ref);
    CHECK(ref.n > 0);
    for (size_t n = 0; n < sizeof pad - 1 && n < 300; n++) {
      if (n && (unsigned char)pad[n] >= 0x80 && (unsigned char)pad[n] < 0xC0)
        continue; /* not a character boundary */
      /* the padding ends at a space, so the sample starts a word */
      int len = snprintf(text, sizeof text, "%.*s %s", (int)n, pad, samples[k]);
      scan(text, (size_t)len, &g);
      size_t shift = n + 1;
      int same = !g.bad && strcmp(g.primary, ref.primary) == 0 &&
                 g.n >= 1 && g.starts[0] == ref.starts[0] + shift &&
                 g.ends[0] == ref.ends[0] + shift;
      if (!same)
        fprintf(stderr, "  '%s' after %zu bytes: got \"%s\" at %zu\n",
                samples[k], n, g.primary, g.n ? g.starts[0] : 0);
      CHECK(same);
      if (!same) break;
    }
  }
}

int main(void) {
  test_dnr_variants();
  test_rm_sfs_eu();
  test_para();
  test_refused();
  test_order_and_stop();
  test_arbitrary_bytes();
  test_seeds();
  test_skip_invariance();
  const char *b = getenv("SW_IDENT_BENCH");
  if (b && *b) bench(b);
  return tu_done();
}
