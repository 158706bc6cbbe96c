/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The freeze plan: which mounts, in which order, and why not the others.
 * Pure over a parsed mount table, so every rule is unit-tested without
 * root; the one window on the live system is the backing function.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "fsfreeze.h"
#include "macro.h"

/* A loop device on a dm device on a loop device …: more is unheard of. */
#define BACKING_MAX 16

static bool strv_match(char *const *l, const char *s)
{
	for (; l && *l; l++)
		if (fnmatch(*l, s, 0) == 0)
			return true;
	return false;
}

/* Filesystems on a block device whose superblock shows an anonymous device. */
static bool anonymous_dev_block_fs(const char *type)
{
	return strcmp(type, "btrfs") == 0 || strcmp(type, "bcachefs") == 0;
}

static bool same_dev(const struct mount_entry *a, const struct mount_entry *b)
{
	return a->major == b->major && a->minor == b->minor;
}

const char *fsfreeze_verdict_str(enum fsfreeze_verdict v)
{
	static const char *const names[_FSFREEZE_VERDICT_MAX] = {
		[FSFREEZE_TARGET] = "frozen",
		[FSFREEZE_SKIP_EXCLUDED] = "matches vss.exclude",
		[FSFREEZE_SKIP_NOT_INCLUDED] = "not in vss.include",
		[FSFREEZE_SKIP_TYPE] = "type in vss.skip_types",
		[FSFREEZE_SKIP_NO_DEVICE] = "not on a block device (pseudo, network or overlay)",
		[FSFREEZE_SKIP_READ_ONLY] = "read-only",
		[FSFREEZE_SKIP_HIDDEN] = "hidden under a later mount on the same point",
		[FSFREEZE_SKIP_ROOT_FS] = "on the root filesystem, which vss.include leaves out",
		[FSFREEZE_SKIP_DUPLICATE] =
			"same filesystem as another target (bind mount or subvolume)",
	};
	return (unsigned)v < _FSFREEZE_VERDICT_MAX ? names[v] : "?";
}

void fsfreeze_plan_done(struct fsfreeze_plan *p)
{
	if (!p)
		return;
	free(p->verdict);
	free(p->other);
	free(p->order);
	free(p->level);
	*p = (struct fsfreeze_plan){};
}

static bool placed_root(const struct fsfreeze_plan *plan, size_t root_target)
{
	return plan->n_targets > 0 && plan->order[plan->n_targets - 1] == root_target;
}

static enum fsfreeze_verdict judge(const struct mount_table *t, size_t i,
				   const struct fsfreeze_policy *p, size_t root, bool root_allowed)
{
	const struct mount_entry *m = &t->entries[i];

	if (strv_match(p->exclude, m->mount_point))
		return FSFREEZE_SKIP_EXCLUDED;
	if (!strv_match(p->include, m->mount_point))
		return FSFREEZE_SKIP_NOT_INCLUDED;
	if (strv_match(p->skip_types, m->fstype))
		return FSFREEZE_SKIP_TYPE;
	if (m->major == 0 && !anonymous_dev_block_fs(m->fstype))
		return FSFREEZE_SKIP_NO_DEVICE;
	/*
	 * Read-only is a property of the superblock. A read-only mount of a
	 * writable filesystem still needs freezing: under systemd's
	 * ProtectSystem= every mount the daemon sees is read-only, while the
	 * filesystems behind them are written to by everyone else.
	 */
	if (mount_options_has(m->super_options, "ro"))
		return FSFREEZE_SKIP_READ_ONLY;
	for (size_t j = i + 1; j < t->n; j++)
		if (strcmp(t->entries[j].mount_point, m->mount_point) == 0)
			return FSFREEZE_SKIP_HIDDEN;
	if (root != FSFREEZE_NONE && same_dev(m, &t->entries[root]) && !root_allowed)
		return FSFREEZE_SKIP_ROOT_FS;
	return FSFREEZE_TARGET;
}

/*
 * Group a topological order into levels: the root filesystem alone and
 * last, the others by level, each level in the order Kahn's algorithm
 * placed them (a stable sort: a topological order sorted by a level that
 * grows along every edge is one still).
 */
static void levels_group(struct fsfreeze_plan *plan, size_t *lvl, size_t root_target)
{
	size_t top = 0;

	if (plan->n_targets == 0)
		return;
	for (size_t k = 0; k < plan->n_targets; k++)
		if (plan->order[k] != root_target)
			top = MAX(top, lvl[plan->order[k]] + 1);
	if (root_target != FSFREEZE_NONE && placed_root(plan, root_target))
		lvl[root_target] = top;
	for (size_t k = 1; k < plan->n_targets; k++) {
		size_t v = plan->order[k], j = k;
		for (; j > 0 && lvl[plan->order[j - 1]] > lvl[v]; j--)
			plan->order[j] = plan->order[j - 1];
		plan->order[j] = v;
	}
	/* Number the levels densely from 0. */
	size_t cur = 0;
	for (size_t k = 0; k < plan->n_targets; k++) {
		if (k > 0 && lvl[plan->order[k]] != lvl[plan->order[k - 1]])
			cur++;
		plan->level[k] = cur;
	}
	plan->n_levels = cur + 1;
}

int fsfreeze_plan(const struct mount_table *t, const struct fsfreeze_policy *p,
		  fsfreeze_backing_fn backing, void *userdata, struct fsfreeze_plan *ret)
{
	struct fsfreeze_plan plan = { .n_mounts = t->n };
	size_t root = FSFREEZE_NONE, root_target = FSFREEZE_NONE;
	_cleanup_free_ size_t *preds = NULL; /* per mount: targets to freeze before it */
	_cleanup_free_ bool *placed = NULL;
	_cleanup_free_ size_t *lvl = NULL; /* per mount: its dependency level */
	size_t n = t->n ? t->n : 1;

	plan.verdict = calloc(n, sizeof(*plan.verdict));
	plan.other = malloc(n * sizeof(*plan.other));
	plan.order = malloc(n * sizeof(*plan.order));
	plan.level = calloc(n, sizeof(*plan.level));
	preds = calloc(n, sizeof(*preds));
	placed = calloc(n, sizeof(*placed));
	lvl = calloc(n, sizeof(*lvl));
	if (!plan.verdict || !plan.other || !plan.order || !plan.level || !preds || !placed ||
	    !lvl) {
		fsfreeze_plan_done(&plan);
		return -ENOMEM;
	}

	/* The mount on "/" that is visible: the last one. */
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->entries[i].mount_point, "/") == 0)
			root = i;
	bool root_allowed = strv_match(p->include, "/");

	for (size_t i = 0; i < t->n; i++) {
		plan.other[i] = FSFREEZE_NONE;
		plan.verdict[i] = judge(t, i, p, root, root_allowed);
	}

	/*
	 * One target per superblock. The root filesystem is represented by
	 * "/" itself, any other by its first eligible mount in table order.
	 */
	if (root != FSFREEZE_NONE && plan.verdict[root] == FSFREEZE_TARGET)
		root_target = root;
	for (size_t i = 0; i < t->n; i++) {
		if (plan.verdict[i] != FSFREEZE_TARGET)
			continue;
		size_t first = FSFREEZE_NONE;
		if (root_target != FSFREEZE_NONE && i != root_target &&
		    same_dev(&t->entries[i], &t->entries[root_target]))
			first = root_target;
		for (size_t j = 0; j < i && first == FSFREEZE_NONE; j++)
			if (plan.verdict[j] == FSFREEZE_TARGET && j != root_target &&
			    same_dev(&t->entries[i], &t->entries[j]))
				first = j;
		if (first != FSFREEZE_NONE) {
			plan.verdict[i] = FSFREEZE_SKIP_DUPLICATE;
			plan.other[i] = first;
		}
	}

	/*
	 * Dependencies: a filesystem whose device is backed by a file on
	 * another target must be frozen first (freezing it flushes through
	 * the loop device into the other, which must still accept writes).
	 */
	_cleanup_free_ size_t *edge_from = NULL, *edge_to = NULL;
	size_t n_edges = 0, cap_edges = 0;
	for (size_t i = 0; backing && i < t->n; i++) {
		struct fsfreeze_dev devs[BACKING_MAX];
		size_t nd = 0;

		if (plan.verdict[i] != FSFREEZE_TARGET)
			continue;
		if (backing(userdata, &t->entries[i], devs, BACKING_MAX, &nd) < 0)
			continue;
		for (size_t d = 0; d < MIN(nd, (size_t)BACKING_MAX); d++)
			for (size_t j = 0; j < t->n; j++) {
				if (j == i || plan.verdict[j] != FSFREEZE_TARGET ||
				    t->entries[j].major != devs[d].major ||
				    t->entries[j].minor != devs[d].minor)
					continue;
				if (n_edges == cap_edges) {
					size_t nc = cap_edges ? cap_edges * 2 : 16;
					size_t *a = realloc(edge_from, nc * sizeof(*a));
					if (!a)
						goto oom;
					edge_from = a;
					a = realloc(edge_to, nc * sizeof(*a));
					if (!a)
						goto oom;
					edge_to = a;
					cap_edges = nc;
				}
				/* i before j */
				edge_from[n_edges] = i;
				edge_to[n_edges] = j;
				n_edges++;
				preds[j]++;
				if (plan.other[i] == FSFREEZE_NONE)
					plan.other[i] = j;
			}
	}

	/* Kahn's algorithm, stable in table order; root only when nothing else is left. */
	size_t n_targets = 0;
	for (size_t i = 0; i < t->n; i++)
		if (plan.verdict[i] == FSFREEZE_TARGET)
			n_targets++;
	while (plan.n_targets < n_targets) {
		size_t pick = FSFREEZE_NONE;
		for (size_t i = 0; i < t->n && pick == FSFREEZE_NONE; i++)
			if (plan.verdict[i] == FSFREEZE_TARGET && !placed[i] && preds[i] == 0 &&
			    (i != root_target || plan.n_targets == n_targets - 1))
				pick = i;
		if (pick == FSFREEZE_NONE) {
			fsfreeze_plan_done(&plan);
			return -ELOOP;
		}
		placed[pick] = true;
		plan.order[plan.n_targets++] = pick;
		/* Every target to freeze before pick is placed: its level is known. */
		for (size_t e = 0; e < n_edges; e++)
			if (edge_to[e] == pick)
				lvl[pick] = MAX(lvl[pick], lvl[edge_from[e]] + 1);
		for (size_t e = 0; e < n_edges; e++)
			if (edge_from[e] == pick)
				preds[edge_to[e]]--;
	}
	levels_group(&plan, lvl, root_target);
	*ret = plan;
	return 0;
oom:
	fsfreeze_plan_done(&plan);
	return -ENOMEM;
}
