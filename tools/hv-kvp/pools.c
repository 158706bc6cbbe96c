/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pools for hv-kvp: names, paths, opening one pool file through the shared
 * store (so the locks are exactly the daemon's), and consistent snapshots.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "hvkvp.h"
#include "macro.h"
#include "osinfo.h"

static const char *const pool_names[KVP_POOL_COUNT] = {
	[KVP_POOL_EXTERNAL] = "external",
	[KVP_POOL_GUEST] = "guest",
	[KVP_POOL_AUTO] = "auto",
	[KVP_POOL_AUTO_EXTERNAL] = "auto-external",
	[KVP_POOL_AUTO_INTERNAL] = "auto-internal",
};

int pool_parse(const char *s, unsigned *ret_pool)
{
	if (s[0] >= '0' && s[0] < '0' + KVP_POOL_COUNT && s[1] == '\0') {
		*ret_pool = (unsigned)(s[0] - '0');
		return 0;
	}
	for (unsigned i = 0; i < KVP_POOL_COUNT; i++)
		if (strcasecmp(s, pool_names[i]) == 0) {
			*ret_pool = i;
			return 0;
		}
	return -EINVAL;
}

const char *pool_name(unsigned pool)
{
	return pool < KVP_POOL_COUNT ? pool_names[pool] : "?";
}

char *pool_path(const struct hvkvp *k, unsigned pool)
{
	char *p;
	if (asprintf(&p, "%s/" KVP_POOL_FILE_FMT, k->pool_dir, pool) < 0)
		return NULL;
	return p;
}

/* Readers need the directory to exist; an absent file is an empty pool. */
int pool_dir_check(const struct hvkvp *k)
{
	struct stat st;

	if (stat(k->pool_dir, &st) < 0) {
		if (errno == ENOENT)
			fprintf(stderr,
				"hv-kvp: %s: No such file or directory (no pools exist here; "
				"is hypervkvpd installed, or is kvp.pool_dir set elsewhere?)\n",
				k->pool_dir);
		else
			fprintf(stderr, "hv-kvp: %s: %s\n", k->pool_dir, strerror(errno));
		return HVKVP_EXIT_IO;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "hv-kvp: %s: Not a directory\n", k->pool_dir);
		return HVKVP_EXIT_IO;
	}
	return 0;
}

/*
 * Opens the one file of this pool, served as the store's pool 0. Writers
 * create the directory (0755) and the file (kvp.pool_mode) as the daemon
 * would; readers open read-only and create nothing.
 */
int pool_open(const struct hvkvp *k, unsigned pool, bool writable, struct kvp_store **ret)
{
	_cleanup_free_ char *path = pool_path(k, pool);
	struct kvp_store_options opts = {
		.file_mode = k->config.kvp_pool_mode,
		.sync = k->config.kvp_sync,
		.read_only = !writable,
	};
	struct kvp_store *s;
	int r;

	if (!path)
		return -ENOMEM;
	if (writable) {
		if (mkdir(k->pool_dir, 0755) == 0) {
			if (chmod(k->pool_dir, 0755) < 0)
				return -errno;
		} else if (errno != EEXIST)
			return -errno;
	}
	r = kvp_store_open_file(path, &opts, &s);
	if (r < 0)
		return r;
	if (k->lock_timeout_ms)
		kvp_store_set_lock_timeout(s, k->lock_timeout_ms);
	/*
	 * Snapshots read the count (re-reading the file under the shared lock
	 * if it changed) and then every record from that same copy; watch
	 * drains the events itself before each snapshot.
	 */
	kvp_store_set_trust_events(s, true);
	*ret = s;
	return 0;
}

void snapshot_done(struct hvkvp_snapshot *snap)
{
	for (size_t i = 0; i < snap->n; i++) {
		free(snap->recs[i].key);
		free(snap->recs[i].value);
	}
	free(snap->recs);
	snap->recs = NULL;
	snap->n = 0;
}

static int snapshot_add(struct hvkvp_snapshot *snap, uint32_t index, const char *key,
			const char *value)
{
	struct hvkvp_record *n = realloc(snap->recs, (snap->n + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	snap->recs = n;
	struct hvkvp_record *r = &snap->recs[snap->n];
	*r = (struct hvkvp_record){ .index = index };
	if (key) {
		r->key = strdup(key);
		r->value = strdup(value);
		if (!r->key || !r->value) {
			free(r->key);
			free(r->value);
			return -ENOMEM;
		}
	}
	snap->n++;
	return 0;
}

int pool_snapshot(const struct hvkvp *k, struct kvp_store *s, unsigned pool,
		  struct hvkvp_snapshot *ret)
{
	struct hvkvp_snapshot snap = { 0 };
	char key[KVP_KEY_MAX], value[KVP_VALUE_MAX];
	size_t n;
	int r;

	(void)k;
	(void)pool;
	r = kvp_store_count(s, 0, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = kvp_store_enumerate(s, 0, (uint32_t)i, key, value);
		if (r == -ENOENT)
			break; /* shrank under us (only without inotify) */
		if (r < 0 && r != -EBADMSG) {
			snapshot_done(&snap);
			return r;
		}
		r = snapshot_add(&snap, (uint32_t)i, r == -EBADMSG ? NULL : key, value);
		if (r < 0) {
			snapshot_done(&snap);
			return r;
		}
	}
	*ret = snap;
	return 0;
}

/*
 * The AUTO pool as hypervkvpd reports it, computed by the same code. The
 * daemon learns IntegrationServicesVersion from the kernel's registration
 * answer, which only the holder of the channel sees: hv-kvp passes NULL and
 * so reports what the daemon would report without it, "Unknown version".
 */
int auto_snapshot(const struct hvkvp *k, struct hvkvp_snapshot *ret)
{
	struct osinfo_options oo = {
		.os_release = k->config.kvp_os_release,
		.exclude_ifaces = (const char *const *)k->config.kvp_exclude_interfaces,
		.fqdn_timeout_ms = k->config.kvp_fqdn_timeout_ms,
	};
	struct hvkvp_snapshot snap = { 0 };
	char key[KVP_KEY_MAX], value[KVP_VALUE_MAX];
	struct osinfo *o;
	int r;

	r = osinfo_new(&oo, &o);
	if (r < 0)
		return r;
	for (uint32_t i = 0;; i++) {
		r = osinfo_auto_item(o, i, NULL, key, value);
		if (r == -ENOENT)
			break;
		if (r >= 0)
			r = snapshot_add(&snap, i, key, value);
		if (r < 0) {
			osinfo_free(o);
			snapshot_done(&snap);
			return r;
		}
	}
	osinfo_free(o);
	*ret = snap;
	return 0;
}

/* Prints "hv-kvp: FILE: reason" for a failed pool operation; returns exit 3. */
int report_io_error(const struct hvkvp *k, unsigned pool, int r, const char *what)
{
	_cleanup_free_ char *path = pool_path(k, pool);
	const char *name = path ? path : k->pool_dir;

	if (r == -ETIMEDOUT)
		fprintf(stderr,
			"hv-kvp: %s: %s: lock not obtained within %u ms "
			"(another program holds it)\n",
			name, what, k->lock_timeout_ms ? k->lock_timeout_ms : 2000);
	else if (r == -EACCES || r == -EPERM || r == -EROFS)
		fprintf(stderr, "hv-kvp: %s: %s: %s (run as root?)\n", name, what, strerror(-r));
	else
		fprintf(stderr, "hv-kvp: %s: %s: %s\n", name, what, strerror(-r));
	return HVKVP_EXIT_IO;
}
