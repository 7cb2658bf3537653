/*
** inspect.c — sw_inspect_segments, sw_inspect_term, sw_inspect_doc
** (swsearch.h, "inspection"): the index as it is stored, for developers.
** Each call opens its own reader on dir and closes it before returning; the
** results are copied into allocations chained on the result's mem_ so one
** free releases them all.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "engine_int.h"
#include "index.h"
#include "swsearch.h"

/* ------------------------------------------------------------- arena -- */

/* One allocation of a result; the next one chained before it. */
typedef union Block {
  union Block *next;
  max_align_t align;
} Block;

/* n zeroed bytes chained on *mem; NULL when out of memory. */
static void *arena_alloc(void **mem, size_t n) {
  if (n > SIZE_MAX - sizeof(Block)) return NULL;
  Block *b = sw_calloc(1, sizeof(Block) + n);
  if (!b) return NULL;
  b->next = *mem;
  *mem = b;
  return b + 1;
}

static void arena_free(void *mem) {
  Block *b = mem;
  while (b) {
    Block *next = b->next;
    sw_free(b);
    b = next;
  }
}

/* A NUL-terminated copy of s[0..n) chained on *mem. */
static char *arena_str(void **mem, const char *s, size_t n) {
  char *p = arena_alloc(mem, n + 1);
  if (p && n) memcpy(p, s, n);
  return p;
}

static int nomem(SwError *err) {
  return sw_error_set(err, SW_NOMEM, "out of memory (inspect)");
}

/* ---------------------------------------------------------- segments -- */

static int fill_segment(const IxReader *r, uint32_t i, SwInspectSegment *out,
                        void **mem) {
  IxSegmentInfo si;
  ix_reader_segment_info(r, i, &si);
  out->name = arena_str(mem, si.name, strlen(si.name));
  out->dir = arena_str(mem, si.dir, strlen(si.dir));
  if (!out->name || !out->dir) return SW_NOMEM;
  out->format_version = si.version;
  out->number = si.number;
  out->first_doc = si.base;
  out->docs = si.docs;
  out->deleted = si.ndel;
  out->live_docs = si.docs - si.ndel;
  out->terms = si.terms;
  out->tokens = si.tokens;
  out->text_bytes = si.text_bytes;
  out->analysis = si.analysis;
  out->impact_k1 = si.impact_k1;
  out->impact_b = si.impact_b;
  out->nfiles = si.nfiles;
  for (size_t f = 0; f < si.nfiles; f++) {
    snprintf(out->files[f].name, sizeof out->files[f].name, "%s",
             si.file_name[f]);
    out->files[f].bytes = si.file_size[f];
    out->files[f].checksum = si.file_sum[f];
  }
  return SW_OK;
}

int sw_inspect_segments(const char *dir, SwInspectCommit **out,
                        SwError *err) {
  *out = NULL;
  void *mem = NULL;
  IxReader *r = NULL;
  int rc = ix_reader_open(dir, &r, err);
  if (rc != SW_OK) goto fail;
  SwInspectCommit *c = arena_alloc(&mem, sizeof *c);
  uint32_t n = ix_reader_segments(r);
  if (!c || !(c->dir = arena_str(&mem, dir, strlen(dir))) ||
      !(c->segments = arena_alloc(&mem, (n ? n : 1) * sizeof *c->segments))) {
    rc = nomem(err);
    goto fail;
  }
  c->generation = ix_reader_generation(r);
  c->legacy = ix_reader_legacy(r);
  c->docs = ix_reader_doc_count(r);
  c->live_docs = ix_reader_live_docs(r);
  c->nsegments = n;
  for (uint32_t i = 0; i < n; i++) {
    if (fill_segment(r, i, &c->segments[i], &mem) != SW_OK) {
      rc = nomem(err);
      goto fail;
    }
  }
  ix_reader_close(r);
  c->mem_ = mem;
  *out = c;
  return SW_OK;
fail:
  ix_reader_close(r);
  arena_free(mem);
  return rc;
}

void sw_inspect_commit_free(SwInspectCommit *c) {
  if (c) arena_free(c->mem_);
}

/* -------------------------------------------------------------- term -- */

/* The postings of t in segment i: its dictionary entry and the first max
** (0: all) postings. *found = 0 when the segment lacks the term. */
static int term_segment(IxReader *r, uint32_t i, const SwInspectTerm *t,
                        size_t max, int positions, SwInspectTermSegment *out,
                        int *found, void **mem, SwError *err) {
  IxTermInfo ti;
  IxPostings *p = NULL;
  IxSegmentInfo si;
  *found = 0;
  int rc = ix_segment_postings(r, i, t->term, t->term_len, positions, &ti, &p,
                               err);
  if (rc == SW_NOTFOUND) return SW_OK;
  if (rc != SW_OK) goto done;
  *found = 1;
  ix_reader_segment_info(r, i, &si);
  out->segment = i;
  out->name = arena_str(mem, si.name, strlen(si.name));
  out->df = ti.df;
  out->cf = ti.cf;
  out->max_tf = ti.max_tf;
  size_t cap = max && max < ti.df ? max : ti.df;
  out->postings = arena_alloc(mem, (cap ? cap : 1) * sizeof *out->postings);
  if (!out->name || !out->postings) {
    rc = nomem(err);
    goto done;
  }
  while (!p->eof) {
    if (out->npostings == cap) {
      out->truncated = 1;
      break;
    }
    SwInspectPosting *o = &out->postings[out->npostings++];
    o->doc = si.base + p->doc;
    o->freq = p->freq;
    o->deleted = ix_reader_is_deleted(r, o->doc);
    if (positions) {
      const uint32_t *pos;
      uint32_t n;
      if ((rc = ix_postings_positions(p, &pos, &n, err)) != SW_OK) goto done;
      uint32_t *copy = arena_alloc(mem, (n ? n : 1) * sizeof *copy);
      if (!copy) {
        rc = nomem(err);
        goto done;
      }
      if (n) memcpy(copy, pos, n * sizeof *copy);
      o->positions = copy;
      o->npositions = n;
    }
    if ((rc = ix_postings_next(p, err)) != SW_OK) goto done;
  }
  rc = SW_OK;
done:
  ix_postings_free(p);
  return rc;
}

/* Look t up in the whole index and in each segment. */
static int term_lookup(IxReader *r, SwInspectTerm *t, size_t max,
                       int positions, void **mem, SwError *err) {
  IxTermInfo ti;
  int rc = ix_term_find(r, t->term, t->term_len, &ti, err);
  if (rc != SW_OK && rc != SW_NOTFOUND) return rc;
  if (rc == SW_OK) {
    t->df = ti.df;
    t->cf = ti.cf;
  }
  uint32_t n = ix_reader_segments(r);
  t->segments = arena_alloc(mem, (n ? n : 1) * sizeof *t->segments);
  if (!t->segments) return nomem(err);
  for (uint32_t i = 0; i < n; i++) {
    int found;
    rc = term_segment(r, i, t, max, positions, &t->segments[t->nsegments],
                      &found, mem, err);
    if (rc != SW_OK) return rc;
    if (found) t->nsegments++;
  }
  t->found = t->nsegments > 0;
  return SW_OK;
}

int sw_inspect_term(const char *dir, const char *word, size_t len,
                    size_t max_postings, int positions, SwInspectTerms **out,
                    SwError *err) {
  *out = NULL;
  void *mem = NULL;
  IxReader *r = NULL;
  AnAnalyzer *an = NULL;
  AnToken tok;
  int rc, more;
  if (len > SW_MAX_QUERY_BYTES)
    return sw_error_set(err, SW_QUERY, "the word is %zu bytes; the limit is %d",
                        len, SW_MAX_QUERY_BYTES);
  SwInspectTerms *ts = arena_alloc(&mem, sizeof *ts);
  /* A word of len bytes gives at most len terms. */
  if (!ts || !(ts->word = arena_str(&mem, word, len)) ||
      !(ts->terms = arena_alloc(&mem, (len ? len : 1) * sizeof *ts->terms))) {
    rc = nomem(err);
    goto fail;
  }
  /* The analysis of a query word (query.c): no compound parts or
  ** identifiers, stop words kept and flagged. */
  if ((rc = an_new(&an, err)) != SW_OK) goto fail;
  an_set_extras(an, 0);
  an_begin(an, word, len, 0);
  while ((more = an_next(an, &tok)) > 0) {
    if (tok.flags & AN_EXTRA) continue;
    if (ts->nterms == len) break;
    SwInspectTerm *t = &ts->terms[ts->nterms++];
    t->surface = arena_str(&mem, word + tok.start, tok.end - tok.start);
    t->term = arena_str(&mem, tok.term, tok.term_len);
    t->term_len = tok.term_len;
    t->stopword = (tok.flags & AN_STOP) != 0;
    if (!t->surface || !t->term) {
      rc = nomem(err);
      goto fail;
    }
  }
  if (more < 0) {
    rc = nomem(err);
    goto fail;
  }
  an_free(an);
  an = NULL;
  if (ts->nterms == 0) {
    rc = sw_error_set(err, SW_QUERY, "no term to look up (the analysis "
                      "keeps no word of it)");
    goto fail;
  }
  if ((rc = ix_reader_open(dir, &r, err)) != SW_OK) goto fail;
  for (size_t i = 0; i < ts->nterms; i++)
    if ((rc = term_lookup(r, &ts->terms[i], max_postings, positions, &mem,
                          err)) != SW_OK)
      goto fail;
  ix_reader_close(r);
  ts->mem_ = mem;
  *out = ts;
  return SW_OK;
fail:
  an_free(an);
  ix_reader_close(r);
  arena_free(mem);
  return rc;
}

void sw_inspect_terms_free(SwInspectTerms *t) {
  if (t) arena_free(t->mem_);
}

/* --------------------------------------------------------------- doc -- */

/* The record of global doc d into *o. */
static int fill_doc(IxReader *r, SwDocId d, const IxDocMeta *m,
                    SwInspectDoc *o, void **mem, SwError *err) {
  uint32_t seg = ix_reader_segment_of(r, d);
  IxSegmentInfo si;
  ix_reader_segment_info(r, seg, &si);
  o->doc = d;
  o->segment = seg;
  o->local_doc = d - si.base;
  o->length = ix_doc_len(r, d);
  o->deleted = ix_reader_is_deleted(r, d);
  o->segment_name = arena_str(mem, si.name, strlen(si.name));
  o->id = arena_str(mem, m->id, m->id_len);
  o->title = arena_str(mem, m->title, m->title_len);
  o->date = arena_str(mem, m->date, m->date_len);
  o->source = arena_str(mem, m->source, m->source_len);
  o->url = arena_str(mem, m->url, m->url_len);
  o->file = arena_str(mem, m->file, m->file_len);
  if (!o->segment_name || !o->id || !o->title || !o->date || !o->source ||
      !o->url || !o->file)
    return nomem(err);
  /* The stored facet field (engine/facet.c reads it): facet terms as
  ** key:value, identifiers of the id as ident:canon. */
  const char *term;
  size_t tl, off = 0, n = 0;
  while (eng_facet_field_next(m->facets, m->facets_len, &off, &term, &tl)) n++;
  o->facets = arena_alloc(mem, (n ? n : 1) * sizeof *o->facets);
  if (!o->facets) return nomem(err);
  off = 0;
  while (eng_facet_field_next(m->facets, m->facets_len, &off, &term, &tl)) {
    char buf[8 + 256];
    size_t l = 0;
    if (term[0] == AN_NS_IDENT) {
      memcpy(buf, "ident:", 6);
      l = 6;
    }
    memcpy(buf + l, term + 1, tl - 1); /* without the namespace byte */
    l += tl - 1;
    SwInspectFacet *fc = &o->facets[o->nfacets++];
    fc->value = arena_str(mem, buf, l);
    fc->len = l;
    if (!fc->value) return nomem(err);
  }
  return SW_OK;
}

/* "#N": an internal doc id. 1 and *d when s[0..len) is one. */
static int internal_id(const char *s, size_t len, SwDocId *d) {
  if (len < 2 || len > 11 || s[0] != '#') return 0;
  uint64_t v = 0;
  for (size_t i = 1; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (v > UINT32_MAX) return 0;
  *d = (SwDocId)v;
  return 1;
}

int sw_inspect_doc(const char *dir, const char *id, size_t len,
                   SwInspectDocs **out, SwError *err) {
  *out = NULL;
  void *mem = NULL;
  IxReader *r = NULL;
  int rc;
  SwInspectDocs *ds = arena_alloc(&mem, sizeof *ds);
  if (!ds || !(ds->query = arena_str(&mem, id, len))) {
    rc = nomem(err);
    goto fail;
  }
  if ((rc = ix_reader_open(dir, &r, err)) != SW_OK) goto fail;
  uint32_t ndocs = ix_reader_doc_count(r);
  SwDocId want = 0;
  int by_number = internal_id(id, len, &want);
  /* An id is live at most once, but deleted versions keep their records:
  ** count the matches, then fill them. */
  size_t nmatch = 0;
  IxDocMeta m;
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) {
      if (nmatch == 0) break;
      ds->docs = arena_alloc(&mem, nmatch * sizeof *ds->docs);
      if (!ds->docs) {
        rc = nomem(err);
        goto fail;
      }
    }
    SwDocId first = by_number ? want : 0;
    SwDocId end = by_number ? (want < ndocs ? want + 1 : want) : ndocs;
    for (SwDocId d = first; d < end; d++) {
      if ((rc = ix_doc_meta(r, d, &m, err)) != SW_OK) goto fail;
      if (!by_number && (m.id_len != len || memcmp(m.id, id, len) != 0))
        continue;
      if (pass == 0) {
        nmatch++;
        continue;
      }
      if ((rc = fill_doc(r, d, &m, &ds->docs[ds->ndocs++], &mem, err)) !=
          SW_OK)
        goto fail;
    }
  }
  ix_reader_close(r);
  ds->mem_ = mem;
  *out = ds;
  return SW_OK;
fail:
  ix_reader_close(r);
  arena_free(mem);
  return rc;
}

void sw_inspect_docs_free(SwInspectDocs *d) {
  if (d) arena_free(d->mem_);
}
