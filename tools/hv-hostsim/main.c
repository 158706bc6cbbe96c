/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-hostsim: a simulated Hyper-V host and kernel driver for the hvguest
 * daemons. Each protocol is a subcommand in its own file; this one only
 * dispatches.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "fcopy.h"
#include "hostsim.h"
#include "kvp.h"
#include "macro.h"
#include "vss.h"

#ifndef HVGUEST_VERSION
#define HVGUEST_VERSION "unknown"
#endif

static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "kvp", hostsim_kvp_main, "play the KVP driver and host against a KVP daemon" },
	{ "vss", hostsim_vss_main, "play the VSS driver and host against a VSS daemon" },
	{ "bench", hostsim_bench_main, "measure KVP round trips per second" },
	{ "fcopy", hostsim_fcopy_main, "play the host's Copy-VMFile against an fcopy daemon" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: hv-hostsim COMMAND [OPTIONS]\n"
		   "       hv-hostsim --help | --version\n"
		   "\n"
		   "Simulate the Hyper-V host and the kernel's hv_utils driver on an AF_UNIX\n"
		   "SOCK_SEQPACKET socket that a daemon uses as its device.\n"
		   "\n"
		   "Commands:\n");
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun \"hv-hostsim COMMAND --help\" for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return HS_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return HS_EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("hv-hostsim %s\n", HVGUEST_VERSION);
		return HS_EXIT_OK;
	}
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			/* The command sees itself as argv[0], like a program of its own. */
			return commands[i].main(argc - 1, argv + 1);

	fprintf(stderr, "hv-hostsim: unknown command \"%s\" (try --help)\n", argv[1]);
	return HS_EXIT_USAGE;
}
