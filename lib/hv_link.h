/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The life of a daemon's channel to the kernel, on an sd-event loop: open
 * the device (or the simulator's socket), send the registration, wait for
 * the kernel's answer, then hand every message to the daemon. If anything
 * fails (open, read, write, peer gone, a protocol error) the channel is
 * closed and reopened with backoff, 0.1 s doubling to 5 s: the daemon never
 * exits over it and never spins. While the device does not exist, the
 * directory it would appear in (or the nearest existing parent) is watched
 * with inotify too, so that a late device is opened as soon as it appears
 * rather than at the next retry. Shared by all three daemons.
 *
 * The link also decides readiness (lib/daemon.h): READY=1 at once when the
 * device cannot be opened, else once registered (the daemon's registered()
 * sends it, with its own STATUS=), at most 20 s after the open.
 *
 * This is the one place that decides about the channel, so it logs.
 */
#ifndef HVGUEST_HV_LINK_H
#define HVGUEST_HV_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

struct hv_link;

struct hv_link_ops {
	/*
	 * Not an op: the host's name for the integration service, for STATUS=
	 * while the device is missing ("Data Exchange").
	 */
	const char *host_service;
	/* Write the registration message into buf; return its length. */
	size_t (*registration)(void *userdata, void *buf, size_t size);
	/*
	 * A message arrived while registering. Return 0 when it was the
	 * kernel's answer (the link is then ready; send READY=1 with a
	 * STATUS=), or -errno for anything else (the link reopens).
	 */
	int (*registered)(void *userdata, const void *buf, size_t len);
	/* A message arrived on a ready link; answer it with hv_link_send(). */
	void (*message)(void *userdata, const void *buf, size_t len);
	/* Optional: the link was lost (called before it is reopened). */
	void (*lost)(void *userdata);
};

/*
 * name: for log lines ("KVP"); path: the device or socket; max_message:
 * the protocol's largest message. Messages up to twice that are handed to
 * the daemon (whose codec rejects a wrong length with an error reply); a
 * longer one cannot be read whole and is a protocol error: the link reopens.
 */
int hv_link_new(sd_event *event, const char *name, const char *path, size_t max_message,
		const struct hv_link_ops *ops, void *userdata, struct hv_link **ret);
struct hv_link *hv_link_free(struct hv_link *l);

/* Open now; on failure keep retrying with backoff. */
void hv_link_start(struct hv_link *l);

/* Close and open again (e.g. the configured path changed). path may be NULL. */
int hv_link_restart(struct hv_link *l, const char *path);

/* Send one message. On failure the link is lost and reopened; returns -errno. */
int hv_link_send(struct hv_link *l, const void *buf, size_t len);

bool hv_link_ready(const struct hv_link *l);
const char *hv_link_path(const struct hv_link *l);

#endif
