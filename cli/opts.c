/*
** opts.c — the one option parser of the swsearch command, driven by the
** option table below and each command's set of accepted options.
**
**   - Options go before or after the command word, in any order.
**   - Long options take their value as "--opt=value" or "--opt value";
**     short ones as "-n5", "-n=5" or "-n 5".
**   - "--" ends the options: everything after it is a word (a query word,
**     a path, an id), even if it starts with '-'.
**   - For search (and analyze) a longer argument starting with one '-'
**     ("-Rinkeby") is a word: an exclusion in the query language. "-n"
**     followed by digits is the option.
**   - An unknown option is an error: one line naming it, the nearest known
**     option when one is close, exit 2.
*/
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_K 100000        /* largest -n accepted                            */
#define MAX_MEM_MB 1048576  /* largest --mem accepted (1 TiB)                 */
#define MAX_THREADS 64      /* largest --threads accepted (the library's cap) */

const CliOption cli_options[OPT_COUNT_] = {
    {OPT_HELP, "--help", 'h', NULL, OPTV_NONE, NULL, 0, 0},
    {OPT_VERSION, "--version", 0, NULL, OPTV_NONE, NULL, 0, 0},
    {OPT_INDEX, "--index", 0, NULL, OPTV_STRING, "a directory", 0, 0},
    {OPT_LIMIT, "--limit", 'n', NULL, OPTV_NUMBER, "a number of hits", 1,
     MAX_K},
    {OPT_JSON, "--json", 0, NULL, OPTV_NONE, NULL, 0, 0},
    {OPT_NO_SNIPPETS, "--no-snippets", 0, NULL, OPTV_NONE, NULL, 0, 0},
    {OPT_SYNONYMS, "--synonyms", 0, NULL, OPTV_STRING, "a file", 0, 0},
    {OPT_NO_SYNONYMS, "--no-synonyms", 0, NULL, OPTV_NONE, NULL, 0, 0},
    {OPT_FACETS, "--facets", 0, NULL, OPTV_NONE, NULL, 0, 0},
    {OPT_EXACT_TOTAL, "--exact-total", 0, NULL, OPTV_NONE, NULL, 0, 0},
    {OPT_MEM, "--mem", 0, NULL, OPTV_NUMBER, "a number of MB", 1, MAX_MEM_MB},
    {OPT_THREADS, "--threads", 0, NULL, OPTV_NUMBER, "a number of threads", 1,
     MAX_THREADS},
    {OPT_POSITIONS, "--positions", 0, NULL, OPTV_NONE, NULL, 0, 0},
};

/* ------------------------------------------------------------ lookups -- */

/* The option "--name" or "--name=value" of arg (which starts with "--"). */
static const CliOption *find_long(const char *arg) {
  size_t n = strcspn(arg, "=");
  for (int i = 0; i < OPT_COUNT_; i++) {
    const char *name = cli_options[i].name;
    if (strlen(name) == n && memcmp(name, arg, n) == 0) return &cli_options[i];
  }
  return NULL;
}

static const CliOption *find_short(char c) {
  for (int i = 0; i < OPT_COUNT_; i++)
    if (c && cli_options[i].short_name == c) return &cli_options[i];
  return NULL;
}

/* "-n5" or "-n=5": a short option with its value attached. A number value
** must start with a digit, so "-nämnd" stays a query word (an exclusion). */
static const CliOption *short_with_value(const char *arg) {
  const CliOption *o = find_short(arg[1]);
  if (!o || o->value == OPTV_NONE) return NULL;
  if (arg[2] == '=') return o;
  if (o->value == OPTV_NUMBER && isdigit((unsigned char)arg[2])) return o;
  return NULL;
}

const CliCommand *cli_command_find(const char *name) {
  for (size_t i = 0; i < cli_ncommands; i++)
    if (strcmp(cli_commands[i].name, name) == 0) return &cli_commands[i];
  return NULL;
}

/* ------------------------------------------------------ edit distance -- */

int cli_edit_distance(const char *a, const char *b, int cap) {
  enum { MAXW = 64 };
  size_t la = strlen(a), lb = strlen(b);
  if (la >= MAXW || lb >= MAXW) return cap + 1;
  if ((la > lb ? la - lb : lb - la) > (size_t)cap) return cap + 1;
  /* Three rows of the optimal-string-alignment table. */
  int prev2[MAXW], prev[MAXW], cur[MAXW];
  for (size_t j = 0; j <= lb; j++) prev[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int cost = a[i - 1] != b[j - 1];
      int d = prev[j] + 1;
      if (cur[j - 1] + 1 < d) d = cur[j - 1] + 1;
      if (prev[j - 1] + cost < d) d = prev[j - 1] + cost;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          prev2[j - 2] + 1 < d)
        d = prev2[j - 2] + 1;
      cur[j] = d;
    }
    memcpy(prev2, prev, sizeof prev);
    memcpy(prev, cur, sizeof cur);
  }
  return prev[lb] > cap ? cap + 1 : prev[lb];
}

/* ----------------------------------------------------------- messages -- */

int cli_option_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("swsearch: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("; see swsearch --help\n", stderr);
  return EXIT_ERROR;
}

int cli_usage_error(const CliCommand *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("swsearch: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nusage: %s\n", cmd->usage);
  return EXIT_ERROR;
}

/* "unknown option 'ARG'" with the nearest option the command accepts (edit
** distance at most 2 of the name before any '='), or its hint. */
static int unknown_option(const CliCommand *c, const char *arg) {
  char name[64];
  size_t n = strcspn(arg, "=");
  if (n >= sizeof name) n = sizeof name - 1;
  memcpy(name, arg, n);
  name[n] = '\0';
  const char *best = NULL;
  int best_d = 3;
  for (int i = 0; i < OPT_COUNT_; i++) {
    if (!(c->opts & OPT_BIT(i))) continue;
    int d = cli_edit_distance(name, cli_options[i].name, 2);
    if (d < best_d) {
      best_d = d;
      best = cli_options[i].name;
    }
  }
  if (best)
    return cli_option_error("unknown option '%s' (did you mean %s?)", name,
                           best);
  if (c->dash_hint)
    return cli_option_error("unknown option '%s' (%s)", name, c->dash_hint);
  return cli_option_error("unknown option '%s'", name);
}

/* ------------------------------------------------------------- values -- */

/* Store the value of option o (as typed: `as`) in args; 1, or 0 after the
** message. */
static int take_value(const CliOption *o, const char *as, const char *val,
                      CliArgs *args) {
  args->set[o->id] = 1;
  if (o->value == OPTV_STRING) {
    args->str[o->id] = val;
    return 1;
  }
  char *end;
  errno = 0;
  long v = strtol(val, &end, 10);
  if (errno || end == val || *end || v < o->lo || v > o->hi) {
    cli_option_error("%s needs %s from %ld to %ld, not '%s'", as, o->needs,
                    o->lo, o->hi, val);
    return 0;
  }
  args->num[o->id] = v;
  return 1;
}

/* ------------------------------------------------------------- parser -- */

void cli_args_free(CliArgs *args) {
  sw_free(args->words);
  args->words = NULL;
  args->nwords = 0;
}

/* Index of the command word in argv, or -1: the first argument that is not
** an option or an option's value, unless "--" comes first. A "-word" there
** is a query word, so no command follows. */
static int command_word(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) return -1;
    if (a[0] != '-' || a[1] == '\0') return i;
    if (a[1] == '-') {
      const CliOption *o = find_long(a);
      if (o && o->value != OPTV_NONE && !strchr(a, '=')) i++;
      continue;
    }
    if (a[2] == '\0') {
      const CliOption *o = find_short(a[1]);
      if (o && o->value != OPTV_NONE) i++;
      continue;
    }
    if (short_with_value(a)) continue;
    return -1; /* "-Rinkeby": a query word */
  }
  return -1;
}

/* The near-miss rule: a first word that is not a command but within
** len(name) / 4 edits (insert, delete, substitute, swap of neighbours) of a
** command's name is refused as a likely typo: one edit for the names of 4
** to 7 letters (indx, stat, serch), two for optimize (optimse), none for
** add. A quarter of the name keeps Swedish words that merely look alike
** searchable: analys (analyze), stad (stats), chef (check), and (add). */
static int near_miss(const char *word) {
  for (size_t i = 0; i < cli_ncommands; i++) {
    const char *name = cli_commands[i].name;
    int cap = (int)(strlen(name) / 4);
    if (cap > 0 && cli_edit_distance(word, name, cap) <= cap) {
      fprintf(stderr, "swsearch: unknown command '%s' (did you mean %s?); to "
              "search for the word: swsearch -- %s\n", word, name, word);
      return 1;
    }
  }
  return 0;
}

int cli_parse(int argc, char **argv, const CliCommand **cmd, CliArgs *args) {
  memset(args, 0, sizeof *args);
  int cw = command_word(argc, argv);
  const CliCommand *c = cw > 0 ? cli_command_find(argv[cw]) : NULL;
  if (!c) {
    if (cw > 0 && near_miss(argv[cw])) return EXIT_ERROR;
    c = cli_command_find("search");
    cw = -1; /* the word is a query word */
  }
  *cmd = c;
  args->words = sw_calloc((size_t)argc + 1, sizeof *args->words);
  if (!args->words) {
    fputs("swsearch: out of memory\n", stderr);
    return EXIT_ERROR;
  }
  int rc = -1;
  for (int i = 1; i < argc && rc < 0; i++) {
    char *a = argv[i];
    if (i == cw) continue;
    if (args->dashdash || a[0] != '-' || a[1] == '\0') {
      args->words[args->nwords++] = a;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      args->dashdash = 1;
      continue;
    }
    const CliOption *o;
    const char *val = NULL;
    char as[64];
    if (a[1] == '-') {
      o = find_long(a);
      if (!o) {
        rc = unknown_option(c, a);
        break;
      }
      const char *eq = strchr(a, '=');
      if (eq) {
        if (o->value == OPTV_NONE) {
          rc = cli_option_error("%s takes no value", o->name);
          break;
        }
        val = eq + 1;
      }
      snprintf(as, sizeof as, "%s", o->name);
    } else if (a[2] == '\0') {
      o = find_short(a[1]);
      if (!o) {
        rc = unknown_option(c, a);
        break;
      }
      snprintf(as, sizeof as, "-%c", a[1]);
    } else if ((o = short_with_value(a)) != NULL) {
      val = a[2] == '=' ? a + 3 : a + 2;
      snprintf(as, sizeof as, "-%c", a[1]);
    } else if (c->dash_words) {
      args->words[args->nwords++] = a; /* "-word": an exclusion, or text */
      continue;
    } else {
      rc = unknown_option(c, a);
      break;
    }
    if (!(c->opts & OPT_BIT(o->id))) {
      rc = cli_option_error("%s is not an option of '%s'", as, c->name);
      break;
    }
    if (o->id == OPT_HELP) {
      cli_help(stdout);
      rc = EXIT_HITS;
      break;
    }
    if (o->id == OPT_VERSION) {
      printf("swsearch %s\n", SW_VERSION_STRING);
      rc = EXIT_HITS;
      break;
    }
    if (o->value == OPTV_NONE) {
      args->set[o->id] = 1;
      continue;
    }
    if (!val) {
      if (i + 1 >= argc) {
        rc = cli_option_error("%s needs %s", as, o->needs);
        break;
      }
      val = argv[++i];
    }
    if (!take_value(o, as, val, args)) rc = EXIT_ERROR;
  }
  if (rc >= 0) cli_args_free(args);
  return rc;
}
