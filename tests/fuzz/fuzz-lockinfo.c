/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzzes the parsers of the kernel's lock table (/proc/locks lines) and of
 * fdinfo files, which lib/kvp_lockinfo.c reads after a pool lock timeout:
 * no crash, no read past the input (it is not NUL-terminated), and every
 * parsed line is consistent (a lock equals itself; OFD and FLOCK kinds
 * parse back from what was accepted).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvp_lockinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvp_lock_entry e, locks[4];
	unsigned flags;
	size_t nl = 0;

	/* A copy of exactly size bytes, so that a read past the end is caught. */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);

	/* The whole input as fdinfo text. */
	if (kvp_fdinfo_parse(text, size, &flags, locks, 4, &nl) == 0) {
		if (nl > 4)
			abort();
		for (size_t i = 0; i < nl; i++)
			if (!kvp_lock_same(&locks[i], &locks[i]) || locks[i].kind > KVP_LOCK_OTHER)
				abort();
	}

	/* Each line as a /proc/locks line. */
	for (size_t pos = 0; pos < size;) {
		const char *eol = memchr(text + pos, '\n', size - pos);
		size_t n = eol ? (size_t)(eol - (text + pos)) : size - pos;
		if (kvp_lock_parse_line(text + pos, n, &e) == 0 &&
		    (e.kind > KVP_LOCK_OTHER || (e.end != -1 && e.end < 0) ||
		     !kvp_lock_same(&e, &e)))
			abort();
		pos += n + 1;
	}
	free(text);
	return 0;
}
