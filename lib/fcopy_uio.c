/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The UIO fcopy transport (lib/fcopy_uio.h): discovery and binding, the
 * mapping, and the interrupt loop. One interrupt may stand for several
 * packets and an interrupt may come with none, so each wake-up drains the
 * RX ring completely, unmasks, and looks again before going back to sleep
 * (upstream handles one packet per wake-up and can stall masked).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fcopy_uio.h"
#include "ic_msg.h"
#include "macro.h"
#include "vmbus_ring.h"

#define BACKOFF_MIN_USEC (100 * 1000ULL)
#define BACKOFF_MAX_USEC (5 * 1000 * 1000ULL)

struct fcopy_uio {
	sd_event *event;
	sd_event_source *io_source, *retry_source;
	struct fcopy_session *session;
	const struct fcopy_uio_ops *ops;
	void *userdata;
	char *sysfs_root, *dev_dir, *driver_dir;

	int fd;
	void *map;
	size_t map_len;
	struct vmbus_ring tx, rx;
	uint8_t *buf; /* one RX packet, copied out of the ring */
	size_t buf_size;
	uint64_t backoff_usec;
	bool bind_written; /* new_id is written once: if binding fails, rewriting will not help */
	char dev_path[PATH_MAX];
	char detail[PATH_MAX + 64];
};

static void emit(struct fcopy_uio *u, enum fcopy_uio_event ev, int error, const char *detail)
{
	if (u->ops && u->ops->event)
		u->ops->event(u->userdata, ev, error, detail);
}

static void uio_close(struct fcopy_uio *u)
{
	u->io_source = sd_event_source_disable_unref(u->io_source);
	if (u->map)
		munmap(u->map, u->map_len);
	u->map = NULL;
	u->fd = safe_close(u->fd);
}

static void schedule_retry(struct fcopy_uio *u);

static void uio_lost(struct fcopy_uio *u, int r, const char *what)
{
	uio_close(u);
	/* A copy cannot survive its channel: the host starts over after reopening. */
	fcopy_session_cancel(u->session);
	emit(u, FCOPY_UIO_LOST, r, what);
	schedule_retry(u);
}

/* sysfs text files hold one short line. */
static int read_line(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, size - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static bool is_fcopy_class(const char *dir, const char *name)
{
	char path[PATH_MAX], id[64];
	const char *p = id;
	size_t len;

	if (snprintf(path, sizeof(path), "%s/%s/class_id", dir, name) >= (int)sizeof(path))
		return false;
	if (read_line(path, id, sizeof(id)) < 0)
		return false;
	/* The kernel prints "{guid}"; accept it bare too. */
	if (*p == '{')
		p++;
	len = strlen(p);
	if (len > 0 && p[len - 1] == '}')
		len--;
	return len == strlen(FCOPY_UIO_CLASS_GUID) &&
	       strncasecmp(p, FCOPY_UIO_CLASS_GUID, len) == 0;
}

/* First entry of dir for which pick() says yes, into ret (size bytes). */
static int first_entry(const char *dir, bool (*pick)(const char *dir, const char *name), char *ret,
		       size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = -ENOENT;

	if (!d)
		return negative_errno();
	/* Sorted would be nicer, but there is one fcopy device and one channel. */
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !pick(dir, de->d_name))
			continue;
		if (strlen(de->d_name) >= size) {
			r = -ENAMETOOLONG;
			continue;
		}
		strcpy(ret, de->d_name);
		r = 0;
		break;
	}
	closedir(d);
	return r;
}

static bool is_uio_name(const char *dir, const char *name)
{
	(void)dir;
	return strncmp(name, "uio", 3) == 0 && name[3] &&
	       strspn(name + 3, "0123456789") == strlen(name + 3);
}

static bool has_ring(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s/ring", dir, name) >= (int)sizeof(path))
		return false;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* Tell uio_hv_generic about the class: it has no static ID for it. */
static int bind_driver(struct fcopy_uio *u)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;

	if (!u->driver_dir || !*u->driver_dir)
		return -ENOENT;
	if (u->bind_written)
		return 0;
	if (snprintf(path, sizeof(path), "%s/new_id", u->driver_dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	/* Tried once either way: a read-only /sys stays read-only. */
	u->bind_written = true;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || (write(fd, FCOPY_UIO_CLASS_GUID, strlen(FCOPY_UIO_CLASS_GUID)) < 0 &&
		       errno != EEXIST)) {
		int r = negative_errno();
		emit(u, FCOPY_UIO_BIND_FAILED, r, path);
		return r;
	}
	emit(u, FCOPY_UIO_BOUND, 0, path);
	return 0;
}

struct found {
	char dev[PATH_MAX];
	char ring[PATH_MAX];
	size_t ring_size; /* per direction */
};

static int find_device(struct fcopy_uio *u, struct found *f)
{
	char inst[256], name[256], dir[PATH_MAX], chan[64];
	struct stat st;
	int r;

	r = first_entry(u->sysfs_root, is_fcopy_class, inst, sizeof(inst));
	if (r < 0) {
		snprintf(u->detail, sizeof(u->detail), "no device of class %s in %s",
			 FCOPY_UIO_CLASS_GUID, u->sysfs_root);
		return r;
	}
	snprintf(dir, sizeof(dir), "%s/%s/uio", u->sysfs_root, inst);
	r = first_entry(dir, is_uio_name, name, sizeof(name));
	if (r < 0) {
		int k = bind_driver(u);
		snprintf(u->detail, sizeof(u->detail), "%s/%s is not bound to uio_hv_generic%s",
			 u->sysfs_root, inst, k < 0 ? " (cannot write new_id)" : " yet");
		return k < 0 ? k : -EAGAIN;
	}
	snprintf(dir, sizeof(dir), "%s/%s/channels", u->sysfs_root, inst);
	/* The kernel creates the channel's ring attribute late: the retry covers it. */
	r = first_entry(dir, has_ring, chan, sizeof(chan));
	if (r < 0) {
		snprintf(u->detail, sizeof(u->detail), "no channels/*/ring under %s/%s",
			 u->sysfs_root, inst);
		return r;
	}
	if (snprintf(f->ring, sizeof(f->ring), "%s/%s/ring", dir, chan) >= (int)sizeof(f->ring) ||
	    snprintf(f->dev, sizeof(f->dev), "%s/%s", u->dev_dir, name) >= (int)sizeof(f->dev))
		return -ENAMETOOLONG;
	if (stat(f->ring, &st) < 0)
		return negative_errno();
	f->ring_size = (size_t)st.st_size / 2;
	if (st.st_size % 2 != 0 || f->ring_size % VMBUS_RING_HDR_SIZE != 0 ||
	    f->ring_size < 2 * VMBUS_RING_HDR_SIZE ||
	    f->ring_size > VMBUS_RING_MAX_SIZE + VMBUS_RING_HDR_SIZE) {
		snprintf(u->detail, sizeof(u->detail), "%s: unusable size %lld", f->ring,
			 (long long)st.st_size);
		return -EINVAL;
	}
	return 0;
}

/* The simulator: interrupts over a socket, memory from the ring file. */
static int open_simulated(struct fcopy_uio *u, const struct found *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1, mfd = -1;
	struct stat st;

	if (strlen(f->dev) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, f->dev);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return negative_errno();
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return negative_errno();
	mfd = open(f->ring, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (mfd < 0)
		return negative_errno();
	if (fstat(mfd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size != u->map_len)
		return -EINVAL;
	u->map = mmap(NULL, u->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (u->map == MAP_FAILED) {
		u->map = NULL;
		return negative_errno();
	}
	u->fd = TAKE_FD(fd);
	return 0;
}

static int open_device(struct fcopy_uio *u, const struct found *f)
{
	_cleanup_close_ int fd = open(f->dev, O_RDWR | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return negative_errno();
	/* UIO map 0, "txrx_rings", is at offset 0: TX half, then RX half. */
	u->map = mmap(NULL, u->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (u->map == MAP_FAILED) {
		u->map = NULL;
		return negative_errno();
	}
	u->fd = TAKE_FD(fd);
	return 0;
}

/* write(1): unmask RX and signal the host that TX has something. */
static int uio_signal(struct fcopy_uio *u)
{
	int32_t one = 1;
	ssize_t n;

	/* Store the mask ourselves so "unmask, then look again" is ordered here. */
	vmbus_ring_set_mask(&u->rx, 0);
	do
		n = write(u->fd, &one, sizeof(one));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0; /* the simulator's socket buffer is full of signals: one is enough */
	if (n < 0)
		return negative_errno();
	return n == sizeof(one) ? 0 : -EIO;
}

static const struct ic_version fw_versions[] = { { 3, 0 } };
static const struct ic_version srv_versions[] = { { 1, 1 } };

/* Answer one packet. Returns 0 or -errno when the channel is unusable. */
static int handle_packet(struct fcopy_uio *u, const struct vmbus_packet *pkt)
{
	/* The payload is in our own buffer: the answer is written in place. */
	uint8_t *p = (uint8_t *)pkt->payload;
	size_t len = pkt->payload_len;
	struct fcopy_request req;
	uint32_t status = HV_E_FAIL;
	int type, r;

	if (pkt->desc.type != VM_PKT_DATA_INBAND)
		return 0; /* nothing fcopy uses; consumed and ignored */
	type = ic_msg_type(p, len);
	if (type < 0) {
		/* Too short to carry a status: nothing to answer with. */
		emit(u, FCOPY_UIO_BAD_PACKET, type, "payload shorter than the IC header, dropped");
		return 0;
	}
	switch (type) {
	case IC_MSGTYPE_NEGOTIATE:
		r = ic_negotiate(p, len, fw_versions, ELEMENTSOF(fw_versions), srv_versions,
				 ELEMENTSOF(srv_versions), NULL, NULL);
		if (r == 0) {
			u->backoff_usec = BACKOFF_MIN_USEC;
			emit(u, FCOPY_UIO_NEGOTIATED, 0, u->dev_path);
		} else
			emit(u, r == -ENOPROTOOPT ? FCOPY_UIO_NO_VERSION : FCOPY_UIO_BAD_PACKET, r,
			     "NEGOTIATE");
		/* ic_negotiate set the status and flags. */
		goto send;
	case IC_MSGTYPE_FCOPY:
		memset(&req, 0, sizeof(req));
		r = ic_fcopy_decode(p + IC_BODY_OFFSET, len - IC_BODY_OFFSET, &req);
		if (r < 0)
			emit(u, FCOPY_UIO_BAD_PACKET, r, "fcopy message");
		else {
			r = fcopy_session_handle(u->session, &req);
			if (u->ops && u->ops->request)
				u->ops->request(u->userdata, &req, r);
		}
		status = fcopy_status_from_errno(r);
		break;
	default:
		/* As upstream: no action, answered E_FAIL. */
		emit(u, FCOPY_UIO_BAD_PACKET, -EOPNOTSUPP, "unknown IC message type");
		break;
	}
	ic_set_response(p, len, status);
send:
	/* Echo the host's trans_id, as the kernel's IC drivers do. */
	r = vmbus_ring_write(&u->tx, VM_PKT_DATA_INBAND, 0, pkt->desc.trans_id, p, len);
	if (r == -EAGAIN)
		return -ENOBUFS; /* the host sends one request at a time: TX can only be full if it
				    is broken */
	return r;
}

/* Drain, unmask, look again: returns 0 or -errno (the caller reopens). */
static int uio_service(struct fcopy_uio *u, const char **ret_what)
{
	for (;;) {
		struct vmbus_packet pkt;
		int64_t avail;
		int r;

		for (;;) {
			r = vmbus_ring_read(&u->rx, u->buf, u->buf_size, &pkt);
			if (r == -EAGAIN)
				break;
			if (r < 0) {
				*ret_what = "malformed packet in the RX ring";
				return r;
			}
			r = handle_packet(u, &pkt);
			if (r < 0) {
				*ret_what = "cannot write the answer to the TX ring";
				return r;
			}
		}
		r = uio_signal(u);
		if (r < 0) {
			*ret_what = "cannot unmask the interrupt";
			return r;
		}
		avail = vmbus_ring_avail(&u->rx);
		if (avail < 0) {
			*ret_what = "RX ring indices out of range";
			return (int)avail;
		}
		if (avail == 0)
			return 0;
	}
}

static int on_interrupt(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct fcopy_uio *u = userdata;
	const char *what = NULL;
	uint32_t count;
	ssize_t n;
	int r;
	(void)s;

	if (revents & (EPOLLHUP | EPOLLERR) && !(revents & EPOLLIN)) {
		uio_lost(u, -EPIPE, "the device was closed on the host side");
		return 0;
	}
	do
		n = read(fd, &count, sizeof(count));
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		uio_lost(u, -EPIPE, "the device was closed on the host side");
		return 0;
	}
	/* EAGAIN: woken with nothing to read; the ring is checked anyway. */
	if (n < 0 && errno != EAGAIN) {
		/* EIO after a rescind: the channel is gone, reopen (not exit). */
		uio_lost(u, negative_errno(), "read from the device failed");
		return 0;
	}
	r = uio_service(u, &what);
	if (r < 0)
		uio_lost(u, r, what);
	return 0;
}

static int uio_open(struct fcopy_uio *u)
{
	struct found f;
	struct stat st;
	const char *what = NULL;
	int r;

	u->detail[0] = '\0';
	r = find_device(u, &f);
	if (r < 0)
		return r;
	u->map_len = 2 * f.ring_size;
	if (stat(f.dev, &st) < 0) {
		r = negative_errno();
		snprintf(u->detail, sizeof(u->detail), "%s", f.dev);
		return r;
	}
	r = S_ISSOCK(st.st_mode) ? open_simulated(u, &f) : open_device(u, &f);
	if (r < 0) {
		snprintf(u->detail, sizeof(u->detail), "%s", f.dev);
		return r;
	}
	if (vmbus_ring_init(&u->tx, u->map, f.ring_size) < 0 ||
	    vmbus_ring_init(&u->rx, (uint8_t *)u->map + f.ring_size, f.ring_size) < 0) {
		uio_close(u);
		return -EINVAL;
	}
	free(u->buf);
	u->buf_size = u->rx.dsize;
	u->buf = malloc(u->buf_size);
	if (!u->buf) {
		uio_close(u);
		return -ENOMEM;
	}
	r = sd_event_add_io(u->event, &u->io_source, u->fd, EPOLLIN, on_interrupt, u);
	if (r < 0) {
		uio_close(u);
		return r;
	}
	memcpy(u->dev_path, f.dev, sizeof(u->dev_path));
	emit(u, FCOPY_UIO_OPENED, 0, u->dev_path);
	/* The host may have written NEGOTIATE before we mapped: look now. */
	r = uio_service(u, &what);
	if (r < 0) {
		uio_lost(u, r, what);
		return 0;
	}
	return 0;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct fcopy_uio *u = userdata;
	int r;
	(void)s;
	(void)usec;

	r = uio_open(u);
	if (r < 0) {
		emit(u, FCOPY_UIO_OPEN_FAILED, r, u->detail[0] ? u->detail : NULL);
		schedule_retry(u);
	}
	return 0;
}

static void schedule_retry(struct fcopy_uio *u)
{
	uint64_t delay = u->backoff_usec;
	int r;

	u->backoff_usec = MIN(u->backoff_usec * 2, BACKOFF_MAX_USEC);
	u->retry_source = sd_event_source_disable_unref(u->retry_source);
	r = sd_event_add_time_relative(u->event, &u->retry_source, CLOCK_MONOTONIC, delay, 0,
				       on_retry, u);
	if (r < 0)
		/* Without a timer nothing would ever reopen: let the daemon decide. */
		sd_event_exit(u->event, r);
}

int fcopy_uio_new(sd_event *e, const struct fcopy_uio_options *o, struct fcopy_session *s,
		  struct fcopy_uio **ret)
{
	struct fcopy_uio *u;

	if (!e || !o || !s || !ret)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->fd = -1;
	u->event = sd_event_ref(e);
	u->session = s;
	u->ops = o->ops;
	u->userdata = o->userdata;
	u->backoff_usec = BACKOFF_MIN_USEC;
	u->sysfs_root = strdup(o->sysfs_root ? o->sysfs_root : FCOPY_UIO_DEFAULT_SYSFS_ROOT);
	u->dev_dir = strdup(o->dev_dir ? o->dev_dir : FCOPY_UIO_DEFAULT_DEV_DIR);
	u->driver_dir = strdup(o->driver_dir ? o->driver_dir : FCOPY_UIO_DEFAULT_DRIVER_DIR);
	if (!u->sysfs_root || !u->dev_dir || !u->driver_dir) {
		fcopy_uio_free(u);
		return -ENOMEM;
	}
	*ret = u;
	(void)on_retry(NULL, 0, u);
	return 0;
}

struct fcopy_uio *fcopy_uio_free(struct fcopy_uio *u)
{
	if (!u)
		return NULL;
	uio_close(u);
	u->retry_source = sd_event_source_disable_unref(u->retry_source);
	sd_event_unref(u->event);
	free(u->sysfs_root);
	free(u->dev_dir);
	free(u->driver_dir);
	free(u->buf);
	free(u);
	return NULL;
}

bool fcopy_uio_is_open(const struct fcopy_uio *u)
{
	return u && u->fd >= 0;
}
