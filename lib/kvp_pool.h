/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to kvp_store: one pool file and its compact in-memory index.
 *
 * The records themselves stay in the file and are read with pread() when
 * an operation needs one; memory holds only, per file record i, two 64-bit
 * hashes (slots[i]) and an open-addressing table from key hash to slot:
 * about 24 bytes a record instead of 2560. ENUMERATE index i is always file
 * record i. Every record read is checked against its slot's hashes, so a
 * record that another program changed, or is writing right now, is never
 * served from a stale index (-ESTALE: the caller re-reads under a lock).
 * Lookups take the lowest matching slot so that duplicates (pool 1 allows
 * them) resolve to the first one, as upstream does.
 */
#ifndef HVGUEST_KVP_POOL_H
#define HVGUEST_KVP_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "hv_abi.h"
#include "kvp_store.h" /* KVP_POOL_MAX_RECORDS */

#define KVP_SLOT_NONE UINT32_MAX

struct kvp_slot {
	uint64_t khash; /* hash of the key; 0: unservable record, never matched */
	uint64_t vhash; /* hash of the value as served, seeded with khash (0 if unservable) */
};

struct kvp_pool {
	char *path;
	int fd;		 /* -1: the file does not exist (read-only stores only) */
	int wd;		 /* inotify watch on the file, -1 if none */
	bool stale;	 /* contents may differ from the index: re-read */
	bool recheck;	 /* the name may point at another inode now: re-open */
	bool over_limit; /* the file holds more than KVP_POOL_MAX_RECORDS */
	bool loaded;	 /* the index was made under the lock at least once */
	bool fd_rdonly;	 /* writable store, but only O_RDONLY could be opened */
	int open_error;	 /* last failure to open the file (-errno), 0 if none */

	/* What the file looked like when the index was last known good. */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;

	struct kvp_slot *slots; /* nrec used, cap allocated */
	size_t nrec, cap;
	uint32_t *table; /* slot numbers of servable records, KVP_SLOT_NONE = empty */
	size_t ntable;	 /* power of two and >= 2 * cap, or 0 */

	uint64_t reloads, reopens, lock_overrides;
};

void kvp_pool_init(struct kvp_pool *p);
void kvp_pool_done(struct kvp_pool *p);

/*
 * Locks: flock() first, then an OFD fcntl lock, retried until timeout_ms
 * (0: one attempt). Returns 0, -ETIMEDOUT or -errno; or 1: not granted in
 * time, but nobody can be writing, so the caller may go ahead without that
 * lock: the kernel granted a read lease (nobody has the file open for
 * writing), or else every holder of the lock that blocks it has the file
 * open read-only (kvp_lock_holders_readonly()). Looked up for exclusive
 * locks, and for shared ones with a timeout; the caller unlocks as usual.
 * p->fd may be a new open file of the same inode afterwards (the lease
 * check closes a writable one); the inotify watch, on the inode, stays.
 */
int kvp_pool_lock(struct kvp_pool *p, bool exclusive, unsigned timeout_ms);
void kvp_pool_unlock(int fd);

/*
 * Re-read the whole file into the index (caller holds a lock), streaming it in chunks of at most 64
 * KiB, at most KVP_POOL_MAX_RECORDS records.
 */
int kvp_pool_load(struct kvp_pool *p);

/*
 * pread() record slot (< nrec) into rec and check it against the index.
 * Returns 0, -ESTALE when the file does not hold what the index says (short
 * read, other hashes), or -errno.
 */
int kvp_pool_read(const struct kvp_pool *p, uint32_t slot, uint8_t rec[KVP_RECORD_SIZE]);

/*
 * Lowest slot whose key is exactly key (klen = strlen(key)): 0 with
 * *ret_slot and rec (its checked bytes) set, -ENOENT, -ESTALE or -errno.
 * Costs one pread() per candidate; a second one only on a 64-bit collision.
 */
int kvp_pool_find(const struct kvp_pool *p, const char *key, size_t klen,
		  uint8_t rec[KVP_RECORD_SIZE], uint32_t *ret_slot);

/*
 * File writes (caller holds the exclusive lock and has a fresh index; rec
 * is the slot's bytes as kvp_pool_find() returned them). Each updates the
 * index only when the file is known to match it; on failure the pool is
 * marked stale so the next operation re-reads the file. kvp_pool_remove()
 * returns -ESTALE, having written nothing, when the last record is not
 * what the index says.
 */
int kvp_pool_write_value(struct kvp_pool *p, uint32_t slot, const uint8_t rec[KVP_RECORD_SIZE],
			 const char *value, size_t vlen);
int kvp_pool_append(struct kvp_pool *p, const char *key, size_t klen, const char *value,
		    size_t vlen);
int kvp_pool_remove(struct kvp_pool *p, uint32_t slot, const uint8_t rec[KVP_RECORD_SIZE]);

#endif
