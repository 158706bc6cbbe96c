/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "hv_abi.h"
#include "ic_msg.h"
#include "macro.h"
#include "unit.h"

static const struct ic_version fw[] = { { 3, 0 } };
static const struct ic_version srv[] = { { 1, 1 } };

static size_t build_negotiate(uint8_t *p, const struct ic_version *hf, size_t nf,
			      const struct ic_version *hs, size_t ns)
{
	size_t body = 8 + 4 * (nf + ns);
	uint8_t *n = p + IC_BODY_OFFSET;

	ic_build_request(p, IC_MSGTYPE_NEGOTIATE, body);
	memset(n, 0, 8);
	n[0] = (uint8_t)nf;
	n[2] = (uint8_t)ns;
	for (size_t i = 0; i < nf + ns; i++) {
		const struct ic_version *v = i < nf ? &hf[i] : &hs[i - nf];
		n[8 + 4 * i] = (uint8_t)v->major;
		n[9 + 4 * i] = 0;
		n[10 + 4 * i] = (uint8_t)v->minor;
		n[11 + 4 * i] = 0;
	}
	return IC_BODY_OFFSET + body;
}

static uint32_t status_of(const uint8_t *p)
{
	uint32_t s;

	memcpy(&s, p + 8 + 12, 4);
	return s;
}

static void test_negotiate(void)
{
	static const struct {
		const char *name;
		struct ic_version hf[4], hs[4];
		size_t nf, ns;
		int ret;
	} cases[] = {
		{ "exact", { { 3, 0 } }, { { 1, 1 } }, 1, 1, 0 },
		{ "several", { { 1, 0 }, { 3, 0 }, { 4, 0 } }, { { 1, 0 }, { 1, 1 } }, 3, 2, 0 },
		{ "no framework", { { 1, 0 }, { 4, 0 } }, { { 1, 1 } }, 2, 1, -ENOPROTOOPT },
		{ "no service", { { 3, 0 } }, { { 1, 0 }, { 2, 0 } }, 1, 2, -ENOPROTOOPT },
		{ "nothing offered", { { 0 } }, { { 0 } }, 0, 0, -ENOPROTOOPT },
	};
	uint8_t p[256];

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		size_t len = build_negotiate(p, cases[i].hf, cases[i].nf, cases[i].hs, cases[i].ns);
		struct ic_version f = { 0 }, s = { 0 };
		int k = ic_negotiate(p, len, fw, 1, srv, 1, &f, &s);
		if (k != cases[i].ret)
			fprintf(stderr, "\n  %s: got %d\n", cases[i].name, k);
		CU_ASSERT_EQUAL(k, cases[i].ret);
		CU_ASSERT_EQUAL(p[8 + 17], IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE);
		CU_ASSERT_EQUAL(p[8 + 10], 16);
		if (k == 0) {
			CU_ASSERT_EQUAL(status_of(p), 0);
			CU_ASSERT_EQUAL(p[28], 1);
			CU_ASSERT_EQUAL(p[30], 1);
			CU_ASSERT(f.major == 3 && f.minor == 0 && s.major == 1 && s.minor == 1);
			CU_ASSERT(p[36] == 3 && p[38] == 0 && p[40] == 1 && p[42] == 1);
		} else {
			CU_ASSERT_EQUAL(status_of(p), HV_E_FAIL);
			CU_ASSERT(p[28] == 0 && p[30] == 0);
		}
	}
}

static void test_negotiate_bad(void)
{
	uint8_t p[1024];
	size_t len;

	/* Counts over 100. */
	len = build_negotiate(p, fw, 1, srv, 1);
	p[28] = 101;
	CU_ASSERT_EQUAL(ic_negotiate(p, sizeof(p), fw, 1, srv, 1, NULL, NULL), -EBADMSG);
	CU_ASSERT_EQUAL(status_of(p), HV_E_FAIL);
	/* Versions beyond the payload. */
	len = build_negotiate(p, fw, 1, srv, 1);
	CU_ASSERT_EQUAL(ic_negotiate(p, len - 1, fw, 1, srv, 1, NULL, NULL), -EBADMSG);
	p[30] = 50;
	CU_ASSERT_EQUAL(ic_negotiate(p, len, fw, 1, srv, 1, NULL, NULL), -EBADMSG);
	/* No negotiate header, no IC header. */
	CU_ASSERT_EQUAL(ic_negotiate(p, IC_BODY_OFFSET + 4, fw, 1, srv, 1, NULL, NULL), -EBADMSG);
	CU_ASSERT_EQUAL(ic_negotiate(p, IC_BODY_OFFSET - 1, fw, 1, srv, 1, NULL, NULL), -EBADMSG);
	CU_ASSERT_EQUAL(ic_msg_type(p, IC_BODY_OFFSET - 1), -EBADMSG);
	CU_ASSERT_EQUAL(ic_msg_type(p, IC_BODY_OFFSET), IC_MSGTYPE_NEGOTIATE);
}

/* name: UTF-16 units (0-terminated list), copied into the 260-unit field. */
static void put_name(uint8_t *field, const uint16_t *units, size_t n)
{
	memset(field, 0, 520);
	for (size_t i = 0; i < n; i++) {
		field[2 * i] = (uint8_t)units[i];
		field[2 * i + 1] = (uint8_t)(units[i] >> 8);
	}
}

static void test_start(void)
{
	static const struct {
		const char *name;
		uint16_t units[8];
		size_t n;
		int ret;
		const char *utf8;
	} cases[] = {
		{ "ascii", { 'a', '.', 't', 'x', 't' }, 5, 0, "a.txt" },
		{ "latin-1", { 'c', 'a', 'f', 0xe9 }, 4, 0, "caf\xc3\xa9" },
		{ "cjk", { 0x65e5, 0x672c }, 2, 0, "\xe6\x97\xa5\xe6\x9c\xac" },
		{ "surrogate pair", { 0xd83d, 0xde00, 'x' }, 3, 0, "\xf0\x9f\x98\x80x" },
		{ "unpaired high", { 'a', 0xd83d, 'b' }, 3, -EINVAL, NULL },
		{ "unpaired high at end", { 'a', 0xd83d }, 2, -EINVAL, NULL },
		{ "unpaired low", { 0xde00, 'b' }, 2, -EINVAL, NULL },
		{ "empty", { 0 }, 0, -EINVAL, NULL },
	};
	uint8_t body[FCOPY_START_SIZE];
	struct fcopy_request req;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		memset(body, 0, sizeof(body));
		body[0] = START_FILE_COPY;
		put_name(body + FCOPY_START_FILE_NAME, cases[i].units, cases[i].n);
		put_name(body + FCOPY_START_PATH_NAME, (const uint16_t[]){ '/', 't' }, 2);
		body[FCOPY_START_COPY_FLAGS] = OVER_WRITE | CREATE_PATH;
		body[FCOPY_START_FILE_SIZE + 4] = 1; /* 4 GiB */
		int k = ic_fcopy_decode(body, sizeof(body), &req);
		if (k != cases[i].ret)
			fprintf(stderr, "\n  %s: got %d\n", cases[i].name, k);
		CU_ASSERT_EQUAL(k, cases[i].ret);
		if (k == 0) {
			CU_ASSERT_STRING_EQUAL(req.file_name, cases[i].utf8);
			CU_ASSERT_STRING_EQUAL(req.path_name, "/t");
			CU_ASSERT_EQUAL(req.copy_flags, OVER_WRITE | CREATE_PATH);
			CU_ASSERT_EQUAL(req.file_size, 1ULL << 32);
		}
	}

	/* 260 units with no NUL; 259 units (the most) of a 3-byte character. */
	memset(body, 0, sizeof(body));
	memset(body + FCOPY_START_FILE_NAME, 'a', 520);
	CU_ASSERT_EQUAL(ic_fcopy_decode(body, sizeof(body), &req), -EINVAL);
	for (size_t u = 0; u < 259; u++) {
		body[FCOPY_START_FILE_NAME + 2 * u] = 0x2c;
		body[FCOPY_START_FILE_NAME + 2 * u + 1] = 0x20; /* U+202C */
	}
	body[FCOPY_START_FILE_NAME + 518] = body[FCOPY_START_FILE_NAME + 519] = 0;
	CU_ASSERT_EQUAL(ic_fcopy_decode(body, sizeof(body), &req), 0);
	CU_ASSERT_EQUAL(strlen(req.file_name), 777);
	/* Path without NUL. */
	memset(body + FCOPY_START_PATH_NAME, 'b', 520);
	CU_ASSERT_EQUAL(ic_fcopy_decode(body, sizeof(body), &req), -EINVAL);
	/* Short. */
	CU_ASSERT_EQUAL(ic_fcopy_decode(body, sizeof(body) - 1, &req), -EBADMSG);
}

static void test_write(void)
{
	static const struct {
		uint32_t size;
		size_t len;
		int ret;
	} cases[] = {
		{ 0, FCOPY_WRITE_DATA, 0 },
		{ 1, FCOPY_WRITE_DATA + 1, 0 },
		{ 6143, FCOPY_WRITE_MAX_SIZE, 0 },
		{ 6144, FCOPY_WRITE_MAX_SIZE, 0 },
		{ 6145, FCOPY_WRITE_MAX_SIZE + 8, -EINVAL },
		{ 100, FCOPY_WRITE_DATA + 50, -EINVAL },
		{ 0xffffffff, FCOPY_WRITE_MAX_SIZE, -EINVAL },
		{ 0, FCOPY_WRITE_DATA - 1, -EBADMSG },
	};
	uint8_t body[FCOPY_WRITE_MAX_SIZE + 8] = { WRITE_TO_FILE };
	struct fcopy_request req;

	body[FCOPY_WRITE_OFFSET + 1] = 0x10;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		memcpy(body + FCOPY_WRITE_SIZE, &cases[i].size, 4);
		int k = ic_fcopy_decode(body, cases[i].len, &req);
		if (k != cases[i].ret)
			fprintf(stderr, "\n  size %u in %zu bytes: got %d\n", cases[i].size, cases[i].len, k);
		CU_ASSERT_EQUAL(k, cases[i].ret);
		if (k == 0) {
			CU_ASSERT_EQUAL(req.size, cases[i].size);
			CU_ASSERT_EQUAL(req.offset, 0x1000);
			CU_ASSERT_PTR_EQUAL(req.data, body + FCOPY_WRITE_DATA);
		}
	}
}

static void test_other_ops(void)
{
	uint8_t body[64] = { 0 };
	struct fcopy_request req;

	body[0] = COMPLETE_FCOPY;
	CU_ASSERT_EQUAL(ic_fcopy_decode(body, FCOPY_HDR_SIZE, &req), 0);
	CU_ASSERT_EQUAL(req.op, COMPLETE_FCOPY);
	body[0] = CANCEL_FCOPY;
	CU_ASSERT_EQUAL(ic_fcopy_decode(body, FCOPY_HDR_SIZE, &req), 0);
	CU_ASSERT_EQUAL(ic_fcopy_decode(body, FCOPY_HDR_SIZE - 1, &req), -EBADMSG);
	body[0] = 9;
	CU_ASSERT_EQUAL(ic_fcopy_decode(body, FCOPY_HDR_SIZE, &req), -EOPNOTSUPP);
}

static void test_response(void)
{
	uint8_t p[IC_BODY_OFFSET];

	ic_build_request(p, IC_MSGTYPE_FCOPY, 36);
	CU_ASSERT_EQUAL(p[8 + 17], IC_FLAG_TRANSACTION | IC_FLAG_REQUEST);
	CU_ASSERT_EQUAL(ic_msg_type(p, sizeof(p)), IC_MSGTYPE_FCOPY);
	ic_set_response(p, sizeof(p), HV_ERROR_ALREADY_EXISTS);
	CU_ASSERT_EQUAL(status_of(p), HV_ERROR_ALREADY_EXISTS);
	CU_ASSERT_EQUAL(p[8 + 17], IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE);
}

static const struct unit_test tests[] = {
	{ "negotiate", test_negotiate },
	{ "negotiate_bad", test_negotiate_bad },
	{ "start", test_start },
	{ "write", test_write },
	{ "other_ops", test_other_ops },
	{ "response", test_response },
};

UNIT_MAIN("ic_msg", tests)
