/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

static const struct unit_test tests[] = {
	{ "init", test_init },
	{ "roundtrip_lengths", test_roundtrip_lengths },
	{ "wrap", test_wrap },
	{ "full", test_full },
	{ "bad", test_bad },
	{ "empty_payload", test_empty_payload },
	{ "raw_and_mask", test_raw_and_mask },
};

UNIT_MAIN("vmbus_ring", tests)
