/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-hostsim's KVP part. kvp_msg.c builds each message the way the kernel's
 * hv_kvp.c does and reads each reply the way it does (hv-protocol.md 2.3);
 * kvp_steps.c parses the step script; kvp.c runs it against a daemon.
 */
#ifndef HVGUEST_HOSTSIM_KVP_H
#define HVGUEST_HOSTSIM_KVP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv_abi.h"

/* kvp.c: the `hv-hostsim kvp` subcommand. */
int hostsim_kvp_main(int argc, char **argv);

/* Malformed messages the `bad` step can send. */
enum kvp_bad {
	KVP_BAD_SHORT,	   /* 100 bytes */
	KVP_BAD_LONG,	   /* 8000 bytes */
	KVP_BAD_POOL,	   /* pool 5 */
	KVP_BAD_OP,	   /* operation 7 */
	KVP_BAD_KEYSIZE,   /* key_size 600 */
	KVP_BAD_KEYNUL,	   /* key_size counts past the key's NUL */
	KVP_BAD_NONUL,	   /* 512 key bytes, no NUL at all */
	KVP_BAD_VALUESIZE, /* value_size 3000 */
	KVP_BAD_BADUTF8,   /* key "\xff\xfe" */
	KVP_BAD_EMPTYKEY,  /* key "" */
	_KVP_BAD_MAX,
};

#define KVP_BAD_BUF_SIZE 8000u

/* kvp_steps.c ------------------------------------------------------------- */

enum kvp_step_kind {
	KVP_STEP_SET,
	KVP_STEP_GET,
	KVP_STEP_DELETE,
	KVP_STEP_ENUM,
	KVP_STEP_INTRINSIC,
	KVP_STEP_BAD,
	KVP_STEP_RECONNECT,
	KVP_STEP_SLEEP,
	KVP_STEP_EXPECT_STATUS,
	KVP_STEP_EXPECT_VALUE,
	KVP_STEP_EXPECT_COUNT,
	KVP_STEP_GET_IP, /* get-ip MAC [FAMILY] */
	KVP_STEP_SET_IP, /* set-ip GUID [dhcp=0|1] [ip=LIST] [subnet=…] [gw=…] [dns=…] [family=…] */
	KVP_STEP_EXPECT_IP, /* expect-ip FIELD TEXT */
};

struct kvp_step {
	enum kvp_step_kind kind;
	uint8_t pool;
	char *key, *value; /* owned; value is also expect-value's text */
	enum kvp_bad bad;
	uint32_t status;      /* expect-status */
	unsigned long number; /* sleep ms, expect-count */
	char *where;	      /* "-e 3" or "FILE:LINE", for messages */
	/* get-ip/set-ip: key is the adapter id; expect-ip: key is FIELD, value TEXT. */
	char *ip[4]; /* set-ip: ip, subnet, gw, dns lists (owned, "" when not given) */
	uint8_t dhcp, family;
};

struct kvp_script {
	struct kvp_step *steps;
	size_t n, cap;
};

/*
 * Parse one step line (blank and comment lines add nothing). On a bad line
 * returns -EINVAL and a message "WHERE: ..." in *ret_error (caller frees).
 */
int kvp_script_add_line(struct kvp_script *s, const char *line, const char *where,
			char **ret_error);
/* Every line of a file; a read error also comes back as *ret_error. */
int kvp_script_add_file(struct kvp_script *s, const char *path, char **ret_error);
void kvp_script_done(struct kvp_script *s);

/* kvp_msg.c --------------------------------------------------------------- */

/* Length of the valid UTF-8 character at s, 0 if s[0] starts none. */
size_t utf8_char_len(const char *s, size_t left);

const char *kvp_bad_name(enum kvp_bad b);
int kvp_bad_parse(const char *s, enum kvp_bad *ret);

/* "external", … or NULL for a pool number >= 5. */
const char *kvp_pool_name(unsigned pool);
/* "0".."4" or a pool name. Returns 0 or -EINVAL. */
int kvp_pool_parse(const char *s, uint8_t *ret);

/* "S_OK", "E_FAIL", … or NULL for a code without a name. */
const char *kvp_status_name(uint32_t status);
/* A name (with or without "HV_", any case) or a number (hex with 0x, or decimal). */
int kvp_status_parse(const char *s, uint32_t *ret);

/*
 * Host strings are UTF-16, so SET/GET/DELETE keys and values given on the
 * command line must be valid UTF-8 without NUL. The kernel converts them to
 * UTF-8 of at most 511 (key) / 2047 (value) bytes, never splitting a
 * character: these return how many bytes of s survive that.
 */
size_t kvp_kernel_key_len(const char *s);
size_t kvp_kernel_value_len(const char *s);

/* Fresh zeroed messages, filled as the kernel fills them. */
void kvp_build_register_reply(struct hv_kvp_msg *m, uint8_t op, const char *version);
void kvp_build_set(struct hv_kvp_msg *m, uint8_t pool, const char *key, const char *value);
void kvp_build_get(struct hv_kvp_msg *m, uint8_t pool, const char *key);
void kvp_build_delete(struct hv_kvp_msg *m, uint8_t pool, const char *key);
void kvp_build_enum(struct hv_kvp_msg *m, uint8_t pool, uint32_t index);
/* buf holds KVP_BAD_BUF_SIZE bytes; returns the length to send. */
size_t kvp_build_bad(enum kvp_bad b, uint8_t *buf);

/*
 * The status the kernel passes on to the host: the s32 at offset 0, or for a
 * daemon that registered with the legacy op 4, S_CONT when the enumerate key
 * at offset 20 is empty.
 */
uint32_t kvp_reply_status(const struct hv_kvp_msg *m, bool legacy);

/* One string as the host receives it after the kernel's UTF-16 conversion. */
struct kvp_host_string {
	char text[3 * KVP_HOST_VALUE_UNITS + 1]; /* UTF-8 again, for display */
	size_t units;				 /* UTF-16 units the host got (NUL excluded) */
	size_t daemon_units;			 /* units the daemon's string would have needed */
	bool cut;				 /* units < daemon_units */
};

/*
 * Read the NUL-terminated string at offset off (field of size bytes) of a
 * reply and convert it as the kernel does: invalid UTF-8 bytes are skipped,
 * at most max_units UTF-16 units are kept. Returns 0, or -EBADMSG when the
 * field has no NUL (the kernel would read past it).
 */
int kvp_host_string(const struct hv_kvp_msg *m, size_t off, size_t size, size_t max_units,
		    struct kvp_host_string *ret);

/* kvp_ip.c ---------------------------------------------------------------- */

struct kvp_ip_fields {
	const char *ip, *subnet, *gw, *dns;
	uint8_t dhcp, family;
};

/* GET_IP_INFO and SET_IP_INFO as the kernel builds them (UTF-8, kernel byte limits). */
void kvp_build_get_ip(struct hv_kvp_msg *m, const char *mac, uint8_t family);
void kvp_build_set_ip(struct hv_kvp_msg *m, const char *guid, const struct kvp_ip_fields *f);

/* A GET_IP_INFO reply as the host gets it. */
struct kvp_ip_reply {
	uint8_t family, dhcp;
	struct kvp_host_string adapter, ip, subnet, gw, dns;
};
/* Returns 0 or -EBADMSG (a field without NUL). */
int kvp_read_ip_reply(const struct hv_kvp_msg *m, struct kvp_ip_reply *ret);

/*
 * The step's words (words[0] is the step name, n words) into st, whose kind
 * is set. Returns 0, -EINVAL with a static *ret_error, or -ENOMEM.
 */
int kvp_ip_parse_step(struct kvp_step *st, char **words, size_t n, const char **ret_error);
/* Print one get-ip/set-ip result; a successful GET_IP_INFO is kept in *ret. */
int kvp_ip_report(const struct kvp_step *st, const struct hv_kvp_msg *reply, uint32_t status,
		  bool json, struct kvp_ip_reply *ret, bool *ret_have);
/* expect-ip against the last GET_IP_INFO reply (NULL: none yet); prints, returns ok. */
bool kvp_ip_expect(const struct kvp_ip_reply *last, const struct kvp_step *st, bool json);

#endif
