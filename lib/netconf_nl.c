/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Live IP configuration over rtnetlink with libnl-3: snapshot, apply,
 * restore, and the "came up" check. Only global-scope addresses and
 * main-table default routes through the one interface are touched, so
 * link-local addresses and every other interface stay as they were.
 */
#include "netconf_nl.h"

#include <errno.h>
#include <stdio.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <string.h>

#include "macro.h"
#include "netconf_backend.h"

static void sockp(struct nl_sock **s)
{
	if (*s)
		nl_socket_free(*s);
}
static void cachep(struct nl_cache **c)
{
	if (*c)
		nl_cache_free(*c);
}
static void linkp(struct rtnl_link **l)
{
	if (*l)
		rtnl_link_put(*l);
}
static void addrp(struct rtnl_addr **a)
{
	if (*a)
		rtnl_addr_put(*a);
}
static void routep(struct rtnl_route **r)
{
	if (*r)
		rtnl_route_put(*r);
}
static void nladdrp(struct nl_addr **a)
{
	if (*a)
		nl_addr_put(*a);
}

/* libnl's own codes, back to the errno convention. */
static int nl_to_errno(int e)
{
	switch (e < 0 ? -e : e) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
		return -EPERM;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	default:
		return -EIO;
	}
}

static int open_socket(struct nl_sock **ret)
{
	struct nl_sock *s = nl_socket_alloc();
	int r;

	if (!s)
		return -ENOMEM;
	r = nl_connect(s, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(s);
		return nl_to_errno(r);
	}
	*ret = s;
	return 0;
}

static size_t ip_len(int family)
{
	return family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

static bool ip_equal(const struct netconf_ip *a, const struct netconf_ip *b)
{
	return a->family == b->family && memcmp(&a->addr, &b->addr, ip_len(a->family)) == 0;
}

static bool nl_addr_to_ip(struct nl_addr *a, struct netconf_ip *ret)
{
	int family = a ? nl_addr_get_family(a) : AF_UNSPEC;

	if ((family != AF_INET && family != AF_INET6) || nl_addr_get_len(a) != ip_len(family))
		return false;
	memset(ret, 0, sizeof(*ret));
	ret->family = family;
	memcpy(&ret->addr, nl_addr_get_binary_addr(a), ip_len(family));
	ret->prefix = nl_addr_get_prefixlen(a);
	return true;
}

static int get_link(struct nl_sock *s, const char *ifname, struct rtnl_link **ret)
{
	int r = rtnl_link_get_kernel(s, 0, ifname, ret);
	return r < 0 ? nl_to_errno(r) : 0;
}

static int set_link_up(struct nl_sock *s, struct rtnl_link *link, bool up)
{
	_cleanup_(linkp) struct rtnl_link *chg = rtnl_link_alloc();
	if (!chg)
		return -ENOMEM;
	if (up)
		rtnl_link_set_flags(chg, IFF_UP);
	else
		rtnl_link_unset_flags(chg, IFF_UP);
	return nl_to_errno(rtnl_link_change(s, link, chg, 0));
}

static bool addr_is_ours(struct rtnl_addr *a, int ifindex)
{
	int scope = rtnl_addr_get_scope(a);
	return rtnl_addr_get_ifindex(a) == ifindex && scope != RT_SCOPE_LINK &&
	       scope != RT_SCOPE_HOST && scope != RT_SCOPE_NOWHERE;
}

/* A main-table unicast default route whose only next hop is the interface. */
static bool route_is_ours(struct rtnl_route *rt, int ifindex, struct netconf_ip *ret_gw)
{
	struct nl_addr *dst = rtnl_route_get_dst(rt);
	struct rtnl_nexthop *nh;

	if (rtnl_route_get_table(rt) != RT_TABLE_MAIN || rtnl_route_get_type(rt) != RTN_UNICAST ||
	    (dst && nl_addr_get_prefixlen(dst) != 0) || rtnl_route_get_nnexthops(rt) != 1)
		return false;
	nh = rtnl_route_nexthop_n(rt, 0);
	if (!nh || rtnl_route_nh_get_ifindex(nh) != ifindex)
		return false;
	return nl_addr_to_ip(rtnl_route_nh_get_gateway(nh), ret_gw);
}

int netconf_nl_snapshot(const char *ifname, struct netconf_nl_snapshot *ret)
{
	_cleanup_(sockp) struct nl_sock *s = NULL;
	_cleanup_(linkp) struct rtnl_link *link = NULL;
	_cleanup_(cachep) struct nl_cache *addrs = NULL, *routes = NULL;
	struct netconf_nl_snapshot snap = {};
	int r;

	r = open_socket(&s);
	if (r < 0)
		return r;
	r = get_link(s, ifname, &link);
	if (r < 0)
		return r;
	snap.ifindex = rtnl_link_get_ifindex(link);
	snap.was_up = rtnl_link_get_flags(link) & IFF_UP;
	r = rtnl_addr_alloc_cache(s, &addrs);
	if (r < 0)
		return nl_to_errno(r);
	for (struct nl_object *o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		if (!addr_is_ours(a, snap.ifindex) || snap.n_addrs >= NETCONF_NL_MAX)
			continue;
		if (nl_addr_to_ip(rtnl_addr_get_local(a), &snap.addrs[snap.n_addrs])) {
			snap.addrs[snap.n_addrs].prefix = (unsigned)rtnl_addr_get_prefixlen(a);
			snap.n_addrs++;
		}
	}
	r = rtnl_route_alloc_cache(s, AF_UNSPEC, 0, &routes);
	if (r < 0)
		return nl_to_errno(r);
	for (struct nl_object *o = nl_cache_get_first(routes); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		struct netconf_nl_route *sr = &snap.routes[snap.n_routes];
		if (snap.n_routes >= NETCONF_NL_MAX ||
		    !route_is_ours(rt, snap.ifindex, &sr->gateway))
			continue;
		sr->priority = rtnl_route_get_priority(rt);
		snap.n_routes++;
	}
	*ret = snap;
	return 0;
}

/* Remove every global address and default route the interface has. */
static int flush(struct nl_sock *s, int ifindex)
{
	_cleanup_(cachep) struct nl_cache *addrs = NULL, *routes = NULL;
	struct netconf_ip gw;
	int r;

	r = rtnl_route_alloc_cache(s, AF_UNSPEC, 0, &routes);
	if (r < 0)
		return nl_to_errno(r);
	for (struct nl_object *o = nl_cache_get_first(routes); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		if (route_is_ours(rt, ifindex, &gw)) {
			r = rtnl_route_delete(s, rt, 0);
			if (r < 0 && r != -NLE_OBJ_NOTFOUND)
				return nl_to_errno(r);
		}
	}
	r = rtnl_addr_alloc_cache(s, &addrs);
	if (r < 0)
		return nl_to_errno(r);
	for (struct nl_object *o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		if (addr_is_ours(a, ifindex)) {
			/* Removing a primary IPv4 address may take its secondaries along. */
			r = rtnl_addr_delete(s, a, 0);
			if (r < 0 && r != -NLE_OBJ_NOTFOUND && r != -NLE_NOADDR)
				return nl_to_errno(r);
		}
	}
	return 0;
}

static int build_nl_addr(const struct netconf_ip *ip, unsigned prefix, struct nl_addr **ret)
{
	struct nl_addr *a = nl_addr_build(ip->family, &ip->addr, ip_len(ip->family));
	if (!a)
		return -ENOMEM;
	nl_addr_set_prefixlen(a, (int)prefix);
	*ret = a;
	return 0;
}

static int add_addr(struct nl_sock *s, int ifindex, const struct netconf_ip *ip)
{
	_cleanup_(addrp) struct rtnl_addr *a = rtnl_addr_alloc();
	_cleanup_(nladdrp) struct nl_addr *local = NULL;
	int r;

	if (!a)
		return -ENOMEM;
	r = build_nl_addr(ip, ip->prefix, &local);
	if (r < 0)
		return r;
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, ip->family);
	r = rtnl_addr_set_local(a, local);
	if (r < 0)
		return nl_to_errno(r);
	rtnl_addr_set_prefixlen(a, (int)ip->prefix);
	/* The host chose the address; duplicate detection would only delay it. */
	if (ip->family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	r = rtnl_addr_add(s, a, NLM_F_CREATE | NLM_F_REPLACE);
	return r == -NLE_EXIST ? 0 : nl_to_errno(r);
}

static int add_default_route(struct nl_sock *s, int ifindex, const struct netconf_ip *gw,
			     uint32_t priority)
{
	static const struct in6_addr any = {};
	_cleanup_(routep) struct rtnl_route *rt = rtnl_route_alloc();
	_cleanup_(nladdrp) struct nl_addr *dst = NULL, *via = NULL;
	struct rtnl_nexthop *nh;
	int r;

	if (!rt)
		return -ENOMEM;
	dst = nl_addr_build(gw->family, &any, ip_len(gw->family));
	if (!dst)
		return -ENOMEM;
	nl_addr_set_prefixlen(dst, 0);
	r = build_nl_addr(gw, gw->family == AF_INET ? 32 : 128, &via);
	if (r < 0)
		return r;
	nh = rtnl_route_nh_alloc();
	if (!nh)
		return -ENOMEM;
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_add_nexthop(rt, nh); /* rt owns nh from here */
	rtnl_route_set_family(rt, (uint8_t)gw->family);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_scope(rt, RT_SCOPE_UNIVERSE);
	rtnl_route_set_type(rt, RTN_UNICAST);
	rtnl_route_set_priority(rt, priority);
	r = rtnl_route_set_dst(rt, dst);
	if (r < 0)
		return nl_to_errno(r);
	r = rtnl_route_add(s, rt, NLM_F_CREATE | NLM_F_REPLACE);
	return nl_to_errno(r);
}

int netconf_nl_apply(const char *ifname, const struct netconf_plan *plan)
{
	_cleanup_(sockp) struct nl_sock *s = NULL;
	_cleanup_(linkp) struct rtnl_link *link = NULL;
	int ifindex, r;

	if (plan->dhcp)
		return -EOPNOTSUPP; /* DHCP needs a client: that is a network manager's job */
	r = open_socket(&s);
	if (r < 0)
		return r;
	r = get_link(s, ifname, &link);
	if (r < 0)
		return r;
	ifindex = rtnl_link_get_ifindex(link);
	/* Up first: the kernel refuses IPv6 routes through a down link. */
	r = set_link_up(s, link, true);
	if (r < 0)
		return r;
	r = flush(s, ifindex);
	if (r < 0)
		return r;
	for (size_t i = 0; i < plan->n_addrs; i++) {
		r = add_addr(s, ifindex, &plan->addrs[i]);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < plan->n_gateways; i++) {
		r = add_default_route(s, ifindex, &plan->gateways[i],
				      netconf_gateway_metric(plan, i));
		if (r < 0)
			return r;
	}
	return 0;
}

int netconf_nl_restore(const struct netconf_nl_snapshot *snap)
{
	_cleanup_(sockp) struct nl_sock *s = NULL;
	_cleanup_(linkp) struct rtnl_link *link = NULL;
	int r, first = 0;
	char ifname[IF_NAMESIZE];

	if (!if_indextoname((unsigned)snap->ifindex, ifname))
		return -ENODEV;
	r = open_socket(&s);
	if (r < 0)
		return r;
	r = get_link(s, ifname, &link);
	if (r < 0)
		return r;
	(void)set_link_up(s, link, true);
	r = flush(s, snap->ifindex);
	if (r < 0)
		return r;
	/* Keep going on errors: as much of the old state as possible is the goal. */
	for (size_t i = 0; i < snap->n_addrs; i++) {
		r = add_addr(s, snap->ifindex, &snap->addrs[i]);
		if (r < 0 && first == 0)
			first = r;
	}
	for (size_t i = 0; i < snap->n_routes; i++) {
		r = add_default_route(s, snap->ifindex, &snap->routes[i].gateway,
				      snap->routes[i].priority);
		if (r < 0 && first == 0)
			first = r;
	}
	if (!snap->was_up) {
		r = set_link_up(s, link, false);
		if (r < 0 && first == 0)
			first = r;
	}
	return first;
}

int netconf_nl_is_up(const char *ifname, const struct netconf_plan *plan)
{
	_cleanup_(sockp) struct nl_sock *s = NULL;
	_cleanup_(linkp) struct rtnl_link *link = NULL;
	_cleanup_(cachep) struct nl_cache *addrs = NULL;
	bool seen[NETCONF_MAX_ITEMS] = {}, any_v4 = false;
	int ifindex, r;

	r = open_socket(&s);
	if (r < 0)
		return r;
	r = get_link(s, ifname, &link);
	if (r < 0)
		return r;
	if (!(rtnl_link_get_flags(link) & IFF_UP))
		return 0;
	ifindex = rtnl_link_get_ifindex(link);
	r = rtnl_addr_alloc_cache(s, &addrs);
	if (r < 0)
		return nl_to_errno(r);
	for (struct nl_object *o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct netconf_ip ip;
		/* Still in duplicate address detection, or failed it: not usable. */
		if (!addr_is_ours(a, ifindex) ||
		    (rtnl_addr_get_flags(a) & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) ||
		    !nl_addr_to_ip(rtnl_addr_get_local(a), &ip))
			continue;
		ip.prefix = (unsigned)rtnl_addr_get_prefixlen(a);
		any_v4 |= ip.family == AF_INET;
		for (size_t i = 0; i < plan->n_addrs; i++)
			if (ip_equal(&ip, &plan->addrs[i]) && ip.prefix == plan->addrs[i].prefix)
				seen[i] = true;
	}
	for (size_t i = 0; i < plan->n_addrs; i++)
		if (!seen[i])
			return 0;
	if (plan->dhcp && plan->n_addrs == 0 && !any_v4)
		return 0;
	return 1;
}

static int netlink_detect(const struct netconf_options *o, const char *ifname, char *why, size_t n)
{
	(void)o;
	(void)ifname;
	snprintf(why, n, "no network manager was found; live over netlink, not persistent");
	return 1;
}

/* Live only: nothing survives a reboot. Always matches, so auto tries it last. */
const struct netconf_backend netconf_backend_netlink = {
	.name = "netlink",
	.detect_doc = "always (the last resort: live only, nothing persistent)",
	.detect = netlink_detect,
	.uses_netlink = true,
};
