/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzzes the SET_IP_INFO checks and every backend's rendering: the input
 * is one byte of DHCP flag, then the four lists separated by '\n' (ip,
 * subnet, gateway, DNS). Any input must be accepted or refused without a
 * crash; a refusal names a NUL-terminated token; an accepted plan renders
 * in every format, and no rendered line carries a control character
 * (nothing from the host may start a new key or section in a file).
 * ifupdown's file is also run in part by a shell ("up" lines): those hold
 * only address characters besides the fixed words, and it has one stanza
 * per address plus one for DHCP.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netconf_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void field(const uint8_t **p, const uint8_t *end, char *out, size_t max)
{
	size_t n = 0;
	while (*p < end && **p != '\n') {
		if (n + 1 < max)
			out[n++] = (char)**p;
		(*p)++;
	}
	if (*p < end)
		(*p)++;
	out[n] = '\0';
}

static void check_ifupdown(const char *text, const struct netconf_plan *p)
{
	size_t stanzas = 0;

	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		if (strncmp(line, "iface ", 6) == 0)
			stanzas++;
		if (strncmp(line, "\tup ", 4) == 0)
			for (size_t i = 4; i < len; i++)
				if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789:.- ", line[i]))
					abort();
		line += len + (line[len] == '\n');
	}
	if (stanzas != p->n_addrs + (p->dhcp ? 1 : 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kvp_ip_request req;
	static struct netconf_plan plan;
	const uint8_t *p = data, *end = data + size;
	char bad[NETCONF_TOKEN_MAX];

	if (size < 1)
		return 0;
	memset(&req, 0, sizeof(req));
	req.dhcp_enabled = *p++ & 1;
	field(&p, end, req.ip_addr, sizeof(req.ip_addr));
	field(&p, end, req.sub_net, sizeof(req.sub_net));
	field(&p, end, req.gate_way, sizeof(req.gate_way));
	field(&p, end, req.dns_addr, sizeof(req.dns_addr));
	if (netconf_plan_build(&req, "eth0", "00:15:5d:aa:bb:cc", &plan, bad) != 0) {
		if (strnlen(bad, sizeof(bad)) >= sizeof(bad))
			abort();
		return 0;
	}
	for (int f = 0; f < _NETCONF_FORMAT_MAX; f++) {
		char *text = NULL;
		if (netconf_render((enum netconf_format)f, &plan, &text) != 0)
			abort();
		/* A tab only as the indent of an interfaces(5) option line. */
		for (const char *c = text; *c; c++)
			if ((unsigned char)*c < 0x20 && *c != '\n' &&
			    !(*c == '\t' && c > text && c[-1] == '\n'))
				abort();
		if (f == NETCONF_FORMAT_IFUPDOWN)
			check_ifupdown(text, &plan);
		free(text);
	}
	return 0;
}
