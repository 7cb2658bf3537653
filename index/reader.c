/*
** reader.c — opening a generation for reading: resolve CURRENT, map every
** file, check frames, cross-check them against the manifest, and verify the
** parts every query reads (manifest, term dictionary, doc lengths, doc
** table). Also the small accessors of index.h ("reader"). Interface:
** index.h and index_int.h ("interface to reader.c"). Lookups and iterators
** live in termdict.c and postings.c, documents in docstore.c.
**
** Thread safety: an IxReader and its iterators are used by one thread at a
** time (they share one zstd decompression context); open one reader per
** thread for parallel queries. Mappings are read-only and shared.
*/
#include "index_int.h"

#include <stdio.h>

/* The manifest's size and checksum for file i must match the file's own. */
static int cross_check(const IxReader *r, int i, const IxMap *m,
                       SwError *err) {
  if (m->size != r->man.size[i] || m->sum != r->man.sum[i]) {
    char what[128];
    snprintf(what, sizeof what,
             "size %zu / checksum %016llx differ from the manifest's %llu / "
             "%016llx (file from another build?)",
             m->size, (unsigned long long)m->sum,
             (unsigned long long)r->man.size[i],
             (unsigned long long)r->man.sum[i]);
    return ix_corrupt(err, m->path, m->size - IX_FOOTER_SIZE, what);
  }
  return SW_OK;
}

int ix_reader_open_gen(const char *dir, uint64_t gen, IxReader **out,
                       SwError *err) {
  *out = NULL;
  IxReader *r = sw_calloc(1, sizeof *r);
  if (!r) return sw_error_set(err, SW_NOMEM, "out of memory (reader)");
  size_t dl = strlen(dir);
  int rc;
  r->dir = sw_strndup(dir, dl);
  r->gendir = sw_malloc(dl + 2 + IX_GEN_NAME_LEN);
  if (!r->dir || !r->gendir) {
    rc = sw_error_set(err, SW_NOMEM, "out of memory (reader)");
    goto fail;
  }
  if ((rc = ix_gen_path(r->gendir, dl + 2 + IX_GEN_NAME_LEN, dir, gen, err)))
    goto fail;
  if ((rc = ix_manifest_read(r->gendir, &r->manifest_map, &r->man, err)))
    goto fail;
  if (r->man.generation != gen) {
    rc = ix_corrupt(err, r->manifest_map.path, 16,
                    "generation differs from the directory name");
    goto fail;
  }
  if ((rc = ix_map_open(&r->post, r->gendir, "postings", "POST",
                        IX_ADV_NORMAL, err)) ||
      (rc = cross_check(r, IX_F_POSTINGS, &r->post, err)) ||
      (rc = ix_map_open(&r->pos, r->gendir, "positions", "POSN",
                        IX_ADV_NORMAL, err)) ||
      (rc = cross_check(r, IX_F_POSITIONS, &r->pos, err)) ||
      (rc = ix_dict_open(&r->dict, r->gendir, r->post.size, r->pos.size,
                         err)) ||
      (rc = cross_check(r, IX_F_TERMS, &r->dict.map, err)) ||
      (rc = ix_docs_open(&r->docs, r->gendir, r->man.doc_count, err)) ||
      (rc = cross_check(r, IX_F_DOCLENS, &r->docs.lens, err)) ||
      (rc = cross_check(r, IX_F_DOCMETA, &r->docs.meta, err)) ||
      (rc = cross_check(r, IX_F_DOCTEXT, &r->docs.text, err)))
    goto fail;
  if (r->dict.nterms != r->man.term_count) {
    rc = ix_corrupt(err, r->dict.map.path, 16,
                    "term count differs from the manifest");
    goto fail;
  }
  if (r->docs.total_tokens != r->man.total_tokens) {
    rc = ix_corrupt(err, r->docs.lens.path, IX_DOCLENS_HEADER,
                    "sum of doc lengths differs from the manifest's tokens");
    goto fail;
  }
  *out = r;
  return SW_OK;
fail:
  ix_reader_close(r);
  return rc;
}

int ix_reader_open(const char *dir, IxReader **out, SwError *err) {
  *out = NULL;
  /* A writer may publish and remove our generation between reading CURRENT
  ** and opening its files: then CURRENT has changed, and we follow it. */
  for (int attempt = 0;; attempt++) {
    uint64_t gen;
    int rc = ix_current_read(dir, &gen, err);
    if (rc) return rc;
    SwError e;
    sw_error_clear(&e);
    rc = ix_reader_open_gen(dir, gen, out, &e);
    if (rc == SW_OK) return SW_OK;
    uint64_t again = 0;
    SwError e2;
    sw_error_clear(&e2);
    if (rc == SW_NOTFOUND && attempt < 3 &&
        ix_current_read(dir, &again, &e2) == SW_OK && again != gen)
      continue;
    if (rc == SW_NOTFOUND) rc = SW_CORRUPT; /* CURRENT names missing files */
    return sw_error_set(err, rc, "%s", e.msg);
  }
}

void ix_reader_close(IxReader *r) {
  if (!r) return;
  ix_dict_close(&r->dict);
  ix_docs_close(&r->docs);
  ix_map_close(&r->post);
  ix_map_close(&r->pos);
  ix_map_close(&r->manifest_map);
  sw_free(r->dir);
  sw_free(r->gendir);
  sw_free(r);
}

uint32_t ix_reader_doc_count(const IxReader *r) { return r->man.doc_count; }

uint64_t ix_reader_total_tokens(const IxReader *r) {
  return r->man.total_tokens;
}

double ix_reader_avg_doc_len(const IxReader *r) {
  return r->man.doc_count
             ? (double)r->man.total_tokens / (double)r->man.doc_count
             : 0.0;
}

int ix_reader_stats(const IxReader *r, SwIndexStats *out, SwError *err) {
  (void)err;
  memset(out, 0, sizeof *out);
  out->generation = r->man.generation;
  out->docs = r->man.doc_count;
  out->terms = r->man.term_count;
  out->tokens = r->man.total_tokens;
  out->avg_doc_len = ix_reader_avg_doc_len(r);
  out->format_version = r->manifest_map.version;
  snprintf(out->files[0].name, sizeof out->files[0].name, "manifest");
  out->files[0].bytes = r->manifest_map.size;
  for (int i = 0; i < IX_NFILES; i++) {
    snprintf(out->files[i + 1].name, sizeof out->files[i + 1].name, "%s",
             ix_file_names[i]);
    out->files[i + 1].bytes = r->man.size[i];
  }
  out->nfiles = 1 + IX_NFILES;
  return SW_OK;
}

int ix_term_find(IxReader *r, const char *term, size_t len, IxTermInfo *out,
                 SwError *err) {
  return ix_dict_find(&r->dict, term, len, out, err);
}
