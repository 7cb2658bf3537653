/*
** commands.c — the command table (name, one-line summary, usage line,
** handler, the options each command takes) and the help text. opts.c picks
** the command and checks options against this table; main.c runs it.
*/
#include "cli.h"

#define GLOBAL_OPTS (OPT_BIT(OPT_HELP) | OPT_BIT(OPT_VERSION))

const CliCommand cli_commands[] = {
    {"search", "search the index (the default: bare words are a query)",
     "swsearch [search] [OPTIONS] QUERY...",
     cmd_search,
     GLOBAL_OPTS | OPT_BIT(OPT_INDEX) | OPT_BIT(OPT_LIMIT) | OPT_BIT(OPT_JSON) |
         OPT_BIT(OPT_NO_SNIPPETS) | OPT_BIT(OPT_SYNONYMS) |
         OPT_BIT(OPT_NO_SYNONYMS) | OPT_BIT(OPT_FACETS) |
         OPT_BIT(OPT_EXACT_TOTAL),
     1, NULL},
    {"index", "build a whole new index from files and directories",
     "swsearch index [--index DIR] [--mem MB] [--threads N] PATH...", cmd_index,
     GLOBAL_OPTS | OPT_BIT(OPT_INDEX) | OPT_BIT(OPT_MEM) | OPT_BIT(OPT_THREADS),
     0, "a path starting with '-' goes after --"},
    {"add", "add documents; a known id replaces its document",
     "swsearch add [--index DIR] [--mem MB] [--threads N] PATH...", cmd_index,
     GLOBAL_OPTS | OPT_BIT(OPT_INDEX) | OPT_BIT(OPT_MEM) | OPT_BIT(OPT_THREADS),
     0, "a path starting with '-' goes after --"},
    {"delete", "delete documents by id",
     "swsearch delete [--index DIR] ID...", cmd_delete,
     GLOBAL_OPTS | OPT_BIT(OPT_INDEX), 0,
     "an id starting with '-' goes after --"},
    {"optimize", "merge all segments into one",
     "swsearch optimize [--index DIR] [--threads N]", cmd_optimize,
     GLOBAL_OPTS | OPT_BIT(OPT_INDEX) | OPT_BIT(OPT_THREADS), 0, NULL},
    {"analyze", "show the tokens of a text (no TEXT: standard input)",
     "swsearch analyze [TEXT...]",
     cmd_analyze, GLOBAL_OPTS, 1, NULL},
    {"stats", "what the index holds",
     "swsearch stats [--index DIR]", cmd_stats,
     GLOBAL_OPTS | OPT_BIT(OPT_INDEX), 0, NULL},
    {"check", "verify every checksum and invariant",
     "swsearch check [--index DIR]", cmd_check,
     GLOBAL_OPTS | OPT_BIT(OPT_INDEX), 0, NULL},
    {"inspect", "segments, a term's postings, a document's record",
     "swsearch inspect [--index DIR] [--json] segments | term WORD | doc ID",
     cmd_inspect,
     GLOBAL_OPTS | OPT_BIT(OPT_INDEX) | OPT_BIT(OPT_JSON) | OPT_BIT(OPT_LIMIT) |
         OPT_BIT(OPT_POSITIONS),
     0, "a word or id starting with '-' goes after --"},
};
const size_t cli_ncommands = sizeof cli_commands / sizeof cli_commands[0];

static const char USAGE[] =
    "usage: swsearch [search] [--index DIR] [-n N] [--json] [--no-snippets]\n"
    "                [--synonyms FILE | --no-synonyms] [--facets]\n"
    "                [--exact-total] QUERY...\n"
    "       swsearch index [--index DIR] [--mem MB] [--threads N] PATH...\n"
    "       swsearch add [--index DIR] [--mem MB] [--threads N] PATH...\n"
    "       swsearch delete [--index DIR] ID...\n"
    "       swsearch optimize [--index DIR] [--threads N]\n"
    "       swsearch analyze [TEXT...]\n"
    "       swsearch stats [--index DIR]\n"
    "       swsearch check [--index DIR]\n"
    "       swsearch inspect [--index DIR] [--json] segments\n"
    "       swsearch inspect [--index DIR] [--json] [-n N] [--positions] term WORD\n"
    "       swsearch inspect [--index DIR] [--json] doc ID|#N\n"
    "       swsearch --help | --version\n"
    "\n"
    "Search (the default command):\n"
    "  QUERY         words are all required and stemmed; \"a phrase\"; a OR b;\n"
    "                -word or -\"phrase\" excludes. Words are joined by spaces.\n"
    "  -n N          show the best N hits (default 10)\n"
    "  --json        print one JSON object: query, total_hits, total_exact, took_ms,\n"
    "                partial, hits[rank, id, file, title, date, score, snippet]\n"
    "  --no-snippets do not make snippets\n"
    "  --synonyms F  abbreviations and synonyms to apply (default:\n"
    "                $SWSEARCH_SYNONYMS, else the installed synonyms.conf)\n"
    "  --no-synonyms apply none\n"
    "  --facets      count document type, year, organ and party over all\n"
    "                matching documents (the hit count is then exact)\n"
    "  --exact-total check every candidate so the hit count is exact; by\n"
    "                default a large phrase query skips documents that\n"
    "                cannot make the top N and estimates the count (\"about\n"
    "                N hits\"; JSON total_exact false). The hits are the same\n"
    "  Filters: typ:motion  år:2021  datum:2020-01-01..2021-06-30  parti:V\n"
    "           organ:socialnämnden  dnr:\"KS 2020/1050\"  (-typ:... excludes)\n"
    "  --            the rest are query words, even if they start with '-'\n"
    "Index: build a whole new index from .txt, .md, .jsonl, .jsonl.zst files\n"
    "  and directories (walked recursively); bad input is reported and skipped.\n"
    "  --mem MB      postings held in memory before a run is flushed (256)\n"
    "  --threads N   threads analysing documents (default: the online CPUs);\n"
    "                the index is the same for any N. Merges (optimize) use\n"
    "                one thread for now\n"
    "Add: add documents to the index (created if missing); a document whose\n"
    "  id is already there replaces it. Delete: remove documents by id (exit 1\n"
    "  if an id was not found; the others are still deleted). Optimize: merge\n"
    "  all segments into one. Each change is published atomically; searches\n"
    "  running meanwhile see the index as it was before or after, never\n"
    "  between. One writer at a time: a second one is refused.\n"
    "Analyze: show each token: position, surface form, indexed term, 'stop'.\n"
    "Stats: what the index holds. Check: verify every checksum and invariant.\n"
    "Inspect (for developers): segments: each segment of the live commit\n"
    "  (directory, format, documents, live, terms, manifest). term WORD: the\n"
    "  terms WORD gives as a query word, and per segment their df, cf and\n"
    "  first N postings (doc id, freq; --positions: positions; -n N, default\n"
    "  20). doc ID: the stored record of the document with that id, deleted\n"
    "  versions too (#N: internal doc id N). --json: one JSON object.\n"
    "\n"
    "  --index DIR   the index directory (default: $SWSEARCH_INDEX, else\n"
    "                $XDG_DATA_HOME/swsearch/index, else\n"
    "                ~/.local/share/swsearch/index)\n"
    "\n"
    "Options go before or after the command: --opt=value or --opt value,\n"
    "-n5 or -n 5; -- ends the options. The first word is the command when it\n"
    "names one, else all words are a search. A first word a typo away from a\n"
    "command (indx, stat, optimse: one edit per four letters of the name) is\n"
    "refused; search for it with swsearch -- WORD or swsearch search WORD.\n"
    "\n"
    "Exit status: 0 hits / success, 1 no hits, 2 error.\n";

void cli_help(FILE *f) {
  fputs(USAGE, f);
  fputs("\nCommands:\n", f);
  for (size_t i = 0; i < cli_ncommands; i++)
    fprintf(f, "  %-9s %s\n", cli_commands[i].name, cli_commands[i].summary);
}

