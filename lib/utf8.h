/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HVGUEST_UTF8_H
#define HVGUEST_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF, no NUL inside). */
bool utf8_is_valid(const char *s, size_t len);

/* Number of UTF-16 code units the kernel will produce for valid UTF-8 s. */
size_t utf8_utf16_units(const char *s, size_t len);

/*
 * UTF-16LE (len bytes, stops at a NUL unit) to UTF-8 into out (size bytes,
 * NUL-terminated). Returns the UTF-8 length or -EILSEQ (unpaired surrogate),
 * -ENAMETOOLONG (does not fit).
 */
int utf16le_to_utf8(const uint8_t *in, size_t len, char *out, size_t size);

/* UTF-8 to UTF-16LE, at most max_units units (truncates as the kernel does).
 * Returns the number of units written (no NUL) or -EILSEQ. */
int utf8_to_utf16le(const char *in, size_t len, uint8_t *out, size_t max_units);

#endif
