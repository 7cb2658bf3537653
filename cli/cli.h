/*
** cli.h — what the files of the swsearch command share: exit codes, the
** option table and its one parser (opts.c), the command table (commands.c),
** settings (settings.c) and the command handlers (cmd_*.c). Private to
** cli/; what a server needs too lives in include/sw_render.h.
*/
#ifndef SW_CLI_H
#define SW_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "swsearch.h"

#define EXIT_HITS 0  /* hits, or the command succeeded */
#define EXIT_NONE 1  /* no hits, or an id not found     */
#define EXIT_ERROR 2 /* an error                        */

#define INDEX_DIR_MAX 4096

/* ------------------------------------------------------------- options -- */

/* Every option of every command, one id each; a command accepts a set of
** them (CliCommand.opts, a bit per id). An option means the same and takes
** the same value wherever it is accepted. */
enum {
  OPT_HELP = 0,
  OPT_VERSION,
  OPT_INDEX,
  OPT_LIMIT,
  OPT_JSON,
  OPT_NO_SNIPPETS,
  OPT_SYNONYMS,
  OPT_NO_SYNONYMS,
  OPT_FACETS,
  OPT_EXACT_TOTAL,
  OPT_MEM,
  OPT_THREADS,
  OPT_POSITIONS,
  OPT_COUNT_ /* number of options */
};
#define OPT_BIT(id) (1u << (id))

enum {
  OPTV_NONE = 0,  /* a flag                             */
  OPTV_STRING,    /* takes a value: a path, a file      */
  OPTV_NUMBER     /* takes a decimal in [lo, hi]        */
};

typedef struct CliOption {
  int id;              /* OPT_*                                           */
  const char *name;    /* "--index"                                       */
  char short_name;     /* 'n' for -n, or 0                                */
  const char *alias;   /* another long name ("--limit" for -n), or NULL   */
  int value;           /* OPTV_*                                          */
  const char *needs;   /* what the value is, for messages: "a directory"  */
  long lo, hi;         /* OPTV_NUMBER: the range accepted                 */
} CliOption;

/* The option table, in the order the help lists them. */
extern const CliOption cli_options[OPT_COUNT_];

/* What the parser found. */
typedef struct CliArgs {
  int set[OPT_COUNT_];         /* 1 if given (the last one counts)        */
  const char *str[OPT_COUNT_]; /* OPTV_STRING values                      */
  long num[OPT_COUNT_];        /* OPTV_NUMBER values                      */
  char **words;                /* the other arguments, in order (owned)   */
  int nwords;
  int dashdash;                /* 1: "--" was given                       */
} CliArgs;

/* ------------------------------------------------------------ commands -- */

typedef struct CliCommand {
  const char *name;     /* "index"                                        */
  const char *summary;  /* one line for the help                          */
  const char *usage;    /* its synopsis: "swsearch delete [--index DIR] ID..." */
  int (*run)(const struct CliCommand *cmd, const CliArgs *args);
  unsigned opts;        /* the options it accepts: OPT_BIT(OPT_*) | ...   */
  int dash_words;       /* 1: "-word" (3 or more characters, not an option
                           with its value) is a word, not an option:
                           search (an exclusion) and analyze (text)       */
  const char *dash_hint;/* added to "unknown option" for a command whose
                           words may start with '-' ("an id starting
                           with '-' goes after --"), or NULL              */
} CliCommand;

extern const CliCommand cli_commands[];
extern const size_t cli_ncommands;
const CliCommand *cli_command_find(const char *name);

/* Parse argv[1..argc) for the command line: pick the command (the first
** word, if it names one; else search, with the near-miss rule of main.c),
** then read every option before and after it with the command's table.
** Returns -1 with *cmd and *args set to go on, or an exit code after
** printing the message (an error, or --help/--version done). Free args
** with cli_args_free. */
int cli_parse(int argc, char **argv, const CliCommand **cmd, CliArgs *args);
void cli_args_free(CliArgs *args);

/* Edit distance of a and b (insert, delete, substitute, swap of two
** neighbours: each 1), capped: any value above cap is cap + 1. */
int cli_edit_distance(const char *a, const char *b, int cap);

/* ----------------------------------------------------------- messages -- */

/* A bad option: "swsearch: <message>; see swsearch --help", one line on
** stderr; returns EXIT_ERROR. */
int cli_option_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* Bad or missing words for cmd: "swsearch: <message>" and cmd's usage line
** on stderr; returns EXIT_ERROR. */
int cli_usage_error(const CliCommand *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* report.c: "swsearch: [what: ]<message>" for a library error; returns
** EXIT_ERROR. */
int cli_report(const char *what, const SwError *err, int code);
/* commands.c: the whole help (swsearch --help) to f. */
void cli_help(FILE *f);
/* report.c: fflush(stdout), "swsearch: standard output: ..." when it
** failed: rc or EXIT_ERROR. */
int cli_flush(int rc);

/* ----------------------------------------------------------- settings -- */

/* The index directory: `given` (--index) or the default
** ($SWSEARCH_INDEX, $XDG_DATA_HOME/swsearch/index,
** ~/.local/share/swsearch/index). 1, or 0 after printing why not. */
int cli_index_dir(const char *given, char *buf, size_t cap);
/* Open the index in dir; 1, or 0 after printing why not (with how to build
** one when there is none). */
int cli_open_index(const char *dir, SwIndex **ix);
/* The synonyms file to load: `given` (--synonyms), else $SWSEARCH_SYNONYMS,
** else SW_DATA_DIR/synonyms.conf when it is readable (*required = 0: a
** failure to load it is ignored); NULL for none. */
const char *cli_synonyms_path(const char *given, int *required);
/* Colour and highlights: bold (ANSI) on a terminal for human output, unless
** $NO_COLOR is set. */
int cli_use_ansi(int json);
/* Progress lines on stderr while building: when it is a terminal. */
int cli_show_progress(void);
/* The default of --threads: the CPUs online, 1..64. */
int cli_default_threads(void);

/* ----------------------------------------------------------- handlers -- */

int cmd_search(const CliCommand *cmd, const CliArgs *args);   /* cmd_search.c */
int cmd_index(const CliCommand *cmd, const CliArgs *args);    /* cmd_index.c: */
int cmd_delete(const CliCommand *cmd, const CliArgs *args);   /*   index, add, */
int cmd_optimize(const CliCommand *cmd, const CliArgs *args); /*   delete, optimize */
int cmd_analyze(const CliCommand *cmd, const CliArgs *args);  /* cmd_info.c: */
int cmd_stats(const CliCommand *cmd, const CliArgs *args);    /*   analyze, stats, */
int cmd_check(const CliCommand *cmd, const CliArgs *args);    /*   check, inspect */
int cmd_inspect(const CliCommand *cmd, const CliArgs *args);

/* Join words[0..n) with single spaces into a new buffer (sw_free), *len its
** length; NULL when out of memory. */
char *cli_join_words(char *const *words, int n, size_t *len);

#endif /* SW_CLI_H */
