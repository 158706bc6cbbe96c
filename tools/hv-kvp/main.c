/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-kvp: the KVP pools from a shell. Parses the command line (options may
 * come before or after the subcommand), builds the configuration the same
 * way the daemons do (defaults, the config file and its drop-ins, -o), and
 * runs one subcommand. Exit: 0 ok, 1 not found, 2 usage or bad input,
 * 3 I/O or lock failure.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hvkvp.h"
#include "macro.h"

#ifndef HVGUEST_VERSION
#define HVGUEST_VERSION "unknown"
#endif

enum {
	OPT_POOL_DIR = 0x100,
	OPT_LOCK_TIMEOUT,
};

static const struct option long_options[] = {
	{ "pool", required_argument, NULL, 'p' },
	{ "json", no_argument, NULL, 'j' },
	{ "pool-dir", required_argument, NULL, OPT_POOL_DIR },
	{ "config", required_argument, NULL, 'c' },
	{ "option", required_argument, NULL, 'o' },
	{ "count", required_argument, NULL, 'n' },
	{ "lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

static const struct {
	const char *name;
	int (*run)(struct hvkvp *k);
} commands[] = {
	{ "list", cmd_list },	  { "get", cmd_get },	  { "set", cmd_set },
	{ "delete", cmd_delete }, { "watch", cmd_watch }, { "host", cmd_host },
};

static void help(void)
{
	printf("Usage: hv-kvp [OPTIONS] COMMAND [ARGS]\n"
	       "\n"
	       "Read and write the Hyper-V KVP (Data Exchange) pools.\n"
	       "\n"
	       "Commands:\n"
	       "  list                 every record, grouped by pool (or only --pool's)\n"
	       "  get KEY              print KEY's value (first found; --pool to choose)\n"
	       "  set KEY VALUE        write KEY for the host (pool guest unless --pool)\n"
	       "  delete KEY           remove KEY (pool guest unless --pool)\n"
	       "  watch                print changes as they happen, until interrupted\n"
	       "  host                 what the host says about itself (pool auto-external)\n"
	       "\n"
	       "Options:\n"
	       "  -p, --pool POOL      0-4, external, guest, auto, auto-external, auto-internal\n"
	       "  -j, --json           JSON: an array of records (list, get, host);\n"
	       "                       one record object a line (watch)\n"
	       "      --pool-dir DIR   the pool files' directory (default: kvp.pool_dir)\n"
	       "  -c, --config FILE    configuration file (default %s)\n"
	       "  -o, --option S.K=V   set one configuration key, e.g. kvp.pool_dir=/tmp/p\n"
	       "  -n, --count N        watch: exit after N changes\n"
	       "      --lock-timeout MS  give up on a pool lock after MS (default 2000)\n"
	       "  -h, --help           this text\n"
	       "  -V, --version        the version\n"
	       "\n"
	       "A VALUE that starts with '-' goes after \"--\": hv-kvp set -- Key -5\n"
	       "Exit: 0 ok, 1 not found, 2 usage or bad input, 3 I/O or lock failure.\n"
	       "See hv-kvp(1).\n",
	       HVGUEST_CONFIG_FILE);
}

static int usage(const char *fmt, const char *arg)
{
	fputs("hv-kvp: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (see hv-kvp --help)\n", stderr);
	return HVKVP_EXIT_USAGE;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int load_config(struct hv_config *c, const char *path, char **options, size_t n_options)
{
	_cleanup_free_ char *message = NULL;
	int r;

	r = config_init(c);
	if (r < 0) {
		fprintf(stderr, "hv-kvp: %s\n", strerror(-r));
		return HVKVP_EXIT_IO;
	}
	/* An explicit file is exactly what was asked for: no drop-ins beside it. */
	if (path)
		r = config_load_file(c, path, true, &message);
	else {
		r = config_load_file(c, HVGUEST_CONFIG_FILE, false, &message);
		if (r >= 0)
			r = config_load_dropins(c, HVGUEST_CONFIG_FILE, &message);
	}
	for (size_t i = 0; r >= 0 && i < n_options; i++)
		r = config_set_option(c, options[i], &message);
	if (r < 0) {
		if (message)
			fprintf(stderr, "hv-kvp: %s\n", message);
		else
			fprintf(stderr, "hv-kvp: %s: %s\n", path ? path : HVGUEST_CONFIG_FILE,
				strerror(-r));
		config_done(c);
		return r == -EINVAL || r == -ENOENT ? HVKVP_EXIT_USAGE : HVKVP_EXIT_IO;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct hvkvp k = { .pool = HVKVP_POOL_ALL };
	_cleanup_free_ char **options = calloc((size_t)argc + 1, sizeof(char *));
	const char *config_path = NULL, *pool_dir = NULL;
	size_t n_options = 0;
	unsigned long v;
	unsigned pool;
	int c, r;

	if (!options)
		return HVKVP_EXIT_IO;
	while ((c = getopt_long(argc, argv, "p:jc:o:n:hV", long_options, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (pool_parse(optarg, &pool) < 0)
				return usage("unknown pool \"%s\" (0-4, external, guest, auto, "
					     "auto-external, auto-internal)",
					     optarg);
			k.pool = (int)pool;
			break;
		case 'j':
			k.json = true;
			break;
		case OPT_POOL_DIR:
			if (!*optarg)
				return usage("%s--pool-dir needs a directory", "");
			pool_dir = optarg;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'o':
			options[n_options++] = optarg;
			break;
		case 'n':
			if (parse_ulong(optarg, ULONG_MAX, &v) < 0 || v == 0)
				return usage("bad --count \"%s\" (a positive number)", optarg);
			k.count = v;
			break;
		case OPT_LOCK_TIMEOUT:
			if (parse_ulong(optarg, 600000, &v) < 0 || v == 0)
				return usage("bad --lock-timeout \"%s\" (milliseconds, 1-600000)",
					     optarg);
			k.lock_timeout_ms = (unsigned)v;
			break;
		case 'h':
			help();
			return HVKVP_EXIT_OK;
		case 'V':
			printf("hv-kvp %s\n", HVGUEST_VERSION);
			return HVKVP_EXIT_OK;
		default:
			return HVKVP_EXIT_USAGE; /* getopt printed the reason */
		}
	}
	if (optind >= argc)
		return usage("%sa command is needed: list, get, set, delete, watch or host", "");

	const char *name = argv[optind];
	int (*run)(struct hvkvp *) = NULL;
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (strcmp(name, commands[i].name) == 0)
			run = commands[i].run;
	if (!run)
		return usage("unknown command \"%s\"", name);
	if (k.count && run != cmd_watch)
		return usage("%s--count is only for watch", "");
	k.args = argv + optind + 1;
	k.n_args = (size_t)(argc - optind - 1);

	r = load_config(&k.config, config_path, options, n_options);
	if (r != 0)
		return r;
	k.pool_dir = pool_dir ? pool_dir : k.config.kvp_pool_dir;

	r = run(&k);
	if (fflush(stdout) != 0 && r == HVKVP_EXIT_OK) {
		fprintf(stderr, "hv-kvp: writing the output: %s\n", strerror(errno));
		r = HVKVP_EXIT_IO;
	}
	config_done(&k.config);
	return r;
}
