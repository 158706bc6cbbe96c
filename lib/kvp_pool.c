/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One pool file: locking, loading, the in-memory index and the three kinds
 * of write (value in place, append, remove). See docs/pool-store.md for the
 * crash-safety argument behind each write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kvp_pool.h"
#include "macro.h"

void kvp_pool_init(struct kvp_pool *p)
{
	*p = (struct kvp_pool){ .fd = -1, .wd = -1, .stale = true };
}

void kvp_pool_done(struct kvp_pool *p)
{
	safe_close(p->fd);
	free(p->path);
	free(p->data);
	free(p->slots);
	free(p->buckets);
	kvp_pool_init(p);
}

static uint64_t now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void sleep_usec(unsigned us)
{
	struct timespec ts = { .tv_sec = us / 1000000u, .tv_nsec = (long)(us % 1000000u) * 1000 };
	nanosleep(&ts, NULL);
}

/*
 * Non-blocking attempts with a growing pause rather than F_SETLKW or a
 * blocking flock(): a lock held by a stuck program must not keep the daemon
 * from answering the kernel, which gives up after 30 s.
 */
int kvp_pool_lock(int fd, bool exclusive, unsigned timeout_ms)
{
	uint64_t deadline = now_usec() + (uint64_t)timeout_ms * 1000u;
	unsigned pause = 50;

	for (;;) {
		if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -errno;
		if (now_usec() >= deadline)
			return -ETIMEDOUT;
		sleep_usec(pause);
		pause = MIN(pause * 2, 10000u);
	}

	/* Conflicts with upstream's classic fcntl(F_SETLKW, F_WRLCK) locks too. */
	struct flock fl = {
		.l_type = exclusive ? F_WRLCK : F_RDLCK,
		.l_whence = SEEK_SET,
	};
	for (;;) {
		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EINVAL)
			return 0; /* no OFD locks (pre-3.15 kernel): flock alone */
		if (errno != EAGAIN && errno != EACCES) {
			int r = -errno;
			flock(fd, LOCK_UN);
			return r;
		}
		if (now_usec() >= deadline) {
			flock(fd, LOCK_UN);
			return -ETIMEDOUT;
		}
		sleep_usec(pause);
		pause = MIN(pause * 2, 10000u);
	}
}

void kvp_pool_unlock(int fd)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET };
	int saved = errno;

	(void)fcntl(fd, F_OFD_SETLK, &fl);
	(void)flock(fd, LOCK_UN);
	errno = saved;
}

/* FNV-1a: keys are short and mostly distinct; chains stay short. */
static uint32_t key_hash(const void *key, size_t len)
{
	const uint8_t *k = key;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= k[i];
		h *= 16777619u;
	}
	return h;
}

/* The key length of a servable record, or 0 (empty key, or no NUL in 512 bytes). */
static size_t rec_key_len(const uint8_t *rec)
{
	size_t kl = strnlen((const char *)rec, KVP_KEY_MAX);
	return kl == KVP_KEY_MAX ? 0 : kl;
}

static void slot_fill(struct kvp_pool *p, size_t i)
{
	const uint8_t *rec = kvp_pool_rec(p, i);
	size_t kl = rec_key_len(rec);

	p->slots[i] = (struct kvp_slot){
		.hash = kl ? key_hash(rec, kl) : 0,
		.next = KVP_SLOT_NONE,
		.servable = kl > 0,
	};
}

static void index_insert(struct kvp_pool *p, uint32_t i)
{
	if (!p->slots[i].servable)
		return;
	uint32_t *head = &p->buckets[p->slots[i].hash & (p->nbuckets - 1)];
	p->slots[i].next = *head;
	*head = i;
}

static void index_remove(struct kvp_pool *p, uint32_t i)
{
	if (!p->slots[i].servable)
		return;
	for (uint32_t *link = &p->buckets[p->slots[i].hash & (p->nbuckets - 1)];
	     *link != KVP_SLOT_NONE; link = &p->slots[*link].next)
		if (*link == i) {
			*link = p->slots[i].next;
			return;
		}
}

/* Rebuild the buckets for at least 2*cap entries; on ENOMEM keep the old ones. */
static int index_rebuild(struct kvp_pool *p, size_t cap)
{
	size_t nb = 32;
	while (nb < 2 * cap)
		nb *= 2;
	if (nb != p->nbuckets) {
		uint32_t *b = malloc(nb * sizeof(*b));
		if (!b)
			return -ENOMEM;
		free(p->buckets);
		p->buckets = b;
		p->nbuckets = nb;
	}
	memset(p->buckets, 0xff, p->nbuckets * sizeof(*p->buckets));
	for (size_t i = 0; i < p->nrec; i++)
		index_insert(p, (uint32_t)i);
	return 0;
}

static int reserve(struct kvp_pool *p, size_t n)
{
	if (n >= KVP_SLOT_NONE)
		return -EFBIG;
	if (n <= p->cap && p->nbuckets >= 2 * n)
		return 0;
	if (n > p->cap) {
		size_t cap = MAX(MAX((size_t)16, p->cap * 2), n);
		uint8_t *d = realloc(p->data, cap * KVP_RECORD_SIZE);
		if (!d)
			return -ENOMEM;
		p->data = d;
		struct kvp_slot *s = realloc(p->slots, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		p->slots = s;
		p->cap = cap;
	}
	return index_rebuild(p, p->cap);
}

uint32_t kvp_pool_find(const struct kvp_pool *p, const char *key, size_t klen)
{
	uint32_t best = KVP_SLOT_NONE;

	if (!p->nbuckets)
		return best;
	uint32_t h = key_hash(key, klen);
	/* The whole chain is walked: with duplicates the lowest slot wins. */
	for (uint32_t i = p->buckets[h & (p->nbuckets - 1)]; i != KVP_SLOT_NONE;
	     i = p->slots[i].next)
		if (i < best && p->slots[i].hash == h &&
		    memcmp(kvp_pool_rec(p, i), key, klen + 1) == 0)
			best = i;
	return best;
}

int kvp_pool_load(struct kvp_pool *p)
{
	struct stat st = { 0 };
	size_t n = 0, got = 0;

	if (p->fd >= 0) {
		if (fstat(p->fd, &st) < 0)
			return -errno;
		n = (size_t)st.st_size / KVP_RECORD_SIZE;
		if (n >= KVP_SLOT_NONE)
			return -EFBIG; /* slot numbers are 32-bit (11 TB of records) */
	}

	struct kvp_pool fresh = { .cap = MAX(n, (size_t)16) };
	_cleanup_free_ uint8_t *data = malloc(fresh.cap * KVP_RECORD_SIZE);
	_cleanup_free_ struct kvp_slot *slots = malloc(fresh.cap * sizeof(*slots));
	if (!data || !slots)
		return -ENOMEM;

	while (got < n * KVP_RECORD_SIZE) {
		ssize_t k = pread(p->fd, data + got, n * KVP_RECORD_SIZE - got, (off_t)got);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break; /* shrunk by someone ignoring the lock: next check re-reads */
		got += (size_t)k;
	}

	fresh.data = data;
	fresh.slots = slots;
	fresh.nrec = got / KVP_RECORD_SIZE;
	for (size_t i = 0; i < fresh.nrec; i++)
		slot_fill(&fresh, i);
	int r = index_rebuild(&fresh, fresh.cap);
	if (r < 0)
		return r;

	free(p->data);
	free(p->slots);
	free(p->buckets);
	p->data = TAKE_PTR(data);
	p->slots = TAKE_PTR(slots);
	p->buckets = fresh.buckets;
	p->nbuckets = fresh.nbuckets;
	p->nrec = fresh.nrec;
	p->cap = fresh.cap;
	p->dev = st.st_dev;
	p->ino = st.st_ino;
	p->size = st.st_size;
	p->mtime = st.st_mtim;
	p->ctime = st.st_ctim;
	p->stale = false;
	p->reloads++;
	return 0;
}

static int full_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *b = buf;

	while (len > 0) {
		ssize_t k = pwrite(fd, b, len, off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EIO;
		b += k;
		len -= (size_t)k;
		off += k;
	}
	return 0;
}

/* Bytes of a field that readers see: up to and including the NUL. */
static size_t visible_len(const uint8_t *field, size_t size)
{
	return MIN(strnlen((const char *)field, size) + 1, size);
}

/*
 * Overwrite [off, off+len) (at most one page long). A process killed in
 * the middle of a write can be cut only at a page boundary: the kernel
 * copies page by page and checks for a fatal signal in between. When the
 * range crosses one at x, the order of the two parts decides what a crash
 * leaves: old_end and new_end are where what readers see of the old and
 * the new bytes ends. One pwrite copies head first, which is safe when the
 * new visible part fits in the head; tail first is safe when the old one
 * does. Returns 1 when neither is, and writes nothing: the caller decides.
 */
static int ordered_pwrite(int fd, const uint8_t *buf, size_t len, off_t off, size_t old_end,
			  size_t new_end)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t x = page - (size_t)off % page;

	if (x >= len || new_end <= x)
		return full_pwrite(fd, buf, len, off);
	if (old_end > x)
		return 1;
	int r = full_pwrite(fd, buf + x, len - x, off + (off_t)x);
	return r < 0 ? r : full_pwrite(fd, buf, x, off);
}

int kvp_pool_write_value(struct kvp_pool *p, uint32_t slot, const char *value, size_t vlen)
{
	uint8_t buf[KVP_VALUE_MAX] = { 0 };
	uint8_t *field = kvp_pool_rec(p, slot) + KVP_KEY_MAX;
	off_t off = (off_t)slot * KVP_RECORD_SIZE + KVP_KEY_MAX;

	memcpy(buf, value, vlen);
	int r = ordered_pwrite(p->fd, buf, sizeof(buf), off, visible_len(field, KVP_VALUE_MAX),
			       vlen + 1);
	if (r == 1)
		/* Old and new values both cross the page: no order is crash-proof. */
		r = full_pwrite(p->fd, buf, sizeof(buf), off);
	if (r < 0) {
		p->stale = true; /* the value field may now be half old, half new */
		return r;
	}
	memcpy(field, buf, sizeof(buf));
	return 0;
}

int kvp_pool_append(struct kvp_pool *p, const char *key, size_t klen, const char *value,
		    size_t vlen)
{
	int r = reserve(p, p->nrec + 1);
	if (r < 0)
		return r;

	uint8_t *rec = kvp_pool_rec(p, p->nrec);
	memset(rec, 0, KVP_RECORD_SIZE);
	memcpy(rec, key, klen);
	memcpy(rec + KVP_KEY_MAX, value, vlen);

	/*
	 * At the whole-record boundary, not at the end of the file: a torn
	 * append left by a crash (a partial tail) is overwritten, not followed.
	 */
	off_t off = (off_t)p->nrec * KVP_RECORD_SIZE;
	r = full_pwrite(p->fd, rec, KVP_RECORD_SIZE, off);
	if (r < 0) {
		/* Drop our partial record so the file ends on a boundary again. */
		(void)ftruncate(p->fd, off);
		p->stale = true;
		return r;
	}
	slot_fill(p, p->nrec);
	index_insert(p, (uint32_t)p->nrec);
	p->nrec++;
	p->size = off + KVP_RECORD_SIZE;
	return 0;
}

static size_t record_visible_len(const uint8_t *rec)
{
	return KVP_KEY_MAX + visible_len(rec + KVP_KEY_MAX, KVP_VALUE_MAX);
}

/* Overwrite record to with record from (both in the copy too, later). */
static int copy_record(struct kvp_pool *p, uint32_t from, uint32_t to)
{
	const uint8_t *src = kvp_pool_rec(p, from);
	off_t off = (off_t)to * KVP_RECORD_SIZE;
	int r = ordered_pwrite(p->fd, src, KVP_RECORD_SIZE, off,
			       record_visible_len(kvp_pool_rec(p, to)),
			       record_visible_len(src));
	if (r != 1)
		return r;

	/*
	 * Neither order is safe (e.g. the key and value fields on different
	 * pages): empty the key first, so that until the last byte lands the
	 * record being deleted reads as an unservable record, never as a mix.
	 */
	static const uint8_t nul = 0;
	r = full_pwrite(p->fd, &nul, 1, off);
	if (r >= 0)
		r = full_pwrite(p->fd, src + 1, KVP_RECORD_SIZE - 1, off + 1);
	if (r >= 0)
		r = full_pwrite(p->fd, src, 1, off);
	return r;
}

int kvp_pool_remove(struct kvp_pool *p, uint32_t slot)
{
	uint32_t last = (uint32_t)p->nrec - 1;
	off_t newsize = (off_t)last * KVP_RECORD_SIZE;
	int r;

	/*
	 * Fill the hole with the last record, then cut the last one off: a
	 * crash in between leaves that record twice, never a torn file.
	 */
	if (slot != last) {
		r = copy_record(p, last, slot);
		if (r < 0) {
			p->stale = true;
			return r;
		}
	}
	if (ftruncate(p->fd, newsize) < 0) {
		r = -errno;
		p->stale = true;
		return r;
	}

	index_remove(p, slot);
	if (slot != last) {
		index_remove(p, last);
		memcpy(kvp_pool_rec(p, slot), kvp_pool_rec(p, last), KVP_RECORD_SIZE);
		p->slots[slot] = p->slots[last];
		index_insert(p, slot);
	}
	p->nrec--;
	p->size = newsize;
	return 0;
}
