/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hypervvssd: Hyper-V backup (VSS). Set-up, then an sd-event loop in which
 * the channel (lib/hv_link.c) registers with the kernel and hands over one
 * host request per message: FREEZE and THAW (freeze.c), HOT_BACKUP, and
 * anything else answered with success, as the kernel expects.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "daemon.h"
#include "vssd.h"

static size_t vssd_registration(void *userdata, void *buf, size_t size)
{
	(void)userdata;
	(void)size;
	vss_encode_register(buf);
	return VSS_MSG_SIZE;
}

static int vssd_registered(void *userdata, const void *buf, size_t len)
{
	struct vssd *ctx = userdata;
	uint32_t version = 0;

	int r = vss_decode_register_reply(buf, len, &version);
	if (r < 0)
		return r;
	log_struct_id(LOG_INFO, HV_MSGID_REGISTERED, "Registered with the host through %s",
		      hv_link_path(ctx->link));
	sd_notify(false, "READY=1\nSTATUS=Registered, waiting for backups");
	return 0;
}

static void vssd_message(void *userdata, const void *buf, size_t len)
{
	struct vssd *ctx = userdata;
	struct vss_request req = {};
	struct vssd_failure fail = {};
	const char *reason = NULL;
	char opbuf[16];
	int r;

	r = vss_decode_request(buf, len, &req, &reason);
	if (r < 0) {
		vss_encode_reply(&ctx->tx, &req, vss_status_from_errno(r));
		(void)hv_link_send(ctx->link, &ctx->tx, sizeof(ctx->tx));
		log_struct_id(LOG_WARNING, HV_MSGID_BAD_MESSAGE,
			      "Rejected malformed host message (%zu bytes): %s", len, reason);
		return;
	}
	ctx->served++;
	switch (req.op) {
	case VSS_OP_FREEZE:
		r = vssd_freeze(ctx, &fail);
		break;
	case VSS_OP_THAW:
		if (!ctx->frozen && ctx->auto_thawed) {
			/* The snapshot may postdate our auto-thaw: say it is not consistent. */
			ctx->auto_thawed = false;
			r = -ETIME;
			snprintf(fail.what, sizeof(fail.what),
				 "THAW after vss.max_frozen had already thawed");
			fail.r = r;
		} else
			r = vssd_thaw(ctx, NULL);
		break;
	default:
		/* HOT_BACKUP: we can; the rest the kernel answers itself, or does not matter. */
		r = 0;
		break;
	}
	vss_encode_reply(&ctx->tx, &req, vss_status_from_errno(r));
	(void)hv_link_send(ctx->link, &ctx->tx, sizeof(ctx->tx));
	/* Only now, with the host answered and nothing frozen, hooks run and failures are logged.
	 */
	vssd_thaw_hooks(ctx);
	if (r < 0 && req.op == VSS_OP_FREEZE)
		log_error_errno(fail.r, "FREEZE failed, everything thawed: %s: %m", fail.what);
	else if (r < 0 && fail.what[0])
		log_warning("%s failed: %s", vss_op_name(req.op, opbuf), fail.what);
	else if (r < 0)
		log_warning_errno(r, "%s failed: %m", vss_op_name(req.op, opbuf));
	else
		log_debug("%s: ok", vss_op_name(req.op, opbuf));
	if (ctx->frozen)
		sd_notify(false, "STATUS=Frozen, waiting for THAW");
	else if (req.op == VSS_OP_THAW || req.op == VSS_OP_FREEZE)
		sd_notify(false, "STATUS=Registered, waiting for backups");
}

static void vssd_lost(void *userdata)
{
	struct vssd *ctx = userdata;

	/* The kernel forgot the transaction: no THAW will come (hv-protocol.md 3.3). */
	if (ctx->frozen) {
		(void)vssd_thaw(ctx, "the channel was reset while frozen");
		vssd_thaw_hooks(ctx);
	}
}

static const struct hv_link_ops vssd_link_ops = {
	.host_service = "Backup (volume shadow copy)",
	.registration = vssd_registration,
	.registered = vssd_registered,
	.message = vssd_message,
	.lost = vssd_lost,
};

static int vssd_on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si,
			       void *userdata)
{
	struct vssd *ctx = userdata;
	(void)s;

	if (ctx->frozen) {
		(void)vssd_thaw(ctx, si->ssi_signo == SIGTERM ? "SIGTERM while frozen"
							      : "SIGINT while frozen");
		vssd_thaw_hooks(ctx);
	}
	sd_event_exit(ctx->event, 0);
	return 0;
}

static int vssd_on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct vssd *ctx = userdata;
	struct hv_config c;
	(void)s;
	(void)si;

	sd_notify(false, "RELOADING=1");
	if (daemon_config_load(&ctx->cli, &c) < 0)
		log_error("Reloading the configuration failed; keeping the old one");
	else {
		bool device_changed = strcmp(c.vss_device, ctx->config.vss_device) != 0;
		/* The frozen set keeps its own copy of the paths; state_dir is read at thaw. */
		config_done(&ctx->config);
		ctx->config = c;
		log_set_debug(ctx->config.debug);
		log_info("Configuration reloaded");
		if (device_changed)
			(void)hv_link_restart(ctx->link, ctx->config.vss_device);
	}
	sd_notify(false, "READY=1");
	return 0;
}

static void vssd_lock_memory(void)
{
#if defined(__SANITIZE_ADDRESS__)
	/* ASan's shadow memory is terabytes of reserve: locking it cannot work. */
	log_debug("Built with AddressSanitizer: not locking memory");
#else
	/* No page of ours may have to come from a frozen filesystem. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		log_warning_errno(-errno, "Cannot lock the daemon in memory: %m; continuing");
#endif
}

static int vssd_run(struct vssd *ctx)
{
	int r;

	r = daemon_event_new(&ctx->event, vssd_on_exit_signal, vssd_on_sighup, ctx);
	if (r < 0)
		return r;

	/* A previous instance that died frozen left its list: undo that first. */
	(void)vssd_thaw_from_state(ctx, false);
	vssd_lock_memory();

	r = hv_link_new(ctx->event, "VSS", ctx->config.vss_device, VSS_MSG_SIZE, &vssd_link_ops,
			ctx, &ctx->link);
	if (r < 0)
		return log_error_errno(r, "Cannot set up the channel: %m");
	hv_link_start(ctx->link);
	r = sd_event_loop(ctx->event);
	if (ctx->frozen) {
		(void)vssd_thaw(ctx, "exiting while frozen");
		vssd_thaw_hooks(ctx);
	}
	sd_notify(false, "STOPPING=1");
	log_info("Stopping after %llu requests", (unsigned long long)ctx->served);
	return r < 0 ? log_error_errno(r, "Event loop failed: %m") : r;
}

int main(int argc, char **argv)
{
	static struct vssd ctx;
	const struct cli_flag flags[] = {
		{ "thaw", "thaw what the record says an earlier instance froze, then exit",
		  &ctx.thaw_only },
		{ "dry-run", "show what FREEZE would freeze and why not the rest", &ctx.dry_run },
	};
	int r;

	const struct daemon_info info = {
		.prog = "hypervvssd",
		.summary = "Hyper-V backup (VSS) daemon: freezes filesystems for host snapshots.",
		.flags = flags,
		.n_flags = ELEMENTSOF(flags),
	};

	r = daemon_setup(argc, argv, &info, &ctx.cli, &ctx.config);
	if (r != DAEMON_RUN)
		return r;
	if (ctx.dry_run)
		r = vssd_dry_run(&ctx);
	else if (ctx.thaw_only)
		r = vssd_thaw_from_state(&ctx, true);
	else
		r = vssd_run(&ctx);

	ctx.max_frozen_source = sd_event_source_disable_unref(ctx.max_frozen_source);
	ctx.link = hv_link_free(ctx.link);
	sd_event_unref(ctx.event);
	fsfreeze_set_done(&ctx.set);
	hook_list_done(&ctx.hooks);
	config_done(&ctx.config);
	daemon_cli_done(&ctx.cli);
	return r < 0 ? 1 : 0;
}
