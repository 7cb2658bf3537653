/*
** inspect.c — the segments of an open reader as `swsearch inspect` shows
** them (index.h, "inspect"): manifest fields, place in the doc id space,
** and a term's entry and postings in one segment's own dictionary. Reads
** what reader.c mapped; nothing is verified beyond what the reader checks.
*/
#include "index_int.h"

uint64_t ix_reader_generation(const IxReader *r) { return r->generation; }
int ix_reader_legacy(const IxReader *r) { return r->legacy; }
uint32_t ix_reader_segments(const IxReader *r) { return r->nseg; }

void ix_reader_segment_info(const IxReader *r, uint32_t i, IxSegmentInfo *out) {
  const IxSeg *s = r->seg[i];
  memset(out, 0, sizeof *out);
  const char *slash = strrchr(s->segdir, '/');
  out->name = r->commit ? r->commit->seg[i].name : slash ? slash + 1 : s->segdir;
  out->dir = s->segdir;
  out->version = s->manifest_map.version;
  out->number = s->man.generation;
  out->base = s->base;
  out->docs = s->man.doc_count;
  out->ndel = s->ndel;
  out->terms = s->man.term_count;
  out->tokens = s->man.total_tokens;
  out->text_bytes = s->man.text_bytes;
  out->analysis = s->man.analysis;
  out->impact_k1 = s->man.impact_k1;
  out->impact_b = s->man.impact_b;
  out->nfiles = IX_NFILES < 8 ? IX_NFILES : 8;
  for (size_t f = 0; f < out->nfiles; f++) {
    out->file_name[f] = ix_file_names[f];
    out->file_size[f] = s->man.size[f];
    out->file_sum[f] = s->man.sum[f];
  }
}

uint32_t ix_reader_segment_of(const IxReader *r, SwDocId d) {
  if (d >= r->ndocs) return UINT32_MAX;
  uint32_t lo = 0, hi = r->nseg;
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (r->seg[mid]->base <= d) lo = mid;
    else hi = mid;
  }
  return lo;
}

int ix_segment_postings(IxReader *r, uint32_t i, const char *term, size_t len,
                        int with_positions, IxTermInfo *ti, IxPostings **out,
                        SwError *err) {
  *out = NULL;
  if (i >= r->nseg)
    return sw_error_set(err, SW_NOTFOUND, "%s: no segment %u", r->dir, i);
  int rc = ix_dict_find(&r->seg[i]->dict, term, len, ti, err);
  if (rc != SW_OK) return rc;
  return ix_seg_postings_open(r->seg[i], ti, with_positions, out, err);
}
