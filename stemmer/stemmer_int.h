/*
** stemmer_int.h — private interfaces between the stemmer layer's files.
** Not seen above this layer (index/ and engine/ use analysis.h only; tests
** may include it). One banner section per file.
*/
#ifndef SW_STEMMER_INT_H
#define SW_STEMMER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analysis.h"

/* ================================================= interface to stemcache.c
** The stem cache: a bounded open-addressing hash table (linear probing) that
** maps a key to the folded form, the stem and the AN_* flags it analyses to,
** so that utf8proc and libstemmer run once per distinct word, not once per
** token. It never shrinks the chain's results: a miss just means the caller
** computes them again.
**
** Keys are byte strings of 1..AN_CACHE_KEY_MAX bytes. analysis.c uses the
** folded form itself as key for pure-ASCII words and the raw surface bytes
** for all others (see analysis.c for why the two key spaces cannot collide).
**
** Memory is bounded: the table grows by doubling up to AN_CACHE_MAX_ENTRIES
** live entries and the byte arena up to AN_CACHE_MAX_ARENA bytes; when either
** limit would be passed the whole cache is emptied and refilled from scratch
** (words that matter come back within a few documents). Growth that fails
** for lack of memory empties the cache in the same way, so an_stemcache_put
** never fails. At the limit the table takes 32 MiB (32-byte slots); the
** shared corpus has about 390,000 distinct keys, so a build of it never
** empties the cache (with 2^18 entries it did once, and recomputed 128,000
** words).
*/

#define AN_CACHE_KEY_MAX SW_MAX_TOKEN_BYTES    /* longest cacheable key     */
#define AN_CACHE_MAX_ENTRIES ((size_t)1 << 19) /* 512k words, load <= 1/2   */
#define AN_CACHE_MAX_ARENA ((size_t)16 << 20)  /* key+fold+stem bytes of
                                                  entries too big for a slot */

typedef struct AnStemCache AnStemCache;

/* One cached result. Pointers are into the cache and stay valid until the
** next an_stemcache_put() or an_stemcache_free(). */
typedef struct AnCacheHit {
  const char *fold; /* folded, unstemmed form                  */
  size_t fold_len;
  const char *stem; /* folded + stemmed term                   */
  size_t stem_len;
  unsigned flags;   /* AN_* bits                               */
  int readable32;   /* 1: AN_CACHE_READABLE bytes may be read from
                       fold and from stem, whatever their lengths
                       (a copy of fixed size, without a call)   */
} AnCacheHit;

#define AN_CACHE_READABLE 32

/* A flag the cache keeps beside the AN_* token flags, never seen outside
** analysis.c: the splitter found no compound parts in the fold (set only
** when the entry was made with AN_WITH_PARTS on; absent, the splitter is
** asked). */
#define AN_CACHED_UNSPLIT 0x80

/* Create an empty cache at its initial (small) size. Returns SW_OK or
** SW_NOMEM; *out is NULL on failure. */
int an_stemcache_new(AnStemCache **out);
void an_stemcache_free(AnStemCache *c); /* NULL is a no-op */

/* Look key[0..klen) up; hash must be an_hash(key, klen). Returns 1 and fills
** *hit when present, else 0. */
int an_stemcache_find(const AnStemCache *c, uint32_t hash, const char *key,
                      size_t klen, AnCacheHit *hit);

/* Start loading the slot where a lookup of hash begins into the CPU cache,
** for a find() that will follow soon. Changes nothing. */
void an_stemcache_prefetch(const AnStemCache *c, uint32_t hash);

/* Remember key -> (fold, stem, flags). Best effort: may empty the cache
** first to stay within its bounds, and silently skips keys that are empty or
** longer than AN_CACHE_KEY_MAX, and empty folds (the chain never makes
** one). The key must not be present already. fold and stem are at most
** SW_MAX_TOKEN_BYTES each. */
void an_stemcache_put(AnStemCache *c, uint32_t hash, const char *key,
                      size_t klen, const char *fold, size_t fold_len,
                      const char *stem, size_t stem_len, unsigned flags);

/* Entries held now and times the cache was emptied (for tests). */
size_t an_stemcache_size(const AnStemCache *c);
size_t an_stemcache_resets(const AnStemCache *c);

/* The cache's hash: 64-bit multiply-xorshift over 8-byte words, cut to 32
** bits. Defined here so analysis.c and the tests hash keys the same way. It
** never leaves memory (word order may differ between machines) and reads
** exactly s[0..n). */
static inline uint64_t an_hash_tail(const char *s, size_t n) {
  /* n = 1..7 bytes as one word, without reading past s[n - 1]. */
  const unsigned char *p = (const unsigned char *)s;
  if (n >= 4) {
    uint32_t a, b;
    memcpy(&a, p, 4);
    memcpy(&b, p + n - 4, 4);
    return a | (uint64_t)b << (8 * (n - 4));
  }
  return p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) |
         (uint64_t)p[n - 1] << (8 * (n - 1));
}

static inline uint32_t an_hash(const char *s, size_t n) {
  const uint64_t m = 0x9e3779b97f4a7c15ull;
  uint64_t h = (uint64_t)n * m;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    memcpy(&v, s + i, 8);
    h = (h ^ v) * m;
    h ^= h >> 32;
  }
  if (i < n) h = (h ^ an_hash_tail(s + i, n - i)) * m;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 32;
  return (uint32_t)h;
}

/* ===================================================== interface to ident.c
** Identifiers as units: diarienummer, riksmöte numbers, year:number
** designations (SFS, SOU, municipal motions), EU acts and protocol
** paragraphs, recognised however they are typed and reported with a
** canonical form that documents and queries both index/search. The canon
** rules (what each kind accepts, what it refuses, how it is written) are in
** the opening comment of ident.c; in short:
**
**   Dnr KS 2020/1050, KS2020/1050, dnr. ks 2020/1050 -> "ks 2020/1050",
**                                       then broader  "2020/1050"
**   N2018/03142/SK -> "n 2018/3142/sk", then "n 2018/3142", then "2018/3142"
**   2018/19:1088, 2018/19 :1088     -> "2018/19:1088"
**   2018/19:JuU19, KU 1986/87:33    -> "2018/19:juu19", "1986/87:ku33"
**   SFS 2017:725, Lag (2017:725)    -> "2017:725"
**   SOU 2019:40                     -> "sou 2019:40", then "2019:40"
**   (EU) 2016/679, (EG) nr 1907/2006 -> "2016/679", "1907/2006"
**   § 13, §13, 13 §, §§ 13          -> "§ 13";  13 a §, § 13a -> "§ 13 a"
**
** An identifier is reported once per canon: first its most specific form
** (broader = 0), then each broader form (broader = 1, same range), so a
** document indexing every canon reported is found by a query for the
** first canon its own typing gives. Dates (2020-01-01, 2020/01/15), times
** (10:30), riksmöte years alone (2018/19, 1999/2000), year ranges
** (2019/2020), fractions (1/2) and bare years are not identifiers.
*/

/* The kinds (AN_ID_*) are in analysis.h. */

#define AN_IDENT_CANON_MAX 48 /* canon bytes including the NUL */

typedef struct AnIdent {
  int kind;                      /* AN_ID_*                                */
  int broader;                   /* 0: most specific canon; 1: a broader
                                    form of the identifier reported just
                                    before (same kind and range)           */
  size_t start;                  /* first byte of the identifier in text   */
  size_t end;                    /* one past its last byte                 */
  char canon[AN_IDENT_CANON_MAX]; /* canonical form, NUL-terminated, valid
                                    UTF-8, lower case                      */
  size_t canon_len;              /* bytes of canon before the NUL          */
} AnIdent;

/* Called once per canon; id is borrowed for the call only. A non-zero
** return stops the scan. */
typedef int (*AnIdentFn)(void *ctx, const AnIdent *id);

/* Scan text[0..len) (arbitrary bytes: invalid UTF-8 never matches and never
** crashes; text may be NULL when len is 0) for identifiers and call fn for
** each, in order of start (ranges never overlap; the broader canons of one
** identifier follow it). Allocates nothing; reads only text[0..len).
** Returns 0 when the whole text was scanned, else the non-zero value fn
** returned. */
int an_ident_scan(const char *text, size_t len, AnIdentFn fn, void *ctx);

/* ===================================================== interface to lemma.c
** Swedish lemmas: an inflected form Snowball leaves apart from its word
** (oklart/oklar, nytt/ny, kommunalt/kommunal, socialt/social) is stemmed as
** the word. The table is hunspell-sv's suffix rules (lexgen.c, emit_lemmas:
** which forms, and why only those), compiled into lexicon.c. */

typedef struct AnLemmaEntry {
  uint32_t form, lemma;        /* offsets into AnLemmas.pool               */
  uint8_t form_len, lemma_len; /* bytes                                    */
} AnLemmaEntry;

typedef struct AnLemmas {
  const char *pool;            /* every form and lemma, not NUL-separated  */
  const AnLemmaEntry *e;       /* sorted by form bytes (memcmp, shorter
                                  first on a common prefix)                */
  size_t n;
} AnLemmas;

extern const AnLemmas an_lemmas; /* lexicon.c, generated */

/* The lemma of the folded word f[0..n) into *lemma (borrowed from the
** table): its length, or 0 when the table has no entry for f. */
size_t an_lemma(const char *f, size_t n, const char **lemma);

/* ================================================== interface to compound.c
** Swedish compound splitting: samverkansöverenskommelse -> samverkan (s)
** överenskommelse, so that a search for one part finds the compound. The
** lexicon is hunspell-sv's (Debian package hunspell-sv), turned at build time
** by stemmer/lexgen.c into static const tables (lexicon.c in the build
** directory; nothing is read at run time). How words are split, and why, is
** in the opening comment of compound.c; the tables' contents in lexgen.c.
**
** Parts. A split is a sequence of parts covering the word: each non-final
** part is a form that hunspell-sv lets begin (or continue) a compound, the
** final part a form that may end one. Between two parts lies either nothing
** or the linking morpheme "s" (samverkan|s|överenskommelse, stad|s|del),
** which belongs to no part. Other combining forms keep their own spelling
** as the part (skatte|befrielsen, kvinno|jour, förskol|lärare) and name the
** word they stand for in base. A triple consonant written double (natt +
** tåg = nattåg) gives parts that overlap by that one byte: "natt" [0,4) and
** "tåg" [3,6); parts never overlap otherwise.
*/

#define AN_SPLIT_MAX_BYTES 64 /* longer words are never split             */
#define AN_SPLIT_MAX_PARTS 16 /* most parts any call writes; pass this max */
#define AN_SPLIT_MAX_DEPTH 3  /* deepest sub-compound level reported       */

/* One part of a split word. */
typedef struct AnPart {
  uint16_t off;      /* first byte of the part in the folded word           */
  uint16_t len;      /* bytes of the part (a linking "s" after it excluded) */
  uint8_t depth;     /* 0: a part of the word itself; d > 0: a part of the
                        split of the nearest part of depth d - 1 before it  */
  uint8_t base_len;  /* bytes of base; 0 when base is NULL                  */
  const char *base;  /* the lexicon word the part stands for when its
                        spelling differs (vecko -> vecka, arbet -> arbete,
                        avhoppar -> avhoppare), else NULL; not
                        NUL-terminated; static, valid forever               */
} AnPart;

typedef struct AnSplitter AnSplitter;

/* Create a splitter: a handle on the built-in lexicon plus a bounded cache
** of results (at most AN_SPLIT_CACHE_MAX words; emptied as a whole when
** full). Returns SW_OK or SW_NOMEM (*out = NULL, err says so). Like the
** analyzer, a splitter serves one thread at a time. */
#define AN_SPLIT_CACHE_MAX ((size_t)1 << 19)
int an_splitter_new(AnSplitter **out, SwError *err);
void an_splitter_free(AnSplitter *s); /* NULL is a no-op */

/* Split the folded word w[0..n) (NFC, case-folded, valid UTF-8, as
** AnToken.fold): writes its parts, in order, to parts[0..max) and returns
** how many (>= 2), or 0 when the lexicon cannot justify a split (w is no
** compound, too short or longer than AN_SPLIT_MAX_BYTES, or has more parts
** than max). The split is the one with the fewest parts (see compound.c for
** the tie-breaks); all parts have depth 0. Deterministic; results are cached,
** so a repeated word costs one hash lookup. Never fails: when memory runs
** short the word is just not cached. */
int an_splitter_split(AnSplitter *s, const char *w, size_t n, AnPart *parts,
                      int max);

/* As an_splitter_split, plus the parts of sub-compounds: after each part
** that is itself a compound come its own parts, one level deeper, and so on
** down to AN_SPLIT_MAX_DEPTH (pre-order). stadsdelsnämndsordförande gives
** stadsdelsnämnd(0) stadsdel(1) nämnd(1) ordförande(0) when the lexicon
** splits stadsdelsnämnd that way. Sub-parts beyond max are left out (the
** depth-0 parts always fit when max >= AN_SPLIT_MAX_PARTS). Returns the
** number written, or 0 as an_splitter_split. */
int an_splitter_split_deep(AnSplitter *s, const char *w, size_t n,
                           AnPart *parts, int max);

/* 1 if the folded word w[0..n) is known: a form of hunspell-sv's
** dictionary in the lexicon, or a compound the lexicon can split. No cache,
** no state: the same answer in every analyzer. Used to rejoin words broken
** by a hyphen at a line end. */
int an_lex_known(const char *w, size_t n);

/* 1 if the -an/-et ending of the folded word w[0..n) belongs to the word
** itself (paket, verkan, orosanmälan: a root of hunspell-sv, or a compound
** whose last part is one), so it is no definite article. */
int an_lex_own_ending(const char *w, size_t n);

/* Words the splitter has cached now (for tests). */
size_t an_splitter_cached(const AnSplitter *s);

/* ---- the generated lexicon (lexicon.c, written by lexgen.c) ----
** Lookups hash the form's bytes with an_lex_hash (FNV-1a, 64-bit, then a
** finaliser): forward for the begin table and the word sets, backward (last
** byte first) for the end set, so that the splitter extends hashes a byte at
** a time over all prefixes, and all suffixes, of a word. The top `bits` bits
** choose a bucket, the low 16 bits are the stored fingerprint. The hash is
** defined byte by byte, so it is the same on every machine. */

#define AN_LEX_HASH_INIT 0xcbf29ce484222325ull

static inline uint64_t an_lex_step(uint64_t h, unsigned char c) {
  return (h ^ c) * 0x100000001b3ull;
}

static inline uint64_t an_lex_final(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

/* Forward (dir > 0) or backward (dir < 0) hash of s[0..n). */
static inline uint64_t an_lex_hash(const char *s, size_t n, int dir) {
  uint64_t h = AN_LEX_HASH_INIT;
  for (size_t i = 0; i < n; i++)
    h = an_lex_step(h, (unsigned char)s[dir > 0 ? i : n - 1 - i]);
  return an_lex_final(h);
}

/* AnLexBegin.flags */
#define AN_LEX_BEGIN 0x01    /* may begin a compound (hunspell X)          */
#define AN_LEX_MIDDLE 0x02   /* may stand inside one (hunspell U)          */
#define AN_LEX_LINK 0x04     /* the form ends in a linking "s"             */
#define AN_LEX_FLAGGED 0x08  /* hunspell-sv marks it; else attested only   */

/* A form that may begin or continue a compound. */
typedef struct AnLexBegin {
  uint32_t text;     /* offset of the form in the pool                   */
  uint32_t base;     /* offset of the base word in the pool              */
  uint16_t fp;       /* low 16 bits of its forward hash                  */
  uint8_t len;       /* bytes of the form                                */
  uint8_t base_len;  /* bytes of the base word; 0: none                  */
  uint8_t flags;     /* AN_LEX_* bits                                    */
  uint8_t attested;  /* compounds of the dictionary it begins (max 255)  */
} AnLexBegin;

/* A set of forms known by fingerprint: bucket b holds fp[bucket[b] ..
** bucket[b + 1]), b being the top `bits` bits of the hash. */
typedef struct AnLexSet {
  const uint32_t *bucket; /* (1 << bits) + 1 starts                     */
  const uint16_t *fp;     /* fingerprints, grouped by bucket           */
  uint32_t count;         /* forms in the set                          */
  unsigned bits;          /* log2 of the number of buckets              */
} AnLexSet;

typedef struct AnLexicon {
  const char *pool;           /* forms and base words, back to back      */
  const AnLexBegin *begin;    /* begin forms, grouped by bucket          */
  const uint32_t *begin_bucket; /* (1 << begin_bits) + 1 starts           */
  uint32_t begin_count;       /* entries in begin                        */
  unsigned begin_bits;        /* log2 of the begin buckets               */
  AnLexSet end;               /* forms that may end a compound (backward) */
  AnLexSet word;              /* other dictionary words that might split */
  AnLexSet nosplit;           /* words never split: names, opaque words  */
  AnLexSet defroot;           /* roots in -an/-et: paket, verkan         */
} AnLexicon;

extern const AnLexicon an_lexicon; /* lexicon.c, generated */

/* 1 if the set holds a form whose hash is h. */
static inline int an_lex_set_has(const AnLexSet *set, uint64_t h) {
  uint32_t b = (uint32_t)(h >> (64 - set->bits));
  uint16_t fp = (uint16_t)h;
  for (uint32_t i = set->bucket[b]; i < set->bucket[b + 1]; i++)
    if (set->fp[i] == fp) return 1;
  return 0;
}

/* ================================================== interface to snowball.c
** Snowball Swedish (libstemmer.a's Swedish module, UTF-8), without the rest
** of libstemmer: see snowball.c for why. Snowball 2.x Swedish only removes
** suffixes (and replaces the endings löst and fullt by lös and full), so a
** stem is a prefix of its word: analysis.c's wanted-term filter relies on
** that (tests/unit/test_snowball would show a libstemmer that broke it). */

typedef struct AnSnowball AnSnowball;

/* Create a stemmer. Returns SW_OK or SW_NOMEM (*out = NULL). */
int an_snowball_new(AnSnowball **out);
void an_snowball_free(AnSnowball *s); /* NULL is a no-op */

/* Stem word[0..len) (lower-case UTF-8). *stem (OUT) points into s, valid
** until the next call; *stem_len (OUT) is its length. Returns SW_OK, SW_NOMEM
** (Snowball's own allocation failed), or SW_LIMIT for len > INT_MAX. */
int an_snowball_stem(AnSnowball *s, const char *word, size_t len,
                     const char **stem, size_t *stem_len);

#endif /* SW_STEMMER_INT_H */
