/*
** main.c — the `swsearch` command: parse (opts.c), then run the command
** chosen. The command table and the help are commands.c; options are
** parsed by opts.c from that table; each command group has its file
** (cmd_search.c, cmd_index.c, cmd_info.c); errors are reported by
** report.c; output goes through the sw_render library
** (include/sw_render.h); what the command takes from its environment is
** settings.c. Uses only the public API (swsearch.h).
**
** Which command: the first argument that is not an option (or an option's
** value), if it is a command's name; otherwise the arguments are a search.
** So `swsearch Trefas samverkan` searches. A first word that is not a
** command but within len(name) / 4 edits of one (insert, delete, change,
** swap of two neighbours: `indx`, `stat`, `optimse`) is refused as a typo
** with a hint; `swsearch -- WORD` or `swsearch search WORD` searches for
** it. After "--" nothing is a command. The quarter keeps Swedish words
** near a name searchable: analys, stad, chef, and (opts.c).
**
** Exit status as grep: 0 = hits (or the command succeeded), 1 = no hits,
** 2 = error, with "swsearch: <file or query>: <problem>" on stderr.
*/
#include "cli.h"


int main(int argc, char **argv) {
  if (argc < 2) {
    cli_help(stderr);
    return EXIT_ERROR;
  }
  const CliCommand *cmd;
  CliArgs args;
  int rc = cli_parse(argc, argv, &cmd, &args);
  if (rc >= 0) return rc;
  rc = cmd->run(cmd, &args);
  cli_args_free(&args);
  return rc;
}
