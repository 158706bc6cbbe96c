/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the legacy fcopy decoder and the registration answer. */
#include <string.h>

#include "fcopy_codec.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fcopy_request req;
	const char *reason = NULL;

	int r = fcopy_legacy_decode(data, size, &req, &reason);
	if (r == 0) {
		/* What decodes must be what the session may trust. */
		if (req.op == START_FILE_COPY &&
		    (!utf8_is_valid(req.file_name, strlen(req.file_name)) ||
		     !utf8_is_valid(req.path_name, strlen(req.path_name))))
			__builtin_trap();
		if (req.op == WRITE_TO_FILE &&
		    (req.size > DATA_FRAGMENT || req.data + req.size > data + size))
			__builtin_trap();
		if (req.op > CANCEL_FCOPY)
			__builtin_trap();
	} else if (!reason)
		__builtin_trap();
	(void)fcopy_legacy_decode_register_reply(data, size);
	return 0;
}
