/*
** publish.c — the directory layout of an index (FORMAT.md §1) and its
** manifest (§2): DIR/LOCK (flock, one writer at a time), DIR/CURRENT naming
** the live generation, gen-NNNNNNNN directories, fsync of files and
** directories, atomic replacement of CURRENT. Interface: index_int.h
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
#define CURRENT_LEN 13     /* FORMAT.md §1: "gen-NNNNNNNN\n"               */

int ix_gen_path(char *buf, size_t cap, const char *dir, uint64_t gen,
                SwError *err) {
  int n = snprintf(buf, cap, "%s/gen-%08llu", dir, (unsigned long long)gen);
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
    close(f);
    if (e == EWOULDBLOCK)
      return sw_error_set(err, SW_IO,
                          "%s: index is being written by another process",
                          dir);
    return sw_error_errno(err, e, "lock", path);
  }
  *fd = f;
  return SW_OK;
}

void ix_lock_release(int fd) {
  if (fd >= 0) close(fd); /* closing drops the flock */
}

/* Parses "gen-NNNNNNNN" (exactly 8 digits) from s[0..len). 0 if not one. */
static uint64_t parse_gen(const char *s, size_t len) {
  if (len != IX_GEN_NAME_LEN || memcmp(s, "gen-", 4) != 0) return 0;
  uint64_t g = 0;
  for (size_t i = 4; i < IX_GEN_NAME_LEN; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    g = g * 10 + (uint64_t)(s[i] - '0');
  }
  return g;
}

int ix_current_read(const char *dir, uint64_t *gen, SwError *err) {
  char path[4096];
  *gen = 0;
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
  /* FORMAT.md §1: exactly "gen-NNNNNNNN\n". */
  uint64_t g = 0;
  if (k == CURRENT_LEN && buf[CURRENT_LEN - 1] == '\n')
    g = parse_gen(buf, IX_GEN_NAME_LEN);
  if (g == 0)
    return ix_corrupt(err, path, 0,
                      "expected \"gen-NNNNNNNN\\n\" naming a generation >= 1");
  *gen = g;
  return SW_OK;
}

int ix_current_write(const char *dir, uint64_t gen, SwError *err) {
  char tmp[4096], cur[4096], line[32];
  int n1 = snprintf(tmp, sizeof tmp, "%s/CURRENT.tmp", dir);
  int n2 = snprintf(cur, sizeof cur, "%s/CURRENT", dir);
  if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof tmp || (size_t)n2 >= sizeof cur)
    return sw_error_set(err, SW_LIMIT, "index path too long: %s", dir);
  snprintf(line, sizeof line, "gen-%08llu\n", (unsigned long long)gen);
  IxOut o;
  int rc = ix_out_open(&o, tmp, NULL, err);
  if (rc) return rc;
  if ((rc = ix_out_write(&o, line, CURRENT_LEN, err)) ||
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

int ix_gen_scan(const char *dir, int remove, uint64_t keep,
                uint64_t *max_gen, SwError *err) {
  *max_gen = 0;
  DIR *d = opendir(dir);
  if (!d) return sw_error_errno(err, errno, "open directory", dir);
  struct dirent *de;
  char path[4096];
  while ((de = readdir(d)) != NULL) {
    uint64_t g = parse_gen(de->d_name, strlen(de->d_name));
    if (!g) continue;
    if (g > *max_gen) *max_gen = g;
    if (remove && g != keep) {
      int n = snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
      if (n > 0 && (size_t)n < sizeof path) ix_remove_dir(path);
    }
  }
  closedir(d);
  return SW_OK;
}

/* ------------------------------------------------------------ manifest -- */

int ix_manifest_write(const char *gendir, const IxManifest *m, uint64_t *size,
                      SwError *err) {
  uint8_t b[MANIFEST_FIXED + MANIFEST_ENTRY * IX_NFILES];
  memset(b, 0, sizeof b);
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
  char path[4096];
  int n = snprintf(path, sizeof path, "%s/manifest", gendir);
  if (n < 0 || (size_t)n >= sizeof path)
    return sw_error_set(err, SW_LIMIT, "index path too long: %s", gendir);
  IxOut o;
  int rc = ix_out_open(&o, path, "MANI", err);
  if (rc) return rc;
  rc = ix_out_write(&o, b + IX_HEADER_SIZE, sizeof b - IX_HEADER_SIZE, err);
  if (rc == SW_OK) rc = ix_out_finish(&o, size, NULL, err);
  ix_out_discard(&o);
  return rc;
}

int ix_manifest_read(const char *gendir, IxMap *map, IxManifest *out,
                     SwError *err) {
  memset(out, 0, sizeof *out);
  int rc = ix_map_open(map, gendir, "manifest", "MANI", IX_ADV_NORMAL, err);
  if (rc) return rc;
  const size_t want =
      MANIFEST_FIXED + MANIFEST_ENTRY * IX_NFILES + IX_FOOTER_SIZE;
  if (map->size != want) {
    char what[80];
    snprintf(what, sizeof what, "manifest is %zu bytes, expected %zu",
             map->size, want);
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
  return SW_OK;
}
