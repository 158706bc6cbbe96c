/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The VMBus ring buffer as uio_hv_generic maps it (hv-protocol.md 5.4,
 * 5.5): one 4 KiB header page per direction followed by the data area,
 * packets framed by a 16-byte descriptor and an 8-byte trailer. These
 * structures are not in any UAPI header, so they are defined here, once,
 * with every size and offset pinned.
 *
 * Both ends use these functions: the guest reads its RX ring and writes its
 * TX ring; hv-hostsim does the opposite on the same memory. Everything the
 * other side wrote is untrusted, and it may change at any moment (for a
 * confidential VM the host is the adversary): every index is loaded once
 * into a local, range-checked there, and only that local is used; a packet
 * is copied out before it is validated, so the peer cannot change it
 * between the check and the use.
 */
#ifndef HVGUEST_VMBUS_RING_H
#define HVGUEST_VMBUS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMBUS_RING_HDR_SIZE		    4096u
#define VMBUS_PKT_DESC_SIZE		    16u
#define VMBUS_PKT_TRAILER_SIZE		    8u
#define VM_PKT_DATA_INBAND		    6u
#define VM_PKT_COMP			    0xbu
#define VMBUS_PKT_FLAG_COMPLETION_REQUESTED 1u

/* Largest data area we accept: sysfs is trusted, but not that much. */
#define VMBUS_RING_MAX_SIZE (64u * 1024 * 1024)

struct vmbus_ring_hdr {
	uint32_t write_index;	  /* producer's next byte offset in data */
	uint32_t read_index;	  /* consumer's next byte offset in data */
	uint32_t interrupt_mask;  /* 1: the consumer wants no interrupts */
	uint32_t pending_send_sz; /* flow control, unused here */
	uint32_t reserved1[12];
	uint32_t feature_bits; /* bit 0: pending_send_sz supported */
	uint8_t reserved2[4028];
} __attribute__((packed));

_Static_assert(sizeof(struct vmbus_ring_hdr) == VMBUS_RING_HDR_SIZE, "ring header size");
_Static_assert(offsetof(struct vmbus_ring_hdr, write_index) == 0, "write_index");
_Static_assert(offsetof(struct vmbus_ring_hdr, read_index) == 4, "read_index");
_Static_assert(offsetof(struct vmbus_ring_hdr, interrupt_mask) == 8, "interrupt_mask");
_Static_assert(offsetof(struct vmbus_ring_hdr, pending_send_sz) == 12, "pending_send_sz");
_Static_assert(offsetof(struct vmbus_ring_hdr, feature_bits) == 64, "feature_bits");
_Static_assert(offsetof(struct vmbus_ring_hdr, reserved2) == 68, "reserved2");

/* vmpacket_descriptor (kernel) / vmbus_chanpkt_hdr (tools/hv). */
struct vmbus_pkt_desc {
	uint16_t type;
	uint16_t offset8; /* header length in 8-byte units (>= 2) */
	uint16_t len8;	  /* total length in 8-byte units, trailer excluded */
	uint16_t flags;
	uint64_t trans_id;
} __attribute__((packed));

_Static_assert(sizeof(struct vmbus_pkt_desc) == VMBUS_PKT_DESC_SIZE, "descriptor size");
_Static_assert(offsetof(struct vmbus_pkt_desc, offset8) == 2, "offset8");
_Static_assert(offsetof(struct vmbus_pkt_desc, len8) == 4, "len8");
_Static_assert(offsetof(struct vmbus_pkt_desc, flags) == 6, "flags");
_Static_assert(offsetof(struct vmbus_pkt_desc, trans_id) == 8, "trans_id");

/* Round up to the ring's 8-byte granularity (upstream's ALIGN rounds down). */
#define VMBUS_ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

/* One direction: the header page and the data area right after it. */
struct vmbus_ring {
	struct vmbus_ring_hdr *hdr;
	uint8_t *data;
	uint32_t dsize;
};

/* A packet copied out of the ring. */
struct vmbus_packet {
	struct vmbus_pkt_desc desc;
	const uint8_t *payload; /* points into the caller's buffer */
	size_t payload_len;
};

/*
 * mem: ring_size bytes (header page + data). ring_size must be a multiple
 * of 4096, at least 2 pages and at most VMBUS_RING_MAX_SIZE + 4096.
 * Returns 0 or -EINVAL.
 */
int vmbus_ring_init(struct vmbus_ring *r, void *mem, size_t ring_size);

/* Reset both indices and set the interrupt mask (the kernel does this when a channel opens). */
void vmbus_ring_reset(struct vmbus_ring *r, uint32_t interrupt_mask);

/*
 * Bytes the consumer may read, or -EBADMSG when an index is out of range
 * or unaligned (the peer corrupted the header).
 */
int64_t vmbus_ring_avail(const struct vmbus_ring *r);

/*
 * Copy the next packet into buf (size bytes), validate it, and consume it
 * (read_index is stored, with release order, only after the copy).
 * Returns 0, -EAGAIN when the ring is empty, or -EBADMSG when the ring is
 * broken: bad indices, offset8 < 2, offset8 > len8, a packet longer than
 * what is available or than buf. Nothing is consumed on error.
 */
int vmbus_ring_read(struct vmbus_ring *r, void *buf, size_t size, struct vmbus_packet *ret);

/*
 * Frame payload (len bytes) as one packet (offset8 2, padded to 8, trailer)
 * and publish it (write_index stored with release order after the copy).
 * Returns 0, -EAGAIN when the free space is not strictly greater than the
 * packet, -EMSGSIZE when it could never fit, or -EBADMSG on bad indices.
 */
int vmbus_ring_write(struct vmbus_ring *r, uint16_t type, uint16_t flags, uint64_t trans_id,
		     const void *payload, size_t len);

/*
 * Write raw bytes at write_index (wrapping) and advance it by
 * VMBUS_ALIGN8(len): for simulators that need malformed packets. Same
 * returns as vmbus_ring_write.
 */
int vmbus_ring_write_raw(struct vmbus_ring *r, const void *bytes, size_t len);

/*
 * The consumer's interrupt mask. Setting it is followed by a full fence, so
 * that a later look at the ring cannot be ordered before it (the producer
 * does the mirror image: publish, fence, read the mask).
 */
void vmbus_ring_set_mask(struct vmbus_ring *r, uint32_t mask);
uint32_t vmbus_ring_get_mask(const struct vmbus_ring *r);

#endif
