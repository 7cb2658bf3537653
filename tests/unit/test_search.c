/*
** test_search.c — searching end to end through the public API: a small
** index of hand-written Swedish documents is built with the index writer in
** a temp directory, then sw_search is checked for exact result sets and
** orders (AND, inflections and case, phrases with stop words, OR,
** exclusion, partial fallback, ties, k), a hand-computed BM25 score,
** snippets (highlights, UTF-8, length, whitespace), errors, stats, check,
** sw_analyze, sw_default_index_dir, and allocation failures.
*/
#include "engine_int.h"
#include "testutil.h"
#include "sw_fault.h"

#include <dirent.h>
#include <sys/stat.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct TDoc {
  const char *id, *title, *text;
} TDoc;

/* Doc ids are the array order. */
static char long_text[8192];
static TDoc docs[] = {
    {"a-rinkeby", "Sociala insatsgrupper i Rinkeby-Kista",
     "Stadsdelsnämnden i Rinkeby-Kista har inrättat sociala insatsgrupper för "
     "unga. Insatsgruppen arbetar tillsammans med polisen och skolan."},
    {"b-skola", "Skolans trygghetsarbete",
     "Skolan har en social insatsgrupp som stöttar elever. Vikten av att "
     "stoppa skjutningarna lyfts av rektorn."},
    {"c-budget", "Budget 2021",
     "Kommunstyrelsen beslutar om budget för 2021. Det är av vikt att "
     "budgeten är i balans och att vikten av ekonomin inte glöms."},
    {"d-trygg", "Trygghet i Stockholm",
     "Vikten av att kraftsamla för att stoppa skjutningarna i Stockholm kan "
     "inte nog understrykas. Grupper för sociala frågor och insatser finns."},
    {"e-parkering-kort", "Parkering", "Parkering parkering parkering vid torget."},
    {"f-parkering-lang", "Trafik",
     "Trafiknämnden har utrett trafiken i innerstaden under flera år och "
     "föreslår nu åtgärder för gående, cyklister, kollektivtrafik och "
     "varutransporter samt en översyn av parkering i hela området."},
    {"g-tvilling", "Cykelbanor", "Nya cykelbanor byggs längs ån."},
    {"h-tvilling", "Cykelbanor", "Nya cykelbanor byggs längs ån."},
    {"i-lang", "Trefas samverkan", long_text},
    {"j-omvand", "Omvänd ordning",
     "Här nämns insatsgrupper och därefter sociala frågor."},
};
#define NDOCS (sizeof docs / sizeof docs[0])

static SwIndex *ix;
static char dir[4096];

static void make_long_text(void) {
  const char *filler =
      "Kommunen arbetar vidare med frågor om miljö, skola och omsorg.  ";
  size_t n = 0;
  for (int i = 0; i < 25; i++) {
    n += (size_t)snprintf(long_text + n, sizeof long_text - n, "%s%s", filler,
                          i % 5 == 4 ? "\n\n" : "");
  }
  n += (size_t)snprintf(long_text + n, sizeof long_text - n, "%s",
                        "Projektet Trefas samverkan ger bättre stöd åt äldre "
                        "i området.\n\n");
  for (int i = 0; i < 25; i++)
    n += (size_t)snprintf(long_text + n, sizeof long_text - n, "%s", filler);
}

static int build_index(void) {
  IxWriter *w = NULL;
  SwError err;
  sw_error_clear(&err);
  if (ix_writer_begin(dir, NULL, IX_REBUILD, &w, &err)) goto fail;
  for (size_t i = 0; i < NDOCS; i++) {
    IxDoc d;
    memset(&d, 0, sizeof d);
    d.id = docs[i].id;
    d.id_len = strlen(docs[i].id);
    d.title = docs[i].title;
    d.title_len = strlen(docs[i].title);
    d.text = docs[i].text;
    d.text_len = strlen(docs[i].text);
    d.file = "test.jsonl";
    d.file_len = 10;
    d.date = i == 0 ? "2021-03-04" : "";
    d.date_len = i == 0 ? 10 : 0;
    if (ix_writer_add(w, &d, NULL, NULL, &err)) {
      ix_writer_abort(w);
      goto fail;
    }
  }
  if (ix_writer_commit(w, NULL, &err)) goto fail;
  return 0;
fail:
  fprintf(stderr, "building the test index: %s\n", err.msg);
  return 1;
}

/* Remove path and, if it is a directory, everything under it. */
static void rm_tree(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d))) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      char sub[4400];
      snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
      rm_tree(sub);
    }
    if (d) closedir(d);
  }
  remove(path);
}

/* Run query (k hits, no snippets); NULL on error (printed). */
static SwResults *run(const char *query, size_t k) {
  SwSearchOptions o = {k, 0, SW_HL_BRACKETS, 0, 0, 0};
  SwResults *r = NULL;
  SwError err;
  sw_error_clear(&err);
  if (sw_search(ix, query, strlen(query), &o, &r, &err)) {
    fprintf(stderr, "query '%s': %s\n", query, err.msg);
    return NULL;
  }
  return r;
}

/* The hits' doc ids, in order, as "0 1 9". */
static const char *ids(const SwResults *r) {
  static char buf[512];
  size_t n = 0;
  buf[0] = '\0';
  for (size_t i = 0; r && i < r->nhits; i++)
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%u", i ? " " : "",
                          r->hits[i].doc);
  return buf;
}

/* The hits' doc ids sorted, for result sets whose order is not the point. */
static const char *id_set(const SwResults *r) {
  static char buf[512];
  int seen[NDOCS] = {0};
  size_t n = 0;
  buf[0] = '\0';
  /* The documents holding every clause: hits may also lack some word
  ** (ranked below by score, swsearch.h), and in partial mode all do. */
  for (size_t i = 0; r && i < r->nhits; i++)
    if (r->hits[i].doc < NDOCS &&
        (r->partial || r->question || r->hits[i].matched == r->clauses))
      seen[r->hits[i].doc] = 1;
  for (size_t d = 0; d < NDOCS; d++)
    if (seen[d])
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%zu", n ? " " : "", d);
  return buf;
}

static const char *search_ids(const char *query) {
  SwResults *r = run(query, 10);
  const char *s = ids(r);
  sw_results_free(r);
  return s;
}

static const char *search_set(const char *query) {
  SwResults *r = run(query, 10);
  const char *s = id_set(r);
  sw_results_free(r);
  return s;
}

static void test_and_and_inflections(void) {
  CHECK_EQ_STR(search_set("sociala insatsgrupper"), "0 1 9");
  const char *same[] = {"SOCIALA INSATSGRUPPER", "Sociala insatsgruppen",
                        "social insatsgrupp"};
  SwResults *base = run("sociala insatsgrupper", 10);
  CHECK(base != NULL);
  if (!base) return;
  CHECK_EQ_INT(base->total_hits, 3);
  CHECK_EQ_INT(base->partial, 0);
  CHECK_EQ_INT(base->clauses, 2);
  for (size_t i = 0; i < 3; i++) {
    SwResults *r = run(same[i], 10);
    CHECK(r != NULL);
    if (!r) continue;
    CHECK_EQ_STR(ids(r), ids(base));
    for (size_t h = 0; h < r->nhits && h < base->nhits; h++) {
      CHECK(r->hits[h].score == base->hits[h].score);
      CHECK_EQ_INT(r->hits[h].matched, base->hits[h].matched);
    }
    sw_results_free(r);
  }
  /* the hit fields */
  for (size_t h = 0; h < base->nhits; h++) {
    const SwHit *hit = &base->hits[h];
    CHECK_EQ_STR(hit->id, docs[hit->doc].id);
    CHECK_EQ_STR(hit->title, docs[hit->doc].title);
    CHECK_EQ_STR(hit->file, "test.jsonl");
    CHECK_EQ_STR(hit->date, hit->doc == 0 ? "2021-03-04" : "");
    CHECK_EQ_STR(hit->url, "");
    CHECK_EQ_STR(hit->source, "");
    CHECK(hit->snippet == NULL);
    CHECK(hit->score > 0);
    if (h) CHECK(hit->score <= base->hits[h - 1].score);
  }
  sw_results_free(base);
  /* a stop word in free text is dropped */
  CHECK_EQ_STR(search_set("sociala och insatsgrupper"), "0 1 9");
}

static void test_phrases(void) {
  CHECK_EQ_STR(search_set("\"sociala insatsgrupper\""), "0 1");
  CHECK_EQ_STR(search_set("\"insatsgrupper sociala\""), "");
  CHECK_EQ_STR(search_set("\"insatsgrupper och därefter sociala\""), "9");
  CHECK_EQ_STR(search_set("\"vikten av att\""), "1 3");
  CHECK_EQ_STR(search_set("\"vikt att\""), "2");
  CHECK_EQ_STR(search_set("\"vikten att\""), "2");
  CHECK_EQ_STR(search_set("\"av vikten\""), "2"); /* "av vikt att" */
  CHECK_EQ_STR(search_set("\"vikten stoppa\""), "");
  CHECK_EQ_STR(search_set("Rinkeby-Kista"), "0");
  CHECK_EQ_STR(search_set("\"kista rinkeby\""), "");
  /* no phrase spans the title and the text */
  CHECK_EQ_STR(search_set("\"ordning här\""), "");
  CHECK_EQ_STR(search_set("\"vikten av att\" stockholm"), "3");
}

static void test_or_and_not(void) {
  CHECK_EQ_STR(search_set("budget OR skjutningarna"), "1 2 3");
  CHECK_EQ_STR(search_set("stoppa budget OR skjutningarna"), "1 3");
  CHECK_EQ_STR(search_set("\"vikten av att\" OR budget"), "1 2 3");
  CHECK_EQ_STR(search_set("sociala insatsgrupper -Rinkeby"), "1 9");
  CHECK_EQ_STR(search_set("sociala insatsgrupper -\"rinkeby kista\" -skolan"),
               "9");
  CHECK_EQ_STR(search_set("sociala -\"sociala insatsgrupper\""), "3 9");
  SwResults *r = run("sociala insatsgrupper -Rinkeby", 10);
  CHECK(r && r->total_hits == 2 && r->clauses == 2);
  sw_results_free(r);
}

static void test_partial(void) {
  SwResults *r = run("budget insatsgrupper", 10);
  CHECK(r != NULL);
  if (r) {
    CHECK_EQ_INT(r->partial, 1);
    CHECK_EQ_INT(r->total_hits, 4);
    CHECK_EQ_STR(id_set(r), "0 1 2 9");
    for (size_t i = 0; i < r->nhits; i++) CHECK_EQ_INT(r->hits[i].matched, 1);
  }
  sw_results_free(r);
  r = run("budget kommunstyrelsen insatsgrupper", 10);
  CHECK(r != NULL);
  if (r) {
    CHECK_EQ_INT(r->partial, 1);
    CHECK_EQ_INT(r->clauses, 3);
    CHECK_EQ_INT(r->total_hits, 4);
    CHECK(r->nhits == 4 && r->hits[0].doc == 2 && r->hits[0].matched == 2);
    for (size_t i = 1; i < r->nhits; i++) CHECK_EQ_INT(r->hits[i].matched, 1);
  }
  sw_results_free(r);
  /* a term the index lacks: one clause gives nothing, two fall back */
  r = run("zzzqqx", 10);
  CHECK(r && r->nhits == 0 && r->total_hits == 0 && r->partial == 0);
  sw_results_free(r);
  r = run("zzzqqx budget", 10);
  CHECK(r && r->partial == 1 && r->total_hits == 1);
  CHECK_EQ_STR(ids(r), "2");
  sw_results_free(r);
  /* exclusions hold in partial mode too */
  CHECK_EQ_STR(search_set("budget insatsgrupper -rinkeby"), "1 2 9");
}

static void test_ranking(void) {
  /* more occurrences in a shorter document rank first */
  CHECK_EQ_STR(search_ids("parkering"), "4 5");
  /* equal scores: lower doc id first */
  SwResults *r = run("cykelbanor", 10);
  CHECK(r && r->nhits == 2);
  if (r && r->nhits == 2) {
    CHECK_EQ_STR(ids(r), "6 7");
    CHECK(r->hits[0].score == r->hits[1].score);
  }
  sw_results_free(r);
  /* k bounds the hits, not the total */
  r = run("parkering OR cykelbanor", 2);
  CHECK(r && r->nhits == 2 && r->total_hits == 4);
  if (r) CHECK_EQ_STR(ids(r), "4 6");
  sw_results_free(r);
  r = run("parkering OR cykelbanor", 1000);
  CHECK(r && r->nhits == 4);
  sw_results_free(r);
}

static int count_tok(void *ctx, const SwToken *tok) {
  if (tok->kind == SW_TOKEN_WORD) (*(size_t *)ctx)++; /* words, no extras */
  return 0;
}

static size_t ntokens(const char *s) {
  size_t n = 0;
  SwError err;
  sw_error_clear(&err);
  CHECK_EQ_INT(sw_analyze(s, strlen(s), count_tok, &n, NULL, &err), SW_OK);
  return n;
}

/* A question ranks by score alone, yet each hit still says how many of the
** question's clauses it matched (it said 0). */
static void test_question_matched(void) {
  SwResults *r = run("Hur arbetar insatsgrupper med polisen?", 10);
  CHECK(r && r->nhits >= 2);
  if (r && r->nhits >= 2) {
    CHECK_EQ_INT(r->hits[0].doc, 0); /* insatsgrupper, arbetar, polisen */
    CHECK_EQ_INT(r->hits[0].matched, 3);
    for (size_t i = 0; i < r->nhits; i++)
      CHECK(r->hits[i].matched >= 1 && r->hits[i].matched <= 3);
  }
  sw_results_free(r);
}

static void test_bm25_by_hand(void) {
  /* parkering: N = 10 documents, df = 2; doc 4 holds it 4 times (title +
  ** text) in 1 + 5 tokens. */
  double total = 0;
  for (size_t i = 0; i < NDOCS; i++)
    total += (double)(ntokens(docs[i].title) + ntokens(docs[i].text));
  double avg = total / NDOCS;
  double dl = (double)(ntokens(docs[4].title) + ntokens(docs[4].text));
  CHECK(dl == 6);
  double idf = log(1 + (10 - 2 + 0.5) / (2 + 0.5));
  double tf = 4;
  double k1 = 1.2, b = 0.75;
  double want = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avg));
  /* Its title holds the word: the title re-rank adds ENG_TITLE_BONUS times
  ** the word's weight, idf * (k1 + 1). */
  want += ENG_TITLE_BONUS * idf * (k1 + 1);
  /* And its whole title is the query: a document the query names (eval.c,
  ** find_known) gains ENG_KNOWN_BONUS times the query's weight. */
  want += ENG_KNOWN_BONUS * idf * (k1 + 1);
  SwResults *r = run("parkering", 10);
  CHECK(r && r->nhits == 2);
  if (r && r->nhits) {
    CHECK_EQ_INT(r->hits[0].doc, 4);
    if (fabs(r->hits[0].score - want) > 1e-5)
      fprintf(stderr, "bm25: got %.9f, want %.9f\n", r->hits[0].score, want);
    CHECK(fabs(r->hits[0].score - want) <= 1e-5);
  }
  sw_results_free(r);
  SwIndexStats st;
  SwError err;
  sw_error_clear(&err);
  CHECK_EQ_INT(sw_index_stats(ix, &st, &err), SW_OK);
  CHECK_EQ_INT(st.docs, NDOCS);
  CHECK(fabs(st.avg_doc_len - avg) < 1e-9);
  CHECK_EQ_INT(st.tokens, (long long)total);
}

/* 1 if s[0..n) is valid UTF-8. */
static int valid_utf8(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    size_t k = u[i] < 0x80 ? 1 : (u[i] >> 5) == 6 ? 2 : (u[i] >> 4) == 14 ? 3
                                 : (u[i] >> 3) == 30 ? 4 : 0;
    if (!k || i + k > n) return 0;
    for (size_t j = 1; j < k; j++)
      if ((u[i + j] & 0xC0) != 0x80) return 0;
    i += k;
  }
  return 1;
}

static size_t visible_chars(const char *s, size_t n);

static char *snippet_of(const char *query, int hl, SwDocId doc) {
  static char buf[4096];
  SwSearchOptions o = {10, 1, hl, 0, 0, 0};
  SwResults *r = NULL;
  SwError err;
  sw_error_clear(&err);
  buf[0] = '\0';
  if (sw_search(ix, query, strlen(query), &o, &r, &err)) {
    fprintf(stderr, "query '%s': %s\n", query, err.msg);
    return buf;
  }
  for (size_t i = 0; i < r->nhits; i++)
    if (r->hits[i].doc == doc && r->hits[i].snippet)
      snprintf(buf, sizeof buf, "%s", r->hits[i].snippet);
  sw_results_free(r);
  return buf;
}

static void test_snippets(void) {
  CHECK_EQ_STR(snippet_of("parkering", SW_HL_BRACKETS, 4),
               "[Parkering] [parkering] [parkering] vid torget.");
  CHECK_EQ_STR(snippet_of("parkering", SW_HL_NONE, 4),
               "Parkering parkering parkering vid torget.");
  CHECK_EQ_STR(snippet_of("parkering", SW_HL_ANSI, 4),
               "\x1b[1mParkering\x1b[0m \x1b[1mparkering\x1b[0m "
               "\x1b[1mparkering\x1b[0m vid torget.");
  /* phrase stop words are lit only inside the phrase */
  CHECK_EQ_STR(snippet_of("\"vikten av att\"", SW_HL_BRACKETS, 1),
               "Skolan har en social insatsgrupp som stöttar elever. [Vikten] "
               "[av] [att] stoppa skjutningarna lyfts av rektorn.");
  /* hyphenated parts */
  CHECK_EQ_STR(snippet_of("kista", SW_HL_BRACKETS, 0),
               "Stadsdelsnämnden i Rinkeby-[Kista] har inrättat sociala "
               "insatsgrupper för unga. Insatsgruppen arbetar tillsammans med "
               "polisen och skolan.");
  /* matched in the title only: the start of the text */
  CHECK_EQ_STR(snippet_of("trygghetsarbete", SW_HL_BRACKETS, 1),
               "Skolan har en social insatsgrupp som stöttar elever. Vikten av "
               "att stoppa skjutningarna lyfts av rektorn.");

  /* a long document: the window around the match, cut with ellipses */
  const char *s = snippet_of("trefas samverkan", SW_HL_BRACKETS, 8);
  size_t n = strlen(s);
  CHECK(strstr(s, "[Trefas] [samverkan]") != NULL);
  CHECK(valid_utf8(s, n));
  CHECK(n > 100 && n <= 260);
  CHECK(strncmp(s, "\xE2\x80\xA6", 3) == 0);
  CHECK(n >= 3 && strcmp(s + n - 3, "\xE2\x80\xA6") == 0);
  CHECK(strchr(s, '\n') == NULL && strstr(s, "  ") == NULL);
  /* the budget, in characters without markup */
  size_t chars = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80 && s[i] != '[' && s[i] != ']')
      chars++;
  CHECK(chars <= 200);
  if (n > 260 || !strstr(s, "[Trefas]")) fprintf(stderr, "snippet: %s\n", s);

  /* a custom budget through the options */
  SwSearchOptions o = {1, 1, SW_HL_BRACKETS, 60, 0, 0};
  SwResults *r = NULL;
  SwError err;
  sw_error_clear(&err);
  CHECK_EQ_INT(sw_search(ix, "trefas samverkan", 16, &o, &r, &err), SW_OK);
  CHECK(r && r->nhits == 1 && r->hits[0].snippet);
  if (r && r->nhits == 1) {
    const char *t = r->hits[0].snippet;
    CHECK(visible_chars(t, strlen(t)) <= 60);
    CHECK(strstr(t, "[Trefas] [samverkan]") != NULL);
  }
  sw_results_free(r);
}

/* 1 if s[0..n) contains the string needle. */
static int contains(const char *s, size_t n, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(s + i, needle, k) == 0) return 1;
  return 0;
}

/* Characters of s without highlight brackets. */
static size_t visible_chars(const char *s, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80 && s[i] != '[' && s[i] != ']')
      c++;
  return c;
}

/* eng_snippet_make on its own: cuts, bad bytes, budgets. */
static void test_snippet_edges(void) {
  AnAnalyzer *an = NULL;
  EngQuery *q = NULL;
  EngSnippet *sn = NULL;
  SwError err;
  sw_error_clear(&err);
  if (an_new(&an, &err) || eng_query_new(&q, &err) ||
      eng_snippet_new(&sn, &err)) {
    CHECK(0);
    goto done;
  }
  const char *out;
  size_t n;
  char got[512];

  /* one word longer than the budget: cut at a character, then "…" (the
  ** query is absent from the text, so the snippet is its start) */
  CHECK_EQ_INT(eng_query_parse(q, an, "saknas", 6, &err), SW_OK);
  char big[1024];
  size_t bl = 0;
  for (int i = 0; i < 100; i++) bl += (size_t)snprintf(big + bl, 8, "åä");
  bl += (size_t)snprintf(big + bl, sizeof big - bl, " skola");
  CHECK_EQ_INT(eng_snippet_make(sn, an, q, big, bl, 0, 20, SW_HL_BRACKETS,
                                &out, &n, &err),
               SW_OK);
  CHECK(valid_utf8(out, n));
  CHECK(visible_chars(out, n) <= 20);
  CHECK(n >= 3 && memcmp(out + n - 3, "\xE2\x80\xA6", 3) == 0);
  /* the same word as the whole text */
  CHECK_EQ_INT(eng_snippet_make(sn, an, q, big, 200, 0, 20, SW_HL_BRACKETS,
                                &out, &n, &err),
               SW_OK);
  CHECK(valid_utf8(out, n) && visible_chars(out, n) <= 20);
  CHECK(n >= 3 && memcmp(out + n - 3, "\xE2\x80\xA6", 3) == 0);
  /* with the query word after it, the snippet starts at the word */
  CHECK_EQ_INT(eng_query_parse(q, an, "skola", 5, &err), SW_OK);
  CHECK_EQ_INT(eng_snippet_make(sn, an, q, big, bl, 0, 20, SW_HL_BRACKETS,
                                &out, &n, &err),
               SW_OK);
  snprintf(got, sizeof got, "%.*s", (int)n, out);
  CHECK_EQ_STR(got, "\xE2\x80\xA6[skola]");

  /* invalid bytes, controls (ESC), CR/LF/TAB runs, NBSP, a truncated
  ** sequence at the end */
  const char bad[] = "\x1b[31m Skola\xFF\xFE  i\r\n\tstan\xC2\xA0och "
                     "\xE2\x80 skolan\xC3";
  CHECK_EQ_INT(eng_snippet_make(sn, an, q, bad, sizeof bad - 1, 0, 200,
                                SW_HL_BRACKETS, &out, &n, &err),
               SW_OK);
  snprintf(got, sizeof got, "%.*s", (int)n, out);
  CHECK_EQ_STR(got, "[31m [Skola]\xEF\xBF\xBD\xEF\xBF\xBD i stan och "
                    "\xEF\xBF\xBD\xEF\xBF\xBD [skolan]\xEF\xBF\xBD");
  CHECK(valid_utf8(out, n));

  /* a long text of multibyte words: every cut on a character boundary,
  ** the budget kept for several sizes */
  char text[6000];
  size_t tl = 0;
  for (int i = 0; i < 400; i++)
    tl += (size_t)snprintf(text + tl, sizeof text - tl, "%s ",
                           i == 250 ? "skola" : "ö\xC3\xA5r");
  for (size_t chars = 16; chars <= 300; chars += 37) {
    CHECK_EQ_INT(eng_snippet_make(sn, an, q, text, tl, 0, chars,
                                  SW_HL_BRACKETS, &out, &n, &err),
                 SW_OK);
    CHECK(valid_utf8(out, n));
    CHECK(visible_chars(out, n) <= chars);
    CHECK(contains(out, n, "[skola]"));
  }
  /* from == len: no analysis, the start of the text */
  CHECK_EQ_INT(eng_snippet_make(sn, an, q, text, tl, tl, 16, SW_HL_BRACKETS,
                                &out, &n, &err),
               SW_OK);
  snprintf(got, sizeof got, "%.*s", (int)n, out);
  CHECK_EQ_STR(got, "öår öår öår öår…");
  /* a late start that finds nothing: the whole text is analysed */
  CHECK_EQ_INT(eng_snippet_make(sn, an, q, text, tl, tl - 20, 50,
                                SW_HL_BRACKETS, &out, &n, &err),
               SW_OK);
  CHECK(contains(out, n, "[skola]"));
done:
  eng_snippet_free(sn);
  eng_query_free(q);
  an_free(an);
}

static void test_errors(void) {
  SwResults *r = (SwResults *)1;
  SwError err;
  sw_error_clear(&err);
  CHECK_EQ_INT(sw_search(ix, "", 0, NULL, &r, &err), SW_QUERY);
  CHECK(r == NULL);
  CHECK_EQ_STR(err.msg, "empty query at column 1");
  sw_error_clear(&err);
  CHECK_EQ_INT(sw_search(ix, "-budget", 7, NULL, &r, &err), SW_QUERY);
  CHECK_EQ_STR(err.msg, "nothing to search for at column 1");
  sw_error_clear(&err);
  CHECK_EQ_INT(sw_search(ix, "a \"b", 4, NULL, &r, &err), SW_QUERY);
  CHECK_EQ_STR(err.msg, "unbalanced quote at column 3");
  /* NULL options mean the defaults */
  sw_error_clear(&err);
  CHECK_EQ_INT(sw_search(ix, "parkering", 9, NULL, &r, &err), SW_OK);
  CHECK(r && r->nhits == 2 && r->hits[0].snippet == NULL);
  sw_results_free(r);
  sw_results_free(NULL);
  sw_index_close(NULL);
  /* no index there */
  SwIndex *none = (SwIndex *)1;
  char missing[4200];
  snprintf(missing, sizeof missing, "%s/missing", dir);
  sw_error_clear(&err);
  CHECK_EQ_INT(sw_index_open(missing, &none, &err), SW_NOTFOUND);
  CHECK(none == NULL);
}

static int stop_after_two(void *ctx, const SwToken *tok) {
  char *buf = ctx;
  size_t n = strlen(buf);
  snprintf(buf + n, 256 - n, "%.*s/%.*s%s ", (int)tok->surface_len,
           tok->surface, (int)tok->term_len, tok->term,
           tok->stopword ? "*" : "");
  return tok->pos == 1;
}

static void test_analyze_and_dirs(void) {
  char buf[256] = "";
  size_t bad = 9;
  SwError err;
  sw_error_clear(&err);
  const char text[] = "Sociala\xFF och insatsgrupper";
  CHECK_EQ_INT(sw_analyze(text, sizeof text - 1, stop_after_two, buf, &bad,
                          &err),
               SW_OK);
  CHECK_EQ_STR(buf, "Sociala/social och/och* ");
  CHECK_EQ_INT(bad, 1);

  char d[64];
  setenv("SWSEARCH_INDEX", "/x/idx", 1);
  CHECK_EQ_INT(sw_default_index_dir(d, sizeof d, NULL), SW_OK);
  CHECK_EQ_STR(d, "/x/idx");
  unsetenv("SWSEARCH_INDEX");
  setenv("XDG_DATA_HOME", "/data", 1);
  CHECK_EQ_INT(sw_default_index_dir(d, sizeof d, NULL), SW_OK);
  CHECK_EQ_STR(d, "/data/swsearch/index");
  setenv("XDG_DATA_HOME", "relative", 1);
  setenv("HOME", "/home/u", 1);
  CHECK_EQ_INT(sw_default_index_dir(d, sizeof d, NULL), SW_OK);
  CHECK_EQ_STR(d, "/home/u/.local/share/swsearch/index");
  CHECK_EQ_INT(sw_default_index_dir(d, 10, NULL), SW_INPUT);
  CHECK_EQ_STR(d, "");
  unsetenv("XDG_DATA_HOME");
  unsetenv("HOME");
  CHECK_EQ_INT(sw_default_index_dir(d, sizeof d, NULL), SW_INPUT);
}

static void test_alloc_failures(void) {
  /* Every allocation of a search may fail: a clean error, never a crash or
  ** a leak (ASan), and the handle still answers afterwards. */
  const char *query = "stoppa \"vikten av att\" OR budget -rinkeby zzzqqx";
  SwSearchOptions o = {3, 1, SW_HL_BRACKETS, 0, 0, 0};
  int ok = 0;
  for (long n = 0; n < 2000 && !ok; n++) {
    SwResults *r = NULL;
    SwError err;
    sw_error_clear(&err);
    sw_fault_alloc_after(n);
    int rc = sw_search(ix, query, strlen(query), &o, &r, &err);
    sw_fault_alloc_reset();
    CHECK(rc == SW_OK || rc == SW_NOMEM);
    if (rc == SW_OK) {
      ok = 1;
      CHECK(r && r->partial == 1 && r->nhits == 3);
    }
    sw_results_free(r);
  }
  CHECK(ok);
  CHECK_EQ_STR(search_set("sociala insatsgrupper"), "0 1 9");
}

/* -------------------------------------------- phrases against a scan -- */

/* Phrase evaluation against a scan of the token sequences. Documents are
** made of words analysis leaves as they are plus the stop word `och`
** (phrases keep it), under the title "rubrik", so text token i is at
** position 17 + i. `och` is dense in some documents and sparse in others,
** so phrase checks take both of their paths (a seek per possible start for
** a term much more frequent than the starts, decode and merge otherwise);
** lists span several postings blocks, and a few long documents give
** multi-byte position deltas. Every two- and three-word phrase and a sample
** of four-word ones, alone, with another clause and with an excluded
** phrase, must give exactly the documents the scan finds. */
#define PQ_DOCS 400
static const char *pq_words[] = {"och", "bk", "dr", "gm", "zq"};
#define PQ_NWORDS 5
static uint8_t *pq_tok[PQ_DOCS];
static uint32_t pq_len[PQ_DOCS];

static uint64_t pq_rng;
static uint32_t pq_rand(uint32_t n) {
  pq_rng = pq_rng * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)((pq_rng >> 33) % n);
}

static int pq_build(const char *where) {
  static char pq_ids[PQ_DOCS][16];
  IxWriter *w = NULL;
  SwError err;
  sw_error_clear(&err);
  if (ix_writer_begin(where, NULL, IX_REBUILD, &w, &err)) goto fail;
  pq_rng = 4242;
  for (uint32_t d = 0; d < PQ_DOCS; d++) {
    uint32_t n = d % 50 == 7 ? 20000 : 1 + pq_rand(d % 2 ? 30 : 300);
    uint32_t dense = d % 3 == 0 ? 80 : d % 3 == 1 ? 25 : 5; /* % och */
    pq_tok[d] = malloc(n);
    pq_len[d] = n;
    char *text = malloc((size_t)n * 4 + 1);
    size_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t r = pq_rand(100);
      uint32_t wd = r < dense ? 0 : r < 97 ? 1 + r % 2 : 3 + r % 2;
      pq_tok[d][i] = (uint8_t)wd;
      size_t l = strlen(pq_words[wd]);
      memcpy(text + o, pq_words[wd], l);
      text[o + l] = ' ';
      o += l + 1;
    }
    text[o] = '\0';
    snprintf(pq_ids[d], sizeof pq_ids[d], "pq%u", d);
    IxDoc doc;
    memset(&doc, 0, sizeof doc);
    doc.id = pq_ids[d];
    doc.id_len = strlen(pq_ids[d]);
    doc.title = "rubrik";
    doc.title_len = 6;
    doc.text = text;
    doc.text_len = o;
    int rc = ix_writer_add(w, &doc, NULL, NULL, &err);
    free(text);
    if (rc) {
      ix_writer_abort(w);
      goto fail;
    }
  }
  if (ix_writer_commit(w, NULL, &err)) goto fail;
  return 0;
fail:
  fprintf(stderr, "building the phrase index: %s\n", err.msg);
  return 1;
}

/* hit[d] = 1 if doc d's text has q[0..nq) at consecutive positions;
** returns how many do. */
static uint64_t pq_scan(const int *q, int nq, int *hit) {
  uint64_t count = 0;
  for (uint32_t d = 0; d < PQ_DOCS; d++) {
    hit[d] = 0;
    for (uint32_t s = 0; s + (uint32_t)nq <= pq_len[d] && !hit[d]; s++) {
      int k = 0;
      while (k < nq && pq_tok[d][s + (uint32_t)k] == q[k]) k++;
      hit[d] = k == nq;
    }
    count += (uint64_t)hit[d];
  }
  return count;
}

/* 1 if sw_search(query) finds exactly the docs with want[d] (count of
** them: expect); with several clauses and none, the fallback is allowed. */
static int pq_same(SwIndex *pix, const char *query, const int *want,
                   uint64_t expect, int clauses) {
  SwSearchOptions o = {PQ_DOCS, 0, SW_HL_NONE, 0, 0, 0};
  SwResults *r = NULL;
  SwError err;
  sw_error_clear(&err);
  if (sw_search(pix, query, strlen(query), &o, &r, &err)) {
    fprintf(stderr, "query '%s': %s\n", query, err.msg);
    return 0;
  }
  int ok = 1;
  if (expect == 0 && clauses > 1) {
    ok = r->partial == 1 || r->total_hits == 0;
  } else {
    /* The hits holding every clause are exactly the scan's (k covers
    ** every document); the others lack a word clause. */
    uint64_t full = 0;
    ok = r->partial == 0 && r->total_hits == expect;
    for (size_t h = 0; ok && h < r->nhits; h++) {
      if (r->hits[h].matched != r->clauses) continue;
      ok = r->hits[h].doc < PQ_DOCS && want[r->hits[h].doc];
      full++;
    }
    ok = ok && full == expect;
  }
  if (!ok)
    fprintf(stderr, "query '%s': %llu hits, the scan finds %llu\n", query,
            (unsigned long long)r->total_hits, (unsigned long long)expect);
  sw_results_free(r);
  return ok;
}

static void test_phrase_scan(void) {
  char pdir[4096];
  const char *tmp = getenv("TMPDIR");
  snprintf(pdir, sizeof pdir, "%s/swsearch-phrase-XXXXXX", tmp ? tmp : "/tmp");
  if (!mkdtemp(pdir)) {
    CHECK(0);
    return;
  }
  SwIndex *pix = NULL;
  SwError err;
  sw_error_clear(&err);
  if (pq_build(pdir) || sw_index_open(pdir, &pix, &err)) {
    CHECK(0);
    rm_tree(pdir);
    return;
  }
  static int hit[PQ_DOCS], other[PQ_DOCS], want[PQ_DOCS];
  int q[4], bad = 0, nonempty = 0;
  char query[128];
  for (int nq = 2; nq <= 4; nq++) {
    int codes = 1;
    for (int k = 0; k < nq; k++) codes *= PQ_NWORDS;
    for (int code = 0; code < codes; code++) {
      if (nq == 4 && code % 7) continue;
      size_t o = 0;
      o += (size_t)snprintf(query + o, sizeof query - o, "\"");
      for (int k = 0, c = code; k < nq; k++, c /= PQ_NWORDS) {
        q[k] = c % PQ_NWORDS;
        o += (size_t)snprintf(query + o, sizeof query - o, "%s%s", k ? " " : "",
                              pq_words[q[k]]);
      }
      o += (size_t)snprintf(query + o, sizeof query - o, "\"");
      uint64_t n = pq_scan(q, nq, hit);
      nonempty += n > 0;
      if (!pq_same(pix, query, hit, n, 1)) bad++;
      if (nq != 2) continue;
      /* With a word clause: docs also holding "gm" anywhere. */
      int g[1] = {3};
      pq_scan(g, 1, other);
      uint64_t m = 0;
      for (uint32_t d = 0; d < PQ_DOCS; d++) m += (uint64_t)(want[d] = hit[d] && other[d]);
      char q2[160];
      snprintf(q2, sizeof q2, "%s gm", query);
      if (!pq_same(pix, q2, want, m, 2)) bad++;
      /* Without the docs holding "bk dr". */
      int x[2] = {1, 2};
      pq_scan(x, 2, other);
      m = 0;
      for (uint32_t d = 0; d < PQ_DOCS; d++) m += (uint64_t)(want[d] = hit[d] && !other[d]);
      snprintf(q2, sizeof q2, "%s -\"bk dr\"", query);
      if (!pq_same(pix, q2, want, m, 1)) bad++;
    }
  }
  CHECK_EQ_INT(bad, 0);
  CHECK(nonempty > 100);
  sw_index_close(pix);
  rm_tree(pdir);
  for (uint32_t d = 0; d < PQ_DOCS; d++) free(pq_tok[d]);
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/swsearch-test-XXXXXX", tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  make_long_text();
  SwError err;
  sw_error_clear(&err);
  if (build_index() || sw_index_open(dir, &ix, &err)) {
    fprintf(stderr, "setup: %s\n", err.msg);
    rm_tree(dir);
    return 1;
  }
  sw_error_clear(&err);
  CHECK_EQ_INT(sw_index_check(dir, NULL, NULL, &err), SW_OK);
  test_and_and_inflections();
  test_phrases();
  test_or_and_not();
  test_partial();
  test_ranking();
  test_bm25_by_hand();
  test_question_matched();
  test_snippets();
  test_snippet_edges();
  test_errors();
  test_analyze_and_dirs();
  test_alloc_failures();
  test_phrase_scan();
  sw_index_close(ix);
  rm_tree(dir);
  return tu_done();
}
