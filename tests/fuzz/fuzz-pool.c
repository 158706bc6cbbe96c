/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pool loader and store on arbitrary file contents: the input becomes
 * .kvp_pool_1 in a temporary directory (made once, reused), then a store
 * enumerates it, looks keys up, sets one and deletes one. Records are also
 * fed to kvp_record_decode() directly. Any crash, leak or broken invariant
 * (abort) is a bug.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvp_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void remove_dir(void)
{
	char path[128];

	for (unsigned i = 0; i < KVP_POOL_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/" KVP_POOL_FILE_FMT, dir, i);
		unlink(path);
	}
	rmdir(dir);
}

static const char *fuzz_dir(void)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s/fuzz-pool.XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(dir))
			abort();
		atexit(remove_dir);
	}
	return dir;
}

static void decode_all(const uint8_t *data, size_t size)
{
	char k[KVP_KEY_MAX], v[KVP_VALUE_MAX];
	uint8_t rec[KVP_RECORD_SIZE];

	for (size_t off = 0; off + KVP_RECORD_SIZE <= size; off += KVP_RECORD_SIZE)
		if (kvp_record_decode(data + off, k, v) == 0 &&
		    (k[0] == 0 || strlen(k) >= KVP_KEY_MAX || strlen(v) >= KVP_VALUE_MAX))
			abort();
	/* A short input, zero-padded, is one record too. */
	memset(rec, 0, sizeof(rec));
	memcpy(rec, data, size < sizeof(rec) ? size : sizeof(rec));
	(void)kvp_record_decode(rec, k, v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], k[KVP_KEY_MAX], v[KVP_VALUE_MAX], first[KVP_KEY_MAX] = "";
	struct kvp_store *s;
	size_t n = 0;

	decode_all(data, size);

	snprintf(path, sizeof(path), "%s/.kvp_pool_1", fuzz_dir());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);

	if (kvp_store_open(fuzz_dir(), NULL, &s) < 0)
		return 0;
	if (kvp_store_count(s, 1, &n) < 0 || n != size / KVP_RECORD_SIZE)
		abort();
	for (uint32_t i = 0; i <= n; i++) {
		int r = kvp_store_enumerate(s, 1, i, k, v);
		if (i == n ? r != -ENOENT : (r != 0 && r != -EBADMSG))
			abort();
		if (r == 0 && !first[0])
			memcpy(first, k, sizeof(first));
		if (r == 0 && kvp_store_get(s, 1, k, v) != 0)
			abort(); /* every servable key can be looked up */
	}
	(void)kvp_store_get(s, 1, "a", v);
	if (first[0]) {
		if (kvp_store_set(s, 1, first, "fuzz") != 0)
			abort();
		if (kvp_store_get(s, 1, first, v) != 0 || strcmp(v, "fuzz") != 0)
			abort();
	}
	(void)kvp_store_set(s, 1, "new-key", "new-value");
	if (kvp_store_delete(s, 1, first[0] ? first : "new-key") != 0)
		abort();
	struct stat st;
	if (stat(path, &st) < 0 || st.st_size % KVP_RECORD_SIZE != 0)
		abort(); /* the append replaced any partial tail */
	kvp_store_free(s);
	return 0;
}
