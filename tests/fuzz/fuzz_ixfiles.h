/*
** fuzz_ixfiles.h — the harness behind the index-file targets (fuzz_index*.c):
** damage one file of a sound index, then open, search, snippet and check it.
**
** Setup (first call): the tiny index of fuzz_common.h is built, and every
** regular file under its directory, recursively, except LOCK, is read into
** memory, sorted by relative path. It names no file of the format: today
** that is CURRENT and gen-N/{manifest, terms, postings, positions, doclens,
** docmeta, doctext}; tomorrow's commit points and segments are picked up the
** same way. A target restricts the files it damages by base-name patterns.
**
** Input (per run):
**   byte 0   which file: among the target's files, index byte0 % count
**   byte 1   mode, bits 0-1:
**              0 replace   the file becomes bytes 2.. (an empty rest deletes
**                          the file instead)
**              1 xor       bytes 2.. are XORed over the original from its
**                          first byte (the length stays)
**              2 replace + reseal
**              3 xor + reseal
**            "reseal" repairs what a checksum would catch: when the new file
**            has a "SWIX" frame (FORMAT.md §0) its footer length and XXH3
**            are recomputed, and every other file holding the old
**            (length, checksum) pair, or else the old checksum, gets the new
**            values and is resealed in turn. So decoders see damaged bodies
**            that pass every checksum, without this harness knowing any
**            layout beyond the frame.
**   bytes 2.. the payload.
** Then: sw_index_open; if it opens, sw_index_stats and the queries of
** fz_tiny_queries with snippets (k = 5, and k = 400 without); then
** sw_index_check. Any error code is fine; a crash, leak, hang or sanitizer
** report is a bug. With SW_FUZZ_STRICT_CHECK=1 in the environment, a check
** that passes an index which opening or searching found damaged (SW_CORRUPT,
** SW_VERSION) is a failure too. Every file changed is restored before
** returning.
**
** Seeds: with SW_FUZZ_SEED_OUT=DIR in the environment, setup writes two
** seeds per target file into DIR: file-<name>.0 (replace by the original)
** and file-<name>.3 (xor + reseal with zeros), where <name> is the relative
** path with '/' as '_'; run.sh --index-seeds uses this to
** regenerate the seeds of the fuzz_index targets after a format change.
*/
#ifndef SW_FUZZ_IXFILES_H
#define SW_FUZZ_IXFILES_H

#include <stddef.h>
#include <stdint.h>

/* Run one input against the files whose base name matches one of the
** patterns (NULL-terminated list; "x*" matches a prefix; NULL list = every
** file). When no file matches, every file is used and a note is printed once
** (so a renamed file weakens the target rather than disabling it).
** with_dict: damage the tiny index built with a zstd dictionary (see
** fz_build_tiny_index); the same for every call of one process. */
void fz_ix_run(const uint8_t *data, size_t size, const char *const *patterns,
               int with_dict);

#endif /* SW_FUZZ_IXFILES_H */
