/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Escaping untrusted text (host-chosen KVP keys, fcopy names, pool file
 * contents) for one line of a log, a terminal or an sd_notify(3) STATUS=.
 *
 *   \            ->  \\
 *   LF, CR, TAB  ->  \n  \r  \t
 *   other C0, DEL (0x00-0x1f, 0x7f)        ->  \xNN
 *   C1 controls U+0080-U+009F (valid UTF-8) ->  \u0080 ... \u009f
 *   a byte that does not start valid UTF-8  ->  \xNN
 *
 * Everything else (printable ASCII, valid UTF-8 from U+00A0 up) is copied.
 * The result is valid UTF-8 holding no control character, and the escape
 * can be undone: every backslash in it starts one of the forms above.
 */
#ifndef HVGUEST_STRESCAPE_H
#define HVGUEST_STRESCAPE_H

#include <stddef.h>

/* The longest escape of one input byte ("\xNN"): a buffer of
 * STR_ESCAPE_SIZE(n) bytes holds the escape of any n bytes. */
#define STR_ESCAPE_SIZE(n) (4 * (n) + 1)

/*
 * Escape src (len bytes; NUL bytes are escaped too) into dst (size >= 1
 * bytes, always NUL-terminated), stopping before the first unit that does
 * not fit: a multi-byte character or an escape is never cut. Returns the
 * length written; *ret_consumed (may be NULL) is how much of src it covers.
 */
size_t str_escape(char *dst, size_t size, const char *src, size_t len, size_t *ret_consumed);

/* str_escape() of the C string s into buf, returning buf: for "%s" arguments. */
const char *str_escape_buf(char *buf, size_t size, const char *s);

#endif
