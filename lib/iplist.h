/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ';'-separated address lists of GET_IP_INFO and SET_IP_INFO
 * (hv-protocol.md sections 2.7 and 2.8), and the subnet forms they carry:
 * an IPv4 dotted mask, or a prefix length written "/N" (what GET_IP_INFO
 * reports for IPv6) or "N" (what hosts send). Pure: no allocation, no
 * files, no globals, so the fuzzer calls it directly.
 */
#ifndef HVGUEST_IPLIST_H
#define HVGUEST_IPLIST_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

/* Longer than any address or mask text; a longer token is kept truncated and never valid. */
#define IPLIST_TOKEN_MAX 64

struct iplist_token {
	char text[IPLIST_TOKEN_MAX]; /* NUL-terminated, surrounding blanks removed */
	bool truncated;		     /* the token did not fit in text (family is AF_UNSPEC) */
	int family; /* AF_INET or AF_INET6 (inet_pton accepts it), else AF_UNSPEC */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
};

/*
 * Iterator: *cursor starts at the list; each call stores the next non-empty
 * token in *ret and advances *cursor. Blanks (space, tab) around a token are
 * removed (upstream removes only leading spaces; "1.2.3.4 " is accepted
 * here too). Empty tokens (";;", a trailing ';') are skipped. Returns 1 for
 * a token, 0 at the end of the list. *cursor may be NULL (an empty list).
 */
int iplist_next(const char **cursor, struct iplist_token *ret);

/*
 * The whole list into ret[0..max). Returns 0 with *ret_n set, or -E2BIG
 * when there are more than max tokens (nothing is promised about ret then).
 * Invalid tokens are returned with family AF_UNSPEC: the caller decides.
 */
int iplist_parse(const char *s, struct iplist_token *ret, size_t max, size_t *ret_n);

/* Number of non-empty tokens in s (what iplist_parse would need). */
size_t iplist_count(const char *s);

/*
 * A subnet token to a prefix length for family (AF_INET or AF_INET6):
 * "N" or "/N" (0..32 or 0..128, decimal, no sign, no leading '+'), or a
 * mask of that family in address form ("255.255.255.0", "ffff:ffff::").
 * A non-contiguous mask ("255.0.255.0") is rejected. Returns 0 or -EINVAL.
 */
int iplist_subnet_to_prefix(const char *s, int family, unsigned *ret_prefix);

/* Mask in address form → prefix length; -EINVAL if the mask is not contiguous. */
int iplist_mask4_to_prefix(struct in_addr mask, unsigned *ret_prefix);
int iplist_mask6_to_prefix(const struct in6_addr *mask, unsigned *ret_prefix);

/*
 * Prefix length → the subnet text GET_IP_INFO reports: dotted mask for
 * AF_INET ("255.255.255.0"), "/N" for AF_INET6 (upstream's form, which the
 * host expects). Returns 0, -EINVAL (bad family or prefix), or -ENOBUFS.
 */
int iplist_prefix_to_subnet(int family, unsigned prefix, char *buf, size_t size);

#endif
