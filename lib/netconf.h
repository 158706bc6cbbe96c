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

enum netconf_backend {
	NETCONF_AUTO,
	NETCONF_NETWORKMANAGER,
	NETCONF_NETWORKD,
	NETCONF_NETPLAN,
	NETCONF_IFCFG,
	NETCONF_NETLINK,
	NETCONF_SCRIPT,
};

struct netconf_options {
	enum netconf_backend backend;
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
};

/* "auto", "networkmanager", …, "script" → the enum. Returns 0 or -EINVAL. */
int netconf_backend_from_string(const char *s, enum netconf_backend *ret);
const char *netconf_backend_to_string(enum netconf_backend b);

/*
 * Returns 0, -EINVAL for a bad token (ret_bad_token, if set, points to a
 * copy of it in thread-local storage, valid until the next call), -ENODEV when
 * no interface has that device GUID (HV_GUID_NOTFOUND), or another -errno
 * (HV_E_FAIL; the old configuration is back in place).
 */
int netconf_set_ip_info(const struct netconf_options *opts, const struct kvp_ip_request *req,
			const char **ret_bad_token);

#endif
