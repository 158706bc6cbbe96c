/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Upstream hv_vss_daemon's freeze algorithm (hv-protocol.md 3.3) on the
 * same channel as hypervvssd, for the benchmark: FIFREEZE each mount point
 * in the order given (the mount order upstream walks), with no flush
 * first; THAW in the same order; EBUSY/EINVAL count as success. Only the
 * mount points on its command line are ever touched: upstream's own
 * binary would walk /proc/mounts and freeze the machine's root.
 *
 * Usage: vss-upstream SOCKET MOUNT...
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "channel.h"
#include "hv_abi.h"

/* The channel is non-blocking (made for an event loop): wait, then read one message. */
static ssize_t recv_one(int fd, void *buf, size_t size)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return -errno;
		ssize_t n = hv_channel_recv(fd, buf, size);
		if (n != -EAGAIN)
			return n;
	}
}

static int walk(char **mounts, int n, unsigned long cmd)
{
	int err = 0;
	for (int i = 0; i < n; i++) {
		int fd = open(mounts[i], O_RDONLY);
		if (fd < 0)
			return -errno;
		int r = ioctl(fd, cmd, 0);
		int e = errno;
		close(fd);
		if (r < 0 && !(cmd == FIFREEZE && e == EBUSY) && !(cmd == FITHAW && e == EINVAL)) {
			err = -e;
			if (cmd == FIFREEZE)
				break;
		}
	}
	return err;
}

int main(int argc, char **argv)
{
	struct hv_vss_msg m = {};
	uint8_t buf[64];

	if (argc < 3) {
		fprintf(stderr, "usage: vss-upstream SOCKET MOUNT...\n");
		return 2;
	}
	int fd = hv_channel_open(argv[1]);
	if (fd < 0)
		return 1;
	m.vss_hdr.operation = VSS_OP_REGISTER1;
	if (hv_channel_send(fd, &m, sizeof(m)) < 0 || recv_one(fd, buf, sizeof(buf)) != 4)
		return 1;
	for (;;) {
		ssize_t n = recv_one(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		int r = 0;
		if (buf[0] == VSS_OP_FREEZE) {
			r = walk(argv + 2, argc - 2, FIFREEZE);
			if (r < 0)
				walk(argv + 2, argc - 2, FITHAW);
		} else if (buf[0] == VSS_OP_THAW)
			r = walk(argv + 2, argc - 2, FITHAW);
		memset(&m, 0, sizeof(m));
		m.error = r < 0 ? (int)HV_E_FAIL : 0;
		if (hv_channel_send(fd, &m, sizeof(m)) < 0)
			break;
	}
	/* Never leave anything frozen behind. */
	walk(argv + 2, argc - 2, FITHAW);
	return 0;
}
