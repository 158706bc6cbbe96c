/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging: journald (structured, with MESSAGE_IDs) when stderr is connected
 * to the journal, plain stderr otherwise; an in-memory mode for windows in
 * which no disk I/O may happen (VSS freeze).
 */
#ifndef HVGUEST_LOG_H
#define HVGUEST_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>
#include <systemd/sd-event.h>
#include "macro.h"

void log_setup(const char *ident, bool debug);
void log_set_debug(bool debug);
bool log_debug_enabled(void);

/* Keep lines in memory (bounded ring, oldest dropped) until log_flush(). */
void log_set_buffered(bool buffered);
void log_flush(void);

/*
 * Rate limiting per call site (log.c): a burst of lines per window, then a
 * summary. The summary is written when the window ends if an event loop is
 * attached (log_attach_event, NULL detaches; 0 or -errno), else with the
 * next line logged; log_ratelimit_flush() writes the summaries of the
 * windows still open (also done at exit). log_set_ratelimit() changes the
 * window and the burst (0: no limit), for tests.
 */
int log_attach_event(sd_event *e);
void log_ratelimit_flush(void);
void log_set_ratelimit(uint64_t interval_usec, unsigned burst);
/* For tests: the rate limiter's clock (CLOCK_MONOTONIC in µs; NULL: the real one). */
void log_set_clock(uint64_t (*now)(void));

/* Returns r (a negative errno) so callers can `return log_error_errno(r, …)`. %m prints r. */
int log_internal(int level, int r, const char *message_id, const char *fmt, ...) _printf_(4, 5);

#define log_full_errno(level, r, ...) log_internal((level), (r), NULL, __VA_ARGS__)
#define log_error_errno(r, ...)	      log_internal(LOG_ERR, (r), NULL, __VA_ARGS__)
#define log_warning_errno(r, ...)     log_internal(LOG_WARNING, (r), NULL, __VA_ARGS__)
#define log_error(...)		      log_internal(LOG_ERR, 0, NULL, __VA_ARGS__)
#define log_warning(...)	      log_internal(LOG_WARNING, 0, NULL, __VA_ARGS__)
#define log_notice(...)		      log_internal(LOG_NOTICE, 0, NULL, __VA_ARGS__)
#define log_info(...)		      log_internal(LOG_INFO, 0, NULL, __VA_ARGS__)
#define log_debug(...)		      (log_debug_enabled() ? log_internal(LOG_DEBUG, 0, NULL, __VA_ARGS__) : 0)
#define log_struct_id(level, id, ...) log_internal((level), 0, (id), __VA_ARGS__)

/*
 * MESSAGE_IDs (journalctl MESSAGE_ID=…), documented in each daemon's man
 * page under MESSAGE IDS; tests/integration/test-message-ids.sh keeps the
 * two in step.
 */
#define HV_MSGID_REGISTERED   "6f1d6c3b9a2e4c51b0a7e2d4c3f8a901"
#define HV_MSGID_CHANNEL_LOST "2b8e0f6a4d1c4e7f9a3b5c6d7e8f9012"
#define HV_MSGID_BAD_MESSAGE  "9c4a2e1f7b3d4a6c8e0f1a2b3c4d5e6f"
#define HV_MSGID_SUPPRESSED   "ebbadd63aec64f478d4bafc2c60bcc1f"

#endif
