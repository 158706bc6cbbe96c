/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmbus-shim.so: LD_PRELOAD shim that lets the upstream daemons (Debian's
 * hyperv-daemons: hv_kvp_daemon, hv_vss_daemon, hv_fcopy_daemon) talk to
 * hv-hostsim instead of the kernel, for `make bench`.
 *
 * An open of /dev/vmbus/hv_kvp, hv_vss or hv_fcopy becomes a connect to the
 * AF_UNIX SOCK_SEQPACKET socket named by HVGUEST_SHIM_KVP, HVGUEST_SHIM_VSS
 * or HVGUEST_SHIM_FCOPY. Such a socket delivers one whole message per read
 * and takes one per write, like the device (hv-protocol.md 1.3). The
 * device also ignores the offset of pread/pwrite, which hv_fcopy_daemon
 * uses; on a socket they fail with ESPIPE, so pread/pwrite that fail so are
 * retried as read/write (a file never gives ESPIPE: nothing else changes).
 * When the variable is unset the open goes to the real device untouched.
 *
 * The daemons may be started before the simulator listens: the connect is
 * retried for HVGUEST_SHIM_TIMEOUT seconds (default 10).
 *
 * Built by the Makefile with its own flags (-fPIC -shared -ldl), outside
 * libhvguest.a: it must not pull anything into the daemon it is loaded into.
 */
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Symbols we define; glibc declares only some of them. */
int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);
int openat(int dirfd, const char *path, int flags, ...);
int openat64(int dirfd, const char *path, int flags, ...);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

static const struct {
	const char *device;
	const char *env;
} shim_map[] = {
	{ "/dev/vmbus/hv_kvp", "HVGUEST_SHIM_KVP" },
	{ "/dev/vmbus/hv_vss", "HVGUEST_SHIM_VSS" },
	{ "/dev/vmbus/hv_fcopy", "HVGUEST_SHIM_FCOPY" },
};

static int shim_connect(const char *sock, int flags)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };
	const char *t = getenv("HVGUEST_SHIM_TIMEOUT");
	long tries = (t && *t ? strtol(t, NULL, 10) : 10) * 100;
	int type = SOCK_SEQPACKET | ((flags & O_CLOEXEC) ? SOCK_CLOEXEC : 0);

	if (strlen(sock) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, sock);

	for (;;) {
		int fd = socket(AF_UNIX, type, 0);
		int e;

		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		e = errno;
		close(fd);
		if ((e != ENOENT && e != ECONNREFUSED) || tries-- <= 0) {
			/* ENOENT, like a missing device, so the daemon's own error path runs. */
			errno = e;
			return -1;
		}
		nanosleep(&pause, NULL);
	}
}

/* -2: not ours, go to the real open; otherwise the fd or -1 with errno. */
static int shim_redirect(int dirfd, const char *path, int flags)
{
	if (!path || strncmp(path, "/dev/vmbus/", 11) != 0)
		return -2;
	(void)dirfd; /* the paths we take are absolute, so dirfd never matters */
	for (size_t i = 0; i < sizeof(shim_map) / sizeof(shim_map[0]); i++) {
		const char *sock;

		if (strcmp(path, shim_map[i].device) != 0)
			continue;
		sock = getenv(shim_map[i].env);
		if (!sock || !*sock)
			return -2;
		return shim_connect(sock, flags);
	}
	return -2;
}

static void *shim_next(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f)
		abort(); /* no way to open anything: better loud than wrong */
	return f;
}

static mode_t shim_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

#define SHIM_OPEN(name)                                                        \
	int name(const char *path, int flags, ...)                             \
	{                                                                      \
		static int (*real)(const char *, int, ...);                    \
		va_list ap;                                                    \
		mode_t mode;                                                   \
		int fd = shim_redirect(AT_FDCWD, path, flags);                 \
		if (fd != -2)                                                  \
			return fd;                                             \
		va_start(ap, flags);                                           \
		mode = shim_mode(flags, ap);                                   \
		va_end(ap);                                                    \
		if (!real)                                                     \
			real = (int (*)(const char *, int, ...))shim_next(#name); \
		return real(path, flags, mode);                                \
	}

#define SHIM_OPENAT(name)                                                      \
	int name(int dirfd, const char *path, int flags, ...)                  \
	{                                                                      \
		static int (*real)(int, const char *, int, ...);               \
		va_list ap;                                                    \
		mode_t mode;                                                   \
		int fd = shim_redirect(dirfd, path, flags);                    \
		if (fd != -2)                                                  \
			return fd;                                             \
		va_start(ap, flags);                                           \
		mode = shim_mode(flags, ap);                                   \
		va_end(ap);                                                    \
		if (!real)                                                     \
			real = (int (*)(int, const char *, int, ...))shim_next(#name); \
		return real(dirfd, path, flags, mode);                         \
	}

#define SHIM_OPEN_2(name)                                                      \
	int name(const char *path, int flags)                                  \
	{                                                                      \
		static int (*real)(const char *, int);                         \
		int fd = shim_redirect(AT_FDCWD, path, flags);                 \
		if (fd != -2)                                                  \
			return fd;                                             \
		if (!real)                                                     \
			real = (int (*)(const char *, int))shim_next(#name);   \
		return real(path, flags);                                      \
	}

#define SHIM_OPENAT_2(name)                                                    \
	int name(int dirfd, const char *path, int flags)                       \
	{                                                                      \
		static int (*real)(int, const char *, int);                    \
		int fd = shim_redirect(dirfd, path, flags);                    \
		if (fd != -2)                                                  \
			return fd;                                             \
		if (!real)                                                     \
			real = (int (*)(int, const char *, int))shim_next(#name); \
		return real(dirfd, path, flags);                               \
	}

SHIM_OPEN(open)
SHIM_OPEN(open64)
SHIM_OPENAT(openat)
SHIM_OPENAT(openat64)
SHIM_OPEN_2(__open_2)
SHIM_OPEN_2(__open64_2)
SHIM_OPENAT_2(__openat_2)
SHIM_OPENAT_2(__openat64_2)

/* pread/pwrite on the redirected socket: the offset means nothing, as on the device. */
#define SHIM_PIO(name, fallback, buftype)                                      \
	ssize_t name(int fd, buftype buf, size_t count, off_t offset)          \
	{                                                                      \
		static ssize_t (*real)(int, buftype, size_t, off_t);           \
		ssize_t n;                                                     \
		if (!real)                                                     \
			real = (ssize_t(*)(int, buftype, size_t, off_t))shim_next(#name); \
		n = real(fd, buf, count, offset);                              \
		if (n < 0 && errno == ESPIPE)                                  \
			n = fallback(fd, buf, count);                          \
		return n;                                                      \
	}

ssize_t pread(int fd, void *buf, size_t count, off_t offset);
ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset);
ssize_t pread64(int fd, void *buf, size_t count, off_t offset);
ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset);
SHIM_PIO(pread, read, void *)
SHIM_PIO(pwrite, write, const void *)
SHIM_PIO(pread64, read, void *)
SHIM_PIO(pwrite64, write, const void *)
