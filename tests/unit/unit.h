/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared CUnit glue: each tests/unit/test-X.c defines its tests and calls
 * UNIT_MAIN() with a table; the binary exits non-zero on any failure.
 */
#ifndef HVGUEST_UNIT_H
#define HVGUEST_UNIT_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

static inline int unit_rm_entry(const char *path, const struct stat *st, int flag,
				struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove a test's own temporary tree (never follows symlinks). 0 or -1. */
static inline int unit_rm_rf(const char *path)
{
	return nftw(path, unit_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

struct unit_test {
	const char *name;
	void (*fn)(void);
};

static inline int unit_run(const char *suite_name, const struct unit_test *tests, size_t n)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	CU_pSuite s = CU_add_suite(suite_name, NULL, NULL);
	if (!s)
		return 2;
	for (size_t i = 0; i < n; i++)
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			return 2;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

#define UNIT_MAIN(suite, table)                                                \
	int main(void)                                                         \
	{                                                                      \
		return unit_run((suite), (table), sizeof(table) / sizeof((table)[0])); \
	}

#endif
