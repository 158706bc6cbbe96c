/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: a hostile host that rewrites the shared ring between
 * any two loads the guest makes. lib/vmbus_ring.c is compiled here with
 * VMBUS_RING_PEER_HOOK, which it calls before every load of shared memory
 * (each index, the descriptor copy, the packet copy, the mask); the hook
 * applies the next fuzzer-chosen move. The ring lies between two
 * PROT_NONE pages, so any read or write outside it faults, sanitizer or
 * not. Checked: the reader and the writer only ever return 0, -EAGAIN,
 * -EBADMSG or -EMSGSIZE; a packet returned lies in the caller's buffer
 * and matches its own descriptor; what the guest stores as an index is in
 * range and aligned.
 *
 * Input: u32 write_index, u32 read_index (LE), u16 n, n bytes of data
 * area (at most 4096), then moves of 7 bytes each: kind, u32 value,
 * u16 offset. kind % 5: 0 nothing, 1 write_index = value, 2 read_index =
 * value, 3 the u32 value at data offset % 4093, 4 interrupt_mask = value.
 * When the moves run out the host stops moving.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

/* A copy of the ring code of its own, with the hook, under other names. */
#define VMBUS_RING_PEER_HOOK  fuzz_peer_turn
#define vmbus_ring_init	      race_vmbus_ring_init
#define vmbus_ring_reset      race_vmbus_ring_reset
#define vmbus_ring_avail      race_vmbus_ring_avail
#define vmbus_ring_read	      race_vmbus_ring_read
#define vmbus_ring_write      race_vmbus_ring_write
#define vmbus_ring_write_raw  race_vmbus_ring_write_raw
#define vmbus_ring_set_mask   race_vmbus_ring_set_mask
#define vmbus_ring_get_mask   race_vmbus_ring_get_mask
#include "vmbus_ring.c"

#define DSIZE	   4096u
#define PAGE	   4096u
#define MOVE_BYTES 7u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *moves;
static size_t moves_left;
static uint8_t *map; /* guard, RX (header, data), guard, TX (header, data), guard */

static uint8_t *ring_mem(int which)
{
	return map + PAGE + (size_t)which * (3 * PAGE);
}

static void setup(void)
{
	if (map)
		return;
	map = mmap(NULL, 7 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || mprotect(ring_mem(0), 2 * PAGE, PROT_READ | PROT_WRITE) < 0 ||
	    mprotect(ring_mem(1), 2 * PAGE, PROT_READ | PROT_WRITE) < 0)
		__builtin_trap();
}

void fuzz_peer_turn(const struct vmbus_ring *r)
{
	uint32_t v;
	uint16_t off;
	uint8_t kind;

	if (moves_left < MOVE_BYTES)
		return;
	kind = moves[0];
	memcpy(&v, moves + 1, 4);
	memcpy(&off, moves + 5, 2);
	moves += MOVE_BYTES;
	moves_left -= MOVE_BYTES;
	switch (kind % 5) {
	case 1:
		__atomic_store_n(WRITE_INDEX(r), v, __ATOMIC_RELAXED);
		break;
	case 2:
		__atomic_store_n(READ_INDEX(r), v, __ATOMIC_RELAXED);
		break;
	case 3:
		memcpy(r->data + off % (DSIZE - 3), &v, 4);
		break;
	case 4:
		__atomic_store_n(INTERRUPT_MASK(r), v, __ATOMIC_RELAXED);
		break;
	default:
		break;
	}
}

static void check_index(const struct vmbus_ring *r, uint32_t i)
{
	if (i >= r->dsize || i % 8 != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmbus_ring rx, tx;
	uint8_t buf[DSIZE];
	uint32_t w = 0, rd = 0;
	uint16_t n = 0;

	setup();
	memset(ring_mem(0), 0, 2 * PAGE);
	memset(ring_mem(1), 0, 2 * PAGE);
	if (race_vmbus_ring_init(&rx, ring_mem(0), 2 * PAGE) < 0 ||
	    race_vmbus_ring_init(&tx, ring_mem(1), 2 * PAGE) < 0)
		__builtin_trap();
	moves_left = 0;
	if (size >= 10) {
		memcpy(&w, data, 4);
		memcpy(&rd, data + 4, 4);
		memcpy(&n, data + 8, 2);
		data += 10;
		size -= 10;
	}
	n = (uint16_t)MIN((size_t)n, MIN(size, (size_t)DSIZE));
	rx.hdr->write_index = w;
	rx.hdr->read_index = rd;
	memcpy(rx.data, data, n);
	moves = data + n;
	moves_left = size - n;

	for (int i = 0; i < 64; i++) {
		struct vmbus_packet p;
		size_t answer = 8;
		int k = race_vmbus_ring_read(&rx, buf, sizeof(buf), &p);
		if (k == 0) {
			if (p.payload < buf + 16 || p.payload + p.payload_len > buf + sizeof(buf) ||
			    p.desc.offset8 < 2 || p.desc.offset8 > p.desc.len8 ||
			    p.payload_len != (size_t)(p.desc.len8 - p.desc.offset8) * 8)
				__builtin_trap();
			/* What the guest stored (the hook runs only before loads). */
			check_index(&rx, rx.hdr->read_index);
			answer = MIN(p.payload_len, (size_t)64);
		} else if (k != -EAGAIN && k != -EBADMSG)
			__builtin_trap();

		/* The answer goes to a TX ring whose header the host moves too. */
		k = race_vmbus_ring_write(&tx, VM_PKT_DATA_INBAND, 0, (uint64_t)i, buf, answer);
		if (k == 0)
			check_index(&tx, tx.hdr->write_index);
		else if (k != -EAGAIN && k != -EBADMSG && k != -EMSGSIZE)
			__builtin_trap();
		(void)race_vmbus_ring_get_mask(&rx);
		int64_t a = race_vmbus_ring_avail(&rx);
		if ((a < 0 && a != -EBADMSG) || a >= (int64_t)DSIZE)
			__builtin_trap();
	}
	return 0;
}
