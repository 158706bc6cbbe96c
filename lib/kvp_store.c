/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pool store: opening the five files, noticing other programs' changes
 * (inotify, with stat() as the fallback), and the public GET/SET/DELETE/
 * ENUMERATE. docs/pool-store.md explains the choices.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kvp_pool.h"
#include "kvp_store.h"
#include "macro.h"

#define LOCK_TIMEOUT_MS_DEFAULT 2000u
#define REOPEN_TRIES		3

/*
 * Content changes always raise IN_MODIFY (write, truncate); IN_CLOSE_WRITE
 * also covers writers through mmap. The rest mean the name may now lead to
 * another file (unlink, rename away), which the directory watch completes
 * (a new file created or renamed onto the name).
 */
#define FILE_EVENTS (IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF)
#define DIR_EVENTS  (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR)

struct kvp_store {
	struct kvp_pool pools[KVP_POOL_COUNT];
	unsigned npools;
	char *dir;  /* re-created (0755) if deleted; NULL for kvp_store_open_file() */
	int ifd;    /* inotify, -1 when unavailable: stat() fallback */
	int dir_wd; /* watch on the directory, -1 when none */
	unsigned file_mode;
	unsigned lock_timeout_ms;
	bool sync, read_only;
	bool trust_events; /* the caller drains ifd when it is readable */
};

int kvp_record_decode(const uint8_t rec[KVP_RECORD_SIZE], char ret_key[KVP_KEY_MAX],
		      char ret_value[KVP_VALUE_MAX])
{
	size_t kl = strnlen((const char *)rec, KVP_KEY_MAX);
	if (kl == 0 || kl == KVP_KEY_MAX)
		return -EINVAL;

	/* A value without NUL is cut at 2047 bytes, as the host gets far less anyway. */
	const char *v = (const char *)rec + KVP_KEY_MAX;
	size_t vl = strnlen(v, KVP_VALUE_MAX - 1);

	memcpy(ret_key, rec, kl);
	memset(ret_key + kl, 0, KVP_KEY_MAX - kl);
	memcpy(ret_value, v, vl);
	memset(ret_value + vl, 0, KVP_VALUE_MAX - vl);
	return 0;
}

static const char *pool_name(const struct kvp_pool *p)
{
	const char *slash = strrchr(p->path, '/');
	return slash ? slash + 1 : p->path;
}

static bool pool_watched(const struct kvp_store *s, const struct kvp_pool *p)
{
	return s->ifd >= 0 && s->dir_wd >= 0 && (p->fd < 0 || p->wd >= 0);
}

static int make_dir(const char *dir)
{
	if (mkdir(dir, 0755) == 0) {
		/* The umask must not change the mode readers rely on either. */
		if (chmod(dir, 0755) < 0)
			return -errno;
	} else if (errno != EEXIST)
		return -errno;
	return 0;
}

/* After the directory was re-created: watch the new one. */
static void rewatch_dir(struct kvp_store *s)
{
	if (s->ifd >= 0 && s->dir_wd < 0 && s->dir)
		s->dir_wd = inotify_add_watch(s->ifd, s->dir, DIR_EVENTS);
}

/*
 * Open the pool's file, creating it (with the exact mode) if writable and
 * missing, and the directory too if it was deleted. A writable store that
 * may not write the file (read-only filesystem) opens it O_RDONLY, to serve
 * reads; *ret_rdonly tells.
 */
static int open_pool_fd(struct kvp_store *s, const char *path, int *ret_fd, bool *ret_rdonly)
{
	/*
	 * O_NONBLOCK: something that is not a regular file must not hang us.
	 * O_NOFOLLOW: a symlink in the pool's place must not send our writes
	 * to its target.
	 */
	int flags =
		(s->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW;
	bool made_dir = false;
	_cleanup_close_ int fd = -1;
	struct stat st;

	for (int tries = 0; fd < 0; tries++) {
		fd = open(path, flags);
		if (fd >= 0)
			break;
		if ((errno == EROFS || errno == EACCES) && (flags & O_ACCMODE) == O_RDWR) {
			flags = (flags & ~O_ACCMODE) | O_RDONLY;
			tries--;
			continue;
		}
		if (errno != ENOENT)
			return -errno;
		if (s->read_only) {
			*ret_fd = -1; /* an absent pool reads as empty */
			*ret_rdonly = true;
			return 0;
		}
		fd = open(path, flags | O_CREAT | O_EXCL, (mode_t)s->file_mode);
		if (fd >= 0) {
			/* The umask must not loosen or tighten the mode readers rely on. */
			if (fchmod(fd, (mode_t)s->file_mode) < 0)
				return -errno;
			break;
		}
		if (errno == ENOENT && s->dir && !made_dir) {
			/* The directory was deleted: make it again, as at start. */
			int r = make_dir(s->dir);
			if (r < 0)
				return r;
			made_dir = true;
			rewatch_dir(s);
			continue;
		}
		if (errno != EEXIST || tries > REOPEN_TRIES)
			return -errno;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	/* -ENXIO for a FIFO, socket or device, as open(2) says of some of them. */
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -ENXIO;
	*ret_rdonly = (flags & O_ACCMODE) == O_RDONLY;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static void pool_watch(struct kvp_store *s, struct kvp_pool *p)
{
	char proc[64];

	p->wd = -1;
	if (s->ifd < 0 || p->fd < 0)
		return;
	/* Through the fd, so the watch is on the inode we opened, not the name's. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", p->fd);
	p->wd = inotify_add_watch(s->ifd, proc, FILE_EVENTS);
	if (p->wd < 0)
		p->wd = inotify_add_watch(s->ifd, p->path, FILE_EVENTS);
}

static void mark_all(struct kvp_store *s)
{
	for (unsigned i = 0; i < s->npools; i++)
		s->pools[i].stale = s->pools[i].recheck = true;
}

static void handle_event(struct kvp_store *s, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW) {
		mark_all(s);
		return;
	}
	if (ev->wd == s->dir_wd) {
		if (ev->mask & IN_IGNORED) {
			s->dir_wd = -1; /* directory gone: stat() from now on */
			mark_all(s);
			return;
		}
		for (unsigned i = 0; ev->len && i < s->npools; i++)
			if (strcmp(ev->name, pool_name(&s->pools[i])) == 0)
				s->pools[i].recheck = true;
		return;
	}
	for (unsigned i = 0; i < s->npools; i++) {
		struct kvp_pool *p = &s->pools[i];
		if (p->wd != ev->wd)
			continue;
		if (ev->mask & (IN_MODIFY | IN_CLOSE_WRITE))
			p->stale = true;
		if (ev->mask & (IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF))
			p->recheck = true;
		if (ev->mask & IN_IGNORED) {
			p->wd = -1;
			p->recheck = true;
		}
	}
}

/* The largest event: the name is NUL-padded to a multiple of the header size. */
#define EVENT_MAX (sizeof(struct inotify_event) + NAME_MAX + 1)

/*
 * Read every queued event without blocking, in one read(2) as a rule: an
 * inotify read returns every queued event that fits, so a read that left
 * room for the largest possible event emptied the queue. Only a full
 * buffer means "read again", and an empty queue costs one EAGAIN.
 */
static void drain_events(struct kvp_store *s)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (s->ifd >= 0) {
		ssize_t n = read(s->ifd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* Events may be lost: trust nothing. */
			mark_all(s);
			return;
		}
		for (char *q = buf; q < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)q;
			handle_event(s, ev);
			q += sizeof(*ev) + ev->len;
		}
		if ((size_t)n <= sizeof(buf) - EVENT_MAX)
			return;
	}
}

static bool ts_eq(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/*
 * Has the pool changed since the index was made? Sets stale and recheck.
 * With inotify this is one read(2) of the event queue, none at all for a
 * trusting reader (the caller drains the queue); drain forces the read.
 * Writers also get a second opinion, for a filesystem whose remote changes
 * raise no events: the pread() of the record they change is checked
 * against the index, and appends and deletes compare fstat()'s size and
 * inode (pool_same_size()).
 */
static void pool_check(struct kvp_store *s, struct kvp_pool *p, bool drain)
{
	struct stat st;

	if (pool_watched(s, p)) {
		if (drain || !s->trust_events)
			drain_events(s);
		return;
	}

	/* Without inotify: one stat() of the name (this also sees renames). */
	if (stat(p->path, &st) < 0) {
		if (p->fd >= 0 || errno != ENOENT)
			p->recheck = true;
		return;
	}
	if (p->fd < 0 || st.st_dev != p->dev || st.st_ino != p->ino)
		p->recheck = true;
	else if (st.st_size != p->size || !ts_eq(st.st_mtim, p->mtime) ||
		 !ts_eq(st.st_ctim, p->ctime))
		p->stale = true;
}

/*
 * The name may lead to a different file now: follow it. With force, open
 * it again even if it is the same file (to get write access back).
 */
static int pool_reopen(struct kvp_store *s, struct kvp_pool *p, bool force)
{
	struct stat cur, now;
	bool rdonly;
	int fd, r;

	if (!force && p->fd >= 0 && fstat(p->fd, &cur) == 0 && stat(p->path, &now) == 0 &&
	    cur.st_dev == now.st_dev && cur.st_ino == now.st_ino) {
		if (p->wd < 0)
			pool_watch(s, p);
		p->recheck = false;
		p->stale = true;
		return 0;
	}

	r = open_pool_fd(s, p->path, &fd, &rdonly);
	p->open_error = r < 0 ? r : 0;
	if (r < 0)
		return r;
	if (p->wd >= 0 && s->ifd >= 0)
		inotify_rm_watch(s->ifd, p->wd);
	safe_close(p->fd);
	p->fd = fd;
	p->fd_rdonly = rdonly && !s->read_only;
	pool_watch(s, p);
	p->recheck = false;
	p->stale = true;
	p->reopens++;
	return 0;
}

static int pool_follow(struct kvp_store *s, struct kvp_pool *p, bool drain)
{
	pool_check(s, p, drain);
	for (int tries = 0; p->recheck; tries++) {
		int r = pool_reopen(s, p, false);
		if (r < 0)
			return r;
		if (tries >= REOPEN_TRIES)
			break;
		pool_check(s, p, drain);
	}
	return 0;
}

/*
 * Make the index current for a read. With retry (a record did not match
 * the index) the events are read whatever the mode. The shared lock is
 * tried once (wait_ms 0) or for wait_ms. Returns 1 when the file was
 * re-read under it (or with every holder read-only), the lock kept for the
 * caller's read (it unlocks); 0 when the index is to be used as it is;
 * -EAGAIN when a writer holds the lock and the index cannot serve (this
 * record changed, or the file was never read yet): try again with a wait;
 * -ETIMEDOUT after a wait; or -errno.
 *
 * When a writer holds the lock (busy, or stalled in the middle of its
 * write), the index stays the last one made under the lock, and the
 * records that still match it are served: they are intact. An index made
 * without the lock could not be trusted: a writer descheduled inside its
 * write(2) leaves a half-written record that reads the same every time.
 * docs/pool-store.md, "Reads without a lock".
 */
static int read_prepare(struct kvp_store *s, struct kvp_pool *p, bool retry, unsigned wait_ms)
{
	int r = pool_follow(s, p, retry);
	if (r < 0)
		return r;
	if (!p->stale && !retry)
		return 0;
	if (p->fd < 0)
		return kvp_pool_load(p);
	r = kvp_pool_lock(p, false, wait_ms);
	if (r == -ETIMEDOUT) {
		if (wait_ms)
			return r;
		return retry || !p->loaded ? -EAGAIN : 0;
	}
	if (r < 0)
		return r;
	if (pool_watched(s, p))
		/* Writes finished before we got the lock: their events are in. */
		drain_events(s);
	r = kvp_pool_load(p);
	if (r < 0) {
		kvp_pool_unlock(p->fd);
		return r;
	}
	return 1;
}

/* One GET (key) or ENUMERATE (index) attempt on the index as it is. */
static int read_once(struct kvp_pool *p, const char *key, size_t kl, uint32_t index,
		     uint8_t rec[KVP_RECORD_SIZE])
{
	uint32_t slot;

	if (key)
		return kvp_pool_find(p, key, kl, rec, &slot);
	if (index >= p->nrec)
		return -ENOENT;
	return kvp_pool_read(p, index, rec);
}

/*
 * Reads take no lock: the pread() of the record is checked against the
 * index (both hashes), which shows whether another program changed it
 * since, or is writing it at this moment. Only then is the file re-read
 * under the shared lock and the read tried again; if a writer holds the
 * lock, the read waits for it (the lock timeout at most): only for a
 * record that has changed. docs/pool-store.md gives the argument.
 */
static int pool_read(struct kvp_store *s, struct kvp_pool *p, const char *key, size_t kl,
		     uint32_t index, uint8_t rec[KVP_RECORD_SIZE])
{
	for (bool retry = false;; retry = true) {
		int held = read_prepare(s, p, retry, retry ? s->lock_timeout_ms : 0);
		if (held == -EAGAIN && !retry)
			continue;
		if (held < 0)
			return held;
		int r = read_once(p, key, kl, index, rec);
		if (held)
			kvp_pool_unlock(p->fd);
		if (r != -ESTALE)
			return r;
		p->stale = true;
		if (retry || held)
			/* Changed under our shared lock: a writer that ignores locks. */
			return -EAGAIN;
	}
}

/*
 * The index made current for COUNT and at open: without waiting when the
 * index can serve, else waiting for the lock at most the lock timeout (a
 * stuck writer at open only leaves the pool to be read later).
 */
static int pool_ready(struct kvp_store *s, struct kvp_pool *p)
{
	int r = read_prepare(s, p, false, 0);
	if (r == -EAGAIN)
		r = read_prepare(s, p, true, s->lock_timeout_ms);
	if (r > 0)
		kvp_pool_unlock(p->fd);
	return MIN(r, 0);
}

/* Before an append or a delete: did the file grow or shrink unseen? */
static int pool_same_size(const struct kvp_pool *p)
{
	struct stat st;

	if (fstat(p->fd, &st) < 0)
		return -errno;
	return st.st_ino == p->ino && st.st_size == p->size ? 0 : -ESTALE;
}

/* Take the write locks and make the index current under them. */
static int pool_begin_write(struct kvp_store *s, struct kvp_pool *p)
{
	if (s->read_only)
		return -EROFS;
	for (int tries = 0;; tries++) {
		/* Events are looked at once, under the lock; a rename seen there loops. */
		if (p->recheck || p->fd < 0 || p->fd_rdonly) {
			int r = pool_reopen(s, p, p->fd_rdonly);
			if (r < 0)
				return r;
		}
		if (p->fd < 0)
			return -EBADF;
		if (p->fd_rdonly)
			return -EROFS;
		int r = kvp_pool_lock(p, true, s->lock_timeout_ms);
		if (r < 0)
			return r;
		if (r > 0)
			p->lock_overrides++;
		/* Anything seen now was written by someone else: re-read first. */
		pool_check(s, p, true);
		if (p->recheck && tries < REOPEN_TRIES) {
			kvp_pool_unlock(p->fd);
			continue;
		}
		if (p->stale) {
			r = kvp_pool_load(p);
			if (r < 0) {
				kvp_pool_unlock(p->fd);
				return r;
			}
		}
		if (p->over_limit) {
			/* An append or a delete would land inside the records not indexed. */
			kvp_pool_unlock(p->fd);
			return -EFBIG;
		}
		return 0;
	}
}

static int pool_end_write(struct kvp_store *s, struct kvp_pool *p, int r, bool wrote)
{
	struct stat st;

	if (wrote && r >= 0 && s->sync && fdatasync(p->fd) < 0)
		r = -errno;
	if (wrote && pool_watched(s, p)) {
		/* Still under our lock, so this pool's events are our own. */
		bool stale = p->stale;
		drain_events(s);
		p->stale = stale;
	} else if (wrote && !p->stale && fstat(p->fd, &st) == 0) {
		p->size = st.st_size;
		p->mtime = st.st_mtim;
		p->ctime = st.st_ctim;
	}
	kvp_pool_unlock(p->fd);
	return r;
}

static int check_key(const char *key, size_t *ret_len)
{
	if (!key)
		return -EINVAL;
	size_t kl = strnlen(key, KVP_KEY_MAX);
	if (kl == 0 || kl == KVP_KEY_MAX)
		return -EINVAL;
	*ret_len = kl;
	return 0;
}

/*
 * Under the exclusive lock, after events were read: -ESTALE means the file
 * changed without raising any (e.g. a remote filesystem). Re-read it and
 * go again (returns -ESTALE), once; the second time it is a writer that
 * ignores the lock, and the caller gets -EAGAIN.
 */
static int write_retry(struct kvp_pool *p, int r, int pass)
{
	if (r != -ESTALE)
		return r;
	if (pass > 0) {
		p->stale = true;
		return -EAGAIN;
	}
	r = kvp_pool_load(p);
	return r < 0 ? r : -ESTALE;
}

static struct kvp_pool *get_pool(struct kvp_store *s, unsigned pool)
{
	return s && pool < s->npools ? &s->pools[pool] : NULL;
}

int kvp_store_get(struct kvp_store *s, unsigned pool, const char *key,
		  char ret_value[KVP_VALUE_MAX])
{
	struct kvp_pool *p = get_pool(s, pool);
	uint8_t rec[KVP_RECORD_SIZE];
	char k[KVP_KEY_MAX];
	size_t kl;
	int r;

	if (!p || check_key(key, &kl) < 0)
		return -EINVAL;
	r = pool_read(s, p, key, kl, 0, rec);
	if (r < 0)
		return r;
	return kvp_record_decode(rec, k, ret_value);
}

int kvp_store_set(struct kvp_store *s, unsigned pool, const char *key, const char *value)
{
	struct kvp_pool *p = get_pool(s, pool);
	uint8_t padded[KVP_VALUE_MAX] = { 0 };
	size_t kl, vl;
	bool wrote = false;
	int r;

	if (!p || !value || check_key(key, &kl) < 0)
		return -EINVAL;
	vl = strnlen(value, KVP_VALUE_MAX);
	if (vl == KVP_VALUE_MAX)
		return -EINVAL;
	memcpy(padded, value, vl);

	r = pool_begin_write(s, p);
	if (r < 0)
		return r;
	for (int pass = 0;; pass++) {
		uint8_t rec[KVP_RECORD_SIZE];
		uint32_t slot;

		r = kvp_pool_find(p, key, kl, rec, &slot);
		if (r == -ENOENT) {
			r = pool_same_size(p);
			if (r == 0) {
				r = kvp_pool_append(p, key, kl, value, vl);
				wrote = true;
			}
		} else if (r == 0 && memcmp(rec + KVP_KEY_MAX, padded, sizeof(padded)) != 0) {
			/* Same bytes already there: no write, so no needless mtime change. */
			r = kvp_pool_write_value(p, slot, rec, value, vl);
			wrote = true;
		}
		r = write_retry(p, r, pass);
		if (r != -ESTALE)
			break;
	}
	return pool_end_write(s, p, r, wrote);
}

int kvp_store_delete(struct kvp_store *s, unsigned pool, const char *key)
{
	struct kvp_pool *p = get_pool(s, pool);
	bool wrote = false;
	size_t kl;
	int r;

	if (!p || check_key(key, &kl) < 0)
		return -EINVAL;
	r = pool_begin_write(s, p);
	if (r < 0)
		return r;
	for (int pass = 0;; pass++) {
		uint8_t rec[KVP_RECORD_SIZE];
		uint32_t slot;

		r = kvp_pool_find(p, key, kl, rec, &slot);
		if (r == 0)
			r = pool_same_size(p);
		if (r == 0) {
			r = kvp_pool_remove(p, slot, rec);
			wrote |= r != -ESTALE;
		}
		r = write_retry(p, r, pass);
		if (r != -ESTALE)
			break;
	}
	return pool_end_write(s, p, r, wrote);
}

int kvp_store_enumerate(struct kvp_store *s, unsigned pool, uint32_t index,
			char ret_key[KVP_KEY_MAX], char ret_value[KVP_VALUE_MAX])
{
	struct kvp_pool *p = get_pool(s, pool);
	uint8_t rec[KVP_RECORD_SIZE];
	int r;

	if (!p)
		return -EINVAL;
	r = pool_read(s, p, NULL, 0, index, rec);
	if (r < 0)
		return r;
	/* Index i is file record i, so an unservable record keeps its number. */
	r = kvp_record_decode(rec, ret_key, ret_value);
	return r < 0 ? -EBADMSG : 0;
}

int kvp_store_count(struct kvp_store *s, unsigned pool, size_t *ret_count)
{
	struct kvp_pool *p = get_pool(s, pool);
	int r;

	if (!p || !ret_count)
		return -EINVAL;
	r = pool_ready(s, p);
	if (r < 0)
		return r;
	*ret_count = p->nrec;
	return 0;
}

struct kvp_store *kvp_store_free(struct kvp_store *s)
{
	if (!s)
		return NULL;
	for (unsigned i = 0; i < s->npools; i++)
		kvp_pool_done(&s->pools[i]);
	safe_close(s->ifd);
	free(s->dir);
	free(s);
	return NULL;
}

static void kvp_store_freep(struct kvp_store **s)
{
	kvp_store_free(*s);
}

static struct kvp_store *store_new(const struct kvp_store_options *opts)
{
	struct kvp_store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->ifd = s->dir_wd = -1;
	s->lock_timeout_ms = LOCK_TIMEOUT_MS_DEFAULT;
	s->file_mode = opts && opts->file_mode ? opts->file_mode & 07777 : 0644;
	s->sync = opts && opts->sync;
	s->read_only = opts && opts->read_only;
	for (unsigned i = 0; i < KVP_POOL_COUNT; i++)
		kvp_pool_init(&s->pools[i]);
	return s;
}

/* Watch the directory first, so a file replaced while we open it is noticed. */
static void store_watch_dir(struct kvp_store *s, const char *dir)
{
	s->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->ifd < 0)
		return; /* stat() fallback */
	s->dir_wd = inotify_add_watch(s->ifd, dir, DIR_EVENTS);
	if (s->dir_wd < 0)
		s->ifd = safe_close(s->ifd);
}

/*
 * Open and read each pool. With per_pool, a pool that cannot be opened
 * (not a regular file, a read-only directory without it, …) is left
 * closed with its error kept: its operations answer that error and try
 * again each time, while the other pools are served.
 */
static int store_open_pools(struct kvp_store *s, bool per_pool)
{
	for (unsigned i = 0; i < s->npools; i++) {
		struct kvp_pool *p = &s->pools[i];
		bool rdonly;
		int r = open_pool_fd(s, p->path, &p->fd, &rdonly);
		if (r < 0) {
			if (!per_pool)
				return r;
			p->fd = -1;
			p->open_error = r;
			p->recheck = true;
			continue;
		}
		p->fd_rdonly = rdonly && !s->read_only;
		pool_watch(s, p);
		r = pool_ready(s, p);
		if (r < 0 && r != -ETIMEDOUT)
			return r;
	}
	return 0;
}

int kvp_store_open(const char *dir, const struct kvp_store_options *opts, struct kvp_store **ret)
{
	_cleanup_(kvp_store_freep) struct kvp_store *s = NULL;
	int r;

	if (!dir || !*dir || !ret)
		return -EINVAL;
	s = store_new(opts);
	if (!s)
		return -ENOMEM;
	if (s->read_only) {
		struct stat st;
		if (stat(dir, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	} else {
		r = make_dir(dir);
		if (r < 0)
			return r;
		s->dir = strdup(dir);
		if (!s->dir)
			return -ENOMEM;
	}
	store_watch_dir(s, dir);
	s->npools = KVP_POOL_COUNT;
	for (unsigned i = 0; i < s->npools; i++)
		if (asprintf(&s->pools[i].path, "%s/" KVP_POOL_FILE_FMT, dir, i) < 0)
			return -ENOMEM;
	r = store_open_pools(s, true);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

int kvp_store_open_file(const char *path, const struct kvp_store_options *opts,
			struct kvp_store **ret)
{
	_cleanup_(kvp_store_freep) struct kvp_store *s = NULL;
	_cleanup_free_ char *dir = NULL;
	int r;

	if (!path || !*path || !ret)
		return -EINVAL;
	s = store_new(opts);
	if (!s)
		return -ENOMEM;
	s->npools = 1;
	s->pools[0].path = strdup(path);
	const char *slash = strrchr(path, '/');
	dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!s->pools[0].path || !dir)
		return -ENOMEM;
	store_watch_dir(s, dir);
	r = store_open_pools(s, false);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

void kvp_store_set_lock_timeout(struct kvp_store *s, unsigned timeout_ms)
{
	if (s)
		s->lock_timeout_ms = timeout_ms;
}

void kvp_store_disable_inotify(struct kvp_store *s)
{
	if (!s)
		return;
	s->ifd = safe_close(s->ifd);
	s->dir_wd = -1;
	for (unsigned i = 0; i < s->npools; i++) {
		s->pools[i].wd = -1;
		s->pools[i].stale = true; /* re-take the stat() snapshot */
	}
}

int kvp_store_get_stats(struct kvp_store *s, unsigned pool, struct kvp_store_stats *ret)
{
	struct kvp_pool *p = get_pool(s, pool);

	if (!p || !ret)
		return -EINVAL;
	*ret = (struct kvp_store_stats){
		.reloads = p->reloads,
		.reopens = p->reopens,
		.records = p->nrec,
		.inotify = pool_watched(s, p),
		.lock_overrides = p->lock_overrides,
		.open_error = p->open_error,
		.over_limit = p->over_limit,
	};
	return 0;
}

int kvp_store_event_fd(struct kvp_store *s)
{
	return s ? s->ifd : -1;
}

void kvp_store_process_events(struct kvp_store *s)
{
	if (s)
		drain_events(s);
}

void kvp_store_set_trust_events(struct kvp_store *s, bool on)
{
	if (s)
		s->trust_events = on;
}
