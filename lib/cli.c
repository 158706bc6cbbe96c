/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line every daemon shares. Printing here is deliberate: this
 * is the one lib/ module whose job is to talk to the person at the
 * terminal (--help, --version, usage errors), and it never exits itself.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

#ifndef HVGUEST_VERSION
#define HVGUEST_VERSION "unknown"
#endif

enum {
	OPT_CHECK_CONFIG = 0x100,
	OPT_DUMP_CONFIG,
	OPT_FLAG_BASE, /* the daemon's own flags: OPT_FLAG_BASE + index */
};

static const struct option std_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "option", required_argument, NULL, 'o' },
	{ "debug", no_argument, NULL, 'd' },
	{ "no-daemon", no_argument, NULL, 'n' },
	{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
	{ "dump-config", no_argument, NULL, OPT_DUMP_CONFIG },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
};

static void help(const char *prog, const char *summary, const struct cli_flag *flags,
		 size_t n_flags)
{
	printf("Usage: %s [OPTIONS]\n", prog);
	if (summary)
		printf("%s\n", summary);
	printf("\n"
	       "  -c, --config FILE      read only FILE, instead of %s\n"
	       "                         and its drop-ins %s.d/*.conf\n"
	       "  -o, --option SECTION.KEY=VALUE\n"
	       "                         set one configuration key, overriding the files;\n"
	       "                         may be repeated, applied in order\n"
	       "  -d, --debug            log debug messages (same as -o daemon.debug=yes)\n"
	       "  -n, --no-daemon        accepted for compatibility: the daemon always stays\n"
	       "                         in the foreground (systemd supervises it)\n"
	       "      --check-config     check the configuration, print \"configuration OK\"\n"
	       "                         and exit\n"
	       "      --dump-config      print the effective configuration and exit\n",
	       HVGUEST_CONFIG_FILE, HVGUEST_CONFIG_FILE);
	for (size_t i = 0; i < n_flags; i++) {
		size_t len = strlen(flags[i].long_name);
		if (len <= 16)
			printf("      --%-16s %s\n", flags[i].long_name, flags[i].help);
		else
			printf("      --%s\n%25s%s\n", flags[i].long_name, "", flags[i].help);
	}
	printf("  -V, --version          print the version and exit\n"
	       "  -h, --help             print this help and exit\n"
	       "\n"
	       "Configuration keys are described in hvguest.conf(5). A bad option or\n"
	       "configuration exits with status 2.\n");
}

static enum cli_result usage_error(const char *prog)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	return CLI_EXIT_USAGE;
}

enum cli_result daemon_cli_parse(int argc, char **argv, const char *prog, const char *summary,
				 const struct cli_flag *flags, size_t n_flags,
				 struct daemon_cli *ret)
{
	struct daemon_cli cli = { 0 };
	_cleanup_free_ struct option *opts = NULL;
	_cleanup_free_ bool *seen = NULL;
	size_t n_std = ELEMENTSOF(std_options);
	enum cli_result result = CLI_RUN;
	int ch;

	if (!flags)
		n_flags = 0;
	opts = calloc(n_std + n_flags + 1, sizeof(*opts));
	seen = calloc(n_flags + 1, sizeof(*seen));
	if (!opts || !seen) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return CLI_EXIT_USAGE;
	}
	memcpy(opts, std_options, sizeof(std_options));
	for (size_t i = 0; i < n_flags; i++)
		opts[n_std + i] = (struct option){ flags[i].long_name, no_argument, NULL,
						   OPT_FLAG_BASE + (int)i };

	/* 0, not 1: makes glibc's getopt start afresh when called again (tests). */
	optind = 0;
	opterr = 1;
	while ((ch = getopt_long(argc, argv, "c:o:dnVh", opts, NULL)) >= 0) {
		switch (ch) {
		case 'c':
			cli.config_path = optarg;
			break;
		case 'o': {
			char **n = realloc(cli.options, (cli.n_options + 1) * sizeof(char *));
			if (!n) {
				fprintf(stderr, "%s: out of memory\n", prog);
				result = CLI_EXIT_USAGE;
				goto out;
			}
			cli.options = n;
			cli.options[cli.n_options++] = optarg;
			break;
		}
		case 'd':
			cli.debug = true;
			break;
		case 'n':
			/* The upstream daemons fork unless -n; these never fork. */
			break;
		case OPT_CHECK_CONFIG:
			cli.check_config = true;
			break;
		case OPT_DUMP_CONFIG:
			cli.dump_config = true;
			break;
		case 'V':
			printf("%s (hvguest) %s\n", prog, HVGUEST_VERSION);
			result = CLI_EXIT_OK;
			goto out;
		case 'h':
			help(prog, summary, flags, n_flags);
			result = CLI_EXIT_OK;
			goto out;
		default:
			if (ch >= OPT_FLAG_BASE && (size_t)(ch - OPT_FLAG_BASE) < n_flags) {
				seen[ch - OPT_FLAG_BASE] = true;
				break;
			}
			/* getopt has already said what was wrong. */
			result = usage_error(prog);
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		result = usage_error(prog);
		goto out;
	}

	for (size_t i = 0; i < n_flags; i++)
		if (seen[i] && flags[i].value)
			*flags[i].value = true;
	*ret = cli;
	return CLI_RUN;
out:
	free(cli.options);
	return result;
}

void daemon_cli_done(struct daemon_cli *cli)
{
	if (!cli)
		return;
	free(cli->options);
	cli->options = NULL;
	cli->n_options = 0;
}

static int report(int r, char *message)
{
	if (r == -ENOMEM && !message)
		fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);
	else
		fprintf(stderr, "%s: %s\n", program_invocation_short_name,
			message ? message : strerror(-r));
	free(message);
	return r == -ENOMEM ? -ENOMEM : -EINVAL;
}

int daemon_config_load(const struct daemon_cli *cli, struct hv_config *ret_config)
{
	struct hv_config c;
	char *message = NULL;
	int r;

	r = config_init(&c);
	if (r < 0)
		return report(r, NULL);

	/* An explicit file is exactly what was asked for: no drop-ins beside it. */
	if (cli->config_path)
		r = config_load_file(&c, cli->config_path, true, &message);
	else {
		r = config_load_file(&c, HVGUEST_CONFIG_FILE, false, &message);
		if (r >= 0)
			r = config_load_dropins(&c, HVGUEST_CONFIG_FILE, &message);
	}
	for (size_t i = 0; r >= 0 && i < cli->n_options; i++)
		r = config_set_option(&c, cli->options[i], &message);
	if (r < 0) {
		config_done(&c);
		return report(r, message);
	}
	if (cli->debug)
		c.debug = true;
	*ret_config = c;
	return 0;
}
