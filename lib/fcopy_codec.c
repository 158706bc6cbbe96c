/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Legacy fcopy decoder. The kernel's legacy driver delivers START as a
 * zeroed 1088-byte struct hv_start_fcopy whose u16 name arrays hold the
 * names already converted to NUL-terminated UTF-8, WRITE as the raw
 * 6196-byte struct hv_do_fcopy, and COMPLETE/CANCEL as the raw packet from
 * the fcopy header on (at least 36 bytes). Everything the session relies
 * on is checked here, once.
 */
#include <errno.h>
#include <string.h>

#include "fcopy_codec.h"
#include "utf8.h"

_Static_assert(sizeof(struct hv_fcopy_hdr) == FCOPY_LEGACY_HDR_SIZE, "hv_fcopy_hdr size");
_Static_assert(sizeof(struct hv_start_fcopy) == FCOPY_LEGACY_START_SIZE, "hv_start_fcopy size");
_Static_assert(sizeof(struct hv_do_fcopy) == FCOPY_LEGACY_WRITE_SIZE, "hv_do_fcopy size");
_Static_assert(offsetof(struct hv_start_fcopy, file_name) == FCOPY_LEGACY_OFF_FILE_NAME,
	       "file_name");
_Static_assert(offsetof(struct hv_start_fcopy, path_name) == FCOPY_LEGACY_OFF_PATH_NAME,
	       "path_name");
_Static_assert(offsetof(struct hv_start_fcopy, copy_flags) == FCOPY_LEGACY_OFF_FLAGS, "copy_flags");
_Static_assert(offsetof(struct hv_start_fcopy, file_size) == FCOPY_LEGACY_OFF_FILE_SIZE,
	       "file_size");
_Static_assert(offsetof(struct hv_do_fcopy, offset) == FCOPY_LEGACY_OFF_OFFSET, "offset");
_Static_assert(offsetof(struct hv_do_fcopy, size) == FCOPY_LEGACY_OFF_SIZE, "size");
_Static_assert(offsetof(struct hv_do_fcopy, data) == FCOPY_LEGACY_OFF_DATA, "data");
_Static_assert(FCOPY_LEGACY_NAME_BYTES < FCOPY_NAME_MAX, "a legacy name fits a request");

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* A NUL-terminated UTF-8 name inside a fixed field; copied into out. */
static int decode_name(const uint8_t *field, char out[static FCOPY_NAME_MAX],
		       const char **ret_reason)
{
	const uint8_t *nul = memchr(field, 0, FCOPY_LEGACY_NAME_BYTES);

	if (!nul) {
		*ret_reason = "name not NUL-terminated";
		return -EINVAL;
	}
	size_t n = (size_t)(nul - field);
	if (!utf8_is_valid((const char *)field, n)) {
		*ret_reason = "name is not valid UTF-8";
		return -EILSEQ;
	}
	memcpy(out, field, n);
	out[n] = '\0';
	return 0;
}

static int decode_start(const uint8_t *p, size_t len, struct fcopy_request *req,
			const char **ret_reason)
{
	int r;

	/* The kernel always builds the whole struct: anything else is not from it. */
	if (len != FCOPY_LEGACY_START_SIZE) {
		*ret_reason = "START_FILE_COPY is not 1088 bytes";
		return -EINVAL;
	}
	r = decode_name(p + FCOPY_LEGACY_OFF_FILE_NAME, req->file_name, ret_reason);
	if (r < 0)
		return r;
	r = decode_name(p + FCOPY_LEGACY_OFF_PATH_NAME, req->path_name, ret_reason);
	if (r < 0)
		return r;
	/* Unknown flag bits are ignored, as every host-side version so far only sets these two. */
	req->copy_flags = get_u32(p + FCOPY_LEGACY_OFF_FLAGS) & (OVER_WRITE | CREATE_PATH);
	req->file_size = get_u64(p + FCOPY_LEGACY_OFF_FILE_SIZE);
	return 0;
}

static int decode_write(const uint8_t *p, size_t len, struct fcopy_request *req,
			const char **ret_reason)
{
	if (len < FCOPY_LEGACY_WRITE_HDR) {
		*ret_reason = "WRITE_TO_FILE shorter than its header";
		return -EINVAL;
	}
	if (len > FCOPY_LEGACY_WRITE_SIZE) {
		*ret_reason = "WRITE_TO_FILE longer than 6196 bytes";
		return -EINVAL;
	}
	req->offset = get_u64(p + FCOPY_LEGACY_OFF_OFFSET);
	req->size = get_u32(p + FCOPY_LEGACY_OFF_SIZE);
	if (req->size > DATA_FRAGMENT) {
		*ret_reason = "WRITE_TO_FILE size above 6144";
		return -EINVAL;
	}
	if (req->size > len - FCOPY_LEGACY_WRITE_HDR) {
		*ret_reason = "WRITE_TO_FILE size beyond the message";
		return -EINVAL;
	}
	if (req->offset > UINT64_MAX - req->size) {
		*ret_reason = "WRITE_TO_FILE offset + size overflows";
		return -EINVAL;
	}
	req->data = p + FCOPY_LEGACY_OFF_DATA;
	return 0;
}

int fcopy_legacy_decode(const void *buf, size_t len, struct fcopy_request *ret,
			const char **ret_reason)
{
	const uint8_t *p = buf;
	const char *reason_unused;

	if (!ret_reason)
		ret_reason = &reason_unused;
	/* Only the scalar fields: the two name arrays are written when decoded. */
	ret->op = UINT32_MAX;
	ret->file_name[0] = ret->path_name[0] = '\0';
	ret->copy_flags = 0;
	ret->file_size = ret->offset = 0;
	ret->size = 0;
	ret->data = NULL;

	if (len < FCOPY_LEGACY_HDR_SIZE) {
		*ret_reason = "shorter than the 36-byte fcopy header";
		return -EINVAL;
	}
	ret->op = get_u32(p);
	switch (ret->op) {
	case START_FILE_COPY:
		return decode_start(p, len, ret, ret_reason);
	case WRITE_TO_FILE:
		return decode_write(p, len, ret, ret_reason);
	case COMPLETE_FCOPY:
	case CANCEL_FCOPY:
		return 0;
	default:
		*ret_reason = "unknown operation";
		return -EOPNOTSUPP;
	}
}

size_t fcopy_legacy_encode_register(uint8_t buf[static FCOPY_LEGACY_REG_SIZE])
{
	fcopy_legacy_encode_status(buf, FCOPY_CURRENT_VERSION);
	return FCOPY_LEGACY_REG_SIZE;
}

int fcopy_legacy_decode_register_reply(const void *buf, size_t len)
{
	if (len != FCOPY_LEGACY_REG_SIZE || get_u32(buf) != FCOPY_CURRENT_VERSION)
		return -EPROTO;
	return 0;
}

void fcopy_legacy_encode_status(uint8_t buf[static FCOPY_LEGACY_STATUS_SIZE], uint32_t status)
{
	buf[0] = status & 0xff;
	buf[1] = (status >> 8) & 0xff;
	buf[2] = (status >> 16) & 0xff;
	buf[3] = (status >> 24) & 0xff;
}

const char *fcopy_op_name(uint32_t op)
{
	switch (op) {
	case START_FILE_COPY:
		return "START_FILE_COPY";
	case WRITE_TO_FILE:
		return "WRITE_TO_FILE";
	case COMPLETE_FCOPY:
		return "COMPLETE_FCOPY";
	case CANCEL_FCOPY:
		return "CANCEL_FCOPY";
	default:
		return NULL;
	}
}

const char *fcopy_status_name(uint32_t status)
{
	switch (status) {
	case HV_S_OK:
		return "HV_S_OK";
	case HV_E_FAIL:
		return "HV_E_FAIL";
	case HV_INVALIDARG:
		return "HV_INVALIDARG";
	case HV_ERROR_ALREADY_EXISTS:
		return "HV_ERROR_ALREADY_EXISTS";
	case HV_ERROR_DISK_FULL:
		return "HV_ERROR_DISK_FULL";
	default:
		return NULL;
	}
}
