/*
** analysis.c — the analysis chain: UTF-8 decoding, tokenizing, NFC + case
** folding, stop word marking and Snowball Swedish stemming, for documents and
** queries alike. Interface: analysis.h. The stop list lives in stopwords.c,
** the stem cache in stemcache.c; Unicode properties, normalisation and case
** folding come from utf8proc and stemming from libstemmer, never from tables
** of our own. Nothing here allocates per token in steady state.
**
** Decoding. Bytes are decoded as they are scanned, without a separate
** validation pass. An invalid sequence is replaced (it separates tokens) and
** counted once per "maximal subpart", as Unicode recommends for U+FFFD
** substitution and as the WHATWG decoder does: a lead byte followed by some
** but not all of its continuation bytes counts once (so a sequence truncated
** at the end of the text counts once), while a byte that cannot start or
** continue the sequence in hand counts on its own. Thus a stray continuation
** byte, 0xC0, 0xC1 and 0xF5..0xFF count one each; the overlong C0 80 counts
** two (neither byte can begin a valid sequence), as do surrogates encoded as
** ED A0 80 (three) and code points past U+10FFFF such as F4 90 80 80 (four).
** U+0000 is valid UTF-8 (a control character): it separates, uncounted.
**
** Tokens. A token is a maximal run of code points in the categories L*, M*
** and N*; the colon suffix rule of analysis.h may extend its surface (not its
** term). A token's surface is its whole run, however long; its folded form is
** cut to SW_MAX_TOKEN_BYTES at a character boundary. Folding reads at most
** FOLD_INPUT_MAX bytes of a run: enough to fill the folded form, since NFC
** composition and case folding shrink text by a factor of about three at
** most (A + U+030A, 3 bytes -> "å", 2; KELVIN SIGN, 3 bytes -> "k", 1). Only
** the last characters before that point could fold differently had the rest
** of the run been read, and they lie beyond the cut.
**
** Speed. Three things keep the chain at a small cost per token:
**  - an ASCII fast path: ASCII bytes are classified and lower-cased inline
**    (for ASCII, Unicode case folding is exactly A-Z -> a-z and NFC changes
**    nothing), hashing the folded bytes in the same loop; only runs holding a
**    non-ASCII code point go through utf8proc;
**  - the stem cache (stemcache.c): an all-ASCII run is looked up by its
**    folded form; any other run by its raw surface bytes, so a cache hit
**    skips utf8proc as well as libstemmer. The two kinds of key cannot
**    collide: the first holds only bytes < 0x80, the second at least one byte
**    >= 0x80. Surfaces longer than AN_CACHE_KEY_MAX with non-ASCII bytes are
**    not cached (they are rare and cut anyway);
**  - fixed buffers: the token's fold and term live in the analyzer (or, for
**    an_term, on the stack); utf8proc works in one scratch array that grows
**    only for pathological input.
*/
#include "analysis.h"

#include <libstemmer.h>
#include <string.h>
#include <utf8proc.h>

#include "stemmer_int.h"

#define FOLD_INPUT_MAX (4 * SW_MAX_TOKEN_BYTES) /* run bytes read to fold */
#define FOLD_OPTIONS (UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD)

/* Where an analysis stands in one text. Separate from AnAnalyzer so that
** an_term can analyse its word without disturbing a stream in progress. */
typedef struct Scan {
  const unsigned char *text; /* borrowed input                           */
  size_t len;                /* bytes of text                            */
  size_t cur;                /* next byte to read                        */
  uint32_t pos;              /* position of the next token               */
  size_t invalid;            /* invalid sequences replaced so far        */
} Scan;

struct AnAnalyzer {
  struct sb_stemmer *stemmer;     /* libstemmer "swedish", UTF_8         */
  AnStemCache *cache;             /* key -> fold, stem, flags            */
  utf8proc_int32_t *u32;          /* utf8proc scratch, u32_cap + 1 long  */
  size_t u32_cap;                 /* code points utf8proc may write      */
  Scan scan;                      /* the stream since an_begin()         */
  char fold[SW_MAX_TOKEN_BYTES];  /* AnToken.fold of the last token      */
  char term[SW_MAX_TOKEN_BYTES];  /* AnToken.term of the last token      */
};

/* ---------------------------------------------------------------- bytes -- */

/* Decode one code point from s[0..n), n >= 1. Returns the bytes consumed
** (1..4) and sets *cp to the code point, or to -1 for an invalid sequence
** (then the bytes consumed are its maximal subpart; see the opening
** comment). */
static size_t decode(const unsigned char *s, size_t n, int32_t *cp) {
  unsigned c = s[0];
  if (c < 0x80) {
    *cp = (int32_t)c;
    return 1;
  }
  size_t need;          /* continuation bytes expected            */
  unsigned lo = 0x80;   /* allowed range of the second byte,      */
  unsigned hi = 0xBF;   /* narrowed against overlongs, surrogates */
  uint32_t v;           /* and code points past U+10FFFF          */
  if (c < 0xC2) {       /* continuation byte, or overlong C0/C1   */
    *cp = -1;
    return 1;
  } else if (c < 0xE0) {
    need = 1;
    v = c & 0x1F;
  } else if (c < 0xF0) {
    need = 2;
    v = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c < 0xF5) {
    need = 3;
    v = c & 0x07;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    *cp = -1;
    return 1;
  }
  if (n < 2 || s[1] < lo || s[1] > hi) {
    *cp = -1;
    return 1;
  }
  v = (v << 6) | (s[1] & 0x3Fu);
  for (size_t i = 2; i <= need; i++) {
    if (i >= n || (s[i] & 0xC0u) != 0x80) {
      *cp = -1;
      return i;
    }
    v = (v << 6) | (s[i] & 0x3Fu);
  }
  *cp = (int32_t)v;
  return need + 1;
}

/* ASCII letter or digit. */
static inline int ascii_word(unsigned c) {
  return c - '0' < 10u || (c | 0x20u) - 'a' < 26u;
}

/* Letter, mark or number: a code point that belongs in a token. */
static int word_cp(int32_t cp) {
  utf8proc_category_t cat = utf8proc_category(cp);
  return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO;
}

/* Largest m <= max with s[0..m) ending at a character boundary of the valid
** UTF-8 string s[0..n). */
static size_t cut_utf8(const char *s, size_t n, size_t max) {
  if (n <= max) return n;
  size_t m = max;
  while (m > 0 && ((unsigned char)s[m] & 0xC0u) == 0x80) m--;
  return m;
}

/* End of the surface of the run text[..run_end): past a colon suffix
** (':' + 1..3 lower-case letters ending the run, e.g. "FN:s") if one follows,
** else run_end. Nothing here is counted: invalid bytes are left for the next
** separator scan. */
static size_t suffix_end(const unsigned char *text, size_t len,
                         size_t run_end) {
  if (run_end >= len || text[run_end] != ':') return run_end;
  size_t p = run_end + 1;
  int k = 0;
  while (p < len) {
    int32_t cp;
    size_t n = decode(text + p, len - p, &cp);
    if (cp < 0 || !word_cp(cp)) break; /* the run ends here */
    int lower = cp < 0x80 ? (uint32_t)cp - 'a' < 26u
                          : utf8proc_category(cp) == UTF8PROC_CATEGORY_LL;
    if (k == 3 || !lower) return run_end; /* a longer or other run */
    k++;
    p += n;
  }
  return k > 0 ? p : run_end;
}

/* ------------------------------------------------------------ the chain -- */

/* NFC + case fold s[0..n) (valid UTF-8) into fold (SW_MAX_TOKEN_BYTES),
** cut at a character boundary. Returns SW_OK or SW_NOMEM. */
static int fold_unicode(AnAnalyzer *an, const char *s, size_t n, char *fold,
                        size_t *fold_len) {
  n = cut_utf8(s, n, FOLD_INPUT_MAX);
  utf8proc_ssize_t r;
  for (;;) {
    r = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n,
                           an->u32, (utf8proc_ssize_t)an->u32_cap,
                           FOLD_OPTIONS);
    if (r < 0 || (size_t)r <= an->u32_cap) break;
    /* More code points than fit: grow once to the size asked for (bounded
    ** by FOLD_INPUT_MAX times the longest decomposition), then redo. */
    utf8proc_int32_t *u32 =
        sw_realloc(an->u32, ((size_t)r + 1) * sizeof *an->u32);
    if (!u32) return SW_NOMEM;
    an->u32 = u32;
    an->u32_cap = (size_t)r;
  }
  /* utf8proc_reencode composes (NFC) and writes UTF-8 over the array, which
  ** has the one spare entry it requires. */
  if (r >= 0) r = utf8proc_reencode(an->u32, r, FOLD_OPTIONS);
  if (r < 0) {
    /* Cannot happen for valid UTF-8 without UTF8PROC_REJECTNA; should a
    ** future utf8proc refuse something, keep the bytes rather than lose the
    ** token. */
    *fold_len = cut_utf8(s, n, SW_MAX_TOKEN_BYTES);
    memcpy(fold, s, *fold_len);
    return SW_OK;
  }
  const char *out = (const char *)an->u32;
  *fold_len = cut_utf8(out, (size_t)r, SW_MAX_TOKEN_BYTES);
  memcpy(fold, out, *fold_len);
  return SW_OK;
}

/* Stem fold[0..fold_len) into term (SW_MAX_TOKEN_BYTES). Returns SW_OK or
** SW_NOMEM (libstemmer's own allocation failed). */
static int stem(AnAnalyzer *an, const char *fold, size_t fold_len, char *term,
                size_t *term_len) {
  *term_len = 0;
  if (fold_len == 0) return SW_OK;
  const sb_symbol *r = sb_stemmer_stem(an->stemmer, (const sb_symbol *)fold,
                                       (int)fold_len);
  if (!r) return SW_NOMEM;
  int rlen = sb_stemmer_length(an->stemmer);
  if (rlen <= 0) return SW_OK;
  /* Snowball Swedish only removes suffixes; the cut is a safety net. */
  *term_len = cut_utf8((const char *)r, (size_t)rlen, SW_MAX_TOKEN_BYTES);
  memcpy(term, r, *term_len);
  return SW_OK;
}

/* Fold (unless is_ascii: fold already holds it), stem and flag the run
** s[0..n), using and filling the cache. hash is an_hash of the key: fold for
** ASCII runs, s itself otherwise. Fills tok's term, fold and flags. */
static int analyse_run(AnAnalyzer *an, const char *s, size_t n, int is_ascii,
                       uint32_t hash, size_t fold_len, char *fold, char *term,
                       AnToken *tok) {
  const char *key = is_ascii ? fold : s;
  size_t klen = is_ascii ? fold_len : n;
  int cacheable = is_ascii || n <= AN_CACHE_KEY_MAX;
  size_t term_len;
  unsigned flags;
  AnCacheHit hit;

  if (cacheable && an_stemcache_find(an->cache, hash, key, klen, &hit)) {
    if (!is_ascii) memcpy(fold, hit.fold, hit.fold_len);
    fold_len = hit.fold_len;
    memcpy(term, hit.stem, hit.stem_len);
    term_len = hit.stem_len;
    flags = hit.flags;
  } else {
    int rc = SW_OK;
    if (!is_ascii) rc = fold_unicode(an, s, n, fold, &fold_len);
    if (rc == SW_OK) rc = stem(an, fold, fold_len, term, &term_len);
    if (rc != SW_OK) return rc;
    flags = an_is_stopword(fold, fold_len) ? AN_STOP : 0;
    if (cacheable)
      an_stemcache_put(an->cache, hash, key, klen, fold, fold_len, term,
                       term_len, flags);
  }
  tok->fold = fold;
  tok->fold_len = fold_len;
  tok->term = term;
  tok->term_len = term_len;
  tok->flags = flags;
  return SW_OK;
}

/* The next token of sc into *tok, its fold and term written to fold and term
** (SW_MAX_TOKEN_BYTES each). Returns 1, 0 at the end, or -SW_NOMEM (sc is
** then left before the token, so a retry redoes it). */
static int next_token(AnAnalyzer *an, Scan *sc, char *fold, char *term,
                      AnToken *tok) {
  const unsigned char *t = sc->text;
  size_t len = sc->len;
  size_t p = sc->cur;
  int32_t cp;

  /* Separators: anything but letters, marks and digits; invalid bytes. */
  for (;;) {
    if (p >= len) {
      sc->cur = p;
      return 0;
    }
    unsigned c = t[p];
    if (c < 0x80) {
      if (ascii_word(c)) break;
      p++;
      continue;
    }
    size_t n = decode(t + p, len - p, &cp);
    if (cp < 0) sc->invalid++;
    else if (word_cp(cp)) break;
    p += n;
  }
  sc->cur = p;

  /* The run. While it is all ASCII, lower-case and hash it on the way; the
  ** fold of an ASCII run is its first SW_MAX_TOKEN_BYTES bytes lower-cased. */
  size_t start = p;
  uint32_t hash = AN_HASH_INIT;
  size_t fold_len = 0;
  int is_ascii = 1;
  while (p < len) {
    unsigned c = t[p];
    if (c < 0x80) {
      if (!ascii_word(c)) break;
      if (is_ascii && fold_len < SW_MAX_TOKEN_BYTES) {
        if (c - 'A' < 26u) c |= 0x20u;
        fold[fold_len++] = (char)c;
        hash = an_hash_step(hash, (unsigned char)c);
      }
      p++;
      continue;
    }
    size_t n = decode(t + p, len - p, &cp);
    if (cp < 0 || !word_cp(cp)) break;
    is_ascii = 0;
    p += n;
  }
  size_t run_end = p;
  const char *s = (const char *)t + start;
  size_t n = run_end - start;
  if (!is_ascii) hash = n <= AN_CACHE_KEY_MAX ? an_hash(s, n) : 0;

  int rc = analyse_run(an, s, n, is_ascii, hash, fold_len, fold, term, tok);
  if (rc != SW_OK) return -rc;
  tok->start = start;
  tok->end = suffix_end(t, len, run_end);
  tok->pos = sc->pos++;
  sc->cur = tok->end;
  return 1;
}

/* ------------------------------------------------------------------ API -- */

/* 1 if this libstemmer build knows "swedish" at all (to tell a missing
** algorithm from a failed allocation when sb_stemmer_new returns NULL). */
static int has_swedish(void) {
  for (const char **name = sb_stemmer_list(); *name; name++)
    if (strcmp(*name, "swedish") == 0) return 1;
  return 0;
}

int an_new(AnAnalyzer **out, SwError *err) {
  int code = SW_NOMEM;
  AnAnalyzer *an = sw_calloc(1, sizeof *an);
  if (!an) goto fail;
  if (an_stemcache_new(&an->cache) != SW_OK) goto fail;
  an->u32 = sw_malloc((FOLD_INPUT_MAX + 1) * sizeof *an->u32);
  if (!an->u32) goto fail;
  an->u32_cap = FOLD_INPUT_MAX;
  an->stemmer = sb_stemmer_new("swedish", "UTF_8");
  if (!an->stemmer) {
    if (!has_swedish()) code = SW_INPUT;
    goto fail;
  }
  *out = an;
  return SW_OK;

fail:
  an_free(an);
  *out = NULL;
  if (code == SW_INPUT)
    return sw_error_set(err, code,
                        "analysis: libstemmer has no \"swedish\" stemmer");
  return sw_error_set(err, code, "analysis: out of memory creating analyzer");
}

void an_free(AnAnalyzer *an) {
  if (!an) return;
  sb_stemmer_delete(an->stemmer);
  an_stemcache_free(an->cache);
  sw_free(an->u32);
  sw_free(an);
}

void an_begin(AnAnalyzer *an, const char *text, size_t len,
              uint32_t first_pos) {
  an->scan.text = (const unsigned char *)text;
  an->scan.len = text ? len : 0;
  an->scan.cur = 0;
  an->scan.pos = first_pos;
  an->scan.invalid = 0;
}

int an_next(AnAnalyzer *an, AnToken *tok) {
  return next_token(an, &an->scan, an->fold, an->term, tok);
}

size_t an_invalid_count(const AnAnalyzer *an) { return an->scan.invalid; }

int an_term(AnAnalyzer *an, const char *word, size_t len, char *out,
            size_t cap, size_t *out_len) {
  /* Own buffers and scan: the stream's current token stays valid. */
  char fold[SW_MAX_TOKEN_BYTES];
  char term[SW_MAX_TOKEN_BYTES];
  Scan sc = {(const unsigned char *)word, word ? len : 0, 0, 0, 0};
  AnToken tok;
  *out_len = 0;
  int rc = next_token(an, &sc, fold, term, &tok);
  if (rc < 0) return -rc;
  if (rc == 0) return SW_OK;
  if (tok.term_len > cap) return SW_LIMIT;
  if (tok.term_len > 0) memcpy(out, tok.term, tok.term_len);
  *out_len = tok.term_len;
  return SW_OK;
}
