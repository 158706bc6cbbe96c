/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "strescape.h"
#include "utf8.h"

/* Length of the valid UTF-8 character at s (n bytes left), 0 if there is none. */
static size_t utf8_char_len(const unsigned char *s, size_t n)
{
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len || !utf8_is_valid((const char *)s, len))
		return 0;
	return len;
}

size_t str_escape(char *dst, size_t size, const char *src, size_t len, size_t *ret_consumed)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n = utf8_char_len(s + i, len - i), outlen;
		const char *out = NULL;
		char esc[8];

		if (c == '\\')
			out = "\\\\";
		else if (c == '\n')
			out = "\\n";
		else if (c == '\r')
			out = "\\r";
		else if (c == '\t')
			out = "\\t";
		else if (n == 0 || c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			out = esc;
			n = 1;
		} else if (n == 2 && c == 0xc2 && s[i + 1] < 0xa0) {
			snprintf(esc, sizeof(esc), "\\u%04x", s[i + 1]);
			out = esc;
		}
		outlen = out ? strlen(out) : n;
		if (o + outlen >= size)
			break;
		memcpy(dst + o, out ? out : src + i, outlen);
		o += outlen;
		i += n;
	}
	if (size > 0)
		dst[o] = '\0';
	if (ret_consumed)
		*ret_consumed = i;
	return o;
}

const char *str_escape_buf(char *buf, size_t size, const char *s)
{
	str_escape(buf, size, s, strlen(s), NULL);
	return buf;
}
