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
    if (tok.term_len == 0) continue;
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
  Alt alts[MAX_ALTS];
  uint32_t nalts;
  uint32_t new_clauses;       /* clauses to create after the parsed ones */
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
  if (x->nalts == 0) return SW_OK;
  uint32_t nclauses = q->nclauses + x->new_clauses;
  uint32_t natoms = q->natoms + x->nalts;
  EngQAtom *atoms = sw_calloc(natoms, sizeof *atoms);
  EngQClause *clauses = sw_calloc(nclauses, sizeof *clauses);
  if (!atoms || !clauses) {
    sw_free(atoms);
    sw_free(clauses);
    return sw_error_set(err, SW_NOMEM, "out of memory (query expansion)");
  }
  uint32_t n = 0;
  for (uint32_t c = 0; c < nclauses; c++) {
    clauses[c].atom = n;
    if (c < q->nclauses) {
      const EngQClause *cl = &q->clauses[c];
      for (uint32_t a = 0; a < cl->natoms; a++)
        atoms[n++] = q->atoms[cl->atom + a];
    }
    for (uint32_t k = 0; k < x->nalts; k++) {
      if (x->alts[k].clause != c) continue;
      atoms[n].slot = x->alts[k].slot;
      atoms[n].nslots = x->alts[k].nslots;
      atoms[n].column = c < q->nclauses ? atoms[clauses[c].atom].column : 1;
      n++;
    }
    clauses[c].natoms = n - clauses[c].atom;
  }
  uint32_t excl = n;
  for (uint32_t e = 0; e < q->nexcl; e++) atoms[n++] = q->atoms[q->excl + e];
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
  sw_free(atoms);
  sw_free(clauses);
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
    if ((rc = add_alt(x, c, &tp, &tl, 1, ENG_BOOST_FOLD, err))) return rc;
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
      ** dropped by the parser): each of them gets the other side. */
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

/* ----------------------------------------------------------------- API -- */

int eng_query_expand(EngQuery *q, IxReader *r, AnAnalyzer *an,
                     const EngSynonyms *syn, const char *text, size_t len,
                     SwError *err) {
  (void)an;
  Expander *x = sw_calloc(1, sizeof *x);
  if (!x) return sw_error_set(err, SW_NOMEM, "out of memory (query expansion)");
  x->q = q;
  int rc = SW_OK;
  uint32_t parsed = q->nclauses;
  for (uint32_t c = 0; c < parsed && rc == SW_OK; c++) {
    long t = clause_term(q, c);
    if (t >= 0 && q->clauses[c].natoms == 1)
      rc = fold_variants(x, r, c, (uint32_t)t, err);
  }
  if (rc == SW_OK && syn) rc = expand_synonyms(x, syn, text, len, err);
  if (rc == SW_OK) rc = rebuild(x, err);
  sw_free(x);
  return rc;
}
