/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KVP codec: pure functions from the 7432-byte struct hv_kvp_msg the kernel
 * hands the daemon to a validated request, and from results to replies.
 * No fds, no files, no globals: unit tests and the fuzzer call these
 * directly. Everything the host controls is checked here; nothing
 * downstream re-checks.
 */
#ifndef HVGUEST_KVP_CODEC_H
#define HVGUEST_KVP_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "hv_abi.h"

/* Sizes of the IP fields on the daemon side (UTF-8, NUL-terminated). */
#define KVP_IP_ADAPTER_MAX (MAX_ADAPTER_ID_SIZE * 2)
#define KVP_IP_ADDR_MAX	   (MAX_IP_ADDR_SIZE * 2)
#define KVP_IP_GATEWAY_MAX (MAX_GATEWAY_SIZE * 2)

struct kvp_ip_request {
	char adapter_id[KVP_IP_ADAPTER_MAX];
	uint8_t addr_family;
	uint8_t dhcp_enabled;
	/* SET_IP_INFO only: */
	char ip_addr[KVP_IP_ADDR_MAX];
	char sub_net[KVP_IP_ADDR_MAX];
	char gate_way[KVP_IP_GATEWAY_MAX];
	char dns_addr[KVP_IP_ADDR_MAX];
};

struct kvp_request {
	uint8_t op;		   /* KVP_OP_GET … KVP_OP_SET_IP_INFO */
	uint8_t pool;		   /* < KVP_POOL_COUNT */
	uint32_t index;		   /* ENUMERATE */
	uint32_t value_type;	   /* SET: REG_SZ, REG_U32 or REG_U64 (value is text either way) */
	size_t key_len, value_len; /* bytes, NUL excluded */
	char key[KVP_KEY_MAX];	   /* SET, GET, DELETE */
	char value[KVP_VALUE_MAX]; /* SET */
	struct kvp_ip_request ip;  /* GET_IP_INFO, SET_IP_INFO */
};

/*
 * Validate and decode one message from the kernel. Returns 0, or -EBADMSG
 * with *ret_reason set to a static text saying what was wrong. On error
 * ret->op and ret->pool are still set to what the message said (for the
 * log line), when the message was long enough to hold them.
 */
int kvp_decode_request(const void *buf, size_t len, struct kvp_request *ret,
		       const char **ret_reason);

/* The registration message (op REGISTER1, the rest zero). */
void kvp_encode_register(struct hv_kvp_msg *ret);

/*
 * The kernel's answer to registration: op REGISTER1 (or legacy REGISTER)
 * with a NUL-terminated version string. Returns 0 or -EBADMSG.
 */
int kvp_decode_register_reply(const void *buf, size_t len, char *ret_version, size_t size);

/* Replies: the whole message is rebuilt, status in bytes 0..3. */
void kvp_encode_status(struct hv_kvp_msg *m, uint32_t status);
/* GET: the kernel reads the value at the ENUMERATE offset (532), so it goes there. */
void kvp_encode_get_reply(struct hv_kvp_msg *m, const char *value);
void kvp_encode_enum_reply(struct hv_kvp_msg *m, const char *key, const char *value);

struct kvp_ip_info;
/* GET_IP_INFO: every IP field where the kernel reads it (offsets 4..7431). */
void kvp_encode_ip_reply(struct hv_kvp_msg *m, const char *adapter_id,
			 const struct kvp_ip_info *info);

/* The one map from 0/-errno to the host's KVP status codes. */
uint32_t kvp_status_from_errno(int r);
const char *kvp_status_name(uint32_t status);
const char *kvp_op_name(unsigned op);

static inline uint32_t le32_read(const void *p)
{
	const uint8_t *b = p;
	return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline void le32_write(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

#endif
