/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The legacy fcopy wire (kernels <= 6.9, /dev/vmbus/hv_fcopy), as pure
 * functions: a received message becomes a struct fcopy_request after every
 * length, op, size, NUL and UTF-8 check (hv-protocol.md section 4); the
 * 4-byte registration and status messages are encoded here too. No fds,
 * no files: the unit tests and the fuzzer call these directly.
 */
#ifndef HVGUEST_FCOPY_CODEC_H
#define HVGUEST_FCOPY_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "fcopy.h"

#define FCOPY_LEGACY_HDR_SIZE	   36u	 /* struct hv_fcopy_hdr */
#define FCOPY_LEGACY_START_SIZE	   1088u /* struct hv_start_fcopy */
#define FCOPY_LEGACY_WRITE_HDR	   52u	 /* struct hv_do_fcopy up to data[] */
#define FCOPY_LEGACY_WRITE_SIZE	   6196u /* struct hv_do_fcopy */
#define FCOPY_LEGACY_MAX_MESSAGE   FCOPY_LEGACY_WRITE_SIZE
#define FCOPY_LEGACY_NAME_BYTES	   520u /* u16[W_MAX_PATH], UTF-8 in place */
#define FCOPY_LEGACY_OFF_FILE_NAME 36u
#define FCOPY_LEGACY_OFF_PATH_NAME 556u
#define FCOPY_LEGACY_OFF_FLAGS	   1076u
#define FCOPY_LEGACY_OFF_FILE_SIZE 1080u
#define FCOPY_LEGACY_OFF_OFFSET	   40u
#define FCOPY_LEGACY_OFF_SIZE	   48u
#define FCOPY_LEGACY_OFF_DATA	   52u
#define FCOPY_LEGACY_REG_SIZE	   4u
#define FCOPY_LEGACY_STATUS_SIZE   4u

/*
 * Decode one message of len bytes. On success fills *ret (ret->data points
 * into buf) and returns 0. Otherwise returns -EINVAL (malformed: wrong
 * length, size, missing NUL, invalid UTF-8), -EILSEQ (invalid UTF-8) or
 * -EOPNOTSUPP (unknown op), and sets *ret_reason to a static text saying
 * why; ret->op is set whenever the header could be read.
 */
int fcopy_legacy_decode(const void *buf, size_t len, struct fcopy_request *ret,
			const char **ret_reason);

/* The 4-byte registration the daemon writes: the s32 FCOPY_CURRENT_VERSION. */
size_t fcopy_legacy_encode_register(uint8_t buf[static FCOPY_LEGACY_REG_SIZE]);

/* The kernel's 4-byte answer; returns 0 if it is the u32 1, else -EPROTO. */
int fcopy_legacy_decode_register_reply(const void *buf, size_t len);

/* The 4-byte reply: the status, little-endian. */
void fcopy_legacy_encode_status(uint8_t buf[static FCOPY_LEGACY_STATUS_SIZE], uint32_t status);

/* "START_FILE_COPY", …; NULL for an unknown op. */
const char *fcopy_op_name(uint32_t op);
/* "HV_S_OK", "HV_E_FAIL", …; NULL for a code this project never sends. */
const char *fcopy_status_name(uint32_t status);

#endif
