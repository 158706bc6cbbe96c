/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "iplist.h"
#include "macro.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int iplist_next(const char **cursor, struct iplist_token *ret)
{
	const char *p = *cursor;

	if (!p)
		return 0;
	for (;;) {
		const char *start, *end, *next;
		size_t len;

		while (is_blank(*p))
			p++;
		if (*p == '\0') {
			*cursor = p;
			return 0;
		}
		start = p;
		end = strchrnul(p, ';');
		next = *end == ';' ? end + 1 : end;
		while (end > start && is_blank(end[-1]))
			end--;
		p = next;
		len = (size_t)(end - start);
		if (len == 0)
			continue; /* ";;" or "; ;": upstream skips empty elements too */

		memset(ret, 0, sizeof(*ret));
		ret->truncated = len >= sizeof(ret->text);
		len = MIN(len, sizeof(ret->text) - 1);
		memcpy(ret->text, start, len);
		while (is_blank(ret->text[len - 1]))
			len--; /* a cut can end inside the token's blanks */
		ret->text[len] = '\0';
		ret->family = AF_UNSPEC;
		if (!ret->truncated) {
			if (inet_pton(AF_INET, ret->text, &ret->addr.v4) == 1)
				ret->family = AF_INET;
			else if (inet_pton(AF_INET6, ret->text, &ret->addr.v6) == 1)
				ret->family = AF_INET6;
		}
		*cursor = p;
		return 1;
	}
}

int iplist_parse(const char *s, struct iplist_token *ret, size_t max, size_t *ret_n)
{
	struct iplist_token t;
	size_t n = 0;

	while (iplist_next(&s, &t) > 0) {
		if (n >= max)
			return -E2BIG;
		ret[n++] = t;
	}
	*ret_n = n;
	return 0;
}

size_t iplist_count(const char *s)
{
	struct iplist_token t;
	size_t n = 0;

	while (iplist_next(&s, &t) > 0)
		n++;
	return n;
}

int iplist_mask4_to_prefix(struct in_addr mask, unsigned *ret_prefix)
{
	uint32_t m = ntohl(mask.s_addr);
	unsigned n = 0;

	while (n < 32 && (m & (UINT32_C(1) << (31 - n))))
		n++;
	/* Contiguous: every bit after the leading ones is zero. */
	if (n < 32 && (m << n) != 0)
		return -EINVAL;
	*ret_prefix = n;
	return 0;
}

int iplist_mask6_to_prefix(const struct in6_addr *mask, unsigned *ret_prefix)
{
	unsigned n = 0, i;

	for (i = 0; i < 16 && mask->s6_addr[i] == 0xff; i++)
		n += 8;
	if (i < 16) {
		uint8_t b = mask->s6_addr[i];

		while (b & 0x80) {
			n++;
			b = (uint8_t)(b << 1);
		}
		if (b)
			return -EINVAL;
		for (i++; i < 16; i++)
			if (mask->s6_addr[i])
				return -EINVAL;
	}
	*ret_prefix = n;
	return 0;
}

static int parse_prefix_number(const char *s, unsigned max, unsigned *ret)
{
	unsigned v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

int iplist_subnet_to_prefix(const char *s, int family, unsigned *ret_prefix)
{
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} m;
	unsigned max;

	if (family == AF_INET)
		max = 32;
	else if (family == AF_INET6)
		max = 128;
	else
		return -EINVAL;

	if (*s == '/')
		return parse_prefix_number(s + 1, max, ret_prefix);
	if (parse_prefix_number(s, max, ret_prefix) == 0)
		return 0;
	if (family == AF_INET && inet_pton(AF_INET, s, &m.v4) == 1)
		return iplist_mask4_to_prefix(m.v4, ret_prefix);
	if (family == AF_INET6 && inet_pton(AF_INET6, s, &m.v6) == 1)
		return iplist_mask6_to_prefix(&m.v6, ret_prefix);
	return -EINVAL;
}

int iplist_prefix_to_subnet(int family, unsigned prefix, char *buf, size_t size)
{
	int n;

	if (family == AF_INET) {
		struct in_addr m;

		if (prefix > 32)
			return -EINVAL;
		m.s_addr = htonl(prefix == 0 ? 0 : UINT32_MAX << (32 - prefix));
		if (!inet_ntop(AF_INET, &m, buf, (socklen_t)size))
			return -ENOBUFS;
		return 0;
	}
	if (family != AF_INET6 || prefix > 128)
		return -EINVAL;
	n = snprintf(buf, size, "/%u", prefix);
	if (n < 0 || (size_t)n >= size)
		return -ENOBUFS;
	return 0;
}
