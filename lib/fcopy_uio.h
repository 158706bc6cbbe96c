/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fcopy over UIO (kernels >= 6.10): the "Guest Service Interface" VMBus
 * device bound to uio_hv_generic, its ring buffers mapped into the daemon
 * (hv-protocol.md section 5). This module finds the device by its class
 * GUID, binds the driver through new_id when nothing has, reads the ring
 * size from sysfs, opens and maps the device, negotiates IC versions and
 * hands every fcopy message to a struct fcopy_session. It runs on the
 * caller's sd-event loop (one io source on the interrupt fd) and, like
 * hv_link, never gives up: any failure closes the device (which
 * disconnects the channel) and reopens it with backoff, 0.1 s doubling to
 * 5 s. It does not log; the daemon learns what happens through ops.
 *
 * Real hardware, and what the module reads (sysfs_root defaults to
 * /sys/bus/vmbus/devices, dev_dir to /dev):
 *   SYSFS/<instance>/class_id              "{34d14be3-dee4-41c8-9ae7-6b174977c192}"
 *   SYSFS/<instance>/uio/uioN/             the device's name (any N, never assumed 0)
 *   SYSFS/<instance>/channels/<relid>/ring st_size = 2 * ring_size
 *   DEV/uioN  character device: mmap offset 0, length 2 * ring_size, TX
 *             (guest to host) half first, RX half second; read() of 4
 *             bytes waits for an interrupt; write() of the s32 1 unmasks
 *             the RX interrupt and signals the host.
 * When no uio/ directory exists yet and driver_dir is set, the class GUID
 * is written to DRIVER/new_id (once) and the lookup retried. Normally udev
 * (70-hvguest.rules) has bound the device already; under the shipped unit
 * /sys is read-only and the write fails (FCOPY_UIO_BIND_FAILED), after
 * which the lookup simply goes on until udev binds it.
 *
 * Simulation contract (hv-hostsim fcopy --uio DIR): everything above is
 * the same except where the memory and the interrupts come from. When
 * DEV/uioN is an AF_UNIX socket instead of a character device:
 *   - the ring memory is SYSFS/<instance>/channels/<relid>/ring itself, a
 *     regular file of 2 * ring_size bytes that both sides mmap MAP_SHARED
 *     (same layout: TX half first, then RX);
 *   - the daemon connects to the socket (SOCK_SEQPACKET) instead of
 *     opening the device; each message is 4 bytes in host order, both
 *     ways: the simulator sends a u32 interrupt count where the kernel
 *     would complete a read(), and the daemon sends the s32 1 (unmask and
 *     signal) or 0 where it would write() to the device;
 *   - connecting opens the channel and closing disconnects it, as the
 *     first open and last close of /dev/uioN do. Before it listens and
 *     whenever a connection ends, the simulator resets both ring headers
 *     (indices 0, RX interrupt_mask 1: what the kernel's open does); it does
 *     not touch them at accept time, since the daemon may already be using
 *     the mapping by then. NEGOTIATE is the first packet of each connection;
 *   - the simulator, playing the kernel, sets the RX interrupt_mask to 1
 *     before each interrupt it sends, and only interrupts when it was 0.
 * The daemon itself stores RX interrupt_mask = 0 before every unmask write
 * (harmless on hardware, where the kernel does the same), so the order of
 * "unmask, then look at the ring again" does not depend on the simulator
 * having processed the write yet.
 */
#ifndef HVGUEST_FCOPY_UIO_H
#define HVGUEST_FCOPY_UIO_H

#include <stdint.h>
#include <systemd/sd-event.h>

#include "fcopy.h"

#define FCOPY_UIO_CLASS_GUID	     "34d14be3-dee4-41c8-9ae7-6b174977c192"
#define FCOPY_UIO_DEFAULT_SYSFS_ROOT "/sys/bus/vmbus/devices"
#define FCOPY_UIO_DEFAULT_DEV_DIR    "/dev"
#define FCOPY_UIO_DEFAULT_DRIVER_DIR "/sys/bus/vmbus/drivers/uio_hv_generic"

enum fcopy_uio_event {
	FCOPY_UIO_OPENED,     /* device mapped; detail = the device path */
	FCOPY_UIO_NEGOTIATED, /* host negotiated framework 3.0 / fcopy 1.1; detail = the device */
	FCOPY_UIO_NO_VERSION, /* host offered no common version (answered E_FAIL) */
	FCOPY_UIO_BOUND,      /* wrote the class GUID to new_id; detail = that path */
	FCOPY_UIO_BAD_PACKET, /* malformed IC/fcopy payload, answered with an error */
	FCOPY_UIO_LOST,	      /* an open device was closed; reopening after backoff. detail = why */
	FCOPY_UIO_BIND_FAILED, /* new_id could not be written (once; e.g. EROFS: /sys read-only);
				* waiting for udev to bind. detail = that path */
	FCOPY_UIO_OPEN_FAILED, /* an attempt to find/bind/open/map failed; retrying. detail = what
				*/
};

struct fcopy_uio_ops {
	/* Optional. error is 0 or -errno; detail is a short text or NULL. */
	void (*event)(void *userdata, enum fcopy_uio_event ev, int error, const char *detail);
	/* Optional: one fcopy request was performed; r is the session's result. */
	void (*request)(void *userdata, const struct fcopy_request *req, int r);
};

struct fcopy_uio_options {
	const char *sysfs_root;		 /* NULL: FCOPY_UIO_DEFAULT_SYSFS_ROOT */
	const char *dev_dir;		 /* NULL: FCOPY_UIO_DEFAULT_DEV_DIR */
	const char *driver_dir;		 /* NULL: default; "": never write new_id */
	const struct fcopy_uio_ops *ops; /* may be NULL */
	void *userdata;
};

struct fcopy_uio;

/*
 * Set up (strings are copied, s is borrowed and must outlive u) and start
 * opening at once; if the device is not there yet, retry with backoff.
 * Returns 0 or -errno (-ENOMEM, -EINVAL): a missing device is not an error.
 */
int fcopy_uio_new(sd_event *e, const struct fcopy_uio_options *o, struct fcopy_session *s,
		  struct fcopy_uio **ret);
/* Closes the device (the host sees the service go away); accepts NULL. */
struct fcopy_uio *fcopy_uio_free(struct fcopy_uio *u);

/* True while the device is open and mapped. */
bool fcopy_uio_is_open(const struct fcopy_uio *u);

#endif
