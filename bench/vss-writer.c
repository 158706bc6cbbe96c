/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What an application feels during a backup: write 4 KiB at a time to one
 * file, as fast as possible, for a given time, and report the longest gap
 * between two completed writes (ms). A frozen filesystem blocks the write
 * until it is thawed; that gap is the stall.
 *
 * On a shared machine the longest gap may also be a moment the writer
 * waited for a CPU, freeze or not. So each gap is also measured without
 * the time the writer spent runnable on a run queue (run_delay, from
 * /proc/thread-self/schedstat): max_blocked_ms, the longest time it slept
 * in the kernel (a freeze, or dirty-page throttling), is what the
 * filesystem made it wait.
 *
 * Usage: vss-writer FILE SECONDS
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Time spent waiting on a run queue so far (us), or -1 without schedstat. */
static long long run_delay_us(int fd)
{
	char buf[128];
	unsigned long long run, wait;

	if (fd < 0)
		return -1;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &run, &wait) != 2)
		return -1;
	return (long long)(wait / 1000);
}

int main(int argc, char **argv)
{
	static char block[4096];
	/* The file cycles over 4 MiB, so the filesystem never fills. */
	const off_t span = 4 << 20;

	if (argc != 3) {
		fprintf(stderr, "usage: vss-writer FILE SECONDS\n");
		return 2;
	}
	double secs = atof(argv[2]);
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "vss-writer: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	int sfd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	memset(block, 'x', sizeof(block));
	long long start = now_us(), last = start, end = start + (long long)(secs * 1e6);
	long long last_delay = run_delay_us(sfd);
	long long max_gap = 0, max_blocked = 0, writes = 0;
	off_t off = 0;
	while (last < end) {
		if (pwrite(fd, block, sizeof(block), off) != (ssize_t)sizeof(block)) {
			fprintf(stderr, "vss-writer: write: %s\n", strerror(errno));
			return 1;
		}
		off = (off + (off_t)sizeof(block)) % span;
		long long t = now_us(), delay = run_delay_us(sfd);
		long long gap = t - last, blocked = gap;
		if (delay >= 0 && last_delay >= 0)
			blocked -= delay - last_delay;
		if (gap > max_gap)
			max_gap = gap;
		if (blocked > max_blocked)
			max_blocked = blocked;
		last = t;
		last_delay = delay;
		writes++;
	}
	close(fd);
	printf("max_gap_ms=%lld.%03lld writes=%lld\n", max_gap / 1000, max_gap % 1000, writes);
	if (last_delay >= 0)
		printf("max_blocked_ms=%lld.%03lld\n", max_blocked / 1000, max_blocked % 1000);
	return 0;
}
