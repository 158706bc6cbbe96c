/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hypervvssd: the one context the daemon owns, passed to every handler. */
#ifndef HVGUEST_VSSD_H
#define HVGUEST_VSSD_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "cli.h"
#include "config.h"
#include "fsfreeze.h"
#include "hooks.h"
#include "hv_link.h"
#include "vss_codec.h"

struct vssd {
	struct daemon_cli cli;
	struct hv_config config;
	bool thaw_only, dry_run;
	sd_event *event;
	sd_event_source *max_frozen_source;
	struct hv_link *link;
	/* While frozen: what we froze (fds kept open) and the hooks that ran. */
	struct fsfreeze_set set;
	struct hook_list hooks;
	size_t hooks_frozen;  /* how many of hooks ran "freeze" successfully */
	size_t hooks_to_thaw; /* after a thaw: how many get "thaw" */
	bool frozen, auto_thawed;
	uint64_t served;
	struct hv_vss_msg tx;
};

/* Why a freeze failed, logged only once the filesystems are thawed. */
struct vssd_failure {
	int r;
	char what[512];
};

/* freeze.c */
int vssd_freeze(struct vssd *ctx, struct vssd_failure *ret_failure);
/*
 * Thaw what we froze (no-op when nothing is) and flush the log. The thaw
 * hooks are then due: vssd_thaw_hooks() runs them (after the THAW reply,
 * which the kernel wants within 30 s).
 */
int vssd_thaw(struct vssd *ctx, const char *why);
void vssd_thaw_hooks(struct vssd *ctx);
/*
 * Start-up and --thaw: undo a freeze recorded in the state file, and only
 * that. verbose (--thaw): without a record, say so and list the candidates.
 */
int vssd_thaw_from_state(struct vssd *ctx, bool verbose);
/* --dry-run: print the plan. Returns 0 or -errno. */
int vssd_dry_run(struct vssd *ctx);

#endif
