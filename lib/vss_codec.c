/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VSS message codec; see vss_codec.h. No fds, no files, no state. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vss_codec.h"

#ifndef HV_S_OK
#define HV_S_OK 0x00000000
#endif
#ifndef HV_E_FAIL
#define HV_E_FAIL 0x80004005
#endif

/*
 * The kernel takes any reply whose byte 0 is 128 or 129 for a
 * registration (hv-protocol.md 3.2): our status codes must never look so.
 */
_Static_assert((HV_E_FAIL & 0xff) != VSS_OP_REGISTER && (HV_E_FAIL & 0xff) != VSS_OP_REGISTER1,
	       "HV_E_FAIL would be read as a registration");

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void vss_encode_register(struct hv_vss_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->vss_hdr.operation = VSS_OP_REGISTER1;
}

int vss_decode_register_reply(const void *buf, size_t len, uint32_t *ret_version)
{
	if (len != VSS_REGISTER_REPLY_SIZE)
		return -EBADMSG;
	uint32_t v = get_le32(buf);
	*ret_version = v;
	return v == VSS_OP_REGISTER1 ? 0 : -EBADMSG;
}

int vss_decode_request(const void *buf, size_t len, struct vss_request *ret,
		       const char **ret_reason)
{
	const uint8_t *p = buf;

	if (len < VSS_MSG_SIZE) {
		*ret_reason = "shorter than the 12-byte hv_vss_msg";
		return -EBADMSG;
	}
	if (len > VSS_MSG_SIZE) {
		*ret_reason = "longer than the 12-byte hv_vss_msg";
		return -EBADMSG;
	}
	ret->op = p[0];
	ret->flags = get_le32(p + 8);
	return 0;
}

void vss_encode_reply(struct hv_vss_msg *m, const struct vss_request *req, uint32_t status)
{
	uint8_t *p = (uint8_t *)m;

	memset(m, 0, sizeof(*m));
	put_le32(p, status);
	put_le32(p + 8, req->flags);
}

uint32_t vss_status_from_errno(int r)
{
	return r >= 0 ? HV_S_OK : HV_E_FAIL;
}

const char *vss_op_name(uint8_t op, char buf[static 16])
{
	static const char *const names[] = {
		[VSS_OP_CREATE] = "CREATE",
		[VSS_OP_DELETE] = "DELETE",
		[VSS_OP_HOT_BACKUP] = "HOT_BACKUP",
		[VSS_OP_GET_DM_INFO] = "GET_DM_INFO",
		[VSS_OP_BU_COMPLETE] = "BU_COMPLETE",
		[VSS_OP_FREEZE] = "FREEZE",
		[VSS_OP_THAW] = "THAW",
		[VSS_OP_AUTO_RECOVER] = "AUTO_RECOVER",
	};
	if (op < sizeof(names) / sizeof(names[0]) && names[op])
		return names[op];
	if (op == VSS_OP_REGISTER)
		return "REGISTER";
	if (op == VSS_OP_REGISTER1)
		return "REGISTER1";
	snprintf(buf, 16, "op %u", op);
	return buf;
}

const char *vss_status_name(uint32_t status)
{
	switch (status) {
	case HV_S_OK:
		return "S_OK";
	case HV_E_FAIL:
		return "E_FAIL";
	default:
		return NULL;
	}
}
