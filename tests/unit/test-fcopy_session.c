/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/fcopy_session.c: file semantics, flags, cancel, symlink safety, roots. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fcopy.h"
#include "macro.h"
#include "unit.h"

static char base[256];

static void make_base(void)
{
	snprintf(base, sizeof(base), "%s/test-fcopy_session.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(base));
}

/* Number of entries in dir, "." and ".." excluded (-1 if it cannot be read). */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int start(struct fcopy_session *s, const char *dir, const char *name, uint32_t flags,
		 uint64_t size)
{
	static struct fcopy_request req;

	memset(&req, 0, sizeof(req));
	req.op = START_FILE_COPY;
	memcpy(req.path_name, dir, MIN(strlen(dir), sizeof(req.path_name) - 1));
	memcpy(req.file_name, name, MIN(strlen(name), sizeof(req.file_name) - 1));
	req.copy_flags = flags;
	req.file_size = size;
	return fcopy_session_handle(s, &req);
}

static int op(struct fcopy_session *s, uint32_t o)
{
	struct fcopy_request req = { .op = o };
	return fcopy_session_handle(s, &req);
}

static int write_at(struct fcopy_session *s, uint64_t off, const uint8_t *data, uint32_t size)
{
	struct fcopy_request req = { .op = WRITE_TO_FILE, .offset = off, .size = size, .data = data };
	return fcopy_session_handle(s, &req);
}

static uint8_t *pattern(size_t n, unsigned seed)
{
	uint8_t *p = malloc(n ? n : 1);
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
	return p;
}

/* Whole file equals data? */
static bool file_is(const char *path, const uint8_t *data, size_t n)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || (size_t)st.st_size != n)
		return false;
	_cleanup_free_ uint8_t *b = malloc(n ? n : 1);
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, b + got, n - got);
		if (k <= 0)
			return false;
		got += (size_t)k;
	}
	return n == 0 || memcmp(b, data, n) == 0;
}

static int copy_file(struct fcopy_session *s, const char *dir, const char *name, uint32_t flags,
		     const uint8_t *data, size_t n)
{
	int r = start(s, dir, name, flags, n);
	if (r < 0)
		return r;
	for (size_t off = 0; off < n; off += DATA_FRAGMENT) {
		r = write_at(s, off, data + off, (uint32_t)MIN((size_t)DATA_FRAGMENT, n - off));
		if (r < 0)
			return r;
	}
	return op(s, COMPLETE_FCOPY);
}

static void test_round_trips(void)
{
	static const size_t sizes[] = { 0, 1, 6143, 6144, 6145, 3 * 1024 * 1024 + 17, 20 * 1024 * 1024 };
	struct fcopy_session *s = NULL;
	char path[PATH_MAX];

	make_base();
	CU_ASSERT_EQUAL_FATAL(fcopy_session_new(NULL, &s), 0);
	for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
		_cleanup_free_ uint8_t *data = pattern(sizes[i], (unsigned)i);
		char name[32];
		snprintf(name, sizeof(name), "f%zu", sizes[i]);
		int r = copy_file(s, base, name, 0, data, sizes[i]);
		if (r != 0)
			fprintf(stderr, "size %zu: %s\n", sizes[i], strerror(-r));
		CU_ASSERT_EQUAL(r, 0);
		snprintf(path, sizeof(path), "%s/%s", base, name);
		if (!file_is(path, data, sizes[i]))
			fprintf(stderr, "size %zu: content differs\n", sizes[i]);
		CU_ASSERT(file_is(path, data, sizes[i]));
		struct stat st;
		CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
	}
	CU_ASSERT_EQUAL(count_entries(base), (int)ELEMENTSOF(sizes));
	fcopy_session_free(s);
	unit_rm_rf(base);
}

static void test_flags_matrix(void)
{
	static const struct {
		bool exists, dir_missing;
		uint32_t flags;
		int want;
	} cases[] = {
		{ false, false, 0, 0 },
		{ true, false, 0, -EEXIST },
		{ true, false, OVER_WRITE, 0 },
		{ false, true, 0, -ENOENT },
		{ false, true, CREATE_PATH, 0 },
		{ false, true, CREATE_PATH | OVER_WRITE, 0 },
		{ true, false, CREATE_PATH, -EEXIST },
	};
	_cleanup_free_ uint8_t *data = pattern(10000, 7);

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct fcopy_session *s = NULL;
		char dir[512], path[PATH_MAX];
		make_base();
		CU_ASSERT_EQUAL_FATAL(fcopy_session_new(NULL, &s), 0);
		snprintf(dir, sizeof(dir), "%s%s", base, cases[i].dir_missing ? "/new/deeper/" : "");
		snprintf(path, sizeof(path), "%s/f", dir);
		if (cases[i].exists) {
			FILE *f = fopen(path, "w");
			fputs("old", f);
			fclose(f);
		}
		int r = copy_file(s, dir, "f", cases[i].flags, data, 10000);
		if (r != cases[i].want)
			fprintf(stderr, "case %zu (exists %d, missing dir %d, flags %u): %d, want %d\n", i,
				cases[i].exists, cases[i].dir_missing, cases[i].flags, r, cases[i].want);
		CU_ASSERT_EQUAL(r, cases[i].want);
		fcopy_session_cancel(s);
		if (r == 0)
			CU_ASSERT(file_is(path, data, 10000));
		if (r == -EEXIST)
			CU_ASSERT(file_is(path, (const uint8_t *)"old", 3));
		if (cases[i].dir_missing && r == 0) {
			struct stat st;
			char d2[PATH_MAX];
			snprintf(d2, sizeof(d2), "%s/new", base);
			CU_ASSERT(stat(d2, &st) == 0 && (st.st_mode & 07777) == 0755);
		}
		if (cases[i].dir_missing && r < 0)
			CU_ASSERT_EQUAL(count_entries(base), 0);
		fcopy_session_free(s);
		unit_rm_rf(base);
	}
}

static void test_cancel_leaves_nothing(void)
{
	_cleanup_free_ uint8_t *data = pattern(DATA_FRAGMENT, 3);
	struct fcopy_session *s = NULL;
	char path[PATH_MAX];

	make_base();
	CU_ASSERT_EQUAL_FATAL(fcopy_session_new(NULL, &s), 0);
	/* CANCEL midway */
	CU_ASSERT_EQUAL(start(s, base, "c", 0, 4 * DATA_FRAGMENT), 0);
	CU_ASSERT_EQUAL(write_at(s, 0, data, DATA_FRAGMENT), 0);
	CU_ASSERT_EQUAL(op(s, CANCEL_FCOPY), 0);
	CU_ASSERT_EQUAL(count_entries(base), 0);
	CU_ASSERT_EQUAL(op(s, CANCEL_FCOPY), 0); /* idempotent */
	/* after a cancel there is nothing to write to or complete */
	CU_ASSERT_EQUAL(write_at(s, 0, data, 1), -EBADF);
	CU_ASSERT_EQUAL(op(s, COMPLETE_FCOPY), -EBADF);
	/* an overwrite that is cancelled keeps the old file */
	snprintf(path, sizeof(path), "%s/old", base);
	FILE *f = fopen(path, "w");
	fputs("old", f);
	fclose(f);
	CU_ASSERT_EQUAL(start(s, base, "old", OVER_WRITE, DATA_FRAGMENT), 0);
	CU_ASSERT_EQUAL(write_at(s, 0, data, DATA_FRAGMENT), 0);
	fcopy_session_cancel(s); /* channel lost */
	CU_ASSERT(file_is(path, (const uint8_t *)"old", 3));
	CU_ASSERT_EQUAL(count_entries(base), 1);
	/* freeing with a copy in progress (SIGTERM) leaves nothing either */
	CU_ASSERT_EQUAL(start(s, base, "gone", 0, DATA_FRAGMENT), 0);
	CU_ASSERT_EQUAL(write_at(s, 0, data, DATA_FRAGMENT), 0);
	fcopy_session_free(s);
	CU_ASSERT_EQUAL(count_entries(base), 1);
	unit_rm_rf(base);
}

static void test_bad_writes(void)
{
	_cleanup_free_ uint8_t *data = pattern(DATA_FRAGMENT + 1, 5);
	struct fcopy_session *s = NULL;

	make_base();
	CU_ASSERT_EQUAL_FATAL(fcopy_session_new(NULL, &s), 0);
	CU_ASSERT_EQUAL(start(s, base, "w", 0, 100), 0);
	CU_ASSERT_EQUAL(write_at(s, 0, data, 100), 0);
	CU_ASSERT_EQUAL(write_at(s, 1, data, 100), -EINVAL);   /* past file_size */
	CU_ASSERT_EQUAL(write_at(s, 101, data, 0), -EINVAL);   /* offset beyond file_size */
	CU_ASSERT_EQUAL(write_at(s, UINT64_MAX - 1, data, 2), -EINVAL);
	CU_ASSERT_EQUAL(write_at(s, 0, data, DATA_FRAGMENT + 1), -EINVAL);
	CU_ASSERT_EQUAL(op(s, CANCEL_FCOPY), 0);
	CU_ASSERT_EQUAL(op(s, 9), -EOPNOTSUPP);
	/* bad names */
	static const char *const names[] = { "", ".", "..", "a/b" };
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		int r = start(s, base, names[i], CREATE_PATH, 1);
		if (r != -EINVAL)
			fprintf(stderr, "name \"%s\": %d\n", names[i], r);
		CU_ASSERT_EQUAL(r, -EINVAL);
	}
	CU_ASSERT_EQUAL(count_entries(base), 0);
	fcopy_session_free(s);
	unit_rm_rf(base);
}

static void test_symlinks(void)
{
	struct fcopy_session *s = NULL;
	char p[1024], q[PATH_MAX];

	make_base();
	CU_ASSERT_EQUAL_FATAL(fcopy_session_new(NULL, &s), 0);
	snprintf(p, sizeof(p), "%s/real", base);
	CU_ASSERT_EQUAL(mkdir(p, 0755), 0);
	snprintf(q, sizeof(q), "%s/link", base);
	CU_ASSERT_EQUAL(symlink(p, q), 0);
	/* the destination directory is a symlink (also as a middle component) */
	CU_ASSERT_EQUAL(start(s, q, "f", CREATE_PATH | OVER_WRITE, 1), -ELOOP);
	snprintf(q, sizeof(q), "%s/link/sub", base);
	CU_ASSERT_EQUAL(start(s, q, "f", CREATE_PATH | OVER_WRITE, 1), -ELOOP);
	CU_ASSERT_EQUAL(count_entries(p), 0);
	/* the destination file is a symlink to a file */
	snprintf(q, sizeof(q), "%s/target", p);
	FILE *f = fopen(q, "w");
	fputs("keep", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/flink", base);
	CU_ASSERT_EQUAL(symlink(q, p), 0);
	CU_ASSERT_EQUAL(start(s, base, "flink", OVER_WRITE, 1), -ELOOP);
	CU_ASSERT_EQUAL(start(s, base, "flink", 0, 1), -EEXIST);
	CU_ASSERT(file_is(q, (const uint8_t *)"keep", 4));
	/* a dangling symlink pointing into /etc */
	snprintf(p, sizeof(p), "%s/dangling", base);
	CU_ASSERT_EQUAL(symlink("/etc/hvguest-test-must-not-exist", p), 0);
	CU_ASSERT_EQUAL(start(s, base, "dangling", OVER_WRITE, 1), -ELOOP);
	CU_ASSERT_EQUAL(start(s, base, "dangling", 0, 1), -EEXIST);
	CU_ASSERT_EQUAL(access("/etc/hvguest-test-must-not-exist", F_OK), -1);
	/* a directory where the file should go */
	snprintf(p, sizeof(p), "%s/adir", base);
	CU_ASSERT_EQUAL(mkdir(p, 0755), 0);
	CU_ASSERT_EQUAL(start(s, base, "adir", OVER_WRITE, 1), -EISDIR);
	/* ".." anywhere is refused, even when it would stay inside */
	snprintf(p, sizeof(p), "%s/real/../real", base);
	CU_ASSERT_EQUAL(start(s, p, "f", 0, 1), -EINVAL);
	/* "." and "//" are fine */
	snprintf(p, sizeof(p), "%s//./real/", base);
	CU_ASSERT_EQUAL(start(s, p, "dot", 0, 0), 0);
	CU_ASSERT_EQUAL(op(s, COMPLETE_FCOPY), 0);
	snprintf(p, sizeof(p), "%s/real/dot", base);
	CU_ASSERT(file_is(p, NULL, 0));
	fcopy_session_free(s);
	unit_rm_rf(base);
}

/*
 * A base for tests that configure a root: every directory above a root must
 * be owned by root or by us and writable by nobody else, which /tmp is not.
 * As root: under /run; otherwise under the build directory.
 */
static void make_trusted_base(void)
{
	char cwd[200];
	const char *b = getenv("HVGUEST_BUILD");

	if (geteuid() == 0)
		snprintf(base, sizeof(base), "/run/test-fcopy_session.XXXXXX");
	else if (b && b[0] == '/')
		snprintf(base, sizeof(base), "%s/test-fcopy_session.XXXXXX", b);
	else {
		CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof(cwd)));
		snprintf(base, sizeof(base), "%.200s/test-fcopy_session.XXXXXX", cwd);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(base));
}

static void test_allowed_roots(void)
{
	struct fcopy_session *s = NULL;
	char root[PATH_MAX], other[PATH_MAX], p[PATH_MAX];

	make_trusted_base();
	snprintf(root, sizeof(root), "%s/allowed/", base);
	snprintf(other, sizeof(other), "%s/allowedness", base);
	CU_ASSERT_EQUAL(mkdir(root, 0755), 0);
	CU_ASSERT_EQUAL(mkdir(other, 0755), 0);
	const char *roots[] = { "/nonexistent-root", root, NULL };
	struct fcopy_session_options o = { .allowed_roots = roots, .file_mode = 0600 };
	CU_ASSERT_EQUAL_FATAL(fcopy_session_new(&o, &s), 0);
	CU_ASSERT_EQUAL(start(s, base, "f", 0, 0), -EACCES);
	CU_ASSERT_EQUAL(start(s, other, "f", 0, 0), -EACCES); /* a prefix, not a parent */
	CU_ASSERT_EQUAL(start(s, "/tmp", "f", 0, 0), -EACCES);
	snprintf(p, sizeof(p), "%s/allowed/x/y", base);
	CU_ASSERT_EQUAL(start(s, p, "f", CREATE_PATH, 0), 0);
	CU_ASSERT_EQUAL(op(s, COMPLETE_FCOPY), 0);
	snprintf(p, sizeof(p), "%s/allowed/x/y/f", base);
	struct stat st;
	CU_ASSERT(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600);
	snprintf(p, sizeof(p), "%s/allowed", base);
	CU_ASSERT_EQUAL(start(s, p, "g", 0, 0), 0); /* the root itself */
	CU_ASSERT_EQUAL(op(s, COMPLETE_FCOPY), 0);
	fcopy_session_free(s);

	const char *bad[] = { "relative", NULL };
	o.allowed_roots = bad;
	CU_ASSERT_EQUAL(fcopy_session_new(&o, &s), -EINVAL);
	unit_rm_rf(base);
}

static void test_overwrite_is_atomic(void)
{
	_cleanup_free_ uint8_t *data = pattern(100000, 11);
	struct fcopy_session *s = NULL;
	char path[PATH_MAX];
	struct stat before, after;

	make_base();
	CU_ASSERT_EQUAL_FATAL(fcopy_session_new(NULL, &s), 0);
	snprintf(path, sizeof(path), "%s/f", base);
	FILE *f = fopen(path, "w");
	fputs("old", f);
	fclose(f);
	CU_ASSERT_EQUAL(stat(path, &before), 0);
	CU_ASSERT_EQUAL(start(s, base, "f", OVER_WRITE, 100000), 0);
	CU_ASSERT_EQUAL(write_at(s, 0, data, DATA_FRAGMENT), 0);
	/* midway, readers still see the whole old file */
	CU_ASSERT(file_is(path, (const uint8_t *)"old", 3));
	for (size_t off = DATA_FRAGMENT; off < 100000; off += DATA_FRAGMENT)
		CU_ASSERT_EQUAL(write_at(s, off, data + off, (uint32_t)MIN((size_t)DATA_FRAGMENT, 100000 - off)), 0);
	CU_ASSERT_EQUAL(op(s, COMPLETE_FCOPY), 0);
	CU_ASSERT(file_is(path, data, 100000));
	CU_ASSERT_EQUAL(stat(path, &after), 0);
	CU_ASSERT(before.st_ino != after.st_ino); /* replaced by rename, not rewritten */
	CU_ASSERT_EQUAL(count_entries(base), 1);
	fcopy_session_free(s);
	unit_rm_rf(base);
}


/* A root below a sticky, world-writable directory is refused, and says why. */
static void test_root_refused(void)
{
	struct fcopy_session *s = NULL;
	char sticky[PATH_MAX], root[PATH_MAX], p[PATH_MAX];
	const char *path, *why;
	int error;

	make_trusted_base();
	snprintf(sticky, sizeof(sticky), "%s/sticky", base);
	snprintf(root, sizeof(root), "%s/sticky/drop", base);
	CU_ASSERT_EQUAL(mkdir(sticky, 0755), 0);
	CU_ASSERT_EQUAL(chmod(sticky, 01777), 0);
	CU_ASSERT_EQUAL(mkdir(root, 0755), 0);
	snprintf(p, sizeof(p), "%s/link", base);
	CU_ASSERT_EQUAL(symlink(base, p), 0);
	snprintf(p, sizeof(p), "%s/link/sticky", base);
	const char *roots[] = { root, p, base, NULL };
	struct fcopy_session_options o = { .allowed_roots = roots };
	CU_ASSERT_EQUAL_FATAL(fcopy_session_new(&o, &s), 0);

	CU_ASSERT(fcopy_session_root(s, 0, &path, &error, &why));
	CU_ASSERT_STRING_EQUAL(path, root);
	CU_ASSERT_EQUAL(error, -EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "writable by group or others (mode 1777)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, sticky));
	CU_ASSERT(fcopy_session_root(s, 1, &path, &error, &why));
	CU_ASSERT_EQUAL(error, -ELOOP);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "is a symbolic link"));
	CU_ASSERT(fcopy_session_root(s, 2, &path, &error, &why));
	CU_ASSERT_EQUAL(error, 0);
	CU_ASSERT(!fcopy_session_root(s, 3, &path, &error, &why));
	/* The longest root wins, refused or not: nothing falls back to a shorter one. */
	CU_ASSERT_EQUAL(start(s, root, "f", 0, 0), -EPERM);
	CU_ASSERT_EQUAL(count_entries(root), 0);
	fcopy_session_free(s);
	unit_rm_rf(base);
}

/*
 * The announced size: above the free space, START is refused; a short copy
 * keeps its bytes but releases the rest of what was reserved; the
 * temporary file is 0600 until it is published.
 */
static void test_announced_size(void)
{
	struct fcopy_session *s = NULL;
	char path[PATH_MAX];
	struct stat st;

	make_base();
	CU_ASSERT_EQUAL_FATAL(fcopy_session_new(NULL, &s), 0);
	CU_ASSERT_EQUAL(start(s, base, "huge", 0, (uint64_t)1 << 62), -ENOSPC);
	CU_ASSERT_EQUAL(count_entries(base), 0);

	CU_ASSERT_EQUAL(start(s, base, "short", 0, 8 * 1024 * 1024), 0);
	CU_ASSERT_EQUAL(write_at(s, 0, (const uint8_t *)"hello", 5), 0);
	CU_ASSERT_EQUAL(op(s, COMPLETE_FCOPY), 0);
	snprintf(path, sizeof(path), "%s/short", base);
	CU_ASSERT(file_is(path, (const uint8_t *)"hello", 5));
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	/* 8 MiB are 16384 blocks of 512; what is left is one file system block. */
	if (st.st_blocks > 128)
		fprintf(stderr, "\n  5-byte file holds %lld blocks\n", (long long)st.st_blocks);
	CU_ASSERT(st.st_blocks <= 128);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0644);
	fcopy_session_free(s);
	unit_rm_rf(base);
}

static const struct unit_test tests[] = {
	{ "round trips: 0, 1, 6143, 6144, 6145 bytes, 3 and 20 MiB", test_round_trips },
	{ "OVER_WRITE / CREATE_PATH matrix", test_flags_matrix },
	{ "CANCEL, channel loss and free leave nothing", test_cancel_leaves_nothing },
	{ "writes beyond file_size, oversize, bad names", test_bad_writes },
	{ "symlinks and .. refused", test_symlinks },
	{ "allowed_roots confine copies; file_mode", test_allowed_roots },
	{ "OVER_WRITE replaces atomically", test_overwrite_is_atomic },
	{ "roots below a sticky directory or through a symlink are refused", test_root_refused },
	{ "announced size: refused above free space, released when short", test_announced_size },
};

UNIT_MAIN("fcopy_session", tests)
