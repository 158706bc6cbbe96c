/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One pool file: locking, loading the index, checked record reads and the
 * three kinds of write (value in place, append, remove). See
 * docs/pool-store.md for the crash-safety argument behind each write and
 * for why unlocked reads are safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kvp_lockinfo.h"
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
	free(p->slots);
	free(p->table);
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

/* The flags open_pool_fd() in kvp_store.c uses, less the access mode. */
#define POOL_OPEN_FLAGS (O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW)

static bool same_file(int a, int b)
{
	struct stat sa, sb;
	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/*
 * Is anyone at all able to write the file right now? The kernel grants a
 * read lease (F_SETLEASE, F_RDLCK) only while no open file of the inode
 * has write access (fs/locks.c, check_conflicting_open(): i_writecount,
 * which a shared writable mapping keeps up after its descriptor is
 * closed too), and only to the file's owner or to CAP_LEASE: the daemon
 * is uid 0, which owns the pools, and needs no capability and no /proc
 * beyond its own. Our own descriptor counts, so a writable one is closed
 * first and the file opened again afterwards (through /proc/self/fd, so
 * the same inode, else by name with the inode compared): the locks taken
 * through it are gone then (*ret_reopened). The lease is released at once.
 *
 * Returns 1: nobody could write (granted); 0: somebody could (EAGAIN), or
 * the name now leads to another file; -errno: no lease here (not the
 * owner, leases-enable 0, a filesystem without leases). If the file could
 * not be opened for writing again, p->fd is the read-only one and
 * p->fd_rdonly is set, so the next write re-opens it, and 0 is returned.
 */
static int pool_nobody_writes(struct kvp_pool *p, bool *ret_reopened)
{
	int fl = fcntl(p->fd, F_GETFL);
	if (fl < 0)
		return -errno;
	_cleanup_close_ int rfd = open(p->path, O_RDONLY | POOL_OPEN_FLAGS);
	if (rfd < 0)
		return -errno;
	if (!same_file(rfd, p->fd))
		return 0;
	/*
	 * A writer opening the file while we hold the lease waits for us to
	 * release it (microseconds), and the kernel signals us: SIGIO would
	 * kill us, SIGURG is ignored unless a program asks for it.
	 */
	if (fcntl(rfd, F_SETSIG, SIGURG) < 0)
		return -errno;
	if ((fl & O_ACCMODE) != O_RDONLY) {
		p->fd = safe_close(p->fd);
		*ret_reopened = true;
	}
	int r = fcntl(rfd, F_SETLEASE, F_RDLCK) == 0 ? 1 : errno == EAGAIN ? 0 : -errno;
	if (r > 0)
		(void)fcntl(rfd, F_SETLEASE, F_UNLCK);
	if (!*ret_reopened)
		return r;

	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", rfd);
	int wfd = open(proc, (fl & O_ACCMODE) | (POOL_OPEN_FLAGS & ~O_NOFOLLOW));
	if (wfd < 0)
		wfd = open(p->path, (fl & O_ACCMODE) | POOL_OPEN_FLAGS);
	if (wfd >= 0 && !same_file(wfd, rfd))
		wfd = safe_close(wfd);
	if (wfd < 0) {
		p->fd = TAKE_FD(rfd);
		p->fd_rdonly = true;
		return 0;
	}
	p->fd = wfd;
	return r;
}

/*
 * After a lock timeout: may the caller go ahead without that lock? Yes if
 * nobody can write the file (a read lease, above), or else if every holder
 * of the conflicting locks has it open read-only (/proc, which the shipped
 * unit hides, but which hv-kvp run by root sees: there the daemon's own
 * writable descriptors always refuse the lease).
 */
static bool pool_no_writer(struct kvp_pool *p, bool flock_family, bool *ret_reopened)
{
	if (pool_nobody_writes(p, ret_reopened) > 0)
		return true;
	if (*ret_reopened && p->fd_rdonly)
		return false; /* could not open it for writing again */
	return kvp_lock_holders_readonly(p->fd, flock_family);
}

/*
 * Non-blocking attempts with a growing pause rather than F_SETLKW or a
 * blocking flock(): a lock held by a stuck program must not keep the daemon
 * from answering the kernel, which gives up after 30 s. When an exclusive
 * lock is not granted in time (and only then) the store asks whether
 * anyone could be in the middle of a write (pool_no_writer()); if not, the
 * caller goes ahead without that lock (1). Readers that wait
 * (timeout_ms > 0) do the same: then nobody is writing.
 */
int kvp_pool_lock(struct kvp_pool *p, bool exclusive, unsigned timeout_ms)
{
	uint64_t deadline = now_usec() + (uint64_t)timeout_ms * 1000u;
	/* Not for a reader's single attempt: that one falls back on its index. */
	bool inspect = exclusive || timeout_ms > 0;
	int how = exclusive ? LOCK_EX : LOCK_SH;
	unsigned pause = 50;
	int ret = 0;

	for (;;) {
		if (flock(p->fd, how | LOCK_NB) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -errno;
		if (now_usec() >= deadline) {
			bool reopened = false;
			if (!inspect || !pool_no_writer(p, true, &reopened))
				return -ETIMEDOUT;
			ret = 1; /* go on without the flock: nobody writes */
			break;
		}
		sleep_usec(pause);
		pause = MIN(pause * 2, 10000u);
	}

	/* Conflicts with upstream's classic fcntl(F_SETLKW, F_WRLCK) locks too. */
	struct flock fl = {
		.l_type = exclusive ? F_WRLCK : F_RDLCK,
		.l_whence = SEEK_SET,
	};
	for (;;) {
		if (fcntl(p->fd, F_OFD_SETLK, &fl) == 0)
			return ret;
		if (errno == EINTR)
			continue;
		if (errno == EINVAL)
			return ret; /* no OFD locks (pre-3.15 kernel): flock alone */
		if (errno != EAGAIN && errno != EACCES) {
			int r = -errno;
			flock(p->fd, LOCK_UN);
			return r;
		}
		if (now_usec() >= deadline) {
			bool reopened = false;
			bool go = inspect && pool_no_writer(p, false, &reopened);
			/*
			 * Our flock went with the descriptor the lease check
			 * closed: take it again, or give up if somebody took
			 * it in between (a writer that opened after the check).
			 */
			if (go && reopened && ret == 0 && flock(p->fd, how | LOCK_NB) < 0)
				go = false;
			if (go)
				return 1;
			if (p->fd >= 0)
				flock(p->fd, LOCK_UN);
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

/*
 * 64-bit hash, eight bytes a step, with a final avalanche: the index keeps
 * only hashes, so they must be wide enough that a collision is a rarity
 * (kvp_pool_find() still confirms the key bytes). Keys come from the host
 * and from local root-owned writers, not from an untrusted network.
 */
static uint64_t hash_bytes(const uint8_t *b, size_t n, uint64_t seed)
{
	uint64_t h = seed ^ ((uint64_t)n * 0x9e3779b97f4a7c15u);
	uint64_t w;

	for (; n >= 8; b += 8, n -= 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9u;
		h ^= h >> 29;
	}
	if (n) {
		w = 0;
		memcpy(&w, b, n);
		h = (h ^ w) * 0x94d049bb133111ebu;
		h ^= h >> 29;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53u;
	h ^= h >> 33;
	return h;
}

static uint64_t key_hash(const void *key, size_t len)
{
	uint64_t h = hash_bytes(key, len, 0x6b76705f6b6579u);
	return h ? h : 1; /* 0 marks an unservable record */
}

/* The hashes of a record, over exactly what kvp_record_decode() serves. */
static struct kvp_slot rec_hashes(const uint8_t *rec)
{
	size_t kl = strnlen((const char *)rec, KVP_KEY_MAX);

	if (kl == 0 || kl == KVP_KEY_MAX)
		return (struct kvp_slot){ 0, 0 };
	uint64_t kh = key_hash(rec, kl);
	size_t vl = strnlen((const char *)rec + KVP_KEY_MAX, KVP_VALUE_MAX - 1);
	return (struct kvp_slot){ kh, hash_bytes(rec + KVP_KEY_MAX, vl, kh) };
}

/* ---- open addressing, linear probing, deletion by backward shift ---- */

static void table_insert(struct kvp_pool *p, uint32_t slot)
{
	size_t mask = p->ntable - 1, i;

	if (!p->slots[slot].khash)
		return;
	for (i = p->slots[slot].khash & mask; p->table[i] != KVP_SLOT_NONE; i = (i + 1) & mask)
		;
	p->table[i] = slot;
}

/* Where slot's entry is (slot must be servable and in the table). */
static size_t table_pos(const struct kvp_pool *p, uint32_t slot)
{
	size_t mask = p->ntable - 1, i;

	for (i = p->slots[slot].khash & mask; p->table[i] != slot; i = (i + 1) & mask)
		;
	return i;
}

static void table_remove(struct kvp_pool *p, uint32_t slot)
{
	size_t mask = p->ntable - 1;

	if (!p->slots[slot].khash)
		return;
	size_t hole = table_pos(p, slot);
	/* Pull later entries of the run back, so that no probe meets a gap early. */
	for (size_t j = (hole + 1) & mask; p->table[j] != KVP_SLOT_NONE; j = (j + 1) & mask) {
		size_t home = p->slots[p->table[j]].khash & mask;
		if (((j - home) & mask) >= ((j - hole) & mask)) {
			p->table[hole] = p->table[j];
			hole = j;
		}
	}
	p->table[hole] = KVP_SLOT_NONE;
}

/* A table for at least 2*cap entries, filled from slots[0..nrec). */
static int table_rebuild(struct kvp_pool *p, size_t cap)
{
	size_t nt = 32;

	while (nt < 2 * cap)
		nt *= 2;
	if (nt != p->ntable) {
		uint32_t *t = malloc(nt * sizeof(*t));
		if (!t)
			return -ENOMEM;
		free(p->table);
		p->table = t;
		p->ntable = nt;
	}
	memset(p->table, 0xff, p->ntable * sizeof(*p->table));
	for (size_t i = 0; i < p->nrec; i++)
		table_insert(p, (uint32_t)i);
	return 0;
}

static int reserve(struct kvp_pool *p, size_t n)
{
	if (n >= KVP_SLOT_NONE)
		return -EFBIG;
	if (n <= p->cap && p->ntable >= 2 * n)
		return 0;
	if (n > p->cap) {
		size_t cap = MAX(MAX((size_t)16, p->cap * 2), n);
		struct kvp_slot *s = realloc(p->slots, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		p->slots = s;
		p->cap = cap;
	}
	return table_rebuild(p, p->cap);
}

int kvp_pool_read(const struct kvp_pool *p, uint32_t slot, uint8_t rec[KVP_RECORD_SIZE])
{
	ssize_t k;

	if (p->fd < 0 || slot >= p->nrec)
		return -ESTALE;
	do
		k = pread(p->fd, rec, KVP_RECORD_SIZE, (off_t)slot * KVP_RECORD_SIZE);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return -errno;
	/* Short: cut by a truncate (upstream's rewrite begins with one). */
	if (k != KVP_RECORD_SIZE)
		return -ESTALE;
	/* Other bytes: changed since the index was made, or being written now. */
	struct kvp_slot h = rec_hashes(rec);
	if (h.khash != p->slots[slot].khash || h.vhash != p->slots[slot].vhash)
		return -ESTALE;
	return 0;
}

int kvp_pool_find(const struct kvp_pool *p, const char *key, size_t klen,
		  uint8_t rec[KVP_RECORD_SIZE], uint32_t *ret_slot)
{
	uint32_t floor = 0;

	if (!p->ntable)
		return -ENOENT;
	uint64_t h = key_hash(key, klen);
	size_t mask = p->ntable - 1;
	for (;;) {
		/* The whole run is walked: with duplicates the lowest slot wins. */
		uint32_t best = KVP_SLOT_NONE;
		for (size_t i = h & mask; p->table[i] != KVP_SLOT_NONE; i = (i + 1) & mask) {
			uint32_t s = p->table[i];
			if (s >= floor && s < best && p->slots[s].khash == h)
				best = s;
		}
		if (best == KVP_SLOT_NONE)
			return -ENOENT;
		int r = kvp_pool_read(p, best, rec);
		if (r < 0)
			return r;
		if (memcmp(rec, key, klen + 1) == 0) {
			*ret_slot = best;
			return 0;
		}
		floor = best + 1; /* another key with the same hash: next candidate */
	}
}

/* Records per read while loading: 25 * 2560 = 64000 bytes. */
#define LOAD_CHUNK (65536 / KVP_RECORD_SIZE)

int kvp_pool_load(struct kvp_pool *p)
{
	struct stat st = { 0 };
	size_t n = 0, got = 0;

	if (p->fd >= 0) {
		if (fstat(p->fd, &st) < 0)
			return -errno;
		n = (size_t)st.st_size / KVP_RECORD_SIZE;
	}
	/* A huge (or sparse) file: served up to the limit, never read further. */
	bool over = n > KVP_POOL_MAX_RECORDS;
	n = MIN(n, (size_t)KVP_POOL_MAX_RECORDS);

	struct kvp_pool fresh = { .cap = MAX(n, (size_t)16) };
	_cleanup_free_ struct kvp_slot *slots = malloc(fresh.cap * sizeof(*slots));
	_cleanup_free_ uint8_t *buf = n ? malloc(LOAD_CHUNK * KVP_RECORD_SIZE) : NULL;
	if (!slots || (n && !buf))
		return -ENOMEM;

	/* Never the whole file in memory: a chunk at a time, keeping the hashes. */
	while (got < n) {
		size_t want = MIN(n - got, (size_t)LOAD_CHUNK) * KVP_RECORD_SIZE, have = 0;
		while (have < want) {
			ssize_t k = pread(p->fd, buf + have, want - have,
					  (off_t)(got * KVP_RECORD_SIZE + have));
			if (k < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (k == 0)
				break; /* shrunk by someone ignoring the lock: next check re-reads
					*/
			have += (size_t)k;
		}
		for (size_t i = 0; i < have / KVP_RECORD_SIZE; i++)
			slots[got + i] = rec_hashes(buf + i * KVP_RECORD_SIZE);
		got += have / KVP_RECORD_SIZE;
		if (have < want)
			break;
	}

	fresh.slots = slots;
	fresh.nrec = got;
	int r = table_rebuild(&fresh, fresh.cap);
	if (r < 0)
		return r;

	free(p->slots);
	free(p->table);
	p->slots = TAKE_PTR(slots);
	p->table = fresh.table;
	p->ntable = fresh.ntable;
	p->nrec = fresh.nrec;
	p->cap = fresh.cap;
	p->dev = st.st_dev;
	p->ino = st.st_ino;
	p->size = st.st_size;
	p->mtime = st.st_mtim;
	p->ctime = st.st_ctim;
	p->stale = false;
	p->over_limit = over;
	p->loaded = true;
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

int kvp_pool_write_value(struct kvp_pool *p, uint32_t slot, const uint8_t rec[KVP_RECORD_SIZE],
			 const char *value, size_t vlen)
{
	uint8_t buf[KVP_VALUE_MAX] = { 0 };
	off_t off = (off_t)slot * KVP_RECORD_SIZE + KVP_KEY_MAX;

	memcpy(buf, value, vlen);
	int r = ordered_pwrite(p->fd, buf, sizeof(buf), off,
			       visible_len(rec + KVP_KEY_MAX, KVP_VALUE_MAX), vlen + 1);
	if (r == 1)
		/* Old and new values both cross the page: no order is crash-proof. */
		r = full_pwrite(p->fd, buf, sizeof(buf), off);
	if (r < 0) {
		p->stale = true; /* the value field may now be half old, half new */
		return r;
	}
	p->slots[slot].vhash =
		hash_bytes(buf, MIN(vlen, (size_t)KVP_VALUE_MAX - 1), p->slots[slot].khash);
	return 0;
}

int kvp_pool_append(struct kvp_pool *p, const char *key, size_t klen, const char *value,
		    size_t vlen)
{
	uint8_t rec[KVP_RECORD_SIZE] = { 0 };
	if (p->nrec >= KVP_POOL_MAX_RECORDS)
		return -EFBIG;
	int r = reserve(p, p->nrec + 1);
	if (r < 0)
		return r;

	memcpy(rec, key, klen);
	memcpy(rec + KVP_KEY_MAX, value, vlen);

	/*
	 * At the whole-record boundary, not at the end of the file: a torn
	 * append left by a crash (a partial tail) is overwritten, not followed.
	 */
	off_t off = (off_t)p->nrec * KVP_RECORD_SIZE;
	r = full_pwrite(p->fd, rec, KVP_RECORD_SIZE, off);
	if (r < 0) {
		/*
		 * Drop our partial record so the file ends on a boundary again.
		 * If even that fails, readers ignore a partial tail and the next
		 * append overwrites it; the write's error is the one to report.
		 */
		if (ftruncate(p->fd, off) < 0) {
			/* nothing more to do: see above */
		}
		p->stale = true;
		return r;
	}
	p->slots[p->nrec] = rec_hashes(rec);
	table_insert(p, (uint32_t)p->nrec);
	p->nrec++;
	p->size = off + KVP_RECORD_SIZE;
	return 0;
}

static size_t record_visible_len(const uint8_t *rec)
{
	return KVP_KEY_MAX + visible_len(rec + KVP_KEY_MAX, KVP_VALUE_MAX);
}

/* Overwrite record slot (whose bytes are now old) with src. */
static int copy_record(struct kvp_pool *p, const uint8_t *src, const uint8_t *old, uint32_t to)
{
	off_t off = (off_t)to * KVP_RECORD_SIZE;
	int r = ordered_pwrite(p->fd, src, KVP_RECORD_SIZE, off, record_visible_len(old),
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

int kvp_pool_remove(struct kvp_pool *p, uint32_t slot, const uint8_t rec[KVP_RECORD_SIZE])
{
	uint8_t last_rec[KVP_RECORD_SIZE];
	uint32_t last = (uint32_t)p->nrec - 1;
	off_t newsize = (off_t)last * KVP_RECORD_SIZE;
	int r;

	/*
	 * Fill the hole with the last record, then cut the last one off: a
	 * crash in between leaves that record twice, never a torn file.
	 */
	if (slot != last) {
		r = kvp_pool_read(p, last, last_rec);
		if (r < 0)
			return r; /* nothing written yet; -ESTALE: the caller re-reads */
		r = copy_record(p, last_rec, rec, slot);
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

	table_remove(p, slot);
	if (slot != last) {
		if (p->slots[last].khash)
			p->table[table_pos(p, last)] = slot; /* same hash, same run */
		p->slots[slot] = p->slots[last];
	}
	p->nrec--;
	p->size = newsize;
	return 0;
}
