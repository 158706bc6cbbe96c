/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Integration-component (IC) framing inside a VMBus packet's payload
 * (hv-protocol.md 5.6): the 8-byte pipe header, the 20-byte icmsg header,
 * version negotiation, and the fcopy body in its raw host form (UTF-16LE
 * names). Pure functions on (buffer, length): no fds, no files, so the unit
 * tests and the fuzzers call them directly. Answers are written in place,
 * as the host expects the whole payload back.
 */
#ifndef HVGUEST_IC_MSG_H
#define HVGUEST_IC_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "fcopy.h"

#define IC_PIPE_HDR_SIZE      8u
#define IC_MSG_HDR_SIZE	      20u
#define IC_BODY_OFFSET	      (IC_PIPE_HDR_SIZE + IC_MSG_HDR_SIZE) /* 28 */
#define IC_NEGOTIATE_HDR_SIZE 8u
#define IC_VERSION_MAX_COUNT  100u

#define IC_MSGTYPE_NEGOTIATE 0u
#define IC_MSGTYPE_FCOPY     7u

#define IC_FLAG_TRANSACTION 1u
#define IC_FLAG_REQUEST	    2u
#define IC_FLAG_RESPONSE    4u

struct ic_pipe_hdr {
	uint32_t flags;
	uint32_t msgsize;
} __attribute__((packed));

struct ic_version {
	uint16_t major;
	uint16_t minor;
} __attribute__((packed));

struct ic_msg_hdr {
	struct ic_version icverframe;
	uint16_t icmsgtype;
	struct ic_version icvermsg;
	uint16_t icmsgsize;
	uint32_t status;
	uint8_t ictransaction_id;
	uint8_t icflags;
	uint8_t reserved[2];
} __attribute__((packed));

struct ic_negotiate {
	uint16_t icframe_vercnt;
	uint16_t icmsg_vercnt;
	uint32_t reserved;
	/* then (icframe_vercnt + icmsg_vercnt) struct ic_version, framework first */
} __attribute__((packed));

_Static_assert(sizeof(struct ic_pipe_hdr) == IC_PIPE_HDR_SIZE, "vmbuspipe_hdr size");
_Static_assert(sizeof(struct ic_version) == 4, "ic_version size");
_Static_assert(sizeof(struct ic_msg_hdr) == IC_MSG_HDR_SIZE, "icmsg_hdr size");
_Static_assert(offsetof(struct ic_msg_hdr, icmsgtype) == 4, "icmsgtype");
_Static_assert(offsetof(struct ic_msg_hdr, icvermsg) == 6, "icvermsg");
_Static_assert(offsetof(struct ic_msg_hdr, icmsgsize) == 10, "icmsgsize");
_Static_assert(offsetof(struct ic_msg_hdr, status) == 12, "status");
_Static_assert(offsetof(struct ic_msg_hdr, ictransaction_id) == 16, "ictransaction_id");
_Static_assert(offsetof(struct ic_msg_hdr, icflags) == 17, "icflags");
_Static_assert(sizeof(struct ic_negotiate) == IC_NEGOTIATE_HDR_SIZE, "icmsg_negotiate size");

/* What fcopy offers (hv-protocol.md 5.6): framework 3.0, service 1.1. */
#define IC_FCOPY_FRAMEWORK ((struct ic_version){ 3, 0 })
#define IC_FCOPY_SERVICE   ((struct ic_version){ 1, 1 })

/* Offsets of the fcopy structs' fields (include/uapi/linux/hyperv.h, 4.1). */
#define FCOPY_HDR_SIZE	       36u
#define FCOPY_START_SIZE       1088u
#define FCOPY_START_FILE_NAME  36u
#define FCOPY_START_PATH_NAME  556u
#define FCOPY_START_COPY_FLAGS 1076u
#define FCOPY_START_FILE_SIZE  1080u
#define FCOPY_WRITE_OFFSET     40u
#define FCOPY_WRITE_SIZE       48u
#define FCOPY_WRITE_DATA       52u
#define FCOPY_WRITE_MAX_SIZE   (FCOPY_WRITE_DATA + DATA_FRAGMENT) /* 6196 */

/* Largest IC payload fcopy uses: a full WRITE. */
#define IC_FCOPY_MAX_PAYLOAD (IC_BODY_OFFSET + FCOPY_WRITE_MAX_SIZE)

/*
 * The IC message type of a payload. Returns it (>= 0), or -EBADMSG when the
 * payload is shorter than the pipe and icmsg headers.
 */
int ic_msg_type(const uint8_t *payload, size_t len);

/*
 * Mark a payload (at least IC_BODY_OFFSET bytes) as our response: status,
 * icflags TRANSACTION|RESPONSE.
 */
void ic_set_response(uint8_t *payload, size_t len, uint32_t status);

/*
 * Answer a NEGOTIATE in place: pick the first of fw[] the host offers as a
 * framework version and the first of srv[] it offers as a service version.
 * Returns 0 (counts 1/1, the two versions, status 0), -ENOPROTOOPT (no
 * common version: counts 0/0, status HV_E_FAIL) or -EBADMSG (malformed:
 * too short, a count over 100, the versions do not fit; the status is set
 * to HV_E_FAIL when the headers are there). icmsgsize is 16 and icflags
 * TRANSACTION|RESPONSE whenever the payload could hold an answer. The
 * chosen versions are stored in ret_fw/ret_srv on success (may be NULL).
 */
int ic_negotiate(uint8_t *payload, size_t len, const struct ic_version *fw, size_t n_fw,
		 const struct ic_version *srv, size_t n_srv, struct ic_version *ret_fw,
		 struct ic_version *ret_srv);

/*
 * Decode an fcopy body (the bytes after IC_BODY_OFFSET) in raw host form
 * into req: names UTF-16LE, NUL-terminated within their 260 units,
 * converted to UTF-8 (surrogate pairs included; unpaired surrogates,
 * missing NULs and empty file names are -EINVAL, never replaced); a WRITE's
 * size at most 6144 and inside the body (-EINVAL). A body shorter than its
 * op's struct is -EBADMSG; an unknown op -EOPNOTSUPP. req->data points into
 * body.
 */
int ic_fcopy_decode(const uint8_t *body, size_t len, struct fcopy_request *req);

/*
 * For simulators and tests: write pipe + icmsg headers for a request of
 * type with body_len bytes of body. payload must hold IC_BODY_OFFSET bytes.
 */
void ic_build_request(uint8_t *payload, uint16_t type, size_t body_len);

#endif
