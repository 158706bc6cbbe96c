/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/vss_codec.c: the 12-byte hv_vss_msg, the 4-byte registration answer, the status map. */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "unit.h"
#include "vss_codec.h"

static void test_register(void)
{
	struct hv_vss_msg m;
	uint8_t zero[12] = {};
	uint32_t v = 0;

	memset(&m, 0xaa, sizeof(m));
	vss_encode_register(&m);
	CU_ASSERT_EQUAL(((uint8_t *)&m)[0], 129);
	CU_ASSERT_EQUAL(memcmp((uint8_t *)&m + 1, zero, 11), 0);

	static const struct {
		const char *name;
		uint8_t bytes[12];
		size_t len;
		int r;
	} cases[] = {
		{ "the kernel's answer", { 129, 0, 0, 0 }, 4, 0 },
		{ "legacy 128", { 128, 0, 0, 0 }, 4, -EBADMSG },
		{ "129 with high bytes", { 129, 0, 0, 1 }, 4, -EBADMSG },
		{ "3 bytes", { 129, 0, 0 }, 3, -EBADMSG },
		{ "a 12-byte message", { 129 }, 12, -EBADMSG },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		int r = vss_decode_register_reply(cases[i].bytes, cases[i].len, &v);
		if (r != cases[i].r)
			fprintf(stderr, "\n  %s: got %d, expected %d\n", cases[i].name, r, cases[i].r);
		CU_ASSERT_EQUAL(r, cases[i].r);
	}
}

static void test_request(void)
{
	static const struct {
		const char *name;
		uint8_t bytes[16];
		size_t len;
		int r;
		uint8_t op;
	} cases[] = {
		{ "FREEZE", { VSS_OP_FREEZE }, 12, 0, VSS_OP_FREEZE },
		{ "THAW", { VSS_OP_THAW }, 12, 0, VSS_OP_THAW },
		{ "HOT_BACKUP", { VSS_OP_HOT_BACKUP }, 12, 0, VSS_OP_HOT_BACKUP },
		{ "unknown op 200", { 200 }, 12, 0, 200 },
		{ "11 bytes", { VSS_OP_FREEZE }, 11, -EBADMSG, 0 },
		{ "13 bytes", { VSS_OP_FREEZE }, 13, -EBADMSG, 0 },
		{ "empty", { 0 }, 0, -EBADMSG, 0 },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct vss_request req = {};
		const char *reason = NULL;
		int r = vss_decode_request(cases[i].bytes, cases[i].len, &req, &reason);
		if (r != cases[i].r)
			fprintf(stderr, "\n  %s: got %d, expected %d\n", cases[i].name, r, cases[i].r);
		CU_ASSERT_EQUAL(r, cases[i].r);
		if (r == 0) {
			CU_ASSERT_EQUAL(req.op, cases[i].op);
		} else {
			CU_ASSERT_PTR_NOT_NULL(reason);
		}
	}
}

static void test_reply_and_status(void)
{
	struct vss_request req = { .op = VSS_OP_FREEZE, .flags = 5 };
	struct hv_vss_msg m;
	uint8_t *b = (uint8_t *)&m;

	vss_encode_reply(&m, &req, vss_status_from_errno(-EIO));
	CU_ASSERT_EQUAL(b[0], 0x05);
	CU_ASSERT_EQUAL(b[1], 0x40);
	CU_ASSERT_EQUAL(b[2], 0x00);
	CU_ASSERT_EQUAL(b[3], 0x80);
	CU_ASSERT_EQUAL(b[8], 5);
	vss_encode_reply(&m, &req, vss_status_from_errno(0));
	CU_ASSERT_EQUAL(b[0] | b[1] | b[2] | b[3], 0);

	/* Every errno maps to a code the kernel will not take for a registration. */
	for (int e = 0; e < 200; e++) {
		uint32_t s = vss_status_from_errno(-e);
		CU_ASSERT((s & 0xff) != 128 && (s & 0xff) != 129);
		CU_ASSERT(s == HV_S_OK || s == HV_E_FAIL);
	}
	char buf[16];
	CU_ASSERT_STRING_EQUAL(vss_op_name(VSS_OP_FREEZE, buf), "FREEZE");
	CU_ASSERT_STRING_EQUAL(vss_op_name(99, buf), "op 99");
	CU_ASSERT_STRING_EQUAL(vss_status_name(HV_E_FAIL), "E_FAIL");
}

static const struct unit_test tests[] = {
	{ "registration and its answer", test_register },
	{ "requests: lengths and ops", test_request },
	{ "replies and the status map", test_reply_and_status },
};

UNIT_MAIN("vss_codec", tests)
