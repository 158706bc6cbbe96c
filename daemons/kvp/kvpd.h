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
#include "kvp_codec.h"
#include "kvp_store.h"
#include "osinfo.h"

enum kvpd_state {
	KVPD_DISCONNECTED, /* waiting to (re)open the channel */
	KVPD_REGISTERING,  /* registration sent, waiting for the kernel's answer */
	KVPD_READY,        /* serving host requests */
};

struct kvpd {
	struct daemon_cli cli;
	struct hv_config config;
	sd_event *event;
	sd_event_source *io_source, *retry_source, *store_source;
	int fd;
	enum kvpd_state state;
	uint64_t backoff_usec;
	unsigned open_failures; /* consecutive; to log the first, not every one */
	char is_version[512];   /* from the kernel's registration answer */
	struct kvp_store *store;
	struct osinfo *osinfo;
	uint64_t served, rejected;
	/* Message buffers live here, not on the stack: 7432 bytes each. */
	uint8_t rx[2 * KVP_MSG_SIZE];
	struct hv_kvp_msg tx;
	struct kvp_request req;
};

/* ops.c: handle one decoded request, fill ctx->tx. Returns 0 or -errno. */
int kvpd_dispatch(struct kvpd *ctx, const struct kvp_request *req, struct hv_kvp_msg *reply);

#endif
