/*
** test_intake.c — engine/intake.c: the walk (sorted, nested, symlink loop),
** .txt/.md titles and ids, JSON Lines plain and zstd, and every kind of bad
** input reported with file:line and skipped while the rest goes through.
** Also: a callback error stops the walk, and failing the Nth allocation for
** every N ends in SW_NOMEM or a complete result, never a half one.
*/
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include "engine_int.h"
#include "testutil.h"
#include "sw_fault.h"

#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define MAXD 64
#define MAXW 64
#define STR 256

/* What the callbacks saw. Fixed arrays: the test itself must not allocate
** through sw_malloc, whose failures it injects. */
typedef struct Seen {
  int ndocs;
  char id[MAXD][STR];
  char title[MAXD][STR];
  char file[MAXD][STR];
  char text[MAXD][STR];
  char date[MAXD][STR];
  char url[MAXD][STR];
  char where[MAXD][STR];
  int nwarn;
  char warn[MAXW][2 * STR]; /* "where: problem" */
  int stop_after;           /* >0: the callback fails at this document */
} Seen;

static void copy(char *dst, const char *s, size_t n) {
  if (n >= STR) n = STR - 1;
  if (n) memcpy(dst, s, n);
  dst[n] = '\0';
}

static int on_doc(void *ctx, const IxDoc *d, const char *where, SwError *err) {
  Seen *s = ctx;
  if (s->stop_after && s->ndocs + 1 == s->stop_after)
    return sw_error_set(err, SW_IO, "%s: stop requested", where);
  if (s->ndocs < MAXD) {
    int i = s->ndocs;
    copy(s->id[i], d->id, d->id_len);
    copy(s->title[i], d->title, d->title_len);
    copy(s->file[i], d->file, d->file_len);
    copy(s->text[i], d->text, d->text_len);
    copy(s->date[i], d->date, d->date_len);
    copy(s->url[i], d->url, d->url_len);
    copy(s->where[i], where, strlen(where));
  }
  s->ndocs++;
  return SW_OK;
}

static void on_warn(void *ctx, const char *where, const char *problem) {
  Seen *s = ctx;
  if (s->nwarn < MAXW)
    snprintf(s->warn[s->nwarn], sizeof s->warn[0], "%s: %s", where, problem);
  s->nwarn++;
}

/* Index of the document with this id, or -1. */
static int find_doc(const Seen *s, const char *id) {
  for (int i = 0; i < s->ndocs && i < MAXD; i++)
    if (strcmp(s->id[i], id) == 0) return i;
  return -1;
}

/* 1 if some warning contains both fragments. */
static int warned(const Seen *s, const char *a, const char *b) {
  for (int i = 0; i < s->nwarn && i < MAXW; i++)
    if (strstr(s->warn[i], a) && (!b || strstr(s->warn[i], b))) return 1;
  return 0;
}

static char root[4096];

static void put(const char *rel, const void *data, size_t len) {
  char p[4200];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  FILE *f = fopen(p, "wb");
  if (!f) { perror(p); exit(2); }
  if (len && fwrite(data, 1, len, f) != len) { perror(p); exit(2); }
  fclose(f);
}

static void put_str(const char *rel, const char *s) { put(rel, s, strlen(s)); }

static void put_zst(const char *rel, const char *s, size_t cut) {
  size_t len = strlen(s), cap = ZSTD_compressBound(len);
  void *buf = malloc(cap);
  size_t n = ZSTD_compress(buf, cap, s, len, 3);
  if (ZSTD_isError(n)) { fprintf(stderr, "zstd failed\n"); exit(2); }
  put(rel, buf, cut && cut < n ? cut : n);
  free(buf);
}

static void mkdir_rel(const char *rel) {
  char p[4200];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  if (mkdir(p, 0755) != 0) { perror(p); exit(2); }
}

static int rm_one(const char *p, const struct stat *st, int flag,
                  struct FTW *ftw) {
  (void)st; (void)ftw;
  return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static const char *JSONL =
    "{\"id\":\"d1\",\"title\":\"Första\",\"date\":\"2020-01-02\",\"source\":\"s\","
    "\"url\":null,\"text\":\"hej på dig\"}\n"
    "{\"id\":\"bad\", \"text\": \"oops\",}\n"          /* 2: malformed     */
    "{\"id\":\"d3\",\"title\":\"no text\"}\n"           /* 3: missing text  */
    "   \n"                                             /* 4: blank         */
    "{\"id\": 42, \"text\": \"numerisk\"}\n"            /* 5: number id     */
    "{\"id\":\"d6\",\"text\":\"trasig \xff\xfe text\"}\n" /* 6: bad UTF-8   */
    "{\"title\":\"utan id\",\"text\":\"x\"}\n"          /* 7: missing id    */
    "[1,2,3]\n"                                         /* 8: not an object */
    "{\"id\":\"d9\",\"title\":5,\"text\":\"titel är ett tal\"}"; /* 9, no \n */

static int run(Seen *s, const char *const *paths, size_t n,
               SwReadStats *st, SwError *err) {
  memset(s, 0, sizeof *s);
  sw_error_clear(err);
  return eng_intake_paths(paths, n, on_doc, s, on_warn, s, st, err);
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/sw_intake_XXXXXX", tmp ? tmp : "/tmp");
  if (!mkdtemp(root)) { perror("mkdtemp"); return 2; }

  put_str("a.txt", "\n \n  Första raden  \n\nBrödtext här.\n");
  put_str("b.md", "## Rubrik i markdown\n\nInnehåll.\n");
  put("bin.txt", "abc\0def\n", 8);
  put_str("c.jsonl", JSONL);
  put_str("crlf.jsonl", "{\"id\":\"r1\",\"text\":\"ett\"}\r\n"
                        "{\"id\":\"r2\",\"text\":\"två\"}\r\n");
  put_zst("d.jsonl.zst",
          "{\"id\":\"z1\",\"title\":\"Komprimerad\",\"text\":\"ett\"}\n"
          "{\"id\":\"z2\",\"url\":\"https://example.se/2\",\"text\":\"två\"}\n",
          0);
  put_str("empty.jsonl", "");
  put_str("empty.txt", " \n\n");
  put_str("ignored.csv", "a,b\n");
  mkdir_rel("sub");
  mkdir_rel("sub/deeper");
  put_str("sub/deeper/e.txt", "E-titel\nbrödtext");
  char link[4200];
  snprintf(link, sizeof link, "%s/sub/loop", root);
  if (symlink("..", link) != 0) { perror(link); return 2; }
  put_zst("trunc.jsonl.zst",
          "{\"id\":\"t1\",\"text\":\"en ganska lång rad som vi skär av "
          "mitt i den komprimerade strömmen, så den aldrig blir hel\"}\n",
          20);

  Seen *s = calloc(1, sizeof *s);
  SwReadStats st;
  SwError err;

  /* --- the whole tree ---------------------------------------------- */
  const char *paths[] = {root};
  int rc = run(s, paths, 1, &st, &err);
  CHECK_EQ_INT(rc, SW_OK);
  /* a.txt b.md d1 42 d6 d9 r1 r2 z1 z2 sub/deeper/e.txt, in walk order */
  static const char *order[] = {"a.txt", "b.md", "d1", "42", "d6", "d9", "r1",
                                "r2", "z1", "z2", "sub/deeper/e.txt"};
  int nexp = (int)(sizeof order / sizeof order[0]);
  CHECK_EQ_INT(s->ndocs, nexp);
  for (int i = 0; i < nexp && i < s->ndocs; i++) CHECK_EQ_STR(s->id[i], order[i]);
  CHECK_EQ_INT(st.docs, nexp);
  /* files opened: a b bin c crlf d empty.jsonl empty.txt e trunc = 10 */
  CHECK_EQ_INT(st.files, 10);
  /* skipped: bin, c:2, c:3, c:7, c:8, empty.jsonl, empty.txt, loop, trunc */
  CHECK_EQ_INT(st.skipped, 9);

  int i = find_doc(s, "a.txt");
  CHECK(i >= 0);
  if (i >= 0) {
    CHECK_EQ_STR(s->title[i], "Första raden");
    CHECK_EQ_STR(s->text[i], "Brödtext här.\n");
    CHECK_EQ_STR(s->file[i], "a.txt");
  }
  i = find_doc(s, "b.md");
  if (i >= 0) CHECK_EQ_STR(s->title[i], "Rubrik i markdown");
  i = find_doc(s, "sub/deeper/e.txt");
  CHECK(i >= 0);
  if (i >= 0) {
    CHECK_EQ_STR(s->title[i], "E-titel");
    CHECK_EQ_STR(s->text[i], "brödtext");
    CHECK_EQ_STR(s->file[i], "e.txt");
  }
  i = find_doc(s, "d1");
  CHECK(i >= 0);
  if (i >= 0) {
    CHECK_EQ_STR(s->title[i], "Första");
    CHECK_EQ_STR(s->date[i], "2020-01-02");
    CHECK_EQ_STR(s->url[i], "");
    CHECK_EQ_STR(s->text[i], "hej på dig");
    CHECK_EQ_STR(s->file[i], "c.jsonl");
    CHECK(strstr(s->where[i], "/c.jsonl:1") != NULL);
  }
  i = find_doc(s, "42");
  if (i >= 0) CHECK(strstr(s->where[i], "/c.jsonl:5") != NULL);
  i = find_doc(s, "d6"); /* invalid UTF-8 is delivered, bytes untouched */
  if (i >= 0) CHECK_EQ_STR(s->text[i], "trasig \xff\xfe text");
  i = find_doc(s, "d9");
  if (i >= 0) CHECK_EQ_STR(s->title[i], "");
  i = find_doc(s, "r2");
  if (i >= 0) CHECK_EQ_STR(s->text[i], "två");
  i = find_doc(s, "z2");
  CHECK(i >= 0);
  if (i >= 0) {
    CHECK_EQ_STR(s->url[i], "https://example.se/2");
    CHECK_EQ_STR(s->file[i], "d.jsonl.zst");
    CHECK(strstr(s->where[i], "/d.jsonl.zst:2") != NULL);
  }

  CHECK(warned(s, "/bin.txt: ", "binary file"));
  CHECK(warned(s, "/c.jsonl:2: ", "malformed JSON"));
  CHECK(warned(s, "/c.jsonl:3: ", "missing \"text\""));
  CHECK(warned(s, "/c.jsonl:7: ", "missing \"id\""));
  CHECK(warned(s, "/c.jsonl:8: ", "not an object"));
  CHECK(warned(s, "/c.jsonl:9: ", "\"title\" is not a string"));
  CHECK(!warned(s, "/c.jsonl:4", NULL)); /* blank lines are not problems */
  CHECK(warned(s, "/empty.jsonl: ", "empty file"));
  CHECK(warned(s, "/empty.txt: ", "empty file"));
  CHECK(warned(s, "/sub/loop: ", "symlink loop"));
  CHECK(warned(s, "/trunc.jsonl.zst: ", "truncated zstd"));
  CHECK(!warned(s, "ignored.csv", NULL));
  CHECK_EQ_INT(s->nwarn, 10); /* the 9 skips + the ignored title field */

  /* --- file arguments, a missing path, a trailing slash --------------- */
  char a[4200], nested[4200], missing[4200], slash[4200], csv[4200];
  snprintf(a, sizeof a, "%s/a.txt", root);
  snprintf(nested, sizeof nested, "%s/sub/deeper/", root);
  snprintf(missing, sizeof missing, "%s/nope", root);
  snprintf(slash, sizeof slash, "%s/sub//deeper//", root);
  snprintf(csv, sizeof csv, "%s/ignored.csv", root);
  const char *args[] = {a, missing, nested, slash, csv};
  rc = run(s, args, 5, &st, &err);
  CHECK_EQ_INT(rc, SW_OK);
  CHECK_EQ_INT(s->ndocs, 3);
  CHECK_EQ_STR(s->id[0], "a.txt");        /* a file argument: base name */
  CHECK_EQ_STR(s->id[1], "e.txt");        /* relative to the argument   */
  CHECK_EQ_STR(s->id[2], "e.txt");
  CHECK(strstr(s->where[2], "/sub//deeper/e.txt") != NULL);
  CHECK(warned(s, "/nope: ", "No such file"));
  CHECK(warned(s, "/ignored.csv: ", "not a .txt"));
  CHECK_EQ_INT(st.skipped, 2); /* nope, ignored.csv */

  /* --- a callback error stops the walk and comes back ---------------- */
  memset(s, 0, sizeof *s);
  s->stop_after = 3;
  sw_error_clear(&err);
  rc = eng_intake_paths(paths, 1, on_doc, s, on_warn, s, &st, &err);
  CHECK_EQ_INT(rc, SW_IO);
  CHECK_EQ_INT(s->ndocs, 2);
  CHECK(strstr(err.msg, "stop requested") != NULL);

  /* --- failing the Nth allocation, for every N ----------------------- */
  int complete = 0;
  for (long n = 0; n < 10000 && !complete; n++) {
    memset(s, 0, sizeof *s);
    sw_error_clear(&err);
    sw_fault_alloc_after(n);
    rc = eng_intake_paths(paths, 1, on_doc, s, on_warn, s, &st, &err);
    sw_fault_alloc_reset();
    if (rc == SW_OK) {
      complete = 1;
      CHECK_EQ_INT(s->ndocs, nexp); /* success means nothing was lost */
      CHECK_EQ_INT(st.skipped, 9);
    } else if (rc != SW_NOMEM) {
      CHECK_EQ_INT(rc, SW_NOMEM);
      break;
    }
  }
  CHECK(complete);

  free(s);
  nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  return tu_done();
}
