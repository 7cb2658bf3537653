/*
** report.c — how every command ends: an error on stderr as
** "swsearch: <file or query>: <problem>" (exit 2), and standard output
** flushed with its write error reported.
*/
#include "cli.h"

#include <errno.h>
#include <string.h>

int cli_report(const char *what, const SwError *err, int code) {
  const char *msg = err->msg[0] ? err->msg : sw_strerror(code);
  if (what && what[0])
    fprintf(stderr, "swsearch: %s: %s\n", what, msg);
  else
    fprintf(stderr, "swsearch: %s\n", msg);
  return EXIT_ERROR;
}

int cli_flush(int rc) {
  if (fflush(stdout) != 0) {
    fprintf(stderr, "swsearch: standard output: %s\n", strerror(errno));
    return EXIT_ERROR;
  }
  return rc;
}
