/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hypervfcopyd: the one context the daemon owns, passed to every handler. */
#ifndef HVGUEST_FCOPYD_H
#define HVGUEST_FCOPYD_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "cli.h"
#include "config.h"
#include "daemon.h"
#include "fcopy.h"
#include "hv_link.h"

struct fcopy_uio;

enum fcopyd_transport {
	FCOPYD_CHARDEV,
	FCOPYD_UIO,
};

struct fcopyd {
	struct daemon_cli cli;
	struct hv_config config;
	sd_event *event;
	enum fcopyd_transport transport;
	struct hv_link *link;  /* chardev */
	struct fcopy_uio *uio; /* uio */
	bool uio_waiting;      /* an open failure was logged; later ones only at debug level */
	struct daemon_ready uio_ready;
	struct fcopy_session *session;
	uint64_t copied, failed, rejected;

	/* The copy in progress, for log lines. */
	bool copying;
	bool write_error_logged;
	char target[2 * FCOPY_NAME_MAX + 1];
	uint64_t file_size;
	uint64_t started_usec;

	struct fcopy_request req; /* 1.5 KiB: kept here, not on the stack */
};

/* main.c: log and count one performed request (both transports call it). */
void fcopyd_request_done(struct fcopyd *ctx, const struct fcopy_request *req, int r);
/* main.c: the transport lost the host; any copy in progress was cancelled. */
void fcopyd_copy_lost(struct fcopyd *ctx, const char *why);

/* legacy.c: the char-device transport on top of hv_link. */
int fcopyd_legacy_start(struct fcopyd *ctx);

/* uio.c: the VMBus ring transport (lib/fcopy_uio.c). */
int fcopyd_uio_start(struct fcopyd *ctx);
void fcopyd_uio_stop(struct fcopyd *ctx);

#endif
