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

#endif /* SW_STEMMER_INT_H */
