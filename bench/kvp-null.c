/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kvp-null: the transport's ceiling for `make bench`. It registers like a
 * KVP daemon and then answers every request with status 0 without looking
 * at it: no decoding, no pool, no allocation. Whatever hypervkvpd costs on
 * top of this is the daemon's own work.
 *
 * usage: kvp-null SOCKET
 * Connects to SOCKET (AF_UNIX SOCK_SEQPACKET, retrying for up to 30 s while
 * the simulator is not yet listening) and runs until the peer hangs up
 * (exit 0) or an error (exit 1).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "hv_abi.h"
#include "macro.h"

int main(int argc, char **argv)
{
	/* Same size and alignment as the kernel's message; one buffer serves every reply. */
	static union {
		struct hv_kvp_msg msg;
		uint8_t bytes[KVP_MSG_SIZE];
	} buf;
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: %s SOCKET\n", argv[0]);
		return 2;
	}
	fd = hv_channel_open_wait(argv[1], 30 * 1000);
	if (fd < 0) {
		fprintf(stderr, "kvp-null: cannot connect to %s: %s\n", argv[1], strerror(-fd));
		return 1;
	}

	buf.msg.kvp_hdr.operation = KVP_OP_REGISTER1;
	if (write(fd, buf.bytes, KVP_MSG_SIZE) != (ssize_t)KVP_MSG_SIZE) {
		fprintf(stderr, "kvp-null: registration failed: %m\n");
		return 1;
	}
	n = read(fd, buf.bytes, KVP_MSG_SIZE);
	if (n != (ssize_t)KVP_MSG_SIZE || buf.msg.kvp_hdr.operation != KVP_OP_REGISTER1) {
		fprintf(stderr, "kvp-null: no registration answer\n");
		return 1;
	}

	for (;;) {
		n = read(fd, buf.bytes, KVP_MSG_SIZE);
		if (n == 0)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)KVP_MSG_SIZE) {
			fprintf(stderr, "kvp-null: bad read (%zd): %m\n", n);
			return 1;
		}
		buf.msg.error = 0;
		if (write(fd, buf.bytes, KVP_MSG_SIZE) != (ssize_t)KVP_MSG_SIZE) {
			fprintf(stderr, "kvp-null: reply failed: %m\n");
			return 1;
		}
	}
}
