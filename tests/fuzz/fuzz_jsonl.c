/*
** fuzz_jsonl.c — document intake (engine/intake.c) over arbitrary file
** contents. Intake reads paths only, so every run writes the input to a
** scratch file and calls eng_intake_paths on it.
**
** Input: byte 0 (mod 4) chooses how the rest becomes a file:
**   0  in.jsonl      the bytes as they are;
**   1  in.jsonl.zst  the bytes compressed here (zstd level 1, as several
**                    frames when byte 0 >= 128), so valid streams of any
**                    JSON reach the line cutter;
**   2  in.jsonl.zst  the bytes as they are (a zstd stream to decode);
**   3  in.txt        the bytes as a text document (title line, BOM, NUL).
**
** Checks: eng_intake_paths returns SW_OK (bad input is skipped, never an
** error); one file counted; every document has a non-empty id, a file name,
** and readable fields (each byte is touched, for AddressSanitizer); every
** warning has a location and a problem. For plain and compressed-here JSON
** Lines, documents + skipped == non-blank lines (an empty file counts one
** skip), which also means no line is lost or counted twice at chunk or
** frame boundaries; for text, documents + skipped == 1.
*/
#include "fuzz_common.h"

#include "engine_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

typedef struct Seen {
  uint64_t docs;     /* callback calls        */
  uint64_t warnings; /* warning callback calls */
  unsigned sum;      /* bytes touched          */
} Seen;

static unsigned touch(const char *s, size_t n) {
  unsigned x = 0;
  for (size_t i = 0; i < n; i++) x += (unsigned char)s[i];
  return x;
}

static int on_doc(void *ctx, const IxDoc *doc, const char *where,
                  SwError *err) {
  (void)err;
  Seen *seen = ctx;
  seen->docs++;
  FZ_CHECK(where && where[0], "document without a location");
  FZ_CHECK(doc->id && doc->id_len > 0, "document without an id at %s", where);
  FZ_CHECK(doc->file && doc->file_len > 0, "document without a file at %s",
           where);
  FZ_CHECK(doc->text || doc->text_len == 0, "text NULL with a length");
  FZ_CHECK(doc->title || doc->title_len == 0, "title NULL with a length");
  FZ_CHECK(doc->date || doc->date_len == 0, "date NULL with a length");
  FZ_CHECK(doc->source || doc->source_len == 0, "source NULL with a length");
  FZ_CHECK(doc->url || doc->url_len == 0, "url NULL with a length");
  FZ_CHECK(doc->text_len <= SW_MAX_DOC_BYTES, "text over the limit");
  seen->sum += touch(doc->id, doc->id_len) + touch(doc->file, doc->file_len) +
               touch(doc->text, doc->text_len) +
               touch(doc->title, doc->title_len) +
               touch(doc->date, doc->date_len) +
               touch(doc->source, doc->source_len) +
               touch(doc->url, doc->url_len) + touch(where, strlen(where));
  return SW_OK;
}

static void on_warn(void *ctx, const char *where, const char *problem) {
  Seen *seen = ctx;
  seen->warnings++;
  FZ_CHECK(where && where[0] && problem && problem[0],
           "warning without a location or problem");
  seen->sum += touch(where, strlen(where)) + touch(problem, strlen(problem));
}

static int is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
         c == '\v';
}

/* Lines intake must account for: those with a non-space byte (a UTF-8 BOM
** opening the first line does not count as content). */
static uint64_t content_lines(const uint8_t *p, size_t n) {
  uint64_t lines = 0;
  size_t i = 0, lineno = 0;
  while (i < n) {
    const uint8_t *nl = memchr(p + i, '\n', n - i);
    size_t e = nl ? (size_t)(nl - p) : n;
    size_t a = i;
    if (lineno == 0 && e - a >= 3 && memcmp(p + a, "\xEF\xBB\xBF", 3) == 0)
      a += 3;
    while (a < e && is_space(p[a])) a++;
    if (a < e) lines++;
    lineno++;
    i = e + 1;
  }
  return lines;
}

/* Compress p[0..n) as one frame, or as frames of 97 bytes each (an empty
** input gives one empty frame). */
static uint8_t *compress(const uint8_t *p, size_t n, int frames, size_t *out) {
  size_t piece = frames && n > 97 ? 97 : (n ? n : 1);
  size_t cap = (n / piece + 1) * ZSTD_compressBound(piece);
  uint8_t *z = malloc(cap);
  if (!z) abort();
  size_t len = 0, i = 0;
  do {
    size_t k = n - i < piece ? n - i : piece;
    size_t r = ZSTD_compress(z + len, cap - len, p + i, k, 1);
    if (ZSTD_isError(r)) fz_fail("zstd: %s", ZSTD_getErrorName(r));
    len += r;
    i += k;
  } while (i < n);
  *out = len;
  return z;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static const char *const names[4] = {"in.jsonl", "in.jsonl.zst",
                                       "in.jsonl.zst", "in.txt"};
  int mode = data[0] % 4;
  const uint8_t *p = data + 1;
  size_t n = size - 1;
  char path[4096];
  fz_path(path, names[mode]);
  int wrote;
  if (mode == 1) {
    size_t zl;
    uint8_t *z = compress(p, n, data[0] >= 128, &zl);
    wrote = fz_write_file(path, z, zl);
    free(z);
  } else {
    wrote = fz_write_file(path, p, n);
  }
  if (wrote) fz_fail("cannot write %s", path);

  Seen seen;
  memset(&seen, 0, sizeof seen);
  SwReadStats st;
  SwError err;
  sw_error_clear(&err);
  const char *paths[1] = {path};
  int rc = eng_intake_paths(paths, 1, on_doc, &seen, on_warn, &seen, &st, &err);
  FZ_CHECK(rc == SW_OK, "intake returned %d: %s", rc, err.msg);
  FZ_CHECK(st.files == 1, "%llu files counted", (unsigned long long)st.files);
  FZ_CHECK(st.docs == seen.docs, "stats say %llu docs, callback saw %llu",
           (unsigned long long)st.docs, (unsigned long long)seen.docs);
  FZ_CHECK(st.skipped <= seen.warnings, "skips without warnings");
  if (mode == 0 || mode == 1) {
    uint64_t lines = content_lines(p, n);
    uint64_t want = lines ? lines : 1;
    FZ_CHECK(st.docs + st.skipped == want && st.bytes == n,
             "%llu docs + %llu skipped for %llu lines; %llu bytes of %zu",
             (unsigned long long)st.docs, (unsigned long long)st.skipped,
             (unsigned long long)lines, (unsigned long long)st.bytes, n);
  } else if (mode == 3) {
    FZ_CHECK(st.docs + st.skipped == 1, "text file: %llu docs, %llu skipped",
             (unsigned long long)st.docs, (unsigned long long)st.skipped);
  }
  unlink(path);
  return 0;
}
