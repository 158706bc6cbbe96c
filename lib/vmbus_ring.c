/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "vmbus_ring.h"

#include "macro.h"

/*
 * The header is packed (it is a wire layout), but every index sits at an
 * aligned offset of a page-aligned mapping; go through plain uint32_t
 * pointers so the atomics see naturally aligned objects.
 */
static uint32_t *field(const struct vmbus_ring *r, size_t off)
{
	return (uint32_t *)((uint8_t *)r->hdr + off);
}

#define WRITE_INDEX(r)	  field(r, offsetof(struct vmbus_ring_hdr, write_index))
#define READ_INDEX(r)	  field(r, offsetof(struct vmbus_ring_hdr, read_index))
#define INTERRUPT_MASK(r) field(r, offsetof(struct vmbus_ring_hdr, interrupt_mask))

/*
 * The peer writes the shared header and data whenever it likes, so every
 * value this file takes from shared memory is loaded exactly once (an
 * atomic load, which the compiler may not repeat) into a local, checked
 * there, and only the local is used. A test build defines
 * VMBUS_RING_PEER_HOOK to a function that plays a hostile peer: it is
 * called before every load of shared memory and may rewrite any of it
 * (tests/fuzz/fuzz-vmbus_ring_race.c).
 */
#ifdef VMBUS_RING_PEER_HOOK
void VMBUS_RING_PEER_HOOK(const struct vmbus_ring *r);
#define PEER_MAY_WRITE(r) VMBUS_RING_PEER_HOOK(r)
#else
#define PEER_MAY_WRITE(r) ((void)(r))
#endif

static uint32_t load_relaxed(const struct vmbus_ring *r, uint32_t *p)
{
	PEER_MAY_WRITE(r);
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static uint32_t load_acquire(const struct vmbus_ring *r, uint32_t *p)
{
	PEER_MAY_WRITE(r);
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

int vmbus_ring_init(struct vmbus_ring *r, void *mem, size_t ring_size)
{
	if (!mem || ring_size % VMBUS_RING_HDR_SIZE != 0 || ring_size < 2 * VMBUS_RING_HDR_SIZE ||
	    ring_size > (size_t)VMBUS_RING_MAX_SIZE + VMBUS_RING_HDR_SIZE)
		return -EINVAL;
	r->hdr = mem;
	r->data = (uint8_t *)mem + VMBUS_RING_HDR_SIZE;
	r->dsize = (uint32_t)(ring_size - VMBUS_RING_HDR_SIZE);
	return 0;
}

void vmbus_ring_reset(struct vmbus_ring *r, uint32_t interrupt_mask)
{
	__atomic_store_n(WRITE_INDEX(r), 0, __ATOMIC_RELAXED);
	__atomic_store_n(READ_INDEX(r), 0, __ATOMIC_RELAXED);
	__atomic_store_n(INTERRUPT_MASK(r), interrupt_mask, __ATOMIC_SEQ_CST);
}

static bool index_ok(const struct vmbus_ring *r, uint32_t i)
{
	return i < r->dsize && i % 8 == 0;
}

static uint32_t used(const struct vmbus_ring *r, uint32_t w, uint32_t rd)
{
	return w >= rd ? w - rd : r->dsize - rd + w;
}

/*
 * The consumer's view: both indices loaded once, validated, returned with
 * the bytes available between them. The caller uses *ret_rd, never a
 * second load: the peer may change read_index between two loads.
 */
static int64_t consumer_snapshot(const struct vmbus_ring *r, uint32_t *ret_rd)
{
	/* Acquire: the producer's data copy happens-before what we read next. */
	uint32_t w = load_acquire(r, WRITE_INDEX(r));
	uint32_t rd = load_relaxed(r, READ_INDEX(r));

	if (!index_ok(r, w) || !index_ok(r, rd))
		return -EBADMSG;
	*ret_rd = rd;
	return used(r, w, rd);
}

int64_t vmbus_ring_avail(const struct vmbus_ring *r)
{
	uint32_t rd;

	return consumer_snapshot(r, &rd);
}

/* from < dsize and len <= dsize: the caller checked both on its own copies. */
static void copy_out(const struct vmbus_ring *r, uint32_t from, void *to, size_t len)
{
	size_t first = MIN(len, (size_t)(r->dsize - from));

	PEER_MAY_WRITE(r);
	memcpy(to, r->data + from, first);
	memcpy((uint8_t *)to + first, r->data, len - first);
}

static uint32_t copy_in(struct vmbus_ring *r, uint32_t at, const void *from, size_t len)
{
	size_t first = MIN(len, (size_t)(r->dsize - at));

	if (from) {
		memcpy(r->data + at, from, first);
		memcpy(r->data, (const uint8_t *)from + first, len - first);
	} else {
		memset(r->data + at, 0, first);
		memset(r->data, 0, len - first);
	}
	return (uint32_t)(((size_t)at + len) % r->dsize);
}

int vmbus_ring_read(struct vmbus_ring *r, void *buf, size_t size, struct vmbus_packet *ret)
{
	uint32_t rd = 0;
	int64_t avail = consumer_snapshot(r, &rd);
	struct vmbus_pkt_desc d;
	size_t total;

	if (avail < 0)
		return (int)avail;
	if (avail == 0)
		return -EAGAIN;
	/* Something is there but not even a descriptor and trailer: broken. */
	if ((uint64_t)avail < VMBUS_PKT_DESC_SIZE + VMBUS_PKT_TRAILER_SIZE)
		return -EBADMSG;
	copy_out(r, rd, &d, sizeof(d));
	if (d.offset8 < 2 || d.offset8 > d.len8)
		return -EBADMSG;
	total = (size_t)d.len8 * 8;
	if (total + VMBUS_PKT_TRAILER_SIZE > (uint64_t)avail || total > size)
		return -EBADMSG;
	copy_out(r, rd, buf, total);
	/* Validate the copy, never the shared memory the peer may still change. */
	memcpy(&d, buf, sizeof(d));
	if (d.offset8 < 2 || d.offset8 > d.len8 || (size_t)d.len8 * 8 != total)
		return -EBADMSG;

	/* Release: our copy is done before the producer may overwrite the bytes. */
	__atomic_store_n(READ_INDEX(r),
			 (uint32_t)((rd + total + VMBUS_PKT_TRAILER_SIZE) % r->dsize),
			 __ATOMIC_RELEASE);
	ret->desc = d;
	ret->payload = (const uint8_t *)buf + (size_t)d.offset8 * 8;
	ret->payload_len = total - (size_t)d.offset8 * 8;
	return 0;
}

/* Space check and publication shared by the framed and the raw writer. */
static int ring_reserve(struct vmbus_ring *r, size_t need, uint32_t *ret_w)
{
	/* Our own index, but in memory the peer can write: loaded once, checked. */
	uint32_t w = load_relaxed(r, WRITE_INDEX(r));
	/* Acquire: the consumer finished copying what it has released. */
	uint32_t rd = load_acquire(r, READ_INDEX(r));

	if (!index_ok(r, w) || !index_ok(r, rd))
		return -EBADMSG;
	if (need >= r->dsize)
		return -EMSGSIZE;
	/* Strictly greater: a full ring would look empty (write == read). */
	if ((size_t)(r->dsize - used(r, w, rd)) <= need)
		return -EAGAIN;
	*ret_w = w;
	return 0;
}

static void ring_publish(struct vmbus_ring *r, uint32_t w)
{
	/* Release: the packet bytes are visible before the index that covers them. */
	__atomic_store_n(WRITE_INDEX(r), w, __ATOMIC_RELEASE);
}

int vmbus_ring_write(struct vmbus_ring *r, uint16_t type, uint16_t flags, uint64_t trans_id,
		     const void *payload, size_t len)
{
	size_t total, pad;
	uint32_t start, w;
	uint64_t trailer;
	int k;

	if (len > (size_t)VMBUS_RING_MAX_SIZE)
		return -EMSGSIZE;
	total = VMBUS_ALIGN8(VMBUS_PKT_DESC_SIZE + len);
	if (total / 8 > UINT16_MAX)
		return -EMSGSIZE;
	k = ring_reserve(r, total + VMBUS_PKT_TRAILER_SIZE, &start);
	if (k < 0)
		return k;

	struct vmbus_pkt_desc d = {
		.type = type,
		.offset8 = VMBUS_PKT_DESC_SIZE / 8,
		.len8 = (uint16_t)(total / 8),
		.flags = flags,
		.trans_id = trans_id,
	};
	pad = total - VMBUS_PKT_DESC_SIZE - len;
	w = copy_in(r, start, &d, sizeof(d));
	w = copy_in(r, w, payload, len);
	w = copy_in(r, w, NULL, pad);
	/* The trailer holds where this packet started, in the upper half. */
	trailer = (uint64_t)start << 32;
	w = copy_in(r, w, &trailer, sizeof(trailer));
	ring_publish(r, w);
	return 0;
}

int vmbus_ring_write_raw(struct vmbus_ring *r, const void *bytes, size_t len)
{
	size_t total = VMBUS_ALIGN8(len);
	uint32_t w;
	int k;

	if (len > (size_t)VMBUS_RING_MAX_SIZE)
		return -EMSGSIZE;
	k = ring_reserve(r, total, &w);
	if (k < 0)
		return k;
	w = copy_in(r, w, bytes, len);
	w = copy_in(r, w, NULL, total - len);
	ring_publish(r, w);
	return 0;
}

void vmbus_ring_set_mask(struct vmbus_ring *r, uint32_t mask)
{
	__atomic_store_n(INTERRUPT_MASK(r), mask, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

uint32_t vmbus_ring_get_mask(const struct vmbus_ring *r)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	PEER_MAY_WRITE(r);
	return __atomic_load_n(INTERRUPT_MASK(r), __ATOMIC_SEQ_CST);
}
