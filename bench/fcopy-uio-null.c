/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fcopy-uio-null: the UIO transport's ceiling for the fcopy benchmark. It
 * maps the simulated ring of `hv-hostsim fcopy --uio` and answers every
 * packet (negotiation properly, everything else with status 0) without
 * decoding or writing anything: the ring, the IC framing and the
 * interrupts, nothing else. Whatever hypervfcopyd costs on top is its own.
 *
 * usage: fcopy-uio-null SOCKET RING
 * SOCKET is DIR/dev/uio3 and RING DIR/sys/bus/vmbus/devices/<instance>/
 * channels/14/ring (tools/hv-hostsim/fcopy_uio.h). Retries for up to 30 s
 * while the simulator is not there yet; runs until it hangs up (exit 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "ic_msg.h"
#include "macro.h"
#include "vmbus_ring.h"

static const struct ic_version fw[] = { { 3, 0 } }, srv[] = { { 1, 1 } };

int main(int argc, char **argv)
{
	static uint8_t buf[VMBUS_RING_MAX_SIZE / 1024]; /* 64 KiB: more than any ring it is given */
	struct vmbus_ring tx, rx;
	struct stat st;
	int32_t one = 1;
	uint32_t count;

	if (argc != 3) {
		fprintf(stderr, "Usage: fcopy-uio-null SOCKET RING\n");
		return 2;
	}
	int fd = hv_channel_open_wait(argv[1], 30 * 1000);
	if (fd < 0) {
		fprintf(stderr, "fcopy-uio-null: %s: %s\n", argv[1], strerror(-fd));
		return 1;
	}
	_cleanup_close_ int mfd = open(argv[2], O_RDWR | O_CLOEXEC);
	if (mfd < 0 || fstat(mfd, &st) < 0) {
		perror(argv[2]);
		return 1;
	}
	size_t ring_size = (size_t)st.st_size / 2;
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (map == MAP_FAILED || vmbus_ring_init(&tx, map, ring_size) < 0 ||
	    vmbus_ring_init(&rx, (uint8_t *)map + ring_size, ring_size) < 0 || rx.dsize > sizeof(buf)) {
		fprintf(stderr, "fcopy-uio-null: %s: cannot map a ring of %zu bytes\n", argv[2], ring_size);
		return 1;
	}
	for (;;) {
		struct vmbus_packet p;
		int r;

		while ((r = vmbus_ring_read(&rx, buf, sizeof(buf), &p)) == 0) {
			uint8_t *pl = (uint8_t *)p.payload;
			if (ic_msg_type(pl, p.payload_len) == IC_MSGTYPE_NEGOTIATE)
				(void)ic_negotiate(pl, p.payload_len, fw, 1, srv, 1, NULL, NULL);
			else
				ic_set_response(pl, p.payload_len, 0);
			if (vmbus_ring_write(&tx, VM_PKT_DATA_INBAND, 0, p.desc.trans_id, pl, p.payload_len) < 0) {
				fprintf(stderr, "fcopy-uio-null: TX ring full\n");
				return 1;
			}
		}
		if (r != -EAGAIN) {
			fprintf(stderr, "fcopy-uio-null: broken RX ring\n");
			return 1;
		}
		vmbus_ring_set_mask(&rx, 0);
		/* Never block on a signal (a real uio write does not): one pending is enough. */
		if (send(fd, &one, sizeof(one), MSG_NOSIGNAL | MSG_DONTWAIT) != sizeof(one) &&
		    errno != EAGAIN)
			return 0;
		if (vmbus_ring_avail(&rx) > 0)
			continue;
		ssize_t n = read(fd, &count, sizeof(count));
		if (n <= 0)
			return n == 0 ? 0 : 1;
	}
}
