/*
** bm25.c — the ranking function: Okapi BM25, its per-term constants and the
** per-document length norms. Interface: engine_int.h, "interface to
** bm25.c". Walking postings and summing contributions is eval.c's.
**
** The maths
** ---------
** A document d gets, for each distinct query term t it matches,
**
**                    tf * (k1 + 1)
**     idf(t) * ---------------------------------------
**               tf + k1 * (1 - b + b * len(d) / avglen)
**
** and its score is the sum over those terms. The pieces:
**
**   tf      occurrences of t in d (the postings' freq).
**   len(d)  tokens in d's one stream, title and text (ix_doc_len); avglen is
**           their mean over the index (ix_reader_avg_doc_len).
**   k1=1.2  how fast repetition saturates. The fraction starts at 1 for
**           tf = 1 in an average-length document and approaches k1 + 1 as
**           tf grows: the tenth occurrence of a word says much less than
**           the second.
**   b=0.75  how much length matters. With b = 0 length is ignored; with
**           b = 1 a document twice the average length needs twice the
**           occurrences for the same contribution. 0.75 penalises long
**           documents (which mention everything somewhere) but not fully.
**   idf(t)  log(1 + (N - df + 0.5) / (df + 0.5)), N documents, df of them
**           holding t: rare terms weigh more. The "1 +" (Lucene's form)
**           keeps it positive even for a term in more than half of the
**           documents, so matching a common word never lowers a score.
**
** So with equal idf, a document ranks higher the more occurrences it has
** and the shorter it is, with diminishing returns for repetition.
**
** Evaluation splits the formula so the hot loop does one division per term
** and document: wt = idf * (k1 + 1) once per query term, and
** norm(d) = k1 * (1 - b + b * len(d) / avglen) once per document when the
** index is opened (a float array, 4 bytes a document; exact enough for the
** 4 decimals shown). A term then adds wt * tf / (tf + norm(d)).
**
** Phrases are scored as the sum of their terms' BM25 (with each term's own
** tf, not the phrase's frequency), and a term that several matched clauses
** share counts once (eval.c). Block-max pruning bounds a postings block by
** wt times its impact (FORMAT.md §4: the largest tf / (tf + norm) of its
** documents, stored by the writer with these k1 and b).
*/
#include "engine_int.h"

#include <math.h>

double eng_bm25_idf(uint64_t n_docs, uint64_t df) {
  if (df > n_docs) df = n_docs; /* defensive: damaged stats never go below 0 */
  return log(1.0 + ((double)(n_docs - df) + 0.5) / ((double)df + 0.5));
}

double eng_bm25_weight(uint64_t n_docs, uint64_t df) {
  return eng_bm25_idf(n_docs, df) * (ENG_BM25_K1 + 1.0);
}

int eng_bm25_norms(IxReader *r, float **out, SwError *err) {
  uint32_t n = ix_reader_doc_count(r);
  *out = NULL;
  if (n == 0) return SW_OK;
  float *norm = sw_calloc(n, sizeof *norm);
  if (!norm) return sw_error_set(err, SW_NOMEM, "out of memory (%u norms)", n);
  double avg = ix_reader_avg_doc_len(r);
  double k1 = ENG_BM25_K1, b = ENG_BM25_B;
  uint32_t len[1024], got;
  for (SwDocId d = 0; d < n && (got = ix_doc_lens(r, d, len, 1024)); d += got)
    for (uint32_t i = 0; i < got; i++) {
      double rel = avg > 0 ? (double)len[i] / avg : 1.0;
      norm[d + i] = (float)(k1 * (1.0 - b + b * rel));
    }
  *out = norm;
  return SW_OK;
}
