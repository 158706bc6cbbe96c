/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzzes the os-release parser: any bytes must parse without a crash, and
 * the values must be NUL-terminated inside their buffers and never end in
 * a cut UTF-8 character that the input did not have.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "osrelease.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct osrelease r;
	char small[7];

	if (osrelease_parse((const char *)data, size, &r) != 0)
		abort();
	if (!memchr(r.name, '\0', sizeof(r.name)) || !memchr(r.version_id, '\0', sizeof(r.version_id)))
		abort();
	if (!r.has_name && r.name[0])
		abort();
	if (!r.has_version_id && r.version_id[0])
		abort();

	/* The truncating copy on the parsed value, into a tiny buffer. */
	size_t n = str_copy_utf8(small, r.name, sizeof(small));
	if (n >= sizeof(small) || small[n] != '\0' || strncmp(small, r.name, n) != 0)
		abort();
	return 0;
}
