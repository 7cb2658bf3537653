/*
** file.c — framed index files (FORMAT.md §0): writing one through a buffer
** while an XXH3-64 state checksums every byte (IxOut), and mapping one read-
** only and checking its header and footer (IxMap). Interface: index_int.h
** ("interface to file.c"). What the body of each file means is the business
** of termdict.c, postings.c, docstore.c and publish.c; this file knows only
** the frame: "SWIX" kind u32(version) u32(flags) ... u64(length) u64(xxh3).
*/
#define _GNU_SOURCE /* madvise */
#include "index_int.h"
#include "sw_fault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t size, for sw_malloc */
#include <xxhash.h>

#define OUT_BUF_SIZE ((size_t)1 << 20) /* write buffer: large sequential writes */

int ix_corrupt(SwError *err, const char *path, uint64_t off,
               const char *what) {
  return sw_error_set(err, SW_CORRUPT, "%s: byte %llu: %s", path,
                      (unsigned long long)off, what);
}

/* ------------------------------------------------------------- writing -- */

/* Every write(2) of an index file goes through here, so that tests can make
** the Nth one fail (sw_fault_write_after): an injected failure is ENOSPC. */
static int write_all(IxOut *o, const uint8_t *p, size_t n, SwError *err) {
  while (n) {
    if (sw_fault_write_hit())
      return sw_error_errno(err, ENOSPC, "write", o->path);
    ssize_t k = write(o->fd, p, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      return sw_error_errno(err, errno, "write", o->path);
    }
    if (k == 0) return sw_error_errno(err, EIO, "write", o->path);
    p += k;
    n -= (size_t)k;
    o->off += (uint64_t)k;
  }
  return SW_OK;
}

int ix_out_open(IxOut *o, const char *path, const char *kind, SwError *err) {
  memset(o, 0, sizeof *o);
  o->fd = -1;
  o->path = sw_strndup(path, strlen(path));
  o->buf = sw_malloc(OUT_BUF_SIZE);
  if (!o->path || !o->buf) goto nomem;
  if (kind) {
    /* XXH3_state_t wants 64-byte alignment; sw_malloc promises less. */
    o->xxh_mem = sw_malloc(sizeof(XXH3_state_t) + 64);
    if (!o->xxh_mem) goto nomem;
    uintptr_t a = ((uintptr_t)o->xxh_mem + 63) & ~(uintptr_t)63;
    o->xxh = (void *)a;
    XXH3_64bits_reset((XXH3_state_t *)o->xxh);
  }
  o->fd = open(path, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0644);
  if (o->fd < 0) {
    int rc = sw_error_errno(err, errno, "create", path);
    ix_out_discard(o);
    return rc;
  }
  if (kind) {
    uint8_t h[IX_HEADER_SIZE]; /* FORMAT.md §0 */
    memcpy(h, "SWIX", 4);
    memcpy(h + 4, kind, 4);
    ix_put_u32(h + 8, IX_FORMAT_VERSION);
    ix_put_u32(h + 12, 0);
    int rc = ix_out_write(o, h, sizeof h, err);
    if (rc) ix_out_discard(o);
    return rc;
  }
  return SW_OK;
nomem:
  ix_out_discard(o);
  return sw_error_set(err, SW_NOMEM, "out of memory creating %s", path);
}

static int out_drain(IxOut *o, SwError *err) {
  if (!o->len) return SW_OK;
  if (o->xxh) XXH3_64bits_update((XXH3_state_t *)o->xxh, o->buf, o->len);
  int rc = write_all(o, o->buf, o->len, err);
  o->len = 0;
  return rc;
}

int ix_out_write(IxOut *o, const void *p, size_t n, SwError *err) {
  if (o->fd < 0)
    return sw_error_set(err, SW_IO, "write %s: file is closed",
                        o->path ? o->path : "?");
  const uint8_t *s = p;
  if (n == 0) return SW_OK;
  if (n >= OUT_BUF_SIZE) {
    /* Big pieces bypass the buffer, in order. */
    int rc = out_drain(o, err);
    if (rc) return rc;
    if (o->xxh) XXH3_64bits_update((XXH3_state_t *)o->xxh, s, n);
    return write_all(o, s, n, err);
  }
  if (OUT_BUF_SIZE - o->len < n) {
    int rc = out_drain(o, err);
    if (rc) return rc;
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
  return SW_OK;
}

int ix_out_flush(IxOut *o, SwError *err) {
  if (o->fd < 0)
    return sw_error_set(err, SW_IO, "write %s: file is closed",
                        o->path ? o->path : "?");
  return out_drain(o, err);
}

int ix_out_finish(IxOut *o, uint64_t *size, uint64_t *sum, SwError *err) {
  int rc = SW_OK;
  uint64_t length = 0, check = 0;
  if (o->fd < 0) {
    rc = sw_error_set(err, SW_IO, "write %s: file is closed",
                      o->path ? o->path : "?");
    goto done;
  }
  if (o->xxh) {
    /* FORMAT.md §0: u64 length, then XXH3-64 of every byte before it. */
    uint8_t f[8];
    length = ix_out_tell(o) + IX_FOOTER_SIZE;
    ix_put_u64(f, length);
    if ((rc = ix_out_write(o, f, 8, err))) goto done;
    if ((rc = out_drain(o, err))) goto done;
    check = XXH3_64bits_digest((XXH3_state_t *)o->xxh);
    ix_put_u64(f, check);
    if ((rc = write_all(o, f, 8, err))) goto done;
  } else {
    if ((rc = out_drain(o, err))) goto done;
    length = o->off;
  }
  if (sw_fault_write_hit()) { /* tests: an injected ENOSPC, as write_all */
    rc = sw_error_errno(err, ENOSPC, "fsync", o->path);
    goto done;
  }
  if (fsync(o->fd) != 0) {
    rc = sw_error_errno(err, errno, "fsync", o->path);
    goto done;
  }
  if (close(o->fd) != 0) {
    o->fd = -1;
    rc = sw_error_errno(err, errno, "close", o->path);
    goto done;
  }
  o->fd = -1;
done:
  if (size) *size = rc ? 0 : length;
  if (sum) *sum = rc ? 0 : check;
  ix_out_discard(o);
  return rc;
}

void ix_out_discard(IxOut *o) {
  if (o->fd >= 0) close(o->fd);
  o->fd = -1;
  sw_free(o->buf);
  sw_free(o->path);
  sw_free(o->xxh_mem);
  o->buf = NULL;
  o->path = NULL;
  o->xxh_mem = o->xxh = NULL;
  o->len = 0;
}

/* ------------------------------------------------------------- mapping -- */

int ix_map_open(IxMap *m, const char *dir, const char *name,
                const char *kind, int advice, SwError *err) {
  memset(m, 0, sizeof *m);
  size_t plen = strlen(dir) + 1 + strlen(name) + 1;
  m->path = sw_malloc(plen);
  if (!m->path) return sw_error_set(err, SW_NOMEM, "out of memory opening %s", name);
  snprintf(m->path, plen, "%s/%s", dir, name);

  int fd = open(m->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    int rc = e == ENOENT
                 ? sw_error_set(err, SW_NOTFOUND, "%s: missing", m->path)
                 : sw_error_errno(err, e, "open", m->path);
    ix_map_close(m);
    return rc;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int rc = sw_error_errno(err, errno, "stat", m->path);
    close(fd);
    ix_map_close(m);
    return rc;
  }
  if ((uint64_t)st.st_size < IX_HEADER_SIZE + IX_FOOTER_SIZE) {
    close(fd);
    sw_error_set(err, SW_CORRUPT,
                 "%s: file is %lld bytes, shorter than header and footer (32)",
                 m->path, (long long)st.st_size);
    ix_map_close(m);
    return SW_CORRUPT;
  }
  if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX / 2) {
    close(fd);
    sw_error_set(err, SW_LIMIT, "%s: file too large to map", m->path);
    ix_map_close(m);
    return SW_LIMIT;
  }
  size_t size = (size_t)st.st_size;
  void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
  int e = errno;
  close(fd);
  if (p == MAP_FAILED) {
    int rc = sw_error_errno(err, e, "mmap", m->path);
    ix_map_close(m);
    return rc;
  }
  m->p = p;
  m->size = size;
  if (advice == IX_ADV_RANDOM) madvise(p, size, MADV_RANDOM);
  else if (advice == IX_ADV_WILLNEED) madvise(p, size, MADV_WILLNEED);

  /* FORMAT.md §0: magic, kind, then the version (before anything whose
  ** layout a later version might change), flags, footer length. */
  int rc;
  if (memcmp(m->p, "SWIX", 4) != 0 || memcmp(m->p + 4, kind, 4) != 0) {
    char what[64];
    snprintf(what, sizeof what, "bad magic (expected \"SWIX%.4s\")", kind);
    rc = ix_corrupt(err, m->path, 0, what);
    goto fail;
  }
  m->version = ix_get_u32(m->p + 8);
  if (m->version < IX_FORMAT_MIN_READ || m->version > IX_FORMAT_VERSION) {
    rc = sw_error_set(err, SW_VERSION,
                      "%s: index format %u; this build reads %u..%u", m->path,
                      m->version, IX_FORMAT_MIN_READ, IX_FORMAT_VERSION);
    goto fail;
  }
  if (ix_get_u32(m->p + 12) != 0) {
    rc = ix_corrupt(err, m->path, 12, "unknown header flags");
    goto fail;
  }
  uint64_t length = ix_get_u64(m->p + size - IX_FOOTER_SIZE);
  if (length != size) {
    char what[96];
    snprintf(what, sizeof what,
             "footer says %llu bytes, file has %zu (truncated or extended)",
             (unsigned long long)length, size);
    rc = ix_corrupt(err, m->path, size - IX_FOOTER_SIZE, what);
    goto fail;
  }
  m->sum = ix_get_u64(m->p + size - 8);
  return SW_OK;
fail:
  ix_map_close(m);
  return rc;
}

int ix_map_verify(const IxMap *m, SwError *err) {
  uint64_t got = XXH3_64bits(m->p, m->size - 8);
  if (got != m->sum) {
    char what[96];
    snprintf(what, sizeof what,
             "checksum mismatch (footer %016llx, computed %016llx)",
             (unsigned long long)m->sum, (unsigned long long)got);
    return ix_corrupt(err, m->path, m->size - 8, what);
  }
  return SW_OK;
}

void ix_map_track(IxMap *m) {
  if (m->seen || !m->p) return;
  void *p = mmap(NULL, m->size / 8 + 1, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p != MAP_FAILED) m->seen = p;
}

int ix_map_pages(IxMap *m, const uint8_t *sums, uint32_t n, SwError *err) {
  if (n != ix_page_count(m->size))
    return ix_corrupt(err, m->path, 0,
                      "page count in the manifest does not fit the file");
  m->pseen = sw_calloc((size_t)n / 8 + 1, 1);
  if (!m->pseen) return sw_error_set(err, SW_NOMEM, "out of memory (pages)");
  m->psums = sums;
  m->npages = n;
  return SW_OK;
}

int ix_map_need_slow(const IxMap *m, uint64_t off, uint64_t len,
                     SwError *err) {
  uint64_t end = m->size - IX_FOOTER_SIZE;
  if (off > end || len > end - off)
    return ix_corrupt(err, m->path, off, "read past the end of the data");
  if (len == 0) return SW_OK;
  for (uint64_t pg = off >> IX_PAGE_SHIFT; pg <= (off + len - 1) >> IX_PAGE_SHIFT;
       pg++) {
    uint8_t bit = (uint8_t)(1u << (pg & 7));
    if (__atomic_load_n(&m->pseen[pg >> 3], __ATOMIC_RELAXED) & bit) continue;
    uint64_t a = pg << IX_PAGE_SHIFT;
    uint64_t b = a + IX_PAGE < end ? a + IX_PAGE : end;
    if (ix_sum32(m->p + a, (size_t)(b - a)) != ix_get_u32(m->psums + pg * 4)) {
      char what[96];
      snprintf(what, sizeof what,
               "checksum mismatch in page %llu (bytes %llu..%llu)",
               (unsigned long long)pg, (unsigned long long)a,
               (unsigned long long)b);
      return ix_corrupt(err, m->path, a, what);
    }
    __atomic_fetch_or(&m->pseen[pg >> 3], bit, __ATOMIC_RELAXED);
  }
  return SW_OK;
}

void ix_map_page_sums(const IxMap *m, uint32_t *out) {
  uint64_t end = m->size - IX_FOOTER_SIZE;
  for (uint64_t a = 0, i = 0; a < end; a += IX_PAGE, i++)
    out[i] = ix_sum32(m->p + a, (size_t)(a + IX_PAGE < end ? IX_PAGE : end - a));
}

void ix_map_close(IxMap *m) {
  sw_free(m->pseen);
  if (m->p) munmap((void *)m->p, m->size);
  if (m->seen) munmap(m->seen, m->size / 8 + 1);
  sw_free(m->path);
  memset(m, 0, sizeof *m);
}
