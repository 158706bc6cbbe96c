/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `hv-hostsim kvp`: play the kernel's hv_kvp driver and the host behind it.
 * Listen where the daemon's kvp.device points, answer its registration like
 * the kernel, then run the step script one host request at a time and show
 * each answer the way the host would see it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hostsim.h"
#include "kvp.h"
#include "macro.h"

/* What the kernel calls HV_DRV_VERSION: the daemon reports it back as
 * IntegrationServicesVersion. */
#define DEFAULT_IS_VERSION "3.1"

/* An enumeration that never ends is a daemon bug; stop counting somewhere. */
#define ENUM_MAX_ITEMS 1000000u

/* A key nobody sets, for the "is the daemon still serving" probe. */
#define PROBE_KEY "hv-hostsim-probe"

struct kvp_run {
	const char *socket_path;
	int timeout_ms;
	const char *is_version;
	bool json;

	int listen_fd, fd;
	bool legacy; /* the daemon registered with op 4 */

	/* What the expect-* steps look at. */
	bool have_status, have_value, have_count;
	uint32_t status;
	char *value;
	unsigned long count;
	unsigned failed;
	struct kvp_ip_reply *ip; /* the last GET_IP_INFO reply (heap: 15 KiB), for expect-ip */
	bool have_ip;
};

static void status_text(uint32_t status, char buf[static 16])
{
	const char *n = kvp_status_name(status);

	if (n)
		snprintf(buf, 16, "%s", n);
	else
		snprintf(buf, 16, "0x%08X", status);
}

static void put_pool(FILE *f, unsigned pool)
{
	const char *n = kvp_pool_name(pool);

	if (n)
		fputs(n, f);
	else
		fprintf(f, "%u", pool);
}

static void put_json_status(FILE *f, uint32_t status)
{
	char st[16];

	status_text(status, st);
	fprintf(f, "\"status\":\"%s\",\"code\":\"0x%08X\"", st, status);
}

/* I/O failures end the run (exit 3): the protocol state is unknown after them. */
_printf_(2, 3) static int io_fail(int r, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("hv-hostsim kvp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (r == -ETIMEDOUT)
		fputs(": timed out\n", stderr);
	else if (r == 0)
		fputs(": the daemon closed the connection\n", stderr);
	else
		fprintf(stderr, ": %s\n", strerror(-r));
	return HS_EXIT_IO;
}

_printf_(1, 2) static int malformed(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("hv-hostsim kvp: malformed reply: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return HS_EXIT_FAIL;
}

/* Send one request and wait for one whole 7432-byte reply. Returns an exit code. */
static int transact(struct kvp_run *k, const void *req, size_t len, struct hv_kvp_msg *reply)
{
	uint8_t buf[KVP_MSG_SIZE + 1];
	ssize_t n;
	int r;

	r = hs_send(k->fd, req, len);
	if (r < 0)
		return io_fail(r, "sending a %zu-byte request", len);
	n = hs_recv(k->fd, buf, sizeof(buf), k->timeout_ms);
	if (n <= 0 && n != -EMSGSIZE)
		return io_fail((int)n, "waiting for the daemon's reply");
	if (n == -EMSGSIZE)
		return malformed("more than %u bytes, expected %u", KVP_MSG_SIZE + 1, KVP_MSG_SIZE);
	if (n != KVP_MSG_SIZE)
		return malformed("%zd bytes, expected %u", n, KVP_MSG_SIZE);
	memcpy(reply, buf, sizeof(*reply));
	return 0;
}

static int do_register(struct kvp_run *k, const char *what)
{
	uint8_t buf[KVP_MSG_SIZE + 1];
	struct hv_kvp_msg m;
	ssize_t n;
	int r;

	r = hs_accept(k->listen_fd, k->timeout_ms);
	if (r < 0)
		return io_fail(r, "waiting for the daemon to connect to %s", k->socket_path);
	k->fd = r;

	n = hs_recv(k->fd, buf, sizeof(buf), k->timeout_ms);
	if (n <= 0 && n != -EMSGSIZE)
		return io_fail((int)n, "waiting for the daemon's registration");
	/* The kernel takes len >= 7432; anything else we also call malformed. */
	if (n == -EMSGSIZE)
		return malformed("registration of more than %u bytes, expected %u",
				 KVP_MSG_SIZE + 1, KVP_MSG_SIZE);
	if (n != KVP_MSG_SIZE)
		return malformed("registration of %zd bytes, expected %u", n, KVP_MSG_SIZE);
	memcpy(&m, buf, sizeof(m));
	if (m.kvp_hdr.operation != KVP_OP_REGISTER1 && m.kvp_hdr.operation != KVP_OP_REGISTER)
		return malformed("registration with operation %u, expected 100 (or legacy 4)",
				 m.kvp_hdr.operation);
	k->legacy = m.kvp_hdr.operation == KVP_OP_REGISTER;

	kvp_build_register_reply(&m, k->legacy ? KVP_OP_REGISTER : KVP_OP_REGISTER1, k->is_version);
	r = hs_send(k->fd, &m, sizeof(m));
	if (r < 0)
		return io_fail(r, "answering the registration");

	if (k->json) {
		printf("{\"step\":\"%s\",\"op\":%u,\"version\":", what, k->legacy ? 4u : 100u);
		hs_put_json_string(stdout, k->is_version, strlen(k->is_version));
		puts("}");
	} else {
		printf("%s: daemon registered with op %u%s, answered version ",
		       strcmp(what, "register") == 0 ? "REGISTER" : "RECONNECT",
		       k->legacy ? 4u : 100u, k->legacy ? " (legacy)" : "");
		hs_put_quoted(stdout, k->is_version, strlen(k->is_version));
		putchar('\n');
	}
	return 0;
}

static void set_status(struct kvp_run *k, uint32_t status)
{
	k->have_status = true;
	k->status = status;
}

static int step_set(struct kvp_run *k, const struct kvp_step *st)
{
	struct hv_kvp_msg m, reply;
	int r;

	kvp_build_set(&m, st->pool, st->key, st->value);
	r = transact(k, &m, sizeof(m), &reply);
	if (r != 0)
		return r;
	uint32_t status = kvp_reply_status(&reply, false);
	set_status(k, status);

	const char *key = (const char *)m.body.kvp_set.data.key;
	const char *value = (const char *)m.body.kvp_set.data.value;
	char sn[16];
	status_text(status, sn);
	if (k->json) {
		fputs("{\"step\":\"set\",\"pool\":\"", stdout);
		put_pool(stdout, st->pool);
		fputs("\",\"key\":", stdout);
		hs_put_json_string(stdout, key, strlen(key));
		fputs(",\"value\":", stdout);
		hs_put_json_string(stdout, value, strlen(value));
		putchar(',');
		put_json_status(stdout, status);
		puts("}");
	} else {
		fputs("SET ", stdout);
		put_pool(stdout, st->pool);
		putchar(' ');
		hs_put_quoted(stdout, key, strlen(key));
		fputs(" = ", stdout);
		hs_put_quoted(stdout, value, strlen(value));
		printf(": %s", sn);
		/* The host's 255/1023-unit fields and the kernel's 511/2047-byte buffers. */
		if (strlen(key) < strlen(st->key))
			printf(" (key cut to %zu of %zu bytes)", strlen(key), strlen(st->key));
		if (strlen(value) < strlen(st->value))
			printf(" (value cut to %zu of %zu bytes)", strlen(value),
			       strlen(st->value));
		putchar('\n');
	}
	return 0;
}

static int step_get_delete(struct kvp_run *k, const struct kvp_step *st)
{
	struct hv_kvp_msg m, reply;
	struct kvp_host_string v;
	bool get = st->kind == KVP_STEP_GET;
	const char *key;
	int r;

	if (get) {
		kvp_build_get(&m, st->pool, st->key);
		key = (const char *)m.body.kvp_get.data.key;
	} else {
		kvp_build_delete(&m, st->pool, st->key);
		key = (const char *)m.body.kvp_delete.key;
	}
	r = transact(k, &m, sizeof(m), &reply);
	if (r != 0)
		return r;
	uint32_t status = kvp_reply_status(&reply, k->legacy);
	set_status(k, status);

	free(k->value);
	k->value = NULL;
	k->have_value = false;
	if (get && status == HV_S_OK) {
		/* The kernel's quirk: a GET value is read from the enumerate offset. */
		r = kvp_host_string(&reply, KVP_OFF_ENUM_VALUE, HV_KVP_EXCHANGE_MAX_VALUE_SIZE,
				    KVP_HOST_VALUE_UNITS, &v);
		if (r == -EBADMSG)
			return malformed("GET value at offset 532 is not NUL-terminated");
		if (r < 0)
			return malformed("GET value at offset 532: %s", strerror(-r));
		k->value = strdup(v.text);
		if (!k->value)
			return io_fail(-ENOMEM, "GET");
		k->have_value = true;
	}

	char sn[16];
	status_text(status, sn);
	if (k->json) {
		printf("{\"step\":\"%s\",\"pool\":\"", get ? "get" : "delete");
		put_pool(stdout, st->pool);
		fputs("\",\"key\":", stdout);
		hs_put_json_string(stdout, key, strlen(key));
		putchar(',');
		put_json_status(stdout, status);
		if (k->have_value) {
			fputs(",\"value\":", stdout);
			hs_put_json_string(stdout, v.text, strlen(v.text));
			printf(",\"value_units\":%zu,\"value_cut\":%s", v.units,
			       v.cut ? "true" : "false");
		}
		puts("}");
	} else {
		fputs(get ? "GET " : "DELETE ", stdout);
		put_pool(stdout, st->pool);
		putchar(' ');
		hs_put_quoted(stdout, key, strlen(key));
		printf(": %s", sn);
		if (k->have_value) {
			putchar(' ');
			hs_put_quoted(stdout, v.text, strlen(v.text));
			if (v.cut)
				printf(" (cut to %zu of %zu UTF-16 units)", v.units,
				       v.daemon_units);
		}
		putchar('\n');
	}
	return 0;
}

/* The host's view of one string, kept per item (the text is heap-owned). */
struct host_str {
	char *text;
	size_t units, daemon_units;
	bool cut;
};

struct enum_item {
	struct host_str key, value;
};

static void enum_items_free(struct enum_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].key.text);
		free(items[i].value.text);
	}
	free(items);
}

/* Read one reply string as the host gets it; an exit code on failure. */
static int host_str_get(const struct hv_kvp_msg *reply, size_t off, size_t size, size_t max_units,
			const char *what, size_t index, struct host_str *ret)
{
	struct kvp_host_string h;
	int r;

	r = kvp_host_string(reply, off, size, max_units, &h);
	if (r == -EBADMSG)
		return malformed("ENUMERATE index %zu: %s at offset %zu is not NUL-terminated",
				 index, what, off);
	if (r < 0)
		return malformed("ENUMERATE index %zu: %s: %s", index, what, strerror(-r));
	ret->text = strdup(h.text);
	if (!ret->text)
		return io_fail(-ENOMEM, "ENUMERATE");
	ret->units = h.units;
	ret->daemon_units = h.daemon_units;
	ret->cut = h.cut;
	return 0;
}

/* Enumerate from index 0 until a non-zero status, as the host does. */
static int enumerate(struct kvp_run *k, uint8_t pool, struct enum_item **ret_items, size_t *ret_n,
		     uint32_t *ret_status)
{
	struct enum_item *items = NULL;
	size_t n = 0, cap = 0;
	uint32_t status;
	int r = 0;

	for (;;) {
		struct hv_kvp_msg m, reply;

		if (n >= ENUM_MAX_ITEMS) {
			r = malformed("enumeration of pool %u did not end after %u items", pool,
				      ENUM_MAX_ITEMS);
			break;
		}
		kvp_build_enum(&m, pool, (uint32_t)n);
		r = transact(k, &m, sizeof(m), &reply);
		if (r != 0)
			break;
		status = kvp_reply_status(&reply, k->legacy);
		if (status != HV_S_OK)
			break;

		/* Geometric growth: pools of 100,000 records must not take quadratic time. */
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct enum_item *ni = realloc(items, ncap * sizeof(*ni));
			if (!ni) {
				r = io_fail(-ENOMEM, "ENUMERATE");
				break;
			}
			items = ni;
			cap = ncap;
		}
		items[n] = (struct enum_item){};
		n++;
		r = host_str_get(&reply, KVP_OFF_ENUM_KEY, HV_KVP_EXCHANGE_MAX_KEY_SIZE,
				 KVP_HOST_KEY_UNITS, "key", n - 1, &items[n - 1].key);
		if (r == 0)
			r = host_str_get(&reply, KVP_OFF_ENUM_VALUE, HV_KVP_EXCHANGE_MAX_VALUE_SIZE,
					 KVP_HOST_VALUE_UNITS, "value", n - 1, &items[n - 1].value);
		if (r != 0)
			break;
	}
	if (r != 0) {
		enum_items_free(items, n);
		return r;
	}
	*ret_items = items;
	*ret_n = n;
	*ret_status = status;
	return 0;
}

static void put_cut_note(const struct enum_item *it)
{
	if (it->key.cut)
		printf(" (key cut to %zu of %zu UTF-16 units)", it->key.units,
		       it->key.daemon_units);
	if (it->value.cut)
		printf(" (value cut to %zu of %zu UTF-16 units)", it->value.units,
		       it->value.daemon_units);
}

static void put_json_items(const struct enum_item *items, size_t n)
{
	fputs(",\"items\":[", stdout);
	for (size_t i = 0; i < n; i++) {
		const struct enum_item *it = &items[i];
		printf("%s{\"index\":%zu,\"key\":", i ? "," : "", i);
		hs_put_json_string(stdout, it->key.text, strlen(it->key.text));
		fputs(",\"value\":", stdout);
		hs_put_json_string(stdout, it->value.text, strlen(it->value.text));
		printf(",\"key_units\":%zu,\"value_units\":%zu,\"key_cut\":%s,\"value_cut\":%s}",
		       it->key.units, it->value.units, it->key.cut ? "true" : "false",
		       it->value.cut ? "true" : "false");
	}
	putchar(']');
}

static void step_enum_print(struct kvp_run *k, const struct kvp_step *st,
			    const struct enum_item *items, size_t n, uint32_t status)
{
	bool table = st->kind == KVP_STEP_INTRINSIC;
	char sn[16];

	status_text(status, sn);
	if (k->json) {
		fputs(table ? "{\"step\":\"intrinsic\",\"pool\":\""
			    : "{\"step\":\"enum\",\"pool\":\"",
		      stdout);
		put_pool(stdout, st->pool);
		printf("\",\"count\":%zu,", n);
		put_json_status(stdout, status);
		put_json_items(items, n);
		puts("}");
		return;
	}

	if (!table) {
		fputs("ENUM ", stdout);
		put_pool(stdout, st->pool);
		printf(": %zu item%s", n, n == 1 ? "" : "s");
		if (status != HV_S_CONT)
			printf(" (ended by %s)", sn);
		putchar('\n');
		for (size_t i = 0; i < n; i++) {
			printf("  [%zu] ", i);
			hs_put_quoted(stdout, items[i].key.text, strlen(items[i].key.text));
			fputs(" = ", stdout);
			hs_put_quoted(stdout, items[i].value.text, strlen(items[i].value.text));
			put_cut_note(&items[i]);
			putchar('\n');
		}
		return;
	}

	/* Like PowerShell's Get-VMKvp on GuestIntrinsicExchangeItems: Name, Data. */
	int w = 4;
	for (size_t i = 0; i < n; i++)
		w = MAX(w, (int)strlen(items[i].key.text));
	printf("INTRINSIC: %zu item%s", n, n == 1 ? "" : "s");
	if (status != HV_S_CONT)
		printf(" (ended by %s)", sn);
	putchar('\n');
	printf("%-*s Data\n%-*s ----\n", w, "Name", w, "----");
	for (size_t i = 0; i < n; i++) {
		/* Names are the daemon's; escape them so each item stays one line. */
		size_t kl = strlen(items[i].key.text);
		hs_put_escaped(stdout, items[i].key.text, kl);
		printf("%*s ", w - (int)MIN(kl, (size_t)w), "");
		hs_put_escaped(stdout, items[i].value.text, strlen(items[i].value.text));
		put_cut_note(&items[i]);
		putchar('\n');
	}
}

static int step_enum(struct kvp_run *k, const struct kvp_step *st)
{
	struct enum_item *items = NULL;
	uint32_t status;
	size_t n;
	int r;

	r = enumerate(k, st->pool, &items, &n, &status);
	if (r != 0)
		return r;
	set_status(k, status);
	k->have_count = true;
	k->count = n;
	step_enum_print(k, st, items, n, status);
	enum_items_free(items, n);
	return 0;
}

static int step_bad(struct kvp_run *k, const struct kvp_step *st)
{
	uint8_t buf[KVP_BAD_BUF_SIZE];
	struct hv_kvp_msg m, reply;
	size_t len = kvp_build_bad(st->bad, buf);
	uint32_t status;
	int r;

	r = transact(k, buf, len, &reply);
	if (r != 0)
		return r;
	status = kvp_reply_status(&reply, k->legacy);
	set_status(k, status);

	/* Whatever the daemon made of it, the next ordinary request must work. */
	kvp_build_get(&m, KVP_POOL_EXTERNAL, PROBE_KEY);
	r = transact(k, &m, sizeof(m), &reply);
	if (r != 0) {
		fprintf(stderr, "hv-hostsim kvp: the daemon did not answer a GET after bad %s\n",
			kvp_bad_name(st->bad));
		return r;
	}

	char sn[16];
	status_text(status, sn);
	if (k->json) {
		printf("{\"step\":\"bad\",\"kind\":\"%s\",\"bytes\":%zu,", kvp_bad_name(st->bad),
		       len);
		put_json_status(stdout, status);
		puts(",\"still_serving\":true}");
	} else
		printf("BAD %s (%zu bytes): %s, daemon still serving\n", kvp_bad_name(st->bad), len,
		       sn);
	return 0;
}

static int step_expect(struct kvp_run *k, const struct kvp_step *st)
{
	char want[64] = "", got[64] = "";
	const char *what = "";
	bool ok = false;

	switch (st->kind) {
	case KVP_STEP_EXPECT_STATUS:
		what = "status";
		status_text(st->status, want);
		if (k->have_status) {
			status_text(k->status, got);
			ok = k->status == st->status;
		} else
			snprintf(got, sizeof(got), "no status yet");
		break;
	case KVP_STEP_EXPECT_COUNT:
		what = "count";
		snprintf(want, sizeof(want), "%lu", st->number);
		if (k->have_count) {
			snprintf(got, sizeof(got), "%lu", k->count);
			ok = k->count == st->number;
		} else
			snprintf(got, sizeof(got), "no enumeration yet");
		break;
	default:
		what = "value";
		ok = k->have_value && strcmp(k->value, st->value) == 0;
		break;
	}

	if (k->json) {
		printf("{\"step\":\"expect-%s\",\"ok\":%s,\"expected\":", what,
		       ok ? "true" : "false");
		if (st->kind == KVP_STEP_EXPECT_VALUE) {
			hs_put_json_string(stdout, st->value, strlen(st->value));
			fputs(",\"got\":", stdout);
			if (k->have_value)
				hs_put_json_string(stdout, k->value, strlen(k->value));
			else
				fputs("null", stdout);
		} else
			printf("\"%s\",\"got\":\"%s\"", want, got);
		puts("}");
	} else {
		printf("EXPECT %s ", what);
		if (st->kind == KVP_STEP_EXPECT_VALUE) {
			hs_put_quoted(stdout, st->value, strlen(st->value));
			printf(": %s", ok ? "ok" : "FAILED, got ");
			if (!ok) {
				if (k->have_value)
					hs_put_quoted(stdout, k->value, strlen(k->value));
				else
					fputs("no value", stdout);
			}
			putchar('\n');
		} else if (ok)
			printf("%s: ok\n", want);
		else
			printf("%s: FAILED, got %s\n", want, got);
	}
	if (!ok) {
		k->failed++;
		fprintf(stderr, "hv-hostsim kvp: %s: expectation failed\n", st->where);
	}
	return 0;
}

static int step_ip(struct kvp_run *k, const struct kvp_step *st)
{
	struct hv_kvp_msg m, reply;
	int r;

	if (st->kind == KVP_STEP_GET_IP)
		kvp_build_get_ip(&m, st->key, st->family);
	else
		kvp_build_set_ip(&m, st->key,
				 &(struct kvp_ip_fields){ .ip = st->ip[0],
							  .subnet = st->ip[1],
							  .gw = st->ip[2],
							  .dns = st->ip[3],
							  .dhcp = st->dhcp,
							  .family = st->family });
	r = transact(k, &m, sizeof(m), &reply);
	if (r != 0)
		return r;
	uint32_t status = kvp_reply_status(&reply, false);
	set_status(k, status);
	if (!k->ip && !(k->ip = malloc(sizeof(*k->ip))))
		return io_fail(-ENOMEM, "GET_IP_INFO");
	r = kvp_ip_report(st, &reply, status, k->json, k->ip, &k->have_ip);
	if (r < 0)
		return malformed("GET_IP_INFO reply field without NUL");
	return 0;
}

static int run_step(struct kvp_run *k, const struct kvp_step *st)
{
	switch (st->kind) {
	case KVP_STEP_SET:
		return step_set(k, st);
	case KVP_STEP_GET:
	case KVP_STEP_DELETE:
		return step_get_delete(k, st);
	case KVP_STEP_ENUM:
	case KVP_STEP_INTRINSIC:
		return step_enum(k, st);
	case KVP_STEP_BAD:
		return step_bad(k, st);
	case KVP_STEP_RECONNECT:
		/* The kernel's release + a reopen: the daemon must notice and come back. */
		k->fd = safe_close(k->fd);
		return do_register(k, "reconnect");
	case KVP_STEP_SLEEP: {
		struct timespec ts = { .tv_sec = (time_t)(st->number / 1000),
				       .tv_nsec = (long)(st->number % 1000) * 1000000 };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		if (k->json)
			printf("{\"step\":\"sleep\",\"ms\":%lu}\n", st->number);
		else
			printf("SLEEP %lu ms\n", st->number);
		return 0;
	}
	case KVP_STEP_EXPECT_STATUS:
	case KVP_STEP_EXPECT_VALUE:
	case KVP_STEP_EXPECT_COUNT:
		return step_expect(k, st);
	case KVP_STEP_GET_IP:
	case KVP_STEP_SET_IP:
		return step_ip(k, st);
	case KVP_STEP_EXPECT_IP:
		if (!kvp_ip_expect(k->have_ip ? k->ip : NULL, st, k->json)) {
			k->failed++;
			fprintf(stderr, "hv-hostsim kvp: %s: expectation failed\n", st->where);
		}
		return 0;
	}
	return 0;
}

static void help(void)
{
	printf("Usage: hv-hostsim kvp --socket PATH [OPTIONS] [-e STEP]... [-f FILE]...\n"
	       "\n"
	       "Play the kernel's KVP driver and the Hyper-V host for a KVP daemon whose\n"
	       "kvp.device is PATH, then run the steps (all -e, then every -f file line).\n"
	       "\n"
	       "  -s, --socket PATH      listen here (a stale socket is replaced)\n"
	       "  -t, --timeout SEC      give up waiting on the daemon after SEC (default 10)\n"
	       "      --is-version STR   version answered to the registration (default 3.1)\n"
	       "  -j, --json             one JSON object per line\n"
	       "  -e, --step STEP        a step (repeatable)\n"
	       "  -f, --file FILE        steps from FILE, one a line, '-' is stdin (repeatable)\n"
	       "  -h, --help             this text\n"
	       "\n"
	       "Steps:\n"
	       "  set POOL KEY VALUE | get POOL KEY | delete POOL KEY | enum POOL | intrinsic\n"
	       "  bad KIND | reconnect | sleep MS\n"
	       "  expect-status STATUS | expect-value TEXT | expect-count N\n"
	       "  get-ip MAC [ipv4|ipv6|both] | expect-ip FIELD TEXT\n"
	       "  set-ip GUID [dhcp=0|1] [ip=LIST] [subnet=LIST] [gw=LIST] [dns=LIST] [family=F]\n"
	       "FIELD: ip subnet gw dns dhcp family adapter; LIST: ';'-separated\n"
	       "POOL: 0-4, external, guest, auto, auto-external, auto-internal\n"
	       "KIND: short long pool op keysize keynul nonul valuesize badutf8 emptykey\n"
	       "\n"
	       "Exit: 0 done, 1 expectation failed or malformed reply, 2 usage, 3 I/O or "
	       "timeout.\n");
}

int hostsim_kvp_main(int argc, char **argv)
{
	enum { OPT_IS_VERSION = 0x100 };
	static const struct option options[] = { { "socket", required_argument, NULL, 's' },
						 { "timeout", required_argument, NULL, 't' },
						 { "is-version", required_argument, NULL,
						   OPT_IS_VERSION },
						 { "json", no_argument, NULL, 'j' },
						 { "step", required_argument, NULL, 'e' },
						 { "file", required_argument, NULL, 'f' },
						 { "help", no_argument, NULL, 'h' },
						 {} };
	_cleanup_(kvp_script_done) struct kvp_script script = {};
	struct kvp_run k = {
		.timeout_ms = HS_DEFAULT_TIMEOUT_MS,
		.is_version = DEFAULT_IS_VERSION,
		.listen_fd = -1,
		.fd = -1,
	};
	const char **files = NULL;
	size_t n_files = 0, n_e = 0;
	int c, r, ret = HS_EXIT_OK;

	/* -e steps come first whatever the order on the command line: collect
	 * file names and parse them after. */
	_cleanup_free_ const char **file_list = calloc((size_t)argc + 1, sizeof(char *));
	if (!file_list)
		return HS_EXIT_IO;
	files = file_list;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":s:t:je:f:h", options, NULL)) >= 0) {
		switch (c) {
		case 's':
			k.socket_path = optarg;
			break;
		case 't':
			if (hs_parse_seconds(optarg, &k.timeout_ms) < 0) {
				fprintf(stderr, "hv-hostsim kvp: bad --timeout \"%s\" (seconds)\n",
					optarg);
				return HS_EXIT_USAGE;
			}
			break;
		case OPT_IS_VERSION:
			if (strlen(optarg) >= HV_KVP_EXCHANGE_MAX_KEY_SIZE) {
				fprintf(stderr, "hv-hostsim kvp: --is-version is too long\n");
				return HS_EXIT_USAGE;
			}
			k.is_version = optarg;
			break;
		case 'j':
			k.json = true;
			break;
		case 'e': {
			_cleanup_free_ char *where = NULL, *err = NULL;
			if (asprintf(&where, "-e %zu", ++n_e) < 0)
				return HS_EXIT_IO;
			r = kvp_script_add_line(&script, optarg, where, &err);
			if (r < 0) {
				fprintf(stderr, "hv-hostsim kvp: %s\n", err ? err : strerror(-r));
				return r == -EINVAL ? HS_EXIT_USAGE : HS_EXIT_IO;
			}
			break;
		}
		case 'f':
			files[n_files++] = optarg;
			break;
		case 'h':
			help();
			return HS_EXIT_OK;
		case ':':
			fprintf(stderr, "hv-hostsim kvp: option %s needs an argument\n",
				argv[optind - 1]);
			return HS_EXIT_USAGE;
		default:
			fprintf(stderr, "hv-hostsim kvp: unknown option %s (try --help)\n",
				argv[optind - 1]);
			return HS_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hv-hostsim kvp: unexpected argument \"%s\" (steps go after -e)\n",
			argv[optind]);
		return HS_EXIT_USAGE;
	}
	if (!k.socket_path) {
		fprintf(stderr, "hv-hostsim kvp: --socket PATH is required (try --help)\n");
		return HS_EXIT_USAGE;
	}
	for (size_t i = 0; i < n_files; i++) {
		_cleanup_free_ char *err = NULL;
		r = kvp_script_add_file(&script, files[i], &err);
		if (r < 0) {
			fprintf(stderr, "hv-hostsim kvp: %s\n", err ? err : strerror(-r));
			/* A script that cannot be read is a bad command line too. */
			return r == -ENOMEM ? HS_EXIT_IO : HS_EXIT_USAGE;
		}
	}

	r = hs_listen(k.socket_path);
	if (r < 0) {
		fprintf(stderr, "hv-hostsim kvp: cannot listen on %s: %s\n", k.socket_path,
			r == -EEXIST ? "exists and is not a socket" : strerror(-r));
		return HS_EXIT_IO;
	}
	k.listen_fd = r;

	ret = do_register(&k, "register");
	for (size_t i = 0; ret == HS_EXIT_OK && i < script.n; i++) {
		ret = run_step(&k, &script.steps[i]);
		fflush(stdout);
	}
	if (ret == HS_EXIT_OK && k.failed > 0) {
		fprintf(stderr, "hv-hostsim kvp: %u expectation%s failed\n", k.failed,
			k.failed == 1 ? "" : "s");
		ret = HS_EXIT_FAIL;
	}

	fflush(stdout);
	safe_close(k.fd);
	safe_close(k.listen_fd);
	/* Gone for good: a daemon retrying meanwhile sees ENOENT, not a dead socket. */
	unlink(k.socket_path);
	free(k.value);
	free(k.ip);
	return ret;
}
