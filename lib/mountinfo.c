/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /proc/self/mountinfo parser. The kernel writes one mount a line:
 *   ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER_OPTIONS
 * with space, tab, newline and backslash in paths written as \ooo octal.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "mountinfo.h"

/* Far more than any real system; it bounds what a fuzzer can make us allocate. */
#define MOUNTINFO_MAX_BYTES  (64u * 1024 * 1024)
#define MOUNTINFO_MAX_FIELDS 64

void mount_table_done(struct mount_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->entries[i].root); /* the one allocation of the entry */
	free(t->entries);
	t->entries = NULL;
	t->n = 0;
}

static int parse_uint(const char *s, size_t len, unsigned *ret)
{
	unsigned long v = 0;

	if (len == 0 || len > 10)
		return -EBADMSG;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EBADMSG;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > UINT_MAX)
		return -EBADMSG;
	*ret = (unsigned)v;
	return 0;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* Copy a field undoing the kernel's \ooo escapes; returns the bytes written. */
static size_t unescape(char *dst, const char *src, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (src[i] == '\\' && i + 3 < len && is_octal(src[i + 1]) && is_octal(src[i + 2]) &&
		    is_octal(src[i + 3])) {
			unsigned v = (unsigned)(src[i + 1] - '0') * 64 +
				     (unsigned)(src[i + 2] - '0') * 8 +
				     (unsigned)(src[i + 3] - '0');
			if (v != 0 && v <= 255) {
				dst[o++] = (char)v;
				i += 3;
				continue;
			}
		}
		dst[o++] = src[i];
	}
	dst[o] = '\0';
	return o;
}

struct field {
	const char *p;
	size_t len;
};

static int parse_line(const char *line, size_t len, struct mount_entry *ret)
{
	struct field f[MOUNTINFO_MAX_FIELDS];
	size_t nf = 0, i = 0, sep;
	unsigned maj, min;
	int r;

	while (i < len) {
		while (i < len && line[i] == ' ')
			i++;
		if (i >= len)
			break;
		if (nf == MOUNTINFO_MAX_FIELDS)
			return -EBADMSG;
		f[nf].p = line + i;
		while (i < len && line[i] != ' ')
			i++;
		f[nf].len = (size_t)(line + i - f[nf].p);
		nf++;
	}
	/* The separator comes after the six fixed fields and any optional ones. */
	for (sep = 6; sep < nf; sep++)
		if (f[sep].len == 1 && f[sep].p[0] == '-')
			break;
	if (nf < 6 || sep >= nf || nf - sep != 4)
		return -EBADMSG;

	r = parse_uint(f[0].p, f[0].len, &ret->mount_id);
	if (r < 0)
		return r;
	r = parse_uint(f[1].p, f[1].len, &ret->parent_id);
	if (r < 0)
		return r;
	const char *colon = memchr(f[2].p, ':', f[2].len);
	if (!colon)
		return -EBADMSG;
	if (parse_uint(f[2].p, (size_t)(colon - f[2].p), &maj) < 0 ||
	    parse_uint(colon + 1, f[2].len - (size_t)(colon - f[2].p) - 1, &min) < 0)
		return -EBADMSG;
	ret->major = maj;
	ret->minor = min;

	/* root, mount point, options, type, source, super options */
	const struct field *want[6] = {
		&f[3], &f[4], &f[5], &f[sep + 1], &f[sep + 2], &f[sep + 3]
	};
	size_t total = 0;
	for (size_t k = 0; k < 6; k++)
		total += want[k]->len + 1;
	char *buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	char *out[6];
	char *p = buf;
	for (size_t k = 0; k < 6; k++) {
		out[k] = p;
		p += unescape(p, want[k]->p, want[k]->len) + 1;
	}
	ret->root = out[0];
	ret->mount_point = out[1];
	ret->mount_options = out[2];
	ret->fstype = out[3];
	ret->source = out[4];
	ret->super_options = out[5];
	if (ret->mount_point[0] != '/' || ret->fstype[0] == '\0') {
		free(buf);
		return -EBADMSG;
	}
	return 0;
}

int mountinfo_parse(const char *text, size_t len, struct mount_table *ret)
{
	struct mount_table t = {};
	size_t cap = 0, pos = 0;
	int r;

	if (len > MOUNTINFO_MAX_BYTES || memchr(text, '\0', len))
		return -EBADMSG;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;

		if (l > 0) {
			if (t.n == cap) {
				size_t ncap = cap ? cap * 2 : 32;
				struct mount_entry *ne = realloc(t.entries, ncap * sizeof(*ne));
				if (!ne) {
					mount_table_done(&t);
					return -ENOMEM;
				}
				t.entries = ne;
				cap = ncap;
			}
			r = parse_line(text + pos, l, &t.entries[t.n]);
			if (r < 0) {
				mount_table_done(&t);
				return r;
			}
			t.n++;
		}
		pos += l + 1;
	}
	*ret = t;
	return 0;
}

int mountinfo_read(const char *path, struct mount_table *ret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t size = 0, cap = 0;

	if (fd < 0)
		return negative_errno();
	/* procfs files have no size: read until EOF. */
	for (;;) {
		if (cap - size < 4096) {
			if (cap >= MOUNTINFO_MAX_BYTES)
				return -EFBIG;
			size_t ncap = cap ? cap * 2 : 16384;
			char *nb = realloc(buf, ncap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + size, cap - size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		size += (size_t)n;
	}
	return mountinfo_parse(buf ? buf : "", size, ret);
}

bool mount_options_has(const char *options, const char *option)
{
	size_t ol = strlen(option);

	for (const char *p = options; p && *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l == ol && strncmp(p, option, ol) == 0)
			return true;
		p = c ? c + 1 : NULL;
	}
	return false;
}
