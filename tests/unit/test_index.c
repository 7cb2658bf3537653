/*
** test_index.c — unit tests of the index layer (index/index.h and the
** private index_int.h): codec round trips, a small index checked term by
** term against a reference built from the same analysis chain, seek and
** skip data on multi-block lists, multi-run builds equal to single-run
** builds, atomic publish and the writer lock, corruption of every file
** (truncation, flipped bytes, flipped bytes with repaired checksums, a
** future version), allocation failures during a build.
*/
#define _GNU_SOURCE
#include "testutil.h"
#include "sw_fault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "index_int.h"

/* ------------------------------------------------------------ helpers -- */

static char tmp_root[256];

static void subdir(char *buf, const char *name) {
  snprintf(buf, 512, "%s/%s", tmp_root, name);
}

static int read_file(const char *path, uint8_t **data, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  *data = malloc((size_t)n + 1);
  *len = fread(*data, 1, (size_t)n, f);
  fclose(f);
  return 0;
}

static void write_file(const char *path, const uint8_t *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f) return;
  if (len) fwrite(data, 1, len, f);
  fclose(f);
}

static IxDoc mkdoc(const char *id, const char *title, const char *text) {
  IxDoc d;
  memset(&d, 0, sizeof d);
  d.id = id; d.id_len = strlen(id);
  d.title = title; d.title_len = strlen(title);
  d.text = text; d.text_len = strlen(text);
  d.date = "2020-01-02"; d.date_len = 10;
  d.source = "test"; d.source_len = 4;
  d.url = "https://example.org/x"; d.url_len = 21;
  d.file = "f.jsonl"; d.file_len = 7;
  return d;
}

/* -------------------------------------------------- reference postings -- */

typedef struct RefPost {
  uint32_t doc, freq;
  uint32_t pos[64];
} RefPost;

typedef struct RefTerm {
  char term[IX_MAX_TERM + 1];
  size_t len;
  RefPost *posts;
  size_t n, cap;
} RefTerm;

typedef struct Ref {
  RefTerm *t;
  size_t n, cap;
  uint32_t *doclen;
  uint64_t tokens;
} Ref;

static RefTerm *ref_term(Ref *r, const char *s, size_t len) {
  for (size_t i = 0; i < r->n; i++)
    if (r->t[i].len == len && !memcmp(r->t[i].term, s, len)) return &r->t[i];
  if (r->n == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 64;
    r->t = realloc(r->t, r->cap * sizeof *r->t);
  }
  RefTerm *t = &r->t[r->n++];
  memset(t, 0, sizeof *t);
  memcpy(t->term, s, len);
  t->len = len;
  return t;
}

static void ref_post(Ref *r, const char *term, size_t len, uint32_t doc,
                     uint32_t pos) {
  RefTerm *t = ref_term(r, term, len);
  if (!t->n || t->posts[t->n - 1].doc != doc) {
    if (t->n == t->cap) {
      t->cap = t->cap ? t->cap * 2 : 8;
      t->posts = realloc(t->posts, t->cap * sizeof *t->posts);
    }
    RefPost *p = &t->posts[t->n++];
    p->doc = doc;
    p->freq = 0;
  }
  RefPost *p = &t->posts[t->n - 1];
  if (p->freq < 64) p->pos[p->freq] = pos;
  p->freq++;
}

/* The terms the writer indexes for one field: every token's term (extra
** terms too, but only words count in the length) and, in a title, each
** word's title-field companion (AN_NS_TITLE + term) at its position. */
static uint32_t ref_stream(Ref *r, AnAnalyzer *an, uint32_t doc,
                           const char *s, size_t len, uint32_t first,
                           int title) {
  AnToken tok;
  uint32_t n = 0;
  an_begin(an, s, len, first);
  while (an_next(an, &tok) > 0) {
    int word = !(tok.flags & AN_EXTRA);
    n += word;
    if (!tok.term_len) continue;
    if (title && word && tok.term_len < IX_MAX_TERM) {
      char tt[IX_MAX_TERM];
      tt[0] = AN_NS_TITLE;
      memcpy(tt + 1, tok.term, tok.term_len);
      ref_post(r, tt, tok.term_len + 1, doc, tok.pos);
    }
    ref_post(r, tok.term, tok.term_len, doc, tok.pos);
  }
  return n;
}

static void ref_build(Ref *r, const IxDoc *docs, size_t n) {
  memset(r, 0, sizeof *r);
  AnAnalyzer *an;
  SwError e;
  sw_error_clear(&e);
  if (an_new(&an, &e)) return;
  an_set_extras(an, AN_WITH_IDENTS | AN_WITH_PARTS); /* as the writer's chain */
  r->doclen = calloc(n ? n : 1, sizeof *r->doclen);
  for (size_t d = 0; d < n; d++) {
    uint32_t nt = ref_stream(r, an, (uint32_t)d, docs[d].title,
                             docs[d].title_len, 0, 1);
    uint32_t nx = ref_stream(r, an, (uint32_t)d, docs[d].text, docs[d].text_len,
                             nt + IX_FIELD_GAP, 0);
    r->doclen[d] = nt + nx;
    r->tokens += nt + nx;
  }
  an_free(an);
}

static void ref_free(Ref *r) {
  for (size_t i = 0; i < r->n; i++) free(r->t[i].posts);
  free(r->t);
  free(r->doclen);
}

/* Compares every term, posting and position of the index with ref. */
static void check_against_ref(IxReader *rd, const Ref *ref) {
  SwError e;
  sw_error_clear(&e);
  CHECK_EQ_INT(ix_reader_total_tokens(rd), ref->tokens);
  CHECK_EQ_INT(rd->seg[0]->man.term_count, ref->n);
  int bad = 0;
  for (size_t i = 0; i < ref->n && bad < 5; i++) {
    const RefTerm *t = &ref->t[i];
    IxTermInfo ti;
    int rc = ix_term_find(rd, t->term, t->len, &ti, &e);
    if (rc != SW_OK) {
      bad++;
      fprintf(stderr, "term %s: find rc %d %s\n", t->term, rc, e.msg);
      CHECK_EQ_INT(rc, SW_OK);
      continue;
    }
    uint64_t cf = 0;
    uint32_t mt = 0;
    for (size_t k = 0; k < t->n; k++) {
      cf += t->posts[k].freq;
      if (t->posts[k].freq > mt) mt = t->posts[k].freq;
    }
    if (ti.df != t->n || ti.cf != cf || ti.max_tf != mt) {
      bad++;
      fprintf(stderr, "term %s: df %u/%zu cf %llu/%llu\n", t->term, ti.df,
              t->n, (unsigned long long)ti.cf, (unsigned long long)cf);
    }
    IxPostings *p;
    if (ix_postings_open(rd, &ti, 1, &p, &e) != SW_OK) {
      bad++;
      continue;
    }
    for (size_t k = 0; k < t->n; k++) {
      const RefPost *rp = &t->posts[k];
      if (p->eof || p->doc != rp->doc || p->freq != rp->freq) {
        bad++;
        fprintf(stderr, "term %s: posting %zu: doc %u/%u freq %u/%u\n",
                t->term, k, p->doc, rp->doc, p->freq, rp->freq);
        break;
      }
      const uint32_t *pos;
      uint32_t np;
      if (ix_postings_positions(p, &pos, &np, &e) != SW_OK || np != rp->freq) {
        bad++;
        break;
      }
      for (uint32_t j = 0; j < np && j < 64; j++)
        if (pos[j] != rp->pos[j]) {
          bad++;
          fprintf(stderr, "term %s doc %u: pos[%u] %u != %u\n", t->term,
                  rp->doc, j, pos[j], rp->pos[j]);
          break;
        }
      if (ix_postings_next(p, &e) != SW_OK) bad++;
    }
    if (!p->eof || p->doc != IX_DOC_END) bad++;
    ix_postings_free(p);
  }
  CHECK_EQ_INT(bad, 0);
}

static int build_zstd(const char *dir, const IxDoc *docs, size_t n,
                      size_t budget, int pos_zstd, IxWriteStats *st,
                      SwError *e) {
  IxWriterOptions o;
  memset(&o, 0, sizeof o);
  o.mem_budget = budget;
  o.positions_zstd = pos_zstd;
  IxWriter *w;
  int rc = ix_writer_begin(dir, &o, IX_REBUILD, &w, e);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) {
    rc = ix_writer_add(w, &docs[i], NULL, NULL, e);
    if (rc) {
      ix_writer_abort(w);
      return rc;
    }
  }
  return ix_writer_commit(w, st, e);
}

static int build(const char *dir, const IxDoc *docs, size_t n, size_t budget,
                 IxWriteStats *st, SwError *e) {
  return build_zstd(dir, docs, n, budget, 0, st, e);
}

/* --------------------------------------------------------------- codec -- */

static void test_codec(void) {
  const uint64_t vals[] = {0, 1, 127, 128, 255, 300, 16383, 16384,
                           UINT32_MAX, (uint64_t)UINT32_MAX + 1,
                           (uint64_t)1 << 63, UINT64_MAX};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    uint8_t b[IX_VARINT_MAX];
    size_t n = ix_varint_put(b, vals[i]);
    size_t off = 0;
    uint64_t v = 0;
    CHECK_EQ_INT(ix_varint_get(b, n, &off, &v), 0);
    CHECK(v == vals[i]);
    CHECK_EQ_INT(off, n);
    off = 0;
    if (n > 1) CHECK_EQ_INT(ix_varint_get(b, n - 1, &off, &v), -1);
    uint32_t v32;
    off = 0;
    CHECK_EQ_INT(ix_varint_get32(b, n, &off, &v32),
                 vals[i] <= UINT32_MAX ? 0 : -1);
  }
  /* Too long: 11 continuation bytes; a tenth byte above 1. */
  uint8_t longv[11];
  memset(longv, 0x80, sizeof longv);
  size_t off = 0;
  uint64_t v;
  CHECK_EQ_INT(ix_varint_get(longv, sizeof longv, &off, &v), -1);
  memset(longv, 0xff, 9);
  longv[9] = 2;
  off = 0;
  CHECK_EQ_INT(ix_varint_get(longv, 10, &off, &v), -1);
  off = 0;
  CHECK_EQ_INT(ix_varint_get(longv, 0, &off, &v), -1);

  /* Bit packing, every width, full and odd counts. */
  uint32_t in[IX_BLOCK], out[IX_BLOCK];
  uint8_t packed[IX_BLOCK * 4 + 8];
  uint64_t seed = 12345;
  for (unsigned bits = 0; bits <= 32; bits++) {
    const size_t counts[] = {IX_BLOCK, 37, 1};
    for (size_t c = 0; c < 3; c++) {
      size_t n = counts[c];
      for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t mask = bits == 32 ? 0xffffffffull : ((1ull << bits) - 1);
        in[i] = (uint32_t)((seed >> 17) & mask);
        if (i == 0) in[i] = (uint32_t)mask; /* the widest value */
      }
      memset(packed, 0xAB, sizeof packed);
      ix_bitpack(in, n, bits, packed);
      CHECK_EQ_INT(packed[ix_bitpack_bytes(n, bits)], 0xAB); /* no overrun */
      ix_bitunpack(packed, n, bits, out);
      CHECK(memcmp(in, out, n * sizeof *in) == 0);
    }
    CHECK_EQ_INT(ix_bitpack_bytes(IX_BLOCK, bits), 16 * bits);
  }
  CHECK_EQ_INT(ix_bits_needed(0), 0);
  CHECK_EQ_INT(ix_bits_needed(1), 1);
  CHECK_EQ_INT(ix_bits_needed(UINT32_MAX), 32);
}

/* -------------------------------------------------------- small index -- */

static const char *small_text[][3] = {
    {"a1", "Alpha qqq", "qqq beta gamma qqq. Beta zzz!"},
    {"a2", "", "gamma delta"},
    {"a3", "Epsilon", "qqq"},
    {"a4", "Tom text", ""},
    {"a5", "Zeta", "zeta zeta zeta zeta zeta zeta omega 2019 covid-19"},
};
#define NSMALL (sizeof small_text / sizeof small_text[0])

static void small_docs(IxDoc *d) {
  for (size_t i = 0; i < NSMALL; i++)
    d[i] = mkdoc(small_text[i][0], small_text[i][1], small_text[i][2]);
  d[3].date_len = 0; /* missing fields */
  d[3].url_len = 0;
}

static void test_small(void) {
  char dir[512];
  subdir(dir, "small");
  IxDoc docs[NSMALL];
  small_docs(docs);
  SwError e;
  sw_error_clear(&e);
  IxWriteStats st;
  int rc = build(dir, docs, NSMALL, 0, &st, &e);
  CHECK_EQ_INT(rc, SW_OK);
  if (rc) {
    fprintf(stderr, "build: %s\n", e.msg);
    return;
  }
  CHECK_EQ_INT(st.docs, NSMALL);
  CHECK_EQ_INT(st.generation, 2); /* seg-00000001, commit-00000002 */
  CHECK_EQ_INT(st.runs, 0);

  Ref ref;
  ref_build(&ref, docs, NSMALL);
  CHECK_EQ_INT(st.tokens, ref.tokens);
  CHECK_EQ_INT(st.terms, ref.n);

  IxReader *r;
  rc = ix_reader_open(dir, &r, &e);
  CHECK_EQ_INT(rc, SW_OK);
  if (rc) {
    fprintf(stderr, "open: %s\n", e.msg);
    ref_free(&ref);
    return;
  }
  CHECK_EQ_INT(ix_reader_doc_count(r), NSMALL);
  check_against_ref(r, &ref);
  for (uint32_t d = 0; d < NSMALL; d++) CHECK_EQ_INT(ix_doc_len(r, d), ref.doclen[d]);
  CHECK_EQ_INT(ix_doc_len(r, NSMALL), 0);

  /* A known term at known positions: title "Alpha qqq" = positions 0, 1;
  ** the text starts at 2 + IX_FIELD_GAP. */
  AnAnalyzer *an;
  char term[IX_MAX_TERM];
  size_t tl;
  CHECK_EQ_INT(an_new(&an, &e), SW_OK);
  an_term(an, "qqq", 3, term, sizeof term, &tl);
  IxTermInfo ti;
  CHECK_EQ_INT(ix_term_find(r, term, tl, &ti, &e), SW_OK);
  CHECK_EQ_INT(ti.df, 2);
  CHECK_EQ_INT(ti.cf, 4);
  CHECK_EQ_INT(ti.max_tf, 3);
  IxPostings *p;
  CHECK_EQ_INT(ix_postings_open(r, &ti, 1, &p, &e), SW_OK);
  CHECK_EQ_INT(p->doc, 0);
  CHECK_EQ_INT(p->freq, 3);
  const uint32_t *pos;
  uint32_t np;
  CHECK_EQ_INT(ix_postings_positions(p, &pos, &np, &e), SW_OK);
  CHECK_EQ_INT(np, 3);
  if (np == 3) {
    CHECK_EQ_INT(pos[0], 1);
    CHECK_EQ_INT(pos[1], 2 + IX_FIELD_GAP);
    CHECK_EQ_INT(pos[2], 2 + IX_FIELD_GAP + 3);
  }
  CHECK_EQ_INT(ix_postings_block_last(p), 2);
  CHECK_EQ_INT(ix_postings_block_max_tf(p), 3);
  CHECK_EQ_INT(ix_postings_seek(p, 1, &e), SW_OK);
  CHECK_EQ_INT(p->doc, 2);
  CHECK_EQ_INT(ix_postings_positions(p, &pos, &np, &e), SW_OK);
  CHECK_EQ_INT(np, 1);
  if (np) CHECK_EQ_INT(pos[0], 1 + IX_FIELD_GAP); /* after "Epsilon" */
  CHECK_EQ_INT(ix_postings_seek(p, 3, &e), SW_OK);
  CHECK_EQ_INT(p->eof, 1);
  CHECK(p->doc == IX_DOC_END);
  CHECK_EQ_INT(ix_postings_next(p, &e), SW_OK); /* next after eof: stays */
  CHECK_EQ_INT(p->eof, 1);
  ix_postings_free(p);
  ix_postings_free(NULL);
  an_free(an);

  CHECK_EQ_INT(ix_term_find(r, "nonexistent", 11, &ti, &e), SW_NOTFOUND);
  CHECK_EQ_INT(ix_term_find(r, "", 0, &ti, &e), SW_NOTFOUND);
  CHECK_EQ_INT(ix_term_find(r, "\xff\xff", 2, &ti, &e), SW_NOTFOUND);
  CHECK_EQ_INT(ix_term_find(r, "\x01", 1, &ti, &e), SW_NOTFOUND);

  /* Metadata and text. */
  IxDocMeta m;
  CHECK_EQ_INT(ix_doc_meta(r, 0, &m, &e), SW_OK);
  CHECK(m.id_len == 2 && !memcmp(m.id, "a1", 2));
  CHECK(m.title_len == 9 && !memcmp(m.title, "Alpha qqq", 9));
  CHECK(m.date_len == 10 && !memcmp(m.date, "2020-01-02", 10));
  CHECK(m.source_len == 4 && !memcmp(m.source, "test", 4));
  CHECK(m.url_len == 21 && !memcmp(m.url, "https://example.org/x", 21));
  CHECK(m.file_len == 7 && !memcmp(m.file, "f.jsonl", 7));
  CHECK_EQ_INT(ix_doc_meta(r, 3, &m, &e), SW_OK);
  CHECK_EQ_INT(m.date_len, 0);
  CHECK_EQ_INT(m.url_len, 0);
  CHECK_EQ_INT(ix_doc_meta(r, NSMALL, &m, &e), SW_NOTFOUND);
  for (uint32_t d = 0; d < NSMALL; d++) {
    char *t;
    size_t len;
    CHECK_EQ_INT(ix_doc_text(r, d, &t, &len, &e), SW_OK);
    CHECK_EQ_STR(t, small_text[d][2]);
    CHECK_EQ_INT(len, strlen(small_text[d][2]));
    sw_free(t);
  }
  char *t;
  size_t len;
  CHECK_EQ_INT(ix_doc_text(r, NSMALL, &t, &len, &e), SW_NOTFOUND);

  IxStats s;
  CHECK_EQ_INT(ix_reader_stats(r, &s, &e), SW_OK);
  CHECK_EQ_INT(s.docs, NSMALL);
  CHECK_EQ_INT(s.generation, 2);
  CHECK_EQ_INT(s.format_version, IX_FORMAT_VERSION);
  CHECK_EQ_INT(s.segments, 1);
  CHECK_EQ_INT(s.deleted, 0);
  CHECK_EQ_INT(s.nfiles, 8);
  for (size_t i = 0; i < s.nfiles; i++) {
    char path[1024];
    struct stat sb;
    if (!strcmp(s.files[i].name, "commit"))
      snprintf(path, sizeof path, "%s/commit-00000002", dir);
    else
      snprintf(path, sizeof path, "%s/seg-00000001/%s", dir, s.files[i].name);
    CHECK_EQ_INT(stat(path, &sb), 0);
    CHECK_EQ_INT((uint64_t)sb.st_size, s.files[i].bytes);
  }
  ix_reader_close(r);
  ix_reader_close(NULL);

  sw_error_clear(&e);
  CHECK_EQ_INT(ix_check(dir, NULL, NULL, &e), SW_OK);
  if (e.code) fprintf(stderr, "check: %s\n", e.msg);
  ref_free(&ref);
}

/* ----------------------------------------- larger index: blocks, seek -- */

static char **big_texts;
static size_t nbig;

static void free_big(void) {
  for (size_t d = 0; d < nbig; d++) free(big_texts[d]);
  free(big_texts);
  big_texts = NULL;
  nbig = 0;
}

static void make_big(size_t n) {
  free_big();
  nbig = n;
  big_texts = calloc(n, sizeof *big_texts);
  for (size_t d = 0; d < n; d++) {
    char *s = malloc(4096);
    size_t o = 0;
    o += (size_t)snprintf(s + o, 4096 - o, "common");
    if (d % 2 == 0) o += (size_t)snprintf(s + o, 4096 - o, " even");
    if (d % 3 == 0) o += (size_t)snprintf(s + o, 4096 - o, " third");
    if (d % 97 == 5) o += (size_t)snprintf(s + o, 4096 - o, " rare");
    /* A term with growing frequency, and numbers as unique terms. */
    for (size_t k = 0; k < d % 23; k++) o += (size_t)snprintf(s + o, 4096 - o, " many");
    o += (size_t)snprintf(s + o, 4096 - o, " n%zu x%zu", d, d % 300);
    if (d == n - 1) o += (size_t)snprintf(s + o, 4096 - o, " last");
    big_texts[d] = s;
  }
}

static void big_docs(IxDoc *docs) {
  static char ids[2048][32];
  for (size_t d = 0; d < nbig; d++) {
    snprintf(ids[d], sizeof ids[d], "doc%zu", d);
    docs[d] = mkdoc(ids[d], d % 5 ? "Rubrik" : "", big_texts[d]);
  }
}

static void test_big(void) {
  char dir[512], dir2[512];
  subdir(dir, "big");
  subdir(dir2, "bigruns");
  make_big(1500);
  IxDoc *docs = calloc(nbig, sizeof *docs);
  big_docs(docs);
  SwError e;
  sw_error_clear(&e);
  IxWriteStats st1, st2;
  CHECK_EQ_INT(build(dir, docs, nbig, 0, &st1, &e), SW_OK);
  /* Tiny budget: many runs, merged at commit. */
  CHECK_EQ_INT(build(dir2, docs, nbig, 20000, &st2, &e), SW_OK);
  if (e.code) fprintf(stderr, "build: %s\n", e.msg);
  CHECK(st2.runs > 10);
  CHECK_EQ_INT(st1.terms, st2.terms);
  CHECK_EQ_INT(st1.tokens, st2.tokens);

  Ref ref;
  ref_build(&ref, docs, nbig);
  IxReader *r1 = NULL, *r2 = NULL;
  CHECK_EQ_INT(ix_reader_open(dir, &r1, &e), SW_OK);
  CHECK_EQ_INT(ix_reader_open(dir2, &r2, &e), SW_OK);
  if (!r1 || !r2) {
    fprintf(stderr, "open: %s\n", e.msg);
    return;
  }
  check_against_ref(r1, &ref);
  check_against_ref(r2, &ref);

  /* Positions blocks stored as zstd frames (FORMAT.md §5 flag 1) decode to
  ** the same postings; the file is smaller, so some blocks did use zstd. */
  char dir3[512];
  subdir(dir3, "bigzstd");
  IxWriteStats st3;
  CHECK_EQ_INT(build_zstd(dir3, docs, nbig, 0, 3, &st3, &e), SW_OK);
  IxReader *r3 = NULL;
  CHECK_EQ_INT(ix_reader_open(dir3, &r3, &e), SW_OK);
  if (r3) {
    check_against_ref(r3, &ref);
    CHECK(r3->seg[0]->pos.size < r1->seg[0]->pos.size);
    ix_reader_close(r3);
  }
  CHECK_EQ_INT(ix_check(dir3, NULL, NULL, &e), SW_OK);

  /* The two builds are byte-identical apart from the manifest's
  ** generation-independent fields: compare postings, positions, terms. */
  const IxMap *a[3] = {&r1->seg[0]->post, &r1->seg[0]->pos, &r1->seg[0]->dict.map};
  const IxMap *b[3] = {&r2->seg[0]->post, &r2->seg[0]->pos, &r2->seg[0]->dict.map};
  for (int i = 0; i < 3; i++) {
    CHECK_EQ_INT(a[i]->size, b[i]->size);
    CHECK(a[i]->size == b[i]->size && !memcmp(a[i]->p, b[i]->p, a[i]->size));
  }

  /* Seek against the reference on multi-block lists. */
  AnAnalyzer *an;
  CHECK_EQ_INT(an_new(&an, &e), SW_OK);
  const char *words[] = {"common", "even", "third", "rare", "many", "last"};
  for (size_t w = 0; w < 6; w++) {
    char term[IX_MAX_TERM];
    size_t tl;
    an_term(an, words[w], strlen(words[w]), term, sizeof term, &tl);
    const RefTerm *rt = ref_term(&ref, term, tl);
    IxTermInfo ti;
    CHECK_EQ_INT(ix_term_find(r2, term, tl, &ti, &e), SW_OK);
    CHECK_EQ_INT(ti.df, rt->n);
    /* Targets: stride 1..200 with restarts. */
    for (uint32_t stride = 1; stride < 400; stride = stride * 3 + 1) {
      IxPostings *p;
      if (ix_postings_open(r2, &ti, 1, &p, &e)) {
        CHECK(0);
        break;
      }
      size_t k = 0;
      int bad = 0;
      for (uint32_t target = 0; target < nbig + 5 && !bad; target += stride) {
        CHECK_EQ_INT(ix_postings_seek(p, target, &e), SW_OK);
        while (k < rt->n && rt->posts[k].doc < target) k++;
        if (k == rt->n) {
          if (!p->eof) bad = 1;
          break;
        }
        if (p->doc != rt->posts[k].doc || p->freq != rt->posts[k].freq) bad = 2;
        if (ix_postings_block_last(p) < p->doc) bad = 3;
        if (ix_postings_block_max_tf(p) < p->freq) bad = 4;
        /* Positions only for some docs: the cursor must skip the others. */
        if (target % 2 == 0) {
          const uint32_t *pos;
          uint32_t np;
          if (ix_postings_positions(p, &pos, &np, &e) || np != p->freq ||
              (np && pos[0] != rt->posts[k].pos[0]))
            bad = 5;
        }
      }
      if (bad) fprintf(stderr, "seek %s stride %u: bad %d\n", words[w], stride, bad);
      CHECK_EQ_INT(bad, 0);
      ix_postings_free(p);
    }
  }
  an_free(an);
  for (uint32_t d = 0; d < nbig; d += 97) {
    char *t;
    size_t len;
    CHECK_EQ_INT(ix_doc_text(r2, d, &t, &len, &e), SW_OK);
    CHECK_EQ_STR(t, big_texts[d]);
    sw_free(t);
  }
  ix_reader_close(r1);
  ix_reader_close(r2);
  sw_error_clear(&e);
  CHECK_EQ_INT(ix_check(dir2, NULL, NULL, &e), SW_OK);
  if (e.code) fprintf(stderr, "check: %s\n", e.msg);
  ref_free(&ref);
  free(docs);
}

/* ------------------------------------------------------------ publish -- */

static int dir_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_publish(void) {
  char dir[512], path[1024];
  subdir(dir, "pub");
  IxDoc docs[NSMALL];
  small_docs(docs);
  SwError e;
  sw_error_clear(&e);
  IxReader *r;
  CHECK_EQ_INT(ix_reader_open(dir, &r, &e), SW_NOTFOUND);
  CHECK(r == NULL);
  CHECK_EQ_INT(build(dir, docs, 3, 0, NULL, &e), SW_OK);
  IxReader *r1;
  CHECK_EQ_INT(ix_reader_open(dir, &r1, &e), SW_OK);
  if (!r1) return;
  CHECK_EQ_INT(ix_reader_doc_count(r1), 3);

  /* A second generation replaces the first; the open reader keeps working. */
  IxWriteStats st;
  CHECK_EQ_INT(build(dir, docs, NSMALL, 0, &st, &e), SW_OK);
  CHECK_EQ_INT(st.generation, 4);
  /* r1 holds commit 2, so its segment stays until r1 lets go. */
  snprintf(path, sizeof path, "%s/seg-00000001", dir);
  CHECK(dir_exists(path));
  IxReader *r2;
  CHECK_EQ_INT(ix_reader_open(dir, &r2, &e), SW_OK);
  if (r2) {
    CHECK_EQ_INT(ix_reader_doc_count(r2), NSMALL);
    ix_reader_close(r2);
  }
  char *t;
  size_t len;
  CHECK_EQ_INT(ix_doc_text(r1, 2, &t, &len, &e), SW_OK);
  if (t) CHECK_EQ_STR(t, small_text[2][2]);
  sw_free(t);
  ix_reader_close(r1);

  /* A second writer is refused while the first holds the lock. */
  IxWriter *w1, *w2;
  CHECK_EQ_INT(ix_writer_begin(dir, NULL, IX_REBUILD, &w1, &e), SW_OK);
  sw_error_clear(&e);
  CHECK_EQ_INT(ix_writer_begin(dir, NULL, IX_REBUILD, &w2, &e), SW_IO);
  CHECK(strstr(e.msg, "being written by another process") != NULL);
  CHECK(w2 == NULL);
  sw_error_clear(&e);
  /* An aborted writer leaves generation 2 serving and nothing behind. */
  CHECK_EQ_INT(ix_writer_add(w1, &docs[0], NULL, NULL, &e), SW_OK);
  ix_writer_abort(w1);
  ix_writer_abort(NULL);
  /* r1 is closed: w1's begin removed commit 2 and seg-00000001. */
  snprintf(path, sizeof path, "%s/seg-00000001", dir);
  CHECK(!dir_exists(path));
  snprintf(path, sizeof path, "%s/commit-00000002", dir);
  CHECK(!dir_exists(path) && access(path, F_OK) != 0);
  snprintf(path, sizeof path, "%s/seg-00000005", dir);
  CHECK(!dir_exists(path));
  CHECK_EQ_INT(ix_reader_open(dir, &r2, &e), SW_OK);
  if (r2) {
    CHECK_EQ_INT(r2->seg[0]->man.generation, 3);
    ix_reader_close(r2);
  }

  /* A killed writer leaves a partial directory: the next writer removes
  ** it, and meanwhile generation 2 serves. */
  snprintf(path, sizeof path, "%s/seg-00000007", dir);
  mkdir(path, 0755);
  snprintf(path, sizeof path, "%s/seg-00000007/run-0000.tmp", dir);
  write_file(path, (const uint8_t *)"junk", 4);
  CHECK_EQ_INT(ix_reader_open(dir, &r2, &e), SW_OK);
  if (r2) {
    CHECK_EQ_INT(r2->seg[0]->man.generation, 3);
    ix_reader_close(r2);
  }
  CHECK_EQ_INT(build(dir, docs, 2, 0, &st, &e), SW_OK);
  CHECK_EQ_INT(st.generation, 9);
  snprintf(path, sizeof path, "%s/seg-00000007", dir);
  CHECK(!dir_exists(path));
  snprintf(path, sizeof path, "%s/seg-00000003", dir);
  CHECK(!dir_exists(path));

  /* A document over the limit is refused; the writer stays usable. */
  IxWriter *w;
  CHECK_EQ_INT(ix_writer_begin(dir, NULL, IX_REBUILD, &w, &e), SW_OK);
  if (w) {
    IxDoc big = docs[0];
    big.text_len = SW_MAX_DOC_BYTES + 1; /* never read: refused first */
    sw_error_clear(&e);
    CHECK_EQ_INT(ix_writer_add(w, &big, NULL, NULL, &e), SW_LIMIT);
    sw_error_clear(&e);
    CHECK_EQ_INT(ix_writer_add(w, &docs[1], NULL, NULL, &e), SW_OK);
    CHECK_EQ_INT(ix_writer_docs(w), 1);
    CHECK_EQ_INT(ix_writer_commit(w, &st, &e), SW_OK);
    CHECK_EQ_INT(st.docs, 1);
  }

  /* An empty index commits and checks. */
  char dir2[512];
  subdir(dir2, "empty");
  CHECK_EQ_INT(build(dir2, docs, 0, 0, &st, &e), SW_OK);
  CHECK_EQ_INT(ix_check(dir2, NULL, NULL, &e), SW_OK);
  if (e.code) fprintf(stderr, "empty: %s\n", e.msg);
}

/* --------------------------------------------------------- corruption -- */

/* Reads everything through the API; must never crash. */
static void traverse(IxReader *r) {
  SwError e;
  IxDictIter di;
  ix_dict_iter_begin(&di, &r->seg[0]->dict);
  for (int guard = 0; guard < 100000; guard++) {
    sw_error_clear(&e);
    if (ix_dict_iter_next(&di, &e) || di.eof) break;
    IxTermInfo ti;
    ix_term_info_from_entry(&di.e, &ti);
    IxTermInfo ti2;
    ix_term_find(r, (const char *)di.term, di.term_len, &ti2, &e);
    IxPostings *p;
    if (ix_postings_open(r, &ti, 1, &p, &e)) continue;
    for (int k = 0; k < 100000 && !p->eof; k++) {
      const uint32_t *pos;
      uint32_t np;
      if (ix_postings_positions(p, &pos, &np, &e)) break;
      if (ix_postings_next(p, &e)) break;
    }
    ix_postings_free(p);
  }
  for (uint32_t d = 0; d < ix_reader_doc_count(r); d++) {
    IxDocMeta m;
    char *t;
    size_t len;
    ix_doc_meta(r, d, &m, &e);
    if (ix_doc_text(r, d, &t, &len, &e) == SW_OK) sw_free(t);
    (void)ix_doc_len(r, d);
  }
}

/* Open + traverse + check one damaged index; the result must be an error
** naming `name` (or, when allow_ok, possibly success). */
static void expect_damage(const char *dir, const char *name, int allow_ok,
                          const char *what) {
  SwError e;
  sw_error_clear(&e);
  IxReader *r;
  int rc = ix_reader_open(dir, &r, &e);
  if (rc == SW_OK) {
    traverse(r);
    ix_reader_close(r);
    sw_error_clear(&e);
    rc = ix_check(dir, NULL, NULL, &e);
  }
  if (rc == SW_OK && allow_ok) return;
  /* With repaired checksums the damage may surface in another file of the
  ** generation (a dictionary entry pointing elsewhere in the postings). */
  if (allow_ok) name = "seg-00000001/";
  int ok = (rc == SW_CORRUPT || rc == SW_VERSION) && strstr(e.msg, name);
  if (!ok)
    fprintf(stderr, "%s %s: rc %d msg \"%s\"\n", name, what, rc, e.msg);
  CHECK(ok);
}

/* The commit point names each segment's manifest checksum: after a
** manifest was rewritten, rewrite the first entry's (the tests' indexes
** have one segment) and the commit point's footer. segdir is DIR/seg-N. */
static void repair_commit(const char *segdir, uint64_t manifest_sum) {
  char dir[2048], path[2200], cur[64];
  snprintf(dir, sizeof dir, "%s", segdir);
  char *slash = strrchr(dir, '/');
  if (!slash) return;
  *slash = '\0';
  snprintf(path, sizeof path, "%s/CURRENT", dir);
  uint8_t *c;
  size_t cl;
  if (read_file(path, &c, &cl)) return;
  if (cl < 2 || cl >= sizeof cur) {
    free(c);
    return;
  }
  memcpy(cur, c, cl - 1);
  cur[cl - 1] = '\0';
  free(c);
  snprintf(path, sizeof path, "%s/%s", dir, cur);
  if (read_file(path, &c, &cl)) return;
  if (cl >= 40 + 48 + 16) {
    ix_put_u64(c + 40 + 16, manifest_sum);
    ix_put_u64(c + cl - 8, XXH3_64bits(c, cl - 8));
    write_file(path, c, cl);
  }
  free(c);
}

/* Rewrites footer checksum and the manifest entry so file damage passes
** every checksum (then only the decoders' checks stand in the way). */
static void rechecksum(const char *gen, int fi, uint8_t *data, size_t len) {
  if (len < 32) return;
  ix_put_u64(data + len - 16, len);
  ix_put_u64(data + len - 8, XXH3_64bits(data, len - 8));
  char path[2048];
  snprintf(path, sizeof path, "%s/manifest", gen);
  uint8_t *m;
  size_t ml;
  if (read_file(path, &m, &ml)) return;
  if (ml >= 56 + 32 * 6 + 16) { /* format 3 adds page sums after */
    ix_put_u64(m + 56 + 32 * fi + 16, len);
    ix_put_u64(m + 56 + 32 * fi + 24, ix_get_u64(data + len - 8));
    ix_put_u64(m + ml - 8, XXH3_64bits(m, ml - 8));
    write_file(path, m, ml);
    repair_commit(gen, ix_get_u64(m + ml - 8));
  }
  free(m);
}

static void test_corruption(void) {
  char dir[512], gen[1024], path[2048];
  subdir(dir, "corrupt");
  make_big(300);
  IxDoc *docs = calloc(nbig + NSMALL, sizeof *docs);
  big_docs(docs);
  small_docs(docs + nbig);
  SwError e;
  sw_error_clear(&e);
  CHECK_EQ_INT(build(dir, docs, nbig + NSMALL, 0, NULL, &e), SW_OK);
  snprintf(gen, sizeof gen, "%s/seg-00000001", dir);
  const char *files[] = {"manifest", "terms", "postings", "positions",
                         "doclens", "docmeta", "doctext"};
  uint64_t seed = 99;
  for (int fi = 0; fi < 7; fi++) {
    snprintf(path, sizeof path, "%s/%s", gen, files[fi]);
    uint8_t *orig;
    size_t len;
    if (read_file(path, &orig, &len)) {
      CHECK(0);
      continue;
    }
    uint8_t *man = NULL;
    size_t manlen = 0;
    char mpath[2048];
    snprintf(mpath, sizeof mpath, "%s/manifest", gen);
    read_file(mpath, &man, &manlen);
    /* Truncations, header and footer included. */
    size_t cuts[] = {0, 1, 8, 15, 16, 31, 32, len / 3, len / 2, len - 17,
                     len - 16, len - 9, len - 8, len - 1};
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
      if (cuts[c] >= len) continue;
      write_file(path, orig, cuts[c]);
      expect_damage(dir, files[fi], 0, "truncated");
    }
    /* Flipped bytes: every header and footer byte, and sampled others. */
    uint8_t *buf = malloc(len);
    for (size_t k = 0; k < 120; k++) {
      size_t at;
      if (k < 16) at = k;
      else if (k < 32) at = len - 32 + k;
      else {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        at = (size_t)(seed >> 20) % len;
      }
      memcpy(buf, orig, len);
      buf[at] ^= (uint8_t)(1u << (k % 8));
      write_file(path, buf, len);
      expect_damage(dir, files[fi], 0, "flipped");
    }
    /* Flipped bytes with repaired checksums: the decoders' turn. Any
    ** outcome but a crash or an unnamed error is fine. */
    if (fi > 0) {
      for (size_t k = 0; k < 150; k++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        size_t at = 16 + (size_t)(seed >> 20) % (len - 32);
        memcpy(buf, orig, len);
        buf[at] ^= (uint8_t)(seed >> 8) | 1;
        rechecksum(gen, fi - 1, buf, len);
        write_file(path, buf, len);
        expect_damage(dir, files[fi], 1, "flipped+rechecksummed");
        write_file(mpath, man, manlen);
        repair_commit(gen, ix_get_u64(man + manlen - 8));
      }
    }
    free(buf);
    /* A future version. */
    if (len >= 16) {
      memcpy(buf = malloc(len), orig, len);
      ix_put_u32(buf + 8, IX_FORMAT_VERSION + 1);
      write_file(path, buf, len);
      sw_error_clear(&e);
      IxReader *r;
      CHECK_EQ_INT(ix_reader_open(dir, &r, &e), SW_VERSION);
      CHECK(strstr(e.msg, "index format 4; this build reads 1..3") != NULL);
      CHECK(strstr(e.msg, files[fi]) != NULL);
      free(buf);
    }
    write_file(path, orig, len);
    free(orig);
    free(man);
  }
  /* CURRENT damaged or naming a missing generation. */
  snprintf(path, sizeof path, "%s/CURRENT", dir);
  write_file(path, (const uint8_t *)"commit-0000000x\n", 16);
  expect_damage(dir, "CURRENT", 0, "bad CURRENT");
  write_file(path, (const uint8_t *)"commit-00000005\n", 16);
  expect_damage(dir, "commit-00000005", 0, "missing commit point");
  write_file(path, (const uint8_t *)"gen-00000005\n", 13);
  expect_damage(dir, "gen-00000005", 0, "missing format-1 generation");
  write_file(path, (const uint8_t *)"commit-00000002\n", 16);
  sw_error_clear(&e);
  CHECK_EQ_INT(ix_check(dir, NULL, NULL, &e), SW_OK);
  free(docs);
}

/* ------------------------------------------------------------- faults -- */

static void test_faults(void) {
  char dir[512];
  subdir(dir, "faults");
  IxDoc docs[NSMALL];
  small_docs(docs);
  SwError e;
  sw_error_clear(&e);
  CHECK_EQ_INT(build(dir, docs, 2, 0, NULL, &e), SW_OK);
  int failures = 0, bad = 0;
  for (long n = 0; n < 400; n++) {
    sw_error_clear(&e);
    sw_fault_alloc_after(n);
    int rc = build(dir, docs, NSMALL, n % 2 ? 1 : 0, NULL, &e);
    sw_fault_alloc_reset();
    if (rc == SW_OK) break;
    failures++;
    if (rc != SW_NOMEM && rc != SW_INPUT) {
      bad++;
      fprintf(stderr, "fault %ld: rc %d %s\n", n, rc, e.msg);
    }
    /* The old generation still serves. */
    IxReader *r;
    sw_error_clear(&e);
    if (ix_reader_open(dir, &r, &e) != SW_OK) {
      bad++;
      fprintf(stderr, "fault %ld: old index gone: %s\n", n, e.msg);
      continue;
    }
    if (ix_reader_doc_count(r) != 2) bad++;
    ix_reader_close(r);
  }
  CHECK(failures > 10);
  CHECK_EQ_INT(bad, 0);
  IxReader *r;
  CHECK_EQ_INT(ix_reader_open(dir, &r, &e), SW_OK);
  if (r) {
    CHECK_EQ_INT(ix_reader_doc_count(r), NSMALL);
    ix_reader_close(r);
  }
}

/* ------------------------------------------------------ position seek -- */

/* ix_postings_position_seek and the positions cursor, against positions
** known by construction: documents over a vocabulary that analysis leaves
** as is, title "rubrik" (position 0), text token i at PS_TEXT0 + i. `kk` is
** dense in some documents (runs of one-byte deltas: the eight-at-a-time
** paths), `gm` sparse (two-byte deltas), `zq` only in 40,000-token
** documents, far apart (three-byte deltas). Lists span several blocks. */
#define PS_DOCS 700
#define PS_TEXT0 (1 + IX_FIELD_GAP)
#define PS_LONG 40000
static const char *ps_words[] = {"kk", "bk", "dr", "gm", "zq"};
#define PS_NWORDS (sizeof ps_words / sizeof ps_words[0])

typedef struct PsDoc {
  uint8_t *tok; /* word index of each text token */
  uint32_t n;   /* text tokens                   */
  char *text;   /* the text                      */
} PsDoc;

static uint64_t ps_rng;
static uint32_t ps_rand(uint32_t n) {
  ps_rng = ps_rng * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)((ps_rng >> 33) % n);
}

static void ps_make(PsDoc *pd, IxDoc *docs) {
  static char ids[PS_DOCS][16];
  ps_rng = 12345;
  for (uint32_t d = 0; d < PS_DOCS; d++) {
    int lng = d % 97 == 5;
    uint32_t n = lng ? PS_LONG : 1 + ps_rand(d % 3 ? 60 : 900);
    uint32_t dense = d % 4 == 0 ? 70 : d % 4 == 1 ? 30 : 6;
    pd[d].n = n;
    pd[d].tok = malloc(n);
    pd[d].text = malloc((size_t)n * 3 + 1);
    size_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t r = ps_rand(100), w;
      if (lng && (i == 3 || i == 20003 || i == PS_LONG - 1)) w = 4; /* zq */
      else if (r < dense) w = 0;                                  /* kk */
      else if (r < 97) w = 1 + (r % 2);                           /* bk dr */
      else w = 3;                                                 /* gm */
      pd[d].tok[i] = (uint8_t)w;
      memcpy(pd[d].text + o, ps_words[w], 2);
      pd[d].text[o + 2] = ' ';
      o += 3;
    }
    pd[d].text[o] = '\0';
    snprintf(ids[d], sizeof ids[d], "ps%u", d);
    docs[d] = mkdoc(ids[d], "rubrik", pd[d].text);
  }
}

/* Positions of word w in doc d (the caller frees). */
static uint32_t *ps_ref(const PsDoc *pd, uint32_t w, uint32_t *n) {
  uint32_t *v = malloc(((size_t)pd->n + 1) * sizeof *v), k = 0;
  for (uint32_t i = 0; i < pd->n; i++)
    if (pd->tok[i] == w) v[k++] = PS_TEXT0 + i;
  *n = k;
  return v;
}

/* 0 if seek(target) answers as the reference ref[0..n) says. */
static int ps_seek_ok(IxPostings *p, const uint32_t *ref, uint32_t n,
                      uint32_t target) {
  SwError e;
  sw_error_clear(&e);
  uint32_t at = 7;
  int found = 7;
  if (ix_postings_position_seek(p, target, &at, &found, &e) != SW_OK) return 1;
  uint32_t k = 0;
  while (k < n && ref[k] < target) k++;
  if (k == n) return found != 0 || at != 0 ? 2 : 0;
  return found != 1 || at != ref[k] ? 3 : 0;
}

/* Walk every list of the index in dir, mixing per document: nothing (the
** cursor skips it), whole positions, seeks with rising targets, a falling
** target, seeks then positions then seeks, and doc seeks over blocks. */
static void ps_walk(const char *dir, const PsDoc *pd) {
  IxReader *r;
  SwError e;
  sw_error_clear(&e);
  CHECK_EQ_INT(ix_reader_open(dir, &r, &e), SW_OK);
  if (!r) return;
  for (uint32_t w = 0; w < PS_NWORDS; w++) {
    IxTermInfo ti;
    CHECK_EQ_INT(ix_term_find(r, ps_words[w], 2, &ti, &e), SW_OK);
    for (int round = 0; round < 3; round++) {
      IxPostings *p;
      if (ix_postings_open(r, &ti, 1, &p, &e)) {
        CHECK(0);
        break;
      }
      int bad = 0;
      uint32_t docs = 0;
      for (uint32_t d = 0; d < PS_DOCS && !bad; d++) {
        uint32_t n, *ref = ps_ref(&pd[d], w, &n);
        if (n == 0) {
          free(ref);
          continue;
        }
        /* Round 2 jumps ahead with doc seeks, skipping whole blocks. */
        if (round == 2 && ps_rand(4) == 0) {
          free(ref);
          continue;
        }
        if (ix_postings_seek(p, d, &e) || p->doc != d || p->freq != n) {
          bad = 1;
          free(ref);
          break;
        }
        docs++;
        const uint32_t *pos;
        uint32_t np, last = ref[n - 1], t = 0;
        switch (round == 0 ? d % 6 : ps_rand(6)) {
        case 0: /* skipped unread */
          break;
        case 1: /* whole, twice */
          for (int twice = 0; twice < 2 && !bad; twice++) {
            if (ix_postings_positions(p, &pos, &np, &e) || np != n ||
                memcmp(pos, ref, n * sizeof *ref))
              bad = 4;
          }
          break;
        case 2: /* rising targets, some equal to positions */
          for (int k = 0; k < 12 && !bad; k++) {
            t += ps_rand(k % 3 ? 40 : 2000);
            uint32_t c = ref[ps_rand(n)];
            if (k % 4 == 3 && c > t) t = c;
            bad = ps_seek_ok(p, ref, n, t) ? 5 : 0;
          }
          if (!bad) bad = ps_seek_ok(p, ref, n, last + 1) ? 6 : 0;
          break;
        case 3: /* seek, whole, seek (answered from the decoded array) */
          bad = ps_seek_ok(p, ref, n, ref[n / 2]) ? 7 : 0;
          if (!bad && (ix_postings_positions(p, &pos, &np, &e) || np != n ||
                       memcmp(pos, ref, n * sizeof *ref)))
            bad = 8;
          if (!bad) bad = ps_seek_ok(p, ref, n, ref[0]) ? 9 : 0;
          if (!bad) bad = ps_seek_ok(p, ref, n, last) ? 10 : 0;
          break;
        case 4: /* a falling target rescans the document */
          bad = ps_seek_ok(p, ref, n, last) ? 11 : 0;
          if (!bad) bad = ps_seek_ok(p, ref, n, 0) ? 12 : 0;
          if (!bad) bad = ps_seek_ok(p, ref, n, ref[0] + 1) ? 13 : 0;
          break;
        default: /* a partial seek, then the cursor moves on */
          bad = ps_seek_ok(p, ref, n, ref[0]) ? 14 : 0;
          break;
        }
        if (bad) fprintf(stderr, "position seek %s round %d doc %u: bad %d\n",
                         ps_words[w], round, d, bad);
        free(ref);
      }
      CHECK_EQ_INT(bad, 0);
      CHECK(docs > 0);
      /* At the end: nothing, and no error. */
      uint32_t at = 1;
      int found = 1;
      CHECK_EQ_INT(ix_postings_seek(p, PS_DOCS, &e), SW_OK);
      CHECK(p->eof);
      CHECK_EQ_INT(ix_postings_position_seek(p, 0, &at, &found, &e), SW_OK);
      CHECK(found == 0 && at == 0);
      ix_postings_free(p);
    }
  }
  ix_reader_close(r);
}

/* Damaged positions (checksums repaired, so only the decoders stand in the
** way): seeks and whole decodes may fail only with SW_CORRUPT naming the
** positions file, never crash or read out of bounds (ASan builds). */
static void ps_damage(const char *dir) {
  char gen[1024], path[2048];
  snprintf(gen, sizeof gen, "%s/seg-00000001", dir);
  snprintf(path, sizeof path, "%s/positions", gen);
  uint8_t *orig, *man = NULL, *buf;
  size_t len, manlen = 0;
  char mpath[2048];
  snprintf(mpath, sizeof mpath, "%s/manifest", gen);
  if (read_file(path, &orig, &len) || read_file(mpath, &man, &manlen)) {
    CHECK(0);
    return;
  }
  buf = malloc(len);
  uint64_t seed = 7;
  int errors = 0, bad = 0;
  for (int k = 0; k < 120; k++) {
    memcpy(buf, orig, len);
    for (int f = 0; f < 1 + k % 3; f++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      size_t at = 16 + (size_t)(seed >> 20) % (len - 32);
      buf[at] ^= (uint8_t)(k % 2 ? 0x80 : (seed >> 8) | 1);
    }
    rechecksum(gen, 2, buf, len);
    write_file(path, buf, len);
    IxReader *r;
    SwError e;
    sw_error_clear(&e);
    if (ix_reader_open(dir, &r, &e) == SW_OK) {
      for (uint32_t w = 0; w < PS_NWORDS; w++) {
        IxTermInfo ti;
        IxPostings *p;
        if (ix_term_find(r, ps_words[w], 2, &ti, &e) ||
            ix_postings_open(r, &ti, 1, &p, &e))
          continue;
        int rc = SW_OK;
        for (uint32_t i = 0; !p->eof && rc == SW_OK; i++) {
          const uint32_t *pos;
          uint32_t np, at2;
          int found;
          if (i % 3 == 0) rc = ix_postings_positions(p, &pos, &np, &e);
          else if (i % 3 == 1)
            rc = ix_postings_position_seek(p, i * 7, &at2, &found, &e);
          if (rc == SW_OK) rc = ix_postings_next(p, &e);
        }
        if (rc != SW_OK) {
          errors++;
          if (rc != SW_CORRUPT || !strstr(e.msg, "positions")) {
            bad++;
            fprintf(stderr, "damaged positions: rc %d \"%s\"\n", rc, e.msg);
          }
        }
        ix_postings_free(p);
      }
      ix_reader_close(r);
    }
    write_file(mpath, man, manlen);
    repair_commit(gen, ix_get_u64(man + manlen - 8));
  }
  write_file(path, orig, len);
  CHECK_EQ_INT(bad, 0);
  CHECK(errors > 0);
  free(buf);
  free(orig);
  free(man);
}

static void test_position_seek(void) {
  PsDoc *pd = calloc(PS_DOCS, sizeof *pd);
  IxDoc *docs = calloc(PS_DOCS, sizeof *docs);
  ps_make(pd, docs);
  char dir[512], dirz[512];
  subdir(dir, "posseek");
  subdir(dirz, "posseek-zstd");
  SwError e;
  sw_error_clear(&e);
  CHECK_EQ_INT(build(dir, docs, PS_DOCS, 0, NULL, &e), SW_OK);
  CHECK_EQ_INT(build_zstd(dirz, docs, PS_DOCS, 0, 3, NULL, &e), SW_OK);
  CHECK_EQ_INT(ix_check(dir, NULL, NULL, &e), SW_OK);
  CHECK_EQ_INT(ix_check(dirz, NULL, NULL, &e), SW_OK);
  ps_rng = 99;
  ps_walk(dir, pd);
  ps_walk(dirz, pd);
  ps_damage(dir);
  for (uint32_t d = 0; d < PS_DOCS; d++) {
    free(pd[d].tok);
    free(pd[d].text);
  }
  free(pd);
  free(docs);
}

/* Format 3's manifest records the analysis version: an index built by
** another analysis is refused with SW_VERSION saying "rebuild"; and a
** flipped byte in a page of terms or docmeta that a query reads is caught
** by its page sum (the whole-file footer repaired, so only the page sum
** stands in the way). */
static void test_analysis_version(void) {
  char dir[512], gen[1024], path[2048];
  subdir(dir, "analysis");
  IxDoc *docs = calloc(NSMALL, sizeof *docs);
  small_docs(docs);
  SwError e;
  sw_error_clear(&e);
  CHECK_EQ_INT(build(dir, docs, NSMALL, 0, NULL, &e), SW_OK);
  free(docs);
  snprintf(gen, sizeof gen, "%s/seg-00000001", dir);
  snprintf(path, sizeof path, "%s/manifest", gen);
  uint8_t *m;
  size_t ml;
  if (read_file(path, &m, &ml)) {
    CHECK(0);
    return;
  }
  CHECK(ml > 56 + 32 * 6 + 16);
  CHECK_EQ_INT(ix_get_u32(m + 248), IX_ANALYSIS_VERSION);
  ix_put_u32(m + 248, IX_ANALYSIS_VERSION + 1);
  ix_put_u64(m + ml - 8, XXH3_64bits(m, ml - 8));
  write_file(path, m, ml);
  repair_commit(gen, ix_get_u64(m + ml - 8));
  IxReader *r;
  sw_error_clear(&e);
  CHECK_EQ_INT(ix_reader_open(dir, &r, &e), SW_VERSION);
  CHECK(strstr(e.msg, "rebuild") != NULL);
  CHECK(strstr(e.msg, "manifest") != NULL);
  ix_put_u32(m + 248, IX_ANALYSIS_VERSION);
  ix_put_u64(m + ml - 8, XXH3_64bits(m, ml - 8));
  write_file(path, m, ml);
  repair_commit(gen, ix_get_u64(m + ml - 8));
  free(m);
  /* A byte of docmeta's records (read when a hit is shown) flipped, the
  ** footer repaired: its page sum fails, naming docmeta and the page, at
  ** open (this small file is one page, the header's) or when read. */
  snprintf(path, sizeof path, "%s/docmeta", gen);
  uint8_t *d;
  size_t dl;
  if (read_file(path, &d, &dl)) {
    CHECK(0);
    return;
  }
  d[dl - 20] ^= 0x20;
  rechecksum(gen, 4, d, dl);
  write_file(path, d, dl);
  sw_error_clear(&e);
  r = NULL;
  int bad = 0;
  if (ix_reader_open(dir, &r, &e) == SW_CORRUPT) { /* the page of the header */
    bad = strstr(e.msg, "docmeta") && strstr(e.msg, "page");
  } else if (r) {
    for (SwDocId i = 0; i < NSMALL; i++) {
      IxDocMeta dm;
      sw_error_clear(&e);
      if (ix_doc_meta(r, i, &dm, &e) == SW_CORRUPT &&
          strstr(e.msg, "docmeta") && strstr(e.msg, "page"))
        bad++;
    }
    ix_reader_close(r);
  }
  if (!bad) fprintf(stderr, "flipped docmeta byte: %s\n", e.msg);
  CHECK(bad > 0);
  free(d);
}

int main(void) {
  snprintf(tmp_root, sizeof tmp_root, "/tmp/test_index-XXXXXX");
  if (!mkdtemp(tmp_root)) {
    perror("mkdtemp");
    return 1;
  }
  test_codec();
  test_small();
  test_big();
  test_publish();
  test_corruption();
  test_analysis_version();
  test_faults();
  test_position_seek();
  free_big();
  tu_rm_rf(tmp_root);
  return tu_done();
}
