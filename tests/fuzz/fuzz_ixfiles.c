/*
** fuzz_ixfiles.c — damage one file of a sound index, then open, search,
** snippet and check it. Interface and input format: fuzz_ixfiles.h.
**
** Only the public API (swsearch.h) and the frame of FORMAT.md §0 ("SWIX",
** footer u64 length + u64 XXH3-64 of everything before the checksum) are
** assumed, so the index layer may rename, add or split files freely.
*/
#include "fuzz_ixfiles.h"

#include "fuzz_common.h"
#include "swsearch.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define FRAME_MIN 32     /* FORMAT.md §0: header 16 + footer 16 */
#define MAX_FILES 256    /* more files than this: the rest are not fuzzed */
#define RESEAL_DEPTH 4   /* references followed from file to file        */

/* One file of the index. `work` holds this run's bytes while `dirty`. */
typedef struct IxFile {
  char *rel;        /* path relative to the index directory           */
  char *path;       /* full path                                      */
  const char *base; /* base name, inside rel                          */
  uint8_t *orig;    /* the sound contents                             */
  size_t olen;      /* their length                                   */
  uint8_t *work;    /* this run's contents (malloc'ed, when dirty)    */
  size_t wlen;      /* their length                                   */
  int dirty;        /* 1: work differs from orig for this run         */
  int deleted;      /* 1: this run removes the file                   */
} IxFile;

/* Process state (see fuzz_common.h on statics). */
static char ix_dir[4096];
static IxFile files[MAX_FILES];
static size_t nfiles;

static int cmp_rel(const void *a, const void *b) {
  return strcmp(((const IxFile *)a)->rel, ((const IxFile *)b)->rel);
}

static void scan(const char *rel) {
  char path[4096];
  int n = snprintf(path, sizeof path, "%s%s%s", ix_dir, rel[0] ? "/" : "", rel);
  if (n < 0 || (size_t)n >= sizeof path) fz_fail("path too long: %s", rel);
  DIR *d = opendir(path);
  if (!d) fz_fail("cannot list %s", path);
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    char sub[4096], full[8192];
    n = snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
    if (n < 0 || (size_t)n >= sizeof sub) continue;
    n = snprintf(full, sizeof full, "%s/%s", ix_dir, sub);
    if (n < 0 || (size_t)n >= sizeof full) continue;
    struct stat st;
    if (lstat(full, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      scan(sub);
    } else if (S_ISREG(st.st_mode) && strcmp(de->d_name, "LOCK") != 0 &&
               nfiles < MAX_FILES) {
      IxFile *f = &files[nfiles++];
      f->rel = strdup(sub);
      f->path = strdup(full);
      if (!f->rel || !f->path || fz_read_file(full, &f->orig, &f->olen))
        fz_fail("cannot read %s", full);
      const char *slash = strrchr(f->rel, '/');
      f->base = slash ? slash + 1 : f->rel;
    }
  }
  closedir(d);
}

static void setup(int with_dict) {
  fz_build_tiny_index("ixfiles-index", with_dict, ix_dir);
  scan("");
  if (nfiles == 0) fz_fail("the tiny index has no files");
  qsort(files, nfiles, sizeof files[0], cmp_rel);
}

static int matches(const char *base, const char *const *patterns) {
  if (!patterns) return 1;
  for (const char *const *p = patterns; *p; p++) {
    size_t n = strlen(*p);
    if (n && (*p)[n - 1] == '*' ? strncmp(base, *p, n - 1) == 0
                                : strcmp(base, *p) == 0)
      return 1;
  }
  return 0;
}

/* ------------------------------------------------------------- reseal -- */

static int framed(const uint8_t *p, size_t n) {
  return n >= FRAME_MIN && memcmp(p, "SWIX", 4) == 0;
}

static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

/* Make f's work copy (from orig) if it has none. */
static void make_dirty(IxFile *f) {
  if (f->dirty) return;
  f->work = malloc(f->olen ? f->olen : 1);
  if (!f->work) abort();
  memcpy(f->work, f->orig, f->olen);
  f->wlen = f->olen;
  f->dirty = 1;
}

/* Recompute the footer of a framed work copy. */
static void seal(IxFile *f) {
  if (!framed(f->work, f->wlen)) return;
  put_u64(f->work + f->wlen - 16, (uint64_t)f->wlen);
  put_u64(f->work + f->wlen - 8, XXH3_64bits(f->work, f->wlen - 8));
}

/* 1 if pat[0..n) occurs in p[0..len). */
static int contains(const uint8_t *p, size_t len, const uint8_t *pat,
                    size_t n) {
  for (size_t i = 0; i + n <= len; i++)
    if (p[i] == pat[0] && memcmp(p + i, pat, n) == 0) return 1;
  return 0;
}

/* Replace every occurrence of from[0..n) in p[0..len) by to[0..n). */
static void replace_all(uint8_t *p, size_t len, const uint8_t *from,
                        const uint8_t *to, size_t n) {
  for (size_t i = 0; i + n <= len; i++) {
    if (p[i] == from[0] && memcmp(p + i, from, n) == 0) {
      memcpy(p + i, to, n);
      i += n - 1;
    }
  }
}

/* File f changed from (old_len, old_sum) to its current frame: fix the
** files that refer to it, and the files that refer to those. */
static void propagate(size_t fi, uint64_t old_len, uint64_t old_sum,
                      int depth) {
  IxFile *f = &files[fi];
  if (depth >= RESEAL_DEPTH || !framed(f->work, f->wlen)) return;
  uint8_t from[16], to[16];
  put_u64(from, old_len);
  put_u64(from + 8, old_sum);
  put_u64(to, (uint64_t)f->wlen);
  put_u64(to + 8, get_u64(f->work + f->wlen - 8));
  if (memcmp(from, to, 16) == 0) return;
  for (size_t gi = 0; gi < nfiles; gi++) {
    IxFile *g = &files[gi];
    if (gi == fi || g->deleted) continue;
    const uint8_t *cur = g->dirty ? g->work : g->orig;
    size_t len = g->dirty ? g->wlen : g->olen;
    if (!framed(cur, len)) continue;
    size_t body = len - 16; /* never the footer itself */
    uint64_t g_len = len, g_sum = get_u64(cur + len - 8);
    /* The (length, checksum) pair, else the checksum alone. Look first,
    ** so clean files are not copied for nothing. */
    size_t n = 16;
    if (!contains(cur, body, from, 16)) {
      n = 8;
      if (!contains(cur, body, from + 8, 8)) continue;
    }
    make_dirty(g);
    replace_all(g->work, body, from + 16 - n, to + 16 - n, n);
    seal(g);
    propagate(gi, g_len, g_sum, depth + 1);
  }
}

/* ------------------------------------------------------------ exercise -- */

static void on_report(void *ctx, const char *line) {
  (void)ctx;
  FZ_CHECK(line != NULL, "check reported a NULL line");
  (void)strlen(line);
}

static int open_code_ok(int rc) {
  return rc == SW_OK || rc == SW_NOTFOUND || rc == SW_CORRUPT ||
         rc == SW_VERSION || rc == SW_IO || rc == SW_LIMIT || rc == SW_NOMEM;
}

static void exercise(void) {
  SwError err, found;
  sw_error_clear(&err);
  sw_error_clear(&found);
  SwIndex *ix = NULL;
  int rc = sw_index_open(ix_dir, &ix, &err);
  if (rc == SW_CORRUPT || rc == SW_VERSION) found = err;
  FZ_CHECK(open_code_ok(rc), "sw_index_open returned %d: %s", rc, err.msg);
  FZ_CHECK((rc == SW_OK) == (ix != NULL), "open: handle and code disagree");
  FZ_CHECK(rc == SW_OK || err.msg[0], "open error %d without a message", rc);
  if (ix) {
    SwIndexStats st;
    sw_error_clear(&err);
    sw_index_stats(ix, &st, &err);
    for (size_t q = 0; q < fz_tiny_nqueries; q++) {
      for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && q % 3 != 0) continue; /* k = 400 for a few only */
        SwSearchOptions o;
        memset(&o, 0, sizeof o);
        o.k = pass ? 400 : 5;
        o.snippets = !pass;
        o.highlight = (int)(q % 3);
        SwResults *res = NULL;
        sw_error_clear(&err);
        const char *text = fz_tiny_queries[q];
        rc = sw_search(ix, text, strlen(text), &o, &res, &err);
        FZ_CHECK(rc == SW_OK || rc == SW_CORRUPT || rc == SW_NOMEM ||
                     rc == SW_IO || rc == SW_LIMIT,
                 "sw_search(%s) returned %d: %s", text, rc, err.msg);
        if (rc == SW_CORRUPT && !found.code) found = err;
        if (res) {
          for (size_t i = 0; i < res->nhits; i++) {
            const SwHit *h = &res->hits[i];
            FZ_CHECK(h->id && h->title && h->file && h->date && h->source &&
                         h->url && (!o.snippets || h->snippet),
                     "hit without its strings");
            (void)(strlen(h->id) + strlen(h->title) + strlen(h->file) +
                   strlen(h->date) + strlen(h->source) + strlen(h->url) +
                   (h->snippet ? strlen(h->snippet) : 0));
          }
        }
        sw_results_free(res);
      }
    }
    sw_index_close(ix);
  }
  sw_error_clear(&err);
  rc = sw_index_check(ix_dir, on_report, NULL, &err);
  FZ_CHECK(rc != SW_INPUT && rc != SW_QUERY, "sw_index_check returned %d: %s",
           rc, err.msg);
  /* Opt-in, SW_FUZZ_STRICT_CHECK=1: what opening or searching found damaged,
  ** the check (which reads everything) must find damaged too. */
  static int strict = -1;
  if (strict < 0) {
    const char *e = getenv("SW_FUZZ_STRICT_CHECK");
    strict = e && *e == '1';
  }
  FZ_CHECK(!strict || !found.code || rc != SW_OK,
           "sw_index_check passed an index that open/search found damaged: %s",
           found.msg);
}

/* ---------------------------------------------------------------- run -- */

static void write_seeds(const char *out, const size_t *cand, size_t ncand) {
  char path[4096];
  for (size_t c = 0; c < ncand && c < 256; c++) {
    const IxFile *f = &files[cand[c]];
    for (int mode = 0; mode < 4; mode += 3) { /* replace, xor + reseal */
      size_t n = 2 + f->olen;
      uint8_t *seed = calloc(n, 1);
      if (!seed) abort();
      seed[0] = (uint8_t)c;
      seed[1] = (uint8_t)mode;
      if (mode % 2 == 0) memcpy(seed + 2, f->orig, f->olen); /* xor: zeros */
      char name[256];
      snprintf(name, sizeof name, "%s", f->rel);
      for (char *s = name; *s; s++)
        if (*s == '/') *s = '_';
      snprintf(path, sizeof path, "%s/file-%s.%d", out, name, mode);
      if (fz_write_file(path, seed, n)) fz_fail("cannot write seed %s", path);
      free(seed);
    }
  }
}

void fz_ix_run(const uint8_t *data, size_t size, const char *const *patterns,
               int with_dict) {
  if (!nfiles) setup(with_dict);
  /* The candidate list of this target, made once (patterns are fixed per
  ** target binary). */
  static size_t cand[MAX_FILES], ncand;
  if (!ncand) {
    for (size_t i = 0; i < nfiles; i++)
      if (matches(files[i].base, patterns)) cand[ncand++] = i;
    if (!ncand) {
      fprintf(stderr, "fuzz_ixfiles: no index file matches this target's "
                      "names; damaging every file instead\n");
      for (size_t i = 0; i < nfiles; i++) cand[ncand++] = i;
    }
    const char *out = getenv("SW_FUZZ_SEED_OUT");
    if (out && *out) write_seeds(out, cand, ncand);
  }
  if (size < 2) return;

  size_t fi = cand[data[0] % ncand];
  IxFile *f = &files[fi];
  int mode = data[1] & 3;
  const uint8_t *pay = data + 2;
  size_t plen = size - 2;

  uint64_t old_len = f->olen;
  uint64_t old_sum = framed(f->orig, f->olen) ? get_u64(f->orig + f->olen - 8) : 0;
  if (mode == 0 && plen == 0) {
    f->deleted = 1;
  } else if (mode % 2 == 0) {
    f->work = malloc(plen);
    if (!f->work) abort();
    memcpy(f->work, pay, plen);
    f->wlen = plen;
    f->dirty = 1;
  } else {
    make_dirty(f);
    for (size_t i = 0; i < plen && i < f->wlen; i++) f->work[i] ^= pay[i];
  }
  if (mode >= 2) {
    seal(f);
    if (framed(f->orig, f->olen)) propagate(fi, old_len, old_sum, 0);
  }

  for (size_t i = 0; i < nfiles; i++) {
    IxFile *g = &files[i];
    if (g->deleted) {
      if (unlink(g->path) != 0) fz_fail("cannot remove %s", g->path);
    } else if (g->dirty && fz_write_file(g->path, g->work, g->wlen)) {
      fz_fail("cannot write %s", g->path);
    }
  }

  exercise();

  for (size_t i = 0; i < nfiles; i++) {
    IxFile *g = &files[i];
    if (!g->dirty && !g->deleted) continue;
    if (fz_write_file(g->path, g->orig, g->olen))
      fz_fail("cannot restore %s", g->path);
    free(g->work);
    g->work = NULL;
    g->wlen = 0;
    g->dirty = g->deleted = 0;
  }
}
