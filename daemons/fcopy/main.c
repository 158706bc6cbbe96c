/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hypervfcopyd: Hyper-V guest file copy (Copy-VMFile). Set-up, then an
 * sd-event loop in which one transport (legacy.c: the character device of
 * kernels up to 6.9; uio.c: the VMBus ring of 6.10 and later) hands each
 * host request to one fcopy session (lib/fcopy_session.c), which writes
 * the file safely. The transport is chosen by fcopy.transport.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "fcopy_codec.h"
#include "daemon.h"
#include "fcopyd.h"
#include "log.h"
#include "strescape.h"

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void fcopyd_request_done(struct fcopyd *ctx, const struct fcopy_request *req, int r)
{
	uint32_t status = fcopy_status_from_errno(r);
	const char *sname = fcopy_status_name(status);

	switch (req->op) {
	case START_FILE_COPY:
		if (ctx->copying)
			log_notice("Copy to %s abandoned by a new START", ctx->target);
		snprintf(ctx->target, sizeof(ctx->target), "%s%s%s", req->path_name,
			 req->path_name[0] && req->path_name[strlen(req->path_name) - 1] == '/'
				 ? ""
				 : "/",
			 req->file_name);
		ctx->copying = r >= 0;
		ctx->write_error_logged = false;
		ctx->file_size = req->file_size;
		ctx->started_usec = now_usec();
		if (r < 0) {
			ctx->failed++;
			log_warning("Cannot copy to %s (%llu bytes%s%s): %s; answering %s",
				    ctx->target, (unsigned long long)req->file_size,
				    req->copy_flags & OVER_WRITE ? ", overwrite" : "",
				    req->copy_flags & CREATE_PATH ? ", create path" : "",
				    strerror(-r), sname);
		} else {
			log_info("Copying %llu bytes to %s%s%s", (unsigned long long)req->file_size,
				 ctx->target, req->copy_flags & OVER_WRITE ? " (overwrite)" : "",
				 req->copy_flags & CREATE_PATH ? " (create path)" : "");
			/* Escaped: a newline in a host-chosen name would add assignments. */
			char esc[STR_ESCAPE_SIZE(sizeof(ctx->target))];
			sd_notifyf(false, "STATUS=Copying %s",
				   str_escape_buf(esc, sizeof(esc), ctx->target));
		}
		break;
	case WRITE_TO_FILE:
		/* Once per copy: the host cancels after a failed write, and a flood helps nobody.
		 */
		if (r < 0 && !ctx->write_error_logged) {
			ctx->write_error_logged = true;
			log_warning("Writing %s at offset %llu failed: %s; answering %s",
				    ctx->copying ? ctx->target : "(no copy in progress)",
				    (unsigned long long)req->offset, strerror(-r), sname);
		}
		break;
	case COMPLETE_FCOPY:
		if (!ctx->copying) {
			log_warning("COMPLETE_FCOPY with no copy in progress; answering %s", sname);
			break;
		}
		ctx->copying = false;
		if (r < 0) {
			ctx->failed++;
			log_warning(
				"Finishing %s failed: %s; nothing was left behind; answering %s",
				ctx->target, strerror(-r), sname);
		} else {
			double s = (double)(now_usec() - ctx->started_usec) / 1e6;
			ctx->copied++;
			log_info("Copied %s (%llu bytes in %.2f s)", ctx->target,
				 (unsigned long long)ctx->file_size, s);
		}
		sd_notify(false, "STATUS=Waiting for copies");
		break;
	case CANCEL_FCOPY:
		if (ctx->copying)
			log_notice("The host cancelled the copy to %s; nothing was left behind",
				   ctx->target);
		ctx->copying = false;
		sd_notify(false, "STATUS=Waiting for copies");
		break;
	default:
		break;
	}
	/* Not every WRITE: a 512 MiB copy is 87,000 of them. */
	if (req->op != WRITE_TO_FILE)
		log_debug("%s -> %s",
			  fcopy_op_name(req->op) ? fcopy_op_name(req->op) : "unknown op",
			  sname ? sname : "?");
}

void fcopyd_copy_lost(struct fcopyd *ctx, const char *why)
{
	if (!ctx->copying)
		return;
	ctx->copying = false;
	ctx->failed++;
	log_warning("Copy to %s cancelled: %s; nothing was left behind", ctx->target, why);
}

static int fcopyd_new_session(const struct hv_config *c, struct fcopy_session **ret)
{
	const struct fcopy_session_options o = {
		.allowed_roots = (const char *const *)c->fcopy_allowed_roots,
		.file_mode = c->fcopy_file_mode,
		.dir_mode = 0755,
	};
	const char *path, *why;
	int r, error;

	r = fcopy_session_new(&o, ret);
	if (r < 0)
		return r;
	/* Once per start and per reload: each root that is not usable, and why. */
	for (size_t i = 0; fcopy_session_root(*ret, i, &path, &error, &why); i++)
		if (error < 0)
			log_warning(
				"fcopy.allowed_roots: refusing %s: %s; copies there are refused "
				"(checked again when one arrives)",
				path, *why ? why : strerror(-error));
	return 0;
}

/* What --check-config must catch beyond the key table's types. */
static int fcopyd_check_config(const struct hv_config *c)
{
	const char *t = c->fcopy_transport;
	int bad = 0;

	if (strcmp(t, "auto") != 0 && strcmp(t, "chardev") != 0 && strcmp(t, "uio") != 0) {
		fprintf(stderr,
			"hypervfcopyd: [fcopy] transport: \"%s\" is not auto, chardev or uio\n", t);
		bad = -EINVAL;
	}
	if (!c->fcopy_allowed_roots || !c->fcopy_allowed_roots[0]) {
		fprintf(stderr, "hypervfcopyd: [fcopy] allowed_roots: empty: no copy could land "
				"anywhere\n");
		bad = -EINVAL;
	} else
		for (char **r = c->fcopy_allowed_roots; *r; r++)
			if ((*r)[0] != '/') {
				fprintf(stderr,
					"hypervfcopyd: [fcopy] allowed_roots: not an absolute "
					"path: \"%s\"\n",
					*r);
				bad = -EINVAL;
			}
	return bad;
}

static void fcopyd_stop_transport(struct fcopyd *ctx)
{
	ctx->link = hv_link_free(ctx->link);
	fcopyd_uio_stop(ctx);
}

static int fcopyd_start_transport(struct fcopyd *ctx)
{
	const char *t = ctx->config.fcopy_transport;
	struct stat st;

	if (strcmp(t, "chardev") == 0)
		ctx->transport = FCOPYD_CHARDEV;
	else if (strcmp(t, "uio") == 0)
		ctx->transport = FCOPYD_UIO;
	else
		/* auto: the legacy device exists only on kernels that still have it (<= 6.9). */
		ctx->transport =
			stat(ctx->config.fcopy_device, &st) == 0 ? FCOPYD_CHARDEV : FCOPYD_UIO;
	return ctx->transport == FCOPYD_CHARDEV ? fcopyd_legacy_start(ctx) : fcopyd_uio_start(ctx);
}

static int fcopyd_on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct fcopyd *ctx = userdata;
	struct fcopy_session *session = NULL;
	struct hv_config c;
	(void)s;
	(void)si;

	sd_notify(false, "RELOADING=1");
	if (daemon_config_load(&ctx->cli, &c) < 0 || fcopyd_check_config(&c) < 0 ||
	    fcopyd_new_session(&c, &session) < 0) {
		log_error("Reloading the configuration failed; keeping the old one");
		sd_notify(false, "READY=1");
		return 0;
	}
	/* The transports borrow the session: stop them, swap, start again. */
	fcopyd_stop_transport(ctx);
	fcopyd_copy_lost(ctx, "the configuration was reloaded");
	fcopy_session_free(ctx->session);
	ctx->session = session;
	config_done(&ctx->config);
	ctx->config = c;
	log_set_debug(ctx->config.debug);
	log_info("Configuration reloaded");
	if (fcopyd_start_transport(ctx) < 0)
		sd_event_exit(ctx->event, 1);
	else
		sd_notify(false, "READY=1");
	return 0;
}

static int fcopyd_run(struct fcopyd *ctx)
{
	int r;

	r = fcopyd_new_session(&ctx->config, &ctx->session);
	if (r < 0)
		return log_error_errno(r, "Cannot set up the copy session: %m");
	r = daemon_event_new(&ctx->event, NULL, fcopyd_on_sighup, ctx);
	if (r < 0)
		return r;

	r = fcopyd_start_transport(ctx);
	if (r < 0)
		return r;
	r = sd_event_loop(ctx->event);
	sd_notify(false, "STOPPING=1");
	/* Cancel before the transport goes: the temporary file must not outlive us. */
	fcopy_session_cancel(ctx->session);
	fcopyd_copy_lost(ctx, "the daemon is stopping");
	log_info("Stopping after %llu copies (%llu failed, %llu malformed messages)",
		 (unsigned long long)ctx->copied, (unsigned long long)ctx->failed,
		 (unsigned long long)ctx->rejected);
	return r < 0 ? log_error_errno(r, "Event loop failed: %m") : r;
}

int main(int argc, char **argv)
{
	static struct fcopyd ctx;
	int r;

	static const struct daemon_info info = {
		.prog = "hypervfcopyd",
		.summary = "Hyper-V guest file copy daemon: receives the files the host sends "
			   "with Copy-VMFile.",
		.check = fcopyd_check_config,
	};

	r = daemon_setup(argc, argv, &info, &ctx.cli, &ctx.config);
	if (r != DAEMON_RUN)
		return r;

	r = fcopyd_run(&ctx);

	fcopyd_stop_transport(&ctx);
	ctx.session = fcopy_session_free(ctx.session);
	sd_event_unref(ctx.event);
	config_done(&ctx.config);
	daemon_cli_done(&ctx.cli);
	return r < 0 ? 1 : 0;
}
