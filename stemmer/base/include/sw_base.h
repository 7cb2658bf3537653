/*
** sw_base.h — the ground floor under every layer of swsearch (stemmer/base/,
** library sw_base): status codes, SwError, the allocator, sw_grow, the
** clock, the limits, SwDocId, and the one UTF-8 decoder. It depends on
** nothing of ours; stemmer/, index/ and engine/ build on it, and the public
** swsearch.h includes it.
**
** Conventions: functions that can fail return SW_OK (0) or one of the SW_*
** codes and fill the caller-owned SwError with a message naming the file,
** offset or query column and the problem.
**
** The fault-injection hooks the allocator and the index layer's writes
** consult are declared in testing/sw_fault.h, for tests and the index
** layer's write path only; they are not part of any public header.
*/
#ifndef SW_BASE_H
#define SW_BASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. Public: never renumber (scripts see them via messages only,
** but bindings may switch on them). */
enum {
  SW_OK = 0,
  SW_INPUT = 1,    /* bad input document or file (invalid JSON, unreadable)  */
  SW_QUERY = 2,    /* query syntax error (empty, unbalanced quotes, ...)      */
  SW_CORRUPT = 3,  /* index file damaged: checksum, bounds, invariant         */
  SW_VERSION = 4,  /* index written by an unknown format version              */
  SW_IO = 5,       /* operating-system I/O failure (open, read, rename, ...)  */
  SW_FULL = 6,     /* disk full or file size limit (ENOSPC, EFBIG, EDQUOT)     */
  SW_LIMIT = 7,    /* a documented size limit exceeded                         */
  SW_NOMEM = 8,    /* allocation failed                                        */
  SW_NOTFOUND = 9  /* no such index / term / document (not always an error)   */
};

#define SW_ERROR_MSG_MAX 512

/* Caller-owned error detail. Never allocates. The first error set is kept:
** sw_error_set() on an error that already holds a code does nothing, so a
** long-lived writer reports the root cause, not its consequences. */
typedef struct SwError {
  int code;                   /* SW_OK when no error has been recorded    */
  char msg[SW_ERROR_MSG_MAX]; /* human-readable, names file/offset/column */
} SwError;

/* Reset err to "no error". err may be NULL (then every sw_error_* call is a
** no-op). */
void sw_error_clear(SwError *err);

/* Record code and a printf-formatted message unless err already holds an
** error. Returns code, so callers can write `return sw_error_set(...)`. */
int sw_error_set(SwError *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Map an errno value from a failed system call to SW_FULL (ENOSPC, EFBIG,
** EDQUOT) or SW_IO, recording "<what> <path>: <strerror>". Returns the code. */
int sw_error_errno(SwError *err, int errnum, const char *what, const char *path);

/* Human-readable name of a code ("corrupt index", "query error", ...). */
const char *sw_strerror(int code);

/* The allocator. Every allocation in the project goes through these so that
** tests can make the Nth one fail. Results are NULL on failure; callers check. */
void *sw_malloc(size_t n);
void *sw_calloc(size_t count, size_t size); /* checks count*size overflow */
void *sw_realloc(void *p, size_t n);
void sw_free(void *p);
char *sw_strndup(const char *s, size_t n); /* NUL-terminated copy */

/* Make *buf hold at least need elements of elem bytes, growing *cap
** geometrically (contents kept): for scratch arrays reused from call to
** call. SW_OK or SW_NOMEM (then *buf and *cap are unchanged). */
int sw_grow(void **buf, size_t *cap, size_t need, size_t elem);

/* Monotonic clock in seconds, for timings shown to users and the bench. */
double sw_now(void);

typedef uint32_t SwDocId; /* dense, 0-based, per index generation */

/* Limits (documented in README/FORMAT.md). Larger input is refused with
** SW_LIMIT naming the input. */
#define SW_MAX_DOC_BYTES ((size_t)256 << 20)  /* one document's text      */
#define SW_MAX_TOKEN_BYTES 256                /* longer tokens are cut    */
#define SW_MAX_QUERY_BYTES 65536
#define SW_MAX_QUERY_TERMS 1024

/* ---------------------------------------------------------------- UTF-8 -- */

/* The one UTF-8 decoder of the project (the analysis chain, identifier
** scanning, snippets and the CLI's JSON strings all use it).
** Decodes the character at s[0..n), n >= 1. Returns the bytes it takes
** (1..4) and sets *cp to its code point; for an invalid sequence (a stray
** continuation byte, an overlong form, a surrogate, past U+10FFFF, cut
** short) *cp = -1 and the return is the length of its maximal subpart
** (1..3; the Unicode way of replacing bad bytes with U+FFFD). Inline: the
** analysis chain calls it for every non-ASCII character. */
static inline size_t sw_utf8_decode(const unsigned char *s, size_t n,
                                    int32_t *cp) {
  unsigned c = s[0];
  if (c < 0x80) {
    *cp = (int32_t)c;
    return 1;
  }
  size_t need;        /* continuation bytes expected            */
  unsigned lo = 0x80; /* allowed range of the second byte,      */
  unsigned hi = 0xBF; /* narrowed against overlongs, surrogates */
  uint32_t v;         /* and code points past U+10FFFF          */
  if (c < 0xC2) {     /* continuation byte, or overlong C0/C1   */
    *cp = -1;
    return 1;
  } else if (c < 0xE0) {
    need = 1;
    v = c & 0x1F;
  } else if (c < 0xF0) {
    need = 2;
    v = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c < 0xF5) {
    need = 3;
    v = c & 0x07;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    *cp = -1;
    return 1;
  }
  if (n < 2 || s[1] < lo || s[1] > hi) {
    *cp = -1;
    return 1;
  }
  v = (v << 6) | (s[1] & 0x3Fu);
  for (size_t i = 2; i <= need; i++) {
    if (i >= n || (s[i] & 0xC0u) != 0x80) {
      *cp = -1;
      return i;
    }
    v = (v << 6) | (s[i] & 0x3Fu);
  }
  *cp = (int32_t)v;
  return need + 1;
}

/* Length of the valid UTF-8 character at s[0..n) (n >= 1), or 0 when the
** bytes there are not one. */
static inline size_t sw_utf8_valid_len(const unsigned char *s, size_t n) {
  int32_t cp;
  size_t len = sw_utf8_decode(s, n, &cp);
  return cp < 0 ? 0 : len;
}

#ifdef __cplusplus
}
#endif
#endif /* SW_BASE_H */
