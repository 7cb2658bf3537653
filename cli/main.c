/*
** main.c — the `swsearch` command: argument parsing, human and JSON output,
** exit codes. Uses only the public API (swsearch.h); everything it shows
** comes from sw_build, sw_add, sw_delete, sw_optimize, sw_search, sw_analyze, sw_index_stats and
** sw_index_check.
**
**   swsearch [search] [--index DIR] [-n N] [--json] [--no-snippets] QUERY...
**   swsearch index [--index DIR] [--mem MB] [--threads N] PATH...
**   swsearch add [--index DIR] [--mem MB] [--threads N] PATH...
**   swsearch delete [--index DIR] ID...
**   swsearch optimize [--index DIR] [--threads N]
**   swsearch analyze [TEXT...]          (no TEXT: read standard input)
**   swsearch stats [--index DIR]
**   swsearch check [--index DIR]
**   swsearch --help | --version
**
** Exit status as grep: 0 = hits (or the command succeeded), 1 = no hits,
** 2 = error, with "swsearch: <file or query>: <problem>" on stderr.
**
** Options vs. query words: an argument starting with "--" is an option (an
** unknown one is a usage error), and so are "-n" and "-h"; any other
** argument of two characters starting with '-' is an unknown option. Longer
** arguments starting with '-' are query words, because "-word" excludes a
** word in the query language. After "--" everything is a query word.
**
** Output safety: titles and snippets are document bytes. Before they reach
** a terminal, C0/C1 control characters become spaces (a document cannot send
** escape sequences), except the bold on/off sequences the engine itself puts
** around highlights when asked for SW_HL_ANSI. White space runs become one
** space so each hit keeps its three-line shape.
*/
#include "swsearch.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_HITS 0
#define EXIT_NONE 1
#define EXIT_ERROR 2

#define MAX_K 100000        /* largest -n accepted                       */
#define MAX_MEM_MB 1048576  /* largest --mem accepted (1 TiB)            */
#define MAX_THREADS 64      /* largest --threads accepted (the library's cap) */
#define INDEX_DIR_MAX 4096

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
    "\n"
    "  --index DIR   the index directory (default: $SWSEARCH_INDEX, else\n"
    "                $XDG_DATA_HOME/swsearch/index, else\n"
    "                ~/.local/share/swsearch/index)\n"
    "\n"
    "Exit status: 0 hits / success, 1 no hits, 2 error.\n";

/* ------------------------------------------------------------ helpers -- */

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("swsearch: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\n", stderr);
  fputs(USAGE, stderr);
  return EXIT_ERROR;
}

/* "swsearch: <message>" for a library error; the message names the file or
** query column already. */
static int report(const char *what, const SwError *err, int code) {
  if (what && what[0])
    fprintf(stderr, "swsearch: %s: %s\n", what,
            err->msg[0] ? err->msg : sw_strerror(code));
  else
    fprintf(stderr, "swsearch: %s\n", err->msg[0] ? err->msg : sw_strerror(code));
  return EXIT_ERROR;
}

/* If argv[*i] is the option `name` ("--name VALUE" or "--name=VALUE"), store
** its value in *val and return 1; -1 when the value is missing; 0 if it is
** another argument. */
static int take_value(int argc, char **argv, int *i, const char *name,
                      const char **val) {
  const char *a = argv[*i];
  size_t n = strlen(name);
  if (strncmp(a, name, n) != 0) return 0;
  if (a[n] == '=') {
    *val = a + n + 1;
    return 1;
  }
  if (a[n] != '\0') return 0;
  if (*i + 1 >= argc) return -1;
  *val = argv[++*i];
  return 1;
}

/* Parse a decimal in [lo, hi]. */
static int parse_count(const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return 0;
  *out = v;
  return 1;
}

/* The default of --threads: the CPUs online (1 if unknown). */
static int default_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

/* "--threads N" at argv[*i]: 0 if it is not that option, 1 with *threads
** set, or -1 after a usage error was printed. */
static int take_threads(int argc, char **argv, int *i, int *threads) {
  const char *val = NULL;
  long n;
  int t = take_value(argc, argv, i, "--threads", &val);
  if (t == 0) return 0;
  if (t < 0 || !parse_count(val, 1, MAX_THREADS, &n)) {
    if (t < 0) usage_error("--threads needs a number of threads");
    else usage_error("--threads needs a number from 1 to %d, not '%s'",
                     MAX_THREADS, val);
    return -1;
  }
  *threads = (int)n;
  return 1;
}

static int index_dir(const char *given, char *buf, size_t cap) {
  if (given) {
    if (strlen(given) >= cap) {
      fprintf(stderr, "swsearch: %s: index path too long\n", given);
      return 0;
    }
    memcpy(buf, given, strlen(given) + 1);
    return 1;
  }
  SwError err;
  sw_error_clear(&err);
  int rc = sw_default_index_dir(buf, cap, &err);
  if (rc != SW_OK) {
    report("default index directory", &err, rc);
    return 0;
  }
  return 1;
}

/* Synonyms: --synonyms FILE, else $SWSEARCH_SYNONYMS, else the installed
** SW_DATA_DIR/synonyms.conf if there is one. A file named by the user must
** load; the installed default is skipped when absent. Returns 1 if ok. */
static int load_synonyms(SwIndex *ix, const char *path) {
  int required = 1;
  if (!path) path = getenv("SWSEARCH_SYNONYMS");
  if (!path || !path[0]) {
    path = SW_DATA_DIR "/synonyms.conf";
    required = 0;
    if (access(path, R_OK) != 0) return 1;
  }
  SwError err;
  sw_error_clear(&err);
  int rc = sw_index_load_synonyms(ix, path, &err);
  if (rc == SW_OK || !required) return 1;
  fprintf(stderr, "swsearch: %s\n", err.msg);
  return 0;
}

static int open_index(const char *dir, SwIndex **ix) {
  SwError err;
  sw_error_clear(&err);
  int rc = sw_index_open(dir, ix, &err);
  if (rc == SW_NOTFOUND) {
    fprintf(stderr, "swsearch: %s: no index here (build one with: swsearch "
            "index --index %s PATH...)\n", dir, dir);
    return 0;
  }
  if (rc != SW_OK) {
    report(NULL, &err, rc);
    return 0;
  }
  return 1;
}

/* Join argv[from..to) with single spaces into a new buffer. */
static char *join_words(char **words, int n, size_t *len) {
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

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is invalid
** (overlong forms, surrogates and code points past U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  if (c < 0x80) return 1;
  size_t len;
  unsigned cp;
  if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
  else return 0;
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
    return 0;
  return len;
}

/* Print s as a JSON string: quote and backslash escaped, control characters
** as \u00XX, valid UTF-8 passed through, invalid bytes as \ufffd. */
static void json_str(FILE *f, const char *str) {
  const unsigned char *s = (const unsigned char *)(str ? str : "");
  size_t n = strlen((const char *)s);
  fputc('"', f);
  size_t i = 0;
  while (i < n) {
    /* Bytes that pass unchanged, written at once. */
    size_t j = i;
    while (j < n) {
      unsigned char d = s[j];
      if (d >= 0x20 && d < 0x7F && d != '"' && d != '\\') {
        j++;
      } else if (d >= 0x80) {
        size_t m = utf8_len(s + j, n - j);
        if (m == 0) break;
        j += m;
      } else {
        break;
      }
    }
    if (j > i) {
      fwrite(s + i, 1, j - i, f);
      i = j;
      continue;
    }
    unsigned char c = s[i];
    if (c == '"' || c == '\\') {
      fputc('\\', f);
      fputc(c, f);
      i++;
    } else if (c < 0x20 || c == 0x7F) {
      fprintf(f, "\\u%04x", c);
      i++;
    } else {
      size_t l = utf8_len(s + i, n - i);
      if (l == 0) {
        fputs("\\ufffd", f);
        i++;
      } else {
        fwrite(s + i, 1, l, f);
        i += l;
      }
    }
  }
  fputc('"', f);
}

/* Print document text for a terminal or pipe: control characters (C0, DEL,
** C1) become spaces, runs of white space one space, leading and trailing
** space dropped, invalid UTF-8 bytes U+FFFD. When allow_bold, ESC[1m and
** ESC[0m pass unchanged. */
static void print_clean(FILE *f, const char *str, int allow_bold) {
  const unsigned char *s = (const unsigned char *)(str ? str : "");
  size_t n = strlen((const char *)s);
  int pending_space = 0, started = 0;
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (allow_bold && c == 0x1B && i + 3 < n && s[i + 1] == '[' &&
        (s[i + 2] == '1' || s[i + 2] == '0') && s[i + 3] == 'm') {
      if (pending_space && started) fputc(' ', f);
      pending_space = 0;
      fwrite(s + i, 1, 4, f);
      started = 1;
      i += 4;
      continue;
    }
    size_t l = 1;
    int space = c < 0x20 || c == 0x7F || c == ' ';
    if (c == 0xC2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F) {
      space = 1; /* a C1 control character, U+0080..U+009F */
      l = 2;
    }
    if (space) {
      pending_space = 1;
      i += l;
      continue;
    }
    if (pending_space && started) fputc(' ', f);
    pending_space = 0;
    started = 1;
    /* The run of printable characters from here, written at once (one
    ** stdio call a character was a tenth of a search's time). */
    size_t j = i;
    while (j < n) {
      unsigned char d = s[j];
      if (d > 0x20 && d < 0x7F) {
        j++;
      } else if (d >= 0x80 && !(d == 0xC2 && j + 1 < n && s[j + 1] >= 0x80 &&
                                s[j + 1] <= 0x9F)) { /* C1: a space */
        size_t m = utf8_len(s + j, n - j);
        if (m == 0) break;
        j += m;
      } else {
        break;
      }
    }
    if (j > i) {
      fwrite(s + i, 1, j - i, f);
      i = j;
    } else {
      fputs("\xEF\xBF\xBD", f); /* U+FFFD for a byte that is not UTF-8 */
      i++;
    }
  }
}

/* ------------------------------------------------------------- search -- */

static void print_json(const char *query, const SwResults *res) {
  FILE *f = stdout;
  fputs("{\"query\": ", f);
  json_str(f, query);
  fprintf(f, ", \"total_hits\": %llu, \"total_exact\": %s, \"took_ms\": %.3f, "
          "\"partial\": %s, \"hits\": [", (unsigned long long)res->total_hits,
          res->total_exact ? "true" : "false",
          isfinite(res->took_ms) ? res->took_ms : 0.0,
          res->partial ? "true" : "false");
  for (size_t i = 0; i < res->nhits; i++) {
    const SwHit *h = &res->hits[i];
    fprintf(f, "%s\n  {\"rank\": %zu, \"id\": ", i ? "," : "", i + 1);
    json_str(f, h->id);
    fputs(", \"file\": ", f);
    json_str(f, h->file);
    fputs(", \"title\": ", f);
    json_str(f, h->title);
    fputs(", \"date\": ", f);
    json_str(f, h->date);
    fputs(", \"type\": ", f);
    json_str(f, h->type ? h->type : "");
    fputs(", \"organs\": ", f);
    json_str(f, h->organs ? h->organs : "");
    fputs(", \"parties\": ", f);
    json_str(f, h->parties ? h->parties : "");
    fputs(", \"dnr\": ", f);
    json_str(f, h->dnr ? h->dnr : "");
    if (isfinite(h->score))
      fprintf(f, ", \"score\": %.6f", h->score);
    else
      fputs(", \"score\": null", f);
    fputs(", \"snippet\": ", f);
    if (h->snippet)
      json_str(f, h->snippet);
    else
      fputs("null", f);
    fputc('}', f);
  }
  fputs(res->nhits ? "\n]" : "]", f);
  if (res->nfacets) {
    fputs(", \"facets\": [", f);
    for (size_t i = 0; i < res->nfacets; i++) {
      fputs(i ? ",\n  {\"field\": " : "\n  {\"field\": ", f);
      json_str(f, res->facets[i].field);
      fputs(", \"value\": ", f);
      json_str(f, res->facets[i].value);
      fprintf(f, ", \"count\": %llu}", (unsigned long long)res->facets[i].count);
    }
    fputs("\n]", f);
  }
  fputs("}\n", f);
}

/* --facets in human form: one line per field, values by count. */
static void print_facets(const SwResults *res) {
  const char *field = NULL;
  for (size_t i = 0; i < res->nfacets; i++) {
    const SwFacet *fc = &res->facets[i];
    if (!field || strcmp(field, fc->field) != 0) {
      printf("%s%-6s ", field ? "\n" : "\n", fc->field);
      field = fc->field;
    } else {
      fputs(", ", stdout);
    }
    print_clean(stdout, fc->value, 0);
    printf(" (%llu)", (unsigned long long)fc->count);
  }
  if (field) putchar('\n');
}

static void print_human(const char *query, const SwResults *res, int ansi) {
  FILE *f = stdout;
  if (res->nhits == 0) {
    fputs("No hits for \"", f);
    print_clean(f, query, 0);
    fprintf(f, "\" (%.2f ms)\n", res->took_ms);
    return;
  }
  if (res->partial) {
    fprintf(f, "No document contains all %u words; showing documents with the "
            "most of them (%llu hit%s, %.2f ms)\n", res->clauses,
            (unsigned long long)res->total_hits, res->total_hits == 1 ? "" : "s",
            res->took_ms);
  } else {
    fprintf(f, "%s%llu hit%s for \"", res->total_exact ? "" : "about ",
            (unsigned long long)res->total_hits,
            res->total_hits == 1 ? "" : "s");
    print_clean(f, query, 0);
    fprintf(f, "\" (%.2f ms)", res->took_ms);
    if (res->total_hits > res->nhits) fprintf(f, ", showing the top %zu", res->nhits);
    fputc('\n', f);
  }
  for (size_t i = 0; i < res->nhits; i++) {
    const SwHit *h = &res->hits[i];
    fprintf(f, "\n%zu. ", i + 1);
    print_clean(f, h->title && h->title[0] ? h->title : h->id, 0);
    fputs("\n   ", f);
    print_clean(f, h->id, 0);
    if (h->file && h->file[0] && strcmp(h->file, h->id) != 0) {
      fputs(" | ", f); /* a .txt at the top of its argument: id == file */
      print_clean(f, h->file, 0);
    }
    if (h->date && h->date[0]) {
      fputs(" | ", f);
      print_clean(f, h->date, 0);
    }
    fprintf(f, " | score %.4f\n", h->score);
    if (h->snippet && h->snippet[0]) {
      fputs("   ", f);
      print_clean(f, h->snippet, ansi);
      fputc('\n', f);
    }
  }
}

static int cmd_search(int argc, char **argv, int first) {
  const char *dir_arg = NULL, *syn_arg = NULL;
  long k = 10;
  int json = 0, snippets = 1, no_syn = 0, facets = 0, exact_total = 0;
  char **words = sw_calloc((size_t)argc + 1, sizeof *words);
  int nwords = 0, rc = EXIT_ERROR, only_words = 0;
  char *query = NULL;
  SwIndex *ix = NULL;
  SwResults *res = NULL;
  if (!words) {
    fputs("swsearch: out of memory\n", stderr);
    return EXIT_ERROR;
  }
  for (int i = first; i < argc; i++) {
    const char *a = argv[i], *val = NULL;
    if (only_words || a[0] != '-' || a[1] == '\0') {
      words[nwords++] = argv[i];
      continue;
    }
    int t;
    if (strcmp(a, "--") == 0) {
      only_words = 1;
    } else if ((t = take_value(argc, argv, &i, "--index", &val)) != 0) {
      if (t < 0) { rc = usage_error("%s needs a directory", a); goto done; }
      dir_arg = val;
    } else if ((t = take_value(argc, argv, &i, "-n", &val)) != 0 ||
               (t = take_value(argc, argv, &i, "--limit", &val)) != 0) {
      if (t < 0 || !parse_count(val, 1, MAX_K, &k)) {
        rc = t < 0 ? usage_error("%s needs a number of hits", a)
                   : usage_error("%s needs a number of hits from 1 to %d, "
                                 "not '%s'", a, MAX_K, val);
        goto done;
      }
    } else if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (strcmp(a, "--no-snippets") == 0) {
      snippets = 0;
    } else if ((t = take_value(argc, argv, &i, "--synonyms", &val)) != 0) {
      if (t < 0) { rc = usage_error("%s needs a file", a); goto done; }
      syn_arg = val;
    } else if (strcmp(a, "--no-synonyms") == 0) {
      no_syn = 1;
    } else if (strcmp(a, "--facets") == 0) {
      facets = 1;
    } else if (strcmp(a, "--exact-total") == 0) {
      exact_total = 1;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(USAGE, stdout);
      rc = EXIT_HITS;
      goto done;
    } else if (a[1] == '-' || a[2] == '\0') {
      rc = usage_error("unknown option %s", a);
      goto done;
    } else {
      words[nwords++] = argv[i]; /* "-word": an exclusion */
    }
  }
  if (nwords == 0) {
    rc = usage_error("no query given");
    goto done;
  }
  size_t qlen;
  query = join_words(words, nwords, &qlen);
  if (!query) {
    fputs("swsearch: out of memory\n", stderr);
    goto done;
  }
  char dir[INDEX_DIR_MAX];
  if (!index_dir(dir_arg, dir, sizeof dir) || !open_index(dir, &ix)) goto done;
  if (!no_syn && !load_synonyms(ix, syn_arg)) goto done;

  int ansi = !json && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
  SwSearchOptions so;
  memset(&so, 0, sizeof so);
  so.k = (size_t)k;
  so.snippets = snippets;
  so.highlight = ansi ? SW_HL_ANSI : SW_HL_BRACKETS;
  so.facets = facets;
  so.exact_total = exact_total;
  SwError err;
  sw_error_clear(&err);
  int src = sw_search(ix, query, qlen, &so, &res, &err);
  if (src != SW_OK) {
    if (src == SW_QUERY)
      report(query, &err, src);
    else
      report(NULL, &err, src);
    goto done;
  }
  if (json) {
    print_json(query, res);
  } else {
    print_human(query, res, ansi);
    if (facets) print_facets(res);
  }
  rc = res->nhits ? EXIT_HITS : EXIT_NONE;
  if (fflush(stdout) != 0) {
    fprintf(stderr, "swsearch: standard output: %s\n", strerror(errno));
    rc = EXIT_ERROR;
  }
done:
  sw_results_free(res);
  sw_index_close(ix);
  sw_free(query);
  sw_free(words);
  return rc;
}

/* -------------------------------------------------------------- index -- */

static void print_warning(void *ctx, const char *where, const char *problem) {
  (void)ctx;
  fprintf(stderr, "swsearch: %s: %s\n", where, problem);
}

static int cmd_index(int argc, char **argv, int add) {
  const char *dir_arg = NULL;
  long mem_mb = 0;
  int threads = default_threads();
  const char **paths = sw_calloc((size_t)argc + 1, sizeof *paths);
  size_t npaths = 0;
  int only_paths = 0;
  if (!paths) {
    fputs("swsearch: out of memory\n", stderr);
    return EXIT_ERROR;
  }
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *val = NULL;
    int t;
    if (only_paths || a[0] != '-' || a[1] == '\0') {
      paths[npaths++] = a;
    } else if (strcmp(a, "--") == 0) {
      only_paths = 1;
    } else if ((t = take_value(argc, argv, &i, "--index", &val)) != 0) {
      if (t < 0) { sw_free(paths); return usage_error("%s needs a directory", a); }
      dir_arg = val;
    } else if ((t = take_threads(argc, argv, &i, &threads)) != 0) {
      if (t < 0) { sw_free(paths); return EXIT_ERROR; }
    } else if ((t = take_value(argc, argv, &i, "--mem", &val)) != 0) {
      if (t < 0 || !parse_count(val, 1, MAX_MEM_MB, &mem_mb)) {
        sw_free(paths);
        return t < 0 ? usage_error("--mem needs a number of MB")
                     : usage_error("--mem needs a number of MB from 1 to %d, "
                                   "not '%s'", MAX_MEM_MB, val);
      }
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      sw_free(paths);
      fputs(USAGE, stdout);
      return EXIT_HITS;
    } else {
      sw_free(paths);
      return usage_error("unknown option %s", a);
    }
  }
  if (npaths == 0) {
    sw_free(paths);
    return usage_error("%s needs at least one PATH", argv[1]);
  }
  char dir[INDEX_DIR_MAX];
  if (!index_dir(dir_arg, dir, sizeof dir)) {
    sw_free(paths);
    return EXIT_ERROR;
  }
  SwBuildOptions bo;
  memset(&bo, 0, sizeof bo);
  bo.mem_budget = (size_t)mem_mb << 20;
  bo.progress = isatty(STDERR_FILENO);
  bo.threads = threads;
  SwBuildStats st;
  SwError err;
  sw_error_clear(&err);
  int rc = add ? sw_add(dir, paths, npaths, &bo, print_warning, NULL, &st, &err)
               : sw_build(dir, paths, npaths, &bo, print_warning, NULL, &st,
                          &err);
  sw_free(paths);
  if (rc != SW_OK) return report(NULL, &err, rc);
  double mb = (double)st.text_bytes / 1e6;
  if (add) {
    printf("added %llu documents (%llu replaced, %llu skipped) from %llu "
           "file%s, %.1f MB in %.2f s; %llu segment%s merged; index now %llu "
           "documents in %llu segment%s -> %s\n",
           (unsigned long long)st.docs, (unsigned long long)st.replaced,
           (unsigned long long)st.skipped, (unsigned long long)st.files,
           st.files == 1 ? "" : "s", mb, st.seconds,
           (unsigned long long)st.merged, st.merged == 1 ? "" : "s",
           (unsigned long long)st.live_docs, (unsigned long long)st.segments,
           st.segments == 1 ? "" : "s", dir);
    return EXIT_HITS;
  }
  char dups[96] = "";
  if (st.replaced)
    snprintf(dups, sizeof dups, ", %llu replaced by a later one with the same id",
             (unsigned long long)st.replaced);
  printf("indexed %llu documents (%llu skipped%s) from %llu file%s, %.1f MB in "
         "%.2f s (%.1f MB/s), %llu terms, index %.1f MB -> %s\n",
         (unsigned long long)st.docs, (unsigned long long)st.skipped, dups,
         (unsigned long long)st.files, st.files == 1 ? "" : "s", mb, st.seconds,
         st.seconds > 0 ? mb / st.seconds : 0.0, (unsigned long long)st.terms,
         (double)st.index_bytes / 1e6, dir);
  return EXIT_HITS;
}

static int cmd_delete(int argc, char **argv) {
  const char *dir_arg = NULL;
  const char **ids = sw_calloc((size_t)argc + 1, sizeof *ids);
  size_t nids = 0;
  int only_ids = 0;
  if (!ids) {
    fputs("swsearch: out of memory\n", stderr);
    return EXIT_ERROR;
  }
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *val = NULL;
    int t;
    if (only_ids || a[0] != '-' || a[1] == '\0') {
      ids[nids++] = a;
    } else if (strcmp(a, "--") == 0) {
      only_ids = 1;
    } else if ((t = take_value(argc, argv, &i, "--index", &val)) != 0) {
      if (t < 0) { sw_free(ids); return usage_error("%s needs a directory", a); }
      dir_arg = val;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      sw_free(ids);
      fputs(USAGE, stdout);
      return EXIT_HITS;
    } else {
      sw_free(ids);
      return usage_error("unknown option %s (an id starting with '-' goes "
                         "after --)", a);
    }
  }
  if (nids == 0) {
    sw_free(ids);
    return usage_error("delete needs at least one ID");
  }
  char dir[INDEX_DIR_MAX];
  if (!index_dir(dir_arg, dir, sizeof dir)) {
    sw_free(ids);
    return EXIT_ERROR;
  }
  SwBuildStats st;
  SwError err;
  sw_error_clear(&err);
  int rc = sw_delete(dir, ids, nids, print_warning, NULL, &st, &err);
  sw_free(ids);
  if (rc != SW_OK) return report(NULL, &err, rc);
  printf("deleted %llu document%s (%llu not found); %llu segment%s merged; "
         "index now %llu documents in %llu segment%s -> %s\n",
         (unsigned long long)st.deleted, st.deleted == 1 ? "" : "s",
         (unsigned long long)st.skipped, (unsigned long long)st.merged,
         st.merged == 1 ? "" : "s", (unsigned long long)st.live_docs,
         (unsigned long long)st.segments, st.segments == 1 ? "" : "s", dir);
  return st.skipped ? EXIT_NONE : EXIT_HITS;
}

static int dir_only_args(int argc, char **argv, char *dir, size_t cap);

static int cmd_optimize(int argc, char **argv) {
  /* --threads N taken out here; the rest as stats and check parse it. */
  SwBuildOptions bo;
  memset(&bo, 0, sizeof bo);
  bo.threads = default_threads();
  char **rest = sw_calloc((size_t)argc + 1, sizeof *rest);
  if (!rest) {
    fputs("swsearch: out of memory\n", stderr);
    return EXIT_ERROR;
  }
  int nrest = 0;
  for (int i = 0; i < argc; i++) {
    int t = i >= 2 ? take_threads(argc, argv, &i, &bo.threads) : 0;
    if (t < 0) {
      sw_free(rest);
      return EXIT_ERROR;
    }
    if (t == 0) rest[nrest++] = argv[i];
  }
  char dir[INDEX_DIR_MAX];
  int rc = dir_only_args(nrest, rest, dir, sizeof dir);
  sw_free(rest);
  if (rc >= 0) return rc;
  SwBuildStats st;
  SwError err;
  sw_error_clear(&err);
  int src = sw_optimize(dir, &bo, &st, &err);
  if (src != SW_OK) return report(NULL, &err, src);
  printf("optimized: %llu segment%s merged in %.2f s; index now %llu "
         "documents in %llu segment%s -> %s\n",
         (unsigned long long)st.merged, st.merged == 1 ? "" : "s", st.seconds,
         (unsigned long long)st.live_docs, (unsigned long long)st.segments,
         st.segments == 1 ? "" : "s", dir);
  return EXIT_HITS;
}

/* ------------------------------------------------------------ analyze -- */

static int print_token(void *ctx, const SwToken *t) {
  (void)ctx;
  printf("%u\t%.*s\t%.*s%s\n", t->pos, (int)t->surface_len, t->surface,
         (int)t->term_len, t->term,
         t->kind == SW_TOKEN_IDENT  ? "\tidentifier"
         : t->kind == SW_TOKEN_PART ? "\tpart"
         : t->stopword              ? "\tstop"
                                    : "");
  return 0;
}

/* All of standard input, up to SW_MAX_DOC_BYTES. */
static char *read_stdin(size_t *len) {
  size_t cap = 65536, used = 0;
  char *buf = sw_malloc(cap);
  if (!buf) return NULL;
  for (;;) {
    if (used == cap) {
      if (cap > SW_MAX_DOC_BYTES) {
        fprintf(stderr, "swsearch: standard input: longer than %zu bytes\n",
                SW_MAX_DOC_BYTES);
        sw_free(buf);
        return NULL;
      }
      char *nb = sw_realloc(buf, cap * 2);
      if (!nb) {
        sw_free(buf);
        return NULL;
      }
      buf = nb;
      cap *= 2;
    }
    size_t n = fread(buf + used, 1, cap - used, stdin);
    used += n;
    if (n == 0) break;
  }
  if (ferror(stdin)) {
    fprintf(stderr, "swsearch: standard input: read error\n");
    sw_free(buf);
    return NULL;
  }
  *len = used;
  return buf;
}

static int cmd_analyze(int argc, char **argv) {
  int first = 2;
  if (first < argc && strcmp(argv[first], "--") == 0) first++;
  else if (first < argc && (strcmp(argv[first], "--help") == 0 ||
                            strcmp(argv[first], "-h") == 0)) {
    fputs(USAGE, stdout);
    return EXIT_HITS;
  }
  size_t len = 0;
  char *text = first < argc ? join_words(argv + first, argc - first, &len)
                            : read_stdin(&len);
  if (!text) {
    fputs("swsearch: analyze: could not read the text\n", stderr);
    return EXIT_ERROR;
  }
  size_t invalid = 0;
  SwError err;
  sw_error_clear(&err);
  int rc = sw_analyze(text, len, print_token, NULL, &invalid, &err);
  sw_free(text);
  if (rc != SW_OK) return report("analyze", &err, rc);
  if (invalid)
    fprintf(stderr, "swsearch: analyze: %zu invalid UTF-8 sequence%s "
            "replaced\n", invalid, invalid == 1 ? "" : "s");
  return EXIT_HITS;
}

/* ------------------------------------------------------ stats / check -- */

/* Parse "[--index DIR]" for stats and check. Returns -1 to go on, else the
** exit code. */
static int dir_only_args(int argc, char **argv, char *dir, size_t cap) {
  const char *dir_arg = NULL;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *val = NULL;
    int t = take_value(argc, argv, &i, "--index", &val);
    if (t > 0) {
      dir_arg = val;
    } else if (t < 0) {
      return usage_error("%s needs a directory", a);
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(USAGE, stdout);
      return EXIT_HITS;
    } else {
      return usage_error(a[0] == '-' ? "unknown option %s"
                                     : "unexpected argument %s", a);
    }
  }
  return index_dir(dir_arg, dir, cap) ? -1 : EXIT_ERROR;
}

static int cmd_stats(int argc, char **argv) {
  char dir[INDEX_DIR_MAX];
  int rc = dir_only_args(argc, argv, dir, sizeof dir);
  if (rc >= 0) return rc;
  SwIndex *ix = NULL;
  if (!open_index(dir, &ix)) return EXIT_ERROR;
  SwIndexStats st;
  SwError err;
  sw_error_clear(&err);
  int src = sw_index_stats(ix, &st, &err);
  sw_index_close(ix);
  if (src != SW_OK) return report(NULL, &err, src);
  printf("index       %s\n", dir);
  printf("generation  %llu\n", (unsigned long long)st.generation);
  printf("format      %u\n", st.format_version);
  printf("documents   %llu\n", (unsigned long long)st.docs);
  printf("segments    %llu\n", (unsigned long long)st.segments);
  printf("deleted     %llu\n", (unsigned long long)st.deleted);
  printf("terms       %llu\n", (unsigned long long)st.terms);
  printf("tokens      %llu\n", (unsigned long long)st.tokens);
  printf("avg length  %.1f tokens\n", st.avg_doc_len);
  uint64_t total = 0;
  size_t nfiles = st.nfiles < 16 ? st.nfiles : 16;
  for (size_t i = 0; i < nfiles; i++) {
    printf("file        %-24s %12llu bytes\n", st.files[i].name,
           (unsigned long long)st.files[i].bytes);
    total += st.files[i].bytes;
  }
  printf("total       %.1f MB (%llu bytes)\n", (double)total / 1e6,
         (unsigned long long)total);
  return EXIT_HITS;
}

static void print_line(void *ctx, const char *line) {
  (void)ctx;
  printf("%s\n", line);
}

static int cmd_check(int argc, char **argv) {
  char dir[INDEX_DIR_MAX];
  int rc = dir_only_args(argc, argv, dir, sizeof dir);
  if (rc >= 0) return rc;
  SwError err;
  sw_error_clear(&err);
  int src = sw_index_check(dir, print_line, NULL, &err);
  fflush(stdout);
  if (src == SW_NOTFOUND) {
    fprintf(stderr, "swsearch: %s: no index here\n", dir);
    return EXIT_ERROR;
  }
  if (src != SW_OK) return report(NULL, &err, src);
  printf("%s: ok\n", dir);
  return EXIT_HITS;
}

/* --------------------------------------------------------------- main -- */

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(USAGE, stderr);
    return EXIT_ERROR;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    fputs(USAGE, stdout);
    return EXIT_HITS;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("swsearch %s\n", SW_VERSION_STRING);
    return EXIT_HITS;
  }
  if (strcmp(cmd, "index") == 0) return cmd_index(argc, argv, 0);
  if (strcmp(cmd, "add") == 0) return cmd_index(argc, argv, 1);
  if (strcmp(cmd, "delete") == 0) return cmd_delete(argc, argv);
  if (strcmp(cmd, "optimize") == 0) return cmd_optimize(argc, argv);
  if (strcmp(cmd, "analyze") == 0) return cmd_analyze(argc, argv);
  if (strcmp(cmd, "stats") == 0) return cmd_stats(argc, argv);
  if (strcmp(cmd, "check") == 0) return cmd_check(argc, argv);
  if (strcmp(cmd, "search") == 0) return cmd_search(argc, argv, 2);
  return cmd_search(argc, argv, 1);
}
