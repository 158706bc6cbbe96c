/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/cli.c: the shared daemon command line and daemon_config_load(). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "macro.h"
#include "unit.h"

#define CHECK_MSG(cond, ...)                                                   \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "  FAILED: " __VA_ARGS__);             \
			fputc('\n', stderr);                                   \
		}                                                              \
		CU_ASSERT(!!(cond));                                           \
	} while (0)

#ifndef HVGUEST_VERSION
#define HVGUEST_VERSION "unknown"
#endif

/* Redirect fd 1 or 2 into a temporary file while a call runs. */
struct capture {
	int fd, saved;
	FILE *tmp;
};

static void capture_begin(struct capture *c, int fd)
{
	fflush(stdout);
	fflush(stderr);
	c->fd = fd;
	c->tmp = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->tmp);
	c->saved = dup(fd);
	CU_ASSERT_FATAL(c->saved >= 0);
	CU_ASSERT_FATAL(dup2(fileno(c->tmp), fd) == fd);
}

static char *capture_end(struct capture *c)
{
	char *s = NULL;
	size_t n = 0;

	fflush(stdout);
	fflush(stderr);
	dup2(c->saved, c->fd);
	close(c->saved);
	rewind(c->tmp);
	if (getdelim(&s, &n, '\0', c->tmp) < 0) {
		free(s);
		s = strdup("");
	}
	fclose(c->tmp);
	return s;
}

static bool thaw, dry_run;
static const struct cli_flag flags[] = {
	{ "thaw", "thaw every frozen filesystem and exit", &thaw },
	{ "a-very-long-flag-name", "wraps onto its own line", &dry_run },
};

static enum cli_result parse(int argc, char **argv, struct daemon_cli *cli, char **ret_out,
			     char **ret_err)
{
	struct capture out, err;

	thaw = dry_run = false;
	*cli = (struct daemon_cli){ 0 };
	capture_begin(&out, 1);
	capture_begin(&err, 2);
	enum cli_result r = daemon_cli_parse(argc, argv, "hvtestd", "Test daemon.", flags,
					     ELEMENTSOF(flags), cli);
	char *e = capture_end(&err);
	char *o = capture_end(&out);
	if (ret_out)
		*ret_out = o;
	else
		free(o);
	if (ret_err)
		*ret_err = e;
	else
		free(e);
	return r;
}

#define ARGV(...) ((char *[]){ "hvtestd", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "hvtestd", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(cli, out, err, ...) parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), cli, out, err)

static void test_help(void)
{
	static const char *const must[] = {
		"Usage: hvtestd [OPTIONS]", "Test daemon.", "-c, --config FILE",
		"-o, --option SECTION.KEY=VALUE", "-d, --debug", "-n, --no-daemon",
		"--check-config", "--dump-config", "-V, --version", "-h, --help",
		"--thaw", "thaw every frozen filesystem", "--a-very-long-flag-name",
		"wraps onto its own line", HVGUEST_CONFIG_FILE, "hvguest.conf.d/*.conf",
		"hvguest.conf(5)",
	};
	const char *variants[] = { "-h", "--help" };

	for (size_t v = 0; v < ELEMENTSOF(variants); v++) {
		struct daemon_cli cli;
		char *out, *err;
		char *argv[] = { "hvtestd", (char *)variants[v], "--bogus-after-help", NULL };
		enum cli_result r = parse(2, argv, &cli, &out, &err);
		CHECK_MSG(r == CLI_EXIT_OK, "%s: result %d", variants[v], r);
		for (size_t i = 0; i < ELEMENTSOF(must); i++)
			CHECK_MSG(strstr(out, must[i]), "%s output lacks \"%s\":\n%s", variants[v],
				  must[i], out);
		CHECK_MSG(err[0] == '\0', "%s wrote to stderr: %s", variants[v], err);
		free(out);
		free(err);
	}
}

static void test_version(void)
{
	const char *variants[] = { "-V", "--version" };

	for (size_t v = 0; v < ELEMENTSOF(variants); v++) {
		struct daemon_cli cli;
		char *out;
		char *argv[] = { "hvtestd", (char *)variants[v], NULL };
		CU_ASSERT_EQUAL(parse(2, argv, &cli, &out, NULL), CLI_EXIT_OK);
		CHECK_MSG(!strcmp(out, "hvtestd (hvguest) " HVGUEST_VERSION "\n"), "%s: \"%s\"",
			  variants[v], out);
		free(out);
	}
}

static void test_usage_errors(void)
{
	static const struct {
		const char *args[4];
		const char *stderr_has;
	} cases[] = {
		{ { "--bogus" }, "bogus" },
		{ { "-x" }, "-- 'x'" },
		{ { "extra" }, "unexpected argument 'extra'" },
		{ { "-d", "extra", "-n" }, "unexpected argument 'extra'" },
		{ { "-c" }, "requires an argument" },
		{ { "--option" }, "requires an argument" },
		{ { "--help=yes" }, "doesn't allow an argument" },
		{ { "--thaw=1" }, "doesn't allow an argument" },
		{ { "--thaw", "--nope" }, "nope" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char *argv[6] = { "hvtestd" };
		int argc = 1;
		for (; argc <= 4 && cases[i].args[argc - 1]; argc++)
			argv[argc] = (char *)cases[i].args[argc - 1];
		struct daemon_cli cli;
		char *out, *err;
		enum cli_result r = parse(argc, argv, &cli, &out, &err);
		CHECK_MSG(r == CLI_EXIT_USAGE, "%s: result %d", cases[i].args[0], r);
		CHECK_MSG(strstr(err, cases[i].stderr_has) && strstr(err, "hvtestd --help"),
			  "%s: stderr \"%s\" lacks \"%s\"", cases[i].args[0], err,
			  cases[i].stderr_has);
		CHECK_MSG(out[0] == '\0', "%s: wrote to stdout: %s", cases[i].args[0], out);
		/* Flags are only set when the whole command line was good. */
		CHECK_MSG(!thaw, "%s: --thaw set on a usage error", cases[i].args[0]);
		free(out);
		free(err);
	}
}

static void test_options(void)
{
	struct daemon_cli cli;
	char *argv[] = { "hvtestd", "-o", "kvp.device=/a", "--option", "kvp.sync=yes",
			 "-okvp.device=/b", "--option=daemon.debug=no", "-c", "/x.conf",
			 "-n", "--no-daemon", "--check-config", "--dump-config", "--thaw", NULL };

	CU_ASSERT_EQUAL_FATAL(parse(ELEMENTSOF(argv) - 1, argv, &cli, NULL, NULL), CLI_RUN);
	CU_ASSERT_EQUAL_FATAL(cli.n_options, 4);
	CU_ASSERT_STRING_EQUAL(cli.options[0], "kvp.device=/a");
	CU_ASSERT_STRING_EQUAL(cli.options[1], "kvp.sync=yes");
	CU_ASSERT_STRING_EQUAL(cli.options[2], "kvp.device=/b");
	CU_ASSERT_STRING_EQUAL(cli.options[3], "daemon.debug=no");
	CU_ASSERT_STRING_EQUAL(cli.config_path, "/x.conf");
	CU_ASSERT_TRUE(cli.check_config);
	CU_ASSERT_TRUE(cli.dump_config);
	CU_ASSERT_FALSE(cli.debug);
	CU_ASSERT_TRUE(thaw);
	CU_ASSERT_FALSE(dry_run);
	daemon_cli_done(&cli);
	daemon_cli_done(&cli);

	/* Nothing given: all defaults; -n changes nothing. */
	CU_ASSERT_EQUAL_FATAL(PARSE(&cli, NULL, NULL, "-n"), CLI_RUN);
	CU_ASSERT_PTR_NULL(cli.config_path);
	CU_ASSERT_EQUAL(cli.n_options, 0);
	CU_ASSERT_FALSE(cli.debug || cli.check_config || cli.dump_config || thaw);
	daemon_cli_done(&cli);

	CU_ASSERT_EQUAL_FATAL(PARSE(&cli, NULL, NULL, "-dn", "--debug"), CLI_RUN);
	CU_ASSERT_TRUE(cli.debug);
	daemon_cli_done(&cli);

	char *argv0[] = { "hvtestd", NULL };
	CU_ASSERT_EQUAL_FATAL(parse(1, argv0, &cli, NULL, NULL), CLI_RUN);
	daemon_cli_done(&cli);
}

static char *write_tmp(const char *text)
{
	char *p = strdup("/tmp/test-cli.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	int fd = mkstemp(p);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	return p;
}

static int load(struct daemon_cli *cli, struct hv_config *c, char **ret_err)
{
	struct capture err;
	capture_begin(&err, 2);
	int r = daemon_config_load(cli, c);
	*ret_err = capture_end(&err);
	return r;
}

static void test_config_load(void)
{
	_cleanup_free_ char *path = write_tmp("[kvp]\ndevice = /file\npool_dir = /file\n"
					      "[daemon]\ndebug = no\n");
	char *opts[] = { "kvp.pool_dir=/o1", "kvp.pool_dir=/o2", "kvp.sync=yes" };
	struct daemon_cli cli = { .config_path = path, .options = opts, .n_options = 3,
				  .debug = true };
	struct hv_config c;
	char *err;

	CU_ASSERT_EQUAL_FATAL(load(&cli, &c, &err), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	free(err);
	CU_ASSERT_STRING_EQUAL(c.kvp_device, "/file");
	CU_ASSERT_STRING_EQUAL(c.kvp_pool_dir, "/o2"); /* -o after the file, in order */
	CU_ASSERT_TRUE(c.kvp_sync);
	CU_ASSERT_TRUE(c.debug); /* -d wins over the file */
	CU_ASSERT_EQUAL(c.kvp_pool_mode, 0644);
	config_done(&c);

	/* A bad -o names itself. */
	char *bad_opts[] = { "kvp.sync=yes", "kvp.pool_mode=999" };
	cli = (struct daemon_cli){ .config_path = path, .options = bad_opts, .n_options = 2 };
	CU_ASSERT_EQUAL(load(&cli, &c, &err), -EINVAL);
	CHECK_MSG(strstr(err, ": -o kvp.pool_mode=999: not an octal mode\n"), "stderr: %s", err);
	free(err);
	unlink(path);

	/* A bad file names file and line. */
	_cleanup_free_ char *bad = write_tmp("[kvp]\n\nfqdn_timeout = soon\n");
	cli = (struct daemon_cli){ .config_path = bad };
	CU_ASSERT_EQUAL(load(&cli, &c, &err), -EINVAL);
	char expect[512];
	snprintf(expect, sizeof(expect), ": %s:3: [kvp] fqdn_timeout: ", bad);
	CHECK_MSG(strstr(err, expect), "stderr: %s", err);
	free(err);
	unlink(bad);

	/* An explicit file must exist. */
	cli = (struct daemon_cli){ .config_path = "/nonexistent/hvguest.conf" };
	CU_ASSERT_EQUAL(load(&cli, &c, &err), -EINVAL);
	CHECK_MSG(strstr(err, "/nonexistent/hvguest.conf: No such file"), "stderr: %s", err);
	free(err);

	/* -c /dev/null: an empty file, all defaults. */
	cli = (struct daemon_cli){ .config_path = "/dev/null" };
	CU_ASSERT_EQUAL_FATAL(load(&cli, &c, &err), 0);
	free(err);
	CU_ASSERT_STRING_EQUAL(c.kvp_device, "/dev/vmbus/hv_kvp");
	CU_ASSERT_FALSE(c.debug);
	config_done(&c);
}

static const struct unit_test tests[] = {
	{ "help", test_help },
	{ "version", test_version },
	{ "usage_errors", test_usage_errors },
	{ "options", test_options },
	{ "config_load", test_config_load },
};

UNIT_MAIN("cli", tests)
