/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NetworkAddressIPv4/IPv6 of the AUTO pool (hv-protocol.md section 2.6):
 * which interface addresses are reported and how they are joined. The
 * filter and the join are pure over a list of entries, so the tests do not
 * depend on the machine's interfaces.
 */
#ifndef HVGUEST_IFADDRS_FILTER_H
#define HVGUEST_IFADDRS_FILTER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

struct ifaddr_entry {
	const char *ifname;
	unsigned flags; /* the interface's IFF_* flags */
	int family;	/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
};

/* True if ifname matches one of the fnmatch(3) globs (NULL-terminated). */
bool ifaddrs_filter_excluded(const char *ifname, const char *const *globs);

/*
 * True if e is reported in the list for family: the family matches, the
 * interface is neither IFF_LOOPBACK nor excluded by globs, and the address
 * is not a loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104).
 */
bool ifaddrs_filter_keep(const struct ifaddr_entry *e, int family, const char *const *globs);

/*
 * Joins the kept addresses of entries[0..n) with ';' (no trailing ';') into
 * buf (size bytes, NUL-terminated), in list order. IPv6 addresses have no
 * scope suffix. An address that would not fit ends the list: none is ever
 * cut. Returns 0 or -EINVAL.
 */
int ifaddrs_filter_join(const struct ifaddr_entry *entries, size_t n, int family,
			const char *const *globs, char *buf, size_t size);

/* The same over this machine's getifaddrs(3), in its order. Returns 0 or -errno. */
int ifaddrs_filter_system(int family, const char *const *globs, char *buf, size_t size);

#endif
