/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hypervfcopyd over the legacy character device /dev/vmbus/hv_fcopy
 * (kernels up to 6.9), or a socket standing in for it: hv_link registers
 * (4-byte version 1, 4-byte answer) and hands over one message at a time;
 * each is decoded, performed by the session and answered with a 4-byte
 * status (hv-protocol.md section 4).
 */
#include <errno.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "fcopy_codec.h"
#include "fcopyd.h"
#include "log.h"

static size_t legacy_registration(void *userdata, void *buf, size_t size)
{
	(void)userdata;
	(void)size; /* hv_link's buffer is max_message (6196) bytes */
	return fcopy_legacy_encode_register(buf);
}

static int legacy_registered(void *userdata, const void *buf, size_t len)
{
	struct fcopyd *ctx = userdata;

	int r = fcopy_legacy_decode_register_reply(buf, len);
	if (r < 0)
		return r;
	log_struct_id(LOG_INFO, HV_MSGID_REGISTERED,
		      "Registered with the host through %s (legacy fcopy, protocol version 1)",
		      hv_link_path(ctx->link));
	sd_notify(false, "READY=1\nSTATUS=Registered (legacy fcopy device), waiting for copies");
	return 0;
}

static void legacy_message(void *userdata, const void *buf, size_t len)
{
	struct fcopyd *ctx = userdata;
	const char *reason = NULL;
	uint8_t reply[FCOPY_LEGACY_STATUS_SIZE];

	int r = fcopy_legacy_decode(buf, len, &ctx->req, &reason);
	if (r < 0) {
		const char *op = fcopy_op_name(ctx->req.op);
		ctx->rejected++;
		log_struct_id(LOG_WARNING, HV_MSGID_BAD_MESSAGE,
			      "Rejected malformed host message (%zu bytes, op %s): %s", len,
			      op ? op : "unknown", reason);
	} else {
		r = fcopy_session_handle(ctx->session, &ctx->req);
		fcopyd_request_done(ctx, &ctx->req, r);
	}
	fcopy_legacy_encode_status(reply, fcopy_status_from_errno(r));
	(void)hv_link_send(ctx->link, reply, sizeof(reply));
}

static void legacy_lost(void *userdata)
{
	struct fcopyd *ctx = userdata;

	fcopy_session_cancel(ctx->session);
	fcopyd_copy_lost(ctx, "the channel was lost");
}

static const struct hv_link_ops legacy_ops = {
	.host_service = "Guest Services",
	.registration = legacy_registration,
	.registered = legacy_registered,
	.message = legacy_message,
	.lost = legacy_lost,
};

int fcopyd_legacy_start(struct fcopyd *ctx)
{
	int r = hv_link_new(ctx->event, "fcopy", ctx->config.fcopy_device, FCOPY_LEGACY_MAX_MESSAGE,
			    &legacy_ops, ctx, &ctx->link);
	if (r < 0)
		return log_error_errno(r, "Cannot set up the fcopy channel: %m");
	log_info("Using the legacy fcopy device %s", ctx->config.fcopy_device);
	hv_link_start(ctx->link);
	return 0;
}
