/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: the VMBus ring reader over a ring whose header and data
 * the host controls, and the guest's answer path (IC handling, writer).
 * Input: u32 write_index, u32 read_index (LE), then the 4096-byte data area
 * (shorter inputs are zero-filled).
 */
#include <string.h>

#include "hv_abi.h"
#include "ic_msg.h"
#include "vmbus_ring.h"

#define DSIZE 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _Alignas(4096) uint8_t rx_mem[VMBUS_RING_HDR_SIZE + DSIZE];
static _Alignas(4096) uint8_t tx_mem[VMBUS_RING_HDR_SIZE + DSIZE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmbus_ring rx, tx;
	uint8_t buf[DSIZE];
	uint32_t w = 0, r = 0;

	memset(rx_mem, 0, sizeof(rx_mem));
	memset(tx_mem, 0, sizeof(tx_mem));
	if (vmbus_ring_init(&rx, rx_mem, sizeof(rx_mem)) < 0 || vmbus_ring_init(&tx, tx_mem, sizeof(tx_mem)) < 0)
		__builtin_trap();
	if (size >= 8) {
		memcpy(&w, data, 4);
		memcpy(&r, data + 4, 4);
		data += 8;
		size -= 8;
	}
	rx.hdr->write_index = w;
	rx.hdr->read_index = r;
	memcpy(rx.data, data, size < DSIZE ? size : DSIZE);

	for (int i = 0; i < 1000; i++) {
		struct vmbus_packet p;
		uint32_t before = rx.hdr->read_index;
		int k = vmbus_ring_read(&rx, buf, sizeof(buf), &p);
		if (k < 0) {
			/* Nothing is consumed on error. */
			if (rx.hdr->read_index != before)
				__builtin_trap();
			break;
		}
		if (p.payload < buf || p.payload + p.payload_len > buf + sizeof(buf) ||
		    p.desc.offset8 < 2 || p.desc.offset8 > p.desc.len8)
			__builtin_trap();

		/* Answer it as the daemon would, into a TX ring drained each time. */
		uint8_t *pl = (uint8_t *)p.payload;
		int type = ic_msg_type(pl, p.payload_len);
		if (type == IC_MSGTYPE_NEGOTIATE)
			(void)ic_negotiate(pl, p.payload_len, &IC_FCOPY_FRAMEWORK, 1, &IC_FCOPY_SERVICE, 1,
					   NULL, NULL);
		else if (type == IC_MSGTYPE_FCOPY) {
			struct fcopy_request req;
			(void)ic_fcopy_decode(pl + IC_BODY_OFFSET, p.payload_len - IC_BODY_OFFSET, &req);
			ic_set_response(pl, p.payload_len, HV_E_FAIL);
		}
		vmbus_ring_reset(&tx, 0);
		k = vmbus_ring_write(&tx, VM_PKT_DATA_INBAND, 0, p.desc.trans_id, pl, p.payload_len);
		if (k == 0) {
			struct vmbus_packet q;
			uint8_t back[DSIZE];
			if (vmbus_ring_read(&tx, back, sizeof(back), &q) != 0 || q.desc.trans_id != p.desc.trans_id ||
			    q.payload_len < p.payload_len || memcmp(q.payload, pl, p.payload_len) != 0)
				__builtin_trap();
		}
	}
	return 0;
}
