/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The systemd-networkd backend: 10-hvguest-<if>.network, then
 * networkctl reload and reconfigure. Picked when networkd's runtime
 * directory exists.
 */
#include <stdio.h>

#include "netconf_backend.h"

static int networkd_detect(const struct netconf_options *o, const char *ifname, char *why, size_t n)
{
	(void)ifname;
	if (!netconf_is_dir(o->run_dir, "systemd/netif"))
		return 0;
	snprintf(why, n, "systemd-networkd's %s/systemd/netif exists", o->run_dir);
	return 1;
}

static int networkd_apply(const struct netconf_options *o, const char *file, const char *ifname,
			  bool file_present, long long deadline)
{
	const char *reload[] = { "reload", NULL };
	const char *reconf[] = { "reconfigure", ifname, NULL };
	int r;

	(void)file;
	(void)file_present;
	r = netconf_run_named(o, "networkctl", reload, deadline);
	return r < 0 ? r : netconf_run_named(o, "networkctl", reconf, deadline);
}

const struct netconf_backend netconf_backend_networkd = {
	.name = "networkd",
	.detect_doc = "systemd-networkd's <run_dir>/systemd/netif exists",
	.detect = networkd_detect,
	.dir = "etc/systemd/network",
	.prefix = "10-hvguest-",
	.suffix = ".network",
	.mode = 0644,
	.format = NETCONF_FORMAT_NETWORKD,
	.apply = networkd_apply,
};
