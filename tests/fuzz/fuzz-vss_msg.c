/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzzes the VSS codec: any bytes decode without a crash; whatever decodes
 * re-encodes into a 12-byte reply whose byte 0 the kernel cannot take for
 * a registration.
 */
#include <stdint.h>
#include <stdlib.h>

#include "vss_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vss_request req = {};
	const char *reason = NULL;
	struct hv_vss_msg m;
	uint32_t v;

	int r = vss_decode_register_reply(data, size, &v);
	if (r == 0 && (size != 4 || v != 129))
		abort();
	r = vss_decode_request(data, size, &req, &reason);
	if (r == 0 && size != VSS_MSG_SIZE)
		abort();
	if (r < 0 && !reason)
		abort();
	vss_encode_reply(&m, &req, vss_status_from_errno(r));
	uint8_t b0 = ((uint8_t *)&m)[0];
	if (b0 == VSS_OP_REGISTER || b0 == VSS_OP_REGISTER1)
		abort();
	return 0;
}
