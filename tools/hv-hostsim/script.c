/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Step scripts: one step per line, words split like a (much simpler) shell,
 * so that keys and values with spaces and odd bytes can be written down.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hostsim.h"
#include "macro.h"

void hs_words_done(struct hs_words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->words[i]);
	free(w->words);
	w->words = NULL;
	w->n = 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int push_word(struct hs_words *w, const char *s, size_t len)
{
	char **nw = realloc(w->words, (w->n + 1) * sizeof(*nw));
	if (!nw)
		return -ENOMEM;
	w->words = nw;
	nw[w->n] = malloc(len + 1);
	if (!nw[w->n])
		return -ENOMEM;
	memcpy(nw[w->n], s, len);
	nw[w->n][len] = '\0';
	w->n++;
	return 0;
}

int hs_split_words(const char *line, struct hs_words *ret, const char **ret_error)
{
	struct hs_words w = {};
	_cleanup_free_ char *buf = malloc(strlen(line) + 1);
	const char *p = line;
	int r;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		size_t len = 0;
		bool have = false;

		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
			if (*p != '"') {
				buf[len++] = *p++;
				continue;
			}
			/* A quoted part: may be empty, may hold spaces and escapes. */
			have = true;
			p++;
			while (*p != '"') {
				if (*p == '\0') {
					*ret_error = "unterminated double quote";
					hs_words_done(&w);
					return -EINVAL;
				}
				if (*p != '\\') {
					buf[len++] = *p++;
					continue;
				}
				p++;
				switch (*p) {
				case '"':
				case '\\':
					buf[len++] = *p++;
					break;
				case 'n':
					buf[len++] = '\n';
					p++;
					break;
				case 't':
					buf[len++] = '\t';
					p++;
					break;
				case 'r':
					buf[len++] = '\r';
					p++;
					break;
				case 'x': {
					int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
					if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
						*ret_error =
							"bad \\x escape (two hex digits, not 00)";
						hs_words_done(&w);
						return -EINVAL;
					}
					/* The output fits: "\xHH" (4 bytes) becomes 1. */
					buf[len++] = (char)(hi << 4 | lo);
					p += 3;
					break;
				}
				default:
					*ret_error = "unknown backslash escape";
					hs_words_done(&w);
					return -EINVAL;
				}
			}
			p++;
		}
		if (len > 0 || have) {
			r = push_word(&w, buf, len);
			if (r < 0) {
				hs_words_done(&w);
				return r;
			}
		}
	}
	*ret = w;
	return 0;
}
