/*
** stemcache.c — the analyzer's stem cache: key -> (folded form, stem, flags)
** in a bounded open-addressing hash table. Interface: stemmer_int.h
** ("interface to stemcache.c"). It knows nothing of UTF-8, folding or
** stemming; analysis.c decides what the keys are and computes the values.
**
** Layout: a power-of-two array of 32-byte slots (32-byte aligned, so none
** straddles a cache line) probed linearly from hash & mask, kept at most
** half full. A slot holds its entry's bytes itself when they fit in
** SLOT_DATA bytes, which is nearly every word: the key, then the fold unless
** it equals the key (an ASCII word, or a non-ASCII word already lower-case
** and NFC), then the stem unless it is a prefix of the fold (Snowball Swedish
** only removes suffixes). So a lookup reads one cache line. Larger entries
** keep key, fold and stem back to back in a byte arena, the slot holding
** the arena offset; slots refer to the arena by offset, so growing the arena
** with sw_realloc never invalidates them. Nothing is ever deleted singly;
** the cache is emptied as a whole when full, which is what keeps linear
** probing simple (no tombstones).
*/
#include "stemmer_int.h"

#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define INITIAL_SLOTS ((size_t)1 << 12)      /* 128 KiB of slots at first    */
#define INITIAL_ARENA ((size_t)64 << 10)     /* 64 KiB of bytes at first     */
#define MAX_SLOTS (2 * AN_CACHE_MAX_ENTRIES) /* keeps the load <= 1/2        */
#define SLOT_DATA 24                         /* entry bytes held in a slot   */
#define HUGE_PAGE ((size_t)2 << 20)          /* transparent huge page size   */
#define SLOT_SLACK 64                        /* readable bytes after slots   */

/* Slot.meta: the AN_* flags in the low bits, then how the entry is stored. */
#define META_FLAGS 0x83        /* AN_* bits and AN_CACHED_UNSPLIT            */
#define META_LIVE 0x04         /* the slot holds an entry                    */
#define META_INLINE 0x08       /* bytes in data, else in the arena           */
#define META_FOLD_IS_KEY 0x10  /* inline: the fold is the key, not repeated  */
#define META_STEM_IN_FOLD 0x20 /* inline: the stem is the fold's prefix      */
#define META_STEM_256 0x40     /* the stem is 256 bytes long                 */

/* One table slot; meta == 0 marks it empty. Inline, data holds key[klen],
** then fold[flen] unless META_FOLD_IS_KEY, then stem[slen] unless
** META_STEM_IN_FOLD. Otherwise data starts with the u32 arena offset of
** key, fold and stem, back to back. Key and fold are 1..256 bytes, the stem
** 0..256: one byte each for their lengths. */
typedef struct Slot {
  uint32_t hash;          /* an_hash of the key                          */
  uint8_t klen1;          /* key bytes - 1                               */
  uint8_t flen1;          /* fold bytes - 1                              */
  uint8_t slen;           /* stem bytes, mod 256 (see META_STEM_256)     */
  uint8_t meta;           /* META_* bits and the AN_* flags              */
  char data[SLOT_DATA];   /* see above                                   */
} Slot;

struct AnStemCache {
  Slot *slots;      /* nslots slots, a power of two, 32-byte aligned   */
  void *slots_mem;  /* the allocation holding them                     */
  size_t nslots;    /* table size                                      */
  size_t used;      /* live entries; 2 * used <= nslots                */
  char *arena;      /* bytes of entries too big for a slot             */
  size_t arena_len; /* bytes in use                                    */
  size_t arena_cap; /* bytes allocated (<= AN_CACHE_MAX_ARENA)         */
  size_t resets;    /* times the cache was emptied                     */
};

/* The arena offset must fit a slot's uint32_t. */
_Static_assert(AN_CACHE_MAX_ARENA <= UINT32_MAX, "arena offsets are 32-bit");
_Static_assert(SW_MAX_TOKEN_BYTES == 256 && AN_CACHE_KEY_MAX <= 256,
               "key, fold and stem lengths are packed in a byte each");
_Static_assert(sizeof(Slot) == 32, "a slot is half a cache line");
_Static_assert(SLOT_SLACK >= AN_CACHE_READABLE, "slack for fixed-size reads");
_Static_assert((AN_STOP | AN_EXTRA | AN_CACHED_UNSPLIT) == META_FLAGS,
               "flags are stored in bits 0, 1 and 7 of meta");

/* n zeroed slots, 32-byte aligned (a large table on transparent huge pages:
** it is read at random, one slot per token). NULL when memory is short. */
static Slot *slots_alloc(size_t n, void **mem) {
  size_t bytes = n * sizeof(Slot);
  size_t align = bytes >= HUGE_PAGE ? HUGE_PAGE : 32;
  *mem = NULL;
  /* SLOT_SLACK zero bytes after the last slot: AN_CACHE_READABLE bytes
  ** from anywhere in a slot's data stay inside the allocation. Zeroed by
  ** calloc: a fresh mapping is zero already, and only the pages of slots
  ** used are ever touched (a search's analyzer uses a few dozen slots). */
  void *m = sw_calloc(1, bytes + align - 1 + SLOT_SLACK);
  if (!m) return NULL;
  uintptr_t p = ((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (align == HUGE_PAGE) madvise((void *)p, bytes, MADV_HUGEPAGE); /* advice */
#endif
  *mem = m;
  return (Slot *)p;
}

int an_stemcache_new(AnStemCache **out) {
  AnStemCache *c = sw_calloc(1, sizeof *c);
  if (!c) goto fail;
  c->slots = slots_alloc(INITIAL_SLOTS, &c->slots_mem);
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
  sw_free(c->slots_mem);
  sw_free(c->arena);
  sw_free(c);
}

size_t an_stemcache_size(const AnStemCache *c) { return c->used; }
size_t an_stemcache_resets(const AnStemCache *c) { return c->resets; }

/* The key bytes of a live slot. */
static inline const char *slot_key(const AnStemCache *c, const Slot *s) {
  if (s->meta & META_INLINE) return s->data;
  uint32_t off;
  memcpy(&off, s->data, sizeof off);
  return c->arena + off;
}

/* key bytes a[0..n) == b[0..n), n >= 1: short keys (nearly all) with two
** overlapping loads instead of a call to memcmp. Reads nothing outside. */
static inline int key_eq(const char *a, const char *b, size_t n) {
  if (n >= 8 && n <= 16) {
    uint64_t a0, b0, a1, b1;
    memcpy(&a0, a, 8);
    memcpy(&b0, b, 8);
    memcpy(&a1, a + n - 8, 8);
    memcpy(&b1, b + n - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  if (n >= 4 && n < 8) {
    uint32_t a0, b0, a1, b1;
    memcpy(&a0, a, 4);
    memcpy(&b0, b, 4);
    memcpy(&a1, a + n - 4, 4);
    memcpy(&b1, b + n - 4, 4);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  return memcmp(a, b, n) == 0;
}

int an_stemcache_find(const AnStemCache *c, uint32_t hash, const char *key,
                      size_t klen, AnCacheHit *hit) {
  size_t mask = c->nslots - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot *s = &c->slots[i];
    if (s->meta == 0) return 0; /* the table is never full: this ends */
    if (s->hash != hash || (size_t)s->klen1 + 1 != klen) continue;
    const char *k = slot_key(c, s);
    if (!key_eq(k, key, klen)) continue;
    unsigned meta = s->meta;
    size_t flen = (size_t)s->flen1 + 1;
    size_t slen = (meta & META_STEM_256) ? 256 : s->slen;
    const char *fold = k + klen, *stem = fold + flen;
    if (meta & META_INLINE) {
      if (meta & META_FOLD_IS_KEY) {
        fold = k;
        stem = k + klen;
      }
      if (meta & META_STEM_IN_FOLD) stem = fold;
    }
    hit->fold = fold;
    hit->fold_len = flen;
    hit->stem = stem;
    hit->stem_len = slen;
    hit->flags = meta & META_FLAGS;
    hit->readable32 = (meta & META_INLINE) != 0;
    return 1;
  }
}

void an_stemcache_prefetch(const AnStemCache *c, uint32_t hash) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(&c->slots[hash & (c->nslots - 1)]);
#else
  (void)c;
  (void)hash;
#endif
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
  while (slots[i].meta != 0) i = (i + 1) & mask;
  return i;
}

/* Double the table and re-insert every entry. Returns 0 on success, -1 when
** the limit is reached or memory is short (the table is then unchanged). */
static int grow_table(AnStemCache *c) {
  size_t n = c->nslots * 2;
  if (n > MAX_SLOTS) return -1;
  void *mem;
  Slot *slots = slots_alloc(n, &mem);
  if (!slots) return -1;
  for (size_t i = 0; i < c->nslots; i++) {
    if (c->slots[i].meta != 0)
      slots[free_slot(slots, n, c->slots[i].hash)] = c->slots[i];
  }
  sw_free(c->slots_mem);
  c->slots = slots;
  c->slots_mem = mem;
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
  if (klen == 0 || klen > AN_CACHE_KEY_MAX || fold_len == 0 ||
      fold_len > SW_MAX_TOKEN_BYTES || stem_len > SW_MAX_TOKEN_BYTES)
    return;
  /* What the slot would hold inline. */
  unsigned meta = META_LIVE | META_INLINE | (flags & META_FLAGS);
  size_t inline_len = klen;
  if (fold_len == klen && memcmp(fold, key, klen) == 0)
    meta |= META_FOLD_IS_KEY;
  else
    inline_len += fold_len;
  if (stem_len <= fold_len && memcmp(stem, fold, stem_len) == 0)
    meta |= META_STEM_IN_FOLD;
  else
    inline_len += stem_len;
  if (inline_len > SLOT_DATA)
    meta &= ~(unsigned)(META_INLINE | META_FOLD_IS_KEY | META_STEM_IN_FOLD);
  size_t need = (meta & META_INLINE) ? 0 : klen + fold_len + stem_len;

  /* Room in the table, then in the arena. After a reset both have room:
  ** the table is empty and the arena (>= INITIAL_ARENA) holds any one entry. */
  if (2 * (c->used + 1) > c->nslots && grow_table(c) != 0) reset(c);
  if (need && c->arena_len + need > c->arena_cap && grow_arena(c, need) != 0)
    reset(c);

  Slot *s = &c->slots[free_slot(c->slots, c->nslots, hash)];
  if (!need) {
    char *dst = s->data;
    memcpy(dst, key, klen);
    dst += klen;
    if (!(meta & META_FOLD_IS_KEY)) {
      memcpy(dst, fold, fold_len);
      dst += fold_len;
    }
    if (!(meta & META_STEM_IN_FOLD) && stem_len) memcpy(dst, stem, stem_len);
  } else {
    char *dst = c->arena + c->arena_len;
    memcpy(dst, key, klen);
    memcpy(dst + klen, fold, fold_len);
    if (stem_len) memcpy(dst + klen + fold_len, stem, stem_len);
    uint32_t off = (uint32_t)c->arena_len;
    memcpy(s->data, &off, sizeof off);
    c->arena_len += need;
  }
  if (stem_len == 256) meta |= META_STEM_256;
  s->hash = hash;
  s->klen1 = (uint8_t)(klen - 1);
  s->flen1 = (uint8_t)(fold_len - 1);
  s->slen = (uint8_t)stem_len; /* 256 -> 0, with META_STEM_256 */
  s->meta = (uint8_t)meta;
  c->used++;
}
