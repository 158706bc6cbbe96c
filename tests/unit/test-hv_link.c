/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv_link against a socket played by the test: registration, messages,
 * reopening after the peer goes away, and waiting for a late device.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hv_link.h"
#include "macro.h"
#include "unit.h"

struct probe {
	unsigned registrations, registered, messages, lost;
	char last[64];
};

static size_t p_registration(void *ud, void *buf, size_t size)
{
	struct probe *p = ud;
	(void)size;
	p->registrations++;
	memcpy(buf, "REG", 4);
	return 4;
}

static int p_registered(void *ud, const void *buf, size_t len)
{
	struct probe *p = ud;
	if (len != 3 || memcmp(buf, "ACK", 3) != 0)
		return -EPROTO;
	p->registered++;
	return 0;
}

static void p_message(void *ud, const void *buf, size_t len)
{
	struct probe *p = ud;
	p->messages++;
	snprintf(p->last, sizeof(p->last), "%.*s", (int)len, (const char *)buf);
}

static void p_lost(void *ud)
{
	((struct probe *)ud)->lost++;
}

static const struct hv_link_ops ops = {
	.registration = p_registration,
	.registered = p_registered,
	.message = p_message,
	.lost = p_lost,
};

static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0)
		return -1;
	return fd;
}

/* Run the loop until the listener has a connection (or about 3 s passed). */
static int accept_while_running(sd_event *e, int lfd)
{
	for (int i = 0; i < 300; i++) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			return c;
		sd_event_run(e, 10 * 1000);
	}
	return -1;
}

static void run_for(sd_event *e, unsigned ms)
{
	for (unsigned i = 0; i < ms / 5; i++)
		sd_event_run(e, 5 * 1000);
}

static void test_lifecycle(void)
{
	char dir[] = "/tmp/hvguest-link.XXXXXX", path[128];
	struct probe p = { 0 };
	struct hv_link *l = NULL;
	sd_event *e = NULL;
	char buf[16];

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dev.sock", dir);
	CU_ASSERT_EQUAL_FATAL(sd_event_new(&e), 0);
	CU_ASSERT_EQUAL_FATAL(hv_link_new(e, "TEST", path, 16, &ops, &p, &l), 0);

	/* The device is not there yet: the link keeps trying, quietly. */
	hv_link_start(l);
	run_for(e, 250);
	CU_ASSERT_EQUAL(p.registrations, 0);
	CU_ASSERT_FALSE(hv_link_ready(l));

	int lfd = listen_at(path);
	CU_ASSERT_FATAL(lfd >= 0);
	int c = accept_while_running(e, lfd);
	CU_ASSERT_FATAL(c >= 0);
	run_for(e, 20);
	CU_ASSERT_EQUAL(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 4);
	CU_ASSERT_STRING_EQUAL(buf, "REG");

	/* A wrong answer to the registration: the link starts over. */
	CU_ASSERT_EQUAL(send(c, "NAK", 3, 0), 3);
	run_for(e, 20);
	CU_ASSERT_EQUAL(p.registered, 0);
	close(c);
	c = accept_while_running(e, lfd);
	CU_ASSERT_FATAL(c >= 0);
	run_for(e, 20);
	CU_ASSERT_EQUAL(p.registrations, 2);
	CU_ASSERT_EQUAL(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 4);
	CU_ASSERT_EQUAL(send(c, "ACK", 3, 0), 3);
	run_for(e, 20);
	CU_ASSERT_EQUAL(p.registered, 1);
	CU_ASSERT_TRUE(hv_link_ready(l));

	/* Messages are handed over whole; replies go back. */
	CU_ASSERT_EQUAL(send(c, "hello", 5, 0), 5);
	run_for(e, 20);
	CU_ASSERT_EQUAL(p.messages, 1);
	CU_ASSERT_STRING_EQUAL(p.last, "hello");
	CU_ASSERT_EQUAL(hv_link_send(l, "ok", 2), 0);
	CU_ASSERT_EQUAL(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 2);
	CU_ASSERT_EQUAL(memcmp(buf, "ok", 2), 0);

	/* The peer goes away: lost once, then a new registration. */
	close(c);
	c = accept_while_running(e, lfd);
	CU_ASSERT_FATAL(c >= 0);
	CU_ASSERT_EQUAL(p.lost, 1);
	run_for(e, 20);
	CU_ASSERT_EQUAL(p.registrations, 3);
	CU_ASSERT_FALSE(hv_link_ready(l));

	/* Sending on a lost link fails and does not crash. */
	close(c);
	run_for(e, 20);
	CU_ASSERT(hv_link_send(l, "x", 1) < 0);

	hv_link_free(l);
	sd_event_unref(e);
	close(lfd);
	unlink(path);
	rmdir(dir);
}

/* Handle what is pending now, without waiting: no retry timer can be due. */
static void run_pending(sd_event *e)
{
	for (int i = 0; i < 8; i++)
		sd_event_run(e, 0);
}

/*
 * A device that appears late, in a directory that did not exist either
 * (/dev/vmbus before hv_utils loads), is opened as soon as it appears:
 * inotify, not the next retry of the backoff.
 */
static void test_late_device_watched(void)
{
	char dir[] = "/tmp/hvguest-link.XXXXXX", sub[128], path[160];
	struct probe p = { 0 };
	struct hv_link *l = NULL;
	sd_event *e = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/vmbus", dir);
	snprintf(path, sizeof(path), "%s/dev.sock", sub);
	CU_ASSERT_EQUAL_FATAL(sd_event_new(&e), 0);
	CU_ASSERT_EQUAL_FATAL(hv_link_new(e, "TEST", path, 16, &ops, &p, &l), 0);

	hv_link_start(l);
	run_pending(e);
	CU_ASSERT_EQUAL(p.registrations, 0);

	CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0700), 0);
	run_pending(e);
	CU_ASSERT_EQUAL(p.registrations, 0);

	int lfd = listen_at(path);
	CU_ASSERT_FATAL(lfd >= 0);
	run_pending(e);
	CU_ASSERT_EQUAL(p.registrations, 1);
	int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	CU_ASSERT(c >= 0);

	hv_link_free(l);
	sd_event_unref(e);
	if (c >= 0)
		close(c);
	close(lfd);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

static const struct unit_test tests[] = {
	{ "open late, register, serve, reopen", test_lifecycle },
	{ "a late device is opened when it appears", test_late_device_watched },
};

UNIT_MAIN("hv_link", tests)
