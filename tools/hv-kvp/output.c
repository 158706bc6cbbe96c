/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Printing keys and values safely. Pool files are written by several
 * programs and by the host, so a value may hold control characters (C0,
 * DEL, C1) or bytes that are not UTF-8: the text form escapes them as the
 * daemons' logs do (lib/strescape.h) so a terminal is never driven by pool
 * contents, and the JSON form is always valid JSON with every control
 * character as a \u escape.
 *
 * list, get and host print one JSON document, an array of records, one
 * record a line (out_json_item, out_json_end); watch prints JSON Lines,
 * one record object a line, as the changes happen.
 */
#include <string.h>

#include "hvkvp.h"
#include "strescape.h"
#include "utf8.h"

/* Length of the valid UTF-8 sequence at s (0 if the bytes there are not one). */
static size_t utf8_seq_len(const char *s)
{
	unsigned char c = (unsigned char)s[0];
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (strnlen(s, n) < n || !utf8_is_valid(s, n))
		return 0;
	return n;
}

void out_text(FILE *f, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		char buf[256];
		size_t used, n = str_escape(buf, sizeof(buf), s, len, &used);
		fwrite(buf, 1, n, f);
		s += used;
		len -= used;
	}
}

void out_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	while (*s) {
		unsigned char c = (unsigned char)*s;
		size_t n = utf8_seq_len(s);

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else if (n == 2 && c == 0xc2 && (unsigned char)s[1] < 0xa0) {
			/* A C1 control (U+0080-U+009F): valid JSON raw, but not for a terminal. */
			fprintf(f, "\\u%04x", (unsigned char)s[1]);
			s += 2;
			continue;
		} else if (n == 0)
			/* JSON text must be UTF-8: a stray byte becomes U+FFFD. */
			fputs("\\ufffd", f);
		else {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', f);
}

void out_record_json(FILE *f, unsigned pool, const struct hvkvp_record *r, const char *event,
		     const char *old_value)
{
	fputc('{', f);
	if (event)
		fprintf(f, "\"event\":\"%s\",", event);
	fprintf(f, "\"pool\":\"%s\",\"pool_number\":%u,\"index\":%u", pool_name(pool), pool,
		(unsigned)r->index);
	if (r->key) {
		fputs(",\"key\":", f);
		out_json_string(f, r->key);
		if (r->value) {
			fputs(",\"value\":", f);
			out_json_string(f, r->value);
		}
	} else
		fputs(",\"key\":null,\"value\":null,\"error\":\"malformed record\"", f);
	if (old_value) {
		fputs(",\"old_value\":", f);
		out_json_string(f, old_value);
	}
	fputc('}', f);
}

void out_json_item(FILE *f, size_t *count, unsigned pool, const struct hvkvp_record *r)
{
	fputs(*count == 0 ? "[\n" : ",\n", f);
	out_record_json(f, pool, r, NULL, NULL);
	(*count)++;
}

void out_json_end(FILE *f, size_t count)
{
	fputs(count == 0 ? "[]\n" : "\n]\n", f);
}
