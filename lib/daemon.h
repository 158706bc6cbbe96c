/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every hvguest daemon does the same way before and around its own
 * work: command line, logging, configuration, --dump-config and
 * --check-config; an event loop with the usual signals and the watchdog.
 * Like hv_link, this is where those decisions are taken, so it logs.
 */
#ifndef HVGUEST_DAEMON_H
#define HVGUEST_DAEMON_H

#include <systemd/sd-event.h>

#include "cli.h"
#include "config.h"

#define DAEMON_RUN (-1)

struct daemon_info {
	const char *prog;	      /* "hypervkvpd" */
	const char *summary;	      /* one line for --help */
	const struct cli_flag *flags; /* the daemon's own flags, may be NULL */
	size_t n_flags;
	/* Checks beyond the key table (values from a set); 0 or -EINVAL after logging. */
	int (*check)(const struct hv_config *c);
};

/*
 * Parse argv, set up logging, load and check the configuration, and act on
 * --help, --version, --dump-config and --check-config. Returns DAEMON_RUN
 * when the daemon should go on, else the exit status (0, or 2 for a bad
 * command line or configuration); cli and config are then already freed.
 */
int daemon_setup(int argc, char **argv, const struct daemon_info *info, struct daemon_cli *cli,
		 struct hv_config *config);

/*
 * A new event loop (never sd_event_default(): it costs a gettid() per
 * iteration) with SIGTERM and SIGINT (on_exit; NULL leaves the loop) and
 * SIGHUP (on_hup, required) taken as events, the watchdog on when
 * systemd asks for it, and READY=1 sent after 20 s even if the host's
 * device has not appeared by then. Returns 0 or -errno (logged).
 */
int daemon_event_new(sd_event **ret, sd_event_signal_handler_t on_exit,
		     sd_event_signal_handler_t on_hup, void *userdata);

#endif
