/*
** termdict.c — the term dictionary (FORMAT.md §3): writing it (terms arrive
** sorted from the writer's merge) and looking terms up in the mapped file.
** Interface: index_int.h ("interface to termdict.c"); ix_term_find in
** index.h is answered here through reader.c.
**
** Terms are grouped in blocks of IX_DICT_BLOCK, front-coded against the
** previous term of the block; the first term of a block is stored whole, so
** any block decodes on its own. A block index after the blocks holds, per
** block, the first 8 bytes of its first term (zero-padded) and the block's
** offset: a lookup binary-searches those fixed 12-byte entries, touching the
** block bytes only when 8-byte prefixes tie, then scans one block. Zero
** padding keeps the prefixes in the same order as the terms (a term that is
** a prefix of another sorts first either way).
**
** The postings locators are front-coded too: a block stores the absolute
** offsets of its first term's postings and positions; every entry stores
** lengths, and the offsets of the next term follow by addition.
*/
#include "index_int.h"

#include <stdio.h>

/* -------------------------------------------------------------- writing -- */

static int dictw_entry(IxDictWriter *w, const IxTermEntry *e) {
  IxBuf *b = &w->blocks;
  if (ix_buf_varint(b, e->df) || ix_buf_varint(b, e->cf - e->df) ||
      ix_buf_varint(b, e->max_tf) || ix_buf_varint(b, e->post_len) ||
      ix_buf_varint(b, e->pos_len) || ix_buf_u32(b, e->post_sum))
    return SW_NOMEM;
  return SW_OK;
}

int ix_dictw_add(IxDictWriter *w, const uint8_t *term, size_t len,
                 const IxTermEntry *e, SwError *err) {
  if (len == 0 || len > IX_MAX_TERM)
    return sw_error_set(err, SW_LIMIT, "term of %zu bytes", len);
  if (w->nterms) {
    size_t m = len < w->prev_len ? len : w->prev_len;
    int c = memcmp(term, w->prev, m);
    if (c < 0 || (c == 0 && len <= w->prev_len))
      return sw_error_set(err, SW_CORRUPT,
                          "writer: terms out of order at term %llu",
                          (unsigned long long)w->nterms);
  }
  if (e->post_off != w->next_post || e->pos_off != w->next_pos)
    return sw_error_set(err, SW_CORRUPT,
                        "writer: postings not contiguous at term %llu",
                        (unsigned long long)w->nterms);
  IxBuf *b = &w->blocks;
  uint64_t block_off = IX_DICT_HEADER + (uint64_t)b->len;
  if (block_off + 2 * IX_MAX_TERM + 64 > UINT32_MAX)
    return sw_error_set(err, SW_LIMIT, "term dictionary over 4 GiB");
  int rc = SW_OK;
  if (w->nterms % IX_DICT_BLOCK == 0) {
    /* FORMAT.md §3: index entry = prefix[8] u32(block offset). */
    uint8_t ent[IX_DICT_INDEX_ENTRY];
    memset(ent, 0, 8);
    memcpy(ent, term, len < 8 ? len : 8);
    ix_put_u32(ent + 8, (uint32_t)block_off);
    if (ix_buf_append(&w->index, ent, sizeof ent) || ix_buf_varint(b, 0) ||
        ix_buf_varint(b, len) || ix_buf_append(b, term, len) ||
        ix_buf_varint(b, e->post_off) || ix_buf_varint(b, e->pos_off) ||
        dictw_entry(w, e))
      rc = SW_NOMEM;
    w->nblocks++;
  } else {
    size_t m = len < w->prev_len ? len : w->prev_len, pre = 0;
    while (pre < m && term[pre] == w->prev[pre]) pre++;
    if (ix_buf_varint(b, pre) || ix_buf_varint(b, len - pre) ||
        ix_buf_append(b, term + pre, len - pre) || dictw_entry(w, e))
      rc = SW_NOMEM;
  }
  if (rc) return sw_error_set(err, SW_NOMEM, "out of memory in term dictionary");
  memcpy(w->prev, term, len);
  w->prev_len = len;
  w->nterms++;
  w->next_post = e->post_off + e->post_len;
  w->next_pos = e->pos_off + e->pos_len;
  return SW_OK;
}

int ix_dictw_write(IxDictWriter *w, const char *path, uint64_t *size,
                   uint64_t *sum, SwError *err) {
  uint8_t h[IX_DICT_HEADER - IX_HEADER_SIZE]; /* FORMAT.md §3 */
  uint64_t index_off = IX_DICT_HEADER + (uint64_t)w->blocks.len;
  if (index_off + w->index.len + IX_FOOTER_SIZE > UINT32_MAX)
    return sw_error_set(err, SW_LIMIT, "%s: term dictionary over 4 GiB", path);
  ix_put_u64(h, w->nterms);
  ix_put_u32(h + 8, w->nblocks);
  ix_put_u32(h + 12, IX_DICT_BLOCK);
  ix_put_u64(h + 16, index_off);
  IxOut o;
  int rc = ix_out_open(&o, path, "TERM", err);
  if (rc) return rc;
  if ((rc = ix_out_write(&o, h, sizeof h, err)) == SW_OK &&
      (rc = ix_out_write(&o, w->blocks.p, w->blocks.len, err)) == SW_OK &&
      (rc = ix_out_write(&o, w->index.p, w->index.len, err)) == SW_OK)
    rc = ix_out_finish(&o, size, sum, err);
  ix_out_discard(&o);
  return rc;
}

void ix_dictw_free(IxDictWriter *w) {
  ix_buf_free(&w->blocks);
  ix_buf_free(&w->index);
  memset(w, 0, sizeof *w);
}

/* -------------------------------------------------------------- reading -- */

/* The first 8 bytes at p as a big-endian integer: integer order is byte
** order, so the block index compares without memcmp calls. */
static inline uint64_t load_be64(const uint8_t *p) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t k;
  memcpy(&k, p, 8);
  return __builtin_bswap64(k);
#else
  uint64_t k = 0;
  for (unsigned j = 0; j < 8; j++) k = k << 8 | p[j];
  return k;
#endif
}

int ix_dict_open(IxDict *d, const char *gendir, uint64_t post_size,
                 uint64_t pos_size, const uint8_t *psums, uint32_t npages,
                 SwError *err) {
  memset(d, 0, sizeof *d);
  int rc = ix_map_open(&d->map, gendir, "terms", "TERM",
                       psums ? IX_ADV_NORMAL : IX_ADV_WILLNEED, err);
  if (rc) return rc;
  /* The dictionary is read on every lookup: format 3 verifies the pages a
  ** lookup reads (first_key), older formats all of it now. */
  if ((rc = psums ? ix_map_pages(&d->map, psums, npages, err)
                  : ix_map_verify(&d->map, err)))
    goto fail;
  const uint8_t *p = d->map.p;
  const char *path = d->map.path;
  size_t size = d->map.size;
  if (size < IX_DICT_HEADER + IX_FOOTER_SIZE) {
    rc = ix_corrupt(err, path, 0, "file shorter than its header");
    goto fail;
  }
  if ((rc = ix_map_need(&d->map, 0, IX_DICT_HEADER, err))) goto fail;
  d->nterms = ix_get_u64(p + 16);
  d->nblocks = ix_get_u32(p + 24);
  uint32_t per = ix_get_u32(p + 28);
  d->index_off = ix_get_u64(p + 32);
  if (per != IX_DICT_BLOCK) {
    rc = ix_corrupt(err, path, 28, "terms per block is not 16");
    goto fail;
  }
  if (d->nblocks != (d->nterms + IX_DICT_BLOCK - 1) / IX_DICT_BLOCK) {
    rc = ix_corrupt(err, path, 24, "block count does not match term count");
    goto fail;
  }
  if (d->index_off < IX_DICT_HEADER ||
      d->index_off + (uint64_t)d->nblocks * IX_DICT_INDEX_ENTRY !=
          size - IX_FOOTER_SIZE) {
    rc = ix_corrupt(err, path, 32, "block index offset or size wrong");
    goto fail;
  }
  if ((rc = ix_map_need(&d->map, d->index_off,
                        (uint64_t)d->nblocks * IX_DICT_INDEX_ENTRY, err)))
    goto fail;
  uint64_t prev = 0;
  for (uint32_t i = 0; i < d->nblocks; i++) {
    size_t at = d->index_off + (size_t)i * IX_DICT_INDEX_ENTRY;
    uint64_t off = ix_get_u32(p + at + 8);
    /* Blocks start at 40, ascend, and each holds at least 3 bytes. */
    if ((i == 0 && off != IX_DICT_HEADER) || (i > 0 && off < prev + 3) ||
        off + 3 > d->index_off) {
      rc = ix_corrupt(err, path, at + 8, "block offset out of order or range");
      goto fail;
    }
    prev = off;
  }
  if (d->nblocks == 0 && d->index_off != IX_DICT_HEADER) {
    rc = ix_corrupt(err, path, 32, "bytes between header and empty index");
    goto fail;
  }
  d->post_end = post_size - IX_FOOTER_SIZE;
  d->pos_end = pos_size - IX_FOOTER_SIZE;
  d->ntop = (d->nblocks + IX_DICT_TOP - 1) / IX_DICT_TOP;
  d->top = sw_malloc((size_t)(d->ntop ? d->ntop : 1) * sizeof *d->top);
  if (!d->top) {
    rc = sw_error_set(err, SW_NOMEM, "out of memory (term dictionary)");
    goto fail;
  }
  for (uint32_t i = 0; i < d->ntop; i++)
    d->top[i] = load_be64(p + d->index_off +
                          (size_t)i * IX_DICT_TOP * IX_DICT_INDEX_ENTRY);
  return SW_OK;
fail:
  ix_dict_close(d);
  return rc;
}

void ix_dict_close(IxDict *d) {
  sw_free(d->top);
  ix_map_close(&d->map);
  memset(d, 0, sizeof *d);
}

static void block_range(const IxDict *d, uint32_t b, size_t *start,
                        size_t *end) {
  const uint8_t *ix = d->map.p + d->index_off;
  *start = ix_get_u32(ix + (size_t)b * IX_DICT_INDEX_ENTRY + 8);
  *end = b + 1 < d->nblocks
             ? ix_get_u32(ix + (size_t)(b + 1) * IX_DICT_INDEX_ENTRY + 8)
             : (size_t)d->index_off;
}

/* Decodes a key at *off into term (holding *len bytes of the previous term).
** first: the block's first key, whose prefix must be 0. */
static int decode_key(const IxDict *d, size_t *off, size_t end, int first,
                      uint8_t *term, size_t *len, SwError *err) {
  const uint8_t *p = d->map.p;
  size_t at = *off;
  uint64_t pre, suf;
  if (ix_varint_get(p, end, off, &pre) || ix_varint_get(p, end, off, &suf))
    return ix_corrupt(err, d->map.path, at, "truncated term key");
  if ((first && pre != 0) || pre > *len || suf > IX_MAX_TERM - pre ||
      pre + suf == 0 || suf > end - *off)
    return ix_corrupt(err, d->map.path, at, "bad term key lengths");
  memcpy(term + pre, p + *off, (size_t)suf);
  *off += (size_t)suf;
  *len = (size_t)(pre + suf);
  return SW_OK;
}

static int decode_data(const IxDict *d, size_t *off, size_t end,
                       IxTermEntry *e, SwError *err) {
  const uint8_t *p = d->map.p;
  size_t at = *off;
  uint64_t extra;
  if (ix_varint_get32(p, end, off, &e->df) ||
      ix_varint_get(p, end, off, &extra) ||
      ix_varint_get32(p, end, off, &e->max_tf) ||
      ix_varint_get(p, end, off, &e->post_len) ||
      ix_varint_get(p, end, off, &e->pos_len))
    return ix_corrupt(err, d->map.path, at, "truncated term entry");
  e->has_sum = d->map.version >= 2;
  if (e->has_sum) { /* FORMAT.md §3, format 2: u32 postings checksum */
    if (end - *off < 4)
      return ix_corrupt(err, d->map.path, at, "truncated term entry");
    e->post_sum = ix_get_u32(p + *off);
    *off += 4;
  }
  /* FORMAT.md §3 invariants: 1 <= max_tf <= cf - df + 1, lengths in file. */
  if (e->df == 0 || e->max_tf == 0 || extra > UINT64_MAX - e->df ||
      e->max_tf - 1 > extra || e->post_len == 0 ||
      e->post_off > d->post_end || e->post_len > d->post_end - e->post_off ||
      e->pos_off > d->pos_end || e->pos_len > d->pos_end - e->pos_off ||
      e->post_off < IX_HEADER_SIZE || e->pos_off < IX_HEADER_SIZE)
    return ix_corrupt(err, d->map.path, at, "term entry out of range");
  e->cf = e->df + extra;
  return SW_OK;
}

/* Block b's first term into term/len; *off after the key. */
static int first_key(const IxDict *d, uint32_t b, uint8_t *term, size_t *len,
                     size_t *off, size_t *end, SwError *err) {
  size_t start;
  block_range(d, b, &start, end);
  int rc = ix_map_need(&d->map, start, *end - start, err);
  if (rc) return rc;
  *off = start;
  *len = 0;
  return decode_key(d, off, *end, 1, term, len, err);
}

static int term_cmp(const uint8_t *a, size_t alen, const uint8_t *b,
                    size_t blen) {
  size_t m = alen < blen ? alen : blen;
  int c = memcmp(a, b, m);
  if (c) return c;
  return alen < blen ? -1 : alen > blen;
}

void ix_term_info_from_entry(const IxTermEntry *e, IxTermInfo *ti) {
  ti->df = e->df;
  ti->max_tf = e->max_tf;
  ti->cf = e->cf;
  ti->loc[0] = e->post_off;
  ti->loc[1] = e->post_len;
  ti->loc[2] = e->pos_off;
  ti->loc[3] = e->pos_len;
  ti->loc[4] = e->has_sum ? (uint64_t)1 << 32 | e->post_sum : 0;
}

/* Number of index entries whose prefix is <= key (le) or < key (!le),
** branch-free so the search costs no mispredictions. */
static uint32_t prefix_bound(const uint8_t *ix, uint32_t n, uint64_t key,
                             int le) {
  uint32_t base = 0, len = n;
  while (len > 0) {
    uint32_t half = len / 2;
    uint64_t k = load_be64(ix + (size_t)(base + half) * IX_DICT_INDEX_ENTRY);
    int go = le ? k <= key : k < key;
    base = go ? base + half + 1 : base;
    len = go ? len - half - 1 : half;
  }
  return base;
}

int ix_dict_find(const IxDict *d, const char *term, size_t len,
                 IxTermInfo *out, SwError *err) {
  memset(out, 0, sizeof *out);
  if (len == 0 || len > IX_MAX_TERM || d->nblocks == 0) return SW_NOTFOUND;
  const uint8_t *t = (const uint8_t *)term;
  uint8_t key8[8];
  memset(key8, 0, 8);
  memcpy(key8, t, len < 8 ? len : 8);
  uint64_t key = load_be64(key8);
  const uint8_t *ix = d->map.p + d->index_off;
  uint8_t cur[IX_MAX_TERM];
  size_t cur_len, off, end;
  int rc;

  /* The block is the last whose first term is <= term. Prefixes decide
  ** unless blocks tie on the 8-byte prefix: then binary-search the tied
  ** run [lo, hi) by whole first terms. */
  uint32_t t0 = 0, tn = d->ntop; /* samples <= key, branch-free */
  while (tn > 0) {
    uint32_t half = tn / 2;
    int go = d->top[t0 + half] <= key;
    t0 = go ? t0 + half + 1 : t0;
    tn = go ? tn - half - 1 : half;
  }
  if (t0 == 0) return SW_NOTFOUND;
  uint32_t first = (t0 - 1) * IX_DICT_TOP;
  uint32_t span = d->nblocks - first < IX_DICT_TOP ? d->nblocks - first
                                                   : IX_DICT_TOP;
  uint32_t hi =
      first + prefix_bound(ix + (size_t)first * IX_DICT_INDEX_ENTRY, span, key, 1);
  uint32_t lo = hi;
  if (load_be64(ix + (size_t)(hi - 1) * IX_DICT_INDEX_ENTRY) == key) {
    lo = prefix_bound(ix, hi, key, 0); /* first tied block */
    uint32_t a = lo, z = hi;           /* answer: last in [a, z) <= term */
    while (a < z) {
      uint32_t mid = a + (z - a) / 2;
      if ((rc = first_key(d, mid, cur, &cur_len, &off, &end, err))) return rc;
      if (term_cmp(t, len, cur, cur_len) < 0) z = mid;
      else a = mid + 1;
    }
    if (a == 0) return SW_NOTFOUND;
    lo = a;
  }
  uint32_t b = lo - 1;

  if ((rc = first_key(d, b, cur, &cur_len, &off, &end, err))) return rc;
  const uint8_t *p = d->map.p;
  IxTermEntry e;
  memset(&e, 0, sizeof e);
  size_t at = off;
  if (ix_varint_get(p, end, &off, &e.post_off) ||
      ix_varint_get(p, end, &off, &e.pos_off))
    return ix_corrupt(err, d->map.path, at, "truncated block offsets");
  uint64_t left = d->nterms - (uint64_t)b * IX_DICT_BLOCK;
  uint32_t count = left < IX_DICT_BLOCK ? (uint32_t)left : IX_DICT_BLOCK;
  /* m = length of the common prefix of the target and the current term,
  ** which sorts below the target. A next key sharing more than m bytes
  ** with its predecessor is still below the target; one sharing fewer is
  ** above it; only pre == m needs comparing bytes. */
  size_t m = 0;
  while (m < len && m < cur_len && t[m] == cur[m]) m++;
  for (uint32_t k = 0;; k++) {
    int c;
    if (m == len && m == cur_len) c = 0;
    else if (m == len) c = -1;
    else if (m == cur_len) c = 1;
    else c = t[m] < cur[m] ? -1 : 1;
    if (c == 0) {
      if ((rc = decode_data(d, &off, end, &e, err))) return rc;
      ix_term_info_from_entry(&e, out);
      return SW_OK;
    }
    if (c < 0 || k + 1 == count) return SW_NOTFOUND;
    /* Skip df, cf - df, max_tf; take the two lengths. */
    at = off;
    for (int v = 0; v < 3; v++) {
      while (off < end && p[off] >= 0x80) off++;
      off++;
    }
    if (off > end || ix_varint_get(p, end, &off, &e.post_len) ||
        ix_varint_get(p, end, &off, &e.pos_len) ||
        e.post_len > d->post_end || e.pos_len > d->pos_end ||
        (d->map.version >= 2 && end - off < 4))
      return ix_corrupt(err, d->map.path, at, "truncated term entry");
    if (d->map.version >= 2) off += 4; /* the postings checksum */
    e.post_off += e.post_len;
    e.pos_off += e.pos_len;
    /* Next key. */
    at = off;
    uint64_t pre, suf;
    if (ix_varint_get(p, end, &off, &pre) || ix_varint_get(p, end, &off, &suf) ||
        pre > cur_len || suf > IX_MAX_TERM - pre || pre + suf == 0 ||
        suf > end - off)
      return ix_corrupt(err, d->map.path, at, "bad term key lengths");
    memcpy(cur + pre, p + off, (size_t)suf);
    off += (size_t)suf;
    cur_len = (size_t)(pre + suf);
    if (pre < m) return SW_NOTFOUND;
    if (pre == m)
      while (m < len && m < cur_len && t[m] == cur[m]) m++;
  }
}

void ix_dict_iter_begin(IxDictIter *it, const IxDict *d) {
  memset(it, 0, sizeof *it);
  it->d = d;
  it->in_block = IX_DICT_BLOCK; /* forces loading block 0 */
  it->block = UINT32_MAX;
  if (d->nterms == 0) it->eof = 1;
}

int ix_dict_iter_next(IxDictIter *it, SwError *err) {
  const IxDict *d = it->d;
  int rc;
  if (it->eof) return SW_OK;
  if (it->seen == d->nterms) {
    it->eof = 1;
    return SW_OK;
  }
  if (it->in_block == IX_DICT_BLOCK) {
    it->block = it->block == UINT32_MAX ? 0 : it->block + 1;
    it->in_block = 0;
    if ((rc = first_key(d, it->block, it->term, &it->term_len, &it->off,
                        &it->end, err)))
      return rc;
    size_t at = it->off;
    if (ix_varint_get(d->map.p, it->end, &it->off, &it->e.post_off) ||
        ix_varint_get(d->map.p, it->end, &it->off, &it->e.pos_off))
      return ix_corrupt(err, d->map.path, at, "truncated block offsets");
  } else {
    it->e.post_off += it->e.post_len;
    it->e.pos_off += it->e.pos_len;
    if ((rc = decode_key(d, &it->off, it->end, 0, it->term, &it->term_len,
                         err)))
      return rc;
  }
  if ((rc = decode_data(d, &it->off, it->end, &it->e, err))) return rc;
  it->in_block++;
  it->seen++;
  /* A block must end exactly after its last term. */
  if ((it->in_block == IX_DICT_BLOCK || it->seen == d->nterms) &&
      it->off != it->end)
    return ix_corrupt(err, d->map.path, it->off, "bytes after the last term of a block");
  return SW_OK;
}
