/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVP step script. Everything is parsed and checked before the socket
 * is even created, so a typo is a usage error (exit 2), not a half-run.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hostsim.h"
#include "kvp.h"
#include "macro.h"
#include "utf8.h"

static const struct {
	const char *name;
	enum kvp_step_kind kind;
	size_t n_args;
	const char *usage;
	size_t max_args; /* 0: exactly n_args */
} step_table[] = {
	{ "set", KVP_STEP_SET, 3, "set POOL KEY VALUE", 0 },
	{ "get", KVP_STEP_GET, 2, "get POOL KEY", 0 },
	{ "delete", KVP_STEP_DELETE, 2, "delete POOL KEY", 0 },
	{ "enum", KVP_STEP_ENUM, 1, "enum POOL", 0 },
	{ "intrinsic", KVP_STEP_INTRINSIC, 0, "intrinsic", 0 },
	{ "bad", KVP_STEP_BAD, 1, "bad KIND", 0 },
	{ "reconnect", KVP_STEP_RECONNECT, 0, "reconnect", 0 },
	{ "sleep", KVP_STEP_SLEEP, 1, "sleep MS", 0 },
	{ "expect-status", KVP_STEP_EXPECT_STATUS, 1, "expect-status STATUS", 0 },
	{ "expect-value", KVP_STEP_EXPECT_VALUE, 1, "expect-value TEXT", 0 },
	{ "expect-count", KVP_STEP_EXPECT_COUNT, 1, "expect-count N", 0 },
	{ "get-ip", KVP_STEP_GET_IP, 1, "get-ip MAC [ipv4|ipv6|both]", 2 },
	{ "set-ip", KVP_STEP_SET_IP, 1,
	  "set-ip GUID [dhcp=0|1] [ip=LIST] [subnet=LIST] [gw=LIST] [dns=LIST] [family=F]", 7 },
	{ "expect-ip", KVP_STEP_EXPECT_IP, 2, "expect-ip FIELD TEXT", 0 },
};

static void step_done(struct kvp_step *st)
{
	free(st->key);
	free(st->value);
	free(st->where);
	for (size_t i = 0; i < ELEMENTSOF(st->ip); i++)
		free(st->ip[i]);
}

void kvp_script_done(struct kvp_script *s)
{
	for (size_t i = 0; i < s->n; i++)
		step_done(&s->steps[i]);
	free(s->steps);
	s->steps = NULL;
	s->n = 0;
}

_printf_(2, 3) static int fail(char **ret_error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(ret_error, fmt, ap) < 0)
		*ret_error = NULL;
	va_end(ap);
	return -EINVAL;
}

static int parse_number(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Host strings come from UTF-16, so they are valid UTF-8 by construction. */
static bool host_string_ok(const char *s)
{
	return utf8_is_valid(s, strlen(s));
}

int kvp_script_add_line(struct kvp_script *s, const char *line, const char *where, char **ret_error)
{
	_cleanup_(hs_words_done) struct hs_words w = {};
	struct kvp_step st = {};
	const char *err = NULL;
	size_t i;
	int r;

	r = hs_split_words(line, &w, &err);
	if (r == -EINVAL)
		return fail(ret_error, "%s: %s", where, err);
	if (r < 0)
		return r;
	if (w.n == 0)
		return 0;

	for (i = 0; i < ELEMENTSOF(step_table); i++)
		if (strcmp(w.words[0], step_table[i].name) == 0)
			break;
	if (i == ELEMENTSOF(step_table))
		return fail(ret_error, "%s: unknown step \"%s\"", where, w.words[0]);
	if (w.n - 1 < step_table[i].n_args ||
	    w.n - 1 > MAX(step_table[i].n_args, step_table[i].max_args))
		return fail(ret_error, "%s: usage: %s", where, step_table[i].usage);
	st.kind = step_table[i].kind;

	switch (st.kind) {
	case KVP_STEP_SET:
	case KVP_STEP_GET:
	case KVP_STEP_DELETE:
	case KVP_STEP_ENUM:
		if (kvp_pool_parse(w.words[1], &st.pool) < 0)
			return fail(ret_error,
				    "%s: bad pool \"%s\" (0-4, external, guest, auto, "
				    "auto-external, auto-internal)",
				    where, w.words[1]);
		if (st.kind == KVP_STEP_ENUM)
			break;
		if (!host_string_ok(w.words[2]))
			return fail(ret_error, "%s: key is not valid UTF-8", where);
		st.key = TAKE_PTR(w.words[2]);
		if (st.kind == KVP_STEP_SET) {
			if (!host_string_ok(w.words[3])) {
				free(st.key);
				return fail(ret_error, "%s: value is not valid UTF-8", where);
			}
			st.value = TAKE_PTR(w.words[3]);
		}
		break;
	case KVP_STEP_INTRINSIC:
		st.pool = KVP_POOL_AUTO;
		break;
	case KVP_STEP_BAD:
		if (kvp_bad_parse(w.words[1], &st.bad) < 0)
			return fail(ret_error,
				    "%s: unknown bad KIND \"%s\" (short long pool op keysize "
				    "keynul nonul valuesize badutf8 emptykey)",
				    where, w.words[1]);
		break;
	case KVP_STEP_SLEEP:
		if (parse_number(w.words[1], 3600000, &st.number) < 0)
			return fail(ret_error, "%s: bad milliseconds \"%s\"", where, w.words[1]);
		break;
	case KVP_STEP_EXPECT_STATUS:
		if (kvp_status_parse(w.words[1], &st.status) < 0)
			return fail(ret_error,
				    "%s: bad status \"%s\" (a name like S_OK or a number)", where,
				    w.words[1]);
		break;
	case KVP_STEP_EXPECT_VALUE:
		st.value = TAKE_PTR(w.words[1]);
		break;
	case KVP_STEP_EXPECT_COUNT:
		if (parse_number(w.words[1], UINT32_MAX, &st.number) < 0)
			return fail(ret_error, "%s: bad count \"%s\"", where, w.words[1]);
		break;
	case KVP_STEP_RECONNECT:
		break;
	case KVP_STEP_GET_IP:
	case KVP_STEP_SET_IP:
	case KVP_STEP_EXPECT_IP:
		r = kvp_ip_parse_step(&st, w.words, w.n, &err);
		if (r < 0) {
			step_done(&st);
			if (r == -EINVAL)
				return fail(ret_error, "%s: %s: %s", where, step_table[i].usage,
					    err);
			return r;
		}
		break;
	}

	st.where = strdup(where);
	if (!st.where) {
		step_done(&st);
		return -ENOMEM;
	}
	/* Grow geometrically: scripts of many thousand steps must parse in linear time. */
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct kvp_step *n = realloc(s->steps, cap * sizeof(*n));
		if (!n) {
			step_done(&st);
			return -ENOMEM;
		}
		s->steps = n;
		s->cap = cap;
	}
	s->steps[s->n++] = st;
	return 0;
}

int kvp_script_add_file(struct kvp_script *s, const char *path, char **ret_error)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;

	f = strcmp(path, "-") == 0 ? fdopen(dup(STDIN_FILENO), "r") : fopen(path, "re");
	if (!f) {
		int r = negative_errno();
		if (asprintf(ret_error, "%s: %s", path, strerror(-r)) < 0)
			*ret_error = NULL;
		return r;
	}
	while (getline(&line, &cap, f) >= 0) {
		_cleanup_free_ char *where = NULL;
		int r;

		lineno++;
		if (asprintf(&where, "%s:%u", path, lineno) < 0)
			return -ENOMEM;
		r = kvp_script_add_line(s, line, where, ret_error);
		if (r < 0)
			return r;
	}
	if (ferror(f)) {
		if (asprintf(ret_error, "%s: read error", path) < 0)
			*ret_error = NULL;
		return -EIO;
	}
	return 0;
}
