/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulator's side of the transport: it listens where the daemon's
 * configured device path points, and every wait on the daemon is bounded so
 * that a hung daemon fails the run instead of hanging it.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hostsim.h"
#include "macro.h"

int hs_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);

	/* Only ever remove a socket: a typo must not delete someone's file. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (unlink(path) < 0)
			return negative_errno();
	} else if (errno != ENOENT)
		return negative_errno();

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return negative_errno();
	if (listen(fd, 4) < 0)
		return negative_errno();
	return TAKE_FD(fd);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll one fd for input until the deadline, restarting after signals. */
static int wait_readable(int fd, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		int r;

		if (left < 0)
			left = 0;
		r = poll(&p, 1, (int)MIN(left, (long long)INT_MAX));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return negative_errno();
		if (r == 0)
			return -ETIMEDOUT;
		/* POLLHUP/POLLERR are reported by the read that follows. */
		return 0;
	}
}

int hs_accept(int listen_fd, int timeout_ms)
{
	int r = wait_readable(listen_fd, timeout_ms);
	if (r < 0)
		return r;
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	return fd < 0 ? negative_errno() : fd;
}

ssize_t hs_recv(int fd, void *buf, size_t size, int timeout_ms)
{
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;
	int r;

	r = wait_readable(fd, timeout_ms);
	if (r < 0)
		return r;
	do
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		/* A reset connection is the daemon going away, like EOF. */
		return errno == ECONNRESET ? 0 : negative_errno();
	if (mh.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	return n;
}

int hs_send(int fd, const void *buf, size_t len)
{
	ssize_t n;

	do
		n = send(fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	return (size_t)n == len ? 0 : -EIO;
}

int hs_parse_seconds(const char *s, int *ret_ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > 86400)
		return -EINVAL;
	*ret_ms = MAX((int)(v * 1000 + 0.5), 1);
	return 0;
}
