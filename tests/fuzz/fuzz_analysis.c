/*
** fuzz_analysis.c — the analysis chain (stemmer/analysis.c, ident.c) over
** arbitrary bytes: an_begin/an_next with a long-lived analyzer (its stem
** cache grows over millions of inputs), compared token by token with
** sw_analyze, which makes a fresh analyzer (empty cache) per call; and
** an_identifiers.
**
** Input: byte 0 bits 0-1 choose first_pos (0, 1, 16 or 1000000), bit 2
** turns the extra terms on (an_set_extras(AN_WITH_IDENTS | AN_WITH_PARTS),
** as sw_analyze asks: identifiers and compound parts); the rest is the
** text.
**
** Word tokens: positions first_pos, first_pos + 1, ... with no gap; surfaces
** inside the text, non-overlapping, ascending and valid UTF-8; fold and term
** non-empty, at most SW_MAX_TOKEN_BYTES and valid UTF-8; AN_STOP exactly
** when an_is_stopword(fold); an_term on the surface gives the same term and
** leaves the current token intact (analysis.h promises both); the same
** token from the fresh analyzer.
** Extra tokens (AN_EXTRA): only when asked for; the position of the word
** token before them; a term of a control byte then valid UTF-8; the same as
** sw_analyze's non-word tokens; identifiers among an_identifiers' reports.
** Identifiers (an_identifiers, ident.c's promises): inside the text, in
** order, never overlapping, a broader canon right after its identifier with
** the same range; canons non-empty, valid UTF-8, without upper-case ASCII;
** a non-zero return stops the scan and is returned.
** Per text: the invalid-sequence count is 0 exactly when the text is valid
** UTF-8; the stream stays ended after it ends.
*/
#include "fuzz_common.h"

#include "analysis.h"
#include "swsearch.h"

#include <stdlib.h>
#include <string.h>

#define REF_TERM_MAX (SW_MAX_TOKEN_BYTES + 64) /* room for extra terms too */

static AnAnalyzer *an; /* made on the first call (see fuzz_common.h) */

/* One token as sw_analyze reported it. */
typedef struct RefTok {
  uint32_t pos;
  size_t start, end;
  char term[REF_TERM_MAX];
  size_t term_len;
  int stop, kind;
} RefTok;

typedef struct RefList {
  const char *text; /* the analysed text, to turn surfaces into offsets */
  RefTok *t;        /* tokens                                           */
  size_t n, cap;    /* used, allocated                                  */
} RefList;

static void ref_add(RefList *l, const RefTok *r) {
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 64;
    l->t = realloc(l->t, l->cap * sizeof *l->t);
    if (!l->t) abort();
  }
  l->t[l->n++] = *r;
}

static int collect(void *ctx, const SwToken *tok) {
  RefList *l = ctx;
  RefTok r;
  FZ_CHECK(tok->term_len <= sizeof r.term, "sw_analyze term of %zu bytes",
           tok->term_len);
  r.pos = tok->pos;
  r.start = (size_t)(tok->surface - l->text);
  r.end = r.start + tok->surface_len;
  memcpy(r.term, tok->term, tok->term_len);
  r.term_len = tok->term_len;
  r.stop = tok->stopword;
  r.kind = tok->kind;
  ref_add(l, &r);
  return 0;
}

/* an_identifiers' reports, checked as they come. */
typedef struct Idents {
  size_t len;    /* text length                   */
  RefList l;     /* start/end/canon of each       */
  int stop_at;   /* return 7 at this report (-1: never) */
  int calls;     /* reports seen                  */
} Idents;

static int on_ident(void *ctx, const AnIdentRef *id) {
  Idents *s = ctx;
  FZ_CHECK(id->start < id->end && id->end <= s->len,
           "identifier [%zu, %zu) in %zu bytes", id->start, id->end, s->len);
  FZ_CHECK(id->canon_len >= 1 && id->canon_len < REF_TERM_MAX &&
               fz_utf8_valid(id->canon, id->canon_len),
           "identifier canon of %zu bytes, or not UTF-8", id->canon_len);
  for (size_t i = 0; i < id->canon_len; i++)
    FZ_CHECK(!(id->canon[i] >= 'A' && id->canon[i] <= 'Z'),
             "identifier canon not lower case");
  if (s->l.n) {
    const RefTok *p = &s->l.t[s->l.n - 1];
    if (id->broader)
      FZ_CHECK(p->start == id->start && p->end == id->end,
               "broader canon with another range");
    else
      FZ_CHECK(id->start >= p->end, "identifiers overlap or go backwards");
  } else {
    FZ_CHECK(!id->broader, "a broader canon first");
  }
  RefTok r;
  memset(&r, 0, sizeof r);
  r.start = id->start;
  r.end = id->end;
  memcpy(r.term, id->canon, id->canon_len);
  r.term_len = id->canon_len;
  ref_add(&s->l, &r);
  return s->calls++ == s->stop_at ? 7 : 0;
}

static void check_identifiers(const char *text, size_t len, Idents *ids) {
  memset(ids, 0, sizeof *ids);
  ids->len = len;
  ids->stop_at = -1;
  FZ_CHECK(an_identifiers(text, len, on_ident, ids) == 0,
           "an_identifiers returned non-zero without being stopped");
  if (ids->l.n) { /* stopping at the last report returns its value */
    Idents again;
    memset(&again, 0, sizeof again);
    again.len = len;
    again.stop_at = (int)ids->l.n - 1;
    FZ_CHECK(an_identifiers(text, len, on_ident, &again) == 7 &&
                 again.calls == (int)ids->l.n,
             "a stopped identifier scan");
    free(again.l.t);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  SwError err;
  sw_error_clear(&err);
  if (!an && an_new(&an, &err)) fz_fail("an_new: %s", err.msg);
  if (size < 1) return 0;
  static const uint32_t first[4] = {0, 1, 16, 1000000};
  uint32_t first_pos = first[data[0] & 3];
  int extras = (data[0] & 4) != 0;
  const char *text = (const char *)data + 1;
  size_t len = size - 1;

  RefList ref = {text, NULL, 0, 0};
  size_t ref_invalid = 0;
  int rc = sw_analyze(text, len, collect, &ref, &ref_invalid, &err);
  FZ_CHECK(rc == SW_OK, "sw_analyze: %d %s", rc, err.msg);
  Idents ids;
  check_identifiers(text, len, &ids);

  an_set_extras(an, extras ? AN_WITH_IDENTS | AN_WITH_PARTS : 0);
  an_begin(an, text, len, first_pos);
  AnToken tok;
  size_t n = 0, r = 0, prev_end = 0;
  char term[SW_MAX_TOKEN_BYTES], again[SW_MAX_TOKEN_BYTES];
  while ((rc = an_next(an, &tok)) > 0) {
    if (tok.flags & AN_EXTRA) {
      FZ_CHECK(extras, "an extra token without an_set_extras");
      FZ_CHECK(n > 0 && tok.pos == first_pos + (uint32_t)n - 1,
               "extra token at position %u after %zu words", tok.pos, n);
      FZ_CHECK(tok.start < tok.end && tok.end <= len,
               "extra token [%zu, %zu) in %zu bytes", tok.start, tok.end, len);
      FZ_CHECK(tok.term_len >= 2 && (unsigned char)tok.term[0] < 0x20 &&
                   fz_utf8_valid(tok.term + 1, tok.term_len - 1),
               "extra token term of %zu bytes", tok.term_len);
      FZ_CHECK(r < ref.n && ref.t[r].kind != SW_TOKEN_WORD,
               "extra token that sw_analyze did not give");
      const RefTok *x = &ref.t[r++];
      FZ_CHECK(x->pos == tok.pos - first_pos && x->start == tok.start &&
                   x->end == tok.end && x->term_len == tok.term_len - 1 &&
                   memcmp(x->term, tok.term + 1, x->term_len) == 0,
               "extra token differs from sw_analyze's");
      if (tok.term[0] == AN_NS_IDENT) {
        int found = 0;
        for (size_t i = 0; i < ids.l.n && !found; i++)
          found = ids.l.t[i].start == tok.start && ids.l.t[i].end == tok.end &&
                  ids.l.t[i].term_len == tok.term_len - 1 &&
                  memcmp(ids.l.t[i].term, tok.term + 1, tok.term_len - 1) == 0;
        FZ_CHECK(found, "identifier term an_identifiers did not report");
      }
      continue;
    }
    FZ_CHECK(tok.pos == first_pos + (uint32_t)n, "token %zu at position %u",
             n, tok.pos);
    FZ_CHECK(tok.start < tok.end && tok.end <= len && tok.start >= prev_end,
             "token %zu: surface [%zu, %zu) after %zu in %zu bytes", n,
             tok.start, tok.end, prev_end, len);
    prev_end = tok.end;
    FZ_CHECK(fz_utf8_valid(text + tok.start, tok.end - tok.start),
             "token %zu: surface is not valid UTF-8", n);
    FZ_CHECK(tok.term_len >= 1 && tok.term_len <= SW_MAX_TOKEN_BYTES &&
                 tok.fold_len >= 1 && tok.fold_len <= SW_MAX_TOKEN_BYTES,
             "token %zu: term %zu, fold %zu bytes", n, tok.term_len,
             tok.fold_len);
    FZ_CHECK(fz_utf8_valid(tok.term, tok.term_len) &&
                 fz_utf8_valid(tok.fold, tok.fold_len),
             "token %zu: term or fold is not valid UTF-8", n);
    FZ_CHECK(!(tok.flags & AN_STOP) == !an_is_stopword(tok.fold, tok.fold_len),
             "token %zu: AN_STOP disagrees with an_is_stopword", n);

    /* an_term on the surface, in the middle of the stream. */
    memcpy(term, tok.term, tok.term_len);
    size_t term_len = tok.term_len, again_len = 0;
    rc = an_term(an, text + tok.start, tok.end - tok.start, again,
                 sizeof again, &again_len);
    FZ_CHECK(rc == SW_OK, "an_term: %d", rc);
    FZ_CHECK(again_len == term_len && memcmp(again, term, term_len) == 0,
             "token %zu: an_term of its surface gives another term", n);
    FZ_CHECK(tok.term_len == term_len && memcmp(tok.term, term, term_len) == 0,
             "token %zu: an_term disturbed the current token", n);

    /* Without extras here, sw_analyze's (it always asks) are skipped. */
    while (!extras && r < ref.n && ref.t[r].kind != SW_TOKEN_WORD) r++;
    FZ_CHECK(r < ref.n && ref.t[r].kind == SW_TOKEN_WORD,
             "sw_analyze gave another token where word %zu is", n);
    const RefTok *w = &ref.t[r++];
    FZ_CHECK(w->pos == (uint32_t)n && w->start == tok.start &&
                 w->end == tok.end && w->term_len == term_len &&
                 memcmp(w->term, term, term_len) == 0 &&
                 w->stop == !!(tok.flags & AN_STOP),
             "token %zu differs between a warm and a fresh analyzer", n);
    n++;
  }
  FZ_CHECK(rc == 0, "an_next: %d", rc);
  while (r < ref.n && (!extras && ref.t[r].kind != SW_TOKEN_WORD)) r++;
  FZ_CHECK(r == ref.n, "sw_analyze gave more tokens (%zu of %zu used)", r,
           ref.n);
  FZ_CHECK(an_next(an, &tok) == 0, "the stream did not stay ended");
  size_t invalid = an_invalid_count(an);
  FZ_CHECK(invalid == ref_invalid, "invalid count %zu vs %zu", invalid,
           ref_invalid);
  FZ_CHECK((invalid == 0) == fz_utf8_valid(text, len),
           "invalid count %zu for %s UTF-8", invalid,
           fz_utf8_valid(text, len) ? "valid" : "invalid");
  free(ref.t);
  free(ids.l.t);
  return 0;
}
