/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hypervkvpd: Hyper-V Data Exchange (KVP). Set-up, then an sd-event loop
 * in which the channel (lib/hv_link.c) registers with the kernel and hands
 * over one host request per message; each is decoded, dispatched, answered.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "kvpd.h"
#include "netconf.h"
#include "log.h"
#include "macro.h"
#include "strescape.h"

static size_t kvpd_registration(void *userdata, void *buf, size_t size)
{
	(void)userdata;
	(void)size;
	kvp_encode_register(buf);
	return KVP_MSG_SIZE;
}

static int kvpd_registered(void *userdata, const void *buf, size_t len)
{
	struct kvpd *ctx = userdata;

	int r = kvp_decode_register_reply(buf, len, ctx->is_version, sizeof(ctx->is_version));
	if (r < 0)
		return r;
	log_struct_id(LOG_INFO, HV_MSGID_REGISTERED,
		      "Registered with the host through %s (kernel protocol version %s)",
		      hv_link_path(ctx->link), ctx->is_version);
	char esc[STR_ESCAPE_SIZE(sizeof(ctx->is_version))];
	sd_notifyf(false, "READY=1\nSTATUS=Registered (protocol %s), serving host requests",
		   str_escape_buf(esc, sizeof(esc), ctx->is_version));
	return 0;
}

static void kvpd_message(void *userdata, const void *buf, size_t len)
{
	struct kvpd *ctx = userdata;
	const char *reason = NULL;

	int r = kvp_decode_request(buf, len, &ctx->req, &reason);
	if (r < 0) {
		ctx->rejected++;
		log_struct_id(LOG_WARNING, HV_MSGID_BAD_MESSAGE,
			      "Rejected malformed host message (%zu bytes, op %u, pool %u): %s",
			      len, ctx->req.op, ctx->req.pool, reason);
		kvp_encode_status(&ctx->tx, kvp_status_from_errno(r));
		(void)hv_link_send(ctx->link, &ctx->tx, sizeof(ctx->tx));
		return;
	}

	r = kvpd_dispatch(ctx, &ctx->req, &ctx->tx);
	if (r < 0) {
		uint32_t status = kvp_status_from_errno(r);
		if (r != -ENOENT)
			log_warning("%s on pool %u key \"%s\" failed: %s; answering %s",
				    kvp_op_name(ctx->req.op), ctx->req.pool, ctx->req.key,
				    strerror(-r), kvp_status_name(status));
		kvp_encode_status(&ctx->tx, status);
	}
	log_debug("%s pool=%u key=\"%s\" index=%u -> %s", kvp_op_name(ctx->req.op), ctx->req.pool,
		  ctx->req.key, ctx->req.index, r < 0 ? strerror(-r) : "ok");
	ctx->served++;
	(void)hv_link_send(ctx->link, &ctx->tx, sizeof(ctx->tx));
}

static const struct hv_link_ops kvpd_link_ops = {
	.host_service = "Data Exchange",
	.registration = kvpd_registration,
	.registered = kvpd_registered,
	.message = kvpd_message,
};

static int kvpd_on_store_event(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct kvpd *ctx = userdata;
	(void)s;
	(void)fd;
	(void)revents;

	kvp_store_process_events(ctx->store);
	return 0;
}

/*
 * Pool changes by other programs arrive as inotify events. Handled before
 * any host request (higher priority), they let GET and ENUMERATE answer
 * from memory without a system call while nothing changed.
 */
static int kvpd_watch_store(struct kvpd *ctx)
{
	ctx->store_source = sd_event_source_disable_unref(ctx->store_source);
	int fd = kvp_store_event_fd(ctx->store);
	if (fd < 0)
		return 0; /* no inotify: the store checks with stat() on each request */
	int r = sd_event_add_io(ctx->event, &ctx->store_source, fd, EPOLLIN, kvpd_on_store_event,
				ctx);
	if (r < 0)
		return r;
	r = sd_event_source_set_priority(ctx->store_source, SD_EVENT_PRIORITY_IMPORTANT);
	if (r < 0)
		return r;
	kvp_store_set_trust_events(ctx->store, true);
	return 0;
}

/*
 * A pool that cannot be opened, or holds more records than are served, does
 * not stop the others: say so once here; its requests answer errors (each
 * logged) until it is repaired, which is noticed at the next request.
 */
static void kvpd_report_pools(struct kvp_store *store, const char *dir)
{
	for (unsigned i = 0; i < KVP_POOL_COUNT; i++) {
		struct kvp_store_stats st;
		if (kvp_store_get_stats(store, i, &st) < 0)
			continue;
		if (st.open_error < 0)
			log_warning("Cannot open %s/" KVP_POOL_FILE_FMT ": %s; serving the other "
				    "pools, answering errors for pool %u and retrying it at each "
				    "request",
				    dir, i, strerror(-st.open_error), i);
		if (st.over_limit)
			log_warning("%s/" KVP_POOL_FILE_FMT " holds more than %u records: serving "
				    "the first %u, refusing writes to pool %u",
				    dir, i, KVP_POOL_MAX_RECORDS, KVP_POOL_MAX_RECORDS, i);
	}
}

static int kvpd_open_state(struct kvpd *ctx, const struct hv_config *c)
{
	struct kvp_store_options so = { .file_mode = c->kvp_pool_mode, .sync = c->kvp_sync };
	struct osinfo_options oo = {
		.os_release = c->kvp_os_release,
		.exclude_ifaces = (const char *const *)c->kvp_exclude_interfaces,
		.fqdn_timeout_ms = c->kvp_fqdn_timeout_ms,
	};
	struct kvp_store *store = NULL;
	struct osinfo *osinfo = NULL;
	int r;

	r = kvp_store_open(c->kvp_pool_dir, &so, &store);
	if (r < 0)
		return log_error_errno(r, "Cannot open the pools in %s: %m", c->kvp_pool_dir);
	r = osinfo_new(&oo, &osinfo);
	if (r < 0) {
		kvp_store_free(store);
		return log_error_errno(r, "Cannot set up the guest facts: %m");
	}
	kvpd_report_pools(store, c->kvp_pool_dir);
	kvp_store_free(ctx->store);
	osinfo_free(ctx->osinfo);
	ctx->store = store;
	ctx->osinfo = osinfo;
	r = kvpd_watch_store(ctx);
	if (r < 0)
		log_warning_errno(
			r, "Cannot watch %s for changes: %m; checking on each request instead",
			c->kvp_pool_dir);
	return 0;
}

/*
 * Checks beyond the key table: kvp.ifconfig_backend is a CONFIG_ENUM whose
 * names come from the backend table, so the parser has checked it already;
 * this is where a value that still names no backend would be refused.
 */
static int kvpd_check_config(const struct hv_config *c)
{
	const struct netconf_backend *b;

	if (netconf_backend_from_string(c->kvp_ifconfig_backend, &b) < 0) {
		log_error("[kvp] ifconfig_backend: \"%s\" is not a backend",
			  c->kvp_ifconfig_backend);
		return -EINVAL;
	}
	return 0;
}

/* ---- --dry-run-ip IFNAME|GUID [ip=A/P,...] [gw=G,...] [dns=D,...] [dhcp] ---- */

#define DRY_RUN_MAX_ARGS 8

/* "a,b" → "a;b" (the host's separator) into out. */
static int copy_list(const char *v, char *out, size_t size, bool split_prefix, char *prefixes,
		     size_t psize)
{
	size_t n = 0, pn = 0;

	for (const char *p = v; *p;) {
		size_t len = strcspn(p, ","), alen = len;
		const char *slash = split_prefix ? memchr(p, '/', len) : NULL;
		if (slash)
			alen = (size_t)(slash - p);
		else if (split_prefix)
			return -EINVAL; /* an address needs its prefix length */
		if (n + alen + 2 > size)
			return -E2BIG;
		n += (size_t)snprintf(out + n, size - n, "%s%.*s", n ? ";" : "", (int)alen, p);
		if (slash) {
			size_t plen = len - alen - 1;
			if (pn + plen + 2 > psize)
				return -E2BIG;
			pn += (size_t)snprintf(prefixes + pn, psize - pn, "%s%.*s", pn ? ";" : "",
					       (int)plen, slash + 1);
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int dry_run_ip(const struct hv_config *c, char **args, size_t n_args)
{
	struct netconf_options opts = {
		.config_root = c->kvp_config_root,
		.run_dir = c->kvp_run_dir,
		.sysfs_net = c->kvp_sysfs_net,
		.scripts_dir = c->kvp_scripts_dir,
		.state_dir = c->kvp_pool_dir,
		.apply_timeout_ms = c->kvp_apply_timeout_ms,
		.command_path = c->kvp_command_path,
	};
	struct kvp_ip_request req = {};
	const char *bad = NULL;
	bool sample = n_args == 1;
	int r;

	if (netconf_backend_from_string(c->kvp_ifconfig_backend, &opts.backend) < 0)
		return 2;
	if (sample) {
		/* Documentation addresses: what a typical static injection looks like. */
		snprintf(req.ip_addr, sizeof(req.ip_addr), "192.0.2.10");
		snprintf(req.sub_net, sizeof(req.sub_net), "24");
		snprintf(req.gate_way, sizeof(req.gate_way), "192.0.2.1");
		snprintf(req.dns_addr, sizeof(req.dns_addr), "192.0.2.53");
	}
	for (size_t i = 1; i < n_args; i++) {
		const char *a = args[i];
		r = 0;
		if (strcmp(a, "dhcp") == 0)
			req.dhcp_enabled = 1;
		else if (strncmp(a, "ip=", 3) == 0)
			r = copy_list(a + 3, req.ip_addr, sizeof(req.ip_addr), true, req.sub_net,
				      sizeof(req.sub_net));
		else if (strncmp(a, "gw=", 3) == 0)
			r = copy_list(a + 3, req.gate_way, sizeof(req.gate_way), false, NULL, 0);
		else if (strncmp(a, "dns=", 4) == 0)
			r = copy_list(a + 4, req.dns_addr, sizeof(req.dns_addr), false, NULL, 0);
		else
			r = -EINVAL;
		if (r < 0) {
			fprintf(stderr,
				"hypervkvpd: --dry-run-ip: bad setting \"%s\" (ip=ADDR/PREFIX,..., "
				"gw=ADDR,..., dns=ADDR,..., dhcp)\n",
				a);
			return 2;
		}
	}
	if (sample)
		printf("settings: sample (ip=192.0.2.10/24 gw=192.0.2.1 dns=192.0.2.53)\n");
	r = netconf_dry_run(&opts, args[0], &req, stdout, &bad);
	if (r == -EINVAL && bad) {
		fprintf(stderr, "hypervkvpd: --dry-run-ip: invalid value \"%s\"\n", bad);
		return 2;
	}
	if (r == -ENODEV) {
		fprintf(stderr,
			"hypervkvpd: --dry-run-ip: no interface \"%s\" (name or device GUID)\n",
			args[0]);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "hypervkvpd: --dry-run-ip: SET_IP_INFO would fail: %s\n",
			strerror(-r));
		return 1;
	}
	return 0;
}

/*
 * --dry-run-ip takes operands, which the shared command line does not:
 * they are taken out of argv here (everything after it not starting with
 * '-'), and the flag itself goes on to daemon_setup() like any other.
 */
static int take_dry_run_args(int *argc, char **argv, char **ret, size_t *ret_n)
{
	int i, out = 0;
	bool in = false;

	*ret_n = 0;
	for (i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--dry-run-ip") == 0) {
			in = true;
		} else if (in && argv[i][0] != '-' && *ret_n < DRY_RUN_MAX_ARGS) {
			ret[(*ret_n)++] = argv[i];
			continue;
		} else if (in && argv[i][0] != '-') {
			return -E2BIG;
		} else {
			in = false;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}

/* Append word to the help text, wrapping under the option column of --help. */
static size_t help_word(char *buf, size_t size, size_t n, size_t *col, const char *word)
{
	size_t len = strlen(word);

	if (n >= size)
		return n;
	if (*col > 0 && *col + 1 + len > 53) {
		n += (size_t)snprintf(buf + n, size - n, "\n%25s", "");
		*col = 0;
	} else if (*col > 0) {
		n += (size_t)snprintf(buf + n, size - n, " ");
		(*col)++;
	}
	if (n < size)
		n += (size_t)snprintf(buf + n, size - n, "%s", word);
	*col += len;
	return n;
}

/*
 * The flag's --help text: the backends named from the table, in the order
 * auto tries them.
 */
static const char *dry_run_help(void)
{
	static const char intro[] =
		"IFNAME|GUID [ip=ADDR/PREFIX,...] [gw=ADDR,...] [dns=ADDR,...] [dhcp]: "
		"print the backend SET_IP_INFO would use for the interface, why, and the "
		"file it would write, changing nothing. Backends, in the order auto tries "
		"them:";
	static char buf[1024];
	char word[64], copy[sizeof(intro)];
	size_t n = 0, col = 0;
	char *save = NULL;

	memcpy(copy, intro, sizeof(intro));
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		n = help_word(buf, sizeof(buf), n, &col, w);
	for (size_t i = 0; netconf_backends[i]; i++) {
		const struct netconf_backend *b = netconf_backends[i];
		bool last = !netconf_backends[i + 1];
		snprintf(word, sizeof(word), "%s%s", netconf_backend_to_string(b), last ? "" : ",");
		n = help_word(buf, sizeof(buf), n, &col, word);
		if (!netconf_backend_detect_doc(b))
			n = help_word(buf, sizeof(buf), n, &col,
				      last ? "(never auto)." : "(never auto),");
		else if (last)
			n = help_word(buf, sizeof(buf), n, &col, ".");
	}
	return buf;
}

static int kvpd_on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct kvpd *ctx = userdata;
	struct hv_config c;
	(void)s;
	(void)si;

	sd_notify(false, "RELOADING=1");
	if (daemon_config_load(&ctx->cli, &c) < 0) {
		log_error("Reloading the configuration failed; keeping the old one");
		sd_notify(false, "READY=1");
		return 0;
	}
	if (kvpd_check_config(&c) < 0) {
		config_done(&c);
		log_error("Keeping the old configuration");
		sd_notify(false, "READY=1");
		return 0;
	}
	bool device_changed = strcmp(c.kvp_device, ctx->config.kvp_device) != 0;
	if (kvpd_open_state(ctx, &c) < 0) {
		config_done(&c);
		log_error("Keeping the old configuration");
		sd_notify(false, "READY=1");
		return 0;
	}
	config_done(&ctx->config);
	ctx->config = c;
	log_set_debug(ctx->config.debug);
	log_info("Configuration reloaded");
	if (device_changed)
		(void)hv_link_restart(ctx->link, ctx->config.kvp_device);
	sd_notify(false, "READY=1");
	return 0;
}

static int kvpd_run(struct kvpd *ctx)
{
	int r;

	r = daemon_event_new(&ctx->event, NULL, kvpd_on_sighup, ctx);
	if (r < 0)
		return r;
	r = kvpd_open_state(ctx, &ctx->config);
	if (r < 0)
		return r;

	r = hv_link_new(ctx->event, "KVP", ctx->config.kvp_device, KVP_MSG_SIZE, &kvpd_link_ops,
			ctx, &ctx->link);
	if (r < 0)
		return log_error_errno(r, "Cannot set up the channel: %m");
	hv_link_start(ctx->link);
	r = sd_event_loop(ctx->event);
	sd_notify(false, "STOPPING=1");
	log_info("Stopping after %llu requests (%llu malformed)", (unsigned long long)ctx->served,
		 (unsigned long long)ctx->rejected);
	return r < 0 ? log_error_errno(r, "Event loop failed: %m") : r;
}

int main(int argc, char **argv)
{
	static struct kvpd ctx;
	char *dry_args[DRY_RUN_MAX_ARGS];
	size_t n_dry = 0;
	bool dry_run = false;
	const struct cli_flag flags[] = {
		{ "dry-run-ip", dry_run_help(), &dry_run },
	};
	const struct daemon_info info = {
		.prog = "hypervkvpd",
		.summary = "Hyper-V Data Exchange (KVP) daemon: answers the host's key/value "
			   "requests.",
		.flags = flags,
		.n_flags = ELEMENTSOF(flags),
		.check = kvpd_check_config,
	};
	int r;

	if (take_dry_run_args(&argc, argv, dry_args, &n_dry) < 0) {
		fprintf(stderr, "hypervkvpd: --dry-run-ip: too many operands\n");
		return 2;
	}
	r = daemon_setup(argc, argv, &info, &ctx.cli, &ctx.config);
	if (r != DAEMON_RUN)
		return r;
	if (dry_run || n_dry) {
		if (n_dry == 0) {
			fprintf(stderr, "hypervkvpd: --dry-run-ip needs an interface name or "
					"device GUID\n");
			r = 2;
		} else {
			r = dry_run_ip(&ctx.config, dry_args, n_dry);
		}
		config_done(&ctx.config);
		daemon_cli_done(&ctx.cli);
		return r;
	}

	r = kvpd_run(&ctx);

	ctx.link = hv_link_free(ctx.link);
	ctx.store_source = sd_event_source_disable_unref(ctx.store_source);
	sd_event_unref(ctx.event);
	kvp_store_free(ctx.store);
	osinfo_free(ctx.osinfo);
	config_done(&ctx.config);
	daemon_cli_done(&ctx.cli);
	return r < 0 ? 1 : 0;
}
