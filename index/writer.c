/*
** writer.c — changing an index: a writer session takes DIR/LOCK, keeps a
** map from document id to where that document lives, collects added
** documents into one new segment (segwriter.c) and deletions into bitmaps,
** applies the merge policy, and publishes the result as a new commit point
** (publish.c). Interface: index.h ("writer").
**
** Ids: an index holds at most one live document per id. Adding a document
** whose id is live deletes the older one (in an old segment or earlier in
** this session); the last one added wins. Documents without an id are
** never replaced or deletable by id.
**
** Merge policy (FORMAT.md §1a). At every commit, in this order:
**   1. a segment whose documents are more than a quarter deleted is merged
**      (its deleted documents then leave the disk and the statistics'
**      detours: see multi.c);
**   2. segments are put in tiers by live documents, tier t holding
**      10^t .. 10^(t+1) - 1 of them; the lowest tier with MERGE_FACTOR or
**      more segments is merged whole (so a segment is rewritten about
**      log10(N) times in its life, as in Lucene's log merge policy);
**   3. while more than MAX_LIVE_SEGMENTS would remain, the smallest
**      segment joins the merge.
** Everything chosen becomes one new segment, written in the place of the
** first of them. `optimize` merges everything into one segment. A segment
** all of whose documents are deleted is simply dropped.
**
** A merge re-analyses the stored text of the live documents (the analysis
** chain is deterministic, so the segment equals one built from scratch)
** rather than rewriting postings: simpler, and at ~35 MB/s fast enough for
** the sizes merges see; a postings-level merge is the next step if merges
** of large segments ever matter. Merges run on the committing thread only
** (SwBuildOptions.threads parallelises intake, not merges): spreading their
** re-analysis over threads would need the build pipeline of engine/build.c
** down here; not done yet.
*/
#include "index_int.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <xxhash.h>

#define MERGE_FACTOR 10       /* segments of one tier that trigger a merge */
#define MAX_LIVE_SEGMENTS 48  /* below IX_MAX_SEGMENTS, with room to spare */
#define ID_GONE UINT32_MAX    /* IdEnt.seg of a deleted id                 */
#define ARENA_CHUNK 65536     /* bytes per id arena chunk                  */

/* One segment of the commit being prepared. */
typedef struct WSeg {
  char name[IX_SEG_NAME_LEN + 1]; /* directory name                        */
  uint64_t manifest_sum;          /* its manifest's checksum               */
  uint32_t docs;                  /* documents                             */
  uint32_t ndel;                  /* of them deleted                       */
  uint8_t *del;                   /* deletion bitmap (owned), or NULL      */
  size_t dcap;                    /* its bytes                             */
  IxSeg *seg;                     /* a reader of it (for merges), or NULL  */
  int own_seg;                    /* 1: seg is ours to close               */
  int fresh;                      /* 1: written by this session            */
} WSeg;

/* An id's live document: segment index in w->segs and local id. */
typedef struct IdEnt {
  const char *id;  /* bytes (borrowed: base mapping or the arena); NULL
                      marks an empty slot                             */
  uint32_t len;    /* their length                                    */
  uint32_t hash;   /* low bits of XXH3                                */
  uint32_t seg;    /* segment index, ID_GONE when deleted             */
  uint32_t local;  /* doc id in it                                    */
} IdEnt;

struct IxWriter {
  char *dir;               /* index directory (owned)                     */
  int lock_fd;             /* DIR/LOCK, held until commit/abort           */
  int mode;                /* IX_REBUILD or IX_UPDATE                     */
  IxWriterOptions opts;    /* for the segment writers                     */
  int rc;                  /* first error, SW_OK while healthy            */
  SwError first;           /* its message                                 */
  IxReader *base;          /* the live index (IX_UPDATE), or NULL         */
  uint64_t num;            /* next commit/segment number                  */
  WSeg segs[IX_MAX_SEGMENTS + 2]; /* base segments, then the new one      */
  uint32_t nsegs;          /* in use                                      */
  IxSegWriter *nw;         /* the new segment being written, or NULL      */
  uint32_t nw_index;       /* its index in segs                           */
  IdEnt *ids;              /* id map, open addressing                     */
  uint32_t ids_cap;        /* slots, a power of two                       */
  uint32_t ids_used;       /* slots in use (deleted ones too)             */
  char **arena;            /* chunks holding the ids of added documents   */
  uint32_t narena;         /* chunks                                      */
  size_t arena_used;       /* bytes used in the last chunk                */
  int optimize;            /* 1: merge everything at commit               */
  uint64_t added;          /* documents added                             */
  uint64_t replaced;       /* live documents replaced                     */
  uint64_t deleted;        /* documents deleted by id                     */
};

static int fail(IxWriter *w, int rc, SwError *err) {
  if (w->rc == SW_OK) {
    w->rc = rc;
    if (err && err->code != SW_OK) w->first = *err;
    else sw_error_set(&w->first, rc, "%s", sw_strerror(rc));
  }
  return rc;
}

/* ---------------------------------------------------------------- ids -- */

static uint32_t id_hash(const char *id, size_t len) {
  return (uint32_t)XXH3_64bits(id, len);
}

static IdEnt *id_slot(const IxWriter *w, const char *id, size_t len,
                      uint32_t h) {
  uint32_t mask = w->ids_cap - 1;
  for (uint32_t i = h & mask;; i = (i + 1) & mask) {
    IdEnt *e = &w->ids[i];
    if (!e->id || (e->hash == h && e->len == len && !memcmp(e->id, id, len)))
      return e;
  }
}

static int ids_grow(IxWriter *w) {
  uint32_t cap = w->ids_cap ? w->ids_cap * 2 : 1024;
  IdEnt *old = w->ids;
  uint32_t ocap = w->ids_cap;
  w->ids = sw_calloc(cap, sizeof *w->ids);
  if (!w->ids) {
    w->ids = old;
    return SW_NOMEM;
  }
  w->ids_cap = cap;
  for (uint32_t i = 0; i < ocap; i++)
    if (old[i].id) *id_slot(w, old[i].id, old[i].len, old[i].hash) = old[i];
  sw_free(old);
  return SW_OK;
}

/* The slot for id (empty or its entry), growing the table first. */
static int id_find(IxWriter *w, const char *id, size_t len, IdEnt **out) {
  if ((w->ids_used + 1) * 2 > w->ids_cap && ids_grow(w)) return SW_NOMEM;
  *out = id_slot(w, id, len, id_hash(id, len));
  return SW_OK;
}

/* A copy of id[0..len) that lives as long as w. */
static const char *arena_copy(IxWriter *w, const char *id, size_t len) {
  if (len > ARENA_CHUNK) return NULL; /* ids are capped well below this */
  if (!w->narena || w->arena_used + len > ARENA_CHUNK) {
    char **a = sw_realloc(w->arena, (w->narena + 1) * sizeof *a);
    if (!a) return NULL;
    w->arena = a;
    if (!(a[w->narena] = sw_malloc(ARENA_CHUNK))) return NULL;
    w->narena++;
    w->arena_used = 0;
  }
  char *p = w->arena[w->narena - 1] + w->arena_used;
  memcpy(p, id, len);
  w->arena_used += len;
  return p;
}

static int mark_deleted(WSeg *s, uint32_t local) {
  size_t need = (size_t)local / 8 + 1;
  if (need > s->dcap) {
    size_t cap = s->dcap ? s->dcap : 64;
    while (cap < need) cap *= 2;
    uint8_t *p = sw_realloc(s->del, cap);
    if (!p) return SW_NOMEM;
    memset(p + s->dcap, 0, cap - s->dcap);
    s->del = p;
    s->dcap = cap;
  }
  if (!(s->del[local >> 3] >> (local & 7) & 1)) {
    s->del[local >> 3] |= (uint8_t)(1u << (local & 7));
    s->ndel++;
  }
  return SW_OK;
}

/* Make s->del hold at least the (docs + 7) / 8 bytes a commit point
** stores. */
static int bitmap_fit(WSeg *s) {
  size_t need = ((size_t)s->docs + 7) / 8;
  if (s->dcap >= need) return SW_OK;
  uint8_t *p = sw_realloc(s->del, need);
  if (!p) return SW_NOMEM;
  memset(p + s->dcap, 0, need - s->dcap);
  s->del = p;
  s->dcap = need;
  return SW_OK;
}

static int seg_deleted(const WSeg *s, uint32_t local) {
  return s->del && (size_t)(local >> 3) < s->dcap &&
         (s->del[local >> 3] >> (local & 7)) & 1;
}

/* --------------------------------------------------------------- begin -- */

static int load_base(IxWriter *w, SwError *err) {
  IxReader *r = w->base;
  for (uint32_t i = 0; i < r->nseg; i++) {
    IxSeg *s = r->seg[i];
    WSeg *ws = &w->segs[w->nsegs++];
    snprintf(ws->name, sizeof ws->name, "%s",
             s->segdir + strlen(s->segdir) - IX_SEG_NAME_LEN);
    ws->manifest_sum = s->manifest_map.sum;
    ws->docs = s->man.doc_count;
    ws->seg = s;
    for (uint32_t d = 0; d < ws->docs; d++) {
      int rc;
      if (ix_seg_deleted(s, d)) {
        if ((rc = mark_deleted(ws, d)))
          return sw_error_set(err, rc, "out of memory (deletions)");
        continue;
      }
      IxDocMeta m;
      if ((rc = ix_seg_doc_meta(s, d, &m, err))) return rc;
      if (m.id_len == 0) continue;
      IdEnt *e;
      if (id_find(w, m.id, m.id_len, &e))
        return sw_error_set(err, SW_NOMEM, "out of memory (id map)");
      if (e->id && e->seg != ID_GONE) {
        /* Two live documents with one id: an index from before ids were
        ** unique (format 1). The later one wins, as it would now. */
        if ((rc = mark_deleted(&w->segs[e->seg], e->local)))
          return sw_error_set(err, rc, "out of memory (deletions)");
      }
      if (!e->id) w->ids_used++;
      e->id = m.id;
      e->len = (uint32_t)m.id_len;
      e->hash = id_hash(m.id, m.id_len);
      e->seg = i;
      e->local = d;
    }
  }
  return SW_OK;
}

int ix_writer_begin(const char *dir, const IxWriterOptions *opts, int mode,
                    IxWriter **out, SwError *err) {
  *out = NULL;
  IxWriter *w = sw_calloc(1, sizeof *w);
  if (!w) return sw_error_set(err, SW_NOMEM, "out of memory (writer)");
  w->lock_fd = -1;
  w->mode = mode;
  if (opts) w->opts = *opts;
  int rc;
  if (!(w->dir = sw_strndup(dir, strlen(dir)))) {
    rc = sw_error_set(err, SW_NOMEM, "out of memory (writer)");
    goto fail;
  }
  if ((rc = ix_mkdir_p(dir, err)) || (rc = ix_lock_take(dir, &w->lock_fd, err)))
    goto fail;
  uint64_t live = 0;
  int legacy = 0;
  SwError e2;
  sw_error_clear(&e2);
  rc = ix_current_read(dir, &live, &legacy, &e2);
  if (rc == SW_CORRUPT && mode == IX_REBUILD) {
    live = 0; /* a broken CURRENT serves nothing, so protects nothing */
  } else if (rc == SW_NOTFOUND) {
    live = 0;
  } else if (rc) {
    rc = sw_error_set(err, rc, "%s", e2.msg);
    goto fail;
  }
  if (live && mode == IX_REBUILD) {
    /* An index from a newer swsearch is not ours to replace. */
    IxReader *probe = NULL;
    SwError e3;
    sw_error_clear(&e3);
    int prc = ix_reader_open(dir, &probe, &e3);
    ix_reader_close(probe);
    if (prc == SW_VERSION) {
      rc = sw_error_set(err, SW_VERSION,
                        "%s (refusing to replace an index written by a newer "
                        "swsearch)", e3.msg);
      goto fail;
    }
  }
  if (live && mode == IX_UPDATE) {
    if ((rc = ix_reader_open(dir, &w->base, err))) goto fail;
    live = w->base->generation;
    legacy = w->base->legacy;
    if (!legacy && w->base->commit->next_seg > w->num)
      w->num = w->base->commit->next_seg;
    if ((rc = load_base(w, err))) goto fail;
  }
  /* Remove leftovers of failed or killed writers. */
  uint64_t maxnum = 0;
  if ((rc = ix_gc(dir, live, legacy, &maxnum, err))) goto fail;
  if (maxnum + 1 > w->num) w->num = maxnum + 1;
  if (w->num + 3 > IX_GEN_MAX) {
    rc = sw_error_set(err, SW_LIMIT, "%s: commit numbers exhausted", dir);
    goto fail;
  }
  *out = w;
  return SW_OK;
fail:
  ix_writer_abort(w);
  return rc;
}

/* ----------------------------------------------------------- changes -- */

static int start_segment(IxWriter *w, SwError *err) {
  WSeg *ws = &w->segs[w->nsegs];
  memset(ws, 0, sizeof *ws);
  snprintf(ws->name, sizeof ws->name, "seg-%08llu",
           (unsigned long long)w->num++);
  ws->fresh = 1;
  char path[4096];
  int rc = ix_seg_path(path, sizeof path, w->dir, ws->name, err);
  if (rc == SW_OK) rc = ix_segw_begin(path, w->num - 1, &w->opts, &w->nw, err);
  if (rc) return rc;
  w->nw_index = w->nsegs++;
  return SW_OK;
}

/* ix_writer_add (a == NULL: the segment writer analyses) and
** ix_writer_add_analysed. */
static int add(IxWriter *w, const IxDoc *doc, const IxAnalysed *a,
               size_t *invalid_utf8, int *replaced, SwError *err) {
  if (invalid_utf8) *invalid_utf8 = 0;
  if (replaced) *replaced = 0;
  if (w->rc) return sw_error_set(err, w->rc, "%s", w->first.msg);
  int rc;
  if (!w->nw && (rc = start_segment(w, err))) return fail(w, rc, err);
  rc = a ? ix_segw_add_analysed(w->nw, doc, a, invalid_utf8, err)
         : ix_segw_add(w->nw, doc, invalid_utf8, err);
  if (rc) {
    if (rc == SW_LIMIT) return rc; /* not added; the writer goes on */
    return fail(w, rc, err);
  }
  w->added++;
  uint32_t local = ix_segw_docs(w->nw) - 1;
  if (doc->id_len == 0) return SW_OK;
  IdEnt *e;
  if (id_find(w, doc->id, doc->id_len, &e))
    return fail(w, sw_error_set(err, SW_NOMEM, "out of memory (id map)"), err);
  if (e->id && e->seg != ID_GONE) {
    if (mark_deleted(&w->segs[e->seg], e->local))
      return fail(w, sw_error_set(err, SW_NOMEM, "out of memory"), err);
    w->replaced++;
    if (replaced) *replaced = 1;
  }
  if (!e->id) {
    const char *copy = arena_copy(w, doc->id, doc->id_len);
    if (!copy)
      return fail(w, sw_error_set(err, SW_NOMEM, "out of memory (ids)"), err);
    e->id = copy;
    e->len = (uint32_t)doc->id_len;
    e->hash = id_hash(doc->id, doc->id_len);
    w->ids_used++;
  }
  e->seg = w->nw_index;
  e->local = local;
  return SW_OK;
}

int ix_writer_add(IxWriter *w, const IxDoc *doc, size_t *invalid_utf8,
                  int *replaced, SwError *err) {
  return add(w, doc, NULL, invalid_utf8, replaced, err);
}

int ix_writer_add_analysed(IxWriter *w, const IxDoc *doc, const IxAnalysed *a,
                           size_t *invalid_utf8, int *replaced, SwError *err) {
  return add(w, doc, a, invalid_utf8, replaced, err);
}

int ix_writer_delete(IxWriter *w, const char *id, size_t len, SwError *err) {
  if (w->rc) return sw_error_set(err, w->rc, "%s", w->first.msg);
  IdEnt *e = NULL;
  if (len && id_find(w, id, len, &e))
    return fail(w, sw_error_set(err, SW_NOMEM, "out of memory (id map)"), err);
  if (!e || !e->id || e->seg == ID_GONE)
    return sw_error_set(err, SW_NOTFOUND, "no document with id \"%.*s\"",
                        (int)(len > 200 ? 200 : len), id);
  if (mark_deleted(&w->segs[e->seg], e->local))
    return fail(w, sw_error_set(err, SW_NOMEM, "out of memory"), err);
  e->seg = ID_GONE;
  w->deleted++;
  return SW_OK;
}

void ix_writer_optimize(IxWriter *w) { w->optimize = 1; }

uint64_t ix_writer_docs(const IxWriter *w) { return w ? w->added : 0; }

/* -------------------------------------------------------------- merge -- */

static uint32_t live_of(const WSeg *s) { return s->docs - s->ndel; }

static int tier_of(uint32_t live) {
  int t = 0;
  while (live >= 10) {
    live /= 10;
    t++;
  }
  return t;
}

/* Mark in pick[] the segments the policy merges; returns how many. */
static uint32_t plan_merge(const IxWriter *w, WSeg *const *L, uint32_t n,
                           int *pick) {
  uint32_t k = 0;
  memset(pick, 0, n * sizeof *pick);
  if (w->optimize) {
    int any_del = 0;
    for (uint32_t i = 0; i < n; i++) any_del |= L[i]->ndel > 0;
    if (n > 1 || any_del)
      for (uint32_t i = 0; i < n; i++) pick[i] = 1, k++;
    return k;
  }
  for (uint32_t i = 0; i < n; i++)
    if ((uint64_t)L[i]->ndel * 4 > L[i]->docs) pick[i] = 1, k++;
  uint32_t count[11] = {0};
  for (uint32_t i = 0; i < n; i++)
    if (!pick[i]) count[tier_of(live_of(L[i]))]++;
  for (int t = 0; t < 11; t++) {
    if (count[t] < MERGE_FACTOR) continue;
    for (uint32_t i = 0; i < n; i++)
      if (!pick[i] && tier_of(live_of(L[i])) == t) pick[i] = 1, k++;
    break;
  }
  while (n - k + (k ? 1 : 0) > MAX_LIVE_SEGMENTS) {
    uint32_t best = UINT32_MAX;
    for (uint32_t i = 0; i < n; i++)
      if (!pick[i] && (best == UINT32_MAX || live_of(L[i]) < live_of(L[best])))
        best = i;
    pick[best] = 1;
    k++;
  }
  return k;
}

/* A reader of segment s (opened now if it was written by this session). */
static int seg_view(IxWriter *w, WSeg *s, SwError *err) {
  if (s->seg) return SW_OK;
  int rc = ix_seg_open(w->dir, s->name, s->manifest_sum, s->docs, &s->seg, err);
  if (rc == SW_OK) s->own_seg = 1;
  return rc;
}

/* Rewrite the live documents of L[i] for pick[i] into one new segment *out.
*/
static int merge(IxWriter *w, WSeg *const *L, uint32_t n, const int *pick,
                 WSeg *out, uint64_t *bytes, SwError *err) {
  memset(out, 0, sizeof *out);
  snprintf(out->name, sizeof out->name, "seg-%08llu",
           (unsigned long long)w->num++);
  out->fresh = 1;
  char path[4096];
  IxSegWriter *sw = NULL;
  int rc = ix_seg_path(path, sizeof path, w->dir, out->name, err);
  if (rc == SW_OK) rc = ix_segw_begin(path, w->num - 1, &w->opts, &sw, err);
  if (rc) return rc;
  for (uint32_t i = 0; i < n; i++) {
    if (!pick[i]) continue;
    WSeg *s = L[i];
    if ((rc = seg_view(w, s, err))) goto fail;
    for (uint32_t d = 0; d < s->docs; d++) {
      if (seg_deleted(s, d)) continue;
      IxDocMeta m;
      IxDoc doc;
      char *text = NULL;
      size_t len = 0;
      if ((rc = ix_seg_doc_meta(s->seg, d, &m, err)) ||
          (rc = ix_docs_text(&s->seg->docs, d, &text, &len, err)))
        goto fail;
      memset(&doc, 0, sizeof doc);
      doc.id = m.id, doc.id_len = m.id_len;
      doc.title = m.title, doc.title_len = m.title_len;
      doc.date = m.date, doc.date_len = m.date_len;
      doc.source = m.source, doc.source_len = m.source_len;
      doc.url = m.url, doc.url_len = m.url_len;
      doc.file = m.file, doc.file_len = m.file_len;
      doc.facets = m.facets, doc.facets_len = m.facets_len;
      doc.text = text, doc.text_len = len;
      rc = ix_segw_add(sw, &doc, NULL, err);
      sw_free(text);
      if (rc) goto fail;
    }
  }
  IxSegInfo info;
  rc = ix_segw_finish(sw, &info, err);
  sw = NULL;
  if (rc) return rc;
  out->docs = info.docs;
  out->manifest_sum = info.manifest_sum;
  *bytes += info.bytes;
  return SW_OK;
fail:
  ix_segw_abort(sw);
  return rc;
}

/* ------------------------------------------------------------- commit -- */

static void remove_fresh(IxWriter *w, const WSeg *s) {
  if (!s->fresh) return;
  char path[4096];
  SwError ignore;
  if (ix_seg_path(path, sizeof path, w->dir, s->name, &ignore) == SW_OK)
    ix_remove_dir(path);
}

int ix_writer_commit(IxWriter *w, IxWriteStats *stats, SwError *err) {
  IxWriteStats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  if (w->rc) {
    int rc = sw_error_set(err, w->rc, "%s", w->first.msg);
    ix_writer_abort(w);
    return rc;
  }
  int rc = SW_OK;
  uint64_t bytes = 0;
  WSeg merged;
  memset(&merged, 0, sizeof merged);
  IxCommit *c = sw_calloc(1, sizeof *c);
  WSeg **L = sw_calloc(IX_MAX_SEGMENTS + 2, sizeof *L);
  int *pick = sw_calloc(IX_MAX_SEGMENTS + 2, sizeof *pick);
  if (!c || !L || !pick) {
    rc = sw_error_set(err, SW_NOMEM, "out of memory (commit)");
    goto fail;
  }
  if (w->nw) {
    WSeg *ns = &w->segs[w->nw_index];
    IxSegInfo info;
    IxSegWriter *nw = w->nw;
    w->nw = NULL;
    if (ix_segw_docs(nw) == 0) {
      ix_segw_abort(nw);
      ns->docs = 0; /* dropped below */
    } else {
      if ((rc = ix_segw_finish(nw, &info, err))) goto fail;
      ns->docs = info.docs;
      ns->manifest_sum = info.manifest_sum;
      bytes += info.bytes;
      stats->tokens = info.tokens;
      stats->terms = info.terms;
      stats->text_bytes = info.text_bytes;
      stats->runs = info.runs;
    }
  }
  /* The segments of the new commit, before merging: the live index's
  ** (IX_UPDATE) and the new one, without those wholly deleted. */
  uint32_t n = 0;
  for (uint32_t i = 0; i < w->nsegs; i++) {
    WSeg *s = &w->segs[i];
    if (w->mode == IX_REBUILD && !s->fresh) continue;
    if (s->docs == 0 || s->ndel >= s->docs) continue;
    if (s->ndel && (rc = bitmap_fit(s))) {
      rc = sw_error_set(err, rc, "out of memory (deletions)");
      goto fail;
    }
    L[n++] = s;
  }
  uint32_t k = plan_merge(w, L, n, pick);
  if (k) {
    if ((rc = merge(w, L, n, pick, &merged, &bytes, err))) goto fail;
    uint32_t m = 0;
    int placed = 0;
    for (uint32_t i = 0; i < n; i++) {
      if (!pick[i]) L[m++] = L[i];
      else if (!placed) L[m++] = &merged, placed = 1;
    }
    stats->merged = k;
    n = m;
  }
  c->generation = w->num++;
  c->next_seg = w->num;
  c->nseg = n;
  uint64_t live = 0;
  for (uint32_t i = 0; i < n; i++) {
    IxCommitSeg *cs = &c->seg[i];
    memcpy(cs->name, L[i]->name, sizeof cs->name);
    cs->manifest_sum = L[i]->manifest_sum;
    cs->docs = L[i]->docs;
    cs->ndel = L[i]->ndel;
    cs->del = L[i]->ndel ? L[i]->del : NULL;
    live += L[i]->docs - L[i]->ndel;
  }
  if ((rc = ix_commit_write(w->dir, c, err))) goto fail;
  if ((rc = ix_current_write(w->dir, c->generation, err))) {
    uint64_t now = 0;
    int lg;
    SwError e2;
    if (ix_current_read(w->dir, &now, &lg, &e2) != SW_OK || lg ||
        now != c->generation) {
      char path[4096];
      snprintf(path, sizeof path, "%s/commit-%08llu", w->dir,
               (unsigned long long)c->generation);
      unlink(path);
      goto fail;
    }
    rc = SW_OK; /* published after all (only the directory fsync failed) */
  }
  /* Published. Let go of the old commit point, then clean up. */
  for (uint32_t i = 0; i < w->nsegs; i++)
    if (w->segs[i].own_seg) ix_seg_close(w->segs[i].seg), w->segs[i].seg = NULL;
  if (merged.own_seg) ix_seg_close(merged.seg);
  ix_reader_close(w->base);
  w->base = NULL;
  uint64_t maxnum;
  SwError ignore;
  sw_error_clear(&ignore);
  ix_gc(w->dir, c->generation, 0, &maxnum, &ignore);
  stats->docs = w->added;
  stats->replaced = w->replaced;
  stats->deleted = w->deleted;
  stats->live_docs = live;
  stats->segments = n;
  stats->index_bytes = bytes;
  stats->generation = c->generation;
  for (uint32_t i = 0; i < w->nsegs; i++) w->segs[i].fresh = 0;
  sw_free(c);
  sw_free(L);
  sw_free(pick);
  ix_writer_abort(w);
  return SW_OK;
fail:
  if (merged.own_seg) ix_seg_close(merged.seg);
  remove_fresh(w, &merged);
  sw_free(c);
  sw_free(L);
  sw_free(pick);
  ix_writer_abort(w);
  return rc;
}

void ix_writer_abort(IxWriter *w) {
  if (!w) return;
  ix_segw_abort(w->nw);
  for (uint32_t i = 0; i < w->nsegs; i++) {
    WSeg *s = &w->segs[i];
    if (s->own_seg) ix_seg_close(s->seg);
    if (s->fresh && s->docs) remove_fresh(w, s);
    sw_free(s->del);
  }
  ix_reader_close(w->base);
  ix_lock_release(w->lock_fd);
  sw_free(w->ids);
  for (uint32_t i = 0; i < w->narena; i++) sw_free(w->arena[i]);
  sw_free(w->arena);
  sw_free(w->dir);
  sw_free(w);
}
