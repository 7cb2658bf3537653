/*
** cmd_info.c — the commands that describe: analyze (the analysis chain on
** a text), stats (what the index holds) and check (verify every checksum
** and invariant). Output through sw_render.
*/
#include "cli.h"
#include "sw_render.h"

#include <string.h>

/* ------------------------------------------------------------ analyze -- */

static int print_token(void *ctx, const SwToken *t) {
  swr_token_human(ctx, t);
  return 0;
}

/* All of standard input, up to SW_MAX_DOC_BYTES; NULL after a message or
** when out of memory. */
static char *read_stdin(size_t *len) {
  size_t cap = 65536, used = 0;
  char *buf = sw_malloc(cap);
  if (!buf) return NULL;
  for (;;) {
    if (used == cap) {
      if (cap > SW_MAX_DOC_BYTES) {
        fprintf(stderr, "swsearch: standard input: longer than %zu bytes\n",
                SW_MAX_DOC_BYTES);
        goto fail;
      }
      char *nb = sw_realloc(buf, cap * 2);
      if (!nb) goto fail;
      buf = nb;
      cap *= 2;
    }
    size_t n = fread(buf + used, 1, cap - used, stdin);
    used += n;
    if (n == 0) break;
  }
  if (ferror(stdin)) {
    fprintf(stderr, "swsearch: standard input: read error\n");
    goto fail;
  }
  *len = used;
  return buf;
fail:
  sw_free(buf);
  return NULL;
}

int cmd_analyze(const CliCommand *cmd, const CliArgs *a) {
  (void)cmd;
  size_t len = 0;
  char *text = a->nwords ? cli_join_words(a->words, a->nwords, &len)
                         : read_stdin(&len);
  if (!text) {
    fputs("swsearch: analyze: could not read the text\n", stderr);
    return EXIT_ERROR;
  }
  SwrSink out;
  swr_sink_file(&out, stdout);
  size_t invalid = 0;
  SwError err;
  sw_error_clear(&err);
  int rc = sw_analyze(text, len, print_token, &out, &invalid, &err);
  sw_free(text);
  if (rc != SW_OK) return cli_report("analyze", &err, rc);
  if (invalid)
    fprintf(stderr, "swsearch: analyze: %zu invalid UTF-8 sequence%s "
            "replaced\n", invalid, invalid == 1 ? "" : "s");
  return cli_flush(EXIT_HITS);
}

/* ------------------------------------------------------ stats / check -- */

/* The index directory of a command that takes no words; 1, or 0 after the
** message (*rc then holds the exit code). */
static int dir_only(const CliCommand *cmd, const CliArgs *a, char *dir,
                    size_t cap, int *rc) {
  *rc = EXIT_ERROR;
  if (a->nwords) {
    *rc = cli_usage_error(cmd, "%s takes no argument, not '%s'", cmd->name,
                          a->words[0]);
    return 0;
  }
  return cli_index_dir(a->str[OPT_INDEX], dir, cap);
}

int cmd_stats(const CliCommand *cmd, const CliArgs *a) {
  char dir[INDEX_DIR_MAX];
  int rc;
  if (!dir_only(cmd, a, dir, sizeof dir, &rc)) return rc;
  SwIndex *ix = NULL;
  if (!cli_open_index(dir, &ix)) return EXIT_ERROR;
  SwIndexStats st;
  SwError err;
  sw_error_clear(&err);
  int src = sw_index_stats(ix, &st, &err);
  sw_index_close(ix);
  if (src != SW_OK) return cli_report(NULL, &err, src);
  SwrSink out;
  swr_sink_file(&out, stdout);
  swr_stats_human(&out, dir, &st);
  return cli_flush(EXIT_HITS);
}

static void print_line(void *ctx, const char *line) {
  (void)ctx;
  printf("%s\n", line);
}

int cmd_check(const CliCommand *cmd, const CliArgs *a) {
  char dir[INDEX_DIR_MAX];
  int rc;
  if (!dir_only(cmd, a, dir, sizeof dir, &rc)) return rc;
  SwError err;
  sw_error_clear(&err);
  int src = sw_index_check(dir, print_line, NULL, &err);
  fflush(stdout);
  if (src == SW_NOTFOUND) {
    fprintf(stderr, "swsearch: %s: no index here\n", dir);
    return EXIT_ERROR;
  }
  if (src != SW_OK) return cli_report(NULL, &err, src);
  printf("%s: ok\n", dir);
  return cli_flush(EXIT_HITS);
}
