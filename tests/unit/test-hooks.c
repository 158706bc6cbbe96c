/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/hooks.c: listing a hooks dir, and running with argv, clean env and timeout. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"
#include "macro.h"
#include "unit.h"

static char dir[64];

static void write_hook(const char *name, const char *body, mode_t mode)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, mode);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-hooks.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
}

/* Remove what the tests created in their own mkdtemp directory, then it. */
static void teardown(void)
{
	const char *names[] = { "20-b", "10-a", "30-off", "10-a~", ".hidden", "40-c.dpkg-old", "dir",
				"out" };
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		char p[160];
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
		rmdir(p);
	}
	rmdir(dir);
}

static void test_list(void)
{
	struct hook_list l;
	char p[160];

	setup();
	write_hook("20-b", "exit 0", 0755);
	write_hook("10-a", "exit 0", 0755);
	write_hook("30-off", "exit 0", 0644);
	write_hook("10-a~", "exit 0", 0755);
	write_hook(".hidden", "exit 0", 0755);
	write_hook("40-c.dpkg-old", "exit 0", 0755);
	snprintf(p, sizeof(p), "%s/dir", dir);
	mkdir(p, 0755);

	CU_ASSERT_EQUAL_FATAL(hooks_list(dir, &l), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 2);
	CU_ASSERT(strstr(l.paths[0], "/10-a") != NULL);
	CU_ASSERT(strstr(l.paths[1], "/20-b") != NULL);
	hook_list_done(&l);

	CU_ASSERT_EQUAL(hooks_list("/nonexistent/hvguest-hooks", &l), 0);
	CU_ASSERT_EQUAL(l.n, 0);
	teardown();
}

static void test_run(void)
{
	char path[160], out[160], buf[512] = "";
	struct hook_result res;

	setup();
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(path, sizeof(path), "%s/10-a", dir);
	char body[400];
	/* Prints its arguments and its whole environment. */
	snprintf(body, sizeof(body), "echo \"args:$#:$1:$2\" >%s; env >>%s; exit 7", out, out);
	write_hook("10-a", body, 0755);
	setenv("HVGUEST_SECRET_TEST", "leak", 1);
	const char *args[] = { "freeze", "x y", NULL };
	CU_ASSERT_EQUAL_FATAL(hook_run(path, args, hook_default_env, 5000, &res), 0);
	CU_ASSERT_EQUAL(res.exit_status, 7);
	CU_ASSERT(!res.timed_out);
	CU_ASSERT(!hook_result_ok(&res));
	int fd = open(out, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	CU_ASSERT_FATAL(n > 0);
	buf[n] = '\0';
	CU_ASSERT(strncmp(buf, "args:2:freeze:x y\n", 18) == 0);
	CU_ASSERT(strstr(buf, "HVGUEST_SECRET_TEST") == NULL);
	CU_ASSERT(strstr(buf, "PATH=") != NULL);
	unsetenv("HVGUEST_SECRET_TEST");

	/* Timeout: killed, with its children, within about the timeout. */
	write_hook("20-b", "sleep 30 & sleep 30", 0755);
	snprintf(path, sizeof(path), "%s/20-b", dir);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CU_ASSERT_EQUAL_FATAL(hook_run(path, NULL, hook_default_env, 200, &res), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CU_ASSERT(res.timed_out);
	CU_ASSERT(!hook_result_ok(&res));
	CU_ASSERT(ms >= 150 && ms < 3000);

	/* Success. */
	write_hook("20-b", "exit 0", 0755);
	CU_ASSERT_EQUAL_FATAL(hook_run(path, args, hook_default_env, 5000, &res), 0);
	CU_ASSERT(hook_result_ok(&res));

	/* Not executable: cannot be started. */
	snprintf(path, sizeof(path), "%s/30-off", dir);
	write_hook("30-off", "exit 0", 0644);
	CU_ASSERT(hook_run(path, NULL, hook_default_env, 1000, &res) < 0);
	teardown();
}

static const struct unit_test tests[] = {
	{ "list: executables in name order, backups skipped", test_list },
	{ "run: argv, clean env, exit status, timeout", test_run },
};

UNIT_MAIN("hooks", tests)
