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

enum {
  AN_ID_DNR = 1,  /* diarienummer: KS 2020/1050, 2020/1050, dnr 2018-00176 */
  AN_ID_RM = 2,   /* riksmöte number: 2018/19:1088, 2018/19:JuU19          */
  AN_ID_SFS = 3,  /* year:number: SFS 2017:725, motion (2017:54), SOU 2019:40 */
  AN_ID_PARA = 4, /* paragraph: § 13, 13 a §                                */
  AN_ID_EU = 5    /* EU act after (EU)/(EG)/(EEG) or before /EG: 2016/679   */
};

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

#endif /* SW_STEMMER_INT_H */
