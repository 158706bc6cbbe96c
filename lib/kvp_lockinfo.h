/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who holds a lock on a pool file, from the kernel's lock table
 * (/proc/locks) and each holder's /proc/PID/fdinfo. Used only after a
 * write lock was not granted in time: a holder that cannot write the file
 * cannot be in the middle of a write (docs/pool-store.md, "Locking").
 */
#ifndef HVGUEST_KVP_LOCKINFO_H
#define HVGUEST_KVP_LOCKINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kvp_lock_kind {
	KVP_LOCK_FLOCK,
	KVP_LOCK_POSIX,
	KVP_LOCK_OFD,
	KVP_LOCK_OTHER, /* leases, delegations, ACCESS, UNKNOWN */
};

struct kvp_lock_entry {
	enum kvp_lock_kind kind;
	bool write;   /* WRITE: LOCK_EX or F_WRLCK */
	bool blocked; /* "->": a process waiting for the lock, not a holder */
	int64_t pid;  /* -1 for OFD locks (the kernel records no process) */
	unsigned major, minor;
	uint64_t ino;
	int64_t start, end; /* end = -1: to EOF */
};

/*
 * One line of /proc/locks, or of an fdinfo file's "lock:" line with the
 * "lock:" and the tab removed (same format), without its newline. Pure.
 * Returns 0, or -EINVAL for a line it does not understand (no inode, a
 * format it does not know): callers treat such a lock as unknown.
 */
int kvp_lock_parse_line(const char *line, size_t len, struct kvp_lock_entry *ret);

/*
 * The text of /proc/PID/fdinfo/FD: the file's open flags (octal "flags:"
 * line) and up to max of its "lock:" lines (unparsable ones are skipped).
 * Pure. Returns 0, or -EINVAL when there is no valid flags line.
 */
int kvp_fdinfo_parse(const char *text, size_t len, unsigned *ret_flags,
		     struct kvp_lock_entry *locks, size_t max, size_t *ret_nlocks);

/* Two lines describe the same lock (the lock number is not compared). */
bool kvp_lock_same(const struct kvp_lock_entry *a, const struct kvp_lock_entry *b);

/*
 * After a timeout on fd (our own open file of the pool, excluded from the
 * search): true when the lock table shows at least one conflicting lock of
 * that family (flock, or POSIX/OFD) on the file and every one is held, as
 * /proc shows, by a process with no descriptor of the file open for
 * writing. False when any holder can write, or cannot be identified (not
 * visible to us, too many descriptors to look through): the caller then
 * keeps waiting-and-failing as before.
 */
bool kvp_lock_holders_readonly(int fd, bool flock_family);

#endif
