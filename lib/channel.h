/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one transport interface: a kernel /dev/vmbus/hv_* device, or an
 * AF_UNIX SOCK_SEQPACKET socket (hv-hostsim) with the same one-message-per-
 * read semantics. Which one is decided by what the configured path is.
 */
#ifndef HVGUEST_CHANNEL_H
#define HVGUEST_CHANNEL_H

#include <stddef.h>
#include <sys/types.h>

/* Open the device or connect to the socket at path. Returns fd or -errno. */
int hv_channel_open(const char *path);

/*
 * hv_channel_open(), retried every 10 ms for up to timeout_ms while the
 * path does not exist yet or nobody listens on it (a simulator that
 * starts after its client). For tools; the daemons back off in hv_link.
 */
int hv_channel_open_wait(const char *path, unsigned timeout_ms);

/*
 * Receive exactly one message into buf. Returns its length, 0 if the peer
 * has gone (socket EOF), or -errno. A message longer than size is an error
 * (-EMSGSIZE), never silently truncated.
 */
ssize_t hv_channel_recv(int fd, void *buf, size_t size);

/* Send one whole message. Returns 0 or -errno (-EIO on a short write). */
int hv_channel_send(int fd, const void *buf, size_t len);

#endif
