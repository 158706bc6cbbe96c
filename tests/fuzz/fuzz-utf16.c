/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the UTF-16LE to UTF-8 decoder used for UIO fcopy names.
 * What decodes must be valid UTF-8 and must encode back to the same units.
 */
#include <string.h>

#include "fcopy.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[FCOPY_NAME_MAX];
	uint8_t back[2 * W_MAX_PATH * 2];
	size_t units = 0;

	int r = utf16le_to_utf8(data, size, out, sizeof(out));
	if (r < 0)
		return 0;
	if ((size_t)r != strlen(out) || !utf8_is_valid(out, (size_t)r))
		__builtin_trap();
	while (2 * units + 1 < size && (data[2 * units] | data[2 * units + 1]) != 0)
		units++;
	int n = utf8_to_utf16le(out, (size_t)r, back, sizeof(back) / 2);
	if (n < 0 || (size_t)n != units || memcmp(back, data, 2 * units) != 0)
		__builtin_trap();
	return 0;
}
