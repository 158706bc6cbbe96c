/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/log.c through stderr: host strings formatted into a line come out
 * escaped, and repeated lines from one call site are suppressed after a
 * burst and summed up in one line.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "unit.h"

static FILE *captured;

/* The rate limiter's clock: stopped at fake_now while fake_stopped, else the real one. */
static uint64_t fake_now;
static bool fake_stopped;

static uint64_t real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t test_clock(void)
{
	return fake_stopped ? fake_now : real_now();
}

/* Send stderr to a fresh temporary file; returns what was logged so far. */
static void capture_start(void)
{
	fflush(stderr);
	captured = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(captured);
	CU_ASSERT_FATAL(dup2(fileno(captured), STDERR_FILENO) == STDERR_FILENO);
}

static char *capture_text(void)
{
	static char buf[65536];

	fflush(stderr);
	rewind(captured);
	size_t n = fread(buf, 1, sizeof(buf) - 1, captured);
	buf[n] = '\0';
	return buf;
}

static unsigned count_lines(const char *s, const char *needle)
{
	unsigned n = 0;
	for (const char *l = s; *l;) {
		const char *e = strchrnul(l, '\n');
		if (memmem(l, (size_t)(e - l), needle, strlen(needle)))
			n++;
		l = *e ? e + 1 : e;
	}
	return n;
}

static void test_escaped(void)
{
	capture_start();
	log_setup("t", false);
	log_warning("key \"%s\" failed", "a\nt: Registered (forged)\x1b[2J\xc2\x9b\xff\\");
	const char *out = capture_text();
	CU_ASSERT_STRING_EQUAL(
		out,
		"t: warning: key \"a\\nt: Registered (forged)\\x1b[2J\\u009b\\xff\\\\\" failed\n");

	/* A line much longer than the limit is cut, still one valid line. */
	char big[2000];
	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	capture_start();
	log_info("%s", big);
	out = capture_text();
	CU_ASSERT_EQUAL(count_lines(out, "t: \\n\\n"), 1);
	CU_ASSERT_PTR_NOT_NULL(strchr(out, '\n'));
	CU_ASSERT_EQUAL(strchr(out, '\n')[1], '\0');
}

static void test_burst_then_summary(void)
{
	capture_start();
	log_setup("t", false);
	log_set_ratelimit(3600ULL * 1000000, 3);
	for (int i = 0; i < 10; i++)
		log_info("same site %d", i);
	for (int i = 0; i < 2; i++)
		log_info("other site %d", i);
	const char *out = capture_text();
	CU_ASSERT_EQUAL(count_lines(out, "same site"), 3);
	CU_ASSERT_EQUAL(count_lines(out, "other site"), 2);
	CU_ASSERT_EQUAL(count_lines(out, "Suppressed"), 0);
	log_ratelimit_flush();
	out = capture_text();
	CU_ASSERT_EQUAL(
		count_lines(out, "t: Suppressed 7 similar messages in 1 s, like \"same site 2\""),
		1);
	CU_ASSERT_EQUAL(count_lines(out, "Suppressed"), 1);
}

static void test_window_end(void)
{
	capture_start();
	log_setup("t", false);
	log_set_ratelimit(1000, 2); /* 1 ms */
	fake_now = real_now();
	fake_stopped = true;
	log_set_clock(test_clock);
	for (int i = 0; i < 5; i++)
		log_warning("flood %d", i);
	fake_now += 1000;
	/* The first line after the window: the summary, then the line itself. */
	log_warning("flood %d", 5);
	log_set_clock(NULL);
	fake_stopped = false;
	const char *out = capture_text();
	CU_ASSERT_STRING_EQUAL(
		out, "t: warning: flood 0\n"
		     "t: warning: flood 1\n"
		     "t: warning: Suppressed 3 similar messages in 1 s, like \"flood 1\"\n"
		     "t: warning: flood 5\n");
}

static void test_window_end_timer(void)
{
	sd_event *e = NULL;

	capture_start();
	log_setup("t", false);
	CU_ASSERT_FATAL(sd_event_new(&e) >= 0);
	CU_ASSERT_EQUAL(log_attach_event(e), 0);
	log_set_ratelimit(1000, 1); /* 1 ms */
	/* All four in one window however slow the machine, then time runs again. */
	fake_now = real_now();
	fake_stopped = true;
	log_set_clock(test_clock);
	for (int i = 0; i < 4; i++)
		log_notice("timed %d", i);
	fake_stopped = false;
	/* Nothing else is logged: the loop's timer writes the summary (bound: 10 s). */
	for (int i = 0; i < 100 && !strstr(capture_text(), "Suppressed"); i++)
		CU_ASSERT(sd_event_run(e, 100 * 1000) >= 0);
	CU_ASSERT_STRING_EQUAL(capture_text(),
			       "t: timed 0\n"
			       "t: Suppressed 3 similar messages in 1 s, like \"timed 0\"\n");
	CU_ASSERT_EQUAL(log_attach_event(NULL), 0);
	log_set_clock(NULL);
	sd_event_unref(e);
}

static void test_debug_and_off(void)
{
	capture_start();
	log_setup("t", true);
	log_set_ratelimit(3600ULL * 1000000, 2);
	for (int i = 0; i < 20; i++)
		log_debug("debug %d", i);
	log_set_ratelimit(3600ULL * 1000000, 0);
	for (int i = 0; i < 20; i++)
		log_info("unlimited %d", i);
	log_ratelimit_flush();
	const char *out = capture_text();
	CU_ASSERT_EQUAL(count_lines(out, "debug"), 20);
	CU_ASSERT_EQUAL(count_lines(out, "unlimited"), 20);
	CU_ASSERT_EQUAL(count_lines(out, "Suppressed"), 0);
	log_set_debug(false);
}

static void test_buffered(void)
{
	capture_start();
	log_setup("t", false);
	log_set_ratelimit(3600ULL * 1000000, 1);
	log_set_buffered(true);
	log_info("frozen %s", "a\nb");
	log_info("frozen %s", "again");
	CU_ASSERT_STRING_EQUAL(capture_text(), "");
	log_ratelimit_flush();
	log_set_buffered(false);
	log_flush();
	CU_ASSERT_STRING_EQUAL(capture_text(),
			       "t: frozen a\\nb\n"
			       "t: Suppressed 1 similar messages in 1 s, like \"frozen a\\nb\"\n");
}

static const struct unit_test tests[] = {
	{ "host strings are escaped", test_escaped },
	{ "a burst, then one summary", test_burst_then_summary },
	{ "the summary when the window ends", test_window_end },
	{ "the summary on time, from the event loop", test_window_end_timer },
	{ "debug lines and burst 0 are not limited", test_debug_and_off },
	{ "buffered lines", test_buffered },
};

UNIT_MAIN("log", tests)
