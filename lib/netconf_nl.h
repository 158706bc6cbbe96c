/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SET_IP_INFO applied live over rtnetlink (libnl-3): the netlink backend,
 * and the check that an interface came up with the configuration, which
 * every backend uses. The snapshot lets a failed apply be undone.
 */
#ifndef HVGUEST_NETCONF_NL_H
#define HVGUEST_NETCONF_NL_H

#include <stdbool.h>
#include <stdint.h>

#include "netconf_render.h"

#define NETCONF_NL_MAX 64

struct netconf_nl_route {
	struct netconf_ip gateway; /* family AF_INET or AF_INET6 */
	uint32_t priority;
};

/* What an interface had before: enough to put it back. */
struct netconf_nl_snapshot {
	int ifindex;
	bool was_up;
	size_t n_addrs, n_routes;
	struct netconf_ip addrs[NETCONF_NL_MAX];	/* global scope only */
	struct netconf_nl_route routes[NETCONF_NL_MAX]; /* default routes via the interface */
};

/* Returns 0, -ENODEV (no such interface) or -errno. */
int netconf_nl_snapshot(const char *ifname, struct netconf_nl_snapshot *ret);

/*
 * Make the interface carry exactly the plan: link up, its global
 * addresses replaced, default routes via the plan's gateways. DNS servers
 * cannot be set over netlink and are left to the persistent file.
 */
int netconf_nl_apply(const char *ifname, const struct netconf_plan *plan);

/* Put back what the snapshot saw (addresses, default routes, link state). */
int netconf_nl_restore(const struct netconf_nl_snapshot *snap);

/*
 * Whether the interface is up with the plan: IFF_UP and every planned
 * address present (with DHCP: some global IPv4 address). Returns 1, 0 or
 * -errno.
 */
int netconf_nl_is_up(const char *ifname, const struct netconf_plan *plan);

#endif
