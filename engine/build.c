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
**
** Threads (SwBuildOptions.threads > 1): a pipeline that keeps the input
** order, so the index is byte for byte the one-thread build's. The calling
** thread reads documents (intake) and puts copies into a ring of job slots;
** `threads` workers take jobs in ring order and do what needs no writer: the
** metadata and facet terms (doc_facets) and the analysis chain
** (ix_doc_analyse, one AnAnalyzer per worker). The calling thread ingests
** the finished jobs strictly in ring order (ix_writer_add_analysed: ids,
** postings, document store), and reports warnings and errors as the
** one-thread build does, in input order. The ring is bounded by slots
** (PIPE_SLOTS_PER_THREAD x threads) and by bytes (PIPE_MAX_BYTES of copied
** input and analysed tokens; one document larger than that still goes
** through alone), so memory stays bounded whatever the input. threads = 1
** starts no thread. Merges at commit re-analyse on the calling thread
** (writer.c); with threads > 1 the segment writer writes the document store
** on a second thread while it encodes the postings (IxWriterOptions.threads).
*/
#include "engine_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define BUILD_PROGRESS_EVERY 0.25 /* seconds between progress lines */
#define BUILD_MAX_THREADS 64      /* more workers than this are not started */
/* Ring slots per worker. 16, not 2: document sizes vary a hundredfold,
** and with a short ring one long document at the head (which must be
** ingested first) leaves the workers idle with the ring full behind it;
** on the shared corpus 2 x threads slots gave 1.40x with 2 threads, 16 x
** 1.6x. The byte bound, not the slot count, is what bounds memory. */
#define PIPE_SLOTS_PER_THREAD 16
#define PIPE_MAX_BYTES ((size_t)32 << 20) /* queued input + tokens          */
#define PIPE_KEEP_BYTES ((size_t)1 << 20) /* slot buffer kept between docs  */
#define FACETS_CAP 4096           /* bytes of facet terms per document      */

typedef struct Pipe Pipe;

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
  Pipe *pipe;           /* the worker pipeline, NULL with one thread    */
  int pipe_failed;      /* 1: add_doc returned an ingest error          */
  int pipe_rc;          /* an ingest error met in intake_warn, else 0   */
  SwError pipe_e;       /* ... its message                              */
  EngMeta meta;         /* the current document's metadata (one thread) */
  char facets[FACETS_CAP]; /* ... as facet terms                        */
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

/* After the writer took (or refused) doc with rc and message e: counts,
** warnings and progress, the same for both paths. */
static int doc_added(Build *b, const IxDoc *doc, const char *where, int rc,
                     const SwError *e, size_t invalid, int replaced,
                     SwError *err) {
  if (rc == SW_LIMIT) {
    /* The writer refused this one document and stays usable. */
    b->limit_skips++;
    if (b->warn) b->warn(b->warn_ctx, where, e->msg);
    return SW_OK;
  }
  if (rc != SW_OK) return sw_error_set(err, rc, "%s", e->msg);
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

static int pipe_push(Build *b, const IxDoc *in, const char *where,
                     SwError *err);

/* The intake callback. */
static int add_doc(void *ctx, const IxDoc *in, const char *where,
                   SwError *err) {
  Build *b = ctx;
  if (b->pipe) return pipe_push(b, in, where, err);
  SwError e;
  sw_error_clear(&e);
  size_t invalid = 0;
  int replaced = 0;
  /* Municipal metadata from the text itself, as facet terms. */
  IxDoc d = *in;
  d.facets = b->facets;
  d.facets_len = eng_doc_facets(&d, &b->meta, b->facets, sizeof b->facets);
  int rc = ix_writer_add(b->w, &d, &invalid, &replaced, &e);
  return doc_added(b, &d, where, rc, &e, invalid, replaced, err);
}

/* ------------------------------------------------------------ pipeline -- */

/* One document in the ring. The calling thread fills it (doc, where, buf)
** while it is free; a worker fills facets and an, then sets done; the
** calling thread ingests it and frees the slot. Who may touch it when is
** fixed by the ring counters (Pipe), read and written under Pipe.mu. */
typedef struct Job {
  IxDoc doc;              /* the document; strings point into buf       */
  const char *where;      /* its "file:line", in buf                    */
  char *buf;              /* copies of its strings (owned)              */
  size_t cap;             /* buf's size                                 */
  size_t bytes;           /* bytes it counts in Pipe.bytes              */
  int done;               /* 1: facets and an are ready                 */
  IxAnalysed *an;         /* its analysis (owned, reused)               */
  char facets[FACETS_CAP]; /* its facet terms (doc.facets)              */
} Job;

typedef struct Worker {
  Pipe *p;                /* the pipeline                               */
  pthread_t thread;       /* the thread                                 */
  AnAnalyzer *an;         /* its analysis chain                         */
  EngMeta meta;           /* its metadata scratch                       */
} Worker;

/* Jobs are numbered in input order; job n lives in slot n % nslots.
** head <= next <= tail: [head, next) are taken by workers (done or being
** analysed), [next, tail) wait for a worker. Only the calling thread moves
** head and tail, only workers move next. */
struct Pipe {
  pthread_mutex_t mu;     /* guards everything below and Job.done       */
  pthread_cond_t work;    /* workers: a job was queued, or stop         */
  pthread_cond_t ready;   /* the calling thread: a job is done          */
  Job *jobs;              /* the ring                                   */
  uint32_t nslots;        /* its slots                                  */
  uint64_t head;          /* oldest job not yet ingested                */
  uint64_t next;          /* next job for a worker                      */
  uint64_t tail;          /* next job to fill                           */
  size_t bytes;           /* bytes of the jobs in [head, tail)          */
  int stop;               /* 1: workers return                          */
  Worker *workers;        /* the workers                                */
  int nworkers;           /* of them started                            */
};

static void *worker_main(void *arg) {
  Worker *wk = arg;
  Pipe *p = wk->p;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->stop && p->next == p->tail)
      pthread_cond_wait(&p->work, &p->mu);
    if (p->stop) break;
    Job *j = &p->jobs[p->next++ % p->nslots];
    pthread_mutex_unlock(&p->mu);
    j->doc.facets = j->facets;
    j->doc.facets_len = eng_doc_facets(&j->doc, &wk->meta, j->facets,
                                   sizeof j->facets);
    /* A failure is recorded in j->an and reported in input order by
    ** ix_writer_add_analysed. */
    ix_doc_analyse(wk->an, &j->doc, j->an);
    pthread_mutex_lock(&p->mu);
    j->done = 1;
    p->bytes += ix_analysed_bytes(j->an);
    j->bytes += ix_analysed_bytes(j->an);
    pthread_cond_signal(&p->ready);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* Stop and join the workers, free everything. NULL: no-op. */
static void pipe_free(Pipe *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  pthread_cond_broadcast(&p->work);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < p->nworkers; i++)
    pthread_join(p->workers[i].thread, NULL);
  for (int i = 0; p->workers && i < p->nworkers; i++)
    an_free(p->workers[i].an);
  for (uint32_t i = 0; p->jobs && i < p->nslots; i++) {
    sw_free(p->jobs[i].buf);
    ix_analysed_free(p->jobs[i].an);
  }
  sw_free(p->jobs);
  sw_free(p->workers);
  pthread_cond_destroy(&p->work);
  pthread_cond_destroy(&p->ready);
  pthread_mutex_destroy(&p->mu);
  sw_free(p);
}

/* A pipeline with up to nthreads workers in *out. If no thread can be
** started, *out = NULL and SW_OK: the build goes on with one thread.
** Errors: SW_NOMEM. */
static int pipe_new(int nthreads, Pipe **out, SwError *err) {
  *out = NULL;
  Pipe *p = sw_calloc(1, sizeof *p);
  if (!p) return sw_error_set(err, SW_NOMEM, "out of memory (build threads)");
  if (pthread_mutex_init(&p->mu, NULL)) {
    sw_free(p);
    return sw_error_set(err, SW_NOMEM, "cannot create a mutex for the build");
  }
  if (pthread_cond_init(&p->work, NULL)) {
    pthread_mutex_destroy(&p->mu);
    sw_free(p);
    return sw_error_set(err, SW_NOMEM, "cannot create a condition variable");
  }
  if (pthread_cond_init(&p->ready, NULL)) {
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->mu);
    sw_free(p);
    return sw_error_set(err, SW_NOMEM, "cannot create a condition variable");
  }
  p->nslots = (uint32_t)nthreads * PIPE_SLOTS_PER_THREAD;
  p->jobs = sw_calloc(p->nslots, sizeof *p->jobs);
  p->workers = sw_calloc((size_t)nthreads, sizeof *p->workers);
  int rc = SW_OK;
  if (!p->jobs || !p->workers) {
    rc = sw_error_set(err, SW_NOMEM, "out of memory (build threads)");
    goto fail;
  }
  for (uint32_t i = 0; i < p->nslots; i++)
    if ((rc = ix_analysed_new(&p->jobs[i].an, err))) goto fail;
  for (int i = 0; i < nthreads; i++) {
    Worker *wk = &p->workers[i];
    wk->p = p;
    if ((rc = ix_analyzer_new(&wk->an, err))) goto fail;
    if (pthread_create(&wk->thread, NULL, worker_main, wk) != 0) {
      an_free(wk->an);
      wk->an = NULL;
      break; /* go on with the workers started */
    }
    p->nworkers++;
  }
  if (p->nworkers == 0) {
    pipe_free(p);
    return SW_OK;
  }
  *out = p;
  return SW_OK;
fail:
  for (int i = p->nworkers; p->workers && i < nthreads; i++)
    an_free(p->workers[i].an);
  pipe_free(p);
  return rc;
}

/* Ingest the oldest job, waiting for its worker if need be: the writer
** takes it (in input order), warnings and counts follow, the slot is
** freed. The pipeline must hold a job. */
static int pipe_ingest(Build *b, SwError *err) {
  Pipe *p = b->pipe;
  pthread_mutex_lock(&p->mu);
  Job *j = &p->jobs[p->head % p->nslots];
  while (!j->done) pthread_cond_wait(&p->ready, &p->mu);
  pthread_mutex_unlock(&p->mu);
  SwError e;
  sw_error_clear(&e);
  size_t invalid = 0;
  int replaced = 0;
  int rc = ix_writer_add_analysed(b->w, &j->doc, j->an, &invalid, &replaced,
                                  &e);
  rc = doc_added(b, &j->doc, j->where, rc, &e, invalid, replaced, err);
  if (j->cap > PIPE_KEEP_BYTES) { /* a large document's copy: give it back */
    sw_free(j->buf);
    j->buf = NULL;
    j->cap = 0;
  }
  ix_analysed_trim(j->an);
  pthread_mutex_lock(&p->mu);
  p->bytes -= j->bytes;
  j->bytes = 0;
  j->done = 0;
  p->head++;
  pthread_mutex_unlock(&p->mu);
  return rc;
}

/* Ingest every job still in the pipeline, in order; the first error stops
** it (later jobs are dropped with the pipeline). */
static int pipe_drain(Build *b, SwError *err) {
  int rc = SW_OK;
  while (rc == SW_OK && b->pipe->head < b->pipe->tail) rc = pipe_ingest(b, err);
  return rc;
}

/* A copy of s[0..n) at buf + *o (advanced), in *dst and *dst_len; an empty
** field becomes "" (never a pointer into the caller's buffers). */
static void copy_field(char *buf, size_t *o, const char *s, size_t n,
                       const char **dst, size_t *dst_len) {
  *dst_len = n;
  if (!n) {
    *dst = "";
    return;
  }
  memcpy(buf + *o, s, n);
  *dst = buf + *o;
  *o += n;
}

/* Intake's warnings with a pipeline: the documents read before the
** problem are ingested first, so that their warnings come before it, as
** with one thread. An ingest error here is kept for the next pipe_push
** (intake goes on until then); later warnings are dropped, as intake would
** have stopped at that document. */
static void intake_warn(void *ctx, const char *where, const char *problem) {
  Build *b = ctx;
  if (b->pipe && !b->pipe_rc) b->pipe_rc = pipe_drain(b, &b->pipe_e);
  if (b->pipe_rc) return;
  if (b->warn) b->warn(b->warn_ctx, where, problem);
}

/* The intake callback with a pipeline: make room (ingesting the oldest
** jobs), queue a copy of the document, then ingest whatever is ready. */
static int pipe_push(Build *b, const IxDoc *in, const char *where,
                     SwError *err) {
  Pipe *p = b->pipe;
  int rc;
  if (b->pipe_rc) {
    rc = sw_error_set(err, b->pipe_rc, "%s", b->pipe_e.msg);
    goto fail;
  }
  size_t wlen = strlen(where) + 1;
  size_t need = in->id_len + in->title_len + in->date_len + in->source_len +
                in->url_len + in->file_len + in->text_len + wlen;
  for (;;) {
    pthread_mutex_lock(&p->mu);
    size_t queued = (size_t)(p->tail - p->head), bytes = p->bytes;
    pthread_mutex_unlock(&p->mu);
    if (queued < p->nslots && (queued == 0 || bytes + need <= PIPE_MAX_BYTES))
      break;
    if ((rc = pipe_ingest(b, err))) goto fail;
  }
  Job *j = &p->jobs[p->tail % p->nslots];
  if (j->cap < need) {
    char *nb = sw_realloc(j->buf, need);
    if (!nb) {
      /* Earlier documents come first, their errors too. */
      if ((rc = pipe_drain(b, err)) == SW_OK)
        rc = sw_error_set(err, SW_NOMEM, "out of memory copying a document");
      goto fail;
    }
    j->buf = nb;
    j->cap = need;
  }
  size_t o = 0;
  memset(&j->doc, 0, sizeof j->doc);
  IxDoc *d = &j->doc;
  copy_field(j->buf, &o, in->id, in->id_len, &d->id, &d->id_len);
  copy_field(j->buf, &o, in->title, in->title_len, &d->title, &d->title_len);
  copy_field(j->buf, &o, in->date, in->date_len, &d->date, &d->date_len);
  copy_field(j->buf, &o, in->source, in->source_len, &d->source,
             &d->source_len);
  copy_field(j->buf, &o, in->url, in->url_len, &d->url, &d->url_len);
  copy_field(j->buf, &o, in->file, in->file_len, &d->file, &d->file_len);
  copy_field(j->buf, &o, in->text, in->text_len, &d->text, &d->text_len);
  memcpy(j->buf + o, where, wlen);
  j->where = j->buf + o;
  pthread_mutex_lock(&p->mu);
  j->done = 0;
  j->bytes = need;
  p->bytes += need;
  p->tail++;
  pthread_cond_signal(&p->work);
  int ready = p->jobs[p->head % p->nslots].done;
  pthread_mutex_unlock(&p->mu);
  /* Keep the writer busy with what the workers have finished. */
  while (ready) {
    if ((rc = pipe_ingest(b, err))) goto fail;
    pthread_mutex_lock(&p->mu);
    ready = p->head < p->tail && p->jobs[p->head % p->nslots].done;
    pthread_mutex_unlock(&p->mu);
  }
  return SW_OK;
fail:
  b->pipe_failed = 1;
  return rc;
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
  wo->threads = opts ? opts->threads : 0;
  /* Postings blocks carry impacts for the ranking's BM25 (block-max). */
  wo->impact_k1 = ENG_BM25_K1;
  wo->impact_b = ENG_BM25_B;
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
  int threads = opts && opts->threads > 1 ? opts->threads : 1;
  if (threads > BUILD_MAX_THREADS) threads = BUILD_MAX_THREADS;
  if (threads > 1 && (rc = pipe_new(threads, &b.pipe, err)) != SW_OK) goto fail;

  SwReadStats is;
  rc = b.pipe ? eng_intake_paths(paths, npaths, add_doc, &b, intake_warn, &b,
                                  &is, err)
              : eng_intake_paths(paths, npaths, add_doc, &b, warn, warn_ctx,
                                 &is, err);
  if (b.pipe && b.pipe_rc && !b.pipe_failed) {
    rc = sw_error_set(err, b.pipe_rc, "%s", b.pipe_e.msg); /* came first */
  } else if (b.pipe && !b.pipe_failed) {
    /* The documents still in the pipeline were read before intake ended
    ** (or failed): they, and their errors, come first. */
    int drc = pipe_drain(&b, err);
    if (drc != SW_OK) rc = drc;
  }
  pipe_free(b.pipe);
  b.pipe = NULL;
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
  pipe_free(b.pipe);
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
