/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The AUTO pool's ten facts (hv-protocol.md section 2.6), computed when the
 * host enumerates the pool.
 *
 * Differences from upstream, on purpose:
 * - OSName/OSMajorVersion: os-release is re-read when it changes (a stat
 *   per call), so a package upgrade shows without a daemon restart.
 * - FullyQualifiedDomainName: upstream resolves once at start-up, blocking,
 *   and reports "getaddrinfo failed: ..." when that fails. Here:
 *   * A hostname that already contains a dot is taken as the FQDN as is.
 *   * Otherwise the canonical name (getaddrinfo AI_CANONNAME) is looked up
 *     with getaddrinfo_a(GAI_NOWAIT), and the call that starts a lookup
 *     waits for it at most fqdn_timeout_ms (gai_suspend). Until the lookup
 *     completes, the plain hostname is reported; later calls only poll, so
 *     a dead resolver costs one wait per retry period, not one per
 *     enumeration.
 *   * The result is cached keyed by the hostname; when gethostname() says
 *     something else, the name is looked up again. A failed lookup reports
 *     the plain hostname and is retried after FQDN_RETRY_USEC. No error
 *     text is ever a value.
 *   * At most one lookup is in flight. A lookup for an old hostname is
 *     cancelled if glibc still can, else left to finish and its result
 *     dropped.
 *   No notification (SIGEV_NONE) is requested: glibc would start the
 *   notification thread with every signal unblocked, which would steal
 *   signals a daemon keeps blocked for its signalfd.
 * - NetworkAddressIPv4/IPv6: interfaces matching exclusion globs (container
 *   and virtual bridges by default) are left out; see ifaddrs_filter.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "ifaddrs_filter.h"
#include "macro.h"
#include "osinfo.h"
#include "osrelease.h"

#define OS_RELEASE_DEFAULT	"/etc/os-release"
#define OS_RELEASE_FALLBACK	"/usr/lib/os-release"
#define OS_RELEASE_MAX		(64 * 1024) /* far above any real os-release */
#define FQDN_TIMEOUT_DEFAULT_MS 1000u
#define FQDN_RETRY_USEC		(60ull * 1000000ull)
#define HOSTNAME_SIZE		256 /* > HOST_NAME_MAX (64) with room for others */

const char *const osinfo_default_exclude_ifaces[] = {
	"lo",	    "docker*", "veth*",	  "br-*", "virbr*", "cni*",
	"flannel*", "cali*",   "cilium*", "tun*", "tap*",   NULL,
};

static const char *const auto_keys[] = {
	"FullyQualifiedDomainName",
	"IntegrationServicesVersion",
	"NetworkAddressIPv4",
	"NetworkAddressIPv6",
	"OSBuildNumber",
	"OSName",
	"OSMajorVersion",
	"OSMinorVersion",
	"OSVersion",
	"ProcessorArchitecture",
};

struct fqdn_lookup {
	struct gaicb cb; /* glibc's helper thread writes here until done */
	struct addrinfo hints;
	char name[HOSTNAME_SIZE];
};

struct os_release_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim;
	struct timespec ctim;
};

struct osinfo {
	char *os_release;
	bool os_release_default; /* fall back to OS_RELEASE_FALLBACK */
	char **exclude;		 /* owned copy; NULL = the default list */
	unsigned fqdn_timeout_ms;

	bool release_cached; /* release and release_id describe a file read */
	struct os_release_id release_id;
	struct osrelease release;

	bool fqdn_cached;
	bool fqdn_resolved; /* false: fqdn is the plain hostname after a failure */
	uint64_t fqdn_retry_usec;
	char fqdn_host[HOSTNAME_SIZE];
	char fqdn[KVP_VALUE_MAX];
	struct fqdn_lookup *lookup;
};

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void strv_free(char **v)
{
	if (!v)
		return;
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

static int strv_copy(const char *const *src, char ***ret)
{
	size_t n = 0;
	char **v;

	while (src[n])
		n++;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i] = strdup(src[i]);
		if (!v[i]) {
			strv_free(v);
			return -ENOMEM;
		}
	}
	*ret = v;
	return 0;
}

/* ---- FQDN ---- */

static bool lookup_in_progress(struct fqdn_lookup *l)
{
	return gai_error(&l->cb) == EAI_INPROGRESS;
}

static void lookup_free(struct fqdn_lookup *l)
{
	if (!l)
		return;
	if (l->cb.ar_result)
		freeaddrinfo(l->cb.ar_result);
	free(l);
}

static int gai_to_errno(int r)
{
	switch (r) {
	case EAI_MEMORY:
		return -ENOMEM;
	case EAI_AGAIN:
		return -EAGAIN;
	case EAI_SYSTEM:
		return negative_errno();
	default:
		return -EIO;
	}
}

static int lookup_start(const char *host, struct fqdn_lookup **ret)
{
	struct fqdn_lookup *l = calloc(1, sizeof(*l));
	struct gaicb *list[1];
	int r;

	if (!l)
		return -ENOMEM;
	str_copy_utf8(l->name, host, sizeof(l->name));
	/* AF_UNSPEC, unlike upstream's AF_INET: an IPv6-only host has a name too. */
	l->hints.ai_family = AF_UNSPEC;
	l->hints.ai_socktype = SOCK_STREAM;
	l->hints.ai_flags = AI_CANONNAME;
	l->cb.ar_name = l->name;
	l->cb.ar_request = &l->hints;
	list[0] = &l->cb;
	r = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (r != 0) {
		r = gai_to_errno(r);
		free(l);
		return r;
	}
	*ret = l;
	return 0;
}

/* Waits at most timeout_ms for l to finish; signals do not extend the wait. */
static void lookup_wait(struct fqdn_lookup *l, unsigned timeout_ms)
{
	const struct gaicb *list[1] = { &l->cb };
	uint64_t deadline = now_usec() + (uint64_t)timeout_ms * 1000u;

	while (lookup_in_progress(l)) {
		uint64_t now = now_usec();
		if (now >= deadline)
			break;
		uint64_t left = deadline - now;
		struct timespec ts = {
			.tv_sec = (time_t)(left / 1000000u),
			.tv_nsec = (long)(left % 1000000u) * 1000,
		};
		int r = gai_suspend(list, 1, &ts);
		if (r != EAI_INTR && r != 0)
			break; /* EAI_AGAIN: timed out; EAI_ALLDONE: finished */
	}
}

static void fqdn_cache(struct osinfo *o, const char *host, const char *fqdn, bool resolved)
{
	str_copy_utf8(o->fqdn_host, host, sizeof(o->fqdn_host));
	str_copy_utf8(o->fqdn, fqdn, sizeof(o->fqdn));
	o->fqdn_resolved = resolved;
	o->fqdn_retry_usec = resolved ? 0 : now_usec() + FQDN_RETRY_USEC;
	o->fqdn_cached = true;
}

/* Takes the result of the finished lookup into the cache and frees it. */
static void lookup_finish(struct osinfo *o)
{
	struct fqdn_lookup *l = TAKE_PTR(o->lookup);
	const struct addrinfo *ai = l->cb.ar_result;

	if (gai_error(&l->cb) == 0 && ai && ai->ai_canonname && ai->ai_canonname[0])
		fqdn_cache(o, l->name, ai->ai_canonname, true);
	else
		fqdn_cache(o, l->name, l->name, false);
	lookup_free(l);
}

static bool fqdn_cache_fresh(const struct osinfo *o, const char *host)
{
	return o->fqdn_cached && strcmp(o->fqdn_host, host) == 0 &&
	       (o->fqdn_resolved || now_usec() < o->fqdn_retry_usec);
}

static int get_fqdn(struct osinfo *o, char *value, size_t size)
{
	char host[HOSTNAME_SIZE];

	if (gethostname(host, sizeof(host)) < 0)
		return negative_errno();
	host[sizeof(host) - 1] = '\0';
	if (strchr(host, '.')) {
		str_copy_utf8(value, host, size);
		return 0;
	}

	if (o->lookup && !lookup_in_progress(o->lookup))
		lookup_finish(o);
	if (!fqdn_cache_fresh(o, host) && !o->lookup) {
		if (lookup_start(host, &o->lookup) < 0) {
			/* Could not even start (no memory or threads): try
			 * again later instead of on every call. */
			fqdn_cache(o, host, host, false);
		} else {
			lookup_wait(o->lookup, o->fqdn_timeout_ms);
			if (!lookup_in_progress(o->lookup))
				lookup_finish(o);
		}
	}
	if (fqdn_cache_fresh(o, host))
		str_copy_utf8(value, o->fqdn, size);
	else
		str_copy_utf8(value, host, size);
	return 0;
}

/* ---- os-release ---- */

static bool release_id_equal(const struct os_release_id *a, const struct os_release_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtim.tv_sec == b->mtim.tv_sec && a->mtim.tv_nsec == b->mtim.tv_nsec &&
	       a->ctim.tv_sec == b->ctim.tv_sec && a->ctim.tv_nsec == b->ctim.tv_nsec;
}

static struct os_release_id release_id_of(const struct stat *st)
{
	return (struct os_release_id){
		.dev = st->st_dev,
		.ino = st->st_ino,
		.size = st->st_size,
		.mtim = st->st_mtim,
		.ctim = st->st_ctim,
	};
}

static int read_release(const char *path, struct os_release_id *ret_id, struct osrelease *ret)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EISDIR;
	buf = malloc(OS_RELEASE_MAX);
	if (!buf)
		return -ENOMEM;
	while (len < OS_RELEASE_MAX) {
		ssize_t k = read(fd, buf + len, OS_RELEASE_MAX - len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	int r = osrelease_parse(buf, len, ret);
	if (r < 0)
		return r;
	*ret_id = release_id_of(&st);
	return 0;
}

/*
 * Brings o->release up to date: a stat per call, a read only when the file
 * changed. A missing or unreadable file leaves the defaults (uname -s, "")
 * rather than failing the enumeration.
 */
static void refresh_release(struct osinfo *o)
{
	const char *paths[2] = { o->os_release,
				 o->os_release_default ? OS_RELEASE_FALLBACK : NULL };

	for (size_t i = 0; i < ELEMENTSOF(paths) && paths[i]; i++) {
		struct stat st;
		if (stat(paths[i], &st) < 0) {
			if (errno == ENOENT)
				continue;
			break;
		}
		struct os_release_id id = release_id_of(&st);
		if (o->release_cached && release_id_equal(&id, &o->release_id))
			return;
		if (read_release(paths[i], &o->release_id, &o->release) == 0) {
			o->release_cached = true;
			return;
		}
		break;
	}
	o->release_cached = false;
	memset(&o->release, 0, sizeof(o->release));
}

/* ---- public ---- */

int osinfo_new(const struct osinfo_options *opts, struct osinfo **ret)
{
	struct osinfo *o;
	const char *path;
	int r;

	if (!ret)
		return -EINVAL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	path = opts && opts->os_release ? opts->os_release : OS_RELEASE_DEFAULT;
	o->os_release_default = strcmp(path, OS_RELEASE_DEFAULT) == 0;
	o->os_release = strdup(path);
	if (!o->os_release) {
		osinfo_free(o);
		return -ENOMEM;
	}
	if (opts && opts->exclude_ifaces) {
		r = strv_copy(opts->exclude_ifaces, &o->exclude);
		if (r < 0) {
			osinfo_free(o);
			return r;
		}
	}
	o->fqdn_timeout_ms = opts ? opts->fqdn_timeout_ms : FQDN_TIMEOUT_DEFAULT_MS;
	*ret = o;
	return 0;
}

struct osinfo *osinfo_free(struct osinfo *o)
{
	if (!o)
		return NULL;
	if (o->lookup) {
		int r = gai_cancel(&o->lookup->cb);
		if (r == EAI_NOTCANCELED)
			lookup_wait(o->lookup, o->fqdn_timeout_ms);
		/* A lookup glibc is still running cannot be freed: its helper
		 * thread writes into it. It stays allocated (and reachable from
		 * glibc's request list) until the process exits, which is what
		 * follows a free in a daemon. */
		if (!lookup_in_progress(o->lookup))
			lookup_free(o->lookup);
		o->lookup = NULL;
	}
	strv_free(o->exclude);
	free(o->os_release);
	free(o);
	return NULL;
}

static const char *const *exclude_globs(const struct osinfo *o)
{
	return o->exclude ? (const char *const *)o->exclude : osinfo_default_exclude_ifaces;
}

int osinfo_auto_index(const char *key, uint32_t *ret_index)
{
	for (uint32_t i = 0; i < ELEMENTSOF(auto_keys); i++)
		if (strcmp(auto_keys[i], key) == 0) {
			*ret_index = i;
			return 0;
		}
	return -ENOENT;
}

int osinfo_auto_item(struct osinfo *o, uint32_t index, const char *is_version,
		     char ret_key[KVP_KEY_MAX], char ret_value[KVP_VALUE_MAX])
{
	char value[KVP_VALUE_MAX] = "";
	struct utsname u;
	int r = 0;

	if (!o || !ret_key || !ret_value)
		return -EINVAL;
	if (index >= ELEMENTSOF(auto_keys))
		return -ENOENT;

	switch (index) {
	case 0:
		r = get_fqdn(o, value, sizeof(value));
		break;
	case 1:
		str_copy_utf8(value, is_version ? is_version : "Unknown version", sizeof(value));
		break;
	case 2:
		r = ifaddrs_filter_system(AF_INET, exclude_globs(o), value, sizeof(value));
		break;
	case 3:
		r = ifaddrs_filter_system(AF_INET6, exclude_globs(o), value, sizeof(value));
		break;
	case 5:
		refresh_release(o);
		if (o->release.has_name && o->release.name[0]) {
			str_copy_utf8(value, o->release.name, sizeof(value));
			break;
		}
		/* os-release(5): NAME defaults to "Linux"; uname -s says the same. */
		if (uname(&u) < 0)
			return negative_errno();
		str_copy_utf8(value, u.sysname, sizeof(value));
		break;
	case 6:
		refresh_release(o);
		str_copy_utf8(value, o->release.version_id, sizeof(value));
		break;
	case 7:
		/* Only upstream's legacy (pre-os-release) fallback set it. */
		break;
	case 4:
	case 8:
	case 9:
		if (uname(&u) < 0)
			return negative_errno();
		if (index == 4)
			str_copy_utf8(value, u.release, sizeof(value));
		else if (index == 9)
			str_copy_utf8(value, u.machine, sizeof(value));
		else {
			/* The Windows 7 era host expected "x.y.z" here. */
			u.release[strcspn(u.release, "-")] = '\0';
			str_copy_utf8(value, u.release, sizeof(value));
		}
		break;
	}
	if (r < 0)
		return r;

	str_copy_utf8(ret_key, auto_keys[index], KVP_KEY_MAX);
	memcpy(ret_value, value, sizeof(value));
	return 0;
}
