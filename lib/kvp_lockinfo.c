/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lock holders of a pool file, read from /proc. The kernel prints each lock
 * (fs/locks.c, lock_get_status()) as
 *
 *   ID: [->] KIND MODE TYPE PID MAJOR:MINOR:INODE START END
 *
 * e.g. "3: FLOCK  ADVISORY  WRITE 812 08:01:131090 0 EOF", with "->" for a
 * waiter, MAJOR and MINOR in hex and OFD locks under PID -1. Every fdinfo
 * file repeats, as "lock:\t..." lines, the locks taken through that open
 * file, after its "flags:" line (the O_* bits, octal). Both are text from
 * the kernel about other users' files, parsed by pure functions here that
 * the fuzzer and the unit tests call directly.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kvp_lockinfo.h"
#include "macro.h"

/* Bounds on the search, so that it stays a few milliseconds at most. */
#define LOCKS_MAX_BYTES	 (4u << 20) /* /proc/locks read */
#define FDINFO_MAX_BYTES 16384u	    /* one fdinfo file */
#define WANT_MAX	 32u	    /* conflicting locks on the one file */
#define FDS_MAX		 100000u    /* descriptors looked at, all processes */

struct cursor {
	const char *s;
	size_t len, pos;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* The next whitespace-separated token; length 0 at the end. */
static size_t next_token(struct cursor *c, const char **ret)
{
	while (c->pos < c->len && is_space(c->s[c->pos]))
		c->pos++;
	size_t b = c->pos;
	while (c->pos < c->len && !is_space(c->s[c->pos]))
		c->pos++;
	*ret = c->s + b;
	return c->pos - b;
}

static bool tok_is(const char *t, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(t, lit, n) == 0;
}

/* Digits only (base 10 or 16), no sign, no overflow. */
static int parse_unsigned(const char *t, size_t n, unsigned base, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned d;
		char ch = t[i];
		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (base == 16 && ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else if (base == 16 && ch >= 'A' && ch <= 'F')
			d = (unsigned)(ch - 'A' + 10);
		else
			return -EINVAL;
		if (d >= base || v > (max - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*ret = v;
	return 0;
}

/* A decimal that may be negative (PID -1 for OFD locks). */
static int parse_signed(const char *t, size_t n, int64_t *ret)
{
	uint64_t v;
	bool neg = n > 0 && t[0] == '-';

	if (parse_unsigned(t + neg, n - neg, 10, (uint64_t)INT64_MAX, &v) < 0)
		return -EINVAL;
	*ret = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/* "MAJOR:MINOR:INODE", the first two in hex. */
static int parse_dev_ino(const char *t, size_t n, struct kvp_lock_entry *e)
{
	const char *c1 = memchr(t, ':', n);
	if (!c1)
		return -EINVAL;
	const char *c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - t));
	if (!c2)
		return -EINVAL;
	uint64_t maj, min;
	if (parse_unsigned(t, (size_t)(c1 - t), 16, UINT32_MAX, &maj) < 0 ||
	    parse_unsigned(c1 + 1, (size_t)(c2 - c1 - 1), 16, UINT32_MAX, &min) < 0 ||
	    parse_unsigned(c2 + 1, n - (size_t)(c2 + 1 - t), 10, UINT64_MAX, &e->ino) < 0)
		return -EINVAL;
	e->major = (unsigned)maj;
	e->minor = (unsigned)min;
	return 0;
}

int kvp_lock_parse_line(const char *line, size_t len, struct kvp_lock_entry *ret)
{
	struct cursor c = { line, len, 0 };
	struct kvp_lock_entry e = { .pid = -1 };
	const char *t;
	size_t n;
	uint64_t id;

	/* "ID:" */
	n = next_token(&c, &t);
	if (n < 2 || t[n - 1] != ':' || parse_unsigned(t, n - 1, 10, UINT64_MAX, &id) < 0)
		return -EINVAL;
	n = next_token(&c, &t);
	if (tok_is(t, n, "->")) {
		e.blocked = true;
		n = next_token(&c, &t);
	}
	if (tok_is(t, n, "FLOCK"))
		e.kind = KVP_LOCK_FLOCK;
	else if (tok_is(t, n, "POSIX"))
		e.kind = KVP_LOCK_POSIX;
	else if (tok_is(t, n, "OFDLCK"))
		e.kind = KVP_LOCK_OFD;
	else if (n > 0)
		e.kind = KVP_LOCK_OTHER;
	else
		return -EINVAL;
	/* ADVISORY, MANDATORY (before 5.15), ACTIVE, BREAKING…: not needed. */
	n = next_token(&c, &t);
	if (n == 0 || tok_is(t, n, "*NOINODE*"))
		return -EINVAL;
	n = next_token(&c, &t);
	if (tok_is(t, n, "WRITE"))
		e.write = true;
	else if (!tok_is(t, n, "READ") && !tok_is(t, n, "UNLCK"))
		return -EINVAL;
	n = next_token(&c, &t);
	if (parse_signed(t, n, &e.pid) < 0 || e.pid < -1)
		return -EINVAL;
	n = next_token(&c, &t);
	if (parse_dev_ino(t, n, &e) < 0)
		return -EINVAL;
	/* Offsets are never negative; "EOF" is the end of a lock to the end of file. */
	uint64_t off;
	n = next_token(&c, &t);
	if (parse_unsigned(t, n, 10, INT64_MAX, &off) < 0)
		return -EINVAL;
	e.start = (int64_t)off;
	n = next_token(&c, &t);
	if (tok_is(t, n, "EOF"))
		e.end = -1;
	else if (parse_unsigned(t, n, 10, INT64_MAX, &off) < 0)
		return -EINVAL;
	else
		e.end = (int64_t)off;
	if (next_token(&c, &t) != 0)
		return -EINVAL;
	*ret = e;
	return 0;
}

int kvp_fdinfo_parse(const char *text, size_t len, unsigned *ret_flags,
		     struct kvp_lock_entry *locks, size_t max, size_t *ret_nlocks)
{
	bool have_flags = false;
	unsigned flags = 0;
	size_t nl = 0;

	for (size_t pos = 0; pos < len;) {
		const char *line = text + pos;
		const char *eol = memchr(line, '\n', len - pos);
		size_t n = eol ? (size_t)(eol - line) : len - pos;
		pos += n + (eol ? 1 : 0);

		if (n > 6 && memcmp(line, "flags:", 6) == 0) {
			struct cursor c = { line + 6, n - 6, 0 };
			const char *t;
			size_t tn = next_token(&c, &t);
			uint64_t v;
			if (parse_unsigned(t, tn, 8, UINT32_MAX, &v) < 0)
				return -EINVAL;
			flags = (unsigned)v;
			have_flags = true;
		} else if (n > 5 && memcmp(line, "lock:", 5) == 0 && nl < max) {
			if (kvp_lock_parse_line(line + 5, n - 5, &locks[nl]) == 0)
				nl++;
		}
	}
	if (!have_flags)
		return -EINVAL;
	*ret_flags = flags;
	*ret_nlocks = nl;
	return 0;
}

bool kvp_lock_same(const struct kvp_lock_entry *a, const struct kvp_lock_entry *b)
{
	return a->kind == b->kind && a->write == b->write && a->pid == b->pid &&
	       a->major == b->major && a->minor == b->minor && a->ino == b->ino &&
	       a->start == b->start && a->end == b->end;
}

/* ---- the search (I/O) ---- */

/* Read a whole small /proc file into buf (NUL-terminated); its length or -errno. */
static ssize_t read_small(int dirfd, const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t got = 0;

	if (fd < 0)
		return -errno;
	while (got + 1 < size) {
		ssize_t k = read(fd, buf + got, size - 1 - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	if (got + 1 >= size)
		return -EFBIG;
	buf[got] = '\0';
	return (ssize_t)got;
}

struct search {
	unsigned major, minor;
	uint64_t ino;
	int self_fd;
	int64_t self_pid;
	struct kvp_lock_entry want[WANT_MAX];
	bool found[WANT_MAX];
	size_t nwant, fds;
	bool writer, giveup;
};

/*
 * Every descriptor of process pid that is the pool file (statx, without
 * revalidation on a network filesystem): note which of the wanted locks
 * its fdinfo lists, and whether it is open for writing.
 */
static void scan_pid(struct search *h, int64_t pid)
{
	char path[64], info[FDINFO_MAX_BYTES];
	bool writes = false, holds = false;

	snprintf(path, sizeof(path), "/proc/%lld/fd", (long long)pid);
	_cleanup_close_ int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%lld/fdinfo", (long long)pid);
	_cleanup_close_ int ifd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || ifd < 0)
		return;
	DIR *d = fdopendir(dfd);
	if (!d)
		return;
	dfd = -1; /* owned by d now */
	for (struct dirent *de; !h->giveup && (de = readdir(d));) {
		struct statx stx;
		struct kvp_lock_entry locks[8];
		unsigned flags;
		size_t nl;

		if (de->d_name[0] == '.')
			continue;
		if (++h->fds > FDS_MAX) {
			h->giveup = true;
			break;
		}
		if (statx(dirfd(d), de->d_name, AT_STATX_DONT_SYNC, STATX_INO, &stx) < 0 ||
		    stx.stx_ino != h->ino || stx.stx_dev_major != h->major ||
		    stx.stx_dev_minor != h->minor)
			continue;
		if (pid == h->self_pid && atoi(de->d_name) == h->self_fd)
			continue;
		ssize_t k = read_small(ifd, de->d_name, info, sizeof(info));
		if (k < 0 ||
		    kvp_fdinfo_parse(info, (size_t)k, &flags, locks, ELEMENTSOF(locks), &nl) < 0) {
			/* A descriptor of the file we cannot inspect: assume the worst. */
			writes = true;
			continue;
		}
		if ((flags & O_ACCMODE) != O_RDONLY)
			writes = true;
		for (size_t i = 0; i < nl; i++)
			for (size_t j = 0; j < h->nwant; j++)
				if (kvp_lock_same(&locks[i], &h->want[j])) {
					h->found[j] = true;
					holds = true;
				}
	}
	closedir(d);
	if (holds && writes)
		h->writer = true;
}

static bool all_found(const struct search *h)
{
	for (size_t i = 0; i < h->nwant; i++)
		if (!h->found[i])
			return false;
	return true;
}

/* The conflicting locks on the file, from /proc/locks; false when unusable. */
static bool collect_wanted(struct search *h, bool flock_family)
{
	_cleanup_free_ char *buf = malloc(LOCKS_MAX_BYTES);
	if (!buf)
		return false;
	ssize_t len = read_small(AT_FDCWD, "/proc/locks", buf, LOCKS_MAX_BYTES);
	if (len < 0)
		return false;
	for (size_t pos = 0; pos < (size_t)len;) {
		const char *line = buf + pos;
		const char *eol = memchr(line, '\n', (size_t)len - pos);
		size_t n = eol ? (size_t)(eol - line) : (size_t)len - pos;
		struct kvp_lock_entry e;

		pos += n + (eol ? 1 : 0);
		if (kvp_lock_parse_line(line, n, &e) < 0 || e.blocked || e.ino != h->ino ||
		    e.major != h->major || e.minor != h->minor)
			continue;
		if (e.kind == KVP_LOCK_OTHER)
			continue; /* a lease: not what blocks flock or fcntl */
		if ((e.kind == KVP_LOCK_FLOCK) != flock_family)
			continue;
		/* F_WRLCK needs the file open for writing: a writer for sure. */
		if (e.kind != KVP_LOCK_FLOCK && e.write)
			return false;
		if (h->nwant == WANT_MAX)
			return false;
		h->want[h->nwant++] = e;
	}
	return h->nwant > 0;
}

bool kvp_lock_holders_readonly(int fd, bool flock_family)
{
	struct search *h = calloc(1, sizeof(*h));
	struct stat st;
	bool ok = false;

	if (!h)
		return false;
	if (fstat(fd, &st) < 0)
		goto out;
	h->major = major(st.st_dev);
	h->minor = minor(st.st_dev);
	h->ino = st.st_ino;
	h->self_fd = fd;
	h->self_pid = getpid();
	if (!collect_wanted(h, flock_family))
		goto out;

	/* The processes the table names first (flock and POSIX locks carry a PID). */
	for (size_t i = 0; i < h->nwant && !h->writer && !h->giveup; i++) {
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen |= h->want[j].pid == h->want[i].pid;
		if (h->want[i].pid > 0 && !seen)
			scan_pid(h, h->want[i].pid);
	}
	/* OFD locks, and flocks whose locker has exited: every process. */
	if (!h->writer && !h->giveup && !all_found(h)) {
		DIR *d = opendir("/proc");
		if (!d)
			goto out;
		for (struct dirent *de; !h->writer && !h->giveup && (de = readdir(d));) {
			uint64_t pid;
			bool named = false;
			if (parse_unsigned(de->d_name, strlen(de->d_name), 10, INT32_MAX, &pid) < 0)
				continue;
			for (size_t j = 0; j < h->nwant; j++)
				named |= h->want[j].pid == (int64_t)pid;
			if (!named)
				scan_pid(h, (int64_t)pid);
		}
		closedir(d);
	}
	ok = !h->writer && !h->giveup && all_found(h);
out:
	free(h);
	return ok;
}
