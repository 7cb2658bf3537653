/*
** postings.c — postings and positions (FORMAT.md §4 and §5): the encoder the
** writer feeds one term at a time, the one-segment iterator the engine
** drives (ix_seg_postings_open, its operations in seg_ops), and index.h's
** ix_postings_next/seek/positions/... for every kind of iterator, which
** answer at the end themselves and otherwise call the iterator's ops
** table (index_int.h, IxPostOps; multi.c has the other kind and opens
** both in ix_postings_open). Interface: index_int.h ("interface to
** postings.c") and index.h ("terms and postings").
**
** Per term, doc ids and freqs come in blocks of IX_BLOCK docs. A full block
** is bit-packed (doc gaps, then freq-1, each at the width of its largest
** value); the last, partial block is varints. A term with more than one
** block starts with a fixed-width skip table (last doc, end offsets, max
** freq per block), so seek binary-searches it and decodes only the block it
** lands in. Positions live in a second file, one positions block per
** postings block, raw varints or a zstd frame when that pays; they are
** decoded only when asked for, from a cursor that moves forward through the
** block: a whole document (ix_postings_positions), or only up to the first
** position >= a target (ix_postings_position_seek, which adds up eight
** one-byte deltas at a time without storing them). Documents not asked for
** are skipped by counting varint terminators a word at a time.
**
** The iterator allocates once at open (its block arrays are inline) and
** grows two buffers at most when positions are asked for; next and seek
** never allocate.
*/
#include "index_int.h"

#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include <math.h>
#include <stdio.h>
#include <zstd.h>
#if defined(__SSE2__)
#include <emmintrin.h> /* skip_varints: baseline on x86-64 */
#endif

/* ------------------------------------------------------------- encoder -- */

int ix_postenc_init(IxPostEnc *e, int zstd_level, const uint8_t *lens,
                    double k1, double b, double avg, SwError *err) {
  memset(e, 0, sizeof *e);
  e->zstd_level = zstd_level;
  e->lens = lens;
  e->k1 = k1;
  e->b = b;
  e->avg = avg;
  e->zstd_min = IX_POS_ZSTD_MIN;
  if (zstd_level > 0) {
    e->cctx = ix_zstd_cctx();
    if (!e->cctx)
      return sw_error_set(err, SW_NOMEM, "out of memory (zstd context)");
  }
  ix_postenc_begin(e);
  return SW_OK;
}

void ix_postenc_begin(IxPostEnc *e) {
  e->blocks.len = e->skips.len = e->post.len = e->pos.len = e->raw.len = 0;
  e->n = 0;
  e->last_doc = -1;
  e->nblocks = 0;
  memset(&e->e, 0, sizeof e->e);
}

void ix_postenc_free(IxPostEnc *e) {
  ix_buf_free(&e->blocks);
  ix_buf_free(&e->skips);
  ix_buf_free(&e->post);
  ix_buf_free(&e->pos);
  ix_buf_free(&e->raw);
  ix_buf_free(&e->zbuf);
  ZSTD_freeCCtx(e->cctx);
  memset(e, 0, sizeof *e);
}

/* FORMAT.md §5: flag byte, then raw varints or varint(raw_len) + frame. */
static int encode_positions(IxPostEnc *e) {
  const IxBuf *raw = &e->raw;
  e->pos_raw_bytes += raw->len;
  if (e->zstd_level > 0 && raw->len >= e->zstd_min) {
    size_t bound = ZSTD_compressBound(raw->len);
    if (ix_buf_reserve(&e->zbuf, bound)) return SW_NOMEM;
    size_t z = ZSTD_compressCCtx(e->cctx, e->zbuf.p, bound, raw->p, raw->len,
                                 e->zstd_level);
    uint8_t hdr[1 + IX_POS_SUM + IX_VARINT_MAX];
    hdr[0] = IX_POS_ZSTD;
    size_t h = 1 + IX_POS_SUM + ix_varint_put(hdr + 1 + IX_POS_SUM, raw->len);
    /* Worth it only when it saves an eighth: decoding costs time. */
    if (!ZSTD_isError(z) && h + z < (1 + raw->len) - (raw->len >> 3)) {
      e->pos_zstd_blocks++;
      /* The checksum covers what follows it: varint(raw_len) + frame. */
      XXH3_state_t st;
      XXH3_64bits_reset(&st);
      XXH3_64bits_update(&st, hdr + 1 + IX_POS_SUM, h - 1 - IX_POS_SUM);
      XXH3_64bits_update(&st, e->zbuf.p, z);
      ix_put_u32(hdr + 1, (uint32_t)XXH3_64bits_digest(&st));
      if (ix_buf_append(&e->pos, hdr, h) || ix_buf_append(&e->pos, e->zbuf.p, z))
        return SW_NOMEM;
      return SW_OK;
    }
  }
  uint8_t hdr[1 + IX_POS_SUM];
  hdr[0] = IX_POS_RAW;
  ix_put_u32(hdr + 1, ix_sum32(raw->p, raw->len));
  if (ix_buf_append(&e->pos, hdr, sizeof hdr) ||
      ix_buf_append(&e->pos, raw->p, raw->len))
    return SW_NOMEM;
  return SW_OK;
}

float ix_impact(uint32_t tf, uint32_t len, double k1, double b, double avg) {
  double f = (double)tf;
  double x = f / (f + k1 * (1.0 - b + b * (double)len / avg));
  float r = (float)x;
  if ((double)r < x) r = nextafterf(r, INFINITY); /* never below */
  return r;
}

/* FORMAT.md §4: a full block bit-packed, a partial one as varints. */
static int flush_block(IxPostEnc *e, SwError *err) {
  uint32_t n = e->n;
  uint32_t gaps[IX_BLOCK], fm1[IX_BLOCK], gmax = 0, fmax = 0, tfmax = 0;
  int64_t prev = e->last_doc;
  for (uint32_t k = 0; k < n; k++) {
    gaps[k] = (uint32_t)((int64_t)e->docs[k] - prev - 1);
    prev = e->docs[k];
    fm1[k] = e->freqs[k] - 1;
    if (gaps[k] > gmax) gmax = gaps[k];
    if (fm1[k] > fmax) fmax = fm1[k];
    if (e->freqs[k] > tfmax) tfmax = e->freqs[k];
  }
  IxBuf *b = &e->blocks;
  if (n == IX_BLOCK) {
    unsigned db = ix_bits_needed(gmax), fb = ix_bits_needed(fmax);
    size_t need = 2 + ix_bitpack_bytes(n, db) + ix_bitpack_bytes(n, fb);
    if (ix_buf_reserve(b, need)) goto nomem;
    b->p[b->len++] = (uint8_t)db;
    ix_bitpack(gaps, n, db, b->p + b->len);
    b->len += ix_bitpack_bytes(n, db);
    b->p[b->len++] = (uint8_t)fb;
    ix_bitpack(fm1, n, fb, b->p + b->len);
    b->len += ix_bitpack_bytes(n, fb);
  } else {
    for (uint32_t k = 0; k < n; k++) {
      if (ix_buf_varint(b, (uint64_t)gaps[k] << 1 | (e->freqs[k] == 1)))
        goto nomem;
      if (e->freqs[k] != 1 && ix_buf_varint(b, e->freqs[k])) goto nomem;
    }
  }
  if (encode_positions(e)) goto nomem;
  e->raw.len = 0;
  if (b->len > UINT32_MAX || e->pos.len > UINT32_MAX)
    return sw_error_set(err, SW_LIMIT,
                        "postings of one term over 4 GiB (FORMAT.md §4)");
  /* FORMAT.md §4: skip entry = last doc, doc end, pos end, max tf, impact
  ** (the largest of the block's documents', as a float's bits). */
  float impact = 0;
  for (uint32_t k = 0; e->lens && k < n; k++) {
    float x = ix_impact(e->freqs[k], ix_get_u32(e->lens + (size_t)e->docs[k] * 4),
                        e->k1, e->b, e->avg);
    if (x > impact) impact = x;
  }
  uint32_t ibits;
  memcpy(&ibits, &impact, 4);
  uint8_t s[IX_SKIP_ENTRY];
  ix_put_u32(s, e->docs[n - 1]);
  ix_put_u32(s + 4, (uint32_t)b->len);
  ix_put_u32(s + 8, (uint32_t)e->pos.len);
  ix_put_u32(s + 12, tfmax);
  ix_put_u32(s + 16, ibits);
  if (ix_buf_append(&e->skips, s, sizeof s)) goto nomem;
  e->last_doc = e->docs[n - 1];
  e->nblocks++;
  e->n = 0;
  return SW_OK;
nomem:
  return sw_error_set(err, SW_NOMEM, "out of memory encoding postings");
}

int ix_postenc_add(IxPostEnc *e, uint32_t doc, const uint32_t *pos,
                   uint32_t freq, SwError *err) {
  int64_t prev = e->n ? e->docs[e->n - 1] : e->last_doc;
  if ((int64_t)doc <= prev || freq == 0 || doc == IX_DOC_END)
    return sw_error_set(err, SW_CORRUPT,
                        "writer: doc %u out of order or freq 0", doc);
  if (ix_buf_reserve(&e->raw, (size_t)freq * 5))
    return sw_error_set(err, SW_NOMEM, "out of memory encoding positions");
  uint32_t last = 0;
  for (uint32_t k = 0; k < freq; k++) {
    if (k && pos[k] <= last)
      return sw_error_set(err, SW_CORRUPT,
                          "writer: positions not ascending in doc %u", doc);
    e->raw.len += ix_varint_put(e->raw.p + e->raw.len, k ? pos[k] - last : pos[k]);
    last = pos[k];
  }
  e->docs[e->n] = doc;
  e->freqs[e->n] = freq;
  e->n++;
  e->e.df++;
  e->e.cf += freq;
  if (freq > e->e.max_tf) e->e.max_tf = freq;
  if (e->n == IX_BLOCK) return flush_block(e, err);
  return SW_OK;
}

int ix_postenc_finish(IxPostEnc *e, SwError *err) {
  int rc;
  if (e->n && (rc = flush_block(e, err))) return rc;
  e->post.len = 0;
  if (e->nblocks > 1 &&
      ix_buf_append(&e->post, e->skips.p, e->skips.len))
    return sw_error_set(err, SW_NOMEM, "out of memory encoding postings");
  if (ix_buf_append(&e->post, e->blocks.p, e->blocks.len))
    return sw_error_set(err, SW_NOMEM, "out of memory encoding postings");
  e->e.post_len = e->post.len;
  e->e.pos_len = e->pos.len;
  e->e.post_sum = ix_sum32(e->post.p, e->post.len);
  e->e.has_sum = 1;
  return SW_OK;
}

/* ------------------------------------------------------------ iterator -- */

static int post_corrupt(const IxPostIter *it, size_t at, const char *what,
                        SwError *err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s (postings of a term at byte %llu)", what,
           (unsigned long long)it->post_off);
  return ix_corrupt(err, it->r->post.path, it->post_off + at, msg);
}

static int pos_corrupt(const IxPostIter *it, size_t at, const char *what,
                       SwError *err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s (positions of a term at byte %llu)", what,
           (unsigned long long)it->pos_off);
  return ix_corrupt(err, it->r->pos.path, it->pos_off + at, msg);
}

void ix_post_skip(const IxPostIter *it, uint32_t b, uint32_t *last,
                  uint32_t *doc_end, uint32_t *pos_end, uint32_t *max_tf) {
  const uint8_t *s = it->post + (size_t)b * it->skip_size;
  *last = ix_get_u32(s);
  *doc_end = ix_get_u32(s + 4);
  *pos_end = ix_get_u32(s + 8);
  *max_tf = ix_get_u32(s + 12);
}

float ix_post_skip_impact(const IxPostIter *it, uint32_t b) {
  if (it->nblocks == 1 || it->skip_size < IX_SKIP_ENTRY) return INFINITY;
  uint32_t bits = ix_get_u32(it->post + (size_t)b * it->skip_size + 16);
  float f;
  memcpy(&f, &bits, 4);
  return f == f ? f : INFINITY; /* a NaN bounds nothing: no pruning */
}

/* Byte range [*s, *e) of block b's postings, relative to the term. */
static int block_range(const IxPostIter *it, uint32_t b, size_t *s,
                       size_t *e, SwError *err) {
  if (it->nblocks == 1) {
    *s = 0;
    *e = it->post_len;
    return SW_OK;
  }
  uint32_t last, end, pend, mt, prev_end = 0;
  ix_post_skip(it, b, &last, &end, &pend, &mt);
  if (b > 0) ix_post_skip(it, b - 1, &last, &prev_end, &pend, &mt);
  if (prev_end > end || end > it->post_len - it->blocks_off)
    return post_corrupt(it, (size_t)b * it->skip_size + 4,
                        "skip entry block end out of range", err);
  *s = it->blocks_off + prev_end;
  *e = it->blocks_off + end;
  return SW_OK;
}

/* ix_bitunpack for one full block (FORMAT.md §0 bit packing), faster: the
** packed bytes are copied into a buffer with 8 zero bytes after them, so
** every value is one unaligned little-endian 64-bit load, a shift and a
** mask (bits + 7 <= 39 bits span at most 8 bytes), with no reads past the
** packed bytes of the file and no per-byte loop. */
static void unpack_block(const uint8_t *in, unsigned bits, uint32_t *out) {
  if (bits == 0) {
    memset(out, 0, IX_BLOCK * sizeof *out);
    return;
  }
  uint8_t buf[IX_BLOCK * 4 + 8];
  size_t nb = ix_bitpack_bytes(IX_BLOCK, bits);
  memcpy(buf, in, nb);
  memset(buf + nb, 0, 8);
  const uint64_t mask = ((uint64_t)1 << bits) - 1;
  size_t bit = 0;
  for (uint32_t i = 0; i < IX_BLOCK; i++, bit += bits)
    out[i] = (uint32_t)((ix_get_u64(buf + (bit >> 3)) >> (bit & 7)) & mask);
}

int ix_post_load_block(IxPostIter *it, uint32_t b, SwError *err) {
  size_t s = 0, e = 0;
  int rc = block_range(it, b, &s, &e, err);
  if (rc) return rc;
  const uint8_t *p = it->post;
  uint32_t n = b + 1 < it->nblocks ? IX_BLOCK : it->df - b * IX_BLOCK;
  uint64_t prev = 0; /* last doc before the block, plus one */
  uint32_t skip_last = 0, skip_max = it->max_tf;
  if (it->nblocks > 1) {
    uint32_t de, pe, l0, m0;
    ix_post_skip(it, b, &skip_last, &de, &pe, &skip_max);
    if (b > 0) {
      ix_post_skip(it, b - 1, &l0, &de, &pe, &m0);
      prev = (uint64_t)l0 + 1;
    }
  }
  uint64_t ndocs = it->r->man.doc_count;
  size_t o = s;
  if (n == IX_BLOCK) {
    /* FORMAT.md §4: u8 bits, packed gaps, u8 bits, packed freq-1. */
    uint32_t tmp[IX_BLOCK];
    if (o >= e || p[o] > 32) return post_corrupt(it, o, "bad doc bit width", err);
    unsigned db = p[o++];
    size_t nb = ix_bitpack_bytes(IX_BLOCK, db);
    if (nb + 1 > e - o) return post_corrupt(it, o, "block overruns its end", err);
    unpack_block(p + o, db, tmp);
    o += nb;
    if (p[o] > 32) return post_corrupt(it, o, "bad freq bit width", err);
    unsigned fb = p[o++];
    nb = ix_bitpack_bytes(IX_BLOCK, fb);
    if (nb > e - o) return post_corrupt(it, o, "block overruns its end", err);
    unpack_block(p + o, fb, it->freqs);
    o += nb;
    for (uint32_t k = 0; k < IX_BLOCK; k++) {
      prev += tmp[k];
      if (prev >= ndocs) return post_corrupt(it, s, "doc id past the doc count", err);
      it->docs[k] = (uint32_t)prev++;
      if (it->freqs[k] == UINT32_MAX) return post_corrupt(it, s, "freq overflows", err);
      it->freqs[k]++;
    }
  } else {
    for (uint32_t k = 0; k < n; k++) {
      uint64_t v;
      uint32_t f = 1;
      size_t at = o;
      if (ix_varint_get(p, e, &o, &v) || (!(v & 1) && ix_varint_get32(p, e, &o, &f)))
        return post_corrupt(it, at, "truncated posting", err);
      if (!(v & 1) && f < 2) return post_corrupt(it, at, "freq below 2 without flag", err);
      v >>= 1;
      if (v >= ndocs || prev + v >= ndocs)
        return post_corrupt(it, at, "doc id past the doc count", err);
      prev += v;
      it->docs[k] = (uint32_t)prev++;
      it->freqs[k] = f;
    }
  }
  if (o != e) return post_corrupt(it, o, "block length does not match skip data", err);
  if (it->nblocks > 1 && it->docs[n - 1] != skip_last)
    return post_corrupt(it, (size_t)b * it->skip_size, "skip entry last doc differs from block", err);
  it->block = b;
  it->n = n;
  it->i = 0;
  it->block_last = it->docs[n - 1];
  it->block_max = skip_max;
  it->block_impact = ix_post_skip_impact(it, b);
  it->pos_block = -1;
  return SW_OK;
}

static void set_eof(IxPostIter *it) {
  it->h.pub.eof = 1;
  it->h.pub.doc = IX_DOC_END;
  it->h.pub.freq = 0;
  it->i = it->n;
}

static void set_cur(IxPostIter *it) {
  it->h.pub.doc = it->docs[it->i];
  it->h.pub.freq = it->freqs[it->i];
}

static const IxPostOps seg_ops; /* the table, after its functions */

int ix_seg_postings_open(IxSeg *r, const IxTermInfo *ti, int with_positions,
                         IxPostings **out, SwError *err) {
  *out = NULL;
  const IxMap *pm = &r->post, *qm = &r->pos;
  uint64_t po = ti->loc[0], pl = ti->loc[1], qo = ti->loc[2], ql = ti->loc[3];
  if (ti->df == 0 || ti->df > r->man.doc_count || po < IX_HEADER_SIZE ||
      po > pm->size - IX_FOOTER_SIZE || pl == 0 ||
      pl > pm->size - IX_FOOTER_SIZE - po || qo < IX_HEADER_SIZE ||
      qo > qm->size - IX_FOOTER_SIZE || ql > qm->size - IX_FOOTER_SIZE - qo)
    return ix_corrupt(err, pm->path, po, "term locator out of range");
  if ((ti->loc[4] >> 32) && !ix_map_seen(pm, po)) {
    if (ix_sum32(pm->p + po, (size_t)pl) != (uint32_t)ti->loc[4])
      return ix_corrupt(err, pm->path, po,
                        "postings checksum mismatch (postings of a term)");
    ix_map_mark(pm, po);
  }
  IxPostIter *it = sw_malloc(sizeof *it);
  if (!it) return sw_error_set(err, SW_NOMEM, "out of memory (postings)");
  memset(it, 0, offsetof(IxPostIter, docs));
  it->h.ops = &seg_ops;
  it->r = r;
  it->post = pm->p + po;
  it->post_len = (size_t)pl;
  it->posd = qm->p + qo;
  it->pos_len = (size_t)ql;
  it->post_off = po;
  it->pos_off = qo;
  it->df = ti->df;
  it->max_tf = ti->max_tf;
  it->nblocks = (ti->df + IX_BLOCK - 1) / IX_BLOCK;
  it->with_positions = with_positions;
  it->pos_block = -1;
  it->skip_size = r->post.version >= 3 ? IX_SKIP_ENTRY : IX_SKIP_ENTRY_V2;
  int rc;
  if (it->nblocks > 1) {
    it->blocks_off = (size_t)it->nblocks * it->skip_size;
    if (it->blocks_off >= it->post_len) {
      rc = post_corrupt(it, 0, "skip table overruns the postings", err);
      goto fail;
    }
  }
  if ((rc = ix_post_load_block(it, 0, err))) goto fail;
  set_cur(it);
  *out = &it->h.pub;
  return SW_OK;
fail:
  sw_free(it);
  return rc;
}

static int seg_next(IxPostings *p, SwError *err) {
  IxPostIter *it = (IxPostIter *)p;
  if (++it->i < it->n) {
    set_cur(it);
    return SW_OK;
  }
  if (it->block + 1 >= it->nblocks) {
    set_eof(it);
    return SW_OK;
  }
  int rc = ix_post_load_block(it, it->block + 1, err);
  if (rc) return rc;
  set_cur(it);
  return SW_OK;
}

static int seg_seek(IxPostings *p, SwDocId target, SwError *err) {
  IxPostIter *it = (IxPostIter *)p;
  if (target > it->block_last) {
    if (it->nblocks == 1 || it->block + 1 >= it->nblocks) {
      set_eof(it);
      return SW_OK;
    }
    /* First later block whose last doc is >= target. */
    uint32_t lo = it->block + 1, hi = it->nblocks;
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (ix_get_u32(it->post + (size_t)mid * it->skip_size) < target) lo = mid + 1;
      else hi = mid;
    }
    if (lo == it->nblocks) {
      set_eof(it);
      return SW_OK;
    }
    int rc = ix_post_load_block(it, lo, err);
    if (rc) return rc;
  }
  /* The target is within this block: scan forward from i. */
  uint32_t i = it->i;
  while (i < it->n && it->docs[i] < target) i++;
  if (i == it->n) { /* only if the skip data lied; load_block checks it */
    it->i = it->n - 1;
    return seg_next(p, err);
  }
  it->i = i;
  set_cur(it);
  return SW_OK;
}

/* Makes the positions payload of the current block available. */
static int load_positions(IxPostIter *it, SwError *err) {
  uint32_t b = it->block;
  size_t s = 0, e = it->pos_len;
  if (it->nblocks > 1) {
    uint32_t last, de, pe, mt, prev = 0;
    ix_post_skip(it, b, &last, &de, &pe, &mt);
    if (b > 0) ix_post_skip(it, b - 1, &last, &de, &prev, &mt);
    if (prev >= pe || pe > it->pos_len)
      return post_corrupt(it, (size_t)b * it->skip_size + 8,
                          "skip entry positions end out of range", err);
    s = prev;
    e = pe;
  }
  if (s >= e) return pos_corrupt(it, s, "empty positions block", err);
  uint64_t total = 0; /* positions in the block */
  for (uint32_t k = 0; k < it->n; k++) {
    it->fcum[k] = (uint32_t)total; /* see the check after the payload */
    total += it->freqs[k];
  }
  const uint8_t *p = it->posd;
  uint8_t flag = p[s];
  size_t body = s + 1; /* after the flag (and, in format 2, the checksum) */
  if (it->r->pos.version >= 2) {
    if (e - s < 1 + IX_POS_SUM)
      return pos_corrupt(it, s, "positions block too short", err);
    body += IX_POS_SUM;
    uint64_t at = it->pos_off + s; /* the block's offset in the file */
    if (!ix_map_seen(&it->r->pos, at)) {
      if (ix_sum32(p + body, e - body) != ix_get_u32(p + s + 1))
        return pos_corrupt(it, s, "positions block checksum mismatch", err);
      ix_map_mark(&it->r->pos, at);
    }
  }
  if (flag == IX_POS_RAW) {
    it->pdata = p + body;
    it->plen = e - body;
  } else if (flag == IX_POS_ZSTD) {
    size_t o = body;
    uint64_t raw_len;
    if (ix_varint_get(p, e, &o, &raw_len) || raw_len == 0 ||
        raw_len > total * IX_VARINT_MAX || raw_len > SIZE_MAX / 2)
      return pos_corrupt(it, body, "bad raw length of a zstd block", err);
    unsigned long long fcs = ZSTD_getFrameContentSize(p + o, e - o);
    if (fcs != raw_len)
      return pos_corrupt(it, o, "zstd frame size differs from raw length", err);
    if (ix_buf_reserve(&it->pbuf, (size_t)raw_len))
      return sw_error_set(err, SW_NOMEM, "out of memory (positions)");
    if (!it->r->docs.dctx)
      return sw_error_set(err, SW_NOMEM, "no decompression context");
    size_t got = ZSTD_decompressDCtx(it->r->docs.dctx, it->pbuf.p,
                                     (size_t)raw_len, p + o, e - o);
    if (ZSTD_isError(got) || got != raw_len)
      return pos_corrupt(it, o, "zstd block does not decompress", err);
    it->pdata = it->pbuf.p;
    it->plen = (size_t)raw_len;
  } else {
    return pos_corrupt(it, s, "unknown positions block flag", err);
  }
  /* Every position takes a byte at least: fewer bytes than positions is
  ** damage, and with it ruled out the running sums in fcum fit 32 bits. */
  if (total > it->plen)
    return pos_corrupt(it, s, "positions block too short", err);
  it->fcum[it->n] = (uint32_t)total;
  it->pos_block = (int)b;
  it->pstart = s;
  it->pdoc = 0;
  it->pk = 0;
  it->pdoc_off = 0;
  it->pcur = 0;
  it->plast = 0;
  it->ptarget = 0;
  it->pfull = 0;
  return SW_OK;
}

/* Word-at-a-time helpers over 8 payload bytes, loaded little-endian
** (ix_get_u64: one load on the usual hosts), so byte j of a word is the
** j-th byte of the payload whatever the host's byte order. */
#define BYTES_ONE 0x0101010101010101ull  /* 1 in every byte              */
#define BYTES_HIGH 0x8080808080808080ull /* the high bit of every byte   */
#define LANES_EVEN 0x00ff00ff00ff00ffull /* bytes 0, 2, 4, 6 of a word   */

/* 1 if all eight bytes of w are one-byte varints (high bit clear) and none
** is zero: eight position deltas >= 1 each. With every high bit clear,
** w - BYTES_ONE borrows into a byte's high bit exactly when it is 0. */
static inline int eight_deltas(uint64_t w) {
  return !(w & BYTES_HIGH) && !((w - BYTES_ONE) & BYTES_HIGH);
}

/* Sum of the eight bytes of w, each < 0x80 (at most 1016): pairs summed
** into 16-bit lanes, then the multiply adds the lanes into the top 16 bits.
*/
static inline uint64_t byte_sum(uint64_t w) {
  uint64_t s = (w & LANES_EVEN) + ((w >> 8) & LANES_EVEN);
  return (s * 0x0001000100010001ull) >> 48;
}

/* Offset after skipping k varints from d[o..len), or SIZE_MAX if the bytes
** end first: counts terminator bytes (high bit clear), never decoding.
** While more than 64 remain, 64 bytes (at most 64 terminators) go at once:
** with SSE2, continuation bytes compare below zero (-1 a lane), four
** compares are added lane by lane and psadbw sums the lanes; without it,
** the same per 64-bit word (see below). Then a word at a time: t has bit 0
** of byte j set when byte j ends a varint, and t * BYTES_ONE holds in byte
** j the terminators in bytes 0..j (little-endian load, so byte 0 comes
** first). A word holding fewer than k is skipped whole (its trailing
** continuation bytes belong to a varint still to be counted); in the one
** holding the k-th terminator, a bytewise compare of those prefix counts
** with k (no lane borrows: each is <= 8) marks the bytes at or past it,
** and the lowest mark is found by a multiply (bit 8j -> j in the top
** byte), without branching on where it is. The last bytes of a block go
** one at a time. */
static size_t skip_varints(const uint8_t *d, size_t len, size_t o,
                           uint64_t k) {
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128();
  while (k > 64 && len - o >= 64) {
    const uint8_t *q = d + o;
    __m128i c = _mm_cmpgt_epi8(zero, _mm_loadu_si128((const __m128i *)q));
    c = _mm_add_epi8(c, _mm_cmpgt_epi8(
                            zero, _mm_loadu_si128((const __m128i *)(q + 16))));
    c = _mm_add_epi8(c, _mm_cmpgt_epi8(
                            zero, _mm_loadu_si128((const __m128i *)(q + 32))));
    c = _mm_add_epi8(c, _mm_cmpgt_epi8(
                            zero, _mm_loadu_si128((const __m128i *)(q + 48))));
    __m128i sum = _mm_sad_epu8(_mm_sub_epi8(zero, c), zero);
    unsigned cont = (unsigned)_mm_cvtsi128_si32(sum) +
                    (unsigned)_mm_cvtsi128_si32(_mm_srli_si128(sum, 8));
    k -= 64 - cont;
    o += 64;
  }
#else
  while (k > 64 && len - o >= 64) {
    uint64_t t = 0; /* at most 8 a lane */
    for (unsigned j = 0; j < 64; j += 8)
      t += (~ix_get_u64(d + o + j) & BYTES_HIGH) >> 7;
    k -= (t * BYTES_ONE) >> 56;
    o += 64;
  }
#endif
  while (k && len - o >= 8) {
    uint64_t t = (~ix_get_u64(d + o) & BYTES_HIGH) >> 7;
    uint64_t pre = t * BYTES_ONE;
    unsigned c = (unsigned)(pre >> 56);
    if (c >= k) { /* the k-th terminator is in this word (k <= 8) */
      uint64_t at = ((pre | BYTES_HIGH) - k * BYTES_ONE) & BYTES_HIGH;
      uint64_t low = at & (0 - at);
      return o + 1 + (size_t)(((low >> 7) * 0x0001020304050607ull) >> 56);
    }
    k -= c;
    o += 8;
  }
  for (; k; o++) {
    if (o >= len) return SIZE_MAX;
    if (d[o] < 0x80) k--;
  }
  return o;
}

/* Documents with at least this many positions try eight one-byte deltas
** at a time when decoding whole (`och`: 35 a document on average); with
** fewer, the try would mostly fail and its outcome, changing from document
** to document, costs branch mispredictions (2 % of phrase time measured on
** the bench, queries interleaved). */
#define POS_WIDE_MIN 24

/* One varint of at most 32 bits at d[o..len) into *v. Returns the offset
** after it, or SIZE_MAX if the bytes end inside it or it exceeds 32 bits;
** never reads at or past len. One- and two-byte varints (nearly all
** position deltas, in an unpredictable mix) are decoded without a branch
** on their length: c0 is 1 when the first byte continues, and masks the
** second byte in. Longer ones go through the codec. The callers' offsets
** stay unaddressed (in registers); only the slow path's copy is not. */
static inline size_t get_pos_varint(const uint8_t *d, size_t len, size_t o,
                                    uint64_t *v) {
  if (len - o >= 2) {
    uint32_t b0 = d[o], b1 = d[o + 1], c0 = b0 >> 7;
    if (!(c0 & b1 >> 7)) {
      *v = (b0 & 0x7f) | ((b1 << 7) & (0u - c0));
      return o + 1 + c0;
    }
  } else if (o < len && d[o] < 0x80) { /* the block's last byte */
    *v = d[o];
    return o + 1;
  }
  size_t at = o;
  uint64_t x;
  if (ix_varint_get_slow(d, len, &at, &x) || x > UINT32_MAX) return SIZE_MAX;
  *v = x;
  return at;
}

/* Move the positions cursor to the start of the current doc, loading the
** block's positions first if needed: skip the rest of the cursor's doc and
** the docs between, unread. */
static int pos_move(IxPostIter *it, SwError *err) {
  int rc;
  if (it->pos_block != (int)it->block && (rc = load_positions(it, err)))
    return rc;
  uint32_t i = it->i;
  if (it->pdoc == i) return SW_OK;
  if (it->pdoc > i) { /* went back: rescan (cannot happen through next/seek) */
    it->pdoc = 0;
    it->pk = 0;
    it->pcur = it->pdoc_off = 0;
    it->pfull = 0;
  }
  uint64_t skip = (uint64_t)it->fcum[i] - it->fcum[it->pdoc] - it->pk;
  size_t o = skip_varints(it->pdata, it->plen, it->pcur, skip);
  if (o == SIZE_MAX)
    return pos_corrupt(it, it->pstart, "positions block too short", err);
  it->pdoc = i;
  it->pdoc_off = it->pcur = o;
  it->pk = 0;
  it->pfull = 0;
  return SW_OK;
}

/* The cursor within the current doc: nothing to do when it is there. */
static inline int pos_enter(IxPostIter *it, SwError *err) {
  if (it->pos_block == (int)it->block && it->pdoc == it->i) return SW_OK;
  return pos_move(it, err);
}

static int seg_positions(IxPostings *p, const uint32_t **pos, uint32_t *n,
                         SwError *err) {
  IxPostIter *it = (IxPostIter *)p;
  int rc = pos_enter(it, err);
  if (rc) return rc;
  uint32_t f = it->freqs[it->i];
  if (it->pfull) { /* already decoded */
    *pos = it->posv;
    *n = f;
    return SW_OK;
  }
  const uint8_t *d = it->pdata;
  size_t len = it->plen, o = it->pdoc_off; /* a seek may have begun it */
  if (f > len - o) return pos_corrupt(it, it->pstart, "positions block too short", err);
  if (f > it->posv_cap) {
    uint32_t *v = sw_realloc(it->posv, (size_t)f * sizeof *v);
    if (!v) return sw_error_set(err, SW_NOMEM, "out of memory (positions)");
    it->posv = v;
    it->posv_cap = f;
  }
  uint32_t *out = it->posv;
  uint64_t v, cur;
  /* The first position is absolute (may be 0), the rest deltas >= 1. Each
  ** delta is below 2^32 and there are fewer than 2^32, so the uint64 sum
  ** cannot wrap: it only grows, and one check at the end finds a position
  ** past 2^32 - 1. A zero delta is remembered and reported after the loop
  ** (the values stored meanwhile are never handed out). */
  if ((o = get_pos_varint(d, len, o, &v)) == SIZE_MAX)
    return pos_corrupt(it, it->pstart, "truncated position", err);
  cur = v;
  out[0] = (uint32_t)cur;
  uint64_t zero = 0;
  uint32_t k = 1;
  if (f >= POS_WIDE_MIN) { /* while eight remain: eight one-byte at once */
    while (f - k >= 8 && len - o >= 8) {
      uint64_t w = ix_get_u64(d + o);
      if (w & BYTES_HIGH) { /* not all one-byte: one varint */
        if ((o = get_pos_varint(d, len, o, &v)) == SIZE_MAX)
          return pos_corrupt(it, it->pstart, "truncated position", err);
        zero |= v == 0;
        cur += v;
        out[k++] = (uint32_t)cur;
        continue;
      }
      zero |= (w - BYTES_ONE) & BYTES_HIGH;
      for (unsigned j = 0; j < 8; j++) {
        cur += (w >> (8 * j)) & 0x7f;
        out[k + j] = (uint32_t)cur;
      }
      k += 8;
      o += 8;
    }
  }
  for (; k < f; k++) {
    if ((o = get_pos_varint(d, len, o, &v)) == SIZE_MAX)
      return pos_corrupt(it, it->pstart, "truncated position", err);
    zero |= v == 0;
    cur += v;
    out[k] = (uint32_t)cur;
  }
  if (zero) return pos_corrupt(it, it->pstart, "positions not ascending", err);
  if (cur > UINT32_MAX)
    return pos_corrupt(it, it->pstart, "position overflows", err);
  it->pcur = o;
  it->pk = f;
  it->plast = (uint32_t)cur;
  it->pfull = 1;
  *pos = out;
  *n = f;
  return SW_OK;
}

static int seg_position_seek(IxPostings *p, uint32_t target, uint32_t *pos,
                             int *found, SwError *err) {
  IxPostIter *it = (IxPostIter *)p;
  int rc = pos_enter(it, err);
  if (rc) return rc;
  uint32_t f = it->freqs[it->i];
  if (it->pfull) { /* all decoded: the first >= target by bisection */
    uint32_t lo = 0, hi = f;
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (it->posv[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    if (lo < f) {
      *pos = it->posv[lo];
      *found = 1;
    }
    return SW_OK;
  }
  /* Every consumed position but the last is below the previous target, so
  ** the last one answers any target up to it that is not smaller. */
  if (it->pk && target < it->ptarget) {
    it->pk = 0;
    it->pcur = it->pdoc_off;
  }
  it->ptarget = target;
  const uint8_t *d = it->pdata;
  size_t len = it->plen, o = it->pcur;
  uint32_t k = it->pk;
  uint64_t cur = it->plast, v;
  if (k == 0) { /* the first position is absolute (may be 0) */
    if ((o = get_pos_varint(d, len, o, &v)) == SIZE_MAX)
      return pos_corrupt(it, it->pstart, "truncated position", err);
    cur = v;
    k = 1;
  }
  /* cur < target <= UINT32_MAX before each delta (< 2^32) is added: the
  ** sum cannot wrap. Eight one-byte deltas that stay below target go at
  ** once (the frequent terms' positions are mostly such). */
  while (cur < target && k < f) {
    if (f - k >= 8 && len - o >= 8) {
      uint64_t w = ix_get_u64(d + o);
      if (eight_deltas(w)) {
        uint64_t sum = byte_sum(w);
        if (cur + sum < target) {
          cur += sum;
          k += 8;
          o += 8;
          continue;
        }
      }
    }
    if ((o = get_pos_varint(d, len, o, &v)) == SIZE_MAX)
      return pos_corrupt(it, it->pstart, "truncated position", err);
    if (v == 0) return pos_corrupt(it, it->pstart, "positions not ascending", err);
    cur += v;
    k++;
  }
  if (cur > UINT32_MAX)
    return pos_corrupt(it, it->pstart, "position overflows", err);
  it->pk = k;
  it->pcur = o;
  it->plast = (uint32_t)cur;
  if (cur >= target) {
    *pos = (uint32_t)cur;
    *found = 1;
  }
  return SW_OK;
}

static SwDocId seg_block_last(const IxPostings *p) {
  return ((const IxPostIter *)p)->block_last;
}

static uint32_t seg_block_max_tf(const IxPostings *p) {
  return ((const IxPostIter *)p)->block_max;
}

static float seg_block_impact(const IxPostings *p) {
  return ((const IxPostIter *)p)->block_impact;
}

static int seg_skip_blocks(IxPostings *p, double limit, SwError *err) {
  IxPostIter *it = (IxPostIter *)p;
  uint32_t b = it->block + 1;
  while (b < it->nblocks && (double)ix_post_skip_impact(it, b) <= limit) b++;
  if (b >= it->nblocks) {
    set_eof(it);
    return SW_OK;
  }
  int rc = ix_post_load_block(it, b, err);
  if (rc) return rc;
  set_cur(it);
  return SW_OK;
}

static void seg_free(IxPostings *p) {
  IxPostIter *it = (IxPostIter *)p;
  ix_buf_free(&it->pbuf);
  sw_free(it->posv);
  sw_free(it);
}

static const IxPostOps seg_ops = {
    .next = seg_next,
    .seek = seg_seek,
    .positions = seg_positions,
    .position_seek = seg_position_seek,
    .block_last = seg_block_last,
    .block_max_tf = seg_block_max_tf,
    .block_impact = seg_block_impact,
    .skip_blocks = seg_skip_blocks,
    .free = seg_free,
};

/* ------------------------------------------------------------ dispatch --
** index.h's ix_postings_* for every kind of iterator (index_int.h,
** IxPostOps): what the contract says of an iterator at its end is answered
** here, the rest by the iterator's table. */

static inline const IxPostOps *ops_of(const IxPostings *p) {
  return ((const IxPostHead *)p)->ops;
}

int ix_postings_next(IxPostings *p, SwError *err) {
  if (p->eof) return SW_OK;
  return ops_of(p)->next(p, err);
}

int ix_postings_seek(IxPostings *p, SwDocId target, SwError *err) {
  if (p->eof || target <= p->doc) return SW_OK;
  return ops_of(p)->seek(p, target, err);
}

int ix_postings_positions(IxPostings *p, const uint32_t **pos, uint32_t *n,
                          SwError *err) {
  *pos = NULL;
  *n = 0;
  if (p->eof) return SW_OK;
  return ops_of(p)->positions(p, pos, n, err);
}

int ix_postings_position_seek(IxPostings *p, uint32_t target, uint32_t *pos,
                              int *found, SwError *err) {
  *pos = 0;
  *found = 0;
  if (p->eof) return SW_OK;
  return ops_of(p)->position_seek(p, target, pos, found, err);
}

SwDocId ix_postings_block_last(const IxPostings *p) {
  return p->eof ? IX_DOC_END : ops_of(p)->block_last(p);
}

uint32_t ix_postings_block_max_tf(const IxPostings *p) {
  return p->eof ? 0 : ops_of(p)->block_max_tf(p);
}

float ix_postings_block_impact(const IxPostings *p) {
  return p->eof ? 0 : ops_of(p)->block_impact(p);
}

int ix_postings_skip_blocks(IxPostings *p, double limit, SwError *err) {
  if (p->eof) return SW_OK;
  return ops_of(p)->skip_blocks(p, limit, err);
}

void ix_postings_free(IxPostings *p) {
  if (p) ops_of(p)->free(p);
}
