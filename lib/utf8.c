/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * UTF-8 validation and UTF-8 <-> UTF-16LE conversion. The host speaks
 * UTF-16LE; the kernel converts KVP strings, fcopy over UIO does not.
 */
#include <errno.h>
#include <string.h>

#include "utf8.h"

/* Decode one code point at s (n bytes left). Returns its length, or 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ret_cp)
{
	uint32_t cp;
	size_t len;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		cp = s[0] & 0x1f;
		len = 2;
	} else if ((s[0] & 0xf0) == 0xe0) {
		cp = s[0] & 0x0f;
		len = 3;
	} else if ((s[0] & 0xf8) == 0xf0) {
		cp = s[0] & 0x07;
		len = 4;
	} else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and anything past U+10FFFF. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	*ret_cp = cp;
	return len;
}

bool utf8_is_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	while (len > 0) {
		uint32_t cp;
		size_t k = utf8_decode(p, len, &cp);
		if (k == 0 || cp == 0)
			return false;
		p += k;
		len -= k;
	}
	return true;
}

size_t utf8_utf16_units(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t units = 0;

	while (len > 0) {
		uint32_t cp;
		size_t k = utf8_decode(p, len, &cp);
		if (k == 0)
			k = 1; /* invalid input: count bytes, callers validate first */
		else
			units += cp >= 0x10000 ? 2 : 1;
		p += k;
		len -= k;
	}
	return units;
}

int utf16le_to_utf8(const uint8_t *in, size_t len, char *out, size_t size)
{
	size_t o = 0;

	if (size == 0)
		return -ENAMETOOLONG;
	for (size_t i = 0; i + 1 < len; i += 2) {
		uint32_t cp = in[i] | (uint32_t)in[i + 1] << 8;
		if (cp == 0)
			break;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (i + 3 >= len)
				return -EILSEQ;
			uint32_t lo = in[i + 2] | (uint32_t)in[i + 3] << 8;
			if (lo < 0xdc00 || lo > 0xdfff)
				return -EILSEQ;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		} else if (cp >= 0xdc00 && cp <= 0xdfff)
			return -EILSEQ;

		char buf[4];
		size_t k;
		if (cp < 0x80) {
			buf[0] = (char)cp;
			k = 1;
		} else if (cp < 0x800) {
			buf[0] = (char)(0xc0 | cp >> 6);
			buf[1] = (char)(0x80 | (cp & 0x3f));
			k = 2;
		} else if (cp < 0x10000) {
			buf[0] = (char)(0xe0 | cp >> 12);
			buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			buf[2] = (char)(0x80 | (cp & 0x3f));
			k = 3;
		} else {
			buf[0] = (char)(0xf0 | cp >> 18);
			buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
			buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
			buf[3] = (char)(0x80 | (cp & 0x3f));
			k = 4;
		}
		if (o + k >= size)
			return -ENAMETOOLONG;
		memcpy(out + o, buf, k);
		o += k;
	}
	out[o] = '\0';
	return (int)o;
}

int utf8_to_utf16le(const char *in, size_t len, uint8_t *out, size_t max_units)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t units = 0;

	while (len > 0) {
		uint32_t cp;
		size_t k = utf8_decode(p, len, &cp);
		if (k == 0)
			return -EILSEQ;
		if (cp == 0)
			break;
		size_t need = cp >= 0x10000 ? 2 : 1;
		if (units + need > max_units)
			break; /* the kernel cuts at a unit limit; never split a pair */
		if (need == 1) {
			out[2 * units] = (uint8_t)cp;
			out[2 * units + 1] = (uint8_t)(cp >> 8);
		} else {
			uint32_t v = cp - 0x10000;
			uint16_t hi = (uint16_t)(0xd800 + (v >> 10)),
				 lo = (uint16_t)(0xdc00 + (v & 0x3ff));
			out[2 * units] = (uint8_t)hi;
			out[2 * units + 1] = (uint8_t)(hi >> 8);
			out[2 * units + 2] = (uint8_t)lo;
			out[2 * units + 3] = (uint8_t)(lo >> 8);
		}
		units += need;
		p += k;
		len -= k;
	}
	return (int)units;
}
