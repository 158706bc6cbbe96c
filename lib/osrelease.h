/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * os-release(5) parsing for the AUTO pool's OSName and OSMajorVersion
 * (hv-protocol.md section 2.6). Pure: text in, struct out, so the unit
 * tests and the fuzzer call it directly.
 */
#ifndef HVGUEST_OSRELEASE_H
#define HVGUEST_OSRELEASE_H

#include <stdbool.h>
#include <stddef.h>

#include "hv_abi.h"

struct osrelease {
	bool has_name;	     /* a NAME= assignment was seen (possibly empty) */
	bool has_version_id; /* a VERSION_ID= assignment was seen */
	char name[KVP_VALUE_MAX];
	char version_id[KVP_VALUE_MAX];
};

/*
 * Parses os-release text (len bytes, need not be NUL-terminated) with the
 * shell quoting os-release(5) allows: unquoted words with backslash escapes,
 * '...' (no escapes), "..." (\\ \" \$ \` escapes; other backslashes kept),
 * adjacent quoted parts concatenated, blank lines and # comments. A line
 * that is not a valid assignment is ignored, as a shell-less reader should;
 * the last assignment of a key wins. Values longer than the struct's buffers
 * are cut at a UTF-8 character boundary. Returns 0 or -EINVAL.
 */
int osrelease_parse(const char *text, size_t len, struct osrelease *ret);

/*
 * Copies src into dst (size bytes, size >= 1), cutting at a UTF-8 character
 * boundary when it does not fit; always NUL-terminates. Returns the length
 * copied.
 */
size_t str_copy_utf8(char *dst, const char *src, size_t size);

#endif
