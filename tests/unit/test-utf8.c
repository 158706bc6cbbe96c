/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "unit.h"
#include "utf8.h"

static void test_valid(void)
{
	static const struct {
		const char *s;
		bool valid;
	} cases[] = {
		{ "", true },
		{ "plain ASCII", true },
		{ "caf\xc3\xa9", true },
		{ "\xe6\x97\xa5\xe6\x9c\xac", true },
		{ "\xf0\x9f\x98\x80", true },
		{ "\xff", false },
		{ "\xc3", false },
		{ "\xc0\xaf", false },		   /* overlong */
		{ "\xe0\x80\xaf", false },	   /* overlong */
		{ "\xed\xa0\x80", false },	   /* surrogate */
		{ "\xf4\x90\x80\x80", false },	   /* > U+10FFFF */
		{ "\x80", false },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		bool v = utf8_is_valid(cases[i].s, strlen(cases[i].s));
		if (v != cases[i].valid)
			fprintf(stderr, "\n  case %zu: got %d\n", i, v);
		CU_ASSERT_EQUAL(v, cases[i].valid);
	}
	CU_ASSERT_FALSE(utf8_is_valid("a\0b", 3));
}

static void test_units(void)
{
	CU_ASSERT_EQUAL(utf8_utf16_units("abc", 3), 3);
	CU_ASSERT_EQUAL(utf8_utf16_units("caf\xc3\xa9", 5), 4);
	CU_ASSERT_EQUAL(utf8_utf16_units("\xf0\x9f\x98\x80", 4), 2);
}

static void test_roundtrip(void)
{
	const char *s = "Gr\xc3\xbc\xc3\x9f\x65 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80";
	uint8_t u16[64];
	char back[64];

	int n = utf8_to_utf16le(s, strlen(s), u16, 32);
	CU_ASSERT_EQUAL(n, 11);
	u16[2 * n] = u16[2 * n + 1] = 0;
	CU_ASSERT_EQUAL(utf16le_to_utf8(u16, sizeof(u16), back, sizeof(back)), (int)strlen(s));
	CU_ASSERT_STRING_EQUAL(back, s);

	/* Cut at a unit limit without splitting a surrogate pair. */
	CU_ASSERT_EQUAL(utf8_to_utf16le("\xf0\x9f\x98\x80", 4, u16, 1), 0);
	/* Unpaired surrogates are refused, never replaced. */
	const uint8_t lone[] = { 0x00, 0xd8, 0x41, 0x00 };
	CU_ASSERT_EQUAL(utf16le_to_utf8(lone, sizeof(lone), back, sizeof(back)), -EILSEQ);
	const uint8_t low[] = { 0x00, 0xdc };
	CU_ASSERT_EQUAL(utf16le_to_utf8(low, sizeof(low), back, sizeof(back)), -EILSEQ);
	const uint8_t ab[] = { 'a', 0, 'b', 0 };
	CU_ASSERT_EQUAL(utf16le_to_utf8(ab, sizeof(ab), back, 2), -ENAMETOOLONG);
}

static const struct unit_test tests[] = {
	{ "strict UTF-8 validation", test_valid },
	{ "UTF-16 unit counts", test_units },
	{ "UTF-8 <-> UTF-16LE", test_roundtrip },
};

UNIT_MAIN("utf8", tests)
