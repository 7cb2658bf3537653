/*
** metadata.h — municipal metadata extracted from a document's own text:
** document type, date, organs (committees, boards, departments), parties
** and diarienummer. Implemented in metadata.c (which opens with the rules
** in full). Private to engine/, like engine_int.h, which includes it.
**
** Pure and allocation-free: eng_meta_extract reads its inputs, writes *out
** and nothing else, so it may run on any thread. Inputs are arbitrary bytes
** given as pointer + length (NULL allowed with length 0); invalid UTF-8
** never matches a rule and never crashes.
*/
#ifndef SW_ENGINE_METADATA_H
#define SW_ENGINE_METADATA_H

#include <stddef.h>

#define ENG_META_MAX 8         /* diarienummer kept (first in text order) */
#define ENG_META_MAX_ORGAN 24  /* organs kept (first mentioned first)     */
#define ENG_META_MAX_PARTY 9   /* all nine codes fit                      */
#define ENG_META_ORGAN_BYTES 64
#define ENG_META_DNR_BYTES 48  /* = AN_IDENT_CANON_MAX                    */

/* Every string is NUL-terminated, lower-case UTF-8 except party codes
** (upper case); "" / count 0 when not found. Lists are in order of first
** appearance in title then text, without duplicates, cut at their caps. */
typedef struct EngMeta {
  char type[24];       /* motion, skrivelse, utlåtande, tjänsteutlåtande,
                          interpellation, protokoll, betänkande,
                          proposition, författning, promemoria, yttrande  */
  char date[11];       /* "YYYY-MM-DD": the JSON date when it is a valid
                          date, else the document's own date in its text
                          (signing line, header date), else ""            */
  char organ[ENG_META_MAX_ORGAN][ENG_META_ORGAN_BYTES]; /* "socialnämnden",
                          "rinkeby-kista stadsdelsnämnd", ...            */
  int norgan;          /* organs held                                     */
  char party[ENG_META_MAX_PARTY][4]; /* S V M L C KD MP SD FI           */
  int nparty;          /* parties held                                    */
  char dnr[ENG_META_MAX][ENG_META_DNR_BYTES]; /* ident.c DNR canons,
                          most specific form: "ks 2020/1050"            */
  int ndnr;            /* diarienummer held                               */
} EngMeta;

/* Extract the metadata of one document into *out (OUT; fully overwritten).
** title, text: the document's title and text; date: its JSON date (may be
** empty; used when it is a valid YYYY-MM-DD); source: its JSON source
** ("riksdagen-mot", "sfs", ...; may be empty), the type's fallback when the
** text names none. Never fails. */
void eng_meta_extract(const char *title, size_t title_len, const char *text,
                      size_t text_len, const char *date, size_t date_len,
                      const char *source, size_t source_len, EngMeta *out);

#endif /* SW_ENGINE_METADATA_H */
