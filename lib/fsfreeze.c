/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The freeze engine's contact with the system: sysfs (which filesystem
 * holds a loop device's file), the FIFREEZE/FITHAW ioctls, parallel
 * syncfs, and the state file in /run that lets a crashed daemon's freeze
 * be undone. Nothing here logs: hypervvssd decides when logging is safe.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fsfreeze.h"
#include "macro.h"

#define STATE_FILE	"vss-frozen"
#define SYSFS_DEPTH_MAX 8
/* syncfs needs little stack; with mlockall(MCL_FUTURE) every byte is resident. */
#define SYNC_THREAD_STACK (64 * 1024)

/* ---- backing files, from sysfs ---- */

static int read_small(int dirfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	ssize_t n = read(fd, buf, size - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

static void add_dev(struct fsfreeze_dev *devs, size_t max, size_t *n, unsigned maj, unsigned min)
{
	for (size_t i = 0; i < *n; i++)
		if (devs[i].major == maj && devs[i].minor == min)
			return;
	if (*n < max)
		devs[(*n)++] = (struct fsfreeze_dev){ maj, min };
}

static void walk_block(const char *sysfs, unsigned maj, unsigned min, int depth,
		       struct fsfreeze_dev *devs, size_t max, size_t *n)
{
	char path[256], buf[4096];
	struct stat st;

	if (depth > SYSFS_DEPTH_MAX)
		return;
	snprintf(path, sizeof(path), "%s/dev/block/%u:%u", sysfs, maj, min);
	_cleanup_close_ int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;

	/* A partition (loop0p1): the loop device is its parent. */
	if (faccessat(dfd, "partition", F_OK, 0) == 0 &&
	    read_small(dfd, "../dev", buf, sizeof(buf)) == 0) {
		unsigned pmaj, pmin;
		if (sscanf(buf, "%u:%u", &pmaj, &pmin) == 2)
			walk_block(sysfs, pmaj, pmin, depth + 1, devs, max, n);
		return;
	}
	if (read_small(dfd, "loop/backing_file", buf, sizeof(buf)) == 0) {
		/* The path is as this process sees it (sysfs resolves it in our root). */
		if (stat(buf, &st) == 0)
			add_dev(devs, max, n, major(st.st_dev), minor(st.st_dev));
		return;
	}
	_cleanup_close_ int sfd = openat(dfd, "slaves", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return;
	DIR *d = fdopendir(sfd);
	if (!d)
		return;
	sfd = -1;
	struct dirent *de;
	while ((de = readdir(d))) {
		char rel[300];
		unsigned smaj, smin;
		if (de->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "%s/dev", de->d_name);
		if (read_small(dirfd(d), rel, buf, sizeof(buf)) == 0 &&
		    sscanf(buf, "%u:%u", &smaj, &smin) == 2)
			walk_block(sysfs, smaj, smin, depth + 1, devs, max, n);
	}
	closedir(d);
}

int fsfreeze_backing_sysfs(void *userdata, const struct mount_entry *m, struct fsfreeze_dev *devs,
			   size_t max, size_t *ret_n)
{
	const char *sysfs = userdata ? userdata : "/sys";
	unsigned maj = m->major, min = m->minor;
	struct stat st;
	size_t n = 0;

	/* btrfs shows an anonymous device; its source names the block device. */
	if (maj == 0) {
		if (strncmp(m->source, "/dev/", 5) != 0 || stat(m->source, &st) < 0 ||
		    !S_ISBLK(st.st_mode)) {
			*ret_n = 0;
			return 0;
		}
		maj = major(st.st_rdev);
		min = minor(st.st_rdev);
	}
	walk_block(sysfs, maj, min, 0, devs, max, &n);
	*ret_n = n;
	return 0;
}

/* ---- the set ---- */

static void pool_stop(struct fsfreeze_pool *p);

void fsfreeze_set_done(struct fsfreeze_set *s)
{
	if (!s)
		return;
	if (s->pool) {
		pool_stop(s->pool);
		free(s->pool);
		s->pool = NULL;
	}
	for (size_t i = 0; i < s->n; i++) {
		safe_close(s->targets[i].fd);
		free(s->targets[i].path);
	}
	free(s->targets);
	s->targets = NULL;
	s->n = 0;
}

static int set_add(struct fsfreeze_set *s, const char *path, unsigned maj, unsigned min)
{
	struct fsfreeze_target *nt = realloc(s->targets, (s->n + 1) * sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	s->targets = nt;
	char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	/* A level each unless the plan says otherwise (a record keeps no levels). */
	nt[s->n] = (struct fsfreeze_target){
		.path = p, .major = maj, .minor = min, .level = s->n, .fd = -1
	};
	s->n++;
	return 0;
}

int fsfreeze_set_from_plan(const struct mount_table *t, const struct fsfreeze_plan *p,
			   struct fsfreeze_set *ret)
{
	struct fsfreeze_set s = {};

	for (size_t i = 0; i < p->n_targets; i++) {
		const struct mount_entry *m = &t->entries[p->order[i]];
		int r = set_add(&s, m->mount_point, m->major, m->minor);
		if (r < 0) {
			fsfreeze_set_done(&s);
			return r;
		}
		s.targets[i].level = p->level[i];
	}
	*ret = s;
	return 0;
}

int fsfreeze_open(struct fsfreeze_set *s, size_t *ret_failed)
{
	for (size_t i = 0; i < s->n; i++) {
		struct fsfreeze_target *tg = &s->targets[i];
		struct stat st;

		if (tg->fd >= 0)
			continue;
		/* O_NOFOLLOW: a symlink planted on a mount point must not redirect us. */
		tg->fd = open(tg->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
		if (tg->fd < 0) {
			*ret_failed = i;
			return negative_errno();
		}
		if (fstat(tg->fd, &st) < 0) {
			*ret_failed = i;
			return negative_errno();
		}
		/* Anonymous devices (btrfs subvolumes) differ per subvolume: not checkable. */
		if (tg->major != 0 &&
		    (major(st.st_dev) != tg->major || minor(st.st_dev) != tg->minor)) {
			*ret_failed = i;
			return -ESTALE;
		}
	}
	return 0;
}

struct sync_job {
	int fd;
	int r;
};

static void *sync_thread(void *arg)
{
	struct sync_job *j = arg;
	j->r = syncfs(j->fd) < 0 ? negative_errno() : 0;
	return NULL;
}

int fsfreeze_sync(struct fsfreeze_set *s)
{
	_cleanup_free_ struct sync_job *jobs = calloc(s->n ? s->n : 1, sizeof(*jobs));
	_cleanup_free_ pthread_t *threads = calloc(s->n ? s->n : 1, sizeof(*threads));
	_cleanup_free_ bool *started = calloc(s->n ? s->n : 1, sizeof(*started));
	pthread_attr_t attr;
	int r = 0;

	if (!jobs || !threads || !started)
		return -ENOMEM;
	if (pthread_attr_init(&attr) != 0)
		return -ENOMEM;
	(void)pthread_attr_setstacksize(&attr, SYNC_THREAD_STACK);
	for (size_t i = 0; i < s->n; i++) {
		jobs[i].fd = s->targets[i].fd;
		if (jobs[i].fd < 0)
			continue;
		if (pthread_create(&threads[i], &attr, sync_thread, &jobs[i]) == 0)
			started[i] = true;
		else
			sync_thread(&jobs[i]); /* no thread: do it here, in turn */
	}
	pthread_attr_destroy(&attr);
	for (size_t i = 0; i < s->n; i++) {
		if (started[i])
			pthread_join(threads[i], NULL);
		if (jobs[i].r < 0 && r == 0)
			r = jobs[i].r;
	}
	return r;
}

/*
 * The level runner: the calling thread and up to FSFREEZE_THREADS_MAX - 1
 * workers, started before the first ioctl, take the targets of one level
 * from a shared counter. Workers wait on a condition variable between
 * levels, so nothing is allocated between the first FIFREEZE and the last
 * FITHAW of a freeze. If no worker can be started, the calling thread does
 * every ioctl itself, in turn: slower, never less safe.
 */
enum level_op { OP_FREEZE, OP_THAW, OP_THAW_ALL };

struct fsfreeze_pool {
	pthread_t threads[FSFREEZE_THREADS_MAX - 1];
	size_t n_threads;
	pthread_mutex_t lock;
	pthread_cond_t go, done;
	unsigned long generation; /* a new level to work on */
	size_t active;		  /* workers still on this level */
	bool quit;
	/* This level's work: targets [lo, hi) of s. */
	struct fsfreeze_target *targets;
	size_t lo, hi, next;
	enum level_op op;
};

static void do_one(struct fsfreeze_target *tg, enum level_op op)
{
	tg->err = 0;
	if (op == OP_THAW && !tg->frozen)
		return;
	if (tg->fd < 0)
		tg->err = -EBADF;
	else if (op == OP_FREEZE) {
		if (ioctl(tg->fd, FIFREEZE, 0) == 0)
			tg->frozen = true;
		else if (errno != EBUSY)
			tg->err = negative_errno();
	} else {
		if (ioctl(tg->fd, FITHAW, 0) == 0 || errno == EINVAL)
			tg->frozen = false;
		else
			tg->err = negative_errno();
	}
}

static void work_level(struct fsfreeze_pool *p)
{
	for (;;) {
		size_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
		if (i >= p->hi)
			return;
		do_one(&p->targets[i], p->op);
	}
}

static void *pool_worker(void *arg)
{
	struct fsfreeze_pool *p = arg;
	unsigned long seen = 0;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (p->generation == seen && !p->quit)
			pthread_cond_wait(&p->go, &p->lock);
		if (p->quit) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		seen = p->generation;
		pthread_mutex_unlock(&p->lock);
		work_level(p);
		pthread_mutex_lock(&p->lock);
		if (--p->active == 0)
			pthread_cond_signal(&p->done);
		pthread_mutex_unlock(&p->lock);
	}
}

/* Workers for the widest level of s, one fewer than its targets (we are one). */
static void pool_start(struct fsfreeze_pool *p, struct fsfreeze_set *s)
{
	size_t widest = 0;
	pthread_attr_t attr;

	*p = (struct fsfreeze_pool){ .targets = s->targets };
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done, NULL);
	for (size_t i = 0, j; i < s->n; i = j) {
		for (j = i; j < s->n && s->targets[j].level == s->targets[i].level; j++)
			;
		widest = MAX(widest, j - i);
	}
	if (widest < 2 || pthread_attr_init(&attr) != 0)
		return;
	(void)pthread_attr_setstacksize(&attr, SYNC_THREAD_STACK);
	while (p->n_threads < MIN(widest - 1, (size_t)FSFREEZE_THREADS_MAX - 1) &&
	       pthread_create(&p->threads[p->n_threads], &attr, pool_worker, p) == 0)
		p->n_threads++;
	pthread_attr_destroy(&attr);
}

static void pool_stop(struct fsfreeze_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->quit = true;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->lock);
	for (size_t i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->go);
	pthread_mutex_destroy(&p->lock);
}

/* Run op on targets [lo, hi) at once; returns when every one is done. */
static void pool_run(struct fsfreeze_pool *p, size_t lo, size_t hi, enum level_op op)
{
	if (p->n_threads == 0 || hi - lo < 2) {
		for (size_t i = lo; i < hi; i++)
			do_one(&p->targets[i], op);
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->lo = p->next = lo;
	p->hi = hi;
	p->op = op;
	p->active = p->n_threads;
	p->generation++;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->lock);
	work_level(p);
	pthread_mutex_lock(&p->lock);
	while (p->active > 0)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

/* The end of the level that starts at i. */
static size_t level_end(const struct fsfreeze_set *s, size_t i)
{
	size_t j = i;
	while (j < s->n && s->targets[j].level == s->targets[i].level)
		j++;
	return j;
}

/* The start of the level that ends at j (exclusive, j > 0). */
static size_t level_start(const struct fsfreeze_set *s, size_t j)
{
	size_t i = j - 1;
	while (i > 0 && s->targets[i - 1].level == s->targets[j - 1].level)
		i--;
	return i;
}

static int thaw_levels(struct fsfreeze_pool *p, struct fsfreeze_set *s, bool all,
		       size_t *ret_failed)
{
	int first = 0;

	for (size_t j = s->n; j > 0;) {
		size_t i = level_start(s, j);
		pool_run(p, i, j, all ? OP_THAW_ALL : OP_THAW);
		for (size_t k = j; k-- > i;)
			if (s->targets[k].err < 0 && first == 0) {
				first = s->targets[k].err;
				*ret_failed = k;
			}
		j = i;
	}
	return first;
}

int fsfreeze_freeze(struct fsfreeze_set *s, size_t *ret_failed)
{
	/* Kept for the thaw; without memory, a pool of our own for this call. */
	struct fsfreeze_pool local, *p = calloc(1, sizeof(*p));
	int r = 0;

	if (!p)
		p = &local;
	if (s->pool) { /* a previous freeze's, not thawed: not ours to reuse */
		pool_stop(s->pool);
		free(s->pool);
		s->pool = NULL;
	}
	pool_start(p, s);
	for (size_t i = 0, j; i < s->n && r == 0; i = j) {
		j = level_end(s, i);
		pool_run(p, i, j, OP_FREEZE);
		for (size_t k = i; k < j && r == 0; k++)
			if (s->targets[k].err < 0) {
				r = s->targets[k].err;
				*ret_failed = k;
			}
	}
	if (r < 0) {
		size_t ignored;
		(void)thaw_levels(p, s, false, &ignored);
	}
	if (r == 0 && p != &local) {
		s->pool = p;
		return 0;
	}
	pool_stop(p);
	if (p != &local)
		free(p);
	return r;
}

int fsfreeze_thaw(struct fsfreeze_set *s, bool all, size_t *ret_failed)
{
	struct fsfreeze_pool local, *p = s->pool;

	if (!p) {
		p = &local;
		pool_start(p, s);
	}
	int r = thaw_levels(p, s, all, ret_failed);
	/* The freeze is over: its threads too. */
	pool_stop(p);
	if (p != &local)
		free(p);
	s->pool = NULL;
	return r;
}

bool fsfreeze_any_frozen(const struct fsfreeze_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->targets[i].frozen)
			return true;
	return false;
}

/* ---- the state file: "MAJ:MIN PATH" a line, PATH with \ooo escapes ---- */

static void put_escaped(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == '\\' || *p == 0x7f)
			fprintf(f, "\\%03o", *p);
		else
			fputc(*p, f);
}

int fsfreeze_state_write(const char *dir, const struct fsfreeze_set *s)
{
	_cleanup_free_ char *tmp = NULL, *final = NULL;
	int r;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return negative_errno();
	if (asprintf(&tmp, "%s/." STATE_FILE ".tmp", dir) < 0 ||
	    asprintf(&final, "%s/" STATE_FILE, dir) < 0)
		return -ENOMEM;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	FILE *f = fdopen(fd, "w");
	if (!f) {
		r = negative_errno();
		close(fd);
		unlink(tmp);
		return r;
	}
	for (size_t i = 0; i < s->n; i++) {
		fprintf(f, "%u:%u ", s->targets[i].major, s->targets[i].minor);
		put_escaped(f, s->targets[i].path);
		fputc('\n', f);
	}
	r = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0 && r == 0)
		r = negative_errno();
	if (r == 0 && rename(tmp, final) < 0)
		r = negative_errno();
	if (r < 0)
		unlink(tmp);
	return r;
}

int fsfreeze_state_parse(const char *text, size_t len, struct fsfreeze_set *ret)
{
	struct fsfreeze_set s = {};
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - text - pos) : len - pos;
		const char *line = text + pos;
		pos += l + 1;
		if (l == 0)
			continue;
		_cleanup_free_ char *path = malloc(l + 1);
		unsigned maj, min;
		size_t i = 0, o = 0;
		int r = -EBADMSG;

		if (!path) {
			fsfreeze_set_done(&s);
			return -ENOMEM;
		}
		/* "MAJ:MIN " */
		char head[32];
		size_t sp = 0;
		while (sp < l && line[sp] != ' ')
			sp++;
		if (sp == 0 || sp >= sizeof(head) || sp >= l)
			goto bad;
		memcpy(head, line, sp);
		head[sp] = '\0';
		char tail;
		if (sscanf(head, "%u:%u%c", &maj, &min, &tail) != 2)
			goto bad;
		for (i = sp + 1; i < l; i++) {
			if (line[i] == '\\' && i + 3 < l + 0 && line[i + 1] >= '0' &&
			    line[i + 1] <= '3' && line[i + 2] >= '0' && line[i + 2] <= '7' &&
			    line[i + 3] >= '0' && line[i + 3] <= '7') {
				char c = (char)((line[i + 1] - '0') * 64 + (line[i + 2] - '0') * 8 +
						(line[i + 3] - '0'));
				if (c == '\0')
					goto bad;
				path[o++] = c;
				i += 3;
			} else if (line[i] == '\0')
				goto bad;
			else
				path[o++] = line[i];
		}
		path[o] = '\0';
		if (path[0] != '/')
			goto bad;
		r = set_add(&s, path, maj, min);
		if (r < 0)
			goto bad;
		continue;
	bad:
		fsfreeze_set_done(&s);
		return r;
	}
	*ret = s;
	return 0;
}

int fsfreeze_state_read(const char *dir, struct fsfreeze_set *ret)
{
	_cleanup_free_ char *path = NULL;
	char buf[65536];
	size_t len = 0;

	if (asprintf(&path, "%s/" STATE_FILE, dir) < 0)
		return -ENOMEM;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf))
			return -EFBIG;
	}
	return fsfreeze_state_parse(buf, len, ret);
}

int fsfreeze_state_remove(const char *dir)
{
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "%s/" STATE_FILE, dir) < 0)
		return -ENOMEM;
	if (unlink(path) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}
