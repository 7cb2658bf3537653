/*
** cmd_index.c — the commands that change an index: index (a whole new
** one), add, delete (by id) and optimize. Each is one atomic change
** through the library (sw_build, sw_add, sw_delete, sw_optimize); the
** summary line comes from sw_render.
*/
#include "cli.h"
#include "sw_render.h"

#include <string.h>

static void print_warning(void *ctx, const char *where, const char *problem) {
  (void)ctx;
  fprintf(stderr, "swsearch: %s: %s\n", where, problem);
}

static void build_options(const CliArgs *a, SwBuildOptions *bo) {
  memset(bo, 0, sizeof *bo);
  bo->mem_budget = a->set[OPT_MEM] ? (size_t)a->num[OPT_MEM] << 20 : 0;
  bo->progress = cli_show_progress();
  bo->threads =
      a->set[OPT_THREADS] ? (int)a->num[OPT_THREADS] : cli_default_threads();
}

/* index and add: the words are the paths. */
int cmd_index(const CliCommand *cmd, const CliArgs *a) {
  int add = strcmp(cmd->name, "add") == 0;
  if (a->nwords == 0)
    return cli_usage_error(cmd, "%s needs at least one PATH", cmd->name);
  char dir[INDEX_DIR_MAX];
  if (!cli_index_dir(a->str[OPT_INDEX], dir, sizeof dir)) return EXIT_ERROR;
  SwBuildOptions bo;
  build_options(a, &bo);
  const char *const *paths = (const char *const *)a->words;
  size_t npaths = (size_t)a->nwords;
  SwBuildStats st;
  SwError err;
  sw_error_clear(&err);
  int rc = add ? sw_add(dir, paths, npaths, &bo, print_warning, NULL, &st, &err)
               : sw_build(dir, paths, npaths, &bo, print_warning, NULL, &st,
                          &err);
  if (rc != SW_OK) return cli_report(NULL, &err, rc);
  SwrSink out;
  swr_sink_file(&out, stdout);
  swr_build_summary(&out, add, &st, dir);
  return cli_flush(EXIT_HITS);
}

/* delete: the words are ids; exit 1 when one was not found. */
int cmd_delete(const CliCommand *cmd, const CliArgs *a) {
  if (a->nwords == 0) return cli_usage_error(cmd, "delete needs at least one ID");
  char dir[INDEX_DIR_MAX];
  if (!cli_index_dir(a->str[OPT_INDEX], dir, sizeof dir)) return EXIT_ERROR;
  SwBuildStats st;
  SwError err;
  sw_error_clear(&err);
  int rc = sw_delete(dir, (const char *const *)a->words, (size_t)a->nwords,
                     print_warning, NULL, &st, &err);
  if (rc != SW_OK) return cli_report(NULL, &err, rc);
  SwrSink out;
  swr_sink_file(&out, stdout);
  swr_delete_summary(&out, &st, dir);
  return cli_flush(st.skipped ? EXIT_NONE : EXIT_HITS);
}

int cmd_optimize(const CliCommand *cmd, const CliArgs *a) {
  if (a->nwords)
    return cli_usage_error(cmd, "%s takes no argument, not '%s'", cmd->name,
                           a->words[0]);
  char dir[INDEX_DIR_MAX];
  if (!cli_index_dir(a->str[OPT_INDEX], dir, sizeof dir)) return EXIT_ERROR;
  SwBuildOptions bo;
  memset(&bo, 0, sizeof bo);
  bo.threads =
      a->set[OPT_THREADS] ? (int)a->num[OPT_THREADS] : cli_default_threads();
  SwBuildStats st;
  SwError err;
  sw_error_clear(&err);
  int rc = sw_optimize(dir, &bo, &st, &err);
  if (rc != SW_OK) return cli_report(NULL, &err, rc);
  SwrSink out;
  swr_sink_file(&out, stdout);
  swr_optimize_summary(&out, &st, dir);
  return cli_flush(EXIT_HITS);
}
