/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `hv-hostsim fcopy`: play the host's Copy-VMFile over a pluggable
 * transport. fcopy.c drives the copy (START, WRITE…, COMPLETE or CANCEL)
 * in transport-independent messages; a transport encodes them the way its
 * kernel path delivers them and returns the daemon's status. The legacy
 * character device is fcopy_legacy.c (--socket PATH); another transport
 * adds itself to the table in fcopy.c with its own option.
 */
#ifndef HVGUEST_HOSTSIM_FCOPY_H
#define HVGUEST_HOSTSIM_FCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hs_fcopy_msg {
	uint32_t op;	       /* START_FILE_COPY … CANCEL_FCOPY, or anything for tests */
	const char *file_name; /* START: UTF-8 */
	const char *path_name; /* START: UTF-8 */
	uint32_t copy_flags;
	uint64_t file_size;
	uint64_t offset; /* WRITE */
	uint32_t size;
	const uint8_t *data;
};

struct hs_fcopy_transport {
	const char *name; /* for messages: "legacy", "uio" */
	/* Wait for the daemon and do the handshake (registration, negotiation). */
	int (*open)(struct hs_fcopy_transport *t, int timeout_ms);
	/* Send one message, wait for its answer. Returns 0 or -errno (I/O, protocol). */
	int (*exchange)(struct hs_fcopy_transport *t, const struct hs_fcopy_msg *m,
			uint32_t *ret_status, int timeout_ms);
	/*
	 * Send one malformed message of the named kind (transport-specific) and
	 * return the status it got. -ENOENT: no such kind here. *ret_answered is
	 * false when the daemon is expected not to answer (the run then only
	 * checks that it still serves).
	 */
	int (*malformed)(struct hs_fcopy_transport *t, const char *kind, uint32_t *ret_status,
			 bool *ret_answered, int timeout_ms);
	/* Kinds malformed() knows, space-separated (for --help). */
	const char *malformed_kinds;
	void (*free)(struct hs_fcopy_transport *t);
};

int hostsim_fcopy_main(int argc, char **argv);

/* fcopy_legacy.c: the kernel's /dev/vmbus/hv_fcopy, as a listening socket at path. */
int hs_fcopy_legacy_new(const char *path, struct hs_fcopy_transport **ret);

#endif
