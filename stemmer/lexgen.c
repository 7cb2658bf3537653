/*
** lexgen.c — the build-time generator of the compound-splitting lexicon.
** Run by stemmer/CMakeLists.txt as
**     sw_lexgen sv_SE.aff sv_SE.dic lexicon.c
** it reads Debian's hunspell-sv dictionary and writes lexicon.c: static
** const tables (interface: stemmer_int.h, "interface to compound.c" and
** "interface to lemma.c") that compound.c and lemma.c search without any
** start-up work. It is a host program, not
** part of any library: it allocates with malloc and exits on failure, and
** nothing of it runs inside swsearch. Nothing is copied from hunspell: this
** reads hunspell's file formats (man 5 hunspell) and expands suffixes itself.
**
** What hunspell-sv says. A .dic line is `word/FLAGS`; each flag letter names
** suffix rules in the .aff (`SFX A 0 s .`: strip nothing, add "s", where
** the word matches "."), which give the word's other forms; a rule's added
** text may carry flags of its own (`SFX v 0 s/WXZ [^a]` makes yrke ->
** "yrkes", a compound-begin form). The compounding flags are X (may begin a
** compound), U (may stand inside one), Y (may end one) and Z (exists only
** inside compounds); % marks forbidden words.
**
** What we make of it (all forms NFKC + case folded as analysis.c folds,
** æ -> ä, ø -> ö; forms holding anything but letters are dropped):
**  - BEGIN: every form flagged X or U, the root itself or made by a suffix
**    rule. A rule-made form whose added text ends in "s" has a linking s
**    (stad -> stads); so has an ONLYINCOMPOUND root ending in s whose s-less
**    form (or that + e/a) is a word (samverkans, arbets -> arbete), and a
**    plain X root ending in s that cannot end a compound itself and drops to
**    a word (döds -> död, riks -> rike). The base, the word a form stands
**    for, is kept when it differs from the part's spelling.
**  - END: the root and every inflected form (rule without X/U/Z) of a root
**    flagged Y.
**  - WORD: every form of every root that is not ONLYINCOMPOUND.
**  - DEFROOT: every root ending in -an or -et (paket, verkan, ansökan): the
**    ending is the word's own, not a definite article (analysis.c).
**  - LEMMAS (emit_lemmas, lemma.c): each form an inflecting rule (lemma_flag)
**    makes of exactly one lower-case root, is not a root itself, has three
**    letters or more, is no stop word, and that Snowball stems apart from
**    its root, mapped to that root: oklart -> oklar, gick -> gå.
**  Attestation. hunspell-sv marks few words X or Y (del, tak, råd, gäng lack
**  them) but lists tens of thousands of compounds whole. Cutting every
**  lower-case root R = A + B: each cut where A is a BEGIN form and B a root
**  attests B as a compound end; each cut where B is an END form and A a root
**  (or a root + "s") attests A as a compound begin. A root attested by at
**  least ATTEST_MIN compounds and at least ATTEST_MIN_CHARS letters long
**  joins END (all its forms) or BEGIN (with the count, which compound.c
**  weighs). Short roots are left out: among them attestation is mostly
**  chance (het, era, bar, sås, ...).
**  Policy lists, below: particles and learned prefixes never become parts
**  (över|enskommelse, trans|port); derivational suffixes that happen to be
**  words never end a compound (barn|dom, stor|lek, värde|ring); a few
**  opaque, very frequent words are never split (riks|dag, ord|förande).
**  NOSPLIT also holds proper names (forms only of capitalised roots:
**  Lindberg, Stockholm) and words derived with -ande/-ende from a
**  dictionary verb (deltagande <- deltaga, grundläggande <- grundlägga).
**  Pruning. The word and no-split sets only matter for words the splitter
**  could split at all, so only forms with a BEGIN prefix and an END suffix
**  are kept (this halves the generated source).
**
** Output. Begin forms are exact (a pool of their bytes, entries grouped by
** hash bucket, each with a 16-bit fingerprint to skip most comparisons);
** the three sets keep only 16-bit fingerprints in 2^bits buckets, so a
** form outside a set is taken for a member with a chance of about one in
** 65536 / (forms per bucket): ~1e-4 for END, less for the others. Output is
** sorted, so the same dictionary always gives the same file.
*/
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "stemmer_int.h"

/* ------------------------------------------------------------- policy -- */

#define ATTEST_MIN 3        /* compounds needed to attest a part         */
#define ATTEST_MIN_CHARS 4  /* letters an attested part needs            */
#define MIN_PART_CHARS 3    /* shorter forms never become parts          */

/* Never parts: verb particles, prepositions, adverbs and learned prefixes.
** As the first part of a word they make derivations, not compounds:
** över|enskommelse, till|stånd, fort|sätta, inne|håller, trans|port. */
static const char *const particles[] = {
    "an", "anti", "av", "bak", "bi", "bio", "borta", "bort", "där", "dit",
    "efter", "emellan", "emot", "fast", "fort", "fram", "förbi", "för",
    "före", "förut", "genom", "geo", "hemma", "hit", "här", "ifrån", "igenom",
    "ihop", "ihåg", "in", "inne", "isär", "iväg", "kombi", "kontra", "kvar",
    "loss", "med", "mellan", "miss", "mono", "mot", "ned", "nedan", "nere",
    "ner", "när", "om", "omkring", "ovan", "para", "poly", "pseudo", "på",
    "sam", "samman", "semi", "själv", "sär", "sönder", "till", "tillbaka",
    "tillhanda", "tillsammans", "trans", "under", "undan", "upp", "uppe",
    "ur", "ut", "utan", "ute", "utom", "van", "vid", "vidare", "väl",
    "åter", "över"};

/* Roots that are words but mostly derivational suffixes: none of their
** forms ends a compound (verksam|het, barn|dom, stor|lek, kontroll|era). */
static const char *const end_stop[] = {
    "aktig", "ande", "are", "artad", "bar", "dom", "era", "faldig", "het",
    "hets", "ism", "lek", "lera", "liga", "lös", "löshet", "mässig", "ring",
    "sam", "vis"};

/* Opaque compounds frequent in public-sector text, never split: a part
** would be a misleading index term (riksdag is no dag). */
static const char *const opaque[] = {"fullmäktige", "landsting", "ordförande",
                                     "riksdag"};

/* ------------------------------------------------------------ helpers -- */

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("lexgen: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) die("out of memory");
  return p;
}

/* Grow the array *p of *cap elements of size elem to hold need. */
static void grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return;
  size_t c = *cap ? *cap : 16;
  while (c < need) c *= 2;
  *p = xrealloc(*p, c * elem);
  *cap = c;
}

/* Code points of valid UTF-8 s[0..n). */
static size_t nchars(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0u) != 0x80) k++;
  return k;
}

/* Byte offset of the k-th code point of s[0..n) (n if k is past the end). */
static size_t char_off(const char *s, size_t n, size_t k) {
  size_t i = 0;
  for (; i < n; i++)
    if (((unsigned char)s[i] & 0xC0u) != 0x80 && k-- == 0) return i;
  return n;
}

/* 1 if s[0..n) is non-empty and all letters (Unicode L*). */
static int all_letters(const char *s, size_t n) {
  if (n == 0) return 0;
  utf8proc_ssize_t i = 0;
  while ((size_t)i < n) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                          (utf8proc_ssize_t)n - i, &cp);
    if (r <= 0) return 0;
    utf8proc_category_t cat = utf8proc_category(cp);
    if (cat < UTF8PROC_CATEGORY_LU || cat > UTF8PROC_CATEGORY_LO) return 0;
    i += r;
  }
  return 1;
}

/* Category of the first code point of s: 1 upper/title case, 2 lower. */
static int first_case(const char *s, size_t n) {
  utf8proc_int32_t cp;
  if (utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n,
                       &cp) <= 0)
    return 0;
  utf8proc_category_t cat = utf8proc_category(cp);
  if (cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT) return 1;
  if (cat == UTF8PROC_CATEGORY_LL) return 2;
  return 0;
}

/* Fold s[0..n) as analysis.c does (NFKC, case folding, default-ignorables
** dropped, then æ -> ä and ø -> ö) into out (cap bytes). Returns the length,
** or 0 if it does not fit or utf8proc refuses. */
static size_t fold(const char *s, size_t n, char *out, size_t cap) {
  utf8proc_uint8_t *r = NULL;
  utf8proc_ssize_t len = utf8proc_map(
      (const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &r,
      UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
          UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
  if (len < 0 || (size_t)len >= cap) {
    free(r);
    return 0;
  }
  memcpy(out, r, (size_t)len);
  free(r);
  for (utf8proc_ssize_t i = 0; i + 1 < len; i++) {
    if ((unsigned char)out[i] != 0xC3) continue;
    if ((unsigned char)out[i + 1] == 0xA6) out[i + 1] = (char)0xA4;
    else if ((unsigned char)out[i + 1] == 0xB8) out[i + 1] = (char)0xB6;
    i++;
  }
  return (size_t)len;
}

/* ------------------------------------------------- strings and string map */

/* All strings live in one arena, named by offset. */
typedef struct Arena {
  char *b;
  size_t len, cap;
} Arena;

static uint32_t arena_add(Arena *a, const char *s, size_t n) {
  grow((void **)&a->b, &a->cap, a->len + n + 1, 1);
  uint32_t off = (uint32_t)a->len;
  memcpy(a->b + a->len, s, n);
  a->b[a->len + n] = '\0';
  a->len += n + 1;
  return off;
}

/* A distinct folded form and what the dictionary says of it. */
enum {
  F_WORD = 0x01,    /* a standalone form (its root is not ONLYINCOMPOUND) */
  F_END = 0x02,     /* may end a compound                                 */
  F_COMMON = 0x04,  /* form of a lower-case root                          */
  F_NAME = 0x08,    /* form of a capitalised root                         */
  F_ROOT = 0x10,    /* a lower-case, all-letter root (for attestation)    */
  F_NOSPLIT = 0x20, /* never split                                        */
  F_BEGIN = 0x40,   /* has a Begin record                                 */
  F_DEFROOT = 0x80  /* a root (not a suffixed form) ending in -an or -et:
                       paket, verkan, ansökan; no definite article       */
};

typedef struct Form {
  uint32_t str;    /* arena offset                                       */
  uint8_t len;     /* bytes                                              */
  uint8_t flags;   /* F_* bits                                           */
  int begin;       /* index into begins, or -1                           */
  int forms;       /* head of this root's list of forms (Node), or -1    */
  int attest_end;  /* compounds it ends (as a root)                      */
  int attest_beg;  /* compounds it begins                                */
} Form;

/* A compound-begin form. */
typedef struct Begin {
  int form;         /* the Form                                          */
  uint8_t flags;    /* AN_LEX_* bits                                     */
  int is_root;      /* 1: a dictionary root flagged X/U itself           */
  int onlyin;       /* root flagged Z                                    */
  int base;         /* Form index of the base word, or -1                */
  int attested;     /* attestation count (attested-only entries)         */
} Begin;

typedef struct Node {
  int form, next;
  int infl;        /* 1: an inflection of the root (lemma_flag), not a
                      derivation: a candidate for the lemma table        */
} Node;

typedef struct Lex {
  Arena arena;
  Form *forms;
  size_t nforms, cap_forms;
  uint32_t *slots;  /* hash table of form index + 1; 0 = empty          */
  size_t nslots;
  Begin *begins;
  size_t nbegins, cap_begins;
  Node *nodes;
  size_t nnodes, cap_nodes;
} Lex;

static const char *fstr(const Lex *x, int f) {
  return x->arena.b + x->forms[f].str;
}

static uint64_t map_hash(const char *s, size_t n) {
  return an_lex_hash(s, n, 1);
}

/* Index of form s[0..n), or -1 (add = 0) / a new one (add = 1). */
static int form_find(Lex *x, const char *s, size_t n, int add) {
  if (n == 0 || n > 255) return -1;
  if (add && 2 * (x->nforms + 1) > x->nslots) {
    size_t ns = x->nslots ? 2 * x->nslots : (size_t)1 << 16;
    uint32_t *sl = calloc(ns, sizeof *sl);
    if (!sl) die("out of memory");
    for (size_t i = 0; i < x->nslots; i++) {
      if (!x->slots[i]) continue;
      const Form *f = &x->forms[x->slots[i] - 1];
      size_t j = map_hash(x->arena.b + f->str, f->len) & (ns - 1);
      while (sl[j]) j = (j + 1) & (ns - 1);
      sl[j] = x->slots[i];
    }
    free(x->slots);
    x->slots = sl;
    x->nslots = ns;
  }
  if (!x->nslots) return -1;
  size_t j = map_hash(s, n) & (x->nslots - 1);
  for (; x->slots[j]; j = (j + 1) & (x->nslots - 1)) {
    const Form *f = &x->forms[x->slots[j] - 1];
    if (f->len == n && memcmp(x->arena.b + f->str, s, n) == 0)
      return (int)x->slots[j] - 1;
  }
  if (!add) return -1;
  grow((void **)&x->forms, &x->cap_forms, x->nforms + 1, sizeof *x->forms);
  Form *f = &x->forms[x->nforms];
  f->str = arena_add(&x->arena, s, n);
  f->len = (uint8_t)n;
  f->flags = 0;
  f->begin = -1;
  f->forms = -1;
  f->attest_end = f->attest_beg = 0;
  x->slots[j] = (uint32_t)++x->nforms;
  return (int)x->nforms - 1;
}

static int has_flags(const Lex *x, const char *s, size_t n, unsigned fl) {
  int f = form_find((Lex *)x, s, n, 0);
  return f >= 0 && (x->forms[f].flags & fl);
}

static int new_begin(Lex *x, int form) {
  if (x->forms[form].begin >= 0) return x->forms[form].begin;
  grow((void **)&x->begins, &x->cap_begins, x->nbegins + 1,
       sizeof *x->begins);
  Begin *b = &x->begins[x->nbegins];
  memset(b, 0, sizeof *b);
  b->form = form;
  b->base = -1;
  x->forms[form].begin = (int)x->nbegins;
  x->forms[form].flags |= F_BEGIN;
  return (int)x->nbegins++;
}

/* Record that form belongs to root (both Form indices). */
static void root_add_form(Lex *x, int root, int form, int infl) {
  for (int i = x->forms[root].forms; i >= 0; i = x->nodes[i].next)
    if (x->nodes[i].form == form) {
      x->nodes[i].infl |= infl;
      return;
    }
  grow((void **)&x->nodes, &x->cap_nodes, x->nnodes + 1, sizeof *x->nodes);
  x->nodes[x->nnodes].form = form;
  x->nodes[x->nnodes].infl = infl;
  x->nodes[x->nnodes].next = x->forms[root].forms;
  x->forms[root].forms = (int)x->nnodes++;
}

/* ------------------------------------------------------------ affixes -- */

/* One element of a rule's condition: a code point class. */
typedef struct CondElem {
  int any;             /* "."                                            */
  int negate;          /* "[^...]"                                       */
  int32_t cps[48];     /* the class's code points                        */
  int ncps;
} CondElem;

typedef struct Rule {
  char strip[32], add[32], cont[32]; /* strip/add text, flags of the form */
  CondElem cond[8];
  int ncond;
  struct Rule *next;                 /* next rule of the same flag       */
} Rule;

/* The code points of s into out[0..max) (sw_base.h's decoder); 0 when s is
** not valid UTF-8. */
static size_t utf8_decode_all(const char *s, int32_t *out, size_t max) {
  size_t k = 0, i = 0, n = strlen(s);
  while (i < n && k < max) {
    int32_t cp;
    size_t r = sw_utf8_decode((const unsigned char *)s + i, n - i, &cp);
    if (cp < 0) return 0;
    out[k++] = cp;
    i += r;
  }
  return k;
}

static void parse_cond(Rule *r, const char *c, int line) {
  int32_t cps[64];
  size_t n = utf8_decode_all(c, cps, 64);
  r->ncond = 0;
  for (size_t i = 0; i < n;) {
    if (r->ncond == 8) die("sv_SE.aff:%d: condition too long", line);
    CondElem *e = &r->cond[r->ncond++];
    memset(e, 0, sizeof *e);
    if (cps[i] == '.') {
      e->any = 1;
      i++;
    } else if (cps[i] == '[') {
      i++;
      if (i < n && cps[i] == '^') {
        e->negate = 1;
        i++;
      }
      while (i < n && cps[i] != ']') {
        if (e->ncps == 48) die("sv_SE.aff:%d: class too long", line);
        e->cps[e->ncps++] = cps[i++];
      }
      if (i == n) die("sv_SE.aff:%d: unclosed [ in condition", line);
      i++;
    } else {
      e->cps[e->ncps++] = cps[i++];
    }
  }
}

/* 1 if the code points w[0..n) end with r's condition. */
static int cond_match(const Rule *r, const int32_t *w, size_t n) {
  if ((size_t)r->ncond > n) return 0;
  for (int k = 0; k < r->ncond; k++) {
    const CondElem *e = &r->cond[k];
    int32_t c = w[n - (size_t)r->ncond + (size_t)k];
    if (e->any) continue;
    int in = 0;
    for (int i = 0; i < e->ncps; i++) in |= e->cps[i] == c;
    if (in == e->negate) return 0;
  }
  return 1;
}

/* Suffix rules by flag byte. */
static Rule *rules[256];

static void read_aff(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) die("cannot open %s", path);
  char line[1024];
  int ln = 0;
  while (fgets(line, sizeof line, f)) {
    ln++;
    char *tok[8];
    int nt = 0;
    for (char *p = strtok(line, " \t\r\n"); p && nt < 8;
         p = strtok(NULL, " \t\r\n"))
      tok[nt++] = p;
    if (nt < 5 || strcmp(tok[0], "SFX") != 0) continue; /* headers: 4 */
    if (strlen(tok[1]) != 1) die("%s:%d: multi-byte flag", path, ln);
    Rule *r = calloc(1, sizeof *r);
    if (!r) die("out of memory");
    char *slash = strchr(tok[3], '/');
    if (slash) {
      *slash = '\0';
      snprintf(r->cont, sizeof r->cont, "%s", slash + 1);
    }
    snprintf(r->strip, sizeof r->strip, "%s",
             strcmp(tok[2], "0") ? tok[2] : "");
    snprintf(r->add, sizeof r->add, "%s", strcmp(tok[3], "0") ? tok[3] : "");
    parse_cond(r, tok[4], ln);
    unsigned char fl = (unsigned char)tok[1][0];
    /* Keep the file's order: append. */
    Rule **tail = &rules[fl];
    while (*tail) tail = &(*tail)->next;
    *tail = r;
  }
  fclose(f);
}

static void free_rules(void) {
  for (int i = 0; i < 256; i++) {
    while (rules[i]) {
      Rule *n = rules[i]->next;
      free(rules[i]);
      rules[i] = n;
    }
  }
}

/* ---------------------------------------------------------- dictionary -- */

#define FORM_MAX 256 /* bytes of a form, folded or not */

static int in_str(const char *s, char c) { return strchr(s, c) != NULL; }

/* One form of a dictionary entry: the root (rule == NULL) or a suffixed one. */
/* The suffix flags of hunspell-sv that inflect (declension, comparison,
** conjugation, the passive), as against derivations (-isk, -nde, -del,
** -bo), the genitive (A: Snowball removes it anyway), the definite forms of
** E and the compounding flags: only forms made by these enter the lemma
** table (emit_lemmas). Read off sv_SE.aff: C, F, G, H, I, J: nouns'
** definite and plural forms (J: fötter, länder); K, L, M, N: verbs' past
** forms and passives (M: gick, tog, tagit); O, P, Q: adjectives' -t, -a
** forms and comparison. */
static int lemma_flag(char f) { return f && strchr("CFGHIJKLMNOPQ", f); }

static void add_form(Lex *x, const char *raw, size_t rawlen, const char *fl,
                     const Rule *rule, char flag, int root_form, int is_name,
                     const char *root_fl) {
  char buf[FORM_MAX];
  if (!all_letters(raw, rawlen)) return;
  size_t n = fold(raw, rawlen, buf, sizeof buf);
  if (n == 0 || n > 255) return;
  int f = form_find(x, buf, n, 1);
  Form *fo = &x->forms[f];
  if (!rule) {
    if (!in_str(fl, 'Z')) {
      fo->flags |= F_WORD | (is_name ? F_NAME : F_COMMON);
      root_add_form(x, root_form, f, 0);
    }
    if (n >= 4 && (memcmp(buf + n - 2, "an", 2) == 0 ||
                   memcmp(buf + n - 2, "et", 2) == 0))
      fo->flags |= F_DEFROOT;
    if (in_str(fl, 'Y')) fo->flags |= F_END;
    if (in_str(fl, 'X') || in_str(fl, 'U')) {
      int bi = new_begin(x, f); /* may move x->begins */
      Begin *b = &x->begins[bi];
      if (in_str(fl, 'X')) b->flags |= AN_LEX_BEGIN;
      if (in_str(fl, 'U')) b->flags |= AN_LEX_MIDDLE;
      b->flags = (uint8_t)((b->flags & ~AN_LEX_LINK) | AN_LEX_FLAGGED);
      b->is_root = 1;
      b->onlyin = in_str(fl, 'Z');
      b->base = -1;
    }
    return;
  }
  if (in_str(rule->cont, 'X') || in_str(rule->cont, 'U')) {
    int bi = new_begin(x, f); /* may move x->begins */
    Begin *b = &x->begins[bi];
    if (in_str(rule->cont, 'X')) b->flags |= AN_LEX_BEGIN;
    if (in_str(rule->cont, 'U')) b->flags |= AN_LEX_MIDDLE;
    b->flags |= AN_LEX_FLAGGED;
    if (!b->is_root && !(b->flags & AN_LEX_LINK)) {
      size_t alen = strlen(rule->add);
      size_t plen = n;
      if (alen > 0 && rule->add[alen - 1] == 's') {
        b->flags |= AN_LEX_LINK;
        plen = n - 1;
      }
      const Form *r = &x->forms[root_form];
      if (plen != r->len || memcmp(buf, fstr(x, root_form), plen) != 0)
        b->base = root_form;
      else
        b->base = -1;
    }
  } else if (!in_str(rule->cont, 'Z')) {
    fo->flags |= F_WORD | (is_name ? F_NAME : F_COMMON);
    root_add_form(x, root_form, f, lemma_flag(flag));
    if (in_str(root_fl, 'Y')) fo->flags |= F_END;
  }
}

static void read_dic(Lex *x, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) die("cannot open %s", path);
  char line[1024];
  int ln = 0;
  while (fgets(line, sizeof line, f)) {
    if (++ln == 1) continue; /* the entry count */
    line[strcspn(line, "\t\r\n")] = '\0';
    char *fl = strchr(line, '/');
    if (fl) *fl++ = '\0';
    else fl = line + strlen(line);
    if (in_str(fl, '%') || line[0] == '\0') continue; /* forbidden word */
    size_t wlen = strlen(line);
    char rootbuf[FORM_MAX];
    size_t rn = fold(line, wlen, rootbuf, sizeof rootbuf);
    if (rn == 0 || !all_letters(line, wlen)) continue;
    int cs = first_case(line, wlen);
    int root_form = form_find(x, rootbuf, rn, 1);
    if (cs == 2) x->forms[root_form].flags |= F_ROOT;
    add_form(x, line, wlen, fl, NULL, 0, root_form, cs == 1, fl);
    int32_t cps[FORM_MAX];
    size_t ncp = utf8_decode_all(line, cps, FORM_MAX);
    for (const char *p = fl; *p; p++) {
      for (const Rule *r = rules[(unsigned char)*p]; r; r = r->next) {
        size_t sl = strlen(r->strip);
        if (sl > wlen || memcmp(line + wlen - sl, r->strip, sl) != 0) continue;
        if (!cond_match(r, cps, ncp)) continue;
        char form[FORM_MAX];
        size_t al = strlen(r->add);
        if (wlen - sl + al >= sizeof form) continue;
        memcpy(form, line, wlen - sl);
        memcpy(form + wlen - sl, r->add, al);
        add_form(x, form, wlen - sl + al, fl, r, *p, root_form, cs == 1, fl);
      }
    }
  }
  fclose(f);
}

/* ------------------------------------------------------ derived facts -- */

static int list_has(const char *const *list, size_t n, const char *s,
                    size_t len) {
  for (size_t i = 0; i < n; i++)
    if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0) return 1;
  return 0;
}
#define LIST_HAS(list, s, n) list_has(list, sizeof list / sizeof *list, s, n)

/* Is s[0..n) + suffix a WORD form? Returns its Form index or -1. */
static int word_plus(Lex *x, const char *s, size_t n, const char *suffix) {
  char buf[FORM_MAX];
  size_t k = strlen(suffix);
  if (n + k >= sizeof buf) return -1;
  memcpy(buf, s, n);
  memcpy(buf + n, suffix, k);
  int f = form_find(x, buf, n + k, 0);
  return f >= 0 && (x->forms[f].flags & F_WORD) ? f : -1;
}

/* Linking s and base words of dictionary roots flagged X/U. */
static void link_roots(Lex *x) {
  for (size_t i = 0; i < x->nbegins; i++) {
    Begin *b = &x->begins[i];
    if (!b->is_root) continue;
    const char *s = fstr(x, b->form);
    size_t n = x->forms[b->form].len;
    int ends_s = n > 0 && s[n - 1] == 's' && nchars(s, n) > 3;
    if (!b->onlyin) {
      /* döds -> död, riks -> rike: only if the form cannot end a compound
      ** itself (kurs, insats can: their s is their own). */
      if (!ends_s || (x->forms[b->form].flags & F_END)) continue;
      static const char *const sfx[] = {"e", "a", ""};
      for (int k = 0; k < 3; k++) {
        int w = word_plus(x, s, n - 1, sfx[k]);
        if (w < 0) continue;
        b->flags |= AN_LEX_LINK;
        b->base = sfx[k][0] ? w : -1;
        break;
      }
    } else if (ends_s) {
      static const char *const sfx[] = {"", "e", "a"};
      for (int k = 0; k < 3; k++) {
        int w = word_plus(x, s, n - 1, sfx[k]);
        if (w < 0) continue;
        b->flags |= AN_LEX_LINK;
        b->base = sfx[k][0] ? w : -1;
        break;
      }
    } else {
      /* kvinno -> kvinna, förskole -> förskola, ledar -> ledare. */
      int w = -1;
      char last = n ? s[n - 1] : 0;
      if (last == 'o' || last == 'u' || last == 'e')
        w = word_plus(x, s, n - 1, "a");
      if (w < 0) w = word_plus(x, s, n, "e");
      if (w < 0) w = word_plus(x, s, n, "a");
      b->base = w;
    }
  }
}

/* Count attestations over the lower-case roots (see the opening comment).
** Uses BEGIN and END as the dictionary flags them, before attestation. */
static void attest(Lex *x) {
  size_t nf = x->nforms;
  for (size_t r = 0; r < nf; r++) {
    if (!(x->forms[r].flags & F_ROOT)) continue;
    char s[FORM_MAX]; /* a copy: form_find(.., 1) may move the arena */
    size_t n = x->forms[r].len;
    memcpy(s, fstr(x, (int)r), n);
    size_t nc = nchars(s, n);
    if (nc < 6) continue;
    for (size_t i = 3; i + 1 < nc; i++) {
      size_t cut = char_off(s, n, i);
      size_t bc = nc - i;
      int a = form_find(x, s, cut, 0);
      int bf = form_find(x, s + cut, n - cut, 0);
      if (bf >= 0 && (x->forms[bf].flags & F_ROOT) && a >= 0 &&
          (x->forms[a].flags & F_BEGIN) && bc >= 2)
        x->forms[bf].attest_end++;
      if (bf < 0 || !(x->forms[bf].flags & F_END) || bc < 3) continue;
      /* A a root, or a root + linking s: count both readings, so a word
      ** that is both (a root ending in s) counts twice. */
      int votes = (a >= 0 && (x->forms[a].flags & F_ROOT)) +
                  (s[cut - 1] == 's' && has_flags(x, s, cut - 1, F_ROOT));
      if (votes) x->forms[form_find(x, s, cut, 1)].attest_beg += votes;
    }
  }
  /* Attested ends: all forms of the root. Attested begins: the form. */
  nf = x->nforms;
  for (size_t r = 0; r < nf; r++) {
    Form *f = &x->forms[r];
    const char *s = fstr(x, (int)r);
    size_t nc = nchars(s, f->len);
    if (f->attest_end >= ATTEST_MIN && nc >= ATTEST_MIN_CHARS &&
        !(f->flags & F_END)) {
      for (int i = f->forms; i >= 0; i = x->nodes[i].next)
        x->forms[x->nodes[i].form].flags |= F_END;
    }
  }
  for (size_t r = 0; r < nf; r++) {
    Form *f = &x->forms[r];
    const char *s = fstr(x, (int)r);
    if (f->attest_beg < ATTEST_MIN || (f->flags & F_BEGIN) ||
        nchars(s, f->len) < ATTEST_MIN_CHARS)
      continue;
    int bi = new_begin(x, (int)r);
    Begin *b = &x->begins[bi];
    b->flags = AN_LEX_BEGIN | AN_LEX_MIDDLE;
    b->attested = f->attest_beg;
    if (s[f->len - 1] == 's' && word_plus(x, s, f->len - 1, "") >= 0)
      b->flags |= AN_LEX_LINK;
  }
}

/* Forms of a root named by its folded spelling (the root too). */
static void for_root_forms(Lex *x, const char *root, unsigned set,
                           unsigned clear) {
  int r = form_find(x, root, strlen(root), 0);
  if (r < 0) return;
  x->forms[r].flags = (uint8_t)((x->forms[r].flags | set) & ~clear);
  for (int i = x->forms[r].forms; i >= 0; i = x->nodes[i].next) {
    Form *f = &x->forms[x->nodes[i].form];
    f->flags = (uint8_t)((f->flags | set) & ~clear);
  }
}

static void apply_policy(Lex *x) {
  for (size_t i = 0; i < sizeof end_stop / sizeof *end_stop; i++)
    for_root_forms(x, end_stop[i], 0, F_END);
  for (size_t i = 0; i < sizeof opaque / sizeof *opaque; i++)
    for_root_forms(x, opaque[i], F_NOSPLIT, 0);
  for (size_t r = 0; r < x->nforms; r++) {
    Form *f = &x->forms[r];
    const char *s = fstr(x, (int)r);
    if ((f->flags & F_NAME) && !(f->flags & F_COMMON)) f->flags |= F_NOSPLIT;
    if (!(f->flags & (F_WORD | F_END))) continue;
    /* -ande/-ende (+ inflection) from a dictionary verb of 5+ letters. */
    static const char *const infl[] = {"", "t", "s", "n", "ts", "ns", "na",
                                       "nas"};
    for (int k = 0; k < 2; k++) {
      const char *suf = k == 0 ? "ande" : "ende";
      const char *p = NULL;
      for (const char *q = s; (q = strstr(q, suf)) != NULL; q++) p = q;
      if (!p || p == s) continue;
      const char *rest = p + 4;
      size_t restlen = f->len - (size_t)(rest - s);
      int ok = 0;
      for (size_t j = 0; j < 8; j++)
        ok |= strlen(infl[j]) == restlen && memcmp(infl[j], rest, restlen) == 0;
      if (!ok) continue;
      size_t vlen = (size_t)(p - s) + (k == 0 ? 1 : 0);
      int v = form_find(x, s, vlen, 0);
      if (v >= 0 && (x->forms[v].flags & F_WORD) && nchars(s, vlen) >= 5)
        f->flags |= F_NOSPLIT;
    }
  }
}

/* Is the begin entry usable as a part at all? Parts need MIN_PART_CHARS
** letters (the link excluded) and must not be particles. */
static int begin_usable(const Lex *x, const Begin *b) {
  const char *s = fstr(x, b->form);
  size_t n = x->forms[b->form].len;
  size_t pn = (b->flags & AN_LEX_LINK) ? n - 1 : n;
  if (nchars(s, pn) < MIN_PART_CHARS) return 0;
  if (LIST_HAS(particles, s, n) || LIST_HAS(particles, s, pn)) return 0;
  return 1;
}

/* Could a word of this spelling be split at all: a usable begin form as a
** prefix and an end form (of MIN_PART_CHARS+) as a suffix after it (or one
** letter earlier, for a triple consonant)? */
static int splittable(Lex *x, const char *s, size_t n) {
  size_t nc = nchars(s, n);
  for (size_t i = MIN_PART_CHARS; i + MIN_PART_CHARS <= nc; i++) {
    size_t cut = char_off(s, n, i);
    int a = form_find(x, s, cut, 0);
    if (a < 0 || x->forms[a].begin < 0 ||
        !begin_usable(x, &x->begins[x->forms[a].begin]))
      continue;
    for (size_t j = i - 1; j + MIN_PART_CHARS <= nc; j++) {
      size_t c2 = char_off(s, n, j);
      if (has_flags(x, s + c2, n - c2, F_END)) return 1;
    }
    return 0; /* later suffixes were all checked from the first prefix */
  }
  return 0;
}

/* ------------------------------------------------------------- output -- */

typedef struct Item {
  uint64_t h;   /* hash                       */
  int idx;      /* Form or Begin index        */
} Item;

static unsigned set_bits;

static int item_cmp(const void *pa, const void *pb) {
  const Item *a = pa, *b = pb;
  uint32_t ba = (uint32_t)(a->h >> (64 - set_bits));
  uint32_t bb = (uint32_t)(b->h >> (64 - set_bits));
  if (ba != bb) return ba < bb ? -1 : 1;
  uint16_t fa = (uint16_t)a->h, fb = (uint16_t)b->h;
  if (fa != fb) return fa < fb ? -1 : 1;
  return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Buckets: about 4 to 8 forms each. */
static unsigned bits_for(size_t n) {
  unsigned b = 4;
  while (b < 20 && ((size_t)1 << b) * 6 < n) b++;
  return b;
}

/* Emits the bucket array for sorted items. */
static void emit_buckets(FILE *o, const char *name, const Item *it, size_t n,
                         unsigned bits) {
  size_t nb = (size_t)1 << bits;
  fprintf(o, "static const uint32_t %s[%zu] = {", name, nb + 1);
  size_t k = 0;
  for (size_t b = 0; b <= nb; b++) {
    while (k < n && (it[k].h >> (64 - bits)) < b) k++;
    fprintf(o, "%s%zu,", b % 12 ? "" : "\n", k);
  }
  fprintf(o, "\n};\n\n");
}

/* Emits set `name` of the forms with all of flags `want` and none of
** `skip`, hashed forward (dir 1) or backward (-1); only splittable forms
** if prune. Returns the number of forms. */
static size_t emit_set(FILE *o, Lex *x, const char *name, unsigned want,
                       unsigned skip, int dir, int prune, unsigned *bits) {
  Item *it = NULL;
  size_t n = 0, cap = 0;
  for (size_t i = 0; i < x->nforms; i++) {
    const Form *f = &x->forms[i];
    if ((f->flags & want) != want || (f->flags & skip)) continue;
    const char *s = fstr(x, (int)i);
    if (nchars(s, f->len) < MIN_PART_CHARS) continue;
    if (f->len > AN_SPLIT_MAX_BYTES) continue;
    if (prune && !splittable(x, s, f->len)) continue;
    grow((void **)&it, &cap, n + 1, sizeof *it);
    it[n].h = an_lex_hash(s, f->len, dir);
    it[n].idx = (int)i;
    n++;
  }
  set_bits = *bits = bits_for(n);
  qsort(it, n, sizeof *it, item_cmp);
  char bname[64];
  snprintf(bname, sizeof bname, "%s_bucket", name);
  emit_buckets(o, bname, it, n, *bits);
  fprintf(o, "static const uint16_t %s_fp[%zu] = {", name, n ? n : 1);
  for (size_t i = 0; i < n; i++)
    fprintf(o, "%s%u,", i % 14 ? "" : "\n", (unsigned)(uint16_t)it[i].h);
  if (!n) fprintf(o, "0");
  fprintf(o, "\n};\n\n");
  free(it);
  return n;
}

/* Pool of begin forms and base words. */
typedef struct Pool {
  Arena a;
} Pool;

static uint32_t pool_put(Pool *p, const char *s, size_t n) {
  grow((void **)&p->a.b, &p->a.cap, p->a.len + n, 1);
  uint32_t off = (uint32_t)p->a.len;
  memcpy(p->a.b + p->a.len, s, n);
  p->a.len += n;
  return off;
}

/* The pool p as the array `name`: string literals, octal escapes for all
** but ASCII letters. */
static void emit_pool(FILE *o, const char *name, const Pool *p) {
  fprintf(o, "static const char %s[%zu] =", name, p->a.len + 1);
  for (size_t i = 0; i < p->a.len; i++) {
    if (i % 64 == 0) fprintf(o, "%s\n    \"", i ? "\"" : "");
    unsigned char c = (unsigned char)p->a.b[i];
    if ((c | 0x20u) - 'a' < 26u) fputc(c, o);
    else fprintf(o, "\\%03o", c);
  }
  fprintf(o, "%s;\n\n", p->a.len ? "\"" : " \"\"");
}

/* ------------------------------------------------------------- lemmas -- */

/* One lemma entry being made: a form and its root (Form indices). */
typedef struct LemmaItem {
  int form, root;
} LemmaItem;

static const Lex *lemma_lex; /* for lemma_cmp */

static int lemma_cmp(const void *pa, const void *pb) {
  const LemmaItem *a = pa, *b = pb;
  const Form *fa = &lemma_lex->forms[a->form], *fb = &lemma_lex->forms[b->form];
  size_t m = fa->len < fb->len ? fa->len : fb->len;
  int c = memcmp(fstr(lemma_lex, a->form), fstr(lemma_lex, b->form), m);
  return c ? c : (fa->len > fb->len) - (fa->len < fb->len);
}

/* The lemma table (an_lemmas; stemmer_int.h, "interface to lemma.c"): each
** inflected form that hunspell-sv's suffix rules make of exactly one
** lower-case root, that is no root itself (nya and böcker are roots of
** their own in hunspell-sv, so they stay apart), and that Snowball stems
** differently from its root: oklart -> oklar, nytt -> ny, kommunalt ->
** kommunal, städer -> stad when the rules make it. Forms that Snowball
** already joins with their root need no entry. Sorted by bytes. */
static void emit_lemmas(FILE *o, Lex *x) {
  int *lem = xrealloc(NULL, (x->nforms ? x->nforms : 1) * sizeof *lem);
  for (size_t f = 0; f < x->nforms; f++) lem[f] = -1;
  for (size_t r = 0; r < x->nforms; r++) {
    const Form *rf = &x->forms[r];
    if (rf->forms < 0 || !(rf->flags & F_COMMON) ||
        nchars(fstr(x, (int)r), rf->len) < 2)
      continue;
    for (int i = rf->forms; i >= 0; i = x->nodes[i].next) {
      int f = x->nodes[i].form;
      const Form *ff = &x->forms[f];
      if (f == (int)r || ff->forms >= 0 || !(ff->flags & F_COMMON) ||
          !x->nodes[i].infl || nchars(fstr(x, f), ff->len) < 3 ||
          an_is_stopword(fstr(x, f), ff->len))
        continue;
      lem[f] = lem[f] == -1 ? (int)r : lem[f] == (int)r ? (int)r : -2;
    }
  }
  AnSnowball *sb;
  if (an_snowball_new(&sb) != SW_OK) die("out of memory (Snowball)");
  LemmaItem *it = NULL;
  size_t n = 0, cap = 0, ambiguous = 0;
  for (size_t f = 0; f < x->nforms; f++) {
    if (lem[f] == -2) ambiguous++;
    if (lem[f] < 0) continue;
    char a[FORM_MAX];
    const char *s;
    size_t al, sl;
    if (an_snowball_stem(sb, fstr(x, (int)f), x->forms[f].len, &s, &al) !=
        SW_OK)
      die("out of memory (Snowball)");
    memcpy(a, s, al);
    if (an_snowball_stem(sb, fstr(x, lem[f]), x->forms[lem[f]].len, &s,
                         &sl) != SW_OK)
      die("out of memory (Snowball)");
    if (al == sl && memcmp(a, s, al) == 0) continue; /* already joined */
    grow((void **)&it, &cap, n + 1, sizeof *it);
    it[n].form = (int)f;
    it[n].root = lem[f];
    n++;
  }
  an_snowball_free(sb);
  lemma_lex = x;
  if (n) qsort(it, n, sizeof *it, lemma_cmp);
  Pool pool = {{NULL, 0, 0}};
  /* Each root's text once in the pool (lem[] reused: its pool offset). */
  for (size_t f = 0; f < x->nforms; f++) lem[f] = -1;
  fprintf(o, "static const AnLemmaEntry lemma_entries[%zu] = {\n", n ? n : 1);
  for (size_t i = 0; i < n; i++) {
    const Form *f = &x->forms[it[i].form], *r = &x->forms[it[i].root];
    uint32_t fo = pool_put(&pool, fstr(x, it[i].form), f->len);
    if (lem[it[i].root] < 0)
      lem[it[i].root] = (int)pool_put(&pool, fstr(x, it[i].root), r->len);
    uint32_t ro = (uint32_t)lem[it[i].root];
    fprintf(o, "{%u,%u,%u,%u},\n", fo, ro, f->len, r->len);
  }
  if (!n) fprintf(o, "{0,0,0,0}\n");
  fprintf(o, "};\n\n");
  emit_pool(o, "lemma_pool", &pool);
  fprintf(o, "const AnLemmas an_lemmas = {lemma_pool, lemma_entries, %zu};\n\n",
          n);
  printf("lexgen: %zu lemma entries (%zu pool bytes); %zu forms of more than "
         "one root left out\n", n, pool.a.len, ambiguous);
  free(it);
  free(pool.a.b);
  free(lem);
}

static void emit(Lex *x, const char *out_path, const char *dic_path) {
  FILE *o = fopen(out_path, "w");
  if (!o) die("cannot write %s", out_path);
  fprintf(o,
          "/* ======================= begin generated by stemmer/lexgen.c "
          "=====================\n"
          "** Do not edit: the build writes this file from %s\n"
          "** (Debian package hunspell-sv). Layout: stemmer_int.h, "
          "\"interface to\n** compound.c\".\n*/\n"
          "#include \"stemmer_int.h\"\n\n",
          dic_path);

  /* Begin entries. */
  Item *it = NULL;
  size_t n = 0, cap = 0;
  for (size_t i = 0; i < x->nbegins; i++) {
    const Begin *b = &x->begins[i];
    const Form *f = &x->forms[b->form];
    if (!begin_usable(x, b) || f->len > AN_SPLIT_MAX_BYTES) continue;
    grow((void **)&it, &cap, n + 1, sizeof *it);
    it[n].h = an_lex_hash(fstr(x, b->form), f->len, 1);
    it[n].idx = (int)i;
    n++;
  }
  unsigned bbits = set_bits = bits_for(n);
  qsort(it, n, sizeof *it, item_cmp);
  Pool pool = {{NULL, 0, 0}};
  uint32_t *text = xrealloc(NULL, (n ? n : 1) * sizeof *text);
  uint32_t *base = xrealloc(NULL, (n ? n : 1) * sizeof *base);
  for (size_t i = 0; i < n; i++) {
    const Begin *b = &x->begins[it[i].idx];
    text[i] = pool_put(&pool, fstr(x, b->form), x->forms[b->form].len);
  }
  for (size_t i = 0; i < n; i++) {
    const Begin *b = &x->begins[it[i].idx];
    base[i] = b->base >= 0 ? pool_put(&pool, fstr(x, b->base),
                                      x->forms[b->base].len)
                           : 0;
  }
  emit_pool(o, "pool", &pool);
  emit_buckets(o, "begin_bucket", it, n, bbits);
  fprintf(o, "static const AnLexBegin begin_entries[%zu] = {\n", n ? n : 1);
  for (size_t i = 0; i < n; i++) {
    const Begin *b = &x->begins[it[i].idx];
    int att = b->attested > 255 ? 255 : b->attested;
    fprintf(o, "{%u,%u,%u,%u,%u,%u,%d},\n", text[i], base[i],
            (unsigned)(uint16_t)it[i].h, x->forms[b->form].len,
            b->base >= 0 ? x->forms[b->base].len : 0, b->flags, att);
  }
  if (!n) fprintf(o, "{0,0,0,0,0,0,0}\n");
  fprintf(o, "};\n\n");

  unsigned ebits, wbits, nbits;
  size_t ne = emit_set(o, x, "end", F_END, 0, -1, 0, &ebits);
  size_t nw = emit_set(o, x, "word", F_WORD, F_END, 1, 1, &wbits);
  size_t nn = emit_set(o, x, "nosplit", F_NOSPLIT, 0, 1, 1, &nbits);
  unsigned dbits;
  size_t nd = emit_set(o, x, "defroot", F_DEFROOT, 0, 1, 0, &dbits);

  emit_lemmas(o, x);
  fprintf(o,
          "const AnLexicon an_lexicon = {\n"
          "    pool, begin_entries, begin_bucket, %zu, %u,\n"
          "    {end_bucket, end_fp, %zu, %u},\n"
          "    {word_bucket, word_fp, %zu, %u},\n"
          "    {nosplit_bucket, nosplit_fp, %zu, %u},\n"
          "    {defroot_bucket, defroot_fp, %zu, %u}};\n\n"
          "/* ======================== end generated by stemmer/lexgen.c "
          "====================== */\n",
          n, bbits, ne, ebits, nw, wbits, nn, nbits, nd, dbits);
  if (fclose(o) != 0) die("cannot write %s", out_path);
  printf("lexgen: %zu begin forms (%zu pool bytes), %zu end forms, "
         "%zu other words, %zu no-split words, %zu roots in -an/-et\n",
         n, pool.a.len, ne, nw, nn, nd);
  free(it);
  free(text);
  free(base);
  free(pool.a.b);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s sv_SE.aff sv_SE.dic lexicon.c\n", argv[0]);
    return 2;
  }
  Lex x;
  memset(&x, 0, sizeof x);
  read_aff(argv[1]);
  read_dic(&x, argv[2]);
  if (x.nforms < 1000) die("%s: too few words; is it hunspell-sv?", argv[2]);
  link_roots(&x);
  attest(&x);
  apply_policy(&x);
  emit(&x, argv[3], argv[2]);
  free_rules();
  free(x.arena.b);
  free(x.forms);
  free(x.slots);
  free(x.begins);
  free(x.nodes);
  return 0;
}
