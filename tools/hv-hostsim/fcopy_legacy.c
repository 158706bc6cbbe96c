/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-hostsim fcopy, legacy transport: play the kernel's hv_fcopy driver of
 * kernels up to 6.9 on a SOCK_SEQPACKET socket where the daemon's
 * fcopy.device points. It answers the 4-byte registration with 1, builds
 * START as the kernel does (a zeroed 1088-byte struct with the names as
 * UTF-8 in place of the u16 arrays), passes WRITE as 6196 bytes and
 * COMPLETE/CANCEL as a whole VMBus-sized packet, and reads 4-byte
 * statuses (hv-protocol.md section 4).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fcopy.h"
#include "fcopy_codec.h"
#include "hostsim.h"
#include "macro.h"

/* COMPLETE/CANCEL arrive with the whole packet's length, a little more than the header. */
#define LEGACY_SHORT_MSG_SIZE 64u

struct legacy {
	struct hs_fcopy_transport t; /* first: the transport is the struct */
	char *path;
	int listen_fd, fd;
	uint8_t msg[FCOPY_LEGACY_WRITE_SIZE + 64];
};

static void put_u32(uint8_t *p, uint32_t v)
{
	fcopy_legacy_encode_status(p, v);
}

static void put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t)v);
	put_u32(p + 4, (uint32_t)(v >> 32));
}

static int legacy_open(struct hs_fcopy_transport *t, int timeout_ms)
{
	struct legacy *l = (struct legacy *)t;
	uint8_t reg[16], answer[FCOPY_LEGACY_REG_SIZE];
	int fd;

	fd = hs_accept(l->listen_fd, timeout_ms);
	if (fd < 0)
		return fd;
	l->fd = fd;
	ssize_t n = hs_recv(l->fd, reg, sizeof(reg), timeout_ms);
	if (n < 0)
		return (int)n;
	/* The kernel takes exactly 4 bytes, the s32 version; only 1 gets an answer. */
	if (n != FCOPY_LEGACY_REG_SIZE || fcopy_legacy_decode_register_reply(reg, (size_t)n) < 0)
		return -EPROTO;
	fcopy_legacy_encode_register(answer);
	return hs_send(l->fd, answer, sizeof(answer));
}

static int legacy_send_raw(struct legacy *l, const void *buf, size_t len, uint32_t *ret_status,
			   int timeout_ms)
{
	uint8_t reply[16];
	int r;

	r = hs_send(l->fd, buf, len);
	if (r < 0)
		return r;
	ssize_t n = hs_recv(l->fd, reply, sizeof(reply), timeout_ms);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ECONNRESET;
	/* The kernel refuses any reply but 4 bytes. */
	if (n != FCOPY_LEGACY_STATUS_SIZE)
		return -EPROTO;
	*ret_status = (uint32_t)reply[0] | (uint32_t)reply[1] << 8 | (uint32_t)reply[2] << 16 |
		      (uint32_t)reply[3] << 24;
	return 0;
}

/* Encode m as the kernel would deliver it; returns the length. */
static size_t legacy_encode(struct legacy *l, const struct hs_fcopy_msg *m)
{
	uint8_t *p = l->msg;
	size_t len;

	memset(p, 0, sizeof(l->msg));
	put_u32(p, m->op);
	switch (m->op) {
	case START_FILE_COPY:
		/* The kernel converts at most 259 bytes and NUL-terminates. */
		strncpy((char *)p + FCOPY_LEGACY_OFF_FILE_NAME, m->file_name ? m->file_name : "",
			W_MAX_PATH - 1);
		strncpy((char *)p + FCOPY_LEGACY_OFF_PATH_NAME, m->path_name ? m->path_name : "",
			W_MAX_PATH - 1);
		put_u32(p + FCOPY_LEGACY_OFF_FLAGS, m->copy_flags);
		put_u64(p + FCOPY_LEGACY_OFF_FILE_SIZE, m->file_size);
		len = FCOPY_LEGACY_START_SIZE;
		break;
	case WRITE_TO_FILE:
		put_u64(p + FCOPY_LEGACY_OFF_OFFSET, m->offset);
		put_u32(p + FCOPY_LEGACY_OFF_SIZE, m->size);
		if (m->data)
			memcpy(p + FCOPY_LEGACY_OFF_DATA, m->data, MIN(m->size, DATA_FRAGMENT));
		len = FCOPY_LEGACY_WRITE_SIZE;
		break;
	default:
		len = LEGACY_SHORT_MSG_SIZE;
		break;
	}
	return len;
}

static int legacy_exchange(struct hs_fcopy_transport *t, const struct hs_fcopy_msg *m,
			   uint32_t *ret_status, int timeout_ms)
{
	struct legacy *l = (struct legacy *)t;

	return legacy_send_raw(l, l->msg, legacy_encode(l, m), ret_status, timeout_ms);
}

static int legacy_malformed(struct hs_fcopy_transport *t, const char *kind, uint32_t *ret_status,
			    bool *ret_answered, int timeout_ms)
{
	struct legacy *l = (struct legacy *)t;
	struct hs_fcopy_msg m = { .op = START_FILE_COPY,
				  .file_name = "malformed",
				  .path_name = "/" };
	size_t len;

	*ret_answered = true;
	if (strcmp(kind, "short-header") == 0) {
		len = legacy_encode(l, &(struct hs_fcopy_msg){ .op = CANCEL_FCOPY });
		len = FCOPY_LEGACY_HDR_SIZE - 1;
	} else if (strcmp(kind, "short-start") == 0) {
		legacy_encode(l, &m);
		len = FCOPY_LEGACY_START_SIZE - 8;
	} else if (strcmp(kind, "long-start") == 0) {
		legacy_encode(l, &m);
		len = FCOPY_LEGACY_START_SIZE + 8;
	} else if (strcmp(kind, "name-no-nul") == 0) {
		legacy_encode(l, &m);
		memset(l->msg + FCOPY_LEGACY_OFF_FILE_NAME, 'a', FCOPY_LEGACY_NAME_BYTES);
		len = FCOPY_LEGACY_START_SIZE;
	} else if (strcmp(kind, "name-bad-utf8") == 0) {
		legacy_encode(l, &m);
		memcpy(l->msg + FCOPY_LEGACY_OFF_FILE_NAME, "bad\xc3\x28", 6);
		len = FCOPY_LEGACY_START_SIZE;
	} else if (strcmp(kind, "name-dotdot") == 0) {
		legacy_encode(l, &m);
		strcpy((char *)l->msg + FCOPY_LEGACY_OFF_PATH_NAME, "/tmp/../etc");
		len = FCOPY_LEGACY_START_SIZE;
	} else if (strcmp(kind, "name-slash") == 0) {
		legacy_encode(l, &m);
		strcpy((char *)l->msg + FCOPY_LEGACY_OFF_FILE_NAME, "a/b");
		len = FCOPY_LEGACY_START_SIZE;
	} else if (strcmp(kind, "write-oversize") == 0) {
		len = legacy_encode(
			l, &(struct hs_fcopy_msg){ .op = WRITE_TO_FILE, .size = DATA_FRAGMENT });
		put_u32(l->msg + FCOPY_LEGACY_OFF_SIZE, DATA_FRAGMENT + 1);
	} else if (strcmp(kind, "write-short") == 0) {
		legacy_encode(l,
			      &(struct hs_fcopy_msg){ .op = WRITE_TO_FILE, .size = DATA_FRAGMENT });
		len = FCOPY_LEGACY_WRITE_HDR + 100;
	} else if (strcmp(kind, "write-long") == 0) {
		legacy_encode(l, &(struct hs_fcopy_msg){ .op = WRITE_TO_FILE, .size = 1 });
		len = FCOPY_LEGACY_WRITE_SIZE + 4;
	} else if (strcmp(kind, "write-no-start") == 0) {
		len = legacy_encode(l, &(struct hs_fcopy_msg){ .op = WRITE_TO_FILE, .size = 1 });
	} else if (strcmp(kind, "complete-no-start") == 0) {
		len = legacy_encode(l, &(struct hs_fcopy_msg){ .op = COMPLETE_FCOPY });
	} else if (strcmp(kind, "unknown-op") == 0) {
		len = legacy_encode(l, &(struct hs_fcopy_msg){ .op = 77 });
	} else if (strcmp(kind, "oversized-message") == 0) {
		/* Longer than twice the largest message: the daemon reopens, no answer. */
		static uint8_t big[3 * FCOPY_LEGACY_WRITE_SIZE];
		*ret_answered = false;
		return hs_send(l->fd, big, sizeof(big));
	} else
		return -ENOENT;
	(void)timeout_ms;
	return legacy_send_raw(l, l->msg, len, ret_status, timeout_ms);
}

static void legacy_free(struct hs_fcopy_transport *t)
{
	struct legacy *l = (struct legacy *)t;

	if (!l)
		return;
	safe_close(l->fd);
	safe_close(l->listen_fd);
	if (l->path)
		(void)unlink(l->path);
	free(l->path);
	free(l);
}

int hs_fcopy_legacy_new(const char *path, struct hs_fcopy_transport **ret)
{
	struct legacy *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->fd = -1;
	l->t = (struct hs_fcopy_transport){
		.name = "legacy",
		.open = legacy_open,
		.exchange = legacy_exchange,
		.malformed = legacy_malformed,
		.malformed_kinds = "short-header short-start long-start name-no-nul name-bad-utf8 "
				   "name-dotdot name-slash write-oversize write-short write-long "
				   "write-no-start complete-no-start unknown-op oversized-message",
		.free = legacy_free,
	};
	l->listen_fd = hs_listen(path);
	if (l->listen_fd < 0) {
		int r = l->listen_fd;
		free(l);
		return r;
	}
	l->path = strdup(path);
	if (!l->path) {
		legacy_free(&l->t);
		return -ENOMEM;
	}
	*ret = &l->t;
	return 0;
}
