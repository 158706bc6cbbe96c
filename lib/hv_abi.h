/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel <-> daemon ABI, taken from the kernel's own UAPI header, with
 * every size and offset we depend on pinned by a static assertion: if a
 * header ever disagrees with the wire, the build fails rather than the host.
 */
#ifndef HVGUEST_HV_ABI_H
#define HVGUEST_HV_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <linux/hyperv.h>

#ifndef HV_ERROR_DISK_FULL
#define HV_ERROR_DISK_FULL 0x80070070
#endif

#define KVP_MSG_SIZE 7432u

/* Offsets inside struct hv_kvp_msg (reference hv-protocol.md section 2.2). */
#define KVP_OFF_STATUS		0u
#define KVP_OFF_OP		0u
#define KVP_OFF_POOL		1u
#define KVP_OFF_SET_VALUE_TYPE	4u
#define KVP_OFF_SET_KEY_SIZE	8u
#define KVP_OFF_SET_VALUE_SIZE	12u
#define KVP_OFF_SET_KEY		16u
#define KVP_OFF_SET_VALUE	528u
#define KVP_OFF_ENUM_INDEX	4u
#define KVP_OFF_ENUM_KEY_SIZE	12u
#define KVP_OFF_ENUM_VALUE_SIZE 16u
#define KVP_OFF_ENUM_KEY	20u
#define KVP_OFF_ENUM_VALUE	532u
#define KVP_OFF_DEL_KEY_SIZE	4u
#define KVP_OFF_DEL_KEY		8u
#define KVP_OFF_REG_VERSION	4u
#define KVP_OFF_IP_ADAPTER	4u
#define KVP_OFF_IP_FAMILY	260u
#define KVP_OFF_IP_DHCP		261u
#define KVP_OFF_IP_ADDR		262u
#define KVP_OFF_IP_SUBNET	2310u
#define KVP_OFF_IP_GATEWAY	4358u
#define KVP_OFF_IP_DNS		5382u

#define KVP_BODY(m) offsetof(struct hv_kvp_msg, body)

_Static_assert(sizeof(struct hv_kvp_msg) == KVP_MSG_SIZE, "hv_kvp_msg size");
_Static_assert(sizeof(struct hv_kvp_hdr) == 4, "hv_kvp_hdr size");
_Static_assert(sizeof(struct hv_kvp_exchg_msg_value) == 2572, "exchg size");
_Static_assert(sizeof(struct hv_kvp_msg_delete) == 516, "delete size");
_Static_assert(sizeof(struct hv_kvp_ipaddr_value) == 7426, "ipaddr size");
_Static_assert(offsetof(struct hv_kvp_msg, body) == 4, "body offset");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_set.data.key) == KVP_OFF_SET_KEY, "set key");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_set.data.value) == KVP_OFF_SET_VALUE,
	       "set value");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_set.data.key_size) == KVP_OFF_SET_KEY_SIZE,
	       "set key_size");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_set.data.value_size) == KVP_OFF_SET_VALUE_SIZE,
	       "set value_size");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_enum_data.index) == KVP_OFF_ENUM_INDEX,
	       "enum index");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_enum_data.data.key) == KVP_OFF_ENUM_KEY,
	       "enum key");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_enum_data.data.value) == KVP_OFF_ENUM_VALUE,
	       "enum value");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_delete.key_size) == KVP_OFF_DEL_KEY_SIZE,
	       "del key_size");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_delete.key) == KVP_OFF_DEL_KEY, "del key");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_register.version) == KVP_OFF_REG_VERSION,
	       "reg version");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_ip_val.adapter_id) == KVP_OFF_IP_ADAPTER,
	       "ip adapter");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_ip_val.addr_family) == KVP_OFF_IP_FAMILY,
	       "ip family");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_ip_val.dhcp_enabled) == KVP_OFF_IP_DHCP,
	       "ip dhcp");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_ip_val.ip_addr) == KVP_OFF_IP_ADDR, "ip addr");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_ip_val.sub_net) == KVP_OFF_IP_SUBNET,
	       "ip subnet");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_ip_val.gate_way) == KVP_OFF_IP_GATEWAY,
	       "ip gateway");
_Static_assert(offsetof(struct hv_kvp_msg, body.kvp_ip_val.dns_addr) == KVP_OFF_IP_DNS, "ip dns");

/* Pool file record: 512-byte key then 2048-byte value, no header. */
#define KVP_KEY_MAX	HV_KVP_EXCHANGE_MAX_KEY_SIZE   /* 512, NUL included */
#define KVP_VALUE_MAX	HV_KVP_EXCHANGE_MAX_VALUE_SIZE /* 2048, NUL included */
#define KVP_RECORD_SIZE (KVP_KEY_MAX + KVP_VALUE_MAX)
_Static_assert(KVP_RECORD_SIZE == 2560, "pool record size");

/* What the kernel passes on to the host (UTF-16 units, NUL excluded). */
#define KVP_HOST_KEY_UNITS   254
#define KVP_HOST_VALUE_UNITS 1022

#define KVP_AUTO_POOL_ITEMS 10

#endif
