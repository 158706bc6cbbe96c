/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GET_IP_INFO, the parts read from files rather than netlink: DNS servers
 * and whether DHCP configures a link, from the state files of
 * systemd-resolved, systemd-networkd and NetworkManager under the run
 * directory, else resolv.conf. Split out of netinfo.c so that the unit
 * tests drive them with fixture trees instead of the machine's /run.
 */
#ifndef HVGUEST_NETINFO_FILES_H
#define HVGUEST_NETINFO_FILES_H

#include <stddef.h>

#include "netinfo.h"

/* Files read are capped: state files are small; a bigger one is cut, not an error. */
#define NETINFO_FILE_MAX (64 * 1024)

/*
 * Appends "item;" to the NUL-terminated list in buf (size bytes), the
 * form upstream uses for gate_way and dns_addr, unless the item is already
 * there. Returns 0, or -ENOBUFS when it does not fit (buf unchanged).
 */
int netinfo_list_append(char *buf, size_t size, const char *item);

/*
 * One DNS server as the state files write it, normalised to the plain
 * address (inet_ntop form): "192.0.2.53", "192.0.2.53:53",
 * "2001:db8::53%3", "[2001:db8::53]:53", "192.0.2.53#dns.example".
 * Returns 0 or -EINVAL.
 */
int netinfo_parse_server(const char *token, char *ret, size_t size);

/*
 * Appends the servers of one "KEY=a b c" line of text (the first line
 * starting with "KEY=") to buf. Returns the number appended (>= 0),
 * -ENOENT when no such line exists, or -ENOBUFS.
 */
int netinfo_servers_from_env(const char *text, const char *key, char *buf, size_t size);

/*
 * Appends the "nameserver" addresses of resolv.conf text to buf.
 * skip_stub drops systemd-resolved's local stubs (127.0.0.53, 127.0.0.54),
 * which mean nothing to the host. Returns the number appended or -ENOBUFS.
 */
int netinfo_servers_from_resolv_conf(const char *text, int skip_stub, char *buf, size_t size);

/*
 * The DNS servers of link ifindex, each followed by ';' (upstream's form),
 * into buf (size bytes, NUL-terminated, empty when none are known):
 *  1. systemd-resolved's per-link servers (when <run>/systemd/resolve
 *     exists): SERVERS= of <run>/systemd/resolve/netif/<ifindex> (set over
 *     D-Bus, e.g. by NetworkManager or resolvectl), else DNS= of
 *     systemd-networkd's <run>/systemd/netif/links/<ifindex>;
 *  2. NetworkManager, when <run>/NetworkManager/devices/<ifindex> says it
 *     manages the link: its own <run>/NetworkManager/no-stub-resolv.conf or
 *     resolv.conf (NetworkManager keeps per-link servers only on D-Bus; these
 *     files hold the servers of the links it manages);
 *  3. opts->resolv_conf, without resolved's stubs, and when that leaves
 *     nothing and resolved runs, <run>/systemd/resolve/resolv.conf.
 * Missing files are skipped. Returns 0 or -errno (only for buf overflow).
 */
int netinfo_dns_servers(const struct netinfo_options *opts, int ifindex, char *buf, size_t size);

/*
 * What a network manager's state says about DHCP on link ifindex: 1 if
 * systemd-networkd has a DHCP lease or address for it (DHCP_LEASE=,
 * DHCP4_ADDRESS=, DHCP6_ADDRESS= non-empty in
 * <run>/systemd/netif/links/<ifindex>), 0 if networkd manages the link
 * without one, -ENOENT when no state file speaks for the link (the caller
 * then looks at the kernel's address lifetimes).
 */
int netinfo_dhcp_from_state(const struct netinfo_options *opts, int ifindex);

/* Helpers for the defaults: opts fields may be NULL. */
const char *netinfo_run_dir(const struct netinfo_options *opts);
const char *netinfo_resolv_conf(const struct netinfo_options *opts);

/*
 * Reads at most NETINFO_FILE_MAX bytes of a regular file into a fresh
 * NUL-terminated buffer. Non-blocking open, so a FIFO planted in /run
 * cannot stall the answer to the host. Returns 0 or -errno.
 */
int netinfo_read_file(const char *path, char **ret);

#endif
