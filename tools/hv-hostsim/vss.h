/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hv-hostsim's VSS part: the kernel's hv_snapshot driver and the host behind it. */
#ifndef HVGUEST_HOSTSIM_VSS_H
#define HVGUEST_HOSTSIM_VSS_H

/* vss.c: the `hv-hostsim vss` subcommand. */
int hostsim_vss_main(int argc, char **argv);

#endif
