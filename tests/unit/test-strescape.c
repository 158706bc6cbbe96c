/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "macro.h"
#include "strescape.h"
#include "unit.h"

static void test_escape(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "plain text", 10, "plain text" },
		{ "a\nb\rc\td", 7, "a\\nb\\rc\\td" },
		{ "back\\slash", 10, "back\\\\slash" },
		{ "\x1b[31m", 5, "\\x1b[31m" },
		{ "del\x7f", 4, "del\\x7f" },
		{ "nul\0x", 5, "nul\\x00x" },
		/* C1 controls are valid UTF-8 and still escaped: U+0085, U+009B. */
		{ "\xc2\x85\xc2\x9b", 4, "\\u0085\\u009b" },
		/* U+00A0 and up are printable. */
		{ "\xc2\xa0\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80", 11,
		  "\xc2\xa0\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80" },
		/* Not UTF-8: stray continuation, overlong, surrogate, truncated, 0xff. */
		{ "\x80", 1, "\\x80" },
		{ "\xc0\xaf", 2, "\\xc0\\xaf" },
		{ "\xed\xa0\x80", 3, "\\xed\\xa0\\x80" },
		{ "\xe6\x97", 2, "\\xe6\\x97" },
		{ "\xff", 1, "\\xff" },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char buf[128];
		size_t consumed = 0;
		size_t n = str_escape(buf, sizeof(buf), cases[i].in, cases[i].len, &consumed);
		if (strcmp(buf, cases[i].out) != 0)
			fprintf(stderr, "\n  case %zu: got \"%s\"\n", i, buf);
		CU_ASSERT_STRING_EQUAL(buf, cases[i].out);
		CU_ASSERT_EQUAL(n, strlen(cases[i].out));
		CU_ASSERT_EQUAL(consumed, cases[i].len);
	}
}

static void test_truncation(void)
{
	char buf[8];
	size_t consumed;

	/* "ab\x1b" needs 6 + NUL: an escape is never cut. */
	CU_ASSERT_EQUAL(str_escape(buf, 6, "ab\x1b", 3, &consumed), 2);
	CU_ASSERT_STRING_EQUAL(buf, "ab");
	CU_ASSERT_EQUAL(consumed, 2);
	CU_ASSERT_EQUAL(str_escape(buf, 7, "ab\x1b", 3, &consumed), 6);
	CU_ASSERT_EQUAL(consumed, 3);
	/* Nor is a multi-byte character. */
	CU_ASSERT_EQUAL(str_escape(buf, 4, "a\xe6\x97\xa5", 4, &consumed), 1);
	CU_ASSERT_STRING_EQUAL(buf, "a");
	CU_ASSERT_EQUAL(str_escape(buf, 1, "abc", 3, &consumed), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
	CU_ASSERT_EQUAL(consumed, 0);
	CU_ASSERT_STRING_EQUAL(str_escape_buf(buf, sizeof(buf), "x\ny"), "x\\ny");
	/* The bound holds for the worst case. */
	char big[STR_ESCAPE_SIZE(4)];
	CU_ASSERT_EQUAL(str_escape(big, sizeof(big), "\x01\x02\x03\x04", 4, &consumed), 16);
	CU_ASSERT_EQUAL(consumed, 4);
}

static const struct unit_test tests[] = {
	{ "escapes", test_escape },
	{ "truncation at whole units", test_truncation },
};

UNIT_MAIN("strescape", tests)
