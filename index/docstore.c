/*
** docstore.c — the document store: lengths (FORMAT.md §6), metadata table
** (§7) and zstd-compressed texts (§8); writing them at commit and reading
** them for the engine (ix_doc_len, ix_doc_meta, ix_doc_text in index.h).
** Interface: index_int.h ("interface to docstore.c") and index.h.
**
** While documents are added, their texts go uncompressed to a temporary
** file in the new generation and a reservoir keeps a uniform sample of
** them (fixed seed, so builds are reproducible). At commit a zstd
** dictionary is trained on the sample and every text is compressed with it
** as its own frame, so fetching one text decompresses only that text (and
** the frames can be made on IxDocWriter.threads threads: write_doctext).
** Metadata stays uncompressed behind a fixed-width table: fetching id and
** title of ten hits is ten table reads and a few varints, no decompression.
*/
#define _GNU_SOURCE /* pread */
#include "index_int.h"

#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#define ZDICT_STATIC_LINKING_ONLY /* ZDICT_trainFromBuffer_fastCover */
#include <zdict.h>
#include <zstd.h>

#define DOCTEXT_HEADER 20 /* FORMAT.md §8: frame header + u32 dict_len */
#define DICT_MIN_SAMPLE ((size_t)64 << 10) /* less: no dictionary */

/* -------------------------------------------------------------- writing -- */

int ix_docw_init(IxDocWriter *w, const char *gendir, SwError *err) {
  memset(w, 0, sizeof *w);
  w->raw.fd = -1;
  w->rng = 0x9e3779b97f4a7c15ull;
  w->level = IX_TEXT_LEVEL;
  w->use_dict = 1;
  size_t n = strlen(gendir) + sizeof "/doctext.tmp";
  w->raw_path = sw_malloc(n);
  if (!w->raw_path) return sw_error_set(err, SW_NOMEM, "out of memory");
  snprintf(w->raw_path, n, "%s/doctext.tmp", gendir);
  return ix_out_open(&w->raw, w->raw_path, NULL, err);
}

static uint64_t next_rand(uint64_t *s) { /* xorshift64* */
  uint64_t x = *s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545f4914f6cdd1dull;
}

static void sample(IxDocWriter *w, const char *text, size_t len) {
  if (!len) return;
  if (!w->samples) {
    w->samples = sw_malloc((size_t)IX_SAMPLE_MAX * IX_SAMPLE_BYTES);
    if (!w->samples) return; /* no sample, no dictionary: not an error */
  }
  /* Reservoir sampling (algorithm R) over documents with text. */
  uint64_t seen = w->n + 1;
  uint32_t slot;
  if (w->nsamples < IX_SAMPLE_MAX) slot = w->nsamples++;
  else {
    uint64_t j = next_rand(&w->rng) % seen;
    if (j >= IX_SAMPLE_MAX) return;
    slot = (uint32_t)j;
  }
  /* A piece from a random place in long texts, so the dictionary sees
  ** their bodies as well as their openings. */
  size_t take = len < IX_SAMPLE_BYTES ? len : IX_SAMPLE_BYTES, start = 0;
  if (len > take) start = (size_t)(next_rand(&w->rng) % (len - take + 1));
  memcpy(w->samples + (size_t)slot * IX_SAMPLE_BYTES, text + start, take);
  w->sample_len[slot] = take;
}

int ix_docw_add(IxDocWriter *w, const IxDoc *doc, uint32_t len,
                SwError *err) {
  const char *f[IX_META_FIELDS] = {doc->id,     doc->title, doc->date,
                                   doc->source, doc->url,   doc->file,
                                   doc->facets};
  size_t fl[IX_META_FIELDS] = {doc->id_len,     doc->title_len, doc->date_len,
                               doc->source_len, doc->url_len,   doc->file_len,
                               doc->facets_len};
  size_t before = w->recs.len, need = 0;
  for (int i = 0; i < IX_META_FIELDS; i++) need += fl[i] + IX_VARINT_MAX;
  /* FORMAT.md §7: docmeta offsets are u32. */
  if (need + before + (uint64_t)(w->n + 1) * IX_DOCMETA_ENTRY >
      UINT32_MAX - 4096)
    return sw_error_set(err, SW_LIMIT,
                        "document metadata over 4 GiB (FORMAT.md §7)");
  if (ix_buf_reserve(&w->recs, need) || ix_buf_reserve(&w->table, 12) ||
      ix_buf_reserve(&w->lens, 4))
    return sw_error_set(err, SW_NOMEM, "out of memory (document metadata)");
  for (int i = 0; i < IX_META_FIELDS; i++) {
    w->recs.len += ix_varint_put(w->recs.p + w->recs.len, fl[i]);
    if (fl[i]) memcpy(w->recs.p + w->recs.len, f[i], fl[i]);
    w->recs.len += fl[i];
  }
  int rc = ix_out_write(&w->raw, doc->text, doc->text_len, err);
  if (rc) {
    w->recs.len = before;
    return rc;
  }
  w->raw_bytes += doc->text_len;
  ix_buf_u32(&w->table, (uint32_t)doc->text_len);
  ix_buf_u32(&w->table, (uint32_t)before);
  ix_buf_u32(&w->table, (uint32_t)(w->recs.len - before));
  ix_buf_u32(&w->lens, len);
  sample(w, doc->text, doc->text_len);
  w->n++;
  return SW_OK;
}

static int write_doclens(IxDocWriter *w, const char *path, uint64_t *size,
                         uint64_t *sum, SwError *err) {
  uint8_t h[8]; /* FORMAT.md §6 */
  ix_put_u32(h, w->n);
  ix_put_u32(h + 4, 0);
  IxOut o;
  int rc = ix_out_open(&o, path, "DLEN", err);
  if (rc) return rc;
  if ((rc = ix_out_write(&o, h, 8, err)) == SW_OK &&
      (rc = ix_out_write(&o, w->lens.p, w->lens.len, err)) == SW_OK)
    rc = ix_out_finish(&o, size, sum, err);
  ix_out_discard(&o);
  return rc;
}

/* Trains the dictionary on the reservoir; *dict NULL when none. */
static void train(IxDocWriter *w, uint8_t **dict, size_t *dict_len) {
  *dict = NULL;
  *dict_len = 0;
  if (!w->use_dict || !w->samples) return;
  size_t total = 0;
  for (uint32_t i = 0; i < w->nsamples; i++) {
    memmove(w->samples + total, w->samples + (size_t)i * IX_SAMPLE_BYTES,
            w->sample_len[i]);
    total += w->sample_len[i];
  }
  if (total < DICT_MIN_SAMPLE || w->nsamples < 16) return;
  uint8_t *d = sw_malloc(IX_DICT_CAP);
  if (!d) return;
  /* FORMAT.md §8: fastCover with fixed k and d trains in half the time of
  ** ZDICT_trainFromBuffer (which searches k) and gave the same sizes on the
  ** corpus. ZDICT allocates with malloc: training is outside sw_malloc. */
  ZDICT_fastCover_params_t p;
  memset(&p, 0, sizeof p);
  p.k = 200;
  p.d = 8;
  p.f = 20;
  p.accel = 1;
  p.zParams.compressionLevel = w->level;
  size_t n = ZDICT_trainFromBuffer_fastCover(d, IX_DICT_CAP, w->samples,
                                             w->sample_len, w->nsamples, p);
  if (ZDICT_isError(n)) {
    sw_free(d);
    return;
  }
  *dict = d;
  *dict_len = n;
}

/* ------------------------------------------------------ writing doctext -- */

/* Every text is its own zstd frame (FORMAT.md §8), so frames can be made on
** several threads and written in document order: the bytes do not depend
** on the thread count. The documents are cut into batches of contiguous
** texts of about TEXT_BATCH raw bytes; batch b lives in slot b % nslots.
** written <= claimed: [written, claimed) are handed out (being compressed
** or done, waiting to be written). A batch is claimed only while fewer than
** nslots are out and their raw bytes stay under the window (one batch is
** always allowed): with the batches' buffers this bounds the memory.
** Every thread has its own ZSTD_CCtx with the same parameters; all share
** the one CDict, which zstd only reads while compressing ("can be shared
** by multiple threads concurrently, since its usage is read-only",
** zstd.h). The calling thread compresses too and alone writes the file;
** the first failing batch in document order gives the error. */

#define TEXT_BATCH ((size_t)2 << 20) /* raw bytes a batch aims at        */
#define TEXT_SLOTS_PER_THREAD 2      /* batches out per thread            */
#define TEXT_MAX_THREADS 64          /* as SwBuildOptions.threads         */

typedef struct TextBatch {
  uint32_t first;     /* its first document                            */
  uint32_t end;       /* one past its last                             */
  uint64_t raw_off;   /* first text's offset in the temporary file     */
  size_t raw_len;     /* bytes of its texts there                      */
  uint8_t *src;       /* the texts (owned, reused)                     */
  size_t src_cap;     /* its size                                      */
  uint8_t *dst;       /* per text with bytes: u32 checksum, the frame  */
  size_t dst_cap;     /* its size                                      */
  size_t dst_len;     /* bytes used                                    */
  uint32_t *clen;     /* per document: its bytes in dst (0: no text)   */
  size_t clen_cap;    /* entries allocated                             */
  int done;           /* 1: compressed (or failed), under mu           */
  int rc;             /* SW_OK, or the first failure in the batch      */
  SwError err;        /* its message                                   */
} TextBatch;

typedef struct TextPool TextPool;

typedef struct TextWorker {
  TextPool *p;        /* the pool                                      */
  pthread_t thread;   /* the thread                                    */
  ZSTD_CCtx *cctx;    /* its context (owned)                           */
} TextWorker;

struct TextPool {
  const IxDocWriter *w; /* texts and table (read-only here)            */
  pthread_mutex_t mu;   /* guards everything below and TextBatch.done  */
  pthread_cond_t work;  /* workers: a slot came free, or stop          */
  pthread_cond_t ready; /* the calling thread: a batch is done         */
  TextBatch *slots;     /* the ring (owned)                            */
  uint32_t nslots;      /* its slots                                   */
  uint64_t claimed;     /* batches handed out                          */
  uint64_t written;     /* batches written (or abandoned)              */
  uint32_t next_doc;    /* first document not yet in a batch           */
  uint64_t next_off;    /* its text's offset in the temporary file     */
  uint64_t out_bytes;   /* raw bytes of the batches out                */
  uint64_t window;      /* out_bytes from which none more is claimed   */
  int stop;             /* 1: workers return                           */
  TextWorker *workers;  /* [0] is the calling thread's (owned)         */
  int nthreads;         /* contexts made, the caller's included        */
  int nstarted;         /* threads started (workers 1..nstarted)       */
};

/* A context with the parameters of FORMAT.md §8: level, content size, no
** checksum, no dict id, the dictionary when there is one. NULL: memory. */
static ZSTD_CCtx *text_cctx(int level, const ZSTD_CDict *cdict) {
  ZSTD_CCtx *c = ix_zstd_cctx();
  if (!c) return NULL;
  if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level)) ||
      ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1)) ||
      ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0)) ||
      ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, 0)) ||
      (cdict && ZSTD_isError(ZSTD_CCtx_refCDict(c, cdict)))) {
    ZSTD_freeCCtx(c);
    return NULL;
  }
  return c;
}

/* Hands out the next batch, or NULL when none is left or the window is
** full. Under p->mu. */
static TextBatch *claim_batch(TextPool *p) {
  const IxDocWriter *w = p->w;
  if (p->next_doc == w->n || p->claimed - p->written >= p->nslots ||
      (p->claimed > p->written && p->out_bytes >= p->window))
    return NULL;
  TextBatch *b = &p->slots[p->claimed++ % p->nslots];
  b->first = p->next_doc;
  b->raw_off = p->next_off;
  size_t len = 0;
  uint32_t d = b->first;
  while (d < w->n && len < TEXT_BATCH)
    len += ix_get_u32(w->table.p + (size_t)d++ * 12);
  b->end = d;
  b->raw_len = len;
  b->done = 0;
  b->rc = SW_OK;
  sw_error_clear(&b->err);
  p->next_doc = d;
  p->next_off += len;
  p->out_bytes += len;
  return b;
}

/* Reads and compresses batch b with cctx; a failure stays in b. Needs no
** lock: b is this thread's until it sets b->done. */
static void compress_batch(const IxDocWriter *w, TextBatch *b,
                           ZSTD_CCtx *cctx) {
  size_t n = b->end - b->first, need = 0;
  for (uint32_t d = b->first; d < b->end; d++) {
    size_t len = ix_get_u32(w->table.p + (size_t)d * 12);
    if (len) need += 4 + ZSTD_compressBound(len);
  }
  if (b->raw_len > b->src_cap) {
    uint8_t *q = sw_realloc(b->src, b->raw_len);
    if (!q) goto nomem;
    b->src = q;
    b->src_cap = b->raw_len;
  }
  if (need > b->dst_cap) {
    uint8_t *q = sw_realloc(b->dst, need);
    if (!q) goto nomem;
    b->dst = q;
    b->dst_cap = need;
  }
  if (n > b->clen_cap) {
    uint32_t *q = sw_realloc(b->clen, n * sizeof *q);
    if (!q) goto nomem;
    b->clen = q;
    b->clen_cap = n;
  }
  size_t got = 0;
  while (got < b->raw_len) {
    ssize_t k = pread(w->raw.fd, b->src + got, b->raw_len - got,
                      (off_t)(b->raw_off + got));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      b->rc = sw_error_errno(&b->err, k < 0 ? errno : EIO, "read",
                             w->raw_path);
      return;
    }
    got += (size_t)k;
  }
  const uint8_t *src = b->src;
  b->dst_len = 0;
  for (uint32_t d = b->first; d < b->end; d++) {
    size_t len = ix_get_u32(w->table.p + (size_t)d * 12), clen = 0;
    if (len) {
      uint8_t *out = b->dst + b->dst_len;
      clen = ZSTD_compress2(cctx, out + 4, ZSTD_compressBound(len), src, len);
      if (ZSTD_isError(clen)) {
        b->rc = sw_error_set(&b->err, SW_NOMEM, "zstd: %s",
                             ZSTD_getErrorName(clen));
        return;
      }
      /* FORMAT.md §8: each frame follows its own checksum. */
      ix_put_u32(out, ix_sum32(out + 4, clen));
      clen += 4;
      src += len;
      b->dst_len += clen;
    }
    b->clen[d - b->first] = (uint32_t)clen;
  }
  return;
nomem:
  b->rc = sw_error_set(&b->err, SW_NOMEM,
                       "out of memory compressing documents");
}

/* Appends batch b's frames to o and their places to locs (reserved). */
static int write_batch(const TextBatch *b, IxOut *o, IxBuf *locs,
                       SwError *err) {
  uint64_t off = ix_out_tell(o);
  for (uint32_t d = b->first; d < b->end; d++) {
    uint32_t clen = b->clen[d - b->first];
    ix_buf_u64(locs, off);
    ix_buf_u32(locs, clen);
    off += clen;
  }
  return ix_out_write(o, b->dst, b->dst_len, err);
}

static void *text_worker_main(void *arg) {
  TextWorker *wk = arg;
  TextPool *p = wk->p;
  pthread_mutex_lock(&p->mu);
  while (!p->stop && p->next_doc < p->w->n) {
    TextBatch *b = claim_batch(p);
    if (!b) {
      pthread_cond_wait(&p->work, &p->mu);
      continue;
    }
    pthread_mutex_unlock(&p->mu);
    compress_batch(p->w, b, wk->cctx);
    pthread_mutex_lock(&p->mu);
    b->done = 1;
    pthread_cond_signal(&p->ready);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* Stops and joins the workers, frees everything. */
static void text_pool_free(TextPool *p) {
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  pthread_cond_broadcast(&p->work);
  pthread_mutex_unlock(&p->mu);
  for (int i = 1; i <= p->nstarted; i++)
    pthread_join(p->workers[i].thread, NULL);
  for (int i = 0; p->workers && i < p->nthreads; i++)
    ZSTD_freeCCtx(p->workers[i].cctx);
  for (uint32_t i = 0; p->slots && i < p->nslots; i++) {
    sw_free(p->slots[i].src);
    sw_free(p->slots[i].dst);
    sw_free(p->slots[i].clen);
  }
  sw_free(p->slots);
  sw_free(p->workers);
  pthread_cond_destroy(&p->work);
  pthread_cond_destroy(&p->ready);
  pthread_mutex_destroy(&p->mu);
}

/* Sets up p for up to nthreads threads (the caller's included) and starts
** the workers; threads that do not start leave their work to the others.
** On failure p is freed. Errors: SW_NOMEM. */
static int text_pool_init(TextPool *p, const IxDocWriter *w,
                          const ZSTD_CDict *cdict, int nthreads,
                          SwError *err) {
  memset(p, 0, sizeof *p);
  p->w = w;
  if (pthread_mutex_init(&p->mu, NULL))
    return sw_error_set(err, SW_NOMEM, "cannot create a mutex");
  if (pthread_cond_init(&p->work, NULL)) {
    pthread_mutex_destroy(&p->mu);
    return sw_error_set(err, SW_NOMEM, "cannot create a condition variable");
  }
  if (pthread_cond_init(&p->ready, NULL)) {
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->mu);
    return sw_error_set(err, SW_NOMEM, "cannot create a condition variable");
  }
  /* More threads than batches would idle. */
  uint64_t batches = w->raw_bytes / TEXT_BATCH + 1;
  if (nthreads > TEXT_MAX_THREADS) nthreads = TEXT_MAX_THREADS;
  if ((uint64_t)nthreads > batches) nthreads = (int)batches;
  if (nthreads < 1) nthreads = 1;
  /* One thread writes each batch before it takes the next: one slot. */
  p->nslots = nthreads == 1 ? 1 : (uint32_t)nthreads * TEXT_SLOTS_PER_THREAD;
  p->window = (uint64_t)p->nslots * TEXT_BATCH;
  p->slots = sw_calloc(p->nslots, sizeof *p->slots);
  p->workers = sw_calloc((size_t)nthreads, sizeof *p->workers);
  if (!p->slots || !p->workers) goto nomem;
  for (; p->nthreads < nthreads; p->nthreads++) {
    p->workers[p->nthreads].p = p;
    if (!(p->workers[p->nthreads].cctx = text_cctx(w->level, cdict)))
      goto nomem;
  }
  for (int i = 1; i < nthreads; i++) {
    if (pthread_create(&p->workers[i].thread, NULL, text_worker_main,
                       &p->workers[i]) != 0)
      break; /* go on with the threads started */
    p->nstarted = i;
  }
  return SW_OK;
nomem:
  text_pool_free(p);
  return sw_error_set(err, SW_NOMEM, "out of memory compressing documents");
}

/* The calling thread's part: writes the batches in order as they are done
** and compresses batches itself while it has nothing to write. Returns with
** every batch written, or with the first error (in document order). */
static int text_pool_run(TextPool *p, IxOut *o, IxBuf *locs, SwError *err) {
  int rc = SW_OK;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    TextBatch *b = &p->slots[p->written % p->nslots];
    if (p->written < p->claimed && b->done) {
      pthread_mutex_unlock(&p->mu);
      rc = b->rc ? sw_error_set(err, b->rc, "%s", b->err.msg)
                 : write_batch(b, o, locs, err);
      pthread_mutex_lock(&p->mu);
      if (rc) break;
      /* Buffers of an outsized document are not kept for the next. */
      if (b->src_cap > 4 * TEXT_BATCH) {
        sw_free(b->src);
        b->src = NULL;
        b->src_cap = 0;
      }
      if (b->dst_cap > 4 * TEXT_BATCH) {
        sw_free(b->dst);
        b->dst = NULL;
        b->dst_cap = 0;
      }
      p->out_bytes -= b->raw_len;
      p->written++;
      pthread_cond_signal(&p->work);
      continue;
    }
    if (p->written == p->claimed && p->next_doc == p->w->n) break;
    if ((b = claim_batch(p))) {
      pthread_mutex_unlock(&p->mu);
      compress_batch(p->w, b, p->workers[0].cctx);
      pthread_mutex_lock(&p->mu);
      b->done = 1;
      continue;
    }
    pthread_cond_wait(&p->ready, &p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  return rc;
}

static int write_doctext(IxDocWriter *w, const char *path, IxBuf *locs,
                         uint32_t *dict_sum, uint64_t *size, uint64_t *sum,
                         SwError *err) {
  uint8_t *dict = NULL;
  size_t dict_len = 0;
  ZSTD_CDict *cdict = NULL;
  void *cdict_mem = NULL;
  TextPool pool;
  int pool_up = 0; /* 1: pool holds threads and memory, free it */
  IxOut o;
  memset(&o, 0, sizeof o);
  o.fd = -1;
  int rc = ix_out_flush(&w->raw, err);
  if (rc) return rc;
  train(w, &dict, &dict_len);
  if (dict && !(cdict = ix_zstd_cdict(dict, dict_len, w->level, &cdict_mem)))
    goto nomem;
  if (ix_buf_reserve(locs, (size_t)w->n * 12)) goto nomem;

  if ((rc = ix_out_open(&o, path, "DTXT", err))) goto done;
  uint8_t h[4];
  ix_put_u32(h, (uint32_t)dict_len);
  if ((rc = ix_out_write(&o, h, 4, err)) ||
      (rc = ix_out_write(&o, dict, dict_len, err)))
    goto done;
  { /* FORMAT.md §7: docmeta's header holds the sum of dict_len + dict. */
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    XXH3_64bits_update(&st, h, 4);
    if (dict_len) XXH3_64bits_update(&st, dict, dict_len);
    *dict_sum = (uint32_t)XXH3_64bits_digest(&st);
  }
  if ((rc = text_pool_init(&pool, w, cdict, w->threads, err))) goto done;
  pool_up = 1;
  if ((rc = text_pool_run(&pool, &o, locs, err))) goto done;
  text_pool_free(&pool); /* the threads end before the file does */
  pool_up = 0;
  rc = ix_out_finish(&o, size, sum, err);
  goto done;
nomem:
  rc = sw_error_set(err, SW_NOMEM, "out of memory compressing documents");
done:
  if (pool_up) text_pool_free(&pool);
  ix_out_discard(&o);
  sw_free(cdict_mem); /* a static CDict: its workspace is all there is */
  sw_free(dict);
  return rc;
}

static int write_docmeta(IxDocWriter *w, const char *path, const IxBuf *locs,
                         uint32_t dict_sum, uint64_t *size, uint64_t *sum,
                         SwError *err) {
  IxOut o;
  int rc = ix_out_open(&o, path, "DMET", err);
  if (rc) return rc;
  uint8_t h[8];
  ix_put_u32(h, w->n);
  ix_put_u32(h + 4, dict_sum);
  if ((rc = ix_out_write(&o, h, 8, err))) goto done;
  uint64_t recs_off = IX_DOCMETA_HEADER + (uint64_t)w->n * IX_DOCMETA_ENTRY;
  for (uint32_t d = 0; d < w->n; d++) {
    /* FORMAT.md §7: u64 text_off, u32 clen, u32 len, u32 rec_off, rec_len */
    uint8_t e[IX_DOCMETA_ENTRY];
    const uint8_t *t = w->table.p + (size_t)d * 12;
    const uint8_t *l = locs->p + (size_t)d * 12;
    ix_put_u64(e, ix_get_u64(l));
    ix_put_u32(e + 8, ix_get_u32(l + 8));
    ix_put_u32(e + 12, ix_get_u32(t));
    ix_put_u32(e + 16, (uint32_t)(recs_off + ix_get_u32(t + 4)));
    ix_put_u32(e + 20, ix_get_u32(t + 8));
    if ((rc = ix_out_write(&o, e, sizeof e, err))) goto done;
  }
  if ((rc = ix_out_write(&o, w->recs.p, w->recs.len, err))) goto done;
  rc = ix_out_finish(&o, size, sum, err);
done:
  ix_out_discard(&o);
  return rc;
}

int ix_docw_finish(IxDocWriter *w, const char *gendir, uint64_t *size,
                   uint64_t *sum, SwError *err) {
  char path[4096];
  IxBuf locs = {0};
  int rc;
  snprintf(path, sizeof path, "%s/doclens", gendir);
  if ((rc = write_doclens(w, path, &size[IX_F_DOCLENS], &sum[IX_F_DOCLENS], err)))
    goto done;
  snprintf(path, sizeof path, "%s/doctext", gendir);
  uint32_t dict_sum = 0;
  if ((rc = write_doctext(w, path, &locs, &dict_sum, &size[IX_F_DOCTEXT],
                          &sum[IX_F_DOCTEXT], err)))
    goto done;
  snprintf(path, sizeof path, "%s/docmeta", gendir);
  rc = write_docmeta(w, path, &locs, dict_sum, &size[IX_F_DOCMETA],
                     &sum[IX_F_DOCMETA], err);
done:
  ix_buf_free(&locs);
  return rc;
}

void ix_docw_free(IxDocWriter *w) {
  ix_out_discard(&w->raw);
  if (w->raw_path) unlink(w->raw_path);
  sw_free(w->raw_path);
  ix_buf_free(&w->recs);
  ix_buf_free(&w->table);
  ix_buf_free(&w->lens);
  sw_free(w->samples);
  memset(w, 0, sizeof *w);
  w->raw.fd = -1;
}

/* -------------------------------------------------------------- reading -- */

int ix_docs_open(IxDocStore *s, const char *gendir, uint32_t n,
                 const uint8_t *psums, uint32_t npages, SwError *err) {
  memset(s, 0, sizeof *s);
  int rc;
  /* doclens is read on every query: verify it whole (docmeta: below). No
  ** MADV_WILLNEED: the verification reads them in order right away (the
  ** kernel reads ahead for that), and on a warm page cache the advice alone
  ** cost 0.1 ms a search, walking the cache over docmeta's 8 MB. */
  if ((rc = ix_map_open(&s->lens, gendir, "doclens", "DLEN", IX_ADV_NORMAL,
                        err)) ||
      (rc = ix_map_verify(&s->lens, err)))
    goto fail;
  const uint8_t *p = s->lens.p;
  if (s->lens.size != IX_DOCLENS_HEADER + (uint64_t)n * 4 + IX_FOOTER_SIZE ||
      ix_get_u32(p + 16) != n || ix_get_u32(p + 20) != 0) {
    rc = ix_corrupt(err, s->lens.path, 16,
                    "doc count or file size differs from the manifest");
    goto fail;
  }
  for (uint32_t d = 0; d < n; d++)
    s->total_tokens += ix_get_u32(p + IX_DOCLENS_HEADER + (size_t)d * 4);

  /* docmeta first: verified, it vouches for doctext's layout. Format 3
  ** verifies the pages a query reads and checks a doc table entry when it
  ** is read (doc_entry): 8 MB hashed at every start was most of a cold
  ** search. Older formats: all of it now. */
  if ((rc = ix_map_open(&s->meta, gendir, "docmeta", "DMET", IX_ADV_NORMAL,
                        err)) ||
      (rc = psums ? ix_map_pages(&s->meta, psums, npages, err)
                  : ix_map_verify(&s->meta, err)) ||
      (rc = ix_map_need(&s->meta, 0, IX_DOCMETA_HEADER, err)))
    goto fail;
  s->paged = psums != NULL;
  p = s->meta.p;
  uint64_t recs = IX_DOCMETA_HEADER + (uint64_t)n * IX_DOCMETA_ENTRY;
  uint64_t meta_end = s->meta.size - IX_FOOTER_SIZE;
  s->sums = s->meta.version >= 2;
  if (ix_get_u32(p + 16) != n || (!s->sums && ix_get_u32(p + 20) != 0) ||
      recs > meta_end) {
    rc = ix_corrupt(err, s->meta.path, 16,
                    "doc count or file size differs from the manifest");
    goto fail;
  }
  if ((rc = ix_map_open(&s->text, gendir, "doctext", "DTXT", IX_ADV_RANDOM,
                        err)))
    goto fail;
  uint32_t dict_len = ix_get_u32(s->text.p + 16);
  if (s->text.size < DOCTEXT_HEADER + IX_FOOTER_SIZE ||
      dict_len > s->text.size - DOCTEXT_HEADER - IX_FOOTER_SIZE) {
    rc = ix_corrupt(err, s->text.path, 16, "dictionary length out of range");
    goto fail;
  }
  if (s->sums && ix_sum32(s->text.p + 16, 4 + (size_t)dict_len) !=
                     ix_get_u32(p + 20)) {
    rc = ix_corrupt(err, s->text.path, 16,
                    "dictionary checksum mismatch (docmeta's header)");
    goto fail;
  }
  s->frames_off = DOCTEXT_HEADER + (uint64_t)dict_len;
  uint64_t text_end = s->text.size - IX_FOOTER_SIZE;
  s->recs_off = recs;
  s->meta_end = meta_end;
  s->text_end = text_end;
  if (s->paged) goto table_checked; /* entry by entry, when read */
  /* FORMAT.md §7 invariants: records and texts contiguous, in doc order. */
  uint64_t want_rec = recs, want_text = s->frames_off;
  uint32_t min_clen = s->sums ? 5 : 1; /* checksum + a frame's first byte */
  uint32_t nfields = s->sums ? IX_META_FIELDS : IX_META_FIELDS - 1;
  for (uint32_t d = 0; d < n; d++) {
    const uint8_t *e = p + IX_DOCMETA_HEADER + (size_t)d * IX_DOCMETA_ENTRY;
    uint64_t toff = ix_get_u64(e);
    uint32_t clen = ix_get_u32(e + 8), len = ix_get_u32(e + 12);
    uint32_t roff = ix_get_u32(e + 16), rlen = ix_get_u32(e + 20);
    char what[96];
    if (roff != want_rec || rlen < nfields || rlen > meta_end - roff ||
        (clen == 0) != (len == 0) || (len && clen < min_clen) ||
        len > SW_MAX_DOC_BYTES) {
      snprintf(what, sizeof what, "doc table entry %u out of order or range", d);
      rc = ix_corrupt(err, s->meta.path, (uint64_t)(e - p), what);
      goto fail;
    }
    if (toff != want_text || clen > text_end - toff) {
      /* docmeta passed its checksum: the texts do not fit doctext. */
      snprintf(what, sizeof what,
               "text %u not where docmeta puts it (offset %llu)", d,
               (unsigned long long)toff);
      rc = ix_corrupt(err, s->text.path, toff, what);
      goto fail;
    }
    want_rec = (uint64_t)roff + rlen;
    want_text = toff + clen;
  }
  if (want_rec != meta_end) {
    rc = ix_corrupt(err, s->meta.path, want_rec, "bytes after the last record");
    goto fail;
  }
  if (want_text != text_end) {
    rc = ix_corrupt(err, s->text.path, want_text, "bytes after the last text");
    goto fail;
  }
table_checked:
  if (dict_len) {
    int bad = 0;
    s->ddict = ix_zstd_ddict(s->text.p + DOCTEXT_HEADER, dict_len, &bad);
    if (!s->ddict) {
      /* Format 2 verified the dictionary's bytes: memory ran out. */
      rc = s->sums ? sw_error_set(err, SW_NOMEM,
                                  "out of memory (zstd dictionary)")
                   : ix_corrupt(err, s->text.path, DOCTEXT_HEADER,
                                "zstd dictionary does not load");
      goto fail;
    }
  }
  s->dctx = ix_zstd_dctx();
  if (!s->dctx) {
    rc = sw_error_set(err, SW_NOMEM, "out of memory (zstd context)");
    goto fail;
  }
  s->n = n;
  return SW_OK;
fail:
  ix_docs_close(s);
  return rc;
}

void ix_docs_close(IxDocStore *s) {
  ZSTD_freeDDict(s->ddict);
  ZSTD_freeDCtx(s->dctx);
  ix_map_close(&s->lens);
  ix_map_close(&s->meta);
  ix_map_close(&s->text);
  memset(s, 0, sizeof *s);
}

/* Doc table entry d (FORMAT.md §7). Format 3 verifies its page and checks
** it against its neighbours here, as ix_docs_open checks the whole table
** for older formats: records and texts contiguous and in doc order. */
typedef struct DocEntry {
  uint64_t toff;   /* text: offset in doctext */
  uint32_t clen;   /* ... stored length       */
  uint32_t len;    /* ... text length         */
  uint32_t roff;   /* record: offset          */
  uint32_t rlen;   /* ... length              */
} DocEntry;

static void read_entry(const uint8_t *e, DocEntry *x) {
  x->toff = ix_get_u64(e);
  x->clen = ix_get_u32(e + 8);
  x->len = ix_get_u32(e + 12);
  x->roff = ix_get_u32(e + 16);
  x->rlen = ix_get_u32(e + 20);
}

static int doc_entry(const IxDocStore *s, SwDocId d, DocEntry *x,
                     SwError *err) {
  const uint8_t *p = s->meta.p;
  size_t at = IX_DOCMETA_HEADER + (size_t)d * IX_DOCMETA_ENTRY;
  if (!s->paged) {
    read_entry(p + at, x);
    return SW_OK;
  }
  /* Entries d-1 (or the start) .. d+1 (or the end). */
  size_t from = d ? at - IX_DOCMETA_ENTRY : at;
  size_t to = d + 1 < s->n ? at + 2 * IX_DOCMETA_ENTRY : at + IX_DOCMETA_ENTRY;
  int rc = ix_map_need(&s->meta, from, to - from, err);
  if (rc) return rc;
  DocEntry prev, next;
  read_entry(p + at, x);
  uint64_t rec_start = s->recs_off, text_start = s->frames_off;
  if (d) {
    read_entry(p + at - IX_DOCMETA_ENTRY, &prev);
    rec_start = (uint64_t)prev.roff + prev.rlen;
    text_start = prev.toff + prev.clen;
  }
  uint64_t rec_end = s->meta_end, text_end = s->text_end;
  if (d + 1 < s->n) {
    read_entry(p + at + IX_DOCMETA_ENTRY, &next);
    rec_end = next.roff;
    text_end = next.toff;
  }
  char what[96];
  if (x->roff != rec_start || (uint64_t)x->roff + x->rlen != rec_end ||
      rec_end > s->meta_end || x->rlen < IX_META_FIELDS ||
      (x->clen == 0) != (x->len == 0) || (x->len && x->clen < 5) ||
      x->len > SW_MAX_DOC_BYTES) {
    snprintf(what, sizeof what, "doc table entry %u out of order or range", d);
    return ix_corrupt(err, s->meta.path, at, what);
  }
  if (x->toff != text_start || x->toff + x->clen != text_end ||
      text_end > s->text_end) {
    snprintf(what, sizeof what,
             "text %u not where docmeta puts it (offset %llu)", d,
             (unsigned long long)x->toff);
    return ix_corrupt(err, s->text.path, x->toff, what);
  }
  return ix_map_need(&s->meta, x->roff, x->rlen, err);
}

uint32_t ix_seg_doc_len(const IxSeg *r, SwDocId d) {
  if (d >= r->docs.n) return 0;
  return ix_get_u32(r->docs.lens.p + IX_DOCLENS_HEADER + (size_t)d * 4);
}

int ix_seg_doc_meta(const IxSeg *r, SwDocId d, IxDocMeta *out, SwError *err) {
  memset(out, 0, sizeof *out);
  const IxDocStore *s = &r->docs;
  if (d >= s->n)
    return sw_error_set(err, SW_NOTFOUND, "no document %u (index has %u)", d,
                        s->n);
  const uint8_t *p = s->meta.p;
  DocEntry x;
  int rc = doc_entry(s, d, &x, err);
  if (rc) return rc;
  size_t off = x.roff, end = off + x.rlen;
  const char *f[IX_META_FIELDS] = {0};
  size_t fl[IX_META_FIELDS] = {0};
  int nfields = s->sums ? IX_META_FIELDS : IX_META_FIELDS - 1; /* format 1 */
  for (int i = 0; i < nfields; i++) {
    uint64_t len;
    size_t at = off;
    if (ix_varint_get(p, end, &off, &len) || len > end - off)
      return ix_corrupt(err, s->meta.path, at, "bad metadata field length");
    f[i] = (const char *)p + off;
    fl[i] = (size_t)len;
    off += (size_t)len;
  }
  if (off != end)
    return ix_corrupt(err, s->meta.path, off, "bytes after a metadata record");
  out->id = f[0]; out->id_len = fl[0];
  out->title = f[1]; out->title_len = fl[1];
  out->date = f[2]; out->date_len = fl[2];
  out->source = f[3]; out->source_len = fl[3];
  out->url = f[4]; out->url_len = fl[4];
  out->file = f[5]; out->file_len = fl[5];
  out->facets = f[6] ? f[6] : ""; out->facets_len = fl[6];
  return SW_OK;
}

int ix_docs_text(IxDocStore *s, SwDocId d, char **text, size_t *len,
                 SwError *err) {
  *text = NULL;
  *len = 0;
  if (d >= s->n)
    return sw_error_set(err, SW_NOTFOUND, "no document %u (index has %u)", d,
                        s->n);
  DocEntry x;
  int rc = doc_entry(s, d, &x, err);
  if (rc) return rc;
  uint64_t off = x.toff;
  size_t clen = x.clen, n = x.len;
  if (n && s->sums) {
    /* FORMAT.md §8: u32 checksum, then the frame (open checked clen >= 5). */
    if (ix_sum32(s->text.p + off + 4, clen - 4) != ix_get_u32(s->text.p + off))
      return ix_corrupt(err, s->text.path, off, "text checksum mismatch");
    off += 4;
    clen -= 4;
  }
  char *buf = sw_malloc(n + 1);
  if (!buf) return sw_error_set(err, SW_NOMEM, "out of memory (document text)");
  if (n) {
    const uint8_t *src = s->text.p + off;
    if (ZSTD_getFrameContentSize(src, clen) != n) {
      sw_free(buf);
      return ix_corrupt(err, s->text.path, off,
                        "zstd frame size differs from the text length in "
                        "docmeta");
    }
    size_t got = s->ddict ? ZSTD_decompress_usingDDict(s->dctx, buf, n, src,
                                                       clen, s->ddict)
                          : ZSTD_decompressDCtx(s->dctx, buf, n, src, clen);
    if (ZSTD_isError(got) || got != n) {
      sw_free(buf);
      return ix_corrupt(err, s->text.path, off, "text does not decompress");
    }
  }
  buf[n] = '\0';
  *text = buf;
  *len = n;
  return SW_OK;
}
