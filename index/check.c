/*
** check.c — ix_check: verify the live commit point and each of its
** segments reading every byte (index.h, "check"). Opening already checks frames, the manifest cross-checks and
** the small files' checksums; here every remaining checksum is verified and
** every structure decoded: terms strictly ascending, postings contiguous in
** dictionary order, every block decoded, doc ids ascending and below the
** doc count, df/cf/max_tf equal to what the postings hold, skip entries
** equal to their blocks, one position per unit of freq and each below the
** document's length + IX_FIELD_GAP, every positions block consumed exactly,
** the cf of word terms (not namespaced ones, FORMAT.md §3a) summing to the
** manifest's token count, every document's metadata and
** text decoding to the stored lengths; and over the whole commit point,
** that no id is live in two documents. The invariants are FORMAT.md's.
*/
#include "index_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void say(IxReportFn report, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(IxReportFn report, void *ctx, const char *fmt, ...) {
  if (!report) return;
  char line[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  report(ctx, line);
}

typedef struct CheckTotals {
  uint64_t postings;   /* (term, doc) pairs           */
  uint64_t blocks;     /* postings blocks             */
  uint64_t positions;  /* positions                   */
  uint64_t words;      /* positions of word terms     */
  uint64_t zblocks;    /* positions blocks in zstd    */
} CheckTotals;

/* what is wrong with the current term; in_pos: found in its positions. */
static int bad_term(const IxSeg *r, const IxDictIter *di, int in_pos,
                    const char *what, SwError *err) {
  char msg[200 + IX_MAX_TERM];
  snprintf(msg, sizeof msg, "term %llu \"%.*s\": %s",
           (unsigned long long)(di->seen - 1), (int)di->term_len,
           (const char *)di->term, what);
  if (in_pos) return ix_corrupt(err, r->pos.path, di->e.pos_off, msg);
  return ix_corrupt(err, r->post.path, di->e.post_off, msg);
}

static int check_term(IxSeg *r, const IxDictIter *di, CheckTotals *tot,
                      SwError *err) {
  IxTermInfo ti;
  ix_term_info_from_entry(&di->e, &ti);
  IxPostings *pp;
  int rc = ix_seg_postings_open(r, &ti, 1, &pp, err);
  if (rc) return rc;
  IxPostIter *it = (IxPostIter *)pp;
  uint64_t df = 0, cf = 0;
  uint32_t max_tf = 0;
  uint32_t last, doc_end = 0, pos_end = 0, bmax;
  const IxManifest *man = &r->man;
  double avg = ix_impact_avg(man->total_tokens, man->doc_count);
  for (uint32_t b = 0; b < it->nblocks; b++) {
    if (b > 0 && (rc = ix_post_load_block(it, b, err))) goto done;
    uint32_t blk_max = 0;
    float blk_impact = 0; /* FORMAT.md §4 (format 3): recomputed */
    for (uint32_t i = 0; i < it->n; i++) {
      if (man->impact_k1 > 0) {
        float x = ix_impact(it->freqs[i], ix_seg_doc_len(r, it->docs[i]),
                            man->impact_k1, man->impact_b, avg);
        if (x > blk_impact) blk_impact = x;
      }
      it->i = i;
      it->h.pub.doc = it->docs[i];
      it->h.pub.freq = it->freqs[i];
      const uint32_t *pos;
      uint32_t np;
      if ((rc = ix_postings_positions(pp, &pos, &np, err))) goto done;
      if (np != it->freqs[i]) {
        rc = bad_term(r, di, 1, "positions count differs from freq", err);
        goto done;
      }
      uint64_t limit = (uint64_t)ix_seg_doc_len(r, it->docs[i]) + IX_FIELD_GAP;
      if (pos[np - 1] >= limit) {
        rc = bad_term(r, di, 1, "position past the document's length", err);
        goto done;
      }
      if (it->freqs[i] > blk_max) blk_max = it->freqs[i];
      cf += it->freqs[i];
      df++;
    }
    if (it->pcur != it->plen) {
      rc = bad_term(r, di, 1, "positions block has bytes left over", err);
      goto done;
    }
    if (it->pos_block >= 0 && it->pbuf.p && it->pdata == it->pbuf.p)
      tot->zblocks++;
    if (it->nblocks > 1) {
      ix_post_skip(it, b, &last, &doc_end, &pos_end, &bmax);
      if (bmax != blk_max) {
        rc = bad_term(r, di, 0, "skip entry max freq differs from block", err);
        goto done;
      }
      float imp = ix_post_skip_impact(it, b);
      if (it->skip_size == IX_SKIP_ENTRY && imp != blk_impact) {
        rc = bad_term(r, di, 0, "skip entry impact differs from block", err);
        goto done;
      }
    }
    if (blk_max > max_tf) max_tf = blk_max;
    tot->blocks++;
  }
  if (it->nblocks > 1 &&
      ((size_t)doc_end != it->post_len - it->blocks_off ||
       (size_t)pos_end != it->pos_len)) {
    rc = bad_term(r, di, 0, "last skip entry does not end the term's data", err);
    goto done;
  }
  if (df != di->e.df || cf != di->e.cf || max_tf != di->e.max_tf) {
    rc = bad_term(r, di, 0, "df/cf/max_tf differ from the postings", err);
    goto done;
  }
  tot->postings += df;
  tot->positions += cf;
  /* Words only: namespaced extra terms (a control byte first) sit at the
  ** position of a word and add nothing to document lengths. */
  if (di->term_len && !an_ns_special(di->term[0])) tot->words += cf;
done:
  ix_postings_free(pp);
  return rc;
}

static int check_segment(IxSeg *r, IxReportFn report, void *ctx,
                         SwError *err) {
  int rc;
  const char *name = r->segdir + strlen(r->segdir) - IX_SEG_NAME_LEN;
  say(report, ctx, "%s/manifest: %u docs (%u deleted), %llu terms, %llu tokens ok",
      name, r->man.doc_count, r->ndel,
      (unsigned long long)r->man.term_count,
      (unsigned long long)r->man.total_tokens);
  /* The files open did not checksum whole; in format 3 also terms and
  ** docmeta, and every page of those against the manifest's sums. */
  const IxMap *paged[2] = {&r->dict.map, &r->docs.meta};
  if ((rc = ix_map_verify(&r->post, err)) ||
      (rc = ix_map_verify(&r->pos, err)) ||
      (rc = ix_map_verify(&r->docs.text, err)))
    return rc;
  for (int i = 0; i < 2; i++)
    if (paged[i]->psums &&
        ((rc = ix_map_verify(paged[i], err)) ||
         (rc = ix_map_need(paged[i], 0, paged[i]->size - IX_FOOTER_SIZE, err))))
      return rc;

  IxDictIter di;
  CheckTotals tot;
  memset(&tot, 0, sizeof tot);
  uint8_t prev[IX_MAX_TERM];
  size_t prev_len = 0;
  uint64_t want_post = IX_HEADER_SIZE, want_pos = IX_HEADER_SIZE;
  ix_dict_iter_begin(&di, &r->dict);
  for (;;) {
    if ((rc = ix_dict_iter_next(&di, err))) return rc;
    if (di.eof) break;
    if (di.seen > 1) {
      size_t m = di.term_len < prev_len ? di.term_len : prev_len;
      int c = memcmp(di.term, prev, m);
      if (c < 0 || (c == 0 && di.term_len <= prev_len)) {
        rc = ix_corrupt(err, r->dict.map.path, di.off,
                        "terms not strictly ascending");
        return rc;
      }
    }
    memcpy(prev, di.term, di.term_len);
    prev_len = di.term_len;
    if (di.e.post_off != want_post || di.e.pos_off != want_pos) {
      rc = ix_corrupt(err, r->dict.map.path, di.off,
                      "postings or positions not contiguous in term order");
      return rc;
    }
    want_post += di.e.post_len;
    want_pos += di.e.pos_len;
    if ((rc = check_term(r, &di, &tot, err))) return rc;
  }
  say(report, ctx, "%s/terms: %llu terms ok", name, (unsigned long long)di.seen);
  if (want_post != r->post.size - IX_FOOTER_SIZE) {
    rc = ix_corrupt(err, r->post.path, want_post, "bytes after the last term");
    return rc;
  }
  if (want_pos != r->pos.size - IX_FOOTER_SIZE) {
    rc = ix_corrupt(err, r->pos.path, want_pos, "bytes after the last term");
    return rc;
  }
  if (tot.words != r->man.total_tokens) {
    rc = ix_corrupt(err, r->pos.path, 0,
                    "positions total differs from the manifest's tokens");
    return rc;
  }
  say(report, ctx, "%s/postings: %llu postings in %llu blocks ok",
      name, (unsigned long long)tot.postings, (unsigned long long)tot.blocks);
  say(report, ctx, "%s/positions: %llu positions ok (%llu zstd blocks)",
      name, (unsigned long long)tot.positions, (unsigned long long)tot.zblocks);
  say(report, ctx, "%s/doclens: %u lengths, %llu tokens ok", name, r->docs.n,
      (unsigned long long)r->docs.total_tokens);

  uint64_t text_bytes = 0;
  for (uint32_t d = 0; d < r->docs.n; d++) {
    IxDocMeta dm;
    char *t;
    size_t len;
    if ((rc = ix_seg_doc_meta(r, d, &dm, err)) ||
        (rc = ix_docs_text(&r->docs, d, &t, &len, err)))
      return rc;
    sw_free(t);
    text_bytes += len;
  }
  say(report, ctx, "%s/docmeta: %u records ok", name, r->docs.n);
  say(report, ctx, "%s/doctext: %u texts, %llu bytes ok", name, r->docs.n,
      (unsigned long long)text_bytes);
  return SW_OK;
}

/* No id is live twice (FORMAT.md §9): ids of live documents sorted and
** compared side by side. */
typedef struct IdRef {
  const char *id;
  size_t len;
  SwDocId doc;
} IdRef;

static int idref_cmp(const void *a, const void *b) {
  const IdRef *x = a, *y = b;
  size_t m = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->id, y->id, m);
  if (c) return c;
  return x->len < y->len ? -1 : x->len > y->len;
}

static int check_ids(IxReader *r, IxReportFn report, void *ctx,
                     SwError *err) {
  if (r->live == 0) return SW_OK;
  IdRef *v = sw_calloc(r->live, sizeof *v);
  if (!v) return sw_error_set(err, SW_NOMEM, "out of memory (id check)");
  size_t n = 0;
  int rc = SW_OK;
  for (SwDocId d = 0; d < r->ndocs; d++) {
    if (ix_reader_is_deleted(r, d)) continue;
    IxDocMeta m;
    if ((rc = ix_doc_meta(r, d, &m, err))) goto done;
    if (m.id_len == 0 || n >= r->live) continue;
    v[n].id = m.id;
    v[n].len = m.id_len;
    v[n++].doc = d;
  }
  qsort(v, n, sizeof *v, idref_cmp);
  for (size_t i = 1; i < n; i++) {
    if (idref_cmp(&v[i - 1], &v[i]) == 0 && !r->legacy) {
      rc = sw_error_set(err, SW_CORRUPT,
                        "%s: id \"%.*s\" is live twice (documents %u and %u)",
                        r->dir, (int)(v[i].len > 200 ? 200 : v[i].len),
                        v[i].id, v[i - 1].doc, v[i].doc);
      goto done;
    }
  }
  say(report, ctx, "ids: %zu live ids, each once", n);
done:
  sw_free(v);
  return rc;
}

int ix_check(const char *dir, IxReportFn report, void *ctx, SwError *err) {
  IxReader *r = NULL;
  int rc = ix_reader_open(dir, &r, err);
  if (rc) return rc;
  if (r->legacy)
    say(report, ctx, "CURRENT: format-1 generation %llu, one segment",
        (unsigned long long)r->generation);
  else
    say(report, ctx,
        "commit-%08llu: %u segments, %u live docs, %u deleted ok",
        (unsigned long long)r->generation, r->nseg, r->live, r->ndel);
  for (uint32_t i = 0; i < r->nseg && rc == SW_OK; i++)
    rc = check_segment(r->seg[i], report, ctx, err);
  if (rc == SW_OK) rc = check_ids(r, report, ctx, err);
  ix_reader_close(r);
  return rc;
}
