/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The five KVP pool files (.kvp_pool_0 … _4) in the on-disk format shared
 * with upstream's daemon, cloud-init, azure-init and hv-kvp: a flat array
 * of 2560-byte records (512-byte key, 2048-byte value, NUL-padded UTF-8).
 *
 * An in-memory index makes every operation O(1) amortised; the file is
 * re-read only when another program changed it. Writers take both flock()
 * and an fcntl OFD lock; readers take shared locks.
 */
#ifndef HVGUEST_KVP_STORE_H
#define HVGUEST_KVP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv_abi.h"

#define KVP_POOL_FILE_FMT ".kvp_pool_%u"

/*
 * The most records a pool serves (160 MiB of file): far above real use
 * (cloud-init writes a few hundred a boot; the host walks ENUMERATE one
 * round trip per record), small enough that loading one never keeps the
 * event loop for long. Records past it are not served, and the pool is
 * not written (-EFBIG), since an append or a delete would land inside it.
 */
#define KVP_POOL_MAX_RECORDS 65536u

struct kvp_store;

struct kvp_store_options {
	unsigned file_mode; /* mode of pool files we create (0644 default) */
	bool sync;	    /* fdatasync after each write */
	bool read_only;	    /* open O_RDONLY, never create (hv-kvp list/get) */
};

/*
 * Open (creating the directory 0755 and missing files with file_mode, never
 * writing to an existing one) the five pools in dir. Returns 0 or -errno.
 * A pool whose file cannot be opened does not fail the store: its
 * operations answer the error and try again each time (the error is in
 * kvp_store_get_stats()). Pool files are never followed through a
 * symlink (-ELOOP); the directory is made again if it is deleted.
 */
int kvp_store_open(const char *dir, const struct kvp_store_options *opts, struct kvp_store **ret);
struct kvp_store *kvp_store_free(struct kvp_store *s);

/*
 * All take pool < KVP_POOL_COUNT and NUL-terminated key (< 512 bytes) and
 * value (< 2048 bytes). Return 0, -ENOENT (no such key / index past the
 * end), -EINVAL (bad pool or size), or another -errno (I/O, lock).
 * Outputs are written only on success.
 */
int kvp_store_get(struct kvp_store *s, unsigned pool, const char *key,
		  char ret_value[KVP_VALUE_MAX]);
int kvp_store_set(struct kvp_store *s, unsigned pool, const char *key, const char *value);
int kvp_store_delete(struct kvp_store *s, unsigned pool, const char *key);
int kvp_store_enumerate(struct kvp_store *s, unsigned pool, uint32_t index,
			char ret_key[KVP_KEY_MAX], char ret_value[KVP_VALUE_MAX]);
int kvp_store_count(struct kvp_store *s, unsigned pool, size_t *ret_count);

/*
 * Pool-file decoding, pure (no I/O), for the loader and its fuzzer: decode
 * one 2560-byte record into NUL-terminated key and value. Returns 0, or
 * -EINVAL for a record that cannot be served (e.g. empty key).
 */
int kvp_record_decode(const uint8_t rec[KVP_RECORD_SIZE], char ret_key[KVP_KEY_MAX],
		      char ret_value[KVP_VALUE_MAX]);

/*
 * Additions (hv-kvp and tests). kvp_store_open_file() opens one pool file
 * by path (created with file_mode unless read_only; its directory is not
 * created) and serves it as pool 0; the other pool numbers give -EINVAL.
 */
int kvp_store_open_file(const char *path, const struct kvp_store_options *opts,
			struct kvp_store **ret);

/* How long a lock attempt waits before -ETIMEDOUT (default 2000 ms). */
void kvp_store_set_lock_timeout(struct kvp_store *s, unsigned timeout_ms);

/* Detect changes by stat() alone from now on (tests of the fallback path). */
void kvp_store_disable_inotify(struct kvp_store *s);

struct kvp_store_stats {
	uint64_t reloads; /* whole-file re-reads, the initial one included */
	uint64_t reopens; /* the name pointed at a new file and it was re-opened */
	size_t records;	  /* records in the in-memory copy (ENUMERATE's count) */
	bool inotify;	  /* changes are noticed by inotify, not by stat() */
	/* Writes made without a lock whose every holder had the file read-only. */
	uint64_t lock_overrides;
	int open_error;	 /* the pool's file could not be opened: -errno (0: it was) */
	bool over_limit; /* more than KVP_POOL_MAX_RECORDS: the rest unserved, no writes */
};
int kvp_store_get_stats(struct kvp_store *s, unsigned pool, struct kvp_store_stats *ret);

/*
 * For an event loop: the inotify fd (-1 when changes are found by stat()).
 * A caller that polls it at a higher priority than the channel, and calls
 * kvp_store_process_events() whenever it is readable, may turn on
 * trust_events: GET and ENUMERATE then make no system call at all while
 * nothing changed. Writes look at the events under their lock regardless.
 */
int kvp_store_event_fd(struct kvp_store *s);
void kvp_store_process_events(struct kvp_store *s);
void kvp_store_set_trust_events(struct kvp_store *s, bool on);

#endif
