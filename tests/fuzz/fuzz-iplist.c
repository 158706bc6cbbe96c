/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzzes the address-list parser and the subnet forms: any text must split
 * without a crash; every token is NUL-terminated, non-empty, without
 * surrounding blanks or ';'; a valid address re-parses to the same bytes;
 * a subnet accepted as a prefix prints and parses back to that prefix.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "iplist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_subnet(const char *text, int family)
{
	unsigned p, back;
	char buf[64];

	if (iplist_subnet_to_prefix(text, family, &p) != 0)
		return;
	if (p > (family == AF_INET ? 32u : 128u))
		abort();
	if (iplist_prefix_to_subnet(family, p, buf, sizeof(buf)) != 0)
		abort();
	if (iplist_subnet_to_prefix(buf, family, &back) != 0 || back != p)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct iplist_token t, arr[8];
	const char *cur;
	size_t n = 0, total, got;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0'; /* the daemon's strings are NUL-terminated by the codec */

	cur = s;
	while (iplist_next(&cur, &t) > 0) {
		size_t len = strnlen(t.text, sizeof(t.text));

		if (len == 0 || len >= sizeof(t.text))
			abort();
		if (strchr(t.text, ';') || t.text[0] == ' ' || t.text[0] == '\t' ||
		    t.text[len - 1] == ' ' || t.text[len - 1] == '\t')
			abort();
		if (t.truncated && t.family != AF_UNSPEC)
			abort();
		if (t.family == AF_INET || t.family == AF_INET6) {
			char out[INET6_ADDRSTRLEN];
			unsigned char bin[16];

			if (!inet_ntop(t.family, &t.addr, out, sizeof(out)))
				abort();
			if (inet_pton(t.family, out, bin) != 1 ||
			    memcmp(bin, &t.addr, t.family == AF_INET ? 4 : 16) != 0)
				abort();
		}
		check_subnet(t.text, AF_INET);
		check_subnet(t.text, AF_INET6);
		n++;
	}
	total = iplist_count(s);
	if (total != n)
		abort();
	if (iplist_parse(s, arr, 8, &got) == 0) {
		if (got != n)
			abort();
	} else if (n <= 8) {
		abort();
	}
	free(s);
	return 0;
}
