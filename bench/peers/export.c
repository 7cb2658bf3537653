/*
** export.c — swsearch-export: write the documents of PATH... as TSV for the
** peer engines of bench/peers (Xapian, Lucene, SQLite FTS5).
**
**   swsearch-export [--out FILE] PATH...
**
** Documents are read by the engine's own intake (sw_read_documents of the
** public swsearch.h), so the peers index exactly the
** documents, ids, titles and texts that sw_build indexes, and bad input is
** skipped the same way. Output: one line per document,
**
**   id<TAB>title<TAB>text<LF>
**
** with every TAB, LF and CR inside a field replaced by a space (nothing else
** is changed; bytes are written as the intake hands them over). Default
** output is stdout. Problems with the input go to stderr as warnings; a
** summary line (documents, skipped, title + text bytes) ends the run.
**
** Exit status: 0 done (even with skipped input, like sw_build), 1 no
** document at all, 2 usage or I/O error (the message names the file).
**
** Left to others: parsing JSON and decompression (intake.c), everything the
** peers do with the file (run.sh and the peer programs).
*/

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swsearch.h"

#define OUT_BUF_BYTES (1u << 20) /* stdio buffer for the TSV              */

typedef struct ExportCtx {
  FILE *out;           /* TSV being written                              */
  const char *name;    /* its name for messages ("stdout" or the path)   */
  uint64_t docs;       /* documents written                              */
  uint64_t text_bytes; /* title + text bytes written                     */
  uint64_t warnings;   /* problems the intake reported                   */
} ExportCtx;

/* Write s[0..len) with TAB, LF and CR replaced by spaces: runs of ordinary
** bytes go out in one fwrite each. Returns 0, or -1 when a write failed. */
static int put_field(FILE *out, const char *s, size_t len) {
  size_t start = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c != '\t' && c != '\n' && c != '\r') continue;
    if (i > start && fwrite(s + start, 1, i - start, out) != i - start)
      return -1;
    if (putc(' ', out) == EOF) return -1;
    start = i + 1;
  }
  if (len > start && fwrite(s + start, 1, len - start, out) != len - start)
    return -1;
  return 0;
}

static int write_doc(void *vctx, const SwDoc *doc, const char *where,
                     SwError *err) {
  ExportCtx *ctx = vctx;
  (void)where;
  if (put_field(ctx->out, doc->id, doc->id_len) != 0 ||
      putc('\t', ctx->out) == EOF ||
      put_field(ctx->out, doc->title, doc->title_len) != 0 ||
      putc('\t', ctx->out) == EOF ||
      put_field(ctx->out, doc->text, doc->text_len) != 0 ||
      putc('\n', ctx->out) == EOF)
    return sw_error_errno(err, errno, "write", ctx->name);
  ctx->docs++;
  ctx->text_bytes += (uint64_t)doc->title_len + (uint64_t)doc->text_len;
  return SW_OK;
}

static void print_warning(void *vctx, const char *where, const char *problem) {
  ExportCtx *ctx = vctx;
  ctx->warnings++;
  fprintf(stderr, "swsearch-export: warning: %s: %s\n", where, problem);
}

static void usage(FILE *f) {
  fputs("usage: swsearch-export [--out FILE] PATH...\n"
        "Write the documents of PATH... (.jsonl, .jsonl.zst, .txt, .md,\n"
        "directories), as swsearch's intake reads them, as TSV lines\n"
        "id<TAB>title<TAB>text (TAB/LF/CR in fields become spaces).\n",
        f);
}

int main(int argc, char **argv) {
  const char *out_path = NULL;
  int first = 1;
  while (first < argc && strncmp(argv[first], "--", 2) == 0) {
    if (strcmp(argv[first], "--") == 0) {
      first++;
      break;
    }
    if (strcmp(argv[first], "--help") == 0) {
      usage(stdout);
      return 0;
    }
    if (strcmp(argv[first], "--out") == 0 && first + 1 < argc) {
      out_path = argv[first + 1];
      first += 2;
      continue;
    }
    fprintf(stderr, "swsearch-export: unknown option or missing value: %s\n",
            argv[first]);
    usage(stderr);
    return 2;
  }
  if (first >= argc) {
    usage(stderr);
    return 2;
  }

  ExportCtx ctx = {stdout, "stdout", 0, 0, 0};
  if (out_path) {
    ctx.out = fopen(out_path, "wb");
    if (!ctx.out) {
      fprintf(stderr, "swsearch-export: cannot create %s: %s\n", out_path,
              strerror(errno));
      return 2;
    }
    ctx.name = out_path;
  }
  /* A large buffer: texts are long and written in pieces. setvbuf with a
  ** NULL buffer lets stdio allocate it; a failure only costs speed. */
  (void)setvbuf(ctx.out, NULL, _IOFBF, OUT_BUF_BYTES);

  SwError err;
  sw_error_clear(&err);
  SwReadStats st;
  int rc = sw_read_documents((const char *const *)(argv + first),
                            (size_t)(argc - first), write_doc, &ctx,
                            print_warning, &ctx, &st, &err);
  int close_failed = 0;
  if (ctx.out != stdout) {
    close_failed = fclose(ctx.out) != 0;
  } else {
    close_failed = fflush(stdout) != 0;
  }
  if (rc != SW_OK) {
    fprintf(stderr, "swsearch-export: %s\n",
            err.msg[0] ? err.msg : sw_strerror(rc));
    return 2;
  }
  if (close_failed) {
    fprintf(stderr, "swsearch-export: write %s: %s\n", ctx.name,
            strerror(errno));
    return 2;
  }
  fprintf(stderr,
          "swsearch-export: %llu documents (%llu skipped) from %llu files, "
          "%llu title+text bytes -> %s\n",
          (unsigned long long)ctx.docs, (unsigned long long)st.skipped,
          (unsigned long long)st.files, (unsigned long long)ctx.text_bytes,
          ctx.name);
  return ctx.docs ? 0 : 1;
}
