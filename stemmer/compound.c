/*
** compound.c — Swedish compound splitting over the hunspell-sv lexicon.
** Interface: stemmer_int.h ("interface to compound.c"). The lexicon is the
** generated lexicon.c (see lexgen.c for what it holds and why); this file
** decides how a folded word is cut into parts and caches the answers. It
** knows nothing of tokens, stems or the index: the caller decides what to
** do with the parts (index their stems beside the whole word, say).
**
** Which splits are allowed. A split is a chain of parts: the first a BEGIN
** form flagged "may begin" (hunspell X), any further non-final ones flagged
** "may begin" or "may continue" (X or U), each spelt as the lexicon spells
** it, linking s included (stads, samverkans), and a final part that is an
** END form (any inflection of a word that may end a compound: grupper,
** nämnden). After a form ending in a double consonant the next part may
** start on its last letter (natt + tåg written nattåg). Refused as junk:
**  - parts shorter than 3 letters (the linking s not counted), or 4 for a
**    part in the middle (particles and learned prefixes, never parts at
**    all, are left out of the lexicon by lexgen.c);
**  - any split of a word in the no-split set (proper names, -ande/-ende
**    derivations of dictionary verbs, a few opaque words like riksdag).
** Words the dictionary lists themselves ("lexical": bostäder, kommunen,
** förskolan, verksamhet, överenskommelse, but also stadsdelsnämnd) are
** mostly lexicalised, so they need more evidence: a first part that
** hunspell-sv flags itself or that begins at least LEX_ATTESTED_MIN of the
** dictionary's compounds, and a final part of 4+ letters unless a linking s
** marks the boundary (arbets|tid). Most over-splitting is stopped earlier,
** by the lexicon: particles never begin (över|enskommelse), suffix-like
** words never end (verksam|het, stor|lek), and short parts are too short
** (bo|städer, för|skolan).
**
** Which split is chosen. The fewest parts, then the fewest triple-consonant
** overlaps. Among the splits left, which differ in where the final part
** starts, the one with the longest final part is taken first; a split with
** a shorter final part replaces it when the stretch between the two
** boundaries is a word itself: natur|gasledningen and naturgas|ledningen
** differ by "gas", a word, so the two are bracketings of one three-word
** compound and the left-branching one wins ([[natur gas] ledning], the
** usual shape in Swedish); vård|arbetet and vårdar|betet differ by "ar",
** no word, so they are rival segmentations and the longest final part
** stays. On a sample of 340 corpus words (tests/data/compounds.tsv) this
** rule beat both "longest final part" and "shortest final part".
**
** Sub-compounds. an_splitter_split_deep also splits every part again, as a
** word of its own (so a lexicalised part must pass the stricter test), down
** to AN_SPLIT_MAX_DEPTH levels: kommunstyrelseordförande -> kommunstyrelse
** (kommun, styrelse), ordförande.
**
** Speed. A word of n letters costs one forward hash per begin position and
** one backward hash sweep (each extended a byte at a time, so O(n) per
** position), a bucket scan per lookup and no allocation. Results are kept
** per word in a bounded open-addressing table (key and parts in a byte
** arena), emptied as a whole when full, like the stem cache.
*/
#include <string.h>

#include "stemmer_int.h"

#define LEX_ATTESTED_MIN 10 /* compounds a non-flagged begin of a lexical
                               word must begin in the dictionary          */
#define MIN_BYTES 6         /* shorter words never split (3 + 3 letters)  */
#define MIN_END_CHARS 3     /* letters of a final part                    */
#define MIN_LEX_END_CHARS 4 /* ... in a lexical word, without a link s    */
#define MIN_MID_CHARS 4     /* letters of a part in the middle            */
#define NEST_MIN_CHARS 3    /* letters of a word between two boundaries   */

#define CACHE_INITIAL_SLOTS ((size_t)1 << 12)
#define CACHE_MAX_SLOTS (2 * AN_SPLIT_CACHE_MAX) /* load <= 1/2          */
#define CACHE_INITIAL_ARENA ((size_t)64 << 10)
#define CACHE_MAX_ARENA ((size_t)48 << 20)
#define CACHE_PART_BYTES 8 /* off, len, depth, base_len, base (u32 LE)   */

struct AnSplitter {
  const AnLexicon *lex;  /* the generated lexicon                         */
  uint64_t *slots;       /* hash << 32 | (arena offset + 1); 0 = empty    */
  size_t nslots;         /* power of two                                   */
  size_t used;           /* words cached; 2 * used <= nslots               */
  unsigned char *arena;  /* per word: klen, key, nparts, parts            */
  size_t arena_len;      /* bytes in use                                   */
  size_t arena_cap;      /* bytes allocated                                */
};

/* ------------------------------------------------------------ lexicon -- */

/* The begin entry for the form with forward hash h and bytes s[0..n), or
** NULL. */
static const AnLexBegin *find_begin(const AnLexicon *lex, uint64_t h,
                                    const char *s, size_t n) {
  uint32_t b = (uint32_t)(h >> (64 - lex->begin_bits));
  uint16_t fp = (uint16_t)h;
  for (uint32_t i = lex->begin_bucket[b]; i < lex->begin_bucket[b + 1]; i++) {
    const AnLexBegin *e = &lex->begin[i];
    if (e->fp == fp && e->len == n && memcmp(lex->pool + e->text, s, n) == 0)
      return e;
  }
  return NULL;
}

static int is_consonant(unsigned char c) {
  return c - (unsigned)'a' < 26u && !strchr("aeiouy", c);
}

/* ------------------------------------------------------------ the split -- */

/* A part found by split_word, positions in letters. */
typedef struct Piece {
  int start;               /* first letter                                */
  int form_end;            /* one past the form's last letter (link incl.) */
  const AnLexBegin *e;     /* the begin form, NULL for the final part     */
} Piece;

#define MAX_CHARS AN_SPLIT_MAX_BYTES

/* Split w[0..n) (n <= AN_SPLIT_MAX_BYTES) at the top level into parts
** (AN_SPLIT_MAX_PARTS room). Returns the count (>= 2) or 0. */
static int split_word(const AnLexicon *lex, const char *w, size_t n,
                      AnPart *parts) {
  int pos[MAX_CHARS + 1]; /* byte offset of each letter; pos[nc] = n      */
  int nc = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)w[i] & 0xC0u) != 0x80) pos[nc++] = (int)i;
  pos[nc] = (int)n;
  if (nc < 2 * MIN_END_CHARS) return 0;

  uint64_t fwd = an_lex_hash(w, n, 1);
  if (an_lex_set_has(&lex->nosplit, fwd)) return 0;
  /* Backward hashes of every suffix w[pos[j]..n). */
  uint64_t rh[MAX_CHARS + 1];
  uint64_t h = AN_LEX_HASH_INIT;
  for (int j = nc - 1, i = (int)n - 1; j >= 0; j--) {
    for (; i >= pos[j]; i--) h = an_lex_step(h, (unsigned char)w[i]);
    rh[j] = an_lex_final(h);
  }
  int lexical =
      an_lex_set_has(&lex->end, rh[0]) || an_lex_set_has(&lex->word, fwd);

  /* Best chain of non-final parts ending where letter c starts: rk[c]
  ** parts (0: unreached, c > 0), rov[c] triple overlaps; the last of them
  ** from[c] .. fend[c] with begin entry ent[c]. */
  int rk[MAX_CHARS + 1] = {0}, rov[MAX_CHARS + 1] = {0};
  int from[MAX_CHARS + 1], fend[MAX_CHARS + 1];
  const AnLexBegin *ent[MAX_CHARS + 1];
  for (int a = 0; a < nc; a++) {
    if (a > 0 && rk[a] == 0) continue;
    int k = rk[a], ov = rov[a];
    h = AN_LEX_HASH_INIT;
    for (int b = a + 1; b < nc; b++) {
      for (int i = pos[b - 1]; i < pos[b]; i++)
        h = an_lex_step(h, (unsigned char)w[i]);
      const AnLexBegin *e = find_begin(lex, an_lex_final(h), w + pos[a],
                                       (size_t)(pos[b] - pos[a]));
      if (!e) continue;
      if (!(e->flags & (a == 0 ? AN_LEX_BEGIN : AN_LEX_BEGIN | AN_LEX_MIDDLE)))
        continue;
      int link = (e->flags & AN_LEX_LINK) != 0;
      int plen = b - a - link;
      if (plen < MIN_END_CHARS || (a > 0 && plen < MIN_MID_CHARS)) continue;
      if (lexical && !(e->flags & AN_LEX_FLAGGED) &&
          e->attested < LEX_ATTESTED_MIN)
        continue;
      /* The next part starts after the form, or on its last letter when a
      ** double consonant ends it and a different letter follows (nattåg). */
      for (int t = 0; t < 2; t++) {
        int c = b - t;
        if (t == 1) {
          const unsigned char *u = (const unsigned char *)w;
          if (link || b < 2 || pos[b] - pos[b - 2] != 2 ||
              u[pos[b - 1]] != u[pos[b - 2]] || !is_consonant(u[pos[b - 1]]) ||
              u[pos[b]] == u[pos[b - 1]])
            break;
        }
        if (rk[c] == 0 || k + 1 < rk[c] ||
            (k + 1 == rk[c] && ov + t < rov[c])) {
          rk[c] = k + 1;
          rov[c] = ov + t;
          from[c] = a;
          fend[c] = b;
          ent[c] = e;
        }
      }
    }
  }

  /* The final part: w[pos[j]..n) an END form. Keep the candidates with the
  ** fewest parts and overlaps, in order of j (longest final part first). */
  int cand[MAX_CHARS], ncand = 0;
  int bestk = 0, bestov = 0;
  for (int j = 1; j < nc; j++) {
    if (rk[j] == 0 || nc - j < MIN_END_CHARS) continue;
    int linked = (ent[j]->flags & AN_LEX_LINK) != 0;
    if (lexical && nc - j < MIN_LEX_END_CHARS && !linked) continue;
    if (!an_lex_set_has(&lex->end, rh[j])) continue;
    if (ncand > 0 && (rk[j] > bestk || (rk[j] == bestk && rov[j] > bestov)))
      continue;
    if (ncand == 0 || rk[j] < bestk || rov[j] < bestov) ncand = 0;
    bestk = rk[j];
    bestov = rov[j];
    cand[ncand++] = j;
  }
  if (ncand == 0) return 0;
  if (bestk + 1 > AN_SPLIT_MAX_PARTS) return 0;
  /* Left-branching when the stretch between two boundaries is a word. */
  int cur = cand[0];
  for (int i = 1; i < ncand; i++) {
    int j = cand[i];
    int mid_end = fend[j] - ((ent[j]->flags & AN_LEX_LINK) ? 1 : 0);
    if (mid_end - cur < NEST_MIN_CHARS) continue;
    const char *m = w + pos[cur];
    size_t mlen = (size_t)(pos[mid_end] - pos[cur]);
    if (find_begin(lex, an_lex_hash(m, mlen, 1), m, mlen) ||
        an_lex_set_has(&lex->end, an_lex_hash(m, mlen, -1)) ||
        an_lex_set_has(&lex->word, an_lex_hash(m, mlen, 1)))
      cur = j;
  }

  /* Parts, in order: walk the chain back from cur. */
  int np = rk[cur] + 1;
  Piece pc[AN_SPLIT_MAX_PARTS];
  pc[np - 1].start = cur;
  pc[np - 1].form_end = nc;
  pc[np - 1].e = NULL;
  for (int c = cur, i = np - 2; i >= 0; c = from[c], i--) {
    pc[i].start = from[c];
    pc[i].form_end = fend[c];
    pc[i].e = ent[c];
  }
  for (int i = 0; i < np; i++) {
    const AnLexBegin *e = pc[i].e;
    int end_byte = pos[pc[i].form_end];
    if (e && (e->flags & AN_LEX_LINK)) end_byte--; /* the s is ASCII */
    parts[i].off = (uint16_t)pos[pc[i].start];
    parts[i].len = (uint16_t)(end_byte - pos[pc[i].start]);
    parts[i].depth = 0;
    parts[i].base_len = e ? e->base_len : 0;
    parts[i].base = e && e->base_len ? lex->pool + e->base : NULL;
  }
  return np;
}

/* Appends to out[*count..) the parts of w[0..n) at depth d, each followed
** by its own sub-parts, within room slots; reserve of them are kept for
** parts the caller still has to write. off shifts the offsets. */
static void split_deep(const AnLexicon *lex, const char *w, size_t n,
                       uint16_t off, int d, AnPart *out, int *count, int room,
                       int reserve) {
  AnPart p[AN_SPLIT_MAX_PARTS];
  int np = split_word(lex, w, n, p);
  if (np == 0 || *count + np + reserve > room) return;
  for (int i = 0; i < np; i++) {
    AnPart *q = &out[(*count)++];
    *q = p[i];
    q->off = (uint16_t)(q->off + off);
    q->depth = (uint8_t)d;
    if (d < AN_SPLIT_MAX_DEPTH && p[i].len >= MIN_BYTES)
      split_deep(lex, w + p[i].off, p[i].len, q->off, d + 1, out, count,
                 room, reserve + (np - 1 - i));
  }
}

/* -------------------------------------------------------------- cache -- */

static void cache_clear(AnSplitter *s) {
  memset(s->slots, 0, s->nslots * sizeof *s->slots);
  s->used = 0;
  s->arena_len = 0;
}

/* The cached entry of key w[0..n) with hash h, or NULL. */
static const unsigned char *cache_find(const AnSplitter *s, uint32_t h,
                                       const char *w, size_t n) {
  size_t mask = s->nslots - 1;
  for (size_t i = h & mask; s->slots[i]; i = (i + 1) & mask) {
    uint64_t v = s->slots[i];
    if ((uint32_t)(v >> 32) != h) continue;
    const unsigned char *e = s->arena + (uint32_t)v - 1;
    if (e[0] == n && memcmp(e + 1, w, n) == 0) return e;
  }
  return NULL;
}

/* Doubles the slot table (rehashing). 0, or -1 when out of memory. */
static int cache_grow_slots(AnSplitter *s) {
  size_t ns = s->nslots * 2;
  uint64_t *sl = sw_calloc(ns, sizeof *sl);
  if (!sl) return -1;
  for (size_t i = 0; i < s->nslots; i++) {
    uint64_t v = s->slots[i];
    if (!v) continue;
    size_t j = (uint32_t)(v >> 32) & (ns - 1);
    while (sl[j]) j = (j + 1) & (ns - 1);
    sl[j] = v;
  }
  sw_free(s->slots);
  s->slots = sl;
  s->nslots = ns;
  return 0;
}

/* Remembers w -> parts[0..np). Best effort: empties the cache when a bound
** would be passed, skips the word when memory is short. */
static void cache_put(AnSplitter *s, uint32_t h, const char *w, size_t n,
                      const AnPart *parts, int np) {
  size_t need = 2 + n + (size_t)np * CACHE_PART_BYTES;
  if (2 * (s->used + 1) > s->nslots) {
    if (s->nslots >= CACHE_MAX_SLOTS) cache_clear(s);
    else if (cache_grow_slots(s) != 0) return;
  }
  if (s->arena_len + need > s->arena_cap) {
    if (s->arena_cap * 2 > CACHE_MAX_ARENA) {
      cache_clear(s);
    } else {
      unsigned char *a = sw_realloc(s->arena, s->arena_cap * 2);
      if (!a) return;
      s->arena = a;
      s->arena_cap *= 2;
    }
  }
  unsigned char *e = s->arena + s->arena_len;
  e[0] = (unsigned char)n;
  memcpy(e + 1, w, n);
  e[1 + n] = (unsigned char)np;
  unsigned char *p = e + 2 + n;
  for (int i = 0; i < np; i++, p += CACHE_PART_BYTES) {
    uint32_t base = parts[i].base
                        ? (uint32_t)(parts[i].base - s->lex->pool)
                        : 0;
    p[0] = (unsigned char)parts[i].off;
    p[1] = (unsigned char)parts[i].len;
    p[2] = parts[i].depth;
    p[3] = parts[i].base_len;
    for (int k = 0; k < 4; k++) p[4 + k] = (unsigned char)(base >> (8 * k));
  }
  size_t mask = s->nslots - 1;
  size_t i = h & mask;
  while (s->slots[i]) i = (i + 1) & mask;
  s->slots[i] = (uint64_t)h << 32 | (uint64_t)(s->arena_len + 1);
  s->arena_len += need;
  s->used++;
}

/* Decodes the np parts of cache entry e into out. */
static void cache_parts(const AnSplitter *s, const unsigned char *e,
                        AnPart *out) {
  int np = e[1 + e[0]];
  const unsigned char *p = e + 2 + e[0];
  for (int i = 0; i < np; i++, p += CACHE_PART_BYTES) {
    uint32_t base = 0;
    for (int k = 0; k < 4; k++) base |= (uint32_t)p[4 + k] << (8 * k);
    out[i].off = p[0];
    out[i].len = p[1];
    out[i].depth = p[2];
    out[i].base_len = p[3];
    out[i].base = p[3] ? s->lex->pool + base : NULL;
  }
}

/* All parts of w (deep, pre-order) into all[AN_SPLIT_MAX_PARTS], through
** the cache. Returns their number. */
static int parts_of(AnSplitter *s, const char *w, size_t n, AnPart *all) {
  if (n < MIN_BYTES || n > AN_SPLIT_MAX_BYTES) return 0;
  uint32_t h = an_hash(w, n);
  const unsigned char *e = cache_find(s, h, w, n);
  if (e) {
    cache_parts(s, e, all);
    return e[1 + e[0]];
  }
  int count = 0;
  split_deep(s->lex, w, n, 0, 0, all, &count, AN_SPLIT_MAX_PARTS, 0);
  cache_put(s, h, w, n, all, count);
  return count;
}

/* ---------------------------------------------------------------- API -- */

int an_splitter_new(AnSplitter **out, SwError *err) {
  AnSplitter *s = sw_calloc(1, sizeof *s);
  if (!s) goto fail;
  s->lex = &an_lexicon;
  s->slots = sw_calloc(CACHE_INITIAL_SLOTS, sizeof *s->slots);
  s->arena = sw_malloc(CACHE_INITIAL_ARENA);
  if (!s->slots || !s->arena) goto fail;
  s->nslots = CACHE_INITIAL_SLOTS;
  s->arena_cap = CACHE_INITIAL_ARENA;
  *out = s;
  return SW_OK;

fail:
  an_splitter_free(s);
  *out = NULL;
  return sw_error_set(err, SW_NOMEM,
                      "compound splitter: out of memory creating it");
}

void an_splitter_free(AnSplitter *s) {
  if (!s) return;
  sw_free(s->slots);
  sw_free(s->arena);
  sw_free(s);
}

int an_splitter_split(AnSplitter *s, const char *w, size_t n, AnPart *parts,
                      int max) {
  AnPart all[AN_SPLIT_MAX_PARTS];
  int na = parts_of(s, w, n, all), k = 0;
  for (int i = 0; i < na; i++) k += all[i].depth == 0;
  if (k < 2 || k > max) return 0;
  k = 0;
  for (int i = 0; i < na; i++)
    if (all[i].depth == 0) parts[k++] = all[i];
  return k;
}

int an_splitter_split_deep(AnSplitter *s, const char *w, size_t n,
                           AnPart *parts, int max) {
  AnPart all[AN_SPLIT_MAX_PARTS];
  int na = parts_of(s, w, n, all);
  if (na < 2) return 0;
  if (na <= max) {
    memcpy(parts, all, (size_t)na * sizeof *all);
    return na;
  }
  return an_splitter_split(s, w, n, parts, max); /* depth 0 only */
}

size_t an_splitter_cached(const AnSplitter *s) { return s->used; }

int an_lex_own_ending(const char *w, size_t n) {
  const AnLexicon *lex = &an_lexicon;
  if (n == 0 || n > AN_SPLIT_MAX_BYTES) return 0;
  if (an_lex_set_has(&lex->defroot, an_lex_hash(w, n, 1))) return 1;
  AnPart parts[AN_SPLIT_MAX_PARTS];
  int np = n >= MIN_BYTES ? split_word(lex, w, n, parts) : 0;
  if (np < 2) return 0;
  const AnPart *last = &parts[np - 1];
  return an_lex_set_has(&lex->defroot, an_lex_hash(w + last->off, last->len, 1));
}

int an_lex_known(const char *w, size_t n) {
  const AnLexicon *lex = &an_lexicon;
  if (n == 0 || n > AN_SPLIT_MAX_BYTES) return 0;
  uint64_t fwd = an_lex_hash(w, n, 1);
  if (an_lex_set_has(&lex->end, an_lex_hash(w, n, -1)) ||
      an_lex_set_has(&lex->word, fwd) || an_lex_set_has(&lex->nosplit, fwd) ||
      find_begin(lex, fwd, w, n))
    return 1;
  AnPart parts[AN_SPLIT_MAX_PARTS];
  return n >= MIN_BYTES && split_word(lex, w, n, parts) > 0;
}
