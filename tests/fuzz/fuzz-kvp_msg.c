/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the KVP message decoder and the replies built from it. */
#include <string.h>

#include "kvp_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvp_request req;
	struct hv_kvp_msg reply;
	const char *reason = NULL;
	char version[512];

	if (kvp_decode_request(data, size, &req, &reason) == 0) {
		/* Whatever decodes must be safe to echo back. */
		kvp_encode_enum_reply(&reply, req.key, req.value);
		kvp_encode_get_reply(&reply, req.value);
		if (strlen(req.key) != req.key_len || strlen(req.value) != req.value_len)
			__builtin_trap();
	} else if (!reason)
		__builtin_trap();
	(void)kvp_decode_register_reply(data, size, version, sizeof(version));
	return 0;
}
