/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <systemd/sd-daemon.h>

#include "channel.h"
#include "daemon.h"
#include "hv_link.h"
#include "log.h"
#include "macro.h"

#define BACKOFF_MIN_USEC (100 * 1000ULL)
#define BACKOFF_MAX_USEC (5 * 1000 * 1000ULL)

enum link_state {
	LINK_CLOSED,	  /* waiting to (re)open */
	LINK_REGISTERING, /* registration sent, waiting for the kernel's answer */
	LINK_READY,
};

struct hv_link {
	sd_event *event;
	sd_event_source *io_source, *retry_source, *watch_source;
	const struct hv_link_ops *ops;
	void *userdata;
	char *name, *path;
	int fd;
	int watch_fd;		       /* inotify while the device does not exist, else -1 */
	char watch_name[NAME_MAX + 1]; /* the entry in the watched directory on the way to path */
	struct daemon_ready ready;
	enum link_state state;
	uint64_t backoff_usec;
	unsigned open_failures; /* consecutive: the first is logged, not every one */
	size_t max_message;
	size_t rx_size;
	uint8_t *rx; /* twice max_message: a longer message reaches the codec, which rejects it */
};

static void link_schedule_reopen(struct hv_link *l);

static void link_close(struct hv_link *l)
{
	l->io_source = sd_event_source_disable_unref(l->io_source);
	l->fd = safe_close(l->fd);
	l->state = LINK_CLOSED;
}

static void link_lost(struct hv_link *l, int r, const char *what)
{
	bool was_ready = l->state == LINK_READY;

	log_struct_id(LOG_WARNING, HV_MSGID_CHANNEL_LOST,
		      "%s channel %s: %s%s%s; reopening in %llu ms", l->name, l->path, what,
		      r ? ": " : "", r ? strerror(-r) : "",
		      (unsigned long long)(l->backoff_usec / 1000));
	sd_notifyf(false, "STATUS=%s channel lost (%s), reopening", l->name, what);
	link_close(l);
	if (was_ready && l->ops->lost)
		l->ops->lost(l->userdata);
	link_schedule_reopen(l);
}

static int link_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct hv_link *l = userdata;
	(void)s;
	(void)fd;

	if (!(revents & EPOLLIN)) {
		link_lost(l, 0, "the host side closed the channel");
		return 0;
	}
	ssize_t n = hv_channel_recv(l->fd, l->rx, l->rx_size);
	if (n == -EAGAIN)
		return 0;
	if (n == 0) {
		link_lost(l, 0, "the host side closed the channel");
		return 0;
	}
	if (n < 0) {
		link_lost(l, (int)n, "read failed");
		return 0;
	}
	if (l->state == LINK_REGISTERING) {
		int r = l->ops->registered(l->userdata, l->rx, (size_t)n);
		if (r < 0) {
			link_lost(l, r, "unexpected message instead of the registration answer");
			return 0;
		}
		daemon_ready_registered(&l->ready);
		l->state = LINK_READY;
		l->backoff_usec = BACKOFF_MIN_USEC;
		l->open_failures = 0;
		return 0;
	}
	l->ops->message(l->userdata, l->rx, (size_t)n);
	return 0;
}

static int link_open(struct hv_link *l)
{
	_cleanup_free_ uint8_t *reg = malloc(l->max_message);
	if (!reg)
		return -ENOMEM;
	int fd = hv_channel_open(l->path);
	if (fd < 0)
		return fd;
	l->fd = fd;

	size_t len = l->ops->registration(l->userdata, reg, l->max_message);
	int r = hv_channel_send(l->fd, reg, len);
	if (r < 0) {
		l->fd = safe_close(l->fd);
		return r;
	}
	r = sd_event_add_io(l->event, &l->io_source, l->fd, EPOLLIN, link_on_io, l);
	if (r < 0) {
		l->fd = safe_close(l->fd);
		return r;
	}
	l->state = LINK_REGISTERING;
	log_debug("%s channel %s opened, registering", l->name, l->path);
	char status[PATH_MAX + 64];
	snprintf(status, sizeof(status), "Registering through %s: no answer from the host yet",
		 l->path);
	(void)daemon_ready_registering(&l->ready, l->event, status);
	return 0;
}

static void link_unwatch(struct hv_link *l)
{
	l->watch_source = sd_event_source_disable_unref(l->watch_source);
	l->watch_fd = safe_close(l->watch_fd);
}

static int link_on_retry(sd_event_source *s, uint64_t usec, void *userdata);

static int link_on_watch(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct hv_link *l = userdata;
	union {
		struct inotify_event ev;
		char buf[4096];
	} u;
	bool look = false;
	ssize_t n;
	(void)s;
	(void)revents;

	while ((n = read(fd, u.buf, sizeof(u.buf))) > 0)
		for (char *p = u.buf; p < u.buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			/* The watched directory went away, or events were lost: look again. */
			if (ev->mask & (IN_IGNORED | IN_Q_OVERFLOW | IN_DELETE_SELF | IN_MOVE_SELF))
				look = true;
			else if (ev->len && strcmp(ev->name, l->watch_name) == 0)
				look = true;
			p += sizeof(*ev) + ev->len;
		}
	if (n < 0 && errno != EAGAIN) {
		log_debug("Reading the inotify watch for %s failed: %s; relying on retries",
			  l->path, strerror(errno));
		link_unwatch(l);
		return 0;
	}
	if (!look)
		return 0;
	/*
	 * A step on the way to the device appeared: the next one may be
	 * deeper, so watch again from scratch, and try now.
	 */
	link_unwatch(l);
	l->retry_source = sd_event_source_disable_unref(l->retry_source);
	l->backoff_usec = BACKOFF_MIN_USEC;
	log_debug("%s: %s appeared, opening", l->path, l->watch_name);
	return link_on_retry(NULL, 0, l);
}

/*
 * Watch the nearest existing directory on the way to the device for the
 * entry that leads to it (/dev for "vmbus" until /dev/vmbus exists, then
 * /dev/vmbus for "hv_kvp").
 */
static int link_watch(struct hv_link *l)
{
	char dir[PATH_MAX];
	int r;

	link_unwatch(l);
	if (snprintf(dir, sizeof(dir), "%s", l->path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	l->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (l->watch_fd < 0)
		return negative_errno();
	for (;;) {
		char *slash = strrchr(dir, '/');
		const char *parent = slash == dir ? "/" : slash ? dir : ".";
		const char *name = slash ? slash + 1 : dir;

		if (!*name || strlen(name) >= sizeof(l->watch_name)) {
			link_unwatch(l);
			return -EINVAL;
		}
		memcpy(l->watch_name, name, strlen(name) + 1);
		if (slash)
			*slash = '\0';
		if (inotify_add_watch(l->watch_fd, parent,
				      IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
					      IN_ONLYDIR) >= 0)
			break;
		r = negative_errno();
		if ((r != -ENOENT && r != -ENOTDIR) || !slash || slash == dir) {
			link_unwatch(l);
			return r;
		}
	}
	r = sd_event_add_io(l->event, &l->watch_source, l->watch_fd, EPOLLIN, link_on_watch, l);
	if (r < 0) {
		link_unwatch(l);
		return r;
	}
	return 0;
}

static int link_on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct hv_link *l = userdata;
	char status[PATH_MAX + 128];
	(void)s;
	(void)usec;

	int r = link_open(l);
	if (r == -ENOENT && l->watch_fd < 0) {
		int k = link_watch(l);
		if (k < 0)
			log_debug("Cannot watch for %s to appear: %s; relying on retries", l->path,
				  strerror(-k));
		else
			/* Watching from now on: look once more, in case it appeared meanwhile. */
			r = link_open(l);
	}
	if (r != -ENOENT)
		link_unwatch(l);
	if (r >= 0)
		return 0;
	/* Say it once, then quietly keep trying: the device can appear late in boot. */
	if (l->open_failures++ == 0) {
		const char *service = l->ops->host_service ? l->ops->host_service : l->name;
		if (r == -ENOENT) {
			log_notice(
				"%s does not exist (%s not offered by the host?); waiting for it",
				l->path, service);
			snprintf(status, sizeof(status),
				 "Waiting for %s (%s not offered by the host?)", l->path, service);
		} else {
			log_notice("Cannot open %s: %s; retrying with backoff up to %llu s",
				   l->path, strerror(-r), BACKOFF_MAX_USEC / 1000000ULL);
			snprintf(status, sizeof(status), "Waiting for %s: %s", l->path,
				 strerror(-r));
		}
		/* Nothing is registering: do not hold anything up. */
		daemon_ready_waiting(&l->ready, status);
	} else
		log_debug("Cannot open %s: %s", l->path, strerror(-r));
	link_schedule_reopen(l);
	return 0;
}

static void link_schedule_reopen(struct hv_link *l)
{
	uint64_t delay = l->backoff_usec;

	l->backoff_usec = MIN(l->backoff_usec * 2, BACKOFF_MAX_USEC);
	l->retry_source = sd_event_source_disable_unref(l->retry_source);
	/*
	 * Accuracy 0 would mean sd-event's default of 250 ms, which turns the
	 * 0.1 s first retry into up to 0.35 s; a tenth of the delay keeps the
	 * backoff what it says while still letting wakeups coalesce.
	 */
	int r = sd_event_add_time_relative(l->event, &l->retry_source, CLOCK_MONOTONIC, delay,
					   delay / 10, link_on_retry, l);
	if (r < 0) {
		log_error_errno(r, "Cannot arm the reopen timer: %m; exiting");
		sd_event_exit(l->event, 1);
	}
}

int hv_link_new(sd_event *event, const char *name, const char *path, size_t max_message,
		const struct hv_link_ops *ops, void *userdata, struct hv_link **ret)
{
	struct hv_link *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->fd = -1;
	l->watch_fd = -1;
	l->event = sd_event_ref(event);
	l->ops = ops;
	l->userdata = userdata;
	l->max_message = max_message;
	l->backoff_usec = BACKOFF_MIN_USEC;
	l->name = strdup(name);
	l->path = strdup(path);
	l->rx_size = 2 * max_message;
	l->rx = malloc(l->rx_size);
	if (!l->name || !l->path || !l->rx) {
		hv_link_free(l);
		return -ENOMEM;
	}
	*ret = l;
	return 0;
}

struct hv_link *hv_link_free(struct hv_link *l)
{
	if (!l)
		return NULL;
	link_close(l);
	link_unwatch(l);
	daemon_ready_done(&l->ready);
	l->retry_source = sd_event_source_disable_unref(l->retry_source);
	sd_event_unref(l->event);
	free(l->name);
	free(l->path);
	free(l->rx);
	free(l);
	return NULL;
}

void hv_link_start(struct hv_link *l)
{
	l->open_failures = 0;
	(void)link_on_retry(NULL, 0, l);
}

int hv_link_restart(struct hv_link *l, const char *path)
{
	if (path && strcmp(path, l->path) != 0) {
		char *p = strdup(path);
		if (!p)
			return -ENOMEM;
		free(l->path);
		l->path = p;
	}
	bool was_ready = l->state == LINK_READY;
	link_close(l);
	if (was_ready && l->ops->lost)
		l->ops->lost(l->userdata);
	l->retry_source = sd_event_source_disable_unref(l->retry_source);
	link_unwatch(l); /* the path may have changed */
	l->backoff_usec = BACKOFF_MIN_USEC;
	hv_link_start(l);
	return 0;
}

int hv_link_send(struct hv_link *l, const void *buf, size_t len)
{
	if (l->fd < 0)
		return -ENOTCONN;
	int r = hv_channel_send(l->fd, buf, len);
	if (r < 0)
		link_lost(l, r, "sending a reply failed");
	return r;
}

bool hv_link_ready(const struct hv_link *l)
{
	return l->state == LINK_READY;
}

const char *hv_link_path(const struct hv_link *l)
{
	return l->path;
}
