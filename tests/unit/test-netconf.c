/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SET_IP_INFO: request → plan checks (every bad token named, table-driven),
 * each backend's file against tests/golden/netconf/, and the parts of
 * netconf_set_ip_info() that need no root: lookup by GUID, bad input
 * changing nothing, the script backend's hook contract, and a failed
 * apply putting the previous file back. HVGUEST_UPDATE_GOLDEN=1 rewrites
 * the golden files (review the diff before committing).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "netconf.h"
#include "netconf_backend.h"
#include "netconf_render.h"
#include "unit.h"

#define GUID "{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}"
#define MAC "00:15:5d:aa:bb:cc"

static void req_fill(struct kvp_ip_request *r, int dhcp, const char *ip, const char *mask,
		     const char *gw, const char *dns)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->adapter_id, sizeof(r->adapter_id), "%s", GUID);
	r->dhcp_enabled = (uint8_t)dhcp;
	snprintf(r->ip_addr, sizeof(r->ip_addr), "%s", ip);
	snprintf(r->sub_net, sizeof(r->sub_net), "%s", mask);
	snprintf(r->gate_way, sizeof(r->gate_way), "%s", gw);
	snprintf(r->dns_addr, sizeof(r->dns_addr), "%s", dns);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t size = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &size, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

static void spew(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

/* ---- plan checks ---- */

struct plan_case {
	int dhcp;
	const char *ip, *mask, *gw, *dns;
	int want;          /* 0 or -EINVAL */
	const char *token; /* the bad token named */
};

static const struct plan_case plan_cases[] = {
	{ 0, "192.0.2.10", "255.255.255.0", "192.0.2.1", "198.51.100.53", 0, NULL },
	{ 0, " 192.0.2.10 ;", " /24", "", "", 0, NULL },
	{ 0, "2001:db8::10", "64", "2001:db8::1", "2001:db8::53", 0, NULL },
	{ 0, "2001:db8::10", "/64", "", "", 0, NULL },
	{ 0, "2001:db8::10", "ffff:ffff:ffff:ffff::", "", "", 0, NULL },
	{ 1, "", "", "", "", 0, NULL },
	{ 0, "192.0.2.300", "24", "", "", -EINVAL, "192.0.2.300" },
	{ 0, "host.example", "24", "", "", -EINVAL, "host.example" },
	{ 0, "192.0.2.10", "255.0.255.0", "", "", -EINVAL, "255.0.255.0" },
	{ 0, "192.0.2.10", "33", "", "", -EINVAL, "33" },
	{ 0, "192.0.2.10", "0", "", "", -EINVAL, "0" },
	{ 0, "2001:db8::10", "129", "", "", -EINVAL, "129" },
	{ 0, "2001:db8::10", "255.255.255.0", "", "", -EINVAL, "255.255.255.0" },
	{ 0, "192.0.2.10;192.0.2.11", "24", "", "", -EINVAL, "192.0.2.11" },
	{ 0, "192.0.2.10", "24;24", "", "", -EINVAL, "24" },
	{ 0, "192.0.2.10", "24", "192.0.2.1;gw", "", -EINVAL, "gw" },
	{ 0, "192.0.2.10", "24", "0.0.0.0", "", -EINVAL, "0.0.0.0" },
	{ 0, "192.0.2.10", "24", "", "224.0.0.1", -EINVAL, "224.0.0.1" },
	{ 0, "127.0.0.1", "8", "", "", -EINVAL, "127.0.0.1" },
	{ 0, "::1", "128", "", "", -EINVAL, "::1" },
	{ 0, "192.0.2.10", "24", "", "198.51.100.53 x", -EINVAL, "198.51.100.53 x" },
	{ 0, "", "", "", "", -EINVAL, "(empty address list)" },
};

static void test_plan_cases(void)
{
	for (size_t i = 0; i < ELEMENTSOF(plan_cases); i++) {
		const struct plan_case *c = &plan_cases[i];
		struct kvp_ip_request req;
		struct netconf_plan plan;
		char bad[NETCONF_TOKEN_MAX] = "";
		int r;

		req_fill(&req, c->dhcp, c->ip, c->mask, c->gw, c->dns);
		r = netconf_plan_build(&req, "eth0", MAC, &plan, bad);
		if (r != c->want || (c->token && strcmp(bad, c->token) != 0)) {
			printf("\n  ip=\"%s\" mask=\"%s\" gw=\"%s\" dns=\"%s\": got %d \"%s\", want %d \"%s\"",
			       c->ip, c->mask, c->gw, c->dns, r, bad, c->want,
			       c->token ? c->token : "");
			CU_FAIL("plan case");
		}
	}
}

static void test_plan_values(void)
{
	struct kvp_ip_request req;
	struct netconf_plan plan;
	char bad[NETCONF_TOKEN_MAX];

	req_fill(&req, 0, "192.0.2.10;2001:db8::10", "255.255.254.0;48", "", "");
	CU_ASSERT_FATAL(netconf_plan_build(&req, "eth0", MAC, &plan, bad) == 0);
	CU_ASSERT_STRING_EQUAL(plan.mac, "00:15:5D:AA:BB:CC");
	CU_ASSERT(plan.n_addrs == 2);
	CU_ASSERT(plan.addrs[0].prefix == 23);
	CU_ASSERT(plan.addrs[1].prefix == 48);
	CU_ASSERT(netconf_plan_has_family(&plan, AF_INET6));
}

static void test_too_many(void)
{
	struct kvp_ip_request req;
	struct netconf_plan plan;
	char bad[NETCONF_TOKEN_MAX], ip[1024] = "", mask[1024] = "";

	for (int i = 0; i <= NETCONF_MAX_ITEMS; i++) {
		char t[32];
		snprintf(t, sizeof(t), "192.0.2.%d;", i + 1);
		strcat(ip, t);
		strcat(mask, "24;");
	}
	req_fill(&req, 0, ip, mask, "", "");
	CU_ASSERT(netconf_plan_build(&req, "eth0", MAC, &plan, bad) == -EINVAL);
}

static void test_backend_names(void)
{
	/* The names users have in their configuration keep working. */
	static const char *const names[] = { "auto",  "networkmanager", "networkd", "netplan",
					     "ifcfg", "netlink",        "script",   "ifupdown" };
	const struct netconf_backend *b;
	size_t n = 0;

	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		CU_ASSERT(netconf_backend_from_string(names[i], &b) == 0);
		CU_ASSERT_STRING_EQUAL(netconf_backend_to_string(b), names[i]);
	}
	/* The values the configuration accepts are "auto" and the table, each once. */
	for (const char *v; (v = netconf_backend_value(n)); n++) {
		CU_ASSERT(netconf_backend_from_string(v, &b) == 0);
		for (size_t k = 0; k < n; k++)
			CU_ASSERT(strcmp(netconf_backend_value(k), v) != 0);
	}
	CU_ASSERT(n == ELEMENTSOF(names));
	CU_ASSERT(netconf_backend_from_string("NetworkManager", &b) == -EINVAL);
	CU_ASSERT(netconf_backend_from_string("", &b) == -EINVAL);
	CU_ASSERT(netconf_backend_from_string(NULL, &b) == -EINVAL);
}

/* ---- golden files ---- */

static const char *const format_files[_NETCONF_FORMAT_MAX] = {
	[NETCONF_FORMAT_NM_KEYFILE] = "nmconnection",
	[NETCONF_FORMAT_NETWORKD] = "network",
	[NETCONF_FORMAT_NETPLAN] = "yaml",
	[NETCONF_FORMAT_IFCFG] = "ifcfg",
	[NETCONF_FORMAT_IFUPDOWN] = "interfaces",
	[NETCONF_FORMAT_UPSTREAM_IFCFG] = "upstream-ifcfg",
	[NETCONF_FORMAT_UPSTREAM_KEYFILE] = "upstream-nmconnection",
};

struct golden_case {
	const char *name;
	int dhcp;
	const char *ip, *mask, *gw, *dns;
};

static const struct golden_case golden_cases[] = {
	{ "static", 0, "192.0.2.10;2001:db8::10;192.0.2.11;2001:db8:0:1::10",
	  "255.255.255.0;64;24;/64", "192.0.2.1;2001:db8::1;192.0.2.254",
	  "198.51.100.53;2001:db8::53;198.51.100.54" },
	{ "v4only", 0, "198.51.100.7", "255.255.255.128", "198.51.100.1", "" },
	{ "dhcp", 1, "", "", "", "" },
};

static void test_golden(void)
{
	const char *src = getenv("HVGUEST_SRC");
	bool update = getenv("HVGUEST_UPDATE_GOLDEN") != NULL;

	for (size_t i = 0; i < ELEMENTSOF(golden_cases); i++) {
		const struct golden_case *g = &golden_cases[i];
		struct kvp_ip_request req;
		struct netconf_plan plan;
		char bad[NETCONF_TOKEN_MAX];

		req_fill(&req, g->dhcp, g->ip, g->mask, g->gw, g->dns);
		CU_ASSERT_FATAL(netconf_plan_build(&req, "eth0", MAC, &plan, bad) == 0);
		for (int f = 0; f < _NETCONF_FORMAT_MAX; f++) {
			char path[4096];
			_cleanup_free_ char *text = NULL, *want = NULL;

			snprintf(path, sizeof(path), "%s/tests/golden/netconf/%s.%s", src ? src : ".",
				 g->name, format_files[f]);
			CU_ASSERT_FATAL(netconf_render((enum netconf_format)f, &plan, &text) == 0);
			if (update)
				spew(path, text, 0644);
			want = slurp(path);
			if (!want || strcmp(want, text) != 0) {
				printf("\n  %s differs from the rendering:\n%s", path, text);
				CU_FAIL("golden file");
			}
		}
	}
}

/* ---- netconf_set_ip_info without root ---- */

struct tree {
	char root[64];
	char sysfs[128], config[128], run[128], state[128], bin[128], log[128];
};

static void tree_make(struct tree *t)
{
	char path[512];

	snprintf(t->root, sizeof(t->root), "%s/test-netconf.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	CU_ASSERT_FATAL(mkdtemp(t->root) != NULL);
	snprintf(t->sysfs, sizeof(t->sysfs), "%s/sys", t->root);
	snprintf(t->config, sizeof(t->config), "%s/root", t->root);
	snprintf(t->run, sizeof(t->run), "%s/run", t->root);
	snprintf(t->state, sizeof(t->state), "%s/state", t->root);
	snprintf(t->bin, sizeof(t->bin), "%s/bin", t->root);
	snprintf(t->log, sizeof(t->log), "%s/argv.log", t->root);
	mkdir(t->sysfs, 0755);
	mkdir(t->config, 0755);
	mkdir(t->run, 0755);
	mkdir(t->state, 0755);
	mkdir(t->bin, 0755);
	/* A NIC named so that no real interface of the test's namespace has its name. */
	snprintf(path, sizeof(path), "%s/hvtest9", t->sysfs);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/hvtest9/address", t->sysfs);
	spew(path, MAC "\n", 0644);
	snprintf(path, sizeof(path), "%s/hvtest9/device", t->sysfs);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/hvtest9/device/device_id", t->sysfs);
	spew(path, GUID "\n", 0644);
}

static void tree_remove(struct tree *t)
{
	const char *argv[] = { "/bin/rm", "-rf", t->root, NULL };
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* A fake command that appends its argv (one line) to the log and exits with rc. */
static void fake_command(const struct tree *t, const char *name, int rc)
{
	char path[512], text[1024];
	snprintf(path, sizeof(path), "%s/%s", t->bin, name);
	snprintf(text, sizeof(text), "#!/bin/sh\necho \"$0 $*\" >>'%s'\nexit %d\n", t->log, rc);
	spew(path, text, 0755);
}

static struct netconf_options tree_options(const struct tree *t, const struct netconf_backend *b,
					   char **dirs)
{
	dirs[0] = (char *)t->bin;
	dirs[1] = NULL;
	return (struct netconf_options){
		.backend = b,
		.config_root = t->config,
		.run_dir = t->run,
		.sysfs_net = t->sysfs,
		.scripts_dir = t->bin,
		.state_dir = t->state,
		.apply_timeout_ms = 1000,
		.command_path = dirs,
	};
}

static int count_entries(const char *dir)
{
	char path[512];
	int n = 0;
	snprintf(path, sizeof(path), "%s", dir);
	DIR *d = opendir(path);
	struct dirent *de;
	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_guid_lookup(void)
{
	struct tree t;
	char *dirs[2];
	struct kvp_ip_request req;
	const char *bad = NULL;

	tree_make(&t);
	struct netconf_options o = tree_options(&t, &netconf_backend_script, dirs);
	fake_command(&t, "hv_set_ifconfig", 0);

	req_fill(&req, 0, "192.0.2.10", "24", "", "");
	snprintf(req.adapter_id, sizeof(req.adapter_id), "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeef");
	CU_ASSERT(netconf_set_ip_info(&o, &req, &bad) == -ENODEV);
	snprintf(req.adapter_id, sizeof(req.adapter_id), "not a guid");
	CU_ASSERT(netconf_set_ip_info(&o, &req, &bad) == -ENODEV);
	CU_ASSERT(count_entries(t.state) == 0);

	/* Upper case, no braces: the same NIC. */
	snprintf(req.adapter_id, sizeof(req.adapter_id), "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE");
	CU_ASSERT(netconf_set_ip_info(&o, &req, &bad) == 0);
	tree_remove(&t);
}

/* The upstream hook contract: hv_set_ifconfig <ifcfg> <keyfile>, its exit status decides. */
static void test_script_backend(void)
{
	struct tree t;
	char *dirs[2], path[512], want[1024];
	struct kvp_ip_request req;
	const char *bad = NULL;

	tree_make(&t);
	struct netconf_options o = tree_options(&t, &netconf_backend_script, dirs);
	fake_command(&t, "hv_set_ifconfig", 0);
	req_fill(&req, 0, "192.0.2.10;2001:db8::10", "255.255.255.0;64", "192.0.2.1", "198.51.100.53");
	CU_ASSERT_FATAL(netconf_set_ip_info(&o, &req, &bad) == 0);

	_cleanup_free_ char *log = slurp(t.log);
	snprintf(want, sizeof(want), "%s/hv_set_ifconfig %s/ifcfg-hvtest9 %s/hvtest9.nmconnection\n",
		 t.bin, t.state, t.state);
	CU_ASSERT(log && strcmp(log, want) == 0);
	snprintf(path, sizeof(path), "%s/ifcfg-hvtest9", t.state);
	_cleanup_free_ char *ifcfg = slurp(path);
	CU_ASSERT(ifcfg && strstr(ifcfg, "IPV6ADDR=2001:0db8:0000:0000:0000:0000:0000:0010\n"));
	CU_ASSERT(ifcfg && strstr(ifcfg, "HWADDR=00:15:5D:AA:BB:CC\n"));

	/* A failing hook fails the request. */
	fake_command(&t, "hv_set_ifconfig", 3);
	CU_ASSERT(netconf_set_ip_info(&o, &req, &bad) == -EIO);
	tree_remove(&t);
}

static void test_bad_token_changes_nothing(void)
{
	struct tree t;
	char *dirs[2], path[512];
	struct kvp_ip_request req;
	const char *bad = NULL;

	tree_make(&t);
	/* NetworkManager "runs": the backend auto picks. */
	snprintf(path, sizeof(path), "%s/NetworkManager", t.run);
	mkdir(path, 0755);
	struct netconf_options o = tree_options(&t, NULL, dirs);
	fake_command(&t, "nmcli", 0);

	req_fill(&req, 0, "192.0.2.10;192.0.2.999", "24;24", "", "");
	CU_ASSERT(netconf_set_ip_info(&o, &req, &bad) == -EINVAL);
	CU_ASSERT(bad && strcmp(bad, "192.0.2.999") == 0);
	CU_ASSERT(count_entries(t.config) == 0);
	CU_ASSERT(access(t.log, F_OK) < 0);
	tree_remove(&t);
}

static void count_keepalive(void *userdata)
{
	(*(unsigned *)userdata)++;
}

/*
 * NetworkManager's commands succeed but the interface never comes up (it
 * does not exist in this namespace): the old profile must be back, and
 * NetworkManager told so.
 */
static void test_rollback_restores_file(void)
{
	struct tree t;
	char *dirs[2], dir[512], path[600], line[1024];
	struct kvp_ip_request req;
	const char *bad = NULL;
	struct stat st;

	tree_make(&t);
	snprintf(dir, sizeof(dir), "%s/NetworkManager", t.run);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/etc", t.config);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/etc/NetworkManager", t.config);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/etc/NetworkManager/system-connections", t.config);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/hvguest-hvtest9.nmconnection", dir);
	spew(path, "# the previous profile\n", 0600);

	struct netconf_options o = tree_options(&t, NULL, dirs);
	unsigned alive = 0;
	o.apply_timeout_ms = 300;
	o.keepalive = count_keepalive;
	o.userdata = &alive;
	fake_command(&t, "nmcli", 0);
	req_fill(&req, 0, "192.0.2.10", "24", "192.0.2.1", "198.51.100.53");
	int r = netconf_set_ip_info(&o, &req, &bad);
	CU_ASSERT(r == -ETIMEDOUT || r == -EIO);
	CU_ASSERT(alive >= 2); /* before each command at least */

	_cleanup_free_ char *text = slurp(path);
	CU_ASSERT(text && strcmp(text, "# the previous profile\n") == 0);
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CU_ASSERT(count_entries(dir) == 1); /* no temporary file left */

	_cleanup_free_ char *log = slurp(t.log);
	snprintf(line, sizeof(line), "%s/nmcli connection load %s\n", t.bin, path);
	CU_ASSERT(log && strncmp(log, line, strlen(line)) == 0);
	CU_ASSERT(log && strstr(log, "connection up id hvguest-hvtest9\n"));
	/* Roll back: the old file is loaded again. */
	CU_ASSERT(log && strstr(strstr(log, "connection up") ?: "", line));
	tree_remove(&t);
}

/* ---- ifupdown ---- */

static void ifu_files(const struct tree *t, const char *interfaces, const char *extra_name,
		      const char *extra)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/etc", t->config);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc/network", t->config);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc/network/interfaces.d", t->config);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/etc/network/interfaces", t->config);
	spew(path, interfaces, 0644);
	if (extra_name) {
		snprintf(path, sizeof(path), "%s/etc/network/interfaces.d/%s", t->config, extra_name);
		spew(path, extra, 0644);
	}
}

/* What --dry-run-ip prints, for the sample request. */
static char *dry_run(const struct netconf_options *o, const char *what, int *ret)
{
	struct kvp_ip_request req;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	req_fill(&req, 0, "192.0.2.10", "24", "192.0.2.1", "192.0.2.53");
	*ret = netconf_dry_run(o, what, &req, f, NULL);
	fclose(f);
	return buf;
}

/*
 * ifupdown comes before NetworkManager when a file ifupdown reads names
 * the interface (through "source"), or its state lists it; not otherwise.
 */
static void test_ifupdown_detect(void)
{
	struct tree t;
	char *dirs[2], path[512];
	int r;

	tree_make(&t);
	snprintf(path, sizeof(path), "%s/NetworkManager", t.run);
	mkdir(path, 0755);
	ifu_files(&t, "source /etc/network/interfaces.d/*\nauto lo\niface lo inet loopback\n",
		  "eth", "# the NIC\nallow-hotplug hvtest9\n");
	struct netconf_options o = tree_options(&t, NULL, dirs);

	_cleanup_free_ char *out = dry_run(&o, "hvtest9", &r);
	CU_ASSERT(r == 0);
	CU_ASSERT(out && strstr(out, "backend: ifupdown\n"));
	CU_ASSERT(out && strstr(out, "/etc/network/interfaces.d/eth:2 names hvtest9"));
	snprintf(path, sizeof(path), "file: %s/etc/network/interfaces.d/hvguest-hvtest9 (mode 0644)\n",
		 t.config);
	CU_ASSERT(out && strstr(out, path));
	CU_ASSERT(out && strstr(out, "iface hvtest9 inet static\n\taddress 192.0.2.10/24\n"));
	/* The same by device GUID. */
	_cleanup_free_ char *out2 = dry_run(&o, GUID, &r);
	CU_ASSERT(r == 0 && out2 && strcmp(out, out2) == 0);

	/* Not named anywhere: NetworkManager, the next in the table. */
	snprintf(path, sizeof(path), "%s/etc/network/interfaces.d/eth", t.config);
	unlink(path);
	_cleanup_free_ char *out3 = dry_run(&o, "hvtest9", &r);
	CU_ASSERT(r == 0 && out3 && strstr(out3, "backend: networkmanager\n"));
	/* ifupdown brought it up (ifquery --state would list it). */
	snprintf(path, sizeof(path), "%s/network", t.run);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/network/ifstate.hvtest9", t.run);
	spew(path, "hvtest9\n", 0644);
	_cleanup_free_ char *out4 = dry_run(&o, "hvtest9", &r);
	CU_ASSERT(r == 0 && out4 && strstr(out4, "backend: ifupdown\n"));
	CU_ASSERT(count_entries(path) < 0); /* a file, and nothing else was written: */
	snprintf(path, sizeof(path), "%s/etc/network/interfaces.d", t.config);
	CU_ASSERT(count_entries(path) == 0);
	CU_ASSERT(access(t.log, F_OK) < 0);
	tree_remove(&t);
}

/* The admin's files are never edited: no source of interfaces.d, or their own stanza. */
static void test_ifupdown_refuses(void)
{
	struct tree t;
	char *dirs[2], path[512], why[512];
	struct kvp_ip_request req;
	const char *bad = NULL;
	int r;

	tree_make(&t);
	ifu_files(&t, "auto hvtest9\niface hvtest9 inet6 auto\n", NULL, NULL);
	struct netconf_options o = tree_options(&t, NULL, dirs);
	o.why = why;
	o.why_size = sizeof(why);
	fake_command(&t, "ifup", 0);
	fake_command(&t, "ifdown", 0);
	req_fill(&req, 0, "192.0.2.10", "24", "", "");

	r = netconf_set_ip_info(&o, &req, &bad);
	CU_ASSERT(r == -EOPNOTSUPP);
	CU_ASSERT(strstr(why, "does not source /etc/network/interfaces.d") != NULL);
	_cleanup_free_ char *out = dry_run(&o, "hvtest9", &r);
	CU_ASSERT(r == -EOPNOTSUPP && out && strstr(out, "refused: ifupdown: "));

	/* Sourced, but the admin's own stanza for the interface (line 3) is there. */
	ifu_files(&t, "source-directory interfaces.d\nauto hvtest9\niface hvtest9 inet dhcp\n", NULL,
		  NULL);
	r = netconf_set_ip_info(&o, &req, &bad);
	CU_ASSERT(r == -EEXIST);
	CU_ASSERT(strstr(why, "/etc/network/interfaces:3 configures hvtest9") != NULL);

	snprintf(path, sizeof(path), "%s/etc/network/interfaces.d", t.config);
	CU_ASSERT(count_entries(path) == 0);
	CU_ASSERT(access(t.log, F_OK) < 0);
	tree_remove(&t);
}

/*
 * ifdown with the old file, the new file, ifup; the interface does not
 * come up (it does not exist here): ifdown, the old file back, ifup.
 */
static void test_ifupdown_rollback(void)
{
	struct tree t;
	char *dirs[2], path[512], want[2048], why[512];
	struct kvp_ip_request req;
	const char *bad = NULL;

	tree_make(&t);
	ifu_files(&t, "source-directory /etc/network/interfaces.d/\n", "hvguest-hvtest9",
		  "# the previous injection\nauto hvtest9\n");
	struct netconf_options o = tree_options(&t, NULL, dirs);
	o.why = why;
	o.why_size = sizeof(why);
	o.apply_timeout_ms = 300;
	fake_command(&t, "ifup", 0);
	fake_command(&t, "ifdown", 0);
	req_fill(&req, 0, "192.0.2.10", "24", "192.0.2.1", "");

	int r = netconf_set_ip_info(&o, &req, &bad);
	CU_ASSERT(r == -EIO || r == -ETIMEDOUT);
	CU_ASSERT(strstr(why, "backend ifupdown: ") == why);
	snprintf(path, sizeof(path), "%s/etc/network/interfaces.d/hvguest-hvtest9", t.config);
	_cleanup_free_ char *text = slurp(path);
	CU_ASSERT(text && strcmp(text, "# the previous injection\nauto hvtest9\n") == 0);
	snprintf(want, sizeof(want), "%s/ifdown hvtest9\n%s/ifup hvtest9\n%s/ifdown hvtest9\n%s/ifup hvtest9\n",
		 t.bin, t.bin, t.bin, t.bin);
	_cleanup_free_ char *log = slurp(t.log);
	CU_ASSERT(log && strcmp(log, want) == 0);
	if (log && strcmp(log, want) != 0)
		printf("\n  commands run:\n%s", log);
	snprintf(path, sizeof(path), "%s/etc/network/interfaces.d", t.config);
	CU_ASSERT(count_entries(path) == 1);
	tree_remove(&t);
}

/* No manager at all: netlink, live only; and it cannot do DHCP, as the real apply says. */
static void test_dry_run_netlink(void)
{
	struct tree t;
	char *dirs[2];
	struct kvp_ip_request req;
	char *buf = NULL;
	size_t size = 0;
	int r;

	tree_make(&t);
	struct netconf_options o = tree_options(&t, NULL, dirs);
	_cleanup_free_ char *out = dry_run(&o, "hvtest9", &r);
	CU_ASSERT(r == 0 && out && strstr(out, "backend: netlink\nreason: no network manager"));
	CU_ASSERT(out && strstr(out, "file: none\n"));

	FILE *f = open_memstream(&buf, &size);
	req_fill(&req, 1, "", "", "", "");
	r = netconf_dry_run(&o, "hvtest9", &req, f, NULL);
	fclose(f);
	CU_ASSERT(r == -EOPNOTSUPP && buf && strstr(buf, "refused: netlink cannot start a DHCP"));
	free(buf);
	CU_ASSERT(netconf_dry_run(&o, "nosuch0", &req, stdout, NULL) == -ENODEV);
	CU_ASSERT(count_entries(t.config) == 0);
	tree_remove(&t);
}

static const struct unit_test tests[] = {
	{ "plan_cases", test_plan_cases },
	{ "plan_values", test_plan_values },
	{ "too_many", test_too_many },
	{ "backend_names", test_backend_names },
	{ "golden", test_golden },
	{ "guid_lookup", test_guid_lookup },
	{ "script_backend", test_script_backend },
	{ "bad_token_changes_nothing", test_bad_token_changes_nothing },
	{ "rollback_restores_file", test_rollback_restores_file },
	{ "ifupdown_detect", test_ifupdown_detect },
	{ "ifupdown_refuses", test_ifupdown_refuses },
	{ "ifupdown_rollback", test_ifupdown_rollback },
	{ "dry_run_netlink", test_dry_run_netlink },
};

UNIT_MAIN("netconf", tests)
