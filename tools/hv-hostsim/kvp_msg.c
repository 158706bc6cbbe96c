/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KVP messages as the kernel builds them for the daemon, and replies as the
 * kernel reads them (hv-protocol.md 2.3). The simulator is only useful if it
 * is exactly as strict and as quirky as the kernel, e.g. reading a GET value
 * from the enumerate offset 532 rather than 528.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kvp.h"
#include "macro.h"
#include "utf8.h"

static const char *const pool_names[KVP_POOL_COUNT] = {
	[KVP_POOL_EXTERNAL] = "external",
	[KVP_POOL_GUEST] = "guest",
	[KVP_POOL_AUTO] = "auto",
	[KVP_POOL_AUTO_EXTERNAL] = "auto-external",
	[KVP_POOL_AUTO_INTERNAL] = "auto-internal",
};

const char *kvp_pool_name(unsigned pool)
{
	return pool < ELEMENTSOF(pool_names) ? pool_names[pool] : NULL;
}

int kvp_pool_parse(const char *s, uint8_t *ret)
{
	for (unsigned i = 0; i < ELEMENTSOF(pool_names); i++)
		if (strcmp(s, pool_names[i]) == 0 || (s[0] == (char)('0' + i) && s[1] == '\0')) {
			*ret = (uint8_t)i;
			return 0;
		}
	return -EINVAL;
}

static const struct {
	uint32_t code;
	const char *name;
} status_names[] = {
	{ HV_S_OK, "S_OK" },
	{ HV_E_FAIL, "E_FAIL" },
	{ HV_S_CONT, "S_CONT" },
	{ HV_ERROR_NOT_SUPPORTED, "NOT_SUPPORTED" },
	{ HV_ERROR_MACHINE_LOCKED, "MACHINE_LOCKED" },
	{ HV_ERROR_DEVICE_NOT_CONNECTED, "DEVICE_NOT_CONNECTED" },
	{ HV_INVALIDARG, "INVALIDARG" },
	{ HV_GUID_NOTFOUND, "GUID_NOTFOUND" },
	{ HV_ERROR_ALREADY_EXISTS, "ALREADY_EXISTS" },
	{ HV_ERROR_DISK_FULL, "DISK_FULL" },
};

const char *kvp_status_name(uint32_t status)
{
	for (size_t i = 0; i < ELEMENTSOF(status_names); i++)
		if (status_names[i].code == status)
			return status_names[i].name;
	return NULL;
}

int kvp_status_parse(const char *s, uint32_t *ret)
{
	const char *n = strncasecmp(s, "HV_", 3) == 0 ? s + 3 : s;
	char *end;
	unsigned long v;

	for (size_t i = 0; i < ELEMENTSOF(status_names); i++) {
		const char *name = status_names[i].name;
		/* Accept the header's spelling too: HV_ERROR_NOT_SUPPORTED. */
		if (strcasecmp(n, name) == 0 ||
		    (strncasecmp(n, "ERROR_", 6) == 0 && strcasecmp(n + 6, name) == 0)) {
			*ret = status_names[i].code;
			return 0;
		}
	}
	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static const char *const bad_names[_KVP_BAD_MAX] = {
	[KVP_BAD_SHORT] = "short",     [KVP_BAD_LONG] = "long",
	[KVP_BAD_POOL] = "pool",       [KVP_BAD_OP] = "op",
	[KVP_BAD_KEYSIZE] = "keysize", [KVP_BAD_KEYNUL] = "keynul",
	[KVP_BAD_NONUL] = "nonul",     [KVP_BAD_VALUESIZE] = "valuesize",
	[KVP_BAD_BADUTF8] = "badutf8", [KVP_BAD_EMPTYKEY] = "emptykey",
};

const char *kvp_bad_name(enum kvp_bad b)
{
	return (unsigned)b < _KVP_BAD_MAX ? bad_names[b] : NULL;
}

int kvp_bad_parse(const char *s, enum kvp_bad *ret)
{
	for (unsigned i = 0; i < _KVP_BAD_MAX; i++)
		if (strcmp(s, bad_names[i]) == 0) {
			*ret = (enum kvp_bad)i;
			return 0;
		}
	return -EINVAL;
}

/* Length of the valid UTF-8 character at s, 0 if s[0] starts none. */
size_t utf8_char_len(const char *s, size_t left)
{
	for (size_t k = 1; k <= 4 && k <= left; k++)
		if (utf8_is_valid(s, k))
			return k;
	return 0;
}

/*
 * Bytes of s that survive both the host's UTF-16 field (max_units units) and
 * the kernel's conversion to at most max_bytes of UTF-8; a character that
 * does not fit whole is dropped with everything after it.
 */
static size_t kernel_cut(const char *s, size_t max_units, size_t max_bytes)
{
	size_t len = strlen(s), off = 0, units = 0;

	while (off < len) {
		size_t k = utf8_char_len(s + off, len - off);
		if (k == 0)
			break; /* callers validated s; stop rather than guess */
		size_t u = utf8_utf16_units(s + off, k);
		if (units + u > max_units || off + k > max_bytes)
			break;
		units += u;
		off += k;
	}
	return off;
}

/* The host's wire fields are 512 and 2048 bytes of UTF-16 with a NUL. */
size_t kvp_kernel_key_len(const char *s)
{
	return kernel_cut(s, HV_KVP_EXCHANGE_MAX_KEY_SIZE / 2 - 1,
			  HV_KVP_EXCHANGE_MAX_KEY_SIZE - 1);
}

size_t kvp_kernel_value_len(const char *s)
{
	return kernel_cut(s, HV_KVP_EXCHANGE_MAX_VALUE_SIZE / 2 - 1,
			  HV_KVP_EXCHANGE_MAX_VALUE_SIZE - 1);
}

static void hdr(struct hv_kvp_msg *m, uint8_t op, uint8_t pool)
{
	memset(m, 0, sizeof(*m));
	m->kvp_hdr.operation = op;
	m->kvp_hdr.pool = pool;
}

void kvp_build_register_reply(struct hv_kvp_msg *m, uint8_t op, const char *version)
{
	hdr(m, op, 0);
	strncpy((char *)m->body.kvp_register.version, version,
		sizeof(m->body.kvp_register.version) - 1);
}

void kvp_build_set(struct hv_kvp_msg *m, uint8_t pool, const char *key, const char *value)
{
	size_t kl = kvp_kernel_key_len(key), vl = kvp_kernel_value_len(value);

	hdr(m, KVP_OP_SET, pool);
	m->body.kvp_set.data.value_type = REG_SZ;
	memcpy(m->body.kvp_set.data.key, key, kl);
	m->body.kvp_set.data.key_size = (uint32_t)kl + 1;
	memcpy(m->body.kvp_set.data.value, value, vl);
	m->body.kvp_set.data.value_size = (uint32_t)vl + 1;
}

void kvp_build_get(struct hv_kvp_msg *m, uint8_t pool, const char *key)
{
	size_t kl = kvp_kernel_key_len(key);

	/* The kernel sets only key and key_size; value_type stays 0. */
	hdr(m, KVP_OP_GET, pool);
	memcpy(m->body.kvp_get.data.key, key, kl);
	m->body.kvp_get.data.key_size = (uint32_t)kl + 1;
}

void kvp_build_delete(struct hv_kvp_msg *m, uint8_t pool, const char *key)
{
	size_t kl = kvp_kernel_key_len(key);

	hdr(m, KVP_OP_DELETE, pool);
	memcpy(m->body.kvp_delete.key, key, kl);
	m->body.kvp_delete.key_size = (uint32_t)kl + 1;
}

void kvp_build_enum(struct hv_kvp_msg *m, uint8_t pool, uint32_t index)
{
	hdr(m, KVP_OP_ENUMERATE, pool);
	m->body.kvp_enum_data.index = index;
}

size_t kvp_build_bad(enum kvp_bad b, uint8_t *buf)
{
	struct hv_kvp_msg m;
	size_t len = sizeof(m);
	struct hv_kvp_exchg_msg_value *d = &m.body.kvp_set.data;

	/* Every kind is a SET gone wrong: a lenient daemon would then store
	 * something and answer S_OK, which is easy to see. */
	kvp_build_set(&m, KVP_POOL_EXTERNAL, "BadKey", "BadValue");
	switch (b) {
	case KVP_BAD_SHORT:
		len = 100;
		break;
	case KVP_BAD_LONG:
		len = KVP_BAD_BUF_SIZE;
		break;
	case KVP_BAD_POOL:
		m.kvp_hdr.pool = KVP_POOL_COUNT;
		break;
	case KVP_BAD_OP:
		m.kvp_hdr.operation = 7;
		break;
	case KVP_BAD_KEYSIZE:
		d->key_size = 600;
		break;
	case KVP_BAD_KEYNUL:
		memcpy(d->key, "BadKey\0Junk", 12);
		d->key_size = 12;
		break;
	case KVP_BAD_NONUL:
		memset(d->key, 'K', sizeof(d->key));
		d->key_size = sizeof(d->key);
		break;
	case KVP_BAD_VALUESIZE:
		d->value_size = 3000;
		break;
	case KVP_BAD_BADUTF8:
		memset(d->key, 0, sizeof(d->key));
		memcpy(d->key, "\xff\xfe", 3);
		d->key_size = 3;
		break;
	case KVP_BAD_EMPTYKEY:
		memset(d->key, 0, sizeof(d->key));
		d->key_size = 1;
		break;
	default:
		break;
	}
	memset(buf, 0, KVP_BAD_BUF_SIZE);
	memcpy(buf, &m, sizeof(m));
	return len;
}

uint32_t kvp_reply_status(const struct hv_kvp_msg *m, bool legacy)
{
	if (legacy)
		return m->body.kvp_enum_data.data.key[0] == 0 ? HV_S_CONT : HV_S_OK;
	return (uint32_t)m->error;
}

int kvp_host_string(const struct hv_kvp_msg *m, size_t off, size_t size, size_t max_units,
		    struct kvp_host_string *ret)
{
	const char *field = (const char *)m + off;
	struct kvp_host_string h;
	size_t len = strnlen(field, size), clean_len = 0;
	_cleanup_free_ char *clean = NULL;
	_cleanup_free_ uint8_t *u16 = NULL;
	int units, r;

	if (len == size)
		return -EBADMSG;
	clean = malloc(len + 1);
	u16 = malloc(2 * max_units + 2);
	if (!clean || !u16)
		return -ENOMEM;
	/* The kernel's utf8s_to_utf16s skips bytes that start no valid character. */
	for (size_t i = 0; i < len;) {
		size_t k = utf8_char_len(field + i, len - i);
		if (k == 0) {
			i++;
			continue;
		}
		memcpy(clean + clean_len, field + i, k);
		clean_len += k;
		i += k;
	}
	clean[clean_len] = '\0';

	units = utf8_to_utf16le(clean, clean_len, u16, max_units);
	if (units < 0)
		return units;
	r = utf16le_to_utf8(u16, 2 * (size_t)units, h.text, sizeof(h.text));
	if (r < 0)
		return r;
	h.units = (size_t)units;
	h.daemon_units = utf8_utf16_units(clean, clean_len);
	h.cut = h.units < h.daemon_units;
	*ret = h;
	return 0;
}
