/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hypervkvpd request handlers: one per operation, reached through a const
 * table indexed by op. Each returns 0 with the reply filled in, or -errno,
 * which the caller maps to the host's status code.
 */
#include <errno.h>
#include <string.h>

#include "kvpd.h"
#include "log.h"

/* Pool 2 (AUTO) is generated, not stored: the host may read it, not change it. */
static bool pool_is_generated(unsigned pool)
{
	return pool == KVP_POOL_AUTO;
}

static int op_set(struct kvpd *ctx, const struct kvp_request *req, struct hv_kvp_msg *reply)
{
	if (pool_is_generated(req->pool))
		return -EPERM;
	int r = kvp_store_set(ctx->store, req->pool, req->key, req->value);
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
	int r = kvp_store_delete(ctx->store, req->pool, req->key);
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
	(void)ctx;
	(void)reply;
	log_warning("GET_IP_INFO for adapter \"%s\" is not supported by this version, answering failure",
		    req->ip.adapter_id);
	return -EOPNOTSUPP;
}

/* SET_IP_INFO: the host injects a static configuration, by VMBus device GUID. */
static int op_set_ip_info(struct kvpd *ctx, const struct kvp_request *req, struct hv_kvp_msg *reply)
{
	(void)ctx;
	(void)reply;
	log_warning("SET_IP_INFO for adapter \"%s\" is not supported by this version, answering failure",
		    req->ip.adapter_id);
	return -EOPNOTSUPP;
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
