/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "kvp_codec.h"
#include "netinfo.h"
#include "utf8.h"

#define BAD(reason)                                                                                \
	do {                                                                                       \
		*ret_reason = (reason);                                                            \
		return -EBADMSG;                                                                   \
	} while (0)

/*
 * A string field of the message: size_field is the kernel's byte count
 * with the NUL included. It must match the text exactly (no NUL inside,
 * NUL at the end) and be valid UTF-8.
 */
static int decode_sized_string(const uint8_t *field, size_t field_max, uint32_t size_field,
			       char *out, size_t *ret_len, const char **ret_reason, bool key)
{
	if (size_field == 0)
		BAD(key ? "key_size is 0" : "value_size is 0");
	if (size_field > field_max)
		BAD(key ? "key_size larger than 512" : "value_size larger than 2048");
	if (field[size_field - 1] != '\0')
		BAD(key ? "key not NUL-terminated at key_size"
			: "value not NUL-terminated at value_size");
	size_t len = strnlen((const char *)field, size_field);
	if (len != size_field - 1)
		BAD(key ? "key_size does not match the key"
			: "value_size does not match the value");
	if (key && len == 0)
		BAD("empty key");
	if (!utf8_is_valid((const char *)field, len))
		BAD(key ? "key is not valid UTF-8" : "value is not valid UTF-8");
	memcpy(out, field, len + 1);
	*ret_len = len;
	return 0;
}

/* A NUL-terminated string somewhere within a fixed field. */
static int decode_field_string(const uint8_t *field, size_t field_max, char *out,
			       const char **ret_reason, const char *what)
{
	size_t len = strnlen((const char *)field, field_max);
	if (len == field_max)
		BAD(what);
	if (!utf8_is_valid((const char *)field, len))
		BAD(what);
	memcpy(out, field, len + 1);
	return 0;
}

int kvp_decode_request(const void *buf, size_t len, struct kvp_request *ret,
		       const char **ret_reason)
{
	const uint8_t *m = buf;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (len < 2)
		BAD("message shorter than its header");
	ret->op = m[KVP_OFF_OP];
	ret->pool = m[KVP_OFF_POOL];
	if (len != KVP_MSG_SIZE)
		BAD("message length is not 7432 bytes");
	if (ret->op >= KVP_OP_COUNT)
		BAD("unknown operation");
	if (ret->pool >= KVP_POOL_COUNT)
		BAD("pool number out of range");

	switch (ret->op) {
	case KVP_OP_SET:
		ret->value_type = le32_read(m + KVP_OFF_SET_VALUE_TYPE);
		if (ret->value_type != REG_SZ && ret->value_type != REG_U32 &&
		    ret->value_type != REG_U64)
			BAD("unknown value_type");
		r = decode_sized_string(m + KVP_OFF_SET_KEY, KVP_KEY_MAX,
					le32_read(m + KVP_OFF_SET_KEY_SIZE), ret->key,
					&ret->key_len, ret_reason, true);
		if (r < 0)
			return r;
		return decode_sized_string(m + KVP_OFF_SET_VALUE, KVP_VALUE_MAX,
					   le32_read(m + KVP_OFF_SET_VALUE_SIZE), ret->value,
					   &ret->value_len, ret_reason, false);
	case KVP_OP_GET:
		return decode_sized_string(m + KVP_OFF_SET_KEY, KVP_KEY_MAX,
					   le32_read(m + KVP_OFF_SET_KEY_SIZE), ret->key,
					   &ret->key_len, ret_reason, true);
	case KVP_OP_DELETE:
		return decode_sized_string(m + KVP_OFF_DEL_KEY, KVP_KEY_MAX,
					   le32_read(m + KVP_OFF_DEL_KEY_SIZE), ret->key,
					   &ret->key_len, ret_reason, true);
	case KVP_OP_ENUMERATE:
		ret->index = le32_read(m + KVP_OFF_ENUM_INDEX);
		return 0;
	case KVP_OP_GET_IP_INFO:
	case KVP_OP_SET_IP_INFO:
		ret->ip.addr_family = m[KVP_OFF_IP_FAMILY];
		ret->ip.dhcp_enabled = m[KVP_OFF_IP_DHCP];
		if (ret->ip.addr_family & ~(ADDR_FAMILY_IPV4 | ADDR_FAMILY_IPV6))
			BAD("unknown address family bits");
		r = decode_field_string(m + KVP_OFF_IP_ADAPTER, KVP_IP_ADAPTER_MAX,
					ret->ip.adapter_id, ret_reason,
					"adapter_id not a NUL-terminated UTF-8 string");
		if (r < 0 || ret->op == KVP_OP_GET_IP_INFO)
			return r;
		if (ret->ip.dhcp_enabled > 1)
			BAD("dhcp_enabled is neither 0 nor 1");
		r = decode_field_string(m + KVP_OFF_IP_ADDR, KVP_IP_ADDR_MAX, ret->ip.ip_addr,
					ret_reason, "ip_addr not a NUL-terminated UTF-8 string");
		if (r < 0)
			return r;
		r = decode_field_string(m + KVP_OFF_IP_SUBNET, KVP_IP_ADDR_MAX, ret->ip.sub_net,
					ret_reason, "sub_net not a NUL-terminated UTF-8 string");
		if (r < 0)
			return r;
		r = decode_field_string(m + KVP_OFF_IP_GATEWAY, KVP_IP_GATEWAY_MAX,
					ret->ip.gate_way, ret_reason,
					"gate_way not a NUL-terminated UTF-8 string");
		if (r < 0)
			return r;
		return decode_field_string(m + KVP_OFF_IP_DNS, KVP_IP_ADDR_MAX, ret->ip.dns_addr,
					   ret_reason,
					   "dns_addr not a NUL-terminated UTF-8 string");
	}
	BAD("unknown operation");
}

void kvp_encode_register(struct hv_kvp_msg *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->kvp_hdr.operation = KVP_OP_REGISTER1;
}

int kvp_decode_register_reply(const void *buf, size_t len, char *ret_version, size_t size)
{
	const uint8_t *m = buf;

	if (len != KVP_MSG_SIZE || size == 0)
		return -EBADMSG;
	if (m[KVP_OFF_OP] != KVP_OP_REGISTER1 && m[KVP_OFF_OP] != KVP_OP_REGISTER)
		return -EBADMSG;
	size_t n = strnlen((const char *)m + KVP_OFF_REG_VERSION, 512);
	if (n == 512 || n >= size || !utf8_is_valid((const char *)m + KVP_OFF_REG_VERSION, n))
		return -EBADMSG;
	memcpy(ret_version, m + KVP_OFF_REG_VERSION, n);
	ret_version[n] = '\0';
	return 0;
}

void kvp_encode_status(struct hv_kvp_msg *m, uint32_t status)
{
	memset(m, 0, sizeof(*m));
	le32_write((uint8_t *)m + KVP_OFF_STATUS, status);
}

static void put_string(uint8_t *dst, size_t max, const char *s)
{
	size_t n = strnlen(s, max - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
}

void kvp_encode_get_reply(struct hv_kvp_msg *m, const char *value)
{
	kvp_encode_status(m, HV_S_OK);
	put_string((uint8_t *)m + KVP_OFF_ENUM_VALUE, KVP_VALUE_MAX, value);
	le32_write((uint8_t *)m + KVP_OFF_ENUM_VALUE_SIZE,
		   (uint32_t)strnlen(value, KVP_VALUE_MAX - 1) + 1);
}

void kvp_encode_enum_reply(struct hv_kvp_msg *m, const char *key, const char *value)
{
	kvp_encode_status(m, HV_S_OK);
	put_string((uint8_t *)m + KVP_OFF_ENUM_KEY, KVP_KEY_MAX, key);
	put_string((uint8_t *)m + KVP_OFF_ENUM_VALUE, KVP_VALUE_MAX, value);
	le32_write((uint8_t *)m + KVP_OFF_ENUM_KEY_SIZE,
		   (uint32_t)strnlen(key, KVP_KEY_MAX - 1) + 1);
	le32_write((uint8_t *)m + KVP_OFF_ENUM_VALUE_SIZE,
		   (uint32_t)strnlen(value, KVP_VALUE_MAX - 1) + 1);
	le32_write((uint8_t *)m + 4 + 4, REG_SZ);
}

void kvp_encode_ip_reply(struct hv_kvp_msg *m, const char *adapter_id,
			 const struct kvp_ip_info *info)
{
	uint8_t *b = (uint8_t *)m;

	kvp_encode_status(m, HV_S_OK);
	put_string(b + KVP_OFF_IP_ADAPTER, KVP_IP_ADAPTER_MAX, adapter_id);
	b[KVP_OFF_IP_FAMILY] = info->addr_family;
	b[KVP_OFF_IP_DHCP] = info->dhcp_enabled;
	put_string(b + KVP_OFF_IP_ADDR, KVP_IP_ADDR_MAX, info->ip_addr);
	put_string(b + KVP_OFF_IP_SUBNET, KVP_IP_ADDR_MAX, info->sub_net);
	put_string(b + KVP_OFF_IP_GATEWAY, KVP_IP_GATEWAY_MAX, info->gate_way);
	put_string(b + KVP_OFF_IP_DNS, KVP_IP_ADDR_MAX, info->dns_addr);
}

uint32_t kvp_status_from_errno(int r)
{
	switch (r) {
	case 0:
		return HV_S_OK;
	case -ENOENT: /* not found, and the end of an enumeration */
		return HV_S_CONT;
	case -EBADMSG:
	case -EINVAL:
	case -EILSEQ:
	case -E2BIG:
	case -ENAMETOOLONG:
		return HV_INVALIDARG;
	case -ENOSPC:
	case -EDQUOT:
		return HV_ERROR_DISK_FULL;
	case -ENODEV:
		return HV_GUID_NOTFOUND;
	default: /* -EPERM for a read-only pool, I/O errors, lock timeouts */
		return HV_E_FAIL;
	}
}

const char *kvp_status_name(uint32_t status)
{
	switch (status) {
	case HV_S_OK:
		return "S_OK";
	case HV_E_FAIL:
		return "E_FAIL";
	case HV_S_CONT:
		return "S_CONT";
	case HV_ERROR_NOT_SUPPORTED:
		return "NOT_SUPPORTED";
	case HV_ERROR_MACHINE_LOCKED:
		return "MACHINE_LOCKED";
	case HV_ERROR_DEVICE_NOT_CONNECTED:
		return "DEVICE_NOT_CONNECTED";
	case HV_INVALIDARG:
		return "INVALIDARG";
	case HV_GUID_NOTFOUND:
		return "GUID_NOTFOUND";
	case HV_ERROR_ALREADY_EXISTS:
		return "ALREADY_EXISTS";
	case HV_ERROR_DISK_FULL:
		return "DISK_FULL";
	}
	return NULL;
}

const char *kvp_op_name(unsigned op)
{
	static const char *const names[] = {
		[KVP_OP_GET] = "GET",
		[KVP_OP_SET] = "SET",
		[KVP_OP_DELETE] = "DELETE",
		[KVP_OP_ENUMERATE] = "ENUMERATE",
		[KVP_OP_GET_IP_INFO] = "GET_IP_INFO",
		[KVP_OP_SET_IP_INFO] = "SET_IP_INFO",
	};
	if (op == KVP_OP_REGISTER1)
		return "REGISTER1";
	return op < sizeof(names) / sizeof(names[0]) ? names[op] : "UNKNOWN";
}
