/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hypervkvpd: the one context the daemon owns, passed to every handler. */
#ifndef HVGUEST_KVPD_H
#define HVGUEST_KVPD_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "cli.h"
#include "config.h"
#include "hv_abi.h"
#include "hv_link.h"
#include "kvp_codec.h"
#include "kvp_store.h"
#include "osinfo.h"

struct kvpd {
	struct daemon_cli cli;
	struct hv_config config;
	sd_event *event;
	sd_event_source *store_source;
	struct hv_link *link;
	char is_version[512]; /* from the kernel's registration answer */
	struct kvp_store *store;
	struct osinfo *osinfo;
	uint64_t served, rejected;
	/* Kept here, not on the stack: 7432 bytes. */
	struct hv_kvp_msg tx;
	struct kvp_request req;
};

/* ops.c: handle one decoded request, fill ctx->tx. Returns 0 or -errno. */
int kvpd_dispatch(struct kvpd *ctx, const struct kvp_request *req, struct hv_kvp_msg *reply);

#endif
