/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "hv_abi.h"
#include "ic_msg.h"
#include "utf8.h"

_Static_assert(sizeof(struct hv_fcopy_hdr) == FCOPY_HDR_SIZE, "hv_fcopy_hdr size");
_Static_assert(sizeof(struct hv_start_fcopy) == FCOPY_START_SIZE, "hv_start_fcopy size");
_Static_assert(offsetof(struct hv_start_fcopy, file_name) == FCOPY_START_FILE_NAME, "file_name");
_Static_assert(offsetof(struct hv_start_fcopy, path_name) == FCOPY_START_PATH_NAME, "path_name");
_Static_assert(offsetof(struct hv_start_fcopy, copy_flags) == FCOPY_START_COPY_FLAGS, "copy_flags");
_Static_assert(offsetof(struct hv_start_fcopy, file_size) == FCOPY_START_FILE_SIZE, "file_size");
_Static_assert(sizeof(struct hv_do_fcopy) == FCOPY_WRITE_MAX_SIZE, "hv_do_fcopy size");
_Static_assert(offsetof(struct hv_do_fcopy, offset) == FCOPY_WRITE_OFFSET, "offset");
_Static_assert(offsetof(struct hv_do_fcopy, size) == FCOPY_WRITE_SIZE, "size");
_Static_assert(offsetof(struct hv_do_fcopy, data) == FCOPY_WRITE_DATA, "data");

#define NEG_RESPONSE_SIZE 16u /* what the kernel's IC drivers put in icmsgsize */

/* Little-endian accessors: the wire is LE whatever the host CPU. */
static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

#define HDR(p) ((p) + IC_PIPE_HDR_SIZE)

int ic_msg_type(const uint8_t *payload, size_t len)
{
	if (len < IC_BODY_OFFSET)
		return -EBADMSG;
	return get16(HDR(payload) + offsetof(struct ic_msg_hdr, icmsgtype));
}

void ic_set_response(uint8_t *payload, size_t len, uint32_t status)
{
	if (len < IC_BODY_OFFSET)
		return;
	put32(HDR(payload) + offsetof(struct ic_msg_hdr, status), status);
	HDR(payload)[offsetof(struct ic_msg_hdr, icflags)] = IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE;
}

static int find_version(const uint8_t *list, size_t n, const struct ic_version *want, size_t n_want,
			struct ic_version *ret)
{
	/* Our preference order decides, not the host's. */
	for (size_t i = 0; i < n_want; i++)
		for (size_t j = 0; j < n; j++)
			if (get16(list + 4 * j) == want[i].major &&
			    get16(list + 4 * j + 2) == want[i].minor) {
				*ret = want[i];
				return 0;
			}
	return -ENOPROTOOPT;
}

int ic_negotiate(uint8_t *payload, size_t len, const struct ic_version *fw, size_t n_fw,
		 const struct ic_version *srv, size_t n_srv, struct ic_version *ret_fw,
		 struct ic_version *ret_srv)
{
	uint8_t *neg = payload + IC_BODY_OFFSET;
	struct ic_version f, s;
	size_t n_hf, n_hs;
	int r;

	if (len < IC_BODY_OFFSET)
		return -EBADMSG;
	if (len < IC_BODY_OFFSET + IC_NEGOTIATE_HDR_SIZE) {
		ic_set_response(payload, len, HV_E_FAIL);
		return -EBADMSG;
	}
	n_hf = get16(neg + offsetof(struct ic_negotiate, icframe_vercnt));
	n_hs = get16(neg + offsetof(struct ic_negotiate, icmsg_vercnt));
	if (n_hf > IC_VERSION_MAX_COUNT || n_hs > IC_VERSION_MAX_COUNT ||
	    IC_BODY_OFFSET + IC_NEGOTIATE_HDR_SIZE + 4 * (n_hf + n_hs) > len) {
		r = -EBADMSG;
		goto fail;
	}
	r = find_version(neg + IC_NEGOTIATE_HDR_SIZE, n_hf, fw, n_fw, &f);
	if (r >= 0)
		r = find_version(neg + IC_NEGOTIATE_HDR_SIZE + 4 * n_hf, n_hs, srv, n_srv, &s);
	if (r < 0)
		goto fail;

	/* Two entries fit: the host sent at least one of each to match. */
	put16(neg + offsetof(struct ic_negotiate, icframe_vercnt), 1);
	put16(neg + offsetof(struct ic_negotiate, icmsg_vercnt), 1);
	put16(neg + IC_NEGOTIATE_HDR_SIZE, f.major);
	put16(neg + IC_NEGOTIATE_HDR_SIZE + 2, f.minor);
	put16(neg + IC_NEGOTIATE_HDR_SIZE + 4, s.major);
	put16(neg + IC_NEGOTIATE_HDR_SIZE + 6, s.minor);
	put16(HDR(payload) + offsetof(struct ic_msg_hdr, icmsgsize), NEG_RESPONSE_SIZE);
	ic_set_response(payload, len, 0);
	if (ret_fw)
		*ret_fw = f;
	if (ret_srv)
		*ret_srv = s;
	return 0;

fail:
	put16(neg + offsetof(struct ic_negotiate, icframe_vercnt), 0);
	put16(neg + offsetof(struct ic_negotiate, icmsg_vercnt), 0);
	put16(HDR(payload) + offsetof(struct ic_msg_hdr, icmsgsize), NEG_RESPONSE_SIZE);
	ic_set_response(payload, len, HV_E_FAIL);
	return r;
}

/* A name field: 260 UTF-16LE units holding a NUL-terminated name. */
static int decode_name(const uint8_t *field, char *out, bool allow_empty)
{
	size_t units = 0;
	int r;

	while (units < W_MAX_PATH && get16(field + 2 * units) != 0)
		units++;
	if (units == W_MAX_PATH || (units == 0 && !allow_empty))
		return -EINVAL;
	r = utf16le_to_utf8(field, 2 * units, out, FCOPY_NAME_MAX);
	if (r < 0)
		return -EINVAL; /* unpaired surrogate; cannot be too long for FCOPY_NAME_MAX */
	return 0;
}

int ic_fcopy_decode(const uint8_t *body, size_t len, struct fcopy_request *req)
{
	int r;

	if (len < FCOPY_HDR_SIZE)
		return -EBADMSG;
	req->op = get32(body);
	switch (req->op) {
	case START_FILE_COPY:
		if (len < FCOPY_START_SIZE)
			return -EBADMSG;
		r = decode_name(body + FCOPY_START_FILE_NAME, req->file_name, false);
		if (r < 0)
			return r;
		r = decode_name(body + FCOPY_START_PATH_NAME, req->path_name, true);
		if (r < 0)
			return r;
		req->copy_flags = get32(body + FCOPY_START_COPY_FLAGS);
		req->file_size = get64(body + FCOPY_START_FILE_SIZE);
		return 0;
	case WRITE_TO_FILE:
		if (len < FCOPY_WRITE_DATA)
			return -EBADMSG;
		req->offset = get64(body + FCOPY_WRITE_OFFSET);
		req->size = get32(body + FCOPY_WRITE_SIZE);
		/* Upstream checks neither: the size is the host's word only. */
		if (req->size > DATA_FRAGMENT || req->size > len - FCOPY_WRITE_DATA)
			return -EINVAL;
		req->data = body + FCOPY_WRITE_DATA;
		return 0;
	case COMPLETE_FCOPY:
	case CANCEL_FCOPY:
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

void ic_build_request(uint8_t *payload, uint16_t type, size_t body_len)
{
	uint8_t *h = HDR(payload);

	memset(payload, 0, IC_BODY_OFFSET);
	put32(payload + offsetof(struct ic_pipe_hdr, msgsize),
	      (uint32_t)(IC_MSG_HDR_SIZE + body_len));
	put16(h + offsetof(struct ic_msg_hdr, icverframe), 3);
	put16(h + offsetof(struct ic_msg_hdr, icmsgtype), type);
	put16(h + offsetof(struct ic_msg_hdr, icvermsg), 1);
	put16(h + offsetof(struct ic_msg_hdr, icvermsg) + 2, 1);
	put16(h + offsetof(struct ic_msg_hdr, icmsgsize), (uint16_t)body_len);
	h[offsetof(struct ic_msg_hdr, icflags)] = IC_FLAG_TRANSACTION | IC_FLAG_REQUEST;
}
