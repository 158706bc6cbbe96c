/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The transport: a kernel /dev/vmbus/hv_* misc device or, when the
 * configured path is a socket, an AF_UNIX SOCK_SEQPACKET connection to a
 * simulated host. Both deliver one whole message per read and take one
 * whole reply per write, so nothing above this file knows which it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "macro.h"

static int channel_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return negative_errno();
	return TAKE_FD(fd);
}

int hv_channel_open(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return negative_errno();
	if (S_ISSOCK(st.st_mode))
		return channel_connect(path);
	if (!S_ISCHR(st.st_mode))
		return -ENOTTY;
	/* The kernel ignores O_NONBLOCK on these devices; we only read after poll. */
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? negative_errno() : fd;
}

int hv_channel_open_wait(const char *path, unsigned timeout_ms)
{
	const struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };

	for (unsigned waited = 0;; waited += 10) {
		int fd = hv_channel_open(path);
		if (fd >= 0 || (fd != -ENOENT && fd != -ECONNREFUSED) || waited >= timeout_ms)
			return fd;
		nanosleep(&pause, NULL);
	}
}

ssize_t hv_channel_recv(int fd, void *buf, size_t size)
{
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	/* A socket first (one syscall on the hot path); ENOTSOCK means the device. */
	do
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return (mh.msg_flags & MSG_TRUNC) ? -EMSGSIZE : n;
	if (errno != ENOTSOCK)
		return negative_errno();

	do
		n = read(fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		/* The device answers EINVAL when the pending message is larger than size. */
		return errno == EINVAL ? -EMSGSIZE : negative_errno();
	return n;
}

int hv_channel_send(int fd, const void *buf, size_t len)
{
	ssize_t n;

	do
		n = send(fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == ENOTSOCK) {
		do
			n = write(fd, buf, len);
		while (n < 0 && errno == EINTR);
	}
	if (n < 0)
		return negative_errno();
	return (size_t)n == len ? 0 : -EIO;
}
