/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hypervfcopyd over the VMBus ring mapped through uio_hv_generic (kernels
 * 6.10 and later): lib/fcopy_uio.c does the device, the ring and the IC
 * framing, and calls the same session; this file only logs what it says.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "fcopy_uio.h"
#include "fcopyd.h"
#include "log.h"

static void uio_event(void *userdata, enum fcopy_uio_event ev, int error, const char *detail)
{
	struct fcopyd *ctx = userdata;
	const char *d = detail ? detail : "";
	char status[512];

	switch (ev) {
	case FCOPY_UIO_OPENED:
		ctx->uio_waiting = false;
		log_info("Opened the fcopy VMBus device %s", d);
		snprintf(status, sizeof(status), "Negotiating over %s: no answer from the host yet",
			 d);
		(void)daemon_ready_registering(&ctx->uio_ready, ctx->event, status);
		break;
	case FCOPY_UIO_NEGOTIATED:
		daemon_ready_registered(&ctx->uio_ready);
		log_struct_id(LOG_INFO, HV_MSGID_REGISTERED,
			      "Negotiated with the host over %s (framework 3.0, fcopy 1.1)", d);
		sd_notify(false, "READY=1\nSTATUS=Negotiated (UIO VMBus ring), waiting for copies");
		break;
	case FCOPY_UIO_NO_VERSION:
		log_warning("The host offered no fcopy version we speak%s%s; answered HV_E_FAIL",
			    *d ? ": " : "", d);
		break;
	case FCOPY_UIO_BOUND:
		log_notice("Bound uio_hv_generic to the fcopy device through %s", d);
		break;
	case FCOPY_UIO_BIND_FAILED:
		/* The shipped unit has ProtectKernelTunables=yes: udev binds, not us. */
		log_notice("Cannot bind uio_hv_generic to the fcopy device through %s: %s%s; "
			   "waiting for udev (70-hvguest.rules) to bind it",
			   d, strerror(-error),
			   error == -EROFS ? " (/sys is read-only in the service's sandbox)" : "");
		break;
	case FCOPY_UIO_BAD_PACKET:
		ctx->rejected++;
		log_struct_id(LOG_WARNING, HV_MSGID_BAD_MESSAGE,
			      "Rejected malformed host packet%s%s%s%s", *d ? ": " : "", d,
			      error ? ": " : "", error ? strerror(-error) : "");
		break;
	case FCOPY_UIO_OPEN_FAILED:
		/* Say it once, then quietly: the device can appear late, or never on old kernels.
		 */
		if (!ctx->uio_waiting) {
			ctx->uio_waiting = true;
			log_notice(
				"Cannot open the fcopy VMBus device%s%s%s%s; retrying with backoff",
				*d ? " (" : "", d, *d ? ")" : "", error ? "" : "");
			snprintf(status, sizeof(status), "Waiting for the fcopy VMBus device%s: %s",
				 error == -ENOENT ? " (Guest Services not offered by the host?)"
						  : "",
				 *d ? d : strerror(error ? -error : ENOENT));
			/* Nothing is negotiating: do not hold anything up. */
			daemon_ready_waiting(&ctx->uio_ready, status);
		} else
			log_debug("Cannot open the fcopy VMBus device: %s%s%s", d,
				  error ? ": " : "", error ? strerror(-error) : "");
		break;
	case FCOPY_UIO_LOST:
		log_struct_id(LOG_WARNING, HV_MSGID_CHANNEL_LOST,
			      "fcopy VMBus device closed%s%s%s%s; reopening", *d ? ": " : "", d,
			      error ? ": " : "", error ? strerror(-error) : "");
		sd_notifyf(false, "STATUS=fcopy device lost (%s), reopening", *d ? d : "unknown");
		fcopy_session_cancel(ctx->session);
		fcopyd_copy_lost(ctx, "the VMBus device was closed");
		break;
	}
}

static void uio_request(void *userdata, const struct fcopy_request *req, int r)
{
	fcopyd_request_done(userdata, req, r);
}

static const struct fcopy_uio_ops uio_ops = {
	.event = uio_event,
	.request = uio_request,
};

int fcopyd_uio_start(struct fcopyd *ctx)
{
	const struct fcopy_uio_options o = {
		.sysfs_root = ctx->config.fcopy_sysfs_root,
		.dev_dir = ctx->config.fcopy_uio_dev_dir,
		.driver_dir = ctx->config.fcopy_uio_driver_dir,
		.ops = &uio_ops,
		.userdata = ctx,
	};

	int r = fcopy_uio_new(ctx->event, &o, ctx->session, &ctx->uio);
	if (r < 0)
		return log_error_errno(r, "Cannot set up the fcopy UIO transport: %m");
	log_info("Using the fcopy VMBus ring (UIO)");
	return 0;
}

void fcopyd_uio_stop(struct fcopyd *ctx)
{
	ctx->uio = fcopy_uio_free(ctx->uio);
	daemon_ready_done(&ctx->uio_ready);
}
