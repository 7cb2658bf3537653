/*
** reader.c — opening an index for reading: resolve CURRENT, hold and parse
** the commit point, open each segment (map every file, check frames,
** cross-check them against the segment's manifest, verify the parts every
** query reads: manifest, term dictionary, doc lengths, doc table), and sum
** the live statistics BM25 needs. Also the small accessors of index.h
** ("reader"). Interface: index.h and index_int.h ("interface to reader.c").
** Lookups over several segments live in multi.c, one segment's dictionary
** and postings in termdict.c and postings.c, documents in docstore.c.
**
** Thread safety: an IxReader and its iterators are used by one thread at a
** time (they share one zstd decompression context); open one reader per
** thread for parallel queries. Mappings are read-only and shared.
*/
#define _GNU_SOURCE /* usleep */
#include "index_int.h"

#include <stdio.h>
#include <unistd.h>

/* The manifest's size and checksum for file i must match the file's own. */
static int cross_check(const IxSeg *r, int i, const IxMap *m,
                       SwError *err) {
  if (m->size != r->man.size[i] || m->sum != r->man.sum[i]) {
    char what[128];
    snprintf(what, sizeof what,
             "size %zu / checksum %016llx differ from the manifest's %llu / "
             "%016llx (file from another build?)",
             m->size, (unsigned long long)m->sum,
             (unsigned long long)r->man.size[i],
             (unsigned long long)r->man.sum[i]);
    return ix_corrupt(err, m->path, m->size - IX_FOOTER_SIZE, what);
  }
  return SW_OK;
}

int ix_seg_open(const char *dir, const char *name, uint64_t manifest_sum,
                uint32_t docs, IxSeg **out, SwError *err) {
  *out = NULL;
  IxSeg *r = sw_calloc(1, sizeof *r);
  if (!r) return sw_error_set(err, SW_NOMEM, "out of memory (reader)");
  size_t cap = strlen(dir) + 2 + IX_SEG_NAME_LEN;
  int rc;
  uint64_t num;
  int legacy;
  r->segdir = sw_malloc(cap);
  if (!r->segdir) {
    rc = sw_error_set(err, SW_NOMEM, "out of memory (reader)");
    goto fail;
  }
  if ((rc = ix_seg_path(r->segdir, cap, dir, name, err))) goto fail;
  if (ix_seg_name_parse(name, &num, &legacy) != 0) {
    rc = sw_error_set(err, SW_CORRUPT, "%s: not a segment name", r->segdir);
    goto fail;
  }
  if ((rc = ix_manifest_read(r->segdir, &r->manifest_map, &r->man, err)))
    goto fail;
  if (r->man.generation != num) {
    rc = ix_corrupt(err, r->manifest_map.path, 16,
                    "segment number differs from the directory name");
    goto fail;
  }
  if (manifest_sum && r->manifest_map.sum != manifest_sum) {
    rc = ix_corrupt(err, r->manifest_map.path,
                    r->manifest_map.size - IX_FOOTER_SIZE,
                    "checksum differs from the commit point's (segment from "
                    "another build?)");
    goto fail;
  }
  if (docs && r->man.doc_count != docs) {
    rc = ix_corrupt(err, r->manifest_map.path, 24,
                    "doc count differs from the commit point's");
    goto fail;
  }
  if ((rc = ix_map_open(&r->post, r->segdir, "postings", "POST",
                        IX_ADV_NORMAL, err)) ||
      (rc = cross_check(r, IX_F_POSTINGS, &r->post, err)) ||
      (rc = ix_map_open(&r->pos, r->segdir, "positions", "POSN",
                        IX_ADV_NORMAL, err)) ||
      (rc = cross_check(r, IX_F_POSITIONS, &r->pos, err)) ||
      (rc = ix_dict_open(&r->dict, r->segdir, r->post.size, r->pos.size,
                         r->man.psums[IX_PAGED_TERMS],
                         r->man.npages[IX_PAGED_TERMS], err)) ||
      (rc = cross_check(r, IX_F_TERMS, &r->dict.map, err)) ||
      (rc = ix_docs_open(&r->docs, r->segdir, r->man.doc_count,
                         r->man.psums[IX_PAGED_DOCMETA],
                         r->man.npages[IX_PAGED_DOCMETA], err)) ||
      (rc = cross_check(r, IX_F_DOCLENS, &r->docs.lens, err)) ||
      (rc = cross_check(r, IX_F_DOCMETA, &r->docs.meta, err)) ||
      (rc = cross_check(r, IX_F_DOCTEXT, &r->docs.text, err)))
    goto fail;
  if (r->dict.nterms != r->man.term_count) {
    rc = ix_corrupt(err, r->dict.map.path, 16,
                    "term count differs from the manifest");
    goto fail;
  }
  if (r->docs.total_tokens != r->man.total_tokens) {
    rc = ix_corrupt(err, r->docs.lens.path, IX_DOCLENS_HEADER,
                    "sum of doc lengths differs from the manifest's tokens");
    goto fail;
  }
  ix_map_track(&r->post); /* verify each term's postings and each     */
  ix_map_track(&r->pos);  /* positions block once, when first read     */
  *out = r;
  return SW_OK;
fail:
  ix_seg_close(r);
  return rc;
}

void ix_seg_close(IxSeg *s) {
  if (!s) return;
  ix_dict_close(&s->dict);
  ix_docs_close(&s->docs);
  ix_map_close(&s->post);
  ix_map_close(&s->pos);
  ix_map_close(&s->manifest_map);
  sw_free(s->segdir);
  sw_free(s);
}

/* Open what CURRENT named: commit point gen (or format 1's gen-N). */
static int open_commit(IxReader *r, uint64_t gen, int legacy, SwError *err) {
  int rc;
  r->generation = gen;
  r->legacy = legacy;
  if (legacy) {
    char name[IX_SEG_NAME_LEN + 1];
    snprintf(name, sizeof name, "gen-%08llu", (unsigned long long)gen);
    r->seg = sw_calloc(1, sizeof *r->seg);
    if (!r->seg) return sw_error_set(err, SW_NOMEM, "out of memory (reader)");
    if ((rc = ix_seg_open(r->dir, name, 0, 0, &r->seg[0], err))) return rc;
    r->nseg = 1;
  } else {
    if ((rc = ix_commit_hold(r->dir, gen, &r->hold_fd, err))) return rc;
    r->commit = sw_malloc(sizeof *r->commit);
    if (!r->commit)
      return sw_error_set(err, SW_NOMEM, "out of memory (reader)");
    if ((rc = ix_commit_read(r->dir, gen, &r->commit_map, r->commit, err))) {
      if (rc == SW_NOTFOUND) rc = SW_CORRUPT; /* held, yet missing */
      return rc;
    }
    const IxCommit *c = r->commit;
    if (c->nseg) {
      r->seg = sw_calloc(c->nseg, sizeof *r->seg);
      if (!r->seg)
        return sw_error_set(err, SW_NOMEM, "out of memory (reader)");
    }
    for (uint32_t i = 0; i < c->nseg; i++) {
      rc = ix_seg_open(r->dir, c->seg[i].name, c->seg[i].manifest_sum,
                       c->seg[i].docs, &r->seg[i], err);
      if (rc == SW_NOTFOUND) rc = SW_CORRUPT; /* named, yet missing */
      if (rc) return rc;
      r->nseg++;
      r->seg[i]->del = c->seg[i].del;
      r->seg[i]->ndel = c->seg[i].ndel;
    }
  }
  uint64_t base = 0;
  for (uint32_t i = 0; i < r->nseg; i++) {
    IxSeg *s = r->seg[i];
    s->base = (uint32_t)base; /* ix_commit_read bounds the total */
    base += s->man.doc_count;
    r->terms += s->man.term_count;
    r->ndel += s->ndel;
    uint64_t tok = s->man.total_tokens;
    for (uint32_t d = 0; s->ndel && d < s->man.doc_count; d++)
      if (ix_seg_deleted(s, d)) tok -= ix_seg_doc_len(s, d);
    r->live_tokens += tok;
  }
  if (base >= UINT32_MAX)
    return sw_error_set(err, SW_CORRUPT, "%s: more than 2^32 - 2 documents",
                        r->dir);
  r->ndocs = (uint32_t)base;
  r->live = r->ndocs - r->ndel;
  r->simple = r->nseg == 1 && r->ndel == 0;
  return SW_OK;
}

static void reader_clear(IxReader *r) {
  for (uint32_t i = 0; i < r->nseg; i++) ix_seg_close(r->seg[i]);
  sw_free(r->seg);
  r->seg = NULL;
  r->nseg = 0;
  ix_map_close(&r->commit_map);
  sw_free(r->commit);
  r->commit = NULL;
  if (r->hold_fd >= 0) close(r->hold_fd); /* drops the shared flock */
  r->hold_fd = -1;
  r->ndocs = r->live = r->ndel = 0;
  r->live_tokens = r->terms = 0;
}

int ix_reader_open(const char *dir, IxReader **out, SwError *err) {
  *out = NULL;
  IxReader *r = sw_calloc(1, sizeof *r);
  if (!r) return sw_error_set(err, SW_NOMEM, "out of memory (reader)");
  r->hold_fd = -1;
  r->dir = sw_strndup(dir, strlen(dir));
  if (!r->dir) {
    sw_free(r);
    return sw_error_set(err, SW_NOMEM, "out of memory (reader)");
  }
  /* A writer may publish and remove our commit point between reading
  ** CURRENT and holding it: then CURRENT has changed, and we follow it. */
  for (int attempt = 0;; attempt++) {
    uint64_t gen;
    int legacy;
    int rc = ix_current_read(dir, &gen, &legacy, err);
    if (rc) {
      ix_reader_close(r);
      return rc;
    }
    SwError e;
    sw_error_clear(&e);
    rc = open_commit(r, gen, legacy, &e);
    if (rc == SW_OK) {
      *out = r;
      return SW_OK;
    }
    reader_clear(r);
    uint64_t again = 0;
    int lg;
    SwError e2;
    sw_error_clear(&e2);
    if (rc == SW_NOTFOUND && attempt < 8 &&
        ix_current_read(dir, &again, &lg, &e2) == SW_OK && again != gen)
      continue;
    if (rc == SW_NOTFOUND && attempt < 8 && !legacy) {
      usleep(1000); /* a writer is removing it: CURRENT changes next */
      continue;
    }
    if (rc == SW_NOTFOUND) rc = SW_CORRUPT; /* CURRENT names missing files */
    ix_reader_close(r);
    return sw_error_set(err, rc, "%s", e.msg);
  }
}

void ix_reader_close(IxReader *r) {
  if (!r) return;
  reader_clear(r);
  sw_free(r->dir);
  sw_free(r);
}

IxSeg *ix_reader_locate(const IxReader *r, SwDocId *d) {
  if (*d >= r->ndocs) return NULL;
  uint32_t lo = 0, hi = r->nseg;
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (r->seg[mid]->base <= *d) lo = mid;
    else hi = mid;
  }
  *d -= r->seg[lo]->base;
  return r->seg[lo];
}

uint32_t ix_reader_doc_count(const IxReader *r) { return r->ndocs; }
uint32_t ix_reader_live_docs(const IxReader *r) { return r->live; }

uint64_t ix_reader_total_tokens(const IxReader *r) { return r->live_tokens; }

double ix_reader_avg_doc_len(const IxReader *r) {
  return r->live ? (double)r->live_tokens / (double)r->live : 0.0;
}

/* Impacts were computed with the segment's average length over all its
** documents, a; with the reader's average A the denominator of every
** document's tf / (tf + k1 (1 - b + b len / A)) shrinks at most by a / A
** when A > a, so impact * A / a bounds it (FORMAT.md §4). */
int ix_reader_analysis_current(const IxReader *r) {
  for (uint32_t i = 0; i < r->nseg; i++)
    if (r->seg[i]->man.analysis != IX_ANALYSIS_VERSION) return 0;
  return 1;
}

double ix_reader_impact_scale(const IxReader *r, double k1, double b) {
  double avg = ix_reader_avg_doc_len(r), scale = 1.0;
  for (uint32_t i = 0; i < r->nseg; i++) {
    const IxManifest *m = &r->seg[i]->man;
    if (m->impact_k1 != (float)k1 || m->impact_b != (float)b ||
        m->impact_k1 <= 0 || m->doc_count == 0 || m->total_tokens == 0)
      return 0;
    double a = ix_impact_avg(m->total_tokens, m->doc_count);
    if (avg / a > scale) scale = avg / a;
  }
  return scale;
}

int ix_reader_is_deleted(const IxReader *r, SwDocId d) {
  IxSeg *s = ix_reader_locate(r, &d);
  return !s || ix_seg_deleted(s, d);
}

int ix_reader_stats(const IxReader *r, IxStats *out, SwError *err) {
  (void)err;
  memset(out, 0, sizeof *out);
  out->generation = r->generation;
  out->docs = r->live;
  out->terms = r->terms;
  out->tokens = r->live_tokens;
  out->avg_doc_len = ix_reader_avg_doc_len(r);
  out->segments = r->nseg;
  out->deleted = r->ndel;
  out->format_version =
      r->legacy ? r->seg[0]->manifest_map.version : r->commit_map.version;
  /* Per file kind, summed over the segments. */
  size_t n = 0;
  if (!r->legacy) {
    snprintf(out->files[n].name, sizeof out->files[n].name, "commit");
    out->files[n++].bytes = r->commit_map.size;
  }
  snprintf(out->files[n].name, sizeof out->files[n].name, "manifest");
  for (uint32_t s = 0; s < r->nseg; s++)
    out->files[n].bytes += r->seg[s]->manifest_map.size;
  n++;
  for (int i = 0; i < IX_NFILES; i++, n++) {
    snprintf(out->files[n].name, sizeof out->files[n].name, "%s",
             ix_file_names[i]);
    for (uint32_t s = 0; s < r->nseg; s++)
      out->files[n].bytes += r->seg[s]->man.size[i];
  }
  out->nfiles = n;
  return SW_OK;
}
