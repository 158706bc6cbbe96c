/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fcopy (host-to-guest file copy, Copy-VMFile), independent of transport.
 * Both transports (the legacy /dev/vmbus/hv_fcopy device, and the UIO
 * VMBus ring on kernels >= 6.10) decode their messages into a struct
 * fcopy_request and hand it to one fcopy_session, which owns the file
 * being copied. Names arrive as UTF-8 (legacy: the kernel converted them)
 * or UTF-16LE (UIO: raw host form); the transport's codec converts to
 * UTF-8 before this point, so the session sees only validated UTF-8.
 */
#ifndef HVGUEST_FCOPY_H
#define HVGUEST_FCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv_abi.h"

/* UTF-8 of up to 259 UTF-16 units can take up to 3 bytes a unit (4 per pair). */
#define FCOPY_NAME_MAX (W_MAX_PATH * 3 + 1)

struct fcopy_request {
	uint32_t op; /* START_FILE_COPY, WRITE_TO_FILE, COMPLETE_FCOPY, CANCEL_FCOPY */
	/* START */
	char file_name[FCOPY_NAME_MAX];
	char path_name[FCOPY_NAME_MAX];
	uint32_t copy_flags; /* OVER_WRITE | CREATE_PATH */
	uint64_t file_size;
	/* WRITE: data points into the received message (valid during the call). */
	uint64_t offset;
	uint32_t size; /* <= DATA_FRAGMENT, checked by the codec */
	const uint8_t *data;
};

struct fcopy_session_options {
	/*
	 * NULL-terminated absolute dirs; NULL = { "/" }. Opened by
	 * fcopy_session_new() and held (see fcopy_session_root()).
	 */
	const char *const *allowed_roots;
	unsigned file_mode; /* mode of copied files (default 0644) */
	unsigned dir_mode;  /* mode of directories CREATE_PATH makes (0755) */
};

struct fcopy_session;

int fcopy_session_new(const struct fcopy_session_options *opts, struct fcopy_session **ret);
/*
 * The i-th allowed root (0-based), as opened by fcopy_session_new(): its
 * path, and *ret_error 0 when it is open, else the -errno that keeps it
 * closed and *ret_why a sentence saying why (a component that is a
 * symlink, missing, or changeable by someone other than root or the
 * daemon's user). Copies below a closed root are refused; it is tried
 * again, with the same checks, when a copy needs it. False past the last.
 */
bool fcopy_session_root(const struct fcopy_session *s, size_t i, const char **ret_path,
			int *ret_error, const char **ret_why);

/* Frees; an unfinished copy is cancelled (its temporary file removed). */
struct fcopy_session *fcopy_session_free(struct fcopy_session *s);

/*
 * Perform one request. Returns 0 or -errno; the transport maps that to the
 * host's status with fcopy_status_from_errno() (-EEXIST:
 * HV_ERROR_ALREADY_EXISTS, -ENOSPC/-EDQUOT: HV_ERROR_DISK_FULL,
 * -EINVAL/-EILSEQ: HV_INVALIDARG, others HV_E_FAIL).
 */
int fcopy_session_handle(struct fcopy_session *s, const struct fcopy_request *req);

/* Cancel any copy in progress (channel lost, SIGTERM): nothing is left behind. */
void fcopy_session_cancel(struct fcopy_session *s);

/* The one map from 0/-errno to the host's fcopy status codes. */
uint32_t fcopy_status_from_errno(int r);

#endif
