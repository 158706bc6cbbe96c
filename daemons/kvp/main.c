/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hypervkvpd: Hyper-V Data Exchange (KVP). Set-up, then an sd-event loop:
 * open the channel, register, answer one host request per message. If the
 * channel fails in any way, close it and open it again with backoff; the
 * daemon never exits because the host side went away.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "channel.h"
#include "kvpd.h"
#include "log.h"

#define BACKOFF_MIN_USEC (100 * 1000ULL)
#define BACKOFF_MAX_USEC (5 * 1000 * 1000ULL)

static void kvpd_schedule_reopen(struct kvpd *ctx);

static void kvpd_close_channel(struct kvpd *ctx)
{
	ctx->io_source = sd_event_source_disable_unref(ctx->io_source);
	ctx->fd = safe_close(ctx->fd);
	ctx->state = KVPD_DISCONNECTED;
}

static void kvpd_channel_lost(struct kvpd *ctx, int r, const char *what)
{
	log_struct_id(LOG_WARNING, HV_MSGID_CHANNEL_LOST,
		      "Channel %s: %s: %s; reopening in %llu ms", ctx->config.kvp_device, what,
		      r ? strerror(-r) : "peer closed the connection",
		      (unsigned long long)(ctx->backoff_usec / 1000));
	sd_notifyf(false, "STATUS=Channel lost (%s), reopening", what);
	kvpd_close_channel(ctx);
	kvpd_schedule_reopen(ctx);
}

static int kvpd_reply(struct kvpd *ctx)
{
	int r = hv_channel_send(ctx->fd, &ctx->tx, sizeof(ctx->tx));
	if (r < 0) {
		kvpd_channel_lost(ctx, r, "sending a reply failed");
		return r;
	}
	return 0;
}

static void kvpd_handle_registration(struct kvpd *ctx, size_t len)
{
	int r = kvp_decode_register_reply(ctx->rx, len, ctx->is_version, sizeof(ctx->is_version));
	if (r < 0) {
		/* Not the kernel's answer: a confused peer. Start over. */
		kvpd_channel_lost(ctx, -EPROTO, "unexpected message instead of the registration answer");
		return;
	}
	ctx->state = KVPD_READY;
	ctx->backoff_usec = BACKOFF_MIN_USEC;
	ctx->open_failures = 0;
	log_struct_id(LOG_INFO, HV_MSGID_REGISTERED,
		      "Registered with the host through %s (kernel protocol version %s)",
		      ctx->config.kvp_device, ctx->is_version);
	sd_notifyf(false, "READY=1\nSTATUS=Registered (protocol %s), serving host requests",
		   ctx->is_version);
}

static void kvpd_handle_request(struct kvpd *ctx, size_t len)
{
	const char *reason = NULL;
	int r = kvp_decode_request(ctx->rx, len, &ctx->req, &reason);
	if (r < 0) {
		ctx->rejected++;
		log_struct_id(LOG_WARNING, HV_MSGID_BAD_MESSAGE,
			      "Rejected malformed host message (%zu bytes, op %u, pool %u): %s",
			      len, ctx->req.op, ctx->req.pool, reason);
		kvp_encode_status(&ctx->tx, kvp_status_from_errno(r));
		(void)kvpd_reply(ctx);
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
	(void)kvpd_reply(ctx);
}

static int kvpd_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct kvpd *ctx = userdata;
	(void)s;
	(void)fd;

	if (!(revents & EPOLLIN)) {
		kvpd_channel_lost(ctx, -ECONNRESET, "the host side closed the channel");
		return 0;
	}
	ssize_t n = hv_channel_recv(ctx->fd, ctx->rx, sizeof(ctx->rx));
	if (n == -EAGAIN)
		return 0;
	if (n <= 0) {
		kvpd_channel_lost(ctx, (int)n, n == 0 ? "the host side closed the channel" : "read failed");
		return 0;
	}
	if (ctx->state == KVPD_REGISTERING)
		kvpd_handle_registration(ctx, (size_t)n);
	else
		kvpd_handle_request(ctx, (size_t)n);
	return 0;
}

static int kvpd_open_channel(struct kvpd *ctx)
{
	int fd = hv_channel_open(ctx->config.kvp_device);
	if (fd < 0)
		return fd;
	ctx->fd = fd;

	kvp_encode_register(&ctx->tx);
	int r = hv_channel_send(ctx->fd, &ctx->tx, sizeof(ctx->tx));
	if (r < 0) {
		ctx->fd = safe_close(ctx->fd);
		return r;
	}
	r = sd_event_add_io(ctx->event, &ctx->io_source, ctx->fd, EPOLLIN, kvpd_on_io, ctx);
	if (r < 0) {
		ctx->fd = safe_close(ctx->fd);
		return r;
	}
	ctx->state = KVPD_REGISTERING;
	return 0;
}

static int kvpd_on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct kvpd *ctx = userdata;
	(void)s;
	(void)usec;

	int r = kvpd_open_channel(ctx);
	if (r >= 0) {
		log_debug("Channel %s opened, registering", ctx->config.kvp_device);
		return 0;
	}
	/* Say it once, then quietly keep trying: the device can appear late in boot. */
	if (ctx->open_failures++ == 0) {
		log_notice("Cannot open %s: %s; retrying with backoff up to %llu s",
			   ctx->config.kvp_device, strerror(-r), BACKOFF_MAX_USEC / 1000000ULL);
		sd_notifyf(false, "STATUS=Waiting for %s: %s", ctx->config.kvp_device, strerror(-r));
	} else
		log_debug("Cannot open %s: %s", ctx->config.kvp_device, strerror(-r));
	kvpd_schedule_reopen(ctx);
	return 0;
}

static void kvpd_schedule_reopen(struct kvpd *ctx)
{
	uint64_t delay = ctx->backoff_usec;

	ctx->backoff_usec = MIN(ctx->backoff_usec * 2, BACKOFF_MAX_USEC);
	ctx->retry_source = sd_event_source_disable_unref(ctx->retry_source);
	int r = sd_event_add_time_relative(ctx->event, &ctx->retry_source, CLOCK_MONOTONIC, delay,
					   0, kvpd_on_retry, ctx);
	if (r < 0) {
		log_error_errno(r, "Cannot arm the reopen timer: %m; exiting");
		sd_event_exit(ctx->event, 1);
	}
}

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
	int r = sd_event_add_io(ctx->event, &ctx->store_source, fd, EPOLLIN, kvpd_on_store_event, ctx);
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
		log_warning_errno(r, "Cannot watch %s for changes: %m; checking on each request instead",
				  c->kvp_pool_dir);
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
	if (device_changed) {
		kvpd_close_channel(ctx);
		ctx->backoff_usec = BACKOFF_MIN_USEC;
		kvpd_schedule_reopen(ctx);
	}
	sd_notify(false, "READY=1");
	return 0;
}

static int kvpd_run(struct kvpd *ctx)
{
	int r;

	r = sd_event_default(&ctx->event);
	if (r < 0)
		return log_error_errno(r, "Cannot create the event loop: %m");
	r = kvpd_open_state(ctx, &ctx->config);
	if (r < 0)
		return r;
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
		return log_error_errno(-errno, "Cannot block signals: %m");
	if ((r = sd_event_add_signal(ctx->event, NULL, SIGTERM, NULL, NULL)) < 0 ||
	    (r = sd_event_add_signal(ctx->event, NULL, SIGINT, NULL, NULL)) < 0 ||
	    (r = sd_event_add_signal(ctx->event, NULL, SIGHUP, kvpd_on_sighup, ctx)) < 0)
		return log_error_errno(r, "Cannot watch signals: %m");
	r = sd_event_set_watchdog(ctx->event, true);
	if (r < 0)
		log_warning_errno(r, "Cannot enable the watchdog: %m, continuing without it");

	ctx->backoff_usec = BACKOFF_MIN_USEC;
	r = kvpd_open_channel(ctx);
	if (r < 0) {
		ctx->open_failures = 0;
		(void)kvpd_on_retry(NULL, 0, ctx);
	}
	r = sd_event_loop(ctx->event);
	sd_notify(false, "STOPPING=1");
	log_info("Stopping after %llu requests (%llu malformed)", (unsigned long long)ctx->served,
		 (unsigned long long)ctx->rejected);
	return r < 0 ? log_error_errno(r, "Event loop failed: %m") : r;
}

int main(int argc, char **argv)
{
	static struct kvpd ctx = { .fd = -1 };
	int r;

	switch (daemon_cli_parse(argc, argv, "hypervkvpd",
				 "Hyper-V Data Exchange (KVP) daemon: answers the host's key/value requests.",
				 NULL, 0, &ctx.cli)) {
	case CLI_RUN:
		break;
	case CLI_EXIT_OK:
		return 0;
	default:
		return 2;
	}
	log_setup("hypervkvpd", ctx.cli.debug);
	if (daemon_config_load(&ctx.cli, &ctx.config) < 0)
		return 2;
	log_set_debug(ctx.config.debug);
	if (ctx.cli.dump_config) {
		config_dump(&ctx.config, stdout);
		return 0;
	}
	if (ctx.cli.check_config) {
		printf("configuration OK\n");
		return 0;
	}

	r = kvpd_run(&ctx);

	kvpd_close_channel(&ctx);
	ctx.retry_source = sd_event_source_disable_unref(ctx.retry_source);
	ctx.store_source = sd_event_source_disable_unref(ctx.store_source);
	sd_event_unref(ctx.event);
	kvp_store_free(ctx.store);
	osinfo_free(ctx.osinfo);
	config_done(&ctx.config);
	daemon_cli_done(&ctx.cli);
	return r < 0 ? 1 : 0;
}
