/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `hv-hostsim bench`: play the kernel's side of the KVP device for one
 * responder (hypervkvpd, the upstream daemon under the LD_PRELOAD shim, or
 * bench/kvp-null) and measure host round trips per second.
 */
#ifndef HVGUEST_HOSTSIM_BENCH_H
#define HVGUEST_HOSTSIM_BENCH_H

/*
 * argv[0] is the subcommand name ("bench"); the options follow:
 *   --socket PATH --op set|get|enum [--pool P] [--records N]
 *   [--seconds S | --count C] [--warmup C] [--accept-timeout S]
 * Prints one result line on stdout. Returns the process exit status
 * (HS_EXIT_* in hostsim.h): 0 every reply succeeded, 1 some reply failed or
 * was malformed, 2 bad usage, 3 I/O error or timeout (no responder came, or
 * it went away or quiet).
 */
int hostsim_bench_main(int argc, char **argv);

#endif
