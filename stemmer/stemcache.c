/*
** stemcache.c — the analyzer's stem cache: key -> (folded form, stem, flags)
** in a bounded open-addressing hash table. Interface: stemmer_int.h
** ("interface to stemcache.c"). It knows nothing of UTF-8, folding or
** stemming; analysis.c decides what the keys are and computes the values.
**
** Layout: a power-of-two array of 16-byte slots probed linearly from
** hash & mask, kept at most half full, and one byte arena holding each
** entry's key, fold and stem back to back. Slots refer to the arena by
** offset, so growing the arena with sw_realloc never invalidates them. Nothing
** is ever deleted singly; the cache is emptied as a whole when full, which is
** what keeps linear probing simple (no tombstones).
*/
#include "stemmer_int.h"

#include <string.h>

#define INITIAL_SLOTS ((size_t)1 << 12)     /* 64 KiB of slots to begin with */
#define INITIAL_ARENA ((size_t)64 << 10)    /* 64 KiB of bytes to begin with */
#define MAX_SLOTS (2 * AN_CACHE_MAX_ENTRIES) /* keeps the load <= 1/2         */

/* One table slot; klen == 0 marks it empty (keys are never empty). */
typedef struct Slot {
  uint32_t hash;  /* an_hash of the key                          */
  uint32_t off;   /* arena offset of key, then fold, then stem   */
  uint16_t klen;  /* key bytes; 0 = empty slot                   */
  uint16_t flen;  /* fold bytes (<= SW_MAX_TOKEN_BYTES)          */
  uint16_t slen;  /* stem bytes (<= SW_MAX_TOKEN_BYTES)          */
  uint16_t flags; /* AN_* bits                                   */
} Slot;

struct AnStemCache {
  Slot *slots;      /* nslots slots, a power of two                    */
  size_t nslots;    /* table size                                      */
  size_t used;      /* live entries; 2 * used <= nslots                */
  char *arena;      /* entry bytes                                     */
  size_t arena_len; /* bytes in use                                    */
  size_t arena_cap; /* bytes allocated (<= AN_CACHE_MAX_ARENA)         */
  size_t resets;    /* times the cache was emptied                     */
};

/* The arena offset must fit a slot's uint32_t. */
_Static_assert(AN_CACHE_MAX_ARENA <= UINT32_MAX, "arena offsets are 32-bit");
_Static_assert(SW_MAX_TOKEN_BYTES <= UINT16_MAX, "lengths are 16-bit");

int an_stemcache_new(AnStemCache **out) {
  AnStemCache *c = sw_calloc(1, sizeof *c);
  if (!c) goto fail;
  c->slots = sw_calloc(INITIAL_SLOTS, sizeof *c->slots);
  c->arena = sw_malloc(INITIAL_ARENA);
  if (!c->slots || !c->arena) goto fail;
  c->nslots = INITIAL_SLOTS;
  c->arena_cap = INITIAL_ARENA;
  *out = c;
  return SW_OK;

fail:
  an_stemcache_free(c);
  *out = NULL;
  return SW_NOMEM;
}

void an_stemcache_free(AnStemCache *c) {
  if (!c) return;
  sw_free(c->slots);
  sw_free(c->arena);
  sw_free(c);
}

size_t an_stemcache_size(const AnStemCache *c) { return c->used; }
size_t an_stemcache_resets(const AnStemCache *c) { return c->resets; }

int an_stemcache_find(const AnStemCache *c, uint32_t hash, const char *key,
                      size_t klen, AnCacheHit *hit) {
  size_t mask = c->nslots - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot *s = &c->slots[i];
    if (s->klen == 0) return 0; /* the table is never full: this ends */
    if (s->hash == hash && s->klen == klen &&
        memcmp(c->arena + s->off, key, klen) == 0) {
      hit->fold = c->arena + s->off + s->klen;
      hit->fold_len = s->flen;
      hit->stem = hit->fold + s->flen;
      hit->stem_len = s->slen;
      hit->flags = s->flags;
      return 1;
    }
  }
}

/* Empty the cache, keeping its allocations. */
static void reset(AnStemCache *c) {
  memset(c->slots, 0, c->nslots * sizeof *c->slots);
  c->used = 0;
  c->arena_len = 0;
  c->resets++;
}

/* Index of the first empty slot on hash's probe path. */
static size_t free_slot(const Slot *slots, size_t nslots, uint32_t hash) {
  size_t mask = nslots - 1;
  size_t i = hash & mask;
  while (slots[i].klen != 0) i = (i + 1) & mask;
  return i;
}

/* Double the table and re-insert every entry. Returns 0 on success, -1 when
** the limit is reached or memory is short (the table is then unchanged). */
static int grow_table(AnStemCache *c) {
  size_t n = c->nslots * 2;
  if (n > MAX_SLOTS) return -1;
  Slot *slots = sw_calloc(n, sizeof *slots);
  if (!slots) return -1;
  for (size_t i = 0; i < c->nslots; i++) {
    if (c->slots[i].klen != 0)
      slots[free_slot(slots, n, c->slots[i].hash)] = c->slots[i];
  }
  sw_free(c->slots);
  c->slots = slots;
  c->nslots = n;
  return 0;
}

/* Make the arena hold need more bytes. Returns 0 on success, -1 when the
** limit is reached or memory is short (the arena is then unchanged). */
static int grow_arena(AnStemCache *c, size_t need) {
  size_t want = c->arena_len + need;
  if (want > AN_CACHE_MAX_ARENA) return -1;
  size_t cap = c->arena_cap * 2;
  if (cap > AN_CACHE_MAX_ARENA) cap = AN_CACHE_MAX_ARENA;
  if (cap < want) cap = want;
  char *arena = sw_realloc(c->arena, cap);
  if (!arena) return -1;
  c->arena = arena;
  c->arena_cap = cap;
  return 0;
}

void an_stemcache_put(AnStemCache *c, uint32_t hash, const char *key,
                      size_t klen, const char *fold, size_t fold_len,
                      const char *stem, size_t stem_len, unsigned flags) {
  if (klen == 0 || klen > AN_CACHE_KEY_MAX || fold_len > SW_MAX_TOKEN_BYTES ||
      stem_len > SW_MAX_TOKEN_BYTES)
    return;
  size_t need = klen + fold_len + stem_len;

  /* Room in the table, then in the arena. After a reset both have room:
  ** the table is empty and the arena (>= INITIAL_ARENA) holds any one entry. */
  if (2 * (c->used + 1) > c->nslots && grow_table(c) != 0) reset(c);
  if (c->arena_len + need > c->arena_cap && grow_arena(c, need) != 0) reset(c);

  char *dst = c->arena + c->arena_len;
  memcpy(dst, key, klen);
  memcpy(dst + klen, fold, fold_len);
  memcpy(dst + klen + fold_len, stem, stem_len);

  Slot *s = &c->slots[free_slot(c->slots, c->nslots, hash)];
  s->hash = hash;
  s->off = (uint32_t)c->arena_len;
  s->klen = (uint16_t)klen;
  s->flen = (uint16_t)fold_len;
  s->slen = (uint16_t)stem_len;
  s->flags = (uint16_t)flags;
  c->arena_len += need;
  c->used++;
}
