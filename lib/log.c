/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging. Under systemd (stderr connected to the journal) lines go to
 * journald with structured fields; otherwise to stderr. While buffered
 * (the VSS frozen window) lines are kept in a fixed ring allocated up
 * front, so that logging can never touch a frozen filesystem.
 *
 * Two rules hold for every line, whoever calls: the text is escaped
 * (lib/strescape.h) after formatting, so that no host-chosen string
 * formatted into it can start a new line, drive a terminal or carry bytes
 * that are not UTF-8; and each call site (its format string) may log a
 * burst of LOG_RATELIMIT_BURST lines per LOG_RATELIMIT_USEC, the rest
 * being counted and reported in one summary line when the window ends, so
 * that a host sending malformed messages in a loop cannot flood the
 * journal. Debug lines, asked for explicitly, are never suppressed.
 *
 * This is the one file in lib/ with process-wide state: a logger is by
 * nature per process, and every daemon configures it once in main().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "log.h"
#include "strescape.h"

#define LOG_RING_LINES 256
#define LOG_TEXT_MAX   512		  /* as formatted */
#define LOG_LINE_MAX   (2 * LOG_TEXT_MAX) /* escaped; longer escapes are cut */

#define LOG_RATELIMIT_USEC  (30 * 1000000ULL)
#define LOG_RATELIMIT_BURST 10
#define LOG_RATELIMIT_SITES 32
#define LOG_SAMPLE_MAX	    120

struct log_line {
	int level;
	const char *message_id;
	char text[LOG_LINE_MAX];
};

/* One call site's window: the format string identifies the site. */
struct log_site {
	const char *fmt; /* NULL: a free slot */
	int level;
	uint64_t begin_usec;
	unsigned passed, suppressed;
	char sample[LOG_SAMPLE_MAX]; /* the last line that passed, escaped, maybe cut */
};

static struct {
	const char *ident;
	bool debug, journal, buffered, exit_hook;
	unsigned ring_start, ring_len, dropped;
	uint64_t rl_interval_usec;
	unsigned rl_burst;
	struct log_site sites[LOG_RATELIMIT_SITES];
	sd_event_source *timer; /* ends the windows on time, when attached to a loop */
	uint64_t (*clock)(void);
	struct log_line ring[LOG_RING_LINES];
} log_state = {
	.ident = "hvguest",
	.rl_interval_usec = LOG_RATELIMIT_USEC,
	.rl_burst = LOG_RATELIMIT_BURST,
};

static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static void log_exit_hook(void)
{
	log_ratelimit_flush();
	log_state.timer = sd_event_source_disable_unref(log_state.timer);
}

void log_setup(const char *ident, bool debug)
{
	log_state.ident = ident;
	log_state.debug = debug;
	log_state.journal = stderr_is_journal();
	/* The summaries of windows still open when the process ends. */
	if (!log_state.exit_hook && atexit(log_exit_hook) == 0)
		log_state.exit_hook = true;
}

void log_set_debug(bool debug)
{
	log_state.debug = debug;
}

bool log_debug_enabled(void)
{
	return log_state.debug;
}

void log_set_ratelimit(uint64_t interval_usec, unsigned burst)
{
	log_ratelimit_flush();
	log_state.rl_interval_usec = interval_usec;
	log_state.rl_burst = burst;
}

/* text is escaped already. */
static void log_emit(int level, const char *message_id, const char *text)
{
	static const char *const names[] = { "emerg",	"alert",  "crit", "error",
					     "warning", "notice", "info", "debug" };

	if (log_state.journal) {
		if (message_id)
			sd_journal_send("MESSAGE=%s", text, "PRIORITY=%i", level, "MESSAGE_ID=%s",
					message_id, "SYSLOG_IDENTIFIER=%s", log_state.ident, NULL);
		else
			sd_journal_send("MESSAGE=%s", text, "PRIORITY=%i", level,
					"SYSLOG_IDENTIFIER=%s", log_state.ident, NULL);
		return;
	}
	fprintf(stderr, "%s: %s%s%s\n", log_state.ident,
		level <= LOG_WARNING ? names[level & 7] : "", level <= LOG_WARNING ? ": " : "",
		text);
}

/* text is escaped already: to the ring while buffered, else out. */
static void log_submit(int level, const char *message_id, const char *text)
{
	if (log_state.buffered) {
		unsigned slot;
		if (log_state.ring_len == LOG_RING_LINES) {
			slot = log_state.ring_start;
			log_state.ring_start = (log_state.ring_start + 1) % LOG_RING_LINES;
			log_state.dropped++;
		} else
			slot = (log_state.ring_start + log_state.ring_len++) % LOG_RING_LINES;
		log_state.ring[slot].level = level;
		log_state.ring[slot].message_id = message_id;
		snprintf(log_state.ring[slot].text, sizeof(log_state.ring[slot].text), "%s", text);
		return;
	}
	log_emit(level, message_id, text);
}

void log_set_buffered(bool buffered)
{
	log_state.buffered = buffered;
}

void log_flush(void)
{
	if (log_state.dropped) {
		char msg[96];
		snprintf(msg, sizeof(msg), "%u log lines were dropped while buffered",
			 log_state.dropped);
		log_emit(LOG_WARNING, NULL, msg);
	}
	for (unsigned i = 0; i < log_state.ring_len; i++) {
		const struct log_line *l =
			&log_state.ring[(log_state.ring_start + i) % LOG_RING_LINES];
		log_emit(l->level, l->message_id, l->text);
	}
	log_state.ring_start = log_state.ring_len = log_state.dropped = 0;
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	if (log_state.clock)
		return log_state.clock();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void log_set_clock(uint64_t (*now)(void))
{
	log_state.clock = now;
}

static int on_window_end(sd_event_source *s, uint64_t usec, void *userdata);

/* With an event loop attached: wake up when the first suppressing window ends. */
static void timer_arm(void)
{
	uint64_t next = UINT64_MAX;

	if (!log_state.timer)
		return;
	for (size_t i = 0; i < ELEMENTSOF(log_state.sites); i++) {
		const struct log_site *site = &log_state.sites[i];
		if (site->fmt && site->suppressed)
			next = MIN(next, site->begin_usec + log_state.rl_interval_usec);
	}
	if (next == UINT64_MAX) {
		(void)sd_event_source_set_enabled(log_state.timer, SD_EVENT_OFF);
		return;
	}
	(void)sd_event_source_set_time(log_state.timer, next);
	(void)sd_event_source_set_enabled(log_state.timer, SD_EVENT_ONESHOT);
}

/* Report what a window suppressed (if anything) and free its slot. */
static void site_close(struct log_site *site, uint64_t now)
{
	if (site->suppressed) {
		char msg[LOG_SAMPLE_MAX + 128];
		uint64_t secs = (MIN(now - site->begin_usec, log_state.rl_interval_usec) + 999999) /
				1000000;
		snprintf(msg, sizeof(msg), "Suppressed %u similar messages in %llu s, like \"%s\"",
			 site->suppressed, (unsigned long long)MAX(secs, 1), site->sample);
		log_submit(site->level, HV_MSGID_SUPPRESSED, msg);
	}
	site->fmt = NULL;
}

void log_ratelimit_flush(void)
{
	uint64_t now = now_usec();

	for (size_t i = 0; i < ELEMENTSOF(log_state.sites); i++)
		if (log_state.sites[i].fmt)
			site_close(&log_state.sites[i], now);
	timer_arm();
}

/* Close the windows that have ended. */
static void sites_expire(uint64_t now)
{
	for (size_t i = 0; i < ELEMENTSOF(log_state.sites); i++) {
		struct log_site *s = &log_state.sites[i];
		if (s->fmt && now - s->begin_usec >= log_state.rl_interval_usec)
			site_close(s, now);
	}
}

static int on_window_end(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	(void)userdata;
	sites_expire(now_usec());
	timer_arm();
	return 0;
}

int log_attach_event(sd_event *e)
{
	log_state.timer = sd_event_source_disable_unref(log_state.timer);
	if (!e)
		return 0;
	int r = sd_event_add_time(e, &log_state.timer, CLOCK_MONOTONIC, UINT64_MAX, 0,
				  on_window_end, NULL);
	if (r < 0)
		return r;
	(void)sd_event_source_set_enabled(log_state.timer, SD_EVENT_OFF);
	timer_arm();
	return 0;
}

/*
 * Close the windows that have ended, then find or open fmt's. Returns
 * NULL when rate limiting is off. With every slot taken (more than
 * LOG_RATELIMIT_SITES sites busy within one window), the oldest window
 * ends early.
 */
static struct log_site *site_get(const char *fmt, int level, uint64_t now)
{
	struct log_site *found = NULL, *free_slot = NULL, *oldest = NULL;

	if (log_state.rl_burst == 0)
		return NULL;
	sites_expire(now);
	for (size_t i = 0; i < ELEMENTSOF(log_state.sites); i++) {
		struct log_site *s = &log_state.sites[i];
		if (!s->fmt) {
			free_slot = free_slot ? free_slot : s;
			continue;
		}
		if (s->fmt == fmt)
			found = s;
		if (!oldest || s->begin_usec < oldest->begin_usec)
			oldest = s;
	}
	if (found)
		return found;
	if (!free_slot) {
		site_close(oldest, now);
		free_slot = oldest;
	}
	*free_slot = (struct log_site){ .fmt = fmt, .level = level, .begin_usec = now };
	return free_slot;
}

/* Copy at most size-1 bytes of the escaped, valid UTF-8 text, never cutting a character. */
static void sample_copy(char *dst, size_t size, const char *text)
{
	size_t n = strlen(text);

	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, text, n);
	dst[n] = '\0';
}

int log_internal(int level, int r, const char *message_id, const char *fmt, ...)
{
	char raw[LOG_TEXT_MAX], text[LOG_LINE_MAX];
	struct log_site *site = NULL;
	int saved = errno;
	va_list ap;

	if (level >= LOG_DEBUG && !log_state.debug)
		return r;
	if (level < LOG_DEBUG) {
		site = site_get(fmt, level, now_usec());
		if (site && site->passed >= log_state.rl_burst) {
			if (site->suppressed++ == 0)
				timer_arm();
			return r;
		}
	}
	/* %m prints the error passed in, not whatever errno happens to be. */
	errno = r < 0 ? -r : r;
	va_start(ap, fmt);
	int n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	errno = saved;
	if (n < 0)
		return r;
	str_escape(text, sizeof(text), raw, MIN((size_t)n, sizeof(raw) - 1), NULL);

	if (site) {
		site->passed++;
		sample_copy(site->sample, sizeof(site->sample), text);
	}
	log_submit(level, message_id, text);
	return r;
}
