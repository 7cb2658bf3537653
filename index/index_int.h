/*
** index_int.h — private interfaces between the files of index/. Nothing
** outside index/ (except tests) includes this. One banner section per file,
** in dependency order: codec.c, file.c, publish.c, termdict.c, postings.c,
** docstore.c, writer.c, reader.c, check.c. The byte layout every section
** refers to is index/FORMAT.md; constants cite their section there.
*/
#ifndef SW_INDEX_INT_H
#define SW_INDEX_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "index.h"

typedef struct IxSeg IxSeg; /* one segment (reader.c)                    */

/* Opaque zstd types, so users of this header need not include zstd.h. */
struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;
struct ZSTD_DDict_s;

/* ===================================================== interface to codec.c
** Byte order helpers, the one varint, bit packing, growable byte buffers.
** Pure functions on memory: no I/O, no error messages (callers name the
** file and offset). FORMAT.md §0. */

#define IX_FORMAT_VERSION 3     /* FORMAT.md §0: the version this build writes */
#define IX_FORMAT_MIN_READ 1    /* FORMAT.md §0: oldest version this build reads */
#define IX_VARINT_MAX 10        /* FORMAT.md §0: bytes of the longest varint   */

static inline void ix_put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void ix_put_u64(uint8_t *p, uint64_t v) {
  ix_put_u32(p, (uint32_t)v);
  ix_put_u32(p + 4, (uint32_t)(v >> 32));
}
static inline uint32_t ix_get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static inline uint64_t ix_get_u64(const uint8_t *p) {
  return (uint64_t)ix_get_u32(p) | (uint64_t)ix_get_u32(p + 4) << 32;
}

/* Write v as a varint at p (room for IX_VARINT_MAX bytes); returns bytes. */
static inline size_t ix_varint_put(uint8_t *p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) { p[n++] = (uint8_t)(v | 0x80); v >>= 7; }
  p[n++] = (uint8_t)v;
  return n;
}

/* Decode a varint from p[*off..len). On success advances *off and returns 0;
** returns -1 when the bytes end inside the varint or it is longer than 10
** bytes or overflows 64 bits. Never reads at or past p[len]. */
int ix_varint_get_slow(const uint8_t *p, size_t len, size_t *off,
                       uint64_t *v);
static inline int ix_varint_get(const uint8_t *p, size_t len, size_t *off,
                                uint64_t *v) {
  if (*off < len && p[*off] < 0x80) { *v = p[(*off)++]; return 0; }
  return ix_varint_get_slow(p, len, off, v);
}
/* The same for fields that the format declares u32: larger is -1 too. */
static inline int ix_varint_get32(const uint8_t *p, size_t len, size_t *off,
                                  uint32_t *v) {
  uint64_t x;
  if (ix_varint_get(p, len, off, &x) || x > UINT32_MAX) return -1;
  *v = (uint32_t)x;
  return 0;
}

/* Bit packing (FORMAT.md §0): n values of `bits` bits each (0..32), value i
** at stream bits [i*bits, (i+1)*bits), stream bit k = bit k%8 of byte k/8. */
static inline size_t ix_bitpack_bytes(size_t n, unsigned bits) {
  return (n * bits + 7) / 8;
}
unsigned ix_bits_needed(uint32_t max); /* 0 for max == 0, else 1..32 */
/* out must hold ix_bitpack_bytes(n, bits); values must fit in bits. */
void ix_bitpack(const uint32_t *in, size_t n, unsigned bits, uint8_t *out);
/* Reads exactly ix_bitpack_bytes(n, bits) bytes of in. */
void ix_bitunpack(const uint8_t *in, size_t n, unsigned bits, uint32_t *out);

/* A growable byte buffer. Zero-initialised is empty and valid. */
typedef struct IxBuf {
  uint8_t *p;  /* bytes, NULL while cap == 0 */
  size_t len;  /* bytes used                 */
  size_t cap;  /* bytes allocated            */
} IxBuf;

int ix_buf_reserve(IxBuf *b, size_t extra); /* SW_OK or SW_NOMEM */
int ix_buf_append(IxBuf *b, const void *d, size_t n);
static inline int ix_buf_varint(IxBuf *b, uint64_t v) {
  if (b->cap - b->len < IX_VARINT_MAX && ix_buf_reserve(b, IX_VARINT_MAX))
    return SW_NOMEM;
  b->len += ix_varint_put(b->p + b->len, v);
  return SW_OK;
}
int ix_buf_u32(IxBuf *b, uint32_t v);
/* zstd contexts whose memory comes from sw_malloc (so fault injection
** reaches them). NULL on allocation failure. Free with ZSTD_free*. */
struct ZSTD_CCtx_s *ix_zstd_cctx(void);
struct ZSTD_DCtx_s *ix_zstd_dctx(void);
/* A digested dictionary referencing dict[0..len) (which must outlive it).
** NULL on failure (allocation, or bytes that are no dictionary; *bad is
** always 0: callers that verified the bytes by checksum know it was
** memory). */
struct ZSTD_DDict_s *ix_zstd_ddict(const void *dict, size_t len, int *bad);
struct ZSTD_CDict_s;
/* A compression dictionary in one allocation *mem (free it with sw_free,
** not ZSTD_freeCDict). NULL on allocation failure. */
struct ZSTD_CDict_s *ix_zstd_cdict(const void *dict, size_t len, int level,
                                   void **mem);
int ix_buf_u64(IxBuf *b, uint64_t v);
void ix_buf_free(IxBuf *b);

/* ====================================================== interface to file.c
** Framed files (FORMAT.md §0): every index file is
**   "SWIX" kind[4] u32(version) u32(flags=0) body u64(length) u64(xxh3)
** IxOut writes one, buffered, checksumming as it goes; IxMap maps one and
** checks its frame. Raw (unframed) IxOut files are the writer's temporaries.
*/

#define IX_HEADER_SIZE 16 /* FORMAT.md §0: magic, kind, version, flags */
#define IX_FOOTER_SIZE 16 /* FORMAT.md §0: length, checksum           */

typedef struct IxOut {
  int fd;              /* open file, -1 when closed                       */
  char *path;          /* full path, for messages (owned)                 */
  uint8_t *buf;        /* write buffer (owned)                            */
  size_t len;          /* bytes in buf                                    */
  uint64_t off;        /* bytes of the file before buf                    */
  void *xxh;           /* XXH3_state_t * of a framed file, else NULL;
                          64-byte aligned inside xxh_mem                  */
  void *xxh_mem;       /* the allocation holding it (owned)               */
} IxOut;

/* Create path (truncating) and, when kind is non-NULL, write the header of a
** framed file of that kind. On failure o is left closed (ix_out_discard is
** still legal). Errors: SW_IO, SW_FULL, SW_NOMEM. */
int ix_out_open(IxOut *o, const char *path, const char *kind, SwError *err);
int ix_out_write(IxOut *o, const void *p, size_t n, SwError *err);
static inline uint64_t ix_out_tell(const IxOut *o) { return o->off + o->len; }
/* Flush the buffer (for a raw file about to be read back with pread). */
int ix_out_flush(IxOut *o, SwError *err);
/* Framed: append the footer. Then flush, fsync, close. *size and *sum (may
** be NULL) get the file length and footer checksum. */
int ix_out_finish(IxOut *o, uint64_t *size, uint64_t *sum, SwError *err);
/* Close without finishing; the caller removes the file. Idempotent. */
void ix_out_discard(IxOut *o);

typedef struct IxMap {
  const uint8_t *p;  /* the mapping, NULL when empty                      */
  size_t size;       /* file length                                       */
  char *path;        /* full path, for messages (owned)                   */
  uint64_t sum;      /* checksum from the footer                          */
  uint32_t version;  /* format version from the header                    */
  uint8_t *seen;     /* ix_map_track: a bit per byte offset, set once the
                        piece starting there passed its checksum (NULL:
                        not tracked, every read verifies)                 */
  const uint8_t *psums; /* ix_map_pages: u32 sum per IX_PAGE page (in the
                        manifest's mapping), NULL: verified whole         */
  uint32_t npages;   /* ... their count                                   */
  uint8_t *pseen;    /* ... a bit per page that passed (owned)            */
} IxMap;

enum { IX_ADV_NORMAL = 0, IX_ADV_RANDOM = 1, IX_ADV_WILLNEED = 2 };

/* Map dir/name and check its frame: size >= 32, magic "SWIX" + kind,
** version (SW_VERSION "index format N; this build reads 1..1"), flags 0,
** footer length == size. The checksum is not verified here. Errors:
** SW_NOTFOUND (missing), SW_CORRUPT, SW_VERSION, SW_IO, SW_NOMEM. */
int ix_map_open(IxMap *m, const char *dir, const char *name,
                const char *kind, int advice, SwError *err);
/* Verify the footer checksum over the whole file. SW_CORRUPT if wrong. */
int ix_map_verify(const IxMap *m, SwError *err);
void ix_map_close(IxMap *m); /* zeroed or closed: no-op */
/* FORMAT.md §2: terms and docmeta are checksummed in pages of this many
** bytes (format 3), verified when first read. */
#define IX_PAGE_SHIFT 14
#define IX_PAGE ((size_t)1 << IX_PAGE_SHIFT)
/* Pages covering a file of `size` bytes: [0, size - 16), the footer apart. */
static inline uint32_t ix_page_count(uint64_t size) {
  return (uint32_t)((size - IX_FOOTER_SIZE + IX_PAGE - 1) >> IX_PAGE_SHIFT);
}
/* m is verified page by page from now on, against sums[0..n) (u32 each,
** borrowed): SW_CORRUPT if n does not fit its size, SW_NOMEM. */
int ix_map_pages(IxMap *m, const uint8_t *sums, uint32_t n, SwError *err);
int ix_map_need_slow(const IxMap *m, uint64_t off, uint64_t len,
                     SwError *err);
/* Make sure bytes [off, off + len) of m passed their pages' checksums
** (nothing to do for a map verified whole); SW_CORRUPT names the page. */
static inline int ix_map_need(const IxMap *m, uint64_t off, uint64_t len,
                              SwError *err) {
  if (!m->psums) return SW_OK;
  return ix_map_need_slow(m, off, len, err);
}
/* sum32 of each page of the mapped file m into out[ix_page_count]. */
void ix_map_page_sums(const IxMap *m, uint32_t *out);

/* Remember which pieces of m passed their checksums, so a piece is hashed
** the first time this process reads it, not on every query (FORMAT.md §0,
** "What is verified when"). The bitmap is anonymous memory reserved but
** untouched until a bit is set (one bit per byte of the file: the pieces
** are a term's postings and positions blocks, whose start offsets differ).
** Without memory it silently stays untracked. Readers on several threads
** may set bits at the same time: the bits are set and read atomically,
** and the file is immutable. */
void ix_map_track(IxMap *m);
static inline int ix_map_seen(const IxMap *m, uint64_t off) {
  return m->seen &&
         (__atomic_load_n(&m->seen[off >> 3], __ATOMIC_RELAXED) >> (off & 7)) & 1;
}
static inline void ix_map_mark(const IxMap *m, uint64_t off) {
  if (m->seen)
    __atomic_fetch_or(&m->seen[off >> 3], (uint8_t)(1u << (off & 7)),
                      __ATOMIC_RELAXED);
}
/* Record "<path>: byte <off>: <what>" as SW_CORRUPT; returns SW_CORRUPT. */
int ix_corrupt(SwError *err, const char *path, uint64_t off,
               const char *what);

/* =================================================== interface to publish.c
** The directory layout (FORMAT.md §1): DIR/LOCK, DIR/CURRENT, commit points
** (§2a), segment directories, fsync of files and directories, segment
** manifests (§2), and garbage collection of what nothing names. */

#define IX_SEG_NAME_LEN 12    /* "seg-" or "gen-" + 8 digits: FORMAT.md §1 */
#define IX_GEN_MAX 99999999u  /* FORMAT.md §1: 8 digits                     */
#define IX_MAX_SEGMENTS 64    /* FORMAT.md §2a: segments in a commit point  */
#define IX_COMMIT_FIXED 40    /* FORMAT.md §2a: bytes before the entries    */
#define IX_COMMIT_ENTRY 48    /* FORMAT.md §2a: bytes per segment entry     */

/* Names of the files of a segment, in manifest order (FORMAT.md §2). */
enum {
  IX_F_TERMS = 0, IX_F_POSTINGS, IX_F_POSITIONS, IX_F_DOCLENS, IX_F_DOCMETA,
  IX_F_DOCTEXT, IX_NFILES
};
extern const char *const ix_file_names[IX_NFILES];
extern const char *const ix_file_kinds[IX_NFILES];

typedef struct IxManifest {
  uint64_t generation;           /* number in the segment dir's name     */
  uint32_t doc_count;            /* documents                            */
  uint64_t total_tokens;         /* sum of document lengths              */
  uint64_t term_count;           /* distinct terms                       */
  uint64_t text_bytes;           /* title + text bytes analysed          */
  uint64_t size[IX_NFILES];      /* length of each file                  */
  uint64_t sum[IX_NFILES];       /* footer checksum of each file         */
  uint32_t analysis;             /* format 3: IX_ANALYSIS_VERSION that
                                    built it (0: older, unknown)          */
  float impact_k1, impact_b;     /* format 3: BM25 parameters of the
                                    blocks' impacts (0: no impacts)      */
  uint32_t npages[2];            /* format 3: pages of terms, docmeta     */
  const uint8_t *psums[2];       /* read: their u32 sums (in the mapping) */
  const uint32_t *wsums[2];      /* write: the same, to be written        */
} IxManifest;

/* The analysis (stemmer/) an index is built with, recorded in its manifest
** (format 3): raise it whenever the same text would give other terms or
** positions, so that an index built before says "rebuild" instead of
** quietly missing words. 1: the analysis of format 3's first release;
** 2: Swedish lemmas (stemmer/lemma.c); 3: web addresses are no words. */
#define IX_ANALYSIS_VERSION 3
enum { IX_PAGED_TERMS = 0, IX_PAGED_DOCMETA = 1 }; /* npages/psums index */

/* One segment as a commit point lists it (FORMAT.md §2a). */
typedef struct IxCommitSeg {
  char name[IX_SEG_NAME_LEN + 1]; /* "seg-NNNNNNNN" (or format 1's "gen-")*/
  uint64_t manifest_sum;          /* its manifest's footer checksum       */
  uint32_t docs;                  /* documents in the segment             */
  uint32_t ndel;                  /* of them deleted (< docs)             */
  const uint8_t *del;             /* bit d set: local doc d deleted;
                                     (docs + 7) / 8 bytes, NULL when ndel
                                     is 0. Borrowed: the mapping (read) or
                                     the writer's buffer (write).         */
} IxCommitSeg;

typedef struct IxCommit {
  uint64_t generation;                /* N of DIR/commit-N                */
  uint64_t next_seg;                  /* segment numbers below are taken  */
  uint32_t nseg;                      /* segments, in doc id order        */
  IxCommitSeg seg[IX_MAX_SEGMENTS];   /* them                             */
} IxCommit;

/* "DIR/name" into buf; SW_LIMIT if it does not fit. */
int ix_seg_path(char *buf, size_t cap, const char *dir, const char *name,
                SwError *err);
/* 0 and *num, *legacy (1 for "gen-") when name is a segment name; else -1. */
int ix_seg_name_parse(const char *name, uint64_t *num, int *legacy);
int ix_mkdir_p(const char *dir, SwError *err);
int ix_fsync_dir(const char *path, SwError *err);
/* Remove a directory and the regular files in it (not recursive further). */
void ix_remove_dir(const char *path);
/* flock DIR/LOCK exclusively without blocking and write our pid into it.
** SW_IO "index is being written by another process (pid N)" when held. */
int ix_lock_take(const char *dir, int *fd, SwError *err);
void ix_lock_release(int fd);
/* What DIR/CURRENT names: commit point *gen, or (*legacy = 1) a format-1
** generation directory gen-N, which is a one-segment index. SW_NOTFOUND
** when DIR or CURRENT is missing, SW_CORRUPT when CURRENT is malformed. */
int ix_current_read(const char *dir, uint64_t *gen, int *legacy,
                    SwError *err);
/* Write CURRENT.tmp naming commit-<gen>, fsync, rename over CURRENT, fsync
** DIR. */
int ix_current_write(const char *dir, uint64_t gen, SwError *err);
/* Write DIR/commit-<c->generation> and fsync it (CURRENT is not touched).
** On failure the file is removed. */
int ix_commit_write(const char *dir, const IxCommit *c, SwError *err);
/* Map, verify and parse DIR/commit-<gen>; seg[].del point into *map, which
** the caller closes (also on failure). SW_NOTFOUND when missing. */
int ix_commit_read(const char *dir, uint64_t gen, IxMap *map, IxCommit *out,
                   SwError *err);
/* Hold commit-<gen> for a reader: open it and take a shared flock, so no
** writer removes it or its segments while *fd is open. SW_NOTFOUND when it
** is missing or being removed (then read CURRENT again). */
int ix_commit_hold(const char *dir, uint64_t gen, int *fd, SwError *err);
/* Under the writer lock: remove commit points other than the live one that
** no reader holds, segment directories that no remaining commit point
** names, and CURRENT.tmp. *max_num gets the largest commit or segment
** number seen (so new names never reuse one). Best effort: only a failure
** to list DIR is an error. */
int ix_gc(const char *dir, uint64_t live, int live_legacy, uint64_t *max_num,
          SwError *err);
int ix_manifest_write(const char *segdir, const IxManifest *m, uint64_t *size,
                      uint64_t *sum, SwError *err);
/* Map, verify and parse segdir/manifest (m->p stays mapped for the caller
** to close). */
int ix_manifest_read(const char *segdir, IxMap *map, IxManifest *out,
                     SwError *err);

/* ================================================== interface to termdict.c
** The term dictionary (FORMAT.md §3): front-coded blocks of IX_DICT_BLOCK
** terms and a block index with 8-byte key prefixes for binary search. */

#define IX_DICT_BLOCK 16       /* FORMAT.md §3: terms per block            */
#define IX_DICT_HEADER 40      /* FORMAT.md §3: fixed header bytes         */
#define IX_DICT_INDEX_ENTRY 12 /* FORMAT.md §3: prefix[8] + u32 offset     */
#define IX_MAX_TERM SW_MAX_TOKEN_BYTES /* FORMAT.md §3: longest term       */

/* Per-term facts as stored (FORMAT.md §3); also the encoder's output. */
typedef struct IxTermEntry {
  uint32_t df;        /* documents                                   */
  uint32_t max_tf;    /* largest freq                                */
  uint64_t cf;        /* occurrences                                 */
  uint64_t post_off;  /* absolute offset in postings                 */
  uint64_t post_len;  /* bytes in postings                           */
  uint64_t pos_off;   /* absolute offset in positions                */
  uint64_t pos_len;   /* bytes in positions                          */
  uint32_t post_sum;  /* format 2: low 32 bits of XXH3-64 of the
                         term's postings bytes (FORMAT.md §3)        */
  int has_sum;        /* 1 when post_sum is from the file (format 2) */
} IxTermEntry;

/* Accumulates the whole dictionary in memory, then writes it in one go. */
typedef struct IxDictWriter {
  IxBuf blocks;               /* encoded blocks                       */
  IxBuf index;                /* block index entries                  */
  uint64_t nterms;            /* terms added                          */
  uint32_t nblocks;           /* blocks started                       */
  uint8_t prev[IX_MAX_TERM];  /* previous term                        */
  size_t prev_len;            /* its length                           */
  uint64_t next_post;         /* post_off the next term must have     */
  uint64_t next_pos;          /* pos_off the next term must have      */
} IxDictWriter;

/* Terms must come strictly ascending with contiguous postings/positions.
** Errors: SW_NOMEM, SW_LIMIT (file over 4 GiB). */
int ix_dictw_add(IxDictWriter *w, const uint8_t *term, size_t len,
                 const IxTermEntry *e, SwError *err);
int ix_dictw_write(IxDictWriter *w, const char *path, uint64_t *size,
                   uint64_t *sum, SwError *err);
void ix_dictw_free(IxDictWriter *w);

typedef struct IxDict {
  IxMap map;              /* the terms file                              */
  uint64_t nterms;        /* terms                                       */
  uint32_t nblocks;       /* blocks                                      */
  uint64_t index_off;     /* offset of the block index                   */
  uint64_t post_end;      /* postings data end (for locator checks)      */
  uint64_t pos_end;       /* positions data end                          */
  uint64_t *top;          /* every IX_DICT_TOP-th index prefix (owned):
                             a first search level that stays in L1       */
  uint32_t ntop;          /* entries in top                              */
} IxDict;

#define IX_DICT_TOP 32     /* index entries per top-level sample (memory) */

/* Map and check dir/terms (frame, header, block index order). With page
** sums (format 3, psums from the manifest) the header and block index are
** verified now and each block when first read; without, the whole file. */
int ix_dict_open(IxDict *d, const char *gendir, uint64_t post_size,
                 uint64_t pos_size, const uint8_t *psums, uint32_t npages,
                 SwError *err);
void ix_dict_close(IxDict *d);
int ix_dict_find(const IxDict *d, const char *term, size_t len,
                 IxTermInfo *out, SwError *err);

/* Walks every term in order (check.c, tests, tools). */
typedef struct IxDictIter {
  const IxDict *d;             /* dictionary                          */
  uint32_t block;              /* current block                       */
  uint32_t in_block;           /* terms decoded in it                 */
  size_t off;                  /* next byte to decode                 */
  size_t end;                  /* end of the current block            */
  uint64_t seen;               /* terms returned                      */
  int eof;                     /* 1 after the last term               */
  uint8_t term[IX_MAX_TERM];   /* current term                        */
  size_t term_len;             /* its length                          */
  IxTermEntry e;               /* its entry                           */
} IxDictIter;
void ix_dict_iter_begin(IxDictIter *it, const IxDict *d);
/* Next term into it->term/e, or it->eof = 1. SW_OK or SW_CORRUPT. */
int ix_dict_iter_next(IxDictIter *it, SwError *err);
void ix_term_info_from_entry(const IxTermEntry *e, IxTermInfo *ti);

/* ================================================== interface to postings.c
** Postings and positions (FORMAT.md §4, §5): per term, optional skip table,
** blocks of IX_BLOCK docs (bit-packed when full, varint for the tail), and
** one positions block per postings block (raw varints or a zstd frame). */

#define IX_BLOCK 128            /* FORMAT.md §4: docs per postings block   */
#define IX_SKIP_ENTRY 20        /* FORMAT.md §4: bytes per skip entry (3)   */
#define IX_SKIP_ENTRY_V2 16     /* ... in formats 1 and 2 (no impact)       */
#define IX_POS_RAW 0            /* FORMAT.md §5: block flag: raw varints    */
#define IX_POS_ZSTD 1           /* FORMAT.md §5: block flag: zstd frame     */
#define IX_POS_ZSTD_MIN 512     /* FORMAT.md §5: raw bytes worth trying zstd */
#define IX_POS_ZSTD_LEVEL 0     /* positions zstd level: 0 = raw (§11)      */
#define IX_POS_SUM 4            /* FORMAT.md §5 (format 2): u32 block sum    */

/* The block and text checksums of format 2 (FORMAT.md §0): the low 32 bits
** of XXH3-64 (seed 0) of the bytes they cover. */
uint32_t ix_sum32(const void *p, size_t n);

/* Encodes one term's postings: add() each doc in ascending order, then
** finish(); the output is in post/pos until the next begin(). */
typedef struct IxPostEnc {
  IxBuf blocks;                 /* encoded doc/freq blocks                */
  IxBuf skips;                  /* skip entries                           */
  IxBuf post;                   /* finish(): skip table + blocks          */
  IxBuf pos;                    /* encoded positions blocks               */
  IxBuf raw;                    /* positions of the open block            */
  IxBuf zbuf;                   /* zstd output scratch                    */
  uint32_t docs[IX_BLOCK];      /* open block: doc ids                    */
  uint32_t freqs[IX_BLOCK];     /* open block: freqs                      */
  uint32_t n;                   /* docs in the open block                 */
  int64_t last_doc;             /* last doc of previous blocks, -1        */
  IxTermEntry e;                /* df, cf, max_tf of the term so far      */
  uint32_t nblocks;             /* blocks finished                        */
  int zstd_level;               /* positions: 0 = never zstd              */
  size_t zstd_min;              /* positions: raw bytes worth trying      */
  struct ZSTD_CCtx_s *cctx;     /* for positions blocks (owned)           */
  uint64_t pos_raw_bytes;       /* stats: positions bytes before zstd     */
  uint64_t pos_zstd_blocks;     /* stats: blocks stored as zstd           */
  const uint8_t *lens;          /* impacts: u32 length of each doc        */
  double k1, b, avg;            /* ... for these BM25 parameters          */
} IxPostEnc;

/* lens (u32 per local doc), k1, b, avg: what block impacts are computed
** with (FORMAT.md §4); lens NULL writes impact 0 (the engine then cannot
** prune with them: a manifest without impact parameters). */
int ix_postenc_init(IxPostEnc *e, int zstd_level, const uint8_t *lens,
                    double k1, double b, double avg, SwError *err);
/* The impact of one document, rounded up to a float (FORMAT.md §4). */
float ix_impact(uint32_t tf, uint32_t len, double k1, double b, double avg);
/* The segment average length impacts use (FORMAT.md §4): tokens / docs,
** 1 for an empty segment. The writer, ix_check and the reader's scale all
** take it from here, so the checker recomputes the writer's bits. */
static inline double ix_impact_avg(uint64_t tokens, uint64_t docs) {
  double a = docs ? (double)tokens / (double)docs : 0.0;
  return a > 0 ? a : 1.0;
}
void ix_postenc_begin(IxPostEnc *e);
int ix_postenc_add(IxPostEnc *e, uint32_t doc, const uint32_t *pos,
                   uint32_t freq, SwError *err);
int ix_postenc_finish(IxPostEnc *e, SwError *err);
void ix_postenc_free(IxPostEnc *e);

/* Postings dispatch. Every postings iterator is a private struct that
** starts with an IxPostHead: the public IxPostings, then the operations of
** its kind, a const table the kind's file owns (postings.c: one segment;
** multi.c: the union of several segments' iterators, which skips deleted
** documents). The public ix_postings_* functions (postings.c) hold what
** index.h promises for every kind (a NULL free, and what an iterator at
** its end answers, and seek's no move to an earlier target) and hand
** everything else to the table, so no file knows another kind's
** functions. An implementation is called only on an iterator that is not
** at its end (free: not NULL), seek only with a target above doc, and
** positions and position_seek with their outputs already set empty.
** The indirect call costs nothing measurable on the hot path (one-segment
** next and seek): callgrind's counts of bench/regress/instr.sh did not
** grow, so there is no inline fast path. */
typedef struct IxPostOps {
  int (*next)(IxPostings *p, SwError *err);
  int (*seek)(IxPostings *p, SwDocId target, SwError *err); /* > p->doc */
  int (*positions)(IxPostings *p, const uint32_t **pos, uint32_t *n,
                   SwError *err);
  int (*position_seek)(IxPostings *p, uint32_t target, uint32_t *pos,
                       int *found, SwError *err);
  SwDocId (*block_last)(const IxPostings *p);
  uint32_t (*block_max_tf)(const IxPostings *p);
  float (*block_impact)(const IxPostings *p);
  int (*skip_blocks)(IxPostings *p, double limit, SwError *err);
  void (*free)(IxPostings *p);
} IxPostOps;

typedef struct IxPostHead {
  IxPostings pub;              /* doc, freq, eof                          */
  const IxPostOps *ops;        /* the kind's operations                   */
} IxPostHead;

/* Open an iterator over one segment's postings of a term found in that
** segment's dictionary (ix_dict_find). Same contract as ix_postings_open. */
int ix_seg_postings_open(struct IxSeg *s, const IxTermInfo *ti,
                         int with_positions, IxPostings **out, SwError *err);

/* The private body of a one-segment IxPostings; `h` must stay first.
**
** The positions cursor (pdoc, pk, pdoc_off, pcur, plast) only moves forward
** through the loaded positions block: it sits inside doc pdoc of the block,
** pk of its freq positions consumed, the next one at pcur. Reaching a later
** doc skips the rest of pdoc and the docs between by counting varint
** terminators, without decoding them. ix_postings_positions decodes a whole
** doc (pfull = 1, pk = freq); ix_postings_position_seek consumes positions
** only up to the first >= its target. An earlier doc (possible only by
** setting i directly) or a smaller target than the last seek's rescans
** from the block's (or the doc's) start: correct, only slower. fcum makes
** the count of positions to skip a subtraction. */
typedef struct IxPostIter {
  IxPostHead h;                /* doc, freq, eof; postings.c's ops        */
  struct IxSeg *r;             /* doc_count, file paths, zstd context     */
  const uint8_t *post;         /* the term's postings bytes               */
  size_t post_len;             /* their length                            */
  const uint8_t *posd;         /* the term's positions bytes              */
  size_t pos_len;              /* their length                            */
  uint64_t post_off;           /* file offsets, for messages              */
  uint64_t pos_off;
  uint32_t df;                 /* documents                               */
  uint32_t max_tf;             /* term max freq                           */
  uint32_t nblocks;            /* blocks                                  */
  size_t blocks_off;           /* offset of block 0 (after skip table)    */
  uint32_t block;              /* current block                           */
  uint32_t n;                  /* docs in it                              */
  uint32_t i;                  /* current index in it                     */
  uint32_t block_last;         /* its last doc                            */
  uint32_t block_max;          /* its max freq                            */
  float block_impact;          /* its impact (INFINITY: none)             */
  uint32_t skip_size;          /* bytes per skip entry (by format)        */
  int with_positions;          /* positions asked for                     */
  int pos_block;               /* block whose positions are loaded, -1    */
  const uint8_t *pdata;        /* loaded positions payload                */
  size_t plen;                 /* its length                              */
  size_t pstart;               /* offset of the loaded block in the term  */
  size_t pcur;                 /* cursor: payload offset after the pk
                                  consumed positions (check.c: equals plen
                                  after the block's last doc is decoded)   */
  size_t pdoc_off;             /* cursor: payload offset of pdoc's first
                                  position                                */
  uint32_t pdoc;               /* cursor: index in the block of its doc   */
  uint32_t pk;                 /* cursor: positions of pdoc consumed      */
  uint32_t plast;              /* cursor: the last one consumed (pk > 0)  */
  uint32_t ptarget;            /* cursor: target of the last position seek */
  int pfull;                   /* 1: posv holds every position of pdoc    */
  IxBuf pbuf;                  /* decompressed payload (reused)           */
  uint32_t *posv;              /* positions of the current doc (reused)   */
  uint32_t posv_cap;           /* its capacity                            */
  uint32_t docs[IX_BLOCK];     /* decoded doc ids of the block            */
  uint32_t freqs[IX_BLOCK];    /* decoded freqs of the block              */
  uint32_t fcum[IX_BLOCK + 1]; /* positions before each doc of the block
                                  (valid while pos_block == block)        */
} IxPostIter;

/* Decode block b of it into docs/freqs (check.c uses it directly). */
int ix_post_load_block(IxPostIter *it, uint32_t b, SwError *err);
/* Skip entry b (valid when nblocks > 1): last doc, end offsets, max tf. */
void ix_post_skip(const IxPostIter *it, uint32_t b, uint32_t *last,
                  uint32_t *doc_end, uint32_t *pos_end, uint32_t *max_tf);
/* Block b's impact from its skip entry (format 3; INFINITY before). */
float ix_post_skip_impact(const IxPostIter *it, uint32_t b);

/* ================================================== interface to docstore.c
** Document lengths (§6), metadata table (§7), zstd text store (§8). */

#define IX_DOCMETA_HEADER 24  /* FORMAT.md §7: fixed header bytes          */
#define IX_DOCMETA_ENTRY 24   /* FORMAT.md §7: bytes per doc table entry   */
#define IX_DOCLENS_HEADER 24  /* FORMAT.md §6                              */
#define IX_META_FIELDS 7      /* FORMAT.md §7: id title date source url file
                                 facets (format 1: the first six)         */
#define IX_TEXT_LEVEL 5       /* zstd level for texts: FORMAT.md §8 numbers */
#define IX_DICT_CAP 262144    /* FORMAT.md §8: bytes of the zstd dictionary */
#define IX_SAMPLE_MAX 4096    /* FORMAT.md §8: reservoir: documents sampled */
#define IX_SAMPLE_BYTES 4096  /* FORMAT.md §8: bytes taken from each       */

typedef struct IxDocWriter {
  IxOut raw;                  /* texts, uncompressed (temporary file)       */
  char *raw_path;             /* its path (owned)                           */
  IxBuf recs;                 /* metadata records                            */
  IxBuf table;                /* per doc: u32 text_len, u32 rec_off, rec_len */
  uint64_t raw_bytes;         /* bytes in the temporary file                 */
  IxBuf lens;                 /* per doc: u32 length in tokens               */
  uint32_t n;                 /* documents                                   */
  uint8_t *samples;           /* reservoir of text samples (owned)           */
  size_t sample_len[IX_SAMPLE_MAX]; /* their lengths                         */
  uint32_t nsamples;          /* samples held                                */
  uint64_t rng;               /* reservoir PRNG state (fixed seed)           */
  int level;                  /* zstd level for texts                        */
  int use_dict;               /* 0: do not train a dictionary                */
  int threads;                /* > 1: compress texts on that many threads    */
} IxDocWriter;

int ix_docw_init(IxDocWriter *w, const char *gendir, SwError *err);
int ix_docw_add(IxDocWriter *w, const IxDoc *doc, uint32_t len,
                SwError *err);
/* Write doclens, docmeta, doctext into gendir; sizes/sums indexed by IX_F_*.
*/
int ix_docw_finish(IxDocWriter *w, const char *gendir, uint64_t *size,
                   uint64_t *sum, SwError *err);
void ix_docw_free(IxDocWriter *w); /* also removes the temporary file */

typedef struct IxDocStore {
  IxMap lens;                   /* doclens                                 */
  IxMap meta;                   /* docmeta                                 */
  IxMap text;                   /* doctext                                 */
  uint32_t n;                   /* documents                               */
  uint64_t total_tokens;        /* sum of lengths                          */
  uint64_t frames_off;          /* doctext: first frame                    */
  struct ZSTD_DDict_s *ddict;   /* trained dictionary, NULL if none        */
  struct ZSTD_DCtx_s *dctx;     /* reused decompression context            */
  int sums;                     /* format 2: per-text and dictionary sums  */
  int paged;                    /* format 3: docmeta verified by page, and
                                   each doc table entry checked when read  */
  uint64_t recs_off;            /* docmeta: first record                   */
  uint64_t meta_end, text_end;  /* docmeta, doctext: where data ends       */
} IxDocStore;

/* Open doclens, docmeta, doctext of gendir (n documents). psums/npages:
** docmeta's page sums from a format-3 manifest (NULL: verify it whole and
** check the whole doc table now). */
int ix_docs_open(IxDocStore *s, const char *gendir, uint32_t n,
                 const uint8_t *psums, uint32_t npages, SwError *err);
void ix_docs_close(IxDocStore *s);
int ix_docs_text(IxDocStore *s, SwDocId d, char **text, size_t *len,
                 SwError *err);

/* Document accessors of one segment (local doc ids). */
uint32_t ix_seg_doc_len(const struct IxSeg *s, SwDocId d);
int ix_seg_doc_meta(const struct IxSeg *s, SwDocId d, IxDocMeta *out,
                    SwError *err);

/* ==================================================== interface to reader.c
** A reader is a commit point's segments seen as one index: segment i's
** local doc d is global doc base + d, in commit order. Deleted documents
** keep their ids; the iterators of multi.c skip them. */

struct IxSeg {
  char *segdir;          /* DIR/seg-NNNNNNNN (or gen-N) (owned)         */
  IxMap manifest_map;    /* the manifest file                           */
  IxManifest man;        /* parsed manifest                             */
  IxDict dict;           /* terms                                       */
  IxMap post;            /* postings                                    */
  IxMap pos;             /* positions                                   */
  IxDocStore docs;       /* doclens, docmeta, doctext                   */
  uint32_t base;         /* global id of local doc 0                    */
  const uint8_t *del;    /* deletion bitmap (commit mapping), or NULL   */
  uint32_t ndel;         /* deleted documents                           */
};

static inline int ix_seg_deleted(const IxSeg *s, uint32_t d) {
  return s->del && (s->del[d >> 3] >> (d & 7)) & 1;
}

struct IxReader {
  char *dir;             /* index directory (owned)                     */
  uint64_t generation;   /* commit point (format 1: generation) number  */
  int legacy;            /* 1: a format-1 gen-N directory, no commit    */
  int hold_fd;           /* commit point held with a shared flock, -1   */
  IxMap commit_map;      /* the commit point (empty when legacy)        */
  IxCommit *commit;      /* parsed commit point (owned; NULL if legacy) */
  IxSeg **seg;           /* segments in doc id order (owned)            */
  uint32_t nseg;         /* their number                                */
  uint32_t ndocs;        /* global doc id space (deleted included)      */
  uint32_t live;         /* documents not deleted                       */
  uint64_t live_tokens;  /* sum of their lengths                        */
  uint64_t terms;        /* sum of the segments' term counts            */
  uint32_t ndel;         /* deleted documents                           */
  int simple;            /* one segment, nothing deleted: no union      */
};

/* Open one segment directory DIR/name; manifest_sum (0: any) must equal its
** manifest's checksum, docs (0: any) its doc count. */
int ix_seg_open(const char *dir, const char *name, uint64_t manifest_sum,
                uint32_t docs, IxSeg **out, SwError *err);
void ix_seg_close(IxSeg *s); /* NULL is a no-op */
/* The segment holding global doc *d; *d becomes the local id. NULL when *d
** is out of range. */
IxSeg *ix_reader_locate(const IxReader *r, SwDocId *d);

/* ==================================================== interface to segwriter.c
** Building one segment directory from documents: analysis into in-memory
** postings, sorted runs past the memory budget, the final merge into the
** segment's files, its manifest, fsync. No lock, no CURRENT: writer.c
** decides what a segment becomes part of. */

typedef struct IxSegWriter IxSegWriter;

typedef struct IxSegInfo {
  uint32_t docs;            /* documents                               */
  uint64_t tokens;          /* sum of their lengths                    */
  uint64_t terms;           /* distinct terms                          */
  uint64_t text_bytes;      /* title + text analysed                   */
  uint64_t runs;            /* sorted runs flushed                     */
  uint64_t bytes;           /* bytes of all its files                  */
  uint64_t manifest_sum;    /* its manifest's checksum                 */
} IxSegInfo;

/* Create segment directory segdir (must not exist) for segment number num.
** Errors: SW_IO, SW_FULL, SW_NOMEM. */
int ix_segw_begin(const char *segdir, uint64_t num, const IxWriterOptions *opts,
                  IxSegWriter **out, SwError *err);
/* Same contract as ix_writer_add (the document gets the next local id). */
int ix_segw_add(IxSegWriter *w, const IxDoc *doc, size_t *invalid_utf8,
                SwError *err);
/* ix_segw_add with the analysis done: ix_segw_add is ix_doc_analyse with
** the writer's own analyzer, then this (index.h, "analysed documents"). */
int ix_segw_add_analysed(IxSegWriter *w, const IxDoc *doc,
                         const IxAnalysed *a, size_t *invalid_utf8,
                         SwError *err);
uint32_t ix_segw_docs(const IxSegWriter *w);
/* Write every file and the manifest, fsync them and the directory, free w
** (always). On failure the directory is removed. */
int ix_segw_finish(IxSegWriter *w, IxSegInfo *info, SwError *err);
/* Remove the directory and free w. NULL: no-op. */
void ix_segw_abort(IxSegWriter *w);

#endif /* SW_INDEX_INT_H */
