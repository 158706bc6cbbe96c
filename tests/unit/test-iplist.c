/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ';'-separated address lists and subnet forms of GET/SET_IP_INFO. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "iplist.h"
#include "macro.h"
#include "unit.h"

static void test_split(void)
{
	static const struct {
		const char *in;
		const char *want; /* tokens joined by '|', family letter after each: 4, 6, x */
	} cases[] = {
		{ "", "" },
		{ ";;;", "" },
		{ "  ;  ; ", "" },
		{ "192.0.2.1", "192.0.2.1=4" },
		{ "192.0.2.1;", "192.0.2.1=4" },
		{ "192.0.2.1; 198.51.100.7", "192.0.2.1=4|198.51.100.7=4" },
		{ "  2001:db8::1;;192.0.2.9 ", "2001:db8::1=6|192.0.2.9=4" },
		{ "\t2001:db8::1\t;x", "2001:db8::1=6|x=x" },
		{ "192.0.2", "192.0.2=x" },
		{ "192.0.2.256", "192.0.2.256=x" },
		{ "2001:db8::1/64", "2001:db8::1/64=x" },
		{ "fe80::1%eth0", "fe80::1%eth0=x" },
		{ "1.2.3.4 5", "1.2.3.4 5=x" },
		{ "::ffff:192.0.2.1", "::ffff:192.0.2.1=6" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const char *cur = cases[i].in;
		struct iplist_token t;
		char got[512] = "";

		while (iplist_next(&cur, &t) > 0) {
			if (got[0])
				strcat(got, "|");
			strcat(got, t.text);
			strcat(got, t.family == AF_INET ? "=4" : t.family == AF_INET6 ? "=6" : "=x");
		}
		if (strcmp(got, cases[i].want) != 0)
			fprintf(stderr, "split \"%s\": got \"%s\", want \"%s\"\n", cases[i].in, got,
				cases[i].want);
		CU_ASSERT_STRING_EQUAL(got, cases[i].want);
		size_t want_n = 0;
		for (const char *w = cases[i].want; *w; w++)
			want_n += *w == '|';
		if (cases[i].want[0])
			want_n++;
		CU_ASSERT_EQUAL(iplist_count(cases[i].in), want_n);
	}
}

static void test_parse_array(void)
{
	struct iplist_token t[3];
	size_t n = 99;

	CU_ASSERT_EQUAL(iplist_parse("192.0.2.1;2001:db8::2;bad", t, 3, &n), 0);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(t[0].family, AF_INET);
	CU_ASSERT_EQUAL(t[1].family, AF_INET6);
	CU_ASSERT_EQUAL(t[2].family, AF_UNSPEC);
	CU_ASSERT_EQUAL(iplist_parse("a;b;c;d", t, 3, &n), -E2BIG);
	CU_ASSERT_EQUAL(iplist_parse(NULL, t, 3, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(iplist_count("a;;b; ;c;"), 3);
	CU_ASSERT_EQUAL(iplist_count(NULL), 0);
}

static void test_long_token(void)
{
	char in[300];
	struct iplist_token t;
	const char *cur = in;

	memset(in, '1', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	CU_ASSERT_EQUAL(iplist_next(&cur, &t), 1);
	CU_ASSERT_TRUE(t.truncated);
	CU_ASSERT_EQUAL(t.family, AF_UNSPEC);
	CU_ASSERT_EQUAL(strlen(t.text), IPLIST_TOKEN_MAX - 1);
	CU_ASSERT_EQUAL(iplist_next(&cur, &t), 0);
}

static void test_subnet(void)
{
	static const struct {
		const char *in;
		int family;
		int ret;
		unsigned prefix;
	} cases[] = {
		{ "255.255.255.0", AF_INET, 0, 24 },
		{ "255.255.255.255", AF_INET, 0, 32 },
		{ "0.0.0.0", AF_INET, 0, 0 },
		{ "255.255.254.0", AF_INET, 0, 23 },
		{ "128.0.0.0", AF_INET, 0, 1 },
		{ "255.0.255.0", AF_INET, -EINVAL, 0 },
		{ "255.255.255.1", AF_INET, -EINVAL, 0 },
		{ "0.255.255.255", AF_INET, -EINVAL, 0 },
		{ "24", AF_INET, 0, 24 },
		{ "/24", AF_INET, 0, 24 },
		{ "/0", AF_INET, 0, 0 },
		{ "33", AF_INET, -EINVAL, 0 },
		{ "/33", AF_INET, -EINVAL, 0 },
		{ "", AF_INET, -EINVAL, 0 },
		{ "/", AF_INET, -EINVAL, 0 },
		{ "+24", AF_INET, -EINVAL, 0 },
		{ "-1", AF_INET, -EINVAL, 0 },
		{ "24 ", AF_INET, -EINVAL, 0 },
		{ "99999999999999999999", AF_INET, -EINVAL, 0 },
		{ "ffff:ffff::", AF_INET, -EINVAL, 0 },
		{ "64", AF_INET6, 0, 64 },
		{ "/64", AF_INET6, 0, 64 },
		{ "/128", AF_INET6, 0, 128 },
		{ "129", AF_INET6, -EINVAL, 0 },
		{ "ffff:ffff:ffff:ffff::", AF_INET6, 0, 64 },
		{ "ffff:ffff:ffff:fffe::", AF_INET6, 0, 63 },
		{ "ffff:0:ffff::", AF_INET6, -EINVAL, 0 },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AF_INET6, 0, 128 },
		{ "::", AF_INET6, 0, 0 },
		{ "::1", AF_INET6, -EINVAL, 0 },
		{ "255.255.255.0", AF_INET6, -EINVAL, 0 },
		{ "24", AF_UNSPEC, -EINVAL, 0 },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		unsigned p = 12345;
		int r = iplist_subnet_to_prefix(cases[i].in, cases[i].family, &p);

		if (r != cases[i].ret || (r == 0 && p != cases[i].prefix))
			fprintf(stderr, "subnet \"%s\" family %d: got %d/%u, want %d/%u\n", cases[i].in,
				cases[i].family, r, p, cases[i].ret, cases[i].prefix);
		CU_ASSERT_EQUAL(r, cases[i].ret);
		if (r == 0) {
			CU_ASSERT_EQUAL(p, cases[i].prefix);
		} else {
			CU_ASSERT_EQUAL(p, 12345); /* ret_ untouched on error */
		}
	}
}

static void test_prefix_to_subnet(void)
{
	static const struct {
		int family;
		unsigned prefix;
		int ret;
		const char *want;
	} cases[] = {
		{ AF_INET, 24, 0, "255.255.255.0" },
		{ AF_INET, 0, 0, "0.0.0.0" },
		{ AF_INET, 32, 0, "255.255.255.255" },
		{ AF_INET, 17, 0, "255.255.128.0" },
		{ AF_INET, 33, -EINVAL, NULL },
		{ AF_INET6, 64, 0, "/64" },
		{ AF_INET6, 128, 0, "/128" },
		{ AF_INET6, 0, 0, "/0" },
		{ AF_INET6, 129, -EINVAL, NULL },
		{ AF_UNSPEC, 1, -EINVAL, NULL },
	};
	char buf[64], tiny[4];

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		int r = iplist_prefix_to_subnet(cases[i].family, cases[i].prefix, buf, sizeof(buf));

		if (r != cases[i].ret)
			fprintf(stderr, "prefix %u family %d: got %d\n", cases[i].prefix,
				cases[i].family, r);
		CU_ASSERT_EQUAL(r, cases[i].ret);
		if (r == 0) {
			CU_ASSERT_STRING_EQUAL(buf, cases[i].want);
		}
	}
	/* Round trip every IPv4 prefix. */
	for (unsigned p = 0; p <= 32; p++) {
		unsigned back = 99;

		CU_ASSERT_EQUAL(iplist_prefix_to_subnet(AF_INET, p, buf, sizeof(buf)), 0);
		CU_ASSERT_EQUAL(iplist_subnet_to_prefix(buf, AF_INET, &back), 0);
		CU_ASSERT_EQUAL(back, p);
	}
	for (unsigned p = 0; p <= 128; p++) {
		unsigned back = 999;

		CU_ASSERT_EQUAL(iplist_prefix_to_subnet(AF_INET6, p, buf, sizeof(buf)), 0);
		CU_ASSERT_EQUAL(iplist_subnet_to_prefix(buf, AF_INET6, &back), 0);
		CU_ASSERT_EQUAL(back, p);
	}
	CU_ASSERT_EQUAL(iplist_prefix_to_subnet(AF_INET6, 128, tiny, sizeof(tiny)), -ENOBUFS);
	CU_ASSERT_EQUAL(iplist_prefix_to_subnet(AF_INET, 24, tiny, sizeof(tiny)), -ENOBUFS);
}

static const struct unit_test tests[] = {
	{ "split", test_split },
	{ "parse_array", test_parse_array },
	{ "long_token", test_long_token },
	{ "subnet_to_prefix", test_subnet },
	{ "prefix_to_subnet", test_prefix_to_subnet },
};

UNIT_MAIN("iplist", tests)
