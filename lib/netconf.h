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
	const char *config_root; /* prefixes every configuration path written; default "/" */
	const char *run_dir;     /* the /run directory, read for detection; default "/run" */
	const char *sysfs_net;   /* default /sys/class/net */
	const char *scripts_dir; /* hv_set_ifconfig for the script backend; default /usr/libexec/hypervkvpd */
	const char *state_dir;   /* where upstream-format ifcfg/keyfile go for the script backend */
	unsigned apply_timeout_ms; /* bound on "interface came up"; then roll back */
};

/*
 * Returns 0, -EINVAL for a bad token (ret_bad_token, if set, points to a
 * static copy of it), -ENODEV when no interface has that device GUID
 * (HV_GUID_NOTFOUND), or another -errno (HV_E_FAIL; the old configuration
 * is back in place).
 */
int netconf_set_ip_info(const struct netconf_options *opts, const struct kvp_ip_request *req,
			const char **ret_bad_token);

#endif
