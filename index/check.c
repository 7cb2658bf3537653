/*
** check.c — ix_check: verify a generation reading every byte (index.h,
** "check"). Opening already checks frames, the manifest cross-checks and
** the small files' checksums; here every remaining checksum is verified and
** every structure decoded: terms strictly ascending, postings contiguous in
** dictionary order, every block decoded, doc ids ascending and below the
** doc count, df/cf/max_tf equal to what the postings hold, skip entries
** equal to their blocks, one position per unit of freq and each below the
** document's length + IX_FIELD_GAP, every positions block consumed exactly,
** cf summing to the manifest's token count, every document's metadata and
** text decoding to the stored lengths. The invariants are FORMAT.md's.
*/
#include "index_int.h"

#include <stdarg.h>
#include <stdio.h>

static void say(SwReportFn report, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(SwReportFn report, void *ctx, const char *fmt, ...) {
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
  uint64_t zblocks;    /* positions blocks in zstd    */
} CheckTotals;

/* what is wrong with the current term; in_pos: found in its positions. */
static int bad_term(const IxReader *r, const IxDictIter *di, int in_pos,
                    const char *what, SwError *err) {
  char msg[200 + IX_MAX_TERM];
  snprintf(msg, sizeof msg, "term %llu \"%.*s\": %s",
           (unsigned long long)(di->seen - 1), (int)di->term_len,
           (const char *)di->term, what);
  if (in_pos) return ix_corrupt(err, r->pos.path, di->e.pos_off, msg);
  return ix_corrupt(err, r->post.path, di->e.post_off, msg);
}

static int check_term(IxReader *r, const IxDictIter *di, CheckTotals *tot,
                      SwError *err) {
  IxTermInfo ti;
  ix_term_info_from_entry(&di->e, &ti);
  IxPostings *pp;
  int rc = ix_postings_open(r, &ti, 1, &pp, err);
  if (rc) return rc;
  IxPostIter *it = (IxPostIter *)pp;
  uint64_t df = 0, cf = 0;
  uint32_t max_tf = 0;
  uint32_t last, doc_end = 0, pos_end = 0, bmax;
  for (uint32_t b = 0; b < it->nblocks; b++) {
    if (b > 0 && (rc = ix_post_load_block(it, b, err))) goto done;
    uint32_t blk_max = 0;
    for (uint32_t i = 0; i < it->n; i++) {
      it->i = i;
      it->pub.doc = it->docs[i];
      it->pub.freq = it->freqs[i];
      const uint32_t *pos;
      uint32_t np;
      if ((rc = ix_postings_positions(pp, &pos, &np, err))) goto done;
      if (np != it->freqs[i]) {
        rc = bad_term(r, di, 1, "positions count differs from freq", err);
        goto done;
      }
      uint64_t limit = (uint64_t)ix_doc_len(r, it->docs[i]) + IX_FIELD_GAP;
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
    if (it->pos_block >= 0 && it->pdata != it->posd + it->pstart + 1)
      tot->zblocks++;
    if (it->nblocks > 1) {
      ix_post_skip(it, b, &last, &doc_end, &pos_end, &bmax);
      if (bmax != blk_max) {
        rc = bad_term(r, di, 0, "skip entry max freq differs from block", err);
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
done:
  ix_postings_free(pp);
  return rc;
}

int ix_check(const char *dir, SwReportFn report, void *ctx, SwError *err) {
  IxReader *r = NULL;
  int rc = ix_reader_open(dir, &r, err);
  if (rc) return rc;
  say(report, ctx, "manifest: generation %llu, %u docs, %llu terms, %llu tokens ok",
      (unsigned long long)r->man.generation, r->man.doc_count,
      (unsigned long long)r->man.term_count,
      (unsigned long long)r->man.total_tokens);
  /* The files open did not checksum whole. */
  if ((rc = ix_map_verify(&r->post, err)) ||
      (rc = ix_map_verify(&r->pos, err)) ||
      (rc = ix_map_verify(&r->docs.text, err)))
    goto done;

  IxDictIter di;
  CheckTotals tot;
  memset(&tot, 0, sizeof tot);
  uint8_t prev[IX_MAX_TERM];
  size_t prev_len = 0;
  uint64_t want_post = IX_HEADER_SIZE, want_pos = IX_HEADER_SIZE;
  ix_dict_iter_begin(&di, &r->dict);
  for (;;) {
    if ((rc = ix_dict_iter_next(&di, err))) goto done;
    if (di.eof) break;
    if (di.seen > 1) {
      size_t m = di.term_len < prev_len ? di.term_len : prev_len;
      int c = memcmp(di.term, prev, m);
      if (c < 0 || (c == 0 && di.term_len <= prev_len)) {
        rc = ix_corrupt(err, r->dict.map.path, di.off,
                        "terms not strictly ascending");
        goto done;
      }
    }
    memcpy(prev, di.term, di.term_len);
    prev_len = di.term_len;
    if (di.e.post_off != want_post || di.e.pos_off != want_pos) {
      rc = ix_corrupt(err, r->dict.map.path, di.off,
                      "postings or positions not contiguous in term order");
      goto done;
    }
    want_post += di.e.post_len;
    want_pos += di.e.pos_len;
    if ((rc = check_term(r, &di, &tot, err))) goto done;
  }
  say(report, ctx, "terms: %llu terms ok", (unsigned long long)di.seen);
  if (want_post != r->post.size - IX_FOOTER_SIZE) {
    rc = ix_corrupt(err, r->post.path, want_post, "bytes after the last term");
    goto done;
  }
  if (want_pos != r->pos.size - IX_FOOTER_SIZE) {
    rc = ix_corrupt(err, r->pos.path, want_pos, "bytes after the last term");
    goto done;
  }
  if (tot.positions != r->man.total_tokens) {
    rc = ix_corrupt(err, r->pos.path, 0,
                    "positions total differs from the manifest's tokens");
    goto done;
  }
  say(report, ctx, "postings: %llu postings in %llu blocks ok",
      (unsigned long long)tot.postings, (unsigned long long)tot.blocks);
  say(report, ctx, "positions: %llu positions ok (%llu zstd blocks)",
      (unsigned long long)tot.positions, (unsigned long long)tot.zblocks);
  say(report, ctx, "doclens: %u lengths, %llu tokens ok", r->docs.n,
      (unsigned long long)r->docs.total_tokens);

  uint64_t text_bytes = 0;
  for (uint32_t d = 0; d < r->docs.n; d++) {
    IxDocMeta dm;
    char *t;
    size_t len;
    if ((rc = ix_doc_meta(r, d, &dm, err)) ||
        (rc = ix_doc_text(r, d, &t, &len, err)))
      goto done;
    sw_free(t);
    text_bytes += len;
  }
  say(report, ctx, "docmeta: %u records ok", r->docs.n);
  say(report, ctx, "doctext: %u texts, %llu bytes ok", r->docs.n,
      (unsigned long long)text_bytes);
done:
  ix_reader_close(r);
  return rc;
}
