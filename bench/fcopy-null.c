/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fcopy-null: the legacy fcopy transport's ceiling for `make bench`.
 * Connects to SOCKET, registers like a daemon (4-byte version 1, 4-byte
 * answer), then answers every message with status 0 and does no work.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "fcopy_codec.h"

int main(int argc, char **argv)
{
	static uint8_t buf[2 * FCOPY_LEGACY_MAX_MESSAGE];
	uint8_t reg[FCOPY_LEGACY_REG_SIZE], ok[FCOPY_LEGACY_STATUS_SIZE];

	if (argc != 2) {
		fprintf(stderr, "Usage: fcopy-null SOCKET\n");
		return 2;
	}
	int fd = hv_channel_open(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "fcopy-null: %s: %s\n", argv[1], strerror(-fd));
		return 1;
	}
	if (hv_channel_send(fd, reg, fcopy_legacy_encode_register(reg)) < 0)
		return 1;
	fcopy_legacy_encode_status(ok, 0);
	for (;;) {
		/* Blocking reads: the socket was opened without O_NONBLOCK. */
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return n == 0 ? 0 : 1;
		if (n == FCOPY_LEGACY_REG_SIZE && fcopy_legacy_decode_register_reply(buf, (size_t)n) == 0)
			continue; /* the registration answer (a real message is never 4 bytes) */
		if (hv_channel_send(fd, ok, sizeof(ok)) < 0)
			return 1;
	}
}
