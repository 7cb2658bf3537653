/*
** codec.c — the integer codecs of the index format (FORMAT.md §0): the one
** varint (LEB128, unsigned, at most 10 bytes), bit packing of fixed-width
** values, and the growable byte buffer the encoders write into.
** Interface: index_int.h ("interface to codec.c"). These are pure functions
** on memory; callers bound the input and name the file and offset in their
** error messages. Little-endian put/get helpers are inline in index_int.h.
*/
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_customMem */
#include "index_int.h"

#include <xxhash.h>

#include <zstd.h>

/* ------------------------------------------------------------- varints -- */

int ix_varint_get_slow(const uint8_t *p, size_t len, size_t *off,
                       uint64_t *v) {
  uint64_t x = 0;
  size_t o = *off;
  for (unsigned shift = 0, i = 0; i < IX_VARINT_MAX; i++, shift += 7) {
    if (o >= len) return -1;
    uint8_t b = p[o++];
    /* The tenth byte may only carry the top bit of a 64-bit value. */
    if (i == IX_VARINT_MAX - 1 && b > 1) return -1;
    x |= (uint64_t)(b & 0x7f) << shift;
    if (b < 0x80) {
      *v = x;
      *off = o;
      return 0;
    }
  }
  return -1;
}

/* --------------------------------------------------------- bit packing -- */

unsigned ix_bits_needed(uint32_t max) {
  unsigned bits = 0;
  while (max) { bits++; max >>= 1; }
  return bits;
}

void ix_bitpack(const uint32_t *in, size_t n, unsigned bits, uint8_t *out) {
  if (bits == 0) return;
  uint64_t acc = 0;   /* pending bits, lowest first */
  unsigned have = 0;  /* how many                    */
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    acc |= (uint64_t)in[i] << have;
    have += bits;
    while (have >= 8) {
      out[o++] = (uint8_t)acc;
      acc >>= 8;
      have -= 8;
    }
  }
  if (have) out[o] = (uint8_t)acc; /* o + 1 == ix_bitpack_bytes(n, bits) */
}

void ix_bitunpack(const uint8_t *in, size_t n, unsigned bits, uint32_t *out) {
  if (bits == 0) {
    memset(out, 0, n * sizeof *out);
    return;
  }
  const uint64_t mask = bits == 32 ? 0xffffffffu : (((uint64_t)1 << bits) - 1);
  uint64_t acc = 0;
  unsigned have = 0;
  size_t j = 0;
  for (size_t i = 0; i < n; i++) {
    while (have < bits) {
      acc |= (uint64_t)in[j++] << have;
      have += 8;
    }
    out[i] = (uint32_t)(acc & mask);
    acc >>= bits;
    have -= bits;
  }
}

/* ------------------------------------------------------------- buffers -- */

int ix_buf_reserve(IxBuf *b, size_t extra) {
  if (b->cap - b->len >= extra) return SW_OK;
  if (extra > SIZE_MAX / 2 - b->len) return SW_NOMEM;
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len < extra) cap *= 2;
  uint8_t *p = sw_realloc(b->p, cap);
  if (!p) return SW_NOMEM;
  b->p = p;
  b->cap = cap;
  return SW_OK;
}

int ix_buf_append(IxBuf *b, const void *d, size_t n) {
  if (n == 0) return SW_OK;
  if (ix_buf_reserve(b, n)) return SW_NOMEM;
  memcpy(b->p + b->len, d, n);
  b->len += n;
  return SW_OK;
}

int ix_buf_u32(IxBuf *b, uint32_t v) {
  if (ix_buf_reserve(b, 4)) return SW_NOMEM;
  ix_put_u32(b->p + b->len, v);
  b->len += 4;
  return SW_OK;
}

int ix_buf_u64(IxBuf *b, uint64_t v) {
  if (ix_buf_reserve(b, 8)) return SW_NOMEM;
  ix_put_u64(b->p + b->len, v);
  b->len += 8;
  return SW_OK;
}

void ix_buf_free(IxBuf *b) {
  sw_free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

/* ---------------------------------------------------------------- zstd -- */

static void *zstd_alloc(void *opaque, size_t n) {
  (void)opaque;
  return sw_malloc(n);
}
static void zstd_free(void *opaque, void *p) {
  (void)opaque;
  sw_free(p);
}
static ZSTD_customMem zstd_mem(void) {
  ZSTD_customMem m = {zstd_alloc, zstd_free, NULL};
  return m;
}

ZSTD_CCtx *ix_zstd_cctx(void) { return ZSTD_createCCtx_advanced(zstd_mem()); }
ZSTD_DCtx *ix_zstd_dctx(void) { return ZSTD_createDCtx_advanced(zstd_mem()); }
ZSTD_DDict *ix_zstd_ddict(const void *dict, size_t len, int *bad) {
  *bad = 0;
  return ZSTD_createDDict_advanced(dict, len, ZSTD_dlm_byRef, ZSTD_dct_auto,
                                   zstd_mem());
}
/* A static CDict in one sw_malloc'd workspace: libzstd 1.5.4's
** ZSTD_createCDict_advanced dereferences a failed custom allocation
** (fixed upstream in 1.5.6), so fault injection would crash it. */
ZSTD_CDict *ix_zstd_cdict(const void *dict, size_t len, int level,
                          void **mem) {
  ZSTD_compressionParameters cp = ZSTD_getCParams(level, 0, len);
  size_t need = ZSTD_estimateCDictSize_advanced(len, cp, ZSTD_dlm_byRef);
  /* Zeroed: libzstd 1.5.4 reads parts of a static CDict's workspace it
  ** never wrote (valgrind: "depends on uninitialised value(s)" in
  ** write_doctext), and the compressed text then depended on what the
  ** allocation held before: two builds of the same input in one process
  ** wrote different (both valid) doctext files. */
  *mem = sw_calloc(1, need);
  if (!*mem) return NULL;
  const ZSTD_CDict *cd = ZSTD_initStaticCDict(*mem, need, dict, len,
                                              ZSTD_dlm_byRef, ZSTD_dct_auto,
                                              cp);
  if (!cd) {
    sw_free(*mem);
    *mem = NULL;
  }
  return (ZSTD_CDict *)cd;
}

uint32_t ix_sum32(const void *p, size_t n) {
  return (uint32_t)XXH3_64bits(p, n);
}
