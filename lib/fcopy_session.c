/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fcopy session: one copy at a time, from START_FILE_COPY to
 * COMPLETE_FCOPY or CANCEL_FCOPY, whichever transport delivered it.
 *
 * Safety: each allowed root is opened once, when the session is made (at
 * start and at every reload), walking from "/" one component at a time
 * without following symlinks and refusing a root below any directory that
 * someone other than root (or the daemon's own user) could change; the
 * descriptor is held. The destination directory is then reached one
 * component at a time with openat(O_PATH|O_DIRECTORY|O_NOFOLLOW) from that
 * descriptor, so no symlink is followed anywhere, nobody can swap a root
 * for a symlink between copies, and ".." is refused before anything is
 * opened. Data goes to an unnamed
 * O_TMPFILE in that directory (or, where the filesystem lacks O_TMPFILE, a
 * hidden name created O_EXCL), which is fsynced and linked or renamed onto
 * the target at COMPLETE: a reader sees the old file or the whole new one,
 * never half of one, and CANCEL, a lost channel or SIGTERM leave nothing.
 *
 * Speed: sequential WRITEs (6 KiB each) are gathered into one buffer and
 * written in large pieces, whose writeback starts at once
 * (sync_file_range) so that the fsync at COMPLETE has little left to do.
 *
 * Protocol-state decisions: a WRITE or COMPLETE with no copy in progress
 * is answered HV_E_FAIL (-EBADF), as upstream does; a CANCEL with none is
 * a success (the kernel sends a fake CANCEL on hibernation); a START while
 * a copy is in progress abandons the old one first.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "fcopy.h"
#include "macro.h"

#define FCOPY_BUFFER_SIZE (1024 * 1024)
/* Start writeback after this much new data: bounded dirty memory, short final fsync. */
#define FCOPY_WRITEBEHIND (8 * 1024 * 1024)
#define FCOPY_TMP_PREFIX  ".hvfcopy-"

struct fcopy_root {
	char *path; /* absolute, no trailing '/' except "/" itself */
	int fd;	    /* O_PATH|O_DIRECTORY, or -1 with error and why */
	int error;
	char why[PATH_MAX + 96];
};

struct fcopy_session {
	struct fcopy_root *roots;
	size_t n_roots;
	unsigned file_mode, dir_mode;

	bool active;
	int dir_fd; /* O_PATH of the target's directory */
	int fd;	    /* the temporary file */
	bool named; /* fallback: the temporary file has the name tmp_name */
	char tmp_name[32];
	char *target; /* final component */
	uint32_t flags;
	uint64_t file_size;
	bool reserved; /* file_size is preallocated: a write into it cannot run out of space */
	uint64_t written_end; /* end of the furthest byte written */

	uint8_t *buf; /* gathered sequential data, FCOPY_BUFFER_SIZE */
	size_t buf_len;
	uint64_t buf_off;
	uint64_t wb_from, wb_to; /* written since the last writeback kick */
};

uint32_t fcopy_status_from_errno(int r)
{
	switch (r) {
	case 0:
		return HV_S_OK;
	case -EEXIST:
		return HV_ERROR_ALREADY_EXISTS;
	case -ENOSPC:
	case -EDQUOT:
	case -EFBIG:
		return HV_ERROR_DISK_FULL;
	case -EINVAL:
	case -EILSEQ:
		return HV_INVALIDARG;
	default:
		return HV_E_FAIL;
	}
}

static void roots_free(struct fcopy_root *roots, size_t n)
{
	if (!roots)
		return;
	for (size_t i = 0; i < n; i++) {
		free(roots[i].path);
		safe_close(roots[i].fd);
	}
	free(roots);
}

/* A root as given, without trailing slashes; "" stands for "/". */
static int root_normalize(const char *root, char **ret)
{
	if (!root || root[0] != '/')
		return -EINVAL;
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	char *s = strndup(root, n);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

/* Only root and the daemon's own user may be able to change a directory above a root. */
static bool dir_trusted(const struct stat *st)
{
	return (st->st_uid == 0 || st->st_uid == geteuid()) && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/*
 * Open rt->path from "/" one component at a time, never following a
 * symlink, after checking that every directory above it is trusted (as
 * sshd's StrictModes: sticky directories such as /tmp are no exception,
 * since anyone may create the name a root needs there before it exists).
 * The root itself may be writable by others: nothing below it is followed.
 * On failure rt->why says which component and why.
 */
static int root_open(struct fcopy_root *rt)
{
	_cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char sofar[PATH_MAX] = "";
	const char *p = rt->path;
	size_t len = 0;
	struct stat st;
	int r;

	rt->fd = safe_close(rt->fd);
	rt->why[0] = '\0';
	if (fd < 0) {
		r = negative_errno();
		snprintf(rt->why, sizeof(rt->why), "cannot open /: %s", strerror(-r));
		return rt->error = r;
	}
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, "/");
		if (n == 1 && p[0] == '.') {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			snprintf(rt->why, sizeof(rt->why), "\"..\" in the path");
			return rt->error = -EINVAL;
		}
		if (fstat(fd, &st) < 0) {
			r = negative_errno();
			snprintf(rt->why, sizeof(rt->why), "%s: %s", len ? sofar : "/",
				 strerror(-r));
			return rt->error = r;
		}
		if (!dir_trusted(&st)) {
			if (st.st_uid != 0 && st.st_uid != geteuid())
				snprintf(rt->why, sizeof(rt->why),
					 "%s is owned by uid %u, who could replace the root",
					 len ? sofar : "/", (unsigned)st.st_uid);
			else
				snprintf(rt->why, sizeof(rt->why),
					 "%s is writable by group or others (mode %04o), who could "
					 "replace the root",
					 len ? sofar : "/", (unsigned)(st.st_mode & 07777));
			return rt->error = -EPERM;
		}
		if (len + 1 + n >= sizeof(sofar)) {
			snprintf(rt->why, sizeof(rt->why), "path too long");
			return rt->error = -ENAMETOOLONG;
		}
		sofar[len++] = '/';
		memcpy(sofar + len, p, n);
		len += n;
		sofar[len] = '\0';
		int nfd =
			openat(fd, sofar + len - n, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			r = negative_errno();
			if (r == -ENOTDIR &&
			    fstatat(fd, sofar + len - n, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode)) {
				snprintf(rt->why, sizeof(rt->why),
					 "%s is a symbolic link (write the path it points to)",
					 sofar);
				return rt->error = -ELOOP;
			}
			snprintf(rt->why, sizeof(rt->why), "%s: %s", sofar, strerror(-r));
			return rt->error = r;
		}
		close(fd);
		fd = nfd;
		p += n;
	}
	rt->fd = TAKE_FD(fd);
	rt->error = 0;
	return 0;
}

bool fcopy_session_root(const struct fcopy_session *s, size_t i, const char **ret_path,
			int *ret_error, const char **ret_why)
{
	if (!s || i >= s->n_roots)
		return false;
	*ret_path = s->roots[i].path;
	*ret_error = s->roots[i].fd >= 0 ? 0 : s->roots[i].error;
	*ret_why = s->roots[i].why;
	return true;
}

int fcopy_session_new(const struct fcopy_session_options *opts, struct fcopy_session **ret)
{
	static const char *const default_roots[] = { "/", NULL };
	const char *const *roots =
		opts && opts->allowed_roots ? opts->allowed_roots : default_roots;
	size_t n = 0;
	int r;

	while (roots[n])
		n++;
	struct fcopy_session *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dir_fd = s->fd = -1;
	s->file_mode = opts && opts->file_mode ? opts->file_mode : 0644;
	s->dir_mode = opts && opts->dir_mode ? opts->dir_mode : 0755;
	s->roots = calloc(n, sizeof(*s->roots));
	if (n > 0 && !s->roots) {
		fcopy_session_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		s->roots[i].fd = -1;
		s->n_roots = i + 1;
		r = root_normalize(roots[i], &s->roots[i].path);
		if (r < 0) {
			fcopy_session_free(s);
			return r;
		}
		/* A root that cannot be opened now is not fatal: it is said, and retried. */
		(void)root_open(&s->roots[i]);
	}
	*ret = s;
	return 0;
}

static void session_reset(struct fcopy_session *s)
{
	if (s->named && s->dir_fd >= 0)
		(void)unlinkat(s->dir_fd, s->tmp_name, 0);
	s->named = false;
	s->fd = safe_close(s->fd);
	s->dir_fd = safe_close(s->dir_fd);
	free(s->target);
	s->target = NULL;
	s->buf_len = 0;
	s->active = false;
}

void fcopy_session_cancel(struct fcopy_session *s)
{
	if (s)
		session_reset(s);
}

struct fcopy_session *fcopy_session_free(struct fcopy_session *s)
{
	if (!s)
		return NULL;
	session_reset(s);
	roots_free(s->roots, s->n_roots);
	free(s->buf);
	free(s);
	return NULL;
}

/* path lies under root (both normalized, path may have more components)? */
static size_t root_prefix(const char *root, const char *path)
{
	if (strcmp(root, "/") == 0)
		return 1;
	size_t n = strlen(root);
	if (strncmp(root, path, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return 0;
	return n;
}

/*
 * Open the destination directory. path is absolute; the longest allowed
 * root it lies under is used through its held descriptor (a root that
 * could not be opened before is tried again, with the same checks), and
 * every further component is opened without following symlinks, created
 * when asked.
 */
static int open_destination(struct fcopy_session *s, const char *path, bool create, int *ret_fd)
{
	_cleanup_free_ char *copy = NULL;
	_cleanup_close_ int fd = -1;
	struct fcopy_root *best = NULL;
	size_t best_len = 0;

	if (path[0] != '/')
		return -EINVAL;
	/* Collapse "//" and "/./" first, so the root match sees a clean path. */
	copy = malloc(strlen(path) + 2);
	if (!copy)
		return -ENOMEM;
	char *w = copy;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		if (n == 0)
			break;
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -EINVAL; /* never climb: refused, not resolved */
		if (!(n == 1 && p[0] == '.')) {
			*w++ = '/';
			memcpy(w, p, n);
			w += n;
		}
		p = e;
	}
	if (w == copy)
		*w++ = '/';
	*w = '\0';

	for (size_t i = 0; i < s->n_roots; i++) {
		size_t n = root_prefix(s->roots[i].path, copy);
		if (n > 0 && (!best || n > best_len)) {
			best = &s->roots[i];
			best_len = n;
		}
	}
	if (!best)
		return -EACCES;
	if (best->fd < 0) {
		int r = root_open(best);
		if (r < 0)
			return r;
	}

	fd = fcntl(best->fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return negative_errno();
	char *rest = copy + best_len;
	while (*rest) {
		while (*rest == '/')
			rest++;
		if (!*rest)
			break;
		char *e = strchrnul(rest, '/');
		bool last = *e == '\0';
		*e = '\0';
		int nfd = openat(fd, rest, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, rest, s->dir_mode) < 0 && errno != EEXIST)
				return negative_errno();
			nfd = openat(fd, rest, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (nfd < 0)
			/* A symlink opened with O_NOFOLLOW|O_DIRECTORY is ENOTDIR: say ELOOP. */
			return errno == ENOTDIR ? -ELOOP : negative_errno();
		close(fd);
		fd = nfd;
		if (last)
			break;
		rest = e + 1;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static bool name_ok(const char *name)
{
	return name[0] != '\0' && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0 && strlen(name) <= NAME_MAX;
}

static void random_name(char buf[static 32])
{
	uint64_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
		v = (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)buf ^ (uint64_t)time(NULL);
	snprintf(buf, 32, FCOPY_TMP_PREFIX "%016llx", (unsigned long long)v);
}

/*
 * The temporary file is 0600 while the data arrives (a hidden name of the
 * fallback is visible to readers of the directory); its final owner, group
 * and mode are set just before it is published (set_attributes).
 */
static int create_temp(struct fcopy_session *s)
{
	int fd = openat(s->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == ENOENT)) {
		/* No O_TMPFILE on this filesystem: a hidden name, removed on cancel. */
		for (int tries = 0; tries < 16 && fd < 0; tries++) {
			random_name(s->tmp_name);
			fd = openat(s->dir_fd, s->tmp_name,
				    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd < 0 && errno != EEXIST)
				break;
		}
		if (fd >= 0)
			s->named = true;
	}
	if (fd < 0)
		return negative_errno();
	s->fd = fd;
	/* The umask must not make it readable by others either. */
	if (fchmod(fd, 0600) < 0)
		return negative_errno();
	return 0;
}

/*
 * Claim the announced space now, so that a full disk is reported before
 * any data moves and a write into it cannot fail for space. The size comes
 * from the host and is not trusted: more than the space unprivileged users
 * may still take (f_bavail) is refused outright, without trying, so that
 * a lying host neither fills the disk for a moment nor eats the root
 * reserve. A file system that cannot preallocate is written through
 * instead (handle_write).
 */
static int reserve_space(struct fcopy_session *s, uint64_t size)
{
	struct statvfs sv;

	s->reserved = false;
	if (size == 0)
		return 0;
	if (size > (uint64_t)INT64_MAX)
		return -EFBIG;
	/* f_blocks 0: no limit known (a tmpfs with size=0, some FUSE). */
	if (fstatvfs(s->fd, &sv) == 0 && sv.f_blocks > 0 && sv.f_frsize > 0 &&
	    size / sv.f_frsize >= (uint64_t)sv.f_bavail)
		return -ENOSPC;
	if (fallocate(s->fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)size) < 0) {
		if (errno == EOPNOTSUPP || errno == ENOSYS)
			return 0;
		return negative_errno();
	}
	s->reserved = true;
	return 0;
}

static int handle_start(struct fcopy_session *s, const struct fcopy_request *req)
{
	struct stat st;
	int r;

	if (s->active)
		session_reset(s); /* the host moved on; the old copy is abandoned */
	if (!name_ok(req->file_name))
		return -EINVAL;
	if (!s->buf) {
		s->buf = malloc(FCOPY_BUFFER_SIZE);
		if (!s->buf)
			return -ENOMEM;
	}
	r = open_destination(s, req->path_name, req->copy_flags & CREATE_PATH, &s->dir_fd);
	if (r < 0)
		return r;

	if (fstatat(s->dir_fd, req->file_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!(req->copy_flags & OVER_WRITE))
			r = -EEXIST;
		else if (S_ISLNK(st.st_mode))
			r = -ELOOP;
		else if (S_ISDIR(st.st_mode))
			r = -EISDIR;
		else if (!S_ISREG(st.st_mode))
			r = -EPERM;
	} else if (errno != ENOENT)
		r = negative_errno();
	if (r >= 0) {
		s->target = strdup(req->file_name);
		r = s->target ? create_temp(s) : -ENOMEM;
	}
	if (r >= 0)
		r = reserve_space(s, req->file_size);
	if (r < 0) {
		session_reset(s);
		return r;
	}
	s->flags = req->copy_flags;
	s->file_size = req->file_size;
	s->buf_len = 0;
	s->wb_from = s->wb_to = 0;
	s->written_end = 0;
	s->active = true;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t k = pwrite(fd, p, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return negative_errno();
		if (k == 0)
			return -ENOSPC;
		p += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

static int flush_buffer(struct fcopy_session *s)
{
	if (s->buf_len == 0)
		return 0;
	int r = write_all(s->fd, s->buf, s->buf_len, s->buf_off);
	uint64_t end = s->buf_off + s->buf_len;
	s->buf_len = 0;
	if (r < 0)
		return r;
	if (s->wb_to == s->wb_from) {
		s->wb_from = s->buf_off;
		s->wb_to = end;
	} else {
		s->wb_from = MIN(s->wb_from, s->buf_off);
		s->wb_to = MAX(s->wb_to, end);
	}
	if (s->wb_to - s->wb_from >= FCOPY_WRITEBEHIND) {
		/* Only starts writeback; errors surface at the final fsync. */
		(void)sync_file_range(s->fd, (off_t)s->wb_from, (off_t)(s->wb_to - s->wb_from),
				      SYNC_FILE_RANGE_WRITE);
		s->wb_from = s->wb_to;
	}
	return 0;
}

static int handle_write(struct fcopy_session *s, const struct fcopy_request *req)
{
	if (!s->active)
		return -EBADF;
	if (req->size > DATA_FRAGMENT || req->offset > s->file_size ||
	    req->size > s->file_size - req->offset)
		return -EINVAL;
	if (req->size == 0)
		return 0;
	if (s->buf_len > 0 && (req->offset != s->buf_off + s->buf_len ||
			       s->buf_len + req->size > FCOPY_BUFFER_SIZE)) {
		int r = flush_buffer(s);
		if (r < 0)
			return r;
	}
	if (s->buf_len == 0)
		s->buf_off = req->offset;
	memcpy(s->buf + s->buf_len, req->data, req->size);
	s->buf_len += req->size;
	s->written_end = MAX(s->written_end, req->offset + req->size);
	/*
	 * Gathering is safe only where the space is reserved; elsewhere this
	 * WRITE's own answer must say whether its bytes could be written.
	 */
	if (!s->reserved)
		return flush_buffer(s);
	return 0;
}

static int link_temp(struct fcopy_session *s, const char *name)
{
	char proc[64];

	if (linkat(s->fd, "", s->dir_fd, name, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT && errno != EPERM)
		return negative_errno();
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc's magic link does not. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", s->fd);
	if (linkat(AT_FDCWD, proc, s->dir_fd, name, AT_SYMLINK_FOLLOW) < 0)
		return negative_errno();
	return 0;
}

/*
 * Give the temporary file the attributes it is published with. A new file:
 * fcopy.file_mode, owned by the daemon. A file that replaces one (OVER_WRITE):
 * the replaced file's owner, group and permission bits, and its POSIX
 * access ACL, so that nobody gains access the old file did not give. The
 * set-user-ID, set-group-ID and sticky bits are dropped (the content is
 * new), and no other extended attribute is carried over: the SELinux label
 * and the rest of security.*, file capabilities, user.* and trusted.* are
 * those any new file in the directory gets.
 */
static int set_attributes(struct fcopy_session *s)
{
	_cleanup_close_ int old = -1;
	char proc[64], acl[8192];
	ssize_t acl_len = -1;
	struct stat st;

	if (s->flags & OVER_WRITE) {
		old = openat(s->dir_fd, s->target, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (old < 0 && errno != ENOENT)
			return negative_errno();
	}
	if (old < 0)
		return fchmod(s->fd, s->file_mode) < 0 ? negative_errno() : 0;
	if (fstat(old, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return S_ISLNK(st.st_mode) ? -ELOOP : S_ISDIR(st.st_mode) ? -EISDIR : -EPERM;
	/* An O_PATH descriptor has no xattr calls of its own; its /proc link does. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", old);
	acl_len = getxattr(proc, "system.posix_acl_access", acl, sizeof(acl));
	if (acl_len < 0 && errno != ENODATA && errno != EOPNOTSUPP)
		return negative_errno();
	if (fchown(s->fd, st.st_uid, st.st_gid) < 0)
		return negative_errno();
	if (acl_len > 0 && fsetxattr(s->fd, "system.posix_acl_access", acl, (size_t)acl_len, 0) < 0)
		return negative_errno();
	/* After the ACL: chmod keeps the ACL's mask equal to the group bits, as before. */
	if (fchmod(s->fd, st.st_mode & 0777) < 0)
		return negative_errno();
	return 0;
}

/*
 * A copy shorter than announced keeps what arrived (as upstream does), but
 * not the space reserved for the rest: truncating to the size the file
 * has frees the preallocated blocks beyond it (ext4, XFS, tmpfs).
 */
static int release_unwritten(struct fcopy_session *s)
{
	if (!s->reserved || s->written_end >= s->file_size)
		return 0;
	return ftruncate(s->fd, (off_t)s->written_end) < 0 ? negative_errno() : 0;
}

/* Put the finished temporary file in place of the target. */
static int publish(struct fcopy_session *s)
{
	bool overwrite = s->flags & OVER_WRITE;
	int r;

	if (!s->named && !overwrite)
		return link_temp(s, s->target); /* EEXIST if someone got there first */
	if (!s->named) {
		random_name(s->tmp_name);
		r = link_temp(s, s->tmp_name);
		if (r < 0)
			return r;
		s->named = true;
	}
	if (overwrite) {
		struct stat st;
		/* rename() never follows a symlink at the target; refuse anything but a file
		 * anyway. */
		if (fstatat(s->dir_fd, s->target, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISREG(st.st_mode))
			return S_ISLNK(st.st_mode) ? -ELOOP : -EISDIR;
		if (renameat(s->dir_fd, s->tmp_name, s->dir_fd, s->target) < 0)
			return negative_errno();
	} else if (renameat2(s->dir_fd, s->tmp_name, s->dir_fd, s->target, RENAME_NOREPLACE) < 0) {
		if (errno != EINVAL && errno != ENOSYS)
			return negative_errno();
		/* No RENAME_NOREPLACE here: link (fails if it exists), then drop the temp name. */
		if (linkat(s->dir_fd, s->tmp_name, s->dir_fd, s->target, 0) < 0)
			return negative_errno();
		(void)unlinkat(s->dir_fd, s->tmp_name, 0);
	}
	s->named = false;
	return 0;
}

static int handle_complete(struct fcopy_session *s)
{
	int r;

	if (!s->active)
		return -EBADF;
	r = flush_buffer(s);
	if (r >= 0)
		r = release_unwritten(s);
	if (r >= 0)
		r = set_attributes(s);
	if (r >= 0 && fsync(s->fd) < 0)
		r = negative_errno();
	if (r >= 0)
		r = publish(s);
	if (r >= 0) {
		/* The new name must survive a crash too. O_PATH fds cannot fsync. */
		_cleanup_close_ int d = openat(s->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d < 0 || fsync(d) < 0)
			r = negative_errno();
	}
	session_reset(s);
	return r;
}

int fcopy_session_handle(struct fcopy_session *s, const struct fcopy_request *req)
{
	switch (req->op) {
	case START_FILE_COPY:
		return handle_start(s, req);
	case WRITE_TO_FILE:
		return handle_write(s, req);
	case COMPLETE_FCOPY:
		return handle_complete(s);
	case CANCEL_FCOPY:
		session_reset(s);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}
