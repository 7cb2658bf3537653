/*
** intake.c — turning files on disk into documents for the build.
** Interface: engine_int.h, section "interface to intake.c".
**
** What it does:
**   - Walks each path argument. Directories are walked recursively in bytewise
**     sorted name order (so two builds of the same tree give the same doc ids).
**     Symbolic links are followed; the device/inode of every directory on the
**     current walk stack is kept, and a directory met again while it is still
**     on the stack (a symlink loop) is reported and skipped.
**   - .txt / .md (suffix compared case-insensitively): one document. Title =
**     the first non-empty line, trimmed, with a Markdown heading mark ("## ")
**     removed; text = everything after that line. id = path relative to the
**     argument (the base name when the argument is the file itself); file =
**     base name. A NUL byte makes the file "binary" and skipped.
**   - .jsonl / .jsonl.zst: one document a line, streamed: the file is read in
**     fixed chunks (zstd frames decoded with ZSTD_decompressStream, window up
**     to 2^31 for files made with --long) and cut into lines in a growable
**     line buffer; no more than one line is ever held. Fields: id (string, or a
**     number printed as JSON would), title, date, source, url (string or null;
**     another type is reported and ignored), text (string, required). Blank
**     lines are ignored. file = base name of the .jsonl file.
**   - Anything else found inside a directory is ignored silently; a file named
**     explicitly on the command line with another suffix is reported.
**
** Bad input never stops the walk: it goes to the warn callback as ("FILE" or
** "FILE:LINE", problem), is skipped and counted in stats->skipped. Only an
** allocation failure (SW_NOMEM) or an error returned by the document callback
** ends eng_intake_paths early.
**
** Limits: a .txt/.md file or a decoded JSON text longer than SW_MAX_DOC_BYTES
** is skipped. A JSON line longer than SW_MAX_DOC_BYTES + 1 MiB (the slack is
** for the other fields and escapes) is skipped without being held in memory.
** cJSON strings are NUL-terminated, so a \u0000 escape is read as a space
** (NUL separates words anyway) and reported, rather than cutting the text.
**
** Left to others: analysis, invalid UTF-8 counting (the writer reports it per
** document; build.c turns it into a warning), size limits of the writer.
*/
#include "engine_int.h"

#include <cjson/cJSON.h>
#include <zstd.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define INTAKE_CHUNK ((size_t)256 << 10)                   /* read() size   */
#define INTAKE_LINE_MAX (SW_MAX_DOC_BYTES + ((size_t)1 << 20)) /* JSON line */
#define INTAKE_WHERE_MAX 4160 /* "path:line" for messages; longer is cut   */
#define INTAKE_PROBLEM_MAX 512

enum { KIND_NONE = 0, KIND_TEXT, KIND_JSONL, KIND_JSONL_ZST };

/* A directory on the walk stack, identified as the kernel does. */
typedef struct DirKey {
  dev_t dev; /* st_dev of the directory */
  ino_t ino; /* st_ino of the directory */
} DirKey;

/* State of one eng_intake_paths call. `path` always holds the display path
** of the entry being visited: the argument as given (trailing slashes
** removed) followed by "/name" per level; path + rel_start is the id of a
** .txt/.md document found under a directory argument. */
typedef struct Intake {
  EngDocFn fn;            /* document callback                             */
  void *ctx;              /* its context                                   */
  SwWarnFn warn;          /* problem reporter, may be NULL                 */
  void *warn_ctx;         /* its context                                   */
  SwReadStats *st;     /* counters, never NULL here                     */
  SwError *err;           /* the caller's error                            */
  char *path;             /* display path of the current entry             */
  size_t path_len;        /* strlen(path)                                  */
  size_t path_cap;        /* bytes allocated for path                      */
  size_t rel_start;       /* offset of the argument-relative part of path  */
  DirKey *stack;          /* directories being walked, outermost first     */
  size_t depth;           /* entries used in stack                         */
  size_t stack_cap;       /* entries allocated in stack                    */
  unsigned char *chunk;   /* INTAKE_CHUNK bytes: raw read buffer           */
  unsigned char *zout;    /* zstd output buffer                            */
  ZSTD_DCtx *dz;          /* zstd stream decoder, reused from file to file:
                             its window (up to the whole file for --long
                             frames) is then allocated and faulted in once */
  size_t zout_cap;        /* its size (ZSTD_DStreamOutSize())              */
  char *line;             /* current JSON line, NUL-terminated when parsed */
  size_t line_len;        /* bytes in line                                 */
  size_t line_cap;        /* bytes allocated for line                      */
  int line_overflow;      /* 1: current line passed INTAKE_LINE_MAX        */
  uint64_t lineno;        /* 1-based number of the current line            */
  uint64_t file_lines;    /* non-blank lines seen in the current file      */
  char where[INTAKE_WHERE_MAX]; /* scratch for "path:line"                 */
} Intake;

/* ------------------------------------------------------------ helpers -- */

/* Report a problem with `where` (a path or "path:line"). */
static void vsay(Intake *in, const char *where, const char *fmt, va_list ap) {
  if (!in->warn) return;
  char problem[INTAKE_PROBLEM_MAX];
  vsnprintf(problem, sizeof problem, fmt, ap);
  in->warn(in->warn_ctx, where, problem);
}

static void say(Intake *in, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(Intake *in, const char *where, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsay(in, where, fmt, ap);
  va_end(ap);
}

/* Report and count one skipped document, line or file. */
static void skip(Intake *in, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void skip(Intake *in, const char *where, const char *fmt, ...) {
  in->st->skipped++;
  va_list ap;
  va_start(ap, fmt);
  vsay(in, where, fmt, ap);
  va_end(ap);
}

static const char *where_line(Intake *in) {
  snprintf(in->where, sizeof in->where, "%s:%llu", in->path,
           (unsigned long long)in->lineno);
  return in->where;
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

static int has_suffix(const char *name, const char *suffix) {
  size_t n = strlen(name), s = strlen(suffix);
  return n > s && strcasecmp(name + n - s, suffix) == 0;
}

static int file_kind(const char *name) {
  if (has_suffix(name, ".txt") || has_suffix(name, ".md")) return KIND_TEXT;
  if (has_suffix(name, ".jsonl")) return KIND_JSONL;
  if (has_suffix(name, ".jsonl.zst")) return KIND_JSONL_ZST;
  return KIND_NONE;
}

static int is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
         c == '\v';
}

/* Make room for `need` bytes (plus a NUL) in in->path. */
static int path_reserve(Intake *in, size_t need) {
  if (need + 1 <= in->path_cap) return SW_OK;
  size_t cap = in->path_cap ? in->path_cap : 256;
  while (cap < need + 1) {
    if (cap > SIZE_MAX / 2)
      return sw_error_set(in->err, SW_NOMEM, "%s: path too long", in->path);
    cap *= 2;
  }
  char *p = sw_realloc(in->path, cap);
  if (!p) return sw_error_set(in->err, SW_NOMEM, "out of memory (path)");
  in->path = p;
  in->path_cap = cap;
  return SW_OK;
}

/* Hand one document to the callback. */
static int deliver(Intake *in, const IxDoc *doc, const char *where) {
  in->st->docs++;
  return in->fn(in->ctx, doc, where, in->err);
}

/* ---------------------------------------------------------- .txt / .md -- */

/* Read the whole file at in->path (already known to be regular) into a new
** buffer. Returns SW_OK with *out NULL when the file was reported and
** skipped. */
static int slurp(Intake *in, int fd, const struct stat *st, char **out,
                 size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  if ((uintmax_t)st->st_size > (uintmax_t)SW_MAX_DOC_BYTES) {
    skip(in, in->path, "file of %jd bytes exceeds the document limit of %zu "
         "bytes; skipped", (intmax_t)st->st_size, SW_MAX_DOC_BYTES);
    return SW_OK;
  }
  size_t cap = (size_t)st->st_size + 1; /* +1: see EOF without regrowing */
  if (cap < 4096) cap = 4096;
  char *buf = sw_malloc(cap + 1);
  if (!buf) return sw_error_set(in->err, SW_NOMEM, "%s: out of memory", in->path);
  size_t len = 0;
  for (;;) {
    if (len == cap) { /* the file grew while we read it */
      if (cap > SW_MAX_DOC_BYTES) {
        sw_free(buf);
        skip(in, in->path, "file exceeds the document limit of %zu bytes; "
             "skipped", SW_MAX_DOC_BYTES);
        return SW_OK;
      }
      size_t ncap = cap * 2;
      if (ncap > SW_MAX_DOC_BYTES + 1) ncap = SW_MAX_DOC_BYTES + 1;
      char *nb = sw_realloc(buf, ncap + 1);
      if (!nb) {
        sw_free(buf);
        return sw_error_set(in->err, SW_NOMEM, "%s: out of memory", in->path);
      }
      buf = nb;
      cap = ncap;
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      sw_free(buf);
      skip(in, in->path, "read error: %s; skipped", strerror(e));
      return SW_OK;
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  if (len > SW_MAX_DOC_BYTES) {
    sw_free(buf);
    skip(in, in->path, "file exceeds the document limit of %zu bytes; "
         "skipped", SW_MAX_DOC_BYTES);
    return SW_OK;
  }
  buf[len] = '\0';
  *out = buf;
  *out_len = len;
  return SW_OK;
}

static int read_text(Intake *in, int fd, const struct stat *st,
                     int is_arg) {
  char *buf;
  size_t len;
  int rc = slurp(in, fd, st, &buf, &len);
  if (rc != SW_OK || !buf) return rc;
  in->st->bytes += len;

  const char *nul = memchr(buf, '\0', len);
  if (nul) {
    skip(in, in->path, "binary file (NUL byte at offset %zu); skipped",
         (size_t)(nul - buf));
    goto done;
  }
  size_t p = 0;
  if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) p = 3; /* UTF-8 BOM */

  /* Title: the first line holding anything but white space. */
  size_t t0 = 0, t1 = 0, next = len;
  int found = 0;
  while (p < len) {
    const char *nl = memchr(buf + p, '\n', len - p);
    size_t e = nl ? (size_t)(nl - buf) : len;
    size_t a = p, b = e;
    while (a < b && is_space((unsigned char)buf[a])) a++;
    while (b > a && is_space((unsigned char)buf[b - 1])) b--;
    if (a < b) {
      t0 = a;
      t1 = b;
      next = nl ? e + 1 : len;
      found = 1;
      break;
    }
    p = nl ? e + 1 : len;
  }
  if (!found) {
    skip(in, in->path, "empty file; skipped");
    goto done;
  }
  /* A Markdown heading mark is layout, not title: "## Utlåtande" ->
  ** "Utlåtande". Only when followed by a blank, so "#hashtag" stays. */
  {
    size_t h = t0;
    while (h < t1 && buf[h] == '#') h++;
    if (h > t0 && h < t1 && (buf[h] == ' ' || buf[h] == '\t')) {
      while (h < t1 && is_space((unsigned char)buf[h])) h++;
      t0 = h;
    }
  }
  /* Text: the rest, without the blank lines between it and the title. */
  while (next < len && is_space((unsigned char)buf[next])) next++;

  const char *id = is_arg ? base_name(in->path) : in->path + in->rel_start;
  const char *file = base_name(in->path);
  IxDoc doc;
  memset(&doc, 0, sizeof doc);
  doc.id = id;
  doc.id_len = strlen(id);
  doc.title = buf + t0;
  doc.title_len = t1 - t0;
  doc.file = file;
  doc.file_len = strlen(file);
  doc.text = buf + next;
  doc.text_len = len - next;
  rc = deliver(in, &doc, in->path);
done:
  sw_free(buf);
  return rc;
}

/* --------------------------------------------------------------- JSONL -- */

/* An optional string field: string or null (or absent). Another type is
** reported and treated as absent. */
static void opt_field(Intake *in, const cJSON *obj, const char *name,
                      const char **s, size_t *len) {
  *s = NULL;
  *len = 0;
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
  if (!v || cJSON_IsNull(v)) return;
  if (cJSON_IsString(v) && v->valuestring) {
    *s = v->valuestring;
    *len = strlen(v->valuestring);
    return;
  }
  say(in, in->where, "\"%s\" is not a string; ignored", name);
}

/* Describe where cJSON stopped, for "malformed JSON: ...". */
static void describe_parse_error(const char *line, size_t len,
                                 const char *stop, char *buf, size_t cap) {
  size_t col = stop && stop >= line ? (size_t)(stop - line) : len;
  if (col >= len) {
    snprintf(buf, cap, "unexpected end of line");
    return;
  }
  unsigned char c = (unsigned char)line[col];
  if (c >= 0x21 && c < 0x7F)
    snprintf(buf, cap, "unexpected '%c' at column %zu", c, col + 1);
  else
    snprintf(buf, cap, "unexpected byte 0x%02X at column %zu", c, col + 1);
}

/* Parse and deliver one complete line in->line[0..in->line_len). */
/* Rewrite every JSON escape \u0000 in s[0..len) as \u0020, skipping other
** escapes whole (so `\\u0000`, an escaped backslash before "u0000", stays).
** Returns how many were rewritten. */
static size_t replace_nul_escapes(char *s, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i + 1 < len; i++) {
    if (s[i] != '\\') continue;
    if (s[i + 1] == 'u' && i + 5 < len && memcmp(s + i + 2, "0000", 4) == 0) {
      memcpy(s + i + 2, "0020", 4);
      n++;
    }
    i++; /* the escaped character is never a backslash that escapes */
  }
  return n;
}

static int process_line(Intake *in) {
  char *s = in->line;
  size_t len = in->line_len;
  if (in->lineno == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
    s += 3;
    len -= 3;
  }
  while (len > 0 && is_space((unsigned char)s[len - 1])) len--;
  size_t lead = 0;
  while (lead < len && is_space((unsigned char)s[lead])) lead++;
  if (lead == len) return SW_OK; /* blank line: nothing to index */
  in->file_lines++;
  s[len] = '\0';
  where_line(in);

  /* cJSON strings end at their first NUL, so a \u0000 escape would cut a
  ** text short without a word. NUL separates tokens like a space does:
  ** rewrite the escape as \u0020 in place (same length) and say so. */
  size_t nuls = replace_nul_escapes(s, len);
  if (nuls)
    say(in, in->where, "%zu \\u0000 (NUL) escape%s read as space%s", nuls,
        nuls == 1 ? "" : "s", nuls == 1 ? "" : "s");

  const char *stop = NULL;
  cJSON *j = cJSON_ParseWithLengthOpts(s, len + 1, &stop, 1);
  if (!j) {
    /* cJSON reports a failed allocation like a syntax error. Probe the
    ** allocator: when it fails too (real exhaustion or injected faults),
    ** this is SW_NOMEM, not bad input. */
    void *probe = sw_malloc(64);
    if (!probe)
      return sw_error_set(in->err, SW_NOMEM, "%s: out of memory", in->where);
    sw_free(probe);
    char why[128];
    describe_parse_error(s, len, stop, why, sizeof why);
    skip(in, in->where, "malformed JSON: %s; line skipped", why);
    return SW_OK;
  }
  int rc = SW_OK;
  if (!cJSON_IsObject(j)) {
    skip(in, in->where, "malformed JSON: the line is not an object; skipped");
    goto done;
  }

  char numbuf[64];
  const char *id = NULL;
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "id");
  if (v && cJSON_IsString(v) && v->valuestring && v->valuestring[0]) {
    id = v->valuestring;
  } else if (v && cJSON_IsNumber(v)) {
    double d = v->valuedouble;
    /* Range first: converting a double outside long long's range (1e300,
    ** inf, NaN) is undefined behaviour (found by tests/fuzz/fuzz_jsonl). */
    if (d > -9007199254740992.0 && d < 9007199254740992.0 &&
        d == (double)(long long)d)
      snprintf(numbuf, sizeof numbuf, "%lld", (long long)d);
    else
      snprintf(numbuf, sizeof numbuf, "%.17g", d);
    id = numbuf;
  } else {
    skip(in, in->where, "%s; line skipped",
         !v ? "missing \"id\""
            : cJSON_IsString(v) ? "empty \"id\""
                                : "\"id\" is not a string or number");
    goto done;
  }
  v = cJSON_GetObjectItemCaseSensitive(j, "text");
  if (!v || !cJSON_IsString(v) || !v->valuestring) {
    skip(in, in->where, "%s; line skipped",
         !v ? "missing \"text\"" : "\"text\" is not a string");
    goto done;
  }
  size_t text_len = strlen(v->valuestring);
  if (text_len > SW_MAX_DOC_BYTES) {
    skip(in, in->where, "text of %zu bytes exceeds the document limit of %zu "
         "bytes; skipped", text_len, SW_MAX_DOC_BYTES);
    goto done;
  }
  IxDoc doc;
  memset(&doc, 0, sizeof doc);
  doc.id = id;
  doc.id_len = strlen(id);
  doc.text = v->valuestring;
  doc.text_len = text_len;
  opt_field(in, j, "title", &doc.title, &doc.title_len);
  opt_field(in, j, "date", &doc.date, &doc.date_len);
  opt_field(in, j, "source", &doc.source, &doc.source_len);
  opt_field(in, j, "url", &doc.url, &doc.url_len);
  doc.file = base_name(in->path);
  doc.file_len = strlen(doc.file);
  rc = deliver(in, &doc, in->where);
done:
  cJSON_Delete(j);
  return rc;
}

/* Append data[0..n) to the current line, unless it is already too long. */
static int line_append(Intake *in, const unsigned char *data, size_t n) {
  if (in->line_overflow || n == 0) return SW_OK;
  if (n > INTAKE_LINE_MAX - in->line_len) {
    in->line_overflow = 1;
    return SW_OK;
  }
  size_t need = in->line_len + n + 1; /* +1: the NUL added before parsing */
  if (need > in->line_cap) {
    size_t cap = in->line_cap ? in->line_cap : 64 * 1024;
    while (cap < need) cap *= 2; /* need <= INTAKE_LINE_MAX + 1: no overflow */
    char *p = sw_realloc(in->line, cap);
    if (!p) return sw_error_set(in->err, SW_NOMEM, "%s: out of memory", in->path);
    in->line = p;
    in->line_cap = cap;
  }
  memcpy(in->line + in->line_len, data, n);
  in->line_len += n;
  return SW_OK;
}

/* The current line is complete: deliver it and start the next one. */
static int line_end(Intake *in) {
  int rc = SW_OK;
  in->lineno++;
  if (in->line_overflow) {
    in->file_lines++;
    skip(in, where_line(in), "line longer than %zu bytes exceeds the document "
         "limit; skipped", INTAKE_LINE_MAX);
  } else {
    rc = process_line(in);
  }
  in->line_len = 0;
  in->line_overflow = 0;
  return rc;
}

/* Cut decoded bytes into lines. */
static int feed(Intake *in, const unsigned char *data, size_t n) {
  in->st->bytes += n;
  while (n > 0) {
    const unsigned char *nl = memchr(data, '\n', n);
    size_t seg = nl ? (size_t)(nl - data) : n;
    int rc = line_append(in, data, seg);
    if (rc != SW_OK) return rc;
    if (!nl) break;
    rc = line_end(in);
    if (rc != SW_OK) return rc;
    data += seg + 1;
    n -= seg + 1;
  }
  return SW_OK;
}

static int read_jsonl(Intake *in, int fd, int compressed) {
  int rc = SW_OK;
  ZSTD_DCtx *dz = NULL;
  uint64_t raw_bytes = 0;
  size_t zret = 0;   /* last ZSTD_decompressStream result: 0 = frame done */
  int broken = 0;    /* 1: stream error reported, stop reading            */
  in->line_len = 0;
  in->line_overflow = 0;
  in->lineno = 0;
  in->file_lines = 0;

  if (compressed) {
    if (!in->zout) {
      in->zout_cap = ZSTD_DStreamOutSize();
      in->zout = sw_malloc(in->zout_cap);
      if (!in->zout)
        return sw_error_set(in->err, SW_NOMEM, "%s: out of memory", in->path);
    }
    if (!in->dz) {
      /* zstd allocates through its own allocator: the custom-allocator API
      ** is experimental (ZSTD_STATIC_LINKING_ONLY), so we do not bind to
      ** it. */
      in->dz = ZSTD_createDCtx();
      if (!in->dz)
        return sw_error_set(in->err, SW_NOMEM, "%s: out of memory (zstd)",
                            in->path);
      size_t r = ZSTD_DCtx_setParameter(in->dz, ZSTD_d_windowLogMax, 31);
      if (ZSTD_isError(r)) { /* 32-bit builds: the most the library allows */
        ZSTD_bounds bd = ZSTD_dParam_getBounds(ZSTD_d_windowLogMax);
        if (!ZSTD_isError(bd.error))
          ZSTD_DCtx_setParameter(in->dz, ZSTD_d_windowLogMax, bd.upperBound);
      }
    }
    /* A new stream; the parameters and the buffers stay. */
    ZSTD_DCtx_reset(in->dz, ZSTD_reset_session_only);
    dz = in->dz;
  }

  for (;;) {
    ssize_t n = read(fd, in->chunk, INTAKE_CHUNK);
    if (n < 0) {
      if (errno == EINTR) continue;
      skip(in, in->path, "read error after %llu lines: %s; rest of file "
           "skipped", (unsigned long long)in->lineno, strerror(errno));
      broken = 1;
      break;
    }
    if (n == 0) break;
    raw_bytes += (uint64_t)n;
    if (!compressed) {
      rc = feed(in, in->chunk, (size_t)n);
      if (rc != SW_OK) goto done;
      continue;
    }
    ZSTD_inBuffer zin = {in->chunk, (size_t)n, 0};
    int full;
    do {
      ZSTD_outBuffer zo = {in->zout, in->zout_cap, 0};
      zret = ZSTD_decompressStream(dz, &zo, &zin);
      if (ZSTD_isError(zret)) {
        skip(in, in->path, "zstd: %s (after %llu lines); rest of file skipped",
             ZSTD_getErrorName(zret), (unsigned long long)in->lineno);
        broken = 1;
        break;
      }
      full = zo.pos == zo.size;
      rc = feed(in, in->zout, zo.pos);
      if (rc != SW_OK) goto done;
    } while (zin.pos < zin.size || full);
    if (broken) break;
  }

  if (!broken && compressed && raw_bytes > 0 && zret != 0) {
    skip(in, in->path, "truncated zstd stream (after %llu lines); rest of "
         "file skipped", (unsigned long long)in->lineno);
    broken = 1;
  }
  if (!broken && (in->line_len > 0 || in->line_overflow)) {
    rc = line_end(in); /* a last line without '\n' */
    if (rc != SW_OK) goto done;
  }
  if (!broken && in->file_lines == 0)
    skip(in, in->path, "empty file; skipped");
done:
  in->line_len = 0;
  return rc;
}

/* ---------------------------------------------------------------- walk -- */

static int visit(Intake *in, int is_arg);

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Walk the directory in->path, already pushed on the stack. */
static int walk_dir(Intake *in) {
  DIR *d = opendir(in->path);
  if (!d) {
    skip(in, in->path, "cannot open directory: %s; skipped",
         strerror(errno));
    return SW_OK;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  int rc = SW_OK;
  for (;;) {
    errno = 0;
    struct dirent *de = readdir(d);
    if (!de) {
      if (errno)
        skip(in, in->path, "cannot read directory: %s; listing cut short",
             strerror(errno));
      break;
    }
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    if (n == cap) {
      size_t ncap = cap ? cap * 2 : 32;
      char **nn = sw_realloc(names, ncap * sizeof *names);
      if (!nn) {
        rc = sw_error_set(in->err, SW_NOMEM, "%s: out of memory", in->path);
        goto done;
      }
      names = nn;
      cap = ncap;
    }
    names[n] = sw_strndup(de->d_name, strlen(de->d_name));
    if (!names[n]) {
      rc = sw_error_set(in->err, SW_NOMEM, "%s: out of memory", in->path);
      goto done;
    }
    n++;
  }
  closedir(d);
  d = NULL;
  if (n > 1) qsort(names, n, sizeof *names, cmp_names);

  size_t base = in->path_len;
  size_t sep = in->path[base - 1] == '/' ? 0 : 1; /* the argument "/" */
  for (size_t i = 0; i < n && rc == SW_OK; i++) {
    size_t nl = strlen(names[i]);
    rc = path_reserve(in, base + sep + nl);
    if (rc != SW_OK) break;
    if (sep) in->path[base] = '/';
    memcpy(in->path + base + sep, names[i], nl + 1);
    in->path_len = base + sep + nl;
    rc = visit(in, 0);
    in->path_len = base;
    in->path[base] = '\0';
  }
done:
  if (d) closedir(d);
  for (size_t i = 0; i < n; i++) sw_free(names[i]);
  sw_free(names);
  return rc;
}

/* Visit in->path: an argument (is_arg) or an entry found in a directory. */
static int visit(Intake *in, int is_arg) {
  struct stat st;
  if (stat(in->path, &st) != 0) {
    skip(in, in->path, "%s; skipped", strerror(errno));
    return SW_OK;
  }
  if (S_ISDIR(st.st_mode)) {
    for (size_t i = 0; i < in->depth; i++) {
      if (in->stack[i].dev == st.st_dev && in->stack[i].ino == st.st_ino) {
        skip(in, in->path, "symlink loop: directory is already being walked; "
             "skipped");
        return SW_OK;
      }
    }
    if (in->depth == in->stack_cap) {
      size_t ncap = in->stack_cap ? in->stack_cap * 2 : 16;
      DirKey *ns = sw_realloc(in->stack, ncap * sizeof *ns);
      if (!ns) return sw_error_set(in->err, SW_NOMEM, "out of memory (walk)");
      in->stack = ns;
      in->stack_cap = ncap;
    }
    in->stack[in->depth].dev = st.st_dev;
    in->stack[in->depth].ino = st.st_ino;
    in->depth++;
    int rc = walk_dir(in);
    in->depth--;
    return rc;
  }
  int kind = file_kind(base_name(in->path));
  if (kind == KIND_NONE) {
    if (is_arg)
      skip(in, in->path, "not a .txt, .md, .jsonl or .jsonl.zst file; "
           "skipped");
    return SW_OK;
  }
  if (!S_ISREG(st.st_mode)) {
    skip(in, in->path, "not a regular file; skipped");
    return SW_OK;
  }
  int fd = open(in->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    skip(in, in->path, "cannot open: %s; skipped", strerror(errno));
    return SW_OK;
  }
  in->st->files++;
  int rc = kind == KIND_TEXT ? read_text(in, fd, &st, is_arg)
                             : read_jsonl(in, fd, kind == KIND_JSONL_ZST);
  close(fd);
  return rc;
}

/* ----------------------------------------------------------- interface -- */

int eng_intake_paths(const char *const *paths, size_t npaths, EngDocFn fn,
                     void *ctx, SwWarnFn warn, void *warn_ctx,
                     SwReadStats *stats, SwError *err) {
  SwReadStats local;
  Intake in;
  memset(&in, 0, sizeof in);
  if (!stats) stats = &local;
  memset(stats, 0, sizeof *stats);
  if (!fn || (npaths && !paths))
    return sw_error_set(err, SW_INPUT, "intake: no document callback or paths");
  in.fn = fn;
  in.ctx = ctx;
  in.warn = warn;
  in.warn_ctx = warn_ctx;
  in.st = stats;
  in.err = err;

  /* cJSON has one process-wide allocator; point it at ours so its
  ** allocations are counted and can be failed by the fault tests like
  ** every other. Setting the same hooks again is harmless. */
  cJSON_Hooks hooks = {sw_malloc, sw_free};
  cJSON_InitHooks(&hooks);

  int rc = SW_OK;
  in.chunk = sw_malloc(INTAKE_CHUNK);
  if (!in.chunk) {
    rc = sw_error_set(err, SW_NOMEM, "intake: out of memory");
    goto done;
  }
  for (size_t i = 0; i < npaths && rc == SW_OK; i++) {
    const char *arg = paths[i];
    if (!arg || !arg[0]) {
      skip(&in, "\"\"", "empty path; skipped");
      continue;
    }
    size_t len = strlen(arg);
    while (len > 1 && arg[len - 1] == '/') len--; /* "dir/" -> "dir" */
    rc = path_reserve(&in, len);
    if (rc != SW_OK) break;
    memcpy(in.path, arg, len);
    in.path[len] = '\0';
    in.path_len = len;
    /* ids below a directory argument start after "arg/" ("/" alone: "/") */
    in.rel_start = (len == 1 && arg[0] == '/') ? 1 : len + 1;
    in.depth = 0;
    rc = visit(&in, 1);
  }
done:
  sw_free(in.chunk);
  sw_free(in.zout);
  ZSTD_freeDCtx(in.dz);
  sw_free(in.line);
  sw_free(in.path);
  sw_free(in.stack);
  return rc;
}

/* ------------------------------------------------------- public reading -- */

typedef struct DocRelay {
  SwDocFn fn;
  void *ctx;
} DocRelay;

static int relay_doc(void *ctx, const IxDoc *d, const char *where,
                     SwError *err) {
  const DocRelay *r = ctx;
  SwDoc doc = {d->id,     d->id_len,     d->title, d->title_len,
               d->date,   d->date_len,   d->source, d->source_len,
               d->url,    d->url_len,    d->file,  d->file_len,
               d->text,   d->text_len};
  return r->fn(r->ctx, &doc, where, err);
}

int sw_read_documents(const char *const *paths, size_t npaths, SwDocFn fn,
                      void *ctx, SwWarnFn warn, void *warn_ctx,
                      SwReadStats *stats, SwError *err) {
  if (!fn) return sw_error_set(err, SW_INPUT, "sw_read_documents: no callback");
  DocRelay r = {fn, ctx};
  return eng_intake_paths(paths, npaths, relay_doc, &r, warn, warn_ctx, stats,
                          err);
}
