/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ifcfg backend: network-scripts' ifcfg-<if>, read at boot, and the
 * same applied live over netlink (there is no daemon to tell).
 */
#include <limits.h>
#include <stdio.h>

#include "netconf_backend.h"

static int ifcfg_detect(const struct netconf_options *o, const char *ifname, char *why, size_t n)
{
	char path[PATH_MAX];

	(void)ifname;
	if (!netconf_is_dir(o->config_root, "etc/sysconfig/network-scripts") ||
	    netconf_path_join(path, sizeof(path), o->config_root, "etc/sysconfig/network-scripts") <
		    0)
		return 0;
	snprintf(why, n, "%s exists", path);
	return 1;
}

const struct netconf_backend netconf_backend_ifcfg = {
	.name = "ifcfg",
	.detect_doc = "<config_root>/etc/sysconfig/network-scripts exists",
	.detect = ifcfg_detect,
	.dir = "etc/sysconfig/network-scripts",
	.prefix = "ifcfg-",
	.suffix = "",
	.mode = 0644,
	.format = NETCONF_FORMAT_IFCFG,
	.uses_netlink = true,
};
