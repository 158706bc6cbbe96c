/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench/boot-ready SOCKET CMD [ARG...]: how long a Type=notify daemon takes
 * from exec to READY=1. Binds an AF_UNIX datagram socket at SOCKET, starts
 * CMD with NOTIFY_SOCKET=SOCKET, waits (10 s at most) for a message holding
 * the line READY=1, prints "ready_us=N" (time from just before fork to the
 * message's arrival, CLOCK_MONOTONIC), then ends CMD with SIGTERM (SIGKILL
 * after 5 s) and reaps it, printing also "cpu_us=N": the CPU time (user +
 * system) the daemon used in all, start-up to exit (a figure the machine's
 * load moves far less than the wall-clock one). Exit 0 on READY, 1 otherwise.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int has_ready(const char *msg)
{
	for (const char *l = msg; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, "READY=1", 7) == 0 && (l[7] == '\n' || l[7] == '\0'))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	long long t0, ready = -1;
	pid_t pid;
	int fd;

	if (argc < 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: boot-ready SOCKET CMD [ARG...]\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(argv[1]);
		return 2;
	}
	t0 = now_us();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		setenv("NOTIFY_SOCKET", argv[1], 1);
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	while (ready < 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)((t0 + 10000000 - now_us()) / 1000);
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			continue;
		buf[n] = '\0';
		if (has_ready(buf))
			ready = now_us() - t0;
	}
	struct rusage ru = { 0 };
	pid_t w = 0;
	kill(pid, SIGTERM);
	for (int i = 0; i < 500 && (w = wait4(pid, NULL, WNOHANG, &ru)) == 0; i++)
		usleep(10000);
	if (w != pid) {
		kill(pid, SIGKILL);
		wait4(pid, NULL, 0, &ru);
	}
	unlink(argv[1]);
	if (ready < 0) {
		fprintf(stderr, "boot-ready: no READY=1 within 10 s\n");
		return 1;
	}
	printf("ready_us=%lld cpu_us=%lld\n", ready,
	       (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
		       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	return 0;
}
