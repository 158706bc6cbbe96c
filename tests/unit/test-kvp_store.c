/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kvp_store: the on-disk format, modes, other programs' changes (appends,
 * in-place rewrites, renames), locking against cloud-init- and upstream-
 * style writers, crashes, and that a large pool is not re-read needlessly.
 * Every test works in its own mktemp directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvp_lockinfo.h"
#include "kvp_pool.h"
#include "kvp_store.h"
#include "macro.h"
#include "unit.h"

#define REC KVP_RECORD_SIZE

/* A fresh temp dir; the pools go into DIR/hyperv (created by the store). */
static void tmpdir(char base[static 64], char pools[static 96])
{
	snprintf(base, 64, "%s/kvpstore.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	CU_ASSERT_FATAL(mkdtemp(base) != NULL);
	snprintf(pools, 96, "%s/hyperv", base);
}

static void pool_path(const char *dir, unsigned pool, char out[static 128])
{
	snprintf(out, 128, "%s/" KVP_POOL_FILE_FMT, dir, pool);
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

static void make_rec(uint8_t rec[REC], const char *key, const char *value)
{
	memset(rec, 0, REC);
	memcpy(rec, key, strlen(key));
	memcpy(rec + KVP_KEY_MAX, value, strlen(value));
}

/* What cloud-init does: flock(LOCK_EX), open for append, one record, close. */
static int cloudinit_append(const char *path, const char *key, const char *value)
{
	uint8_t rec[REC];
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	make_rec(rec, key, value);
	int r = flock(fd, LOCK_EX) < 0 || write(fd, rec, REC) != REC ? -EIO : 0;
	close(fd);
	return r;
}

/* What upstream does: fcntl F_SETLKW F_WRLCK, read all, truncate and rewrite. */
static int upstream_set(const char *path, const char *key, const char *value)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(fd, F_SETLKW, &fl) < 0) {
		close(fd);
		return -errno;
	}
	struct stat st;
	fstat(fd, &st);
	size_t n = (size_t)st.st_size / REC;
	uint8_t *buf = calloc(n + 1, REC);
	size_t got = 0;
	while (got < n * REC) {
		ssize_t k = pread(fd, buf + got, n * REC - got, (off_t)got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	n = got / REC;
	make_rec(buf + n * REC, key, value);
	/* Upstream rewrites with fopen("w"): a truncate, then the records. */
	int r = ftruncate(fd, 0) < 0 ||
				pwrite(fd, buf, (n + 1) * REC, 0) != (ssize_t)((n + 1) * REC)
			? -EIO
			: 0;
	free(buf);
	fl.l_type = F_UNLCK;
	fcntl(fd, F_SETLK, &fl);
	close(fd);
	return r;
}

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, buf, len) == (ssize_t)len);
	close(fd);
}

static void expect_get(struct kvp_store *s, unsigned pool, const char *key, const char *want)
{
	char v[KVP_VALUE_MAX];
	int r = kvp_store_get(s, pool, key, v);
	if (r != 0 || strcmp(v, want) != 0)
		fprintf(stderr,
			"\n  get(pool %u, \"%.40s\"): r=%d value \"%.40s\", want \"%.40s\"\n", pool,
			key, r, r == 0 ? v : "", want);
	CU_ASSERT(r == 0 && strcmp(v, want) == 0);
}

static uint64_t reloads(struct kvp_store *s, unsigned pool)
{
	struct kvp_store_stats st;
	CU_ASSERT_FATAL(kvp_store_get_stats(s, pool, &st) == 0);
	return st.reloads;
}

/* ---- pure decoding, table-driven ---- */

static void test_decode(void)
{
	static const struct {
		const char *name;
		size_t klen;  /* bytes of 'k' before the NUL (512 = no NUL) */
		size_t vlen;  /* bytes of 'v' before the NUL (2048 = no NUL) */
		bool garbage; /* non-zero bytes after both NULs */
		int want;
		size_t want_vlen;
	} cases[] = {
		{ "plain", 3, 5, false, 0, 5 },
		{ "empty value", 3, 0, false, 0, 0 },
		{ "garbage after NULs", 3, 5, true, 0, 5 },
		{ "511-byte key", 511, 2047, false, 0, 2047 },
		{ "empty key", 0, 5, false, -EINVAL, 0 },
		{ "key without NUL", 512, 5, false, -EINVAL, 0 },
		{ "value without NUL is cut", 3, 2048, false, 0, 2047 },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		uint8_t rec[REC];
		char k[KVP_KEY_MAX], v[KVP_VALUE_MAX];
		memset(rec, cases[i].garbage ? 0x5a : 0, REC);
		memset(rec, 'k', cases[i].klen);
		if (cases[i].klen < KVP_KEY_MAX)
			rec[cases[i].klen] = 0;
		memset(rec + KVP_KEY_MAX, 'v', cases[i].vlen);
		if (cases[i].vlen < KVP_VALUE_MAX)
			rec[KVP_KEY_MAX + cases[i].vlen] = 0;
		int r = kvp_record_decode(rec, k, v);
		bool ok = r == cases[i].want;
		if (ok && r == 0)
			ok = strlen(k) == cases[i].klen && strlen(v) == cases[i].want_vlen &&
			     k[KVP_KEY_MAX - 1] == 0 && v[KVP_VALUE_MAX - 1] == 0;
		if (!ok)
			fprintf(stderr, "\n  decode case \"%s\": r=%d want %d\n", cases[i].name, r,
				cases[i].want);
		CU_ASSERT(ok);
	}
}

/* ---- basics ---- */

static void test_basic_each_pool(void)
{
	char base[64], dir[96], path[128], k[KVP_KEY_MAX], v[KVP_VALUE_MAX];
	struct kvp_store *s;
	size_t n;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	for (unsigned pool = 0; pool < KVP_POOL_COUNT; pool++) {
		pool_path(dir, pool, path);
		CU_ASSERT(file_size(path) == 0);
		CU_ASSERT(kvp_store_get(s, pool, "a", v) == -ENOENT);
		CU_ASSERT(kvp_store_set(s, pool, "a", "1") == 0);
		CU_ASSERT(kvp_store_set(s, pool, "b", "2") == 0);
		CU_ASSERT(kvp_store_set(s, pool, "a", "one") == 0); /* in place */
		expect_get(s, pool, "a", "one");
		expect_get(s, pool, "b", "2");
		CU_ASSERT(file_size(path) == 2 * REC);
		CU_ASSERT(kvp_store_count(s, pool, &n) == 0 && n == 2);
		CU_ASSERT(kvp_store_enumerate(s, pool, 0, k, v) == 0 && !strcmp(k, "a") &&
			  !strcmp(v, "one"));
		CU_ASSERT(kvp_store_enumerate(s, pool, 1, k, v) == 0 && !strcmp(k, "b") &&
			  !strcmp(v, "2"));
		CU_ASSERT(kvp_store_enumerate(s, pool, 2, k, v) == -ENOENT);
		CU_ASSERT(kvp_store_delete(s, pool, "a") == 0);
		CU_ASSERT(kvp_store_delete(s, pool, "a") == -ENOENT);
		CU_ASSERT(kvp_store_get(s, pool, "a", v) == -ENOENT);
		expect_get(s, pool, "b", "2");
		CU_ASSERT(file_size(path) == REC);
	}
	kvp_store_free(s);

	/* A second store sees the same data, and the bytes are as specified. */
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	expect_get(s, 4, "b", "2");
	kvp_store_free(s);
	uint8_t rec[REC], want[REC];
	pool_path(dir, 0, path);
	int fd = open(path, O_RDONLY);
	CU_ASSERT(read(fd, rec, REC) == REC);
	close(fd);
	make_rec(want, "b", "2");
	CU_ASSERT(memcmp(rec, want, REC) == 0);
	unit_rm_rf(base);
}

static void test_limits(void)
{
	char base[64], dir[96], path[128], v[KVP_VALUE_MAX];
	char key511[512], key512[513], val2047[2048], val2048[2049];
	struct kvp_store *s;

	memset(key511, 'k', 511), key511[511] = 0;
	memset(key512, 'K', 512), key512[512] = 0;
	memset(val2047, 'v', 2047), val2047[2047] = 0;
	memset(val2048, 'V', 2048), val2048[2048] = 0;
	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	CU_ASSERT(kvp_store_set(s, 0, key511, val2047) == 0);
	expect_get(s, 0, key511, val2047);
	CU_ASSERT(kvp_store_set(s, 0, key512, "x") == -EINVAL);
	CU_ASSERT(kvp_store_set(s, 0, "x", val2048) == -EINVAL);
	CU_ASSERT(kvp_store_set(s, 0, "", "x") == -EINVAL);
	CU_ASSERT(kvp_store_get(s, 0, key512, v) == -EINVAL);
	CU_ASSERT(kvp_store_delete(s, 0, key512) == -EINVAL);
	CU_ASSERT(kvp_store_set(s, KVP_POOL_COUNT, "x", "y") == -EINVAL);
	CU_ASSERT(kvp_store_get(s, 255, "x", v) == -EINVAL);
	CU_ASSERT(kvp_store_enumerate(s, 5, 0, v, v) == -EINVAL);
	pool_path(dir, 0, path);
	CU_ASSERT(file_size(path) == REC);
	kvp_store_free(s);
	unit_rm_rf(base);
}

static void test_modes(void)
{
	char base[64], dir[96], path[128];
	struct kvp_store *s;
	struct stat st;

	tmpdir(base, dir);
	mode_t old = umask(077); /* must not leak into the modes */
	int r = kvp_store_open(dir, NULL, &s);
	umask(old);
	CU_ASSERT_FATAL(r == 0);
	CU_ASSERT(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0755);
	for (unsigned i = 0; i < KVP_POOL_COUNT; i++) {
		pool_path(dir, i, path);
		CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
	}
	kvp_store_free(s);
	unit_rm_rf(base);

	/* A stricter mode, e.g. for pool 0 secrets, is honoured too. */
	tmpdir(base, dir);
	old = umask(0);
	r = kvp_store_open(dir, &(struct kvp_store_options){ .file_mode = 0600 }, &s);
	umask(old);
	CU_ASSERT_FATAL(r == 0);
	pool_path(dir, 0, path);
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	kvp_store_free(s);
	unit_rm_rf(base);
}

/* cloud-init's stale-data check reads pool 1's mtime: opening must not touch it. */
static void test_open_keeps_mtime(void)
{
	char base[64], dir[96], path[128];
	struct kvp_store *s;
	struct stat before[KVP_POOL_COUNT], after;
	uint8_t rec[REC];

	tmpdir(base, dir);
	CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
	for (unsigned i = 0; i < KVP_POOL_COUNT; i++) {
		pool_path(dir, i, path);
		make_rec(rec, "k", "v");
		write_file(path, rec, i == 1 ? REC : 0);
		struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
		CU_ASSERT(utimensat(AT_FDCWD, path, old, 0) == 0);
		CU_ASSERT(stat(path, &before[i]) == 0);
	}
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	expect_get(s, 1, "k", "v");
	size_t n;
	for (unsigned i = 0; i < KVP_POOL_COUNT; i++)
		CU_ASSERT(kvp_store_count(s, i, &n) == 0);
	kvp_store_free(s);
	for (unsigned i = 0; i < KVP_POOL_COUNT; i++) {
		pool_path(dir, i, path);
		CU_ASSERT(stat(path, &after) == 0);
		CU_ASSERT(after.st_mtim.tv_sec == before[i].st_mtim.tv_sec);
		CU_ASSERT(after.st_ctim.tv_sec == before[i].st_ctim.tv_sec &&
			  after.st_ctim.tv_nsec == before[i].st_ctim.tv_nsec);
		CU_ASSERT(after.st_size == before[i].st_size);
	}
	unit_rm_rf(base);
}

/* Upstream leaks heap bytes after the NULs; such records read normally. */
static void test_upstream_garbage(void)
{
	char base[64], dir[96], path[128], k[KVP_KEY_MAX], v[KVP_VALUE_MAX];
	uint8_t buf[3 * REC];
	struct kvp_store *s;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
	memset(buf, 0xa5, sizeof(buf));
	const char *keys[] = { "alpha", "beta", "gamma" }, *vals[] = { "1", "", "three" };
	for (int i = 0; i < 3; i++) {
		memcpy(buf + i * REC, keys[i], strlen(keys[i]) + 1);
		memcpy(buf + i * REC + KVP_KEY_MAX, vals[i], strlen(vals[i]) + 1);
	}
	pool_path(dir, 0, path);
	write_file(path, buf, sizeof(buf));
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	for (int i = 0; i < 3; i++) {
		expect_get(s, 0, keys[i], vals[i]);
		CU_ASSERT(kvp_store_enumerate(s, 0, (uint32_t)i, k, v) == 0 &&
			  !strcmp(k, keys[i]) && !strcmp(v, vals[i]) && k[KVP_KEY_MAX - 1] == 0 &&
			  v[100] == 0);
	}
	/* A SET rewrites just the value field, zero-padded; the key field is left alone. */
	CU_ASSERT(kvp_store_set(s, 0, "beta", "2") == 0);
	kvp_store_free(s);
	uint8_t now[3 * REC];
	int fd = open(path, O_RDONLY);
	CU_ASSERT(read(fd, now, sizeof(now)) == (ssize_t)sizeof(now));
	close(fd);
	CU_ASSERT(memcmp(now, buf, REC + KVP_KEY_MAX) == 0);
	CU_ASSERT(now[REC + KVP_KEY_MAX] == '2' && now[REC + KVP_KEY_MAX + 1] == 0 &&
		  now[2 * REC - 1] == 0);
	CU_ASSERT(memcmp(now + 2 * REC, buf + 2 * REC, REC) == 0);
	unit_rm_rf(base);
}

/* Records with an empty key or no NUL keep their index but cannot be served. */
static void test_unservable_records(void)
{
	char base[64], dir[96], path[128], k[KVP_KEY_MAX], v[KVP_VALUE_MAX];
	uint8_t buf[4 * REC];
	struct kvp_store *s;
	size_t n;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
	make_rec(buf, "first", "1");
	memset(buf + REC, 0, REC);	 /* empty key */
	memset(buf + 2 * REC, 'x', REC); /* no NUL anywhere */
	make_rec(buf + 3 * REC, "last", "4");
	pool_path(dir, 1, path);
	write_file(path, buf, sizeof(buf));
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	CU_ASSERT(kvp_store_count(s, 1, &n) == 0 && n == 4);
	CU_ASSERT(kvp_store_enumerate(s, 1, 0, k, v) == 0 && !strcmp(k, "first"));
	CU_ASSERT(kvp_store_enumerate(s, 1, 1, k, v) == -EBADMSG);
	CU_ASSERT(kvp_store_enumerate(s, 1, 2, k, v) == -EBADMSG);
	CU_ASSERT(kvp_store_enumerate(s, 1, 3, k, v) == 0 && !strcmp(k, "last"));
	expect_get(s, 1, "last", "4");
	/* Deleting before them moves the last record, as for any other delete. */
	CU_ASSERT(kvp_store_delete(s, 1, "first") == 0);
	CU_ASSERT(kvp_store_enumerate(s, 1, 0, k, v) == 0 && !strcmp(k, "last"));
	CU_ASSERT(kvp_store_enumerate(s, 1, 2, k, v) == -EBADMSG);
	CU_ASSERT(file_size(path) == 3 * REC);
	kvp_store_free(s);
	unit_rm_rf(base);
}

/* A torn append (partial tail) is ignored by reads and replaced by the next append. */
static void test_partial_tail(void)
{
	char base[64], dir[96], path[128];
	uint8_t buf[2 * REC + 1000];
	struct kvp_store *s;
	size_t n;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
	memset(buf, 0x77, sizeof(buf));
	make_rec(buf, "a", "1");
	make_rec(buf + REC, "b", "2");
	pool_path(dir, 1, path);
	write_file(path, buf, sizeof(buf));
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	CU_ASSERT(kvp_store_count(s, 1, &n) == 0 && n == 2);
	expect_get(s, 1, "b", "2");
	CU_ASSERT(kvp_store_set(s, 1, "a", "one") == 0); /* in place: tail untouched */
	CU_ASSERT(file_size(path) == (off_t)sizeof(buf));
	kvp_store_free(s);
	CU_ASSERT(file_size(path) == (off_t)sizeof(buf));

	CU_ASSERT_FATAL(kvp_store_open(dir, &(struct kvp_store_options){ .read_only = true }, &s) ==
			0);
	CU_ASSERT(kvp_store_count(s, 1, &n) == 0 && n == 2);
	kvp_store_free(s);
	CU_ASSERT(file_size(path) == (off_t)sizeof(buf));

	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	CU_ASSERT(kvp_store_set(s, 1, "c", "3") == 0);
	CU_ASSERT(file_size(path) == 3 * REC);
	expect_get(s, 1, "c", "3");
	kvp_store_free(s);
	unit_rm_rf(base);
}

static void test_third_party_append(void)
{
	char base[64], dir[96], path[128];
	struct kvp_store *s;
	size_t n;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	CU_ASSERT(kvp_store_set(s, 1, "ours", "1") == 0);
	uint64_t r0 = reloads(s, 1);
	pool_path(dir, 1, path);
	CU_ASSERT(cloudinit_append(path, "theirs", "2") == 0);
	expect_get(s, 1, "theirs", "2");
	CU_ASSERT(kvp_store_count(s, 1, &n) == 0 && n == 2);
	CU_ASSERT(reloads(s, 1) == r0 + 1);
	/* Our next write goes after theirs. */
	CU_ASSERT(kvp_store_set(s, 1, "ours2", "3") == 0);
	CU_ASSERT(file_size(path) == 3 * REC);
	kvp_store_free(s);
	unit_rm_rf(base);
}

/* Same size, same millisecond: only content changes, which inotify still sees. */
static void test_inplace_rewrite(void)
{
	char base[64], dir[96], path[128], v[KVP_VALUE_MAX];
	struct kvp_store *s;
	struct stat st0, st1;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	pool_path(dir, 0, path);
	int fd = open(path, O_RDWR);
	CU_ASSERT_FATAL(fd >= 0);
	int missed = 0;
	for (int i = 0; i < 200; i++) {
		char val[16];
		snprintf(val, sizeof(val), "%05d", i);
		CU_ASSERT(kvp_store_set(s, 0, "k", "xxxxx") == 0);
		CU_ASSERT(kvp_store_get(s, 0, "k", v) == 0);
		fstat(fd, &st0);
		CU_ASSERT(pwrite(fd, val, 5, KVP_KEY_MAX) == 5);
		fstat(fd, &st1);
		CU_ASSERT(st0.st_size == st1.st_size);
		if (kvp_store_get(s, 0, "k", v) != 0 || strcmp(v, val) != 0)
			missed++;
	}
	close(fd);
	CU_ASSERT(missed == 0);
	kvp_store_free(s);
	unit_rm_rf(base);
}

static void replace_by_rename(const char *dir, unsigned pool, const char *key, const char *value)
{
	char tmp[160], path[128];
	uint8_t rec[REC];

	snprintf(tmp, sizeof(tmp), "%s/.tmp-pool", dir);
	make_rec(rec, key, value);
	write_file(tmp, rec, REC);
	pool_path(dir, pool, path);
	CU_ASSERT(rename(tmp, path) == 0);
}

static void check_rename(bool inotify)
{
	char base[64], dir[96], path[128], v[KVP_VALUE_MAX];
	struct kvp_store *s;
	struct kvp_store_stats st;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	if (!inotify)
		kvp_store_disable_inotify(s);
	CU_ASSERT(kvp_store_set(s, 3, "old", "1") == 0);
	replace_by_rename(dir, 3, "new", "2");
	expect_get(s, 3, "new", "2");
	CU_ASSERT(kvp_store_get(s, 3, "old", v) == -ENOENT);
	CU_ASSERT(kvp_store_get_stats(s, 3, &st) == 0 && st.reopens == 1 && st.inotify == inotify);
	/* And writes go to the new file. */
	CU_ASSERT(kvp_store_set(s, 3, "more", "3") == 0);
	pool_path(dir, 3, path);
	CU_ASSERT(file_size(path) == 2 * REC);
	/* A deleted file is re-created on the next write. */
	CU_ASSERT(unlink(path) == 0);
	CU_ASSERT(kvp_store_get(s, 3, "new", v) == -ENOENT);
	CU_ASSERT(kvp_store_set(s, 3, "again", "4") == 0);
	CU_ASSERT(file_size(path) == REC);
	kvp_store_free(s);
	unit_rm_rf(base);
}

static void test_rename_replace(void)
{
	check_rename(true);
}

static void test_stat_fallback(void)
{
	char base[64], dir[96], path[128];
	struct kvp_store *s;

	check_rename(false);
	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	kvp_store_disable_inotify(s);
	CU_ASSERT(kvp_store_set(s, 1, "ours", "1") == 0);
	uint64_t r0 = reloads(s, 1);
	expect_get(s, 1, "ours", "1");
	CU_ASSERT(reloads(s, 1) == r0); /* our own write is not a change */
	pool_path(dir, 1, path);
	CU_ASSERT(cloudinit_append(path, "theirs", "2") == 0);
	expect_get(s, 1, "theirs", "2");
	CU_ASSERT(upstream_set(path, "up", "3") == 0);
	expect_get(s, 1, "up", "3");
	kvp_store_free(s);
	unit_rm_rf(base);
}

/* Duplicates (pool 1) resolve to the first; DELETE moves the last record into the hole. */
static void test_delete_order(void)
{
	char base[64], dir[96], path[128], k[KVP_KEY_MAX], v[KVP_VALUE_MAX];
	struct kvp_store *s;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	const char *keys[] = { "a", "b", "c", "d", "e" };
	for (int i = 0; i < 5; i++)
		CU_ASSERT(kvp_store_set(s, 0, keys[i], keys[i]) == 0);
	CU_ASSERT(kvp_store_delete(s, 0, "b") == 0); /* a e c d */
	CU_ASSERT(kvp_store_delete(s, 0, "d") == 0); /* a e c (last: truncate only) */
	const char *want[] = { "a", "e", "c" };
	for (uint32_t i = 0; i < 3; i++)
		CU_ASSERT(kvp_store_enumerate(s, 0, i, k, v) == 0 && !strcmp(k, want[i]) &&
			  !strcmp(v, want[i]));
	CU_ASSERT(kvp_store_enumerate(s, 0, 3, k, v) == -ENOENT);
	pool_path(dir, 0, path);
	CU_ASSERT(file_size(path) == 3 * REC);

	pool_path(dir, 1, path);
	CU_ASSERT(cloudinit_append(path, "x", "1") == 0);
	CU_ASSERT(cloudinit_append(path, "y", "2") == 0);
	CU_ASSERT(cloudinit_append(path, "x", "3") == 0);
	expect_get(s, 1, "x", "1");
	CU_ASSERT(kvp_store_set(s, 1, "x", "one") == 0);
	CU_ASSERT(kvp_store_enumerate(s, 1, 2, k, v) == 0 && !strcmp(v, "3"));
	CU_ASSERT(kvp_store_delete(s, 1, "x") == 0); /* slot 0 <- "x"="3" */
	expect_get(s, 1, "x", "3");
	CU_ASSERT(kvp_store_enumerate(s, 1, 0, k, v) == 0 && !strcmp(k, "x") && !strcmp(v, "3"));
	CU_ASSERT(kvp_store_delete(s, 1, "x") == 0);
	CU_ASSERT(kvp_store_get(s, 1, "x", v) == -ENOENT);
	expect_get(s, 1, "y", "2");
	CU_ASSERT(file_size(path) == REC);
	kvp_store_free(s);
	unit_rm_rf(base);
}

#define NWRITERS  4
#define NPER	  250
#define NUPSTREAM 40

/*
 * Writer c of a phase: c < NWRITERS are our stores (new key, then an
 * in-place SET of it); the last is a foreign writer, cloud-init-style
 * appends in phase 0, upstream-style truncate+rewrite in phase 1.
 */
static int concurrent_writer(const char *dir, const char *path, int phase, int c)
{
	char key[64], val[64];
	int bad = 0;

	if (c < NWRITERS) {
		struct kvp_store *cs;
		if (kvp_store_open(dir, NULL, &cs) < 0)
			return 2;
		for (int j = 0; j < NPER; j++) {
			snprintf(key, sizeof(key), "w%d.%d-%d", phase, c, j);
			snprintf(val, sizeof(val), "first-%d", j);
			bad |= kvp_store_set(cs, 1, key, val) != 0;
			snprintf(val, sizeof(val), "v%d-%d", c, j);
			bad |= kvp_store_set(cs, 1, key, val) != 0;
		}
		kvp_store_free(cs);
	} else if (phase == 0) {
		for (int j = 0; j < NPER; j++) {
			snprintf(key, sizeof(key), "ci-%d", j);
			bad |= cloudinit_append(path, key, key) != 0;
		}
	} else {
		for (int j = 0; j < NUPSTREAM; j++) {
			snprintf(key, sizeof(key), "up-%d", j);
			bad |= upstream_set(path, key, key) != 0;
		}
	}
	return bad;
}

/*
 * Our writers against each kind of foreign writer. (cloud-init's flock and
 * upstream's fcntl lock do not exclude each other, so those two are not run
 * together: that race is theirs, and we take both locks.)
 */
static void test_concurrency(void)
{
	char base[64], dir[96], path[128], key[64], val[64], k[KVP_KEY_MAX], v[KVP_VALUE_MAX];
	struct kvp_store *s;
	size_t n, total = 0;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	pool_path(dir, 1, path);
	for (int phase = 0; phase < 2; phase++) {
		pid_t pids[NWRITERS + 1];
		for (int c = 0; c <= NWRITERS; c++) {
			pids[c] = fork();
			CU_ASSERT_FATAL(pids[c] >= 0);
			if (pids[c] == 0)
				_exit(concurrent_writer(dir, path, phase, c));
		}
		for (int c = 0; c <= NWRITERS; c++) {
			int status;
			CU_ASSERT(waitpid(pids[c], &status, 0) == pids[c] && WIFEXITED(status) &&
				  WEXITSTATUS(status) == 0);
		}
		total += NWRITERS * NPER + (phase == 0 ? NPER : NUPSTREAM);
		CU_ASSERT(file_size(path) == (off_t)(total * REC));
		CU_ASSERT(kvp_store_count(s, 1, &n) == 0 && n == total);
		for (int c = 0; c < NWRITERS; c++)
			for (int j = 0; j < NPER; j++) {
				snprintf(key, sizeof(key), "w%d.%d-%d", phase, c, j);
				snprintf(val, sizeof(val), "v%d-%d", c, j);
				expect_get(s, 1, key, val);
			}
	}
	/* Exactly once each: count keys by enumerating. */
	size_t ci = 0, up = 0, w = 0;
	for (uint32_t i = 0; i < n; i++) {
		CU_ASSERT_FATAL(kvp_store_enumerate(s, 1, i, k, v) == 0);
		ci += !strncmp(k, "ci-", 3);
		up += !strncmp(k, "up-", 3);
		w += k[0] == 'w';
	}
	if (ci != NPER || up != NUPSTREAM || w != 2 * NWRITERS * NPER)
		fprintf(stderr, "\n  concurrency: ci=%zu up=%zu ours=%zu\n", ci, up, w);
	CU_ASSERT(ci == NPER && up == NUPSTREAM && w == 2 * NWRITERS * NPER);
	kvp_store_free(s);
	unit_rm_rf(base);
}

/* A crash-test value: the key, ':', then one letter repeated, so mixes show. */
static void crash_value(char *out, const char *key, unsigned j)
{
	size_t kl = strlen(key), n = (j * 7u) % 300u;
	memcpy(out, key, kl);
	out[kl] = ':';
	memset(out + kl + 1, 'a' + (int)(j % 26u), n);
	out[kl + 1 + n] = 0;
}

static bool crash_value_ok(const char *key, const char *v)
{
	size_t kl = strlen(key);
	if (strncmp(v, key, kl) != 0 || v[kl] != ':')
		return false;
	for (const char *q = v + kl + 1; *q; q++)
		if (*q != v[kl + 1])
			return false;
	return true;
}

/*
 * SIGKILL a writer at random points. What may be left: a partial tail (a
 * torn append: ignored, then replaced by the next append), a record whose
 * key was emptied by an interrupted DELETE (unservable), and nothing else.
 */
static void test_crash(void)
{
	char base[64], dir[96], path[128], k[KVP_KEY_MAX], v[KVP_VALUE_MAX];
	struct kvp_store *s;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	kvp_store_free(s);
	pool_path(dir, 0, path);
	srand((unsigned)getpid());
	for (int round = 0; round < 8; round++) {
		pid_t pid = fork();
		CU_ASSERT_FATAL(pid >= 0);
		if (pid == 0) {
			struct kvp_store *cs;
			char key[32], val[KVP_VALUE_MAX];
			if (kvp_store_open(dir, NULL, &cs) < 0)
				_exit(2);
			for (unsigned j = 0;; j++) {
				snprintf(key, sizeof(key), "k%u", j % 300);
				crash_value(val, key, j);
				if (j % 3 == 2)
					kvp_store_delete(cs, 0, key);
				else
					kvp_store_set(cs, 0, key, val);
			}
		}
		struct timespec ts = { 0, (long)(rand() % 20000 + 1000) * 1000 };
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);

		off_t size = file_size(path);
		CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
		size_t n, holes = 0;
		CU_ASSERT(kvp_store_count(s, 0, &n) == 0 && n == (size_t)size / REC);
		for (uint32_t i = 0; i < n; i++) {
			int r = kvp_store_enumerate(s, 0, i, k, v);
			if (r == -EBADMSG) {
				holes++;
				continue;
			}
			if (r != 0 || !crash_value_ok(k, v))
				fprintf(stderr,
					"\n  crash round %d: record %u r=%d \"%.20s\"=\"%.40s\"\n",
					round, i, r, k, v);
			CU_ASSERT(r == 0 && crash_value_ok(k, v));
		}
		CU_ASSERT(holes <= 1);
		CU_ASSERT(file_size(path) == size); /* reading changed nothing */
		CU_ASSERT(kvp_store_set(s, 0, "after", "crash") == 0);
		CU_ASSERT(file_size(path) % REC == 0);
		expect_get(s, 0, "after", "crash");
		CU_ASSERT(kvp_store_delete(s, 0, "after") == 0);
		kvp_store_free(s);
	}
	unit_rm_rf(base);
}

/* 10,000 records: nothing is re-read when nothing else changed the file. */
static void test_big_pool(void)
{
	char base[64], dir[96], path[128], key[32], k[KVP_KEY_MAX], v[KVP_VALUE_MAX];
	struct kvp_store *s;
	const unsigned N = 10000;
	size_t n;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	uint64_t r0 = reloads(s, 0);
	for (unsigned i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "key%u", i);
		CU_ASSERT(kvp_store_set(s, 0, key, key) == 0);
	}
	for (unsigned i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "key%u", i);
		CU_ASSERT(kvp_store_get(s, 0, key, v) == 0 && !strcmp(v, key));
		CU_ASSERT(kvp_store_enumerate(s, 0, i, k, v) == 0 && !strcmp(k, key));
	}
	for (unsigned i = 0; i < N; i += 10) {
		snprintf(key, sizeof(key), "key%u", i);
		CU_ASSERT(kvp_store_set(s, 0, key, "changed") == 0);
	}
	for (unsigned i = 1; i < N; i += 100) {
		snprintf(key, sizeof(key), "key%u", i);
		CU_ASSERT(kvp_store_delete(s, 0, key) == 0);
	}
	CU_ASSERT(reloads(s, 0) == r0);
	CU_ASSERT(kvp_store_count(s, 0, &n) == 0 && n == N - 100);
	pool_path(dir, 0, path);
	CU_ASSERT(file_size(path) == (off_t)(n * REC));
	expect_get(s, 0, "key20", "changed");
	expect_get(s, 0, "key22", "key22");
	CU_ASSERT(kvp_store_get(s, 0, "key101", v) == -ENOENT);
	kvp_store_free(s);

	/* A fresh store agrees with the index that was kept up to date. */
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	CU_ASSERT(kvp_store_count(s, 0, &n) == 0 && n == N - 100);
	expect_get(s, 0, "key9990", "changed");
	kvp_store_free(s);
	unit_rm_rf(base);
}

/* A failing write (here EFBIG from RLIMIT_FSIZE) leaves file and store usable. */
static void test_write_error(void)
{
	char base[64], dir[96], path[128];
	struct kvp_store *s;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	CU_ASSERT(kvp_store_set(s, 0, "a", "1") == 0);
	pool_path(dir, 0, path);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		int bad = 0;
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = { REC + 1000, REC + 1000 };
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(3);
		bad |= (kvp_store_set(s, 0, "b", "2") != -EFBIG) << 0;
		bad |= (file_size(path) != REC) << 1;
		char v[KVP_VALUE_MAX];
		bad |= (kvp_store_get(s, 0, "a", v) != 0 || strcmp(v, "1")) << 2;
		bad |= (kvp_store_get(s, 0, "b", v) != -ENOENT) << 3;
		bad |= (kvp_store_set(s, 0, "a", "still") != 0) << 4;
		bad |= (kvp_store_delete(s, 0, "a") != 0) << 5;
		bad |= (file_size(path) != 0) << 6;
		_exit(bad);
	}
	int status;
	CU_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	if (WEXITSTATUS(status))
		fprintf(stderr, "\n  write-error child: failed checks mask 0x%x\n",
			WEXITSTATUS(status));
	CU_ASSERT(WEXITSTATUS(status) == 0);
	kvp_store_free(s);
	unit_rm_rf(base);
}

/* A lock held by a stuck program gives -ETIMEDOUT, not a hang; reads still work. */
static void test_lock_timeout(void)
{
	char base[64], dir[96], path[128];
	struct kvp_store *s;
	int pfd[2];

	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	CU_ASSERT(kvp_store_set(s, 1, "a", "1") == 0);
	kvp_store_set_lock_timeout(s, 150);
	pool_path(dir, 1, path);

	/* flock holder (cloud-init style), in this process but another open file. */
	int fd = open(path, O_RDWR);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(flock(fd, LOCK_EX) == 0);
	CU_ASSERT(kvp_store_set(s, 1, "b", "2") == -ETIMEDOUT);
	expect_get(s, 1, "a", "1");
	close(fd);
	CU_ASSERT(kvp_store_set(s, 1, "b", "2") == 0);

	/* Classic fcntl holder (upstream style), in a child. */
	CU_ASSERT_FATAL(pipe(pfd) == 0);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		int cfd = open(path, O_RDWR);
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		char c = fcntl(cfd, F_SETLKW, &fl) == 0 ? 'y' : 'n';
		if (write(pfd[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	char c = 0;
	CU_ASSERT(read(pfd[0], &c, 1) == 1 && c == 'y');
	CU_ASSERT(kvp_store_set(s, 1, "c", "3") == -ETIMEDOUT);
	CU_ASSERT(kvp_store_delete(s, 1, "a") == -ETIMEDOUT);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(pfd[0]);
	close(pfd[1]);
	CU_ASSERT(kvp_store_set(s, 1, "c", "3") == 0);
	CU_ASSERT(file_size(path) == 3 * REC);
	kvp_store_free(s);
	unit_rm_rf(base);
}

static void test_read_only(void)
{
	char base[64], dir[96], path[128];
	struct kvp_store *s, *w;
	const struct kvp_store_options ro = { .read_only = true };
	size_t n;

	tmpdir(base, dir);
	CU_ASSERT(kvp_store_open(dir, &ro, &s) == -ENOENT); /* no directory made */
	CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
	CU_ASSERT_FATAL(kvp_store_open(dir, &ro, &s) == 0);
	pool_path(dir, 0, path);
	CU_ASSERT(file_size(path) == -1); /* nothing created */
	CU_ASSERT(kvp_store_count(s, 0, &n) == 0 && n == 0);
	CU_ASSERT(kvp_store_set(s, 0, "a", "1") == -EROFS);
	CU_ASSERT(kvp_store_delete(s, 0, "a") == -EROFS);
	/* A file created later by a writer is picked up. */
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &w) == 0);
	CU_ASSERT(kvp_store_set(w, 0, "a", "1") == 0);
	expect_get(s, 0, "a", "1");
	CU_ASSERT(kvp_store_set(w, 0, "a", "2") == 0);
	expect_get(s, 0, "a", "2");
	kvp_store_free(w);
	kvp_store_free(s);
	unit_rm_rf(base);
}

static void test_open_file(void)
{
	char base[64], dir[96], path[160], v[KVP_VALUE_MAX];
	struct kvp_store *s;
	struct stat st;

	tmpdir(base, dir);
	snprintf(path, sizeof(path), "%s/somepool", base);
	CU_ASSERT_FATAL(kvp_store_open_file(path, NULL, &s) == 0);
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
	CU_ASSERT(kvp_store_set(s, 0, "k", "v") == 0);
	CU_ASSERT(kvp_store_set(s, 1, "k", "v") == -EINVAL);
	CU_ASSERT(cloudinit_append(path, "k2", "v2") == 0);
	expect_get(s, 0, "k2", "v2");
	kvp_store_free(s);
	CU_ASSERT(file_size(path) == 2 * REC);
	CU_ASSERT_FATAL(kvp_store_open_file(path, &(struct kvp_store_options){ .read_only = true },
					    &s) == 0);
	expect_get(s, 0, "k", "v");
	CU_ASSERT(kvp_store_get(s, 0, "nope", v) == -ENOENT);
	kvp_store_free(s);
	unit_rm_rf(base);
}

/* Event-loop mode: reads trust the caller to drain the inotify fd; writes never do. */
static void test_trust_events(void)
{
	char base[64], dir[96], path[128];
	struct kvp_store *s;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	int efd = kvp_store_event_fd(s);
	CU_ASSERT_FATAL(efd >= 0);
	kvp_store_set_trust_events(s, true);
	CU_ASSERT(kvp_store_set(s, 1, "a", "1") == 0);
	uint64_t r0 = reloads(s, 1);
	for (int i = 0; i < 100; i++)
		expect_get(s, 1, "a", "1");
	CU_ASSERT(reloads(s, 1) == r0);

	pool_path(dir, 1, path);
	CU_ASSERT(cloudinit_append(path, "b", "2") == 0);
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	CU_ASSERT(poll(&pfd, 1, 1000) == 1);
	kvp_store_process_events(s);
	expect_get(s, 1, "b", "2");
	CU_ASSERT(reloads(s, 1) == r0 + 1);

	/* Not drained by the caller: a write still sees the change first. */
	CU_ASSERT(cloudinit_append(path, "c", "3") == 0);
	CU_ASSERT(kvp_store_set(s, 1, "c", "three") == 0);
	CU_ASSERT(file_size(path) == 3 * REC);
	expect_get(s, 1, "c", "three");
	kvp_store_free(s);
	unit_rm_rf(base);
}

/*
 * Trusting reader, file changed behind its back and no events looked at:
 * the pread() of a record is checked against the index, so a record that
 * moved or changed is re-read (under the lock), never served from a stale
 * index. Cases: an in-place value rewrite, an upstream-style rewrite that
 * deletes the first record (all others shift), and a truncation.
 */
static void test_unlocked_read_checks(void)
{
	char base[64], dir[96], path[128], k[KVP_KEY_MAX], v[KVP_VALUE_MAX];
	struct kvp_store *s;
	uint8_t recs[3 * REC];

	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	kvp_store_set_trust_events(s, true);
	CU_ASSERT(kvp_store_set(s, 1, "a", "1") == 0);
	CU_ASSERT(kvp_store_set(s, 1, "b", "2") == 0);
	CU_ASSERT(kvp_store_set(s, 1, "c", "3") == 0);
	pool_path(dir, 1, path);
	uint64_t r0 = reloads(s, 1);

	/* In place, same size: served new at once (the old copy would have been served). */
	int fd = open(path, O_RDWR);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(pwrite(fd, "X", 1, REC + KVP_KEY_MAX) == 1);
	expect_get(s, 1, "b", "X");
	CU_ASSERT(reloads(s, 1) == r0 + 1);
	expect_get(s, 1, "b", "X");
	CU_ASSERT(reloads(s, 1) == r0 + 1);

	/* "a" deleted upstream's way: b and c move up one slot. */
	make_rec(recs, "b", "X");
	make_rec(recs + REC, "c", "3");
	CU_ASSERT(ftruncate(fd, 0) == 0 && pwrite(fd, recs, 2 * REC, 0) == 2 * REC);
	CU_ASSERT(kvp_store_enumerate(s, 1, 1, k, v) == 0 && !strcmp(k, "c") && !strcmp(v, "3"));
	expect_get(s, 1, "b", "X");
	CU_ASSERT(kvp_store_get(s, 1, "a", v) == -ENOENT);
	CU_ASSERT(kvp_store_enumerate(s, 1, 2, k, v) == -ENOENT);

	/* Truncated: the short read shows it. */
	CU_ASSERT(ftruncate(fd, REC) == 0);
	CU_ASSERT(kvp_store_get(s, 1, "c", v) == -ENOENT);
	CU_ASSERT(kvp_store_enumerate(s, 1, 1, k, v) == -ENOENT);
	expect_get(s, 1, "b", "X");
	close(fd);

	/* Writes check the record they change as well. */
	fd = open(path, O_RDWR);
	CU_ASSERT_FATAL(fd >= 0);
	make_rec(recs, "z", "9");
	CU_ASSERT(pwrite(fd, recs, REC, 0) == REC);
	close(fd);
	CU_ASSERT(kvp_store_set(s, 1, "z", "10") == 0);
	CU_ASSERT(file_size(path) == REC);
	expect_get(s, 1, "z", "10");
	kvp_store_free(s);
	unit_rm_rf(base);
}

/*
 * A trusting reader against another process that rewrites a long value in
 * place over and over (record 1, whose value crosses a page boundary). The
 * reader takes no lock and never drains events, yet must never see a mix
 * of two values: a torn pread does not match the index and is re-read
 * under the shared lock, which waits for the writer.
 */
static void test_unlocked_read_torn(void)
{
	char base[64], dir[96], v[KVP_VALUE_MAX], val[KVP_VALUE_MAX];
	struct kvp_store *s;
	int pfd[2];

	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	CU_ASSERT(kvp_store_set(s, 0, "first", "x") == 0);
	memset(val, 'a', 1500);
	val[1500] = 0;
	CU_ASSERT(kvp_store_set(s, 0, "long", val) == 0);
	kvp_store_set_trust_events(s, true);
	CU_ASSERT_FATAL(pipe(pfd) == 0);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct kvp_store *w;
		char wv[KVP_VALUE_MAX];
		if (kvp_store_open(dir, NULL, &w) < 0)
			_exit(2);
		close(pfd[0]);
		if (write(pfd[1], "r", 1) != 1)
			_exit(3);
		for (unsigned j = 1;; j++) {
			memset(wv, 'a' + (int)(j % 26u), 1500);
			wv[1500] = 0;
			if (kvp_store_set(w, 0, "long", wv) != 0)
				_exit(1);
		}
	}
	char c;
	close(pfd[1]);
	CU_ASSERT(read(pfd[0], &c, 1) == 1);
	close(pfd[0]);
	int torn = 0, errors = 0;
	for (int i = 0; i < 20000; i++) {
		int r = kvp_store_get(s, 0, "long", v);
		if (r != 0) {
			errors++;
			continue;
		}
		size_t n = strlen(v);
		for (size_t j = 0; j < n; j++)
			if (v[j] != v[0]) {
				torn++;
				break;
			}
		torn += n != 1500;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (torn || errors)
		fprintf(stderr, "\n  unlocked reads: %d torn, %d errors\n", torn, errors);
	CU_ASSERT(torn == 0 && errors == 0);
	kvp_store_free(s);
	unit_rm_rf(base);
}

/*
 * Random SET/DELETE/GET on a small key space against a plain array model:
 * exercises the open-addressing table (deletion by backward shift, the move
 * of the last record into a hole, growth) and a fresh store's agreement.
 */
#define MODEL_KEYS 300

static void test_random_model(void)
{
	static char model[MODEL_KEYS][32];
	char base[64], dir[96], key[32], val[32], k[KVP_KEY_MAX], v[KVP_VALUE_MAX];
	struct kvp_store *s;
	size_t n, live = 0;
	int bad = 0;

	memset(model, 0, sizeof(model));
	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	srand(12345);
	for (int op = 0; op < 20000; op++) {
		unsigned i = (unsigned)rand() % MODEL_KEYS;
		snprintf(key, sizeof(key), "key-%u", i);
		switch (rand() % 3) {
		case 0:
			snprintf(val, sizeof(val), "v%d", op);
			bad += kvp_store_set(s, 2, key, val) != 0;
			live += !model[i][0];
			snprintf(model[i], sizeof(model[i]), "%s", val);
			break;
		case 1:
			bad += kvp_store_delete(s, 2, key) != (model[i][0] ? 0 : -ENOENT);
			live -= model[i][0] != 0;
			model[i][0] = 0;
			break;
		default: {
			int r = kvp_store_get(s, 2, key, v);
			bad += model[i][0] ? r != 0 || strcmp(v, model[i]) : r != -ENOENT;
		}
		}
	}
	CU_ASSERT(reloads(s, 2) == 1); /* the opening read only */
	for (int pass = 0; pass < 2; pass++) {
		CU_ASSERT(kvp_store_count(s, 2, &n) == 0 && n == live);
		for (uint32_t i = 0; i < n; i++) {
			unsigned ki;
			bad += kvp_store_enumerate(s, 2, i, k, v) != 0 ||
			       sscanf(k, "key-%u", &ki) != 1 || ki >= MODEL_KEYS ||
			       strcmp(v, model[ki]) != 0;
		}
		kvp_store_free(s);
		CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	}
	if (bad)
		fprintf(stderr, "\n  random model: %d mismatches\n", bad);
	CU_ASSERT(bad == 0);
	kvp_store_free(s);
	unit_rm_rf(base);
}

/*
 * A writer stalled in the middle of an append (cloud-init under flock,
 * a whole record and half of another written, then nothing): reads serve
 * every record that matches the last index made under the lock, without
 * waiting for the lock and without an error; COUNT too. Writes still time
 * out (the holder can write the file). Event-loop mode and stat() mode.
 */
static void test_stalled_writer_reads(void)
{
	char base[64], dir[96], path[128], k[KVP_KEY_MAX], v[KVP_VALUE_MAX];
	uint8_t rec[REC];

	for (int mode = 0; mode < 2; mode++) {
		struct kvp_store *s;
		size_t n;

		tmpdir(base, dir);
		CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
		if (mode == 1)
			kvp_store_disable_inotify(s);
		kvp_store_set_trust_events(s, mode == 0);
		for (int i = 0; i < 5; i++) {
			char key[16], val[16];
			snprintf(key, sizeof(key), "k%d", i);
			snprintf(val, sizeof(val), "v%d", i);
			CU_ASSERT(kvp_store_set(s, 1, key, val) == 0);
		}
		kvp_store_set_lock_timeout(s, 2000);
		pool_path(dir, 1, path);
		int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		CU_ASSERT_FATAL(fd >= 0);
		CU_ASSERT_FATAL(flock(fd, LOCK_EX) == 0);
		make_rec(rec, "cloud-init", "event");
		CU_ASSERT(write(fd, rec, REC) == REC);
		CU_ASSERT(write(fd, rec, 1000) == 1000);
		kvp_store_process_events(s);

		for (uint32_t i = 0; i < 5; i++) {
			int r = kvp_store_enumerate(s, 1, i, k, v);
			if (r != 0)
				fprintf(stderr, "\n  mode %d: enumerate %u: %d\n", mode, i, r);
			CU_ASSERT(r == 0 && k[0] == 'k' && v[0] == 'v' && k[1] == v[1] &&
				  k[1] == (char)('0' + i));
		}
		CU_ASSERT(kvp_store_count(s, 1, &n) == 0 && n >= 5);
		expect_get(s, 1, "k3", "v3");
		kvp_store_set_lock_timeout(s, 100);
		CU_ASSERT(kvp_store_set(s, 1, "k9", "v9") == -ETIMEDOUT);
		close(fd);
		/* Released: the new record is seen, the partial tail ignored. */
		kvp_store_process_events(s);
		expect_get(s, 1, "cloud-init", "event");
		CU_ASSERT(kvp_store_count(s, 1, &n) == 0 && n == 6);
		kvp_store_free(s);
		unit_rm_rf(base);
	}
}

/* ---- lock holders without write access (issue 17) ---- */

enum holder_kind { HOLD_FLOCK_SH, HOLD_FLOCK_EX, HOLD_POSIX_RD, HOLD_OFD_RD };

/*
 * A child that holds a lock on path until killed: as nobody (uid 65534,
 * the file open O_RDONLY, as any local user can) or as root with the file
 * open O_RDWR. It closes what it inherited (the store's own O_RDWR
 * descriptor among them) unless keep_fds. Returns its pid once the lock
 * is held.
 */
static pid_t hold_lock(const char *path, enum holder_kind kind, bool as_nobody, bool rdwr,
		       bool keep_fds)
{
	int pfd[2];

	CU_ASSERT_FATAL(pipe(pfd) == 0);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		for (int fd = 3; !keep_fds && fd < 1024; fd++)
			if (fd != pfd[1])
				close(fd);
		if (as_nobody && (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
				  setresuid(65534, 65534, 65534) < 0))
			_exit(2);
		int fd = open(path, (rdwr ? O_RDWR : O_RDONLY) | O_CLOEXEC);
		if (fd < 0)
			_exit(3);
		struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
		int r = kind == HOLD_FLOCK_SH	? flock(fd, LOCK_SH)
			: kind == HOLD_FLOCK_EX ? flock(fd, LOCK_EX)
			: kind == HOLD_POSIX_RD ? fcntl(fd, F_SETLK, &fl)
						: fcntl(fd, F_OFD_SETLK, &fl);
		if (r < 0 || write(pfd[1], "y", 1) != 1)
			_exit(4);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	char c = 0;
	CU_ASSERT_FATAL(read(pfd[0], &c, 1) == 1 && c == 'y');
	close(pfd[0]);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_readonly_holders(void)
{
	static const char *const names[] = { "flock LOCK_SH", "flock LOCK_EX", "POSIX F_RDLCK",
					     "OFD F_RDLCK" };
	char base[64], dir[96], path[128], v[KVP_VALUE_MAX];
	struct kvp_store *s;
	struct kvp_store_stats st;
	size_t n;

	if (geteuid() != 0) {
		fprintf(stderr, "\n  skipped: needs root (lock holders run as nobody)\n");
		return;
	}
	tmpdir(base, dir);
	CU_ASSERT_FATAL(chmod(base, 0755) == 0);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	kvp_store_set_lock_timeout(s, 100);
	CU_ASSERT(kvp_store_set(s, 1, "a", "1") == 0);
	pool_path(dir, 1, path);

	for (int kind = HOLD_FLOCK_SH; kind <= HOLD_OFD_RD; kind++) {
		/* Any local user: the write goes ahead. */
		pid_t pid = hold_lock(path, (enum holder_kind)kind, true, false, false);
		int r1 = kvp_store_set(s, 1, "b", names[kind]);
		int r2 = kvp_store_delete(s, 1, "a");
		int r3 = kvp_store_set(s, 1, "a", "1");
		if (r1 || r2 || r3)
			fprintf(stderr, "\n  %s held by nobody: set %d, delete %d, set %d\n",
				names[kind], r1, r2, r3);
		CU_ASSERT(r1 == 0 && r2 == 0 && r3 == 0);
		/*
		 * Another program has the file open for writing without a
		 * lock (as the daemon does beside hv-kvp): the lease is
		 * refused, and /proc shows every holder read-only.
		 */
		int wfd = open(path, O_RDWR | O_CLOEXEC);
		CU_ASSERT_FATAL(wfd >= 0);
		r1 = kvp_store_set(s, 1, "b", names[kind]);
		close(wfd);
		if (r1)
			fprintf(stderr, "\n  %s held by nobody, a writer open: set %d\n", names[kind],
				r1);
		CU_ASSERT(r1 == 0);
		expect_get(s, 1, "b", names[kind]);
		CU_ASSERT(kvp_store_count(s, 1, &n) == 0 && n == 2);
		reap(pid);

		/* A holder that can write: today's behaviour, the write times out. */
		pid = hold_lock(path, (enum holder_kind)kind, false, true, false);
		r1 = kvp_store_set(s, 1, "b", "never");
		if (r1 != -ETIMEDOUT)
			fprintf(stderr, "\n  %s held O_RDWR: set %d\n", names[kind], r1);
		CU_ASSERT(r1 == -ETIMEDOUT);
		reap(pid);
		expect_get(s, 1, "b", names[kind]);
	}
	CU_ASSERT(kvp_store_get_stats(s, 1, &st) == 0 && st.lock_overrides == 16);

	/*
	 * The lock taken through an O_RDONLY descriptor, but the holder has
	 * the file open for writing too (here the store's descriptor that it
	 * inherited): it may be writing, so the write times out.
	 */
	pid_t pid = hold_lock(path, HOLD_FLOCK_SH, false, false, true);
	CU_ASSERT(kvp_store_set(s, 1, "b", "x") == -ETIMEDOUT);
	reap(pid);
	expect_get(s, 1, "b", names[HOLD_OFD_RD]);
	(void)v;
	kvp_store_free(s);
	unit_rm_rf(base);
}

/*
 * In a child whose /proc is an empty tmpfs (as the shipped unit's
 * ProcSubset=pid and ProtectProc=invisible leave it, and no /proc/self
 * either): SET, DELETE, SET on pool 1 of dir, then the same SET with an
 * extra O_RDWR descriptor of the file open. Exit bits: 1 <<0..2 a write
 * did not do what expect_ok says, 1 << 3 no override counted, 1 << 4 the
 * write with a writer present did not time out, 100+ setup.
 */
static int writes_without_proc(const char *dir, bool expect_ok)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct kvp_store_stats st;
		struct kvp_store *s;
		char path[128];
		int bad = 0;

		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("none", "/proc", "tmpfs", 0, NULL) < 0 ||
		    access("/proc/locks", F_OK) == 0 || access("/proc/self", F_OK) == 0)
			_exit(100);
		if (kvp_store_open(dir, NULL, &s) != 0)
			_exit(101);
		kvp_store_set_lock_timeout(s, 100);
		int r[3] = { kvp_store_set(s, 1, "b", "no proc"), kvp_store_delete(s, 1, "a"),
			     kvp_store_set(s, 1, "a", "1") };
		for (int i = 0; i < 3; i++)
			bad |= ((expect_ok ? r[i] != 0 : r[i] != -ETIMEDOUT) << i);
		bad |= (expect_ok && (kvp_store_get_stats(s, 1, &st) != 0 || st.lock_overrides == 0))
		       << 3;
		pool_path(dir, 1, path);
		int wfd = open(path, O_RDWR | O_CLOEXEC);
		bad |= (wfd < 0 || kvp_store_set(s, 1, "b", "writer open") != -ETIMEDOUT) << 4;
		kvp_store_free(s);
		_exit(bad);
	}
	int status = 0;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * The same without /proc: the read lease alone shows that nobody can be
 * writing (docs/pool-store.md, "Locking"), so a read-only holder does not
 * block writes where the daemon cannot look holders up; a holder with the
 * file open for writing, or any other open for writing, still does.
 */
static void test_readonly_holders_no_proc(void)
{
	static const char *const names[] = { "flock LOCK_SH", "flock LOCK_EX", "POSIX F_RDLCK",
					     "OFD F_RDLCK" };
	char base[64], dir[96], path[128], v[KVP_VALUE_MAX];
	struct kvp_store *s;

	if (geteuid() != 0) {
		fprintf(stderr, "\n  skipped: needs root (holders as nobody, a private /proc)\n");
		return;
	}
	tmpdir(base, dir);
	CU_ASSERT_FATAL(chmod(base, 0755) == 0);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	CU_ASSERT(kvp_store_set(s, 1, "a", "1") == 0);
	kvp_store_free(s);
	pool_path(dir, 1, path);

	for (int kind = HOLD_FLOCK_SH; kind <= HOLD_OFD_RD; kind++) {
		pid_t pid = hold_lock(path, (enum holder_kind)kind, true, false, false);
		int bad = writes_without_proc(dir, true);
		reap(pid);
		if (bad)
			fprintf(stderr, "\n  %s held by nobody, no /proc: %d\n", names[kind], bad);
		CU_ASSERT(bad == 0);

		pid = hold_lock(path, (enum holder_kind)kind, false, true, false);
		bad = writes_without_proc(dir, false);
		reap(pid);
		if (bad)
			fprintf(stderr, "\n  %s held O_RDWR, no /proc: %d\n", names[kind], bad);
		CU_ASSERT(bad == 0);
	}
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	expect_get(s, 1, "b", "no proc");
	CU_ASSERT(kvp_store_get(s, 1, "a", v) == 0 && strcmp(v, "1") == 0);
	kvp_store_free(s);
	unit_rm_rf(base);
}

/* The kernel's lock table lines, as /proc/locks and fdinfo print them. */
static void test_lockinfo_parse(void)
{
	static const struct {
		const char *line;
		int r;
		enum kvp_lock_kind kind;
		bool write, blocked;
		int64_t pid;
		unsigned major, minor;
		uint64_t ino;
		int64_t start, end;
	} cases[] = {
		{ "1: FLOCK  ADVISORY  WRITE 812 08:01:131090 0 EOF", 0, KVP_LOCK_FLOCK, true,
		  false, 812, 8, 1, 131090, 0, -1 },
		{ "2: POSIX  ADVISORY  READ 77 00:2a:5 100 199", 0, KVP_LOCK_POSIX, false, false,
		  77, 0, 42, 5, 100, 199 },
		{ "3: OFDLCK ADVISORY  READ -1 fd:00:18 0 EOF", 0, KVP_LOCK_OFD, false, false, -1,
		  253, 0, 18, 0, -1 },
		{ "4: -> FLOCK  ADVISORY  WRITE 900 08:01:131090 0 EOF", 0, KVP_LOCK_FLOCK, true,
		  true, 900, 8, 1, 131090, 0, -1 },
		{ "5: LEASE  ACTIVE    READ 12 08:01:7 0 EOF", 0, KVP_LOCK_OTHER, false, false, 12,
		  8, 1, 7, 0, -1 },
		{ "6: POSIX  MANDATORY WRITE 5 103:02:9 0 EOF", 0, KVP_LOCK_POSIX, true, false, 5,
		  0x103, 2, 9, 0, -1 },
		{ "1: FLOCK  ADVISORY  WRITE 812 <none>:0 0 EOF", -EINVAL, KVP_LOCK_OTHER, false,
		  false, 0, 0, 0, 0, 0, 0 },
		{ "1: POSIX *NOINODE* WRITE 1 08:01:2 0 EOF", -EINVAL, KVP_LOCK_OTHER, false, false,
		  0, 0, 0, 0, 0, 0 },
		{ "FLOCK  ADVISORY  WRITE 812 08:01:131090 0 EOF", -EINVAL, KVP_LOCK_OTHER, false,
		  false, 0, 0, 0, 0, 0, 0 },
		{ "1: FLOCK  ADVISORY  WRITE 812 08:01:131090 0", -EINVAL, KVP_LOCK_OTHER, false,
		  false, 0, 0, 0, 0, 0, 0 },
		{ "1: FLOCK  ADVISORY  WRITE 812 08:01:131090 0 EOF extra", -EINVAL, KVP_LOCK_OTHER,
		  false, false, 0, 0, 0, 0, 0, 0 },
		{ "1: FLOCK  ADVISORY  SHARED 812 08:01:131090 0 EOF", -EINVAL, KVP_LOCK_OTHER,
		  false, false, 0, 0, 0, 0, 0, 0 },
		{ "1: FLOCK  ADVISORY  WRITE 812 08:01:99999999999999999999 0 EOF", -EINVAL,
		  KVP_LOCK_OTHER, false, false, 0, 0, 0, 0, 0, 0 },
		{ "1: FLOCK  ADVISORY  WRITE 812 0801131090 0 EOF", -EINVAL, KVP_LOCK_OTHER, false,
		  false, 0, 0, 0, 0, 0, 0 },
		{ "1: FLOCK  ADVISORY  WRITE 8x2 08:01:1 0 EOF", -EINVAL, KVP_LOCK_OTHER, false,
		  false, 0, 0, 0, 0, 0, 0 },
		{ "1: FLOCK  ADVISORY  WRITE -- 08:01:1 0 EOF", -EINVAL, KVP_LOCK_OTHER, false,
		  false, 0, 0, 0, 0, 0, 0 },
		{ "1: POSIX  ADVISORY  READ 7 08:01:2 100 -99", -EINVAL, KVP_LOCK_OTHER, false,
		  false, 0, 0, 0, 0, 0, 0 },
		{ "1: OFDLCK ADVISORY  READ -2 08:01:2 0 EOF", -EINVAL, KVP_LOCK_OTHER, false,
		  false, 0, 0, 0, 0, 0, 0 },
		{ "", -EINVAL, KVP_LOCK_OTHER, false, false, 0, 0, 0, 0, 0, 0 },
		{ "1:", -EINVAL, KVP_LOCK_OTHER, false, false, 0, 0, 0, 0, 0, 0 },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct kvp_lock_entry e;
		int r = kvp_lock_parse_line(cases[i].line, strlen(cases[i].line), &e);
		bool ok = r == cases[i].r;
		if (ok && r == 0)
			ok = e.kind == cases[i].kind && e.write == cases[i].write &&
			     e.blocked == cases[i].blocked && e.pid == cases[i].pid &&
			     e.major == cases[i].major && e.minor == cases[i].minor &&
			     e.ino == cases[i].ino && e.start == cases[i].start &&
			     e.end == cases[i].end;
		if (!ok)
			fprintf(stderr, "\n  \"%s\": r=%d\n", cases[i].line, r);
		CU_ASSERT(ok);
	}

	static const char fdinfo[] = "pos:\t0\nflags:\t0100002\nmnt_id:\t29\nino:\t131090\n"
				     "lock:\t1: FLOCK  ADVISORY  WRITE 812 08:01:131090 0 EOF\n"
				     "lock:\tgarbage\n"
				     "lock:\t2: OFDLCK ADVISORY  READ -1 08:01:131090 0 EOF\n";
	struct kvp_lock_entry locks[4];
	unsigned flags;
	size_t nl;
	CU_ASSERT(kvp_fdinfo_parse(fdinfo, strlen(fdinfo), &flags, locks, 4, &nl) == 0);
	CU_ASSERT(flags == 0100002 && nl == 2 && locks[0].kind == KVP_LOCK_FLOCK &&
		  locks[1].kind == KVP_LOCK_OFD && !kvp_lock_same(&locks[0], &locks[1]));
	CU_ASSERT(kvp_fdinfo_parse(fdinfo, strlen(fdinfo), &flags, locks, 1, &nl) == 0 && nl == 1);
	CU_ASSERT(kvp_fdinfo_parse("pos:\t0\n", 7, &flags, locks, 4, &nl) == -EINVAL);
	CU_ASSERT(kvp_fdinfo_parse("flags:\t09\n", 10, &flags, locks, 4, &nl) == -EINVAL);
}

/* A symlink in a pool's place is not followed: its target is never written. */
static void test_nofollow(void)
{
	char base[64], dir[96], path[128], target[128], tmp[160], buf[64], val[KVP_VALUE_MAX];
	struct kvp_store *s;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	snprintf(target, sizeof(target), "%s/precious", base);
	write_file(target, "precious bytes", 14);
	pool_path(dir, 1, path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CU_ASSERT_FATAL(symlink(target, tmp) == 0);
	CU_ASSERT_FATAL(rename(tmp, path) == 0);
	CU_ASSERT(kvp_store_set(s, 1, "k", "v") == -ELOOP);
	int fd = open(target, O_RDONLY);
	CU_ASSERT(fd >= 0 && read(fd, buf, sizeof(buf)) == 14 && memcmp(buf, "precious", 8) == 0);
	close(fd);
	CU_ASSERT(file_size(target) == 14);
	/* The other pools go on. */
	CU_ASSERT(kvp_store_set(s, 0, "k", "v") == 0);
	kvp_store_free(s);

	/* At open: that pool answers the error, the others are served. */
	struct kvp_store_stats st;
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	CU_ASSERT(kvp_store_get_stats(s, 1, &st) == 0 && st.open_error == -ELOOP);
	expect_get(s, 0, "k", "v");
	CU_ASSERT(kvp_store_get(s, 1, "k", val) == -ELOOP);
	kvp_store_free(s);
	CU_ASSERT(kvp_store_open_file(path, NULL, &s) == -ELOOP);
	CU_ASSERT(file_size(target) == 14);
	unit_rm_rf(base);
}

/* One bad pool file at open: the store opens, that pool errs until repaired. */
static void test_bad_pool_at_open(void)
{
	char base[64], dir[96], p3[128], p4[128], v[KVP_VALUE_MAX];
	struct kvp_store *s;
	struct kvp_store_stats st;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
	pool_path(dir, 3, p3);
	pool_path(dir, 4, p4);
	CU_ASSERT_FATAL(mkfifo(p3, 0644) == 0);
	CU_ASSERT_FATAL(mkdir(p4, 0755) == 0);
	int r = kvp_store_open(dir, NULL, &s);
	CU_ASSERT_FATAL(r == 0);
	CU_ASSERT(kvp_store_set(s, 0, "a", "1") == 0);
	expect_get(s, 0, "a", "1");
	CU_ASSERT(kvp_store_get_stats(s, 3, &st) == 0 && st.open_error == -ENXIO);
	CU_ASSERT(kvp_store_get_stats(s, 4, &st) == 0 && st.open_error == -EISDIR);
	CU_ASSERT(kvp_store_set(s, 3, "a", "1") == -ENXIO);
	CU_ASSERT(kvp_store_get(s, 4, "a", v) == -EISDIR);
	/* Repaired: served from the next operation on. */
	CU_ASSERT(unlink(p3) == 0 && rmdir(p4) == 0);
	CU_ASSERT(kvp_store_set(s, 3, "a", "3") == 0);
	CU_ASSERT(kvp_store_set(s, 4, "a", "4") == 0);
	expect_get(s, 3, "a", "3");
	expect_get(s, 4, "a", "4");
	CU_ASSERT(kvp_store_get_stats(s, 3, &st) == 0 && st.open_error == 0);
	kvp_store_free(s);
	unit_rm_rf(base);
}

/* The pool directory deleted at runtime is made again (0755), as at open. */
static void test_dir_recreated(void)
{
	char base[64], dir[96], path[128];
	struct kvp_store *s;
	struct stat st;

	for (int mode = 0; mode < 2; mode++) {
		tmpdir(base, dir);
		CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
		kvp_store_set_trust_events(s, mode == 0);
		if (mode == 1)
			kvp_store_disable_inotify(s);
		CU_ASSERT(kvp_store_set(s, 1, "a", "1") == 0);
		mode_t old = umask(077);
		CU_ASSERT_FATAL(unit_rm_rf(dir) == 0);
		kvp_store_process_events(s);
		int r = kvp_store_set(s, 1, "b", "2");
		if (r != 0)
			fprintf(stderr, "\n  mode %d: set after rm -rf: %d\n", mode, r);
		CU_ASSERT(r == 0);
		umask(old);
		CU_ASSERT(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
			  (st.st_mode & 07777) == 0755);
		pool_path(dir, 1, path);
		CU_ASSERT(file_size(path) == REC);
		expect_get(s, 1, "b", "2");
		/* Watched again: another program's append is seen. */
		CU_ASSERT(cloudinit_append(path, "c", "3") == 0);
		kvp_store_process_events(s);
		expect_get(s, 1, "c", "3");
		CU_ASSERT(kvp_store_set(s, 0, "z", "0") == 0);
		kvp_store_free(s);
		unit_rm_rf(base);
	}
}

/*
 * A 10 GB sparse pool: served up to KVP_POOL_MAX_RECORDS, never written
 * (an append or a delete would land inside it), the file never changed.
 */
static void test_over_limit(void)
{
	char base[64], dir[96], path[128];
	struct kvp_store *s;
	struct kvp_store_stats st;
	uint8_t rec[REC];
	size_t n;

	tmpdir(base, dir);
	CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
	pool_path(dir, 0, path);
	make_rec(rec, "first", "one");
	write_file(path, rec, REC);
	CU_ASSERT_FATAL(truncate(path, (off_t)10 << 30) == 0);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	CU_ASSERT(kvp_store_count(s, 0, &n) == 0 && n == KVP_POOL_MAX_RECORDS);
	CU_ASSERT(kvp_store_get_stats(s, 0, &st) == 0 && st.over_limit);
	expect_get(s, 0, "first", "one");
	CU_ASSERT(kvp_store_set(s, 0, "first", "two") == -EFBIG);
	CU_ASSERT(kvp_store_set(s, 0, "new", "x") == -EFBIG);
	CU_ASSERT(kvp_store_delete(s, 0, "first") == -EFBIG);
	CU_ASSERT(file_size(path) == (off_t)10 << 30);
	/* The other pools are not affected. */
	CU_ASSERT(kvp_store_set(s, 1, "a", "1") == 0);
	/* Cut back under the limit: served and written again. */
	CU_ASSERT(truncate(path, 2 * REC) == 0);
	CU_ASSERT(kvp_store_set(s, 0, "new", "x") == 0);
	CU_ASSERT(kvp_store_count(s, 0, &n) == 0 && n == 3);
	kvp_store_free(s);
	unit_rm_rf(base);
}

/*
 * A read-only pool directory (a read-only bind mount, in a private mount
 * namespace of a child): the store opens, serves the pools whose files
 * exist, and answers -EROFS for writes and for the pools it cannot create.
 */
static void test_read_only_dir(void)
{
	char base[64], dir[96];
	struct kvp_store *s;

	if (geteuid() != 0) {
		fprintf(stderr, "\n  skipped: needs root (a read-only bind mount)\n");
		return;
	}
	tmpdir(base, dir);
	CU_ASSERT_FATAL(kvp_store_open(dir, NULL, &s) == 0);
	CU_ASSERT(kvp_store_set(s, 0, "a", "1") == 0);
	kvp_store_free(s);
	char p2[128];
	pool_path(dir, 2, p2);
	CU_ASSERT_FATAL(unlink(p2) == 0);

	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct kvp_store_stats st;
		char v[KVP_VALUE_MAX];
		int bad = 0;
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount(dir, dir, NULL, MS_BIND, NULL) < 0 ||
		    mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
			_exit(100);
		if (kvp_store_open(dir, NULL, &s) != 0)
			_exit(101);
		bad |= (kvp_store_get(s, 0, "a", v) != 0 || strcmp(v, "1") != 0) << 0;
		bad |= (kvp_store_set(s, 0, "b", "2") != -EROFS) << 1;
		bad |= (kvp_store_set(s, 2, "b", "2") != -EROFS) << 2;
		bad |= (kvp_store_get_stats(s, 2, &st) != 0 || st.open_error != -EROFS) << 3;
		bad |= (kvp_store_set(s, 1, "b", "2") != -EROFS) << 4;
		kvp_store_free(s);
		_exit(bad);
	}
	int status = 0;
	CU_ASSERT(waitpid(pid, &status, 0) == pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "\n  read-only directory: child status %d\n", WEXITSTATUS(status));
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	unit_rm_rf(base);
}

static const struct unit_test tests[] = {
	{ "decode", test_decode },
	{ "basic_each_pool", test_basic_each_pool },
	{ "limits", test_limits },
	{ "modes", test_modes },
	{ "open_keeps_mtime", test_open_keeps_mtime },
	{ "upstream_garbage", test_upstream_garbage },
	{ "unservable_records", test_unservable_records },
	{ "partial_tail", test_partial_tail },
	{ "third_party_append", test_third_party_append },
	{ "inplace_rewrite", test_inplace_rewrite },
	{ "rename_replace", test_rename_replace },
	{ "stat_fallback", test_stat_fallback },
	{ "delete_order", test_delete_order },
	{ "concurrency", test_concurrency },
	{ "crash", test_crash },
	{ "big_pool", test_big_pool },
	{ "write_error", test_write_error },
	{ "lock_timeout", test_lock_timeout },
	{ "read_only", test_read_only },
	{ "open_file", test_open_file },
	{ "trust_events", test_trust_events },
	{ "unlocked_read_checks", test_unlocked_read_checks },
	{ "unlocked_read_torn", test_unlocked_read_torn },
	{ "random_model", test_random_model },
	{ "stalled_writer_reads", test_stalled_writer_reads },
	{ "readonly_holders", test_readonly_holders },
	{ "readonly_holders_no_proc", test_readonly_holders_no_proc },
	{ "lockinfo_parse", test_lockinfo_parse },
	{ "nofollow", test_nofollow },
	{ "bad_pool_at_open", test_bad_pool_at_open },
	{ "dir_recreated", test_dir_recreated },
	{ "over_limit", test_over_limit },
	{ "read_only_dir", test_read_only_dir },
};

UNIT_MAIN("kvp_store", tests)
