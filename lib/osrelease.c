/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * os-release(5) parser: the subset of shell assignment syntax the file
 * format allows, without ever running a shell.
 */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "osrelease.h"

/* A value buffer that remembers it overflowed, so it can be cut cleanly. */
struct valbuf {
	char *s;
	size_t size;
	size_t len;
	bool full;
};

static void valbuf_put(struct valbuf *v, char c)
{
	if (v->len + 1 >= v->size) {
		v->full = true;
		return;
	}
	v->s[v->len++] = c;
}

/* Drops a trailing, incomplete UTF-8 sequence left by a cut at n bytes. */
static size_t utf8_cut(const char *s, size_t n)
{
	size_t i = n, back = 0;

	while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
		i--;
		back++;
	}
	if (i == 0)
		return n;
	unsigned char lead = (unsigned char)s[i - 1];
	size_t need;
	if (lead < 0x80)
		return n;
	else if ((lead & 0xE0) == 0xC0)
		need = 2;
	else if ((lead & 0xF0) == 0xE0)
		need = 3;
	else if ((lead & 0xF8) == 0xF0)
		need = 4;
	else
		return n; /* not UTF-8 anyway: nothing to keep whole */
	return back + 1 < need ? i - 1 : n;
}

size_t str_copy_utf8(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size == 0)
		return 0;
	if (n >= size)
		n = utf8_cut(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

static bool is_blank(char c)
{
	/* '\r' so that files written on Windows still parse. */
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_key_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_key_char(char c)
{
	return is_key_start(c) || (c >= '0' && c <= '9');
}

/*
 * Decodes one shell word starting at p[*i] into v. Returns false if the
 * word is malformed (an unterminated quote).
 */
static bool decode_word(const char *p, size_t n, size_t *i, struct valbuf *v)
{
	size_t k = *i;

	while (k < n && !is_blank(p[k])) {
		char c = p[k];
		if (c == '\'') {
			const char *end = memchr(p + k + 1, '\'', n - k - 1);
			if (!end)
				return false;
			for (const char *q = p + k + 1; q < end; q++)
				valbuf_put(v, *q);
			k = (size_t)(end - p) + 1;
		} else if (c == '"') {
			k++;
			for (;;) {
				if (k >= n)
					return false;
				c = p[k];
				if (c == '"') {
					k++;
					break;
				}
				if (c == '\\' && k + 1 < n && strchr("\\\"$`", p[k + 1])) {
					valbuf_put(v, p[k + 1]);
					k += 2;
					continue;
				}
				/* Inside "..." any other backslash is literal. */
				valbuf_put(v, c);
				k++;
			}
		} else if (c == '\\') {
			/* Unquoted: the backslash quotes the next character; a
			 * lone one at the end of the line is dropped (it would
			 * continue the line in a shell). */
			if (k + 1 < n)
				valbuf_put(v, p[k + 1]);
			k += 2;
		} else {
			valbuf_put(v, c);
			k++;
		}
	}
	*i = MIN(k, n);
	return true;
}

static void parse_line(const char *p, size_t n, struct osrelease *r)
{
	char val[KVP_VALUE_MAX];
	struct valbuf v = { .s = val, .size = sizeof(val) };
	size_t i = 0, key_start, key_len;

	/* An embedded NUL cannot be represented in the C strings we hand out. */
	if (memchr(p, '\0', n))
		return;
	while (i < n && is_blank(p[i]))
		i++;
	if (i == n || p[i] == '#' || p[i] == ';')
		return;
	if (!is_key_start(p[i]))
		return;
	key_start = i;
	while (i < n && is_key_char(p[i]))
		i++;
	key_len = i - key_start;
	/* Tolerate "KEY = value" as systemd's env-file reader does. */
	while (i < n && is_blank(p[i]))
		i++;
	if (i == n || p[i] != '=')
		return;
	i++;
	while (i < n && is_blank(p[i]))
		i++;
	if (!decode_word(p, n, &i, &v))
		return;
	while (i < n && is_blank(p[i]))
		i++;
	/* Anything but a comment after the value would be a second word, which
	 * a shell would run as a command: not an assignment we understand. */
	if (i < n && p[i] != '#')
		return;

	v.len = v.full ? utf8_cut(val, v.len) : v.len;
	val[v.len] = '\0';

	const char *key = p + key_start;
	if (key_len == 4 && memcmp(key, "NAME", 4) == 0) {
		memcpy(r->name, val, v.len + 1);
		r->has_name = true;
	} else if (key_len == 10 && memcmp(key, "VERSION_ID", 10) == 0) {
		memcpy(r->version_id, val, v.len + 1);
		r->has_version_id = true;
	}
}

int osrelease_parse(const char *text, size_t len, struct osrelease *ret)
{
	size_t i = 0;

	if (!ret || (!text && len > 0))
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		parse_line(text + i, end - i, ret);
		i = end + 1;
	}
	return 0;
}
