/*
** analysis.h — the text analysis chain: the stemmer layer's one public
** header (stemmer/include/), its contract with index/ and engine/. It
** includes sw_base.h and nothing of the layers above; it also holds the
** registry of term namespaces (AN_NS_*), which every layer uses.
**
** One chain serves documents and queries:
**   UTF-8 decode (sw_base.h's decoder; invalid sequences become U+FFFD,
**   which separates tokens, and are counted) -> tokens = maximal runs of
**   letters (L*), marks (M*) and digits (N*) in any script; everything else
**   separates (so `Rinkeby-Kista` and `covid-19` give their parts) -> NFKC
**   + Unicode case folding, default-ignorable code points (soft hyphens,
**   zero-width joiners) removed (utf8proc; compatibility characters from
**   PDFs fold to what they stand for: `ﬁ` -> "fi", full-width digits ->
**   ASCII; æ/ø -> ä/ö) -> Snowball Swedish stemming (libstemmer) -> term.
** Two departures from Snowball, both narrow and checked word by word against
** Snowball's vocabulary (tests/unit/test_snowball.c): a definite singular in
** -et/-an gets its indefinite form's term when the compound lexicon knows
** that form (beslutet = beslut, frågan = fråga; paket, verkan keep theirs),
** and a stem in -s left by a noun ending is stemmed like the bare word
** (skolskjutsarna = skolskjuts). A word broken by a hyphen at a line end
** (`sam-\nverkan`) is one word again when the joined form is known.
** A Swedish colon suffix after a run (`FN:s`, `EU:s`, `SCB:n`: colon + 1..3
** lower-case letters ending the run) belongs to the token's surface but not
** to its term: `FN:s` -> term "fn".
** Every token gets a position (0, 1, 2, ... from the caller's first_pos);
** stop words are marked, not removed: documents index them so phrases with
** `och`, `att`, `i` match; free-text queries drop them.
**
** Tokens longer than SW_MAX_TOKEN_BYTES (folded) are cut at a character
** boundary to that length.
**
** Thread safety: an AnAnalyzer (with its libstemmer stemmer and stem cache)
** is used by one thread at a time; make one per thread.
*/
#ifndef SW_ANALYSIS_H
#define SW_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "sw_base.h"

typedef struct AnAnalyzer AnAnalyzer;

/* Token flags. */
#define AN_STOP 0x1     /* folded surface is a Snowball Swedish stop word */
#define AN_EXTRA 0x2    /* an extra term, not a word: see below            */
#define AN_UNWANTED 0x4 /* a word left unanalysed: see an_want_add         */

/* Extra terms. After a word token the chain may return extra tokens
** (flag AN_EXTRA) with the same position: they index what the word is part
** of or made of, in namespaces no word can reach (their terms start with a
** control byte):
**   AN_NS_IDENT  an identifier (diarienummer `KS 2020/1050`, `2018/19:1088`,
**                `SFS 2017:725`, `§ 13`) in canonical form, attached to the
**                first word token at or after its start; start/end span it;
**   AN_NS_PART   a part of a compound word (`insatsgrupper` -> `insats`,
**                `grupp`; sub-compounds too: `stadsdelsnämnd` -> `stadsdel`,
**                `stad`, `del`, `nämnd`), stemmed like a word; start/end
**                span the part's characters inside the word;
** Extra tokens have no position of their own and are not words: document
** lengths do not count them, and queries take words only. They come only
** when asked for (an_set_extras). */

/* The term namespaces: the registry of every first byte a term that is not
** a word may have (index/FORMAT.md §3a). A word term never starts below
** 0x20: tokens are runs of letters, marks and digits. The stemmer makes the
** first two; the layers above make the others with these names only. */
#define AN_NS_PART '\x01'  /* compound part (above)                          */
#define AN_NS_IDENT '\x02' /* identifier in canonical form (above)           */
#define AN_NS_FACET '\x03' /* metadata facet `typ:motion`, ... (engine:
                              facet.c), once per document at position 0   */
#define AN_NS_TITLE '\x04' /* title-field twin of every title word, at its
                              position (index: the segment writer)         */
#define AN_NS_WORD_MIN 0x20 /* first bytes below this are namespaces      */

/* 1 if a term starting with the byte first is in a namespace (not a word). */
static inline int an_ns_special(char first) {
  return (unsigned char)first < AN_NS_WORD_MIN;
}

#define AN_WITH_IDENTS 0x1 /* identifiers as extra terms */
#define AN_WITH_PARTS 0x2  /* compound parts as extra terms */

/* Which extra terms an_next returns from the next an_begin on (0: none, the
** default). */
void an_set_extras(AnAnalyzer *an, unsigned with);

/* Wanted terms: a cheap filter for callers that look for a few known terms
** in a text (snippets). After an_want_add, from the next an_begin on, a word
** token whose term certainly is none of the wanted terms comes back
** unanalysed: flag AN_UNWANTED, term and fold empty (length 0), start, end
** and pos exactly as without the filter, and its flags otherwise 0 (AN_STOP
** is not computed). Every other token, extras included, is exactly what it
** would be without the filter, and so are all positions. The test reads at
** most the first 8 folded bytes of a word (a term is a prefix of its word's
** fold, give or take a final 'e'): no utf8proc, no stemmer, no cache
** lookup. It is off while compound parts are asked for (an_set_extras),
** after an_want_clear, and when a wanted term is 1 byte long or more than
** AN_WANT_MAX were added. */
#define AN_WANT_MAX 32
void an_want_add(AnAnalyzer *an, const char *term, size_t len);
void an_want_clear(AnAnalyzer *an); /* positions too (below) */

/* Wanted positions, for a caller that knows where its terms are (snippets
** ask the index): from the next an_begin on, a word token whose position
** is not in pos[0..n) (ascending, in the positions an_next gives: from
** first_pos) comes back unanalysed as above, compound parts on or off, and
** makes no compound parts; so does any token, n = 0. Tokens at the wanted
** positions, their extras, and all positions are exactly as without the
** filter. Used instead of the wanted terms while set; pos is borrowed until
** the next an_want_positions or an_want_clear. pos NULL turns it off. */
void an_want_positions(AnAnalyzer *an, const uint32_t *pos, size_t n);

/* Kinds of identifiers (the canon rules are in ident.c's opening comment). */
enum {
  AN_ID_DNR = 1,  /* diarienummer: KS 2020/1050, 2020/1050, dnr 2018-00176 */
  AN_ID_RM = 2,   /* riksmöte number: 2018/19:1088, 2018/19:JuU19          */
  AN_ID_SFS = 3,  /* year:number: SFS 2017:725, motion (2017:54), SOU 2019:40 */
  AN_ID_PARA = 4, /* paragraph: § 13, 13 a §                                */
  AN_ID_EU = 5    /* EU act after (EU)/(EG)/(EEG) or before /EG: 2016/679   */
};

/* An identifier found in a text (for queries: engine/expand.c; for
** metadata: engine/metadata.c). canon is what an AN_NS_IDENT term holds
** after its namespace byte; borrowed for the call. broader = 1: a broader
** form of the identifier reported just before (`2020/1050` after
** `ks 2020/1050`), same range. */
typedef struct AnIdentRef {
  size_t start, end;      /* byte range of the identifier in the text */
  const char *canon;      /* canonical form, lower case, NUL-terminated */
  size_t canon_len;       /* bytes before the NUL                       */
  int broader;
  int kind;               /* AN_ID_*                                    */
} AnIdentRef;

/* Call fn for every identifier of text[0..len), in order (non-zero from fn
** stops). Allocates nothing. Returns 0 or fn's non-zero value. */
int an_identifiers(const char *text, size_t len,
                   int (*fn)(void *ctx, const AnIdentRef *id), void *ctx);

typedef struct AnToken {
  const char *term;  /* folded + stemmed term; NOT NUL-terminated; valid
                        until the next an_next()/an_begin()/an_free()     */
  size_t term_len;
  const char *fold;  /* folded, unstemmed form; same lifetime as term     */
  size_t fold_len;
  size_t start;      /* byte offset of the surface in the input text      */
  size_t end;        /* one past the last byte of the surface             */
  uint32_t pos;      /* position: first_pos + index of the token          */
  unsigned flags;    /* AN_* bits                                          */
} AnToken;

/* Create an analyzer: Snowball Swedish (libstemmer's module, UTF-8) plus a
** bounded stem cache. Errors: SW_NOMEM. */
int an_new(AnAnalyzer **out, SwError *err);
void an_free(AnAnalyzer *an); /* NULL is a no-op */

/* Start analysing text[0..len). The analyzer borrows text until the stream
** ends or the next an_begin(). Positions start at first_pos. */
void an_begin(AnAnalyzer *an, const char *text, size_t len, uint32_t first_pos);

/* Produce the next token into *tok. Returns 1 with a token, 0 at the end of
** the text, or a negative value on allocation failure (-SW_NOMEM; the stream
** stays before that token, so a later call retries it). Never fails on bad
** bytes. */
int an_next(AnAnalyzer *an, AnToken *tok);

/* Invalid UTF-8 sequences replaced since the last an_begin(). */
size_t an_invalid_count(const AnAnalyzer *an);

/* Fold and stem one word as the chain would (for query terms that are
** already split, and for tests). Writes the term into out (cap bytes) and
** its length into *out_len. Returns SW_OK, SW_LIMIT if cap is too small, or
** SW_NOMEM (*out_len = 0 on failure). The input need not be a single token:
** only the first token is used; if there is none, *out_len = 0. Does not
** disturb a stream in progress: its current token stays valid. */
int an_term(AnAnalyzer *an, const char *word, size_t len, char *out,
            size_t cap, size_t *out_len);

/* 1 if the folded form fold[0..len) is a Snowball Swedish stop word. */
int an_is_stopword(const char *fold, size_t len);

/* Number of stop words in the built-in list and the i-th of them (sorted,
** for tests comparing with Snowball's stop.txt). */
size_t an_stopword_count(void);
const char *an_stopword(size_t i);

#endif /* SW_ANALYSIS_H */
