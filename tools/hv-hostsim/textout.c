/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Quoting for the simulator's output: every line must stay one line and
 * greppable whatever bytes a daemon put into a key or value.
 */
#include <stdint.h>

#include "hostsim.h"
#include "utf8.h"

/* Length of the valid UTF-8 sequence at s, or 0 if the byte starts none. */
static size_t utf8_seq(const char *s, size_t left)
{
	for (size_t k = 1; k <= 4 && k <= left; k++)
		if (utf8_is_valid(s, k))
			return k;
	return 0;
}

void hs_put_escaped(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		size_t k;

		switch (c) {
		case '"':
			fputs("\\\"", f);
			i++;
			continue;
		case '\\':
			fputs("\\\\", f);
			i++;
			continue;
		case '\n':
			fputs("\\n", f);
			i++;
			continue;
		case '\t':
			fputs("\\t", f);
			i++;
			continue;
		case '\r':
			fputs("\\r", f);
			i++;
			continue;
		default:
			break;
		}
		if (c >= 0x20 && c < 0x7f) {
			fputc(c, f);
			i++;
			continue;
		}
		k = c >= 0x80 ? utf8_seq(s + i, len - i) : 0;
		if (k > 0) {
			fwrite(s + i, 1, k, f);
			i += k;
		} else {
			fprintf(f, "\\x%02x", c);
			i++;
		}
	}
}

void hs_put_quoted(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	hs_put_escaped(f, s, len);
	fputc('"', f);
}

void hs_put_json_string(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		size_t k;

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
			i++;
		} else if (c == '\n') {
			fputs("\\n", f);
			i++;
		} else if (c == '\t') {
			fputs("\\t", f);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			fputc(c, f);
			i++;
		} else if ((k = utf8_seq(s + i, len - i)) > 0) {
			fwrite(s + i, 1, k, f);
			i += k;
		} else {
			/* JSON has no bytes; show a stray byte as the Latin-1 code point. */
			fprintf(f, "\\u%04x", c);
			i++;
		}
	}
	fputc('"', f);
}
