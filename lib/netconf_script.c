/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The script backend: upstream's contract, hv_set_ifconfig <ifcfg>
 * <keyfile> (hv-protocol.md section 2.8). The script owns persistence and
 * rollback; its exit status decides. Never picked by auto.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "netconf_backend.h"

static int script_run(const struct netconf_options *o, const struct netconf_plan *plan,
		      long long deadline)
{
	char ifcfg[PATH_MAX], keyfile[PATH_MAX], script[PATH_MAX], name[IF_NAMESIZE + 16];
	_cleanup_free_ char *t1 = NULL, *t2 = NULL;
	int r;

	snprintf(name, sizeof(name), "ifcfg-%s", plan->ifname);
	r = netconf_path_join(ifcfg, sizeof(ifcfg), o->state_dir, name);
	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "%s.nmconnection", plan->ifname);
	r = netconf_path_join(keyfile, sizeof(keyfile), o->state_dir, name);
	if (r < 0)
		return r;
	r = netconf_path_join(script, sizeof(script), o->scripts_dir, "hv_set_ifconfig");
	if (r < 0)
		return r;
	r = netconf_render(NETCONF_FORMAT_UPSTREAM_IFCFG, plan, &t1);
	if (r < 0)
		return r;
	r = netconf_render(NETCONF_FORMAT_UPSTREAM_KEYFILE, plan, &t2);
	if (r < 0)
		return r;
	/* 0600, not upstream's umask default: the files end up as system profiles. */
	r = netconf_write_atomic(ifcfg, t1, strlen(t1), 0600);
	if (r < 0)
		return r;
	r = netconf_write_atomic(keyfile, t2, strlen(t2), 0600);
	if (r < 0)
		return r;
	const char *args[] = { ifcfg, keyfile, NULL };
	return netconf_run(o, script, args, deadline);
}

const struct netconf_backend netconf_backend_script = {
	.name = "script",
	.run_whole = script_run,
};
