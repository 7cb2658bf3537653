/*
** search.c — the searching half of the public API (swsearch.h): opening an
** index, sw_search (parse -> evaluate -> metadata and snippets -> one
** results allocation), stats, check, sw_analyze and the default index
** directory; plus sw_grow, the scratch-array helper the engine shares.
** Building (sw_build) is build.c's; parsing, evaluation, ranking and
** snippets are query.c, eval.c, bm25.c and snippet.c.
**
** An SwIndex holds the reader, one analyzer and the per-query scratch
** (query AST, evaluator, snippet buffers) reused from query to query, so it
** must be used by one thread at a time; open one per thread to search in
** parallel (the mappings are shared by the OS).
*/
#include "engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_K 10
/* Compound parts join the query when fewer documents than this hold every
** clause (sw_search). */
#define ENG_PARTS_BELOW 10
#define DEFAULT_SNIPPET_CHARS 200
#define MAX_SNIPPET_CHARS 65536

struct SwIndex {
  IxReader *reader;     /* the open generation                            */
  AnAnalyzer *an;       /* analyses queries and snippet texts             */
  float *norms;         /* BM25 length norm per document (bm25.c)         */
  EngQuery *query;      /* the AST of the current query                   */
  EngEval *eval;        /* evaluation scratch and the top-k heap          */
  EngSnippet *snip;     /* snippet scratch                                */
  char *sbuf;           /* the current query's snippets, concatenated     */
  size_t sbuf_cap;      /* ... allocated                                  */
  size_t sbuf_len;      /* ... bytes used                                 */
  size_t *soff;         /* per hit: offset and length in sbuf (2 each)    */
  size_t soff_cap;      /* ... allocated                                  */
  IxDocMeta *meta;      /* per hit: its stored metadata (borrowed)        */
  size_t meta_cap;      /* ... allocated                                  */
  EngSynonyms *syn;     /* synonyms applied to queries, or NULL           */
};

/* -------------------------------------------------------------- facets -- */

#define FACET_FIELDS 4
#define FACET_TOP 10
/* The fields SwResults counts, in its order, and which each key is. */
static const int facet_counted[FACET_FIELDS] = {ENG_FK_TYPE, ENG_FK_YEAR,
                                                ENG_FK_ORGAN, ENG_FK_PARTY};

static int facet_field_of(int key) {
  for (int i = 0; i < FACET_FIELDS; i++)
    if (facet_counted[i] == key) return i;
  return -1;
}

typedef struct FacetCount {
  int field;
  const char *value;   /* borrowed from the mapping (live until close) */
  size_t len;
  uint64_t count;
} FacetCount;

static int facet_cmp(const void *a, const void *b) {
  const FacetCount *x = a, *y = b;
  if (x->field != y->field) return x->field - y->field;
  if (x->count != y->count) return x->count < y->count ? 1 : -1;
  size_t m = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->value, y->value, m);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Count the facets of docs[0..n) into a new sorted array (*out, *nout). */
static int count_facets(SwIndex *ix, const SwDocId *docs, size_t n,
                        FacetCount **out, size_t *nout, SwError *err) {
  FacetCount *fc = NULL;
  size_t nfc = 0, cap = 0;
  *out = NULL;
  *nout = 0;
  for (size_t i = 0; i < n; i++) {
    IxDocMeta m;
    int rc = ix_doc_meta(ix->reader, docs[i], &m, err);
    if (rc) {
      sw_free(fc);
      return rc;
    }
    size_t o = 0;
    EngFacetRef r;
    while (eng_facet_next(m.facets, m.facets_len, &o, &r)) {
      int field = facet_field_of(r.key);
      if (field < 0) continue;
      size_t j = 0;
      while (j < nfc && !(fc[j].field == field && fc[j].len == r.len &&
                          !memcmp(fc[j].value, r.value, r.len)))
        j++;
      if (j == nfc) {
        if (sw_grow((void **)&fc, &cap, nfc + 1, sizeof *fc)) {
          sw_free(fc);
          return sw_error_set(err, SW_NOMEM, "out of memory (facets)");
        }
        fc[nfc++] = (FacetCount){field, r.value, r.len, 0};
      }
      fc[j].count++;
    }
  }
  if (nfc) qsort(fc, nfc, sizeof *fc, facet_cmp);
  /* Keep the FACET_TOP best of each field. */
  size_t keep = 0;
  for (size_t j = 0; j < nfc; j++) {
    size_t rank = 0;
    while (keep > rank && fc[keep - 1 - rank].field == fc[j].field) rank++;
    if (rank < FACET_TOP) fc[keep++] = fc[j];
  }
  *out = fc;
  *nout = keep;
  return SW_OK;
}

/* The hit metadata of m: type, organs, parties, dnr as "a, b" strings into
** buf (NUL-terminated, at off[0..3]); returns the bytes used. *dag gets the
** date found in the text (the dag: facet), or stays NULL. Two passes over
** the facets: sizes, then the values in place. */
static size_t hit_meta(const IxDocMeta *m, char *buf, size_t cap,
                       size_t off[4], const char **dag, size_t *dag_len) {
  static const int keys[4] = {ENG_FK_TYPE, ENG_FK_ORGAN, ENG_FK_PARTY,
                               ENG_FK_DNR};
  size_t need[4] = {0, 0, 0, 0}, at[4];
  EngFacetRef r;
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) {
      size_t o = 0;
      for (int k = 0; k < 4; k++) o += need[k] + 1;
      if (o > cap) { /* cannot happen: cap covers the facets */
        buf[0] = '\0';
        off[0] = off[1] = off[2] = off[3] = 0;
        return 1;
      }
      o = 0;
      for (int k = 0; k < 4; k++) {
        off[k] = at[k] = o;
        o += need[k] + 1;
        buf[o - 1] = '\0';
      }
    }
    size_t p = 0;
    while (eng_facet_next(m->facets, m->facets_len, &p, &r)) {
      int k = 0;
      while (k < 4 && r.key != keys[k]) k++;
      if (k == 4) {
        if (pass == 0 && r.key == ENG_FK_DAY && r.len < 16) {
          *dag = r.value;
          *dag_len = r.len;
        }
        continue;
      }
      if (pass == 0) {
        need[k] += (need[k] ? 2 : 0) + r.len;
        continue;
      }
      if (at[k] != off[k]) buf[at[k]++] = ',', buf[at[k]++] = ' ';
      size_t v0 = at[k];
      memcpy(buf + at[k], r.value, r.len);
      at[k] += r.len;
      if (k == 2) /* party codes are written upper case */
        for (size_t i = v0; i < at[k]; i++)
          if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] = (char)(buf[i] - 32);
    }
  }
  return off[3] + need[3] + 1;
}

/* ---------------------------------------------------------- open/close -- */

int sw_index_open(const char *dir, SwIndex **out, SwError *err) {
  SwIndex *ix = NULL;
  int rc;
  if (out) *out = NULL;
  if (!dir || !out)
    return sw_error_set(err, SW_INPUT, "sw_index_open: no directory given");
  ix = sw_calloc(1, sizeof *ix);
  if (!ix) {
    rc = sw_error_set(err, SW_NOMEM, "out of memory (index handle)");
    goto fail;
  }
  rc = ix_reader_open(dir, &ix->reader, err);
  if (rc) goto fail;
  rc = an_new(&ix->an, err);
  if (rc) goto fail;
  rc = eng_bm25_norms(ix->reader, &ix->norms, err);
  if (rc) goto fail;
  rc = eng_query_new(&ix->query, err);
  if (rc) goto fail;
  rc = eng_eval_new(&ix->eval, err);
  if (rc) goto fail;
  rc = eng_snippet_new(&ix->snip, err);
  if (rc) goto fail;
  *out = ix;
  return SW_OK;

fail:
  sw_index_close(ix);
  return rc;
}

int sw_index_load_synonyms(SwIndex *ix, const char *path, SwError *err) {
  if (!ix || !path)
    return sw_error_set(err, SW_INPUT, "sw_index_load_synonyms: no path");
  EngSynonyms *syn;
  int rc = eng_synonyms_load(path, ix->an, &syn, err);
  if (rc) return rc;
  eng_synonyms_free(ix->syn);
  ix->syn = syn;
  return SW_OK;
}

void sw_index_close(SwIndex *ix) {
  if (!ix) return;
  eng_synonyms_free(ix->syn);
  eng_snippet_free(ix->snip);
  eng_eval_free(ix->eval);
  eng_query_free(ix->query);
  sw_free(ix->norms);
  an_free(ix->an);
  ix_reader_close(ix->reader);
  sw_free(ix->sbuf);
  sw_free(ix->soff);
  sw_free(ix->meta);
  sw_free(ix);
}

/* -------------------------------------------------------------- search -- */

/* Make the snippet of every hit into ix->sbuf / ix->soff. */
static int make_snippets(SwIndex *ix, const EngEvalResult *er, size_t chars,
                         int highlight, SwError *err) {
  char *text = NULL;
  size_t tlen = 0;
  int rc;
  ix->sbuf_len = 0;
  /* Extra terms only here, and only where the query has terms of their
  ** kind: analysing a hit's text for compound parts and identifiers took
  ** two thirds of a cold search's time (the splitter's cache starts empty
  ** in each process), and highlights only ever mark query terms. Query
  ** parsing and synonyms take words only, so ix->an has none otherwise. */
  unsigned with = 0;
  const EngQuery *q = ix->query;
  for (uint32_t t = 0; t < q->nterms; t++) {
    const EngQTerm *qt = &q->terms[t];
    if (!qt->positive || qt->len == 0) continue;
    if (q->bytes[qt->off] == AN_NS_PART) with |= AN_WITH_PARTS;
    if (q->bytes[qt->off] == AN_NS_IDENT) with |= AN_WITH_IDENTS;
  }
  an_set_extras(ix->an, with);
  /* With compound parts every word is split and stemmed (the term filter
  ** below cannot tell which words have a wanted part): the index says
  ** where the query's terms are instead, if it was made by this analysis. */
  int hint =
      (with & AN_WITH_PARTS) && ix_reader_analysis_current(ix->reader);
  /* Words that cannot stem to a query term are left unanalysed (no
  ** folding, stemming or cache lookup: most of a cold snippet's time). */
  an_want_clear(ix->an);
  for (uint32_t t = 0; t < q->nterms; t++)
    if (q->terms[t].positive && q->terms[t].len)
      an_want_add(ix->an, q->bytes + q->terms[t].off, q->terms[t].len);
  if (sw_grow((void **)&ix->soff, &ix->soff_cap, 2 * er->nhits + 2,
               sizeof *ix->soff)) {
    rc = sw_error_set(err, SW_NOMEM, "out of memory (snippets)");
    goto fail;
  }
  for (size_t i = 0; i < er->nhits; i++) {
    const char *s;
    size_t slen, from;
    rc = ix_doc_text(ix->reader, er->hits[i].doc, &text, &tlen, err);
    if (rc) goto fail;
    rc = eng_snippet_locate(ix->reader, ix->an, ix->query, er->hits[i].doc,
                            text, tlen, &from, err);
    if (rc) goto fail;
    if (hint && from == 0)
      eng_snippet_hint(ix->snip, ix->reader, ix->an, ix->query,
                       er->hits[i].doc);
    rc = eng_snippet_make(ix->snip, ix->an, ix->query, text, tlen, from,
                          chars, highlight, &s, &slen, err);
    eng_snippet_unhint(ix->snip, ix->an);
    if (rc) goto fail;
    if (sw_grow((void **)&ix->sbuf, &ix->sbuf_cap, ix->sbuf_len + slen + 1,
                 1)) {
      rc = sw_error_set(err, SW_NOMEM, "out of memory (snippets)");
      goto fail;
    }
    if (slen) memcpy(ix->sbuf + ix->sbuf_len, s, slen);
    ix->soff[2 * i] = ix->sbuf_len;
    ix->soff[2 * i + 1] = slen;
    ix->sbuf_len += slen;
    sw_free(text);
    text = NULL;
  }
  an_set_extras(ix->an, 0);
  an_want_clear(ix->an);
  return SW_OK;

fail:
  an_set_extras(ix->an, 0);
  an_want_clear(ix->an);
  sw_free(text);
  return rc;
}

/* Copy s[0..n) and a NUL to *p; returns the copy. */
static const char *copy_str(char **p, const char *s, size_t n) {
  char *d = *p;
  if (n) memcpy(d, s, n);
  d[n] = '\0';
  *p = d + n + 1;
  return d;
}

int sw_search(SwIndex *ix, const char *query, size_t len,
              const SwSearchOptions *opts, SwResults **out, SwError *err) {
  EngEvalResult er;
  SwResults *res = NULL;
  int rc;
  if (out) *out = NULL;
  if (!ix || !out)
    return sw_error_set(err, SW_INPUT, "sw_search: no index or no result");
  double t0 = sw_now();
  size_t k = opts && opts->k ? opts->k : DEFAULT_K;
  int snippets = opts && opts->snippets;
  int highlight = opts ? opts->highlight : SW_HL_BRACKETS;
  size_t chars = opts && opts->snippet_chars ? opts->snippet_chars
                                             : DEFAULT_SNIPPET_CHARS;
  if (chars > MAX_SNIPPET_CHARS) chars = MAX_SNIPPET_CHARS;
  if (highlight != SW_HL_BRACKETS && highlight != SW_HL_ANSI &&
      highlight != SW_HL_NONE) {
    rc = sw_error_set(err, SW_INPUT, "unknown highlight mode %d", highlight);
    goto fail;
  }

  int want_facets = opts && opts->facets;
  /* First without compound parts; they are added when fewer than
  ** ENG_PARTS_BELOW documents hold every clause (expand.c), and always for
  ** a question. A fixed count, not k, so the hits and the total are the
  ** same whatever k is asked. */
  for (int parts = 0; parts < 2; parts++) {
    rc = eng_query_parse(ix->query, ix->an, query, len, err);
    if (rc) goto fail;
    if (!parts && ix->query->question) continue; /* parts from the start */
    rc = eng_query_expand(ix->query, ix->reader, ix->an, ix->syn, query, len,
                          parts, err);
    if (rc) goto fail;
    /* Without parts, the documents lacking a word are ranked only if the
    ** run with parts will not follow. */
    rc = eng_eval_run(ix->eval, ix->reader, ix->norms, ix->query, ix->an, k,
                      want_facets, opts && opts->exact_total,
                      parts ? 0 : ENG_PARTS_BELOW, &er, err);
    if (rc) goto fail;
    /* Questions rank softly (every clause counts), so parts always help. */
    if (er.total >= ENG_PARTS_BELOW && !er.partial && !ix->query->question)
      break;
  }
  if (snippets) {
    rc = make_snippets(ix, &er, chars, highlight, err);
    if (rc) goto fail;
  }

  /* One allocation: the header, the hits, then every string. */
  if (sw_grow((void **)&ix->meta, &ix->meta_cap, er.nhits + 1,
               sizeof *ix->meta)) {
    rc = sw_error_set(err, SW_NOMEM, "out of memory (results)");
    goto fail;
  }
  FacetCount *fc = NULL;
  size_t nfc = 0;
  if (want_facets &&
      (rc = count_facets(ix, er.all, er.nall, &fc, &nfc, err)))
    goto fail;
  size_t head = sizeof(SwResults);
  head += (_Alignof(SwHit) - head % _Alignof(SwHit)) % _Alignof(SwHit);
  size_t size = head + er.nhits * sizeof(SwHit) + nfc * sizeof(SwFacet);
  for (size_t i = 0; i < er.nhits; i++) {
    IxDocMeta *m = &ix->meta[i];
    rc = ix_doc_meta(ix->reader, er.hits[i].doc, m, err);
    if (rc) {
      sw_free(fc);
      goto fail;
    }
    size += m->id_len + m->file_len + m->title_len + m->date_len +
            m->source_len + m->url_len + 6 + m->facets_len * 2 + 4 + 16;
    if (snippets) size += ix->soff[2 * i + 1] + 1;
  }
  for (size_t j = 0; j < nfc; j++) size += fc[j].len + 1;
  res = sw_malloc(size);
  if (!res) {
    rc = sw_error_set(err, SW_NOMEM, "out of memory (%zu bytes of results)",
                      size);
    goto fail;
  }
  memset(res, 0, head + er.nhits * sizeof(SwHit) + nfc * sizeof(SwFacet));
  res->total_hits = er.total;
  res->total_exact = er.total_exact;
  res->partial = er.partial;
  res->clauses = er.clauses;
  res->question = ix->query->question != 0;
  res->nhits = er.nhits;
  res->hits = er.nhits ? (SwHit *)(void *)((char *)res + head) : NULL;
  res->nfacets = nfc;
  res->facets = nfc ? (SwFacet *)(void *)((char *)res + head +
                                          er.nhits * sizeof(SwHit))
                    : NULL;
  char *p = (char *)res + head + er.nhits * sizeof(SwHit) +
            nfc * sizeof(SwFacet);
  for (size_t j = 0; j < nfc; j++) {
    res->facets[j].field = eng_facet_key_name(facet_counted[fc[j].field]);
    char *v = p;
    res->facets[j].value = copy_str(&p, fc[j].value, fc[j].len);
    if (fc[j].field == 3) /* party codes are written upper case */
      for (size_t i = 0; i < fc[j].len; i++)
        if (v[i] >= 'a' && v[i] <= 'z') v[i] = (char)(v[i] - 32);
    res->facets[j].count = fc[j].count;
  }
  sw_free(fc);
  for (size_t i = 0; i < er.nhits; i++) {
    const IxDocMeta *m = &ix->meta[i];
    SwHit *h = &res->hits[i];
    h->doc = er.hits[i].doc;
    h->score = er.hits[i].score;
    h->matched = er.hits[i].clauses;
    h->id = copy_str(&p, m->id, m->id_len);
    h->file = copy_str(&p, m->file, m->file_len);
    h->title = copy_str(&p, m->title, m->title_len);
    h->date = copy_str(&p, m->date, m->date_len);
    h->source = copy_str(&p, m->source, m->source_len);
    h->url = copy_str(&p, m->url, m->url_len);
    if (snippets)
      h->snippet = (char *)copy_str(&p, ix->sbuf + ix->soff[2 * i],
                                    ix->soff[2 * i + 1]);
    size_t mo[4];
    const char *dag = NULL;
    size_t dag_len = 0;
    size_t used = hit_meta(m, p, m->facets_len * 2 + 4, mo, &dag, &dag_len);
    h->type = p + mo[0];
    h->organs = p + mo[1];
    h->parties = p + mo[2];
    h->dnr = p + mo[3];
    p += used;
    if (!m->date_len && dag) /* the date found in the text */
      h->date = copy_str(&p, dag, dag_len);
  }
  res->took_ms = (sw_now() - t0) * 1000.0;
  *out = res;
  return SW_OK;

fail:
  sw_free(res);
  return rc;
}

void sw_results_free(SwResults *res) { sw_free(res); }

/* --------------------------------------------------------- stats, check -- */

int sw_index_stats(SwIndex *ix, SwIndexStats *out, SwError *err) {
  if (!ix || !out)
    return sw_error_set(err, SW_INPUT, "sw_index_stats: no index or output");
  memset(out, 0, sizeof *out);
  IxStats st;
  int rc = ix_reader_stats(ix->reader, &st, err);
  if (rc) return rc;
  out->generation = st.generation;
  out->segments = st.segments;
  out->deleted = st.deleted;
  out->terms = st.terms;
  out->format_version = st.format_version;
  size_t nf = st.nfiles;
  if (nf > sizeof out->files / sizeof out->files[0])
    nf = sizeof out->files / sizeof out->files[0];
  for (size_t i = 0; i < nf; i++) {
    memcpy(out->files[i].name, st.files[i].name, sizeof out->files[i].name);
    out->files[i].bytes = st.files[i].bytes;
  }
  out->nfiles = nf;
  out->docs = ix_reader_live_docs(ix->reader);
  out->tokens = ix_reader_total_tokens(ix->reader);
  out->avg_doc_len = ix_reader_avg_doc_len(ix->reader);
  return SW_OK;
}

int sw_index_check(const char *dir, SwReportFn report, void *ctx,
                   SwError *err) {
  if (!dir) return sw_error_set(err, SW_INPUT, "sw_index_check: no directory");
  return ix_check(dir, report, ctx, err);
}

/* ------------------------------------------------------------ analysis -- */

int sw_analyze(const char *text, size_t len, SwTokenFn fn, void *ctx,
               size_t *invalid_utf8, SwError *err) {
  AnAnalyzer *an = NULL;
  AnToken tok;
  int rc, more;
  if (invalid_utf8) *invalid_utf8 = 0;
  if (!fn || (len && !text))
    return sw_error_set(err, SW_INPUT, "sw_analyze: no text or callback");
  if (len > SW_MAX_DOC_BYTES)
    return sw_error_set(err, SW_LIMIT, "text is %zu bytes; the limit is %zu",
                        len, SW_MAX_DOC_BYTES);
  rc = an_new(&an, err);
  if (rc) goto fail;
  an_set_extras(an, AN_WITH_IDENTS | AN_WITH_PARTS);
  an_begin(an, text, len, 0);
  while ((more = an_next(an, &tok)) > 0) {
    SwToken st = {tok.pos,  text + tok.start, tok.end - tok.start,
                  tok.term, tok.term_len,     (tok.flags & AN_STOP) != 0,
                  SW_TOKEN_WORD};
    if (tok.flags & AN_EXTRA) { /* the namespace byte says which kind */
      st.kind = tok.term[0] == AN_NS_IDENT ? SW_TOKEN_IDENT : SW_TOKEN_PART;
      st.term++;
      st.term_len--;
    }
    if (fn(ctx, &st)) break;
  }
  if (more < 0) {
    rc = sw_error_set(err, SW_NOMEM, "out of memory (analysis)");
    goto fail;
  }
  if (invalid_utf8) *invalid_utf8 = an_invalid_count(an);
  an_free(an);
  return SW_OK;

fail:
  an_free(an);
  return rc;
}

/* ----------------------------------------------------- default location -- */

int sw_default_index_dir(char *buf, size_t cap, SwError *err) {
  const char *v;
  int n;
  if (!buf || cap == 0)
    return sw_error_set(err, SW_INPUT, "sw_default_index_dir: no buffer");
  buf[0] = '\0';
  if ((v = getenv("SWSEARCH_INDEX")) && *v) {
    n = snprintf(buf, cap, "%s", v);
  } else if ((v = getenv("XDG_DATA_HOME")) && *v == '/') {
    /* The XDG spec: relative paths in these variables are invalid. */
    n = snprintf(buf, cap, "%s/swsearch/index", v);
  } else if ((v = getenv("HOME")) && *v) {
    n = snprintf(buf, cap, "%s/.local/share/swsearch/index", v);
  } else {
    return sw_error_set(err, SW_INPUT,
                        "no default index directory: set SWSEARCH_INDEX or "
                        "HOME, or give --index");
  }
  if (n < 0 || (size_t)n >= cap) {
    buf[0] = '\0';
    return sw_error_set(err, SW_INPUT,
                        "default index directory is longer than %zu bytes",
                        cap - 1);
  }
  return SW_OK;
}
