/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: IC framing and version negotiation on a host-controlled
 * payload, and the fcopy body decoder on the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "hv_abi.h"
#include "ic_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct ic_version fw[] = { { 3, 0 }, { 1, 0 } };
static const struct ic_version srv[] = { { 1, 1 } };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);
	struct ic_version f, s;
	struct fcopy_request req;
	uint32_t status;

	if (!p)
		return 0;
	memcpy(p, data, size);
	(void)ic_msg_type(p, size);
	int r = ic_negotiate(p, size, fw, 2, srv, 1, &f, &s);
	if (r == 0) {
		memcpy(&status, p + 8 + 12, 4);
		/* Success means a 1/1 answer naming versions we offered. */
		if (status != 0 || p[IC_BODY_OFFSET] != 1 || p[IC_BODY_OFFSET + 2] != 1 ||
		    !((f.major == 3 || f.major == 1) && f.minor == 0) || s.major != 1 || s.minor != 1)
			__builtin_trap();
	} else if (size >= IC_BODY_OFFSET) {
		memcpy(&status, p + 8 + 12, 4);
		if (status != HV_E_FAIL)
			__builtin_trap();
	}

	memcpy(p, data, size);
	if (ic_fcopy_decode(p, size, &req) == 0) {
		if (req.op == START_FILE_COPY &&
		    (strlen(req.file_name) == 0 || strlen(req.file_name) >= FCOPY_NAME_MAX))
			__builtin_trap();
		if (req.op == WRITE_TO_FILE &&
		    (req.size > DATA_FRAGMENT || req.data + req.size > p + size))
			__builtin_trap();
	}
	free(p);
	return 0;
}
