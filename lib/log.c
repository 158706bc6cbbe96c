/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging. Under systemd (stderr connected to the journal) lines go to
 * journald with structured fields; otherwise to stderr. While buffered
 * (the VSS frozen window) lines are kept in a fixed ring allocated up
 * front, so that logging can never touch a frozen filesystem.
 *
 * This is the one file in lib/ with process-wide state: a logger is by
 * nature per process, and every daemon configures it once in main().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "log.h"

#define LOG_RING_LINES 256
#define LOG_LINE_MAX   512

struct log_line {
	int level;
	char text[LOG_LINE_MAX];
};

static struct {
	const char *ident;
	bool debug, journal, buffered;
	unsigned ring_start, ring_len, dropped;
	struct log_line ring[LOG_RING_LINES];
} log_state = { .ident = "hvguest" };

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

void log_setup(const char *ident, bool debug)
{
	log_state.ident = ident;
	log_state.debug = debug;
	log_state.journal = stderr_is_journal();
}

void log_set_debug(bool debug)
{
	log_state.debug = debug;
}

bool log_debug_enabled(void)
{
	return log_state.debug;
}

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
		log_emit(l->level, NULL, l->text);
	}
	log_state.ring_start = log_state.ring_len = log_state.dropped = 0;
}

int log_internal(int level, int r, const char *message_id, const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	int saved = errno;
	va_list ap;

	if (level >= LOG_DEBUG && !log_state.debug)
		return r;
	/* %m prints the error passed in, not whatever errno happens to be. */
	errno = r < 0 ? -r : r;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	errno = saved;

	if (log_state.buffered) {
		unsigned slot;
		if (log_state.ring_len == LOG_RING_LINES) {
			slot = log_state.ring_start;
			log_state.ring_start = (log_state.ring_start + 1) % LOG_RING_LINES;
			log_state.dropped++;
		} else
			slot = (log_state.ring_start + log_state.ring_len++) % LOG_RING_LINES;
		log_state.ring[slot].level = level;
		memcpy(log_state.ring[slot].text, text, sizeof(text));
		return r;
	}
	log_emit(level, message_id, text);
	return r;
}
