/*
** stemmer_int.h — private interfaces between the stemmer layer's files.
** Not seen above this layer (index/ and engine/ use analysis.h only; tests
** may include it). One banner section per file.
*/
#ifndef SW_STEMMER_INT_H
#define SW_STEMMER_INT_H

#include <stddef.h>
#include <stdint.h>

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
** never fails.
*/

#define AN_CACHE_KEY_MAX SW_MAX_TOKEN_BYTES    /* longest cacheable key     */
#define AN_CACHE_MAX_ENTRIES ((size_t)1 << 18) /* 256k words, load <= 1/2   */
#define AN_CACHE_MAX_ARENA ((size_t)16 << 20)  /* key+fold+stem bytes       */

typedef struct AnStemCache AnStemCache;

/* One cached result. Pointers are into the cache and stay valid until the
** next an_stemcache_put() or an_stemcache_free(). */
typedef struct AnCacheHit {
  const char *fold; /* folded, unstemmed form                  */
  size_t fold_len;
  const char *stem; /* folded + stemmed term                   */
  size_t stem_len;
  unsigned flags;   /* AN_* bits                               */
} AnCacheHit;

/* Create an empty cache at its initial (small) size. Returns SW_OK or
** SW_NOMEM; *out is NULL on failure. */
int an_stemcache_new(AnStemCache **out);
void an_stemcache_free(AnStemCache *c); /* NULL is a no-op */

/* Look key[0..klen) up; hash must be an_hash(key, klen). Returns 1 and fills
** *hit when present, else 0. */
int an_stemcache_find(const AnStemCache *c, uint32_t hash, const char *key,
                      size_t klen, AnCacheHit *hit);

/* Remember key -> (fold, stem, flags). Best effort: may empty the cache
** first to stay within its bounds, and silently skips keys that are empty or
** longer than AN_CACHE_KEY_MAX. The key must not be present already. fold
** and stem are at most SW_MAX_TOKEN_BYTES each. */
void an_stemcache_put(AnStemCache *c, uint32_t hash, const char *key,
                      size_t klen, const char *fold, size_t fold_len,
                      const char *stem, size_t stem_len, unsigned flags);

/* Entries held now and times the cache was emptied (for tests). */
size_t an_stemcache_size(const AnStemCache *c);
size_t an_stemcache_resets(const AnStemCache *c);

/* The cache's hash: 32-bit FNV-1a. Defined here so analysis.c can fold it
** into its lower-casing loop byte by byte (AN_HASH_INIT, then
** an_hash_step per byte) and get the same value as an_hash. */
#define AN_HASH_INIT 2166136261u

static inline uint32_t an_hash_step(uint32_t h, unsigned char b) {
  return (h ^ b) * 16777619u;
}

static inline uint32_t an_hash(const char *s, size_t n) {
  uint32_t h = AN_HASH_INIT;
  for (size_t i = 0; i < n; i++) h = an_hash_step(h, (unsigned char)s[i]);
  return h;
}

#endif /* SW_STEMMER_INT_H */
