/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GET_IP_INFO: one interface's IP configuration, found by MAC address,
 * read through libnl-3 (links, addresses, routes) and files or D-Bus for
 * DNS and DHCP; never a shell (hv-protocol.md section 2.7).
 */
#ifndef HVGUEST_NETINFO_H
#define HVGUEST_NETINFO_H

#include <stdint.h>

#include "kvp_codec.h"

struct netinfo_options {
	const char *resolv_conf; /* default /etc/resolv.conf */
	const char *config_root; /* prefixes network-manager config paths read; default "/" */
	const char *run_dir; /* the /run directory (systemd-resolved, NM state); default "/run" */
};

/* What the reply carries (daemon side: NUL-terminated UTF-8, ';'-separated lists). */
struct kvp_ip_info {
	uint8_t addr_family;  /* ADDR_FAMILY_IPV4 | ADDR_FAMILY_IPV6 bits seen */
	uint8_t dhcp_enabled; /* 0 or 1 */
	char ip_addr[KVP_IP_ADDR_MAX];
	char sub_net[KVP_IP_ADDR_MAX];
	char gate_way[KVP_IP_GATEWAY_MAX];
	char dns_addr[KVP_IP_ADDR_MAX];
};

/*
 * mac: "00:15:5D:AA:BB:CC" (any case). Returns 0, -ENODEV when no
 * interface has that MAC (the host then gets HV_E_FAIL), or another -errno.
 */
int netinfo_get_ip_info(const struct netinfo_options *opts, const char *mac,
			struct kvp_ip_info *ret);

#endif
