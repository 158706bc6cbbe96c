/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The netplan backend: 90-hvguest-<if>.yaml, then netplan apply. Picked
 * first when a netplan file names the interface: netplan generates the
 * NetworkManager or networkd configuration, which would be overwritten.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "netconf_backend.h"

/* The netplan file that configures ifname (has a "<ifname>:" key), into ret. */
static bool netplan_mentions(const char *dir, const char *ifname, char ret[PATH_MAX])
{
	char path[PATH_MAX], line[512];
	struct dirent *de;
	bool found = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".yaml") != 0)
			continue;
		if (netconf_path_join(path, sizeof(path), dir, de->d_name) < 0)
			continue;
		_cleanup_fclose_ FILE *f = fopen(path, "re");
		while (f && !found && fgets(line, sizeof(line), f)) {
			const char *p = line + strspn(line, " \t");
			size_t n = strlen(ifname);
			found = strncmp(p, ifname, n) == 0 && p[n] == ':';
		}
		if (found)
			strcpy(ret, path);
	}
	closedir(d);
	return found;
}

static int netplan_detect(const struct netconf_options *o, const char *ifname, char *why, size_t n)
{
	char dir[PATH_MAX], file[PATH_MAX];

	if (netconf_path_join(dir, sizeof(dir), o->config_root, "etc/netplan") < 0 ||
	    !netplan_mentions(dir, ifname, file))
		return 0;
	snprintf(why, n, "netplan's %s names %s", file, ifname);
	return 1;
}

static int netplan_apply(const struct netconf_options *o, const char *file, const char *ifname,
			 bool file_present, long long deadline)
{
	const char *apply[] = { "apply", NULL };
	(void)file;
	(void)ifname;
	(void)file_present;
	return netconf_run_named(o, "netplan", apply, deadline);
}

const struct netconf_backend netconf_backend_netplan = {
	.name = "netplan",
	.detect_doc = "a file in <config_root>/etc/netplan has a key named after the interface",
	.detect = netplan_detect,
	.dir = "etc/netplan",
	.prefix = "90-hvguest-",
	.suffix = ".yaml",
	/* netplan warns about (and some versions refuse) world-readable files. */
	.mode = 0600,
	.format = NETCONF_FORMAT_NETPLAN,
	.apply = netplan_apply,
};
