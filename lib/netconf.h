/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SET_IP_INFO (static IP injection): validate, write the configuration of
 * the network manager that manages the interface (NetworkManager keyfile,
 * systemd-networkd, netplan, ifcfg), atomically, apply it live, and roll
 * back if the interface does not come up (hv-protocol.md section 2.8).
 */
#ifndef HVGUEST_NETCONF_H
#define HVGUEST_NETCONF_H

#include "kvp_codec.h"

#include <stddef.h>
#include <stdio.h>

/* A backend: one descriptor each, netconf_backend.h. */
struct netconf_backend;

/* Every backend, NULL-terminated, in the order auto tries them. */
extern const struct netconf_backend *const netconf_backends[];

struct netconf_options {
	/* NULL: auto (detect the manager of the interface). */
	const struct netconf_backend *backend;
	/* Prefixes every configuration path written; default "/". */
	const char *config_root;
	/* The /run directory, read for detection; default "/run". */
	const char *run_dir;
	/* Default /sys/class/net. */
	const char *sysfs_net;
	/* hv_set_ifconfig for the script backend; default /usr/libexec/hypervkvpd. */
	const char *scripts_dir;
	/* Where the upstream-format ifcfg and keyfile go for the script backend. */
	const char *state_dir;
	/* Bound on "applied and the interface came up"; then roll back. */
	unsigned apply_timeout_ms;
	/* NULL-terminated directories searched for nmcli, networkctl, netplan; NULL = the usual. */
	char *const *command_path;
	/* Called at least once a second while applying (e.g. WATCHDOG=1); may be NULL. */
	void (*keepalive)(void *userdata);
	void *userdata;
	/* If set: a sentence for the log (backend chosen and why, or why it refused). */
	char *why;
	size_t why_size;
};

/* "auto" (→ NULL), or a backend's name. Returns 0 or -EINVAL. */
int netconf_backend_from_string(const char *s, const struct netconf_backend **ret);
/* NULL → "auto". */
const char *netconf_backend_to_string(const struct netconf_backend *b);
/* How auto recognises the backend's manager (NULL: auto never picks it). */
const char *netconf_backend_detect_doc(const struct netconf_backend *b);
/* The i-th value kvp.ifconfig_backend accepts ("auto" first), NULL past the end. */
const char *netconf_backend_value(size_t i);

/*
 * Returns 0, -EINVAL for a bad token (ret_bad_token, if set, points to a
 * copy of it in thread-local storage, valid until the next call), -ENODEV when
 * no interface has that device GUID (HV_GUID_NOTFOUND), or another -errno
 * (HV_E_FAIL; the old configuration is back in place).
 */
int netconf_set_ip_info(const struct netconf_options *opts, const struct kvp_ip_request *req,
			const char **ret_bad_token);

/*
 * What SET_IP_INFO would do, changing nothing: the interface (name or
 * device GUID), the backend chosen and why, and each file it would write
 * with its content, printed to out. Returns 0, -EINVAL (bad token, as
 * above), -ENODEV, or the error the request would get.
 */
int netconf_dry_run(const struct netconf_options *opts, const char *ifname_or_guid,
		    const struct kvp_ip_request *req, FILE *out, const char **ret_bad_token);

#endif
