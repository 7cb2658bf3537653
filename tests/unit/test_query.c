/*
** test_query.c — the query language v1 parser (engine/query.c): words,
** phrases, OR precedence, exclusions, hyphenated words, stop-word dropping,
** duplicates, and every error with its column. Terms are checked in their
** analysed (folded, stemmed) form through eng_query_describe.
*/
#include "engine_int.h"
#include "testutil.h"
#include "sw_fault.h"

static AnAnalyzer *an;
static EngQuery *q;
static char out[4096];

/* Parse text and return its canonical form, or "ERR <code>: <message>". */
static const char *parse(const char *text) {
  SwError err;
  sw_error_clear(&err);
  int rc = eng_query_parse(q, an, text, strlen(text), &err);
  if (rc) {
    snprintf(out, sizeof out, "ERR %d: %s", rc, err.msg);
    return out;
  }
  eng_query_describe(q, out, sizeof out);
  return out;
}

static void test_words(void) {
  CHECK_EQ_STR(parse("sociala insatsgrupper"), "social insatsgrupp");
  CHECK_EQ_STR(parse("SOCIALA INSATSGRUPPER"), "social insatsgrupp");
  CHECK_EQ_STR(parse("  Sociala\tinsatsgruppen \n"), "social insatsgrupp");
  CHECK_EQ_INT(q->nclauses, 2);
  CHECK_EQ_INT(q->nexcl, 0);
  /* duplicates (also after stemming) count once */
  CHECK_EQ_STR(parse("skolor skola Skola"), "skol");
  CHECK_EQ_INT(q->nclauses, 1);
  CHECK_EQ_INT(q->nterms, 1);
  /* lower-case or is a word */
  CHECK_EQ_STR(parse("skola or förskola"), "skol or förskol");
  /* no-break space separates words */
  CHECK_EQ_STR(parse("skola\xC2\xA0vård"), "skol vård");
  /* words without tokens vanish */
  CHECK_EQ_STR(parse("skola !!! - &"), "skol");
}

static void test_phrases(void) {
  CHECK_EQ_STR(parse("\"sociala insatsgrupper\""),
               "\"social insatsgrupp\"");
  CHECK_EQ_INT(q->nclauses, 1);
  CHECK_EQ_INT(q->atoms[0].nslots, 2);
  /* stop words are kept in phrases, with their positions */
  CHECK_EQ_STR(parse("\"Vikten av att\""), "\"vikt av att\"");
  CHECK_EQ_INT(q->slots[q->atoms[0].slot + 2].off, 2);
  CHECK(q->terms[q->slots[q->atoms[0].slot + 1].term].stop);
  CHECK(!q->terms[q->slots[q->atoms[0].slot + 1].term].bare);
  /* a one-word phrase is a term, even a stop word */
  CHECK_EQ_STR(parse("\"att\" skola"), "att skol");
  CHECK(q->terms[0].bare);
  /* a phrase next to a word, and typographic quotes */
  CHECK_EQ_STR(parse("stad\"trefas samverkan\"x"),
               "stad \"tref samverk\" x");
  CHECK_EQ_STR(parse("\xE2\x80\x9Dtrefas samverkan\xE2\x80\x9D"),
               "\"tref samverk\"");
  CHECK_EQ_STR(parse("\xC2\xBBtrefas samverkan\xC2\xAB"),
               "\"tref samverk\"");
  /* an empty phrase vanishes */
  CHECK_EQ_STR(parse("skola \"\""), "skol");
  /* same phrase twice */
  CHECK_EQ_STR(parse("\"a b\" \"A  B\""), "\"a b\"");
}

static void test_hyphenated(void) {
  CHECK_EQ_STR(parse("Rinkeby-Kista"), "\"rinkeby kist\"");
  CHECK_EQ_STR(parse("covid-19 vaccin"), "\"covid 19\" vaccin");
  /* the colon suffix belongs to the token */
  CHECK_EQ_STR(parse("FN:s"), "fn");
  /* a hyphenated word is a phrase: its stop words stay */
  CHECK_EQ_STR(parse("skola till-och-med"), "skol \"till och med\"");
}

static void test_or(void) {
  CHECK_EQ_STR(parse("skola OR förskola"), "(skol|förskol)");
  CHECK_EQ_INT(q->nclauses, 1);
  CHECK_EQ_INT(q->clauses[0].natoms, 2);
  /* OR binds tighter than the implicit AND */
  CHECK_EQ_STR(parse("stad skola OR förskola"), "stad (skol|förskol)");
  CHECK_EQ_INT(q->nclauses, 2);
  CHECK_EQ_STR(parse("skola OR förskola stad"), "(skol|förskol) stad");
  CHECK_EQ_STR(parse("a OR b OR c d"), "(a|b|c) d");
  CHECK_EQ_STR(parse("\"trefas samverkan\" OR skola"),
               "(\"tref samverk\"|skol)");
  CHECK_EQ_STR(parse("skola OR skolor"), "skol");
  CHECK_EQ_STR(parse("a OR b b OR a"), "(a|b)");
  CHECK_EQ_INT(q->nclauses, 1);
}

static void test_exclusions(void) {
  CHECK_EQ_STR(parse("skola -förskola"), "skol -förskol");
  CHECK_EQ_INT(q->nclauses, 1);
  CHECK_EQ_INT(q->nexcl, 1);
  CHECK(!q->terms[1].positive);
  CHECK(q->terms[1].used);
  CHECK_EQ_STR(parse("-\"trefas samverkan\" skola"),
               "skol -\"tref samverk\"");
  CHECK_EQ_STR(parse("skola -Rinkeby-Kista"), "skol -\"rinkeby kist\"");
  /* a stop word excluded is kept: the user asked for it */
  CHECK_EQ_STR(parse("skola -och"), "skol -och");
  /* a dash inside a word is a hyphen, a lone dash is nothing */
  CHECK_EQ_STR(parse("a-b - c"), "\"a b\" c");
  CHECK_EQ_STR(parse("skola -x -x"), "skol -x");
}

static void test_stopwords(void) {
  CHECK_EQ_STR(parse("vikten av att stoppa"), "vikt stopp");
  CHECK_EQ_STR(parse("skola OR och"), "skol");
  CHECK_EQ_STR(parse("och skola -att"), "skol -att");
  /* nothing but stop words: they are kept */
  CHECK_EQ_STR(parse("och i att"), "och i att");
  CHECK_EQ_STR(parse("och -skola"), "och -skol");
  CHECK_EQ_STR(parse("och OR att"), "(och|att)");
  /* a phrase counts as something else */
  CHECK_EQ_STR(parse("och \"av att\""), "\"av att\"");
}

static void test_errors(void) {
  CHECK_EQ_STR(parse(""), "ERR 2: empty query at column 1");
  CHECK_EQ_STR(parse("   \t\n"), "ERR 2: empty query at column 1");
  CHECK_EQ_STR(parse("skola \"trefas samverkan"),
               "ERR 2: unbalanced quote at column 7");
  CHECK_EQ_STR(parse("\"a\" \"b"), "ERR 2: unbalanced quote at column 5");
  /* columns count characters, not bytes */
  CHECK_EQ_STR(parse("förskola åäö \"x"),
               "ERR 2: unbalanced quote at column 14");
  CHECK_EQ_STR(parse("OR skola"), "ERR 2: dangling OR at column 1");
  CHECK_EQ_STR(parse("skola OR"), "ERR 2: dangling OR at column 7");
  CHECK_EQ_STR(parse("skola OR OR stad"), "ERR 2: dangling OR at column 10");
  CHECK_EQ_STR(parse("skola OR !!!"), "ERR 2: dangling OR at column 7");
  CHECK_EQ_STR(parse("skola OR -stad"),
               "ERR 2: OR cannot join an exclusion at column 7");
  CHECK_EQ_STR(parse("-skola OR stad"),
               "ERR 2: OR cannot join an exclusion at column 8");
  CHECK_EQ_STR(parse("-skola"), "ERR 2: nothing to search for at column 1");
  CHECK_EQ_STR(parse("!!! -skola"),
               "ERR 2: nothing to search for at column 5");
  CHECK_EQ_STR(parse("!!! ..."), "ERR 2: nothing to search for at column 1");
  CHECK_EQ_INT(q->nclauses, 0);

  /* the term limit: SW_MAX_QUERY_TERMS tokens pass, one more does not */
  size_t n = SW_MAX_QUERY_TERMS + 1;
  char *big = malloc(2 * n + 1);
  for (size_t i = 0; i < n; i++) {
    big[2 * i] = 'a';
    big[2 * i + 1] = ' ';
  }
  big[2 * n - 1] = '\0';
  char want[128];
  snprintf(want, sizeof want, "ERR 2: too many terms (more than %d) at column %d",
           SW_MAX_QUERY_TERMS, 2 * SW_MAX_QUERY_TERMS + 1);
  CHECK_EQ_STR(parse(big), want);
  big[2 * SW_MAX_QUERY_TERMS - 1] = '\0';
  CHECK_EQ_STR(parse(big), "a");
  free(big);

  /* the byte limit */
  size_t blen = SW_MAX_QUERY_BYTES + 1;
  char *huge = malloc(blen);
  memset(huge, ' ', blen);
  SwError err;
  sw_error_clear(&err);
  CHECK_EQ_INT(eng_query_parse(q, an, huge, blen, &err), SW_LIMIT);
  free(huge);
}

static void test_reuse_and_bytes(void) {
  /* invalid UTF-8 and NUL bytes never break the parser */
  const char bad[] = "sko\xFFla \x00stad \"\xC3\"";
  SwError err;
  sw_error_clear(&err);
  CHECK_EQ_INT(eng_query_parse(q, an, bad, sizeof bad - 1, &err), SW_OK);
  eng_query_describe(q, out, sizeof out);
  CHECK_EQ_STR(out, "\"sko la\" stad");
  /* describe truncates safely */
  char tiny[4];
  size_t full = eng_query_describe(q, tiny, sizeof tiny);
  CHECK_EQ_INT(full, strlen(out));
  CHECK_EQ_STR(tiny, "\"sk");
  /* a failed parse leaves an empty query; the next one works */
  CHECK_EQ_STR(parse("\"x"), "ERR 2: unbalanced quote at column 1");
  CHECK_EQ_STR(parse("skola"), "skol");
}

/* One query text under allocation failure: with a fresh EngQuery, the nth
** allocation and every later one fail, for n = 0, 1, 2, ... until a run no
** longer reaches the fault (sw_fault_alloc_reset() says how many allocations
** were tried). Every failing run must say SW_NOMEM with a message; every
** other run, and at least the unfaulted last one, must give the answer of a
** normal parse: for want_rc SW_OK the description want with nclauses
** positive clauses, nexcl exclusions and nfilters metadata filters, else
** want_rc with the message want. At least one run must have failed, or the
** loop proved nothing. */
static void parse_under_faults(const char *text, int want_rc, const char *want,
                               uint32_t nclauses, uint32_t nexcl,
                               uint32_t nfilters) {
  int unfaulted = 0, nomem = 0;
  long n = 0;
  for (; n < 400 && !unfaulted; n++) {
    EngQuery *fq = NULL;
    SwError err;
    sw_error_clear(&err);
    sw_fault_alloc_after(n);
    int rc = eng_query_new(&fq, &err);
    if (rc == SW_OK) rc = eng_query_parse(fq, an, text, strlen(text), &err);
    long tried = sw_fault_alloc_reset();
    if (tried <= n) unfaulted = 1;
    if (rc == SW_NOMEM) {
      nomem++;
      CHECK(!unfaulted); /* no allocation failed, yet out of memory */
      CHECK_EQ_INT(err.code, SW_NOMEM);
      CHECK(strstr(err.msg, "out of memory") != NULL);
    } else if (want_rc == SW_OK) {
      CHECK_EQ_INT(rc, SW_OK);
      eng_query_describe(fq, out, sizeof out);
      CHECK_EQ_STR(out, want);
      CHECK_EQ_INT(fq->nclauses, nclauses);
      CHECK_EQ_INT(fq->nexcl, nexcl);
      CHECK_EQ_INT(fq->nfilters, nfilters);
    } else {
      CHECK_EQ_INT(rc, want_rc);
      CHECK_EQ_INT(err.code, want_rc);
      CHECK_EQ_STR(err.msg, want);
    }
    eng_query_free(fq);
  }
  if (!unfaulted)
    fprintf(stderr, "parse of \"%s\" still failing after %ld runs\n", text, n);
  CHECK(unfaulted);
  CHECK(nomem > 0);
}

static void test_alloc_failures(void) {
  /* Every allocation of a parse may fail: SW_NOMEM, never a crash and never
  ** a wrong answer; without the fault the parse gives its normal answer. */
  parse_under_faults("stad skola OR förskola \"vikten av att\" -Rinkeby-Kista",
                     SW_OK,
                     "stad (skol|förskol) \"vikt av att\" -\"rinkeby kist\"",
                     3, 1, 0);
  parse_under_faults("typ:motion skola -parti:S", SW_OK, "skol", 1, 0, 2);
  /* refusals stay refusals: SW_QUERY and the message, or SW_NOMEM */
  parse_under_faults("skola OR -stad", SW_QUERY,
                     "OR cannot join an exclusion at column 7", 0, 0, 0);
  parse_under_faults("skola \"trefas samverkan", SW_QUERY,
                     "unbalanced quote at column 7", 0, 0, 0);
  parse_under_faults("!!! -skola", SW_QUERY,
                     "nothing to search for at column 5", 0, 0, 0);
  parse_under_faults("skola typ:", SW_QUERY,
                     "filter without a value at column 7", 0, 0, 0);
}

/* Questions typed as sentences are ranked softly (eval.c). */
static int question(const char *text) {
  parse(text);
  return q->question;
}

static void test_questions(void) {
  CHECK_EQ_INT(question("Kan barn samtycka till vaccinering?"), 1);
  CHECK_EQ_INT(question("Kan barn samtycka till vaccinering"), 1);
  CHECK_EQ_INT(question("VILKA åtgärder föreslås mot gängkriminalitet"), 1);
  CHECK_EQ_INT(question("När kommer barnet tillbaka till sin familj?  "), 1);
  CHECK_EQ_INT(question("Äro dessa rätt"), 0);
  CHECK_EQ_INT(question("Är kommunen skyldig att hjälpa"), 1);
  CHECK_EQ_INT(question("sociala insatsgrupper"), 0);
  CHECK_EQ_INT(question("skjutningar i Rinkeby"), 0);
  CHECK_EQ_INT(question("hur"), 0);            /* one clause: no ranking */
  CHECK_EQ_INT(question("Hur?"), 0);
  CHECK_EQ_INT(question("kameror?"), 0);       /* one clause */
  CHECK_EQ_INT(question("kameror Rinkeby?"), 1);
  parse("Kan barn samtycka?");
  CHECK_EQ_INT(question("sociala insatsgrupper"), 0); /* reset per parse */
}

int main(void) {
  SwError err;
  sw_error_clear(&err);
  if (an_new(&an, &err) || eng_query_new(&q, &err)) {
    fprintf(stderr, "setup: %s\n", err.msg);
    return 1;
  }
  test_words();
  test_phrases();
  test_hyphenated();
  test_or();
  test_exclusions();
  test_stopwords();
  test_errors();
  test_reuse_and_bytes();
  test_alloc_failures();
  test_questions();
  eng_query_free(q);
  an_free(an);
  return tu_done();
}
