/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The KVP codec against a table of good and bad kernel messages. */
#include <errno.h>
#include <string.h>

#include "kvp_codec.h"
#include "macro.h"
#include "netinfo.h"
#include "unit.h"

static uint8_t msg[KVP_MSG_SIZE + 16];

static void msg_reset(uint8_t op, uint8_t pool)
{
	memset(msg, 0, sizeof(msg));
	msg[KVP_OFF_OP] = op;
	msg[KVP_OFF_POOL] = pool;
}

/* As the kernel builds SET/GET: key and value UTF-8 with sizes counting the NUL. */
static void msg_kv(uint8_t op, uint8_t pool, const char *key, const char *value)
{
	msg_reset(op, pool);
	le32_write(msg + KVP_OFF_SET_VALUE_TYPE, REG_SZ);
	le32_write(msg + KVP_OFF_SET_KEY_SIZE, (uint32_t)strlen(key) + 1);
	memcpy(msg + KVP_OFF_SET_KEY, key, strlen(key));
	if (value) {
		le32_write(msg + KVP_OFF_SET_VALUE_SIZE, (uint32_t)strlen(value) + 1);
		memcpy(msg + KVP_OFF_SET_VALUE, value, strlen(value));
	}
}

static void msg_delete(uint8_t pool, const char *key)
{
	msg_reset(KVP_OP_DELETE, pool);
	le32_write(msg + KVP_OFF_DEL_KEY_SIZE, (uint32_t)strlen(key) + 1);
	memcpy(msg + KVP_OFF_DEL_KEY, key, strlen(key));
}

struct bad_case {
	const char *name;
	void (*build)(void);
	size_t len;
	const char *reason_part;
};

static void b_short(void) { msg_kv(KVP_OP_SET, 0, "k", "v"); }
static void b_pool5(void) { msg_kv(KVP_OP_SET, 5, "k", "v"); }
static void b_pool255(void) { msg_kv(KVP_OP_GET, 255, "k", NULL); }
static void b_op6(void) { msg_reset(6, 0); }
static void b_op100(void) { msg_reset(KVP_OP_REGISTER1, 0); }
static void b_keysize0(void) { msg_kv(KVP_OP_SET, 0, "k", "v"); le32_write(msg + KVP_OFF_SET_KEY_SIZE, 0); }
static void b_keysize513(void) { msg_kv(KVP_OP_SET, 0, "k", "v"); le32_write(msg + KVP_OFF_SET_KEY_SIZE, 513); }
static void b_keysize_huge(void) { msg_kv(KVP_OP_GET, 0, "k", NULL); le32_write(msg + KVP_OFF_SET_KEY_SIZE, 0xffffffffu); }
static void b_keysize_long(void) { msg_kv(KVP_OP_SET, 0, "key", "v"); le32_write(msg + KVP_OFF_SET_KEY_SIZE, 10); }
static void b_keysize_short(void) { msg_kv(KVP_OP_SET, 0, "key", "v"); le32_write(msg + KVP_OFF_SET_KEY_SIZE, 2); }
static void b_key_nonul(void) { msg_kv(KVP_OP_SET, 0, "k", "v"); memset(msg + KVP_OFF_SET_KEY, 'a', 512); le32_write(msg + KVP_OFF_SET_KEY_SIZE, 512); }
static void b_valuesize2049(void) { msg_kv(KVP_OP_SET, 0, "k", "v"); le32_write(msg + KVP_OFF_SET_VALUE_SIZE, 2049); }
static void b_valuesize0(void) { msg_kv(KVP_OP_SET, 0, "k", "v"); le32_write(msg + KVP_OFF_SET_VALUE_SIZE, 0); }
static void b_emptykey(void) { msg_kv(KVP_OP_SET, 0, "", "v"); }
static void b_badutf8_key(void) { msg_kv(KVP_OP_SET, 0, "\xff\xfe", "v"); }
static void b_overlong(void) { msg_kv(KVP_OP_GET, 0, "\xc0\xaf", NULL); }
static void b_surrogate(void) { msg_kv(KVP_OP_SET, 0, "k", "\xed\xa0\x80"); }
static void b_badutf8_value(void) { msg_kv(KVP_OP_SET, 0, "k", "ok\x80"); }
static void b_valuetype(void) { msg_kv(KVP_OP_SET, 0, "k", "v"); le32_write(msg + KVP_OFF_SET_VALUE_TYPE, 3); }
static void b_del_keysize(void) { msg_delete(0, "k"); le32_write(msg + KVP_OFF_DEL_KEY_SIZE, 600); }
static void b_del_empty(void) { msg_delete(0, ""); }
static void b_ip_adapter(void) { msg_reset(KVP_OP_GET_IP_INFO, 0); memset(msg + KVP_OFF_IP_ADAPTER, 'A', KVP_IP_ADAPTER_MAX); }
static void b_ip_family(void) { msg_reset(KVP_OP_GET_IP_INFO, 0); msg[KVP_OFF_IP_FAMILY] = 4; }
static void b_ip_dhcp(void) { msg_reset(KVP_OP_SET_IP_INFO, 0); msg[KVP_OFF_IP_DHCP] = 2; }
static void b_ip_addr(void) { msg_reset(KVP_OP_SET_IP_INFO, 0); memset(msg + KVP_OFF_IP_ADDR, '1', KVP_IP_ADDR_MAX); }

static const struct bad_case bad_cases[] = {
	{ "empty message", b_short, 0, "shorter" },
	{ "one byte", b_short, 1, "shorter" },
	{ "7431 bytes", b_short, KVP_MSG_SIZE - 1, "7432" },
	{ "7433 bytes", b_short, KVP_MSG_SIZE + 1, "7432" },
	{ "FreeBSD's 7430 bytes", b_short, 7430, "7432" },
	{ "pool 5", b_pool5, KVP_MSG_SIZE, "pool" },
	{ "pool 255", b_pool255, KVP_MSG_SIZE, "pool" },
	{ "op 6", b_op6, KVP_MSG_SIZE, "operation" },
	{ "op 100 after registration", b_op100, KVP_MSG_SIZE, "operation" },
	{ "key_size 0", b_keysize0, KVP_MSG_SIZE, "key_size is 0" },
	{ "key_size 513", b_keysize513, KVP_MSG_SIZE, "larger than 512" },
	{ "key_size 0xffffffff", b_keysize_huge, KVP_MSG_SIZE, "larger than 512" },
	{ "key_size past the NUL", b_keysize_long, KVP_MSG_SIZE, "does not match" },
	{ "key_size before the NUL", b_keysize_short, KVP_MSG_SIZE, "NUL" },
	{ "key without NUL", b_key_nonul, KVP_MSG_SIZE, "NUL" },
	{ "value_size 2049", b_valuesize2049, KVP_MSG_SIZE, "larger than 2048" },
	{ "value_size 0", b_valuesize0, KVP_MSG_SIZE, "value_size is 0" },
	{ "empty key", b_emptykey, KVP_MSG_SIZE, "empty key" },
	{ "invalid UTF-8 key", b_badutf8_key, KVP_MSG_SIZE, "UTF-8" },
	{ "overlong UTF-8 '/'", b_overlong, KVP_MSG_SIZE, "UTF-8" },
	{ "UTF-8 surrogate in value", b_surrogate, KVP_MSG_SIZE, "UTF-8" },
	{ "stray continuation byte in value", b_badutf8_value, KVP_MSG_SIZE, "UTF-8" },
	{ "value_type 3", b_valuetype, KVP_MSG_SIZE, "value_type" },
	{ "DELETE key_size 600", b_del_keysize, KVP_MSG_SIZE, "larger than 512" },
	{ "DELETE empty key", b_del_empty, KVP_MSG_SIZE, "empty key" },
	{ "adapter_id without NUL", b_ip_adapter, KVP_MSG_SIZE, "adapter_id" },
	{ "addr_family 4", b_ip_family, KVP_MSG_SIZE, "family" },
	{ "dhcp_enabled 2", b_ip_dhcp, KVP_MSG_SIZE, "dhcp_enabled" },
	{ "ip_addr without NUL", b_ip_addr, KVP_MSG_SIZE, "ip_addr" },
};

static void test_bad_messages(void)
{
	for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct kvp_request req;
		const char *reason = NULL;

		c->build();
		int r = kvp_decode_request(msg, c->len, &req, &reason);
		if (r != -EBADMSG || !reason || !strstr(reason, c->reason_part))
			fprintf(stderr, "\n  case \"%s\": r=%d reason=\"%s\", wanted \"%s\"\n", c->name,
				r, reason ? reason : "(none)", c->reason_part);
		CU_ASSERT_EQUAL(r, -EBADMSG);
		CU_ASSERT_PTR_NOT_NULL(reason);
		CU_ASSERT_PTR_NOT_NULL(reason ? strstr(reason, c->reason_part) : NULL);
		CU_ASSERT_EQUAL(kvp_status_from_errno(r), HV_INVALIDARG);
	}
}

static void test_good_set(void)
{
	struct kvp_request req;
	const char *reason = NULL;
	char key[512], value[2048];

	/* The limits the kernel can produce: 511 and 2047 bytes of UTF-8. */
	memset(key, 'k', 511);
	key[511] = '\0';
	memset(value, 'v', 2047);
	value[2047] = '\0';
	msg_kv(KVP_OP_SET, KVP_POOL_EXTERNAL, key, value);
	CU_ASSERT_EQUAL(kvp_decode_request(msg, KVP_MSG_SIZE, &req, &reason), 0);
	CU_ASSERT_EQUAL(req.op, KVP_OP_SET);
	CU_ASSERT_EQUAL(req.pool, KVP_POOL_EXTERNAL);
	CU_ASSERT_EQUAL(req.key_len, 511);
	CU_ASSERT_EQUAL(req.value_len, 2047);
	CU_ASSERT_STRING_EQUAL(req.key, key);
	CU_ASSERT_STRING_EQUAL(req.value, value);

	/* Multi-byte UTF-8 and an empty value are fine; REG_U32 arrives as text. */
	msg_kv(KVP_OP_SET, KVP_POOL_AUTO_EXTERNAL, "VirtualMachineName", "");
	le32_write(msg + KVP_OFF_SET_VALUE_TYPE, REG_U32);
	CU_ASSERT_EQUAL(kvp_decode_request(msg, KVP_MSG_SIZE, &req, &reason), 0);
	CU_ASSERT_EQUAL(req.value_len, 0);
	CU_ASSERT_EQUAL(req.value_type, REG_U32);
	msg_kv(KVP_OP_SET, 1, "Gr\xc3\xbc\xc3\x9f" "e", "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
	CU_ASSERT_EQUAL(kvp_decode_request(msg, KVP_MSG_SIZE, &req, &reason), 0);
	CU_ASSERT_STRING_EQUAL(req.value, "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
}

static void test_good_others(void)
{
	struct kvp_request req;
	const char *reason = NULL;

	msg_kv(KVP_OP_GET, 4, "Key", NULL);
	CU_ASSERT_EQUAL(kvp_decode_request(msg, KVP_MSG_SIZE, &req, &reason), 0);
	CU_ASSERT_EQUAL(req.op, KVP_OP_GET);
	CU_ASSERT_STRING_EQUAL(req.key, "Key");

	msg_delete(0, "Gone");
	CU_ASSERT_EQUAL(kvp_decode_request(msg, KVP_MSG_SIZE, &req, &reason), 0);
	CU_ASSERT_EQUAL(req.op, KVP_OP_DELETE);
	CU_ASSERT_STRING_EQUAL(req.key, "Gone");

	msg_reset(KVP_OP_ENUMERATE, 2);
	le32_write(msg + KVP_OFF_ENUM_INDEX, 0xfffffffeu);
	CU_ASSERT_EQUAL(kvp_decode_request(msg, KVP_MSG_SIZE, &req, &reason), 0);
	CU_ASSERT_EQUAL(req.index, 0xfffffffeu);
	CU_ASSERT_EQUAL(req.pool, 2);

	msg_reset(KVP_OP_GET_IP_INFO, 0);
	memcpy(msg + KVP_OFF_IP_ADAPTER, "00:15:5D:AA:BB:CC", 17);
	msg[KVP_OFF_IP_FAMILY] = ADDR_FAMILY_IPV4 | ADDR_FAMILY_IPV6;
	CU_ASSERT_EQUAL(kvp_decode_request(msg, KVP_MSG_SIZE, &req, &reason), 0);
	CU_ASSERT_STRING_EQUAL(req.ip.adapter_id, "00:15:5D:AA:BB:CC");
}

static void test_replies(void)
{
	struct hv_kvp_msg m;
	const uint8_t *b = (const uint8_t *)&m;

	memset(&m, 0xaa, sizeof(m));
	kvp_encode_status(&m, HV_S_CONT);
	CU_ASSERT_EQUAL(le32_read(b), HV_S_CONT);
	CU_ASSERT_EQUAL(b[100], 0); /* nothing left over from before */

	kvp_encode_enum_reply(&m, "FullyQualifiedDomainName", "guest.example.org");
	CU_ASSERT_EQUAL(le32_read(b), HV_S_OK);
	CU_ASSERT_STRING_EQUAL((const char *)b + KVP_OFF_ENUM_KEY, "FullyQualifiedDomainName");
	CU_ASSERT_STRING_EQUAL((const char *)b + KVP_OFF_ENUM_VALUE, "guest.example.org");

	/* GET: where the kernel reads it, offset 532, not the GET layout's 528. */
	kvp_encode_get_reply(&m, "the value");
	CU_ASSERT_EQUAL(le32_read(b), HV_S_OK);
	CU_ASSERT_STRING_EQUAL((const char *)b + 532, "the value");

	kvp_encode_register(&m);
	CU_ASSERT_EQUAL(b[0], KVP_OP_REGISTER1);
	CU_ASSERT_EQUAL(b[1], 0);
}

static void test_ip_reply(void)
{
	struct hv_kvp_msg m;
	const uint8_t *b = (const uint8_t *)&m;
	struct kvp_ip_info info = {
		.addr_family = ADDR_FAMILY_IPV4 | ADDR_FAMILY_IPV6,
		.dhcp_enabled = 1,
		.ip_addr = "192.0.2.10;2001:db8::10",
		.sub_net = "255.255.255.0;/64",
		.gate_way = "192.0.2.1;",
		.dns_addr = "198.51.100.53;",
	};

	memset(&m, 0xaa, sizeof(m));
	kvp_encode_ip_reply(&m, "00:15:5D:AA:BB:CC", &info);
	CU_ASSERT_EQUAL(le32_read(b), HV_S_OK);
	CU_ASSERT_STRING_EQUAL((const char *)b + 4, "00:15:5D:AA:BB:CC");
	CU_ASSERT_EQUAL(b[260], 3);
	CU_ASSERT_EQUAL(b[261], 1);
	CU_ASSERT_STRING_EQUAL((const char *)b + 262, "192.0.2.10;2001:db8::10");
	CU_ASSERT_STRING_EQUAL((const char *)b + 2310, "255.255.255.0;/64");
	CU_ASSERT_STRING_EQUAL((const char *)b + 4358, "192.0.2.1;");
	CU_ASSERT_STRING_EQUAL((const char *)b + 5382, "198.51.100.53;");
	CU_ASSERT_EQUAL(b[KVP_MSG_SIZE - 1], 0);
}

static void test_register_reply(void)
{
	char version[64];

	msg_reset(KVP_OP_REGISTER1, 0);
	memcpy(msg + KVP_OFF_REG_VERSION, "3.1", 4);
	CU_ASSERT_EQUAL(kvp_decode_register_reply(msg, KVP_MSG_SIZE, version, sizeof(version)), 0);
	CU_ASSERT_STRING_EQUAL(version, "3.1");
	CU_ASSERT_EQUAL(kvp_decode_register_reply(msg, 4, version, sizeof(version)), -EBADMSG);
	msg[0] = KVP_OP_SET;
	CU_ASSERT_EQUAL(kvp_decode_register_reply(msg, KVP_MSG_SIZE, version, sizeof(version)), -EBADMSG);
	msg[0] = KVP_OP_REGISTER1;
	memset(msg + KVP_OFF_REG_VERSION, 'x', 512);
	CU_ASSERT_EQUAL(kvp_decode_register_reply(msg, KVP_MSG_SIZE, version, sizeof(version)), -EBADMSG);
}

static void test_status_map(void)
{
	static const struct {
		int r;
		uint32_t status;
	} map[] = {
		{ 0, HV_S_OK },		       { -ENOENT, HV_S_CONT },	   { -EBADMSG, HV_INVALIDARG },
		{ -EINVAL, HV_INVALIDARG },    { -ENOSPC, HV_ERROR_DISK_FULL }, { -EIO, HV_E_FAIL },
		{ -EPERM, HV_E_FAIL },	       { -ETIMEDOUT, HV_E_FAIL },	{ -EOPNOTSUPP, HV_E_FAIL },
	};
	for (size_t i = 0; i < ELEMENTSOF(map); i++) {
		if (kvp_status_from_errno(map[i].r) != map[i].status)
			fprintf(stderr, "\n  errno %d mapped to %#x\n", map[i].r,
				kvp_status_from_errno(map[i].r));
		CU_ASSERT_EQUAL(kvp_status_from_errno(map[i].r), map[i].status);
	}
	CU_ASSERT_STRING_EQUAL(kvp_status_name(HV_S_CONT), "S_CONT");
	CU_ASSERT_PTR_NULL(kvp_status_name(0x12345678));
}

static const struct unit_test tests[] = {
	{ "bad messages are rejected with a reason", test_bad_messages },
	{ "SET at the size limits and with UTF-8", test_good_set },
	{ "GET, DELETE, ENUMERATE, GET_IP_INFO", test_good_others },
	{ "replies put status and strings where the kernel reads them", test_replies },
	{ "registration answer", test_register_reply },
	{ "GET_IP_INFO reply at the kernel's offsets", test_ip_reply },
	{ "errno to host status map", test_status_map },
};

UNIT_MAIN("kvp_codec", tests)
