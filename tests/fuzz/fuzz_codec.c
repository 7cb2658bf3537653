/*
** fuzz_codec.c — the integer codecs of the index format (index/codec.c,
** index_int.h "interface to codec.c"; FORMAT.md §0): encode -> decode round
** trips and decoding arbitrary bytes within bounds.
**
** Input: byte 0 is a bit width (mod 33) for the bit-packing part; the rest
** is read both as values to encode and as bytes to decode.
**
**   - varint: every 8-byte little-endian value of the input, and the value
**     with its top bits cut at every 7-bit boundary, is written with
**     ix_varint_put and read back with ix_varint_get from a buffer of exactly
**     that size: equal, all bytes consumed, the shortest form; one byte
**     shorter is refused; ix_varint_get32 refuses values over 2^32 - 1.
**   - varint over arbitrary bytes (an exact-size copy, so AddressSanitizer
**     sees any read past the end): each decode either fails without moving
**     or consumes 1..10 bytes, and re-encoding is never longer.
**   - bit packing: up to 300 values from the input, masked to the width,
**     pack -> unpack equal, unused high bits of the last byte 0; unpacking
**     arbitrary bytes reads exactly ix_bitpack_bytes(n, bits) of them and
**     yields values below 2^bits; ix_bits_needed is the exact width.
**   - IxBuf: appends of input chunks, varints, u32 and u64 reproduce the
**     same bytes as writing them by hand.
*/
#include "fuzz_common.h"

#include "index_int.h"

#include <stdlib.h>
#include <string.h>

static size_t varint_len(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

static void varint_roundtrip(uint64_t v) {
  uint8_t tmp[IX_VARINT_MAX];
  size_t n = ix_varint_put(tmp, v);
  FZ_CHECK(n == varint_len(v), "varint of %llu: %zu bytes, shortest %zu",
           (unsigned long long)v, n, varint_len(v));
  uint8_t *exact = malloc(n);
  if (!exact) abort();
  memcpy(exact, tmp, n);
  size_t off = 0;
  uint64_t got = 0;
  FZ_CHECK(ix_varint_get(exact, n, &off, &got) == 0 && got == v && off == n,
           "varint %llu did not round-trip", (unsigned long long)v);
  off = 0;
  FZ_CHECK(ix_varint_get(exact, n - 1, &off, &got) == -1 && off == 0,
           "truncated varint of %llu accepted", (unsigned long long)v);
  off = 0;
  uint32_t v32 = 0;
  int r32 = ix_varint_get32(exact, n, &off, &v32);
  if (v > UINT32_MAX)
    FZ_CHECK(r32 == -1, "varint32 accepted %llu", (unsigned long long)v);
  else
    FZ_CHECK(r32 == 0 && v32 == v && off == n, "varint32 of %llu",
             (unsigned long long)v);
  free(exact);
}

static void varint_decode_bytes(const uint8_t *p, size_t len) {
  size_t off = 0;
  while (off < len) {
    size_t before = off;
    uint64_t v = 0;
    if (ix_varint_get(p, len, &off, &v) != 0) {
      FZ_CHECK(off == before, "failed varint decode moved the offset");
      off = before + 1; /* resynchronise on the next byte */
      continue;
    }
    FZ_CHECK(off > before && off - before <= IX_VARINT_MAX && off <= len,
             "varint consumed %zu bytes", off - before);
    FZ_CHECK(varint_len(v) <= off - before, "re-encoding is longer");
  }
}

static void bitpack_roundtrip(const uint8_t *p, size_t len, unsigned bits) {
  size_t n = len / 4;
  if (n > 300) n = 300;
  uint32_t *in = malloc((n + 1) * sizeof *in), *out = malloc((n + 1) * sizeof *out);
  if (!in || !out) abort();
  uint32_t mask = bits == 32 ? UINT32_MAX : ((uint32_t)1 << bits) - 1;
  uint32_t max = 0;
  for (size_t i = 0; i < n; i++) {
    in[i] = ix_get_u32(p + 4 * i) & mask;
    if (in[i] > max) max = in[i];
  }
  unsigned need = ix_bits_needed(max);
  FZ_CHECK(need <= 32 && (need == 32 || ((uint64_t)max >> need) == 0) &&
               (need == 0 || ((uint64_t)max >> (need - 1)) == 1),
           "ix_bits_needed(%u) = %u", max, need);
  FZ_CHECK(need <= bits, "values masked to %u bits need %u", bits, need);
  size_t nb = ix_bitpack_bytes(n, bits);
  uint8_t *packed = malloc(nb ? nb : 1);
  if (!packed) abort();
  memset(packed, 0xA5, nb); /* the packer must write every byte */
  ix_bitpack(in, n, bits, packed);
  if (nb && (n * bits) % 8)
    FZ_CHECK((packed[nb - 1] >> ((n * bits) % 8)) == 0,
             "unused high bits of the last byte are set");
  ix_bitunpack(packed, n, bits, out);
  for (size_t i = 0; i < n; i++)
    FZ_CHECK(out[i] == in[i], "bit packing %u bits: value %zu %u -> %u", bits,
             i, in[i], out[i]);
  free(packed);

  /* Unpack the raw input bytes as if they were a block. */
  if (bits) {
    size_t m = len * 8 / bits;
    if (m > 300) m = 300;
    size_t mb = ix_bitpack_bytes(m, bits);
    uint8_t *raw = malloc(mb ? mb : 1);
    uint32_t *vals = malloc((m + 1) * sizeof *vals);
    if (!raw || !vals) abort();
    memcpy(raw, p, mb);
    ix_bitunpack(raw, m, bits, vals);
    for (size_t i = 0; i < m; i++)
      FZ_CHECK(bits == 32 || vals[i] < ((uint32_t)1 << bits),
               "unpacked value %u wider than %u bits", vals[i], bits);
    free(raw);
    free(vals);
  }
  free(in);
  free(out);
}

static void buf_roundtrip(const uint8_t *p, size_t len) {
  IxBuf b;
  memset(&b, 0, sizeof b);
  uint8_t *want = malloc(len * IX_VARINT_MAX + 64); /* <= 10 out per byte in */
  if (!want) abort();
  size_t wl = 0;
  size_t i = 0;
  while (i < len) {
    unsigned op = p[i] % 4;
    size_t chunk = (size_t)(p[i] >> 2) % 17;
    i++;
    if (chunk > len - i) chunk = len - i;
    uint64_t v = 0;
    for (size_t k = 0; k < chunk && k < 8; k++) v |= (uint64_t)p[i + k] << (8 * k);
    switch (op) {
    case 0:
      FZ_CHECK(ix_buf_append(&b, p + i, chunk) == SW_OK, "append failed");
      memcpy(want + wl, p + i, chunk);
      wl += chunk;
      break;
    case 1:
      FZ_CHECK(ix_buf_varint(&b, v) == SW_OK, "varint append failed");
      wl += ix_varint_put(want + wl, v);
      break;
    case 2:
      FZ_CHECK(ix_buf_u32(&b, (uint32_t)v) == SW_OK, "u32 append failed");
      ix_put_u32(want + wl, (uint32_t)v);
      wl += 4;
      break;
    default:
      FZ_CHECK(ix_buf_u64(&b, v) == SW_OK, "u64 append failed");
      ix_put_u64(want + wl, v);
      wl += 8;
      break;
    }
    i += chunk;
  }
  FZ_CHECK(b.len == wl && b.len <= b.cap && (wl == 0 || memcmp(b.p, want, wl) == 0),
           "IxBuf holds other bytes than were appended");
  ix_buf_free(&b);
  FZ_CHECK(b.p == NULL && b.len == 0 && b.cap == 0, "ix_buf_free left state");
  free(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  unsigned bits = data[0] % 33;
  const uint8_t *p = data + 1;
  size_t len = size - 1;

  for (size_t i = 0; i + 8 <= len && i < 8 * 64; i += 8) {
    uint64_t v = ix_get_u64(p + i);
    varint_roundtrip(v);
    for (unsigned s = 7; s < 64; s += 7) varint_roundtrip(v >> s);
  }
  varint_roundtrip(0);
  varint_roundtrip(UINT64_MAX);
  varint_decode_bytes(p, len);
  bitpack_roundtrip(p, len, bits);
  buf_roundtrip(p, len);
  return 0;
}
