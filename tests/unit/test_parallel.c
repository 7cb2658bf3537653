/*
** test_parallel.c — the parallel build (SwBuildOptions.threads, build.c's
** pipeline) writes the index of the one-thread build byte for byte.
**
** The input: corpus/ (SW_SOURCE_DIR) plus generated documents: a few
** hundred JSON lines with repeated ids (replacements), documents of very
** different sizes (some past the pipeline's per-slot buffer), a .txt file
** with invalid UTF-8 and one over SW_MAX_DOC_BYTES (sparse: intake refuses
** it by its size, unread). It is built with 1, 2 and 4 threads (and with a
** small memory budget, so sorted runs are flushed), then added to an index
** with sw_add; every file of the index directories, the build statistics
** and the warnings (text and order) must be equal. The writer's own
** SW_LIMIT path is checked at the index layer: ix_writer_add and
** ix_doc_analyse + ix_writer_add_analysed refuse an over-limit document
** alike and go on. With ../shared, one shared corpus file is also built
** with 1 and 2 threads; without it the test says so and exits 77 after the
** rest has run. The document store is also written alone with 1, 2, 3 and
** 8 compression threads (same bytes) and made to fail reading and writing.
** No timing here: bench/ and the report measure speed.
*/
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"
#include "index_int.h"
#include "swsearch.h"
#include "testutil.h"

static char root[256];

static const char *words[] = {
    "kommunstyrelsen", "socialnämnden", "insatsgrupper", "sociala", "skolan",
    "förskolan", "budget", "motion", "trygghet", "kameraövervakning",
    "avhoppare", "samverkan", "stadsdelsnämnd", "utlåtande", "yttrande",
    "beslutet", "ungdomar", "föräldrar", "polisen", "brott", "bostäder",
    "KS 2020/1050", "SFS 2017:725", "§ 13", "Rinkeby-Kista", "Järva",
    "interpellation", "Dnr 2019/44", "covid-19", "FN:s"};
#define NWORDS (sizeof words / sizeof words[0])

static uint64_t rng = 4242;
static uint32_t rnd(uint32_t n) {
  rng = rng * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(rng >> 33) % n;
}

static int write_file(const char *path, const char *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t w = fwrite(data, 1, n, f);
  return fclose(f) == 0 && w == n ? 0 : -1;
}

/* nd JSON lines; ids repeat (every 7th reuses an earlier one); sizes from a
** few words to ~1.5 MB. */
static int make_jsonl(const char *path, unsigned nd) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  for (unsigned i = 0; i < nd; i++) {
    unsigned id = i % 7 == 6 ? rnd(i) : i;
    unsigned nw = i % 97 == 5 ? 200000 : 3 + rnd(i % 5 ? 80 : 2000);
    fprintf(f, "{\"id\":\"gen-%u\",\"title\":\"Motion %u om %s\","
               "\"date\":\"20%02u-0%u-1%u\",\"source\":\"test\",\"text\":\"",
            id, i, words[rnd(NWORDS)], 10 + rnd(12), 1 + rnd(9), rnd(10));
    for (unsigned w = 0; w < nw; w++)
      fprintf(f, "%s%s", w ? (rnd(12) ? " " : ". ") : "", words[rnd(NWORDS)]);
    fputs("\"}\n", f);
  }
  return fclose(f) == 0 ? 0 : -1;
}

typedef struct Warns {
  TuStr s;
} Warns;

static void collect(void *ctx, const char *where, const char *problem) {
  Warns *w = ctx;
  /* Where without the build's own directory (the same input every time). */
  tu_str_add(&w->s, "%s: %s\n", where, problem);
}

/* 0 if the files under a and b (recursively) are the same, names and
** bytes; prints the first difference. */
static int same_tree(const char *a, const char *b) {
  DIR *d = opendir(a);
  if (!d) {
    fprintf(stderr, "cannot open %s\n", a);
    return -1;
  }
  int bad = 0, na = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) { /* every difference is printed */
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
        !strcmp(de->d_name, "LOCK"))
      continue;
    na++;
    char pa[4096], pb[4096];
    snprintf(pa, sizeof pa, "%s/%s", a, de->d_name);
    snprintf(pb, sizeof pb, "%s/%s", b, de->d_name);
    struct stat st;
    if (stat(pa, &st) == 0 && S_ISDIR(st.st_mode)) {
      bad |= same_tree(pa, pb) != 0;
      continue;
    }
    size_t la, lb;
    char *fa = tu_read_file(pa, &la), *fb = tu_read_file(pb, &lb);
    if (!fa || !fb || la != lb || memcmp(fa, fb, la) != 0) {
      fprintf(stderr, "%s and %s differ\n", pa, pb);
      bad = 1;
    }
    free(fa);
    free(fb);
  }
  closedir(d);
  if (bad) return bad;
  /* b has no more entries than a. */
  int nb = 0;
  d = opendir(b);
  if (!d) return -1;
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
        strcmp(de->d_name, "LOCK"))
      nb++;
  closedir(d);
  if (na != nb) fprintf(stderr, "%s: %d entries, %s: %d\n", a, na, b, nb);
  return na != nb;
}

static void check_stats(const SwBuildStats *a, const SwBuildStats *b) {
  CHECK_EQ_INT(a->docs, b->docs);
  CHECK_EQ_INT(a->skipped, b->skipped);
  CHECK_EQ_INT(a->files, b->files);
  CHECK_EQ_INT(a->text_bytes, b->text_bytes);
  CHECK_EQ_INT(a->tokens, b->tokens);
  CHECK_EQ_INT(a->terms, b->terms);
  CHECK_EQ_INT(a->invalid_utf8, b->invalid_utf8);
  CHECK_EQ_INT(a->index_bytes, b->index_bytes);
  CHECK_EQ_INT(a->replaced, b->replaced);
  CHECK_EQ_INT(a->deleted, b->deleted);
  CHECK_EQ_INT(a->merged, b->merged);
  CHECK_EQ_INT(a->live_docs, b->live_docs);
  CHECK_EQ_INT(a->segments, b->segments);
  CHECK_EQ_INT(a->generation, b->generation);
}

/* Build paths into root/name with threads and budget; the warnings go to
** *warns. Returns sw_build's code. */
static int build(const char *name, const char *const *paths, size_t n,
                 int threads, size_t budget, SwBuildStats *st, Warns *warns) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/%s", root, name);
  SwBuildOptions o;
  memset(&o, 0, sizeof o);
  o.threads = threads;
  o.mem_budget = budget;
  SwError e;
  sw_error_clear(&e);
  int rc = sw_build(dir, paths, n, &o, collect, warns, st, &e);
  if (rc) fprintf(stderr, "build %s (%d threads): %s\n", name, threads, e.msg);
  return rc;
}

static void compare(const char *a, const char *b) {
  char pa[512], pb[512];
  snprintf(pa, sizeof pa, "%s/%s", root, a);
  snprintf(pb, sizeof pb, "%s/%s", root, b);
  int r = same_tree(pa, pb);
  CHECK_EQ_INT(r, 0);
}

/* The writer refuses an over-limit document alike through both entries
** and stays usable. The text is calloc'd and never read (refused by its
** length). */
static void test_writer_limit(void) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/limit", root);
  size_t big = SW_MAX_DOC_BYTES + 1;
  char *text = calloc(1, big);
  CHECK(text != NULL);
  if (!text) return;
  IxDoc huge, small;
  memset(&huge, 0, sizeof huge);
  huge.id = "huge", huge.id_len = 4;
  huge.text = text, huge.text_len = big;
  memset(&small, 0, sizeof small);
  small.id = "small", small.id_len = 5;
  small.text = "sociala insatsgrupper", small.text_len = 21;
  IxWriter *w = NULL;
  SwError e1, e2;
  sw_error_clear(&e1);
  sw_error_clear(&e2);
  CHECK_EQ_INT(ix_writer_begin(dir, NULL, IX_REBUILD, &w, &e1), SW_OK);
  AnAnalyzer *an = NULL;
  IxAnalysed *a = NULL;
  CHECK_EQ_INT(ix_analyzer_new(&an, &e1), SW_OK);
  CHECK_EQ_INT(ix_analysed_new(&a, &e1), SW_OK);
  if (w && an && a) {
    CHECK_EQ_INT(ix_writer_add(w, &huge, NULL, NULL, &e1), SW_LIMIT);
    CHECK_EQ_INT(ix_doc_analyse(an, &huge, a), SW_LIMIT);
    CHECK_EQ_INT(ix_writer_add_analysed(w, &huge, a, NULL, NULL, &e2),
                 SW_LIMIT);
    CHECK_EQ_STR(e1.msg, e2.msg);
    CHECK_EQ_INT(ix_doc_analyse(an, &small, a), SW_OK);
    CHECK_EQ_INT(ix_writer_add_analysed(w, &small, a, NULL, NULL, &e2), SW_OK);
    CHECK_EQ_INT(ix_writer_add(w, &small, NULL, NULL, &e1), SW_OK);
    CHECK_EQ_INT(ix_writer_docs(w), 2);
  }
  an_free(an);
  ix_analysed_free(a);
  IxWriteStats ws;
  if (w) CHECK_EQ_INT(ix_writer_commit(w, &ws, &e1), SW_OK);
  free(text);
}

/* The document store alone (docstore.c's write_doctext compresses the
** texts on IxDocWriter.threads threads, in batches of a few MB): ~25 MB of
** generated texts, empty ones and one of 10 MB among them, so there are
** many batches and one too big to keep. mode 0: a plain finish; 1: the
** temporary text file is cut in half first (a read error mid-way); 2:
** doctext is /dev/full (ENOSPC while batches are in flight). Returns
** finish's code; its message in *e. */
static int docstore_build(const char *name, int threads, int mode,
                          SwError *e) {
  char dir[512], path[600];
  snprintf(dir, sizeof dir, "%s/%s", root, name);
  tu_rm_rf(dir);
  mkdir(dir, 0755);
  sw_error_clear(e);
  IxDocWriter w;
  int rc = ix_docw_init(&w, dir, e);
  if (rc) {
    ix_docw_free(&w);
    return rc;
  }
  w.threads = threads;
  size_t cap = (size_t)10 << 20;
  char *text = malloc(cap + 64);
  rng = 77; /* the same documents every time */
  for (unsigned d = 0; text && !rc && d < 6000; d++) {
    size_t want = d % 500 == 7 ? 0 : d == 3000 ? cap : rnd(8000);
    size_t n = 0;
    while (n < want) {
      const char *wd = words[rnd(NWORDS)];
      size_t l = strlen(wd);
      memcpy(text + n, wd, l);
      n += l;
      text[n++] = ' ';
    }
    char id[32];
    IxDoc doc;
    memset(&doc, 0, sizeof doc);
    doc.id = id;
    doc.id_len = (size_t)snprintf(id, sizeof id, "doc-%u", d);
    doc.text = text;
    doc.text_len = n;
    rc = ix_docw_add(&w, &doc, (uint32_t)(n / 8), e);
  }
  free(text);
  if (!text) rc = sw_error_set(e, SW_NOMEM, "test: out of memory");
  if (!rc && mode == 1 && (rc = ix_out_flush(&w.raw, e)) == SW_OK &&
      ftruncate(w.raw.fd, (off_t)(w.raw_bytes / 2)) != 0)
    rc = sw_error_set(e, SW_IO, "test: cannot truncate");
  snprintf(path, sizeof path, "%s/doctext", dir);
  if (!rc && mode == 2 && symlink("/dev/full", path) != 0)
    rc = sw_error_set(e, SW_IO, "test: cannot link /dev/full");
  uint64_t size[IX_NFILES] = {0}, sum[IX_NFILES] = {0};
  if (!rc) rc = ix_docw_finish(&w, dir, size, sum, e);
  ix_docw_free(&w);
  return rc;
}

static void test_docstore_threads(void) {
  SwError e;
  CHECK_EQ_INT(docstore_build("ds1", 1, 0, &e), SW_OK);
  CHECK(!e.code);
  /* The texts come back. */
  char dir[512];
  snprintf(dir, sizeof dir, "%s/ds1", root);
  IxDocStore st;
  CHECK_EQ_INT(ix_docs_open(&st, dir, 6000, NULL, 0, &e), SW_OK);
  if (!e.code) {
    for (SwDocId d = 2990; d < 3010; d++) {
      char *t = NULL;
      size_t n = 0;
      CHECK_EQ_INT(ix_docs_text(&st, d, &t, &n, &e), SW_OK);
      CHECK(d == 3000 ? n >= ((size_t)10 << 20) : n < 9000);
      sw_free(t);
    }
    ix_docs_close(&st);
  }
  const int threads[] = {2, 3, 8};
  for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
    char name[16];
    snprintf(name, sizeof name, "ds%d", threads[i]);
    CHECK_EQ_INT(docstore_build(name, threads[i], 0, &e), SW_OK);
    compare("ds1", name);
  }
  /* Errors: the first failing batch's, whatever the thread count; no
  ** thread left running, nothing leaked (ASan). */
  SwError r1;
  CHECK_EQ_INT(docstore_build("dserr", 1, 1, &r1), SW_IO);
  CHECK(strstr(r1.msg, "doctext.tmp") != NULL);
  for (int t = 2; t <= 4; t += 2) {
    CHECK_EQ_INT(docstore_build("dserr", t, 1, &e), SW_IO);
    CHECK_EQ_STR(e.msg, r1.msg);
  }
  if (access("/dev/full", W_OK) == 0) {
    for (int t = 1; t <= 4; t *= 2) {
      CHECK_EQ_INT(docstore_build("dsfull", t, 2, &e), SW_FULL);
      CHECK(strstr(e.msg, "doctext") != NULL);
    }
  }
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/swsearch-parallel-XXXXXX", tmp ? tmp : "/tmp");
  if (!mkdtemp(root)) {
    perror("mkdtemp");
    return 1;
  }
  char in[512], p1[600], p2[600], p3[600];
  snprintf(in, sizeof in, "%s/in", root);
  mkdir(in, 0755);
  snprintf(p1, sizeof p1, "%s/gen.jsonl", in);
  CHECK_EQ_INT(make_jsonl(p1, 400), 0);
  static const char bad[] = "Ogiltig \xff text\n\nsociala \xc3 insatsgrupper "
                            "\xe2\x82 i Rinkeby\xc0\xaf";
  snprintf(p2, sizeof p2, "%s/bad-utf8.txt", in);
  CHECK_EQ_INT(write_file(p2, bad, sizeof bad - 1), 0);
  snprintf(p3, sizeof p3, "%s/huge.txt", in);
  int fd = open(p3, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0 && ftruncate(fd, (off_t)SW_MAX_DOC_BYTES + 1) == 0);
  if (fd >= 0) close(fd);

  const char *paths[2] = {in, NULL};
  size_t npaths = 1;
  char corpus[1024];
  const char *src = getenv("SW_SOURCE_DIR");
  if (src && *src) {
    snprintf(corpus, sizeof corpus, "%s/corpus", src);
    struct stat st;
    if (stat(corpus, &st) == 0 && S_ISDIR(st.st_mode)) paths[npaths++] = corpus;
  }

  /* Whole builds: 1, 2, 4 threads; and with runs (small budget). */
  SwBuildStats s1, s2, s4, r1, r3;
  Warns w1 = {{0}}, w2 = {{0}}, w4 = {{0}}, wr1 = {{0}}, wr3 = {{0}};
  CHECK_EQ_INT(build("ix1", paths, npaths, 1, 0, &s1, &w1), SW_OK);
  CHECK_EQ_INT(build("ix2", paths, npaths, 2, 0, &s2, &w2), SW_OK);
  CHECK_EQ_INT(build("ix4", paths, npaths, 4, 0, &s4, &w4), SW_OK);
  CHECK(s1.replaced > 0);     /* the input has repeated ids  */
  CHECK(s1.invalid_utf8 > 0); /* ... invalid UTF-8           */
  CHECK(s1.skipped > 0);      /* ... an over-limit document  */
  check_stats(&s1, &s2);
  check_stats(&s1, &s4);
  compare("ix1", "ix2");
  compare("ix1", "ix4");
  CHECK(w1.s.p != NULL);
  CHECK_EQ_STR(w1.s.p, w2.s.p);
  CHECK_EQ_STR(w1.s.p, w4.s.p);
  CHECK_EQ_INT(build("run1", paths, npaths, 1, (size_t)1 << 20, &r1, &wr1),
               SW_OK);
  CHECK_EQ_INT(build("run3", paths, npaths, 3, (size_t)1 << 20, &r3, &wr3),
               SW_OK);
  check_stats(&r1, &r3);
  compare("run1", "run3");
  CHECK_EQ_STR(wr1.s.p, wr3.s.p);

  /* sw_add: the generated documents again onto the corpus (replacements,
  ** a second segment). */
  if (npaths == 2) {
    const char *base[1] = {corpus}, *more[1] = {in};
    for (int t = 1; t <= 2; t++) {
      char dir[512];
      snprintf(dir, sizeof dir, "%s/add%d", root, t);
      SwBuildOptions o;
      memset(&o, 0, sizeof o);
      o.threads = t;
      SwBuildStats st, as;
      SwError e;
      sw_error_clear(&e);
      CHECK_EQ_INT(sw_build(dir, base, 1, &o, NULL, NULL, &st, &e), SW_OK);
      CHECK_EQ_INT(sw_add(dir, more, 1, &o, NULL, NULL, &as, &e), SW_OK);
      CHECK_EQ_INT(sw_add(dir, more, 1, &o, NULL, NULL, &as, &e), SW_OK);
      CHECK(as.replaced > 0);
      if (t == 1) s1 = as;
      else check_stats(&s1, &as);
    }
    compare("add1", "add2");
  }
  test_writer_limit();
  test_docstore_threads();
  free(w1.s.p), free(w2.s.p), free(w4.s.p), free(wr1.s.p), free(wr3.s.p);

  /* A shared corpus file, 1 vs 2 threads. */
  const char *shared = getenv("SW_SHARED");
  char sp[4096];
  snprintf(sp, sizeof sp, "%s/corpus/sfs-forfattningar.jsonl.zst",
           shared && *shared ? shared : "../shared");
  if (access(sp, R_OK) != 0) {
    tu_rm_rf(root);
    int rc = tu_done();
    if (rc) return rc;
    printf("SKIP: %s is absent: the 1 vs 2 thread build of a shared corpus "
           "file did not run (the rest passed)\n", sp);
    return 77;
  }
  const char *sh[1] = {sp};
  SwBuildStats h1, h2;
  Warns wh1 = {{0}}, wh2 = {{0}};
  CHECK_EQ_INT(build("sh1", sh, 1, 1, 0, &h1, &wh1), SW_OK);
  CHECK_EQ_INT(build("sh2", sh, 1, 2, 0, &h2, &wh2), SW_OK);
  CHECK(h1.docs > 100);
  check_stats(&h1, &h2);
  compare("sh1", "sh2");
  CHECK((!wh1.s.p && !wh2.s.p) ||
        (wh1.s.p && wh2.s.p && !strcmp(wh1.s.p, wh2.s.p)));
  free(wh1.s.p), free(wh2.s.p);
  if (tu_failed) {
    printf("the indexes are kept in %s for inspection\n", root);
    return tu_done();
  }
  tu_rm_rf(root);
  return tu_done();
}
