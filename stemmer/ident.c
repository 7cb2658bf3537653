/*
** ident.c — identifiers as units: diarienummer, riksmöte numbers, year:number
** designations, EU acts and protocol paragraphs, found however they are typed
** and reported with one canonical form. Interface: stemmer_int.h, section
** "interface to ident.c". Pure: no allocation, no state, reads only
** text[0..len). Indexing every canon and searching for them is left to the
** callers (the index writer and the query parser).
**
** The scan walks the text once. At a word start (a letter or digit whose
** predecessor is not a letter or digit) it tries the patterns below; at a
** `§` it tries a paragraph; a match is reported and the scan goes on after
** it, otherwise after the word. "Space" below is a space, tab, no-break or
** thin space; zero-width characters (U+200B..U+200D, U+2060, U+FEFF, soft
** hyphen), which PDF conversions leave inside numbers, are skipped between
** the parts of an identifier. "Dash" is `-`, U+2010..U+2013 or U+2212.
** Numbers lose leading zeros in canons (`N2018/03142` -> `n 2018/3142`).
**
** Canon rules, kind by kind:
**
**  AN_ID_DNR  SERIES? YYYY/N, 1900 <= YYYY <= 2099, N = 1..6 digits, N > 0.
**     SERIES is a word of 1..6 letters (ASCII or Latin-1: KS, EÅV, RK, UD)
**     before the year, attached (`KS2020/1050`) or after up to two spaces
**     and/or one dash (`KS 2020/1050`, `KS–2020/1050`). Accepted when it is
**     all upper case; or it is capitalised/lower case with at most 3 letters
**     attached (`Fi2019/00431`, `ks2020/1050`) or at most 4 letters spaced
**     (`ks 2020/1050`), and not a Swedish stop word or a common short word
**     (`för`, `nr`, `år`, ... see series_stop); or it follows the label `dnr`.
**     A ministry unit may follow: `N2018/03142/SK`; a slash followed by
**     another word (a letter of another script: `2014/17/ЕU` with a Cyrillic
**     Е, or a word too long for a unit) refuses the number.
**     Canon: "series yyyy/n[/unit]" folded to lower case, then the broader
**     "series yyyy/n" (only with a unit), then the bare "yyyy/n": a query
**     for a bare number finds every series, a query with a series finds it.
**     Without a series, a bare YYYY/N is accepted too (it is mostly an EU
**     act or a cited diarienummer), except a year range (2019/2020, and
**     with a series too: 2018/19, the riksmöte) and a date (`2020/01/15`:
**     another /digit follows) or a number that goes on (`2020/10.5`, `2020/
**     10a`, `2020/10-3` unless a series or label vouches for it).
**     After `dnr` (`Dnr`, `dnr.`, `Dnr:`), also YYYY:N (canon "yyyy:n") and,
**     failing every structured form, the next token as it stands, if it
**     holds at least 3 digits: `dnr 2018-00176` -> "2018-00176",
**     `dnr A330.338/2017` -> "a330.338/2017" (lower-cased, dashes as `-`,
**     trailing punctuation dropped). The range excludes the label itself.
**  AN_ID_RM   YYYY/YY:N or YYYY/YY:CODE (N 1..5 digits; CODE = 1..5 letters
**     + 1..3 digits + an optional letter: JuU19, FiU1y), where YY is the
**     year after YYYY (riksmöte 2018/19; 1999/2000 is also written out and
**     becomes 1999/00). One space is allowed before and after the colon
**     (`1994/95 :Jo210`, `rskr. 2009/10: 374`). The old citation form
**     `KU 1986/87:33` (committee code ending in U before the riksmöte)
**     means 1986/87:KU33. Canon "yyyy/yy:n" or "yyyy/yy:coden", lower case.
**  AN_ID_SFS  YYYY:N, 1600 <= YYYY <= 2099, N 1..5 digits, not followed by
**     another :digit, /digit, .digit or ,digit, nor by a letter or digit.
**     `SFS 2017:725` -> "2017:725" (the range includes "SFS"); SOU, Ds and
**     Dir. are series of their own: `SOU 2019:40` -> "sou 2019:40", then
**     "2019:40". Municipal motion numbers (`motion (2017:54)`) and other
**     year:number reports share this form and kind.
**  AN_ID_EU   after `EU`, `EG` or `EEG` (in parentheses or not, optionally
**     `, Euratom` and `nr`): YYYY/N or N/YY(YY): `(EU) 2016/679` ->
**     "2016/679", `(EEG) nr 1408/71` -> "1408/71"; also a bare YYYY/N/EG
**     (`direktiv 2004/38/EG` -> "2004/38"; likewise /EU, /EEG, /EES, /EC,
**     /Euratom, /RIF, /GUSP). The range is the number only.
**  AN_ID_PARA `§ N`, `§N`, `§§ N`, `N §`, `N §§` with N = 1..4 digits (no
**     leading zero), optionally a letter: `13 a §`, `13a §`, `§ 13a`.
**     Canon "§ n" or "§ n x". `9 kap. 2 §` gives "§ 2" (the chapter is not
**     part of the canon); `12 och 13 §§` gives only "§ 13".
**
** Everything is bound-checked: helpers take (s, len, i) and never read at or
** past len; invalid UTF-8 decodes to U+FFFD, which matches nothing.
*/
#include <stdint.h>
#include <string.h>

#include "stemmer_int.h"

#define MAX_SERIES_LETTERS 6  /* KS, SLK, EÅV, ...                        */
#define MAX_WORD_LETTERS 12   /* longer words are never a series or label */
#define MAX_UNIT_BYTES 8      /* ministry unit after the number: /SK      */
#define MAX_GENERIC_BYTES 40  /* a token taken as it stands after `dnr`   */
#define MAX_CANONS 3          /* canons of one identifier                 */

/* ------------------------------------------------------------ decoding -- */

#define BAD_CP 0xFFFDu

/* Decode the code point at s[i] (i < len) into *cp; returns its length in
** bytes (1..4, never past len). Invalid or truncated sequences, overlongs
** and surrogates give BAD_CP and length 1. */
static size_t dec(const unsigned char *s, size_t len, size_t i, uint32_t *cp) {
  int32_t c;
  size_t n = sw_utf8_decode(s + i, len - i, &c);
  if (c < 0) {
    *cp = BAD_CP;
    return 1;
  }
  *cp = (uint32_t)c;
  return n;
}

/* The code point ending just before s[i] (0 < i <= len). A sequence that
** does not decode to exactly the bytes before i counts as one bad byte. */
static uint32_t dec_prev(const unsigned char *s, size_t len, size_t i) {
  for (size_t k = 1; k <= 4 && k <= i; k++) {
    unsigned b = s[i - k];
    if ((b & 0xC0) != 0x80) {
      uint32_t cp;
      size_t n = dec(s, len, i - k, &cp);
      return n == k ? cp : BAD_CP;
    }
  }
  return BAD_CP;
}

/* Letters and digits, as far as word boundaries go: ASCII alphanumerics and
** every code point from U+00C0 up except punctuation-like blocks (general
** punctuation, symbols, arrows, box drawing: U+2000..U+2BFF), the
** multiplication and division signs, U+3000, U+FEFF and U+FFFD. */
static int is_word(uint32_t c) {
  if (c < 0x80)
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
  if (c < 0xC0 || c == 0xD7 || c == 0xF7) return 0;
  if (c >= 0x2000 && c <= 0x2BFF) return 0;
  return c != 0x3000 && c != 0xFEFF && c != BAD_CP;
}

static int is_zw(uint32_t c) {
  return c == 0xAD || (c >= 0x200B && c <= 0x200D) || c == 0x2060 ||
         c == 0xFEFF;
}

static int is_space(uint32_t c) {
  return c == ' ' || c == '\t' || c == 0xA0 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x202F || c == 0x205F;
}

static int is_dash(uint32_t c) {
  return c == '-' || (c >= 0x2010 && c <= 0x2013) || c == 0x2212;
}

/* A letter that may appear in a series or label word: ASCII or Latin-1. */
static int is_series_letter(uint32_t c) {
  return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
         (c >= 0xC0 && c <= 0xFF && c != 0xD7 && c != 0xF7);
}

static int is_upper(uint32_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7);
}

static uint32_t to_lower(uint32_t c) {
  return is_upper(c) ? c + 0x20 : c; /* ASCII and Latin-1 alike */
}

static int is_digit_at(const unsigned char *s, size_t len, size_t i) {
  return i < len && s[i] >= '0' && s[i] <= '9';
}

static uint32_t cp_at(const unsigned char *s, size_t len, size_t i) {
  uint32_t c = 0;
  if (i < len) dec(s, len, i, &c);
  return c; /* 0 past the end: matches no class */
}

/* Skip zero-width characters from i. */
static size_t skip_zw(const unsigned char *s, size_t len, size_t i) {
  while (i < len) {
    uint32_t c;
    size_t n = dec(s, len, i, &c);
    if (!is_zw(c)) break;
    i += n;
  }
  return i;
}

/* Skip at most max spaces (and any zero-width characters) from i; the
** number of spaces skipped goes to *count (may be NULL). */
static size_t skip_sp(const unsigned char *s, size_t len, size_t i,
                      unsigned max, unsigned *count) {
  unsigned k = 0;
  while (i < len) {
    uint32_t c;
    size_t n = dec(s, len, i, &c);
    if (is_zw(c)) {
      i += n;
    } else if (is_space(c) && k < max) {
      i += n;
      k++;
    } else {
      break;
    }
  }
  if (count) *count = k;
  return i;
}

/* End of the run of ASCII digits starting at i. */
static size_t digits_end(const unsigned char *s, size_t len, size_t i) {
  while (i < len && s[i] >= '0' && s[i] <= '9') i++;
  return i;
}

static uint32_t digits_value(const unsigned char *s, size_t from, size_t to) {
  uint32_t v = 0;
  for (size_t i = from; i < to && i < from + 9; i++) v = v * 10 + (s[i] - '0');
  return v;
}

/* ---------------------------------------------------------------- canon -- */

typedef struct Canon {
  char b[AN_IDENT_CANON_MAX]; /* bytes, NUL-terminated when complete       */
  size_t n;                   /* bytes used                               */
  int over;                   /* 1: did not fit; the identifier is dropped */
} Canon;

static void c_put(Canon *c, const void *p, size_t n) {
  if (c->over || n >= sizeof c->b - c->n) {
    c->over = 1;
    return;
  }
  memcpy(c->b + c->n, p, n);
  c->n += n;
  c->b[c->n] = '\0';
}

static void c_chr(Canon *c, char ch) { c_put(c, &ch, 1); }

/* Append code point cp (< 0x800: ASCII or Latin-1 here) as UTF-8. */
static void c_cp(Canon *c, uint32_t cp) {
  if (cp < 0x80) {
    c_chr(c, (char)cp);
  } else {
    char u[2] = {(char)(0xC0 | cp >> 6), (char)(0x80 | (cp & 0x3F))};
    c_put(c, u, 2);
  }
}

/* Append the digits s[from..to) without leading zeros (at least one). */
static void c_num(Canon *c, const unsigned char *s, size_t from, size_t to) {
  while (from + 1 < to && s[from] == '0') from++;
  c_put(c, s + from, to - from);
}

/* Append s[from..to) (letters of is_series_letter, digits, '.', '/', ':'
** and dashes) folded to lower case, dashes as '-'. */
static void c_fold(Canon *c, const unsigned char *s, size_t len, size_t from,
                   size_t to) {
  while (from < to) {
    uint32_t cp;
    size_t n = dec(s, len, from, &cp);
    c_cp(c, is_dash(cp) ? (uint32_t)'-' : to_lower(cp));
    from += n;
  }
}

/* ---------------------------------------------------------------- match -- */

/* One identifier found: its kind, range and canons, most specific first. */
typedef struct Match {
  int kind;                /* AN_ID_*                                   */
  size_t start, end;       /* byte range                                */
  Canon c[MAX_CANONS];     /* canons, most specific first               */
  int nc;                  /* canons held                               */
} Match;

static Canon *m_new(Match *m) {
  Canon *c = &m->c[m->nc++];
  c->n = 0;
  c->over = 0;
  c->b[0] = '\0';
  return c;
}

static void m_reset(Match *m) { m->nc = 0; }

/* A word of series letters at s[i..): where it ends, how many letters, and
** its case shape. */
typedef struct Word {
  size_t start, end;     /* bytes                                      */
  unsigned letters;      /* letters in it                              */
  int upper, lower, cap; /* all upper / all lower / Upper then lower   */
  char fold[2 * MAX_WORD_LETTERS + 1]; /* lower-cased, NUL-terminated  */
  size_t fold_len;
} Word;

/* Read a word of series letters at i; 0 if it is longer than
** MAX_WORD_LETTERS or ends in a letter of another kind (Greek, ...). */
static int read_word(const unsigned char *s, size_t len, size_t i, Word *w) {
  unsigned nu = 0, nl = 0;
  int first_upper = 0;
  w->start = i;
  w->letters = 0;
  w->fold_len = 0;
  while (i < len) {
    uint32_t c;
    size_t n = dec(s, len, i, &c);
    if (!is_series_letter(c)) {
      if (is_word(c) && !(c >= '0' && c <= '9')) return 0;
      break;
    }
    if (w->letters == MAX_WORD_LETTERS) return 0;
    if (is_upper(c)) {
      nu++;
      if (w->letters == 0) first_upper = 1;
    } else {
      nl++;
    }
    uint32_t f = to_lower(c);
    if (f < 0x80) {
      w->fold[w->fold_len++] = (char)f;
    } else {
      w->fold[w->fold_len++] = (char)(0xC0 | f >> 6);
      w->fold[w->fold_len++] = (char)(0x80 | (f & 0x3F));
    }
    w->letters++;
    i += n;
  }
  w->fold[w->fold_len] = '\0';
  w->end = i;
  w->upper = nl == 0 && nu > 0;
  w->lower = nu == 0 && nl > 0;
  w->cap = first_upper && nu == 1 && nl > 0;
  return w->letters > 0;
}

static int word_is(const Word *w, const char *lower) {
  return strcmp(w->fold, lower) == 0;
}

/* Short words that often stand before a year/number and are not a series
** (besides the Snowball stop words). Sorted bytewise for the search. */
static const char *const series_stop_words[] = {
    "a",    "ang",  "art",  "avs",  "bet",  "bil",  "bl",   "ca",   "dir",
    "dnr",  "ds",   "dvs",  "eeg",  "eg",   "em",   "enl",  "eu",   "ex",
    "f",    "fig",  "fm",   "fr",   "fram", "inkl", "ip",   "jfr",  "kap",
    "kl",   "kr",   "lag",  "led",  "mkr",  "mm",   "mot",  "nr",   "ny",
    "nya",  "p",    "per",  "pkt",  "prop", "prot", "resp", "rskr", "runt",
    "s",    "se",   "sfs",  "sid",  "skr",  "sou",  "st",   "t",    "tab",
    "tkr",  "tom",  "ur",   "via",  "år",   "året", "även",
};

static int series_stop(const Word *w) {
  if (an_is_stopword(w->fold, w->fold_len)) return 1;
  size_t lo = 0, hi = sizeof series_stop_words / sizeof *series_stop_words;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int r = strcmp(w->fold, series_stop_words[mid]);
    if (r == 0) return 1;
    if (r < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return 0;
}

/* The suffix of an EU act: 2004/38/EG, 2009/315/RIF. */
static int eu_unit(const Word *u) {
  static const char *const units[] = {"ec",      "eeg",  "ees", "eg",
                                      "eu",      "euratom", "gusp", "rif"};
  for (size_t k = 0; k < sizeof units / sizeof *units; k++)
    if (word_is(u, units[k])) return 1;
  return 0;
}

/* A number continues past e (so what precedes e is not a whole number):
** a letter or digit, or . , : / followed by a digit. */
static int number_goes_on(const unsigned char *s, size_t len, size_t e) {
  if (e >= len) return 0;
  uint32_t c = cp_at(s, len, e);
  if (is_word(c)) return 1;
  if ((c == '.' || c == ',' || c == ':' || c == '/') &&
      is_digit_at(s, len, e + 1))
    return 1;
  return 0;
}

/* Parsed "YYYY/..." at y. */
enum { SL_NONE, SL_DNR, SL_RM, SL_EU };

typedef struct Slash {
  int what;              /* SL_*                                          */
  size_t end;            /* end of the identifier                        */
  size_t y0, y1;         /* year digits                                  */
  size_t n0, n1;         /* number (DNR, EU) or riksmöte number digits   */
  size_t code0, code1;   /* RM: code letters+digits (code1 > code0 if any) */
  size_t u0, u1;         /* DNR: unit after a second slash (u1 > u0)     */
  uint32_t year;         /* YYYY                                         */
} Slash;

/* Parse YYYY/N... at y. vouched: a series or a dnr label precedes (a
** trailing -digits is then accepted and not part of the number; year
** ranges are refused all the same). */
static int parse_slash(const unsigned char *s, size_t len, size_t y,
                       int vouched, Slash *o) {
  memset(o, 0, sizeof *o);
  size_t ye = digits_end(s, len, y);
  if (ye - y != 4) return 0;
  uint32_t year = digits_value(s, y, ye);
  size_t j = skip_zw(s, len, ye);
  if (j >= len || s[j] != '/') return 0;
  j = skip_zw(s, len, j + 1);
  size_t ne = digits_end(s, len, j);
  size_t nd = ne - j;
  if (nd == 0 || nd > 6) return 0;
  uint32_t v = digits_value(s, j, ne);
  o->y0 = y;
  o->y1 = ye;
  o->year = year;
  if ((nd == 2 && v == (year + 1) % 100) || (nd == 4 && v == year + 1)) {
    /* riksmöte: only with a number after a colon */
    if (year < 1800) return 0;
    size_t k = skip_sp(s, len, ne, 1, NULL);
    if (k >= len || s[k] != ':') return 0;
    k = skip_sp(s, len, k + 1, 1, NULL);
    size_t de = digits_end(s, len, k);
    if (de > k) {
      if (de - k > 5 || digits_value(s, k, de) == 0) return 0;
      if (number_goes_on(s, len, de)) return 0;
      o->what = SL_RM;
      o->n0 = k;
      o->n1 = de;
      o->end = de;
      return 1;
    }
    Word w;
    if (!read_word(s, len, k, &w) || w.letters > 5) return 0;
    de = digits_end(s, len, w.end);
    if (de == w.end || de - w.end > 3) return 0;
    size_t e = de;
    uint32_t c = cp_at(s, len, e);
    if (c >= 'a' && c <= 'z' && !is_word(cp_at(s, len, e + 1))) e++;
    if (number_goes_on(s, len, e)) return 0;
    o->what = SL_RM;
    o->code0 = k;
    o->code1 = e;
    o->end = e;
    return 1;
  }
  if (year < 1900 || year > 2099 || v == 0) return 0;
  if (nd == 4 && v > year && v <= year + 10) return 0; /* 2019/2021 */
  o->n0 = j;
  o->n1 = ne;
  o->end = ne;
  o->what = SL_DNR;
  size_t k = skip_zw(s, len, ne);
  if (k < len && s[k] == '/') {
    if (is_digit_at(s, len, k + 1)) return 0; /* 2020/01/15 */
    Word u;
    if (read_word(s, len, k + 1, &u)) {
      size_t ue = digits_end(s, len, u.end);
      if (ue - (k + 1) > MAX_UNIT_BYTES || is_word(cp_at(s, len, ue)))
        return 0;
      if (u.upper && ue == u.end && eu_unit(&u)) {
        o->what = SL_EU;
        o->end = ue;
        return 1;
      }
      o->u0 = k + 1;
      o->u1 = ue;
      o->end = ue;
      return 1;
    }
    /* a lone slash ends the number; a word of another script (2014/17/ЕU
    ** with a Cyrillic Е) or one too long for a unit continues it */
    return !is_word(cp_at(s, len, k + 1));
  }
  if (number_goes_on(s, len, ne)) return 0;
  if (k < len && s[k] == ':') return 0; /* 2015/6:FiU26, a broken riksmöte */
  if (!vouched && nd == 1) return 0;    /* 1990/9 l:SoU2, the same */
  if (!vouched && k < len) {
    uint32_t c;
    size_t n = dec(s, len, k, &c);
    if (is_dash(c) && is_digit_at(s, len, k + n)) return 0; /* 2019/01-15 */
  }
  return 1;
}

/* Fill m with a DNR from a parsed slash (sl->what == SL_DNR) and an
** optional series word. */
static int dnr_from_slash(const unsigned char *s, size_t len, const Slash *sl,
                          const Word *series, Match *m) {
  m_reset(m);
  m->kind = AN_ID_DNR;
  m->end = sl->end;
  int have_unit = sl->u1 > sl->u0;
  for (int pass = 0; pass < 3; pass++) {
    int with_series = series != NULL && pass < 2;
    int with_unit = have_unit && pass == 0;
    if (pass == 0 && !with_series && !with_unit) continue;
    if (pass == 1 && (!series || !have_unit)) continue;
    Canon *c = m_new(m);
    if (with_series) {
      c_put(c, series->fold, series->fold_len);
      c_chr(c, ' ');
    }
    c_put(c, s + sl->y0, 4);
    c_chr(c, '/');
    c_num(c, s, sl->n0, sl->n1);
    if (with_unit) {
      c_chr(c, '/');
      c_fold(c, s, len, sl->u0, sl->u1);
    }
    if (c->over) return 0;
  }
  return m->nc > 0;
}

/* Canon "yyyy/yy:..." of a riksmöte number; comm: committee code from a
** preceding `KU`-style word (numeric numbers only), or NULL. */
static int rm_from_slash(const unsigned char *s, size_t len, const Slash *sl,
                         const Word *comm, Match *m) {
  m_reset(m);
  m->kind = AN_ID_RM;
  m->end = sl->end;
  Canon *c = m_new(m);
  char yy[2] = {(char)('0' + (sl->year + 1) % 100 / 10),
                (char)('0' + (sl->year + 1) % 10)};
  c_put(c, s + sl->y0, 4);
  c_chr(c, '/');
  c_put(c, yy, 2);
  c_chr(c, ':');
  if (sl->code1 > sl->code0) {
    if (comm) return 0;
    /* letters folded, digits without leading zeros, optional letter */
    size_t i = sl->code0;
    while (i < sl->code1 && !is_digit_at(s, len, i)) {
      uint32_t cp;
      size_t n = dec(s, len, i, &cp);
      c_cp(c, to_lower(cp));
      i += n;
    }
    size_t de = digits_end(s, len, i);
    c_num(c, s, i, de);
    if (de < sl->code1) c_chr(c, (char)s[de]);
  } else {
    if (comm) c_put(c, comm->fold, comm->fold_len);
    c_num(c, s, sl->n0, sl->n1);
  }
  return !c->over;
}

/* Parse YYYY:N at y (SFS-style). Fills *end and the digit ranges. */
static int parse_colon(const unsigned char *s, size_t len, size_t y,
                       size_t *n0, size_t *n1) {
  size_t ye = digits_end(s, len, y);
  if (ye - y != 4) return 0;
  uint32_t year = digits_value(s, y, ye);
  if (year < 1600 || year > 2099) return 0;
  size_t j = skip_zw(s, len, ye);
  if (j >= len || s[j] != ':') return 0;
  j = skip_zw(s, len, j + 1);
  size_t ne = digits_end(s, len, j);
  if (ne == j || ne - j > 5 || digits_value(s, j, ne) == 0) return 0;
  if (number_goes_on(s, len, ne)) return 0;
  *n0 = j;
  *n1 = ne;
  return 1;
}

/* Canon "[series ]yyyy:n" (+ the bare one after a series). */
static int colon_canon(const unsigned char *s, size_t y, size_t n0, size_t n1,
                       const char *series, int kind, Match *m) {
  m_reset(m);
  m->kind = kind;
  m->end = n1;
  for (int pass = series ? 0 : 1; pass < 2; pass++) {
    Canon *c = m_new(m);
    if (pass == 0) {
      c_put(c, series, strlen(series));
      c_chr(c, ' ');
    }
    c_put(c, s + y, 4);
    c_chr(c, ':');
    c_num(c, s, n0, n1);
    if (c->over) return 0;
  }
  return 1;
}

/* An EU act number at p: YYYY/N or N/YY(YY). */
static int parse_eu(const unsigned char *s, size_t len, size_t p, Match *m) {
  size_t ae = digits_end(s, len, p);
  size_t ad = ae - p;
  if (ad == 0 || ad > 4) return 0;
  size_t j = skip_zw(s, len, ae);
  if (j >= len || s[j] != '/') return 0;
  j = skip_zw(s, len, j + 1);
  size_t be = digits_end(s, len, j);
  size_t bd = be - j;
  if (bd == 0 || bd > 5) return 0;
  uint32_t a = digits_value(s, p, ae), b = digits_value(s, j, be);
  int year_first = ad == 4 && a >= 1950 && a <= 2099;
  int year_last = (bd == 2 || (bd == 4 && b >= 1950 && b <= 2099));
  if (!year_first && !year_last) return 0;
  if (a == 0 || b == 0) return 0;
  size_t e = be;
  size_t k = skip_zw(s, len, be);
  if (k < len && s[k] == '/' && !is_digit_at(s, len, k + 1)) {
    Word u;
    if (read_word(s, len, k + 1, &u) && u.upper) e = u.end; /* /EG */
  }
  if (number_goes_on(s, len, e)) return 0;
  m_reset(m);
  m->kind = AN_ID_EU;
  m->start = p;
  m->end = e;
  Canon *c = m_new(m);
  c_num(c, s, p, ae);
  c_chr(c, '/');
  c_num(c, s, j, be);
  return !c->over;
}

/* A paragraph "N [x] §" with the number at i. */
static int parse_para_num(const unsigned char *s, size_t len, size_t i,
                          Match *m) {
  size_t de = digits_end(s, len, i);
  if (de - i > 4 || s[i] == '0') return 0;
  size_t k = skip_sp(s, len, de, 2, NULL);
  size_t letter = 0; /* position of the letter + 1 */
  if (k < len && s[k] >= 'a' && s[k] <= 'z' && !is_word(cp_at(s, len, k + 1))) {
    letter = k + 1;
    k = skip_sp(s, len, k + 1, 2, NULL);
  }
  if (k + 1 >= len || s[k] != 0xC2 || s[k + 1] != 0xA7) return 0;
  k += 2;
  if (k + 1 < len && s[k] == 0xC2 && s[k + 1] == 0xA7) k += 2; /* §§ */
  m_reset(m);
  m->kind = AN_ID_PARA;
  m->start = i;
  m->end = k;
  Canon *c = m_new(m);
  c_put(c, "\xC2\xA7 ", 3);
  c_put(c, s + i, de - i);
  if (letter) {
    c_chr(c, ' ');
    c_chr(c, (char)s[letter - 1]);
  }
  return !c->over;
}

/* A paragraph "§ N[x]" with the sign at i. */
static int parse_para_sign(const unsigned char *s, size_t len, size_t i,
                           Match *m) {
  size_t k = i + 2;
  if (k + 1 < len && s[k] == 0xC2 && s[k + 1] == 0xA7) k += 2; /* §§ */
  k = skip_sp(s, len, k, 2, NULL);
  size_t de = digits_end(s, len, k);
  if (de == k || de - k > 4 || s[k] == '0') return 0;
  size_t e = de;
  int letter = 0;
  uint32_t c = cp_at(s, len, de);
  if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') &&
      !is_word(cp_at(s, len, de + 1))) {
    letter = (int)(c | 0x20);
    e = de + 1;
  }
  if (number_goes_on(s, len, e)) return 0;
  m_reset(m);
  m->kind = AN_ID_PARA;
  m->start = i;
  m->end = e;
  Canon *cn = m_new(m);
  c_put(cn, "\xC2\xA7 ", 3);
  c_put(cn, s + k, de - k);
  if (letter) {
    c_chr(cn, ' ');
    c_chr(cn, (char)letter);
  }
  return !cn->over;
}

/* Is i at a place where a number may start: not after a letter or digit,
** a slash or colon, a decimal point or comma after a digit, or a dash
** after a letter or digit (`1-2020/5`, `KS-2020/5` is the series path's). */
static int number_start_ok(const unsigned char *s, size_t len, size_t i) {
  if (i == 0) return 1;
  uint32_t p = dec_prev(s, len, i);
  if (is_word(p) || p == '/' || p == ':') return 0;
  if (p == '.' || p == ',' || is_dash(p)) {
    size_t plen = p < 0x80 ? 1 : 3;
    if (i > plen && is_word(dec_prev(s, len, i - plen))) {
      if (p == '.' && !is_digit_at(s, len, i - plen - 1)) return 1; /* bet. */
      return 0;
    }
  }
  return 1;
}

/* Patterns starting with a digit at i. */
static int match_digits(const unsigned char *s, size_t len, size_t i,
                        Match *m) {
  if (!number_start_ok(s, len, i)) return 0;
  size_t de = digits_end(s, len, i);
  size_t j = skip_zw(s, len, de);
  if (de - i == 4 && j < len && s[j] == '/') {
    Slash sl;
    if (parse_slash(s, len, i, 0, &sl)) {
      int ok = 0;
      if (sl.what == SL_RM) {
        ok = rm_from_slash(s, len, &sl, NULL, m);
      } else if (sl.what == SL_DNR) {
        ok = dnr_from_slash(s, len, &sl, NULL, m);
      } else if (sl.what == SL_EU) {
        ok = parse_eu(s, len, i, m);
        if (ok) m->end = sl.end;
      }
      if (ok) {
        m->start = i;
        return 1;
      }
    }
    return 0;
  }
  if (de - i == 4 && j < len && s[j] == ':') {
    size_t n0, n1;
    if (parse_colon(s, len, i, &n0, &n1) &&
        colon_canon(s, i, n0, n1, NULL, AN_ID_SFS, m)) {
      m->start = i;
      return 1;
    }
    return 0;
  }
  if (de - i <= 4) return parse_para_num(s, len, i, m);
  return 0;
}

/* A generic token after `dnr` at p (optionally after a series word). */
static int match_generic(const unsigned char *s, size_t len, size_t p,
                         const Word *series, Match *m) {
  size_t e = p, digits = 0;
  int sep = 0;
  while (e < len && e - p <= MAX_GENERIC_BYTES) {
    uint32_t c;
    size_t n = dec(s, len, e, &c);
    if (c >= '0' && c <= '9')
      digits++;
    else if (c == '/' || c == '.' || c == ':' || is_dash(c))
      sep |= is_digit_at(s, len, e + n); /* inside the token, not after */
    else if (!is_series_letter(c))
      break;
    e += n;
  }
  if (e - p > MAX_GENERIC_BYTES) return 0;
  /* drop trailing punctuation */
  while (e > p) {
    uint32_t c = dec_prev(s, len, e);
    if (!(c == '/' || c == '.' || c == ':' || is_dash(c))) break;
    e -= c < 0x80 ? 1 : 3;
  }
  if (digits < 3 || e == p) return 0;
  if (digits < 5 && !sep) return 0; /* dnr 204 402 092: not one token */
  m_reset(m);
  m->kind = AN_ID_DNR;
  m->start = series ? series->start : p;
  m->end = e;
  Canon *c = m_new(m);
  if (series) {
    c_put(c, series->fold, series->fold_len);
    c_chr(c, ' ');
  }
  c_fold(c, s, len, p, e);
  return !c->over;
}

/* After the label `dnr` (the word w). */
static int match_label(const unsigned char *s, size_t len, const Word *w,
                       Match *m) {
  size_t p = w->end;
  if (p < len && s[p] == '.') p++;
  if (p < len && s[p] == ':') p++;
  unsigned sp;
  p = skip_sp(s, len, p, 3, &sp);
  if (p == w->end) return 0; /* `dnr2020/5`: not a label */
  Slash sl;
  Word series;
  if (read_word(s, len, p, &series) && series.letters <= MAX_SERIES_LETTERS) {
    size_t q = skip_sp(s, len, series.end, 2, NULL);
    uint32_t c;
    if (q < len && (dec(s, len, q, &c), is_dash(c)))
      q = skip_sp(s, len, q + (c < 0x80 ? 1 : 3), 1, NULL);
    if (!is_digit_at(s, len, q)) return 0;
    if (parse_slash(s, len, q, 1, &sl) && sl.what == SL_DNR &&
        dnr_from_slash(s, len, &sl, &series, m)) {
      m->start = p;
      return 1;
    }
    /* attached (A330.338/2017): the token as it stands */
    return q == series.end ? match_generic(s, len, p, NULL, m)
                           : match_generic(s, len, q, &series, m);
  }
  if (!is_digit_at(s, len, p)) return 0;
  if (parse_slash(s, len, p, 1, &sl)) {
    int ok = sl.what == SL_DNR   ? dnr_from_slash(s, len, &sl, NULL, m)
             : sl.what == SL_RM ? rm_from_slash(s, len, &sl, NULL, m)
                                : 0;
    if (ok) {
      if (m->kind == AN_ID_RM) m->kind = AN_ID_DNR;
      m->start = p;
      return 1;
    }
  }
  size_t n0, n1;
  if (parse_colon(s, len, p, &n0, &n1) &&
      colon_canon(s, p, n0, n1, NULL, AN_ID_DNR, m)) {
    m->start = p;
    return 1;
  }
  return match_generic(s, len, p, NULL, m);
}

/* After `EU`, `EG`, `EEG` (the word w): an EU act number. */
static int match_eu(const unsigned char *s, size_t len, const Word *w,
                    Match *m) {
  size_t p = w->end;
  if (p < len && s[p] == ',') { /* (EU, Euratom) */
    size_t q = skip_sp(s, len, p + 1, 2, NULL);
    Word x;
    if (!read_word(s, len, q, &x) || !word_is(&x, "euratom")) return 0;
    p = x.end;
  }
  if (p < len && s[p] == ')') p++;
  /* up to two spaces or line breaks (PDF text breaks after "(EU)") */
  for (int k = 0; k < 2; k++) {
    p = skip_sp(s, len, p, 2, NULL);
    while (p < len && (s[p] == '\n' || s[p] == '\r')) p++;
  }
  Word nr;
  if (read_word(s, len, p, &nr) && word_is(&nr, "nr")) {
    p = nr.end;
    if (p < len && s[p] == '.') p++;
    p = skip_sp(s, len, p, 2, NULL);
  }
  if (!is_digit_at(s, len, p)) return 0;
  return parse_eu(s, len, p, m);
}

/* Patterns starting with a letter at i. */
static int match_letters(const unsigned char *s, size_t len, size_t i,
                         Match *m) {
  if (i > 0 && is_word(dec_prev(s, len, i))) return 0;
  Word w;
  if (!read_word(s, len, i, &w)) return 0;
  size_t we = w.end;
  /* cheap rejection: a series or label is followed by a digit, space,
  ** dash, '.', ':', ',' or ')' */
  if (we >= len) return 0;
  uint32_t nx = cp_at(s, len, we);
  if (!((nx >= '0' && nx <= '9') || is_space(nx) || is_dash(nx) ||
        is_zw(nx) || nx == '.' || nx == ':' || nx == ',' || nx == ')'))
    return 0;

  if (word_is(&w, "dnr")) return match_label(s, len, &w, m);
  if (w.upper && (word_is(&w, "eu") || word_is(&w, "eg") ||
                  word_is(&w, "eeg")))
    return match_eu(s, len, &w, m);
  if (word_is(&w, "sou") || word_is(&w, "ds") || word_is(&w, "dir") ||
      word_is(&w, "sfs")) {
    size_t p = we;
    if (p < len && s[p] == '.') p++;
    p = skip_sp(s, len, p, 2, NULL);
    size_t n0, n1;
    if (!is_digit_at(s, len, p) || !parse_colon(s, len, p, &n0, &n1))
      return 0;
    if (!colon_canon(s, p, n0, n1, word_is(&w, "sfs") ? NULL : w.fold,
                     AN_ID_SFS, m))
      return 0;
    m->start = i;
    return 1;
  }
  if (w.letters > MAX_SERIES_LETTERS) return 0;

  /* separator: attached, or spaces and/or one dash */
  int attached = is_digit_at(s, len, we);
  unsigned sp = 0, sp2 = 0;
  size_t p = we;
  if (!attached) {
    p = skip_sp(s, len, we, 2, &sp);
    uint32_t c = cp_at(s, len, p);
    if (is_dash(c)) p = skip_sp(s, len, p + (c < 0x80 ? 1 : 3), 1, &sp2);
    else if (p == we) return 0;
    if (!is_digit_at(s, len, p)) return 0;
  }
  Slash sl;
  if (!parse_slash(s, len, p, 1, &sl)) return 0;

  /* committee code before a riksmöte number: KU 1986/87:33 */
  if (sl.what == SL_RM) {
    if (w.letters >= 2 && w.letters <= 4 && is_upper(cp_at(s, len, i)) &&
        s[we - 1] == 'U' && sp <= 1 && sl.code1 == sl.code0 &&
        rm_from_slash(s, len, &sl, &w, m)) {
      m->start = i;
      return 1;
    }
    return 0;
  }
  if (sl.what != SL_DNR) return 0;
  int ok;
  if (w.upper)
    ok = 1;
  else if (attached)
    ok = (w.lower || w.cap) && w.letters <= 3 && !series_stop(&w);
  else
    ok = (w.lower || w.cap) && w.letters <= 4 && !series_stop(&w);
  if (!ok) return 0;
  if (!dnr_from_slash(s, len, &sl, &w, m)) return 0;
  m->start = i;
  return 1;
}

/* ----------------------------------------------------------------- scan -- */

/* End of the run of letters and digits starting at i; the end of its
** leading letters (before the first digit) in *letters_end. ASCII is
** classified inline; other bytes are decoded. */
static size_t word_run(const unsigned char *s, size_t len, size_t i,
                       size_t *letters_end) {
  size_t le = 0;
  while (i < len) {
    unsigned b = s[i];
    if (b < 0x80) {
      if (b >= '0' && b <= '9') {
        if (!le) le = i;
      } else if ((b | 0x20) < 'a' || (b | 0x20) > 'z') {
        break;
      }
      i++;
    } else {
      uint32_t c;
      size_t n = dec(s, len, i, &c);
      if (!is_word(c)) break;
      i += n;
    }
  }
  *letters_end = le ? le : i;
  return i;
}

/* Could the word s[i..le) (letters) start an identifier? A quick look at
** what follows, so that match_letters runs for few words: a digit (attached
** series); spaces and/or a dash, then a digit (spaced series) or, after
** `dnr`, a letter; '.' or ':' after a label (dnr, SOU, Ds, Dir.); ')' or
** ',' after EU, EG, EEG. */
static int letters_candidate(const unsigned char *s, size_t len, size_t i,
                             size_t le) {
  size_t wl = le - i;
  if (le >= len || wl > 2 * MAX_WORD_LETTERS) return 0;
  unsigned b = s[le];
  if (b >= '0' && b <= '9') return wl <= 2 * MAX_SERIES_LETTERS;
  int label = wl == 3 && (s[i] | 0x20) == 'd' && (s[i + 1] | 0x20) == 'n' &&
              (s[i + 2] | 0x20) == 'r';
  if (b == '.' || b == ':') return wl <= 3;
  if (b == ')' || b == ',') return wl <= 3;
  if (b == ' ' && le + 1 < len && s[le + 1] >= 'A' && !label)
    return 0; /* the common case: a word follows */
  size_t p = skip_sp(s, len, le, 3, NULL);
  uint32_t c = cp_at(s, len, p);
  if (is_dash(c)) {
    p = skip_sp(s, len, p + (c < 0x80 ? 1 : 3), 1, NULL);
    c = cp_at(s, len, p);
  }
  if (p == le) return 0;
  if (c >= '0' && c <= '9') return 1;
  if (c == '\n' || c == '\r') return wl <= 3; /* (EU)\n2018/843 is after ')' */
  return label && is_series_letter(c);
}

/* Where the scan may skip to. Every identifier holds a digit or a section
** sign (\xC2\xA7), and its words before the first of them (`Dnr KS `,
** `interpellation `, `(EU) nr `) are short: so the words more than
** IDENT_LEAD bytes before the next digit or section sign start nothing, and
** the scan jumps over them. It resumes at the start of the word holding that
** character, or up to IDENT_LEAD bytes earlier after an ASCII separator
** (never inside a word, so exactly where the word-by-word scan would be). On
** the corpus this skips 9 bytes in 10. */
#define IDENT_LEAD 64

/* The first digit or section sign at or after i, or len. Eight bytes at a
** time while none of them is a digit or a 0xC2 lead byte (bit tricks on a
** word: a byte in '0'..'9' among those below 0x80, a byte equal to 0xC2). */
static size_t next_anchor(const unsigned char *s, size_t len, size_t i) {
  const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
  while (i + 8 <= len) {
    uint64_t x;
    memcpy(&x, s + i, 8);
    uint64_t low7 = x & ~high;
    /* bytes below 0x80 with '0' <= b <= '9' */
    uint64_t digit = (ones * (127 + '9' + 1) - low7) & ~x &
                     (low7 + ones * (127 - ('0' - 1))) & high;
    uint64_t c2 = x ^ (ones * 0xC2);
    uint64_t lead = (c2 - ones) & ~c2 & high;
    if (digit | lead) break;
    i += 8;
  }
  for (; i < len; i++) {
    unsigned b = s[i];
    if (b - '0' < 10u || (b == 0xC2 && i + 1 < len && s[i + 1] == 0xA7))
      return i;
  }
  return len;
}

/* The position to resume the scan at for anchor c, not before i. */
static size_t resume_at(const unsigned char *s, size_t i, size_t c) {
  size_t lo = c - i > IDENT_LEAD ? c - IDENT_LEAD : i;
  size_t p = c;
  /* back over the anchor's own word (non-ASCII bytes count as word) */
  while (p > i && (s[p - 1] >= 0x80 || (unsigned)s[p - 1] - '0' < 10u ||
                   ((unsigned)s[p - 1] | 0x20) - 'a' < 26u))
    p--;
  if (p == i) return i;
  /* then to the earliest ASCII separator after lo */
  size_t q = p;
  while (q > lo) {
    q--;
    unsigned b = s[q];
    if (b < 0x80 && !(b - '0' < 10u) && !((b | 0x20) - 'a' < 26u)) p = q + 1;
  }
  return lo == i ? i : p;
}

int an_ident_scan(const char *text, size_t len, AnIdentFn fn, void *ctx) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0, anchor = 0;
  if (!s) return 0;
  while (i < len) {
    if (i > anchor || anchor == 0) {
      /* past the last anchor's word: jump to the next one */
      size_t c = next_anchor(s, len, i);
      if (c == len) break;
      i = resume_at(s, i, c);
      anchor = c;
      if (anchor == 0) anchor = 1; /* 0 means "none yet" above */
    }
    unsigned b = s[i];
    Match m;
    int ok = 0;
    size_t next;
    if (b < 0x80 && !(b >= '0' && b <= '9') &&
        ((b | 0x20) < 'a' || (b | 0x20) > 'z')) {
      i++; /* ASCII that starts nothing */
      continue;
    }
    if (b == 0xC2 && i + 1 < len && s[i + 1] == 0xA7) {
      ok = parse_para_sign(s, len, i, &m);
      next = i + 2;
    } else {
      uint32_t c;
      size_t n = dec(s, len, i, &c);
      if (!is_word(c)) {
        i += n;
        continue;
      }
      size_t le;
      next = word_run(s, len, i, &le);
      if (c >= '0' && c <= '9')
        ok = match_digits(s, len, i, &m);
      else if (is_series_letter(c) && letters_candidate(s, len, i, le))
        ok = match_letters(s, len, i, &m);
    }
    if (ok) {
      for (int k = 0; k < m.nc; k++) {
        AnIdent id;
        id.kind = m.kind;
        id.broader = k > 0;
        id.start = m.start;
        id.end = m.end;
        memcpy(id.canon, m.c[k].b, m.c[k].n + 1);
        id.canon_len = m.c[k].n;
        int r = fn(ctx, &id);
        if (r) return r;
      }
      if (m.end > i) next = m.end;
    }
    i = next; /* nothing starts inside a word */
  }
  return 0;
}
