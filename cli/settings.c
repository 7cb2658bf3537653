/*
** settings.c — every decision the swsearch command takes from its
** surroundings, in one place: which index (--index, else the library's
** default: $SWSEARCH_INDEX, $XDG_DATA_HOME/swsearch/index,
** ~/.local/share/swsearch/index), which synonyms file (--synonyms, else
** $SWSEARCH_SYNONYMS, else the installed SW_DATA_DIR/synonyms.conf),
** colour (a terminal and no $NO_COLOR), progress lines (stderr a terminal)
** and the default number of threads (the CPUs online).
*/
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SW_DATA_DIR
#error "SW_DATA_DIR (the installed data directory) is set by cli/CMakeLists.txt"
#endif

int cli_index_dir(const char *given, char *buf, size_t cap) {
  if (given) {
    size_t n = strlen(given);
    if (n >= cap) {
      fprintf(stderr, "swsearch: %s: index path too long\n", given);
      return 0;
    }
    memcpy(buf, given, n + 1);
    return 1;
  }
  SwError err;
  sw_error_clear(&err);
  int rc = sw_default_index_dir(buf, cap, &err);
  if (rc != SW_OK) {
    cli_report("default index directory", &err, rc);
    return 0;
  }
  return 1;
}

int cli_open_index(const char *dir, SwIndex **ix) {
  SwError err;
  sw_error_clear(&err);
  int rc = sw_index_open(dir, ix, &err);
  if (rc == SW_NOTFOUND) {
    fprintf(stderr, "swsearch: %s: no index here (build one with: swsearch "
            "index --index %s PATH...)\n", dir, dir);
    return 0;
  }
  if (rc != SW_OK) {
    cli_report(NULL, &err, rc);
    return 0;
  }
  return 1;
}

const char *cli_synonyms_path(const char *given, int *required) {
  *required = 1;
  const char *path = given ? given : getenv("SWSEARCH_SYNONYMS");
  if (path && path[0]) return path;
  *required = 0;
  path = SW_DATA_DIR "/synonyms.conf";
  return access(path, R_OK) == 0 ? path : NULL;
}

int cli_use_ansi(int json) {
  return !json && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
}

int cli_show_progress(void) { return isatty(STDERR_FILENO); }

int cli_default_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}
