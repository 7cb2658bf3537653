/*
** facet.c — the one owner of the facet format (index/FORMAT.md §3a, §7).
**
** A document's facet terms are what eng_meta_extract finds in it, written
** as AN_NS_FACET + key + ':' + value and stored in its doc-table record as
** { u8 len, term bytes }* (the writer indexes each once at position 0).
** The keys, in this table's order: typ:<type>, år:<yyyy>, mån:<yyyy-mm>,
** dag:<yyyy-mm-dd>, parti:<code, lower case>, organ:<name>, dnr:<canon>.
** The identifiers of the document's id (AN_NS_IDENT + canon) travel in the
** same field. build.c writes the field (eng_doc_facets), expand.c makes
** filter terms (eng_facet_term), search.c reads it back for hits and facet
** counts (eng_facet_next): nothing else knows its bytes.
*/
#include "engine_int.h"

#include <string.h>

static const struct {
  const char *name;
  size_t len;
} facet_keys[ENG_FK_COUNT] = {
    [ENG_FK_TYPE] = {"typ", 3},        [ENG_FK_YEAR] = {"\xC3\xA5r", 3},
    [ENG_FK_MONTH] = {"m\xC3\xA5n", 4}, [ENG_FK_DAY] = {"dag", 3},
    [ENG_FK_PARTY] = {"parti", 5},     [ENG_FK_ORGAN] = {"organ", 5},
    [ENG_FK_DNR] = {"dnr", 3},
};

const char *eng_facet_key_name(int key) {
  return key >= 0 && key < ENG_FK_COUNT ? facet_keys[key].name : "";
}

size_t eng_facet_term(int key, const char *v, size_t vl, char *out,
                      size_t cap) {
  if (key < 0 || key >= ENG_FK_COUNT) return 0;
  size_t kl = facet_keys[key].len, n = 1 + kl + 1 + vl;
  if (n > cap) return 0;
  out[0] = AN_NS_FACET;
  memcpy(out + 1, facet_keys[key].name, kl);
  out[1 + kl] = ':';
  if (vl) memcpy(out + 2 + kl, v, vl);
  return n;
}

/* Append the facet term key:v to buf[0..o) as { u8 len, term }; an empty
** value, a term over 255 bytes or one past cap is left out. */
static size_t put_facet(char *buf, size_t cap, size_t o, int key,
                        const char *v) {
  size_t vl = strlen(v);
  size_t n = 1 + facet_keys[key].len + 1 + vl;
  if (!vl || n > 255 || o + 1 + n > cap) return o;
  buf[o] = (char)n;
  return o + 1 + eng_facet_term(key, v, vl, buf + o + 1, n);
}

size_t eng_facets_encode(const EngMeta *m, char *buf, size_t cap) {
  size_t o = 0;
  char v[16];
  o = put_facet(buf, cap, o, ENG_FK_TYPE, m->type);
  if (m->date[0]) {
    memcpy(v, m->date, 4);
    v[4] = '\0';
    o = put_facet(buf, cap, o, ENG_FK_YEAR, v);
    memcpy(v, m->date, 7);
    v[7] = '\0';
    o = put_facet(buf, cap, o, ENG_FK_MONTH, v);
    o = put_facet(buf, cap, o, ENG_FK_DAY, m->date);
  }
  for (int i = 0; i < m->nparty; i++) {
    char low[8];
    size_t k = 0;
    for (; m->party[i][k] && k + 1 < sizeof low; k++)
      low[k] = (char)(m->party[i][k] >= 'A' && m->party[i][k] <= 'Z'
                          ? m->party[i][k] + 32
                          : m->party[i][k]);
    low[k] = '\0';
    o = put_facet(buf, cap, o, ENG_FK_PARTY, low);
  }
  for (int i = 0; i < m->norgan; i++)
    o = put_facet(buf, cap, o, ENG_FK_ORGAN, m->organ[i]);
  for (int i = 0; i < m->ndnr; i++)
    o = put_facet(buf, cap, o, ENG_FK_DNR, m->dnr[i]);
  return o;
}

/* The document's own id may be an identifier (JSONL "SFS 2021:1002"): its
** canons join the facet field as identifier terms, so a search for the
** number finds the document even where its text never cites it. */
typedef struct IdFacets {
  char *buf;
  size_t cap, len;
} IdFacets;

static int id_facet(void *ctx, const AnIdentRef *id) {
  IdFacets *f = ctx;
  size_t n = 1 + id->canon_len;
  if (n > 255 || f->len + 1 + n > f->cap) return 0;
  f->buf[f->len++] = (char)n;
  f->buf[f->len++] = AN_NS_IDENT;
  memcpy(f->buf + f->len, id->canon, id->canon_len);
  f->len += id->canon_len;
  return 0;
}

size_t eng_doc_facets(const IxDoc *d, EngMeta *meta, char *buf, size_t cap) {
  eng_meta_extract(d->title, d->title_len, d->text, d->text_len, d->date,
                   d->date_len, d->source, d->source_len, meta);
  size_t len = eng_facets_encode(meta, buf, cap);
  if (d->id_len) {
    IdFacets f = {buf, cap, len};
    an_identifiers(d->id, d->id_len, id_facet, &f);
    len = f.len;
  }
  return len;
}

/* The key t[0..kl), ENG_FK_* or -1. Read for every facet of every hit:
** the first byte picks the one candidate, then its bytes confirm it. */
static int facet_key(const char *t, size_t kl) {
  int k;
  switch (t[0]) {
    case 't': k = ENG_FK_TYPE; break;
    case '\xC3': k = ENG_FK_YEAR; break; /* å */
    case 'm': k = ENG_FK_MONTH; break;
    case 'd': k = kl == 3 && t[1] == 'a' ? ENG_FK_DAY : ENG_FK_DNR; break;
    case 'p': k = ENG_FK_PARTY; break;
    case 'o': k = ENG_FK_ORGAN; break;
    default: return -1;
  }
  if (facet_keys[k].len != kl) return -1;
  for (size_t i = 1; i < kl; i++) /* a few bytes: no call to memcmp */
    if (t[i] != facet_keys[k].name[i]) return -1;
  return k;
}

int eng_facet_field_next(const char *f, size_t n, size_t *o,
                         const char **term, size_t *len) {
  if (*o >= n) return 0;
  size_t tl = (unsigned char)f[(*o)++];
  if (tl < 2 || tl > n - *o) return 0;
  *term = f + *o;
  *len = tl;
  *o += tl;
  return 1;
}

int eng_facet_next(const char *f, size_t n, size_t *o, EngFacetRef *r) {
  const char *term;
  size_t tl;
  while (eng_facet_field_next(f, n, o, &term, &tl)) {
    if (term[0] != AN_NS_FACET) continue; /* an identifier term of the id */
    const char *t = term + 1;
    /* Keys are a few bytes: a plain loop finds the colon sooner than a
    ** call to memchr (12 % of a rare-term query's time). */
    size_t kl = 0;
    while (kl < tl - 1 && t[kl] != ':') kl++;
    if (kl == tl - 1) continue; /* no colon: not a facet term */
    r->key = facet_key(t, kl);
    r->value = t + kl + 1;
    r->len = tl - 1 - kl - 1;
    return 1;
  }
  return 0;
}
