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
#include "netconf_nl.h"
#include "netconf_render.h"

/* Rolling back has its own short bound, after apply_timeout (at most 25 s). */
#define ROLLBACK_TIMEOUT_MS 3000
#define POLL_INTERVAL_MS    100

static const char *const backend_names[] = {
	[NETCONF_AUTO] = "auto",	 [NETCONF_NETWORKMANAGER] = "networkmanager",
	[NETCONF_NETWORKD] = "networkd", [NETCONF_NETPLAN] = "netplan",
	[NETCONF_IFCFG] = "ifcfg",	 [NETCONF_NETLINK] = "netlink",
	[NETCONF_SCRIPT] = "script",
};

int netconf_backend_from_string(const char *s, enum netconf_backend *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(backend_names); i++)
		if (s && strcmp(s, backend_names[i]) == 0) {
			*ret = (enum netconf_backend)i;
			return 0;
		}
	return -EINVAL;
}

const char *netconf_backend_to_string(enum netconf_backend b)
{
	return (unsigned)b < ELEMENTSOF(backend_names) ? backend_names[b] : "?";
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int path_join(char *buf, size_t size, const char *a, const char *b)
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
		if (path_join(path, sizeof(path), sysfs_net, de->d_name) < 0 ||
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
static int write_atomic(const char *path, const char *data, size_t len, mode_t mode)
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
		return write_atomic(b->path, b->data, b->len, b->mode);
	return unlink(b->path) < 0 && errno != ENOENT ? negative_errno() : 0;
}

/* Whether a netplan file configures ifname (has a "<ifname>:" key). */
static bool netplan_mentions(const char *dir, const char *ifname)
{
	char path[PATH_MAX], line[512];
	struct dirent *de;
	bool found = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".yaml") != 0)
			continue;
		if (path_join(path, sizeof(path), dir, de->d_name) < 0)
			continue;
		_cleanup_fclose_ FILE *f = fopen(path, "re");
		while (f && !found && fgets(line, sizeof(line), f)) {
			const char *p = line + strspn(line, " \t");
			size_t n = strlen(ifname);
			found = strncmp(p, ifname, n) == 0 && p[n] == ':';
		}
	}
	closedir(d);
	return found;
}

static bool is_dir(const char *root, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	return path_join(path, sizeof(path), root, rel) == 0 && stat(path, &st) == 0 &&
	       S_ISDIR(st.st_mode);
}

/*
 * The manager that manages the interface, from what runs, in this order:
 * netplan when one of its files names the interface (it generates the
 * NetworkManager or networkd configuration, which would be overwritten);
 * NetworkManager when <run_dir>/NetworkManager exists; systemd-networkd
 * when <run_dir>/systemd/netif exists; ifcfg when
 * <config_root>/etc/sysconfig/network-scripts exists; else netlink alone.
 */
static enum netconf_backend detect(const struct netconf_options *o, const char *ifname)
{
	char dir[PATH_MAX];

	if (path_join(dir, sizeof(dir), o->config_root, "etc/netplan") == 0 &&
	    netplan_mentions(dir, ifname))
		return NETCONF_NETPLAN;
	if (is_dir(o->run_dir, "NetworkManager"))
		return NETCONF_NETWORKMANAGER;
	if (is_dir(o->run_dir, "systemd/netif"))
		return NETCONF_NETWORKD;
	if (is_dir(o->config_root, "etc/sysconfig/network-scripts"))
		return NETCONF_IFCFG;
	return NETCONF_NETLINK;
}

static int find_command(const struct netconf_options *o, const char *name, char ret[PATH_MAX])
{
	static char *const fallback[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin", NULL };
	char *const *dirs = o->command_path ? o->command_path : fallback;

	for (size_t i = 0; dirs[i]; i++) {
		if (dirs[i][0] != '/' || path_join(ret, PATH_MAX, dirs[i], name) < 0)
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
static int run(const struct netconf_options *o, const char *path, const char *const *args,
	       long long deadline)
{
	struct hook_result res;
	long long left = deadline - now_ms();
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

static int run_named(const struct netconf_options *o, const char *name, const char *const *args,
		     long long deadline)
{
	char path[PATH_MAX];
	int r = find_command(o, name, path);
	return r < 0 ? r : run(o, path, args, deadline);
}

/* What the manager must be told after its file changed (or was put back). */
static int manager_apply(const struct netconf_options *o, enum netconf_backend b, const char *file,
			 const char *ifname, bool file_present, long long deadline)
{
	char id[IF_NAMESIZE + 16], wait[24];
	int r;

	switch (b) {
	case NETCONF_NETWORKMANAGER: {
		snprintf(id, sizeof(id), "hvguest-%s", ifname);
		if (!file_present) {
			/* Put back: a reload forgets the profile whose file is gone. */
			const char *reload[] = { "connection", "reload", NULL };
			return run_named(o, "nmcli", reload, deadline);
		}
		const char *load[] = { "connection", "load", file, NULL };
		r = run_named(o, "nmcli", load, deadline);
		if (r < 0)
			return r;
		/* nmcli waits for activation itself; bound it by what is left. */
		long long left = (deadline - now_ms()) / 1000;
		snprintf(wait, sizeof(wait), "%lld", left < 1 ? 1 : left);
		const char *up[] = { "--wait", wait, "connection", "up", "id", id, NULL };
		return run_named(o, "nmcli", up, deadline);
	}
	case NETCONF_NETWORKD: {
		const char *reload[] = { "reload", NULL };
		const char *reconf[] = { "reconfigure", ifname, NULL };
		r = run_named(o, "networkctl", reload, deadline);
		return r < 0 ? r : run_named(o, "networkctl", reconf, deadline);
	}
	case NETCONF_NETPLAN: {
		const char *apply[] = { "apply", NULL };
		return run_named(o, "netplan", apply, deadline);
	}
	default:
		return -EINVAL;
	}
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
		if (now_ms() >= deadline)
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

static int apply_script(const struct netconf_options *o, const struct netconf_plan *plan,
			long long deadline)
{
	char ifcfg[PATH_MAX], keyfile[PATH_MAX], script[PATH_MAX], name[IF_NAMESIZE + 16];
	_cleanup_free_ char *t1 = NULL, *t2 = NULL;
	int r;

	snprintf(name, sizeof(name), "ifcfg-%s", plan->ifname);
	r = path_join(ifcfg, sizeof(ifcfg), o->state_dir, name);
	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "%s.nmconnection", plan->ifname);
	r = path_join(keyfile, sizeof(keyfile), o->state_dir, name);
	if (r < 0)
		return r;
	r = path_join(script, sizeof(script), o->scripts_dir, "hv_set_ifconfig");
	if (r < 0)
		return r;
	r = netconf_render(NETCONF_FORMAT_UPSTREAM_IFCFG, plan, &t1);
	if (r < 0)
		return r;
	r = netconf_render(NETCONF_FORMAT_UPSTREAM_KEYFILE, plan, &t2);
	if (r < 0)
		return r;
	/* 0600, not upstream's umask default: the files end up as system profiles. */
	r = write_atomic(ifcfg, t1, strlen(t1), 0600);
	if (r < 0)
		return r;
	r = write_atomic(keyfile, t2, strlen(t2), 0600);
	if (r < 0)
		return r;
	/* The script owns persistence and rollback, as upstream's contract says. */
	const char *args[] = { ifcfg, keyfile, NULL };
	return run(o, script, args, deadline);
}

struct target {
	const char *dir;	     /* under config_root */
	const char *prefix, *suffix; /* around the interface name */
	enum netconf_format format;
	mode_t mode;
};

static const struct target targets[] = {
	[NETCONF_NETWORKMANAGER] = { "etc/NetworkManager/system-connections", "hvguest-",
				     ".nmconnection", NETCONF_FORMAT_NM_KEYFILE, 0600 },
	[NETCONF_NETWORKD] = { "etc/systemd/network", "10-hvguest-", ".network",
			       NETCONF_FORMAT_NETWORKD, 0644 },
	/* netplan warns about (and some versions refuse) world-readable files. */
	[NETCONF_NETPLAN] = { "etc/netplan", "90-hvguest-", ".yaml", NETCONF_FORMAT_NETPLAN, 0600 },
	[NETCONF_IFCFG] = { "etc/sysconfig/network-scripts", "ifcfg-", "", NETCONF_FORMAT_IFCFG,
			    0644 },
};

static bool uses_netlink(enum netconf_backend b)
{
	/* ifcfg has no daemon to tell: network-scripts read the file at boot. */
	return b == NETCONF_NETLINK || b == NETCONF_IFCFG;
}

static int apply_managed(const struct netconf_options *o, enum netconf_backend b,
			 const struct netconf_plan *plan, long long deadline)
{
	char path[PATH_MAX] = "", rel[PATH_MAX], name[IF_NAMESIZE + 32];
	struct netconf_nl_snapshot snap;
	struct backup bak = {};
	_cleanup_free_ char *text = NULL;
	bool has_file = b != NETCONF_NETLINK;
	int r;

	if (uses_netlink(b)) {
		r = netconf_nl_snapshot(plan->ifname, &snap);
		if (r < 0)
			return apply_error(r);
	}
	if (has_file) {
		const struct target *t = &targets[b];
		snprintf(name, sizeof(name), "%s%s%s", t->prefix, plan->ifname, t->suffix);
		r = path_join(rel, sizeof(rel), t->dir, name);
		if (r >= 0)
			r = path_join(path, sizeof(path), o->config_root, rel);
		if (r < 0)
			return apply_error(r);
		r = netconf_render(t->format, plan, &text);
		if (r < 0)
			return apply_error(r);
		r = backup_take(path, &bak);
		if (r < 0)
			return apply_error(r);
		r = write_atomic(path, text, strlen(text), t->mode);
		if (r < 0) {
			backup_done(&bak);
			return apply_error(r);
		}
	}

	if (uses_netlink(b))
		r = netconf_nl_apply(plan->ifname, plan);
	else
		r = manager_apply(o, b, path, plan->ifname, true, deadline);
	if (r >= 0)
		r = wait_up(o, plan->ifname, plan, deadline);
	if (r >= 0) {
		backup_done(&bak);
		return 0;
	}

	/* Roll back: the old file first, then the old live state. */
	long long rb_deadline = now_ms() + ROLLBACK_TIMEOUT_MS;
	if (has_file)
		(void)backup_restore(&bak);
	if (uses_netlink(b))
		(void)netconf_nl_restore(&snap);
	else
		(void)manager_apply(o, b, path, plan->ifname, bak.existed, rb_deadline);
	backup_done(&bak);
	return r == -ETIMEDOUT ? r : apply_error(r);
}

int netconf_set_ip_info(const struct netconf_options *opts, const struct kvp_ip_request *req,
			const char **ret_bad_token)
{
	/* Per thread, so that the daemon's lib stays free of shared mutable state. */
	static __thread char bad[NETCONF_TOKEN_MAX];
	struct netconf_options o = *opts;
	char ifname[IF_NAMESIZE], mac[18];
	_cleanup_free_ struct netconf_plan *plan = NULL;
	enum netconf_backend b;
	long long deadline;
	int r;

	if (!o.config_root)
		o.config_root = "/";
	if (!o.run_dir)
		o.run_dir = "/run";
	if (!o.sysfs_net)
		o.sysfs_net = "/sys/class/net";
	if (!o.scripts_dir)
		o.scripts_dir = "/usr/libexec/hypervkvpd";
	if (!o.state_dir)
		o.state_dir = "/var/lib/hyperv";
	if (o.apply_timeout_ms == 0)
		o.apply_timeout_ms = 10000;

	r = find_interface(o.sysfs_net, req->adapter_id, ifname, mac);
	if (r < 0)
		return r == -ENODEV ? r : apply_error(r);
	plan = malloc(sizeof(*plan));
	if (!plan)
		return -ENOMEM;
	r = netconf_plan_build(req, ifname, mac, plan, bad);
	if (r < 0) {
		if (ret_bad_token)
			*ret_bad_token = bad;
		return -EINVAL;
	}
	deadline = now_ms() + o.apply_timeout_ms;
	b = o.backend == NETCONF_AUTO ? detect(&o, ifname) : o.backend;
	if (b == NETCONF_SCRIPT) {
		r = apply_script(&o, plan, deadline);
		return r == -ETIMEDOUT ? r : apply_error(r);
	}
	if ((unsigned)b >= ELEMENTSOF(backend_names))
		return -EIO;
	return apply_managed(&o, b, plan, deadline);
}
