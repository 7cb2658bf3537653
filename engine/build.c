/*
** build.c — sw_build, sw_add, sw_delete, sw_optimize: the drivers of index
** changes. Interface: swsearch.h ("building", "updating").
**
** One pass: ix_writer_begin (a rebuild or an update), then eng_intake_paths
** (intake.c) hands every document to ix_writer_add (or the ids go to
** ix_writer_delete), then ix_writer_commit publishes the commit point.
** Any failure aborts the writer, so the previous commit keeps serving.
** This file only glues the two together, counts, and shows progress: reading
** files is intake.c's job, analysis and the format are the index layer's.
**
** Progress: when opts->progress is set, a "\r"-rewritten line on stderr,
** "indexed N docs, X MB, Y MB/s", at most four times a second, finished with
** a newline once intake is done. This is the one place the library prints;
** the public API promises it (SwBuildOptions.progress) because only the
** driver knows when a document has been added, and the cli asks for it only
** when stderr is a terminal. MB here and in the stats is 10^6 bytes of title
** + text analysed.
*/
#include "engine_int.h"

#include <stdio.h>
#include <string.h>

#define BUILD_PROGRESS_EVERY 0.25 /* seconds between progress lines */

/* State shared with the per-document callback. */
typedef struct Build {
  IxWriter *w;          /* the open writer                              */
  SwWarnFn warn;        /* problem reporter, may be NULL                */
  void *warn_ctx;       /* its context                                  */
  int progress;         /* 1: print progress on stderr                  */
  int rebuild;          /* 1: a whole new index (a replaced id is a
                           duplicate in the input: warn)              */
  int progress_shown;   /* 1: a progress line is on screen              */
  double t0;            /* sw_now() at the start                        */
  double last;          /* sw_now() of the last progress line           */
  uint64_t docs;        /* documents added                              */
  uint64_t limit_skips; /* documents the writer refused (SW_LIMIT)      */
  uint64_t text_bytes;  /* title + text bytes handed to the writer      */
  uint64_t invalid;     /* invalid UTF-8 sequences replaced             */
  EngMeta meta;         /* the current document's metadata              */
  char facets[4096];    /* ... as facet terms                           */
} Build;

static void show_progress(Build *b, double now) {
  double secs = now - b->t0;
  double mb = (double)b->text_bytes / 1e6;
  fprintf(stderr, "\rindexed %llu docs, %.1f MB, %.1f MB/s ",
          (unsigned long long)b->docs, mb, secs > 0 ? mb / secs : 0.0);
  fflush(stderr);
  b->progress_shown = 1;
  b->last = now;
}

static size_t put_facet(char *buf, size_t cap, size_t o, const char *key,
                        const char *v) {
  size_t kl = strlen(key), vl = strlen(v), n = 1 + kl + vl;
  if (!vl || 1 + kl + vl > 255 || o + 1 + n > cap) return o;
  buf[o++] = (char)n;
  buf[o++] = ENG_NS_FACET[0];
  memcpy(buf + o, key, kl);
  memcpy(buf + o + kl, v, vl);
  return o + kl + vl;
}

size_t eng_facets_encode(const EngMeta *m, char *buf, size_t cap) {
  size_t o = 0;
  char v[16];
  o = put_facet(buf, cap, o, "typ:", m->type);
  if (m->date[0]) {
    memcpy(v, m->date, 4);
    v[4] = '\0';
    o = put_facet(buf, cap, o, "\xC3\xA5r:", v);
    memcpy(v, m->date, 7);
    v[7] = '\0';
    o = put_facet(buf, cap, o, "m\xC3\xA5n:", v);
    o = put_facet(buf, cap, o, "dag:", m->date);
  }
  for (int i = 0; i < m->nparty; i++) {
    char low[8];
    size_t k = 0;
    for (; m->party[i][k] && k + 1 < sizeof low; k++)
      low[k] = (char)(m->party[i][k] >= 'A' && m->party[i][k] <= 'Z'
                          ? m->party[i][k] + 32
                          : m->party[i][k]);
    low[k] = '\0';
    o = put_facet(buf, cap, o, "parti:", low);
  }
  for (int i = 0; i < m->norgan; i++)
    o = put_facet(buf, cap, o, "organ:", m->organ[i]);
  for (int i = 0; i < m->ndnr; i++) o = put_facet(buf, cap, o, "dnr:", m->dnr[i]);
  return o;
}

/* The document's own id may be an identifier (JSONL "SFS 2021:1002"): its
** canons join the facet buffer as identifier terms, so a search for the
** number finds the document even where its text never cites it. */
typedef struct IdFacets {
  char *buf;
  size_t cap, len;
} IdFacets;

static int id_facet(void *ctx, const AnIdentRef *id) {
  IdFacets *f = ctx;
  size_t n = 1 + id->canon_len;
  if (n > 255 || f->len + 1 + n > f->cap) return 0;
  f->buf[f->len++] = (char)n;
  f->buf[f->len++] = AN_NS_IDENT;
  memcpy(f->buf + f->len, id->canon, id->canon_len);
  f->len += id->canon_len;
  return 0;
}

static int add_doc(void *ctx, const IxDoc *in, const char *where,
                   SwError *err) {
  Build *b = ctx;
  SwError e;
  sw_error_clear(&e);
  size_t invalid = 0;
  int replaced = 0;
  /* Municipal metadata from the text itself, as facet terms. */
  IxDoc d = *in;
  const IxDoc *doc = &d;
  eng_meta_extract(d.title, d.title_len, d.text, d.text_len, d.date,
                   d.date_len, d.source, d.source_len, &b->meta);
  d.facets = b->facets;
  d.facets_len = eng_facets_encode(&b->meta, b->facets, sizeof b->facets);
  if (d.id_len) {
    IdFacets f = {b->facets, sizeof b->facets, d.facets_len};
    an_identifiers(d.id, d.id_len, id_facet, &f);
    d.facets_len = f.len;
  }
  int rc = ix_writer_add(b->w, doc, &invalid, &replaced, &e);
  if (rc == SW_LIMIT) {
    /* The writer refused this one document and stays usable. */
    b->limit_skips++;
    if (b->warn) b->warn(b->warn_ctx, where, e.msg);
    return SW_OK;
  }
  if (rc != SW_OK) return sw_error_set(err, rc, "%s", e.msg);
  if (replaced && b->rebuild && b->warn) {
    char msg[320];
    snprintf(msg, sizeof msg,
             "id \"%.*s\" was read before; this document replaces that one",
             (int)(doc->id_len > 200 ? 200 : doc->id_len), doc->id);
    b->warn(b->warn_ctx, where, msg);
  }
  b->docs++;
  b->text_bytes += doc->title_len + doc->text_len;
  if (invalid) {
    b->invalid += invalid;
    if (b->warn) {
      char msg[96];
      snprintf(msg, sizeof msg, "%zu invalid UTF-8 sequence%s replaced",
               invalid, invalid == 1 ? "" : "s");
      b->warn(b->warn_ctx, where, msg);
    }
  }
  if (b->progress) { /* sw_now() is a vDSO call: cheap next to analysis */
    double now = sw_now();
    if (now - b->last >= BUILD_PROGRESS_EVERY) show_progress(b, now);
  }
  return SW_OK;
}

/* "a, b, c" of the first few paths, for the no-documents message. */
static void list_paths(const char *const *paths, size_t npaths, char *buf,
                       size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < npaths && used + 1 < cap; i++) {
    int n = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "",
                     i < 4 ? paths[i] : "...");
    if (n < 0) break;
    used += (size_t)n;
    if (i >= 4) break;
  }
}

static void fill_stats(SwBuildStats *st, const IxWriteStats *ws) {
  st->docs = ws->docs;
  st->replaced = ws->replaced;
  st->deleted = ws->deleted;
  st->merged = ws->merged;
  st->live_docs = ws->live_docs;
  st->segments = ws->segments;
  st->generation = ws->generation;
  st->text_bytes = ws->text_bytes;
  st->tokens = ws->tokens;
  st->terms = ws->terms;
  st->index_bytes = ws->index_bytes;
}

static void writer_options(const SwBuildOptions *opts, IxWriterOptions *wo) {
  memset(wo, 0, sizeof *wo);
  wo->mem_budget = opts ? opts->mem_budget : 0;
}

static int build(const char *dir, const char *const *paths, size_t npaths,
                 int mode, const SwBuildOptions *opts, SwWarnFn warn,
                 void *warn_ctx, SwBuildStats *stats, SwError *err) {
  SwBuildStats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  if (!dir || !dir[0])
    return sw_error_set(err, SW_INPUT, "no index directory given");
  if (!paths || npaths == 0)
    return sw_error_set(err, SW_INPUT, "no input paths given");

  Build b;
  memset(&b, 0, sizeof b);
  b.warn = warn;
  b.warn_ctx = warn_ctx;
  b.progress = opts ? opts->progress : 0;
  b.rebuild = mode == IX_REBUILD;
  b.t0 = b.last = sw_now();

  IxWriterOptions wo;
  writer_options(opts, &wo);
  int rc = ix_writer_begin(dir, &wo, mode, &b.w, err);
  if (rc != SW_OK) return rc;

  EngIntakeStats is;
  rc = eng_intake_paths(paths, npaths, add_doc, &b, warn, warn_ctx, &is, err);
  if (b.progress && (b.progress_shown || b.docs)) {
    show_progress(&b, sw_now());
    fputc('\n', stderr);
  }
  if (rc != SW_OK) goto fail;
  if (ix_writer_docs(b.w) == 0) {
    char list[256];
    list_paths(paths, npaths, list, sizeof list);
    rc = sw_error_set(err, SW_INPUT, "no documents found in %s", list);
    goto fail;
  }

  IxWriteStats ws;
  memset(&ws, 0, sizeof ws);
  rc = ix_writer_commit(b.w, &ws, err); /* frees the writer, even on failure */
  b.w = NULL;
  if (rc != SW_OK) goto fail;
  fill_stats(stats, &ws);
  stats->files = is.files;
  stats->skipped = is.skipped + b.limit_skips;
  stats->invalid_utf8 = b.invalid;
  stats->seconds = sw_now() - b.t0;
  return SW_OK;

fail:
  ix_writer_abort(b.w);
  memset(stats, 0, sizeof *stats); /* OUT parameters are 0 on failure */
  return rc;
}

int sw_build(const char *dir, const char *const *paths, size_t npaths,
             const SwBuildOptions *opts, SwWarnFn warn, void *warn_ctx,
             SwBuildStats *stats, SwError *err) {
  return build(dir, paths, npaths, IX_REBUILD, opts, warn, warn_ctx, stats,
               err);
}

int sw_add(const char *dir, const char *const *paths, size_t npaths,
           const SwBuildOptions *opts, SwWarnFn warn, void *warn_ctx,
           SwBuildStats *stats, SwError *err) {
  return build(dir, paths, npaths, IX_UPDATE, opts, warn, warn_ctx, stats,
               err);
}

/* Open an update of an existing index (SW_NOTFOUND when there is none). */
static int begin_update(const char *dir, const SwBuildOptions *opts,
                        IxWriter **w, SwError *err) {
  if (!dir || !dir[0])
    return sw_error_set(err, SW_INPUT, "no index directory given");
  IxReader *probe = NULL;
  int rc = ix_reader_open(dir, &probe, err); /* exists, and is readable */
  ix_reader_close(probe);
  if (rc) return rc;
  IxWriterOptions wo;
  writer_options(opts, &wo);
  return ix_writer_begin(dir, &wo, IX_UPDATE, w, err);
}

int sw_delete(const char *dir, const char *const *ids, size_t nids,
              SwWarnFn warn, void *warn_ctx, SwBuildStats *stats,
              SwError *err) {
  SwBuildStats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  if (!ids || nids == 0) return sw_error_set(err, SW_INPUT, "no ids given");
  double t0 = sw_now();
  IxWriter *w;
  int rc = begin_update(dir, NULL, &w, err);
  if (rc) return rc;
  uint64_t missing = 0;
  for (size_t i = 0; i < nids; i++) {
    SwError e;
    sw_error_clear(&e);
    rc = ix_writer_delete(w, ids[i], strlen(ids[i]), &e);
    if (rc == SW_NOTFOUND) {
      missing++;
      if (warn) {
        char where[300];
        snprintf(where, sizeof where, "id \"%.250s\"", ids[i]);
        warn(warn_ctx, where, "no document with this id");
      }
      continue;
    }
    if (rc) {
      ix_writer_abort(w);
      return sw_error_set(err, rc, "%s", e.msg);
    }
  }
  IxWriteStats ws;
  if ((rc = ix_writer_commit(w, &ws, err))) return rc;
  fill_stats(stats, &ws);
  stats->skipped = missing;
  stats->seconds = sw_now() - t0;
  return SW_OK;
}

int sw_optimize(const char *dir, const SwBuildOptions *opts,
                SwBuildStats *stats, SwError *err) {
  SwBuildStats local;
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  double t0 = sw_now();
  IxWriter *w;
  int rc = begin_update(dir, opts, &w, err);
  if (rc) return rc;
  ix_writer_optimize(w);
  IxWriteStats ws;
  if ((rc = ix_writer_commit(w, &ws, err))) return rc;
  fill_stats(stats, &ws);
  stats->seconds = sw_now() - t0;
  return SW_OK;
}
