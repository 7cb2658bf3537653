/*
** cmd_info.c — the commands that describe: analyze (the analysis chain on
** a text), stats (what the index holds), check (verify every checksum and
** invariant) and inspect (segments, a term's postings, a document's record,
** for developers). Output through sw_render.
*/
#include "cli.h"
#include "sw_render.h"

#include <string.h>

#define INSPECT_DEFAULT_POSTINGS 20 /* postings listed per segment without -n */

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

/* ------------------------------------------------------------ inspect -- */

/* A library error of inspect: "no index here" as search says it. */
static int inspect_error(const char *dir, const char *what, const SwError *err,
                         int code) {
  if (code == SW_NOTFOUND && !what) {
    fprintf(stderr, "swsearch: %s: no index here (build one with: swsearch "
            "index --index %s PATH...)\n", dir, dir);
    return EXIT_ERROR;
  }
  return cli_report(what, err, code);
}

int cmd_inspect(const CliCommand *cmd, const CliArgs *a) {
  const char *what = a->nwords ? a->words[0] : "";
  int json = a->set[OPT_JSON], rc = EXIT_ERROR, src;
  size_t need = strcmp(what, "segments") == 0 ? 1 : 2;
  if (strcmp(what, "segments") != 0 && strcmp(what, "term") != 0 &&
      strcmp(what, "doc") != 0)
    return a->nwords ? cli_usage_error(cmd, "inspect what? 'segments', 'term "
                                       "WORD' or 'doc ID', not '%s'", what)
                     : cli_usage_error(cmd, "inspect what? 'segments', 'term "
                                       "WORD' or 'doc ID'");
  if ((size_t)a->nwords < need)
    return cli_usage_error(cmd, "inspect %s needs %s", what,
                           strcmp(what, "term") == 0 ? "a WORD" : "an ID");
  if ((size_t)a->nwords > need)
    return cli_usage_error(cmd, "inspect %s takes %s, not also '%s'", what,
                           need == 1 ? "no argument" : "one argument",
                           a->words[need]);
  if (a->set[OPT_POSITIONS] && strcmp(what, "term") != 0)
    return cli_usage_error(cmd, "--positions is for inspect term");
  if (a->set[OPT_LIMIT] && strcmp(what, "term") != 0)
    return cli_usage_error(cmd, "-n is for inspect term");
  char dir[INDEX_DIR_MAX];
  if (!cli_index_dir(a->str[OPT_INDEX], dir, sizeof dir)) return EXIT_ERROR;

  SwInspectCommit *commit = NULL;
  SwInspectTerms *terms = NULL;
  SwInspectDocs *docs = NULL;
  SwrSink out;
  swr_sink_file(&out, stdout);
  SwError err;
  sw_error_clear(&err);
  if (need == 1) {
    src = sw_inspect_segments(dir, &commit, &err);
    if (src != SW_OK) {
      rc = inspect_error(dir, NULL, &err, src);
      goto done;
    }
    if (json) swr_segments_json(&out, commit);
    else swr_segments_human(&out, commit);
    rc = EXIT_HITS;
  } else if (what[0] == 't') {
    const char *word = a->words[1];
    size_t max = a->set[OPT_LIMIT] ? (size_t)a->num[OPT_LIMIT]
                                   : INSPECT_DEFAULT_POSTINGS;
    src = sw_inspect_term(dir, word, strlen(word), max, a->set[OPT_POSITIONS],
                          &terms, &err);
    if (src != SW_OK) {
      rc = inspect_error(dir, src == SW_QUERY ? word : NULL, &err, src);
      goto done;
    }
    if (json) swr_term_json(&out, terms);
    else swr_term_human(&out, terms);
    rc = EXIT_NONE; /* as grep: 1 when no segment holds any of the terms */
    for (size_t i = 0; i < terms->nterms; i++)
      if (terms->terms[i].found) rc = EXIT_HITS;
  } else {
    const char *id = a->words[1];
    src = sw_inspect_doc(dir, id, strlen(id), &docs, &err);
    if (src != SW_OK) {
      rc = inspect_error(dir, NULL, &err, src);
      goto done;
    }
    if (docs->ndocs == 0) {
      fprintf(stderr, "swsearch: %s: no document with id '%s' (an internal "
              "doc id is written #N)\n", dir, id);
      rc = EXIT_NONE;
      goto done;
    }
    if (json) swr_doc_json(&out, docs);
    else swr_doc_human(&out, docs);
    rc = EXIT_HITS;
  }
  rc = cli_flush(rc);
done:
  sw_inspect_commit_free(commit);
  sw_inspect_terms_free(terms);
  sw_inspect_docs_free(docs);
  return rc;
}
