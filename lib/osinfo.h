/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest facts for the AUTO pool (2): the ten keys in upstream's index order
 * (hv-protocol.md section 2.6). Every source path is overridable for tests.
 */
#ifndef HVGUEST_OSINFO_H
#define HVGUEST_OSINFO_H

#include <stdint.h>

#include "hv_abi.h"

struct osinfo_options {
	const char *os_release;		   /* default /etc/os-release */
	const char *const *exclude_ifaces; /* fnmatch globs; NULL = built-in default list */
	unsigned fqdn_timeout_ms;	   /* bound on one FQDN lookup */
};

struct osinfo;

int osinfo_new(const struct osinfo_options *opts, struct osinfo **ret);
struct osinfo *osinfo_free(struct osinfo *o);

/*
 * Item index (0..9) of the AUTO pool: key and value, NUL-terminated.
 * is_version is the kernel's registration version string (may be NULL:
 * "Unknown version"). Returns 0, or -ENOENT for index >= 10.
 * Never blocks longer than fqdn_timeout_ms; never reports an error text as
 * a value.
 */
int osinfo_auto_item(struct osinfo *o, uint32_t index, const char *is_version,
		     char ret_key[KVP_KEY_MAX], char ret_value[KVP_VALUE_MAX]);

/* The index of an AUTO pool key (exact name), or -ENOENT. Pure, no lookups. */
int osinfo_auto_index(const char *key, uint32_t *ret_index);

/* The default interface exclusion globs (NULL-terminated). */
extern const char *const osinfo_default_exclude_ifaces[];

#endif
