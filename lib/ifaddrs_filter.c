/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interface address lists for the AUTO pool. Upstream reports every
 * address of every non-loopback interface, so a container host sends the
 * Hyper-V host a list full of docker/veth/bridge addresses that mean
 * nothing outside the guest; here interfaces are left out by name globs.
 *
 * IPv6 link-local addresses (fe80::/10) are kept, as upstream keeps them:
 * the host's tools have always seen them, and without a scope suffix they
 * are harmless. Addresses on interfaces that are down are kept too, again
 * as upstream does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include "ifaddrs_filter.h"
#include "macro.h"

bool ifaddrs_filter_excluded(const char *ifname, const char *const *globs)
{
	if (!ifname || !globs)
		return false;
	for (size_t i = 0; globs[i]; i++)
		if (fnmatch(globs[i], ifname, 0) == 0)
			return true;
	return false;
}

static bool addr_is_loopback(const struct ifaddr_entry *e)
{
	if (e->family == AF_INET)
		return (ntohl(e->addr.v4.s_addr) >> 24) == 127;
	if (IN6_IS_ADDR_LOOPBACK(&e->addr.v6))
		return true;
	return IN6_IS_ADDR_V4MAPPED(&e->addr.v6) && e->addr.v6.s6_addr[12] == 127;
}

bool ifaddrs_filter_keep(const struct ifaddr_entry *e, int family, const char *const *globs)
{
	if (!e || e->family != family || (family != AF_INET && family != AF_INET6))
		return false;
	if (e->flags & IFF_LOOPBACK)
		return false;
	if (addr_is_loopback(e))
		return false;
	return !ifaddrs_filter_excluded(e->ifname, globs);
}

/* Appends e to buf; false (buf unchanged) if it does not fit. */
static bool append(char *buf, size_t size, size_t *len, const struct ifaddr_entry *e)
{
	char text[INET6_ADDRSTRLEN];
	size_t need;

	if (!inet_ntop(e->family, &e->addr, text, sizeof(text)))
		return true; /* cannot happen for AF_INET/AF_INET6: skip it */
	need = strlen(text) + (*len > 0 ? 1 : 0);
	if (*len + need + 1 > size)
		return false;
	if (*len > 0)
		buf[(*len)++] = ';';
	memcpy(buf + *len, text, strlen(text) + 1);
	*len += strlen(text);
	return true;
}

int ifaddrs_filter_join(const struct ifaddr_entry *entries, size_t n, int family,
			const char *const *globs, char *buf, size_t size)
{
	size_t len = 0;

	if (!buf || size == 0 || (!entries && n > 0))
		return -EINVAL;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!ifaddrs_filter_keep(&entries[i], family, globs))
			continue;
		if (!append(buf, size, &len, &entries[i]))
			break;
	}
	return 0;
}

static bool entry_from_ifaddrs(const struct ifaddrs *ifa, struct ifaddr_entry *ret)
{
	struct ifaddr_entry e = { .ifname = ifa->ifa_name, .flags = ifa->ifa_flags };

	if (!ifa->ifa_addr)
		return false;
	e.family = ifa->ifa_addr->sa_family;
	if (e.family == AF_INET)
		e.addr.v4 = ((const struct sockaddr_in *)(const void *)ifa->ifa_addr)->sin_addr;
	else if (e.family == AF_INET6)
		e.addr.v6 = ((const struct sockaddr_in6 *)(const void *)ifa->ifa_addr)->sin6_addr;
	else
		return false;
	*ret = e;
	return true;
}

int ifaddrs_filter_system(int family, const char *const *globs, char *buf, size_t size)
{
	struct ifaddrs *list = NULL;
	size_t len = 0;

	if (!buf || size == 0)
		return -EINVAL;
	if (getifaddrs(&list) < 0)
		return negative_errno();
	buf[0] = '\0';
	for (const struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
		struct ifaddr_entry e;
		if (!entry_from_ifaddrs(ifa, &e) || !ifaddrs_filter_keep(&e, family, globs))
			continue;
		if (!append(buf, size, &len, &e))
			break;
	}
	freeifaddrs(list);
	return 0;
}
