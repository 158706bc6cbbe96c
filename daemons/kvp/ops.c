/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hypervkvpd request handlers: one per operation, reached through a const
 * table indexed by op. Each returns 0 with the reply filled in, or -errno,
 * which the caller maps to the host's status code.
 */
#include <errno.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "kvpd.h"
#include "log.h"
#include "netinfo.h"
#include "netconf.h"

/* Pool 2 (AUTO) is generated, not stored: the host may read it, not change it. */
static bool pool_is_generated(unsigned pool)
{
	return pool == KVP_POOL_AUTO;
}

static uint64_t lock_overrides(struct kvpd *ctx, unsigned pool)
{
	struct kvp_store_stats st;
	return kvp_store_get_stats(ctx->store, pool, &st) == 0 ? st.lock_overrides : 0;
}

/*
 * A write went ahead although its lock was held: every holder had the
 * pool file open read-only (docs/pool-store.md). Say so: someone is
 * holding a lock on a pool for no reason a writer would have.
 */
static void log_override(struct kvpd *ctx, unsigned pool, uint64_t before, const char *op)
{
	if (lock_overrides(ctx, pool) != before)
		log_warning("%s on pool %u: its lock was held only by processes that have the file "
			    "open read-only; written without it",
			    op, pool);
}

static int op_set(struct kvpd *ctx, const struct kvp_request *req, struct hv_kvp_msg *reply)
{
	if (pool_is_generated(req->pool))
		return -EPERM;
	uint64_t before = lock_overrides(ctx, req->pool);
	int r = kvp_store_set(ctx->store, req->pool, req->key, req->value);
	log_override(ctx, req->pool, before, "SET");
	if (r < 0)
		return r;
	kvp_encode_status(reply, HV_S_OK);
	return 0;
}

static int op_get(struct kvpd *ctx, const struct kvp_request *req, struct hv_kvp_msg *reply)
{
	char key[KVP_KEY_MAX], value[KVP_VALUE_MAX];
	int r;

	if (pool_is_generated(req->pool)) {
		/* Find the item by name first, so that only that one value is computed. */
		uint32_t index;
		r = osinfo_auto_index(req->key, &index);
		if (r < 0)
			return r;
		r = osinfo_auto_item(ctx->osinfo, index, ctx->is_version, key, value);
		if (r < 0)
			return r;
	} else {
		r = kvp_store_get(ctx->store, req->pool, req->key, value);
		if (r < 0)
			return r;
	}
	kvp_encode_get_reply(reply, value);
	return 0;
}

static int op_delete(struct kvpd *ctx, const struct kvp_request *req, struct hv_kvp_msg *reply)
{
	if (pool_is_generated(req->pool))
		return -EPERM;
	uint64_t before = lock_overrides(ctx, req->pool);
	int r = kvp_store_delete(ctx->store, req->pool, req->key);
	log_override(ctx, req->pool, before, "DELETE");
	if (r < 0)
		return r;
	kvp_encode_status(reply, HV_S_OK);
	return 0;
}

static int op_enumerate(struct kvpd *ctx, const struct kvp_request *req, struct hv_kvp_msg *reply)
{
	char key[KVP_KEY_MAX], value[KVP_VALUE_MAX];
	int r;

	if (pool_is_generated(req->pool))
		r = osinfo_auto_item(ctx->osinfo, req->index, ctx->is_version, key, value);
	else {
		r = kvp_store_enumerate(ctx->store, req->pool, req->index, key, value);
		if (r == -EBADMSG) {
			/*
			 * A record another program wrote that cannot be served
			 * (empty key, no NUL). Any error status would end the
			 * host's enumeration and hide every record after it, so
			 * answer an empty item instead.
			 */
			log_debug("Pool %u record %u is malformed, answering an empty item",
				  req->pool, req->index);
			key[0] = value[0] = '\0';
			r = 0;
		}
	}
	if (r < 0)
		return r;
	kvp_encode_enum_reply(reply, key, value);
	return 0;
}

/* GET_IP_INFO: the host asks for one NIC's configuration, by MAC address. */
static int op_get_ip_info(struct kvpd *ctx, const struct kvp_request *req, struct hv_kvp_msg *reply)
{
	const struct netinfo_options opts = {
		.resolv_conf = ctx->config.kvp_resolv_conf,
		.config_root = ctx->config.kvp_config_root,
		.run_dir = ctx->config.kvp_run_dir,
	};
	struct kvp_ip_info info; /* 7 KiB; the handler runs on the event loop's stack */
	int r;

	r = netinfo_get_ip_info(&opts, req->ip.adapter_id, &info);
	if (r == -ENODEV) {
		/*
		 * No interface has that MAC. The host expects HV_E_FAIL here
		 * (upstream); -ENODEV would map to HV_GUID_NOTFOUND, which is
		 * SET_IP_INFO's answer for an unknown device GUID.
		 */
		log_info("GET_IP_INFO: no interface has MAC address \"%s\"", req->ip.adapter_id);
		return -ENXIO;
	}
	if (r < 0)
		return r;
	log_debug("GET_IP_INFO %s: family=%u dhcp=%u ip=\"%s\" subnet=\"%s\" gw=\"%s\" dns=\"%s\"",
		  req->ip.adapter_id, info.addr_family, info.dhcp_enabled, info.ip_addr,
		  info.sub_net, info.gate_way, info.dns_addr);
	kvp_encode_ip_reply(reply, req->ip.adapter_id, &info);
	return 0;
}

/*
 * Applying an injected configuration may block the loop for up to 28 s,
 * close to WatchdogSec: the sd-event watchdog timer cannot fire meanwhile.
 */
static void set_ip_keepalive(void *userdata)
{
	(void)userdata;
	sd_notify(false, "WATCHDOG=1");
}

/* SET_IP_INFO: the host injects a static configuration, by VMBus device GUID. */
static int op_set_ip_info(struct kvpd *ctx, const struct kvp_request *req, struct hv_kvp_msg *reply)
{
	struct netconf_options opts = {
		.config_root = ctx->config.kvp_config_root,
		.run_dir = ctx->config.kvp_run_dir,
		.sysfs_net = ctx->config.kvp_sysfs_net,
		.scripts_dir = ctx->config.kvp_scripts_dir,
		.state_dir = ctx->config.kvp_pool_dir, /* where upstream puts ifcfg-<if> too */
		.apply_timeout_ms = ctx->config.kvp_apply_timeout_ms,
		.command_path = ctx->config.kvp_command_path,
		.keepalive = set_ip_keepalive,
	};
	const char *bad = NULL;
	char why[512] = "";
	int r;

	opts.why = why;
	opts.why_size = sizeof(why);
	/* The configuration was checked against the table when it was loaded. */
	r = netconf_backend_from_string(ctx->config.kvp_ifconfig_backend, &opts.backend);
	if (r < 0)
		return log_error_errno(-EIO,
				       "SET_IP_INFO: kvp.ifconfig_backend=\"%s\" is not a backend; "
				       "answering failure",
				       ctx->config.kvp_ifconfig_backend);
	r = netconf_set_ip_info(&opts, &req->ip, &bad);
	if (r == -EINVAL)
		return log_warning_errno(r,
					 "SET_IP_INFO for adapter \"%s\": invalid value \"%s\", "
					 "nothing changed",
					 req->ip.adapter_id, bad ? bad : "");
	if (r == -ENODEV)
		return log_warning_errno(r, "SET_IP_INFO: no interface has device GUID \"%s\"",
					 req->ip.adapter_id);
	if (r < 0)
		return log_error_errno(r,
				       "SET_IP_INFO for adapter \"%s\" failed (%s), "
				       "previous configuration restored: %m",
				       req->ip.adapter_id, why);
	log_info("SET_IP_INFO for adapter \"%s\": applied (addresses \"%s\", DHCP %s; %s)",
		 req->ip.adapter_id, req->ip.ip_addr, req->ip.dhcp_enabled ? "on" : "off", why);
	kvp_encode_status(reply, HV_S_OK);
	return 0;
}

typedef int (*kvp_op_fn)(struct kvpd *ctx, const struct kvp_request *req, struct hv_kvp_msg *reply);

static const kvp_op_fn kvp_ops[KVP_OP_COUNT] = {
	[KVP_OP_GET] = op_get,
	[KVP_OP_SET] = op_set,
	[KVP_OP_DELETE] = op_delete,
	[KVP_OP_ENUMERATE] = op_enumerate,
	[KVP_OP_GET_IP_INFO] = op_get_ip_info,
	[KVP_OP_SET_IP_INFO] = op_set_ip_info,
};

int kvpd_dispatch(struct kvpd *ctx, const struct kvp_request *req, struct hv_kvp_msg *reply)
{
	/* The codec has checked op < KVP_OP_COUNT and pool < KVP_POOL_COUNT. */
	return kvp_ops[req->op](ctx, req, reply);
}
