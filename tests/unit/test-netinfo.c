/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GET_IP_INFO's file-based parts (lib/netinfo_files.c): DNS servers and
 * DHCP from fixture trees standing in for /run (systemd-resolved,
 * systemd-networkd, NetworkManager) and resolv.conf. The netlink part is
 * covered by tests/integration/test-kvp-getip.sh in a network namespace.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvp_codec.h"
#include "macro.h"
#include "netinfo.h"
#include "netinfo_files.h"
#include "unit.h"

static const char *fixture(const char *name)
{
	static char path[4][1024];
	static unsigned slot;
	const char *src = getenv("HVGUEST_SRC");
	char *p = path[slot++ % ELEMENTSOF(path)];

	snprintf(p, sizeof(path[0]), "%s/tests/unit/fixtures/netinfo/%s", src ? src : ".", name);
	return p;
}

static void test_list_append(void)
{
	char buf[22] = "";

	CU_ASSERT_EQUAL(netinfo_list_append(buf, sizeof(buf), "192.0.2.1"), 0);
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.1;");
	CU_ASSERT_EQUAL(netinfo_list_append(buf, sizeof(buf), "192.0.2.1"), 0); /* duplicate */
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.1;");
	CU_ASSERT_EQUAL(netinfo_list_append(buf, sizeof(buf), "192.0.2"), 0); /* a prefix is not a duplicate */
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.1;192.0.2;");
	/* "::1;" needs 4 more bytes and the NUL: 18 + 4 + 1 > 22. */
	CU_ASSERT_EQUAL(netinfo_list_append(buf, sizeof(buf), "::1"), -ENOBUFS);
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.1;192.0.2;");
}

static void test_parse_server(void)
{
	static const struct {
		const char *in;
		int ret;
		const char *want;
	} cases[] = {
		{ "192.0.2.53", 0, "192.0.2.53" },
		{ "192.0.2.53:53", 0, "192.0.2.53" },
		{ "192.0.2.53#dns.example", 0, "192.0.2.53" },
		{ "192.0.2.53%3", 0, "192.0.2.53" },
		{ "2001:db8::53", 0, "2001:db8::53" },
		{ "2001:DB8:0::53", 0, "2001:db8::53" },
		{ "2001:db8::53%3#dns.example", 0, "2001:db8::53" },
		{ "[2001:db8::54]:53", 0, "2001:db8::54" },
		{ "[fe80::1%eth0]:53", 0, "fe80::1" },
		{ "[2001:db8::54", -EINVAL, NULL },
		{ "[]", -EINVAL, NULL },
		{ "bogus", -EINVAL, NULL },
		{ "", -EINVAL, NULL },
		{ ":53", -EINVAL, NULL },
		{ "192.0.2", -EINVAL, NULL },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char out[64] = "untouched";
		int r = netinfo_parse_server(cases[i].in, out, sizeof(out));

		if (r != cases[i].ret || (r == 0 && strcmp(out, cases[i].want) != 0))
			fprintf(stderr, "server \"%s\": got %d \"%s\"\n", cases[i].in, r, out);
		CU_ASSERT_EQUAL(r, cases[i].ret);
		if (r == 0) {
			CU_ASSERT_STRING_EQUAL(out, cases[i].want);
		}
	}
}

static void test_env_and_resolv_text(void)
{
	char buf[256] = "";

	CU_ASSERT_EQUAL(netinfo_servers_from_env("A=1\nDNS=192.0.2.1 bogus 2001:db8::1\n", "DNS", buf,
						 sizeof(buf)), 2);
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.1;2001:db8::1;");
	buf[0] = '\0';
	CU_ASSERT_EQUAL(netinfo_servers_from_env("XDNS=192.0.2.1\n", "DNS", buf, sizeof(buf)), -ENOENT);
	CU_ASSERT_EQUAL(netinfo_servers_from_env("DNS=\n", "DNS", buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(netinfo_servers_from_env("", "DNS", buf, sizeof(buf)), -ENOENT);
	CU_ASSERT_STRING_EQUAL(buf, "");

	CU_ASSERT_EQUAL(netinfo_servers_from_resolv_conf("nameserver 127.0.0.53\nnameserver 192.0.2.9", 1,
							 buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "192.0.2.9;");
	buf[0] = '\0';
	CU_ASSERT_EQUAL(netinfo_servers_from_resolv_conf("nameserver 127.0.0.53\n", 0, buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "127.0.0.53;");

	/* A list that does not fit is an error, not a cut address. */
	char tiny[8] = "";
	CU_ASSERT_EQUAL(netinfo_servers_from_resolv_conf("nameserver 192.0.2.9\n", 1, tiny, sizeof(tiny)),
			-ENOBUFS);
	CU_ASSERT_STRING_EQUAL(tiny, "");
}

static void test_dns_fixtures(void)
{
	static const struct {
		const char *run, *resolv;
		int ifindex;
		const char *want;
	} cases[] = {
		/* resolved's per-link SERVERS=, normalised, bogus and duplicate dropped */
		{ "resolved", "resolv.conf", 3, "192.0.2.53;2001:db8::53;2001:db8::54;" },
		/* resolved runs but knows nothing of the link: resolv.conf without stubs */
		{ "resolved", "resolv.conf", 99, "192.0.2.1;2001:db8::1;" },
		/* ... and when resolv.conf holds only the stub: resolved's uplink list */
		{ "resolved", "resolv.conf.stub", 99, "198.51.100.1;" },
		{ "stubonly", "resolv.conf.stub", 1, "198.51.100.200;" },
		/* networkd's DNS= (read when resolved runs) */
		{ "networkd", "resolv.conf", 4, "198.51.100.53;192.0.2.54;" },
		{ "networkd", "resolv.conf", 6, "192.0.2.1;2001:db8::1;" },
		/* NetworkManager manages 5 but not 8 */
		{ "nm", "resolv.conf", 5, "192.0.2.100;2001:db8::100;" },
		{ "nm", "resolv.conf", 8, "192.0.2.1;2001:db8::1;" },
		/* nothing at all */
		{ "missing", "missing.conf", 1, "" },
		{ "missing", "resolv.conf.stub", 1, "" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct netinfo_options o = {
			.run_dir = fixture(cases[i].run),
			.resolv_conf = fixture(cases[i].resolv),
		};
		char buf[KVP_IP_ADDR_MAX] = "junk";
		int r = netinfo_dns_servers(&o, cases[i].ifindex, buf, sizeof(buf));

		if (r != 0 || strcmp(buf, cases[i].want) != 0)
			fprintf(stderr, "dns run=%s resolv=%s if=%d: got %d \"%s\", want \"%s\"\n",
				cases[i].run, cases[i].resolv, cases[i].ifindex, r, buf, cases[i].want);
		CU_ASSERT_EQUAL(r, 0);
		CU_ASSERT_STRING_EQUAL(buf, cases[i].want);
	}
}

static void test_dhcp_fixtures(void)
{
	static const struct {
		const char *run;
		int ifindex, want;
	} cases[] = {
		{ "networkd", 4, 1 },   /* DHCP_LEASE= */
		{ "networkd", 6, 0 },   /* managed, empty DHCP lines */
		{ "networkd", 7, 1 },   /* DHCP4_ADDRESS= */
		{ "networkd", 99, -ENOENT },
		{ "unmanaged", 9, -ENOENT },
		{ "nm", 5, -ENOENT },   /* NetworkManager: the kernel's lifetimes decide */
		{ "missing", 1, -ENOENT },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct netinfo_options o = { .run_dir = fixture(cases[i].run) };
		int r = netinfo_dhcp_from_state(&o, cases[i].ifindex);

		if (r != cases[i].want)
			fprintf(stderr, "dhcp run=%s if=%d: got %d, want %d\n", cases[i].run,
				cases[i].ifindex, r, cases[i].want);
		CU_ASSERT_EQUAL(r, cases[i].want);
	}
}

static void test_defaults_and_read(void)
{
	char *text = NULL;

	CU_ASSERT_STRING_EQUAL(netinfo_run_dir(NULL), "/run");
	CU_ASSERT_STRING_EQUAL(netinfo_resolv_conf(&(struct netinfo_options){ .resolv_conf = "" }),
			       "/etc/resolv.conf");
	/* Directories and missing files are errors, never a hang. */
	CU_ASSERT_EQUAL(netinfo_read_file(fixture("nm"), &text), -EBADF);
	CU_ASSERT_EQUAL(netinfo_read_file(fixture("nope"), &text), -ENOENT);
	CU_ASSERT_PTR_NULL(text);
	CU_ASSERT_EQUAL(netinfo_read_file(fixture("resolv.conf.stub"), &text), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(strncmp(text, "nameserver 127.0.0.53\n", 22), 0);
	free(text);
}

/* An unknown or malformed MAC is -ENODEV before any netlink work. */
static void test_bad_mac(void)
{
	static const char *const macs[] = { "", "00:15:5D:AA:BB", "00:15:5D:AA:BB:CC:DD",
					    "0:15:5D:AA:BB:CC0", "00-15-5D-AA-BB-CC", "00:15:5D:AA:BB:GG",
					    "{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}" };
	struct kvp_ip_info info;

	for (size_t i = 0; i < ELEMENTSOF(macs); i++) {
		int r = netinfo_get_ip_info(NULL, macs[i], &info);

		if (r != -ENODEV)
			fprintf(stderr, "mac \"%s\": got %d\n", macs[i], r);
		CU_ASSERT_EQUAL(r, -ENODEV);
	}
}

static const struct unit_test tests[] = {
	{ "list_append", test_list_append },
	{ "parse_server", test_parse_server },
	{ "env_and_resolv_text", test_env_and_resolv_text },
	{ "dns_fixtures", test_dns_fixtures },
	{ "dhcp_fixtures", test_dhcp_fixtures },
	{ "defaults_and_read", test_defaults_and_read },
	{ "bad_mac", test_bad_mac },
};

UNIT_MAIN("netinfo", tests)
