/*
** base.c — sw_base: errors, the allocator with its fault-injection hook, the
** fault-injection hook the index layer's writes consult, the clock.
** Interfaces: include/sw_base.h (errors, allocator, clock) and
** testing/sw_fault.h (the fault hooks, tests only). Every layer links this;
** it depends on nothing of ours.
*/
#define _POSIX_C_SOURCE 200809L
#include "sw_base.h"
#include "sw_fault.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sw_error_clear(SwError *err) {
  if (!err) return;
  err->code = SW_OK;
  err->msg[0] = '\0';
}

int sw_error_set(SwError *err, int code, const char *fmt, ...) {
  if (!err || err->code != SW_OK) return code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  err->code = code;
  return code;
}

int sw_error_errno(SwError *err, int errnum, const char *what,
                   const char *path) {
  int code = SW_IO;
  if (errnum == ENOSPC || errnum == EFBIG || errnum == EDQUOT) code = SW_FULL;
  if (errnum == ENOMEM) code = SW_NOMEM;
  return sw_error_set(err, code, "%s %s: %s", what, path ? path : "",
                      strerror(errnum));
}

const char *sw_strerror(int code) {
  switch (code) {
    case SW_OK: return "ok";
    case SW_INPUT: return "bad input";
    case SW_QUERY: return "query error";
    case SW_CORRUPT: return "corrupt index";
    case SW_VERSION: return "unsupported index version";
    case SW_IO: return "I/O error";
    case SW_FULL: return "disk full";
    case SW_LIMIT: return "limit exceeded";
    case SW_NOMEM: return "out of memory";
    case SW_NOTFOUND: return "not found";
    default: return "unknown error";
  }
}

/* Fault injection state. Mutable globals, against the style guide's rule,
** because the point of them is to reach every allocation site (and every
** write of an index file) in the process without threading a context through
** each of them (SQLite does the same with its sqlite3_config(SQLITE_CONFIG_
** MALLOC) hook). Only tests set them; the counters are per process, so tests
** that use them run single-threaded. */
typedef struct FaultPoint {
  long countdown; /* <0: disabled; 0: fail from now on              */
  long count;     /* attempts since armed, failed ones included     */
} FaultPoint;

static FaultPoint fault_alloc = {-1, 0};
static FaultPoint fault_write = {-1, 0};

static void fault_arm(FaultPoint *f, long n) {
  f->countdown = n;
  f->count = 0;
}

static long fault_disarm(FaultPoint *f) {
  long n = f->count;
  f->countdown = -1;
  f->count = 0;
  return n;
}

/* Returns 1 when this attempt must fail. */
static int fault_hit(FaultPoint *f) {
  if (f->countdown < 0) return 0;
  f->count++;
  if (f->countdown == 0) return 1;
  f->countdown--;
  return 0;
}

void sw_fault_alloc_after(long n) { fault_arm(&fault_alloc, n); }
long sw_fault_alloc_reset(void) { return fault_disarm(&fault_alloc); }
void sw_fault_write_after(long n) { fault_arm(&fault_write, n); }
long sw_fault_write_reset(void) { return fault_disarm(&fault_write); }
int sw_fault_write_hit(void) { return fault_hit(&fault_write); }

void *sw_malloc(size_t n) {
  if (fault_hit(&fault_alloc)) return NULL;
  return malloc(n ? n : 1);
}

void *sw_calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) return NULL;
  if (fault_hit(&fault_alloc)) return NULL;
  return calloc(count ? count : 1, size ? size : 1);
}

void *sw_realloc(void *p, size_t n) {
  if (fault_hit(&fault_alloc)) return NULL;
  return realloc(p, n ? n : 1);
}

void sw_free(void *p) { free(p); }

char *sw_strndup(const char *s, size_t n) {
  char *d = sw_malloc(n + 1);
  if (!d) return NULL;
  if (n) memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

int sw_grow(void **buf, size_t *cap, size_t need, size_t elem) {
  if (*buf && need <= *cap) return SW_OK;
  size_t n = *cap ? *cap : 8;
  while (n < need) {
    if (n > SIZE_MAX / 2) return SW_NOMEM;
    n *= 2;
  }
  if (elem && n > SIZE_MAX / elem) return SW_NOMEM;
  void *p = sw_realloc(*buf, n * elem);
  if (!p) return SW_NOMEM;
  *buf = p;
  *cap = n;
  return SW_OK;
}

double sw_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
