/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the escaping of untrusted text for logs and terminals.
 * Whatever the input, the output must be valid UTF-8 without a C0, DEL or
 * C1 control, fit its buffer, and unescape back to exactly the input.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "strescape.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The inverse of str_escape(); -1 on a form str_escape() never writes. */
static long unescape(const char *s, size_t len, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\') {
			out[o++] = (uint8_t)s[i];
			continue;
		}
		if (++i >= len)
			return -1;
		switch (s[i]) {
		case '\\':
			out[o++] = '\\';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'x':
			if (i + 2 >= len || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
				return -1;
			out[o++] = (uint8_t)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			i += 2;
			break;
		case 'u':
			if (i + 4 >= len || strncmp(s + i + 1, "00", 2) != 0 ||
			    hexval(s[i + 3]) < 8 || hexval(s[i + 3]) > 9 || hexval(s[i + 4]) < 0)
				return -1;
			out[o++] = 0xc2;
			out[o++] = (uint8_t)(hexval(s[i + 3]) << 4 | hexval(s[i + 4]));
			i += 4;
			break;
		default:
			return -1;
		}
	}
	return (long)o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[STR_ESCAPE_SIZE(4096)];
	static uint8_t back[4096];
	size_t consumed;

	if (size > 4096)
		return 0;
	/* Half of the inputs also choose a small buffer, to exercise truncation. */
	size_t bufsize =
		size && (data[0] & 1) ? (size_t)data[0] * 7 % sizeof(out) + 1 : sizeof(out);
	size_t n = str_escape(out, bufsize, (const char *)data, size, &consumed);
	if (n >= bufsize || out[n] != '\0' || strlen(out) != n || consumed > size)
		__builtin_trap();
	if (bufsize >= STR_ESCAPE_SIZE(size) && consumed != size)
		__builtin_trap();
	if (!utf8_is_valid(out, n))
		__builtin_trap();
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)out[i];
		if (c < 0x20 || c == 0x7f || (c == 0xc2 && i + 1 < n && (uint8_t)out[i + 1] < 0xa0))
			__builtin_trap();
	}
	long m = unescape(out, n, back);
	if (m < 0 || (size_t)m != consumed || memcmp(back, data, consumed) != 0)
		__builtin_trap();
	return 0;
}
