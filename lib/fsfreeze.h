/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The freeze engine. Two halves:
 *
 * - the plan (fsfreeze_plan.c, pure): from a parsed mount table, a policy
 *   and a function that says which filesystems hold a device's backing
 *   files, decide which mounts are frozen, in which order, and why every
 *   other mount is skipped. Unit-tested on fixture mount tables.
 *
 * - the set (fsfreeze.c): open the chosen mount points, check they are
 *   still the filesystems planned, syncfs them in parallel, FIFREEZE in
 *   order, FITHAW in reverse, and keep the crash-safe state file that
 *   "hypervvssd --thaw" reads.
 *
 * Safety: an empty include list freezes nothing (the default, "*", is
 * everything). The filesystem mounted on "/" is a target only when an
 * include pattern matches "/" itself. Any mount of the root
 * filesystem elsewhere (a bind mount of a directory of it) is skipped
 * otherwise, so an include list naming test mounts can never reach the
 * machine's own root filesystem through a bind mount.
 */
#ifndef HVGUEST_FSFREEZE_H
#define HVGUEST_FSFREEZE_H

#include <stdbool.h>
#include <stddef.h>

#include "mountinfo.h"

struct fsfreeze_policy {
	/* NULL-terminated glob lists (fnmatch(3)); NULL means empty. */
	char *const *include;	 /* mount points; empty: none ("*" is every one) */
	char *const *exclude;	 /* mount points never frozen */
	char *const *skip_types; /* filesystem types never frozen */
};

enum fsfreeze_verdict {
	FSFREEZE_TARGET = 0,
	FSFREEZE_SKIP_EXCLUDED,	    /* matches the exclude list */
	FSFREEZE_SKIP_NOT_INCLUDED, /* the include list does not match */
	FSFREEZE_SKIP_TYPE,	    /* type in the skip list */
	FSFREEZE_SKIP_NO_DEVICE,    /* no block device: pseudo, network, overlay */
	FSFREEZE_SKIP_READ_ONLY,    /* mount or superblock is read-only */
	FSFREEZE_SKIP_HIDDEN,	    /* another mount sits on the same mount point */
	FSFREEZE_SKIP_ROOT_FS,	    /* the root filesystem, which was not included */
	FSFREEZE_SKIP_DUPLICATE,    /* same superblock as target `other` */
	_FSFREEZE_VERDICT_MAX,
};

struct fsfreeze_dev {
	unsigned major, minor;
};

/*
 * Which filesystems hold the backing files of mount m's block device (loop
 * files, also through device-mapper and md slaves): at most max devices
 * into devs, their count in *ret_n. Returning an error or no devices means
 * "no dependency known".
 */
typedef int (*fsfreeze_backing_fn)(void *userdata, const struct mount_entry *m,
				   struct fsfreeze_dev *devs, size_t max, size_t *ret_n);

#define FSFREEZE_NONE ((size_t)-1)

struct fsfreeze_plan {
	size_t n_mounts;
	enum fsfreeze_verdict *verdict; /* per mount of the table */
	size_t *other; /* per mount: DUPLICATE → its target; TARGET → a target it must
			  be frozen before (its loop file lives there), or FSFREEZE_NONE */
	size_t *order; /* table indexes of the targets, in freeze order */
	size_t *level; /* per position of order: its dependency level, 0 first, ascending */
	size_t n_targets, n_levels;
};

/*
 * Returns 0, -ELOOP when the backing dependencies form a cycle (or the
 * root filesystem would have to be frozen before another), or -ENOMEM.
 * backing may be NULL (no dependencies).
 *
 * The targets come in dependency levels, which order lists one after the
 * other: level 0 holds every target nothing has to be frozen before; a
 * target whose filesystem holds the loop file of another is one level after
 * it (after the deepest such). The root filesystem is a level of its own,
 * the last. The targets of one level are frozen at once.
 */
int fsfreeze_plan(const struct mount_table *t, const struct fsfreeze_policy *p,
		  fsfreeze_backing_fn backing, void *userdata, struct fsfreeze_plan *ret);
void fsfreeze_plan_done(struct fsfreeze_plan *p);

/* Short English reason for a verdict, e.g. "read-only". */
const char *fsfreeze_verdict_str(enum fsfreeze_verdict v);

/* The backing function for the live system; userdata is the sysfs root ("/sys"). */
int fsfreeze_backing_sysfs(void *userdata, const struct mount_entry *m, struct fsfreeze_dev *devs,
			   size_t max, size_t *ret_n);

/* ---- the set of frozen (or to be frozen) filesystems ---- */

struct fsfreeze_target {
	char *path;
	unsigned major, minor; /* 0:0 when not to be checked (anonymous devices) */
	size_t level;	       /* dependency level; levels ascend in a set */
	int fd;
	bool frozen; /* by us: thawed by fsfreeze_thaw() */
	int err;     /* internal: the last FIFREEZE/FITHAW's result */
};

struct fsfreeze_pool;

struct fsfreeze_set {
	struct fsfreeze_target *targets; /* in freeze order */
	size_t n;
	/* internal: the threads of a freeze, kept (idle) until its thaw */
	struct fsfreeze_pool *pool;
};

/* Copy the targets of a plan, in order. Returns 0 or -ENOMEM. */
int fsfreeze_set_from_plan(const struct mount_table *t, const struct fsfreeze_plan *p,
			   struct fsfreeze_set *ret);
void fsfreeze_set_done(struct fsfreeze_set *s);

/*
 * Open every mount point and check it is still the filesystem planned
 * (-ESTALE if not). On failure *ret_failed names the target.
 */
int fsfreeze_open(struct fsfreeze_set *s, size_t *ret_failed);

/*
 * syncfs(2) every target, all at once (one thread each), so that each
 * FIFREEZE that follows finds little dirty data. Returns the first error;
 * the caller may go on anyway (the freeze syncs again).
 */
int fsfreeze_sync(struct fsfreeze_set *s);

/*
 * FIFREEZE level after level; the targets of one level all at once (a
 * thread each, at most FSFREEZE_THREADS_MAX, all started before the first
 * FIFREEZE), so that a level takes as long as its slowest freeze. EBUSY
 * (frozen by someone else) counts as success, and such a filesystem is
 * left for its freezer to thaw. On failure the level's other freezes are
 * waited for, everything frozen is thawed in reverse level order,
 * *ret_failed names the (first, in set order) target that failed, and its
 * FIFREEZE error is returned. No I/O but the ioctls; no allocation once
 * the first FIFREEZE is issued. After a success the threads wait, idle,
 * for fsfreeze_thaw() (or fsfreeze_set_done()), so that the thaw starts
 * at once and allocates nothing either.
 */
#define FSFREEZE_THREADS_MAX 16
int fsfreeze_freeze(struct fsfreeze_set *s, size_t *ret_failed);

/*
 * FITHAW in reverse level order, the targets of a level at once, every
 * target marked frozen (all targets when all is true, e.g. from a state
 * file). EINVAL (not frozen) counts as success. Goes on after errors;
 * returns the first (in reverse set order), naming it in *ret_failed.
 */
int fsfreeze_thaw(struct fsfreeze_set *s, bool all, size_t *ret_failed);

bool fsfreeze_any_frozen(const struct fsfreeze_set *s);

/*
 * The state file (DIR/vss-frozen): written (atomically) before the first
 * FIFREEZE, removed after the last FITHAW, read by "hypervvssd --thaw".
 * fsfreeze_state_read returns -ENOENT when there is none.
 */
int fsfreeze_state_write(const char *dir, const struct fsfreeze_set *s);
int fsfreeze_state_read(const char *dir, struct fsfreeze_set *ret);
int fsfreeze_state_remove(const char *dir);

/*
 * Parse a state file's text (pure; for the unit tests). The record keeps no
 * levels: each target read back is a level of its own, so a thaw from it
 * goes one filesystem at a time, in reverse.
 */
int fsfreeze_state_parse(const char *text, size_t len, struct fsfreeze_set *ret);

#endif
