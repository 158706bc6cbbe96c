/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to kvp_store: one pool file, its in-memory copy and its index.
 *
 * The records are kept exactly as they are in the file (a copy of the
 * whole-record part of it), so ENUMERATE index i is always file record i.
 * A chained hash (buckets[] heads, slots[].next links) maps keys to slots;
 * lookups take the lowest matching slot so that duplicates (pool 1 allows
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

#define KVP_SLOT_NONE UINT32_MAX

struct kvp_slot {
	uint32_t hash;
	uint32_t next; /* next slot in the same bucket, KVP_SLOT_NONE ends */
	bool servable; /* kvp_record_decode() accepts it; only those are hashed */
};

struct kvp_pool {
	char *path;
	int fd;        /* -1: the file does not exist (read-only stores only) */
	int wd;        /* inotify watch on the file, -1 if none */
	bool stale;    /* contents may differ from the copy: re-read */
	bool recheck;  /* the name may point at another inode now: re-open */

	/* What the file looked like when the copy was last known good. */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;

	uint8_t *data; /* nrec records of KVP_RECORD_SIZE bytes */
	struct kvp_slot *slots;
	size_t nrec, cap;
	uint32_t *buckets;
	size_t nbuckets; /* power of two, or 0 */

	uint64_t reloads, reopens;
};

static inline uint8_t *kvp_pool_rec(const struct kvp_pool *p, size_t i)
{
	return p->data + i * KVP_RECORD_SIZE;
}

void kvp_pool_init(struct kvp_pool *p);
void kvp_pool_done(struct kvp_pool *p);

/* Locks: flock() first, then an OFD fcntl lock, retried until timeout_ms. */
int kvp_pool_lock(int fd, bool exclusive, unsigned timeout_ms);
void kvp_pool_unlock(int fd);

/* Re-read the whole file into the copy (caller holds a lock). */
int kvp_pool_load(struct kvp_pool *p);

/* Lowest slot whose key is exactly key (klen = strlen(key)), or KVP_SLOT_NONE. */
uint32_t kvp_pool_find(const struct kvp_pool *p, const char *key, size_t klen);

/*
 * File writes (caller holds the exclusive lock and has a fresh copy). Each
 * updates the copy only when the file is known to match it; on failure the
 * pool is marked stale so the next operation re-reads the file.
 */
int kvp_pool_write_value(struct kvp_pool *p, uint32_t slot, const char *value, size_t vlen);
int kvp_pool_append(struct kvp_pool *p, const char *key, size_t klen, const char *value,
		    size_t vlen);
int kvp_pool_remove(struct kvp_pool *p, uint32_t slot);

#endif
