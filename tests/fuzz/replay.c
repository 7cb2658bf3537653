/*
** replay.c — a plain main() for the fuzz targets, so the committed seeds run
** as ordinary ctests under gcc (and under SW_SANITIZE) without libFuzzer.
**
**   fuzz_<target>_replay PATH...
**
** Every PATH that is a file is one input; a directory contributes every
** regular file directly inside it whose name does not start with '.', in
** bytewise sorted name order. Each input goes once through
** LLVMFuzzerTestOneInput. A failed check or a sanitizer report aborts the
** process (non-zero exit; the input's name was printed just before); at the
** end "replayed N inputs" is printed and the exit status is 0. No input at
** all is an error (exit 2): a seed directory that vanished must not pass.
*/
#include "fuzz_common.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int run_file(const char *path) {
  uint8_t *data;
  size_t len;
  if (fz_read_file(path, &data, &len) != 0) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    return -1;
  }
  /* An exact-size copy, so a read one byte past the input is caught by
  ** AddressSanitizer as libFuzzer's own buffers would catch it. */
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy) {
    free(data);
    fprintf(stderr, "replay: out of memory for %s\n", path);
    return -1;
  }
  if (len) memcpy(copy, data, len);
  free(data);
  fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
  LLVMFuzzerTestOneInput(copy, len);
  free(copy);
  return 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Runs every input of directory dir; returns the count or -1. */
static long run_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "replay: cannot open directory %s\n", dir);
    return -1;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      char **nn = realloc(names, cap * sizeof *names);
      if (!nn) abort();
      names = nn;
    }
    names[n] = strdup(de->d_name);
    if (!names[n]) abort();
    n++;
  }
  closedir(d);
  if (n > 1) qsort(names, n, sizeof *names, cmp_names);
  long count = 0;
  char path[4096];
  for (size_t i = 0; i < n; i++) {
    int k = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    struct stat st;
    if (k > 0 && (size_t)k < sizeof path && stat(path, &st) == 0 &&
        S_ISREG(st.st_mode)) {
      if (run_file(path) != 0) {
        count = -1;
        break;
      }
      count++;
    }
  }
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  return count;
}

int main(int argc, char **argv) {
  long total = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
      return 2;
    }
    long n;
    if (S_ISDIR(st.st_mode)) {
      n = run_dir(argv[i]);
    } else {
      n = run_file(argv[i]) == 0 ? 1 : -1;
    }
    if (n < 0) return 2;
    total += n;
  }
  if (total == 0) {
    fprintf(stderr, "replay: no inputs given (usage: %s FILE|DIR...)\n",
            argc > 0 ? argv[0] : "replay");
    return 2;
  }
  printf("replayed %ld inputs\n", total);
  return 0;
}
