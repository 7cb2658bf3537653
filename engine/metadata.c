/*
** metadata.c — municipal metadata from a document's own text: type, date,
** organs, parties and diarienummer. Interface: metadata.h (to become the
** section "interface to metadata.c" of engine_int.h). Diarienummer come from
** the identifier scanner (stemmer/ident.c), so they carry the same canon
** the index gives them. Allocation-free; every read is bound-checked; what
** the fields are used for (filters, facets, ranking) is left to the engine.
**
** The rules, field by field ("line" = a line of the title or text with
** spaces, Markdown '#'/'*' and a leading "- " trimmed; case is ignored
** unless said otherwise):
**
** type  The first line that names a type, among the first HEADER_LINES
**       non-empty lines of the text (within HEADER_BYTES) and the title. The
**       title is read first when there is no source (a .txt/.md file, whose
**       first line intake made the title), last otherwise (a JSON title is a
**       catalogue title: "Protokoll om ändring i skatteavtalet med ..." is a
**       proposition's). A line names a type when it begins with a first
**       word and an SFS number, "Lag (2017:725)", "Närradioförordning
**       (1982:1249)", "Skrivelse (1898:50 s.2)" -> författning; or with a
**       type word, as a whole word (not "Yttrande-, åsikts- och ..."):
**       "Motion" (incl. "Motion till riksdagen"), "Interpellation"
**       or "Svar på interpellation", "Tjänsteutlåtande", "Utlåtande",
**       "Betänkande", "(Regeringens) proposition", "(Regeringens) skrivelse",
**       "PM"/"Promemoria" -> promemoria, "Protokoll"/"Protokollsutdrag" or a
**       line that is only "§ N" -> protokoll, "Yttrande"; "<X>förvaltningens
**       förslag till beslut" or "<X>kontorets förslag till beslut" ->
**       tjänsteutlåtande (the heading of a tjänsteutlåtande's proposal).
**       Failing that, the source: riksdagen-mot motion, riksdagen-ip
**       interpellation, riksdagen-bet betänkande, riksdagen-utl utlåtande,
**       riksdagen-prop proposition, riksdagen-skr skrivelse, sfs
**       författning; else "".
** date  The JSON date when it is a valid YYYY-MM-DD (the catalogue's date of
**       the document: Riksdag "datum", SFS date of issue; it wins because
**       it is curated and present for 25,877 of 25,882 shared documents).
**       Else the text's: the first signing line "<Place> den 24 mars 2021"
**       (a capitalised word or two at the start of a line, not one such as
**       "Från", "Sedan", "Avtalet" (not_place), "den", a day, a Swedish month
**       name and a year; "<Place> [den] 2021-03-24" too), followed by the
**       end of the line or a capitalised word (the signatories:
**       "Stockholm den 9 november 2018 Stefan Löfven ...");
**       else a header date: within the first HEADER_LINES lines, a line
**       that is only an ISO date, optionally after "Datum". Dates of events
**       in running text are never taken; a date without a year neither.
** organ Named organs, in order of first mention: the fixed names in
**       fixed_organs (kommunfullmäktige, kommunstyrelsen, borgarrådsbered-
**       ningen, stadsledningskontoret, socialförvaltningen, ...); any
**       definite "<X>nämnden", "<X>utskottet", "<X>departementet" with a
**       non-empty X (not the generic stadsdels-/fack-), also in the form
**       "miljö- och hälsoskyddsnämnden"; "<Name> stadsdelsnämnd" and
**       "<Name> stadsdelsförvaltning" with a capitalised name (not a word
**       such as Varje, Berörd; see name_stop), and "stadsdelsnämnden i
**       <Name>". Genitive -s is dropped (socialnämndens -> socialnämnden,
**       Kungsholmens stadsdelsnämnd -> kungsholmen stadsdelsnämnd).
**       Riksdagen and regeringen are not organs here: every state document
**       names them, so they would tell nothing.
** party Party codes S V M L C KD MP SD Fi (and the older FP, Folkpartiet,
**       which became L, and KDS, which became KD) in parentheses, alone or
**       listed: "(S)", "(M, KD)", "(alla S)", "(båda L)", "(S och V)";
**       lower-case codes ("(mp)", the
**       Riksdag's style until about 2006) only right after a capitalised
**       word (a surname), so "led (c)" is not a party; and "S-ledamot",
**       "SD-ledamöterna". Upper-case output, FI for Fi.
** dnr   The diarienummer (AN_ID_DNR) of title and text, each by its most
**       specific canon, in text order.
**
** Accuracy is measured by tests/unit/test_metadata.c on the hand-checked
** sample tests/data/metadata_sample.tsv (5 seeds + 60 shared documents).
*/
#include "metadata.h"

#include <string.h>

#include "analysis.h" /* an_identifiers */

#define HEADER_LINES 15    /* non-empty text lines that may name the type */
#define HEADER_BYTES 4096  /* ... and bytes                                */
#define LINE_PEEK 96       /* bytes of a line folded for prefix tests      */
#define WORD_MAX 63        /* longer words are no organ                    */

/* -------------------------------------------------------------- helpers -- */

static int is_upper_at(const unsigned char *s, size_t len, size_t i) {
  if (i >= len) return 0;
  if (s[i] >= 'A' && s[i] <= 'Z') return 1;
  /* Latin-1 capitals À..Þ except × */
  return s[i] == 0xC3 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9E &&
         s[i + 1] != 0x97;
}

/* Lower-case s[0..n) into out (cap bytes incl. NUL): ASCII and the Latin-1
** capitals; other bytes copied. Returns the length, or (size_t)-1 if it
** does not fit. */
static size_t fold(const unsigned char *s, size_t n, char *out, size_t cap) {
  if (n + 1 > cap) return (size_t)-1;
  for (size_t i = 0; i < n; i++) {
    unsigned char b = s[i];
    if (b >= 'A' && b <= 'Z')
      b = (unsigned char)(b + 32);
    else if (b >= 0x80 && b <= 0x9E && b != 0x97 && i > 0 && s[i - 1] == 0xC3)
      b = (unsigned char)(b + 32);
    out[i] = (char)b;
  }
  out[n] = '\0';
  return n;
}

static int starts_with(const char *s, size_t n, const char *prefix) {
  size_t k = strlen(prefix);
  return n >= k && memcmp(s, prefix, k) == 0;
}

static int ends_with(const char *s, size_t n, const char *suffix) {
  size_t k = strlen(suffix);
  return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* A letter byte for words: ASCII letters and every byte of a multi-byte
** sequence except the punctuation this text meets (no-break space, §, « »,
** ·, and U+2000..U+206F: dashes, quotes, zero-width marks). */
static int letter_at_slow(const unsigned char *s, size_t len, size_t i);

static inline int letter_at(const unsigned char *s, size_t len, size_t i) {
  unsigned char b = s[i];
  if (b < 0x80) return (b | 0x20) >= 'a' && (b | 0x20) <= 'z';
  return letter_at_slow(s, len, i);
}

static int letter_at_slow(const unsigned char *s, size_t len, size_t i) {
  unsigned char b = s[i];
  if (b == 0xC2 && i + 1 < len) {
    unsigned char c = s[i + 1];
    return !(c == 0xA0 || c == 0xA7 || c == 0xAB || c == 0xBB || c == 0xB7 ||
             c == 0xAD);
  }
  if (b == 0xE2 && i + 1 < len && (s[i + 1] == 0x80 || s[i + 1] == 0x81))
    return 0;
  if (b >= 0x80 && b <= 0xBF && i > 0) {
    /* continuation: a letter iff its lead byte was */
    size_t k = i;
    while (k > 0 && s[k - 1] >= 0x80 && s[k - 1] <= 0xBF && i - k < 3) k--;
    return k > 0 && letter_at(s, len, k - 1);
  }
  return b >= 0xC3; /* lead bytes of letters (C3 = Latin-1 letters, ...) */
}

/* Length of the UTF-8 sequence a lead byte announces (1 for others). */
static size_t seq_len(unsigned char b) {
  return b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
}

static int valid_date(int y, int m, int d) {
  static const int dim[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1600 || y > 2099 || m < 1 || m > 12 || d < 1 || d > dim[m - 1])
    return 0;
  if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return 0;
  return 1;
}

static void put_date(char out[11], int y, int m, int d) {
  out[0] = (char)('0' + y / 1000);
  out[1] = (char)('0' + y / 100 % 10);
  out[2] = (char)('0' + y / 10 % 10);
  out[3] = (char)('0' + y % 10);
  out[4] = '-';
  out[5] = (char)('0' + m / 10);
  out[6] = (char)('0' + m % 10);
  out[7] = '-';
  out[8] = (char)('0' + d / 10);
  out[9] = (char)('0' + d % 10);
  out[10] = '\0';
}

static int digit_at(const unsigned char *s, size_t len, size_t i) {
  return i < len && s[i] >= '0' && s[i] <= '9';
}

/* Parse an ISO date YYYY-MM-DD at s[i]; fills out. */
static int iso_date(const unsigned char *s, size_t len, size_t i,
                    char out[11]) {
  if (len < 10 || i > len - 10) return 0;
  for (int k = 0; k < 10; k++) {
    int want_dash = k == 4 || k == 7;
    if (want_dash ? s[i + k] != '-' : !digit_at(s, len, i + k)) return 0;
  }
  if (digit_at(s, len, i + 10)) return 0;
  int y = (s[i] - '0') * 1000 + (s[i + 1] - '0') * 100 +
          (s[i + 2] - '0') * 10 + (s[i + 3] - '0');
  int m = (s[i + 5] - '0') * 10 + (s[i + 6] - '0');
  int d = (s[i + 8] - '0') * 10 + (s[i + 9] - '0');
  if (!valid_date(y, m, d)) return 0;
  put_date(out, y, m, d);
  return 1;
}

/* A line [a, b) of s with surrounding blanks, Markdown marks and a list
** dash trimmed. */
typedef struct Line {
  size_t a, b;
} Line;

static Line trim_line(const unsigned char *s, size_t a, size_t b) {
  while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '#' ||
                   s[a] == '*' || s[a] == '\r' || s[a] == '>'))
    a++;
  if (b - a >= 2 && s[a] == '-' && s[a + 1] == ' ') a += 2;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r' ||
                   s[b - 1] == '*'))
    b--;
  Line l = {a, b};
  return l;
}

/* ----------------------------------------------------------------- type -- */

typedef struct TypeRule {
  const char *prefix; /* folded line start, a whole word (or words) */
  const char *type;   /* canonical type                             */
} TypeRule;

static const TypeRule type_rules[] = {
    {"motion", "motion"},
    {"svar på interpellation", "interpellation"},
    {"interpellation", "interpellation"},
    {"tjänsteutlåtande", "tjänsteutlåtande"},
    {"utlåtande", "utlåtande"},
    {"betänkande", "betänkande"},
    {"regeringens proposition", "proposition"},
    {"proposition", "proposition"},
    {"regeringens skrivelse", "skrivelse"},
    {"skrivelse", "skrivelse"},
    {"promemoria", "promemoria"},
    {"pm", "promemoria"},
    {"protokollsutdrag", "protokoll"},
    {"protokoll", "protokoll"},
    {"justerat protokoll", "protokoll"},
    {"yttrande", "yttrande"},
};

/* The type a line names, or NULL. */
static const char *line_type(const unsigned char *s, size_t len, Line l) {
  char f[LINE_PEEK + 1];
  size_t n = l.b - l.a;
  if (n == 0) return NULL;
  if (n > LINE_PEEK) n = LINE_PEEK;
  fold(s + l.a, n, f, sizeof f);
  /* "Lag (2017:725)", "Närradioförordning (1982:1249)", "Skrivelse
  ** (1898:50 s.2)": a first word and an SFS number, whatever the word */
  if (is_upper_at(s, len, l.a)) {
    size_t i = 0;
    while (i < n && f[i] != ' ' && f[i] != '(') i++;
    if (i + 2 < n && f[i] == ' ' && f[i + 1] == '(') {
      size_t j = i + 2, d = j;
      while (j < n && f[j] >= '0' && f[j] <= '9') j++;
      if (j - d == 4 && j + 1 < n && f[j] == ':' && f[j + 1] >= '0' &&
          f[j + 1] <= '9')
        return "författning";
    }
  }
  for (size_t k = 0; k < sizeof type_rules / sizeof *type_rules; k++) {
    const char *p = type_rules[k].prefix;
    size_t pl = strlen(p);
    /* a whole word: "Yttrande-, åsikts- och ..." is no yttrande */
    if (n >= pl && memcmp(f, p, pl) == 0 &&
        (n == pl || (!letter_at((const unsigned char *)f, n, pl) &&
                     f[pl] != '-')))
      return type_rules[k].type;
  }
  /* "§ 13" alone: a protocol paragraph heading */
  if (n >= 3 && (unsigned char)f[0] == 0xC2 && (unsigned char)f[1] == 0xA7) {
    size_t i = 2;
    while (i < n && f[i] == ' ') i++;
    size_t d = i;
    while (i < n && f[i] >= '0' && f[i] <= '9') i++;
    if (i > d && i - d <= 4 && i == n) return "protokoll";
  }
  /* "<X>förvaltningens/<X>kontorets förslag till beslut" */
  const char *sp = memchr(f, ' ', n);
  if (sp) {
    size_t w = (size_t)(sp - f);
    if ((ends_with(f, w, "förvaltningens") || ends_with(f, w, "kontorets")) &&
        starts_with(sp + 1, n - w - 1, "förslag till beslut"))
      return "tjänsteutlåtande";
  }
  return NULL;
}

static const char *source_type(const char *src, size_t n) {
  static const struct {
    const char *source, *type;
  } map[] = {
      {"riksdagen-mot", "motion"},       {"riksdagen-ip", "interpellation"},
      {"riksdagen-bet", "betänkande"},   {"riksdagen-utl", "utlåtande"},
      {"riksdagen-prop", "proposition"}, {"riksdagen-skr", "skrivelse"},
      {"sfs", "författning"},
  };
  for (size_t k = 0; k < sizeof map / sizeof *map; k++)
    if (strlen(map[k].source) == n && memcmp(map[k].source, src, n) == 0)
      return map[k].type;
  return NULL;
}

static const char *find_type(const unsigned char *title, size_t tlen,
                             const unsigned char *text, size_t len,
                             int title_first) {
  const char *t;
  if (title_first && tlen &&
      (t = line_type(title, tlen, trim_line(title, 0, tlen))))
    return t;
  size_t i = 0, lines = 0;
  while (i < len && i < HEADER_BYTES && lines < HEADER_LINES) {
    const unsigned char *nl = memchr(text + i, '\n', len - i);
    size_t e = nl ? (size_t)(nl - text) : len;
    Line l = trim_line(text, i, e);
    if (l.b > l.a) {
      lines++;
      if ((t = line_type(text, len, l))) return t;
    }
    i = e + 1;
  }
  if (!title_first && tlen &&
      (t = line_type(title, tlen, trim_line(title, 0, tlen))))
    return t;
  return NULL;
}

/* ----------------------------------------------------------------- date -- */

static int in_word_list(const char *w, const char *const *list, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (strcmp(w, list[k]) == 0) return 1;
  return 0;
}

static const char *const months[12] = {
    "januari", "februari", "mars",      "april",   "maj",      "juni",
    "juli",    "augusti",  "september", "oktober", "november", "december"};

/* "<Place> den 24 mars 2021", "<Place> [den] 2021-03-24" at the start of
** line l. */
/* Capitalised words that begin a sentence with "den <date>" but name no
** place: "Från den 1 januari 2007 gäller ...". */
static const char *const not_place[] = {
    "alltsedan", "avtalet", "den",   "efter", "från",    "före",
    "innan",     "med",     "per",   "redan", "senast",  "sedan",
    "till",      "tills",   "under", "ända",  "även",
};

/* What follows a signing date: the end of the line, or a capitalised word
** (the signatories: "Stockholm den 9 november 2018 Stefan Löfven"). */
static int signing_tail(const unsigned char *s, size_t len, size_t i,
                        size_t b) {
  while (i < b && (s[i] == ' ' || s[i] == '.' || s[i] == ',')) i++;
  return i >= b || is_upper_at(s, len, i);
}

static int signing_date(const unsigned char *s, size_t len, Line l,
                        char out[11]) {
  if (!is_upper_at(s, len, l.a)) return 0;
  size_t i = l.a;
  {
    size_t e = l.a;
    char w[16];
    while (e < l.b && e - l.a < sizeof w - 1 && letter_at(s, len, e)) e++;
    if (fold(s + l.a, e - l.a, w, sizeof w) != (size_t)-1 &&
        in_word_list(w, not_place, sizeof not_place / sizeof *not_place))
      return 0;
  }
  /* one or two words of letters (and hyphens) */
  for (int w = 0; w < 2; w++) {
    size_t st = i;
    while (i < l.b && (letter_at(s, len, i) || s[i] == '-')) i++;
    if (i == st || i >= l.b || s[i] != ' ') return 0;
    i++;
    if (l.b - i >= 4 && memcmp(s + i, "den ", 4) == 0) {
      i += 4;
      break;
    }
    if (iso_date(s, len, i, out)) return signing_tail(s, len, i + 10, l.b);
    if (w == 1) return 0;
    if (!is_upper_at(s, len, i)) return 0;
  }
  if (iso_date(s, len, i, out)) return signing_tail(s, len, i + 10, l.b);
  size_t d0 = i;
  while (i < l.b && digit_at(s, len, i)) i++;
  if (i == d0 || i - d0 > 2) return 0;
  int day = s[d0] - '0';
  if (i - d0 == 2) day = day * 10 + (s[d0 + 1] - '0');
  if (i < l.b && s[i] == '.') i++;
  if (i >= l.b || s[i] != ' ') return 0;
  i++;
  char mon[12];
  size_t m0 = i;
  while (i < l.b && i - m0 < sizeof mon - 1 && s[i] != ' ') i++;
  if (fold(s + m0, i - m0, mon, sizeof mon) == (size_t)-1) return 0;
  int month = 0;
  for (int k = 0; k < 12; k++)
    if (strcmp(mon, months[k]) == 0) month = k + 1;
  if (!month || i >= l.b || s[i] != ' ') return 0;
  i++;
  size_t y0 = i;
  while (i < l.b && digit_at(s, len, i)) i++;
  if (i - y0 != 4) return 0;
  int year = (s[y0] - '0') * 1000 + (s[y0 + 1] - '0') * 100 +
             (s[y0 + 2] - '0') * 10 + (s[y0 + 3] - '0');
  if (!valid_date(year, month, day) || !signing_tail(s, len, i, l.b))
    return 0;
  put_date(out, year, month, day);
  return 1;
}

/* The document's date from its text, or 0. */
static int text_date(const unsigned char *s, size_t len, char out[11]) {
  char header[11] = "";
  size_t i = 0, lines = 0;
  while (i < len) {
    const unsigned char *nl = memchr(s + i, '\n', len - i);
    size_t e = nl ? (size_t)(nl - s) : len;
    Line l = trim_line(s, i, e);
    if (l.b > l.a) {
      if (signing_date(s, len, l, out)) return 1;
      if (lines < HEADER_LINES && !header[0]) {
        size_t a = l.a;
        if (l.b - a > 5 && (memcmp(s + a, "Datum", 5) == 0 ||
                            memcmp(s + a, "datum", 5) == 0)) {
          a += 5;
          while (a < l.b && (s[a] == ':' || s[a] == ' ')) a++;
        }
        if (l.b - a == 10) iso_date(s, len, a, header);
      }
      lines++;
    }
    i = e + 1;
  }
  if (header[0]) {
    memcpy(out, header, 11);
    return 1;
  }
  return 0;
}

/* ---------------------------------------------------------------- organ -- */

/* Fixed organ names (folded, nominative definite). */
static const char *const fixed_organs[] = {
    "arbetsmarknadsförvaltningen", "borgarrådsberedningen",
    "exploateringskontoret",       "fastighetskontoret",
    "idrottsförvaltningen",        "kommunfullmäktige",
    "kommunstyrelsen",             "kulturförvaltningen",
    "landstingsfullmäktige",       "landstingsstyrelsen",
    "miljöförvaltningen",          "regionfullmäktige",
    "regionstyrelsen",             "revisionskontoret",
    "riksdagsstyrelsen",           "serviceförvaltningen",
    "socialförvaltningen",         "stadsbyggnadskontoret",
    "stadsledningskontoret",       "statsrådsberedningen",
    "trafikkontoret",              "utbildningsförvaltningen",
    "äldreförvaltningen",
};

/* Capitalised words that precede "stadsdelsnämnd" without naming one. */
static const char *const name_stop[] = {
    "aktuell", "alla",   "annan",     "ansvarig", "ansvariga", "berörd",
    "berörda", "den",    "denna",     "din",      "egen",      "en",
    "ett",     "ingen",  "någon",     "ny",       "nya",       "respektive",
    "samma",   "samtliga", "sin",     "sitt",     "varje",     "vilken",
    "vår",     "övriga",
};

static int in_list(const char *w, const char *const *list, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (strcmp(w, list[k]) == 0) return 1;
  return 0;
}

/* A word of the text: [a, b), folded in f (fl bytes) when first needed:
** most words are never looked at (folding every word of a long text cost a
** third of the extraction). */
typedef struct Word {
  size_t a, b;
  char f[WORD_MAX + 1];
  size_t fl;
  int ok;     /* 0: none or too long to fold                   */
  int folded; /* f, fl and ok are set                          */
} Word;

/* w with f, fl and ok set. */
static Word *folded(const unsigned char *s, Word *w) {
  if (!w->folded) {
    w->folded = 1;
    w->ok = 0;
    w->fl = 0;
    if (w->b > w->a && w->b - w->a <= WORD_MAX &&
        fold(s + w->a, w->b - w->a, w->f, sizeof w->f) != (size_t)-1) {
      w->fl = w->b - w->a;
      w->ok = 1;
    }
  }
  return w;
}

/* Could the word end like an organ (organ_candidate's first test, on the
** raw bytes: fold maps bytes one to one, and only 's'/'S' fold to 's', and
** only ASCII letters to the ASCII endings)? */
static int maybe_organ(const unsigned char *s, const Word *w) {
  size_t n = w->b - w->a;
  if (n > 0 && (s[w->a + n - 1] | 0x20) == 's') n--;
  if (n < 5) return 0;
  unsigned c = s[w->a + n - 1] | 0x20u;
  return c == 'd' || c == 'n' || c == 't' || c == 'g' || c == 'e';
}

static void add_organ(EngMeta *m, const char *name, size_t n) {
  if (n == 0 || n >= ENG_META_ORGAN_BYTES) return;
  for (int k = 0; k < m->norgan; k++)
    if (strlen(m->organ[k]) == n && memcmp(m->organ[k], name, n) == 0) return;
  if (m->norgan == ENG_META_MAX_ORGAN) return;
  memcpy(m->organ[m->norgan], name, n);
  m->organ[m->norgan][n] = '\0';
  m->norgan++;
}

/* Drop a genitive s: "socialnämndens" -> "socialnämnden". */
static size_t ungenitive(const char *f, size_t n) {
  if (n > 3 && f[n - 1] == 's' && f[n - 2] != 's') return n - 1;
  return n;
}

/* Suffix organs: <X>nämnden, <X>utskottet, <X>departementet. Returns the
** length of the organ name in f (0 if none). */
static size_t suffix_organ(const char *f, size_t n) {
  static const char *const suffixes[] = {"nämnden", "utskottet",
                                         "departementet"};
  size_t base = n;
  if (base > 0 && f[base - 1] == 's') base--;
  for (size_t k = 0; k < 3; k++) {
    size_t sl = strlen(suffixes[k]);
    if (base > sl && memcmp(f + base - sl, suffixes[k], sl) == 0) {
      size_t pre = base - sl;
      if (k == 0 && ((pre == 9 && memcmp(f, "stadsdels", 9) == 0) ||
                     (pre == 4 && memcmp(f, "fack", 4) == 0)))
        return 0;
      return base;
    }
  }
  return 0;
}

/* Could the folded word f name (part of) an organ? A quick test on its
** ending, so that the lists are searched for few words. */
static int organ_candidate(const char *f, size_t n) {
#define ENDING(s) {s, sizeof s - 1}
  static const struct {
    const char *s;
    size_t n;
  } endings[] = {
      ENDING("nämnd"),         ENDING("nämnden"),     ENDING("utskottet"),
      ENDING("departementet"), ENDING("förvaltning"), ENDING("förvaltningen"),
      ENDING("kontoret"),      ENDING("fullmäktige"), ENDING("styrelsen"),
      ENDING("beredningen")};
#undef ENDING
  if (n > 0 && f[n - 1] == 's') n--;
  if (n < 5) return 0;
  char last = f[n - 1]; /* every ending ends in d, n, t, g or e */
  if (last != 'd' && last != 'n' && last != 't' && last != 'g' && last != 'e')
    return 0;
  for (size_t k = 0; k < sizeof endings / sizeof *endings; k++)
    if (n >= endings[k].n &&
        memcmp(f + n - endings[k].n, endings[k].s, endings[k].n) == 0)
      return 1;
  return 0;
}

static void organ_word(const unsigned char *s, size_t len, Word *w2,
                       Word *w1, Word *w, EngMeta *m) {
  char name[ENG_META_ORGAN_BYTES];
  size_t n;
  /* stadsdelsnämnden i <Name>: handled when <Name> is the current word */
  if (w1->b - w1->a == 1 && (s[w1->a] | 0x20) == 'i' && w2->b > w2->a &&
      is_upper_at(s, len, w->a) && folded(s, w)->ok && folded(s, w1)->ok &&
      folded(s, w2)->ok &&
      (strcmp(w2->f, "stadsdelsnämnden") == 0 ||
       strcmp(w2->f, "stadsdelsförvaltningen") == 0)) {
    size_t base = w2->fl - 2; /* "...nämnd", "...förvaltning" */
    if (w->fl + 1 + base >= sizeof name) return;
    memcpy(name, w->f, w->fl);
    name[w->fl] = ' ';
    memcpy(name + w->fl + 1, w2->f, base);
    add_organ(m, name, w->fl + 1 + base);
    return;
  }
  if (!maybe_organ(s, w) || !folded(s, w)->ok ||
      !organ_candidate(w->f, w->fl))
    return;
  /* <Name> stadsdelsnämnd / stadsdelsförvaltning */
  size_t wl = ungenitive(w->f, w->fl); /* stadsdelsnämnds -> ...nämnd */
  if ((wl == 15 && memcmp(w->f, "stadsdelsnämnd", 15) == 0) ||
      (wl == 21 && memcmp(w->f, "stadsdelsförvaltning", 21) == 0)) {
    if (!is_upper_at(s, len, w1->a) || w1->b + 1 != w->a ||
        !folded(s, w1)->ok)
      return;
    if (in_list(w1->f, name_stop, sizeof name_stop / sizeof *name_stop))
      return;
    size_t nl = ungenitive(w1->f, w1->fl);
    if (nl + 1 + wl >= sizeof name) return;
    memcpy(name, w1->f, nl);
    name[nl] = ' ';
    memcpy(name + nl + 1, w->f, wl);
    add_organ(m, name, nl + 1 + wl);
    return;
  }
  n = ungenitive(w->f, w->fl);
  char base[WORD_MAX + 1];
  memcpy(base, w->f, n);
  base[n] = '\0';
  if (in_list(base, fixed_organs, sizeof fixed_organs / sizeof *fixed_organs)) {
    add_organ(m, base, n);
    return;
  }
  n = suffix_organ(w->f, w->fl);
  if (!n) return;
  /* "miljö- och hälsoskyddsnämnden": <w2 ending in '-'> och <w> */
  if (folded(s, w2)->ok && folded(s, w1)->ok && strcmp(w1->f, "och") == 0 &&
      w2->fl > 1 &&
      w2->f[w2->fl - 1] == '-' && w2->fl + 5 + n < sizeof name) {
    memcpy(name, w2->f, w2->fl);
    memcpy(name + w2->fl, " och ", 5);
    memcpy(name + w2->fl + 5, w->f, n);
    add_organ(m, name, w2->fl + 5 + n);
    return;
  }
  add_organ(m, w->f, n);
}

/* Scan s for organs, word by word. A word is a run of letters with inner
** hyphens ("Rinkeby-Kista", "EU-nämnden") and a trailing hyphen before a
** space ("Miljö- och"). */
static void find_organs(const unsigned char *s, size_t len, EngMeta *m) {
  Word ws[3];
  memset(ws, 0, sizeof ws);
  int cur = 0;
  size_t i = 0;
  while (i < len) {
    if (!letter_at(s, len, i)) {
      i++; /* and the rest of its sequence, if any */
      while (i < len && (s[i] & 0xC0) == 0x80) i++;
      continue;
    }
    size_t a = i;
    while (i < len) {
      if (letter_at(s, len, i)) {
        i += seq_len(s[i]);
      } else if (s[i] == '-' && i + 1 < len &&
                 (letter_at(s, len, i + 1) || s[i + 1] == ' ')) {
        i++;
        if (s[i] == ' ') break;
      } else {
        break;
      }
    }
    if (i > len) i = len;
    Word *w = &ws[cur];
    w->a = a;
    w->b = i;
    w->folded = 0;
    Word *w1 = &ws[(cur + 2) % 3], *w2 = &ws[(cur + 1) % 3];
    organ_word(s, len, w2, w1, w, m);
    cur = (cur + 1) % 3;
  }
}

/* ---------------------------------------------------------------- party -- */

/* The canonical party of a code token, or NULL. */
static const char *party_code(const char *f, size_t n) {
  static const struct {
    const char *code, *party;
  } codes[] = {{"s", "S"},   {"v", "V"},   {"m", "M"},   {"l", "L"},
               {"c", "C"},   {"kd", "KD"}, {"mp", "MP"}, {"sd", "SD"},
               {"fi", "FI"}, {"fp", "L"},   {"kds", "KD"}};
  for (size_t k = 0; k < sizeof codes / sizeof *codes; k++)
    if (strlen(codes[k].code) == n && memcmp(codes[k].code, f, n) == 0)
      return codes[k].party;
  return NULL;
}

static void add_party(EngMeta *m, const char *p) {
  for (int k = 0; k < m->nparty; k++)
    if (strcmp(m->party[k], p) == 0) return;
  if (m->nparty == ENG_META_MAX_PARTY) return;
  strcpy(m->party[m->nparty++], p);
}

/* "(S)", "(M, KD)", "(alla S)", "(s)" after a capitalised word: the '('
** at s[i]. */
static void party_parens(const unsigned char *s, size_t len, size_t i,
                         EngMeta *m) {
  const char *found[8];
  int nfound = 0, lower = 0, tokens = 0;
  size_t j = i + 1;
  while (j < len && j - i <= 40) {
    while (j < len && (s[j] == ' ' || s[j] == ',')) j++;
    if (j >= len || s[j] == '\n') return;
    if (s[j] == ')') break;
    size_t a = j;
    while (j < len && j - a <= 9 && letter_at(s, len, j)) j += seq_len(s[j]);
    if (j == a || j > len) return;
    char f[16];
    if (fold(s + a, j - a, f, sizeof f) == (size_t)-1) return;
    size_t fl = j - a;
    tokens++;
    if (strcmp(f, "och") == 0) continue;
    if (tokens == 1 && (strcmp(f, "alla") == 0 || strcmp(f, "båda") == 0 ||
                        strcmp(f, "bägge") == 0 || strcmp(f, "samtliga") == 0))
      continue;
    const char *p = party_code(f, fl);
    if (!p || nfound == 8) return;
    /* "Fi", "FI", "S" are fine; "s", "mp" need a surname before */
    if (!is_upper_at(s, len, a)) lower = 1;
    found[nfound++] = p;
  }
  if (j >= len || s[j] != ')' || nfound == 0) return;
  if (lower) {
    /* "Per Gahrton (mp)": one space, then a capitalised word before it */
    if (i < 2 || s[i - 1] != ' ') return;
    size_t k = i - 1;
    while (k > 0 && letter_at(s, len, k - 1)) k--;
    if (k == i - 1 || !is_upper_at(s, len, k)) return;
  }
  for (int k = 0; k < nfound; k++) add_party(m, found[k]);
}

/* "S-ledamot", "SD-ledamöterna": the '-' at s[i]. */
static void party_ledamot(const unsigned char *s, size_t len, size_t i,
                          EngMeta *m) {
  if (len - i < 7 || memcmp(s + i + 1, "ledam", 5) != 0) return;
  size_t a = i;
  while (a > 0 && i - a < 3 && s[a - 1] >= 'A' && s[a - 1] <= 'Z') a--;
  if (a == i || (a > 0 && letter_at(s, len, a - 1))) return;
  char f[4];
  fold(s + a, i - a, f, sizeof f);
  const char *p = party_code(f, i - a);
  if (p) add_party(m, p);
}

static void find_parties(const unsigned char *s, size_t len, EngMeta *m) {
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '(')
      party_parens(s, len, i, m);
    else if (s[i] == '-')
      party_ledamot(s, len, i, m);
  }
}

/* ------------------------------------------------------------------ dnr -- */

static int dnr_cb(void *ctx, const AnIdentRef *id) {
  EngMeta *m = ctx;
  if (id->kind != AN_ID_DNR || id->broader) return 0;
  for (int k = 0; k < m->ndnr; k++)
    if (strcmp(m->dnr[k], id->canon) == 0) return 0;
  if (m->ndnr == ENG_META_MAX) return 1; /* full: stop the scan */
  memcpy(m->dnr[m->ndnr++], id->canon, id->canon_len + 1);
  return 0;
}

/* ------------------------------------------------------------------ all -- */

void eng_meta_extract(const char *title, size_t title_len, const char *text,
                      size_t text_len, const char *date, size_t date_len,
                      const char *source, size_t source_len, EngMeta *out) {
  const unsigned char *ti = (const unsigned char *)(title ? title : "");
  const unsigned char *tx = (const unsigned char *)(text ? text : "");
  if (!title) title_len = 0;
  if (!text) text_len = 0;
  if (!date) date_len = 0;
  if (!source) source_len = 0;
  memset(out, 0, sizeof *out);

  /* Without a source the document is a .txt/.md file, whose first line
  ** intake made its title: it is read first. A JSON title is a catalogue
  ** title ("Protokoll om ändring i skatteavtalet ..." for a proposition),
  ** read only when the text's own header names no type. */
  const char *t = find_type(ti, title_len, tx, text_len, source_len == 0);
  if (!t) t = source_type(source, source_len);
  if (t) strcpy(out->type, t);

  if (!(date_len == 10 &&
        iso_date((const unsigned char *)date, date_len, 0, out->date)) &&
      !text_date(ti, title_len, out->date) &&
      !text_date(tx, text_len, out->date))
    out->date[0] = '\0';

  find_organs(ti, title_len, out);
  find_organs(tx, text_len, out);
  find_parties(ti, title_len, out);
  find_parties(tx, text_len, out);
  if (an_identifiers((const char *)ti, title_len, dnr_cb, out) == 0)
    an_identifiers((const char *)tx, text_len, dnr_cb, out);
}
