/*
** fuzz_common.c — helpers shared by the fuzz targets: scratch directory,
** file helpers, the failing check, a UTF-8 validator, and the tiny index.
** Interface: fuzz_common.h. Uses only the public API (swsearch.h), so the
** index layer can change its files without touching this.
*/
#include "fuzz_common.h"

#include "swsearch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- fail -- */

void fz_fail(const char *fmt, ...) {
  va_list ap;
  fputs("fuzz check failed: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  abort();
}

/* ------------------------------------------------------- scratch space -- */

/* The scratch directory of this process (see fuzz_common.h on statics). */
static char tmp_root[4096];
static pid_t tmp_owner; /* pid that made it: forks must not remove it */

static void remove_tmp_root(void) {
  if (tmp_root[0] && getpid() == tmp_owner) fz_remove_tree(tmp_root);
}

const char *fz_tmpdir(void) {
  if (tmp_root[0]) return tmp_root;
  const char *base = getenv("TMPDIR");
  if (!base || !*base) base = "/tmp";
  int n = snprintf(tmp_root, sizeof tmp_root, "%s/swsearch-fuzz-XXXXXX", base);
  if (n < 0 || (size_t)n >= sizeof tmp_root) fz_fail("TMPDIR too long");
  if (!mkdtemp(tmp_root)) {
    int e = errno;
    tmp_root[0] = '\0';
    fz_fail("cannot make a scratch directory under %s: %s", base, strerror(e));
  }
  tmp_owner = getpid();
  atexit(remove_tmp_root);
  return tmp_root;
}

char *fz_path(char *buf, const char *name) {
  int n = snprintf(buf, 4096, "%s/%s", fz_tmpdir(), name);
  if (n < 0 || n >= 4096) fz_fail("scratch path too long: %s", name);
  return buf;
}

int fz_write_file(const char *path, const void *p, size_t n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  const char *c = p;
  while (n > 0) {
    ssize_t w = write(fd, c, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      close(fd);
      return -1;
    }
    c += w;
    n -= (size_t)w;
  }
  return close(fd) == 0 ? 0 : -1;
}

int fz_read_file(const char *path, uint8_t **p, size_t *n) {
  *p = NULL;
  *n = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap + 1);
  while (buf) {
    if (len == cap) {
      uint8_t *nb = realloc(buf, cap * 2 + 1);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    if (got == 0) break;
    len += got;
  }
  int bad = ferror(f);
  fclose(f);
  if (!buf || bad) {
    free(buf);
    return -1;
  }
  buf[len] = 0;
  *p = buf;
  *n = len;
  return 0;
}

void fz_remove_tree(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    if (d) {
      struct dirent *de;
      char sub[4096];
      while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
          continue;
        int n = snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        if (n > 0 && (size_t)n < sizeof sub) fz_remove_tree(sub);
      }
      closedir(d);
    }
    rmdir(path);
  } else {
    unlink(path);
  }
}

/* ---------------------------------------------------------------- UTF-8 -- */

int fz_utf8_valid(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) need = 1;
    else if (c == 0xE0) { need = 2; lo = 0xA0; }
    else if (c >= 0xE1 && c <= 0xEC) need = 2;
    else if (c == 0xED) { need = 2; hi = 0x9F; }
    else if (c >= 0xEE && c <= 0xEF) need = 2;
    else if (c == 0xF0) { need = 3; lo = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) need = 3;
    else if (c == 0xF4) { need = 3; hi = 0x8F; }
    else return 0;
    if (n - i - 1 < need) return 0;
    if (s[i + 1] < lo || s[i + 1] > hi) return 0;
    for (size_t k = 2; k <= need; k++)
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return 0;
    i += need + 1;
  }
  return 1;
}

/* ----------------------------------------------------------- tiny index -- */

/* Hand-written documents: the shapes queries care about. */
static const struct {
  const char *name, *text;
} tiny_txt[] = {
    {"a-insatsgrupper.txt",
     "Sociala insatsgrupper i Rinkeby-Kista\n\n"
     "Stadsdelsnämnden i Rinkeby-Kista har inrättat sociala insatsgrupper "
     "för unga. Det är av vikt att arbetet fortsätter. Dnr KS 2020/1050.\n"},
    {"b-fn.md",
     "## FN:s barnkonvention i skolan\n\n"
     "Skolan arbetar med FN:s barnkonvention och EU:s regler. Covid-19 "
     "påverkade undervisningen under 2020 och 2021.\n"},
    {"c-trafik.txt",
     "Trafik och parkering\n"
     "Trafiknämnden föreslår åtgärder för gående och cyklister samt en "
     "översyn av parkering. Vikten av att stoppa skjutningarna lyfts. "
     "“Trefas samverkan” nämns i ärende SBN 2019/321.\n"},
    {"d-budget.txt",
     "Budget 2021\n\n"
     "Kommunstyrelsen beslutar om budget för 2021. Det är av vikt att "
     "budgeten är i balans. ÅÄÖ åäö Ärende É é ü ß straße.\n"},
};

static const char *const tiny_words[] = {
    "kommunen",   "nämnden",    "beslutar",  "förslag",   "utredning",
    "skolan",     "elever",     "trygghet",  "budget",    "ekonomi",
    "parkering",  "trafik",     "cyklister", "sociala",   "insatser",
    "Rinkeby",    "Kista",      "samverkan", "trefas",    "polisen",
    "områden",    "utsatta",    "vikten",    "av",        "att",
    "och",        "i",          "för",       "med",       "det",
    "är",         "omsorg",     "miljö",     "äldre",     "boende",
    "stadsdelen", "förvaltning", "yttrande", "motion",    "interpellation",
    "protokoll",  "tjänsteutlåtande", "skrivelse", "remiss", "anslag",
    "investering", "bostäder",  "hyresgäster", "ungdomar", "fritidsgård",
};
#define TINY_NWORDS (sizeof tiny_words / sizeof tiny_words[0])

const char *const fz_tiny_queries[] = {
    "kommunen",
    "\"sociala insatsgrupper\"",
    "\"av vikt att\"",
    "budget OR skolan",
    "trafik -parkering",
    "kommunstyrelsen beslutar budget zzzz",
    "”trefas samverkan” Rinkeby-Kista",
    "-\"utsatta områden\" kommunen FN:s",
    "KS 2020/1050",
};
const size_t fz_tiny_nqueries =
    sizeof fz_tiny_queries / sizeof fz_tiny_queries[0];

/* A fixed linear congruential generator: the same corpus every run. */
static uint32_t lcg_next(uint64_t *s) {
  *s = *s * 6364136223846793005u + 1442695040888963407u;
  return (uint32_t)(*s >> 33);
}

static void write_jsonl(const char *path, int with_dict) {
  FILE *f = fopen(path, "wb");
  if (!f) fz_fail("cannot write %s: %s", path, strerror(errno));
  uint64_t s = 20200105;
  for (int d = 0; d < FZ_TINY_JSONL_DOCS; d++) {
    fprintf(f, "{\"id\":\"g%03d\",\"title\":\"%s %s\",\"date\":\"2020-%02d-%02d\"",
            d, tiny_words[lcg_next(&s) % TINY_NWORDS],
            tiny_words[lcg_next(&s) % TINY_NWORDS], 1 + d % 12, 1 + d % 28);
    if (d % 10 == 0) fprintf(f, ",\"source\":\"fuzz\",\"url\":\"https://x.se/%d\"", d);
    fputs(",\"text\":\"kommunen", f);
    /* About 100 KB of text trains a zstd dictionary (needs 64 KiB of
    ** samples, FORMAT.md §8); about 40 KB does not. */
    int n = with_dict ? 60 + (int)(lcg_next(&s) % 30)
                      : 20 + (int)(lcg_next(&s) % 15);
    for (int i = 0; i < n; i++)
      fprintf(f, " %s", tiny_words[lcg_next(&s) % TINY_NWORDS]);
    fputs(".\"}\n", f);
  }
  if (fclose(f) != 0) fz_fail("cannot write %s", path);
}

void fz_build_tiny_index(const char *name, int with_dict, char *dir) {
  char src[4096], path[4096 + 64];
  int n = snprintf(src, sizeof src, "%s/%s-src", fz_tmpdir(), name);
  if (n < 0 || (size_t)n >= sizeof src) fz_fail("scratch path too long");
  fz_path(dir, name);
  fz_remove_tree(src);
  fz_remove_tree(dir);
  if (mkdir(src, 0755) != 0) fz_fail("mkdir %s: %s", src, strerror(errno));
  for (size_t i = 0; i < sizeof tiny_txt / sizeof tiny_txt[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", src, tiny_txt[i].name);
    if (fz_write_file(path, tiny_txt[i].text, strlen(tiny_txt[i].text)))
      fz_fail("cannot write %s", path);
  }
  snprintf(path, sizeof path, "%s/generated.jsonl", src);
  write_jsonl(path, with_dict);

  const char *paths[1] = {src};
  SwError err;
  sw_error_clear(&err);
  SwBuildStats st;
  int rc = sw_build(dir, paths, 1, NULL, NULL, NULL, &st, &err);
  if (rc != SW_OK) fz_fail("building the tiny index failed: %s", err.msg);

  /* A second segment (one document replacing g005) and a deletion, so the
  ** commit point lists several segments and one carries deletions. */
  snprintf(path, sizeof path, "%s/added.jsonl", src);
  static const char added[] =
      "{\"id\":\"g005\",\"title\":\"Ersatt\",\"text\":\"kommunen ersätter "
      "dokumentet med en ny version. Dnr KS 2021/77.\"}\n"
      "{\"id\":\"h001\",\"title\":\"Tillägg\",\"text\":\"kommunen lägger "
      "till ett dokument om parkering och trafik.\"}\n";
  if (fz_write_file(path, added, sizeof added - 1))
    fz_fail("cannot write %s", path);
  paths[0] = path;
  rc = sw_add(dir, paths, 1, NULL, NULL, NULL, &st, &err);
  if (rc != SW_OK) fz_fail("adding to the tiny index failed: %s", err.msg);
  const char *gone[1] = {"g007"};
  rc = sw_delete(dir, gone, 1, NULL, NULL, &st, &err);
  if (rc != SW_OK) fz_fail("deleting from the tiny index failed: %s", err.msg);
  fz_remove_tree(src);
}
