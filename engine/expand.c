/*
** expand.c — query expansion after parsing: ASCII-folded spellings and
** synonyms as extra alternatives of a clause, with boosts below 1.
** Interface: engine_int.h, "interface to expand.c", which states the rules.
**
** The parsed query is rewritten in one pass: new alternatives are gathered
** per clause (their terms interned, their slots appended), then the atom
** array is rebuilt with each clause's original atoms followed by its new
** ones, and the exclusions after them, as query.c lays them out. New
** clauses (an abbreviation the parser dropped as a stop word) go last.
*/
#include "engine_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define FOLD_DF_MAX 3        /* expand a word whose own term is this rare  */
#define FOLD_MAX_VARIANTS 64 /* spellings tried per word                   */
#define SYN_MAX_TERMS 16     /* terms on one side of a synonym line        */
#define MAX_ALTS 256         /* alternatives added to one query            */

/* ------------------------------------------------------------ synonyms -- */

/* One side of a synonym line, analysed. */
typedef struct SynSide {
  char *surface;                 /* as written (owned), for case rules     */
  uint32_t nterms;               /* terms, stop words included             */
  uint32_t off[SYN_MAX_TERMS];   /* each term's bytes in EngSynonyms.bytes */
  uint32_t len[SYN_MAX_TERMS];
  uint8_t stop[SYN_MAX_TERMS];   /* 1: a stop word                          */
} SynSide;

typedef struct SynPair {
  SynSide a, b;                  /* the two sides of `A = B`               */
} SynPair;

struct EngSynonyms {
  SynPair *pairs;                /* in file order                          */
  size_t npairs;
  size_t cap;
  char *bytes;                   /* terms of all sides                     */
  size_t nbytes, bytes_cap;
};

static void trim(const char **s, const char **e) {
  while (*s < *e && (**s == ' ' || **s == '\t')) (*s)++;
  while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' ||
                     (*e)[-1] == '\r'))
    (*e)--;
}

static int side_parse(EngSynonyms *syn, AnAnalyzer *an, const char *s,
                      size_t n, SynSide *out) {
  memset(out, 0, sizeof *out);
  out->surface = sw_strndup(s, n);
  if (!out->surface) return SW_NOMEM;
  AnToken tok;
  int k;
  an_begin(an, s, n, 0);
  while ((k = an_next(an, &tok)) > 0) {
    if (tok.term_len == 0 || (tok.flags & AN_EXTRA)) continue; /* words */
    if (out->nterms == SYN_MAX_TERMS) return SW_LIMIT;
    if (sw_grow((void **)&syn->bytes, &syn->bytes_cap,
                syn->nbytes + tok.term_len + 1, 1))
      return SW_NOMEM;
    memcpy(syn->bytes + syn->nbytes, tok.term, tok.term_len);
    out->off[out->nterms] = (uint32_t)syn->nbytes;
    out->len[out->nterms] = (uint32_t)tok.term_len;
    out->stop[out->nterms] = (tok.flags & AN_STOP) != 0;
    out->nterms++;
    syn->nbytes += tok.term_len;
  }
  if (k < 0) return SW_NOMEM;
  return out->nterms ? SW_OK : SW_INPUT;
}

void eng_synonyms_free(EngSynonyms *s) {
  if (!s) return;
  for (size_t i = 0; i < s->npairs; i++) {
    sw_free(s->pairs[i].a.surface);
    sw_free(s->pairs[i].b.surface);
  }
  sw_free(s->pairs);
  sw_free(s->bytes);
  sw_free(s);
}

size_t eng_synonyms_count(const EngSynonyms *s) { return s ? s->npairs : 0; }

int eng_synonyms_load(const char *path, AnAnalyzer *an, EngSynonyms **out,
                      SwError *err) {
  *out = NULL;
  FILE *f = fopen(path, "r");
  if (!f) return sw_error_errno(err, errno, "open", path);
  EngSynonyms *syn = sw_calloc(1, sizeof *syn);
  char line[4096];
  int rc = syn ? SW_OK : SW_NOMEM;
  unsigned lineno = 0;
  while (rc == SW_OK && fgets(line, sizeof line, f)) {
    lineno++;
    size_t n = strlen(line);
    if (n == sizeof line - 1 && line[n - 1] != '\n') {
      rc = sw_error_set(err, SW_INPUT, "%s:%u: line longer than %zu bytes",
                        path, lineno, sizeof line - 2);
      break;
    }
    const char *s = line, *e = line + n;
    while (e > s && (e[-1] == '\n' || e[-1] == '\r')) e--;
    trim(&s, &e);
    if (s == e || *s == '#') continue;
    const char *eq = memchr(s, '=', (size_t)(e - s));
    if (!eq) {
      rc = sw_error_set(err, SW_INPUT, "%s:%u: expected \"A = B\"", path,
                        lineno);
      break;
    }
    const char *as = s, *ae = eq, *bs = eq + 1, *be = e;
    trim(&as, &ae);
    trim(&bs, &be);
    if (sw_grow((void **)&syn->pairs, &syn->cap, syn->npairs + 1,
                sizeof *syn->pairs)) {
      rc = SW_NOMEM;
      break;
    }
    SynPair *p = &syn->pairs[syn->npairs];
    memset(p, 0, sizeof *p);
    syn->npairs++; /* so that free releases its surfaces */
    int r1 = side_parse(syn, an, as, (size_t)(ae - as), &p->a);
    int r2 = r1 == SW_OK ? side_parse(syn, an, bs, (size_t)(be - bs), &p->b)
                         : r1;
    if (r1 == SW_NOMEM || r2 == SW_NOMEM) {
      rc = SW_NOMEM;
    } else if (r1 || r2) {
      rc = sw_error_set(err, SW_INPUT,
                        "%s:%u: %s", path, lineno,
                        (r1 ? r1 : r2) == SW_LIMIT
                            ? "a side has more than 16 words"
                            : "a side has no words");
    }
  }
  if (rc == SW_OK && ferror(f))
    rc = sw_error_errno(err, EIO, "read", path);
  fclose(f);
  if (rc == SW_NOMEM) sw_error_set(err, SW_NOMEM, "out of memory (synonyms)");
  if (rc) {
    eng_synonyms_free(syn);
    return rc;
  }
  *out = syn;
  return SW_OK;
}

/* ----------------------------------------------------------- rewriting -- */

/* An alternative to add: an atom of nslots slots (appended to q->slots)
** for clause `clause` (== q->nclauses + i for a new clause i). */
typedef struct Alt {
  uint32_t clause;
  uint32_t slot;
  uint32_t nslots;
} Alt;

typedef struct Expander {
  EngQuery *q;
  uint32_t filter_first;      /* new clauses from here on are filters     */
  uint32_t filter_n;          /* how many                                 */
  uint8_t filter_neg[64];     /* per filter clause: 1 = an exclusion      */
  Alt alts[MAX_ALTS];
  uint32_t nalts;
  uint32_t new_clauses;       /* clauses to create after the parsed ones */
  uint8_t *drop;              /* per parsed clause: 1 = replaced (ident)  */
  const char *text;           /* the query as typed                       */
  size_t len;
  int err_rc;                 /* an error inside an identifier callback   */
  SwError *err;
} Expander;

/* Intern terms[0..n) (phrase if n > 1) as an alternative of clause c. */
static int add_alt(Expander *x, uint32_t c, const char *const *term,
                   const uint32_t *len, uint32_t n, float boost,
                   SwError *err) {
  EngQuery *q = x->q;
  if (x->nalts == MAX_ALTS || n == 0) return SW_OK;
  if (sw_grow((void **)&q->slots, &q->slots_cap, q->nslots + n,
              sizeof *q->slots))
    return sw_error_set(err, SW_NOMEM, "out of memory (query expansion)");
  uint32_t first = (uint32_t)q->nslots;
  for (uint32_t i = 0; i < n; i++) {
    long t = eng_query_intern(q, term[i], len[i], err);
    if (t < 0) return SW_NOMEM;
    EngQTerm *qt = &q->terms[t];
    if (!qt->used) {
      qt->alt = 1;
      qt->boost = boost;
    } else if (qt->alt && boost > qt->boost) {
      qt->boost = boost;
    }
    qt->used = qt->positive = 1;
    if (n == 1) qt->bare = 1;
    q->slots[q->nslots].term = (uint32_t)t;
    q->slots[q->nslots].off = i;
    q->nslots++;
  }
  /* Already an alternative of that clause (typed, or added before)? */
  if (c < q->nclauses) {
    const EngQClause *cl = &q->clauses[c];
    for (uint32_t a = cl->atom; a < cl->atom + cl->natoms; a++) {
      const EngQAtom *at = &q->atoms[a];
      if (at->nslots != n) continue;
      uint32_t i = 0;
      while (i < n && q->slots[at->slot + i].term ==
                          q->slots[first + i].term)
        i++;
      if (i == n) {
        q->nslots = first;
        return SW_OK;
      }
    }
  }
  for (uint32_t k = 0; k < x->nalts; k++) {
    const Alt *o = &x->alts[k];
    if (o->clause != c || o->nslots != n) continue;
    uint32_t i = 0;
    while (i < n && q->slots[o->slot + i].term == q->slots[first + i].term)
      i++;
    if (i == n) {
      q->nslots = first;
      return SW_OK;
    }
  }
  x->alts[x->nalts].clause = c;
  x->alts[x->nalts].slot = first;
  x->alts[x->nalts].nslots = n;
  x->nalts++;
  return SW_OK;
}

/* Rebuild atoms and clauses with the gathered alternatives. */
static int rebuild(Expander *x, SwError *err) {
  EngQuery *q = x->q;
  if (x->nalts == 0 && !x->new_clauses) return SW_OK;
  uint32_t nclauses = q->nclauses + x->new_clauses;
  uint32_t natoms = q->natoms + x->nalts;
  if (natoms == 0) natoms = 1;
  EngQAtom *atoms = sw_calloc(natoms, sizeof *atoms);
  EngQClause *clauses = sw_calloc(nclauses, sizeof *clauses);
  if (!atoms || !clauses) {
    sw_free(atoms);
    sw_free(clauses);
    return sw_error_set(err, SW_NOMEM, "out of memory (query expansion)");
  }
  uint32_t n = 0, out = 0;
  for (uint32_t c = 0; c < nclauses; c++) {
    if (c < q->nclauses && x->drop && x->drop[c]) continue;
    uint32_t first_atom = n;
    if (c < q->nclauses) {
      const EngQClause *cl = &q->clauses[c];
      for (uint32_t a = 0; a < cl->natoms; a++)
        atoms[n++] = q->atoms[cl->atom + a];
    }
    for (uint32_t k = 0; k < x->nalts; k++) {
      if (x->alts[k].clause != c) continue;
      atoms[n].slot = x->alts[k].slot;
      atoms[n].nslots = x->alts[k].nslots;
      atoms[n].column = n > first_atom ? atoms[first_atom].column : 1;
      atoms[n].exact = 0;
      n++;
    }
    int is_filter = x->filter_n && c >= q->nclauses + x->filter_first &&
                    c < q->nclauses + x->filter_first + x->filter_n;
    if (is_filter && x->filter_neg[c - q->nclauses - x->filter_first]) {
      n = first_atom; /* exclusions go after the clauses (below) */
      continue;
    }
    clauses[out].atom = first_atom;
    clauses[out].natoms = n - first_atom;
    clauses[out].filter = (uint32_t)is_filter;
    out++;
  }
  nclauses = out;
  uint32_t excl = n;
  for (uint32_t e = 0; e < q->nexcl; e++) atoms[n++] = q->atoms[q->excl + e];
  /* Negated filters: each of their alternatives excludes. */
  for (uint32_t k = 0; k < x->nalts; k++) {
    uint32_t c = x->alts[k].clause;
    if (c < q->nclauses + x->filter_first ||
        c >= q->nclauses + x->filter_first + x->filter_n ||
        !x->filter_neg[c - q->nclauses - x->filter_first])
      continue;
    atoms[n].slot = x->alts[k].slot;
    atoms[n].nslots = x->alts[k].nslots;
    atoms[n].column = 1;
    atoms[n].exact = 0;
    n++;
  }
  /* Into q's own arrays (grown), so their ownership stays query.c's. */
  if (sw_grow((void **)&q->atoms, &q->atoms_cap, n, sizeof *q->atoms) ||
      sw_grow((void **)&q->clauses, &q->clauses_cap, nclauses,
              sizeof *q->clauses)) {
    sw_free(atoms);
    sw_free(clauses);
    return sw_error_set(err, SW_NOMEM, "out of memory (query expansion)");
  }
  memcpy(q->atoms, atoms, n * sizeof *atoms);
  memcpy(q->clauses, clauses, nclauses * sizeof *clauses);
  q->natoms = n;
  q->nclauses = nclauses;
  q->excl = excl;
  q->nexcl = n - excl;
  sw_free(atoms);
  sw_free(clauses);
  /* Terms of dropped clauses are no longer used (snippets, lookups). */
  for (uint32_t t = 0; t < q->nterms; t++)
    q->terms[t].used = q->terms[t].positive = q->terms[t].bare = 0;
  for (uint32_t a = 0; a < q->natoms; a++) {
    const EngQAtom *at = &q->atoms[a];
    for (uint32_t i = 0; i < at->nslots; i++) {
      EngQTerm *qt = &q->terms[q->slots[at->slot + i].term];
      qt->used = 1;
      if (a < excl) {
        qt->positive = 1;
        if (at->nslots == 1) qt->bare = 1;
      }
    }
  }
  return SW_OK;
}

/* The single term of clause c's first atom, or -1 if it is a phrase. */
static long clause_term(const EngQuery *q, uint32_t c) {
  const EngQAtom *a = &q->atoms[q->clauses[c].atom];
  return a->nslots == 1 ? (long)q->slots[a->slot].term : -1;
}

/* ------------------------------------------------------- ASCII folding -- */

static int has_swedish_letter(const char *s, size_t n) {
  for (size_t i = 0; i + 1 < n; i++)
    if ((unsigned char)s[i] == 0xC3) {
      unsigned char c = (unsigned char)s[i + 1];
      if (c == 0xA5 || c == 0xA4 || c == 0xB6) return 1;
    }
  return 0;
}

static int fold_variants(Expander *x, IxReader *r, uint32_t c, uint32_t t,
                         SwError *err) {
  EngQuery *q = x->q;
  char word[SW_MAX_TOKEN_BYTES];
  size_t n = q->terms[t].len;
  memcpy(word, q->bytes + q->terms[t].off, n);
  if (has_swedish_letter(word, n)) return SW_OK;
  IxTermInfo ti;
  SwError local;
  sw_error_clear(&local);
  int rc = ix_term_find(r, word, n, &ti, &local);
  if (rc == SW_OK && ti.df > FOLD_DF_MAX) return SW_OK;
  if (rc != SW_OK && rc != SW_NOTFOUND)
    return sw_error_set(err, rc, "%s", local.msg);
  /* A spelling the index does not hold at all was the word typed without
  ** å, ä, ö: its folded spellings stand for it at full weight. */
  float boost = rc == SW_NOTFOUND ? 1.0f : ENG_BOOST_FOLD;
  /* Positions of a and o, each tried as itself or å/ä (a) or ö (o). */
  size_t at[8];
  int nat = 0;
  for (size_t i = 0; i < n && nat < 8; i++)
    if (word[i] == 'a' || word[i] == 'o') at[nat++] = i;
  if (nat == 0) return SW_OK;
  unsigned combos = 1;
  for (int i = 0; i < nat; i++) combos *= word[at[i]] == 'a' ? 3u : 2u;
  if (combos > FOLD_MAX_VARIANTS) combos = FOLD_MAX_VARIANTS;
  for (unsigned v = 1; v < combos; v++) {
    char out[2 * SW_MAX_TOKEN_BYTES];
    size_t o = 0, prev = 0;
    unsigned code = v;
    for (int i = 0; i < nat; i++) {
      memcpy(out + o, word + prev, at[i] - prev);
      o += at[i] - prev;
      unsigned radix = word[at[i]] == 'a' ? 3u : 2u, d = code % radix;
      code /= radix;
      if (d == 0) out[o++] = word[at[i]];
      else {
        out[o++] = (char)0xC3;
        out[o++] = (char)(word[at[i]] == 'a' ? (d == 1 ? 0xA5 : 0xA4) : 0xB6);
      }
      prev = at[i] + 1;
    }
    memcpy(out + o, word + prev, n - prev);
    o += n - prev;
    if (o > SW_MAX_TOKEN_BYTES) continue;
    sw_error_clear(&local);
    rc = ix_term_find(r, out, o, &ti, &local);
    if (rc == SW_NOTFOUND) continue;
    if (rc) return sw_error_set(err, rc, "%s", local.msg);
    const char *tp = out;
    uint32_t tl = (uint32_t)o;
    if ((rc = add_alt(x, c, &tp, &tl, 1, boost, err))) return rc;
  }
  return SW_OK;
}

/* ---------------------------------------------------- compound joins -- */

/* Byte offset of 1-based character column col of text (len bytes). */
static size_t offset_of(const char *text, size_t len, uint32_t col) {
  size_t i = 0;
  for (uint32_t c = 1; i < len; i++) {
    if (((unsigned char)text[i] & 0xC0) != 0x80 && c++ == col) break;
  }
  return i;
}

/* The first word at character column col of the query: its fold and term. */
static int typed_word(Expander *x, AnAnalyzer *an, uint32_t col, char *fold,
                      size_t *fold_len, char *term, size_t *term_len) {
  size_t off = offset_of(x->text, x->len, col);
  AnToken tok;
  *fold_len = *term_len = 0;
  if (!an || off >= x->len) return 0;
  an_begin(an, x->text + off, x->len - off, 0);
  int rc = an_next(an, &tok);
  if (rc < 0) return -rc;
  if (rc == 0 || (tok.flags & AN_EXTRA)) return 0;
  memcpy(fold, tok.fold, tok.fold_len);
  *fold_len = tok.fold_len;
  memcpy(term, tok.term, tok.term_len);
  *term_len = tok.term_len;
  return 0;
}

/* The candidates for clauses c0, c1 (neighbouring typed words; see
** compound_joins): each order, the first word's fold or term, with or
** without a linking s, then the second word's term. */
static int join_pair(Expander *x, IxReader *r, AnAnalyzer *an, uint32_t c0,
                     uint32_t c1, SwError *err) {
  EngQuery *q = x->q;
  uint32_t cl[2] = {c0, c1};
  char fold[2][SW_MAX_TOKEN_BYTES], term[2][SW_MAX_TOKEN_BYTES];
  size_t fl[2], tl[2];
  for (int k = 0; k < 2; k++) {
    const EngQAtom *ak = &q->atoms[q->clauses[cl[k]].atom];
    int rc = typed_word(x, an, ak->column, fold[k], &fl[k], term[k], &tl[k]);
    if (rc) return sw_error_set(err, rc, "out of memory (query expansion)");
    if (!fl[k]) return SW_OK;
  }
  for (int v = 0; v < 8; v++) { /* bit 2: order, bit 1: term, bit 0: link */
    int first = v >> 2, second = 1 - first, link = v & 1;
    const char *head = v & 2 ? term[first] : fold[first];
    size_t hl = v & 2 ? tl[first] : fl[first];
    if ((v & 2) && hl == fl[first] && !memcmp(head, fold[first], hl))
      continue; /* the term is the fold: tried already */
    char cand[SW_MAX_TOKEN_BYTES];
    size_t n = hl + (size_t)link + tl[second];
    if (hl == 0 || n > sizeof cand) continue;
    memcpy(cand, head, hl);
    if (link) cand[hl] = 's';
    memcpy(cand + hl + link, term[second], tl[second]);
    IxTermInfo ti;
    SwError local;
    sw_error_clear(&local);
    int rc = ix_term_find(r, cand, n, &ti, &local);
    if (rc == SW_NOTFOUND) continue;
    if (rc) return sw_error_set(err, rc, "%s", local.msg);
    const char *tp = cand;
    uint32_t tlen = (uint32_t)n;
    for (int k = 0; k < 2; k++)
      if ((rc = add_alt(x, cl[k], &tp, &tlen, 1, 1.0f, err))) return rc;
    long j = eng_query_intern(q, cand, n, err);
    if (j < 0) return SW_NOMEM;
    q->terms[j].alt = 0;
    q->terms[j].joined = 1;
  }
  return SW_OK;
}

/* Two query words both inside one compound: `nämnder i stadsdelar` is what
** `stadsdelsnämnder` holds, `samverkan överenskommelse` what
** `samverkansöverenskommelse` holds. For two neighbouring content words
** (stop words between them are skipped) each order is tried: the first
** word as typed (folded) or as its term, with or without a linking s, then
** the second word's term; a candidate the index holds as a word becomes an
** alternative of both clauses, and a document with it counts as having both
** words typed (EngQTerm.joined). Up to 8 dictionary lookups per pair. */
static int compound_joins(Expander *x, IxReader *r, AnAnalyzer *an,
                          uint32_t parsed, SwError *err) {
  EngQuery *q = x->q;
  long prev = -1;
  for (uint32_t c = 0; c < parsed; c++) {
    long t = clause_term(q, c);
    const EngQAtom *a = &q->atoms[q->clauses[c].atom];
    if (t < 0 || q->clauses[c].natoms != 1 || x->drop[c] || a->exact ||
        q->clauses[c].filter || q->terms[t].stop) {
      if (t < 0 || !q->terms[t].stop) prev = -1; /* not adjacent any more */
      continue;
    }
    if (prev >= 0) {
      int rc = join_pair(x, r, an, (uint32_t)prev, c, err);
      if (rc) return rc;
    }
    prev = (long)c;
  }
  return SW_OK;
}

/* ------------------------------------------------------------ synonyms -- */

/* Is the query word w[0..n) as typed an occurrence of abbreviation side s?
** Case-insensitive (ASCII and å ä ö), but an all-lower-case word matches
** only when the abbreviation's term is not a stop word. */
static int abbrev_typed(const SynSide *s, const char *w, size_t n) {
  size_t m = strlen(s->surface);
  if (m != n) return 0;
  int upper = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char a = (unsigned char)w[i], b = (unsigned char)s->surface[i];
    if (a >= 'A' && a <= 'Z') upper = 1, a = (unsigned char)(a + 32);
    if (b >= 'A' && b <= 'Z') b = (unsigned char)(b + 32);
    if (i > 0 && (unsigned char)w[i - 1] == 0xC3 && a >= 0x80 && a <= 0x9E)
      upper = 1, a = (unsigned char)(a + 0x20);
    if (i > 0 && (unsigned char)s->surface[i - 1] == 0xC3 && b >= 0x80 &&
        b <= 0x9E)
      b = (unsigned char)(b + 0x20);
    if (a != b) return 0;
  }
  return upper || !s->stop[0];
}

/* Add side `to` as an alternative of clause c. */
static int add_side(Expander *x, const EngSynonyms *syn, uint32_t c,
                    const SynSide *to, SwError *err) {
  const char *tp[SYN_MAX_TERMS];
  uint32_t tl[SYN_MAX_TERMS];
  for (uint32_t i = 0; i < to->nterms; i++) {
    tp[i] = syn->bytes + to->off[i];
    tl[i] = to->len[i];
  }
  /* A phrase scores the sum of its terms: share the boost among them, so
  ** a long form does not outrank the abbreviation the user typed. */
  uint32_t content = 0;
  for (uint32_t i = 0; i < to->nterms; i++) content += !to->stop[i];
  float boost = ENG_BOOST_SYNONYM / (float)(content ? content : 1);
  return add_alt(x, c, tp, tl, to->nterms, boost, err);
}

/* The clause whose first atom is the single term term[0..n), or -1. */
static long clause_of(const EngQuery *q, const char *term, size_t n) {
  for (uint32_t c = 0; c < q->nclauses; c++) {
    long t = clause_term(q, c);
    if (t >= 0 && q->terms[t].len == n &&
        !memcmp(q->bytes + q->terms[t].off, term, n))
      return (long)c;
  }
  return -1;
}

static int expand_synonyms(Expander *x, const EngSynonyms *syn,
                           const char *text, size_t len, SwError *err) {
  EngQuery *q = x->q;
  uint32_t parsed = q->nclauses;
  for (size_t p = 0; p < syn->npairs; p++) {
    for (int dir = 0; dir < 2; dir++) {
      const SynSide *from = dir ? &syn->pairs[p].b : &syn->pairs[p].a;
      const SynSide *to = dir ? &syn->pairs[p].a : &syn->pairs[p].b;
      if (from->nterms == 1) {
        /* A one-word side typed as a word of the query. */
        size_t i = 0;
        while (i < len) {
          while (i < len && (text[i] == ' ' || text[i] == '\t')) i++;
          size_t s = i;
          while (i < len && text[i] != ' ' && text[i] != '\t') i++;
          const char *w = text + s;
          size_t n = i - s;
          while (n && (w[n - 1] == '?' || w[n - 1] == ',' ||
                       w[n - 1] == '.' || w[n - 1] == '!'))
            n--;
          if (n == 0 || !abbrev_typed(from, w, n)) continue;
          long c = clause_of(q, syn->bytes + from->off[0], from->len[0]);
          int rc;
          if (c < 0) {
            /* The parser dropped it (a stop word like `sig`): a new clause
            ** whose first alternative is the word itself. */
            c = (long)(parsed + x->new_clauses++);
            const char *tp = syn->bytes + from->off[0];
            uint32_t tl = from->len[0];
            if ((rc = add_alt(x, (uint32_t)c, &tp, &tl, 1, 1.0f, err)))
              return rc;
          }
          if ((rc = add_side(x, syn, (uint32_t)c, to, err))) return rc;
          break;
        }
        continue;
      }
      /* A longer side typed as consecutive clauses (its stop words were
      ** dropped by the parser): each of them gets the other side, unless
      ** that is a lone stop word (`SIG` = `sig`, the pronoun, would match
      ** half the documents). */
      if (to->nterms == 1 && to->stop[0]) continue;
      uint32_t want[SYN_MAX_TERMS], nw = 0;
      for (uint32_t i = 0; i < from->nterms; i++)
        if (!from->stop[i]) want[nw++] = i;
      if (nw < 2 || nw > parsed) continue;
      for (uint32_t c0 = 0; c0 + nw <= parsed; c0++) {
        uint32_t k = 0;
        for (; k < nw; k++) {
          long t = clause_term(q, c0 + k);
          uint32_t i = want[k];
          if (t < 0 || q->terms[t].len != from->len[i] ||
              memcmp(q->bytes + q->terms[t].off, syn->bytes + from->off[i],
                     from->len[i]))
            break;
        }
        if (k < nw) continue;
        for (k = 0; k < nw; k++) {
          int rc = add_side(x, syn, c0 + k, to, err);
          if (rc) return rc;
        }
        break;
      }
    }
  }
  return SW_OK;
}

/* --------------------------------------------------------- identifiers -- */

/* 1-based character column of byte offset off (as query.c counts). */
static uint32_t column_of(const char *text, size_t off) {
  uint32_t col = 1;
  for (size_t i = 0; i < off; i++)
    if (((unsigned char)text[i] & 0xC0) != 0x80) col++;
  return col;
}

/* An identifier typed in the query (`KS 2020/1050`, `ks2020/1050`,
** `"Dnr KS 2020/1050"`, `SFS 2017:725`, `§ 13`) replaces the clauses of the
** words it spans with one clause: its canonical term, found exactly
** however the document wrote it. */
static int on_ident(void *ctx, const AnIdentRef *id) {
  Expander *x = ctx;
  EngQuery *q = x->q;
  if (id->broader) return 0;
  /* A label typed before a diarienummer (`Dnr`, `dnr.`, `diarienummer`)
  ** belongs to it: documents need not write it. */
  size_t start = id->start, b = start;
  while (b > 0 && (x->text[b - 1] == ' ' || x->text[b - 1] == ':' ||
                   x->text[b - 1] == '"'))
    b--;
  size_t w = b;
  while (w > 0 && x->text[w - 1] != ' ' && x->text[w - 1] != '"') w--;
  if (w < b) {
    char lab[16];
    size_t n = b - w, k = 0;
    for (size_t i = 0; i < n && k + 1 < sizeof lab; i++) {
      char c = x->text[w + i];
      if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
      if (c != '.') lab[k++] = c;
    }
    lab[k] = '\0';
    if (n < sizeof lab && (!strcmp(lab, "dnr") || !strcmp(lab, "diarienr") ||
                           !strcmp(lab, "diarienummer")))
      start = w;
  }
  uint32_t from = column_of(x->text, start);
  uint32_t to = column_of(x->text, id->end);
  /* Words a quote or a dash opens start one column earlier. */
  uint32_t lo = from > 1 ? from - 1 : from;
  uint32_t parsed = q->nclauses, hit = 0;
  for (uint32_t c = 0; c < parsed; c++) {
    const EngQClause *cl = &q->clauses[c];
    if (x->drop[c] || cl->natoms != 1) continue;
    uint32_t col = q->atoms[cl->atom].column;
    if (col >= lo && col < to) {
      x->drop[c] = 1;
      hit++;
    }
  }
  char term[1 + SW_MAX_TOKEN_BYTES];
  if (id->canon_len + 1 > sizeof term) return 0;
  term[0] = AN_NS_IDENT;
  memcpy(term + 1, id->canon, id->canon_len);
  const char *tp = term;
  uint32_t tl = (uint32_t)(id->canon_len + 1);
  uint32_t c = parsed + x->new_clauses++;
  int rc = add_alt(x, c, &tp, &tl, 1, 1.0f, x->err);
  if (rc) {
    x->err_rc = rc;
    return 1;
  }
  /* What the user typed, not an expansion. */
  long t = eng_query_intern(q, term, tl, x->err);
  if (t >= 0) q->terms[t].alt = 0, q->terms[t].boost = 1.0f;
  (void)hit;
  return 0;
}

/* ------------------------------------------------------------- filters -- */

/* Lower-case ASCII and the Latin-1 letters of UTF-8 (Å Ä Ö É ...), the
** way metadata.c writes its values. */
static size_t lower_sv(const char *s, size_t n, char *out, size_t cap) {
  size_t o = 0;
  for (size_t i = 0; i < n && o + 1 < cap; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
    else if (i > 0 && (unsigned char)s[i - 1] == 0xC3 && c >= 0x80 &&
             c <= 0x9E && c != 0x97)
      c = (unsigned char)(c + 0x20);
    out[o++] = (char)c;
  }
  return o;
}

/* Append the facet term key:v (facet.c) as an alternative of clause c. */
static int facet_alt(Expander *x, uint32_t c, int key, const char *v,
                     size_t n) {
  char term[SW_MAX_TOKEN_BYTES];
  size_t len = eng_facet_term(key, v, n, term, sizeof term);
  if (!len) return SW_OK;
  const char *tp = term;
  uint32_t tl = (uint32_t)len;
  int rc = add_alt(x, c, &tp, &tl, 1, 0.0f, x->err);
  if (rc) return rc;
  long t = eng_query_intern(x->q, term, tl, x->err);
  if (t >= 0) x->q->terms[t].alt = 0; /* typed, but scores nothing */
  return SW_OK;
}

static int parse_ymd(const char *s, size_t n, int *y, int *m, int *d) {
  *m = *d = 0;
  if (n != 4 && n != 7 && n != 10) return -1;
  for (size_t i = 0; i < n; i++) {
    if (i == 4 || i == 7) {
      if (s[i] != '-') return -1;
    } else if (s[i] < '0' || s[i] > '9') {
      return -1;
    }
  }
  *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + s[3] - '0';
  if (n >= 7) *m = (s[5] - '0') * 10 + s[6] - '0';
  if (n == 10) *d = (s[8] - '0') * 10 + s[9] - '0';
  if ((n >= 7 && (*m < 1 || *m > 12)) || (n == 10 && (*d < 1 || *d > 31)))
    return -1;
  return 0;
}

static int days_in(int y, int m) {
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : dm[m - 1];
}

/* datum:A..B (either end a year, a month or a day): the fewest facet terms
** covering it: whole years, then whole months, then days. */
static int date_range(Expander *x, uint32_t c, int y0, int m0, int d0, int y1,
                      int m1, int d1) {
  char v[16];
  for (int y = y0; y <= y1; y++) {
    int ma = y == y0 ? m0 : 1, mb = y == y1 ? m1 : 12;
    int whole_year = ma == 1 && mb == 12 && (y != y0 || d0 == 1) &&
                     (y != y1 || d1 == 31);
    if (whole_year) {
      int n = snprintf(v, sizeof v, "%04d", y);
      int rc = facet_alt(x, c, ENG_FK_YEAR, v, (size_t)n);
      if (rc) return rc;
      continue;
    }
    for (int m = ma; m <= mb; m++) {
      int da = y == y0 && m == m0 ? d0 : 1;
      int db = y == y1 && m == m1 ? d1 : days_in(y, m);
      if (da == 1 && db == days_in(y, m)) {
        int n = snprintf(v, sizeof v, "%04d-%02d", y, m);
        int rc = facet_alt(x, c, ENG_FK_MONTH, v, (size_t)n);
        if (rc) return rc;
        continue;
      }
      for (int d = da; d <= db; d++) {
        int n = snprintf(v, sizeof v, "%04d-%02d-%02d", y, m, d);
        int rc = facet_alt(x, c, ENG_FK_DAY, v, (size_t)n);
        if (rc) return rc;
      }
    }
  }
  return SW_OK;
}

static int dnr_canon(void *ctx, const AnIdentRef *id) {
  char *out = ctx;
  if (id->broader || id->canon_len >= 64) return 0;
  memcpy(out, id->canon, id->canon_len);
  out[id->canon_len] = '\0';
  return 1;
}

/* One filter into a new clause (or an exclusion, by dropping the clause
** into the exclusions at rebuild: see filter_excl). */
static int expand_filter(Expander *x, const EngQFilter *f, uint32_t c) {
  EngQuery *q = x->q;
  const char *v = q->fbytes + f->off;
  char low[SW_MAX_TOKEN_BYTES];
  size_t n = lower_sv(v, f->len, low, sizeof low);
  int y0, m0, d0, y1, m1, d1;
  switch (f->key) {
    case ENG_F_TYPE: return facet_alt(x, c, ENG_FK_TYPE, low, n);
    case ENG_F_PARTY: return facet_alt(x, c, ENG_FK_PARTY, low, n);
    case ENG_F_ORGAN: return facet_alt(x, c, ENG_FK_ORGAN, low, n);
    case ENG_F_YEAR: return facet_alt(x, c, ENG_FK_YEAR, low, n);
    case ENG_F_DNR: {
      char canon[64] = "";
      an_identifiers(v, f->len, dnr_canon, canon);
      if (!canon[0]) memcpy(canon, low, n < 63 ? n : 63), canon[n < 63 ? n : 63] = '\0';
      return facet_alt(x, c, ENG_FK_DNR, canon, strlen(canon));
    }
    case ENG_F_DATE: {
      const char *dots = NULL;
      for (size_t i = 0; i + 1 < n; i++)
        if (low[i] == '.' && low[i + 1] == '.') { dots = low + i; break; }
      size_t an = dots ? (size_t)(dots - low) : n;
      const char *b = dots ? dots + 2 : low;
      size_t bn = dots ? n - an - 2 : n;
      if (parse_ymd(low, an, &y0, &m0, &d0) || parse_ymd(b, bn, &y1, &m1, &d1))
        return sw_error_set(x->err, SW_QUERY,
                            "datum: expects YYYY, YYYY-MM or YYYY-MM-DD, or "
                            "A..B of them, at column %u", f->column);
      if (!m0) m0 = 1;
      if (!d0) d0 = 1;
      if (!m1) m1 = 12;
      if (!d1) d1 = days_in(y1, m1);
      if (y1 * 10000 + m1 * 100 + d1 < y0 * 10000 + m0 * 100 + d0 ||
          y1 - y0 > 200)
        return sw_error_set(x->err, SW_QUERY,
                            "datum: the range ends before it starts (or spans "
                            "over 200 years) at column %u", f->column);
      return date_range(x, c, y0, m0, d0, y1, m1, d1);
    }
  }
  return SW_OK;
}

/* --------------------------------------------------------------- title -- */

/* The compound-part alternative of every word typed as a one-term atom
** (not a stop word: a typed stop word is no part). */
static int part_terms(Expander *x, uint32_t parsed) {
  EngQuery *q = x->q;
  for (uint32_t c = 0; c < parsed; c++) {
    if (x->drop[c]) continue;
    const EngQClause *cl = &q->clauses[c];
    for (uint32_t a = cl->atom; a < cl->atom + cl->natoms; a++) {
      const EngQAtom *at = &q->atoms[a];
      if (at->nslots != 1 || at->exact) continue; /* quoted: as typed */
      uint32_t t = q->slots[at->slot].term;
      if (q->terms[t].len == 0 || q->terms[t].len >= SW_MAX_TOKEN_BYTES ||
          an_ns_special(q->bytes[q->terms[t].off]) || q->terms[t].stop)
        continue;
      char tt[SW_MAX_TOKEN_BYTES];
      tt[0] = AN_NS_PART;
      memcpy(tt + 1, q->bytes + q->terms[t].off, q->terms[t].len);
      const char *tp = tt;
      uint32_t tl = q->terms[t].len + 1;
      int rc = add_alt(x, c, &tp, &tl, 1, ENG_BOOST_PART, x->err);
      if (rc) return rc;
    }
  }
  return SW_OK;
}

/* ----------------------------------------------------------------- API -- */

int eng_query_expand(EngQuery *q, IxReader *r, AnAnalyzer *an,
                     const EngSynonyms *syn, const char *text, size_t len,
                     int parts, SwError *err) {
  Expander *x = sw_calloc(1, sizeof *x);
  if (!x) return sw_error_set(err, SW_NOMEM, "out of memory (query expansion)");
  x->q = q;
  x->text = text;
  x->len = len;
  x->err = err;
  int rc = SW_OK;
  uint32_t parsed = q->nclauses;
  x->drop = sw_calloc(parsed + 1, 1);
  if (!x->drop) {
    sw_free(x);
    return sw_error_set(err, SW_NOMEM, "out of memory (query expansion)");
  }
  if (text && len && an_identifiers(text, len, on_ident, x))
    rc = x->err_rc ? x->err_rc : SW_OK;
  for (uint32_t c = 0; c < parsed && rc == SW_OK; c++) {
    long t = clause_term(q, c);
    if (t >= 0 && q->clauses[c].natoms == 1 && !x->drop[c] &&
        !q->atoms[q->clauses[c].atom].exact)
      rc = fold_variants(x, r, c, (uint32_t)t, err);
  }
  if (rc == SW_OK && text && len) rc = compound_joins(x, r, an, parsed, err);
  if (rc == SW_OK && syn) rc = expand_synonyms(x, syn, text, len, err);
  if (rc == SW_OK && parts) rc = part_terms(x, parsed);
  /* Filters last: their clauses follow every other new clause. */
  x->filter_first = x->new_clauses;
  for (uint32_t f = 0; f < q->nfilters && f < 64 && rc == SW_OK; f++) {
    uint32_t c = q->nclauses + x->new_clauses++;
    x->filter_neg[x->filter_n++] = (uint8_t)q->filters[f].neg;
    rc = expand_filter(x, &q->filters[f], c);
  }
  if (rc == SW_OK) rc = rebuild(x, err);
  if (rc == SW_OK && q->nclauses == 0)
    rc = sw_error_set(err, SW_QUERY, "nothing to search for at column 1");
  sw_free(x->drop);
  sw_free(x);
  return rc;
}
