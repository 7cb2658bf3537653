/*
** snowball.c — Snowball Swedish, called directly: the one stemming module of
** libstemmer.a this layer links. Interface: stemmer_int.h ("interface to
** snowball.c"). What to stem, and what to do with the stem, is analysis.c's.
**
** Why not libstemmer's public API (sb_stemmer_new and friends): its module
** table names all of libstemmer's 29 languages in up to three encodings, so
** linking it pulls every module in, and their tables of pointers (10,800
** relocations in libstemmer.so, as many again in a static position-
** independent executable) are written by the dynamic loader at each start of
** the program: about 0.3 ms of a search that should take one. Calling the
** Swedish module the way sb_stemmer_stem does (libstemmer.c) keeps only its
** own tables. The four entry points below and the leading fields of the
** environment are Snowball's runtime interface (runtime/api.h and the
** generated stem_UTF_8_swedish.h), the same throughout Snowball 2.x; they
** are not in libstemmer.h, which is why they are declared here. Should a
** libstemmer change them, tests/unit/test_snowball (Snowball's voc.txt ->
** output.txt through the whole chain) fails.
*/
#include "stemmer_int.h"

#include <limits.h>

/* Snowball's environment (runtime/api.h). Only p and l are read here; the
** environment is always made and freed by the module itself. */
struct SN_env {
  unsigned char *p; /* the current string: the stem after stemming       */
  int c, l, lb;     /* cursor, limit (the stem's length), backward limit */
  int bra, ket;     /* slice markers                                     */
  unsigned char **S;
  int *I;
};

extern struct SN_env *swedish_UTF_8_create_env(void);
extern void swedish_UTF_8_close_env(struct SN_env *z);
extern int swedish_UTF_8_stem(struct SN_env *z);
extern int SN_set_current(struct SN_env *z, int size, const unsigned char *s);

struct AnSnowball {
  struct SN_env *env; /* the Swedish module's state (its own allocations) */
};

int an_snowball_new(AnSnowball **out) {
  AnSnowball *s = sw_calloc(1, sizeof *s);
  if (!s || !(s->env = swedish_UTF_8_create_env())) {
    sw_free(s);
    *out = NULL;
    return SW_NOMEM;
  }
  *out = s;
  return SW_OK;
}

void an_snowball_free(AnSnowball *s) {
  if (!s) return;
  swedish_UTF_8_close_env(s->env);
  sw_free(s);
}

int an_snowball_stem(AnSnowball *s, const char *word, size_t len,
                     const char **stem, size_t *stem_len) {
  *stem = NULL;
  *stem_len = 0;
  if (len > INT_MAX) return SW_LIMIT;
  /* As sb_stemmer_stem: SN_set_current copies the word (it fails only when
  ** its buffer cannot grow), the module stems in place (< 0: out of memory
  ** in a replacement). */
  if (SN_set_current(s->env, (int)len, (const unsigned char *)word) != 0 ||
      swedish_UTF_8_stem(s->env) < 0) {
    s->env->l = 0;
    return SW_NOMEM;
  }
  *stem = (const char *)s->env->p;
  *stem_len = s->env->l > 0 ? (size_t)s->env->l : 0;
  return SW_OK;
}
