/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One IP-injection backend as one descriptor, one file each
 * (netconf_nm.c, netconf_networkd.c, netconf_netplan.c, netconf_ifupdown.c,
 * netconf_ifcfg.c, netconf_nl.c, netconf_script.c), and the table
 * netconf_backends[] in netconf.c that detection (in the table's order),
 * config validation, --help, the man page test and the unit tests read.
 * Adding a backend is one new file and one table row. Also the helpers the
 * backend files share with netconf.c.
 */
#ifndef HVGUEST_NETCONF_BACKEND_H
#define HVGUEST_NETCONF_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "netconf.h"
#include "netconf_render.h"

/* A sentence for the log (why a backend was chosen, or why it refuses). */
#define NETCONF_WHY_MAX 512

struct netconf_backend {
	const char *name;	/* the kvp.ifconfig_backend value */
	const char *detect_doc; /* when auto picks it, for --help and --dry-run-ip */
	/*
	 * Whether this manager manages ifname: 1 (why says how it was seen),
	 * 0, or -errno. NULL: auto never picks it (script).
	 */
	int (*detect)(const struct netconf_options *o, const char *ifname, char *why, size_t n);
	/* The persistent file, under config_root; dir NULL: none (netlink). */
	const char *dir, *prefix, *suffix;
	mode_t mode;
	enum netconf_format format;
	/*
	 * The file's path when the backend computes it itself (NULL: dir +
	 * prefix + ifname + suffix). May refuse (-errno, why says why) before
	 * anything is written: ifupdown when the admin's file would conflict.
	 */
	int (*target)(const struct netconf_options *o, const char *ifname, char *path, size_t size,
		      char *why, size_t n);
	/* Applied live over netlink (a snapshot is restored on failure). */
	bool uses_netlink;
	/* Before the file changes (new or put back): deconfigure; may be NULL. */
	int (*take_down)(const struct netconf_options *o, const char *ifname, long long deadline);
	/* After the file changed or was put back (file_present: it exists). */
	int (*apply)(const struct netconf_options *o, const char *file, const char *ifname,
		     bool file_present, long long deadline);
	/* Does everything itself (script): writes, applies and rolls back. */
	int (*run_whole)(const struct netconf_options *o, const struct netconf_plan *plan,
			 long long deadline);
};

extern const struct netconf_backend netconf_backend_networkmanager, netconf_backend_networkd,
	netconf_backend_netplan, netconf_backend_ifupdown, netconf_backend_ifcfg,
	netconf_backend_netlink, netconf_backend_script;

/* Shared by netconf.c and the backend files. */
long long netconf_now_ms(void);
int netconf_path_join(char *buf, size_t size, const char *a, const char *b);
int netconf_write_atomic(const char *path, const char *data, size_t len, mode_t mode);
/* Run a command found in o->command_path until the deadline; exit 0 or -errno. */
int netconf_run(const struct netconf_options *o, const char *path, const char *const *args,
		long long deadline);
int netconf_run_named(const struct netconf_options *o, const char *name, const char *const *args,
		      long long deadline);
bool netconf_is_dir(const char *root, const char *rel);

#endif
