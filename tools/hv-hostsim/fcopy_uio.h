/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-hostsim fcopy --uio DIR: the host (and kernel) side of the VMBus ring
 * that hypervfcopyd maps on kernels >= 6.10, as a transport of
 * `hv-hostsim fcopy` (fcopy.h). It builds in DIR the sysfs-like tree, the
 * ring file both sides map and the interrupt socket of lib/fcopy_uio.h
 * ("Simulation contract"), sends each message in raw host form (UTF-16LE
 * names) inside IC and VMBus framing, and reads the answers from the TX
 * ring. It also sends malformed packets for tests.
 *
 * Tree under DIR (configure the daemon with fcopy.transport = uio,
 * fcopy.sysfs_root = DIR/sys/bus/vmbus/devices, fcopy.uio_dev_dir = DIR/dev,
 * fcopy.uio_driver_dir = DIR/sys/bus/vmbus/drivers/uio_hv_generic):
 *   sys/bus/vmbus/devices/eb765408-105f-49b6-b4aa-c123b64d17d4/class_id
 *   sys/bus/vmbus/devices/eb765408-…/uio/uio3/     (3, so that no one assumes 0)
 *   sys/bus/vmbus/devices/eb765408-…/channels/14/ring   (2 * ring_size bytes)
 *   sys/bus/vmbus/drivers/uio_hv_generic/new_id
 *   dev/uio3                                       (SOCK_SEQPACKET socket)
 *
 * The argument is DIR[,unbound][,ring=BYTES]: with unbound, uio/ is missing
 * until the daemon writes the class GUID to new_id, as on a kernel with no
 * static ID for the device; ring is the per-direction size including the
 * 4 KiB header (default 0x5000, VMBUS_RING_SIZE(0x4000) on 4 KiB pages).
 */
#ifndef HVGUEST_HOSTSIM_FCOPY_UIO_H
#define HVGUEST_HOSTSIM_FCOPY_UIO_H

#include "fcopy.h"

#define HS_UIO_DEFAULT_RING_SIZE 0x5000u

/* Malformed kinds, for --malformed (and --help). */
#define HS_UIO_MALFORMED_KINDS                                                                     \
	"ring-offset-small ring-offset-big ring-len short-ic short-fcopy negotiate-none "          \
	"write-size write-trunc name-unpaired name-no-nul spurious batch"

int hs_fcopy_uio_new(const char *arg, struct hs_fcopy_transport **ret);

#endif
