/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "log.h"

int daemon_setup(int argc, char **argv, const struct daemon_info *info, struct daemon_cli *cli,
		 struct hv_config *config)
{
	switch (daemon_cli_parse(argc, argv, info->prog, info->summary, info->flags, info->n_flags,
				 cli)) {
	case CLI_RUN:
		break;
	case CLI_EXIT_OK:
		daemon_cli_done(cli);
		return 0;
	default:
		daemon_cli_done(cli);
		return 2;
	}
	log_setup(info->prog, cli->debug);
	if (daemon_config_load(cli, config) < 0) {
		daemon_cli_done(cli);
		return 2;
	}
	if (info->check && info->check(config) < 0) {
		config_done(config);
		daemon_cli_done(cli);
		return 2;
	}
	log_set_debug(config->debug);
	if (cli->dump_config || cli->check_config) {
		if (cli->dump_config)
			config_dump(config, stdout);
		else
			printf("configuration OK\n");
		config_done(config);
		daemon_cli_done(cli);
		return 0;
	}
	return DAEMON_RUN;
}

static int on_ready_grace(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon_ready *d = userdata;
	(void)s;
	(void)usec;

	d->grace = sd_event_source_unref(d->grace);
	d->told = true;
	sd_notifyf(false, "READY=1\nSTATUS=%s", d->grace_status);
	return 0;
}

int daemon_ready_registering(struct daemon_ready *d, sd_event *e, const char *status)
{
	int r;

	if (d->told || d->grace)
		return 0;
	snprintf(d->grace_status, sizeof(d->grace_status), "%s", status);
	r = sd_event_add_time_relative(e, &d->grace, CLOCK_MONOTONIC, DAEMON_READY_GRACE_USEC, 0,
				       on_ready_grace, d);
	if (r < 0) {
		/* Without the bound, do not hold boot up at all. */
		log_warning_errno(r, "Cannot arm the readiness timer: %m; telling systemd "
				     "ready now");
		d->told = true;
		sd_notifyf(false, "READY=1\nSTATUS=%s", status);
	}
	return r;
}

void daemon_ready_registered(struct daemon_ready *d)
{
	d->grace = sd_event_source_disable_unref(d->grace);
	d->told = true;
}

void daemon_ready_waiting(struct daemon_ready *d, const char *status)
{
	d->grace = sd_event_source_disable_unref(d->grace);
	sd_notifyf(false, "%sSTATUS=%s", d->told ? "" : "READY=1\n", status);
	d->told = true;
}

void daemon_ready_done(struct daemon_ready *d)
{
	d->grace = sd_event_source_disable_unref(d->grace);
}

int daemon_event_new(sd_event **ret, sd_event_signal_handler_t on_exit,
		     sd_event_signal_handler_t on_hup, void *userdata)
{
	sd_event *e = NULL;
	sigset_t ss;
	int r;

	r = sd_event_new(&e);
	if (r < 0)
		return log_error_errno(r, "Cannot create the event loop: %m");
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0) {
		r = log_error_errno(-errno, "Cannot block signals: %m");
		sd_event_unref(e);
		return r;
	}
	/*
	 * Without a handler sd-event exits the loop with the userdata pointer
	 * as the exit code: give it none, so that the code is 0.
	 */
	void *exit_userdata = on_exit ? userdata : NULL;
	if ((r = sd_event_add_signal(e, NULL, SIGTERM, on_exit, exit_userdata)) < 0 ||
	    (r = sd_event_add_signal(e, NULL, SIGINT, on_exit, exit_userdata)) < 0 ||
	    (r = sd_event_add_signal(e, NULL, SIGHUP, on_hup, userdata)) < 0) {
		log_error_errno(r, "Cannot watch signals: %m");
		sd_event_unref(e);
		return r;
	}
	r = sd_event_set_watchdog(e, true);
	if (r < 0)
		log_warning_errno(r, "Cannot enable the watchdog: %m, continuing without it");
	*ret = e;
	return 0;
}
