/*
** fuzz_common.h — what the fuzz targets of tests/fuzz/ share: the libFuzzer
** entry point's prototype, a per-process scratch directory, small file
** helpers, a check that aborts (so libFuzzer and the replay driver report it
** as a crash), and the tiny deterministic index the search and index-file
** targets run against.
**
** Targets are plain C17 files defining LLVMFuzzerTestOneInput. They link
** either with libFuzzer (SW_FUZZ=ON, clang) or with replay.c, which runs the
** committed seeds through the same function as an ordinary ctest.
**
** Process state: libFuzzer calls the entry point millions of times in one
** process, so each target keeps what is expensive to make (an analyzer, the
** tiny index) in static variables made on the first call. That is the one
** place the project has mutable globals; they live only in these test
** binaries.
*/
#ifndef SW_FUZZ_COMMON_H
#define SW_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point every fuzz_*.c defines. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with "fuzz check failed: <what>" on stderr: an invariant of the code
** under test does not hold for this input. */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#define FZ_CHECK(cond, ...) \
  do {                      \
    if (!(cond)) fz_fail(__VA_ARGS__); \
  } while (0)

/* The process's scratch directory, made on first use under $TMPDIR (else
** /tmp) as swsearch-fuzz-XXXXXX and removed with everything in it at exit.
** Aborts when it cannot be made (the harness cannot run at all). */
const char *fz_tmpdir(void);

/* "<fz_tmpdir()>/<name>" into buf (4096 bytes); aborts if it does not fit. */
char *fz_path(char *buf, const char *name);

/* Write p[0..n) to path (created or truncated). 0 on success, -1 on error. */
int fz_write_file(const char *path, const void *p, size_t n);

/* Read the whole file at path into a new malloc'ed buffer (NUL-terminated
** for convenience). 0 on success, -1 on error (then *p = NULL). */
int fz_read_file(const char *path, uint8_t **p, size_t *n);

/* Remove path and, for a directory, everything below it. Best effort. */
void fz_remove_tree(const char *path);

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code points
** past U+10FFFF), else 0. */
int fz_utf8_valid(const char *s, size_t n);

/* The tiny index: a handful of hand-written Swedish .txt/.md documents
** (phrases with stop words, diarienummer, `FN:s`, `Rinkeby-Kista`) and one
** .jsonl of FZ_TINY_JSONL_DOCS generated documents (one term in all of
** them, so its postings fill two blocks with a skip table), built with
** sw_build into "<fz_tmpdir()>/<name>", then grown by sw_add (a second
** segment, replacing one document) and sw_delete (one more). with_dict: enough text (about
** 100 KB) for the document store to train a zstd dictionary; else about
** 40 KB, a smaller and faster index without one. Deterministic: the same
** bytes every time. The index directory's path goes into dir (4096 bytes).
** Aborts on failure. */
#define FZ_TINY_JSONL_DOCS 160
void fz_build_tiny_index(const char *name, int with_dict, char *dir);

/* Queries that hit the tiny index: a term, a phrase, a phrase with stop
** words, OR, an exclusion, a partial match, typographic quotes. */
extern const char *const fz_tiny_queries[];
extern const size_t fz_tiny_nqueries;

#endif /* SW_FUZZ_COMMON_H */
