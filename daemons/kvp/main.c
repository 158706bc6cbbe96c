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
	sd_notifyf(false, "READY=1\nSTATUS=Registered (protocol %s), serving host requests",
		   ctx->is_version);
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

/* Checks the key table cannot express: values that must name one of a set. */
static int kvpd_check_config(const struct hv_config *c)
{
	enum netconf_backend b;

	if (netconf_backend_from_string(c->kvp_ifconfig_backend, &b) < 0) {
		log_error("[kvp] ifconfig_backend: \"%s\" is not one of auto, networkmanager, "
			  "networkd, "
			  "netplan, ifcfg, netlink, script",
			  c->kvp_ifconfig_backend);
		return -EINVAL;
	}
	return 0;
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
	static const struct daemon_info info = {
		.prog = "hypervkvpd",
		.summary = "Hyper-V Data Exchange (KVP) daemon: answers the host's key/value "
			   "requests.",
		.check = kvpd_check_config,
	};
	static struct kvpd ctx;
	int r;

	r = daemon_setup(argc, argv, &info, &ctx.cli, &ctx.config);
	if (r != DAEMON_RUN)
		return r;

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
