/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SET_IP_INFO, the pure half: a request checked and turned into a plan
 * (addresses with prefix lengths, gateways, DNS servers), and the plan
 * rendered as each network manager's file. No files, no fds, no globals:
 * the unit tests compare the output with tests/golden/netconf/.
 */
#ifndef HVGUEST_NETCONF_RENDER_H
#define HVGUEST_NETCONF_RENDER_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "kvp_codec.h"

/* More than any real NIC carries; a longer list is refused (HV_INVALIDARG). */
#define NETCONF_MAX_ITEMS 32
#define NETCONF_TOKEN_MAX 64

struct netconf_ip {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	unsigned prefix; /* addresses only */
};

struct netconf_plan {
	char ifname[IF_NAMESIZE];
	char mac[18]; /* "00:15:5D:AA:BB:CC", uppercase */
	bool dhcp;
	size_t n_addrs, n_gateways, n_dns;
	struct netconf_ip addrs[NETCONF_MAX_ITEMS];
	struct netconf_ip gateways[NETCONF_MAX_ITEMS];
	struct netconf_ip dns[NETCONF_MAX_ITEMS];
};

/*
 * Check every token of the request (addresses, subnet masks or prefix
 * lengths taken pairwise with the addresses, gateways, DNS servers) and
 * build the plan. Returns 0, or -EINVAL with the offending token copied to
 * bad_token (the whole list's name when a count is wrong).
 */
int netconf_plan_build(const struct kvp_ip_request *req, const char *ifname, const char *mac,
		       struct netconf_plan *ret, char bad_token[NETCONF_TOKEN_MAX]);

bool netconf_plan_has_family(const struct netconf_plan *p, int family);

/*
 * Route metric of gateway i: NetworkManager's default for Ethernet for the
 * first of its family, one more for each further one, so that the others
 * are fallbacks rather than clashing routes. Every backend uses the same.
 */
#define NETCONF_GATEWAY_METRIC 100
unsigned netconf_gateway_metric(const struct netconf_plan *p, size_t i);

enum netconf_format {
	NETCONF_FORMAT_NM_KEYFILE,	 /* hvguest-<if>.nmconnection */
	NETCONF_FORMAT_NETWORKD,	 /* 10-hvguest-<if>.network */
	NETCONF_FORMAT_NETPLAN,		 /* 90-hvguest-<if>.yaml */
	NETCONF_FORMAT_IFCFG,		 /* ifcfg-<if>, initscripts' keys */
	NETCONF_FORMAT_IFUPDOWN,	 /* interfaces.d/hvguest-<if>, interfaces(5) stanzas */
	NETCONF_FORMAT_UPSTREAM_IFCFG,	 /* argv[1] of hv_set_ifconfig (section 2.8) */
	NETCONF_FORMAT_UPSTREAM_KEYFILE, /* argv[2] of hv_set_ifconfig (section 2.8) */
	_NETCONF_FORMAT_MAX,
};

/* The file's text (malloc'd, caller frees). Returns 0 or -ENOMEM/-EINVAL. */
int netconf_render(enum netconf_format format, const struct netconf_plan *p, char **ret_text);

/* Address text: canonical (inet_ntop), or IPv6 in full 8x4-digit form (ifcfg upstream). */
void netconf_ip_format(const struct netconf_ip *ip, bool ipv6_full, char buf[INET6_ADDRSTRLEN]);

#endif
