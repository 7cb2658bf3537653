/*
** multi.c — a commit point's segments seen as one index (index.h "reader",
** "terms and postings"): terms with statistics over live documents only,
** the union postings iterator that walks the segments in doc id order and
** skips deleted documents, and document accessors by global id.
** Interface: index.h. The union iterator is a kind of postings iterator
** (index_int.h, IxPostOps): index.h's ix_postings_* reach it through its
** table, multi_ops, and it drives its per-segment iterators through those
** same public functions, so postings.c knows nothing of this file. An
** index of one segment with nothing deleted (r->simple, the result of a
** rebuild or optimize) takes none of these detours: its lookups and
** iterators are the segment's own.
*/
#include "index_int.h"

#include <stdio.h>

/* The union iterator: one sub-iterator per segment holding the term, in
** segment (so doc id) order; cur is the one positioned on pub.doc. */
typedef struct IxMultiPost {
  IxPostHead h;                            /* doc, freq, eof; multi_ops     */
  uint32_t n;                              /* sub-iterators                 */
  uint32_t cur;                            /* current one                   */
  IxPostings *sub[IX_MAX_SEGMENTS];        /* them (owned)                  */
  const IxSeg *seg[IX_MAX_SEGMENTS];       /* their segments                */
} IxMultiPost;

/* How many of the documents of s that hold the term are deleted. Seeks to
** each deleted document when they are few next to df, else walks. */
static int deleted_with_term(IxSeg *s, const IxTermInfo *ti, uint32_t *out,
                             SwError *err) {
  *out = 0;
  IxPostings *p;
  int rc = ix_seg_postings_open(s, ti, 0, &p, err);
  if (rc) return rc;
  uint32_t n = 0;
  if ((uint64_t)s->ndel * 8 < ti->df) {
    uint32_t nbytes = (s->man.doc_count + 7) / 8;
    for (uint32_t byte = 0; byte < nbytes && !p->eof; byte++) {
      unsigned b = s->del[byte];
      while (b && !p->eof) {
        uint32_t d = byte * 8 + (uint32_t)__builtin_ctz(b);
        b &= b - 1;
        if ((rc = ix_postings_seek(p, d, err))) goto done;
        if (!p->eof && p->doc == d) n++;
      }
    }
  } else {
    while (!p->eof) {
      if (ix_seg_deleted(s, p->doc)) n++;
      if ((rc = ix_postings_next(p, err))) goto done;
    }
  }
  *out = n;
done:
  ix_postings_free(p);
  return rc;
}

int ix_term_find(IxReader *r, const char *term, size_t len, IxTermInfo *out,
                 SwError *err) {
  if (r->simple) return ix_dict_find(&r->seg[0]->dict, term, len, out, err);
  memset(out, 0, sizeof *out);
  uint64_t mask = 0, df = 0;
  for (uint32_t i = 0; i < r->nseg; i++) {
    IxSeg *s = r->seg[i];
    IxTermInfo ti;
    int rc = ix_dict_find(&s->dict, term, len, &ti, err);
    if (rc == SW_NOTFOUND) continue;
    if (rc) return rc;
    uint32_t gone = 0;
    if (s->ndel && (rc = deleted_with_term(s, &ti, &gone, err))) return rc;
    if (gone >= ti.df) continue; /* only in deleted documents */
    df += ti.df - gone;
    out->cf += ti.cf;
    if (ti.max_tf > out->max_tf) out->max_tf = ti.max_tf;
    mask |= (uint64_t)1 << i;
  }
  if (!mask) {
    memset(out, 0, sizeof *out);
    return SW_NOTFOUND;
  }
  out->df = (uint32_t)df; /* <= live documents < 2^32 */
  out->loc[0] = mask;
  out->term = term;
  out->term_len = len;
  return SW_OK;
}

static const IxPostOps multi_ops; /* the table, after its functions */

/* Move to the first live posting at or after the current sub-iterator's. */
static int settle(IxMultiPost *m, SwError *err) {
  while (m->cur < m->n) {
    IxPostings *s = m->sub[m->cur];
    const IxSeg *g = m->seg[m->cur];
    if (s->eof) {
      m->cur++;
      continue;
    }
    if (ix_seg_deleted(g, s->doc)) {
      int rc = ix_postings_next(s, err);
      if (rc) return rc;
      continue;
    }
    m->h.pub.doc = g->base + s->doc;
    m->h.pub.freq = s->freq;
    m->h.pub.eof = 0;
    return SW_OK;
  }
  m->h.pub.doc = IX_DOC_END;
  m->h.pub.freq = 0;
  m->h.pub.eof = 1;
  return SW_OK;
}

int ix_postings_open(IxReader *r, const IxTermInfo *ti, int with_positions,
                     IxPostings **out, SwError *err) {
  if (r->simple)
    return ix_seg_postings_open(r->seg[0], ti, with_positions, out, err);
  *out = NULL;
  IxMultiPost *m = sw_calloc(1, sizeof *m);
  if (!m) return sw_error_set(err, SW_NOMEM, "out of memory (postings)");
  m->h.ops = &multi_ops;
  int rc = SW_OK;
  for (uint32_t i = 0; i < r->nseg && i < 64; i++) {
    if (!(ti->loc[0] >> i & 1)) continue;
    IxTermInfo sti;
    rc = ix_dict_find(&r->seg[i]->dict, ti->term, ti->term_len, &sti, err);
    if (rc == SW_NOTFOUND)
      rc = sw_error_set(err, SW_CORRUPT, "%s: term vanished between lookups",
                        r->seg[i]->segdir);
    if (rc ||
        (rc = ix_seg_postings_open(r->seg[i], &sti, with_positions,
                                   &m->sub[m->n], err)))
      goto fail;
    m->seg[m->n++] = r->seg[i];
  }
  if ((rc = settle(m, err))) goto fail;
  *out = &m->h.pub;
  return SW_OK;
fail:
  ix_postings_free(&m->h.pub);
  return rc;
}

/* The table's functions; none is called at the end (index_int.h). */

static int multi_next(IxPostings *p, SwError *err) {
  IxMultiPost *m = (IxMultiPost *)p;
  int rc = ix_postings_next(m->sub[m->cur], err);
  return rc ? rc : settle(m, err);
}

static int multi_seek(IxPostings *p, SwDocId target, SwError *err) {
  IxMultiPost *m = (IxMultiPost *)p;
  /* Every document of a segment is below the next segment's base. */
  while (m->cur + 1 < m->n && m->seg[m->cur + 1]->base <= target) m->cur++;
  const IxSeg *g = m->seg[m->cur];
  if (target > g->base) {
    int rc = ix_postings_seek(m->sub[m->cur], target - g->base, err);
    if (rc) return rc;
  }
  return settle(m, err);
}

static int multi_positions(IxPostings *p, const uint32_t **pos, uint32_t *n,
                           SwError *err) {
  IxMultiPost *m = (IxMultiPost *)p;
  return ix_postings_positions(m->sub[m->cur], pos, n, err);
}

static int multi_position_seek(IxPostings *p, uint32_t target, uint32_t *pos,
                               int *found, SwError *err) {
  IxMultiPost *m = (IxMultiPost *)p;
  return ix_postings_position_seek(m->sub[m->cur], target, pos, found, err);
}

static SwDocId multi_block_last(const IxPostings *p) {
  const IxMultiPost *m = (const IxMultiPost *)p;
  return m->seg[m->cur]->base + ix_postings_block_last(m->sub[m->cur]);
}

static uint32_t multi_block_max_tf(const IxPostings *p) {
  const IxMultiPost *m = (const IxMultiPost *)p;
  return ix_postings_block_max_tf(m->sub[m->cur]);
}

static float multi_block_impact(const IxPostings *p) {
  const IxMultiPost *m = (const IxMultiPost *)p;
  return ix_postings_block_impact(m->sub[m->cur]);
}

/* One block at a time: past the current segment block's last document,
** whatever the limit (index.h). */
static int multi_skip_blocks(IxPostings *p, double limit, SwError *err) {
  (void)limit;
  SwDocId last = multi_block_last(p);
  if (last == IX_DOC_END || last + 1 == IX_DOC_END) /* nothing after */
    return multi_seek(p, IX_DOC_END, err);
  return multi_seek(p, last + 1, err);
}

static void multi_free(IxPostings *p) {
  IxMultiPost *m = (IxMultiPost *)p;
  for (uint32_t i = 0; i < m->n; i++) ix_postings_free(m->sub[i]);
  sw_free(m);
}

static const IxPostOps multi_ops = {
    .next = multi_next,
    .seek = multi_seek,
    .positions = multi_positions,
    .position_seek = multi_position_seek,
    .block_last = multi_block_last,
    .block_max_tf = multi_block_max_tf,
    .block_impact = multi_block_impact,
    .skip_blocks = multi_skip_blocks,
    .free = multi_free,
};

/* ------------------------------------------------------------ documents -- */

uint32_t ix_doc_len(const IxReader *r, SwDocId d) {
  if (r->simple) return ix_seg_doc_len(r->seg[0], d);
  const IxSeg *s = ix_reader_locate(r, &d);
  return s ? ix_seg_doc_len(s, d) : 0;
}

uint32_t ix_doc_lens(const IxReader *r, SwDocId first, uint32_t *out,
                     uint32_t max) {
  SwDocId local = first;
  const IxSeg *s = ix_reader_locate(r, &local);
  if (!s) return 0;
  uint32_t n = s->docs.n - local < max ? s->docs.n - local : max;
  const uint8_t *p = s->docs.lens.p + IX_DOCLENS_HEADER + (size_t)local * 4;
  for (uint32_t i = 0; i < n; i++) out[i] = ix_get_u32(p + (size_t)i * 4);
  return n;
}

int ix_doc_meta(IxReader *r, SwDocId d, IxDocMeta *out, SwError *err) {
  SwDocId local = d;
  const IxSeg *s = ix_reader_locate(r, &local);
  if (!s) {
    memset(out, 0, sizeof *out);
    return sw_error_set(err, SW_NOTFOUND, "no document %u (index has %u)", d,
                        r->ndocs);
  }
  return ix_seg_doc_meta(s, local, out, err);
}

int ix_doc_text(IxReader *r, SwDocId d, char **text, size_t *len,
                SwError *err) {
  SwDocId local = d;
  IxSeg *s = ix_reader_locate(r, &local);
  if (!s) {
    *text = NULL;
    *len = 0;
    return sw_error_set(err, SW_NOTFOUND, "no document %u (index has %u)", d,
                        r->ndocs);
  }
  return ix_docs_text(&s->docs, local, text, len, err);
}
