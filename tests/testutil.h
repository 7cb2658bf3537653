/*
** testutil.h — the smallest test harness: CHECK macros that print file:line
** and both values on failure, and a summary line "N passed, N failed" that
** ctest output readers understand. Tests that need ../shared call
** tu_shared_path(); when it is absent they print why and exit 77 (skipped).
** tu_rm_rf removes scratch directories.
*/
#ifndef SW_TESTUTIL_H
#define SW_TESTUTIL_H

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int tu_passed, tu_failed;

/* A growable string for serialising answers. */
typedef struct TuStr {
  char *p;
  size_t len, cap;
} TuStr;

static inline void tu_str_add(TuStr *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void tu_str_add(TuStr *s, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->p ? s->p + s->len : NULL, s->p ? s->cap - s->len : 0,
                      fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (s->p && (size_t)n < s->cap - s->len) {
      s->len += (size_t)n;
      return;
    }
    size_t cap = s->cap ? s->cap : 256;
    while (cap - s->len <= (size_t)n) cap *= 2;
    char *p = realloc(s->p, cap);
    if (!p) abort(); /* test harness: out of memory is not a test result */
    s->p = p;
    s->cap = cap;
  }
}

/* Remove path and everything below it (a test's scratch directory). */
static inline void tu_rm_rf(const char *path) {
  DIR *d = opendir(path);
  if (!d) {
    unlink(path);
    return;
  }
  struct dirent *de;
  char buf[4096];
  while ((de = readdir(d)) != NULL) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    int n = snprintf(buf, sizeof buf, "%s/%s", path, de->d_name);
    if (n < 0 || (size_t)n >= sizeof buf) continue; /* too long: leave it */
    struct stat st;
    if (lstat(buf, &st) == 0 && S_ISDIR(st.st_mode)) tu_rm_rf(buf);
    else unlink(buf);
  }
  closedir(d);
  rmdir(path);
}

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (cond) tu_passed++;                                                 \
    else { tu_failed++;                                                    \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                 \
  do {                                                                     \
    long long tu_a = (long long)(a), tu_b = (long long)(b);                \
    if (tu_a == tu_b) tu_passed++;                                         \
    else { tu_failed++;                                                    \
      fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__,  \
              __LINE__, #a, #b, tu_a, tu_b); }                             \
  } while (0)

#define CHECK_EQ_STR(a, b)                                                 \
  do {                                                                     \
    const char *tu_a = (a), *tu_b = (b);                                   \
    if (tu_a && tu_b && strcmp(tu_a, tu_b) == 0) tu_passed++;              \
    else { tu_failed++;                                                    \
      fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n",        \
              __FILE__, __LINE__, #a, #b, tu_a ? tu_a : "(null)",          \
              tu_b ? tu_b : "(null)"); }                                   \
  } while (0)

/* Prints the summary; returns the process exit code. */
static inline int tu_done(void) {
  printf("%d passed, %d failed\n", tu_passed, tu_failed);
  return tu_failed ? 1 : 0;
}

/* The whole file at path in a new NUL-terminated buffer (free() it), its
** length in *len; NULL if it cannot be opened or memory runs out. */
static inline char *tu_read_file(const char *path, size_t *len) {
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = (size_t)1 << 16, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    if (cap - n < 2) {
      char *p = realloc(buf, cap * 2);
      if (!p) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = p;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    if (got == 0) break;
    n += got;
  }
  fclose(f);
  if (!buf) return NULL;
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* Path of a file under ../shared (SW_SHARED from ctest), or exits 77 with a
** message when it is missing. buf must hold 4096 bytes. */
static inline const char *tu_shared_path(char *buf, const char *rel) {
  const char *root = getenv("SW_SHARED");
  if (!root) root = "../shared";
  snprintf(buf, 4096, "%s/%s", root, rel);
  FILE *f = fopen(buf, "rb");
  if (!f) {
    printf("SKIP: shared test data %s is absent; this test did not run\n", buf);
    exit(77);
  }
  fclose(f);
  return buf;
}

#endif /* SW_TESTUTIL_H */
