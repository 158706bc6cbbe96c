/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The NetworkManager backend: a keyfile profile hvguest-<if>, loaded and
 * activated with nmcli. Picked when NetworkManager runs.
 */
#include <stdio.h>

#include "netconf_backend.h"

static int nm_detect(const struct netconf_options *o, const char *ifname, char *why, size_t n)
{
	(void)ifname;
	if (!netconf_is_dir(o->run_dir, "NetworkManager"))
		return 0;
	snprintf(why, n, "NetworkManager runs (%s/NetworkManager exists)", o->run_dir);
	return 1;
}

static int nm_apply(const struct netconf_options *o, const char *file, const char *ifname,
		    bool file_present, long long deadline)
{
	char id[IF_NAMESIZE + 16], wait[24];
	int r;

	snprintf(id, sizeof(id), "hvguest-%s", ifname);
	if (!file_present) {
		/* Put back: a reload forgets the profile whose file is gone. */
		const char *reload[] = { "connection", "reload", NULL };
		return netconf_run_named(o, "nmcli", reload, deadline);
	}
	const char *load[] = { "connection", "load", file, NULL };
	r = netconf_run_named(o, "nmcli", load, deadline);
	if (r < 0)
		return r;
	/* nmcli waits for activation itself; bound it by what is left. */
	long long left = (deadline - netconf_now_ms()) / 1000;
	snprintf(wait, sizeof(wait), "%lld", left < 1 ? 1 : left);
	const char *up[] = { "--wait", wait, "connection", "up", "id", id, NULL };
	return netconf_run_named(o, "nmcli", up, deadline);
}

const struct netconf_backend netconf_backend_networkmanager = {
	.name = "networkmanager",
	.detect_doc = "NetworkManager runs (<run_dir>/NetworkManager exists)",
	.detect = nm_detect,
	.dir = "etc/NetworkManager/system-connections",
	.prefix = "hvguest-",
	.suffix = ".nmconnection",
	.mode = 0600,
	.format = NETCONF_FORMAT_NM_KEYFILE,
	.apply = nm_apply,
};
