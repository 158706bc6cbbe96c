/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-kvp list, get, set, delete and host. Each returns the exit status and
 * prints its own errors, naming the file and the reason.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hvkvp.h"
#include "macro.h"
#include "osinfo.h"
#include "utf8.h"

static void snapshot_donep(struct hvkvp_snapshot *s)
{
	snapshot_done(s);
}
#define _cleanup_snapshot_ _cleanup_(snapshot_donep)

static void kvp_store_freep(struct kvp_store **s)
{
	kvp_store_free(*s);
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "hv-kvp: %s (see hv-kvp --help)\n", msg);
	return HVKVP_EXIT_USAGE;
}

/* Reads one pool (the AUTO pool is computed). Prints errors; returns an exit code. */
static int read_pool(const struct hvkvp *k, unsigned pool, struct hvkvp_snapshot *ret)
{
	_cleanup_(kvp_store_freep) struct kvp_store *s = NULL;
	int r;

	if (pool == KVP_POOL_AUTO) {
		r = auto_snapshot(k, ret);
		if (r < 0) {
			fprintf(stderr, "hv-kvp: computing the auto pool: %s\n", strerror(-r));
			return HVKVP_EXIT_IO;
		}
		return 0;
	}
	r = pool_open(k, pool, false, &s);
	if (r < 0)
		return report_io_error(k, pool, r, "cannot open");
	r = pool_snapshot(k, s, pool, ret);
	if (r < 0)
		return report_io_error(k, pool, r, "cannot read");
	return 0;
}

static bool wants_files(const struct hvkvp *k)
{
	return k->pool != KVP_POOL_AUTO;
}

static void print_record_text(const struct hvkvp_record *r)
{
	if (!r->key) {
		printf("  [%u] (malformed record: empty key or key without NUL)\n",
		       (unsigned)r->index);
		return;
	}
	fputs("  ", stdout);
	out_text(stdout, r->key);
	fputs(" = ", stdout);
	out_text(stdout, r->value);
	fputc('\n', stdout);
}

/* One JSON array of every record, printed only once every pool could be read. */
static int list_json(const struct hvkvp *k, unsigned first, unsigned last)
{
	struct hvkvp_snapshot snaps[KVP_POOL_COUNT] = { 0 };
	size_t count = 0;
	int r = 0;

	for (unsigned pool = first; r == 0 && pool <= last; pool++)
		r = read_pool(k, pool, &snaps[pool]);
	if (r == 0) {
		for (unsigned pool = first; pool <= last; pool++)
			for (size_t i = 0; i < snaps[pool].n; i++)
				out_json_item(stdout, &count, pool, &snaps[pool].recs[i]);
		out_json_end(stdout, count);
	}
	for (unsigned pool = first; pool <= last; pool++)
		snapshot_done(&snaps[pool]);
	return r;
}

int cmd_list(struct hvkvp *k)
{
	unsigned first = 0, last = KVP_POOL_COUNT - 1;
	int r;

	if (k->n_args > 0)
		return usage_error("list takes no operands");
	if (k->pool != HVKVP_POOL_ALL)
		first = last = (unsigned)k->pool;
	if (wants_files(k) && (r = pool_dir_check(k)) != 0)
		return r;

	if (k->json)
		return list_json(k, first, last);
	for (unsigned pool = first; pool <= last; pool++) {
		_cleanup_snapshot_ struct hvkvp_snapshot snap = { 0 };
		r = read_pool(k, pool, &snap);
		if (r != 0)
			return r;
		if (pool != first)
			putchar('\n');
		if (pool == KVP_POOL_AUTO)
			printf("[%u %s] %zu items (computed, as hypervkvpd reports them)\n", pool,
			       pool_name(pool), snap.n);
		else {
			_cleanup_free_ char *path = pool_path(k, pool);
			printf("[%u %s] %zu record%s (%s)\n", pool, pool_name(pool), snap.n,
			       snap.n == 1 ? "" : "s", path ? path : "?");
		}
		for (size_t i = 0; i < snap.n; i++)
			print_record_text(&snap.recs[i]);
	}
	return HVKVP_EXIT_OK;
}

static const struct hvkvp_record *find_key(const struct hvkvp_snapshot *snap, const char *key)
{
	/* The first match in file order, the one the daemon serves. */
	for (size_t i = 0; i < snap->n; i++)
		if (snap->recs[i].key && strcmp(snap->recs[i].key, key) == 0)
			return &snap->recs[i];
	return NULL;
}

static int check_key_arg(const char *key)
{
	size_t len = strlen(key);

	if (len == 0)
		return usage_error("the key is empty");
	if (len >= KVP_KEY_MAX) {
		fprintf(stderr,
			"hv-kvp: the key is %zu bytes long; a pool record holds at most %d\n", len,
			KVP_KEY_MAX - 1);
		return HVKVP_EXIT_USAGE;
	}
	return 0;
}

int cmd_get(struct hvkvp *k)
{
	int r;

	if (k->n_args != 1)
		return usage_error("get takes one operand: KEY");
	const char *key = k->args[0];
	r = check_key_arg(key);
	if (r != 0)
		return r;
	if (wants_files(k) && (r = pool_dir_check(k)) != 0)
		return r;

	/* Without --pool: the file pools in number order, then the AUTO pool. */
	static const unsigned order[] = { KVP_POOL_EXTERNAL, KVP_POOL_GUEST, KVP_POOL_AUTO_EXTERNAL,
					  KVP_POOL_AUTO_INTERNAL, KVP_POOL_AUTO };
	for (size_t i = 0; i < ELEMENTSOF(order); i++) {
		unsigned pool = order[i];
		uint32_t index;
		if (k->pool != HVKVP_POOL_ALL && (unsigned)k->pool != pool)
			continue;
		/* Computing the AUTO pool may resolve names: only for its own keys. */
		if (pool == KVP_POOL_AUTO && osinfo_auto_index(key, &index) < 0)
			continue;
		_cleanup_snapshot_ struct hvkvp_snapshot snap = { 0 };
		r = read_pool(k, pool, &snap);
		if (r != 0)
			return r;
		const struct hvkvp_record *rec = find_key(&snap, key);
		if (!rec)
			continue;
		if (k->json) {
			size_t count = 0;
			out_json_item(stdout, &count, pool, rec);
			out_json_end(stdout, count);
		} else
			printf("%s\n", rec->value);
		return HVKVP_EXIT_OK;
	}
	fputs("hv-kvp: ", stderr);
	out_text(stderr, key);
	if (k->pool == HVKVP_POOL_ALL)
		fputs(": not found in any pool\n", stderr);
	else
		fprintf(stderr, ": not found in pool %d (%s)\n", k->pool,
			pool_name((unsigned)k->pool));
	return HVKVP_EXIT_NOT_FOUND;
}

/* Guest writes must survive the kernel's conversion for the host (§2.3). */
static int check_for_host(const char *what, const char *s, size_t max_bytes, size_t max_units)
{
	size_t len = strlen(s);

	if (!utf8_is_valid(s, len)) {
		fprintf(stderr, "hv-kvp: the %s is not valid UTF-8; the host cannot take it\n",
			what);
		return HVKVP_EXIT_USAGE;
	}
	size_t units = utf8_utf16_units(s, len);
	if (units > max_units) {
		fprintf(stderr,
			"hv-kvp: the %s is %zu UTF-16 units long; the host takes at most %zu "
			"(the kernel would cut it)\n",
			what, units, max_units);
		return HVKVP_EXIT_USAGE;
	}
	if (len > max_bytes) {
		fprintf(stderr,
			"hv-kvp: the %s is %zu bytes long; a pool record holds at most %zu\n", what,
			len, max_bytes);
		return HVKVP_EXIT_USAGE;
	}
	return 0;
}

static int writable_pool(const struct hvkvp *k, const char *cmd, unsigned *ret_pool)
{
	unsigned pool = k->pool == HVKVP_POOL_ALL ? KVP_POOL_GUEST : (unsigned)k->pool;

	if (pool == KVP_POOL_AUTO) {
		fprintf(stderr,
			"hv-kvp: %s: the auto pool (2) is generated by hypervkvpd on request "
			"and cannot be written\n",
			cmd);
		return HVKVP_EXIT_USAGE;
	}
	*ret_pool = pool;
	return 0;
}

int cmd_set(struct hvkvp *k)
{
	_cleanup_(kvp_store_freep) struct kvp_store *s = NULL;
	unsigned pool;
	int r;

	if (k->n_args != 2)
		return usage_error("set takes two operands: KEY VALUE");
	const char *key = k->args[0], *value = k->args[1];
	if ((r = writable_pool(k, "set", &pool)) != 0)
		return r;
	if (key[0] == '\0')
		return usage_error("the key is empty");
	if ((r = check_for_host("key", key, KVP_KEY_MAX - 1, HVKVP_HOST_KEY_UNITS)) != 0 ||
	    (r = check_for_host("value", value, KVP_VALUE_MAX - 1, HVKVP_HOST_VALUE_UNITS)) != 0)
		return r;

	r = pool_open(k, pool, true, &s);
	if (r < 0)
		return report_io_error(k, pool, r, "cannot open for writing");
	r = kvp_store_set(s, 0, key, value);
	if (r < 0)
		return report_io_error(k, pool, r, "cannot write");
	return HVKVP_EXIT_OK;
}

int cmd_delete(struct hvkvp *k)
{
	_cleanup_(kvp_store_freep) struct kvp_store *s = NULL;
	unsigned pool;
	int r;

	if (k->n_args != 1)
		return usage_error("delete takes one operand: KEY");
	const char *key = k->args[0];
	if ((r = writable_pool(k, "delete", &pool)) != 0)
		return r;
	if ((r = check_key_arg(key)) != 0)
		return r;

	r = pool_open(k, pool, true, &s);
	if (r < 0)
		return report_io_error(k, pool, r, "cannot open for writing");
	r = kvp_store_delete(s, 0, key);
	if (r == -ENOENT) {
		fputs("hv-kvp: ", stderr);
		out_text(stderr, key);
		fprintf(stderr, ": not found in pool %u (%s)\n", pool, pool_name(pool));
		return HVKVP_EXIT_NOT_FOUND;
	}
	if (r < 0)
		return report_io_error(k, pool, r, "cannot write");
	return HVKVP_EXIT_OK;
}

/* The facts the host sends at integration-service start, in reading order. */
static const char *const host_keys[] = {
	"VirtualMachineName",
	"VirtualMachineId",
	"HostName",
	"PhysicalHostName",
	"PhysicalHostNameFullyQualified",
	"HostingSystemEditionId",
	"HostingSystemOsMajor",
	"HostingSystemOsMinor",
	"HostingSystemSpMajor",
	"HostingSystemSpMinor",
	"HostingSystemProcessorArchitecture",
	"HostingSystemProcessorClockSpeed",
	"HostingSystemProcessorIdleStateMax",
	"HostingSystemNestedLevel",
	"VirtualMachineDynamicMemoryBalancingEnabled",
};

static bool is_host_key(const char *key)
{
	for (size_t i = 0; i < ELEMENTSOF(host_keys); i++)
		if (strcmp(key, host_keys[i]) == 0)
			return true;
	return false;
}

static void host_print(const struct hvkvp *k, const struct hvkvp_record *r, int width,
		       size_t *count)
{
	if (k->json) {
		out_json_item(stdout, count, KVP_POOL_AUTO_EXTERNAL, r);
		return;
	}
	out_text(stdout, r->key);
	printf(":%*s ", width - (int)strlen(r->key), "");
	out_text(stdout, r->value);
	putchar('\n');
}

int cmd_host(struct hvkvp *k)
{
	_cleanup_snapshot_ struct hvkvp_snapshot snap = { 0 };
	size_t count = 0;
	int width = 0, r;

	if (k->n_args > 0)
		return usage_error("host takes no operands");
	if (k->pool != HVKVP_POOL_ALL && k->pool != KVP_POOL_AUTO_EXTERNAL)
		return usage_error("host always reads pool 3 (auto-external)");
	if ((r = pool_dir_check(k)) != 0)
		return r;
	r = read_pool(k, KVP_POOL_AUTO_EXTERNAL, &snap);
	if (r != 0)
		return r;
	if (snap.n == 0) {
		_cleanup_free_ char *path = pool_path(k, KVP_POOL_AUTO_EXTERNAL);
		fprintf(stderr,
			"hv-kvp: %s: no host information yet (the host sends it when the KVP "
			"integration service starts and hypervkvpd is running)\n",
			path ? path : k->pool_dir);
		return HVKVP_EXIT_NOT_FOUND;
	}
	for (size_t i = 0; i < snap.n; i++)
		if (snap.recs[i].key)
			width = MAX(width, (int)strlen(snap.recs[i].key));

	/* Known facts first, in a fixed order, then anything else the host sent. */
	for (size_t j = 0; j < ELEMENTSOF(host_keys); j++) {
		const struct hvkvp_record *rec = find_key(&snap, host_keys[j]);
		if (rec)
			host_print(k, rec, width, &count);
	}
	for (size_t i = 0; i < snap.n; i++)
		if (snap.recs[i].key && !is_host_key(snap.recs[i].key))
			host_print(k, &snap.recs[i], width, &count);
	if (k->json)
		out_json_end(stdout, count);
	return HVKVP_EXIT_OK;
}
