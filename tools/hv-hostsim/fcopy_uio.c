/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-hostsim fcopy, UIO transport (fcopy_uio.h): play uio_hv_generic and
 * the host behind it. The host writes requests into the guest's RX ring
 * and, like the kernel, interrupts only when the guest left the RX
 * interrupt unmasked (masking it again as it does); it reads answers from
 * the guest's TX ring whenever the guest signals.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fcopy_uio.h"
#include "hostsim.h"
#include "hv_abi.h"
#include "ic_msg.h"
#include "macro.h"
#include "utf8.h"
#include "vmbus_ring.h"

/* The fixed instance Hyper-V gives this IC, and its class (HV_FCOPY_GUID). */
#define INSTANCE   "eb765408-105f-49b6-b4aa-c123b64d17d4"
#define CLASS_GUID "34d14be3-dee4-41c8-9ae7-6b174977c192"
#define UIO_NAME   "uio3"
#define RELID	   "14"

struct uio_sim {
	struct hs_fcopy_transport t; /* first: the transport is the struct */
	char *dir;
	size_t ring_size;
	bool unbound;
	int listen_fd, fd;
	void *map;
	struct vmbus_ring g_tx, g_rx; /* the guest's TX (we read) and RX (we write) */
	uint64_t trans;
	uint32_t interrupts;
	uint8_t msg[IC_FCOPY_MAX_PAYLOAD + 64];
	uint8_t *reply;	       /* g_tx.dsize bytes */
	const uint8_t *answer; /* the last answer's payload, inside reply */
};

static char *path_in(const struct uio_sim *u, const char *rel)
{
	char *p;

	return asprintf(&p, "%s/%s", u->dir, rel) < 0 ? NULL : p;
}

static int mkdir_p(const char *path)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				return negative_errno();
			*s = '/';
		}
	return mkdir(p, 0755) < 0 && errno != EEXIST ? negative_errno() : 0;
}

static int write_text(const char *path, const char *text)
{
	_cleanup_close_ int fd =
		open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	size_t len = strlen(text);

	if (fd < 0)
		return negative_errno();
	return write(fd, text, len) == (ssize_t)len ? 0 : -EIO;
}

#define SYSDEV "sys/bus/vmbus/devices/" INSTANCE
#define DRIVER "sys/bus/vmbus/drivers/uio_hv_generic"

static int make_rel_dir(struct uio_sim *u, const char *rel)
{
	_cleanup_free_ char *p = path_in(u, rel);

	return p ? mkdir_p(p) : -ENOMEM;
}

/* "Bind" when the daemon asked through new_id, as the driver would. */
static void maybe_bind(struct uio_sim *u)
{
	_cleanup_free_ char *p = path_in(u, DRIVER "/new_id");
	char buf[64] = "";
	FILE *f;

	if (!u->unbound || !p || !(f = fopen(p, "re")))
		return;
	if (fgets(buf, sizeof(buf), f) && strncasecmp(buf, CLASS_GUID, 36) == 0) {
		make_rel_dir(u, SYSDEV "/uio/" UIO_NAME);
		u->unbound = false;
	}
	fclose(f);
}

/* What the kernel does when the channel opens: fresh indices, RX masked. */
static void reset_rings(struct uio_sim *u)
{
	vmbus_ring_reset(&u->g_tx, 0);
	vmbus_ring_reset(&u->g_rx, 1);
}

static int build_tree(struct uio_sim *u)
{
	_cleanup_free_ char *ring = path_in(u, SYSDEV "/channels/" RELID "/ring");
	_cleanup_free_ char *cls = path_in(u, SYSDEV "/class_id");
	_cleanup_free_ char *newid = path_in(u, DRIVER "/new_id");
	_cleanup_free_ char *sock = path_in(u, "dev/" UIO_NAME);
	_cleanup_close_ int fd = -1;
	int r;

	if (!ring || !cls || !newid || !sock)
		return -ENOMEM;
	if ((r = make_rel_dir(u, SYSDEV "/channels/" RELID)) < 0 ||
	    (r = make_rel_dir(u, DRIVER)) < 0 || (r = make_rel_dir(u, "dev")) < 0)
		return r;
	if (!u->unbound && (r = make_rel_dir(u, SYSDEV "/uio/" UIO_NAME)) < 0)
		return r;
	if ((r = write_text(cls, "{" CLASS_GUID "}\n")) < 0 || (r = write_text(newid, "")) < 0)
		return r;
	/*
	 * Always a new inode: a daemon may still map the ring of an earlier run,
	 * and truncating that file under it would kill it with SIGBUS.
	 */
	if (unlink(ring) < 0 && errno != ENOENT)
		return negative_errno();
	fd = open(ring, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	if (ftruncate(fd, (off_t)(2 * u->ring_size)) < 0)
		return negative_errno();
	u->map = mmap(NULL, 2 * u->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (u->map == MAP_FAILED) {
		u->map = NULL;
		return negative_errno();
	}
	if (vmbus_ring_init(&u->g_tx, u->map, u->ring_size) < 0 ||
	    vmbus_ring_init(&u->g_rx, (uint8_t *)u->map + u->ring_size, u->ring_size) < 0)
		return -EINVAL;
	u->reply = malloc(u->g_tx.dsize);
	if (!u->reply)
		return -ENOMEM;
	reset_rings(u);
	u->listen_fd = hs_listen(sock);
	return u->listen_fd < 0 ? u->listen_fd : 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Interrupt the guest, if it wants interrupts (the kernel masks it again first). */
static int kick(struct uio_sim *u, bool force)
{
	if (!force && vmbus_ring_get_mask(&u->g_rx) != 0)
		return 0;
	vmbus_ring_set_mask(&u->g_rx, 1);
	u->interrupts++;
	/*
	 * Like a real interrupt, never wait: if the socket is full of earlier
	 * interrupts the guest has one pending already. Waiting here while
	 * the guest waits to signal us would deadlock both.
	 */
	ssize_t n;
	do
		n = send(u->fd, &u->interrupts, sizeof(u->interrupts), MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n < 0)
		return negative_errno();
	return n == (ssize_t)sizeof(u->interrupts) ? 0 : -EIO;
}

/*
 * Wait for the guest to signal; consume its signals. Returns the number
 * taken (>= 1), -ETIMEDOUT, or -ECONNRESET when it closed the device.
 */
static int wait_signal(struct uio_sim *u, long long deadline)
{
	int32_t v;
	int n = 0;

	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd p = { .fd = u->fd, .events = POLLIN };
		int r = poll(&p, 1, (int)MAX(0LL, MIN(left, (long long)INT_MAX)));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return negative_errno();
		if (r == 0)
			return -ETIMEDOUT;
		for (;;) {
			ssize_t k = recv(u->fd, &v, sizeof(v), MSG_DONTWAIT);
			if (k == 0 || (k < 0 && errno == ECONNRESET))
				return n > 0 ? n : -ECONNRESET;
			if (k < 0)
				break;
			n++;
		}
		if (n > 0)
			return n;
	}
}

/* The next answer, with our trans_id; *ret_status from its icmsg header. */
static int read_reply(struct uio_sim *u, uint64_t trans, uint32_t *ret_status, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		struct vmbus_packet p;
		int r = vmbus_ring_read(&u->g_tx, u->reply, u->g_tx.dsize, &p);
		if (r == 0) {
			if (p.desc.trans_id != trans || p.payload_len < IC_BODY_OFFSET ||
			    p.payload[IC_PIPE_HDR_SIZE + offsetof(struct ic_msg_hdr, icflags)] !=
				    (IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE))
				return -EPROTO;
			memcpy(ret_status,
			       p.payload + IC_PIPE_HDR_SIZE + offsetof(struct ic_msg_hdr, status),
			       4);
			u->answer = p.payload;
			return 0;
		}
		if (r != -EAGAIN)
			return -EPROTO;
		r = wait_signal(u, deadline);
		if (r < 0)
			return r;
	}
}

static int put_packet(struct uio_sim *u, const void *payload, size_t len)
{
	int r = vmbus_ring_write(&u->g_rx, VM_PKT_DATA_INBAND, 0, ++u->trans, payload, len);
	/* One request at a time: a full RX ring means the guest stopped reading. */
	return r == -EAGAIN ? -ENOBUFS : r;
}

static int request(struct uio_sim *u, size_t len, uint32_t *ret_status, int timeout_ms)
{
	int r = put_packet(u, u->msg, len);

	if (r < 0)
		return r;
	r = kick(u, false);
	if (r < 0)
		return r;
	return read_reply(u, u->trans, ret_status, timeout_ms);
}

static size_t negotiate_msg(uint8_t *p, uint16_t fw_major, uint16_t srv_minor)
{
	uint8_t *n = p + IC_BODY_OFFSET;

	ic_build_request(p, IC_MSGTYPE_NEGOTIATE, 16);
	memset(n, 0, 16);
	n[0] = n[2] = 1;
	n[8] = (uint8_t)fw_major; /* framework fw_major.0 */
	n[12] = 1;		  /* service 1.srv_minor */
	n[14] = (uint8_t)srv_minor;
	return IC_BODY_OFFSET + 16;
}

static int uio_open(struct hs_fcopy_transport *t, int timeout_ms)
{
	struct uio_sim *u = (struct uio_sim *)t;
	long long deadline = now_ms() + timeout_ms;
	uint32_t status;
	int r;

	if (u->fd >= 0) {
		u->fd = safe_close(u->fd);
		reset_rings(u);
	}
	/* Short waits, so that a new_id write is noticed while waiting. */
	for (;;) {
		maybe_bind(u);
		r = hs_accept(u->listen_fd, (int)MAX(0LL, MIN(100LL, deadline - now_ms())));
		if (r >= 0)
			break;
		if (r != -ETIMEDOUT || now_ms() >= deadline)
			return r;
	}
	u->fd = r;
	r = request(u, negotiate_msg(u->msg, 3, 1), &status, timeout_ms);
	if (r < 0)
		return r;
	/* Success must come with one framework and one service version. */
	if (status != 0 || u->answer[IC_BODY_OFFSET] != 1 || u->answer[IC_BODY_OFFSET + 2] != 1)
		return -EPROTO;
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* hv-hostsim runs little-endian, as Hyper-V guests do */
}

/* Encode m in raw host form, inside the IC framing; returns the payload length or -errno. */
static int encode(struct uio_sim *u, const struct hs_fcopy_msg *m)
{
	uint8_t *b = u->msg + IC_BODY_OFFSET;
	size_t body;
	int r;

	memset(u->msg, 0, sizeof(u->msg));
	put32(b, m->op);
	switch (m->op) {
	case START_FILE_COPY:
		r = utf8_to_utf16le(m->file_name ? m->file_name : "",
				    strlen(m->file_name ? m->file_name : ""),
				    b + FCOPY_START_FILE_NAME, W_MAX_PATH - 1);
		if (r < 0)
			return r;
		r = utf8_to_utf16le(m->path_name ? m->path_name : "",
				    strlen(m->path_name ? m->path_name : ""),
				    b + FCOPY_START_PATH_NAME, W_MAX_PATH - 1);
		if (r < 0)
			return r;
		put32(b + FCOPY_START_COPY_FLAGS, m->copy_flags);
		memcpy(b + FCOPY_START_FILE_SIZE, &m->file_size, 8);
		body = FCOPY_START_SIZE;
		break;
	case WRITE_TO_FILE:
		memcpy(b + FCOPY_WRITE_OFFSET, &m->offset, 8);
		put32(b + FCOPY_WRITE_SIZE, m->size);
		if (m->data)
			memcpy(b + FCOPY_WRITE_DATA, m->data,
			       MIN((size_t)m->size, (size_t)DATA_FRAGMENT));
		body = FCOPY_WRITE_MAX_SIZE;
		break;
	default:
		body = FCOPY_HDR_SIZE;
		break;
	}
	ic_build_request(u->msg, IC_MSGTYPE_FCOPY, body);
	return (int)(IC_BODY_OFFSET + body);
}

static int uio_exchange(struct hs_fcopy_transport *t, const struct hs_fcopy_msg *m,
			uint32_t *ret_status, int timeout_ms)
{
	struct uio_sim *u = (struct uio_sim *)t;
	int len = encode(u, m);

	if (len < 0)
		return len;
	return request(u, (size_t)len, ret_status, timeout_ms);
}

/* A broken descriptor: the guest must close the device; then the rings are fresh again. */
static int send_broken(struct uio_sim *u, uint16_t offset8, uint16_t len8, size_t bytes,
		       int timeout_ms)
{
	struct vmbus_pkt_desc d = {
		.type = VM_PKT_DATA_INBAND, .offset8 = offset8, .len8 = len8, .trans_id = ++u->trans
	};
	uint8_t raw[64] = { 0 };
	long long deadline = now_ms() + timeout_ms;
	int r;

	memcpy(raw, &d, sizeof(d));
	r = vmbus_ring_write_raw(&u->g_rx, raw, bytes);
	if (r < 0)
		return r;
	r = kick(u, false);
	if (r < 0)
		return r;
	for (;;) {
		r = wait_signal(u, deadline);
		if (r == -ECONNRESET)
			break;
		if (r < 0)
			return r == -ETIMEDOUT ? -EPROTO : r;
	}
	u->fd = safe_close(u->fd);
	reset_rings(u);
	return 0;
}

static int uio_malformed(struct hs_fcopy_transport *t, const char *kind, uint32_t *ret_status,
			 bool *ret_answered, int timeout_ms)
{
	struct uio_sim *u = (struct uio_sim *)t;
	struct hs_fcopy_msg start = { .op = START_FILE_COPY,
				      .file_name = "malformed",
				      .path_name = "/" };
	struct hs_fcopy_msg write = { .op = WRITE_TO_FILE, .size = 8 };
	int len, r;

	*ret_answered = true;
	if (strcmp(kind, "ring-offset-small") == 0 || strcmp(kind, "ring-offset-big") == 0 ||
	    strcmp(kind, "ring-len") == 0) {
		*ret_answered = false;
		if (kind[6] == 'l')
			return send_broken(u, 2, 40, 32, timeout_ms);
		return send_broken(u, kind[12] == 's' ? 1 : 5, 4, 32, timeout_ms);
	}
	if (strcmp(kind, "short-ic") == 0) {
		/* Too short to answer: dropped; the CANCEL right behind it must be answered. */
		len = encode(u, &(struct hs_fcopy_msg){ .op = CANCEL_FCOPY });
		r = put_packet(u, u->msg, 12);
		if (r < 0)
			return r;
		r = request(u, (size_t)len, ret_status, timeout_ms);
		/* The CANCEL succeeded: report the drop as a refusal. */
		if (r == 0 && *ret_status == HV_S_OK)
			*ret_status = HV_E_FAIL;
		return r;
	}
	if (strcmp(kind, "short-fcopy") == 0) {
		encode(u, &(struct hs_fcopy_msg){ .op = COMPLETE_FCOPY });
		return request(u, IC_BODY_OFFSET + FCOPY_HDR_SIZE - 4, ret_status, timeout_ms);
	}
	if (strcmp(kind, "negotiate-none") == 0)
		return request(u, negotiate_msg(u->msg, 2, 0), ret_status, timeout_ms);
	if (strcmp(kind, "write-size") == 0) {
		len = encode(u, &write);
		put32(u->msg + IC_BODY_OFFSET + FCOPY_WRITE_SIZE, DATA_FRAGMENT + 1);
		return request(u, (size_t)len, ret_status, timeout_ms);
	}
	if (strcmp(kind, "write-trunc") == 0) {
		write.size = 100;
		encode(u, &write);
		return request(u, IC_BODY_OFFSET + FCOPY_WRITE_DATA + 50, ret_status, timeout_ms);
	}
	if (strcmp(kind, "name-unpaired") == 0) {
		len = encode(u, &start);
		put32(u->msg + IC_BODY_OFFSET + FCOPY_START_FILE_NAME + 2,
		      0x0062d83d); /* D83D 'b' */
		return request(u, (size_t)len, ret_status, timeout_ms);
	}
	if (strcmp(kind, "name-no-nul") == 0) {
		len = encode(u, &start);
		for (size_t i = 0; i < W_MAX_PATH; i++)
			put32(u->msg + IC_BODY_OFFSET + FCOPY_START_FILE_NAME + 2 * i, 0x61);
		/* put32 wrote a zero high half over the next unit: put 'a' back last. */
		u->msg[IC_BODY_OFFSET + FCOPY_START_PATH_NAME - 2] = 'a';
		u->msg[IC_BODY_OFFSET + FCOPY_START_PATH_NAME - 1] = 0;
		memset(u->msg + IC_BODY_OFFSET + FCOPY_START_PATH_NAME, 0, 4);
		u->msg[IC_BODY_OFFSET + FCOPY_START_PATH_NAME] = '/';
		return request(u, (size_t)len, ret_status, timeout_ms);
	}
	if (strcmp(kind, "spurious") == 0) {
		/*
		 * An interrupt with nothing in the ring: the guest must unmask and
		 * still serve. Its signal for the last answer may still be on the
		 * way: let that settle first, so the unmask seen is this one's.
		 */
		long long deadline = now_ms() + timeout_ms;
		while ((r = wait_signal(u, MIN(deadline, now_ms() + 50))) > 0)
			;
		if (r != -ETIMEDOUT)
			return r;
		r = kick(u, true);
		if (r < 0)
			return r;
		do {
			r = wait_signal(u, deadline);
			if (r < 0)
				return r == -ETIMEDOUT ? -EPROTO : r;
		} while (vmbus_ring_get_mask(&u->g_rx) != 0);
		len = encode(u, &write);
		put32(u->msg + IC_BODY_OFFSET + FCOPY_WRITE_SIZE, DATA_FRAGMENT + 1);
		return request(u, (size_t)len, ret_status, timeout_ms);
	}
	if (strcmp(kind, "batch") == 0) {
		/* Three packets behind one interrupt: each must be answered, in order. */
		uint64_t first = u->trans + 1;
		/* Small (WRITEs whose size runs past the packet), so that three fit in any ring. */
		write.size = 100;
		encode(u, &write);
		for (int i = 0; i < 3; i++)
			if ((r = put_packet(u, u->msg, IC_BODY_OFFSET + FCOPY_WRITE_DATA + 50)) < 0)
				return r;
		if ((r = kick(u, false)) < 0)
			return r;
		for (uint64_t i = 0; i < 3; i++) {
			uint32_t st;
			r = read_reply(u, first + i, &st, timeout_ms);
			if (r < 0)
				return r;
			if (i == 0 || st == HV_S_OK)
				*ret_status = st;
		}
		return 0;
	}
	return -ENOENT;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void uio_free(struct hs_fcopy_transport *t)
{
	struct uio_sim *u = (struct uio_sim *)t;
	static const char *const created[] = { "sys", "dev" };

	if (!u)
		return;
	safe_close(u->fd);
	safe_close(u->listen_fd);
	if (u->map)
		munmap(u->map, 2 * u->ring_size);
	/* Only what build_tree made: DIR itself belongs to the caller. */
	for (size_t i = 0; u->dir && i < ELEMENTSOF(created); i++) {
		_cleanup_free_ char *p = path_in(u, created[i]);
		if (p)
			nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
	free(u->reply);
	free(u->dir);
	free(u);
}

int hs_fcopy_uio_new(const char *arg, struct hs_fcopy_transport **ret)
{
	struct uio_sim *u = calloc(1, sizeof(*u));
	char *opt;
	int r;

	if (!u)
		return -ENOMEM;
	u->t = (struct hs_fcopy_transport){
		.name = "uio",
		.open = uio_open,
		.exchange = uio_exchange,
		.malformed = uio_malformed,
		.malformed_kinds = HS_UIO_MALFORMED_KINDS,
		.free = uio_free,
	};
	u->fd = u->listen_fd = -1;
	u->ring_size = HS_UIO_DEFAULT_RING_SIZE;
	u->dir = strdup(arg);
	if (!u->dir) {
		uio_free(&u->t);
		return -ENOMEM;
	}
	/* DIR[,unbound][,ring=BYTES] */
	for (opt = strchr(u->dir, ','); opt; opt = strchr(opt, ',')) {
		*opt++ = '\0';
		if (strncmp(opt, "unbound", 7) == 0 && (opt[7] == ',' || !opt[7]))
			u->unbound = true;
		else if (strncmp(opt, "ring=", 5) == 0)
			u->ring_size = strtoul(opt + 5, NULL, 0);
		else {
			uio_free(&u->t);
			return -EINVAL;
		}
	}
	if (u->ring_size % VMBUS_RING_HDR_SIZE != 0 || u->ring_size < 2 * VMBUS_RING_HDR_SIZE ||
	    u->ring_size > VMBUS_RING_MAX_SIZE) {
		uio_free(&u->t);
		return -EINVAL;
	}
	r = build_tree(u);
	if (r < 0) {
		uio_free(&u->t);
		return r;
	}
	*ret = &u->t;
	return 0;
}
