/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mkpool: write a KVP pool file with N records for `make bench`, in the
 * exact on-disk format (hv-protocol.md 2.5): no header, N records of
 * 2560 bytes, a 512-byte NUL-padded key then a 2048-byte NUL-padded value.
 * Record i holds "key-i" / "value-i", which is what `hv-hostsim bench`
 * asks for and checks.
 *
 * usage: mkpool FILE N
 * FILE is created (mode 0644) or truncated; it is written to FILE.tmp and
 * renamed into place so that a reader never sees half a pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv_abi.h"
#include "macro.h"

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_pool(const char *path, uint32_t n)
{
	/* Records go out in batches: 64 × 2560 bytes per write. */
	enum { BATCH = 64 };
	_cleanup_free_ char *tmp = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	buf = malloc((size_t)BATCH * KVP_RECORD_SIZE);
	if (!buf)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return negative_errno();

	for (uint32_t i = 0; i < n;) {
		uint32_t k = 0;

		memset(buf, 0, (size_t)BATCH * KVP_RECORD_SIZE);
		for (; k < BATCH && i < n; k++, i++) {
			uint8_t *rec = buf + (size_t)k * KVP_RECORD_SIZE;

			snprintf((char *)rec, KVP_KEY_MAX, "key-%" PRIu32, i);
			snprintf((char *)rec + KVP_KEY_MAX, KVP_VALUE_MAX, "value-%" PRIu32, i);
		}
		r = write_all(fd, buf, (size_t)k * KVP_RECORD_SIZE);
		if (r < 0)
			goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = negative_errno();
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = negative_errno();
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	return r;
}

int main(int argc, char **argv)
{
	char *end;
	unsigned long long n;
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: %s FILE N\n", argv[0]);
		return 2;
	}
	errno = 0;
	n = strtoull(argv[2], &end, 10);
	if (errno || *end || end == argv[2] || argv[2][0] == '-' || n > UINT32_MAX) {
		fprintf(stderr, "mkpool: bad record count '%s'\n", argv[2]);
		return 2;
	}
	r = write_pool(argv[1], (uint32_t)n);
	if (r < 0) {
		fprintf(stderr, "mkpool: cannot write %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	return 0;
}
