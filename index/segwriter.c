/*
** segwriter.c — building one segment: analysis of each document into
** in-memory postings, sorted runs when memory runs short, and at finish the
** merge into the segment's files and its manifest, all fsynced. Interface:
** index_int.h ("interface to segwriter.c"). Byte layouts belong to
** termdict.c, postings.c, docstore.c (FORMAT.md); what a segment becomes
** part of (commit points, deletions, merges) to writer.c.
**
** In memory, each distinct term of the current run has a record (where its
** chain is, the last doc and position added) stored directly in the slot of
** an open-addressing hash table, with the term's bytes beside it in the same
** 64-byte slot (terms up to WSLOT_KEY bytes; longer ones keep the rest in
** term_bytes), so a token's lookup costs one cache line, not three (slot,
** record, bytes). Its stream is a chain of byte chunks in a
** pool of 2 MiB pages. Chunks grow 16, 32, ... 4096 bytes; the last 4 bytes
** of a full chunk link to the next. Into the chain go tagged varints, in
** token order (this encoding is private to the writer and its runs):
**   varint(gap << 1 | 1)  a new document, gap = doc - previous doc - 1
**                         (previous doc = -1 at the start of a stream)
**   varint(delta << 1)    a position: the first of a document absolute,
**                         later ones the difference to the previous
** so adding a token is a hash probe and a few byte stores, never a malloc.
** Tokens are added in batches of WBATCH (add_batch), so that the cache
** misses of their slots and chain tails overlap.
**
** When the pool, terms and table exceed the memory budget (checked between
** documents), the terms are sorted and written with their chains to a run
** file "run-NNNN.tmp" in the new segment, and memory is reused. Doc ids
** only grow, so at commit a term's streams from successive runs concatenate
** in doc order: the merge reads the runs side by side and hands each term's
** streams, oldest first, to the postings encoder. With a single run (the
** usual case) nothing goes to disk: the encoder reads the chains directly.
**
** Adding a document is two steps (index.h, "analysed documents"):
** ix_doc_analyse runs the analysis chain into an IxAnalysed, a flat list of
** the tokens to index, and needs nothing of the writer, so a parallel build
** runs it on worker threads; ix_segw_add_analysed then puts those tokens into
** the table and the document into the store. ix_segw_add does both with the
** writer's own analyzer: one code path, so any thread count writes the same
** bytes.
*/
#define _GNU_SOURCE
#include "index_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define POOL_SHIFT 21                    /* 2 MiB pool pages (huge pages)  */
#define POOL_PAGE ((uint32_t)1 << POOL_SHIFT)
#define POOL_MAX_PAGES 2000u             /* u32 chunk refs: < 4 GiB        */
#define HUGE_PAGE ((size_t)2 << 20)      /* transparent huge page size     */
#define CHUNK_LEVELS 9                   /* 16 << 8 = 4096 bytes at most   */
#define DEFAULT_BUDGET ((size_t)256 << 20)
#define MAX_BUDGET ((size_t)2 << 30)

#define WSLOT_KEY 32                     /* term bytes held in a slot       */

/* Hints to start loading a cache line (for reading, for writing). */
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch((p))
#define PREFETCH_W(p) __builtin_prefetch((p), 1)
#else
#define PREFETCH(p) ((void)(p))
#define PREFETCH_W(p) ((void)(p))
#endif

/* One distinct term of the current run: a slot of the hash table, exactly
** one cache line. key holds the term's first WSLOT_KEY bytes, zero-padded
** (so a lookup compares whole words); a longer term also has all its bytes
** at text in term_bytes. len == 0 marks an empty slot (terms are never
** empty). Slots move when the table grows: nothing keeps a pointer to one
** across an insertion. */
typedef struct WSlot {
  uint32_t hash;            /* term_hash() of the term                    */
  uint16_t len;             /* term length, 0 = empty slot                */
  uint8_t level;            /* size level of the tail chunk               */
  uint8_t pad;              /* unused                                     */
  uint32_t head;            /* pool ref of its first chunk                */
  uint32_t tail;            /* pool ref where the next byte goes          */
  uint32_t end;             /* pool ref of the tail chunk's link field    */
  uint32_t last_doc;        /* last doc with this term, UINT32_MAX: none  */
  uint32_t last_pos;        /* last position in last_doc                  */
  uint32_t text;            /* len > WSLOT_KEY: offset in term_bytes      */
  uint64_t key[WSLOT_KEY / 8]; /* first bytes of the term, zero-padded    */
} WSlot;

_Static_assert(sizeof(WSlot) == 64, "a slot is one cache line");

#define WBATCH 64 /* tokens looked up together (see add_batch)           */
#define TABLE_MIN (1u << 12) /* slots of a new table: 256 KiB             */

/* One token of a batch. */
typedef struct WTok {
  uint64_t k[WSLOT_KEY / 8]; /* its term's first bytes, zero-padded      */
  uint32_t hash;             /* term_hash()                               */
  uint32_t pos;              /* its position                              */
  uint32_t slot;             /* its term's slot, once found               */
  uint16_t len;              /* term length (1..IX_MAX_TERM)              */
} WTok;

/* A stream segment handed to the encoder: one term's tagged varints from
** one run. */
typedef struct Seg {
  const uint8_t *p;   /* bytes                                          */
  size_t len;         /* length                                         */
} Seg;

/* A run file being merged. */
typedef struct RunCur {
  const uint8_t *p;    /* mapping (NULL for an empty run)              */
  size_t size;         /* its length                                   */
  size_t off;          /* next record                                  */
  const uint8_t *term; /* current term                                 */
  size_t term_len;
  Seg seg;             /* current term's stream                        */
  int eof;             /* 1 when no record is left                     */
  size_t dropped;      /* bytes before this are released (run_next)    */
  char path[4096];     /* for messages                                 */
} RunCur;

/* The merge reads each run once, front to back. Pages of a file mapping
** count in the process's RSS until unmapped, so the runs of a large build
** added their whole size to its peak (about 90 MB per 219 MB of text):
** run_next releases what lies behind the current record in steps of this
** many bytes. Were a page read again it would come back from the file. */
#define RUN_DROP_STEP ((size_t)8 << 20)
#define RUN_DROP_ALIGN ((size_t)4096) /* a multiple of the page size */

struct IxSegWriter {
  char *gendir;           /* the new segment directory (owned); "" once
                             it is not ours to remove                   */
  uint64_t gen;           /* its number                                 */
  size_t budget;          /* bytes of postings memory before a run      */
  int pos_zstd;           /* zstd level for positions blocks, 0 = raw   */
  float impact_k1;        /* BM25 k1, b of block impacts (0: none), as  */
  float impact_b;         /* the manifest stores them                   */
  int threads;            /* > 1: finish writes the doc store beside    */
  int rc;                 /* first error, SW_OK while healthy           */
  SwError first;          /* its message                                */
  AnAnalyzer *an;         /* the analysis chain (ix_segw_add)           */
  IxAnalysed *scratch;    /* ix_segw_add's analysed document            */

  uint8_t **pages;        /* pool pages, HUGE_PAGE-aligned in page_mem  */
  void **page_mem;        /* the allocations holding them (owned)       */
  uint32_t npages;        /* pages allocated                            */
  uint32_t page;          /* page being filled                          */
  uint32_t page_off;      /* bytes used in it                           */
  size_t pool_bytes;      /* bytes handed out since the last run        */

  WSlot *table;           /* terms of the current run, by hash (64-byte
                             aligned inside table_mem)                  */
  void *table_mem;        /* the allocation holding it (owned)          */
  uint32_t table_cap;     /* slots, a power of two                      */
  uint32_t nterms;        /* slots in use                               */
  IxBuf term_bytes;       /* bytes of the terms longer than WSLOT_KEY   */
  WTok batch[WBATCH];     /* tokens being added (ingest)                */
  uint8_t batch_long[WBATCH * IX_MAX_TERM]; /* their whole terms, for
                             those longer than WSLOT_KEY                */

  uint32_t nruns;         /* runs written                               */
  uint32_t run_docs;      /* documents since the last run               */
  IxDocWriter docs;       /* document store                             */
  uint32_t ndocs;         /* documents added                            */
  uint64_t tokens;        /* tokens indexed                             */
  uint64_t text_bytes;    /* title + text bytes                         */
  uint64_t nterms_total;  /* distinct terms written by the final merge  */
};

static inline uint8_t *pool_ptr(const IxSegWriter *w, uint32_t ref) {
  return w->pages[ref >> POOL_SHIFT] + (ref & (POOL_PAGE - 1));
}

static inline uint32_t chunk_size(unsigned level) { return 16u << level; }

static int fail(IxSegWriter *w, int rc, SwError *err) {
  /* Keep the first error; later calls report it again. */
  if (w->rc == SW_OK) {
    w->rc = rc;
    if (err && err->code != SW_OK) w->first = *err;
    else sw_error_set(&w->first, rc, "%s", sw_strerror(rc));
  }
  return rc;
}

/* --------------------------------------------------------------- memory -- */

/* n bytes aligned to align (a power of two) inside a new allocation, whose
** start goes to *mem (to free). With align = HUGE_PAGE the kernel is asked
** for transparent huge pages: the term table and the pool are written at
** random places all over, and with 4 KiB pages most tokens would miss the
** TLB as well as the cache. Only an advice: without it the memory works the
** same. The slack before the aligned start is never touched. */
static void *alloc_aligned(size_t n, size_t align, void **mem) {
  *mem = NULL;
  if (n > SIZE_MAX - align) return NULL;
  void *m = sw_malloc(n + align - 1);
  if (!m) return NULL;
  uintptr_t p = ((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1);
#ifdef MADV_HUGEPAGE
  if (align == HUGE_PAGE && n >= HUGE_PAGE)
    madvise((void *)p, n & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
#endif
  *mem = m;
  return (void *)p;
}

static int chunk_alloc(IxSegWriter *w, uint32_t size, uint32_t *ref) {
  if (w->npages == 0 || w->page_off + size > POOL_PAGE) {
    uint32_t next = w->npages == 0 ? 0 : w->page + 1;
    if (next >= POOL_MAX_PAGES) return SW_LIMIT;
    if (next >= w->npages) {
      uint8_t **pp = sw_realloc(w->pages, (size_t)(next + 1) * sizeof *pp);
      if (!pp) return SW_NOMEM;
      w->pages = pp;
      void **pm = sw_realloc(w->page_mem, (size_t)(next + 1) * sizeof *pm);
      if (!pm) return SW_NOMEM;
      w->page_mem = pm;
      w->pages[next] = alloc_aligned(POOL_PAGE, HUGE_PAGE, &pm[next]);
      if (!w->pages[next]) return SW_NOMEM;
      w->npages = next + 1;
    }
    w->page = next;
    w->page_off = 0;
  }
  *ref = w->page << POOL_SHIFT | w->page_off;
  w->page_off += size;
  w->pool_bytes += size;
  return SW_OK;
}

static size_t mem_used(const IxSegWriter *w) {
  return w->pool_bytes + (size_t)w->table_cap * sizeof(WSlot) +
         w->term_bytes.len;
}

/* Appends n bytes to t's chain. */
static int term_put(IxSegWriter *w, WSlot *t, const uint8_t *b, size_t n) {
  if (t->end - t->tail >= n) {
    memcpy(pool_ptr(w, t->tail), b, n);
    t->tail += (uint32_t)n;
    return SW_OK;
  }
  for (size_t i = 0; i < n; i++) {
    if (t->tail == t->end) {
      unsigned level = t->level + 1u < CHUNK_LEVELS ? t->level + 1u : t->level;
      uint32_t ref, size = chunk_size(level);
      int rc = chunk_alloc(w, size, &ref);
      if (rc) return rc;
      ix_put_u32(pool_ptr(w, t->end), ref);
      t->tail = ref;
      t->end = ref + size - 4;
      t->level = (uint8_t)level;
    }
    *pool_ptr(w, t->tail++) = b[i];
  }
  return SW_OK;
}

/* Calls fn on each piece of t's chain, in order. */
static int term_walk(const IxSegWriter *w, const WSlot *t,
                     int (*fn)(void *, const uint8_t *, size_t), void *ctx) {
  uint32_t ref = t->head;
  unsigned level = 0;
  for (;;) {
    uint32_t end = ref + chunk_size(level) - 4;
    if (t->tail >= ref && t->tail <= end)
      return fn(ctx, pool_ptr(w, ref), t->tail - ref);
    int rc = fn(ctx, pool_ptr(w, ref), end - ref);
    if (rc) return rc;
    ref = ix_get_u32(pool_ptr(w, end));
    if (level + 1 < CHUNK_LEVELS) level++;
  }
}

/* The bytes of the term in slot t. */
static inline const uint8_t *slot_term(const IxSegWriter *w, const WSlot *t) {
  return t->len > WSLOT_KEY ? w->term_bytes.p + t->text
                            : (const uint8_t *)t->key;
}

static inline uint64_t mix64(uint64_t h) { /* MurmurHash3's finaliser */
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

/* The hash of a term: its first WSLOT_KEY bytes as zero-padded words k
** (little-endian or not: only this process sees it), its length, and for a
** longer term the rest of its bytes. Private to the writer's table. */
static uint32_t term_hash(const uint64_t k[WSLOT_KEY / 8], const uint8_t *term,
                          size_t len) {
  const uint64_t m = 0x9e3779b97f4a7c15ull;
  uint64_t h = (k[0] ^ (uint64_t)len * m) * m;
  if (len > 8) {
    h = (h ^ (h >> 29) ^ k[1]) * m;
    if (len > 16) h = (h ^ (h >> 29) ^ k[2] ^ k[3] * m) * m;
  }
  for (size_t i = WSLOT_KEY; i < len; i += 8) {
    uint64_t v = 0;
    memcpy(&v, term + i, len - i < 8 ? len - i : 8);
    h = (h ^ (h >> 29) ^ v) * m;
  }
  return (uint32_t)mix64(h);
}

/* n = 1..8 bytes at p as a little-endian word, without reading past
** p[n - 1]: two overlapping loads, or three single bytes. */
static inline uint64_t load_tail(const uint8_t *p, size_t n) {
  if (n >= 4) {
    uint32_t a, b;
    memcpy(&a, p, 4);
    memcpy(&b, p + n - 4, 4);
    return a | (uint64_t)b << (8 * (n - 4));
  }
  return p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) |
         (uint64_t)p[n - 1] << (8 * (n - 1));
}

/* k = the first WSLOT_KEY bytes of term[0..len), zero-padded, as the
** words a slot's key holds (its bytes in memory order). */
static inline void key_load(uint64_t k[WSLOT_KEY / 8], const uint8_t *term,
                            size_t len) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  /* Whole-word loads: byte stores followed by word loads would stall on
  ** store forwarding once per token. */
  size_t n = len < WSLOT_KEY ? len : WSLOT_KEY, i = 0;
  for (; i + 8 <= n; i += 8) memcpy(&k[i / 8], term + i, 8);
  if (i < n) {
    k[i / 8] = load_tail(term + i, n - i);
    i += 8;
  }
  for (; i < WSLOT_KEY; i += 8) k[i / 8] = 0;
#else
  memset(k, 0, WSLOT_KEY);
  memcpy(k, term, len < WSLOT_KEY ? len : WSLOT_KEY);
#endif
}

static void table_set(IxSegWriter *w, WSlot *t, void *mem, uint32_t cap) {
  sw_free(w->table_mem);
  w->table_mem = mem;
  w->table = t;
  w->table_cap = cap;
}

/* Doubles the table (or makes the first one) and re-inserts every slot. */
static int table_grow(IxSegWriter *w) {
  uint32_t cap = w->table_cap ? w->table_cap * 2 : TABLE_MIN;
  /* 2^26 slots are 4 GiB; a 32-bit size_t allows less. */
  if (cap == 0 || cap > (1u << 26) ||
      (uint64_t)cap * sizeof(WSlot) >= SIZE_MAX / 2)
    return SW_LIMIT;
  size_t bytes = (size_t)cap * sizeof(WSlot);
  void *mem;
  WSlot *t = alloc_aligned(bytes, bytes >= HUGE_PAGE ? HUGE_PAGE : 64, &mem);
  if (!t) return SW_NOMEM;
  memset(t, 0, bytes);
  for (uint32_t i = 0; i < w->table_cap; i++) {
    const WSlot *o = &w->table[i];
    if (!o->len) continue;
    uint32_t s = o->hash & (cap - 1);
    while (t[s].len) s = (s + 1) & (cap - 1);
    t[s] = *o;
  }
  table_set(w, t, mem, cap);
  return SW_OK;
}

/* Makes room for WBATCH more terms at a load of at most one half, so that
** no slot moves while a batch is being added. */
static int table_room(IxSegWriter *w) {
  while ((uint64_t)(w->nterms + WBATCH) * 2 > w->table_cap) {
    int rc = table_grow(w);
    if (rc) return rc;
  }
  return SW_OK;
}

/* The slot of token b's term, created if new (table_room() must have made
** room). */
static int term_slot(IxSegWriter *w, const WTok *b, const uint8_t *term,
                     uint32_t *out) {
  uint32_t mask = w->table_cap - 1, s = b->hash & mask;
  size_t len = b->len;
  for (;;) {
    WSlot *t = &w->table[s];
    if (!t->len) break;
    if (t->hash == b->hash && t->len == len &&
        ((t->key[0] ^ b->k[0]) | (t->key[1] ^ b->k[1]) |
         (t->key[2] ^ b->k[2]) | (t->key[3] ^ b->k[3])) == 0 &&
        (len <= WSLOT_KEY ||
         memcmp(w->term_bytes.p + t->text + WSLOT_KEY, term + WSLOT_KEY,
                len - WSLOT_KEY) == 0)) {
      *out = s;
      return SW_OK;
    }
    s = (s + 1) & mask;
  }
  /* New term. */
  WSlot *t = &w->table[s];
  uint32_t head, text = 0;
  int rc = chunk_alloc(w, chunk_size(0), &head);
  if (rc) return rc;
  if (len > WSLOT_KEY) {
    if (w->term_bytes.len + len > UINT32_MAX) return SW_LIMIT;
    text = (uint32_t)w->term_bytes.len;
    if (ix_buf_append(&w->term_bytes, term, len)) return SW_NOMEM;
  }
  t->hash = b->hash;
  t->len = (uint16_t)len;
  t->level = 0;
  t->pad = 0;
  t->head = t->tail = head;
  t->end = head + chunk_size(0) - 4;
  t->last_doc = UINT32_MAX;
  t->last_pos = 0;
  t->text = text;
  memcpy(t->key, b->k, sizeof t->key);
  w->nterms++;
  *out = s;
  return SW_OK;
}

/* Appends one occurrence (doc, pos) to t's chain. */
static inline int term_add(IxSegWriter *w, WSlot *t, uint32_t doc, uint32_t pos) {
  /* At most two 5-byte varints: a 32-bit value shifted by one. */
  uint8_t b[10], *p = b;
  int direct = t->end - t->tail >= sizeof b;
  if (direct) p = pool_ptr(w, t->tail);
  size_t n;
  if (t->last_doc != doc) {
    n = ix_varint_put(p, (uint64_t)(uint32_t)(doc - t->last_doc - 1) << 1 | 1);
    n += ix_varint_put(p + n, (uint64_t)pos << 1);
    t->last_doc = doc;
  } else {
    if (pos <= t->last_pos) return SW_OK; /* not ascending: drop */
    n = ix_varint_put(p, (uint64_t)(pos - t->last_pos) << 1);
  }
  t->last_pos = pos;
  if (direct) {
    t->tail += (uint32_t)n;
    return SW_OK;
  }
  return term_put(w, t, b, n);
}

/* Adds the nb tokens of w->batch to doc. Three passes, so that the cache
** misses of different tokens overlap instead of following each other: the
** slots were prefetched as the batch was filled; the first pass finds or
** creates each token's slot and prefetches where its chain continues; the
** second appends the occurrences in token order. */
static int add_batch(IxSegWriter *w, uint32_t nb, uint32_t doc) {
  for (uint32_t i = 0; i < nb; i++) {
    WTok *b = &w->batch[i];
    const uint8_t *term = w->batch_long + (size_t)i * IX_MAX_TERM;
    int rc = term_slot(w, b, term, &b->slot);
    if (rc) return rc;
    PREFETCH_W(pool_ptr(w, w->table[b->slot].tail));
  }
  for (uint32_t i = 0; i < nb; i++) {
    int rc = term_add(w, &w->table[w->batch[i].slot], doc, w->batch[i].pos);
    if (rc) return rc;
  }
  return SW_OK;
}

/* --------------------------------------------------------------- sorting -- */

typedef struct SortEnt {
  uint64_t key;       /* first 8 bytes, big-endian, zero-padded */
  const uint8_t *p;   /* the term                                */
  uint32_t len;       /* its length                              */
  uint32_t id;        /* its slot in the table                   */
} SortEnt;

static int sort_cmp(const void *a, const void *b) {
  const SortEnt *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  size_t m = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->p, y->p, m);
  if (c) return c;
  return x->len < y->len ? -1 : x->len > y->len;
}

static SortEnt *sorted_terms(const IxSegWriter *w) {
  SortEnt *s = sw_malloc((size_t)(w->nterms ? w->nterms : 1) * sizeof *s);
  if (!s) return NULL;
  uint32_t n = 0;
  for (uint32_t i = 0; i < w->table_cap; i++) {
    const WSlot *t = &w->table[i];
    if (!t->len) continue;
    const uint8_t *p = slot_term(w, t);
    uint64_t k = 0;
    for (unsigned j = 0; j < 8; j++)
      k = k << 8 | (j < t->len ? p[j] : 0);
    s[n].key = k;
    s[n].p = p;
    s[n].len = t->len;
    s[n].id = i;
    n++;
  }
  /* LSD radix sort on the 8-byte keys (one byte a pass, passes where all
  ** keys agree skipped), then the rare runs of equal keys by qsort: several
  ** times faster than qsort alone for 200,000 terms. */
  SortEnt *tmp = n > 1 ? sw_malloc((size_t)n * sizeof *tmp) : NULL;
  if (!tmp) {
    qsort(s, n, sizeof *s, sort_cmp);
    return s;
  }
  SortEnt *a = s, *b = tmp;
  for (unsigned shift = 0; shift < 64; shift += 8) {
    uint32_t count[256] = {0};
    for (uint32_t i = 0; i < n; i++) count[a[i].key >> shift & 0xff]++;
    if (count[a[0].key >> shift & 0xff] == n) continue;
    uint32_t sum = 0;
    for (unsigned d = 0; d < 256; d++) {
      uint32_t c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (uint32_t i = 0; i < n; i++)
      b[count[a[i].key >> shift & 0xff]++] = a[i];
    SortEnt *t = a;
    a = b;
    b = t;
  }
  if (a != s) memcpy(s, a, (size_t)n * sizeof *s);
  sw_free(tmp);
  for (uint32_t i = 0; i < n;) {
    uint32_t j = i + 1;
    while (j < n && s[j].key == s[i].key) j++;
    if (j - i > 1) qsort(s + i, j - i, sizeof *s, sort_cmp);
    i = j;
  }
  return s;
}

/* ------------------------------------------------------------------ runs -- */

static void run_path(char *buf, size_t cap, const IxSegWriter *w, uint32_t i) {
  snprintf(buf, cap, "%s/run-%04u.tmp", w->gendir, i);
}

static int out_piece(void *ctx, const uint8_t *p, size_t n) {
  void **a = ctx;
  return ix_out_write(a[0], p, n, a[1]);
}

static int count_piece(void *ctx, const uint8_t *p, size_t n) {
  (void)p;
  *(size_t *)ctx += n;
  return SW_OK;
}

static void reset_memory(IxSegWriter *w) {
  w->nterms = 0;
  /* Back to a small table: mem_used() counts the table's capacity, and a
  ** large empty one would leave a small budget no room for the next run. */
  void *mem;
  WSlot *t = w->table_cap > TABLE_MIN
                 ? alloc_aligned((size_t)TABLE_MIN * sizeof(WSlot), 64, &mem)
                 : NULL;
  if (t) table_set(w, t, mem, TABLE_MIN);
  if (w->table) memset(w->table, 0, (size_t)w->table_cap * sizeof *w->table);
  w->term_bytes.len = 0;
  w->page = 0;
  w->page_off = 0;
  w->pool_bytes = 0;
  w->run_docs = 0;
}

/* Run file: { varint(len) term varint(stream_len) stream }*, sorted. */
static int flush_run(IxSegWriter *w, SwError *err) {
  char path[4096];
  run_path(path, sizeof path, w, w->nruns);
  SortEnt *s = sorted_terms(w);
  if (!s) return sw_error_set(err, SW_NOMEM, "out of memory sorting terms");
  IxOut o;
  int rc = ix_out_open(&o, path, NULL, err);
  for (uint32_t i = 0; rc == SW_OK && i < w->nterms; i++) {
    const WSlot *t = &w->table[s[i].id];
    uint8_t b[2 * IX_VARINT_MAX];
    size_t n = 0, len = 0;
    term_walk(w, t, count_piece, &len);
    n = ix_varint_put(b, t->len);
    if ((rc = ix_out_write(&o, b, n, err)) ||
        (rc = ix_out_write(&o, s[i].p, t->len, err)))
      break;
    n = ix_varint_put(b, len);
    if ((rc = ix_out_write(&o, b, n, err))) break;
    void *ctx[2] = {&o, err};
    rc = term_walk(w, t, out_piece, ctx);
  }
  if (rc == SW_OK) rc = ix_out_flush(&o, err); /* temporary: no fsync */
  ix_out_discard(&o);
  sw_free(s);
  if (rc) return rc;
  w->nruns++;
  reset_memory(w);
  return SW_OK;
}

static int run_open(RunCur *c, const char *path, SwError *err) {
  memset(c, 0, sizeof *c);
  snprintf(c->path, sizeof c->path, "%s", path);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sw_error_errno(err, errno, "open", path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int rc = sw_error_errno(err, errno, "stat", path);
    close(fd);
    return rc;
  }
  c->size = (size_t)st.st_size;
  if (c->size) {
    void *p = mmap(NULL, c->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int rc = sw_error_errno(err, errno, "mmap", path);
      close(fd);
      return rc;
    }
    madvise(p, c->size, MADV_SEQUENTIAL);
    c->p = p;
  }
  close(fd);
  return SW_OK;
}

static void run_close(RunCur *c) {
  if (c->p) munmap((void *)c->p, c->size);
  c->p = NULL;
}

static int run_next(RunCur *c, SwError *err) {
  if (c->off >= c->size) {
    c->eof = 1;
    return SW_OK;
  }
  uint64_t tl, sl;
  size_t at = c->off;
  if (at - c->dropped >= RUN_DROP_STEP) {
    size_t to = at & ~(RUN_DROP_ALIGN - 1);
    madvise((void *)(c->p + c->dropped), to - c->dropped, MADV_DONTNEED);
    c->dropped = to;
  }
  if (ix_varint_get(c->p, c->size, &c->off, &tl) || tl == 0 ||
      tl > IX_MAX_TERM || tl > c->size - c->off)
    return ix_corrupt(err, c->path, at, "bad term in run file");
  c->term = c->p + c->off;
  c->term_len = (size_t)tl;
  c->off += (size_t)tl;
  if (ix_varint_get(c->p, c->size, &c->off, &sl) || sl == 0 ||
      sl > c->size - c->off)
    return ix_corrupt(err, c->path, at, "bad stream in run file");
  c->seg.p = c->p + c->off;
  c->seg.len = (size_t)sl;
  c->off += (size_t)sl;
  return SW_OK;
}

/* -------------------------------------------------------------- encoding -- */

/* State of the final encoding pass. */
typedef struct Final {
  IxPostEnc enc;        /* postings encoder                    */
  IxDictWriter dict;    /* dictionary                          */
  IxOut post;           /* postings file                       */
  IxOut pos;            /* positions file                      */
  uint32_t *posv;       /* positions of one doc                */
  size_t posv_cap;
  IxBuf gather;         /* one term's chain, contiguous        */
} Final;

static int emit_doc(IxSegWriter *w, Final *f, int64_t doc, size_t npos,
                    const char *src, SwError *err) {
  if (doc < 0) return SW_OK;
  if (npos == 0 || npos > UINT32_MAX)
    return sw_error_set(err, SW_CORRUPT, "%s: document %lld without positions",
                        src, (long long)doc);
  (void)w;
  return ix_postenc_add(&f->enc, (uint32_t)doc, f->posv, (uint32_t)npos, err);
}

static int encode_term(IxSegWriter *w, Final *f, const uint8_t *term, size_t len,
                       const Seg *segs, size_t nseg, const char *src,
                       SwError *err) {
  int rc;
  ix_postenc_begin(&f->enc);
  for (size_t s = 0; s < nseg; s++) {
    const uint8_t *p = segs[s].p;
    size_t n = segs[s].len, o = 0, npos = 0;
    int64_t prev = -1, doc = -1;
    uint64_t last = 0;
    while (o < n) {
      uint64_t v;
      if (ix_varint_get(p, n, &o, &v))
        return sw_error_set(err, SW_CORRUPT, "%s: truncated stream", src);
      if (!(v & 1))
        return sw_error_set(err, SW_CORRUPT, "%s: position before a doc", src);
      if ((rc = emit_doc(w, f, doc, npos, src, err))) return rc;
      uint64_t d = (uint64_t)(prev + 1) + (v >> 1);
      if (d >= w->ndocs)
        return sw_error_set(err, SW_CORRUPT, "%s: doc id out of range", src);
      doc = prev = (int64_t)d;
      npos = 0;
      /* The doc's positions, up to the next doc: a varint's tag bit is the
      ** low bit of its first byte. Position deltas take one or two bytes
      ** about equally often, so those are decoded without a branch. */
      while (o < n && !(p[o] & 1)) {
        uint64_t delta;
        if (o + 1 < n && !(p[o] & p[o + 1] & 0x80)) {
          uint32_t b0 = p[o], b1 = p[o + 1], two = b0 >> 7;
          delta = ((b0 & 0x7fu) | ((b1 << 7) & (0u - two))) >> 1;
          o += 1 + two;
        } else {
          if (ix_varint_get(p, n, &o, &v))
            return sw_error_set(err, SW_CORRUPT, "%s: truncated stream", src);
          delta = v >> 1;
        }
        uint64_t p2 = npos ? last + delta : delta;
        if (p2 > UINT32_MAX || (npos && delta == 0))
          return sw_error_set(err, SW_CORRUPT, "%s: bad position", src);
        if (npos == f->posv_cap) {
          size_t cap = f->posv_cap ? f->posv_cap * 2 : 1024;
          uint32_t *nv = sw_realloc(f->posv, cap * sizeof *nv);
          if (!nv) return sw_error_set(err, SW_NOMEM, "out of memory (positions)");
          f->posv = nv;
          f->posv_cap = cap;
        }
        f->posv[npos++] = (uint32_t)p2;
        last = p2;
      }
    }
    if ((rc = emit_doc(w, f, doc, npos, src, err))) return rc;
  }
  if ((rc = ix_postenc_finish(&f->enc, err))) return rc;
  IxTermEntry e = f->enc.e;
  e.post_off = ix_out_tell(&f->post);
  e.pos_off = ix_out_tell(&f->pos);
  if ((rc = ix_out_write(&f->post, f->enc.post.p, f->enc.post.len, err)) ||
      (rc = ix_out_write(&f->pos, f->enc.pos.p, f->enc.pos.len, err)))
    return rc;
  return ix_dictw_add(&f->dict, term, len, &e, err);
}

static int gather_piece(void *ctx, const uint8_t *p, size_t n) {
  return ix_buf_append(ctx, p, n);
}

/* Terms straight from memory (no runs). */
static int encode_memory(IxSegWriter *w, Final *f, SwError *err) {
  SortEnt *s = sorted_terms(w);
  if (!s) return sw_error_set(err, SW_NOMEM, "out of memory sorting terms");
  int rc = SW_OK;
  for (uint32_t i = 0; i < w->nterms && rc == SW_OK; i++) {
    f->gather.len = 0;
    if (term_walk(w, &w->table[s[i].id], gather_piece, &f->gather)) {
      rc = sw_error_set(err, SW_NOMEM, "out of memory (postings)");
      break;
    }
    Seg seg = {f->gather.p, f->gather.len};
    rc = encode_term(w, f, s[i].p, s[i].len, &seg, 1, "writer memory", err);
  }
  sw_free(s);
  return rc;
}

/* The k-way merge of the runs. */
static int encode_runs(IxSegWriter *w, Final *f, SwError *err) {
  uint32_t k = w->nruns;
  RunCur *c = sw_calloc(k, sizeof *c);
  Seg *segs = sw_calloc(k, sizeof *segs);
  int rc = SW_OK;
  if (!c || !segs) {
    rc = sw_error_set(err, SW_NOMEM, "out of memory merging runs");
    goto done;
  }
  for (uint32_t i = 0; i < k && rc == SW_OK; i++) {
    char path[4096];
    run_path(path, sizeof path, w, i);
    if ((rc = run_open(&c[i], path, err)) == SW_OK) rc = run_next(&c[i], err);
  }
  while (rc == SW_OK) {
    /* Smallest current term; runs holding it, in run (= doc) order. */
    const RunCur *min = NULL;
    for (uint32_t i = 0; i < k; i++) {
      if (c[i].eof) continue;
      if (!min) { min = &c[i]; continue; }
      size_t m = c[i].term_len < min->term_len ? c[i].term_len : min->term_len;
      int cmp = memcmp(c[i].term, min->term, m);
      if (cmp < 0 || (cmp == 0 && c[i].term_len < min->term_len)) min = &c[i];
    }
    if (!min) break;
    uint8_t term[IX_MAX_TERM];
    size_t len = min->term_len, nseg = 0;
    memcpy(term, min->term, len);
    for (uint32_t i = 0; i < k; i++)
      if (!c[i].eof && c[i].term_len == len && !memcmp(c[i].term, term, len))
        segs[nseg++] = c[i].seg;
    rc = encode_term(w, f, term, len, segs, nseg, "writer run", err);
    for (uint32_t i = 0; i < k && rc == SW_OK; i++)
      if (!c[i].eof && c[i].term_len == len && !memcmp(c[i].term, term, len)) {
        /* Runs are sorted and unique: the next term must be larger. */
        rc = run_next(&c[i], err);
        if (rc == SW_OK && !c[i].eof) {
          size_t m = c[i].term_len < len ? c[i].term_len : len;
          int cmp = memcmp(c[i].term, term, m);
          if (cmp < 0 || (cmp == 0 && c[i].term_len <= len))
            rc = ix_corrupt(err, c[i].path, c[i].off, "run terms out of order");
        }
      }
  }
done:
  for (uint32_t i = 0; c && i < k; i++) {
    char path[4096];
    run_close(&c[i]);
    run_path(path, sizeof path, w, i);
    unlink(path);
  }
  sw_free(c);
  sw_free(segs);
  return rc;
}

/* ------------------------------------------------------------------ API -- */

int ix_segw_begin(const char *segdir, uint64_t num,
                  const IxWriterOptions *opts, IxSegWriter **out,
                  SwError *err) {
  *out = NULL;
  IxSegWriter *w = sw_calloc(1, sizeof *w);
  if (!w) return sw_error_set(err, SW_NOMEM, "out of memory (writer)");
  w->docs.raw.fd = -1;
  size_t b = opts && opts->mem_budget ? opts->mem_budget : DEFAULT_BUDGET;
  w->budget = b > MAX_BUDGET ? MAX_BUDGET : b;
  w->pos_zstd = opts ? opts->positions_zstd : IX_POS_ZSTD_LEVEL;
  w->threads = opts ? opts->threads : 0;
  /* Stored as floats in the manifest: computed with exactly those. */
  if (opts && opts->impact_k1 > 0) {
    w->impact_k1 = (float)opts->impact_k1;
    w->impact_b = (float)opts->impact_b;
  }
  w->gen = num;
  int rc;
  w->gendir = sw_strndup(segdir, strlen(segdir));
  if (!w->gendir) {
    rc = sw_error_set(err, SW_NOMEM, "out of memory (writer)");
    goto fail;
  }
  if (mkdir(w->gendir, 0755) != 0) {
    rc = sw_error_errno(err, errno, "mkdir", w->gendir);
    w->gendir[0] = '\0'; /* not ours to remove */
    goto fail;
  }
  if ((rc = ix_docw_init(&w->docs, w->gendir, err))) goto fail;
  w->docs.threads = w->threads; /* after init, which zeroes w->docs */
  if ((rc = ix_analyzer_new(&w->an, err)) ||
      (rc = ix_analysed_new(&w->scratch, err)))
    goto fail;
  if ((rc = table_grow(w))) {
    rc = sw_error_set(err, rc, "out of memory (writer)");
    goto fail;
  }
  *out = w;
  return SW_OK;
fail:
  ix_segw_abort(w);
  return rc;
}

uint32_t ix_segw_docs(const IxSegWriter *w) { return w ? w->ndocs : 0; }

/* One token of term[0..tl) at pos into the batch slot nb. */
static inline void batch_put(IxSegWriter *w, uint32_t nb, const char *term,
                             size_t tl, uint32_t pos, uint32_t mask) {
  WTok *b = &w->batch[nb];
  key_load(b->k, (const uint8_t *)term, tl);
  if (tl > WSLOT_KEY)
    memcpy(w->batch_long + (size_t)nb * IX_MAX_TERM, term, tl);
  b->len = (uint16_t)tl;
  b->pos = pos;
  b->hash = term_hash(b->k, (const uint8_t *)term, tl);
  PREFETCH(&w->table[b->hash & mask]);
}

/* ------------------------------------------------------ analysed docs -- */

/* Token record of an analysed document, in the order add_batch gets them:
**   u8 len - 1 | 4 bytes position (native order: never leaves the process)
**   | len bytes of the term (1..IX_MAX_TERM)
** Title words come with their AN_NS_TITLE twin right after them, the text's
** tokens follow, then the facet terms at position 0: exactly the stream the
** writer indexes, so ingesting it is a loop of batch_put/add_batch. */
#define TOK_HEAD 5
#define TOK_MAX (TOK_HEAD + IX_MAX_TERM) /* one record at most             */
#define ANALYSED_KEEP ((size_t)4 << 20)  /* capacity kept between documents */

struct IxAnalysed {
  uint8_t *p;        /* token records (owned)                             */
  size_t len;        /* bytes used                                        */
  size_t cap;        /* bytes allocated                                   */
  uint32_t nt;       /* words of the title                                */
  uint32_t nx;       /* words of the text                                 */
  size_t invalid;    /* invalid UTF-8 sequences replaced                  */
  int rc;            /* SW_OK, or why ix_doc_analyse failed               */
};

int ix_analysed_new(IxAnalysed **out, SwError *err) {
  *out = sw_calloc(1, sizeof **out);
  if (*out) return SW_OK;
  return sw_error_set(err, SW_NOMEM, "out of memory (analysed document)");
}

void ix_analysed_free(IxAnalysed *a) {
  if (!a) return;
  sw_free(a->p);
  sw_free(a);
}

size_t ix_analysed_bytes(const IxAnalysed *a) { return a ? a->len : 0; }

/* Give back the buffer of an unusually large document. */
static void analysed_trim(IxAnalysed *a) {
  if (a->cap <= ANALYSED_KEEP) return;
  sw_free(a->p);
  a->p = NULL;
  a->len = a->cap = 0;
}

void ix_analysed_trim(IxAnalysed *a) {
  if (a) analysed_trim(a);
}

/* Room for n more bytes. */
static int analysed_room(IxAnalysed *a, size_t n) {
  if (a->cap - a->len >= n) return SW_OK;
  size_t cap = a->cap ? a->cap : 4096;
  while (cap - a->len < n) {
    if (cap > SIZE_MAX / 2) return SW_NOMEM;
    cap *= 2;
  }
  uint8_t *p = sw_realloc(a->p, cap);
  if (!p) return SW_NOMEM;
  a->p = p;
  a->cap = cap;
  return SW_OK;
}

/* Appends a record: prefix (0 = none) then term[0..tl); room was made. */
static inline void analysed_put(IxAnalysed *a, char prefix, const char *term,
                                size_t tl, uint32_t pos) {
  uint8_t *o = a->p + a->len;
  size_t n = tl + (prefix != 0);
  o[0] = (uint8_t)(n - 1);
  memcpy(o + 1, &pos, 4);
  if (prefix) o[TOK_HEAD] = (uint8_t)prefix;
  memcpy(o + TOK_HEAD + (prefix != 0), term, tl);
  a->len += TOK_HEAD + n;
}

int ix_analyzer_new(AnAnalyzer **out, SwError *err) {
  int rc = an_new(out, err);
  if (rc == SW_OK) an_set_extras(*out, AN_WITH_IDENTS | AN_WITH_PARTS);
  return rc;
}

/* Analyse s[0..len) from position first into a. In a title (title = 1)
** every word is also indexed as its title-field term: AN_NS_TITLE + term at
** the same position (FORMAT.md §3), which BM25F ranking weighs
** (engine/eval.c). *count = the words (extra terms are not words). */
static int analyse(AnAnalyzer *an, IxAnalysed *a, const char *s, size_t len,
                   uint32_t first, int title, uint32_t *count) {
  AnToken tok;
  an_begin(an, s, len, first);
  int k;
  uint32_t n = 0;
  while ((k = an_next(an, &tok)) > 0) {
    int word = !(tok.flags & AN_EXTRA); /* extra terms are not words */
    n += word;
    size_t tl = tok.term_len;
    if (tl == 0) continue;
    if (tl > IX_MAX_TERM) tl = IX_MAX_TERM; /* the chain promises it */
    if (analysed_room(a, 2 * TOK_MAX)) return SW_NOMEM;
    analysed_put(a, 0, tok.term, tl, tok.pos);
    if (title && word && tl < IX_MAX_TERM)
      analysed_put(a, AN_NS_TITLE, tok.term, tl, tok.pos);
  }
  a->invalid += an_invalid_count(an);
  if (k < 0) return SW_NOMEM;
  *count = n;
  return SW_OK;
}

/* The facet terms of a document ({ u8 len, bytes }*), once each at position
** 0. Malformed lists (a length past the end) stop where they go wrong:
** facets come from our own engine, never from input bytes. */
static int analyse_facets(IxAnalysed *a, const char *f, size_t n) {
  size_t o = 0;
  while (o < n) {
    size_t tl = (unsigned char)f[o++];
    if (tl == 0 || tl > n - o || tl > IX_MAX_TERM) return SW_OK;
    if (analysed_room(a, TOK_MAX)) return SW_NOMEM;
    analysed_put(a, 0, f + o, tl, 0);
    o += tl;
  }
  return SW_OK;
}

/* The limits a document must keep (SW_LIMIT with the message, err may be
** NULL); the writer's own (documents in a segment) is checked apart. */
static int doc_limits(const IxDoc *doc, SwError *err) {
  if (doc->text_len > SW_MAX_DOC_BYTES || doc->title_len > SW_MAX_DOC_BYTES)
    return sw_error_set(err, SW_LIMIT,
                        "document %.*s: %zu bytes of text, over the limit of "
                        "%zu (SW_MAX_DOC_BYTES)",
                        (int)(doc->id_len > 200 ? 200 : doc->id_len),
                        doc->id ? doc->id : "", doc->text_len,
                        (size_t)SW_MAX_DOC_BYTES);
  size_t meta = doc->id_len + doc->date_len + doc->source_len + doc->url_len +
                doc->file_len;
  if (meta > SW_MAX_DOC_BYTES)
    return sw_error_set(err, SW_LIMIT, "document metadata over %zu bytes",
                        (size_t)SW_MAX_DOC_BYTES);
  return SW_OK;
}

int ix_doc_analyse(AnAnalyzer *an, const IxDoc *doc, IxAnalysed *a) {
  analysed_trim(a);
  a->len = 0;
  a->nt = a->nx = 0;
  a->invalid = 0;
  int rc = doc_limits(doc, NULL); /* not worth analysing: refused anyway */
  if (rc == SW_OK)
    rc = analyse(an, a, doc->title, doc->title_len, 0, 1, &a->nt);
  if (rc == SW_OK)
    rc = analyse(an, a, doc->text, doc->text_len, a->nt + IX_FIELD_GAP, 0,
                 &a->nx);
  if (rc == SW_OK && doc->facets_len)
    rc = analyse_facets(a, doc->facets, doc->facets_len);
  if (rc) a->len = 0;
  a->rc = rc;
  return rc;
}

/* The tokens of a into the current run as document w->ndocs, WBATCH at a
** time (see add_batch). */
static int ingest(IxSegWriter *w, const IxAnalysed *a) {
  size_t o = 0;
  while (o < a->len) {
    int rc = table_room(w);
    if (rc) return rc;
    uint32_t nb = 0, mask = w->table_cap - 1;
    while (nb < WBATCH && o < a->len) {
      size_t tl = (size_t)a->p[o] + 1;
      uint32_t pos;
      memcpy(&pos, a->p + o + 1, 4);
      batch_put(w, nb++, (const char *)a->p + o + TOK_HEAD, tl, pos, mask);
      o += TOK_HEAD + tl;
    }
    if ((rc = add_batch(w, nb, w->ndocs))) return rc;
  }
  return SW_OK;
}

int ix_segw_add_analysed(IxSegWriter *w, const IxDoc *doc,
                         const IxAnalysed *a, size_t *invalid_utf8,
                         SwError *err) {
  if (invalid_utf8) *invalid_utf8 = 0;
  if (w->rc) return sw_error_set(err, w->rc, "%s", w->first.msg);
  int rc = doc_limits(doc, err);
  if (rc) return rc;
  if (w->ndocs >= UINT32_MAX - 1)
    return sw_error_set(err, SW_LIMIT, "index full: %u documents", w->ndocs);
  rc = a->rc;
  if (rc == SW_OK) rc = ingest(w, a);
  if (rc) {
    const char *what = rc == SW_NOMEM ? "out of memory indexing"
                       : rc == SW_LIMIT ? "writer memory pool exhausted"
                                        : "error indexing";
    sw_error_set(err, rc, "%s document %u", what, w->ndocs);
    return fail(w, rc, err);
  }
  uint32_t nt = a->nt, nx = a->nx;
  if ((rc = ix_docw_add(&w->docs, doc, nt + nx, err))) return fail(w, rc, err);
  w->tokens += nt + nx; /* words: extra terms (analysis.h) do not count */
  if (invalid_utf8) *invalid_utf8 = a->invalid;
  w->ndocs++;
  w->run_docs++;
  w->text_bytes += doc->title_len + doc->text_len;
  if (mem_used(w) > w->budget || w->page + 2 >= POOL_MAX_PAGES) {
    if ((rc = flush_run(w, err))) return fail(w, rc, err);
  }
  return SW_OK;
}

int ix_segw_add(IxSegWriter *w, const IxDoc *doc, size_t *invalid_utf8,
                SwError *err) {
  if (invalid_utf8) *invalid_utf8 = 0;
  if (w->rc) return sw_error_set(err, w->rc, "%s", w->first.msg);
  ix_doc_analyse(w->an, doc, w->scratch); /* a failure travels in scratch */
  return ix_segw_add_analysed(w, doc, w->scratch, invalid_utf8, err);
}

/* The document store's finish (ix_docw_finish) on a thread of its own,
** while the calling thread encodes the postings: the two write different
** files from different parts of the writer (w->docs; the table and pool),
** and size/sum are disjoint elements of the manifest's arrays. */
typedef struct DocsFinish {
  IxSegWriter *w;     /* the writer (only w->docs and w->gendir are used) */
  uint64_t *size;     /* the manifest's sizes                            */
  uint64_t *sum;      /* ... and checksums                               */
  int rc;             /* ix_docw_finish's result                         */
  SwError err;        /* its message                                     */
} DocsFinish;

static void *docs_finish_main(void *arg) {
  DocsFinish *d = arg;
  d->rc = ix_docw_finish(&d->w->docs, d->w->gendir, d->size, d->sum, &d->err);
  return NULL;
}

/* FORMAT.md §2 (format 3): the page sums of a file just written, read
** back through a mapping (13 MB for the shared corpus: milliseconds). */
static int page_sums(const char *gendir, const char *name, const char *kind,
                     uint32_t *n, uint32_t **sums, SwError *err) {
  IxMap map;
  int rc = ix_map_open(&map, gendir, name, kind, IX_ADV_NORMAL, err);
  if (rc) return rc;
  *n = ix_page_count(map.size);
  *sums = sw_malloc((size_t)*n * sizeof **sums + 1);
  if (!*sums) rc = sw_error_set(err, SW_NOMEM, "out of memory (page sums)");
  else ix_map_page_sums(&map, *sums);
  ix_map_close(&map);
  return rc;
}

int ix_segw_finish(IxSegWriter *w, IxSegInfo *info, SwError *err) {
  memset(info, 0, sizeof *info);
  if (w->rc) {
    int rc = sw_error_set(err, w->rc, "%s", w->first.msg);
    ix_segw_abort(w);
    return rc;
  }
  Final f;
  memset(&f, 0, sizeof f);
  f.post.fd = f.pos.fd = -1;
  IxManifest m;
  memset(&m, 0, sizeof m);
  char path[4096];
  int rc;
  DocsFinish df;
  memset(&df, 0, sizeof df);
  pthread_t docs_thread;
  int docs_bg = 0; /* 1: docs_thread runs docs_finish_main, join it */
  if (w->nruns && w->run_docs && (rc = flush_run(w, err))) goto fail;
  if (w->threads > 1) {
    df.w = w;
    df.size = m.size;
    df.sum = m.sum;
    sw_error_clear(&df.err);
    /* Without a thread the store is written below, as with one thread. */
    docs_bg = pthread_create(&docs_thread, NULL, docs_finish_main, &df) == 0;
  }
  if ((rc = ix_postenc_init(
           &f.enc, w->pos_zstd, w->impact_k1 > 0 ? w->docs.lens.p : NULL,
           w->impact_k1, w->impact_b,
           ix_impact_avg(w->tokens, w->ndocs), err)))
    goto fail;
  f.dict.next_post = f.dict.next_pos = IX_HEADER_SIZE;
  snprintf(path, sizeof path, "%s/postings", w->gendir);
  if ((rc = ix_out_open(&f.post, path, "POST", err))) goto fail;
  snprintf(path, sizeof path, "%s/positions", w->gendir);
  if ((rc = ix_out_open(&f.pos, path, "POSN", err))) goto fail;
  rc = w->nruns ? encode_runs(w, &f, err) : encode_memory(w, &f, err);
  if (rc) goto fail;
  if ((rc = ix_out_finish(&f.post, &m.size[IX_F_POSTINGS],
                          &m.sum[IX_F_POSTINGS], err)) ||
      (rc = ix_out_finish(&f.pos, &m.size[IX_F_POSITIONS],
                          &m.sum[IX_F_POSITIONS], err)))
    goto fail;
  snprintf(path, sizeof path, "%s/terms", w->gendir);
  if ((rc = ix_dictw_write(&f.dict, path, &m.size[IX_F_TERMS],
                           &m.sum[IX_F_TERMS], err)))
    goto fail;
  m.term_count = f.dict.nterms;
  ix_dictw_free(&f.dict);
  ix_postenc_free(&f.enc);
  sw_free(f.posv);
  f.posv = NULL;
  ix_buf_free(&f.gather);
  if (docs_bg) {
    pthread_join(docs_thread, NULL);
    docs_bg = 0;
    if ((rc = df.rc)) {
      sw_error_set(err, rc, "%s", df.err.msg);
      goto fail;
    }
  } else if ((rc = ix_docw_finish(&w->docs, w->gendir, m.size, m.sum, err))) {
    goto fail;
  }
  m.generation = w->gen;
  m.doc_count = w->ndocs;
  m.total_tokens = w->tokens;
  m.text_bytes = w->text_bytes;
  m.analysis = IX_ANALYSIS_VERSION;
  m.impact_k1 = w->impact_k1;
  m.impact_b = w->impact_b;
  uint64_t msize = 0, msum = 0;
  uint32_t *sums[2] = {NULL, NULL};
  if (!(rc = page_sums(w->gendir, "terms", "TERM", &m.npages[0], &sums[0],
                       err)) &&
      !(rc = page_sums(w->gendir, "docmeta", "DMET", &m.npages[1], &sums[1],
                       err))) {
    m.wsums[0] = sums[0];
    m.wsums[1] = sums[1];
    rc = ix_manifest_write(w->gendir, &m, &msize, &msum, err);
  }
  sw_free(sums[0]);
  sw_free(sums[1]);
  if (rc) goto fail;
  ix_docw_free(&w->docs); /* removes the temporary text file */
  if ((rc = ix_fsync_dir(w->gendir, err))) goto fail;
  info->docs = w->ndocs;
  info->tokens = w->tokens;
  info->terms = m.term_count;
  info->text_bytes = w->text_bytes;
  info->runs = w->nruns;
  info->bytes = msize;
  for (int i = 0; i < IX_NFILES; i++) info->bytes += m.size[i];
  info->manifest_sum = msum;
  w->gendir[0] = '\0'; /* finished: the caller decides its fate */
  ix_segw_abort(w);
  return SW_OK;
fail:
  if (docs_bg) pthread_join(docs_thread, NULL); /* before freeing w->docs */
  ix_out_discard(&f.post);
  ix_out_discard(&f.pos);
  ix_dictw_free(&f.dict);
  ix_postenc_free(&f.enc);
  sw_free(f.posv);
  ix_buf_free(&f.gather);
  ix_segw_abort(w);
  return rc;
}

void ix_segw_abort(IxSegWriter *w) {
  if (!w) return;
  ix_docw_free(&w->docs);
  if (w->gendir && w->gendir[0]) ix_remove_dir(w->gendir);
  an_free(w->an);
  ix_analysed_free(w->scratch);
  for (uint32_t i = 0; i < w->npages; i++) sw_free(w->page_mem[i]);
  sw_free(w->pages);
  sw_free(w->page_mem);
  sw_free(w->table_mem);
  ix_buf_free(&w->term_bytes);
  sw_free(w->gendir);
  sw_free(w);
}
