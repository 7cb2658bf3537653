/*
** render.c — the human and JSON forms of what the engine returns, written
** to a sink (sw_render.h). The swsearch command prints through this file
** only; its formats are the command's public output (tests/golden and
** tests/e2e hold them byte for byte).
*/
#include "sw_render.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

/* ---------------------------------------------------------------- sink -- */

void swr_sink_file(SwrSink *s, FILE *f) {
  memset(s, 0, sizeof *s);
  s->file = f;
}

void swr_sink_buffer(SwrSink *s) { memset(s, 0, sizeof *s); }

void swr_sink_free(SwrSink *s) {
  if (!s->file) sw_free(s->buf);
  s->buf = NULL;
  s->len = s->cap = 0;
}

/* Room for n more bytes and the NUL in a buffer sink; 0 if there is none. */
static int sink_room(SwrSink *s, size_t n) {
  if (s->failed) return 0;
  if (s->cap - s->len > n) return 1;
  if (n > SIZE_MAX / 2 - s->len) {
    s->failed = 1;
    return 0;
  }
  size_t cap = s->cap ? s->cap : 256;
  while (cap - s->len <= n) cap *= 2;
  char *nb = sw_realloc(s->buf, cap);
  if (!nb) {
    s->failed = 1;
    return 0;
  }
  s->buf = nb;
  s->cap = cap;
  return 1;
}

void swr_write(SwrSink *s, const void *p, size_t n) {
  if (s->file) {
    fwrite(p, 1, n, s->file);
    return;
  }
  if (!sink_room(s, n)) return;
  memcpy(s->buf + s->len, p, n);
  s->len += n;
  s->buf[s->len] = '\0';
}

void swr_puts(SwrSink *s, const char *str) { swr_write(s, str, strlen(str)); }

static void sink_putc(SwrSink *s, char c) {
  if (s->file) {
    fputc(c, s->file);
    return;
  }
  swr_write(s, &c, 1);
}

void swr_printf(SwrSink *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (s->file) {
    vfprintf(s->file, fmt, ap);
    va_end(ap);
    return;
  }
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n >= 0 && sink_room(s, (size_t)n)) {
    vsnprintf(s->buf + s->len, (size_t)n + 1, fmt, ap2);
    s->len += (size_t)n;
  }
  va_end(ap2);
}

/* ------------------------------------------------------------- UTF-8 -- */

/* End of the run from s[j] of bytes that go out unchanged, written with one
** call (a stdio call a character was a tenth of a search's time): ASCII
** bytes from lo to 0x7E other than the two quote_ ones (JSON: '"' and
** '\\'), and valid UTF-8 characters, C1 controls (U+0080..U+009F) among
** them only when c1. */
static size_t plain_run(const unsigned char *s, size_t n, size_t j,
                        unsigned char lo, int quote, int c1) {
  while (j < n) {
    unsigned char d = s[j];
    if (d < 0x80) {
      if (d < lo || d == 0x7F || (quote && (d == '"' || d == '\\'))) break;
      j++;
      continue;
    }
    if (!c1 && d == 0xC2 && j + 1 < n && s[j + 1] <= 0x9F) break;
    size_t m = sw_utf8_valid_len(s + j, n - j);
    if (m == 0) break;
    j += m;
  }
  return j;
}

/* ------------------------------------------------------ JSON strings -- */

void swr_json_bytes(SwrSink *f, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)(str ? str : "");
  if (!str) n = 0;
  sink_putc(f, '"');
  size_t i = 0;
  while (i < n) {
    size_t j = plain_run(s, n, i, 0x20, 1, 1);
    if (j > i) {
      swr_write(f, s + i, j - i);
      i = j;
      continue;
    }
    unsigned char c = s[i++];
    if (c == '"' || c == '\\') {
      sink_putc(f, '\\');
      sink_putc(f, (char)c);
    } else if (c < 0x80) {
      swr_printf(f, "\\u%04x", c); /* a control character or DEL */
    } else {
      swr_puts(f, "\\ufffd"); /* a byte that is not UTF-8 */
    }
  }
  sink_putc(f, '"');
}

void swr_json_string(SwrSink *s, const char *str) {
  swr_json_bytes(s, str, str ? strlen(str) : 0);
}

/* ------------------------------------------------------ clean output -- */

/* Control characters (C0, DEL, C1) become spaces, runs of white space one
** space, leading and trailing space dropped, invalid UTF-8 bytes U+FFFD.
** When allow_bold, ESC[1m and ESC[0m pass unchanged. */
static void clean_bytes(SwrSink *f, const char *str, size_t n,
                        int allow_bold) {
  const unsigned char *s = (const unsigned char *)(str ? str : "");
  if (!str) n = 0;
  int pending_space = 0, started = 0;
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (allow_bold && c == 0x1B && i + 3 < n && s[i + 1] == '[' &&
        (s[i + 2] == '1' || s[i + 2] == '0') && s[i + 3] == 'm') {
      if (pending_space && started) sink_putc(f, ' ');
      pending_space = 0;
      swr_write(f, s + i, 4);
      started = 1;
      i += 4;
      continue;
    }
    size_t l = 1;
    int space = c < 0x20 || c == 0x7F || c == ' ';
    if (c == 0xC2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F) {
      space = 1; /* a C1 control character, U+0080..U+009F */
      l = 2;
    }
    if (space) {
      pending_space = 1;
      i += l;
      continue;
    }
    if (pending_space && started) sink_putc(f, ' ');
    pending_space = 0;
    started = 1;
    /* The run of printable characters from here (C1: a space). */
    size_t j = plain_run(s, n, i, 0x21, 0, 0);
    if (j > i) {
      swr_write(f, s + i, j - i);
      i = j;
    } else {
      swr_puts(f, "\xEF\xBF\xBD"); /* U+FFFD for a byte that is not UTF-8 */
      i++;
    }
  }
}

void swr_clean(SwrSink *s, const char *str, int allow_bold) {
  clean_bytes(s, str, str ? strlen(str) : 0, allow_bold);
}

/* -------------------------------------------------------------- search -- */

void swr_search_json(SwrSink *f, const char *query, const SwResults *res) {
  swr_puts(f, "{\"query\": ");
  swr_json_string(f, query);
  swr_printf(f, ", \"total_hits\": %llu, \"total_exact\": %s, \"took_ms\": "
             "%.3f, \"partial\": %s, \"clauses\": %u, \"hits\": [",
             (unsigned long long)res->total_hits,
             res->total_exact ? "true" : "false",
             isfinite(res->took_ms) ? res->took_ms : 0.0,
             res->partial ? "true" : "false", res->clauses);
  for (size_t i = 0; i < res->nhits; i++) {
    const SwHit *h = &res->hits[i];
    swr_printf(f, "%s\n  {\"rank\": %zu, \"id\": ", i ? "," : "", i + 1);
    swr_json_string(f, h->id);
    swr_puts(f, ", \"file\": ");
    swr_json_string(f, h->file);
    swr_puts(f, ", \"title\": ");
    swr_json_string(f, h->title);
    swr_puts(f, ", \"date\": ");
    swr_json_string(f, h->date);
    swr_puts(f, ", \"type\": ");
    swr_json_string(f, h->type ? h->type : "");
    swr_puts(f, ", \"organs\": ");
    swr_json_string(f, h->organs ? h->organs : "");
    swr_puts(f, ", \"parties\": ");
    swr_json_string(f, h->parties ? h->parties : "");
    swr_puts(f, ", \"dnr\": ");
    swr_json_string(f, h->dnr ? h->dnr : "");
    if (isfinite(h->score))
      swr_printf(f, ", \"score\": %.6f", h->score);
    else
      swr_puts(f, ", \"score\": null");
    swr_printf(f, ", \"matched\": %u", h->matched);
    swr_puts(f, ", \"snippet\": ");
    if (h->snippet)
      swr_json_string(f, h->snippet);
    else
      swr_puts(f, "null");
    sink_putc(f, '}');
  }
  swr_puts(f, res->nhits ? "\n]" : "]");
  if (res->nfacets) {
    swr_puts(f, ", \"facets\": [");
    for (size_t i = 0; i < res->nfacets; i++) {
      swr_puts(f, i ? ",\n  {\"field\": " : "\n  {\"field\": ");
      swr_json_string(f, res->facets[i].field);
      swr_puts(f, ", \"value\": ");
      swr_json_string(f, res->facets[i].value);
      swr_printf(f, ", \"count\": %llu}",
                 (unsigned long long)res->facets[i].count);
    }
    swr_puts(f, "\n]");
  }
  swr_puts(f, "}\n");
}

void swr_search_facets(SwrSink *f, const SwResults *res) {
  const char *field = NULL;
  for (size_t i = 0; i < res->nfacets; i++) {
    const SwFacet *fc = &res->facets[i];
    if (!field || strcmp(field, fc->field) != 0) {
      swr_printf(f, "\n%-6s ", fc->field);
      field = fc->field;
    } else {
      swr_puts(f, ", ");
    }
    swr_clean(f, fc->value, 0);
    swr_printf(f, " (%llu)", (unsigned long long)fc->count);
  }
  if (field) sink_putc(f, '\n');
}

void swr_search_human(SwrSink *f, const char *query, const SwResults *res,
                      int ansi) {
  if (res->nhits == 0) {
    swr_puts(f, "No hits for \"");
    swr_clean(f, query, 0);
    swr_printf(f, "\" (%.2f ms)\n", res->took_ms);
    return;
  }
  if (res->partial) {
    swr_printf(f, "No document contains all %u words; showing documents with "
               "the most of them (%llu hit%s, %.2f ms)\n", res->clauses,
               (unsigned long long)res->total_hits,
               res->total_hits == 1 ? "" : "s", res->took_ms);
  } else {
    swr_printf(f, "%s%llu hit%s for \"", res->total_exact ? "" : "about ",
               (unsigned long long)res->total_hits,
               res->total_hits == 1 ? "" : "s");
    swr_clean(f, query, 0);
    swr_printf(f, "\" (%.2f ms)", res->took_ms);
    size_t some = 0; /* hits lacking a word: ranked among them by score */
    for (size_t i = 0; i < res->nhits; i++)
      some += !res->question && res->hits[i].matched < res->clauses;
    if (res->total_hits > res->nhits - some)
      swr_printf(f, ", showing the top %zu", res->nhits - some);
    if (some)
      swr_printf(f, "; also %zu with some of the words", some);
    sink_putc(f, '\n');
  }
  for (size_t i = 0; i < res->nhits; i++) {
    const SwHit *h = &res->hits[i];
    swr_printf(f, "\n%zu. ", i + 1);
    swr_clean(f, h->title && h->title[0] ? h->title : h->id, 0);
    swr_puts(f, "\n   ");
    swr_clean(f, h->id, 0);
    if (h->file && h->file[0] && strcmp(h->file, h->id) != 0) {
      swr_puts(f, " | "); /* a .txt at the top of its argument: id == file */
      swr_clean(f, h->file, 0);
    }
    if (h->date && h->date[0]) {
      swr_puts(f, " | ");
      swr_clean(f, h->date, 0);
    }
    swr_printf(f, " | score %.4f\n", h->score);
    if (h->snippet && h->snippet[0]) {
      swr_puts(f, "   ");
      swr_clean(f, h->snippet, ansi);
      sink_putc(f, '\n');
    }
  }
}

/* ------------------------------------------------------------- changes -- */

static const char *plural(uint64_t n) { return n == 1 ? "" : "s"; }

void swr_build_summary(SwrSink *f, int add, const SwBuildStats *st,
                       const char *dir) {
  double mb = (double)st->text_bytes / 1e6;
  if (add) {
    swr_printf(f, "added %llu documents (%llu replaced, %llu skipped) from "
               "%llu file%s, %.1f MB in %.2f s; %llu segment%s merged; index "
               "now %llu documents in %llu segment%s -> %s\n",
               (unsigned long long)st->docs, (unsigned long long)st->replaced,
               (unsigned long long)st->skipped, (unsigned long long)st->files,
               plural(st->files), mb, st->seconds,
               (unsigned long long)st->merged, plural(st->merged),
               (unsigned long long)st->live_docs,
               (unsigned long long)st->segments, plural(st->segments), dir);
    return;
  }
  char dups[96] = "";
  if (st->replaced)
    snprintf(dups, sizeof dups,
             ", %llu replaced by a later one with the same id",
             (unsigned long long)st->replaced);
  swr_printf(f, "indexed %llu documents (%llu skipped%s) from %llu file%s, "
             "%.1f MB in %.2f s (%.1f MB/s), %llu terms, index %.1f MB -> %s\n",
             (unsigned long long)st->docs, (unsigned long long)st->skipped,
             dups, (unsigned long long)st->files, plural(st->files), mb,
             st->seconds, st->seconds > 0 ? mb / st->seconds : 0.0,
             (unsigned long long)st->terms, (double)st->index_bytes / 1e6,
             dir);
}

void swr_delete_summary(SwrSink *f, const SwBuildStats *st, const char *dir) {
  swr_printf(f, "deleted %llu document%s (%llu not found); %llu segment%s "
             "merged; index now %llu documents in %llu segment%s -> %s\n",
             (unsigned long long)st->deleted, plural(st->deleted),
             (unsigned long long)st->skipped, (unsigned long long)st->merged,
             plural(st->merged), (unsigned long long)st->live_docs,
             (unsigned long long)st->segments, plural(st->segments), dir);
}

void swr_optimize_summary(SwrSink *f, const SwBuildStats *st,
                          const char *dir) {
  swr_printf(f, "optimized: %llu segment%s merged in %.2f s; index now %llu "
             "documents in %llu segment%s -> %s\n",
             (unsigned long long)st->merged, plural(st->merged), st->seconds,
             (unsigned long long)st->live_docs,
             (unsigned long long)st->segments, plural(st->segments), dir);
}

/* ------------------------------------------------------- stats, analyze -- */

void swr_stats_human(SwrSink *f, const char *dir, const SwIndexStats *st) {
  swr_printf(f, "index       %s\n", dir);
  swr_printf(f, "generation  %llu\n", (unsigned long long)st->generation);
  swr_printf(f, "format      %u\n", st->format_version);
  swr_printf(f, "documents   %llu\n", (unsigned long long)st->docs);
  swr_printf(f, "segments    %llu\n", (unsigned long long)st->segments);
  swr_printf(f, "deleted     %llu\n", (unsigned long long)st->deleted);
  swr_printf(f, "terms       %llu\n", (unsigned long long)st->terms);
  swr_printf(f, "tokens      %llu\n", (unsigned long long)st->tokens);
  swr_printf(f, "avg length  %.1f tokens\n", st->avg_doc_len);
  uint64_t total = 0;
  size_t nfiles = st->nfiles < 16 ? st->nfiles : 16;
  for (size_t i = 0; i < nfiles; i++) {
    swr_printf(f, "file        %-24s %12llu bytes\n", st->files[i].name,
               (unsigned long long)st->files[i].bytes);
    total += st->files[i].bytes;
  }
  swr_printf(f, "total       %.1f MB (%llu bytes)\n", (double)total / 1e6,
             (unsigned long long)total);
}

void swr_token_human(SwrSink *f, const SwToken *t) {
  swr_printf(f, "%u\t%.*s\t%.*s%s\n", t->pos, (int)t->surface_len, t->surface,
             (int)t->term_len, t->term,
             t->kind == SW_TOKEN_IDENT  ? "\tidentifier"
             : t->kind == SW_TOKEN_PART ? "\tpart"
             : t->stopword              ? "\tstop"
                                        : "");
}

/* ------------------------------------------------------------- inspect -- */

static const char *json_bool(int b) { return b ? "true" : "false"; }

void swr_segments_human(SwrSink *f, const SwInspectCommit *c) {
  swr_printf(f, "index       %s\n", c->dir);
  swr_printf(f, "commit      %llu%s\n", (unsigned long long)c->generation,
             c->legacy ? " (a format-1 generation directory)" : "");
  swr_printf(f, "documents   %u (%u live, %u deleted)\n", c->docs,
             c->live_docs, c->docs - c->live_docs);
  swr_printf(f, "segments    %zu\n", c->nsegments);
  for (size_t i = 0; i < c->nsegments; i++) {
    const SwInspectSegment *s = &c->segments[i];
    swr_printf(f, "\nsegment %zu   %s\n", i, s->name);
    swr_printf(f, "  directory   %s\n", s->dir);
    swr_printf(f, "  format      %u\n", s->format_version);
    if (s->docs)
      swr_printf(f, "  doc ids     %u..%u\n", s->first_doc,
                 s->first_doc + s->docs - 1);
    swr_printf(f, "  documents   %u\n", s->docs);
    swr_printf(f, "  live        %u\n", s->live_docs);
    swr_printf(f, "  deleted     %u\n", s->deleted);
    swr_printf(f, "  terms       %llu\n", (unsigned long long)s->terms);
    swr_printf(f, "  tokens      %llu\n", (unsigned long long)s->tokens);
    swr_printf(f, "  text bytes  %llu\n", (unsigned long long)s->text_bytes);
    if (s->analysis)
      swr_printf(f, "  analysis    %u\n", s->analysis);
    else
      swr_puts(f, "  analysis    unknown (before format 3)\n");
    if (s->impact_k1 > 0)
      swr_printf(f, "  impacts     k1 %.2f, b %.2f\n", s->impact_k1,
                 s->impact_b);
    else
      swr_puts(f, "  impacts     none\n");
    for (size_t k = 0; k < s->nfiles; k++)
      swr_printf(f, "  file        %-10s %12llu bytes  xxh3 %016llx\n",
                 s->files[k].name, (unsigned long long)s->files[k].bytes,
                 (unsigned long long)s->files[k].checksum);
  }
}

void swr_segments_json(SwrSink *f, const SwInspectCommit *c) {
  swr_puts(f, "{\"index\": ");
  swr_json_string(f, c->dir);
  swr_printf(f, ", \"generation\": %llu, \"legacy\": %s, \"docs\": %u, "
             "\"live_docs\": %u, \"segments\": [",
             (unsigned long long)c->generation, json_bool(c->legacy), c->docs,
             c->live_docs);
  for (size_t i = 0; i < c->nsegments; i++) {
    const SwInspectSegment *s = &c->segments[i];
    swr_printf(f, "%s\n  {\"segment\": %zu, \"name\": ", i ? "," : "", i);
    swr_json_string(f, s->name);
    swr_puts(f, ", \"dir\": ");
    swr_json_string(f, s->dir);
    swr_printf(f, ", \"format_version\": %u, \"number\": %llu, "
               "\"first_doc\": %u, \"docs\": %u, \"live_docs\": %u, "
               "\"deleted\": %u, \"terms\": %llu, \"tokens\": %llu, "
               "\"text_bytes\": %llu, \"analysis\": %u, \"impact_k1\": %.6g, "
               "\"impact_b\": %.6g, \"files\": [",
               s->format_version, (unsigned long long)s->number, s->first_doc,
               s->docs, s->live_docs, s->deleted,
               (unsigned long long)s->terms, (unsigned long long)s->tokens,
               (unsigned long long)s->text_bytes, s->analysis,
               isfinite(s->impact_k1) ? s->impact_k1 : 0.0,
               isfinite(s->impact_b) ? s->impact_b : 0.0);
    for (size_t k = 0; k < s->nfiles; k++) {
      swr_printf(f, "%s{\"name\": ", k ? ", " : "");
      swr_json_string(f, s->files[k].name);
      swr_printf(f, ", \"bytes\": %llu, \"xxh3\": \"%016llx\"}",
                 (unsigned long long)s->files[k].bytes,
                 (unsigned long long)s->files[k].checksum);
    }
    swr_puts(f, "]}");
  }
  swr_puts(f, c->nsegments ? "\n]}\n" : "]}\n");
}

void swr_term_human(SwrSink *f, const SwInspectTerms *ts) {
  for (size_t i = 0; i < ts->nterms; i++) {
    const SwInspectTerm *t = &ts->terms[i];
    if (i) sink_putc(f, '\n');
    swr_puts(f, "term \"");
    clean_bytes(f, t->term, t->term_len, 0);
    swr_puts(f, "\" (from \"");
    swr_clean(f, t->surface, 0);
    swr_puts(f, t->stopword ? "\", a stop word)" : "\")");
    if (!t->found) {
      swr_puts(f, ": in no segment\n");
      continue;
    }
    swr_printf(f, ": df %u (live documents), cf %llu, in %zu segment%s\n",
               t->df, (unsigned long long)t->cf, t->nsegments,
               plural(t->nsegments));
    for (size_t k = 0; k < t->nsegments; k++) {
      const SwInspectTermSegment *s = &t->segments[k];
      swr_printf(f, "  %s (segment %u): df %u, cf %llu, max tf %u\n", s->name,
                 s->segment, s->df, (unsigned long long)s->cf, s->max_tf);
      for (size_t p = 0; p < s->npostings; p++) {
        const SwInspectPosting *o = &s->postings[p];
        swr_printf(f, "    doc %u freq %u", o->doc, o->freq);
        if (o->npositions) {
          swr_puts(f, " positions");
          for (uint32_t q = 0; q < o->npositions; q++)
            swr_printf(f, " %u", o->positions[q]);
        }
        swr_puts(f, o->deleted ? " (deleted)\n" : "\n");
      }
      if (s->truncated)
        swr_printf(f, "    ... %llu more (-n N shows N)\n",
                   (unsigned long long)(s->df - s->npostings));
    }
  }
}

void swr_term_json(SwrSink *f, const SwInspectTerms *ts) {
  swr_puts(f, "{\"word\": ");
  swr_json_string(f, ts->word);
  swr_puts(f, ", \"terms\": [");
  for (size_t i = 0; i < ts->nterms; i++) {
    const SwInspectTerm *t = &ts->terms[i];
    swr_puts(f, i ? ",\n  {\"surface\": " : "\n  {\"surface\": ");
    swr_json_string(f, t->surface);
    swr_puts(f, ", \"term\": ");
    swr_json_bytes(f, t->term, t->term_len);
    swr_printf(f, ", \"stopword\": %s, \"found\": %s, \"df\": %u, "
               "\"cf\": %llu, \"segments\": [", json_bool(t->stopword),
               json_bool(t->found), t->df, (unsigned long long)t->cf);
    for (size_t k = 0; k < t->nsegments; k++) {
      const SwInspectTermSegment *s = &t->segments[k];
      swr_printf(f, "%s\n    {\"segment\": %u, \"name\": ", k ? "," : "",
                 s->segment);
      swr_json_string(f, s->name);
      swr_printf(f, ", \"df\": %u, \"cf\": %llu, \"max_tf\": %u, "
                 "\"truncated\": %s, \"postings\": [", s->df,
                 (unsigned long long)s->cf, s->max_tf,
                 json_bool(s->truncated));
      for (size_t p = 0; p < s->npostings; p++) {
        const SwInspectPosting *o = &s->postings[p];
        swr_printf(f, "%s{\"doc\": %u, \"freq\": %u, \"deleted\": %s",
                   p ? ", " : "", o->doc, o->freq, json_bool(o->deleted));
        if (o->npositions) {
          swr_puts(f, ", \"positions\": [");
          for (uint32_t q = 0; q < o->npositions; q++)
            swr_printf(f, "%s%u", q ? ", " : "", o->positions[q]);
          sink_putc(f, ']');
        }
        sink_putc(f, '}');
      }
      swr_puts(f, "]}");
    }
    swr_puts(f, t->nsegments ? "\n  ]}" : "]}");
  }
  swr_puts(f, ts->nterms ? "\n]}\n" : "]}\n");
}

/* "  label     value\n" with the value cleaned; "-" for an empty one. */
static void doc_field(SwrSink *f, const char *label, const char *value) {
  swr_printf(f, "  %-9s ", label);
  if (value && value[0])
    swr_clean(f, value, 0);
  else
    sink_putc(f, '-');
  sink_putc(f, '\n');
}

void swr_doc_human(SwrSink *f, const SwInspectDocs *ds) {
  for (size_t i = 0; i < ds->ndocs; i++) {
    const SwInspectDoc *d = &ds->docs[i];
    if (i) sink_putc(f, '\n');
    swr_printf(f, "doc #%u (%s doc %u, segment %u)%s\n", d->doc,
               d->segment_name, d->local_doc, d->segment,
               d->deleted ? ": deleted" : "");
    doc_field(f, "id", d->id);
    doc_field(f, "title", d->title);
    doc_field(f, "date", d->date);
    doc_field(f, "source", d->source);
    doc_field(f, "url", d->url);
    doc_field(f, "file", d->file);
    swr_printf(f, "  %-9s %u tokens\n", "length", d->length);
    swr_printf(f, "  %-9s ", "facets");
    if (!d->nfacets) sink_putc(f, '-');
    for (size_t k = 0; k < d->nfacets; k++) {
      if (k) swr_puts(f, ", ");
      clean_bytes(f, d->facets[k].value, d->facets[k].len, 0);
    }
    sink_putc(f, '\n');
    swr_printf(f, "  %-9s %s\n", "status", d->deleted ? "deleted" : "live");
  }
}

void swr_doc_json(SwrSink *f, const SwInspectDocs *ds) {
  swr_puts(f, "{\"query\": ");
  swr_json_string(f, ds->query);
  swr_puts(f, ", \"docs\": [");
  for (size_t i = 0; i < ds->ndocs; i++) {
    const SwInspectDoc *d = &ds->docs[i];
    swr_printf(f, "%s\n  {\"doc\": %u, \"segment\": %u, \"segment_name\": ",
               i ? "," : "", d->doc, d->segment);
    swr_json_string(f, d->segment_name);
    swr_printf(f, ", \"local_doc\": %u, \"id\": ", d->local_doc);
    swr_json_string(f, d->id);
    swr_puts(f, ", \"title\": ");
    swr_json_string(f, d->title);
    swr_puts(f, ", \"date\": ");
    swr_json_string(f, d->date);
    swr_puts(f, ", \"source\": ");
    swr_json_string(f, d->source);
    swr_puts(f, ", \"url\": ");
    swr_json_string(f, d->url);
    swr_puts(f, ", \"file\": ");
    swr_json_string(f, d->file);
    swr_printf(f, ", \"length\": %u, \"deleted\": %s, \"facets\": [",
               d->length, json_bool(d->deleted));
    for (size_t k = 0; k < d->nfacets; k++) {
      if (k) swr_puts(f, ", ");
      swr_json_bytes(f, d->facets[k].value, d->facets[k].len);
    }
    swr_puts(f, "]}");
  }
  swr_puts(f, ds->ndocs ? "\n]}\n" : "]}\n");
}
