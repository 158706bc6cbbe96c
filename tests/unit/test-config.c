/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/config.c: the key table, every value type, files, drop-ins, -o, dump. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "macro.h"
#include "unit.h"

#define CHECK_MSG(cond, ...)                                                   \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "  FAILED: " __VA_ARGS__);             \
			fputc('\n', stderr);                                   \
		}                                                              \
		CU_ASSERT(!!(cond));                                             \
	} while (0)

static const struct config_key *find_key(const char *section, const char *key)
{
	for (size_t i = 0; i < config_keys_count; i++)
		if (!strcmp(config_keys[i].section, section) && !strcmp(config_keys[i].key, key))
			return &config_keys[i];
	return NULL;
}

static void test_table(void)
{
	for (size_t i = 0; i < config_keys_count; i++) {
		const struct config_key *k = &config_keys[i];
		CHECK_MSG(k->section && k->key && k->doc && k->default_value, "entry %zu", i);
		CHECK_MSG(strlen(k->doc) > 10, "%s.%s has a doc", k->section, k->key);
		CHECK_MSG(k->offset < sizeof(struct hv_config), "%s.%s offset", k->section,
			  k->key);
		/* Sections stay together, so the dump has one header per section. */
		for (size_t j = i + 1; j < config_keys_count; j++) {
			CHECK_MSG(strcmp(k->key, config_keys[j].key) ||
					  strcmp(k->section, config_keys[j].section),
				  "%s.%s listed twice", k->section, k->key);
			if (j > i + 1 && !strcmp(k->section, config_keys[j].section))
				CHECK_MSG(!strcmp(k->section, config_keys[j - 1].section),
					  "section %s split in the table", k->section);
		}
	}
	/* Keys the issue names, with their defaults. */
	CU_ASSERT_PTR_NOT_NULL(find_key("kvp", "device"));
	CU_ASSERT_PTR_NOT_NULL(find_key("kvp", "pool_dir"));
	CU_ASSERT_PTR_NULL(find_key("daemon", "watchdog"));
}

static void test_defaults(void)
{
	struct hv_config c;

	CU_ASSERT_EQUAL_FATAL(config_init(&c), 0);
	CU_ASSERT_STRING_EQUAL(c.kvp_device, "/dev/vmbus/hv_kvp");
	CU_ASSERT_STRING_EQUAL(c.kvp_pool_dir, HVGUEST_LOCALSTATEDIR "/lib/hyperv");
	CU_ASSERT_EQUAL(c.kvp_pool_mode, 0644);
	CU_ASSERT_STRING_EQUAL(c.kvp_os_release, "/etc/os-release");
	CU_ASSERT_EQUAL(c.kvp_fqdn_timeout_ms, 1000);
	CU_ASSERT_FALSE(c.kvp_sync);
	CU_ASSERT_FALSE(c.debug);
	CU_ASSERT_EQUAL(c.watchdog_ms, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.kvp_exclude_interfaces);
	CU_ASSERT_STRING_EQUAL(c.kvp_exclude_interfaces[0], "lo");
	CU_ASSERT_STRING_EQUAL(c.kvp_exclude_interfaces[1], "docker*");
	size_t n = 0;
	while (c.kvp_exclude_interfaces[n])
		n++;
	CU_ASSERT_EQUAL(n, 11);
	config_done(&c);
	config_done(&c); /* idempotent */
	CU_ASSERT_PTR_NULL(c.kvp_device);
}

/* One value for one key: ok or not, and what the field reads afterwards. */
struct value_case {
	const char *section, *key, *value;
	bool ok;
	unsigned expect; /* bool/uint/msec/mode: the parsed number */
};

static unsigned numeric_field(const struct hv_config *c, const char *key)
{
	if (!strcmp(key, "sync"))
		return c->kvp_sync;
	if (!strcmp(key, "debug"))
		return c->debug;
	if (!strcmp(key, "pool_mode"))
		return c->kvp_pool_mode;
	if (!strcmp(key, "fqdn_timeout"))
		return c->kvp_fqdn_timeout_ms;
	return ~0u;
}

static const struct value_case numeric_cases[] = {
	/* bool */
	{ "kvp", "sync", "yes", true, 1 },
	{ "kvp", "sync", "YES", true, 1 },
	{ "kvp", "sync", "True", true, 1 },
	{ "kvp", "sync", "on", true, 1 },
	{ "kvp", "sync", "1", true, 1 },
	{ "kvp", "sync", "no", true, 0 },
	{ "kvp", "sync", "False", true, 0 },
	{ "kvp", "sync", "OFF", true, 0 },
	{ "kvp", "sync", "0", true, 0 },
	{ "daemon", "debug", "  yes\t", true, 1 },
	{ "kvp", "sync", "", false, 0 },
	{ "kvp", "sync", "y", false, 0 },
	{ "kvp", "sync", "2", false, 0 },
	{ "kvp", "sync", "yess", false, 0 },
	{ "kvp", "sync", "enable", false, 0 },
	/* msec, bounds 0..10000 */
	{ "kvp", "fqdn_timeout", "250ms", true, 250 },
	{ "kvp", "fqdn_timeout", "250", true, 250 },
	{ "kvp", "fqdn_timeout", "0", true, 0 },
	{ "kvp", "fqdn_timeout", "2s", true, 2000 },
	{ "kvp", "fqdn_timeout", "2 s", true, 2000 },
	{ "kvp", "fqdn_timeout", "2sec", true, 2000 },
	{ "kvp", "fqdn_timeout", "1.5s", true, 1500 },
	{ "kvp", "fqdn_timeout", "0.25s", true, 250 },
	{ "kvp", "fqdn_timeout", "0.1min", true, 6000 },
	{ "kvp", "fqdn_timeout", "10000", true, 10000 },
	{ "kvp", "fqdn_timeout", "10s", true, 10000 },
	{ "kvp", "fqdn_timeout", "10000msec", true, 10000 },
	{ "kvp", "fqdn_timeout", "10001", false, 0 },
	{ "kvp", "fqdn_timeout", "1min", false, 0 },
	{ "kvp", "fqdn_timeout", "1h", false, 0 },
	{ "kvp", "fqdn_timeout", "0.0005s", false, 0 },
	{ "kvp", "fqdn_timeout", "1.5", false, 0 },
	{ "kvp", "fqdn_timeout", "", false, 0 },
	{ "kvp", "fqdn_timeout", "-1", false, 0 },
	{ "kvp", "fqdn_timeout", "+1", false, 0 },
	{ "kvp", "fqdn_timeout", "0x10", false, 0 },
	{ "kvp", "fqdn_timeout", "1x", false, 0 },
	{ "kvp", "fqdn_timeout", "1.s", false, 0 },
	{ "kvp", "fqdn_timeout", ".5s", false, 0 },
	{ "kvp", "fqdn_timeout", "ms", false, 0 },
	{ "kvp", "fqdn_timeout", "1s 500ms", false, 0 },
	{ "kvp", "fqdn_timeout", "4294967296", false, 0 },
	{ "kvp", "fqdn_timeout", "99999999999999999999999", false, 0 },
	{ "kvp", "fqdn_timeout", "1.1234567891s", false, 0 },
	/* mode */
	{ "kvp", "pool_mode", "0644", true, 0644 },
	{ "kvp", "pool_mode", "644", true, 0644 },
	{ "kvp", "pool_mode", "0", true, 0 },
	{ "kvp", "pool_mode", "7777", true, 07777 },
	{ "kvp", "pool_mode", "00000600", true, 0600 },
	{ "kvp", "pool_mode", "10000", false, 0 },
	{ "kvp", "pool_mode", "0o644", false, 0 },
	{ "kvp", "pool_mode", "0x1a4", false, 0 },
	{ "kvp", "pool_mode", "8", false, 0 },
	{ "kvp", "pool_mode", "-644", false, 0 },
	{ "kvp", "pool_mode", "", false, 0 },
	{ "kvp", "pool_mode", "rw-r--r--", false, 0 },
};

static void test_numeric_values(void)
{
	for (size_t i = 0; i < ELEMENTSOF(numeric_cases); i++) {
		const struct value_case *t = &numeric_cases[i];
		struct hv_config c;
		char *err = NULL;

		CU_ASSERT_EQUAL_FATAL(config_init(&c), 0);
		unsigned before = numeric_field(&c, t->key);
		int r = config_set(&c, t->section, t->key, t->value, "here", &err);
		if (t->ok) {
			CHECK_MSG(r == 0, "%s.%s=\"%s\": expected ok, got %d (%s)", t->section,
				  t->key, t->value, r, err ? err : "");
			CHECK_MSG(numeric_field(&c, t->key) == t->expect,
				  "%s.%s=\"%s\": expected %u, got %u", t->section, t->key,
				  t->value, t->expect, numeric_field(&c, t->key));
		} else {
			CHECK_MSG(r == -EINVAL, "%s.%s=\"%s\": expected -EINVAL, got %d",
				  t->section, t->key, t->value, r);
			CHECK_MSG(err && !strncmp(err, "here: [", 7),
				  "%s.%s=\"%s\": message \"%s\"", t->section, t->key, t->value,
				  err ? err : "(none)");
			/* A rejected value leaves the old one in place. */
			CHECK_MSG(numeric_field(&c, t->key) == before,
				  "%s.%s=\"%s\": value changed on error", t->section, t->key,
				  t->value);
		}
		free(err);
		config_done(&c);
	}
}

struct text_case {
	const char *key, *value;
	const char *expect; /* NULL: must fail */
};

static const struct text_case text_cases[] = {
	{ "device", "/x", "/x" },
	{ "device", "  /dev/vmbus/hv_kvp  ", "/dev/vmbus/hv_kvp" },
	{ "device", "/with space/and;semicolon", "/with space/and;semicolon" },
	{ "device", "/utf8/\xc3\xa9", "/utf8/\xc3\xa9" },
	{ "os_release", "/", "/" },
	{ "device", "x", NULL },
	{ "device", "./x", NULL },
	{ "device", "", NULL },
	{ "device", "   ", NULL },
	{ "device", "~/x", NULL },
	{ "device", "/x\ny", NULL },
	{ "device", "/x\x01", NULL },
	{ "device", "/x\x7f", NULL },
	{ "device", "/x ;comment", NULL },
	{ "pool_dir", "/x\t;c", NULL },
};

static void test_text_values(void)
{
	char longpath[200];

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';

	for (size_t i = 0; i <= ELEMENTSOF(text_cases); i++) {
		struct text_case t = i < ELEMENTSOF(text_cases)
					     ? text_cases[i]
					     : (struct text_case){ "device", longpath, NULL };
		struct hv_config c;
		char *err = NULL;

		CU_ASSERT_EQUAL_FATAL(config_init(&c), 0);
		int r = config_set(&c, "kvp", t.key, t.value, "f:1", &err);
		char *got = !strcmp(t.key, "device")	 ? c.kvp_device
			    : !strcmp(t.key, "pool_dir") ? c.kvp_pool_dir
							 : c.kvp_os_release;
		if (t.expect) {
			CHECK_MSG(r == 0 && !strcmp(got, t.expect), "kvp.%s=\"%s\": got %d \"%s\"",
				  t.key, t.value, r, got);
		} else {
			CHECK_MSG(r == -EINVAL && err, "kvp.%s=\"%s\": expected error, got %d",
				  t.key, t.value, r);
			CHECK_MSG(got && got[0] == '/' && strcmp(got, t.value),
				  "kvp.%s=\"%s\": old value kept", t.key, t.value);
		}
		free(err);
		config_done(&c);
	}
}

static void test_strv(void)
{
	static const struct {
		const char *value;
		const char *expect[5];
	} cases[] = {
		{ "a b c", { "a", "b", "c" } },
		{ "  eth*\t\tens1  ", { "eth*", "ens1" } },
		{ "", { NULL } },
		{ "one", { "one" } },
		{ "x;y #z", { "x;y", "#z" } },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct hv_config c;
		CU_ASSERT_EQUAL_FATAL(config_init(&c), 0);
		int r = config_set(&c, "kvp", "exclude_interfaces", cases[i].value, "x", NULL);
		CHECK_MSG(r == 0, "strv \"%s\": %d", cases[i].value, r);
		size_t j = 0;
		for (; cases[i].expect[j]; j++)
			CHECK_MSG(c.kvp_exclude_interfaces[j] &&
					  !strcmp(c.kvp_exclude_interfaces[j], cases[i].expect[j]),
				  "strv \"%s\" item %zu", cases[i].value, j);
		CHECK_MSG(c.kvp_exclude_interfaces[j] == NULL, "strv \"%s\": %zu items",
			  cases[i].value, j);
		config_done(&c);
	}
}

/* Whole files: the message names file, line and key. */
struct file_case {
	const char *text;
	const char *error; /* NULL: loads; else the exact message */
};

static const struct file_case file_cases[] = {
	{ "", NULL },
	{ "; only a comment\n# another\n\n", NULL },
	{ "[kvp]\ndevice = /a\n", NULL },
	{ "\xef\xbb\xbf[kvp]\r\ndevice=/a\r\n", NULL },
	{ "[kvp]\ndevice: /a\n", NULL },
	{ "[kvp]\n  device = /a\n", NULL }, /* indentation before any key is fine */
	{ "[kvp]\ndevice = /a ; comment\n", NULL },
	{ "[daemon]\ndebug = yes\n[kvp]\nsync = on\n", NULL },
	{ "[kvp]\ndevice = /a\n[kvp]\ndevice = /b\n", NULL },
	{ "[kvp]\ndevice = dev/x\n", "t.conf:2: [kvp] device: not an absolute path: \"dev/x\"" },
	{ "[kvp]\n\n; c\ndevice = /a\nsync = maybe\n",
	  "t.conf:5: [kvp] sync: not a boolean (yes/no, true/false, on/off, 1/0): \"maybe\"" },
	{ "[kvp]\nnosuch = 1\n", "t.conf:2: [kvp] nosuch: unknown key" },
	{ "[kv]\ndevice = /a\n", "t.conf:2: [kv] device: unknown section [kv]" },
	{ "[KVP]\ndevice = /a\n", "t.conf:2: [KVP] device: unknown section [KVP]" },
	{ "device = /a\n", "t.conf:1: device: key outside of any [section]" },
	{ "[kvp]\n= /a\n", "t.conf:2: [kvp] (empty): unknown key" },
	{ "[kvp]\njunk\n", "t.conf:2: syntax error: expected \"[section]\" or \"key = value\"" },
	{ "[kvp\ndevice = /a\n",
	  "t.conf:1: syntax error: expected \"[section]\" or \"key = value\"" },
	/* The first error is reported, whichever kind it is. */
	{ "[kvp]\njunk\nsync = x\n",
	  "t.conf:2: syntax error: expected \"[section]\" or \"key = value\"" },
	{ "[kvp]\nsync = x\njunk\n",
	  "t.conf:2: [kvp] sync: not a boolean (yes/no, true/false, on/off, 1/0): \"x\"" },
	{ "[kvp]\ndevice = /a\n  /b\n",
	  "t.conf:3: [kvp] device: indented line would continue the previous value; "
	  "continuation lines are not supported" },
	{ "[kvp]\ndevice = /a\n\tsync = yes\n",
	  "t.conf:3: [kvp] device: indented line would continue the previous value; "
	  "continuation lines are not supported" },
	{ "[kvp]\nfqdn_timeout = 20s\n",
	  "t.conf:2: [kvp] fqdn_timeout: out of range: \"20s\"" },
};

static void test_files(void)
{
	for (size_t i = 0; i < ELEMENTSOF(file_cases); i++) {
		const struct file_case *t = &file_cases[i];
		struct hv_config c;
		char *err = NULL;

		CU_ASSERT_EQUAL_FATAL(config_init(&c), 0);
		int r = config_load_string(&c, t->text, strlen(t->text), "t.conf", &err);
		if (!t->error)
			CHECK_MSG(r == 0, "case %zu \"%s\": %d %s", i, t->text, r, err ? err : "");
		else
			CHECK_MSG(r == -EINVAL && err && !strcmp(err, t->error),
				  "case %zu \"%s\": %d, message \"%s\", expected \"%s\"", i, t->text,
				  r, err ? err : "(none)", t->error);
		free(err);
		config_done(&c);
	}
}

static void test_file_semantics(void)
{
	struct hv_config c;
	const char *text = "[kvp]\n"
			   "device = /first\n"
			   "device = /second ; last one wins\n"
			   "pool_dir = /p # not a comment\n"
			   "exclude_interfaces =\n";

	CU_ASSERT_EQUAL_FATAL(config_init(&c), 0);
	CU_ASSERT_EQUAL(config_load_string(&c, text, strlen(text), "x", NULL), 0);
	CU_ASSERT_STRING_EQUAL(c.kvp_device, "/second");
	/* inih (as packaged) only takes ';' as an inline comment. */
	CU_ASSERT_STRING_EQUAL(c.kvp_pool_dir, "/p # not a comment");
	CU_ASSERT_PTR_NULL(c.kvp_exclude_interfaces[0]);
	config_done(&c);
}

static void test_bad_bytes(void)
{
	struct hv_config c;
	char *err = NULL;
	char line[400];

	CU_ASSERT_EQUAL_FATAL(config_init(&c), 0);
	CU_ASSERT_EQUAL(config_load_string(&c, "[kvp]\ndevice=/a\0b\n", 17, "n.conf", &err),
			-EINVAL);
	CHECK_MSG(err && !strcmp(err, "n.conf:2: line contains a NUL byte"), "NUL: %s",
		  err ? err : "(none)");
	free(err);
	err = NULL;

	/* inih would cut this line in two and parse the tail as a line of its own. */
	int n = snprintf(line, sizeof(line), "[kvp]\n;%0250d\n", 0);
	CU_ASSERT_EQUAL(config_load_string(&c, line, (size_t)n, "l.conf", &err), -EINVAL);
	CHECK_MSG(err && !strncmp(err, "l.conf:2: line too long", 23), "long: %s",
		  err ? err : "(none)");
	free(err);
	err = NULL;

	/* No trailing newline is fine; the string need not be NUL-terminated. */
	char buf[] = { '[', 'k', 'v', 'p', ']', '\n', 's', 'y', 'n', 'c', '=', '1', 'X' };
	CU_ASSERT_EQUAL(config_load_string(&c, buf, sizeof(buf) - 1, "b", NULL), 0);
	CU_ASSERT_TRUE(c.kvp_sync);
	config_done(&c);
}

struct option_case {
	const char *option;
	const char *error; /* NULL: ok */
};

static const struct option_case option_cases[] = {
	{ "kvp.device=/o", NULL },
	{ " kvp.device = /o ", NULL },
	{ "kvp.device==/o", "-o kvp.device==/o: not an absolute path" },
	{ "kvp.device", "-o kvp.device: expected SECTION.KEY=VALUE" },
	{ "device=/o", "-o device=/o: expected SECTION.KEY=VALUE" },
	{ ".device=/o", "-o .device=/o: expected SECTION.KEY=VALUE" },
	{ "kvp.=/o", "-o kvp.=/o: expected SECTION.KEY=VALUE" },
	{ "=", "-o =: expected SECTION.KEY=VALUE" },
	{ "", "-o : expected SECTION.KEY=VALUE" },
	{ "kvp.device=rel", "-o kvp.device=rel: not an absolute path" },
	{ "kvp.nope=1", "-o kvp.nope=1: [kvp] nope: unknown key" },
	{ "nope.device=/o", "-o nope.device=/o: [nope] device: unknown section [nope]" },
	{ "kvp.device=/o\n[x]", "-o kvp.device=/o\n[x]: value contains a control character" },
};

static void test_options(void)
{
	for (size_t i = 0; i < ELEMENTSOF(option_cases); i++) {
		const struct option_case *t = &option_cases[i];
		struct hv_config c;
		char *err = NULL;

		CU_ASSERT_EQUAL_FATAL(config_init(&c), 0);
		int r = config_set_option(&c, t->option, &err);
		if (!t->error)
			CHECK_MSG(r == 0 && !strcmp(c.kvp_device, "/o"), "-o \"%s\": %d %s",
				  t->option, r, err ? err : "");
		else
			CHECK_MSG(r == -EINVAL && err && !strcmp(err, t->error),
				  "-o \"%s\": %d, message \"%s\", expected \"%s\"", t->option, r,
				  err ? err : "(none)", t->error);
		free(err);
		config_done(&c);
	}
}

static char *tmpdir_new(void)
{
	char *d = strdup("/tmp/test-config.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(d));
	return d;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void test_load_file(void)
{
	_cleanup_free_ char *dir = tmpdir_new();
	char path[512];
	struct hv_config c;
	char *err = NULL;

	CU_ASSERT_EQUAL_FATAL(config_init(&c), 0);
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	CU_ASSERT_EQUAL(config_load_file(&c, path, false, &err), 0);
	CU_ASSERT_PTR_NULL(err);
	CU_ASSERT_EQUAL(config_load_file(&c, path, true, &err), -ENOENT);
	CHECK_MSG(err && strstr(err, "missing.conf: No such file"), "missing: %s",
		  err ? err : "(none)");
	free(err);
	err = NULL;

	CU_ASSERT_EQUAL(config_load_file(&c, "/dev/null", true, &err), 0);
	CU_ASSERT_EQUAL(config_load_file(&c, dir, true, &err), -EISDIR);
	free(err);
	err = NULL;

	write_file(dir, "a.conf", "[kvp]\npool_dir = /from/file\n\nsync = nope\n");
	snprintf(path, sizeof(path), "%s/a.conf", dir);
	CU_ASSERT_EQUAL(config_load_file(&c, path, true, &err), -EINVAL);
	char expect[600];
	snprintf(expect, sizeof(expect),
		 "%s:4: [kvp] sync: not a boolean (yes/no, true/false, on/off, 1/0): \"nope\"",
		 path);
	CHECK_MSG(err && !strcmp(err, expect), "file error: %s", err ? err : "(none)");
	free(err);
	config_done(&c);
	CU_ASSERT_EQUAL(unit_rm_rf(dir), 0);
}

static void test_dropins(void)
{
	_cleanup_free_ char *dir = tmpdir_new();
	char main_path[512], d[520];
	struct hv_config c;
	char *err = NULL;

	snprintf(main_path, sizeof(main_path), "%s/hvguest.conf", dir);
	CU_ASSERT_EQUAL_FATAL(config_init(&c), 0);
	/* No directory at all: nothing to do. */
	CU_ASSERT_EQUAL(config_load_dropins(&c, main_path, &err), 0);

	write_file(dir, "hvguest.conf", "[kvp]\ndevice = /main\npool_dir = /main\n");
	snprintf(d, sizeof(d), "%s.d", main_path);
	CU_ASSERT_EQUAL_FATAL(mkdir(d, 0755), 0);
	write_file(d, "20-b.conf", "[kvp]\ndevice = /b\n");
	write_file(d, "10-a.conf", "[kvp]\ndevice = /a\nos_release = /a\n");
	write_file(d, "30-c.txt", "[kvp]\ndevice = /not-a-dropin\n");
	write_file(d, ".hidden.conf", "[kvp]\ndevice = /hidden\n");
	char sub[600];
	snprintf(sub, sizeof(sub), "%s/40-dir.conf", d);
	CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0755), 0);

	CU_ASSERT_EQUAL(config_load_file(&c, main_path, true, &err), 0);
	CU_ASSERT_EQUAL(config_load_dropins(&c, main_path, &err), 0);
	CU_ASSERT_PTR_NULL(err);
	CU_ASSERT_STRING_EQUAL(c.kvp_device, "/b");
	CU_ASSERT_STRING_EQUAL(c.kvp_pool_dir, "/main");
	CU_ASSERT_STRING_EQUAL(c.kvp_os_release, "/a");

	/* An error in a drop-in names the drop-in. */
	write_file(d, "25-bad.conf", "[kvp]\n\nbogus = 1\n");
	CU_ASSERT_EQUAL(config_load_dropins(&c, main_path, &err), -EINVAL);
	char expect[700];
	snprintf(expect, sizeof(expect), "%s/25-bad.conf:3: [kvp] bogus: unknown key", d);
	CHECK_MSG(err && !strcmp(err, expect), "drop-in error: %s", err ? err : "(none)");
	free(err);
	config_done(&c);
	CU_ASSERT_EQUAL(unit_rm_rf(dir), 0);
}

static char *dump_to_string(const struct hv_config *c)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	config_dump(c, f);
	fclose(f);
	return s;
}

static void test_dump_round_trip(void)
{
	static const char *const settings[] = {
		"kvp.device=/run/test/kvp.sock",
		"kvp.pool_dir=/tmp/pools dir",
		"kvp.pool_mode=600",
		"kvp.exclude_interfaces=eth9  wl*\tx;y",
		"kvp.fqdn_timeout=1.5s",
		"kvp.sync=on",
		"daemon.debug=TRUE",
	};
	struct hv_config a, b;

	for (int pass = 0; pass < 3; pass++) {
		CU_ASSERT_EQUAL_FATAL(config_init(&a), 0);
		CU_ASSERT_EQUAL_FATAL(config_init(&b), 0);
		if (pass == 1)
			for (size_t i = 0; i < ELEMENTSOF(settings); i++)
				CHECK_MSG(config_set_option(&a, settings[i], NULL) == 0, "-o %s",
					  settings[i]);
		if (pass == 2)
			CU_ASSERT_EQUAL(config_set_option(&a, "kvp.exclude_interfaces=", NULL), 0);
		/* b starts from different values, so the dump must set every key. */
		CU_ASSERT_EQUAL(config_set_option(&b, "kvp.sync=yes", NULL), 0);
		CU_ASSERT_EQUAL(config_set_option(&b, "kvp.pool_mode=0", NULL), 0);
		CU_ASSERT_EQUAL(config_set_option(&b, "kvp.exclude_interfaces=zz", NULL), 0);

		_cleanup_free_ char *d1 = dump_to_string(&a);
		char *err = NULL;
		CHECK_MSG(config_load_string(&b, d1, strlen(d1), "dump", &err) == 0,
			  "pass %d: dump does not load: %s\n%s", pass, err ? err : "", d1);
		free(err);
		_cleanup_free_ char *d2 = dump_to_string(&b);
		CHECK_MSG(!strcmp(d1, d2), "pass %d: dumps differ:\n%s\n---\n%s", pass, d1, d2);

		/* Every key, each after a "# doc" line, under its section header. */
		for (size_t i = 0; i < config_keys_count; i++) {
			char needle[256];
			snprintf(needle, sizeof(needle), "# %s\n%s = ", config_keys[i].doc,
				 config_keys[i].key);
			CHECK_MSG(strstr(d1, needle), "dump lacks %s", needle);
			snprintf(needle, sizeof(needle), "[%s]\n", config_keys[i].section);
			CHECK_MSG(strstr(d1, needle), "dump lacks %s", needle);
		}
		if (pass == 1) {
			CU_ASSERT_EQUAL(b.kvp_pool_mode, 0600);
			CU_ASSERT_EQUAL(b.kvp_fqdn_timeout_ms, 1500);
			CU_ASSERT_STRING_EQUAL(b.kvp_pool_dir, "/tmp/pools dir");
			CU_ASSERT_STRING_EQUAL(b.kvp_exclude_interfaces[2], "x;y");
			CU_ASSERT_TRUE(b.debug && b.kvp_sync);
		}
		config_done(&a);
		config_done(&b);
	}
}

/* The man page and the sample file list exactly the table's keys (when run from the source tree). */
static void test_docs_list_every_key(void)
{
	const char *src = getenv("HVGUEST_SRC");
	char p[512];
	char *man = NULL, *conf = NULL;
	size_t n;

	snprintf(p, sizeof(p), "%s/man/hvguest.conf.5.in", src ? src : ".");
	FILE *f = fopen(p, "r");
	if (!f) {
		fprintf(stderr, "  (%s not found, skipping)\n", p);
		return;
	}
	n = 0;
	CU_ASSERT(getdelim(&man, &n, '\0', f) > 0);
	fclose(f);
	snprintf(p, sizeof(p), "%s/conf/hvguest.conf", src ? src : ".");
	f = fopen(p, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = 0;
	CU_ASSERT(getdelim(&conf, &n, '\0', f) > 0);
	fclose(f);
	for (size_t i = 0; i < config_keys_count; i++) {
		char needle[128];
		snprintf(needle, sizeof(needle), "\n.It Cm %s ", config_keys[i].key);
		CHECK_MSG(man && strstr(man, needle), "man page lacks key %s.%s",
			  config_keys[i].section, config_keys[i].key);
		snprintf(needle, sizeof(needle), "\n#%s = ", config_keys[i].key);
		CHECK_MSG(conf && strstr(conf, needle), "conf/hvguest.conf lacks key %s.%s",
			  config_keys[i].section, config_keys[i].key);
	}
	free(man);
	free(conf);
}

static const struct unit_test tests[] = {
	{ "table", test_table },
	{ "defaults", test_defaults },
	{ "numeric_values", test_numeric_values },
	{ "text_values", test_text_values },
	{ "strv", test_strv },
	{ "files", test_files },
	{ "file_semantics", test_file_semantics },
	{ "bad_bytes", test_bad_bytes },
	{ "options", test_options },
	{ "load_file", test_load_file },
	{ "dropins", test_dropins },
	{ "dump_round_trip", test_dump_round_trip },
	{ "docs_list_every_key", test_docs_list_every_key },
};

UNIT_MAIN("config", tests)
