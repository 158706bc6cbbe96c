/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * LD_PRELOAD fault shim for tests/faults/test-kvp-pool-faults.sh: while the
 * file named by $HVFAULT_EIO_TRIGGER exists, pwrite(), write() and
 * ftruncate() (and their 64-bit names) on a KVP pool file (an fd whose
 * path contains "/.kvp_pool_") fail with EIO, as a dying disk would. Each failure appends a line to
 * $HVFAULT_EIO_TRIGGER.count so the test can count the faults injected.
 * A shim instead of a device-mapper "error" target: no block device, no
 * dmsetup, works on any filesystem, and the fault is switched per request.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int shim_should_fail(int fd)
{
	const char *trigger = getenv("HVFAULT_EIO_TRIGGER");
	if (!trigger || access(trigger, F_OK) != 0)
		return 0;
	char link[64], target[4096];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	if (!strstr(target, "/.kvp_pool_"))
		return 0;
	char count[4200];
	snprintf(count, sizeof(count), "%s.count", trigger);
	int c = open(count, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (c >= 0) {
		static const char line[] = "EIO\n";
		ssize_t (*real_write)(int, const void *, size_t) =
			(ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
		if (real_write)
			(void)real_write(c, line, sizeof(line) - 1);
		close(c);
	}
	return 1;
}

#define SHIM(ret, name, params, args, fdarg)                                  \
	ret name params                                                       \
	{                                                                     \
		static ret(*real) params;                                     \
		if (!real)                                                    \
			real = (ret(*) params)dlsym(RTLD_NEXT, #name);        \
		if (shim_should_fail(fdarg)) {                                \
			errno = EIO;                                          \
			return -1;                                            \
		}                                                             \
		return real args;                                             \
	}

SHIM(ssize_t, pwrite, (int fd, const void *buf, size_t len, off_t off), (fd, buf, len, off), fd)
SHIM(ssize_t, pwrite64, (int fd, const void *buf, size_t len, off64_t off), (fd, buf, len, off), fd)
SHIM(ssize_t, write, (int fd, const void *buf, size_t len), (fd, buf, len), fd)
SHIM(int, ftruncate, (int fd, off_t len), (fd, len), fd)
SHIM(int, ftruncate64, (int fd, off64_t len), (fd, len), fd)
