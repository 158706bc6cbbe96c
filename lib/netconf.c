/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SET_IP_INFO: find the interface by VMBus device GUID, check the request
 * (netconf_render.c), write the configuration of the network manager that
 * manages the interface atomically, apply it live, and put the previous
 * files and state back if the interface does not come up in time.
 */
#include "netconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"
#include "macro.h"
#include "netconf_backend.h"
#include "netconf_nl.h"
#include "netconf_render.h"

/* Rolling back has its own short bound, after apply_timeout (at most 25 s). */
#define ROLLBACK_TIMEOUT_MS 3000
#define POLL_INTERVAL_MS    100

/*
 * The backends, in the order auto tries them: netplan first (it generates
 * the NetworkManager or networkd configuration, which would be
 * overwritten), then ifupdown when its files name the interface (Debian's
 * NetworkManager leaves such interfaces alone, and networkd's runtime
 * directory exists on any systemd machine), then the managers that run,
 * then ifcfg files, then netlink alone, which always matches. script is
 * never picked by auto.
 */
const struct netconf_backend *const netconf_backends[] = {
	&netconf_backend_netplan,	 &netconf_backend_ifupdown,
	&netconf_backend_networkmanager, &netconf_backend_networkd,
	&netconf_backend_ifcfg,		 &netconf_backend_netlink,
	&netconf_backend_script,	 NULL,
};

int netconf_backend_from_string(const char *s, const struct netconf_backend **ret)
{
	if (!s)
		return -EINVAL;
	if (strcmp(s, "auto") == 0) {
		*ret = NULL;
		return 0;
	}
	for (size_t i = 0; netconf_backends[i]; i++)
		if (strcmp(s, netconf_backends[i]->name) == 0) {
			*ret = netconf_backends[i];
			return 0;
		}
	return -EINVAL;
}

const char *netconf_backend_to_string(const struct netconf_backend *b)
{
	return b ? b->name : "auto";
}

const char *netconf_backend_detect_doc(const struct netconf_backend *b)
{
	return b && b->detect ? b->detect_doc : NULL;
}

const char *netconf_backend_value(size_t i)
{
	if (i == 0)
		return "auto";
	for (size_t k = 0; netconf_backends[k]; k++)
		if (k == i - 1)
			return netconf_backends[k]->name;
	return NULL;
}

long long netconf_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int netconf_path_join(char *buf, size_t size, const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 0 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	int n = snprintf(buf, size, "%.*s/%s", (int)la, a, b);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* A small text file, NUL-terminated, trailing whitespace removed. */
static int read_line_file(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, size - 1);
	if (n < 0)
		return negative_errno();
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	return 0;
}

/* "{AAAA-…}" or "aaaa-…" → lowercase, no braces; -EINVAL unless hex and '-'. */
static int guid_normalize(const char *in, char out[40])
{
	size_t n = 0;

	while (*in == ' ' || *in == '{')
		in++;
	for (; *in && *in != '}'; in++) {
		char c = *in;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-') || n >= 36)
			return -EINVAL;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == 36 ? 0 : -EINVAL;
}

static int find_interface(const char *sysfs_net, const char *adapter_id, char ifname[IF_NAMESIZE],
			  char mac[18])
{
	char want[40], have[40], buf[128], path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r = -ENODEV;

	if (guid_normalize(adapter_id, want) < 0)
		return -ENODEV;
	d = opendir(sysfs_net);
	if (!d)
		return errno == ENOENT ? -ENODEV : negative_errno();
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= IF_NAMESIZE)
			continue;
		if (netconf_path_join(path, sizeof(path), sysfs_net, de->d_name) < 0 ||
		    strlen(path) + sizeof("/device/device_id") > sizeof(path))
			continue;
		strcat(path, "/device/device_id");
		if (read_line_file(path, buf, sizeof(buf)) < 0 || guid_normalize(buf, have) < 0 ||
		    strcmp(want, have) != 0)
			continue;
		*strrchr(path, '/') = '\0';
		*strrchr(path, '/') = '\0';
		strcat(path, "/address");
		if (read_line_file(path, buf, sizeof(buf)) < 0 || strlen(buf) != 17)
			continue;
		strcpy(ifname, de->d_name);
		strcpy(mac, buf);
		r = 0;
		break;
	}
	closedir(d);
	return r;
}

static int mkdir_parents(const char *path)
{
	char buf[PATH_MAX];

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return negative_errno();
		*p = '/';
	}
	return 0;
}

/*
 * Write via a temporary file in the same directory, fsync, rename: readers
 * (and a crash) see the old file or the new one, never a part.
 */
int netconf_write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	_cleanup_close_ int fd = -EBADF, dfd = -EBADF;
	int r;

	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return -EINVAL;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	r = mkdir_parents(path);
	if (r < 0)
		return r;
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.hvguest-XXXXXX", dir, slash + 1) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (fchmod(fd, mode) < 0)
		goto fail;
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || rename(tmp, path) < 0)
		goto fail;
	/* The rename itself must reach the disk too. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		(void)fsync(dfd);
	return 0;
fail:
	r = negative_errno();
	(void)unlink(tmp);
	return r;
}

/* One configuration file as it was before, to put back on failure. */
struct backup {
	char path[PATH_MAX];
	bool existed;
	mode_t mode;
	char *data;
	size_t len;
};

static void backup_done(struct backup *b)
{
	free(b->data);
	b->data = NULL;
}

static int backup_take(const char *path, struct backup *b)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	memset(b, 0, sizeof(*b));
	snprintf(b->path, sizeof(b->path), "%s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_size > 1024 * 1024)
		return -EINVAL;
	b->data = malloc((size_t)st.st_size + 1);
	if (!b->data)
		return -ENOMEM;
	for (size_t off = 0; off < (size_t)st.st_size;) {
		ssize_t n = read(fd, b->data + off, (size_t)st.st_size - off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			backup_done(b);
			return n < 0 ? negative_errno() : -EIO;
		}
		off += (size_t)n;
		b->len = off;
	}
	b->existed = true;
	b->mode = st.st_mode & 07777;
	return 0;
}

static int backup_restore(const struct backup *b)
{
	if (b->existed)
		return netconf_write_atomic(b->path, b->data, b->len, b->mode);
	return unlink(b->path) < 0 && errno != ENOENT ? negative_errno() : 0;
}

bool netconf_is_dir(const char *root, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	return netconf_path_join(path, sizeof(path), root, rel) == 0 && stat(path, &st) == 0 &&
	       S_ISDIR(st.st_mode);
}

static void say(const struct netconf_options *o, const char *fmt, const char *a, const char *b)
{
	if (o->why && o->why_size)
		snprintf(o->why, o->why_size, fmt, a, b);
}

/* The first backend of the table whose detect() matches, with the reason. */
static const struct netconf_backend *detect(const struct netconf_options *o, const char *ifname,
					    char why[NETCONF_WHY_MAX])
{
	for (size_t i = 0; netconf_backends[i]; i++) {
		const struct netconf_backend *b = netconf_backends[i];
		if (b->detect && b->detect(o, ifname, why, NETCONF_WHY_MAX) > 0)
			return b;
	}
	/* Not reached: netlink always matches. */
	snprintf(why, NETCONF_WHY_MAX, "nothing else matched");
	return &netconf_backend_netlink;
}

static int find_command(const struct netconf_options *o, const char *name, char ret[PATH_MAX])
{
	static char *const fallback[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin", NULL };
	char *const *dirs = o->command_path ? o->command_path : fallback;

	for (size_t i = 0; dirs[i]; i++) {
		if (dirs[i][0] != '/' || netconf_path_join(ret, PATH_MAX, dirs[i], name) < 0)
			continue;
		if (access(ret, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/*
 * Applying may take most of the kernel's 30 s, longer than half a systemd
 * watchdog period: the caller gets a chance to say it is alive.
 */
static void keepalive(const struct netconf_options *o)
{
	if (o->keepalive)
		o->keepalive(o->userdata);
}

/* Run a command until the deadline; anything but exit 0 in time is a failure. */
int netconf_run(const struct netconf_options *o, const char *path, const char *const *args,
		long long deadline)
{
	struct hook_result res;
	long long left = deadline - netconf_now_ms();
	int r;

	if (left <= 0)
		return -ETIMEDOUT;
	keepalive(o);
	r = hook_run(path, args, hook_default_env, (unsigned)left, &res);
	if (r < 0)
		return r;
	if (res.timed_out)
		return -ETIMEDOUT;
	return hook_result_ok(&res) ? 0 : -EIO;
}

int netconf_run_named(const struct netconf_options *o, const char *name, const char *const *args,
		      long long deadline)
{
	char path[PATH_MAX];
	int r = find_command(o, name, path);
	return r < 0 ? r : netconf_run(o, path, args, deadline);
}

static int wait_up(const struct netconf_options *o, const char *ifname,
		   const struct netconf_plan *plan, long long deadline)
{
	for (unsigned n = 0;; n++) {
		if (n % (1000 / POLL_INTERVAL_MS) == 0)
			keepalive(o);
		int r = netconf_nl_is_up(ifname, plan);
		if (r != 0)
			return r < 0 ? r : 0;
		if (netconf_now_ms() >= deadline)
			return -ETIMEDOUT;
		struct timespec ts = { .tv_nsec = POLL_INTERVAL_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
}

/*
 * A failure after the request was found good is the guest's, not the
 * host's: never let it read as HV_INVALIDARG, HV_GUID_NOTFOUND or S_CONT.
 */
static int apply_error(int r)
{
	switch (r) {
	case -EINVAL:
	case -EBADMSG:
	case -EILSEQ:
	case -E2BIG:
	case -ENAMETOOLONG:
	case -ENODEV:
	case -ENOENT:
		return -EIO;
	default:
		return r;
	}
}

/* The backend's file for the interface, or "" when it writes none. */
static int target_path(const struct netconf_options *o, const struct netconf_backend *b,
		       const char *ifname, char path[PATH_MAX], char why[NETCONF_WHY_MAX])
{
	char rel[PATH_MAX], name[IF_NAMESIZE + 64];
	int r;

	path[0] = '\0';
	if (b->target)
		return b->target(o, ifname, path, PATH_MAX, why, NETCONF_WHY_MAX);
	if (!b->dir)
		return 0;
	snprintf(name, sizeof(name), "%s%s%s", b->prefix, ifname, b->suffix);
	r = netconf_path_join(rel, sizeof(rel), b->dir, name);
	return r < 0 ? r : netconf_path_join(path, PATH_MAX, o->config_root, rel);
}

static int apply_managed(const struct netconf_options *o, const struct netconf_backend *b,
			 const struct netconf_plan *plan, long long deadline)
{
	char path[PATH_MAX], why[NETCONF_WHY_MAX] = "";
	struct netconf_nl_snapshot snap;
	struct backup bak = {};
	_cleanup_free_ char *text = NULL;
	bool snapshot = b->uses_netlink || b->take_down;
	bool has_file;
	int r;

	r = target_path(o, b, plan->ifname, path, why);
	if (r < 0) {
		if (why[0])
			say(o, "%s%s", why, "");
		return apply_error(r);
	}
	has_file = path[0] != '\0';
	if (snapshot) {
		r = netconf_nl_snapshot(plan->ifname, &snap);
		/* ifupdown can still put its old file back without the snapshot. */
		if (r < 0 && b->uses_netlink)
			return apply_error(r);
		snapshot = r >= 0;
	}
	if (has_file) {
		r = netconf_render(b->format, plan, &text);
		if (r < 0)
			return apply_error(r);
		r = backup_take(path, &bak);
		if (r < 0)
			return apply_error(r);
		/* ifupdown deconfigures by the file it brought the interface up with. */
		if (b->take_down)
			(void)b->take_down(o, plan->ifname, deadline);
		r = netconf_write_atomic(path, text, strlen(text), b->mode);
		if (r < 0) {
			/* The old file is still there: bring the interface back up with it. */
			if (b->take_down && bak.existed)
				(void)b->apply(o, path, plan->ifname, true,
					       netconf_now_ms() + ROLLBACK_TIMEOUT_MS);
			else if (b->take_down && snapshot)
				(void)netconf_nl_restore(&snap);
			backup_done(&bak);
			return apply_error(r);
		}
	}

	if (b->uses_netlink)
		r = netconf_nl_apply(plan->ifname, plan);
	else
		r = b->apply(o, path, plan->ifname, true, deadline);
	if (r >= 0)
		r = wait_up(o, plan->ifname, plan, deadline);
	if (r >= 0) {
		backup_done(&bak);
		return 0;
	}

	/* Roll back: the old file first, then the old live state. */
	long long rb_deadline = netconf_now_ms() + ROLLBACK_TIMEOUT_MS;
	if (has_file) {
		if (b->take_down)
			(void)b->take_down(o, plan->ifname, rb_deadline);
		(void)backup_restore(&bak);
	}
	if (b->uses_netlink) {
		(void)netconf_nl_restore(&snap);
	} else if (b->take_down && !bak.existed) {
		/* Nothing of ours to bring up again: the addresses the interface had. */
		if (snapshot)
			(void)netconf_nl_restore(&snap);
	} else {
		(void)b->apply(o, path, plan->ifname, bak.existed, rb_deadline);
	}
	backup_done(&bak);
	return r == -ETIMEDOUT ? r : apply_error(r);
}

static void options_defaults(struct netconf_options *o)
{
	if (!o->config_root)
		o->config_root = "/";
	if (!o->run_dir)
		o->run_dir = "/run";
	if (!o->sysfs_net)
		o->sysfs_net = "/sys/class/net";
	if (!o->scripts_dir)
		o->scripts_dir = "/usr/libexec/hypervkvpd";
	if (!o->state_dir)
		o->state_dir = "/var/lib/hyperv";
	if (o->apply_timeout_ms == 0)
		o->apply_timeout_ms = 10000;
}

/* The backend asked for, or the detected one; why says which and why. */
static const struct netconf_backend *choose(const struct netconf_options *o, const char *ifname,
					    char why[NETCONF_WHY_MAX])
{
	if (o->backend) {
		snprintf(why, NETCONF_WHY_MAX, "kvp.ifconfig_backend = %s", o->backend->name);
		return o->backend;
	}
	return detect(o, ifname, why);
}

/* The plan for req on ifname (allocated, in *ret): 0, -ENOMEM, or -EINVAL
 * for a bad token (ret_bad_token, if set, points to it). */
static int plan_new(const struct kvp_ip_request *req, const char *ifname, const char *mac,
		    struct netconf_plan **ret, const char **ret_bad_token)
{
	/* Per thread, so that the daemon's lib stays free of shared mutable state. */
	static __thread char bad[NETCONF_TOKEN_MAX];
	_cleanup_free_ struct netconf_plan *plan = NULL;

	plan = malloc(sizeof(*plan));
	if (!plan)
		return -ENOMEM;
	if (netconf_plan_build(req, ifname, mac, plan, bad) < 0) {
		if (ret_bad_token)
			*ret_bad_token = bad;
		return -EINVAL;
	}
	*ret = TAKE_PTR(plan);
	return 0;
}

int netconf_set_ip_info(const struct netconf_options *opts, const struct kvp_ip_request *req,
			const char **ret_bad_token)
{
	struct netconf_options o = *opts;
	char ifname[IF_NAMESIZE], mac[18], why[NETCONF_WHY_MAX];
	_cleanup_free_ struct netconf_plan *plan = NULL;
	const struct netconf_backend *b;
	long long deadline;
	int r;

	options_defaults(&o);
	r = find_interface(o.sysfs_net, req->adapter_id, ifname, mac);
	if (r < 0)
		return r == -ENODEV ? r : apply_error(r);
	r = plan_new(req, ifname, mac, &plan, ret_bad_token);
	if (r < 0)
		return r;
	deadline = netconf_now_ms() + o.apply_timeout_ms;
	b = choose(&o, ifname, why);
	say(&o, "backend %s: %s", b->name, why);
	if (b->run_whole) {
		r = b->run_whole(&o, plan, deadline);
		return r == -ETIMEDOUT ? r : apply_error(r);
	}
	return apply_managed(&o, b, plan, deadline);
}

/* An interface by name: its MAC from sysfs. */
static int find_interface_by_name(const char *sysfs_net, const char *name, char ifname[IF_NAMESIZE],
				  char mac[18])
{
	char path[PATH_MAX], rel[IF_NAMESIZE + 16], buf[128];
	int r;

	if (strlen(name) >= IF_NAMESIZE || strchr(name, '/') || name[0] == '.')
		return -ENODEV;
	snprintf(rel, sizeof(rel), "%s/address", name);
	r = netconf_path_join(path, sizeof(path), sysfs_net, rel);
	if (r < 0)
		return r;
	r = read_line_file(path, buf, sizeof(buf));
	if (r < 0 || strlen(buf) != 17)
		return -ENODEV;
	strcpy(ifname, name);
	strcpy(mac, buf);
	return 0;
}

int netconf_dry_run(const struct netconf_options *opts, const char *ifname_or_guid,
		    const struct kvp_ip_request *req, FILE *out, const char **ret_bad_token)
{
	struct netconf_options o = *opts;
	char ifname[IF_NAMESIZE], mac[18], guid[40], why[NETCONF_WHY_MAX] = "", path[PATH_MAX];
	_cleanup_free_ struct netconf_plan *plan = NULL;
	const struct netconf_backend *b;
	int r;

	options_defaults(&o);
	if (guid_normalize(ifname_or_guid, guid) == 0)
		r = find_interface(o.sysfs_net, ifname_or_guid, ifname, mac);
	else
		r = find_interface_by_name(o.sysfs_net, ifname_or_guid, ifname, mac);
	if (r < 0)
		return r;
	r = plan_new(req, ifname, mac, &plan, ret_bad_token);
	if (r < 0)
		return r;
	b = choose(&o, ifname, why);
	fprintf(out, "interface: %s (%s)\nbackend: %s\nreason: %s\n", ifname, mac, b->name, why);
	if (b->run_whole) {
		fprintf(out, "runs: %s/hv_set_ifconfig %s/ifcfg-%s %s/%s.nmconnection\n",
			o.scripts_dir, o.state_dir, ifname, o.state_dir, ifname);
		for (int f = NETCONF_FORMAT_UPSTREAM_IFCFG; f <= NETCONF_FORMAT_UPSTREAM_KEYFILE;
		     f++) {
			_cleanup_free_ char *text = NULL;
			r = netconf_render((enum netconf_format)f, plan, &text);
			if (r < 0)
				return r;
			fprintf(out, "file: %s/%s%s%s\n%s", o.state_dir,
				f == NETCONF_FORMAT_UPSTREAM_IFCFG ? "ifcfg-" : "", ifname,
				f == NETCONF_FORMAT_UPSTREAM_IFCFG ? "" : ".nmconnection", text);
		}
		return 0;
	}
	why[0] = '\0';
	r = target_path(&o, b, ifname, path, why);
	if (r < 0) {
		fprintf(out, "refused: %s\n", why[0] ? why : strerror(-r));
		return r;
	}
	if (path[0]) {
		_cleanup_free_ char *text = NULL;
		r = netconf_render(b->format, plan, &text);
		if (r < 0)
			return r;
		fprintf(out, "file: %s (mode %04o)\n%s", path, (unsigned)b->mode, text);
	} else {
		fprintf(out, "file: none\n");
	}
	if (b->uses_netlink && plan->dhcp) {
		/* As netconf_nl_apply() answers: DHCP needs a client, a manager's job. */
		fprintf(out, "refused: %s cannot start a DHCP client\n", b->name);
		return -EOPNOTSUPP;
	}
	if (b->uses_netlink)
		fprintf(out, "live: addresses and default routes set over netlink\n");
	return 0;
}
