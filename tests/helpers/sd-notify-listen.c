/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What systemd would see of a Type=notify daemon, for the integration
 * tests: bind an AF_UNIX datagram socket at PATH (give the daemon
 * NOTIFY_SOCKET=PATH) and print every line of every message received as
 *   N MS LINE
 * where N numbers the messages from 1 (lines sent together share it) and
 * MS is the time since start-up in milliseconds. Runs until killed.
 *
 * With --hold PATH2 it also listens on PATH2 as an AF_UNIX SOCK_SEQPACKET
 * socket and never accepts: a device that exists, takes the registration
 * and never answers it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int bind_at(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: path too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (type == SOCK_SEQPACKET && listen(fd, 16) < 0)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	char buf[4097];
	long long start = now_ms();
	unsigned long n = 0;

	if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--hold") == 0)) {
		fprintf(stderr, "usage: sd-notify-listen PATH [--hold SEQPACKET-PATH]\n");
		return 2;
	}
	int fd = bind_at(argv[1], SOCK_DGRAM);
	if (fd < 0)
		return 1;
	if (argc == 4 && bind_at(argv[3], SOCK_SEQPACKET) < 0)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf) - 1, 0);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "recv: %s\n", strerror(errno));
			return 1;
		}
		buf[len] = '\0';
		n++;
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
			printf("%lu %lld %s\n", n, now_ms() - start, line);
	}
}
