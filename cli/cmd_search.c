/*
** cmd_search.c — `swsearch [search] QUERY...`: the words joined by spaces
** are one query (query language v1, swsearch.h); prints the hits in human
** form or as --json through sw_render. Exit 0 with hits, 1 without.
*/
#include "cli.h"
#include "sw_render.h"

#include <errno.h>
#include <string.h>

char *cli_join_words(char *const *words, int n, size_t *len) {
  size_t total = 1;
  for (int i = 0; i < n; i++) total += strlen(words[i]) + 1;
  char *q = sw_malloc(total);
  if (!q) return NULL;
  size_t used = 0;
  for (int i = 0; i < n; i++) {
    size_t l = strlen(words[i]);
    if (i) q[used++] = ' ';
    memcpy(q + used, words[i], l);
    used += l;
  }
  q[used] = '\0';
  *len = used;
  return q;
}

/* Load the synonyms settings.c picks; 1, or 0 after the message. */
static int load_synonyms(SwIndex *ix, const char *given) {
  int required;
  const char *path = cli_synonyms_path(given, &required);
  if (!path) return 1;
  SwError err;
  sw_error_clear(&err);
  int rc = sw_index_load_synonyms(ix, path, &err);
  if (rc == SW_OK || !required) return 1;
  fprintf(stderr, "swsearch: %s\n", err.msg);
  return 0;
}

int cmd_search(const CliCommand *cmd, const CliArgs *a) {
  int rc = EXIT_ERROR;
  char *query = NULL;
  SwIndex *ix = NULL;
  SwResults *res = NULL;
  char dir[INDEX_DIR_MAX];
  if (a->nwords == 0) {
    rc = cli_usage_error(cmd, "no query given");
    goto done;
  }
  size_t qlen;
  query = cli_join_words(a->words, a->nwords, &qlen);
  if (!query) {
    fputs("swsearch: out of memory\n", stderr);
    goto done;
  }
  if (!cli_index_dir(a->str[OPT_INDEX], dir, sizeof dir) ||
      !cli_open_index(dir, &ix))
    goto done;
  if (!a->set[OPT_NO_SYNONYMS] && !load_synonyms(ix, a->str[OPT_SYNONYMS]))
    goto done;

  int json = a->set[OPT_JSON];
  int ansi = cli_use_ansi(json);
  SwSearchOptions so;
  memset(&so, 0, sizeof so);
  so.k = a->set[OPT_LIMIT] ? (size_t)a->num[OPT_LIMIT] : 10;
  so.snippets = !a->set[OPT_NO_SNIPPETS];
  so.highlight = ansi ? SW_HL_ANSI : SW_HL_BRACKETS;
  so.facets = a->set[OPT_FACETS];
  so.exact_total = a->set[OPT_EXACT_TOTAL];
  SwError err;
  sw_error_clear(&err);
  int src = sw_search(ix, query, qlen, &so, &res, &err);
  if (src != SW_OK) {
    cli_report(src == SW_QUERY ? query : NULL, &err, src);
    goto done;
  }
  SwrSink out;
  swr_sink_file(&out, stdout);
  if (json) {
    swr_search_json(&out, query, res);
  } else {
    swr_search_human(&out, query, res, ansi);
    if (so.facets) swr_search_facets(&out, res);
  }
  rc = cli_flush(res->nhits ? EXIT_HITS : EXIT_NONE);
done:
  sw_results_free(res);
  sw_index_close(ix);
  sw_free(query);
  return rc;
}
