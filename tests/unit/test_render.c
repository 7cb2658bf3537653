/*
** test_render.c — sw_render, the output library the command and a future
** server share: the buffer sink and the stream sink give the same bytes;
** the JSON form parses back (cJSON) to exactly what the engine returned,
** hostile document bytes included (control characters, an escape sequence,
** quotes, backslashes, invalid UTF-8); the human form lets no control
** character through; a buffer whose growth fails says so.
*/
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw_fault.h"
#include "sw_render.h"
#include "swsearch.h"
#include "testutil.h"

/* A JSON Lines corpus with one ordinary and one hostile document. */
static const char *const corpus =
    "{\"id\": \"plain-1\", \"title\": \"Trygghetskameror i Rinkeby\", "
    "\"date\": \"2020-03-17\", \"text\": \"Motion om trygghetskameror i "
    "Rinkeby. Kommunstyrelsen föreslås besluta om trygghetskameror.\"}\n"
    "{\"id\": \"evil\\\"<b>\\\\2\", \"title\": \"Trygghetskameror \\u001b[31m"
    "RÖD\\u001b[0m \\\"citat\\\" \\\\ <script>alert(1)</script>\", "
    "\"text\": \"Trygghetskameror\\u0007 med klocka\\u0000 och "
    "tabb\\tradbrytning\\r\\n slut.\"}\n";

static char *render_json(const char *query, const SwResults *res, int file) {
  SwrSink s;
  if (!file) {
    swr_sink_buffer(&s);
    swr_search_json(&s, query, res);
    CHECK(!s.failed);
    char *out = s.buf; /* the caller frees it */
    return out;
  }
  FILE *f = tmpfile();
  if (!f) return NULL;
  swr_sink_file(&s, f);
  swr_search_json(&s, query, res);
  long n = ftell(f);
  rewind(f);
  char *out = malloc((size_t)n + 1);
  if (out && fread(out, 1, (size_t)n, f) == (size_t)n) out[n] = '\0';
  fclose(f);
  return out;
}

static void check_json(const char *query, const SwResults *res) {
  char *b = render_json(query, res, 0), *f = render_json(query, res, 1);
  CHECK(b && f);
  if (!b || !f) goto done;
  CHECK_EQ_STR(b, f); /* the two sinks: same bytes */
  cJSON *j = cJSON_Parse(b);
  CHECK(j != NULL);
  if (!j) goto done;
  CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "query")), query);
  CHECK_EQ_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "total_hits")),
               res->total_hits);
  cJSON *hits = cJSON_GetObjectItem(j, "hits");
  CHECK_EQ_INT(cJSON_GetArraySize(hits), res->nhits);
  for (size_t i = 0; i < res->nhits && i < (size_t)cJSON_GetArraySize(hits); i++) {
    cJSON *h = cJSON_GetArrayItem(hits, (int)i);
    const SwHit *e = &res->hits[i];
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(h, "id")), e->id);
    /* A title with ESC, quotes, backslashes and markup comes back whole:
    ** escaped, not altered. */
    CHECK_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(h, "title")),
                 e->title);
    CHECK_EQ_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(h, "rank")), i + 1);
  }
  /* No raw control byte anywhere in the JSON text (one object per line:
  ** newlines separate, nothing else below 0x20). */
  for (const char *p = b; *p; p++)
    if ((unsigned char)*p < 0x20 && *p != '\n') {
      CHECK(!"raw control byte in JSON");
      break;
    }
  cJSON_Delete(j);
done:
  free(b);
  free(f);
}

static void check_human(const char *query, const SwResults *res) {
  SwrSink s;
  swr_sink_buffer(&s);
  swr_search_human(&s, query, res, 0);
  CHECK(!s.failed && s.buf != NULL);
  if (!s.buf) return;
  int esc = 0, ctl = 0;
  for (const char *p = s.buf; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == 0x1b) esc++;
    else if (c < 0x20 && c != '\n') ctl++;
  }
  CHECK_EQ_INT(esc, 0); /* the document's escape sequence is defused */
  CHECK_EQ_INT(ctl, 0);
  int evil = 0;
  for (size_t i = 0; i < res->nhits; i++)
    if (!strncmp(res->hits[i].id, "evil", 4)) evil = 1;
  if (evil) /* the hostile title is shown, defused */
    CHECK(strstr(s.buf, "RÖD") != NULL && strstr(s.buf, "citat") != NULL);
  swr_sink_free(&s);
}

/* Invalid UTF-8 in a string becomes \ufffd, and the result parses. */
static void check_json_string(void) {
  SwrSink s;
  swr_sink_buffer(&s);
  swr_json_string(&s, "a\xff" "b\xc3" "\x28" "c\"\\\x01");
  CHECK(s.buf != NULL);
  if (!s.buf) return;
  cJSON *j = cJSON_Parse(s.buf);
  CHECK(j != NULL);
  CHECK_EQ_STR(cJSON_GetStringValue(j),
               "a\xEF\xBF\xBD" "b\xEF\xBF\xBD(c\"\\\x01");
  cJSON_Delete(j);
  swr_sink_free(&s);
}

/* A buffer that cannot grow drops bytes and says so. */
static void check_failed_growth(const SwResults *res) {
  SwrSink s;
  swr_sink_buffer(&s);
  sw_fault_alloc_after(0);
  swr_search_json(&s, "q", res);
  long tried = sw_fault_alloc_reset();
  CHECK(tried > 0);
  CHECK_EQ_INT(s.failed, 1);
  swr_sink_free(&s);
}

/* Results made by hand, so that bytes the intake would have cleaned reach
** the renderer: ESC sequences, BEL, NUL-free C0 and C1 controls, DEL. */
static void check_hand_made(void) {
  SwHit h;
  memset(&h, 0, sizeof h);
  h.id = "id\x1b]0;pwned\x07";
  h.file = "f\x7f.txt";
  h.title = "Titel \x1b[31mröd\x1b[0m \"q\" \\ \xc2\x9b" "2J slut";
  h.date = h.source = h.url = h.type = h.organs = h.parties = h.dnr = "";
  char snippet[] = "text\x07med\x1b[1mklocka\x1b[0m\x01slut";
  h.snippet = snippet;
  h.score = 1.5;
  SwResults r;
  memset(&r, 0, sizeof r);
  r.total_hits = 1;
  r.total_exact = 1;
  r.clauses = 1;
  r.nhits = 1;
  r.hits = &h;
  check_json("hand \x1b[2J made", &r);
  SwrSink s;
  swr_sink_buffer(&s);
  swr_search_human(&s, "hand \x1b[2J made", &r, 0);
  CHECK(!s.failed && s.buf != NULL);
  if (!s.buf) return;
  int bad = 0;
  for (const unsigned char *p = (const unsigned char *)s.buf; *p; p++)
    if ((*p < 0x20 && *p != '\n') || *p == 0x7f ||
        (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
      bad++;
  CHECK_EQ_INT(bad, 0); /* no C0, DEL or C1 control reaches a terminal */
  CHECK(strstr(s.buf, "röd") != NULL && strstr(s.buf, "klocka") != NULL);
  swr_sink_free(&s);
  /* With ansi allowed, the engine's bold on/off pass, nothing else. */
  swr_sink_buffer(&s);
  swr_search_human(&s, "q", &r, 1);
  CHECK(s.buf && strstr(s.buf, "\x1b[1mklocka\x1b[0m") != NULL);
  CHECK(s.buf && strstr(s.buf, "\x1b[31m") == NULL);
  swr_sink_free(&s);
}

int main(void) {
  char tmp[] = "/tmp/sw-test-render-XXXXXX";
  if (!mkdtemp(tmp)) return 2;
  char src[4200], dir[4200];
  snprintf(src, sizeof src, "%s/docs.jsonl", tmp);
  snprintf(dir, sizeof dir, "%s/index", tmp);
  FILE *f = fopen(src, "w");
  if (!f || fputs(corpus, f) < 0 || fclose(f) != 0) return 2;

  SwError err;
  sw_error_clear(&err);
  const char *paths[] = {src};
  SwBuildOptions o = {0};
  SwBuildStats st;
  int rc = sw_build(dir, paths, 1, &o, NULL, NULL, &st, &err);
  CHECK_EQ_INT(rc, SW_OK);
  CHECK_EQ_INT(st.docs, 2);
  SwIndex *ix = NULL;
  if (rc == SW_OK) rc = sw_index_open(dir, &ix, &err);
  CHECK_EQ_INT(rc, SW_OK);
  if (ix) {
    const char *queries[] = {"trygghetskameror", "klocka", "\"citat\" <b>",
                             "inget sådant ord finns"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
      SwSearchOptions so = {0};
      so.snippets = 1;
      so.facets = 1;
      SwResults *res = NULL;
      rc = sw_search(ix, queries[i], strlen(queries[i]), &so, &res, &err);
      CHECK_EQ_INT(rc, SW_OK);
      if (!res) continue;
      /* trygghetskameror: both documents; klocka and citat: the hostile
      ** one; the last: none. */
      static const size_t want[] = {2, 1, 1, 0};
      CHECK_EQ_INT(res->nhits, want[i]);
      check_json(queries[i], res);
      check_human(queries[i], res);
      if (i == 0) check_failed_growth(res);
      sw_results_free(res);
    }
    sw_index_close(ix);
  }
  check_json_string();
  check_hand_made();
  tu_rm_rf(tmp);
  return tu_done();
}
