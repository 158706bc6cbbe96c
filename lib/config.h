/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Configuration: one key table drives parsing (inih), -o overrides,
 * --dump-config, validation errors with file:line, and the man page's list.
 */
#ifndef HVGUEST_CONFIG_H
#define HVGUEST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifndef HVGUEST_SYSCONFDIR
#define HVGUEST_SYSCONFDIR "/etc"
#endif
#ifndef HVGUEST_LOCALSTATEDIR
#define HVGUEST_LOCALSTATEDIR "/var"
#endif
#ifndef HVGUEST_RUNSTATEDIR
#define HVGUEST_RUNSTATEDIR "/run"
#endif

#define HVGUEST_CONFIG_FILE HVGUEST_SYSCONFDIR "/hvguest/hvguest.conf"

enum config_type {
	CONFIG_STRING, /* any text */
	CONFIG_PATH,   /* absolute path */
	CONFIG_BOOL,   /* yes/no, true/false, on/off, 1/0 */
	CONFIG_UINT,   /* decimal unsigned, within [min, max] */
	CONFIG_MSEC,   /* duration: "250ms", "2s", "1min", bare number = ms */
	CONFIG_MODE,   /* octal file mode, e.g. 0644 */
	CONFIG_STRV,   /* whitespace-separated list (e.g. globs) */
	CONFIG_ENUM,   /* one of the names enum_value() lists, kept as a string */
};

/* Every setting of every daemon. Strings are owned (heap); strv NULL-terminated. */
struct hv_config {
	/* [kvp] */
	char *kvp_device;	       /* kvp.device */
	char *kvp_pool_dir;	       /* kvp.pool_dir */
	unsigned kvp_pool_mode;	       /* kvp.pool_mode: mode of new pool files */
	char *kvp_os_release;	       /* kvp.os_release: path to os-release */
	char **kvp_exclude_interfaces; /* kvp.exclude_interfaces: globs */
	unsigned kvp_fqdn_timeout_ms;  /* kvp.fqdn_timeout */
	bool kvp_sync;		       /* kvp.sync: fdatasync after each pool write */
	/* SET_IP_INFO (static IP injection), lib/netconf.h */
	char *kvp_ifconfig_backend; /* kvp.ifconfig_backend: auto, networkmanager, networkd, ... */
	char *kvp_scripts_dir;	    /* kvp.scripts_dir: hv_set_ifconfig for the script backend */
	char *kvp_config_root;	    /* kvp.config_root: prefixes every network config path */
	char *kvp_run_dir;	    /* kvp.run_dir: /run, read to detect the network manager */
	char *kvp_sysfs_net;	    /* kvp.sysfs_net: /sys/class/net */
	unsigned kvp_apply_timeout_ms; /* kvp.apply_timeout: bound on the interface coming up */
	char **kvp_command_path; /* kvp.command_path: dirs searched for nmcli, networkctl, netplan
				  */
	/* GET_IP_INFO, lib/netinfo.h (also reads kvp_run_dir) */
	char *kvp_resolv_conf; /* kvp.resolv_conf: DNS servers when no network manager says */
	/* [vss] */
	char *vss_device;	      /* vss.device */
	char **vss_include;	      /* vss.include: mount point globs; empty = none */
	char **vss_exclude;	      /* vss.exclude: mount point globs */
	char **vss_skip_types;	      /* vss.skip_types: filesystem type globs */
	char *vss_hooks_dir;	      /* vss.hooks_dir */
	unsigned vss_hook_timeout_ms; /* vss.hook_timeout */
	unsigned vss_max_frozen_ms;   /* vss.max_frozen: auto-thaw */
	char *vss_state_dir;	      /* vss.state_dir: the frozen list, for --thaw */
	/* [fcopy] */
	char *fcopy_device;	    /* fcopy.device: legacy char device (or socket) */
	char *fcopy_transport;	    /* fcopy.transport: auto, chardev or uio */
	char **fcopy_allowed_roots; /* fcopy.allowed_roots: absolute directories */
	unsigned fcopy_file_mode;   /* fcopy.file_mode: mode of copied files */
	char *fcopy_sysfs_root;	    /* fcopy.sysfs_root: where VMBus devices are listed (UIO) */
	char *fcopy_uio_dev_dir;    /* fcopy.uio_dev_dir: where uioN device nodes are */
	char *fcopy_uio_driver_dir; /* fcopy.uio_driver_dir: uio_hv_generic's sysfs dir ("" = never
				       bind) */
	/* [daemon] */
	unsigned watchdog_ms; /* reserved: from WATCHDOG_USEC normally */
	bool debug;	      /* daemon.debug */
};

struct config_key {
	const char *section;
	const char *key;
	enum config_type type;
	size_t offset; /* in struct hv_config */
	const char *default_value;
	unsigned long min, max; /* CONFIG_UINT / CONFIG_MSEC bounds */
	const char *doc;
	/* CONFIG_ENUM: the i-th accepted value, NULL past the end. */
	const char *(*enum_value)(size_t i);
};

extern const struct config_key config_keys[];
extern const size_t config_keys_count;

/* Fill with every key's default. Returns 0 or -ENOMEM. */
int config_init(struct hv_config *c);
void config_done(struct hv_config *c);

/*
 * Parse one INI file. A missing file is not an error when must_exist is
 * false. On a bad line returns -EINVAL and, if ret_error is set, a message
 * "FILE:LINE: ..." (caller frees). config_load_dropins() then reads every
 * <main_path>.d/ *.conf in name order.
 */
int config_load_file(struct hv_config *c, const char *path, bool must_exist, char **ret_error);
int config_load_dropins(struct hv_config *c, const char *main_path, char **ret_error);

/* Parse from memory (the fuzzer's entry point); name is used in errors. */
int config_load_string(struct hv_config *c, const char *text, size_t len, const char *name,
		       char **ret_error);

/* "section.key=value" from -o. */
int config_set_option(struct hv_config *c, const char *assignment, char **ret_error);

/* Set one key from text; "where" prefixes any error ("FILE:LINE" or "-o"). */
int config_set(struct hv_config *c, const char *section, const char *key, const char *value,
	       const char *where, char **ret_error);

/* Write every key with its current value, INI form, grouped by section. */
void config_dump(const struct hv_config *c, FILE *f);

#endif
