/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line shared by hypervkvpd, hypervvssd and hypervfcopyd:
 * -c/--config, -o/--option SECTION.KEY=VALUE, -d/--debug, -n/--no-daemon,
 * --check-config, --dump-config, -V/--version, -h/--help, plus options of
 * one daemon (e.g. hypervvssd --thaw) passed in as a table.
 */
#ifndef HVGUEST_CLI_H
#define HVGUEST_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* One daemon-specific flag without argument (e.g. "thaw", "dry-run"). */
struct cli_flag {
	const char *long_name;
	const char *help;
	bool *value;
};

struct daemon_cli {
	const char *config_path; /* NULL: the default file + drop-ins */
	char **options;		 /* -o values, in order (pointers into argv) */
	size_t n_options;
	bool debug, check_config, dump_config;
};

enum cli_result {
	CLI_RUN = 0,	    /* go on */
	CLI_EXIT_OK = 1,    /* --help / --version printed: exit 0 */
	CLI_EXIT_USAGE = 2, /* bad usage, message printed to stderr: exit 2 */
};

/*
 * prog: program name; summary: one line for --help; flags: extra flags
 * (may be NULL/0). Prints --help and --version to stdout itself.
 */
enum cli_result daemon_cli_parse(int argc, char **argv, const char *prog, const char *summary,
				 const struct cli_flag *flags, size_t n_flags,
				 struct daemon_cli *ret);
void daemon_cli_done(struct daemon_cli *cli);

/*
 * Build the effective configuration: defaults, then the config file(s)
 * (the explicit one must exist; the default may be absent), then each -o
 * in order, then -d. Errors are printed to stderr naming file, line and
 * key; returns 0 or -EINVAL (callers exit 2) / -ENOMEM.
 */
int daemon_config_load(const struct daemon_cli *cli, struct hv_config *ret_config);

#endif
