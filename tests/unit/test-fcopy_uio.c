/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The UIO transport against an in-process host: the simulated device of
 * lib/fcopy_uio.h (sysfs tree, ring file, interrupt socket) built in a
 * temporary directory, the host's side played here with the same ring and
 * IC code, and the daemon's side driven by running its sd-event loop.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fcopy.h"
#include "fcopy_uio.h"
#include "hv_abi.h"
#include "ic_msg.h"
#include "macro.h"
#include "unit.h"
#include "utf8.h"
#include "vmbus_ring.h"

#define INSTANCE "eb765408-105f-49b6-b4aa-c123b64d17d4"
#define RING_SIZE 0x5000u

struct host {
	char dir[128], sysfs[256], devdir[256], drvdir[256], dst[256];
	int lfd, cfd;
	void *map;
	struct vmbus_ring g_tx, g_rx; /* the guest's TX (host reads) and RX (host writes) */
	uint64_t trans;
	sd_event *e;
	struct fcopy_session *s;
	struct fcopy_uio *u;
	unsigned events[FCOPY_UIO_OPEN_FAILED + 1];
	char last_bound[PATH_MAX];
};

static void on_event(void *userdata, enum fcopy_uio_event ev, int error, const char *detail)
{
	struct host *h = userdata;
	(void)error;

	h->events[ev]++;
	if (ev == FCOPY_UIO_BOUND && detail)
		snprintf(h->last_bound, sizeof(h->last_bound), "%s", detail);
}

static const struct fcopy_uio_ops ops = { .event = on_event };

static void mkdirs(const char *path)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

/* The device tree; bound = whether uio/uio3 exists yet. */
static void host_tree(struct host *h, bool bound)
{
	char p[PATH_MAX + 128];
	int fd;

	snprintf(h->dir, sizeof(h->dir), "%s/test-fcopy_uio.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(h->dir));
	snprintf(h->sysfs, sizeof(h->sysfs), "%s/sys/bus/vmbus/devices", h->dir);
	snprintf(h->devdir, sizeof(h->devdir), "%s/dev", h->dir);
	snprintf(h->drvdir, sizeof(h->drvdir), "%s/sys/bus/vmbus/drivers/uio_hv_generic", h->dir);
	snprintf(h->dst, sizeof(h->dst), "%s/dst", h->dir);
	mkdirs(h->devdir);
	mkdirs(h->drvdir);
	mkdirs(h->dst);
	/* An unrelated device first, so the class is really searched for. */
	snprintf(p, sizeof(p), "%s/0000-other", h->sysfs);
	mkdirs(p);
	strcat(p, "/class_id");
	write_file(p, "{57164f39-9115-4e78-ab55-382f3bd5422d}\n");
	snprintf(p, sizeof(p), "%s/%s/channels/14", h->sysfs, INSTANCE);
	mkdirs(p);
	snprintf(p, sizeof(p), "%s/%s/class_id", h->sysfs, INSTANCE);
	write_file(p, "{" FCOPY_UIO_CLASS_GUID "}\n");
	if (bound) {
		snprintf(p, sizeof(p), "%s/%s/uio/uio3", h->sysfs, INSTANCE);
		mkdirs(p);
	}
	snprintf(p, sizeof(p), "%s/new_id", h->drvdir);
	write_file(p, "");

	snprintf(p, sizeof(p), "%s/%s/channels/14/ring", h->sysfs, INSTANCE);
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(ftruncate(fd, 2 * RING_SIZE) == 0);
	h->map = mmap(NULL, 2 * RING_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	CU_ASSERT_FATAL(h->map != MAP_FAILED);
	CU_ASSERT_FATAL(vmbus_ring_init(&h->g_tx, h->map, RING_SIZE) == 0);
	CU_ASSERT_FATAL(vmbus_ring_init(&h->g_rx, (uint8_t *)h->map + RING_SIZE, RING_SIZE) == 0);
	vmbus_ring_reset(&h->g_tx, 0);
	vmbus_ring_reset(&h->g_rx, 1);

	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	CU_ASSERT_FATAL(strlen(h->devdir) + 5 < sizeof(sa.sun_path));
	strcpy(sa.sun_path, h->devdir);
	strcat(sa.sun_path, "/uio3");
	h->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	CU_ASSERT_FATAL(h->lfd >= 0);
	CU_ASSERT_FATAL(bind(h->lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CU_ASSERT_FATAL(listen(h->lfd, 4) == 0);
	h->cfd = -1;
}

static void run_loop(struct host *h, uint64_t usec)
{
	CU_ASSERT(sd_event_run(h->e, usec) >= 0);
}

/* Take the daemon's pending signals (the s32 1 writes); returns how many. */
static unsigned drain_signals(struct host *h)
{
	int32_t v;
	unsigned n = 0;

	while (h->cfd >= 0 && recv(h->cfd, &v, sizeof(v), MSG_DONTWAIT) == sizeof(v))
		n++;
	return n;
}

static int host_accept(struct host *h)
{
	for (int i = 0; i < 300 && h->cfd < 0; i++) {
		h->cfd = accept4(h->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (h->cfd < 0)
			run_loop(h, 10000);
	}
	return h->cfd >= 0 ? 0 : -ETIMEDOUT;
}

/* Playing the kernel: interrupt only when the guest asked for them. */
static void host_kick(struct host *h)
{
	uint32_t count = 1;

	if (vmbus_ring_get_mask(&h->g_rx) == 0) {
		vmbus_ring_set_mask(&h->g_rx, 1);
		CU_ASSERT(send(h->cfd, &count, sizeof(count), MSG_NOSIGNAL) == sizeof(count));
	}
}

static void host_put(struct host *h, const void *payload, size_t len)
{
	CU_ASSERT_EQUAL_FATAL(vmbus_ring_write(&h->g_rx, VM_PKT_DATA_INBAND, 0, ++h->trans, payload, len), 0);
}

static int host_reply(struct host *h, uint8_t *buf, size_t size, struct vmbus_packet *ret)
{
	for (int i = 0; i < 500; i++) {
		int r = vmbus_ring_read(&h->g_tx, buf, size, ret);
		if (r != -EAGAIN)
			return r;
		run_loop(h, 10000);
		drain_signals(h);
	}
	return -ETIMEDOUT;
}

static uint32_t reply_status(const struct vmbus_packet *p)
{
	uint32_t s;

	CU_ASSERT_FATAL(p->payload_len >= IC_BODY_OFFSET);
	CU_ASSERT_EQUAL(p->payload[8 + 17], IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE);
	memcpy(&s, p->payload + 8 + 12, 4);
	return s;
}

/* One request, one answer; returns the status, or a negative errno. */
static int64_t host_request(struct host *h, const uint8_t *payload, size_t len)
{
	static uint8_t buf[RING_SIZE];
	struct vmbus_packet p;
	int r;

	host_put(h, payload, len);
	host_kick(h);
	r = host_reply(h, buf, sizeof(buf), &p);
	if (r < 0)
		return r;
	CU_ASSERT_EQUAL(p.desc.trans_id, h->trans);
	CU_ASSERT_EQUAL(p.payload_len, VMBUS_ALIGN8(len));
	return reply_status(&p);
}

static size_t negotiate_msg(uint8_t *p, uint16_t fw_major, uint16_t srv_minor)
{
	ic_build_request(p, IC_MSGTYPE_NEGOTIATE, 16);
	memset(p + IC_BODY_OFFSET, 0, 16);
	p[IC_BODY_OFFSET] = 1;
	p[IC_BODY_OFFSET + 2] = 1;
	p[IC_BODY_OFFSET + 8] = (uint8_t)fw_major;
	p[IC_BODY_OFFSET + 12] = 1;
	p[IC_BODY_OFFSET + 14] = (uint8_t)srv_minor;
	return IC_BODY_OFFSET + 16;
}

static void host_start(struct host *h, bool bound)
{
	uint8_t p[64];

	memset(h, 0, sizeof(*h));
	host_tree(h, bound);
	CU_ASSERT_FATAL(sd_event_new(&h->e) >= 0);
	/* Not a test of the roots: a root below /tmp would be refused (sticky, 1777). */
	const char *roots[] = { "/", NULL };
	struct fcopy_session_options so = { .allowed_roots = roots };
	CU_ASSERT_FATAL(fcopy_session_new(&so, &h->s) == 0);
	struct fcopy_uio_options o = { .sysfs_root = h->sysfs, .dev_dir = h->devdir,
				       .driver_dir = h->drvdir, .ops = &ops, .userdata = h };
	CU_ASSERT_FATAL(fcopy_uio_new(h->e, &o, h->s, &h->u) == 0);
	if (!bound)
		return;
	CU_ASSERT_FATAL(host_accept(h) == 0);
	CU_ASSERT_EQUAL(host_request(h, p, negotiate_msg(p, 3, 1)), 0);
	CU_ASSERT_EQUAL(h->events[FCOPY_UIO_NEGOTIATED], 1);
}

static void host_stop(struct host *h)
{
	fcopy_uio_free(h->u);
	fcopy_session_free(h->s);
	sd_event_unref(h->e);
	safe_close(h->cfd);
	safe_close(h->lfd);
	munmap(h->map, 2 * RING_SIZE);
	unit_rm_rf(h->dir);
}

static size_t start_msg(uint8_t *p, const char *path, const char *name, uint64_t size)
{
	uint8_t *b = p + IC_BODY_OFFSET;

	ic_build_request(p, IC_MSGTYPE_FCOPY, FCOPY_START_SIZE);
	memset(b, 0, FCOPY_START_SIZE);
	b[0] = START_FILE_COPY;
	CU_ASSERT(utf8_to_utf16le(name, strlen(name), b + FCOPY_START_FILE_NAME, 259) >= 0);
	CU_ASSERT(utf8_to_utf16le(path, strlen(path), b + FCOPY_START_PATH_NAME, 259) >= 0);
	b[FCOPY_START_COPY_FLAGS] = OVER_WRITE | CREATE_PATH;
	memcpy(b + FCOPY_START_FILE_SIZE, &size, 8);
	return IC_BODY_OFFSET + FCOPY_START_SIZE;
}

static size_t write_msg(uint8_t *p, uint64_t off, const uint8_t *data, uint32_t n)
{
	uint8_t *b = p + IC_BODY_OFFSET;

	ic_build_request(p, IC_MSGTYPE_FCOPY, FCOPY_WRITE_MAX_SIZE);
	memset(b, 0, FCOPY_WRITE_DATA);
	b[0] = WRITE_TO_FILE;
	memcpy(b + FCOPY_WRITE_OFFSET, &off, 8);
	memcpy(b + FCOPY_WRITE_SIZE, &n, 4);
	memcpy(b + FCOPY_WRITE_DATA, data, n);
	memset(b + FCOPY_WRITE_DATA + n, 0, DATA_FRAGMENT - n);
	return IC_BODY_OFFSET + FCOPY_WRITE_MAX_SIZE;
}

static size_t op_msg(uint8_t *p, uint32_t op)
{
	ic_build_request(p, IC_MSGTYPE_FCOPY, FCOPY_HDR_SIZE);
	memset(p + IC_BODY_OFFSET, 0, FCOPY_HDR_SIZE);
	p[IC_BODY_OFFSET] = (uint8_t)op;
	return IC_BODY_OFFSET + FCOPY_HDR_SIZE;
}

static uint32_t fnv1a(const uint8_t *d, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ d[i]) * 16777619u;
	return h;
}

static void test_roundtrip_sizes(void)
{
	static const size_t sizes[] = { 0, 1, 6143, 6144, 6145, 1024 * 1024 + 3 };
	static uint8_t p[IC_FCOPY_MAX_PAYLOAD];
	struct host h;

	host_start(&h, true);
	for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
		size_t n = sizes[i];
		_cleanup_free_ uint8_t *data = malloc(n + 1), *back = malloc(n + 1);
		char name[64], path[PATH_MAX + 64];

		CU_ASSERT_PTR_NOT_NULL_FATAL(data);
		for (size_t j = 0; j < n; j++)
			data[j] = (uint8_t)(j * 131 + i + (j >> 8));
		/* A non-ASCII name, with a character outside the BMP. */
		snprintf(name, sizeof(name), "f\xc3\xa9-\xf0\x9f\x98\x80-%zu", n);
		CU_ASSERT_EQUAL(host_request(&h, p, start_msg(p, h.dst, name, n)), 0);
		for (size_t off = 0; off < n; off += DATA_FRAGMENT) {
			uint32_t k = (uint32_t)MIN((size_t)DATA_FRAGMENT, n - off);
			int64_t st = host_request(&h, p, write_msg(p, off, data + off, k));
			if (st != 0)
				fprintf(stderr, "\n  size %zu offset %zu: status %lld\n", n, off, (long long)st);
			CU_ASSERT_EQUAL_FATAL(st, 0);
		}
		CU_ASSERT_EQUAL(host_request(&h, p, op_msg(p, COMPLETE_FCOPY)), 0);

		snprintf(path, sizeof(path), "%s/%s", h.dst, name);
		FILE *f = fopen(path, "rb");
		if (!f)
			fprintf(stderr, "\n  size %zu: %s missing\n", n, path);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		size_t got = fread(back, 1, n + 1, f);
		fclose(f);
		if (got != n || fnv1a(back, n) != fnv1a(data, n))
			fprintf(stderr, "\n  size %zu: got %zu bytes, checksum %08x vs %08x\n", n, got,
				fnv1a(back, got), fnv1a(data, n));
		CU_ASSERT_EQUAL(got, n);
		CU_ASSERT_EQUAL(fnv1a(back, n), fnv1a(data, n));
	}
	host_stop(&h);
}

static void test_bad_messages(void)
{
	static uint8_t p[IC_FCOPY_MAX_PAYLOAD + 64];
	struct host h;
	uint8_t data[128] = { 0 };
	size_t len;

	host_start(&h, true);
	CU_ASSERT_EQUAL(host_request(&h, p, start_msg(p, h.dst, "bad", 10)), 0);

	/* WRITE size 6145: declared in the message, refused. */
	len = write_msg(p, 0, data, 8);
	uint32_t big = DATA_FRAGMENT + 1;
	memcpy(p + IC_BODY_OFFSET + FCOPY_WRITE_SIZE, &big, 4);
	CU_ASSERT_EQUAL(host_request(&h, p, len), HV_INVALIDARG);
	/* WRITE whose size runs past the packet. */
	len = write_msg(p, 0, data, 100);
	CU_ASSERT_EQUAL(host_request(&h, p, IC_BODY_OFFSET + FCOPY_WRITE_DATA + 50), HV_INVALIDARG);
	(void)len;
	/* FCOPY payload shorter than its header. */
	op_msg(p, COMPLETE_FCOPY);
	CU_ASSERT_EQUAL(host_request(&h, p, IC_BODY_OFFSET + 20), HV_E_FAIL);
	/* Unknown IC type. */
	ic_build_request(p, 42, 0);
	CU_ASSERT_EQUAL(host_request(&h, p, IC_BODY_OFFSET), HV_E_FAIL);
	/* Unpaired surrogate in the name: refused, never replaced. */
	len = start_msg(p, h.dst, "ab", 10);
	p[IC_BODY_OFFSET + FCOPY_START_FILE_NAME + 2] = 0x3d;
	p[IC_BODY_OFFSET + FCOPY_START_FILE_NAME + 3] = 0xd8;
	CU_ASSERT_EQUAL(host_request(&h, p, len), HV_INVALIDARG);
	/* Negotiation with nothing in common. */
	CU_ASSERT_EQUAL(host_request(&h, p, negotiate_msg(p, 2, 0)), HV_E_FAIL);
	CU_ASSERT_EQUAL(h.events[FCOPY_UIO_NO_VERSION], 1);
	/* A payload too short for an IC header is dropped; the next one is answered. */
	host_put(&h, p, 12);
	CU_ASSERT_EQUAL(host_request(&h, p, op_msg(p, CANCEL_FCOPY)), 0);
	CU_ASSERT(fcopy_uio_is_open(h.u));
	host_stop(&h);
}

/* Write a raw descriptor; the daemon must drop the channel and come back. */
static void bad_ring_case(const char *name, uint16_t offset8, uint16_t len8, size_t bytes)
{
	static uint8_t p[256];
	struct host h;
	struct vmbus_pkt_desc d = { .type = 6, .offset8 = offset8, .len8 = len8, .trans_id = 77 };
	uint8_t raw[64] = { 0 };

	host_start(&h, true);
	memcpy(raw, &d, sizeof(d));
	CU_ASSERT_EQUAL_FATAL(vmbus_ring_write_raw(&h.g_rx, raw, bytes), 0);
	host_kick(&h);
	char c;
	ssize_t n = -1;
	for (int i = 0; i < 300; i++) {
		run_loop(&h, 10000);
		drain_signals(&h);
		n = recv(h.cfd, &c, 1, MSG_DONTWAIT);
		if (n == 0)
			break;
	}
	if (n != 0)
		fprintf(stderr, "\n  %s: channel not closed\n", name);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(h.events[FCOPY_UIO_LOST], 1);
	/* As the kernel on the next open: fresh rings; the daemon reconnects. */
	h.cfd = safe_close(h.cfd);
	vmbus_ring_reset(&h.g_tx, 0);
	vmbus_ring_reset(&h.g_rx, 1);
	CU_ASSERT_EQUAL_FATAL(host_accept(&h), 0);
	CU_ASSERT_EQUAL(host_request(&h, p, negotiate_msg(p, 3, 1)), 0);
	CU_ASSERT_EQUAL(host_request(&h, p, op_msg(p, CANCEL_FCOPY)), 0);
	host_stop(&h);
}

static void test_bad_ring(void)
{
	bad_ring_case("offset8 1", 1, 3, 32);
	bad_ring_case("offset8 > len8", 4, 3, 32);
	bad_ring_case("len beyond available", 2, 40, 32);
	bad_ring_case("less than a descriptor", 2, 2, 8);
}

/* Three packets, one interrupt: three answers, in order, trans_ids echoed. */
static void test_batch(void)
{
	static uint8_t p[256], buf[RING_SIZE];
	struct host h;
	struct vmbus_packet pkt;

	host_start(&h, true);
	uint64_t first = h.trans + 1;
	for (int i = 0; i < 3; i++)
		host_put(&h, p, op_msg(p, CANCEL_FCOPY));
	host_kick(&h);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL_FATAL(host_reply(&h, buf, sizeof(buf), &pkt), 0);
		CU_ASSERT_EQUAL(pkt.desc.trans_id, first + (uint64_t)i);
		CU_ASSERT_EQUAL(reply_status(&pkt), 0);
	}
	host_stop(&h);
}

/* An interrupt with nothing in the ring: the daemon unmasks and keeps serving. */
static void test_spurious(void)
{
	static uint8_t p[256];
	struct host h;
	uint32_t count = 5;

	host_start(&h, true);
	for (int k = 0; k < 3; k++) {
		vmbus_ring_set_mask(&h.g_rx, 1);
		CU_ASSERT(send(h.cfd, &count, sizeof(count), MSG_NOSIGNAL) == sizeof(count));
		unsigned signals = 0;
		for (int i = 0; i < 100 && signals == 0; i++) {
			run_loop(&h, 10000);
			signals += drain_signals(&h);
		}
		CU_ASSERT(signals >= 1);
		CU_ASSERT_EQUAL(vmbus_ring_get_mask(&h.g_rx), 0);
	}
	CU_ASSERT_EQUAL(host_request(&h, p, op_msg(p, CANCEL_FCOPY)), 0);
	host_stop(&h);
}

/* Packets that arrive while masked (no interrupt) are found by the re-check. */
static void test_no_interrupt_when_masked(void)
{
	static uint8_t p[256], buf[RING_SIZE];
	struct host h;
	struct vmbus_packet pkt;
	uint32_t count = 1;

	host_start(&h, true);
	/* Two packets, but only the first gets an interrupt. */
	host_put(&h, p, op_msg(p, CANCEL_FCOPY));
	vmbus_ring_set_mask(&h.g_rx, 1);
	CU_ASSERT(send(h.cfd, &count, sizeof(count), MSG_NOSIGNAL) == sizeof(count));
	host_put(&h, p, op_msg(p, CANCEL_FCOPY));
	CU_ASSERT_EQUAL(host_reply(&h, buf, sizeof(buf), &pkt), 0);
	CU_ASSERT_EQUAL(host_reply(&h, buf, sizeof(buf), &pkt), 0);
	CU_ASSERT_EQUAL(pkt.desc.trans_id, h.trans);
	host_stop(&h);
}

/* The driver binds (uio/uio3 appears): the daemon's retry opens the device
 * and negotiates over it. */
static void host_bind_uio3(struct host *h)
{
	static uint8_t p[256];
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s/uio/uio3", h->sysfs, INSTANCE);
	mkdirs(path);
	CU_ASSERT_EQUAL_FATAL(host_accept(h), 0);
	CU_ASSERT_EQUAL(host_request(h, p, negotiate_msg(p, 3, 1)), 0);
	CU_ASSERT(fcopy_uio_is_open(h->u));
}

/* No uio/ yet: the class GUID goes to new_id, then the device is used. */
static void test_bind(void)
{
	struct host h;
	char path[PATH_MAX + 64], id[128] = "";

	host_start(&h, false);
	CU_ASSERT(h.events[FCOPY_UIO_OPEN_FAILED] >= 1);
	CU_ASSERT_EQUAL(h.events[FCOPY_UIO_BOUND], 1);
	snprintf(path, sizeof(path), "%s/new_id", h.drvdir);
	FILE *f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL(fgets(id, sizeof(id), f));
	fclose(f);
	CU_ASSERT_STRING_EQUAL(id, FCOPY_UIO_CLASS_GUID);
	CU_ASSERT_FALSE(fcopy_uio_is_open(h.u));
	/* The driver binds: uio3 appears, and the retry finds it. */
	host_bind_uio3(&h);
	host_stop(&h);
}

/*
 * new_id cannot be written (the shipped unit's /sys is read-only; here new_id
 * is a directory): said once, never retried, and the device is used as soon
 * as udev has bound it.
 */
static void test_bind_fails(void)
{
	struct host h;
	char path[PATH_MAX + 64];

	memset(&h, 0, sizeof(h));
	host_tree(&h, false);
	snprintf(path, sizeof(path), "%s/new_id", h.drvdir);
	CU_ASSERT_FATAL(unlink(path) == 0);
	mkdirs(path);
	CU_ASSERT_FATAL(sd_event_new(&h.e) >= 0);
	const char *roots[] = { h.dst, NULL };
	struct fcopy_session_options so = { .allowed_roots = roots };
	CU_ASSERT_FATAL(fcopy_session_new(&so, &h.s) == 0);
	struct fcopy_uio_options o = { .sysfs_root = h.sysfs, .dev_dir = h.devdir,
				       .driver_dir = h.drvdir, .ops = &ops, .userdata = &h };
	CU_ASSERT_FATAL(fcopy_uio_new(h.e, &o, h.s, &h.u) == 0);
	CU_ASSERT_EQUAL(h.events[FCOPY_UIO_BIND_FAILED], 1);
	CU_ASSERT_EQUAL(h.events[FCOPY_UIO_BOUND], 0);
	CU_ASSERT_FALSE(fcopy_uio_is_open(h.u));
	/* udev binds: uio3 appears, and a retry finds it without writing again. */
	host_bind_uio3(&h);
	CU_ASSERT_EQUAL(h.events[FCOPY_UIO_BIND_FAILED], 1);
	CU_ASSERT_EQUAL(h.events[FCOPY_UIO_BOUND], 0);
	host_stop(&h);
}

/* No device at all: not an error, just retries. */
static void test_missing(void)
{
	sd_event *e = NULL;
	struct fcopy_session *s = NULL;
	struct fcopy_uio *u = NULL;
	struct host h = { 0 };

	CU_ASSERT_FATAL(sd_event_new(&e) >= 0);
	CU_ASSERT_FATAL(fcopy_session_new(NULL, &s) == 0);
	struct fcopy_uio_options o = { .sysfs_root = "/nonexistent/sys", .dev_dir = "/nonexistent",
				       .driver_dir = "", .ops = &ops, .userdata = &h };
	CU_ASSERT_EQUAL(fcopy_uio_new(e, &o, s, &u), 0);
	CU_ASSERT_EQUAL(h.events[FCOPY_UIO_OPEN_FAILED], 1);
	CU_ASSERT_FALSE(fcopy_uio_is_open(u));
	fcopy_uio_free(u);
	fcopy_session_free(s);
	sd_event_unref(e);
}

static const struct unit_test tests[] = {
	{ "roundtrip_sizes", test_roundtrip_sizes },
	{ "bad_messages", test_bad_messages },
	{ "bad_ring", test_bad_ring },
	{ "batch", test_batch },
	{ "spurious", test_spurious },
	{ "no_interrupt_when_masked", test_no_interrupt_when_masked },
	{ "bind", test_bind },
	{ "bind_fails", test_bind_fails },
	{ "missing", test_missing },
};

UNIT_MAIN("fcopy_uio", tests)
