/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every hvguest daemon does the same way before and around its own
 * work: command line, logging, configuration, --dump-config and
 * --check-config; an event loop with the usual signals and the watchdog.
 * Like hv_link, this is where those decisions are taken, so it logs.
 */
#ifndef HVGUEST_DAEMON_H
#define HVGUEST_DAEMON_H

#include <stdbool.h>
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
 * SIGHUP (on_hup, required) taken as events, and the watchdog on when
 * systemd asks for it. Returns 0 or -errno (logged).
 */
int daemon_event_new(sd_event **ret, sd_event_signal_handler_t on_exit,
		     sd_event_signal_handler_t on_hup, void *userdata);

/*
 * When to tell systemd READY=1 (units that others order themselves after,
 * e.g. cloud-init after hypervkvpd, wait for it). Ready means registered
 * with the host, and the daemon says so itself when it is. The wait is
 * only worth it while registration is under way: from the moment the
 * device opened until the host answers, and at most DAEMON_READY_GRACE_USEC.
 * A device that cannot be opened (not there: the host does not offer the
 * service; or busy) makes the daemon ready at once, still waiting for the
 * device in the background, so that an absent channel adds nothing to boot.
 */
#define DAEMON_READY_GRACE_USEC (20 * 1000 * 1000ULL)

struct daemon_ready {
	sd_event_source *grace;
	bool told;
	char grace_status[256]; /* STATUS= sent with READY=1 if the grace period ends */
};

/* The device opened and registration began: READY=1 waits (bounded) for it. */
int daemon_ready_registering(struct daemon_ready *d, sd_event *e, const char *status);
/* The daemon sent READY=1 itself (registered): nothing more to wait for. */
void daemon_ready_registered(struct daemon_ready *d);
/* The device could not be opened: READY=1 now if not told yet, and STATUS=status. */
void daemon_ready_waiting(struct daemon_ready *d, const char *status);
void daemon_ready_done(struct daemon_ready *d);

#endif
