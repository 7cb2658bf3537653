/*
** synth.c — swsearch-synth: a synthetic scale-up of a corpus for the growth
** benchmark (bench/growth/README.md). Not a data set: its output is labelled
** synthetic and is meant to be deleted after a run.
**
**   swsearch-synth --factor K --out FILE.jsonl[.zst] [--synthetic-only]
**                  [--seed N] [--level L] PATH...
**
** Reads PATH... with the engine's own intake (sw_read_documents of
** the public swsearch.h: directories, .txt/.md, .jsonl, .jsonl.zst, in the
** order and with the skipping rules of a build), and writes one JSON line per
** output document:
**
**   copy 1       the document as read: id, title, date, source, url, text;
**   copy 2..K    id "synthetic-<copy>:<id>", source "synthetic", title, date
**                and url kept, and in the text the words of every line
**                (a paragraph: text between '\n's; blank lines stay blank)
**                put in a random order by a Fisher-Yates shuffle.
**
** "Words" are the runs of bytes between ASCII spaces and tabs; a shuffled line
** is the words joined by single spaces, so UTF-8 sequences are never split and
** the bag of tokens (hence document frequencies, lengths and posting-list
** sizes) of a copy equals the original's; phrases and positions differ.
** The shuffle's PRNG (splitmix64) is seeded from --seed, the copy number and
** the document's ordinal, so the output depends only on the input and the
** arguments: the same command writes the same bytes.
**
** --synthetic-only writes copies 2..K only (the caller then builds the
** original files plus this one: the same ×K corpus without rewriting copy 1).
** A name ending in ".zst" is written as one zstd stream (level --level,
** default 3). Copies of a document are written next to each other.
**
** Exit 0, or 2 with "swsearch-synth: <file>: <problem>" on stderr. Warnings
** of the intake (skipped documents) go to stderr and do not fail the run.
*/
#include "swsearch.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define MAX_FACTOR 1000
#define DEFAULT_SEED 20261124u
#define DEFAULT_LEVEL 3

static const char USAGE[] =
    "usage: swsearch-synth --factor K --out FILE.jsonl[.zst] [--synthetic-only]\n"
    "                      [--seed N] [--level L] PATH...\n"
    "  --factor K        copies of every document, 1..1000 (copy 1 = original)\n"
    "  --out FILE        JSON lines; zstd-compressed when FILE ends in .zst\n"
    "  --synthetic-only  write copies 2..K only\n"
    "  --seed N          PRNG seed of the word shuffle (default 20261124)\n"
    "  --level L         zstd level (default 3)\n";

/* The output and the state of the copy loop. */
typedef struct Synth {
  FILE *f;              /* the output file                               */
  const char *path;     /* its name, for messages                        */
  ZSTD_CCtx *zc;        /* compressor, NULL for plain .jsonl             */
  void *zbuf;           /* compressor output buffer                      */
  size_t zcap;          /* its size (ZSTD_CStreamOutSize)                */
  long factor;          /* K                                             */
  long first_copy;      /* 1, or 2 with --synthetic-only                 */
  uint64_t seed;        /* --seed                                        */
  uint64_t ordinal;     /* documents read so far                         */
  uint64_t written;     /* documents written                             */
  uint64_t out_bytes;   /* JSON bytes written (before compression)       */
  uint64_t warnings;    /* intake warnings                               */
  char *text;           /* shuffled text buffer                          */
  size_t text_cap;      /* its size                                      */
  const char **words;   /* word starts of one line                       */
  size_t *wlens;        /* their lengths                                 */
  size_t words_cap;     /* slots in words/wlens                          */
} Synth;

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("swsearch-synth: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 2;
}

/* splitmix64: a small, well-mixed generator; one state word. */
static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0, without modulo bias (rejection). */
static uint64_t below(uint64_t *s, uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t r;
  do r = splitmix64(s); while (r >= limit);
  return r % n;
}

/* Write len bytes to the output, through the compressor when there is one. */
static int out_write(Synth *sy, const void *p, size_t len, SwError *err) {
  sy->out_bytes += len;
  if (!sy->zc) {
    if (fwrite(p, 1, len, sy->f) != len)
      return sw_error_errno(err, errno, "write", sy->path);
    return SW_OK;
  }
  ZSTD_inBuffer in = {p, len, 0};
  while (in.pos < in.size) {
    ZSTD_outBuffer out = {sy->zbuf, sy->zcap, 0};
    size_t r = ZSTD_compressStream2(sy->zc, &out, &in, ZSTD_e_continue);
    if (ZSTD_isError(r))
      return sw_error_set(err, SW_IO, "%s: zstd: %s", sy->path,
                          ZSTD_getErrorName(r));
    if (out.pos && fwrite(sy->zbuf, 1, out.pos, sy->f) != out.pos)
      return sw_error_errno(err, errno, "write", sy->path);
  }
  return SW_OK;
}

/* End the zstd frame (no-op for plain output). */
static int out_finish(Synth *sy, SwError *err) {
  if (!sy->zc) return SW_OK;
  size_t left;
  do {
    ZSTD_inBuffer in = {NULL, 0, 0};
    ZSTD_outBuffer out = {sy->zbuf, sy->zcap, 0};
    left = ZSTD_compressStream2(sy->zc, &out, &in, ZSTD_e_end);
    if (ZSTD_isError(left))
      return sw_error_set(err, SW_IO, "%s: zstd: %s", sy->path,
                          ZSTD_getErrorName(left));
    if (out.pos && fwrite(sy->zbuf, 1, out.pos, sy->f) != out.pos)
      return sw_error_errno(err, errno, "write", sy->path);
  } while (left != 0);
  return SW_OK;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* Shuffle the words of every line of text[0..len) into sy->text (NUL-
** terminated). Lines keep their order and their '\n'; a line's words are
** rejoined by single spaces ('\r' counts as part of a word). */
static int shuffle_text(Synth *sy, const char *text, size_t len, uint64_t *rng,
                        SwError *err) {
  if (len + 1 > sy->text_cap) {
    char *nt = sw_realloc(sy->text, len + 1);
    if (!nt) return sw_error_set(err, SW_NOMEM, "out of memory");
    sy->text = nt;
    sy->text_cap = len + 1;
  }
  size_t o = 0, i = 0;
  while (i < len) {
    size_t eol = i;
    while (eol < len && text[eol] != '\n') eol++;
    size_t nw = 0;
    for (size_t j = i; j < eol;) {
      while (j < eol && is_blank(text[j])) j++;
      if (j == eol) break;
      size_t start = j;
      while (j < eol && !is_blank(text[j])) j++;
      if (nw == sy->words_cap) {
        size_t ncap = sy->words_cap ? sy->words_cap * 2 : 256;
        const char **nwds = sw_realloc(sy->words, ncap * sizeof *nwds);
        if (!nwds) return sw_error_set(err, SW_NOMEM, "out of memory");
        sy->words = nwds;
        size_t *nl = sw_realloc(sy->wlens, ncap * sizeof *nl);
        if (!nl) return sw_error_set(err, SW_NOMEM, "out of memory");
        sy->wlens = nl;
        sy->words_cap = ncap;
      }
      sy->words[nw] = text + start;
      sy->wlens[nw] = j - start;
      nw++;
    }
    for (size_t k = nw; k > 1; k--) { /* Fisher-Yates */
      size_t r = (size_t)below(rng, k);
      const char *tw = sy->words[k - 1];
      size_t tl = sy->wlens[k - 1];
      sy->words[k - 1] = sy->words[r];
      sy->wlens[k - 1] = sy->wlens[r];
      sy->words[r] = tw;
      sy->wlens[r] = tl;
    }
    /* Joined words never outgrow the line: single spaces replace runs. */
    for (size_t k = 0; k < nw; k++) {
      if (k) sy->text[o++] = ' ';
      memcpy(sy->text + o, sy->words[k], sy->wlens[k]);
      o += sy->wlens[k];
    }
    if (eol < len) sy->text[o++] = '\n';
    i = eol + 1;
  }
  sy->text[o] = '\0';
  return SW_OK;
}

/* Add key: a copy of s[0..len) to obj. */
static int add_str(cJSON *obj, const char *key, const char *s, size_t len) {
  char *c = sw_strndup(s ? s : "", s ? len : 0);
  if (!c) return 0;
  cJSON *v = cJSON_CreateString(c);
  sw_free(c);
  if (!v) return 0;
  cJSON_AddItemToObject(obj, key, v);
  return 1;
}

/* Write copy `copy` of doc as one JSON line. */
static int write_copy(Synth *sy, const SwDoc *doc, long copy, SwError *err) {
  int rc = SW_OK;
  char *id = NULL, *line = NULL;
  cJSON *obj = cJSON_CreateObject();
  if (!obj) goto nomem;
  if (copy == 1) {
    if (!add_str(obj, "id", doc->id, doc->id_len)) goto nomem;
  } else {
    char prefix[40];
    int pl = snprintf(prefix, sizeof prefix, "synthetic-%ld:", copy);
    id = sw_malloc((size_t)pl + doc->id_len + 1);
    if (!id) goto nomem;
    memcpy(id, prefix, (size_t)pl);
    memcpy(id + pl, doc->id, doc->id_len);
    if (!add_str(obj, "id", id, (size_t)pl + doc->id_len)) goto nomem;
  }
  if (!add_str(obj, "title", doc->title, doc->title_len) ||
      !add_str(obj, "date", doc->date, doc->date_len))
    goto nomem;
  if (copy == 1) {
    if (!add_str(obj, "source", doc->source, doc->source_len)) goto nomem;
  } else if (!add_str(obj, "source", "synthetic", 9)) {
    goto nomem;
  }
  if (!add_str(obj, "url", doc->url, doc->url_len)) goto nomem;
  if (copy == 1) {
    if (!add_str(obj, "text", doc->text, doc->text_len)) goto nomem;
  } else {
    uint64_t rng = sy->seed ^ (sy->ordinal * UINT64_C(0x100000001B3)) ^
                   ((uint64_t)copy << 48);
    splitmix64(&rng);
    rc = shuffle_text(sy, doc->text, doc->text_len, &rng, err);
    if (rc) goto done;
    cJSON *v = cJSON_CreateString(sy->text);
    if (!v) goto nomem;
    cJSON_AddItemToObject(obj, "text", v);
  }
  line = cJSON_PrintUnformatted(obj);
  if (!line) goto nomem;
  rc = out_write(sy, line, strlen(line), err);
  if (!rc) rc = out_write(sy, "\n", 1, err);
  if (!rc) sy->written++;
  goto done;
nomem:
  rc = sw_error_set(err, SW_NOMEM, "out of memory");
done:
  if (line) cJSON_free(line);
  cJSON_Delete(obj);
  sw_free(id);
  return rc;
}

static int on_doc(void *ctx, const SwDoc *doc, const char *where, SwError *err) {
  Synth *sy = ctx;
  (void)where;
  sy->ordinal++;
  for (long c = sy->first_copy; c <= sy->factor; c++) {
    int rc = write_copy(sy, doc, c, err);
    if (rc) return rc;
  }
  return SW_OK;
}

static void on_warn(void *ctx, const char *where, const char *problem) {
  Synth *sy = ctx;
  if (sy->warnings < 10) fprintf(stderr, "swsearch-synth: %s: %s\n", where, problem);
  sy->warnings++;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int parse_long(const char *opt, const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || end == s || v < lo || v > hi)
    return fail("%s: expected %ld..%ld, not '%s'", opt, lo, hi, s);
  *out = v;
  return 0;
}

int main(int argc, char **argv) {
  Synth sy;
  memset(&sy, 0, sizeof sy);
  sy.first_copy = 1;
  sy.seed = DEFAULT_SEED;
  long level = DEFAULT_LEVEL, seed = (long)DEFAULT_SEED;
  const char *out = NULL;
  const char **paths = sw_calloc((size_t)argc + 1, sizeof *paths);
  size_t npaths = 0;
  int rc = 0, created = 0;
  if (!paths) return fail("out of memory");

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has_next = i + 1 < argc;
    if (strcmp(a, "--factor") == 0 && has_next) {
      if ((rc = parse_long(a, argv[++i], 1, MAX_FACTOR, &sy.factor))) goto done;
    } else if (strcmp(a, "--out") == 0 && has_next) {
      out = argv[++i];
    } else if (strcmp(a, "--synthetic-only") == 0) {
      sy.first_copy = 2;
    } else if (strcmp(a, "--seed") == 0 && has_next) {
      if ((rc = parse_long(a, argv[++i], 0, 2147483647L, &seed))) goto done;
    } else if (strcmp(a, "--level") == 0 && has_next) {
      if ((rc = parse_long(a, argv[++i], 1, 19, &level))) goto done;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(USAGE, stdout);
      goto done;
    } else if (strncmp(a, "--", 2) == 0) {
      fprintf(stderr, "swsearch-synth: unknown or incomplete option %s\n%s", a,
              USAGE);
      rc = 2;
      goto done;
    } else {
      paths[npaths++] = a;
    }
  }
  if (!sy.factor || !out || npaths == 0) {
    fputs(USAGE, stderr);
    rc = 2;
    goto done;
  }
  if (sy.first_copy > sy.factor) {
    rc = fail("--synthetic-only with --factor 1 writes nothing");
    goto done;
  }
  if (!ends_with(out, ".jsonl") && !ends_with(out, ".jsonl.zst")) {
    rc = fail("%s: the name must end in .jsonl or .jsonl.zst (the intake reads "
              "only those)", out);
    goto done;
  }
  sy.seed = (uint64_t)seed;
  sy.path = out;
  if (ends_with(out, ".zst")) {
    sy.zc = ZSTD_createCCtx();
    sy.zcap = ZSTD_CStreamOutSize();
    sy.zbuf = sw_malloc(sy.zcap);
    if (!sy.zc || !sy.zbuf) {
      rc = fail("out of memory");
      goto done;
    }
    size_t r = ZSTD_CCtx_setParameter(sy.zc, ZSTD_c_compressionLevel, (int)level);
    if (ZSTD_isError(r)) {
      rc = fail("%s: zstd level %ld: %s", out, level, ZSTD_getErrorName(r));
      goto done;
    }
  }
  sy.f = fopen(out, "wb");
  if (!sy.f) {
    rc = fail("%s: %s", out, strerror(errno));
    goto done;
  }
  created = 1;

  SwError err;
  sw_error_clear(&err);
  SwReadStats ist;
  int irc = sw_read_documents(paths, npaths, on_doc, &sy, on_warn, &sy, &ist, &err);
  if (irc == SW_OK) irc = out_finish(&sy, &err);
  if (irc != SW_OK) {
    rc = fail("%s", err.msg[0] ? err.msg : sw_strerror(irc));
    goto done;
  }
  if (fclose(sy.f) != 0) {
    sy.f = NULL;
    rc = fail("%s: %s", out, strerror(errno));
    goto done;
  }
  sy.f = NULL;
  if (ist.docs == 0) {
    rc = fail("no documents read from the %zu path(s)", npaths);
    goto done;
  }
  fprintf(stderr,
          "swsearch-synth: %s: %llu documents read (%llu skipped), %llu written "
          "(copies %ld..%ld), %.1f MB of JSON\n",
          out, (unsigned long long)ist.docs, (unsigned long long)ist.skipped,
          (unsigned long long)sy.written, sy.first_copy, sy.factor,
          (double)sy.out_bytes / 1e6);

done:
  if (sy.f) fclose(sy.f);
  if (rc && created) remove(out); /* no half-written corpus */
  ZSTD_freeCCtx(sy.zc);
  sw_free(sy.zbuf);
  sw_free(sy.text);
  sw_free(sy.words);
  sw_free(sy.wlens);
  sw_free(paths);
  return rc;
}
