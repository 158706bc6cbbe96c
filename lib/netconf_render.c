/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SET_IP_INFO request → plan → file text, for each network manager. Every
 * token is checked here, before anything is written: a bad one names
 * itself and nothing changes.
 */
#include "netconf_render.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iplist.h"
#include "macro.h"

#define HEADER "written by hvguest (hypervkvpd): IP configuration injected by the Hyper-V host"

static void set_bad(char bad[NETCONF_TOKEN_MAX], const char *text)
{
	snprintf(bad, NETCONF_TOKEN_MAX, "%s", text);
}

/*
 * Addresses the host may give an interface, a gateway or a DNS server:
 * never unspecified, loopback, multicast or broadcast.
 */
static bool ip_usable(const struct iplist_token *t)
{
	if (t->family == AF_INET) {
		uint32_t a = ntohl(t->addr.v4.s_addr);
		return a != 0 && (a >> 24) != 127 && (a >> 28) != 0xe && a != 0xffffffffu;
	}
	if (t->family == AF_INET6) {
		const struct in6_addr *a = &t->addr.v6;
		return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
		       !IN6_IS_ADDR_MULTICAST(a) && !IN6_IS_ADDR_V4MAPPED(a);
	}
	return false;
}

static void ip_from_token(const struct iplist_token *t, struct netconf_ip *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = t->family;
	if (t->family == AF_INET)
		ret->addr.v4 = t->addr.v4;
	else
		ret->addr.v6 = t->addr.v6;
}

/* A list of plain addresses (gateways, DNS servers). */
static int parse_ips(const char *list, struct netconf_ip *ret, size_t *ret_n,
		     char bad[NETCONF_TOKEN_MAX])
{
	struct iplist_token t;
	const char *cur = list;
	size_t n = 0;

	while (iplist_next(&cur, &t) > 0) {
		if (!ip_usable(&t) || n >= NETCONF_MAX_ITEMS) {
			set_bad(bad, t.text);
			return -EINVAL;
		}
		ip_from_token(&t, &ret[n++]);
	}
	*ret_n = n;
	return 0;
}

int netconf_plan_build(const struct kvp_ip_request *req, const char *ifname, const char *mac,
		       struct netconf_plan *ret, char bad[NETCONF_TOKEN_MAX])
{
	struct iplist_token t, m;
	const char *cur, *mcur;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (strlen(ifname) >= sizeof(ret->ifname) || strlen(mac) >= sizeof(ret->mac)) {
		set_bad(bad, ifname);
		return -EINVAL;
	}
	strcpy(ret->ifname, ifname);
	for (size_t i = 0; mac[i]; i++)
		ret->mac[i] = (char)(mac[i] >= 'a' && mac[i] <= 'f' ? mac[i] - 'a' + 'A' : mac[i]);
	ret->dhcp = req->dhcp_enabled != 0;

	/* Addresses and subnets are taken pairwise, as upstream does. */
	cur = req->ip_addr;
	mcur = req->sub_net;
	while (iplist_next(&cur, &t) > 0) {
		struct netconf_ip *ip;

		if (!ip_usable(&t) || ret->n_addrs >= NETCONF_MAX_ITEMS) {
			set_bad(bad, t.text);
			return -EINVAL;
		}
		if (iplist_next(&mcur, &m) <= 0) {
			/* An address without a subnet: name the address. */
			set_bad(bad, t.text);
			return -EINVAL;
		}
		ip = &ret->addrs[ret->n_addrs];
		ip_from_token(&t, ip);
		if (m.truncated || iplist_subnet_to_prefix(m.text, t.family, &ip->prefix) < 0 ||
		    ip->prefix == 0) {
			set_bad(bad, m.text);
			return -EINVAL;
		}
		ret->n_addrs++;
	}
	if (iplist_next(&mcur, &m) > 0) {
		set_bad(bad, m.text); /* a subnet without an address */
		return -EINVAL;
	}
	if (!ret->dhcp && ret->n_addrs == 0) {
		/* Static, with nothing to configure: the interface would be left bare. */
		set_bad(bad, "(empty address list)");
		return -EINVAL;
	}
	r = parse_ips(req->gate_way, ret->gateways, &ret->n_gateways, bad);
	if (r < 0)
		return r;
	return parse_ips(req->dns_addr, ret->dns, &ret->n_dns, bad);
}

unsigned netconf_gateway_metric(const struct netconf_plan *p, size_t i)
{
	unsigned k = 0;
	for (size_t j = 0; j < i; j++)
		k += p->gateways[j].family == p->gateways[i].family;
	return NETCONF_GATEWAY_METRIC + k;
}

bool netconf_plan_has_family(const struct netconf_plan *p, int family)
{
	for (size_t i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].family == family)
			return true;
	return false;
}

void netconf_ip_format(const struct netconf_ip *ip, bool ipv6_full, char buf[INET6_ADDRSTRLEN])
{
	if (ip->family == AF_INET6 && ipv6_full) {
		const uint8_t *b = ip->addr.v6.s6_addr;
		snprintf(buf, INET6_ADDRSTRLEN,
			 "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x",
			 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
			 b[12], b[13], b[14], b[15]);
		return;
	}
	if (!inet_ntop(ip->family, &ip->addr, buf, INET6_ADDRSTRLEN))
		buf[0] = '\0';
}

static void mask_format(unsigned prefix, char buf[INET6_ADDRSTRLEN])
{
	if (iplist_prefix_to_subnet(AF_INET, prefix, buf, INET6_ADDRSTRLEN) < 0)
		buf[0] = '\0';
}

static const struct netconf_ip *first_of(const struct netconf_ip *v, size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].family == family)
			return &v[i];
	return NULL;
}

static void lower_mac(const char *mac, char ret[18])
{
	size_t i;
	for (i = 0; mac[i] && i < 17; i++)
		ret[i] = (char)(mac[i] >= 'A' && mac[i] <= 'F' ? mac[i] - 'A' + 'a' : mac[i]);
	ret[i] = '\0';
}

/* One [ipv4] or [ipv6] section of a NetworkManager keyfile. */
static void nm_section(FILE *f, const struct netconf_plan *p, int family, bool upstream)
{
	char a[INET6_ADDRSTRLEN];
	const char *sep = upstream ? "," : ";";
	unsigned n = 0, routes = 0;
	bool any = netconf_plan_has_family(p, family);

	fprintf(f, "\n[%s]\n", family == AF_INET ? "ipv4" : "ipv6");
	if (!upstream) {
		if (family == AF_INET)
			fprintf(f, "method=%s\n", p->dhcp ? "auto" : any ? "manual" : "disabled");
		else
			fprintf(f, "method=%s\n", any ? "manual" : "auto");
	}
	for (size_t i = 0; i < p->n_addrs; i++) {
		if (p->addrs[i].family != family)
			continue;
		netconf_ip_format(&p->addrs[i], false, a);
		fprintf(f, "address%u=%s/%u\n", ++n, a, p->addrs[i].prefix);
	}
	if (upstream) {
		if (family == AF_INET)
			fprintf(f, "method=%s\n", p->dhcp ? "auto" : any ? "manual" : "disabled");
		else
			fprintf(f, "method=%s\n", any ? "manual" : "auto");
	}
	/*
	 * NetworkManager takes one gateway per family; upstream joins them all
	 * into gateway=, which NetworkManager rejects. Further ones become
	 * default routes here.
	 */
	n = 0;
	for (size_t i = 0; i < p->n_gateways; i++) {
		if (p->gateways[i].family != family)
			continue;
		netconf_ip_format(&p->gateways[i], false, a);
		if (upstream)
			fprintf(f, "%s%s", n++ ? sep : "gateway=", a);
		else if (n++ == 0)
			fprintf(f, "gateway=%s\n", a);
		else
			fprintf(f, "route%u=%s,%s,%u\n", ++routes,
				family == AF_INET ? "0.0.0.0/0" : "::/0", a,
				netconf_gateway_metric(p, i));
	}
	if (upstream && n)
		fputc('\n', f);
	n = 0;
	for (size_t i = 0; i < p->n_dns; i++) {
		if (p->dns[i].family != family)
			continue;
		netconf_ip_format(&p->dns[i], false, a);
		fprintf(f, "%s%s", n++ ? sep : "dns=", a);
	}
	if (n)
		fputs(upstream ? "\n" : ";\n", f);
}

static void render_nm_keyfile(FILE *f, const struct netconf_plan *p)
{
	fprintf(f, "# " HEADER "\n");
	fprintf(f, "[connection]\nid=hvguest-%s\ntype=ethernet\ninterface-name=%s\n", p->ifname,
		p->ifname);
	/* Above the profiles a distribution or cloud-init made for the same NIC. */
	fprintf(f, "autoconnect=true\nautoconnect-priority=100\n");
	fprintf(f, "\n[ethernet]\nmac-address=%s\n", p->mac);
	nm_section(f, p, AF_INET, false);
	nm_section(f, p, AF_INET6, false);
}

static void render_upstream_keyfile(FILE *f, const struct netconf_plan *p)
{
	fprintf(f, "[connection]\ninterface-name=%s\n", p->ifname);
	fprintf(f, "\n[ethernet]\nmac-address=%s\n", p->mac);
	nm_section(f, p, AF_INET, true);
	nm_section(f, p, AF_INET6, true);
}

static void render_networkd(FILE *f, const struct netconf_plan *p)
{
	char a[INET6_ADDRSTRLEN], mac[18];

	lower_mac(p->mac, mac);
	fprintf(f, "# " HEADER "\n");
	fprintf(f, "[Match]\nName=%s\nMACAddress=%s\n", p->ifname, mac);
	fprintf(f, "\n[Network]\nDHCP=%s\n", p->dhcp ? "ipv4" : "no");
	for (size_t i = 0; i < p->n_addrs; i++) {
		netconf_ip_format(&p->addrs[i], false, a);
		fprintf(f, "Address=%s/%u\n", a, p->addrs[i].prefix);
	}
	for (size_t i = 0; i < p->n_dns; i++) {
		netconf_ip_format(&p->dns[i], false, a);
		fprintf(f, "DNS=%s\n", a);
	}
	/* A [Route] each, so that a second gateway gets its own metric and is a fallback. */
	for (size_t i = 0; i < p->n_gateways; i++) {
		netconf_ip_format(&p->gateways[i], false, a);
		fprintf(f, "\n[Route]\nGateway=%s\nMetric=%u\n", a, netconf_gateway_metric(p, i));
	}
}

static void render_netplan(FILE *f, const struct netconf_plan *p)
{
	char a[INET6_ADDRSTRLEN];

	/*
	 * Keyed by name, no "match: macaddress": on Azure the accelerated
	 * networking VF has the same MAC and must stay unconfigured.
	 */
	fprintf(f, "# " HEADER "\n");
	fprintf(f, "network:\n  version: 2\n  ethernets:\n    %s:\n", p->ifname);
	fprintf(f, "      dhcp4: %s\n      dhcp6: false\n", p->dhcp ? "true" : "false");
	if (p->n_addrs) {
		fprintf(f, "      addresses:\n");
		for (size_t i = 0; i < p->n_addrs; i++) {
			netconf_ip_format(&p->addrs[i], false, a);
			fprintf(f, "        - \"%s/%u\"\n", a, p->addrs[i].prefix);
		}
	}
	if (p->n_gateways) {
		fprintf(f, "      routes:\n");
		for (size_t i = 0; i < p->n_gateways; i++) {
			netconf_ip_format(&p->gateways[i], false, a);
			fprintf(f,
				"        - to: default\n          via: \"%s\"\n          metric: "
				"%u\n",
				a, netconf_gateway_metric(p, i));
		}
	}
	if (p->n_dns) {
		fprintf(f, "      nameservers:\n        addresses:\n");
		for (size_t i = 0; i < p->n_dns; i++) {
			netconf_ip_format(&p->dns[i], false, a);
			fprintf(f, "          - \"%s\"\n", a);
		}
	}
}

/* initscripts' own keys: PREFIXn, IPV6ADDR=a/p, IPV6ADDR_SECONDARIES. */
static void render_ifcfg(FILE *f, const struct netconf_plan *p)
{
	char a[INET6_ADDRSTRLEN];
	const struct netconf_ip *gw;
	unsigned n4 = 0, n6 = 0;

	fprintf(f, "# " HEADER "\n");
	fprintf(f, "DEVICE=%s\nHWADDR=%s\nTYPE=Ethernet\nONBOOT=yes\nBOOTPROTO=%s\n", p->ifname,
		p->mac, p->dhcp ? "dhcp" : "none");
	for (size_t i = 0; i < p->n_addrs; i++) {
		if (p->addrs[i].family != AF_INET)
			continue;
		netconf_ip_format(&p->addrs[i], false, a);
		fprintf(f, "IPADDR%u=%s\nPREFIX%u=%u\n", n4, a, n4, p->addrs[i].prefix);
		n4++;
	}
	gw = first_of(p->gateways, p->n_gateways, AF_INET);
	if (gw) {
		netconf_ip_format(gw, false, a);
		fprintf(f, "GATEWAY=%s\n", a);
	}
	fprintf(f, "IPV6INIT=yes\n");
	for (size_t i = 0; i < p->n_addrs; i++) {
		if (p->addrs[i].family != AF_INET6)
			continue;
		netconf_ip_format(&p->addrs[i], false, a);
		if (n6 == 0)
			fprintf(f, "IPV6ADDR=%s/%u\n", a, p->addrs[i].prefix);
		else
			fprintf(f, "%s%s/%u", n6 == 1 ? "IPV6ADDR_SECONDARIES=\"" : " ", a,
				p->addrs[i].prefix);
		n6++;
	}
	if (n6 > 1)
		fprintf(f, "\"\n");
	gw = first_of(p->gateways, p->n_gateways, AF_INET6);
	if (gw) {
		netconf_ip_format(gw, false, a);
		fprintf(f, "IPV6_DEFAULTGW=%s\n", a);
	}
	for (size_t i = 0; i < p->n_dns; i++) {
		netconf_ip_format(&p->dns[i], false, a);
		fprintf(f, "DNS%zu=%s\n", i + 1, a);
	}
	fprintf(f, "PEERDNS=yes\nNM_CONTROLLED=no\n");
}

/*
 * Upstream's ifcfg, key for key (hv-protocol.md section 2.8), so that
 * existing hv_set_ifconfig scripts keep working: IPv6 in full form, the
 * helper appends IPV6INIT, NM_CONTROLLED, PEERDNS and ONBOOT itself.
 */
static void render_upstream_ifcfg(FILE *f, const struct netconf_plan *p)
{
	char a[INET6_ADDRSTRLEN];
	unsigned n4 = 0, n6 = 0;

	fprintf(f, "HWADDR=%s\nDEVICE=%s\nBOOTPROTO=%s\n", p->mac, p->ifname,
		p->dhcp ? "dhcp" : "none");
	for (size_t i = 0; i < p->n_addrs; i++) {
		netconf_ip_format(&p->addrs[i], true, a);
		if (p->addrs[i].family == AF_INET)
			fprintf(f, "IPADDR%u=%s\n", n4++, a);
		else if (n6++ == 0)
			fprintf(f, "IPV6ADDR=%s\n", a);
		else
			fprintf(f, "IPV6ADDR_%u=%s\n", n6 - 1, a);
	}
	n4 = n6 = 0;
	for (size_t i = 0; i < p->n_addrs; i++) {
		if (p->addrs[i].family == AF_INET) {
			mask_format(p->addrs[i].prefix, a);
			fprintf(f, "NETMASK%u=%s\n", n4++, a);
		} else if (n6++ == 0)
			fprintf(f, "IPV6NETMASK=%u\n", p->addrs[i].prefix);
		else
			fprintf(f, "IPV6NETMASK_%u=%u\n", n6 - 1, p->addrs[i].prefix);
	}
	n4 = n6 = 0;
	for (size_t i = 0; i < p->n_gateways; i++) {
		netconf_ip_format(&p->gateways[i], true, a);
		if (p->gateways[i].family == AF_INET) {
			if (n4++ == 0)
				fprintf(f, "GATEWAY=%s\n", a);
			else
				fprintf(f, "GATEWAY%u=%s\n", n4 - 1, a);
		} else if (n6++ == 0)
			fprintf(f, "IPV6_DEFAULTGW=%s\n", a);
		else
			fprintf(f, "IPV6_DEFAULTGW_%u=%s\n", n6 - 1, a);
	}
	for (size_t i = 0; i < p->n_dns; i++) {
		netconf_ip_format(&p->dns[i], true, a);
		fprintf(f, "DNS%zu=%s\n", i + 1, a);
	}
}

/*
 * ifupdown (interfaces(5)): one stanza per address, as interfaces(5)
 * allows several for one interface, since one stanza carries one address.
 * The first gateway of a family is that family's first static stanza's
 * gateway (with the shared metric); the others, and those of a DHCP
 * family, are "up" routes in the last stanza, when every address is
 * there. DNS servers go to dns-nameservers, which only resolvconf reads.
 * Every value was parsed as an address: nothing here reaches the shell
 * that runs "up" lines unchecked.
 */
static void render_ifupdown(FILE *f, const struct netconf_plan *p)
{
	char a[INET6_ADDRSTRLEN];
	size_t k = 0;
	bool first_gw_done[2] = { false, false };

	fprintf(f, "# " HEADER "\n");
	fprintf(f, "# Read only if /etc/network/interfaces sources /etc/network/interfaces.d.\n");
	fprintf(f, "auto %s\n", p->ifname);
	for (int pass = 0; pass < 2; pass++) {
		int family = pass == 0 ? AF_INET : AF_INET6;
		const char *fam = pass == 0 ? "inet" : "inet6";
		bool first = true;

		if (family == AF_INET && p->dhcp) {
			fprintf(f, "\niface %s inet dhcp\n", p->ifname);
			first = false;
			k++;
			if (k == 1 && p->n_dns) {
				fprintf(f, "\tdns-nameservers");
				for (size_t i = 0; i < p->n_dns; i++) {
					netconf_ip_format(&p->dns[i], false, a);
					fprintf(f, " %s", a);
				}
				fputc('\n', f);
			}
		}
		for (size_t i = 0; i < p->n_addrs; i++) {
			if (p->addrs[i].family != family)
				continue;
			k++;
			netconf_ip_format(&p->addrs[i], false, a);
			fprintf(f, "\niface %s %s static\n\taddress %s/%u\n", p->ifname, fam, a,
				p->addrs[i].prefix);
			if (first) {
				const struct netconf_ip *gw =
					first_of(p->gateways, p->n_gateways, family);
				if (gw) {
					netconf_ip_format(gw, false, a);
					fprintf(f, "\tgateway %s\n\tmetric %u\n", a,
						NETCONF_GATEWAY_METRIC);
					first_gw_done[pass] = true;
				}
			}
			first = false;
			if (k == 1 && p->n_dns) {
				fprintf(f, "\tdns-nameservers");
				for (size_t j = 0; j < p->n_dns; j++) {
					netconf_ip_format(&p->dns[j], false, a);
					fprintf(f, " %s", a);
				}
				fputc('\n', f);
			}
		}
	}
	/* The remaining gateways, in the last stanza written above. */
	for (size_t i = 0; i < p->n_gateways; i++) {
		int pass = p->gateways[i].family == AF_INET ? 0 : 1;
		if (first_gw_done[pass] &&
		    &p->gateways[i] == first_of(p->gateways, p->n_gateways, p->gateways[i].family))
			continue;
		netconf_ip_format(&p->gateways[i], false, a);
		fprintf(f, "\tup ip -%c route add default via %s metric %u dev %s onlink\n",
			pass == 0 ? '4' : '6', a, netconf_gateway_metric(p, i), p->ifname);
	}
}

typedef void (*render_fn)(FILE *f, const struct netconf_plan *p);

static const render_fn renderers[_NETCONF_FORMAT_MAX] = {
	[NETCONF_FORMAT_NM_KEYFILE] = render_nm_keyfile,
	[NETCONF_FORMAT_NETWORKD] = render_networkd,
	[NETCONF_FORMAT_NETPLAN] = render_netplan,
	[NETCONF_FORMAT_IFCFG] = render_ifcfg,
	[NETCONF_FORMAT_IFUPDOWN] = render_ifupdown,
	[NETCONF_FORMAT_UPSTREAM_IFCFG] = render_upstream_ifcfg,
	[NETCONF_FORMAT_UPSTREAM_KEYFILE] = render_upstream_keyfile,
};

int netconf_render(enum netconf_format format, const struct netconf_plan *p, char **ret_text)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	if ((unsigned)format >= _NETCONF_FORMAT_MAX)
		return -EINVAL;
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	renderers[format](f, p);
	if (ferror(f) | (fclose(f) != 0)) {
		free(buf);
		return -ENOMEM;
	}
	*ret_text = buf;
	return 0;
}
