/*
** snippet.c — the passage shown under a hit: the window of a document's
** text that best covers the query, cut at word boundaries, whitespace
** collapsed, query terms highlighted. Interface: engine_int.h, "interface
** to snippet.c". Fetching the text is search.c's (ix_doc_text).
**
** How a snippet is made:
**   1. The text is analysed with the document chain (byte offsets per
**      token), told the positive query terms (an_want_add, set by search.c)
**      so that words which cannot have one are only counted, not folded and
**      stemmed. Tokens whose term is a positive query term become candidates.
**      A candidate is highlighted when its term is a free query word of its
**      own; a term that the query has only inside phrases (`"vikten av
**      att"`, or the parts of a hyphenated word) is highlighted only where
**      it is part of an occurrence of such a phrase, so the snippet neither
**      lights up every `att` nor shows a phrase's words scattered.
**   2. Analysis stops early: once some window holds every positive query
**      term, or once 256 KiB were analysed and something was found; in both
**      cases it goes on for 4 bytes per snippet character more, so that every
**      query term in the text that can be shown is highlighted. Texts over
**      64 KiB are not analysed from their start: eng_snippet_locate asks the
**      postings for the first text position of a query term in the document,
**      turns it into a byte offset by the document's mean bytes per token,
**      and analysis starts a margin (1/8 of the text + 4 KiB) before it, at a
**      word start (relative positions are all phrases need). If that finds
**      nothing the whole text is analysed. A document whose text holds no
**      query term (matched through its title) is not analysed at all.
**   3. The window: among spans of at most `chars - 2` bytes starting at a
**      highlighted candidate, the one with the most distinct query terms,
**      then the most highlighted occurrences, then the earliest. With no
**      candidate at all (the document matched through its title), the text's
**      start.
**   4. Output starts up to a quarter window before the first match, at a
**      word start, and takes whole words (runs between whitespace) while
**      they fit in `chars` characters, counting a single space between words
**      and an ellipsis "…" for each cut end; markup is not counted. A first
**      word longer than the whole budget is cut at a character boundary.
**      Whitespace runs, ASCII and C1 controls, NO-BREAK SPACE and the other
**      Unicode spaces become one space (so ESC in a text cannot reach a
**      terminal); invalid UTF-8 becomes U+FFFD: the output is always valid
**      UTF-8.
*/
#include "engine_int.h"

#include <stdlib.h>
#include <string.h>

#define SCAN_CAP ((size_t)256 << 10) /* analyse at most this, if found    */
#define LEAD_WORD_MAX 40             /* back up at most this to a word start */
#define LOCATE_MIN ((size_t)64 << 10) /* longer texts: eng_snippet_locate  */

enum { KIND_NONE = 0, KIND_ALWAYS = 1, KIND_PHRASE = 2 };

/* A token of the text whose term is a positive query term. */
typedef struct Cand {
  size_t start;   /* byte offset of the surface                          */
  size_t end;     /* one past its last byte                              */
  uint32_t pos;   /* token position                                      */
  uint32_t term;  /* index into the query's terms                        */
  int hl;         /* 1: highlighted (and counted for the window)         */
} Cand;

struct EngSnippet {
  Cand *cands;          /* candidates in text order                       */
  size_t cands_cap;     /* ... allocated                                  */
  size_t ncands;        /* ... held                                       */
  uint32_t *hash;       /* open addressing: term index + 1, 0 = free      */
  size_t hash_cap;      /* ... allocated                                  */
  uint32_t hash_mask;   /* ... slots in use - 1 (a power of two - 1)      */
  uint32_t *count;      /* per term: occurrences in the sliding window    */
  size_t count_cap;     /* ... allocated                                  */
  uint32_t *stamp;      /* per term: == epoch when seen in a window check */
  size_t stamp_cap;     /* ... allocated                                  */
  uint32_t epoch;       /* window checks so far                           */
  uint8_t *kind;        /* per term: KIND_*                               */
  size_t kind_cap;      /* ... allocated                                  */
  uint32_t *phrases;    /* atoms whose occurrences decide highlighting    */
  size_t phrases_cap;   /* ... allocated                                  */
  size_t nphrases;      /* ... held                                       */
  char *out;            /* the snippet                                    */
  size_t out_cap;       /* ... allocated                                  */
  size_t out_len;       /* ... bytes written                              */
  uint32_t *hint;       /* text positions of query terms (eng_snippet_hint),
                           ascending, distinct                            */
  size_t hint_cap;      /* ... allocated                                  */
  size_t nhint;         /* ... held                                       */
  int hinted;           /* 1: the analyzer was given hint[0..nhint)       */
};

int eng_snippet_new(EngSnippet **out, SwError *err) {
  *out = sw_calloc(1, sizeof **out);
  if (!*out) return sw_error_set(err, SW_NOMEM, "out of memory (snippets)");
  return SW_OK;
}

void eng_snippet_free(EngSnippet *sn) {
  if (!sn) return;
  sw_free(sn->cands);
  sw_free(sn->hash);
  sw_free(sn->count);
  sw_free(sn->stamp);
  sw_free(sn->kind);
  sw_free(sn->phrases);
  sw_free(sn->out);
  sw_free(sn->hint);
  sw_free(sn);
}

/* ---------------------------------------------------------------- UTF-8 -- */

/* Bytes of the character at t[i] (1 for an invalid byte). */
static size_t char_len(const char *t, size_t len, size_t i) {
  size_t n = sw_utf8_valid_len((const unsigned char *)t + i, len - i);
  return n ? n : 1;
}

/* Byte length of the whitespace (or control) character at t[i], or 0. */
static size_t ws_len(const char *t, size_t len, size_t i) {
  const unsigned char *s = (const unsigned char *)t + i;
  size_t n = len - i;
  if (s[0] <= 0x20 || s[0] == 0x7F) return 1;
  if (s[0] == 0xC2 && n >= 2 && s[1] >= 0x80 && s[1] <= 0xA0) return 2;
  if (s[0] == 0xE2 && n >= 3 && s[1] == 0x80 &&
      ((s[2] >= 0x80 && s[2] <= 0x8B) || s[2] == 0xA8 || s[2] == 0xA9 ||
       s[2] == 0xAF))
    return 3;
  if (s[0] == 0xE2 && n >= 3 && s[1] == 0x81 && s[2] == 0x9F) return 3;
  if (s[0] == 0xE3 && n >= 3 && s[1] == 0x80 && s[2] == 0x80) return 3;
  if (s[0] == 0xEF && n >= 3 && s[1] == 0xBB && s[2] == 0xBF) return 3;
  return 0;
}

/* Byte length of the whitespace character ending exactly at byte i, or 0. */
static size_t ws_before(const char *t, size_t len, size_t i) {
  for (size_t n = 1; n <= 3 && n <= i; n++)
    if (ws_len(t, len, i - n) == n) return n;
  return 0;
}

/* 1 if t[0..i) holds anything but whitespace. */
static int text_before(const char *t, size_t len, size_t i) {
  while (i > 0) {
    size_t n = ws_before(t, len, i);
    if (!n) return 1;
    i -= n;
  }
  return 0;
}

/* ----------------------------------------------------------- the query -- */

static uint32_t hash_bytes(const char *s, size_t n) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

/* Index of the positive query term equal to term[0..len), or -1. */
static long lookup(const EngSnippet *sn, const EngQuery *q, const char *term,
                   size_t len) {
  uint32_t i = hash_bytes(term, len) & sn->hash_mask;
  for (;;) {
    uint32_t v = sn->hash[i];
    if (!v) return -1;
    const EngQTerm *t = &q->terms[v - 1];
    if (t->len == len && memcmp(q->bytes + t->off, term, len) == 0)
      return (long)(v - 1);
    i = (i + 1) & sn->hash_mask;
  }
}

/* Per-term tables for q; *ntargets = positive terms. */
static int prepare(EngSnippet *sn, const EngQuery *q, uint32_t *ntargets,
                   SwError *err) {
  size_t hcap = 8;
  while (hcap < 2 * (size_t)q->nterms + 2) hcap *= 2;
  if (sw_grow((void **)&sn->hash, &sn->hash_cap, hcap, sizeof *sn->hash) ||
      sw_grow((void **)&sn->count, &sn->count_cap, q->nterms + 1,
               sizeof *sn->count) ||
      sw_grow((void **)&sn->stamp, &sn->stamp_cap, q->nterms + 1,
               sizeof *sn->stamp) ||
      sw_grow((void **)&sn->kind, &sn->kind_cap, q->nterms + 1, 1) ||
      sw_grow((void **)&sn->phrases, &sn->phrases_cap, q->natoms + 1,
               sizeof *sn->phrases))
    return sw_error_set(err, SW_NOMEM, "out of memory (snippet)");
  sn->hash_mask = (uint32_t)(hcap - 1);
  memset(sn->hash, 0, hcap * sizeof *sn->hash);
  memset(sn->stamp, 0, q->nterms * sizeof *sn->stamp);
  sn->epoch = 0;
  *ntargets = 0;
  for (uint32_t t = 0; t < q->nterms; t++) {
    const EngQTerm *qt = &q->terms[t];
    sn->kind[t] = KIND_NONE;
    if (!qt->positive) continue;
    sn->kind[t] = qt->bare ? KIND_ALWAYS : KIND_PHRASE;
    (*ntargets)++;
    uint32_t i = hash_bytes(q->bytes + qt->off, qt->len) & sn->hash_mask;
    while (sn->hash[i]) i = (i + 1) & sn->hash_mask;
    sn->hash[i] = t + 1;
  }
  /* Phrases of the positive clauses that hold a phrase-only term. */
  sn->nphrases = 0;
  for (uint32_t a = 0; a < q->excl; a++) {
    const EngQAtom *at = &q->atoms[a];
    if (at->nslots < 2) continue;
    for (uint32_t s = 0; s < at->nslots; s++)
      if (sn->kind[q->slots[at->slot + s].term] == KIND_PHRASE) {
        sn->phrases[sn->nphrases++] = a;
        break;
      }
  }
  return SW_OK;
}

/* Candidate j was just added: highlight every phrase occurrence ending at
** it. Returns 1 if a candidate became highlighted. */
static int mark_phrases(EngSnippet *sn, const EngQuery *q, size_t j) {
  const Cand *c = &sn->cands[j];
  int changed = 0;
  for (size_t p = 0; p < sn->nphrases; p++) {
    const EngQAtom *at = &q->atoms[sn->phrases[p]];
    const EngQSlot *sl = &q->slots[at->slot];
    uint32_t n = at->nslots;
    if (sl[n - 1].term != c->term || c->pos < sl[n - 1].off) continue;
    uint32_t base = c->pos - sl[n - 1].off;
    /* Find the earlier slots by scanning back: candidates are in position
    ** order, one per position. */
    size_t k = j;
    int ok = 1;
    for (uint32_t s = n - 1; s-- > 0 && ok;) {
      uint32_t want = base + sl[s].off;
      while (k > 0 && sn->cands[k - 1].pos > want) k--;
      ok = k > 0 && sn->cands[k - 1].pos == want &&
           sn->cands[k - 1].term == sl[s].term;
      if (ok) k--;
    }
    if (!ok) continue;
    for (size_t i = k; i <= j; i++) {
      if (sn->cands[i].pos < base) continue;
      if (!sn->cands[i].hl) changed = 1;
      sn->cands[i].hl = 1;
    }
  }
  return changed;
}

/* 1 if the window of at most w bytes ending at candidate j holds all
** ntargets query terms. */
static int window_complete(EngSnippet *sn, size_t j, size_t w,
                           uint32_t ntargets) {
  uint32_t seen = 0;
  size_t end = sn->cands[j].end;
  sn->epoch++;
  for (size_t i = j + 1; i-- > 0;) {
    const Cand *c = &sn->cands[i];
    if (end - c->start > w) break;
    if (!c->hl || sn->stamp[c->term] == sn->epoch) continue;
    sn->stamp[c->term] = sn->epoch;
    if (++seen == ntargets) return 1;
  }
  return 0;
}

/* 1 if every hinted position below pos_end holds a candidate (all
** candidates still there, in position order). */
static int hint_kept(const EngSnippet *sn, uint32_t pos_end) {
  size_t j = 0;
  for (size_t i = 0; i < sn->nhint && sn->hint[i] < pos_end; i++) {
    while (j < sn->ncands && sn->cands[j].pos < sn->hint[i]) j++;
    if (j == sn->ncands || sn->cands[j].pos != sn->hint[i]) return 0;
  }
  return 1;
}

/* Step 1 and 2: collect the candidates. */
static int collect(EngSnippet *sn, AnAnalyzer *an, const EngQuery *q,
                   const char *text, size_t len, size_t from, size_t w,
                   size_t chars, SwError *err) {
  uint32_t ntargets = 0;
  int rc = prepare(sn, q, &ntargets, err);
  if (rc) return rc;
  sn->ncands = 0;
  size_t nhl = 0, stop_after = SIZE_MAX;
  uint32_t pos_end = 0; /* positions below this were analysed */
  AnToken tok;
  an_begin(an, text + from, len - from, 0);
  while ((rc = an_next(an, &tok)) > 0) {
    tok.start += from;
    tok.end += from;
    if (tok.start >= stop_after) break;
    pos_end = tok.pos + 1;
    if (stop_after == SIZE_MAX && nhl && tok.start - from >= SCAN_CAP)
      stop_after = tok.start + 4 * chars;
    if (tok.flags & AN_UNWANTED) continue; /* none of the query's terms */
    long t = lookup(sn, q, tok.term, tok.term_len);
    if (t < 0) continue;
    if (sw_grow((void **)&sn->cands, &sn->cands_cap, sn->ncands + 1,
                 sizeof *sn->cands))
      return sw_error_set(err, SW_NOMEM, "out of memory (snippet)");
    size_t j = sn->ncands++;
    Cand *c = &sn->cands[j];
    c->start = tok.start;
    c->end = tok.end;
    c->pos = tok.pos;
    c->term = (uint32_t)t;
    c->hl = sn->kind[t] == KIND_ALWAYS;
    int changed = c->hl;
    if (sn->nphrases && mark_phrases(sn, q, j)) changed = 1;
    if (!changed) continue;
    nhl++;
    if (stop_after == SIZE_MAX && window_complete(sn, j, w, ntargets))
      stop_after = tok.end + 4 * chars;
  }
  if (rc < 0) return sw_error_set(err, SW_NOMEM, "out of memory (analysis)");
  if (sn->hinted && !hint_kept(sn, pos_end)) {
    /* A position the index gave holds no query term: the index was made
    ** by another analysis chain. Analyse every word instead. */
    an_want_positions(an, NULL, 0);
    sn->hinted = 0;
    return collect(sn, an, q, text, len, from, w, chars, err);
  }
  /* Keep only the highlighted candidates. */
  size_t m = 0;
  for (size_t i = 0; i < sn->ncands; i++)
    if (sn->cands[i].hl) sn->cands[m++] = sn->cands[i];
  sn->ncands = m;
  return SW_OK;
}

/* Step 3: the best window; *first is its first candidate (ncands if none),
** *last_end the end of its last. */
static void best_window(EngSnippet *sn, const EngQuery *q, size_t w,
                        size_t *first, size_t *last_end) {
  size_t m = sn->ncands, j = 0, bi = m, bj = m;
  uint32_t distinct = 0, best_d = 0;
  size_t best_o = 0;
  *first = *last_end = 0;
  if (m == 0) return; /* no candidates (an empty text): count[] may be unset */
  memset(sn->count, 0, q->nterms * sizeof *sn->count);
  for (size_t i = 0; i < m; i++) {
    if (j == i) { /* always at least the candidate itself */
      if (sn->count[sn->cands[j].term]++ == 0) distinct++;
      j++;
    }
    while (j < m && sn->cands[j].end - sn->cands[i].start <= w) {
      if (sn->count[sn->cands[j].term]++ == 0) distinct++;
      j++;
    }
    if (distinct > best_d || (distinct == best_d && j - i > best_o)) {
      best_d = distinct;
      best_o = j - i;
      bi = i;
      bj = j;
    }
    if (--sn->count[sn->cands[i].term] == 0) distinct--;
  }
  *first = bi;
  *last_end = bi < m ? sn->cands[bj - 1].end : 0;
}

/* Step 4: where the output starts, given the window [s, e). */
static size_t start_at(const char *text, size_t len, size_t s, size_t e,
                       size_t w) {
  size_t span = e > s ? e - s : 0;
  size_t slack = w > span ? w - span : 0;
  size_t lead = slack < w / 4 ? slack : w / 4;
  size_t p = s > lead ? s - lead : 0;
  size_t b = p;
  while (b > 0 && !ws_before(text, len, b) && p - b < LEAD_WORD_MAX) b--;
  if (b == 0 || ws_before(text, len, b)) return b;
  /* p is inside a long word: the next word start, or s itself. */
  while (p < s && !ws_before(text, len, p)) p++;
  return p;
}

/* --------------------------------------------------- large documents -- */

/* The positions of query term t in document doc into *pos and *n (0 when
** the index or the document lacks it), from postings *p the caller frees
** (NULL when the term is not in the index). */
static int doc_positions(IxReader *r, const EngQuery *q, uint32_t t,
                         SwDocId doc, IxPostings **p, const uint32_t **pos,
                         uint32_t *n, SwError *err) {
  const EngQTerm *qt = &q->terms[t];
  IxTermInfo ti;
  SwError local;
  *p = NULL;
  *n = 0;
  sw_error_clear(&local);
  int rc = ix_term_find(r, q->bytes + qt->off, qt->len, &ti, &local);
  if (rc == SW_NOTFOUND) return SW_OK;
  if (rc) return sw_error_set(err, rc, "%s", local.msg);
  if ((rc = ix_postings_open(r, &ti, 1, p, err)) ||
      (rc = ix_postings_seek(*p, doc, err)))
    return rc;
  if ((*p)->eof || (*p)->doc != doc) return SW_OK;
  return ix_postings_positions(*p, pos, n, err);
}

/* First position >= min of a highlightable query term in document doc, or
** UINT32_MAX. */
static int first_position(const EngQuery *q, IxReader *r, SwDocId doc,
                          uint32_t min, uint32_t *first, SwError *err) {
  IxPostings *p = NULL;
  int rc = SW_OK;
  *first = UINT32_MAX;
  for (uint32_t t = 0; t < q->nterms; t++) {
    const EngQTerm *qt = &q->terms[t];
    if (!qt->positive || (qt->stop && !qt->bare)) continue;
    const uint32_t *pos = NULL;
    uint32_t n;
    if ((rc = doc_positions(r, q, t, doc, &p, &pos, &n, err))) goto fail;
    for (uint32_t i = 0; i < n; i++)
      if (pos[i] >= min) {
        if (pos[i] < *first) *first = pos[i];
        break;
      }
    ix_postings_free(p);
    p = NULL;
  }
  return SW_OK;

fail:
  ix_postings_free(p);
  return rc;
}

int eng_snippet_locate(IxReader *r, AnAnalyzer *an, const EngQuery *q,
                       SwDocId doc, const char *text, size_t len,
                       size_t *from, SwError *err) {
  IxDocMeta m;
  AnToken tok;
  uint32_t ntitle = 0, first;
  int rc;
  *from = 0;
  if (len <= LOCATE_MIN) return SW_OK;
  if ((rc = ix_doc_meta(r, doc, &m, err))) return rc;
  an_begin(an, m.title, m.title_len, 0);
  while ((rc = an_next(an, &tok)) > 0) ntitle += !(tok.flags & AN_EXTRA);
  if (rc < 0) return sw_error_set(err, SW_NOMEM, "out of memory (analysis)");
  uint32_t dl = ix_doc_len(r, doc);
  if (dl <= ntitle) return SW_OK;
  uint32_t base = ntitle ? ntitle + IX_FIELD_GAP : 0;
  if ((rc = first_position(q, r, doc, base, &first, err))) return rc;
  if (first == UINT32_MAX) {
    *from = len; /* no query term in the text */
    return SW_OK;
  }
  double per_token = (double)len / (double)(dl - ntitle);
  double guess = (double)(first - base) * per_token;
  double margin = (double)len / 8 + 4096;
  if (guess <= margin) return SW_OK;
  size_t p = guess - margin < (double)len ? (size_t)(guess - margin) : len;
  while (p < len && !ws_len(text, len, p)) p++; /* to a word start */
  *from = p < len ? p : 0;
  return SW_OK;
}

/* -------------------------------------------------------- position hints -- */

/* An empty set of wanted positions (an_want_positions takes NULL as off). */
static const uint32_t no_positions[1] = {0};

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* Text positions of q's positive terms in document doc into sn->hint
** (ascending, distinct). Any failure: SW_NOMEM or the index's error. */
static int hint_positions(EngSnippet *sn, IxReader *r, AnAnalyzer *an,
                          const EngQuery *q, SwDocId doc, SwError *err) {
  IxDocMeta m;
  AnToken tok;
  IxPostings *p = NULL;
  uint32_t ntitle = 0;
  int rc;
  sn->nhint = 0;
  /* The title's tokens, counted: none analysed (no position wanted). */
  if ((rc = ix_doc_meta(r, doc, &m, err))) return rc;
  an_want_positions(an, no_positions, 0);
  an_begin(an, m.title, m.title_len, 0);
  while ((rc = an_next(an, &tok)) > 0) ntitle += !(tok.flags & AN_EXTRA);
  an_want_positions(an, NULL, 0);
  if (rc < 0) return sw_error_set(err, SW_NOMEM, "out of memory (analysis)");
  uint32_t base = ntitle ? ntitle + IX_FIELD_GAP : 0;
  for (uint32_t t = 0; t < q->nterms; t++) {
    const EngQTerm *qt = &q->terms[t];
    if (!qt->positive || qt->len == 0) continue;
    const uint32_t *pos = NULL;
    uint32_t n;
    if ((rc = doc_positions(r, q, t, doc, &p, &pos, &n, err))) goto fail;
    if (n && sw_grow((void **)&sn->hint, &sn->hint_cap, sn->nhint + n + 1,
                     sizeof *sn->hint)) {
      rc = sw_error_set(err, SW_NOMEM, "out of memory (snippet)");
      goto fail;
    }
    for (uint32_t i = 0; i < n; i++)
      if (pos[i] >= base) sn->hint[sn->nhint++] = pos[i] - base;
    ix_postings_free(p);
    p = NULL;
  }
  if (sn->nhint > 1) {
    qsort(sn->hint, sn->nhint, sizeof *sn->hint, cmp_u32);
    size_t k = 1;
    for (size_t i = 1; i < sn->nhint; i++)
      if (sn->hint[i] != sn->hint[k - 1]) sn->hint[k++] = sn->hint[i];
    sn->nhint = k;
  }
  return SW_OK;

fail:
  ix_postings_free(p);
  return rc;
}

int eng_snippet_hint(EngSnippet *sn, IxReader *r, AnAnalyzer *an,
                     const EngQuery *q, SwDocId doc) {
  SwError local;
  sw_error_clear(&local);
  sn->hinted = 0;
  an_want_positions(an, NULL, 0);
  /* Without a hint the text is simply analysed whole: a hint that fails
  ** (memory, or a positions block the query itself never needed and that
  ** turns out bad) changes nothing the caller sees. */
  if (hint_positions(sn, r, an, q, doc, &local) != SW_OK) return 0;
  an_want_positions(an, sn->nhint ? sn->hint : no_positions, sn->nhint);
  sn->hinted = 1;
  return 1;
}

void eng_snippet_unhint(EngSnippet *sn, AnAnalyzer *an) {
  sn->hinted = 0;
  an_want_positions(an, NULL, 0);
}

/* ---------------------------------------------------------------- output -- */

static void put(EngSnippet *sn, const char *s, size_t n) {
  memcpy(sn->out + sn->out_len, s, n); /* room reserved by eng_snippet_make */
  sn->out_len += n;
}

/* Emit word text[ws..we) (at most max_chars characters) with highlight
** markers around the candidates from *h on; returns characters written. */
static size_t put_word(EngSnippet *sn, const char *text, size_t len,
                       size_t ws, size_t we, size_t max_chars, size_t *h,
                       const char *open, const char *close) {
  size_t i = ws, nc = 0, olen = strlen(open), clen = strlen(close);
  int in = 0;
  while (i < we && nc < max_chars) {
    while (!in && *h < sn->ncands && sn->cands[*h].end <= i) (*h)++;
    const Cand *c = *h < sn->ncands ? &sn->cands[*h] : NULL;
    if (c && !in && c->start <= i) {
      put(sn, open, olen);
      in = 1;
    }
    size_t n = sw_utf8_valid_len((const unsigned char *)text + i, len - i);
    if (n) put(sn, text + i, n);
    else put(sn, "\xEF\xBF\xBD", 3);
    i += n ? n : 1;
    nc++;
    if (in && i >= c->end) {
      put(sn, close, clen);
      in = 0;
      (*h)++;
    }
  }
  if (in) put(sn, close, clen);
  return nc;
}

int eng_snippet_make(EngSnippet *sn, AnAnalyzer *an, const EngQuery *q,
                     const char *text, size_t len, size_t from, size_t chars,
                     int highlight, const char **out, size_t *out_len,
                     SwError *err) {
  static const char ellipsis[] = "\xE2\x80\xA6"; /* … */
  const char *open = "[", *close = "]";
  int rc;
  *out = NULL;
  *out_len = 0;
  if (chars < 16) chars = 16;
  if (highlight == SW_HL_ANSI) {
    open = "\x1b[1m";
    close = "\x1b[0m";
  } else if (highlight == SW_HL_NONE) {
    open = close = "";
  }
  size_t w = chars - 2;
  sn->ncands = 0;
  if (from < len) {
    rc = collect(sn, an, q, text, len, from, w, chars, err);
    if (rc == SW_OK && sn->ncands == 0 && from > 0) /* the guess was late */
      rc = collect(sn, an, q, text, len, 0, w, chars, err);
    if (rc) return rc;
  }

  size_t first, last_end, start = 0;
  best_window(sn, q, w, &first, &last_end);
  if (first < sn->ncands)
    start = start_at(text, len, sn->cands[first].start, last_end, w);

  /* Output bound: 4 bytes a character (U+FFFD takes 3 for one byte), the
  ** markers around at most one token a character, two ellipses. */
  if (sw_grow((void **)&sn->out, &sn->out_cap, chars * (4 + 8) + 16, 1))
    return sw_error_set(err, SW_NOMEM, "out of memory (snippet)");
  sn->out_len = 0;

  size_t used = 0, pos = start, h = 0;
  int first_word = 1;
  if (text_before(text, len, start)) {
    put(sn, ellipsis, 3);
    used = 1;
  }
  for (;;) {
    size_t n;
    while (pos < len && (n = ws_len(text, len, pos))) pos += n;
    if (pos >= len) break;
    size_t we = pos, wc = 0;
    while (we < len && !ws_len(text, len, we)) {
      we += char_len(text, len, we);
      wc++;
    }
    size_t after = we;
    while (after < len && (n = ws_len(text, len, after))) after += n;
    int more = after < len;
    size_t need = wc + (first_word ? 0 : 1);
    size_t reserve = used + (more ? 1 : 0);
    size_t room = chars > reserve ? chars - reserve : 0;
    if (need > room) {
      if (first_word && chars > used + 1) /* cut it; room for the "…" */
        put_word(sn, text, len, pos, we, chars - used - 1, &h, open, close);
      put(sn, ellipsis, 3);
      break;
    }
    if (!first_word) {
      put(sn, " ", 1);
      used++;
    }
    used += put_word(sn, text, len, pos, we, wc, &h, open, close);
    first_word = 0;
    pos = we;
  }
  *out = sn->out;
  *out_len = sn->out_len;
  return SW_OK;
}
