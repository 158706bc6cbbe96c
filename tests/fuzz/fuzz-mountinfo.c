/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzzes the mountinfo parser and the freeze plan over what it parses:
 * no crash, every parsed mount point absolute, every plan a permutation of
 * its targets with duplicates pointing at targets of the same device.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fsfreeze.h"
#include "mountinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A deterministic dependency: minor N's file lives on minor N+1 of the same major. */
static int backing(void *userdata, const struct mount_entry *m, struct fsfreeze_dev *devs,
		   size_t max, size_t *ret_n)
{
	(void)userdata;
	*ret_n = 0;
	if (max > 0 && m->major == 7) {
		devs[0] = (struct fsfreeze_dev){ 7, m->minor + 1 };
		*ret_n = 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *inc[] = { "*", NULL }, *exc[] = { "/x*", NULL }, *types[] = { "vfat", NULL };
	struct fsfreeze_policy pol = { inc, exc, types };
	struct mount_table t;
	struct fsfreeze_plan p;

	if (mountinfo_parse((const char *)data, size, &t) < 0)
		return 0;
	for (size_t i = 0; i < t.n; i++)
		if (t.entries[i].mount_point[0] != '/')
			abort();
	if (fsfreeze_plan(&t, &pol, backing, NULL, &p) == 0) {
		size_t targets = 0;
		for (size_t i = 0; i < t.n; i++) {
			if (p.verdict[i] == FSFREEZE_TARGET)
				targets++;
			if (p.verdict[i] == FSFREEZE_SKIP_DUPLICATE &&
			    (p.other[i] >= t.n || p.verdict[p.other[i]] != FSFREEZE_TARGET))
				abort();
		}
		if (targets != p.n_targets)
			abort();
		for (size_t k = 0; k < p.n_targets; k++)
			for (size_t j = k + 1; j < p.n_targets; j++)
				if (p.order[k] == p.order[j])
					abort();
		fsfreeze_plan_done(&p);
	}
	mount_table_done(&t);
	return 0;
}
