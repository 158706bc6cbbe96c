/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GET_IP_INFO through rtnetlink (libnl-3): the link by MAC address, its
 * addresses, and the default routes that leave through it. DNS and DHCP
 * come from netinfo_files.c. Differences from upstream, on purpose:
 *  - the MAC is compared exactly (upstream's interface filter is a name
 *    prefix, so "eth1" also collected "eth10"'s addresses);
 *  - gate_way holds the default routes (main table, both families) whose
 *    next hop leaves through this interface, each followed by ';'
 *    (upstream reports every default route of the system, whatever the
 *    interface);
 *  - the request's addr_family is ignored, as upstream does: both
 *    families are always reported, which the host expects;
 *  - every socket has a receive timeout, so the host is answered well
 *    within the kernel's 30 s.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "iplist.h"
#include "macro.h"
#include "netinfo.h"
#include "netinfo_files.h"

/*
 * The kernel converts only the first MAX_IP_ADDR_SIZE (MAX_GATEWAY_SIZE)
 * bytes of each field for the host, whose fields hold as many UTF-16 units:
 * lists are kept within that, NUL included, so the host never gets an
 * address cut in half or a field without its NUL.
 */
#define HOST_LIST_SIZE	  MAX_IP_ADDR_SIZE
#define HOST_GATEWAY_SIZE MAX_GATEWAY_SIZE

/* Bounds each netlink receive; a dump of a busy host's tables takes milliseconds. */
#define NETINFO_NL_TIMEOUT_SEC 5

static void nl_socket_freep(struct nl_sock **p)
{
	if (*p)
		nl_socket_free(*p);
}

static void nl_cache_freep(struct nl_cache **p)
{
	if (*p)
		nl_cache_free(*p);
}

static int errno_from_nl(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_AGAIN:
		return -ETIMEDOUT;
	default:
		return -EIO;
	}
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	int n = -1;

	/* Exactly "hh:hh:hh:hh:hh:hh", any case: sscanf alone would accept "1:2:3:4:5:6". */
	if (strlen(s) != 17)
		return -EINVAL;
	for (size_t i = 0; i < 17; i++) {
		bool colon = i % 3 == 2;

		if (colon ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return -EINVAL;
	}
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &n) !=
		    6 ||
	    n != 17)
		return -EINVAL;
	for (size_t i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

struct addr_scan {
	bool dynamic_v4; /* an IPv4 address with a finite lifetime, as DHCP clients set */
};

/* Appends one address and its subnet, both or neither, so the lists stay pairwise. */
static void add_address(struct kvp_ip_info *info, int family, const void *bin, unsigned prefix)
{
	char addr[INET6_ADDRSTRLEN], subnet[INET_ADDRSTRLEN];
	size_t la = strlen(info->ip_addr), ls = strlen(info->sub_net);
	const char *sep_a = la ? ";" : "", *sep_s = ls ? ";" : "";

	if (!inet_ntop(family, bin, addr, sizeof(addr)))
		return;
	if (iplist_prefix_to_subnet(family, prefix, subnet, sizeof(subnet)) < 0)
		return;
	/* Lists are ';'-joined without a trailing ';' (upstream's form). A full list ends quietly.
	 */
	if (la + strlen(sep_a) + strlen(addr) >= HOST_LIST_SIZE ||
	    ls + strlen(sep_s) + strlen(subnet) >= HOST_LIST_SIZE)
		return;
	snprintf(info->ip_addr + la, sizeof(info->ip_addr) - la, "%s%s", sep_a, addr);
	snprintf(info->sub_net + ls, sizeof(info->sub_net) - ls, "%s%s", sep_s, subnet);
	info->addr_family |= family == AF_INET ? ADDR_FAMILY_IPV4 : ADDR_FAMILY_IPV6;
}

/* IPv4 first, then IPv6, as getifaddrs(3) orders them for upstream. */
static void collect_addresses(struct nl_cache *addrs, int ifindex, struct kvp_ip_info *info,
			      struct addr_scan *scan)
{
	static const int families[] = { AF_INET, AF_INET6 };

	for (size_t f = 0; f < ELEMENTSOF(families); f++) {
		for (struct nl_object *o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
			struct rtnl_addr *a = (struct rtnl_addr *)o;
			struct nl_addr *local;

			if (rtnl_addr_get_ifindex(a) != ifindex ||
			    rtnl_addr_get_family(a) != families[f])
				continue;
			local = rtnl_addr_get_local(a);
			if (!local || nl_addr_get_family(local) != families[f] ||
			    nl_addr_get_len(local) != (families[f] == AF_INET ? 4u : 16u))
				continue;
			add_address(info, families[f], nl_addr_get_binary_addr(local),
				    (unsigned)rtnl_addr_get_prefixlen(a));
			if (families[f] == AF_INET && !(rtnl_addr_get_flags(a) & IFA_F_PERMANENT))
				scan->dynamic_v4 = true;
		}
	}
}

static void collect_gateways(struct nl_cache *routes, int ifindex, char *buf, size_t size)
{
	static const int families[] = { AF_INET, AF_INET6 };

	buf[0] = '\0';
	for (size_t f = 0; f < ELEMENTSOF(families); f++) {
		for (struct nl_object *o = nl_cache_get_first(routes); o;
		     o = nl_cache_get_next(o)) {
			struct rtnl_route *rt = (struct rtnl_route *)o;
			struct nl_addr *dst = rtnl_route_get_dst(rt);
			int n;

			if (rtnl_route_get_family(rt) != families[f] ||
			    rtnl_route_get_table(rt) != RT_TABLE_MAIN ||
			    rtnl_route_get_type(rt) != RTN_UNICAST ||
			    (dst && nl_addr_get_prefixlen(dst) != 0))
				continue;
			n = rtnl_route_get_nnexthops(rt);
			for (int i = 0; i < n; i++) {
				struct rtnl_nexthop *nh = rtnl_route_nexthop_n(rt, i);
				struct nl_addr *gw = nh ? rtnl_route_nh_get_gateway(nh) : NULL;
				char text[INET6_ADDRSTRLEN];

				if (!gw || rtnl_route_nh_get_ifindex(nh) != ifindex ||
				    nl_addr_get_family(gw) != families[f] ||
				    !inet_ntop(families[f], nl_addr_get_binary_addr(gw), text,
					       sizeof(text)))
					continue;
				/* A full list ends quietly: the host gets what fits. */
				(void)netinfo_list_append(buf, size, text);
			}
		}
	}
}

static int open_netlink(struct nl_sock **ret)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = nl_socket_alloc();
	struct timeval tv = { .tv_sec = NETINFO_NL_TIMEOUT_SEC };
	int r;

	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0)
		return errno_from_nl(r);
	if (setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	*ret = TAKE_PTR(sk);
	return 0;
}

int netinfo_get_ip_info(const struct netinfo_options *opts, const char *mac,
			struct kvp_ip_info *ret)
{
	_cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
	_cleanup_(nl_cache_freep) struct nl_cache *links = NULL, *addrs = NULL, *routes = NULL;
	struct kvp_ip_info info, cand;
	struct addr_scan scan = { 0 }, cand_scan;
	uint8_t want[6];
	int ifindex = 0, r;

	if (parse_mac(mac, want) < 0)
		return -ENODEV; /* no interface has a MAC that is not one: HV_E_FAIL, as upstream */

	r = open_netlink(&sk);
	if (r < 0)
		return r;
	r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
	if (r < 0)
		return errno_from_nl(r);
	r = rtnl_addr_alloc_cache(sk, &addrs);
	if (r < 0)
		return errno_from_nl(r);

	/*
	 * Several links may share the MAC (an SR-IOV VF and the synthetic NIC
	 * it is bonded to): report the first, in ifindex order, that has an
	 * address; if none has, the first one, with empty lists.
	 */
	memset(&info, 0, sizeof(info));
	for (struct nl_object *o = nl_cache_get_first(links); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		struct nl_addr *hw = rtnl_link_get_addr(l);

		/* lo's "MAC" is all zeros; no host names it. */
		if (rtnl_link_get_flags(l) & IFF_LOOPBACK)
			continue;
		if (!hw || nl_addr_get_len(hw) != sizeof(want) ||
		    memcmp(nl_addr_get_binary_addr(hw), want, sizeof(want)) != 0)
			continue;
		memset(&cand, 0, sizeof(cand));
		cand_scan = (struct addr_scan){ 0 };
		collect_addresses(addrs, rtnl_link_get_ifindex(l), &cand, &cand_scan);
		if (ifindex == 0 || (!info.ip_addr[0] && cand.ip_addr[0])) {
			ifindex = rtnl_link_get_ifindex(l);
			info = cand;
			scan = cand_scan;
		}
		if (info.ip_addr[0])
			break;
	}
	if (ifindex == 0)
		return -ENODEV;

	r = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &routes);
	if (r < 0)
		return errno_from_nl(r);
	collect_gateways(routes, ifindex, info.gate_way, HOST_GATEWAY_SIZE);

	r = netinfo_dns_servers(opts, ifindex, info.dns_addr, HOST_LIST_SIZE);
	if (r < 0)
		info.dns_addr[0] =
			'\0'; /* only a full buffer fails: report none rather than fail */

	/*
	 * DHCP: systemd-networkd's link state when it manages the link; else
	 * the kernel's view: DHCP clients (NetworkManager, dhclient, dhcpcd,
	 * networkd) give IPv4 addresses the lease's lifetime, static ones are
	 * permanent.
	 */
	r = netinfo_dhcp_from_state(opts, ifindex);
	info.dhcp_enabled = r >= 0 ? (uint8_t)(r > 0) : scan.dynamic_v4;

	*ret = info;
	return 0;
}
