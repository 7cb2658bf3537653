/*
** query.c — the query language v1: lexer and parser from query text to the
** flat AST of engine_int.h (EngQuery: terms, atoms, clauses, exclusions).
** Interface: engine_int.h, "interface to query.c", which also states the
** grammar and the rules (stop words, duplicates, errors).
**
** Words and phrases are analysed here with the same chain as documents, so
** the AST holds index terms. Looking terms up, evaluating and ranking are
** eval.c's; this file never touches the index.
**
** Three passes over one reusable EngQuery:
**   1. lex + analyse: items (atom or OR) with their tokens as slots; terms
**      interned into the term table; the token limit checked;
**   2. group: OR joins neighbours into groups; errors for dangling OR;
**   3. build: stop words dropped (unless nothing else is left), duplicates
**      merged, clauses and exclusions written as the result.
*/
#include "engine_int.h"

#include <string.h>

/* One lexed word, phrase or OR operator. */
typedef struct QItem {
  uint32_t slot;    /* first slot of the atom's tokens (atoms only)       */
  uint32_t nslots;  /* tokens; 0 for OR                                   */
  uint32_t column;  /* 1-based column (characters) of the item            */
  uint32_t group;   /* pass 2: group number, shared by OR-joined atoms    */
  uint8_t is_or;    /* 1: the OR operator                                 */
  uint8_t neg;      /* 1: excluded (`-word`, `-"phrase"`)                 */
  uint8_t word;     /* 1: a bare word (not quoted)                        */
  uint8_t join;     /* pass 2: joined by OR to the previous atom          */
  uint8_t stop;     /* 1: one token, and it is a stop word                */
  uint8_t dropped;  /* pass 3: removed as a free-text stop word           */
} QItem;

int eng_query_new(EngQuery **out, SwError *err) {
  *out = sw_calloc(1, sizeof **out);
  if (!*out) return sw_error_set(err, SW_NOMEM, "out of memory (query)");
  return SW_OK;
}

void eng_query_free(EngQuery *q) {
  if (!q) return;
  sw_free(q->terms);
  sw_free(q->bytes);
  sw_free(q->slots);
  sw_free(q->atoms);
  sw_free(q->clauses);
  sw_free(q->items);
  sw_free(q->filters);
  sw_free(q->fbytes);
  sw_free(q);
}

static void reset(EngQuery *q) {
  q->nterms = 0;
  q->natoms = 0;
  q->nclauses = 0;
  q->excl = 0;
  q->nexcl = 0;
  q->ntokens = 0;
  q->question = 0;
  q->nfilters = 0;
  q->fbytes_len = 0;
  q->bytes_len = 0;
  q->nslots = 0;
}

/* 1-based character column of byte offset off: counts the bytes that do not
** continue a UTF-8 sequence, so an invalid byte counts as one column. */
static uint32_t column_at(const char *text, size_t off) {
  uint32_t col = 1;
  for (size_t i = 0; i < off; i++)
    if (((unsigned char)text[i] & 0xC0) != 0x80) col++;
  return col;
}

/* Byte length of the whitespace character at text[i], or 0. ASCII spaces
** and controls, U+00A0 NO-BREAK SPACE. */
static size_t space_len(const char *text, size_t len, size_t i) {
  unsigned char c = (unsigned char)text[i];
  if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return 1;
  if (c == 0xC2 && i + 1 < len && (unsigned char)text[i + 1] == 0xA0)
    return 2;
  return 0;
}

/* Byte length of the quote mark at text[i], or 0: " “ ” „ « ». */
static size_t quote_len(const char *text, size_t len, size_t i) {
  unsigned char c = (unsigned char)text[i];
  if (c == '"') return 1;
  if (c == 0xC2 && i + 1 < len) {
    unsigned char d = (unsigned char)text[i + 1];
    if (d == 0xAB || d == 0xBB) return 2;
  }
  if (c == 0xE2 && i + 2 < len && (unsigned char)text[i + 1] == 0x80) {
    unsigned char d = (unsigned char)text[i + 2];
    if (d == 0x9C || d == 0x9D || d == 0x9E) return 3;
  }
  return 0;
}

/* Index of term[0..len) in the term table, adding it if new; -1 on
** SW_NOMEM. Linear search: queries hold few terms, and at most
** SW_MAX_QUERY_TERMS. */
static long intern(EngQuery *q, const char *term, size_t len, int stop,
                   SwError *err) {
  for (uint32_t i = 0; i < q->nterms; i++) {
    EngQTerm *t = &q->terms[i];
    if (t->len == len && memcmp(q->bytes + t->off, term, len) == 0) {
      if (!stop) t->stop = 0;
      return (long)i;
    }
  }
  if (sw_grow((void **)&q->terms, &q->terms_cap, q->nterms + 1,
               sizeof *q->terms) ||
      sw_grow((void **)&q->bytes, &q->bytes_cap, q->bytes_len + len + 1, 1)) {
    sw_error_set(err, SW_NOMEM, "out of memory (query terms)");
    return -1;
  }
  EngQTerm *t = &q->terms[q->nterms];
  memset(t, 0, sizeof *t);
  t->off = (uint32_t)q->bytes_len;
  t->len = (uint32_t)len;
  t->stop = stop ? 1 : 0;
  t->boost = 1.0f;
  if (len) memcpy(q->bytes + q->bytes_len, term, len);
  q->bytes_len += len;
  q->bytes[q->bytes_len] = '\0';
  return (long)q->nterms++;
}

long eng_query_intern(EngQuery *q, const char *term, size_t len,
                      SwError *err) {
  return intern(q, term, len, 0, err);
}

/* Append an item for piece[0..plen) of the query (a word without its dash,
** or a phrase's inside), analysed into slots. An item with no tokens is not
** appended. */
static int add_atom(EngQuery *q, AnAnalyzer *an, size_t *nitems,
                    const char *text, size_t start, const char *piece,
                    size_t plen, int neg, int word, SwError *err) {
  uint32_t first = (uint32_t)q->nslots;
  uint32_t first_pos = 0;
  int stop = 0;
  AnToken tok;
  int rc;
  an_begin(an, piece, plen, 0);
  while ((rc = an_next(an, &tok)) > 0) {
    if (tok.flags & AN_EXTRA) continue; /* queries take words (expand.c) */
    if (q->ntokens >= SW_MAX_QUERY_TERMS)
      return sw_error_set(err, SW_QUERY,
                          "too many terms (more than %d) at column %u",
                          SW_MAX_QUERY_TERMS, column_at(text, start));
    q->ntokens++;
    long t = intern(q, tok.term, tok.term_len, (tok.flags & AN_STOP) != 0,
                    err);
    if (t < 0) return SW_NOMEM;
    if (sw_grow((void **)&q->slots, &q->slots_cap, q->nslots + 1,
                 sizeof *q->slots))
      return sw_error_set(err, SW_NOMEM, "out of memory (query)");
    if (q->nslots == first) first_pos = tok.pos;
    q->slots[q->nslots].term = (uint32_t)t;
    q->slots[q->nslots].off = tok.pos - first_pos;
    q->nslots++;
    stop = (tok.flags & AN_STOP) != 0;
  }
  if (rc < 0) return sw_error_set(err, SW_NOMEM, "out of memory (analysis)");
  uint32_t n = (uint32_t)q->nslots - first;
  if (n == 0) return SW_OK;
  if (sw_grow(&q->items, &q->items_cap, *nitems + 1, sizeof(QItem)))
    return sw_error_set(err, SW_NOMEM, "out of memory (query)");
  QItem *it = (QItem *)q->items + *nitems;
  memset(it, 0, sizeof *it);
  it->slot = first;
  it->nslots = n;
  it->column = column_at(text, start);
  it->neg = (uint8_t)neg;
  it->word = (uint8_t)word;
  it->stop = (uint8_t)(n == 1 && stop);
  (*nitems)++;
  return SW_OK;
}

static int add_or(EngQuery *q, size_t *nitems, const char *text, size_t start,
                  SwError *err) {
  if (sw_grow(&q->items, &q->items_cap, *nitems + 1, sizeof(QItem)))
    return sw_error_set(err, SW_NOMEM, "out of memory (query)");
  QItem *it = (QItem *)q->items + *nitems;
  memset(it, 0, sizeof *it);
  it->is_or = 1;
  it->column = column_at(text, start);
  (*nitems)++;
  return SW_OK;
}

/* If text[i..len) starts with a filter key and ':' (ASCII case-insensitive;
** `år` also as `ar`), its ENG_F_* and *klen (bytes up to and with ':'),
** else 0. */
static int filter_key(const char *text, size_t len, size_t i, size_t *klen) {
  static const struct { const char *name; int key; } keys[] = {
      {"typ", ENG_F_TYPE},     {"\xC3\xA5r", ENG_F_YEAR},
      {"\xC3\x85r", ENG_F_YEAR}, {"ar", ENG_F_YEAR},
      {"datum", ENG_F_DATE},   {"parti", ENG_F_PARTY},
      {"organ", ENG_F_ORGAN},  {"dnr", ENG_F_DNR}};
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
    size_t n = strlen(keys[k].name);
    if (len - i <= n || text[i + n] != ':') continue;
    size_t m = 0;
    while (m < n) {
      char c = text[i + m];
      if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
      if (c != keys[k].name[m]) break;
      m++;
    }
    if (m == n) {
      *klen = n + 1;
      return keys[k].key;
    }
  }
  return 0;
}

static int add_filter(EngQuery *q, int key, int neg, const char *v, size_t n,
                      uint32_t column, SwError *err) {
  if (sw_grow((void **)&q->filters, &q->filters_cap, q->nfilters + 1,
              sizeof *q->filters) ||
      sw_grow((void **)&q->fbytes, &q->fbytes_cap, q->fbytes_len + n + 1, 1))
    return sw_error_set(err, SW_NOMEM, "out of memory (query filters)");
  EngQFilter *f = &q->filters[q->nfilters++];
  f->key = key;
  f->neg = neg;
  f->off = (uint32_t)q->fbytes_len;
  f->len = (uint32_t)n;
  f->column = column;
  memcpy(q->fbytes + q->fbytes_len, v, n);
  q->fbytes_len += n;
  q->fbytes[q->fbytes_len] = '\0';
  return SW_OK;
}

/* Pass 1: lex and analyse text into items. *blank is set when the text held
** nothing but whitespace. */
static int lex(EngQuery *q, AnAnalyzer *an, const char *text, size_t len,
               size_t *nitems, int *blank, SwError *err) {
  size_t i = 0;
  int rc;
  *blank = 1;
  while (i < len) {
    size_t sp = space_len(text, len, i);
    if (sp) {
      i += sp;
      continue;
    }
    *blank = 0;
    size_t start = i;
    int neg = 0;
    if (text[i] == '-' && i + 1 < len && !space_len(text, len, i + 1)) {
      neg = 1;
      i++;
    }
    size_t klen;
    int fkey = filter_key(text, len, i, &klen);
    if (fkey) {
      /* key:value or key:"value" (any quotes) */
      size_t v = i + klen, vend, next;
      size_t fq = v < len ? quote_len(text, len, v) : 0;
      if (fq) {
        size_t j = v + fq, cl = 0;
        while (j < len && !(cl = quote_len(text, len, j))) j++;
        if (j >= len)
          return sw_error_set(err, SW_QUERY, "unbalanced quote at column %u",
                              column_at(text, v));
        vend = j;
        next = j + cl;
        v += fq;
      } else {
        vend = v;
        while (vend < len && !space_len(text, len, vend)) vend++;
        next = vend;
      }
      if (vend == v)
        return sw_error_set(err, SW_QUERY, "filter without a value at column %u",
                            column_at(text, start));
      rc = add_filter(q, fkey, neg, text + v, vend - v, column_at(text, start),
                      err);
      if (rc) return rc;
      i = next;
      continue;
    }
    size_t ql = quote_len(text, len, i);
    if (ql) {
      size_t open = i;
      size_t j = i + ql, close_len = 0;
      while (j < len && !(close_len = quote_len(text, len, j))) j++;
      if (j >= len)
        return sw_error_set(err, SW_QUERY, "unbalanced quote at column %u",
                            column_at(text, open));
      rc = add_atom(q, an, nitems, text, start, text + i + ql, j - (i + ql),
                    neg, 0, err);
      if (rc) return rc;
      i = j + close_len;
      continue;
    }
    size_t j = i;
    while (j < len && !space_len(text, len, j) && !quote_len(text, len, j))
      j++;
    if (!neg && j - i == 2 && text[i] == 'O' && text[i + 1] == 'R')
      rc = add_or(q, nitems, text, start, err);
    else
      rc = add_atom(q, an, nitems, text, start, text + i, j - i, neg, 1, err);
    if (rc) return rc;
    i = j;
  }
  return SW_OK;
}

/* Pass 2: check the OR operators and number the groups. */
static int group(QItem *items, size_t n, SwError *err) {
  for (size_t i = 0; i < n; i++) {
    if (!items[i].is_or) continue;
    if (i == 0 || items[i - 1].is_or || i + 1 == n)
      return sw_error_set(err, SW_QUERY, "dangling OR at column %u",
                          items[i].column);
    if (items[i + 1].is_or) continue; /* the next OR reports it */
    if (items[i - 1].neg || items[i + 1].neg)
      return sw_error_set(err, SW_QUERY,
                          "OR cannot join an exclusion at column %u",
                          items[i].column);
    items[i + 1].join = 1;
  }
  uint32_t g = 0;
  for (size_t i = 0; i < n; i++) {
    if (items[i].is_or) continue;
    if (!items[i].join) g++;
    items[i].group = g;
  }
  return SW_OK;
}

static int atom_equal(const EngQuery *q, const EngQAtom *a,
                      const EngQAtom *b) {
  if (a->nslots != b->nslots) return 0;
  for (uint32_t i = 0; i < a->nslots; i++) {
    const EngQSlot *x = &q->slots[a->slot + i], *y = &q->slots[b->slot + i];
    if (x->term != y->term || x->off != y->off) return 0;
  }
  return 1;
}

/* 1 if atom a equals one of atoms[from..to). */
static int atom_in(const EngQuery *q, const EngQAtom *a, uint32_t from,
                   uint32_t to) {
  for (uint32_t i = from; i < to; i++)
    if (atom_equal(q, a, &q->atoms[i])) return 1;
  return 0;
}

/* 1 if clauses c and d have the same alternatives (in any order). */
static int clause_equal(const EngQuery *q, const EngQClause *c,
                        const EngQClause *d) {
  if (c->natoms != d->natoms) return 0;
  for (uint32_t i = 0; i < c->natoms; i++)
    if (!atom_in(q, &q->atoms[c->atom + i], d->atom, d->atom + d->natoms))
      return 0;
  return 1;
}

/* Pass 3: drop free-text stop words, merge duplicates, write the result. */
static int build(EngQuery *q, QItem *items, size_t n, SwError *err) {
  size_t keep = 0; /* positive atoms that are not free-text stop words */
  for (size_t i = 0; i < n; i++)
    if (!items[i].is_or && !items[i].neg && !(items[i].word && items[i].stop))
      keep++;
  for (size_t i = 0; i < n; i++)
    items[i].dropped = (uint8_t)(keep && !items[i].is_or && !items[i].neg &&
                                 items[i].word && items[i].stop);

  /* Room for every item as an atom and a clause: nothing grows below. */
  if (sw_grow((void **)&q->atoms, &q->atoms_cap, n + 1, sizeof *q->atoms) ||
      sw_grow((void **)&q->clauses, &q->clauses_cap, n + 1,
               sizeof *q->clauses))
    return sw_error_set(err, SW_NOMEM, "out of memory (query)");

  /* Positive clauses: one per group, its kept alternatives adjacent. */
  size_t i = 0;
  while (i < n) {
    if (items[i].is_or || items[i].neg) {
      i++;
      continue;
    }
    uint32_t g = items[i].group;
    EngQClause c = {q->natoms, 0, 0};
    for (; i < n && (items[i].is_or || (!items[i].neg && items[i].group == g));
         i++) {
      if (items[i].is_or || items[i].dropped) continue;
      EngQAtom a = {items[i].slot, items[i].nslots, items[i].column,
                    !items[i].word};
      if (atom_in(q, &a, c.atom, c.atom + c.natoms)) continue;
      q->atoms[q->natoms++] = a;
      c.natoms++;
    }
    if (c.natoms == 0) continue;
    int dup = 0;
    for (uint32_t k = 0; k < q->nclauses && !dup; k++)
      dup = clause_equal(q, &c, &q->clauses[k]);
    if (dup) {
      q->natoms -= c.natoms;
      continue;
    }
    q->clauses[q->nclauses++] = c;
  }

  /* Exclusions after the clauses' atoms. */
  q->excl = q->natoms;
  uint32_t first_neg_col = 0;
  for (i = 0; i < n; i++) {
    if (!items[i].neg) continue;
    if (!first_neg_col) first_neg_col = items[i].column;
    EngQAtom a = {items[i].slot, items[i].nslots, items[i].column,
                  !items[i].word};
    if (atom_in(q, &a, q->excl, q->natoms)) continue;
    q->atoms[q->natoms++] = a;
  }
  q->nexcl = q->natoms - q->excl;

  int positive_filter = 0;
  for (uint32_t f = 0; f < q->nfilters; f++) positive_filter |= !q->filters[f].neg;
  if (q->nclauses == 0 && !positive_filter)
    return sw_error_set(err, SW_QUERY, "nothing to search for at column %u",
                        first_neg_col ? first_neg_col : 1);

  /* Term flags from the result. */
  for (uint32_t a = 0; a < q->natoms; a++) {
    const EngQAtom *at = &q->atoms[a];
    int pos = a < q->excl;
    for (uint32_t s = 0; s < at->nslots; s++) {
      EngQTerm *t = &q->terms[q->slots[at->slot + s].term];
      t->used = 1;
      if (pos) t->positive = 1;
      if (pos && at->nslots == 1) t->bare = 1;
    }
  }
  return SW_OK;
}

/* A question typed as a sentence: it ends with '?', or its first word is
** a Swedish question word or a modal verb that opens a yes/no question
** (`Kan barn samtycka till vaccinering`). Case-insensitive on ASCII and
** the three Swedish letters' lower and upper forms. */
static int is_question(const char *text, size_t len) {
  static const char *const openers[] = {
      "vad", "vem", "vems", "vilka", "vilken", "vilket", "hur", "när", "var",
      "varför", "vart", "varifrån", "kan", "får", "ska", "skall", "måste",
      "bör", "finns", "är", "behöver", "gäller", "händer", "blir", "hinner"};
  size_t e = len;
  while (e > 0 && (text[e - 1] == ' ' || text[e - 1] == '\t' ||
                   text[e - 1] == '\n' || text[e - 1] == '\r'))
    e--;
  if (e > 0 && text[e - 1] == '?') return 1;
  size_t b = 0;
  while (b < len && (text[b] == ' ' || text[b] == '\t')) b++;
  size_t w = b;
  while (w < len && text[w] != ' ' && text[w] != '\t') w++;
  char first[16];
  size_t n = 0;
  for (size_t i = b; i < w && n + 1 < sizeof first; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
    /* UTF-8 Å Ä Ö (C3 85, C3 84, C3 96) to å ä ö (C3 A5, C3 A4, C3 B6). */
    if (n > 0 && (unsigned char)first[n - 1] == 0xC3 &&
        (c == 0x85 || c == 0x84 || c == 0x96))
      c = (unsigned char)(c + 0x20);
    first[n++] = (char)c;
  }
  if (w - b >= sizeof first) return 0;
  first[n] = '\0';
  for (size_t i = 0; i < sizeof openers / sizeof openers[0]; i++)
    if (!strcmp(first, openers[i])) return 1;
  return 0;
}

int eng_query_parse(EngQuery *q, AnAnalyzer *an, const char *text,
                    size_t len, SwError *err) {
  size_t nitems = 0;
  int blank = 1;
  int rc;
  reset(q);
  if (len > SW_MAX_QUERY_BYTES) {
    rc = sw_error_set(err, SW_LIMIT, "query is %zu bytes; the limit is %d",
                      len, SW_MAX_QUERY_BYTES);
    goto fail;
  }
  if (len && !text) {
    rc = sw_error_set(err, SW_QUERY, "empty query at column 1");
    goto fail;
  }
  rc = lex(q, an, text, len, &nitems, &blank, err);
  if (rc) goto fail;
  if (blank) {
    rc = sw_error_set(err, SW_QUERY, "empty query at column 1");
    goto fail;
  }
  rc = group((QItem *)q->items, nitems, err);
  if (rc) goto fail;
  rc = build(q, (QItem *)q->items, nitems, err);
  if (rc) goto fail;
  q->question = q->nclauses >= 2 && is_question(text, len);
  return SW_OK;

fail:
  reset(q);
  return rc;
}

/* Append s[0..n) to buf at *pos, keeping room for the NUL; *pos counts the
** full length even past cap. */
static void put(char *buf, size_t cap, size_t *pos, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++, (*pos)++)
    if (*pos + 1 < cap) buf[*pos] = s[i];
}

static void put_atom(const EngQuery *q, const EngQAtom *a, char *buf,
                     size_t cap, size_t *pos) {
  if (a->nslots > 1) put(buf, cap, pos, "\"", 1);
  for (uint32_t s = 0; s < a->nslots; s++) {
    const EngQTerm *t = &q->terms[q->slots[a->slot + s].term];
    if (s) put(buf, cap, pos, " ", 1);
    put(buf, cap, pos, q->bytes + t->off, t->len);
  }
  if (a->nslots > 1) put(buf, cap, pos, "\"", 1);
}

size_t eng_query_describe(const EngQuery *q, char *buf, size_t cap) {
  size_t pos = 0;
  for (uint32_t c = 0; c < q->nclauses; c++) {
    const EngQClause *cl = &q->clauses[c];
    if (c) put(buf, cap, &pos, " ", 1);
    if (cl->natoms > 1) put(buf, cap, &pos, "(", 1);
    for (uint32_t a = 0; a < cl->natoms; a++) {
      if (a) put(buf, cap, &pos, "|", 1);
      put_atom(q, &q->atoms[cl->atom + a], buf, cap, &pos);
    }
    if (cl->natoms > 1) put(buf, cap, &pos, ")", 1);
  }
  for (uint32_t e = 0; e < q->nexcl; e++) {
    if (pos) put(buf, cap, &pos, " ", 1);
    put(buf, cap, &pos, "-", 1);
    put_atom(q, &q->atoms[q->excl + e], buf, cap, &pos);
  }
  if (cap) buf[pos < cap ? pos : cap - 1] = '\0';
  return pos;
}
