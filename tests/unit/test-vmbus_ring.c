/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "macro.h"
#include "unit.h"
#include "vmbus_ring.h"

#define RING_SIZE (2 * VMBUS_RING_HDR_SIZE) /* 4096 data bytes */

static _Alignas(4096) uint8_t mem[RING_SIZE];

static struct vmbus_ring fresh_ring(void)
{
	struct vmbus_ring r;

	memset(mem, 0, sizeof(mem));
	CU_ASSERT_EQUAL_FATAL(vmbus_ring_init(&r, mem, sizeof(mem)), 0);
	return r;
}

static void test_init(void)
{
	static const struct {
		size_t size;
		int ret;
	} cases[] = {
		{ 0, -EINVAL },
		{ 4096, -EINVAL },
		{ 8192, 0 },
		{ 8193, -EINVAL },
		{ 0x5000, 0 },
		{ (size_t)VMBUS_RING_MAX_SIZE + 4096, 0 },
		{ (size_t)VMBUS_RING_MAX_SIZE + 8192, -EINVAL },
	};
	struct vmbus_ring r;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		int k = vmbus_ring_init(&r, mem, cases[i].size);
		if (k != cases[i].ret)
			fprintf(stderr, "\n  size %zu: got %d\n", cases[i].size, k);
		CU_ASSERT_EQUAL(k, cases[i].ret);
	}
	CU_ASSERT_EQUAL(vmbus_ring_init(&r, NULL, 8192), -EINVAL);
}

/* Every payload length round-trips, padded up (never down) to 8. */
static void test_roundtrip_lengths(void)
{
	static const size_t lens[] = { 0, 1, 7, 8, 9, 100, 1000, 4000 };
	uint8_t payload[4096], buf[4096];

	for (size_t i = 0; i < ELEMENTSOF(lens); i++) {
		struct vmbus_ring r = fresh_ring();
		struct vmbus_packet p;
		size_t len = lens[i];

		for (size_t j = 0; j < len; j++)
			payload[j] = (uint8_t)(j * 7 + i);
		CU_ASSERT_EQUAL(vmbus_ring_write(&r, VM_PKT_DATA_INBAND, 0, 0x1234 + i, payload, len), 0);
		CU_ASSERT_EQUAL(vmbus_ring_avail(&r), (int64_t)(VMBUS_ALIGN8(16 + len) + 8));
		int k = vmbus_ring_read(&r, buf, sizeof(buf), &p);
		if (k != 0)
			fprintf(stderr, "\n  len %zu: read %d\n", len, k);
		CU_ASSERT_EQUAL_FATAL(k, 0);
		CU_ASSERT_EQUAL(p.desc.type, VM_PKT_DATA_INBAND);
		CU_ASSERT_EQUAL(p.desc.offset8, 2);
		CU_ASSERT_EQUAL(p.desc.len8, VMBUS_ALIGN8(16 + len) / 8);
		CU_ASSERT_EQUAL(p.desc.trans_id, 0x1234 + i);
		CU_ASSERT_EQUAL(p.payload_len, VMBUS_ALIGN8(16 + len) - 16);
		CU_ASSERT(memcmp(p.payload, payload, len) == 0);
		CU_ASSERT_EQUAL(vmbus_ring_avail(&r), 0);
		CU_ASSERT_EQUAL(vmbus_ring_read(&r, buf, sizeof(buf), &p), -EAGAIN);
	}
}

/* Packets that straddle the end of the data area come out whole, trailer included. */
static void test_wrap(void)
{
	struct vmbus_ring r = fresh_ring();
	uint8_t payload[1000], buf[4096];
	struct vmbus_packet p;
	uint32_t start = 4096 - 504;

	r.hdr->write_index = r.hdr->read_index = start;
	for (size_t j = 0; j < sizeof(payload); j++)
		payload[j] = (uint8_t)(j ^ 0x5a);
	for (int round = 0; round < 10; round++) {
		uint32_t w = r.hdr->write_index;
		CU_ASSERT_EQUAL_FATAL(vmbus_ring_write(&r, 6, 1, (uint64_t)round, payload, sizeof(payload)), 0);
		/* The trailer says where the packet started. */
		uint32_t t = (uint32_t)((w + 1016) % 4096);
		uint64_t trailer;
		for (size_t b = 0; b < 8; b++)
			((uint8_t *)&trailer)[b] = r.data[(t + b) % 4096];
		CU_ASSERT_EQUAL(trailer, (uint64_t)w << 32);
		CU_ASSERT_EQUAL_FATAL(vmbus_ring_read(&r, buf, sizeof(buf), &p), 0);
		CU_ASSERT_EQUAL(p.desc.trans_id, (uint64_t)round);
		CU_ASSERT_EQUAL(p.desc.flags, 1);
		CU_ASSERT(memcmp(p.payload, payload, sizeof(payload)) == 0);
	}
}

/* The writer needs strictly more free space than the packet. */
static void test_full(void)
{
	struct vmbus_ring r = fresh_ring();
	uint8_t payload[4096] = { 0 }, buf[4096];
	struct vmbus_packet p;

	/* 16 + 4056 + 8 = 4080 < 4096: fits; then nothing more than 8 bytes. */
	CU_ASSERT_EQUAL(vmbus_ring_write(&r, 6, 0, 1, payload, 4056), 0);
	CU_ASSERT_EQUAL(vmbus_ring_write(&r, 6, 0, 2, payload, 0), -EAGAIN);
	CU_ASSERT_EQUAL(vmbus_ring_read(&r, buf, sizeof(buf), &p), 0);
	/* Exactly the whole ring (4072 + 16 + 8 = 4096) is one byte too many. */
	CU_ASSERT_EQUAL(vmbus_ring_write(&r, 6, 0, 3, payload, 4072), -EMSGSIZE);
	CU_ASSERT_EQUAL(vmbus_ring_write(&r, 6, 0, 3, payload, 4064), 0);
	CU_ASSERT_EQUAL(vmbus_ring_read(&r, buf, sizeof(buf), &p), 0);
	CU_ASSERT_EQUAL(p.payload_len, 4064);
}

static void put_desc(struct vmbus_ring *r, uint16_t offset8, uint16_t len8)
{
	struct vmbus_pkt_desc d = { .type = 6, .offset8 = offset8, .len8 = len8, .trans_id = 9 };

	memcpy(r->data + r->hdr->read_index, &d, sizeof(d));
}

/* A broken ring is reported, never consumed, never read past. */
static void test_bad(void)
{
	static const struct {
		const char *name;
		uint32_t read, write;
		uint16_t offset8, len8;
		size_t bufsize;
	} cases[] = {
		{ "offset8 0", 0, 64, 0, 4, 4096 },
		{ "offset8 1", 0, 64, 1, 4, 4096 },
		{ "offset8 > len8", 0, 64, 5, 4, 4096 },
		{ "len beyond available", 0, 64, 2, 8, 4096 },
		{ "len8 exactly available, no room for trailer", 0, 64, 2, 8, 4096 },
		{ "shorter than a descriptor", 0, 16, 2, 2, 4096 },
		{ "write index unaligned", 0, 61, 2, 4, 4096 },
		{ "write index out of range", 0, 4096, 2, 4, 4096 },
		{ "read index out of range", 5000, 64, 2, 4, 4096 },
		{ "bigger than the buffer", 0, 64, 2, 7, 40 },
		{ "len8 65535", 0, 64, 2, 65535, 4096 },
	};
	uint8_t buf[4096];

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct vmbus_ring r = fresh_ring();
		struct vmbus_packet p;

		if (cases[i].read < 4096)
			put_desc(&r, cases[i].offset8, cases[i].len8);
		r.hdr->read_index = cases[i].read;
		r.hdr->write_index = cases[i].write;
		int k = vmbus_ring_read(&r, buf, cases[i].bufsize, &p);
		if (k != -EBADMSG)
			fprintf(stderr, "\n  %s: got %d\n", cases[i].name, k);
		CU_ASSERT_EQUAL(k, -EBADMSG);
		CU_ASSERT_EQUAL(r.hdr->read_index, cases[i].read);
	}

	/* A corrupt TX header stops the writer too. */
	struct vmbus_ring r = fresh_ring();
	r.hdr->read_index = 4;
	CU_ASSERT_EQUAL(vmbus_ring_write(&r, 6, 0, 0, buf, 8), -EBADMSG);
}

/* The smallest valid packet (offset8 = len8 = 2, empty payload) is fine. */
static void test_empty_payload(void)
{
	struct vmbus_ring r = fresh_ring();
	uint8_t buf[64];
	struct vmbus_packet p;

	put_desc(&r, 2, 2);
	r.hdr->write_index = 24;
	CU_ASSERT_EQUAL(vmbus_ring_read(&r, buf, sizeof(buf), &p), 0);
	CU_ASSERT_EQUAL(p.payload_len, 0);
	CU_ASSERT_EQUAL(r.hdr->read_index, 24);
}

static void test_raw_and_mask(void)
{
	struct vmbus_ring r = fresh_ring();
	uint8_t raw[20] = { 1, 2, 3 };

	CU_ASSERT_EQUAL(vmbus_ring_write_raw(&r, raw, sizeof(raw)), 0);
	CU_ASSERT_EQUAL(r.hdr->write_index, 24);
	vmbus_ring_set_mask(&r, 1);
	CU_ASSERT_EQUAL(vmbus_ring_get_mask(&r), 1);
	vmbus_ring_reset(&r, 0);
	CU_ASSERT_EQUAL(r.hdr->write_index, 0);
	CU_ASSERT_EQUAL(vmbus_ring_get_mask(&r), 0);
}


/*
 * A hostile host changes the indices and the descriptor while the guest
 * reads. The ring sits between two PROT_NONE pages, so a read outside it
 * faults at once, with or without ASan. The flipper alternates every
 * value between one that passes the checks and one that would make the
 * reader leave the ring if it were loaded a second time after the check.
 */
struct flipper {
	struct vmbus_ring *ring;
	uint32_t w; /* the valid write_index */
	int stop;
	unsigned long flips;
};

static void *flip(void *userdata)
{
	struct flipper *f = userdata;
	/* Both sit at aligned offsets of a page: plain pointers are fine. */
	uint32_t *wi = (uint32_t *)(void *)f->ring->hdr, *ri = wi + 1;
	uint16_t *len8 = (uint16_t *)(f->ring->data + 4);

	for (unsigned long i = 0; !__atomic_load_n(&f->stop, __ATOMIC_RELAXED); i++) {
		/* 4104: 8 bytes into the guard page behind the data area. */
		__atomic_store_n(ri, i & 1 ? 4104u : 0u, __ATOMIC_RELAXED);
		/* Now and then the other values too, mostly valid so the reader gets far. */
		if (i % 64 == 0) {
			__atomic_store_n(wi, i & 64 ? 0xfffffff8u : f->w, __ATOMIC_RELAXED);
			__atomic_store_n(len8, (uint16_t)(i & 128 ? 65535 : 5), __ATOMIC_RELAXED);
		} else if (i % 64 == 1) {
			__atomic_store_n(wi, f->w, __ATOMIC_RELAXED);
			__atomic_store_n(len8, 4, __ATOMIC_RELAXED);
		}
		f->flips = i;
	}
	return NULL;
}

static void test_hostile_flipper(void)
{
	const size_t page = 4096, len = 4 * page;
	uint8_t *m = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(m != MAP_FAILED);
	CU_ASSERT_EQUAL_FATAL(mprotect(m + page, 2 * page, PROT_READ | PROT_WRITE), 0);
	struct vmbus_ring r;
	CU_ASSERT_EQUAL_FATAL(vmbus_ring_init(&r, m + page, 2 * page), 0);
	/* Fill the ring with 40-byte packets, so that reads succeed wherever they end. */
	uint8_t payload[16] = { 0 };
	while (vmbus_ring_write(&r, 6, 0, 1, payload, sizeof(payload)) == 0)
		;

	struct flipper f = { .ring = &r, .w = r.hdr->write_index };
	pthread_t t;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, flip, &f), 0);
	uint8_t buf[4096];
	unsigned long ok = 0, bad = 0, empty = 0, odd = 0;
	/* A count, not a duration: before the fix this faulted within a few thousand reads. */
	for (int i = 0; i < 10000000; i++) {
		struct vmbus_packet p;
		int k = vmbus_ring_read(&r, buf, sizeof(buf), &p);
		if (k == 0) {
			ok++;
			if (p.payload < buf || p.payload + p.payload_len > buf + sizeof(buf))
				odd++;
		} else if (k == -EBADMSG)
			bad++;
		else if (k == -EAGAIN)
			empty++;
		else
			odd++;
		/* The writer's side of the same header is just as exposed. */
		if (i % 16 == 0) {
			k = vmbus_ring_write(&r, 6, 0, 2, buf, 8);
			if (k != 0 && k != -EAGAIN && k != -EBADMSG)
				odd++;
		}
	}
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	printf("\n  %lu flips; reads: %lu packets, %lu broken, %lu empty ", f.flips, ok, bad, empty);
	CU_ASSERT_EQUAL(odd, 0);
	munmap(m, len);
}

static const struct unit_test tests[] = {
	{ "init", test_init },
	{ "roundtrip_lengths", test_roundtrip_lengths },
	{ "wrap", test_wrap },
	{ "full", test_full },
	{ "bad", test_bad },
	{ "empty_payload", test_empty_payload },
	{ "raw_and_mask", test_raw_and_mask },
	{ "hostile_flipper", test_hostile_flipper },
};

UNIT_MAIN("vmbus_ring", tests)
