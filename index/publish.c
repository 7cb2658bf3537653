/*
** publish.c — the directory layout of an index (FORMAT.md §1) and its
** files that tie it together: DIR/LOCK (flock, one writer at a time),
** DIR/CURRENT naming the live commit point, commit points (§2a) listing
** segment directories and their deletions, segment manifests (§2), fsync of
** files and directories, atomic replacement of CURRENT, and the removal of
** what no commit point (live, or held by a reader) names any more. Interface: index_int.h
** ("interface to publish.c"). The writer (writer.c) decides when to publish;
** the reader (reader.c) resolves CURRENT through here.
*/
#define _GNU_SOURCE /* flock */
#include "index_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* FORMAT.md §2: the files of a generation, in manifest order. */
const char *const ix_file_names[IX_NFILES] = {
    "terms", "postings", "positions", "doclens", "docmeta", "doctext"};
const char *const ix_file_kinds[IX_NFILES] = {"TERM", "POST", "POSN",
                                              "DLEN", "DMET", "DTXT"};

#define MANIFEST_FIXED 56  /* FORMAT.md §2: bytes before the file entries */
#define MANIFEST_ENTRY 32  /* FORMAT.md §2: name[16] u64 size u64 sum     */
#define MANIFEST_NAME 16   /* FORMAT.md §2                                  */
#define MANIFEST_V3 24     /* FORMAT.md §2: analysis, page shift, impact
                              k1 and b, 2 page counts                      */

int ix_seg_path(char *buf, size_t cap, const char *dir, const char *name,
                SwError *err) {
  int n = snprintf(buf, cap, "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= cap)
    return sw_error_set(err, SW_LIMIT, "index path too long: %s", dir);
  return SW_OK;
}

int ix_mkdir_p(const char *dir, SwError *err) {
  size_t n = strlen(dir);
  char *p = sw_strndup(dir, n);
  if (!p) return sw_error_set(err, SW_NOMEM, "out of memory");
  int rc = SW_OK;
  for (size_t i = 1; i <= n; i++) {
    if (p[i] != '/' && p[i] != '\0') continue;
    char c = p[i];
    p[i] = '\0';
    if (mkdir(p, 0755) != 0 && errno != EEXIST) {
      rc = sw_error_errno(err, errno, "mkdir", p);
      break;
    }
    p[i] = c;
  }
  if (rc == SW_OK) {
    struct stat st;
    if (stat(dir, &st) != 0) rc = sw_error_errno(err, errno, "stat", dir);
    else if (!S_ISDIR(st.st_mode))
      rc = sw_error_set(err, SW_IO, "%s: not a directory", dir);
  }
  sw_free(p);
  return rc;
}

int ix_fsync_dir(const char *path, SwError *err) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return sw_error_errno(err, errno, "open directory", path);
  int rc = SW_OK;
  if (fsync(fd) != 0) rc = sw_error_errno(err, errno, "fsync", path);
  close(fd);
  return rc;
}

void ix_remove_dir(const char *path) {
  DIR *d = opendir(path);
  if (d) {
    struct dirent *de;
    char buf[4096];
    while ((de = readdir(d)) != NULL) {
      if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
      int n = snprintf(buf, sizeof buf, "%s/%s", path, de->d_name);
      if (n > 0 && (size_t)n < sizeof buf) unlink(buf);
    }
    closedir(d);
  }
  rmdir(path);
}

int ix_lock_take(const char *dir, int *fd, SwError *err) {
  char path[4096];
  *fd = -1;
  int n = snprintf(path, sizeof path, "%s/LOCK", dir);
  if (n < 0 || (size_t)n >= sizeof path)
    return sw_error_set(err, SW_LIMIT, "index path too long: %s", dir);
  int f = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (f < 0) return sw_error_errno(err, errno, "open", path);
  if (flock(f, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    if (e == EWOULDBLOCK) {
      /* The holder wrote its pid (FORMAT.md §1); it is only for the
      ** message: the kernel drops a flock when its process dies, so a
      ** lock is never stale. */
      char pid[32];
      ssize_t k = pread(f, pid, sizeof pid - 1, 0);
      close(f);
      pid[k > 0 ? k : 0] = '\0';
      pid[strcspn(pid, "\n")] = '\0';
      return sw_error_set(err, SW_IO,
                          "%s: index is being written by another process%s%s",
                          dir, pid[0] ? " (pid " : "", pid[0] ? pid : "");
    }
    close(f);
    return sw_error_errno(err, e, "lock", path);
  }
  char line[32];
  int k = snprintf(line, sizeof line, "%ld)\n", (long)getpid());
  if (ftruncate(f, 0) != 0 || pwrite(f, line, (size_t)k, 0) != k) {
    /* Only the message of a refused second writer needs the pid. */
  }
  *fd = f;
  return SW_OK;
}

void ix_lock_release(int fd) {
  if (fd < 0) return;
  /* Forget our pid: a later refusal must not name a process long gone. */
  if (ftruncate(fd, 0) != 0) {
    /* only the message of a refused writer would suffer */
  }
  close(fd); /* closing drops the flock */
}

/* Parses "<prefix>NNNNNNNN" (exactly 8 digits) from s[0..len). 0 if not. */
static uint64_t parse_num(const char *s, size_t len, const char *prefix) {
  size_t pl = strlen(prefix);
  if (len != pl + 8 || memcmp(s, prefix, pl) != 0) return 0;
  uint64_t g = 0;
  for (size_t i = pl; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    g = g * 10 + (uint64_t)(s[i] - '0');
  }
  return g;
}

int ix_seg_name_parse(const char *name, uint64_t *num, int *legacy) {
  size_t n = strnlen(name, IX_SEG_NAME_LEN + 1);
  uint64_t g = parse_num(name, n, "seg-");
  *legacy = 0;
  if (!g && (g = parse_num(name, n, "gen-")) != 0) *legacy = 1;
  *num = g;
  return g ? 0 : -1;
}

int ix_current_read(const char *dir, uint64_t *gen, int *legacy,
                    SwError *err) {
  char path[4096];
  *gen = 0;
  *legacy = 0;
  int n = snprintf(path, sizeof path, "%s/CURRENT", dir);
  if (n < 0 || (size_t)n >= sizeof path)
    return sw_error_set(err, SW_LIMIT, "index path too long: %s", dir);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return sw_error_set(err, SW_NOTFOUND, "no index in %s (no CURRENT)",
                          dir);
    return sw_error_errno(err, errno, "open", path);
  }
  char buf[64];
  ssize_t k;
  do k = read(fd, buf, sizeof buf);
  while (k < 0 && errno == EINTR);
  int e = errno;
  close(fd);
  if (k < 0) return sw_error_errno(err, e, "read", path);
  /* FORMAT.md §1: "commit-NNNNNNNN\n", or "gen-NNNNNNNN\n" (format 1). */
  uint64_t g = 0;
  if (k >= 1 && buf[k - 1] == '\n') {
    g = parse_num(buf, (size_t)k - 1, "commit-");
    if (!g && (g = parse_num(buf, (size_t)k - 1, "gen-")) != 0) *legacy = 1;
  }
  if (g == 0)
    return ix_corrupt(err, path, 0,
                      "expected \"commit-NNNNNNNN\\n\" naming a commit point "
                      ">= 1");
  *gen = g;
  return SW_OK;
}

int ix_current_write(const char *dir, uint64_t gen, SwError *err) {
  char tmp[4096], cur[4096], line[32];
  int n1 = snprintf(tmp, sizeof tmp, "%s/CURRENT.tmp", dir);
  int n2 = snprintf(cur, sizeof cur, "%s/CURRENT", dir);
  if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof tmp || (size_t)n2 >= sizeof cur)
    return sw_error_set(err, SW_LIMIT, "index path too long: %s", dir);
  int len = snprintf(line, sizeof line, "commit-%08llu\n",
                     (unsigned long long)gen);
  IxOut o;
  int rc = ix_out_open(&o, tmp, NULL, err);
  if (rc) return rc;
  if ((rc = ix_out_write(&o, line, (size_t)len, err)) ||
      (rc = ix_out_finish(&o, NULL, NULL, err))) {
    ix_out_discard(&o);
    unlink(tmp);
    return rc;
  }
  if (rename(tmp, cur) != 0) {
    rc = sw_error_errno(err, errno, "rename CURRENT.tmp to", cur);
    unlink(tmp);
    return rc;
  }
  return ix_fsync_dir(dir, err);
}

/* --------------------------------------------------------- commit point -- */

static void commit_name(char *buf, size_t cap, uint64_t gen) {
  snprintf(buf, cap, "commit-%08llu", (unsigned long long)gen);
}

int ix_commit_write(const char *dir, const IxCommit *c, SwError *err) {
  char name[32], path[4096];
  commit_name(name, sizeof name, c->generation);
  int n = snprintf(path, sizeof path, "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= sizeof path)
    return sw_error_set(err, SW_LIMIT, "index path too long: %s", dir);
  /* FORMAT.md §2a: fixed part, one entry per segment, then the bitmaps. */
  uint8_t fixed[IX_COMMIT_FIXED - IX_HEADER_SIZE];
  memset(fixed, 0, sizeof fixed);
  ix_put_u64(fixed, c->generation);
  ix_put_u64(fixed + 8, c->next_seg);
  ix_put_u32(fixed + 16, c->nseg);
  uint64_t off = IX_COMMIT_FIXED + (uint64_t)IX_COMMIT_ENTRY * c->nseg;
  IxOut o;
  int rc = ix_out_open(&o, path, "CMIT", err);
  if (rc) return rc;
  rc = ix_out_write(&o, fixed, sizeof fixed, err);
  for (uint32_t i = 0; rc == SW_OK && i < c->nseg; i++) {
    const IxCommitSeg *s = &c->seg[i];
    uint8_t e[IX_COMMIT_ENTRY];
    memset(e, 0, sizeof e);
    memcpy(e, s->name, strnlen(s->name, IX_SEG_NAME_LEN));
    ix_put_u64(e + 16, s->manifest_sum);
    ix_put_u32(e + 24, s->docs);
    ix_put_u32(e + 28, s->ndel);
    uint64_t blen = s->ndel ? ((uint64_t)s->docs + 7) / 8 : 0;
    ix_put_u64(e + 32, blen ? off : 0);
    ix_put_u64(e + 40, blen);
    off += blen;
    rc = ix_out_write(&o, e, sizeof e, err);
  }
  for (uint32_t i = 0; rc == SW_OK && i < c->nseg; i++)
    if (c->seg[i].ndel)
      rc = ix_out_write(&o, c->seg[i].del, ((size_t)c->seg[i].docs + 7) / 8,
                        err);
  if (rc == SW_OK) rc = ix_out_finish(&o, NULL, NULL, err);
  ix_out_discard(&o);
  if (rc) unlink(path);
  return rc;
}

static uint32_t popcount_bytes(const uint8_t *p, size_t n) {
  uint32_t c = 0;
  for (size_t i = 0; i < n; i++) c += (uint32_t)__builtin_popcount(p[i]);
  return c;
}

int ix_commit_read(const char *dir, uint64_t gen, IxMap *map, IxCommit *out,
                   SwError *err) {
  memset(out, 0, sizeof *out);
  char name[32];
  commit_name(name, sizeof name, gen);
  int rc = ix_map_open(map, dir, name, "CMIT", IX_ADV_NORMAL, err);
  if (rc) return rc;
  if ((rc = ix_map_verify(map, err))) return rc;
  const uint8_t *p = map->p;
  size_t end = map->size - IX_FOOTER_SIZE;
  if (end < IX_COMMIT_FIXED)
    return ix_corrupt(err, map->path, 0, "commit point too short");
  out->generation = ix_get_u64(p + 16);
  out->next_seg = ix_get_u64(p + 24);
  out->nseg = ix_get_u32(p + 32);
  if (out->generation != gen)
    return ix_corrupt(err, map->path, 16,
                      "generation differs from the file name");
  if (out->nseg > IX_MAX_SEGMENTS)
    return ix_corrupt(err, map->path, 32, "more segments than the limit (64)");
  if ((uint64_t)IX_COMMIT_FIXED + (uint64_t)IX_COMMIT_ENTRY * out->nseg > end)
    return ix_corrupt(err, map->path, 32, "segment table overruns the file");
  uint64_t want_off = IX_COMMIT_FIXED + (uint64_t)IX_COMMIT_ENTRY * out->nseg;
  uint64_t total = 0;
  for (uint32_t i = 0; i < out->nseg; i++) {
    uint64_t at = IX_COMMIT_FIXED + (uint64_t)IX_COMMIT_ENTRY * i;
    const uint8_t *e = p + at;
    IxCommitSeg *s = &out->seg[i];
    memcpy(s->name, e, IX_SEG_NAME_LEN);
    s->name[IX_SEG_NAME_LEN] = '\0';
    uint64_t num;
    int legacy;
    if (e[12] || e[13] || e[14] || e[15] || ix_seg_name_parse(s->name, &num, &legacy) != 0 ||
        (!legacy && num >= out->next_seg))
      return ix_corrupt(err, map->path, at, "bad segment name");
    for (uint32_t j = 0; j < i; j++)
      if (!strcmp(out->seg[j].name, s->name))
        return ix_corrupt(err, map->path, at, "segment listed twice");
    s->manifest_sum = ix_get_u64(e + 16);
    s->docs = ix_get_u32(e + 24);
    s->ndel = ix_get_u32(e + 28);
    uint64_t boff = ix_get_u64(e + 32), blen = ix_get_u64(e + 40);
    uint64_t want_len = s->ndel ? ((uint64_t)s->docs + 7) / 8 : 0;
    if (s->docs == 0 || s->docs == UINT32_MAX || s->ndel >= s->docs)
      return ix_corrupt(err, map->path, at + 24,
                        "segment doc or deletion count out of range");
    if (blen != want_len || (blen ? boff != want_off : boff != 0) ||
        want_off + blen > end)
      return ix_corrupt(err, map->path, at + 32,
                        "deletion bitmap offset or length wrong");
    if (blen) {
      s->del = p + boff;
      if (s->docs % 8 && (s->del[blen - 1] >> (s->docs % 8)) != 0)
        return ix_corrupt(err, map->path, boff + blen - 1,
                          "deletion bit set past the segment's documents");
      if (popcount_bytes(s->del, (size_t)blen) != s->ndel)
        return ix_corrupt(err, map->path, boff,
                          "deletion bitmap differs from the deleted count");
    }
    want_off += blen;
    total += s->docs;
  }
  if (want_off != end)
    return ix_corrupt(err, map->path, want_off, "bytes after the last bitmap");
  if (total >= UINT32_MAX)
    return ix_corrupt(err, map->path, 32, "more than 2^32 - 2 documents");
  return SW_OK;
}

int ix_commit_hold(const char *dir, uint64_t gen, int *fd, SwError *err) {
  char name[32], path[4096];
  *fd = -1;
  commit_name(name, sizeof name, gen);
  int n = snprintf(path, sizeof path, "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= sizeof path)
    return sw_error_set(err, SW_LIMIT, "index path too long: %s", dir);
  int f = open(path, O_RDONLY | O_CLOEXEC);
  if (f < 0) {
    if (errno == ENOENT)
      return sw_error_set(err, SW_NOTFOUND, "%s: missing", path);
    return sw_error_errno(err, errno, "open", path);
  }
  struct stat st;
  /* A writer removing this commit point holds it exclusively for a moment,
  ** then unlinks it: either way it is no longer ours to read. */
  if (flock(f, LOCK_SH | LOCK_NB) != 0 || fstat(f, &st) != 0 ||
      st.st_nlink == 0) {
    close(f);
    return sw_error_set(err, SW_NOTFOUND, "%s: being removed", path);
  }
  *fd = f;
  return SW_OK;
}

/* Marks in `keep` (names, up to IX_MAX_SEGMENTS * 8) the segments of
** commit point gen. */
typedef struct Keep {
  char name[IX_MAX_SEGMENTS * 8][IX_SEG_NAME_LEN + 1];
  uint32_t n;
} Keep;

static void keep_add(Keep *k, const char *name) {
  for (uint32_t i = 0; i < k->n; i++)
    if (!strcmp(k->name[i], name)) return;
  if (k->n < IX_MAX_SEGMENTS * 8) snprintf(k->name[k->n++], IX_SEG_NAME_LEN + 1, "%s", name);
}

static int keep_commit(Keep *k, const char *dir, uint64_t gen) {
  IxMap map;
  IxCommit c;
  memset(&map, 0, sizeof map);
  SwError e;
  sw_error_clear(&e);
  int rc = ix_commit_read(dir, gen, &map, &c, &e);
  if (rc == SW_OK)
    for (uint32_t i = 0; i < c.nseg; i++) keep_add(k, c.seg[i].name);
  ix_map_close(&map);
  return rc;
}

int ix_gc(const char *dir, uint64_t live, int live_legacy, uint64_t *max_num,
          SwError *err) {
  *max_num = live;
  Keep *k = sw_calloc(1, sizeof *k);
  if (!k) return sw_error_set(err, SW_NOMEM, "out of memory (cleanup)");
  int rc = SW_OK;
  char path[4096];
  if (live_legacy) {
    snprintf(k->name[k->n++], IX_SEG_NAME_LEN + 1, "gen-%08llu",
             (unsigned long long)live);
  } else if (live && keep_commit(k, dir, live) != SW_OK) {
    /* An unreadable live commit point protects nothing we can name: keep
    ** every segment rather than guess. */
    k->n = UINT32_MAX;
  }
  DIR *d = opendir(dir);
  if (!d) {
    rc = sw_error_errno(err, errno, "open directory", dir);
    goto done;
  }
  /* Pass 1: old commit points. One a reader holds stays, and so do its
  ** segments; the others go. */
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    uint64_t g = parse_num(de->d_name, strlen(de->d_name), "commit-");
    if (!g) continue;
    if (g > *max_num) *max_num = g;
    if (g == live && !live_legacy) continue;
    int n = snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    if (n < 0 || (size_t)n >= sizeof path) continue;
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0) continue;
    if (flock(f, LOCK_EX | LOCK_NB) == 0) {
      unlink(path);
    } else if (k->n != UINT32_MAX) {
      keep_commit(k, dir, g);
    }
    close(f);
  }
  /* Pass 2: segment directories no commit point names, and temporaries. */
  rewinddir(d);
  while ((de = readdir(d)) != NULL) {
    uint64_t num;
    int legacy;
    int n = snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    if (n < 0 || (size_t)n >= sizeof path) continue;
    if (!strcmp(de->d_name, "CURRENT.tmp")) {
      unlink(path);
      continue;
    }
    if (ix_seg_name_parse(de->d_name, &num, &legacy) != 0) continue;
    if (num > *max_num) *max_num = num;
    if (k->n == UINT32_MAX) continue;
    int kept = 0;
    for (uint32_t i = 0; i < k->n && !kept; i++)
      kept = !strcmp(k->name[i], de->d_name);
    if (!kept) ix_remove_dir(path);
  }
  closedir(d);
done:
  sw_free(k);
  return rc;
}

/* ------------------------------------------------------------ manifest -- */

int ix_manifest_write(const char *gendir, const IxManifest *m, uint64_t *size,
                      uint64_t *sum, SwError *err) {
  size_t fixed = MANIFEST_FIXED + MANIFEST_ENTRY * IX_NFILES;
  size_t n = fixed + MANIFEST_V3 + 4 * ((size_t)m->npages[0] + m->npages[1]);
  uint8_t *b = sw_calloc(n, 1);
  if (!b) return sw_error_set(err, SW_NOMEM, "out of memory (manifest)");
  /* FORMAT.md §2; bytes 0..15 are the frame header written by ix_out_open. */
  ix_put_u64(b + 16, m->generation);
  ix_put_u32(b + 24, m->doc_count);
  ix_put_u32(b + 28, IX_NFILES);
  ix_put_u64(b + 32, m->total_tokens);
  ix_put_u64(b + 40, m->term_count);
  ix_put_u64(b + 48, m->text_bytes);
  for (int i = 0; i < IX_NFILES; i++) {
    uint8_t *e = b + MANIFEST_FIXED + MANIFEST_ENTRY * i;
    memcpy(e, ix_file_names[i], strlen(ix_file_names[i]));
    ix_put_u64(e + 16, m->size[i]);
    ix_put_u64(e + 24, m->sum[i]);
  }
  /* Format 3: analysis version, page size, the two page-sum tables. */
  uint8_t *v = b + fixed;
  uint32_t kb, bb;
  memcpy(&kb, &m->impact_k1, 4);
  memcpy(&bb, &m->impact_b, 4);
  ix_put_u32(v, m->analysis);
  ix_put_u32(v + 4, IX_PAGE_SHIFT);
  ix_put_u32(v + 8, kb);
  ix_put_u32(v + 12, bb);
  ix_put_u32(v + 16, m->npages[0]);
  ix_put_u32(v + 20, m->npages[1]);
  v += MANIFEST_V3;
  for (int f = 0; f < 2; f++)
    for (uint32_t i = 0; i < m->npages[f]; i++, v += 4)
      ix_put_u32(v, m->wsums[f][i]);
  char path[4096];
  int len = snprintf(path, sizeof path, "%s/manifest", gendir);
  int rc;
  if (len < 0 || (size_t)len >= sizeof path) {
    rc = sw_error_set(err, SW_LIMIT, "index path too long: %s", gendir);
  } else {
    IxOut o;
    rc = ix_out_open(&o, path, "MANI", err);
    if (!rc) {
      rc = ix_out_write(&o, b + IX_HEADER_SIZE, n - IX_HEADER_SIZE, err);
      if (rc == SW_OK) rc = ix_out_finish(&o, size, sum, err);
      ix_out_discard(&o);
    }
  }
  sw_free(b);
  return rc;
}

int ix_manifest_read(const char *gendir, IxMap *map, IxManifest *out,
                     SwError *err) {
  memset(out, 0, sizeof *out);
  int rc = ix_map_open(map, gendir, "manifest", "MANI", IX_ADV_NORMAL, err);
  if (rc) return rc;
  const size_t fixed = MANIFEST_FIXED + MANIFEST_ENTRY * IX_NFILES;
  const size_t want = fixed + IX_FOOTER_SIZE;
  if (map->version < 3 ? map->size != want
                       : map->size < want + MANIFEST_V3) {
    char what[80];
    snprintf(what, sizeof what, "manifest is %zu bytes, expected %s%zu",
             map->size, map->version < 3 ? "" : "at least ",
             map->version < 3 ? want : want + MANIFEST_V3);
    return ix_corrupt(err, map->path, 0, what);
  }
  if ((rc = ix_map_verify(map, err))) return rc;
  const uint8_t *p = map->p;
  out->generation = ix_get_u64(p + 16);
  out->doc_count = ix_get_u32(p + 24);
  uint32_t nfiles = ix_get_u32(p + 28);
  out->total_tokens = ix_get_u64(p + 32);
  out->term_count = ix_get_u64(p + 40);
  out->text_bytes = ix_get_u64(p + 48);
  if (nfiles != IX_NFILES)
    return ix_corrupt(err, map->path, 28, "file count is not 6");
  if (out->doc_count == UINT32_MAX)
    return ix_corrupt(err, map->path, 24, "doc count out of range");
  for (int i = 0; i < IX_NFILES; i++) {
    const uint8_t *e = p + MANIFEST_FIXED + MANIFEST_ENTRY * i;
    char name[MANIFEST_NAME];
    memset(name, 0, sizeof name);
    memcpy(name, ix_file_names[i], strlen(ix_file_names[i]));
    if (memcmp(e, name, MANIFEST_NAME) != 0) {
      char what[80];
      snprintf(what, sizeof what, "file entry %d is not \"%s\"", i,
               ix_file_names[i]);
      return ix_corrupt(err, map->path,
                        (uint64_t)(MANIFEST_FIXED + MANIFEST_ENTRY * i), what);
    }
    out->size[i] = ix_get_u64(e + 16);
    out->sum[i] = ix_get_u64(e + 24);
  }
  if (map->version < 3) return SW_OK;
  const uint8_t *v = p + fixed;
  out->analysis = ix_get_u32(v);
  uint32_t kb = ix_get_u32(v + 8), bb = ix_get_u32(v + 12);
  memcpy(&out->impact_k1, &kb, 4);
  memcpy(&out->impact_b, &bb, 4);
  out->npages[0] = ix_get_u32(v + 16);
  out->npages[1] = ix_get_u32(v + 20);
  if (!(out->impact_k1 >= 0 && out->impact_k1 < 100 && out->impact_b >= 0 &&
        out->impact_b <= 1)) /* NaN fails too */
    return ix_corrupt(err, map->path, fixed + 8,
                      "impact parameters out of range");
  if (ix_get_u32(v + 4) != IX_PAGE_SHIFT)
    return ix_corrupt(err, map->path, fixed + 4, "page size is not 16 KiB");
  if ((uint64_t)4 * ((uint64_t)out->npages[0] + out->npages[1]) !=
      map->size - want - MANIFEST_V3)
    return ix_corrupt(err, map->path, fixed + 16,
                      "page counts do not fit the manifest's length");
  out->psums[0] = v + MANIFEST_V3;
  out->psums[1] = out->psums[0] + 4 * (size_t)out->npages[0];
  if (out->analysis != IX_ANALYSIS_VERSION)
    return sw_error_set(err, SW_VERSION,
                        "%s: built with analysis version %u; this build "
                        "analyses text with version %u, so words would not "
                        "match: rebuild the index (swsearch index)",
                        map->path, out->analysis, IX_ANALYSIS_VERSION);
  return SW_OK;
}
