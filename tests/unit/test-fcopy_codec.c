/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/fcopy_codec.c: the legacy fcopy decoder and its 4-byte messages. */
#include <errno.h>
#include <string.h>

#include "fcopy_codec.h"
#include "macro.h"
#include "unit.h"

static uint8_t msg[FCOPY_LEGACY_WRITE_SIZE + 64];

static void put_u32(uint8_t *p, uint32_t v)
{
	fcopy_legacy_encode_status(p, v);
}

static size_t make_start(const char *file, const char *path, uint32_t flags, uint64_t size)
{
	memset(msg, 0, sizeof(msg));
	put_u32(msg, START_FILE_COPY);
	memcpy(msg + FCOPY_LEGACY_OFF_FILE_NAME, file, strlen(file));
	memcpy(msg + FCOPY_LEGACY_OFF_PATH_NAME, path, strlen(path));
	put_u32(msg + FCOPY_LEGACY_OFF_FLAGS, flags);
	put_u32(msg + FCOPY_LEGACY_OFF_FILE_SIZE, (uint32_t)size);
	put_u32(msg + FCOPY_LEGACY_OFF_FILE_SIZE + 4, (uint32_t)(size >> 32));
	return FCOPY_LEGACY_START_SIZE;
}

static size_t make_write(uint64_t offset, uint32_t size)
{
	memset(msg, 0, sizeof(msg));
	put_u32(msg, WRITE_TO_FILE);
	put_u32(msg + FCOPY_LEGACY_OFF_OFFSET, (uint32_t)offset);
	put_u32(msg + FCOPY_LEGACY_OFF_OFFSET + 4, (uint32_t)(offset >> 32));
	put_u32(msg + FCOPY_LEGACY_OFF_SIZE, size);
	for (uint32_t i = 0; i < size && i < DATA_FRAGMENT; i++)
		msg[FCOPY_LEGACY_OFF_DATA + i] = (uint8_t)i;
	return FCOPY_LEGACY_WRITE_SIZE;
}

static void test_start_ok(void)
{
	static const struct {
		const char *file, *path;
	} cases[] = {
		{ "a.txt", "/tmp" },
		{ "caf\xc3\xa9", "/tmp/\xe6\x97\xa5\xe6\x9c\xac" },
		{ "\xf0\x9f\x98\x80.bin", "/" },
		{ "x", "" },
	};
	static struct fcopy_request req;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const char *reason = NULL;
		size_t len = make_start(cases[i].file, cases[i].path, OVER_WRITE | CREATE_PATH | 0x100,
					0x123456789ULL);
		int r = fcopy_legacy_decode(msg, len, &req, &reason);
		if (r != 0)
			fprintf(stderr, "start \"%s\" \"%s\": %d %s\n", cases[i].file, cases[i].path, r, reason);
		CU_ASSERT_EQUAL(r, 0);
		CU_ASSERT_EQUAL(req.op, START_FILE_COPY);
		CU_ASSERT_STRING_EQUAL(req.file_name, cases[i].file);
		CU_ASSERT_STRING_EQUAL(req.path_name, cases[i].path);
		CU_ASSERT_EQUAL(req.copy_flags, OVER_WRITE | CREATE_PATH); /* unknown bit dropped */
		CU_ASSERT_EQUAL(req.file_size, 0x123456789ULL);
	}
}

static void test_start_bad(void)
{
	static const struct {
		const char *name;
		int patch; /* 0 len-8, 1 len+8, 2 no NUL file, 3 no NUL path, 4 bad utf8, 5 overlong, 6 surrogate */
		int want;
	} cases[] = {
		{ "short", 0, -EINVAL },     { "long", 1, -EINVAL },
		{ "file no NUL", 2, -EINVAL }, { "path no NUL", 3, -EINVAL },
		{ "bad utf8", 4, -EILSEQ },  { "overlong", 5, -EILSEQ },
		{ "surrogate", 6, -EILSEQ },
	};
	static struct fcopy_request req;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const char *reason = NULL;
		size_t len = make_start("f", "/tmp", 0, 1);
		switch (cases[i].patch) {
		case 0: len -= 8; break;
		case 1: len += 8; break;
		case 2: memset(msg + FCOPY_LEGACY_OFF_FILE_NAME, 'a', FCOPY_LEGACY_NAME_BYTES); break;
		case 3: memset(msg + FCOPY_LEGACY_OFF_PATH_NAME, 'a', FCOPY_LEGACY_NAME_BYTES); break;
		case 4: memcpy(msg + FCOPY_LEGACY_OFF_FILE_NAME, "a\xc3(", 3); break;
		case 5: memcpy(msg + FCOPY_LEGACY_OFF_FILE_NAME, "\xc0\xaf", 2); break;
		case 6: memcpy(msg + FCOPY_LEGACY_OFF_PATH_NAME, "\xed\xa0\x80", 3); break;
		}
		int r = fcopy_legacy_decode(msg, len, &req, &reason);
		if (r != cases[i].want)
			fprintf(stderr, "start %s: got %d, want %d\n", cases[i].name, r, cases[i].want);
		CU_ASSERT_EQUAL(r, cases[i].want);
		CU_ASSERT_PTR_NOT_NULL(reason);
		CU_ASSERT_EQUAL(fcopy_status_from_errno(r), HV_INVALIDARG);
	}
}

static void test_write(void)
{
	static const struct {
		uint64_t offset;
		uint32_t size;
		size_t len; /* 0: the full 6196 */
		int want;
	} cases[] = {
		{ 0, 0, 0, 0 },
		{ 0, 1, 0, 0 },
		{ 12288, 6144, 0, 0 },
		{ 0, 6145, 0, -EINVAL },
		{ 0, 100, FCOPY_LEGACY_WRITE_HDR + 100, 0 },
		{ 0, 101, FCOPY_LEGACY_WRITE_HDR + 100, -EINVAL },
		{ 0, 0, FCOPY_LEGACY_WRITE_HDR - 1, -EINVAL },
		{ 0, 1, FCOPY_LEGACY_WRITE_SIZE + 1, -EINVAL },
		{ UINT64_MAX - 10, 100, 0, -EINVAL },
		{ UINT64_MAX - 100, 100, 0, 0 },
	};
	static struct fcopy_request req;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const char *reason = NULL;
		size_t len = make_write(cases[i].offset, cases[i].size);
		if (cases[i].len)
			len = cases[i].len;
		int r = fcopy_legacy_decode(msg, len, &req, &reason);
		if (r != cases[i].want)
			fprintf(stderr, "write offset %llu size %u len %zu: got %d (%s), want %d\n",
				(unsigned long long)cases[i].offset, cases[i].size, len, r,
				reason ? reason : "", cases[i].want);
		CU_ASSERT_EQUAL(r, cases[i].want);
		if (r == 0) {
			CU_ASSERT_EQUAL(req.offset, cases[i].offset);
			CU_ASSERT_EQUAL(req.size, cases[i].size);
			CU_ASSERT_PTR_EQUAL(req.data, msg + FCOPY_LEGACY_OFF_DATA);
		}
	}
}

static void test_other_ops(void)
{
	static struct fcopy_request req;
	const char *reason = NULL;

	memset(msg, 0, sizeof(msg));
	for (uint32_t op = COMPLETE_FCOPY; op <= CANCEL_FCOPY; op++) {
		put_u32(msg, op);
		CU_ASSERT_EQUAL(fcopy_legacy_decode(msg, FCOPY_LEGACY_HDR_SIZE, &req, &reason), 0);
		CU_ASSERT_EQUAL(req.op, op);
		CU_ASSERT_EQUAL(fcopy_legacy_decode(msg, 100, &req, &reason), 0);
		CU_ASSERT_EQUAL(fcopy_legacy_decode(msg, FCOPY_LEGACY_HDR_SIZE - 1, &req, &reason), -EINVAL);
	}
	put_u32(msg, 4);
	CU_ASSERT_EQUAL(fcopy_legacy_decode(msg, 64, &req, &reason), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(fcopy_status_from_errno(-EOPNOTSUPP), HV_E_FAIL);
	CU_ASSERT_EQUAL(fcopy_legacy_decode(msg, 0, &req, NULL), -EINVAL);
}

static void test_small_messages(void)
{
	uint8_t b[4];

	CU_ASSERT_EQUAL(fcopy_legacy_encode_register(b), 4);
	CU_ASSERT(b[0] == 1 && b[1] == 0 && b[2] == 0 && b[3] == 0);
	CU_ASSERT_EQUAL(fcopy_legacy_decode_register_reply(b, 4), 0);
	CU_ASSERT_EQUAL(fcopy_legacy_decode_register_reply(b, 3), -EPROTO);
	CU_ASSERT_EQUAL(fcopy_legacy_decode_register_reply(b, 8), -EPROTO);
	b[0] = 0;
	CU_ASSERT_EQUAL(fcopy_legacy_decode_register_reply(b, 4), -EPROTO);
	fcopy_legacy_encode_status(b, HV_ERROR_DISK_FULL);
	CU_ASSERT(b[0] == 0x70 && b[1] == 0x00 && b[2] == 0x07 && b[3] == 0x80);
	CU_ASSERT_STRING_EQUAL(fcopy_status_name(HV_ERROR_ALREADY_EXISTS), "HV_ERROR_ALREADY_EXISTS");
	CU_ASSERT_PTR_NULL(fcopy_status_name(12345));
	CU_ASSERT_STRING_EQUAL(fcopy_op_name(CANCEL_FCOPY), "CANCEL_FCOPY");
	CU_ASSERT_PTR_NULL(fcopy_op_name(9));
}

static void test_status_map(void)
{
	static const struct {
		int r;
		uint32_t want;
	} cases[] = {
		{ 0, HV_S_OK }, { -EEXIST, HV_ERROR_ALREADY_EXISTS }, { -ENOSPC, HV_ERROR_DISK_FULL },
		{ -EDQUOT, HV_ERROR_DISK_FULL }, { -EINVAL, HV_INVALIDARG }, { -EILSEQ, HV_INVALIDARG },
		{ -EACCES, HV_E_FAIL }, { -ELOOP, HV_E_FAIL }, { -ENOENT, HV_E_FAIL }, { -EBADF, HV_E_FAIL },
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		uint32_t got = fcopy_status_from_errno(cases[i].r);
		if (got != cases[i].want)
			fprintf(stderr, "status of %d: 0x%08x, want 0x%08x\n", cases[i].r, got, cases[i].want);
		CU_ASSERT_EQUAL(got, cases[i].want);
	}
}

static const struct unit_test tests[] = {
	{ "start decodes names, flags and size", test_start_ok },
	{ "start: bad length, missing NUL, bad UTF-8", test_start_bad },
	{ "write: size, length and offset checks", test_write },
	{ "complete, cancel, unknown op", test_other_ops },
	{ "registration and status messages", test_small_messages },
	{ "errno to host status", test_status_map },
};

UNIT_MAIN("fcopy_codec", tests)
