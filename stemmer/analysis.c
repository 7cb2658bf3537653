/*
** analysis.c — the analysis chain: UTF-8 decoding, tokenizing, NFKC + case
** folding, stop word marking and Snowball Swedish stemming, for documents and
** queries alike. Interface: analysis.h. The stop list lives in stopwords.c,
** the stem cache in stemcache.c; Unicode properties, normalisation and case
** folding come from utf8proc and stemming from libstemmer's Swedish module
** (snowball.c), never from tables of our own. Nothing here allocates per
** token in steady state.
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
** Speed. Four things keep the chain at a small cost per token:
**  - an ASCII fast path: ASCII bytes are classified and lower-cased inline,
**    eight at a time where the machine allows (SWAR below); for ASCII,
**    Unicode case folding is exactly A-Z -> a-z and NFC changes nothing.
**    The Latin-1 letters (å, ä, ö, é, ...) are recognised without decoding
**    them. Only runs holding a non-ASCII code point go through utf8proc;
**  - the stem cache (stemcache.c): an all-ASCII run is looked up by its
**    folded form; any other run by its raw surface bytes, so a cache hit
**    skips utf8proc as well as libstemmer. The two kinds of key cannot
**    collide: the first holds only bytes < 0x80, the second at least one byte
**    >= 0x80. Surfaces longer than AN_CACHE_KEY_MAX with non-ASCII bytes are
**    not cached (they are rare and cut anyway);
**  - read-ahead: the stream finds the runs of the next AN_AHEAD tokens
**    before it analyses the first, and prefetches their cache slots, so the
**    cache misses of several tokens overlap (an_next);
**  - fixed buffers: the token's fold and term live in the analyzer (or, for
**    an_term, on the stack); utf8proc works in one scratch array that grows
**    only for pathological input.
*/
#include "analysis.h"

#include <string.h>
#include <utf8proc.h>

#include "stemmer_int.h"

#define FOLD_INPUT_MAX (4 * SW_MAX_TOKEN_BYTES) /* run bytes read to fold */
/* NFKC + case folding + removal of default-ignorable code points (soft
** hyphens, zero-width joiners): compatibility characters from PDFs fold to
** what they stand for (`ﬁ` -> "fi", full-width digits -> ASCII). */
#define FOLD_OPTIONS                                                       \
  (UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | \
   UTF8PROC_IGNORE)

/* Where an analysis stands in one text. Separate from AnAnalyzer so that
** an_term can analyse its word without disturbing a stream in progress. */
typedef struct Scan {
  const unsigned char *text; /* borrowed input                           */
  size_t len;                /* bytes of text                            */
  size_t cur;                /* next byte to read                        */
  uint32_t pos;              /* position of the next token               */
  size_t invalid;            /* invalid sequences replaced so far        */
} Scan;

/* A run found by scan_run, not yet analysed. */
typedef struct Run {
  size_t start;              /* first byte of the surface                 */
  size_t run_end;            /* end of the letters/digits run             */
  size_t end;                /* end of the surface (colon suffix incl.)   */
  size_t invalid;            /* invalid sequences in the separators before */
  uint32_t hash;             /* an_hash of its cache key, once hashed     */
  int hashed;                /* 1: hash is set (run_hash)                 */
  int is_ascii;              /* 1: all ASCII, fold holds its fold         */
  int hyph_break;            /* 1: a hyphen at a line end follows, then a
                                lower-case letter (a word broken in two) */
  size_t fold_len;           /* bytes of fold (is_ascii)                  */
  char fold[SW_MAX_TOKEN_BYTES]; /* the fold of an ASCII run              */
} Run;

/* Scratch for rejoining a word broken at a line end (try_join). */
typedef struct JoinBuf {
  Run run2;                       /* the run after the break (an_term)  */
  char fold2[SW_MAX_TOKEN_BYTES]; /* its fold when not ASCII            */
  char term2[SW_MAX_TOKEN_BYTES]; /* its term                            */
  char fold[SW_MAX_TOKEN_BYTES];  /* the joined fold                     */
  char term[SW_MAX_TOKEN_BYTES];  /* the joined term                     */
} JoinBuf;

/* The stream reads AN_AHEAD runs ahead of the token it returns, and
** prefetches their stem-cache slots as it finds them: the cache is far
** larger than the CPU caches, and its misses, one per token, then overlap
** instead of following each other. Tokens come out exactly as without it;
** invalid sequences are counted as their runs are returned. */
#define AN_AHEAD 8

/* An extra token waiting to be returned (AN_EXTRA). */
typedef struct Extra {
  size_t start, end;              /* its surface                          */
  uint32_t pos;                   /* the word token's position            */
  size_t len;                     /* bytes of term (namespace byte incl.) */
  char term[1 + SW_MAX_TOKEN_BYTES]; /* namespace byte + canon or stem    */
} Extra;

#define AN_EXTRA_MAX 40 /* extra tokens queued after one word token */
#define AN_PART_MIN 6   /* folded bytes below which no word is split  */

struct AnAnalyzer {
  AnSnowball *stemmer;            /* Snowball Swedish, UTF-8 (snowball.c) */
  AnStemCache *cache;             /* key -> fold, stem, flags            */
  utf8proc_int32_t *u32;          /* utf8proc scratch, u32_cap + 1 long  */
  size_t u32_cap;                 /* code points utf8proc may write      */
  Scan scan;                      /* the stream since an_begin()         */
  Run ahead[AN_AHEAD];            /* runs scanned, not yet returned: a
                                     ring from ahead_first               */
  unsigned ahead_first;           /* index of the oldest                 */
  unsigned ahead_n;               /* how many                            */
  size_t tail_invalid;            /* invalid sequences after the last run */
  int scan_done;                  /* 1: scan reached the end of the text */
  Run term_run;                   /* scratch run for an_term             */
  JoinBuf join;                   /* the stream's rejoined word          */
  char fold[SW_MAX_TOKEN_BYTES];  /* AnToken.fold of the last token      */
  char term[SW_MAX_TOKEN_BYTES];  /* AnToken.term of the last token      */
  unsigned with;                  /* AN_WITH_* asked for                 */
  unsigned with_now;              /* ... for the current stream          */
  AnIdent *idents;                /* identifiers of the text (scanned on
                                     the first an_next of a stream)      */
  size_t nidents, idents_cap;     /* held, allocated                     */
  size_t ident_next;              /* first not yet returned              */
  int idents_scanned;             /* 1: idents holds this stream's       */
  Extra extra[AN_EXTRA_MAX];      /* queued extra tokens                 */
  unsigned nextra, extra_first;   /* queued, next to return              */
  Extra cur_extra;                /* the extra token returned last       */
  AnSplitter *splitter;           /* compound splitter (AN_WITH_PARTS)   */
  int tok_unsplit;                /* the last analysed run is known to have
                                     no compound parts (AN_CACHED_UNSPLIT) */
  uint64_t want_key[AN_WANT_MAX]; /* wanted fold prefixes (an_want_add):
                                     their bytes, zero-padded to 8       */
  uint64_t want_mask[AN_WANT_MAX]; /* ... 0xFF for each byte that counts */
  uint8_t want_len[AN_WANT_MAX];  /* ... bytes that count (1..8)         */
  unsigned nwant;                 /* prefixes held                       */
  int want_all;                   /* 1: some wanted term allows any word */
  const uint32_t *want_pos;       /* wanted positions (an_want_positions),
                                     ascending; NULL: by terms            */
  size_t nwant_pos;               /* ... how many                        */
  size_t want_pos_next;           /* ... first not below the stream's pos */
  int want_now;                   /* the filter is on for this stream    */
};

/* ---------------------------------------------------------------- bytes -- */

/* ASCII letter or digit. */
static inline int ascii_word(unsigned c) {
  return c - '0' < 10u || (c | 0x20u) - 'a' < 26u;
}

/* Word-at-a-time classification of eight bytes, on little-endian machines
** (where the lowest byte of a loaded word comes first). SWAR_HIGH has the
** top bit of each byte; for bytes below 0x80, swar_range() sets the top bit
** of each byte in lo..hi (no carry crosses a byte: each sum stays below
** 0x100), and swar_word() of each ASCII letter or digit. Bytes >= 0x80 give
** garbage there: callers mask them with ~x or test them apart. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    (defined(__GNUC__) || defined(__clang__))
#define SWAR 1
#else
#define SWAR 0
#endif
#define SWAR_HIGH 0x8080808080808080ull
#define SWAR_ONES 0x0101010101010101ull

static inline uint64_t swar_range(uint64_t x, unsigned lo, unsigned hi) {
  uint64_t v = x & ~SWAR_HIGH; /* keep sums in their byte */
  uint64_t ge = v + SWAR_ONES * (0x80u - lo);   /* top bit: byte >= lo */
  uint64_t gt = v + SWAR_ONES * (0x7fu - hi);   /* top bit: byte > hi  */
  return ge & ~gt & SWAR_HIGH;
}

static inline uint64_t swar_word(uint64_t x) { /* cf. ascii_word() */
  return (swar_range(x, '0', '9') | swar_range(x | 0x2020202020202020ull,
                                                'a', 'z')) & ~x;
}

/* 1 if s[0..n) starts with a letter of U+00C0..U+00FF (Swedish å, ä, ö,
** é, ...): every code point there is a letter (Lu or Ll) except U+00D7 and
** U+00F7 (× and ÷). A shortcut past sw_utf8_decode() and utf8proc for the
** commonest non-ASCII letters; word_cp() gives the same answer. */
static inline int latin1_letter(const unsigned char *s, size_t n) {
  return s[0] == 0xC3 && n >= 2 && (s[1] & 0xC0u) == 0x80 && s[1] != 0x97 &&
         s[1] != 0xB7;
}

/* Letter, mark or number: a code point that belongs in a token. */
static int word_cp(int32_t cp) {
  utf8proc_category_t cat = utf8proc_category(cp);
  return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO;
}

/* Default-ignorable code points that may sit inside a word: SOFT HYPHEN,
** ZERO WIDTH SPACE / NON-JOINER / JOINER, WORD JOINER, ZERO WIDTH NO-BREAK
** SPACE (BOM). */
static int joiner(int32_t cp) {
  return cp == 0xAD || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 ||
         cp == 0xFEFF;
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
    size_t n = sw_utf8_decode(text + p, len - p, &cp);
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

/* Norwegian and Danish letters to their Swedish equivalents, in folded
** (lower-case) UTF-8, in place: æ (C3 A6) -> ä (C3 A4), ø (C3 B8) -> ö
** (C3 B6), as Lucene's ScandinavianNormalizationFilter does; å, ä, ö stay
** distinct from a and o. The byte lengths are equal. */
static void scandinavian(char *s, size_t n) {
  for (size_t i = 0; i + 1 < n; i++) {
    if ((unsigned char)s[i] != 0xC3) continue;
    unsigned char c = (unsigned char)s[i + 1];
    if (c == 0xA6) s[i + 1] = (char)0xA4;
    else if (c == 0xB8) s[i + 1] = (char)0xB6;
    i++;
  }
}

/* NFKC + case fold s[0..n) (valid UTF-8) into fold (SW_MAX_TOKEN_BYTES),
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
  char *out = (char *)an->u32;
  scandinavian(out, (size_t)r);
  *fold_len = cut_utf8(out, (size_t)r, SW_MAX_TOKEN_BYTES);
  memcpy(fold, out, *fold_len);
  return SW_OK;
}

/* Snowball Swedish leaves the definite singular of two large noun classes
** alone: -et of neuter nouns (beslutet, förbudet, samhället, arbetet) and
** -an of common nouns in -a (frågan, kvinnan, fällan), so "frågan" never
** met "fråga" (measured: two inflection queries of the municipal set lost
** every relevant document). Before Snowball, such a fold is cut back to its
** indefinite form when the lexicon knows that form as a word (or as a
** compound it splits): beslut-et -> beslut, samhäll-et -> samhälle, fråga-n
** -> fråga; a genitive s after them too (beslutets, frågans). Unknown
** stems keep the ending (kvalitet, universitet, sedan), and so do words
** hunspell-sv lists with the ending as their root (paket, raket, verkan,
** ansökan, or a compound ending in one: orosanmälan). Verbal nouns that
** the dictionary makes from their verb (samverkan from samverka) do join
** the verb: samverkan finds samverkar. Writes the form to buf
** (SW_MAX_TOKEN_BYTES) and returns its length, or 0 when the rule does not
** apply. */
static size_t definite_base(const char *f, size_t n, char *buf) {
  if (n > 0 && f[n - 1] == 's') n--; /* genitive */
  if (n < 5 || n > SW_MAX_TOKEN_BYTES) return 0;
  int an_end = f[n - 2] == 'a' && f[n - 1] == 'n';
  int et_end = f[n - 2] == 'e' && f[n - 1] == 't' && f[n - 3] != 'e';
  if (!(an_end || et_end) || an_lex_own_ending(f, n)) return 0;
  if (an_end) { /* fråga-n */
    if (an_lex_known(f, n - 1)) {
      memcpy(buf, f, n - 1);
      return n - 1;
    }
    return 0;
  }
  memcpy(buf, f, n - 2);
  if (an_lex_known(buf, n - 2)) return n - 2; /* beslut-et */
  buf[n - 2] = 'e';
  if (an_lex_known(buf, n - 1)) return n - 1; /* samhäll-et: samhälle */
  return 0;
}

/* 1 if e[0..n) is a plural or definite noun ending (gräns-en, plats-erna,
** krets-ar), after which stem() may drop the s of an -s stem. Other endings
** Snowball removes (-lig, -a, -e, -ade) leave other words: barns-lig is no
** form of barn, föruts-e none of förut. */
static int noun_ending(const char *e, size_t n) {
  static const char *const endings[] = {
      "en",  "ens",  "ar",    "ars",  "arna",  "arnas", "er",
      "ers", "erna", "ernas", "or",   "ors",   "orna",  "ornas"};
  for (size_t k = 0; k < sizeof endings / sizeof *endings; k++)
    if (strlen(endings[k]) == n && memcmp(endings[k], e, n) == 0) return 1;
  return 0;
}

/* Stem fold[0..fold_len) into term (SW_MAX_TOKEN_BYTES). Returns SW_OK or
** SW_NOMEM (libstemmer's own allocation failed). */
static int stem(AnAnalyzer *an, const char *fold, size_t fold_len, char *term,
                size_t *term_len) {
  char base[SW_MAX_TOKEN_BYTES];
  *term_len = 0;
  if (fold_len == 0) return SW_OK;
  /* A form Snowball would leave apart from its word: stem the word. */
  const char *lemma;
  size_t ll = an_lemma(fold, fold_len, &lemma);
  if (ll) {
    fold = lemma;
    fold_len = ll;
  }
  size_t bl = definite_base(fold, fold_len, base);
  if (bl) {
    fold = base;
    fold_len = bl;
  }
  const char *r;
  size_t rlen;
  if (an_snowball_stem(an->stemmer, fold, fold_len, &r, &rlen) != SW_OK)
    return SW_NOMEM;
  if (rlen == 0) return SW_OK;
  /* Snowball Swedish only removes suffixes; the cut is a safety net. */
  *term_len = cut_utf8(r, rlen, SW_MAX_TOKEN_BYTES);
  memcpy(term, r, *term_len);
  /* Snowball removes one ending, so a word in -s loses its s when bare and
  ** keeps it under an ending: skolskjuts -> skolskjut, but skolskjutsarna
  ** -> skolskjuts (measured: a municipal query lost its documents). When a
  ** noun ending went and the stem ends in s, the stem is stemmed once
  ** more, and taken when that drops just the s, as for the bare word:
  ** skolskjutsarna -> skolskjut, platserna -> plat (plats -> plat), while
  ** husen -> hus stays (Snowball keeps hus). */
  size_t tl = *term_len;
  if (tl >= 2 && tl < fold_len && term[tl - 1] == 's' &&
      memcmp(fold, term, tl) == 0 && noun_ending(fold + tl, fold_len - tl)) {
    if (an_snowball_stem(an->stemmer, term, tl, &r, &rlen) != SW_OK)
      return SW_NOMEM;
    if (rlen == tl - 1 && memcmp(r, term, tl - 1) == 0) *term_len = tl - 1;
  }
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
    /* The common case, short words held in a cache slot, copies a fixed
    ** AN_CACHE_READABLE bytes inline (fold and term have room). */
    if (hit.readable32 && hit.fold_len <= AN_CACHE_READABLE &&
        hit.stem_len <= AN_CACHE_READABLE) {
      if (!is_ascii) memcpy(fold, hit.fold, AN_CACHE_READABLE);
      memcpy(term, hit.stem, AN_CACHE_READABLE);
    } else {
      if (!is_ascii) memcpy(fold, hit.fold, hit.fold_len);
      memcpy(term, hit.stem, hit.stem_len);
    }
    fold_len = hit.fold_len;
    term_len = hit.stem_len;
    flags = hit.flags;
  } else {
    int rc = SW_OK;
    if (!is_ascii) rc = fold_unicode(an, s, n, fold, &fold_len);
    if (rc == SW_OK) rc = stem(an, fold, fold_len, term, &term_len);
    if (rc != SW_OK) return rc;
    flags = an_is_stopword(fold, fold_len) ? AN_STOP : 0;
    /* Most words are no compound: say so in the cache entry, so that later
    ** tokens of the word skip the splitter's own (larger, colder) cache. */
    if ((an->with_now & AN_WITH_PARTS) && an->splitter) {
      AnPart parts[AN_SPLIT_MAX_PARTS];
      if (fold_len < AN_PART_MIN ||
          an_splitter_split_deep(an->splitter, fold, fold_len, parts,
                                 AN_SPLIT_MAX_PARTS) == 0)
        flags |= AN_CACHED_UNSPLIT;
    }
    if (cacheable)
      an_stemcache_put(an->cache, hash, key, klen, fold, fold_len, term,
                       term_len, flags);
  }
  tok->fold = fold;
  tok->fold_len = fold_len;
  tok->term = term;
  tok->term_len = term_len;
  tok->flags = flags & ~(unsigned)AN_CACHED_UNSPLIT;
  an->tok_unsplit = (flags & AN_CACHED_UNSPLIT) != 0;
  return SW_OK;
}

/* 1 if t[p..] is a hyphen ending a line ("sam-\n", spaces and a CR
** allowed around the line break) followed by a lower-case letter: a word
** broken at a line end, as text from PDFs has them. */
static int hyphen_break(const unsigned char *t, size_t len, size_t p) {
  if (p >= len || t[p] != '-') return 0;
  p++;
  int nl = 0;
  while (p < len && (t[p] == ' ' || t[p] == '\t' || t[p] == '\r' ||
                     (t[p] == '\n' && !nl))) {
    nl |= t[p] == '\n';
    p++;
  }
  if (!nl || p >= len) return 0;
  if (t[p] >= 'a' && t[p] <= 'z') return 1;
  /* å, ä, ö, é, ...: U+00DF..U+00FF, lower-case Latin-1 letters */
  return t[p] == 0xC3 && p + 1 < len && t[p + 1] >= 0x9F && t[p + 1] != 0xB7;
}

/* Finds the next run of sc from sc->cur: skips the separators before it
** (adding the invalid sequences among them to *invalid), then fills r and
** moves sc->cur past the run's surface (its colon suffix included: that is
** where the next token's separators start). For an all-ASCII run, r->fold
** gets its fold. Returns 1, or 0 at the end of the text (sc->cur = len). */
/* The length of the web address at t[p..len): "http://", "https://" or
** "www." (any case) up to the next space, control character or quote or
** angle bracket, less trailing punctuation; 0 when none starts at p. Web
** addresses are no words: their parts (goteborg, forskola, pdf) would be
** matched as text and, typed without å/ä/ö, outrank the words. */
static size_t url_len(const unsigned char *t, size_t len, size_t p) {
  static const char *const heads[] = {"http://", "https://", "www."};
  size_t h = 0;
  for (size_t k = 0; k < 3 && !h; k++) {
    size_t n = strlen(heads[k]);
    if (len - p < n) continue;
    size_t i = 0;
    while (i < n && (t[p + i] | 0x20u) == (unsigned char)heads[k][i]) i++;
    if (i == n) h = n;
  }
  if (!h) return 0;
  size_t e = p + h;
  while (e < len && t[e] > ' ' && t[e] != '"' && t[e] != '<' && t[e] != '>' &&
         t[e] != 0x7f)
    e++;
  while (e > p + h && strchr(".,;:!?)]}'", t[e - 1])) e--;
  return e > p + h ? e - p : 0;
}

static int scan_run(Scan *sc, Run *r, size_t *invalid) {
  const unsigned char *t = sc->text;
  size_t len = sc->len;
  size_t p = sc->cur;
  int32_t cp;
  char *fold = r->fold;

  /* Separators: anything but letters, marks and digits; invalid bytes. */
  for (;;) {
    if (p >= len) {
      sc->cur = p;
      return 0;
    }
#if SWAR
    /* Eight ASCII separators at a time (spaces, punctuation). */
    while (p + 8 <= len) {
      uint64_t x;
      memcpy(&x, t + p, 8);
      uint64_t stop = swar_word(x) | (x & SWAR_HIGH); /* word or non-ASCII */
      if (stop) {
        p += (size_t)__builtin_ctzll(stop) / 8;
        break;
      }
      p += 8;
    }
    if (p >= len) continue;
#endif
    unsigned c = t[p];
    if (c < 0x80) {
      if (ascii_word(c)) {
        size_t u = (c | 0x20u) == 'h' || (c | 0x20u) == 'w'
                       ? url_len(t, len, p)
                       : 0;
        if (!u) break;
        p += u; /* a web address: no words */
        continue;
      }
      p++;
      continue;
    }
    if (latin1_letter(t + p, len - p)) break;
    size_t n = sw_utf8_decode(t + p, len - p, &cp);
    if (cp < 0) (*invalid)++;
    else if (word_cp(cp)) break;
    p += n;
  }

  /* The run. While it is all ASCII, lower-case it on the way; the fold of
  ** an ASCII run is its first SW_MAX_TOKEN_BYTES bytes lower-cased. */
  size_t start = p;
  size_t fold_len = 0;
  int is_ascii = 1;
  for (;;) {
#if SWAR
    /* Eight ASCII letters or digits at a time, lower-cased as a word while
    ** the run is all ASCII (and its fold not yet full). */
    if (p + 8 <= len && (!is_ascii || fold_len + 8 <= SW_MAX_TOKEN_BYTES)) {
      uint64_t x;
      memcpy(&x, t + p, 8);
      uint64_t word = swar_word(x);
      size_t k = word == SWAR_HIGH
                     ? 8
                     : (size_t)__builtin_ctzll(~word & SWAR_HIGH) / 8;
      if (is_ascii) {
        uint64_t lower = x + (swar_range(x, 'A', 'Z') >> 2); /* + 0x20 */
        memcpy(fold + fold_len, &lower, 8);
        fold_len += k;
      }
      p += k;
      if (k == 8) continue;
    }
#endif
    if (p >= len) break;
    unsigned c = t[p];
    if (c < 0x80) {
      if (!ascii_word(c)) break;
      if (is_ascii && fold_len < SW_MAX_TOKEN_BYTES) {
        if (c - 'A' < 26u) c |= 0x20u;
        fold[fold_len++] = (char)c;
      }
      p++;
      continue;
    }
    if (latin1_letter(t + p, len - p)) { /* å, ä, ö, é, ... */
      is_ascii = 0;
      p += 2;
      continue;
    }
    size_t n = sw_utf8_decode(t + p, len - p, &cp);
    if (cp >= 0 && joiner(cp) && p + n < len) {
      /* A soft hyphen or zero-width joiner inside a word (PDF text) keeps
      ** the word whole when a letter or digit follows; folding drops it. */
      unsigned c2 = t[p + n];
      int32_t next = -1;
      if (c2 >= 0x80) sw_utf8_decode(t + p + n, len - p - n, &next);
      if (c2 < 0x80 ? ascii_word(c2) : next >= 0 && word_cp(next)) {
        is_ascii = 0;
        p += n;
        continue;
      }
    }
    if (cp < 0 || !word_cp(cp)) break;
    is_ascii = 0;
    p += n;
  }
  r->start = start;
  r->run_end = p;
  r->end = suffix_end(t, len, p);
  r->hyph_break = r->end == p && hyphen_break(t, len, p);
  r->is_ascii = is_ascii;
  r->fold_len = fold_len;
  r->hashed = 0; /* run_hash: runs a wanted-term filter skips need none */
  sc->cur = r->end;
  return 1;
}

/* an_hash of run r's cache key (its fold if ASCII, else its surface; 0 for
** surfaces too long to cache), computed once. */
static uint32_t run_hash(const Scan *sc, Run *r) {
  if (!r->hashed) {
    size_t n = r->run_end - r->start;
    r->hash = r->is_ascii ? an_hash(r->fold, r->fold_len)
              : n <= AN_CACHE_KEY_MAX
                  ? an_hash((const char *)sc->text + r->start, n)
                  : 0;
    r->hashed = 1;
  }
  return r->hash;
}

/* The token of run r (found by scan_run in sc) into *tok: its fold goes to
** r->fold (ASCII, already there) or fold, its term to term (each
** SW_MAX_TOKEN_BYTES). Returns 1; 0 when the run folds to nothing (it holds
** only default-ignorable marks such as U+034F or variation selectors, which
** UTF8PROC_IGNORE removes): no token and no position, the run is a
** separator (found by tests/fuzz/fuzz_analysis: empty terms were indexed);
** or -SW_NOMEM. */
static int run_token(AnAnalyzer *an, Scan *sc, Run *r, char *fold,
                     char *term, AnToken *tok) {
  const char *s = (const char *)sc->text + r->start;
  int rc = analyse_run(an, s, r->run_end - r->start, r->is_ascii,
                       run_hash(sc, r), r->fold_len,
                       r->is_ascii ? r->fold : fold, term, tok);
  if (rc != SW_OK) return -rc;
  if (tok->fold_len == 0 || tok->term_len == 0) return 0;
  tok->start = r->start;
  tok->end = r->end;
  tok->pos = sc->pos++;
  return 1;
}

/* Word token tok ends where a hyphen breaks a line and run r2 continues
** it ("sam-\nverkan"). When the two folds joined make a known word
** (an_lex_known: the lexicon, independent of the analyzer's extras), tok
** becomes that word, its surface spanning both parts, its fold and term in
** jb. Returns 1 if joined, 0 if not, or -SW_NOMEM. */
static int try_join(AnAnalyzer *an, const Scan *sc, AnToken *tok, Run *r2,
                    JoinBuf *jb) {
  int unsplit = an->tok_unsplit;
  AnToken t2;
  int rc = analyse_run(an, (const char *)sc->text + r2->start,
                       r2->run_end - r2->start, r2->is_ascii,
                       run_hash(sc, r2), r2->fold_len,
                       r2->is_ascii ? r2->fold : jb->fold2, jb->term2, &t2);
  an->tok_unsplit = unsplit;
  if (rc != SW_OK) return -rc;
  size_t n1 = tok->fold_len, n = n1 + t2.fold_len;
  if (t2.fold_len == 0 || n > SW_MAX_TOKEN_BYTES) return 0;
  memcpy(jb->fold, tok->fold, n1);
  memcpy(jb->fold + n1, t2.fold, t2.fold_len);
  if (!an_lex_known(jb->fold, n)) return 0;
  size_t term_len = 0;
  rc = stem(an, jb->fold, n, jb->term, &term_len);
  if (rc != SW_OK) return -rc;
  if (term_len == 0) return 0;
  tok->fold = jb->fold;
  tok->fold_len = n;
  tok->term = jb->term;
  tok->term_len = term_len;
  tok->flags = an_is_stopword(jb->fold, n) ? AN_STOP : 0;
  tok->end = r2->end;
  an->tok_unsplit = 0; /* not known: the splitter decides */
  return 1;
}

/* The next token of sc into *tok, without read-ahead (an_term); jb holds a
** rejoined word. Returns 1, 0 at the end, or -SW_NOMEM. */
static int next_token(AnAnalyzer *an, Scan *sc, Run *r, char *fold,
                      char *term, AnToken *tok, JoinBuf *jb) {
  int rc;
  do { /* runs that fold to nothing are skipped (run_token) */
    size_t at = sc->cur;
    if (!scan_run(sc, r, &sc->invalid)) return 0;
    rc = run_token(an, sc, r, fold, term, tok);
    if (rc < 0) sc->cur = at;
  } while (rc == 0);
  if (rc == 1 && r->hyph_break) {
    size_t at = sc->cur;
    size_t invalid = 0;
    int j = 0;
    if (scan_run(sc, &jb->run2, &invalid)) j = try_join(an, sc, tok, &jb->run2, jb);
    if (j < 0) return j;
    if (j == 0) sc->cur = at; /* the run after the break is read again */
  }
  return rc;
}

/* ------------------------------------------------------- wanted terms -- */

/* The first bytes of the fold of the run s[0..n), when they are cheap to
** know exactly: the run starts with ASCII letters and digits and Latin-1
** letters (U+00C0..U+00FF but U+00D7 and U+00F7), which NFKC and case
** folding map one by one (A-Z and U+00C0..U+00DE to lower case, ß to "ss";
** NFC composes none of them with a neighbour), followed by scandinavian()
** (æ, ø to ä, ö); and the character after those read is such a letter too,
** or the run ends there, so that no combining mark can change the last one.
** Writes min(8, fold length) bytes to out and their number to *len and
** returns 1; returns 0 when the run is anything else. */
static int fold_prefix8(const unsigned char *s, size_t n, unsigned char out[8],
                        size_t *len) {
  size_t i = 0, o = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c < 0x80) {
      if (!ascii_word(c)) return 0; /* not in a run; be safe */
      if (o == 8) break;
      out[o++] = (unsigned char)(c - 'A' < 26u ? c | 0x20u : c);
      i++;
      continue;
    }
    if (!latin1_letter(s + i, n - i)) return 0;
    if (o == 8) break;
    unsigned c2 = s[i + 1];
    if (c2 == 0x9F) { /* ß */
      out[o++] = 's';
      if (o < 8) out[o++] = 's';
    } else {
      if (c2 < 0x9F) c2 += 0x20; /* À..Þ -> à..þ */
      if (c2 == 0xA6) c2 = 0xA4;       /* æ -> ä */
      else if (c2 == 0xB8) c2 = 0xB6;  /* ø -> ö */
      out[o++] = 0xC3;
      if (o < 8) out[o++] = (unsigned char)c2;
    }
    i += 2;
  }
  *len = o;
  return 1;
}

/* 0 if the word token of run r certainly has none of the wanted terms as
** its term (or, by position, is at none of the wanted positions), else 1;
** by position, it also moves an->want_pos_next on. Why a prefix test is exact enough: stem() takes a term
** from the fold by cutting endings (Snowball Swedish and the noun-ending
** rule only remove suffixes; löst -> lös, fullt -> full too), except that
** definite_base may first put an 'e' after a cut (samhäll-et -> samhälle).
** So a term is a prefix of its fold, or, when it ends in 'e', all of it but
** that 'e' is. an_want_add keeps up to 8 bytes of that prefix. */
static int wanted(AnAnalyzer *an, const Scan *sc, const Run *r) {
  unsigned char b[8] = {0};
  size_t flen;
  uint64_t f;
  if (an->want_pos) {
    /* By position: the run's position is sc->pos if it folds to something,
    ** which it does when its first characters are letters we know. */
    if (!r->is_ascii && (!fold_prefix8(sc->text + r->start,
                                       r->run_end - r->start, b, &flen) ||
                         flen == 0))
      return 1;
    size_t i = an->want_pos_next;
    while (i < an->nwant_pos && an->want_pos[i] < sc->pos) i++;
    an->want_pos_next = i;
    return i < an->nwant_pos && an->want_pos[i] == sc->pos;
  }
  if (r->is_ascii) {
    flen = r->fold_len < 8 ? r->fold_len : 8;
#if SWAR
    /* fold has room for 8 bytes; those past the fold are cleared. */
    memcpy(&f, r->fold, 8);
    if (flen < 8) f &= ((uint64_t)1 << (8 * flen)) - 1;
#else
    memcpy(b, r->fold, flen);
    memcpy(&f, b, 8);
#endif
  } else if (fold_prefix8(sc->text + r->start, r->run_end - r->start, b,
                          &flen)) {
    memcpy(&f, b, 8);
  } else {
    return 1;
  }
  for (unsigned i = 0; i < an->nwant; i++)
    if (flen >= an->want_len[i] &&
        ((f ^ an->want_key[i]) & an->want_mask[i]) == 0)
      return 1;
  return 0;
}

void an_want_add(AnAnalyzer *an, const char *term, size_t len) {
  size_t m = len > 0 && term[len - 1] == 'e' ? len - 1 : len;
  if (m > 8) m = 8;
  if (m == 0 || an->nwant == AN_WANT_MAX) {
    an->want_all = 1;
    return;
  }
  unsigned char key[8] = {0}, mask[8] = {0};
  memcpy(key, term, m);
  memset(mask, 0xFF, m);
  memcpy(&an->want_key[an->nwant], key, 8);
  memcpy(&an->want_mask[an->nwant], mask, 8);
  an->want_len[an->nwant++] = (uint8_t)m;
}

void an_want_clear(AnAnalyzer *an) {
  an->nwant = 0;
  an->want_all = 0;
  an->want_pos = NULL;
  an->nwant_pos = 0;
}

void an_want_positions(AnAnalyzer *an, const uint32_t *pos, size_t n) {
  an->want_pos = pos;
  an->nwant_pos = pos ? n : 0;
}

/* ------------------------------------------------------------------ API -- */

int an_new(AnAnalyzer **out, SwError *err) {
  AnAnalyzer *an = sw_calloc(1, sizeof *an);
  if (!an) goto fail;
  if (an_stemcache_new(&an->cache) != SW_OK) goto fail;
  an->u32 = sw_malloc((FOLD_INPUT_MAX + 1) * sizeof *an->u32);
  if (!an->u32) goto fail;
  an->u32_cap = FOLD_INPUT_MAX;
  if (an_snowball_new(&an->stemmer) != SW_OK) goto fail;
  *out = an;
  return SW_OK;

fail:
  an_free(an);
  *out = NULL;
  return sw_error_set(err, SW_NOMEM,
                      "analysis: out of memory creating analyzer");
}

void an_free(AnAnalyzer *an) {
  if (!an) return;
  sw_free(an->idents);
  an_splitter_free(an->splitter);
  an_snowball_free(an->stemmer);
  an_stemcache_free(an->cache);
  sw_free(an->u32);
  sw_free(an);
}

void an_set_extras(AnAnalyzer *an, unsigned with) {
  an->with = with;
  if ((with & AN_WITH_PARTS) && !an->splitter) {
    SwError e;
    sw_error_clear(&e);
    /* Without memory for the splitter, words simply go unsplit. */
    if (an_splitter_new(&an->splitter, &e) != SW_OK) an->splitter = NULL;
  }
}

typedef struct IdentRelay {
  int (*fn)(void *ctx, const AnIdentRef *id);
  void *ctx;
} IdentRelay;

static int relay_ident(void *ctx, const AnIdent *id) {
  const IdentRelay *r = ctx;
  AnIdentRef ref = {id->start, id->end, id->canon, id->canon_len,
                    id->broader, id->kind};
  return r->fn(r->ctx, &ref);
}

int an_identifiers(const char *text, size_t len,
                   int (*fn)(void *ctx, const AnIdentRef *id), void *ctx) {
  IdentRelay r = {fn, ctx};
  return an_ident_scan(text, len, relay_ident, &r);
}

static int collect_ident(void *ctx, const AnIdent *id) {
  AnAnalyzer *an = ctx;
  if (an->nidents == an->idents_cap) {
    size_t cap = an->idents_cap ? an->idents_cap * 2 : 16;
    AnIdent *p = sw_realloc(an->idents, cap * sizeof *p);
    if (!p) return 1;
    an->idents = p;
    an->idents_cap = cap;
  }
  an->idents[an->nidents++] = *id;
  return 0;
}

static int stem(AnAnalyzer *an, const char *fold, size_t fold_len, char *term,
                size_t *term_len);

/* Queue one part term (namespace + stem of s[0..n)) unless already queued. */
static void queue_part(AnAnalyzer *an, const AnToken *tok, const char *s,
                       size_t n, size_t start, size_t end) {
  if (an->nextra == AN_EXTRA_MAX || n == 0) return;
  Extra *x = &an->extra[an->nextra];
  size_t tl = 0;
  if (stem(an, s, n, x->term + 1, &tl) != SW_OK || tl == 0) return;
  x->term[0] = AN_NS_PART;
  x->len = 1 + tl;
  for (unsigned i = 0; i < an->nextra; i++)
    if (an->extra[i].len == x->len && !memcmp(an->extra[i].term, x->term, x->len))
      return;
  x->start = start;
  x->end = end;
  x->pos = tok->pos;
  an->nextra++;
}

/* The compound parts of word token tok (its fold) as extra tokens. Where
** the fold has the surface's length (the usual case: NFC text, Swedish
** letters fold byte for byte) a part spans its own characters, else the
** whole word. */
static void queue_parts(AnAnalyzer *an, const AnToken *tok) {
  AnPart parts[AN_SPLIT_MAX_PARTS];
  int np = an_splitter_split_deep(an->splitter, tok->fold, tok->fold_len,
                                  parts, AN_SPLIT_MAX_PARTS);
  int same = tok->end - tok->start == tok->fold_len;
  for (int i = 0; i < np; i++) {
    const AnPart *p = &parts[i];
    size_t st = same ? tok->start + p->off : tok->start;
    size_t en = same ? tok->start + p->off + p->len : tok->end;
    queue_part(an, tok, tok->fold + p->off, p->len, st, en);
    if (p->base) queue_part(an, tok, p->base, p->base_len, st, en);
  }
}

/* Queue the extra tokens that belong after word token tok. */
static void queue_extras(AnAnalyzer *an, const AnToken *tok) {
  an->nextra = an->extra_first = 0;
  if ((an->with_now & AN_WITH_PARTS) && an->splitter &&
      tok->fold_len >= AN_PART_MIN && !an->tok_unsplit)
    queue_parts(an, tok);
  while (an->ident_next < an->nidents &&
         an->idents[an->ident_next].start <= tok->start) {
    const AnIdent *id = &an->idents[an->ident_next++];
    if (an->nextra == AN_EXTRA_MAX) continue;
    Extra *x = &an->extra[an->nextra++];
    x->start = id->start;
    x->end = id->end;
    x->pos = tok->pos;
    x->term[0] = AN_NS_IDENT;
    memcpy(x->term + 1, id->canon, id->canon_len);
    x->len = 1 + id->canon_len;
  }
}

void an_begin(AnAnalyzer *an, const char *text, size_t len,
              uint32_t first_pos) {
  an->with_now = an->with;
  an->want_now = an->want_pos != NULL ||
                 (an->nwant > 0 && !an->want_all &&
                  !(an->with_now & AN_WITH_PARTS));
  an->want_pos_next = 0;
  an->nidents = an->ident_next = 0;
  an->idents_scanned = 0;
  an->nextra = an->extra_first = 0;
  an->scan.text = (const unsigned char *)text;
  an->scan.len = text ? len : 0;
  an->scan.cur = 0;
  an->scan.pos = first_pos;
  an->scan.invalid = 0;
  an->ahead_first = 0;
  an->ahead_n = 0;
  an->tail_invalid = 0;
  an->scan_done = 0;
}

int an_next(AnAnalyzer *an, AnToken *tok) {
  Scan *sc = &an->scan;
  if (an->extra_first < an->nextra) {
    Extra *x = &an->cur_extra;
    *x = an->extra[an->extra_first++];
    tok->term = x->term;
    tok->term_len = x->len;
    tok->fold = x->term + 1;
    tok->fold_len = x->len - 1;
    tok->start = x->start;
    tok->end = x->end;
    tok->pos = x->pos;
    tok->flags = AN_EXTRA;
    return 1;
  }
  if ((an->with_now & AN_WITH_IDENTS) && !an->idents_scanned) {
    an->nidents = 0;
    if (an_ident_scan((const char *)sc->text, sc->len, collect_ident, an))
      return -SW_NOMEM; /* nothing consumed: a later call retries */
    an->idents_scanned = 1;
  }
  int rc;
  do { /* runs that fold to nothing are skipped (run_token) */
    /* Refill the ring. The run of the token returned last is free now: its
    ** fold may be overwritten (that token is no longer valid). */
    while (!an->scan_done && an->ahead_n < AN_AHEAD) {
      Run *r = &an->ahead[(an->ahead_first + an->ahead_n) % AN_AHEAD];
      r->invalid = 0;
      if (!scan_run(sc, r, &r->invalid)) {
        an->tail_invalid = r->invalid;
        an->scan_done = 1;
        break;
      }
      if (!an->want_now) an_stemcache_prefetch(an->cache, run_hash(sc, r));
      an->ahead_n++;
    }
    if (an->ahead_n == 0) {
      sc->invalid += an->tail_invalid;
      an->tail_invalid = 0;
      return 0;
    }
    Run *r = &an->ahead[an->ahead_first];
    sc->invalid += r->invalid; /* counted once, even if this token is retried */
    r->invalid = 0;
    unsigned used = 1;
    if (an->want_now && !r->hyph_break && !wanted(an, sc, r)) {
      /* Unwanted: its fold is not empty (wanted() saw letters), so neither
      ** is its term, and it takes a position as run_token would give. */
      static const char none[1] = "";
      tok->term = tok->fold = none;
      tok->term_len = tok->fold_len = 0;
      tok->start = r->start;
      tok->end = r->end;
      tok->pos = sc->pos++;
      tok->flags = AN_UNWANTED;
      an->ahead_first = (an->ahead_first + 1) % AN_AHEAD;
      an->ahead_n--;
      break;
    }
    rc = run_token(an, sc, r, an->fold, an->term, tok);
    if (rc < 0) return rc; /* the run stays first: a later call retries it */
    if (rc == 1 && r->hyph_break && an->ahead_n >= 2) {
      /* The run after the break is the next in the ring: the ring is full
      ** unless the text has ended. */
      Run *r2 = &an->ahead[(an->ahead_first + 1) % AN_AHEAD];
      int j = try_join(an, sc, tok, r2, &an->join);
      if (j < 0) {
        sc->pos--; /* retried whole by a later call */
        return j;
      }
      if (j) {
        sc->invalid += r2->invalid;
        used = 2;
      }
    }
    an->ahead_first = (an->ahead_first + used) % AN_AHEAD;
    an->ahead_n -= used;
  } while (rc == 0);
  if (an->nidents > an->ident_next ||
      ((an->with_now & AN_WITH_PARTS) && tok->fold_len >= AN_PART_MIN &&
       !an->tok_unsplit))
    queue_extras(an, tok);
  return 1;
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
  JoinBuf jb;
  int rc = next_token(an, &sc, &an->term_run, fold, term, &tok, &jb);
  if (rc < 0) return -rc;
  if (rc == 0) return SW_OK;
  if (tok.term_len > cap) return SW_LIMIT;
  if (tok.term_len > 0) memcpy(out, tok.term, tok.term_len);
  *out_len = tok.term_len;
  return SW_OK;
}
