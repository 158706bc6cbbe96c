/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VSS messages (hv-protocol.md section 3): pure decode and encode of the
 * 12-byte struct hv_vss_msg, the 4-byte registration answer, and the one
 * map from -errno to the status the host sees.
 */
#ifndef HVGUEST_VSS_CODEC_H
#define HVGUEST_VSS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "hv_abi.h"

#define VSS_MSG_SIZE		12u
#define VSS_REGISTER_REPLY_SIZE 4u

_Static_assert(sizeof(struct hv_vss_msg) == VSS_MSG_SIZE, "hv_vss_msg size");
_Static_assert(offsetof(struct hv_vss_msg, vss_hdr.operation) == 0, "vss operation offset");
_Static_assert(offsetof(struct hv_vss_msg, error) == 0, "vss error offset");
_Static_assert(offsetof(struct hv_vss_msg, vss_cf.flags) == 8, "vss flags offset");

struct vss_request {
	uint8_t op;
	uint32_t flags; /* vss_cf.flags as received (the kernel sends 0) */
};

/* The registration message: op VSS_OP_REGISTER1 (129), the rest zero. */
void vss_encode_register(struct hv_vss_msg *m);

/*
 * The kernel's answer to the registration: exactly 4 bytes, u32 129.
 * Returns 0, or -EBADMSG (wrong length or value) with *ret_version set
 * to what was read when 4 bytes came.
 */
int vss_decode_register_reply(const void *buf, size_t len, uint32_t *ret_version);

/*
 * A host request. The kernel sends exactly 12 bytes; a shorter message is
 * rejected (-EBADMSG), and so is a longer one, whose layout we cannot
 * know. *ret_reason names the problem (static text).
 */
int vss_decode_request(const void *buf, size_t len, struct vss_request *ret,
		       const char **ret_reason);

/* The reply: the 12 bytes with the status in error (bytes 0..3), flags kept. */
void vss_encode_reply(struct hv_vss_msg *m, const struct vss_request *req, uint32_t status);

/* 0 → HV_S_OK; any -errno → HV_E_FAIL (the only failure code the host knows for VSS). */
uint32_t vss_status_from_errno(int r);

/* "FREEZE", "THAW", … or "op N" into buf for unknown ops. */
const char *vss_op_name(uint8_t op, char buf[static 16]);

/* "S_OK", "E_FAIL" or NULL. */
const char *vss_status_name(uint32_t status);

#endif
