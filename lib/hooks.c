/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hook runner; see hooks.h. posix_spawn, never system() or a shell; the
 * wait uses a pidfd where the kernel has one (5.3+) and polls otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"
#include "macro.h"

const char *const hook_default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL
};

void hook_list_done(struct hook_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
	l->paths = NULL;
	l->n = 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool name_ignored(const char *n)
{
	return n[0] == '.' || ends_with(n, "~") || strstr(n, ".dpkg-") || ends_with(n, ".rpmnew") ||
	       ends_with(n, ".rpmsave") || ends_with(n, ".disabled");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int hooks_list(const char *dir, struct hook_list *ret)
{
	struct hook_list l = {};
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		if (errno == ENOENT) {
			*ret = l;
			return 0;
		}
		return negative_errno();
	}
	while ((de = readdir(d))) {
		struct stat st;
		char *p;

		if (name_ignored(de->d_name))
			continue;
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
			goto oom;
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode) || access(p, X_OK) < 0) {
			free(p);
			continue;
		}
		char **np = realloc(l.paths, (l.n + 1) * sizeof(*np));
		if (!np) {
			free(p);
			goto oom;
		}
		l.paths = np;
		l.paths[l.n++] = p;
	}
	closedir(d);
	/* Same directory for all: comparing whole paths sorts by name. */
	if (l.n > 1)
		qsort(l.paths, l.n, sizeof(*l.paths), cmp_str);
	*ret = l;
	return 0;
oom:
	closedir(d);
	hook_list_done(&l);
	return -ENOMEM;
}

bool hook_result_ok(const struct hook_result *r)
{
	return !r->timed_out && r->signal == 0 && r->exit_status == 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for pid until deadline; returns 1 exited (status set), 0 timed out, -errno. */
static int wait_until(pid_t pid, long long deadline, int *ret_status)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	for (;;) {
		pid_t w = waitpid(pid, ret_status, WNOHANG);
		if (w == pid) {
			safe_close(pidfd);
			return 1;
		}
		if (w < 0 && errno != EINTR) {
			int r = negative_errno();
			safe_close(pidfd);
			return r;
		}
		long long left = deadline - now_ms();
		if (left <= 0) {
			safe_close(pidfd);
			return 0;
		}
		if (pidfd >= 0) {
			struct pollfd p = { .fd = pidfd, .events = POLLIN };
			(void)poll(&p, 1, (int)MIN(left, 60000LL));
		} else {
			/* No pidfd (kernel < 5.3): look again every 10 ms. */
			struct timespec ts = { .tv_nsec = 10 * 1000000L };
			nanosleep(&ts, NULL);
		}
	}
}

int hook_run(const char *path, const char *const *args, const char *const *envp,
	     unsigned timeout_ms, struct hook_result *ret)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	size_t n_args = 0;
	pid_t pid;
	int r, status = 0;

	while (args && args[n_args])
		n_args++;
	_cleanup_free_ char **argv = calloc(n_args + 2, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	argv[0] = (char *)path;
	for (size_t i = 0; i < n_args; i++)
		argv[i + 1] = (char *)args[i];

	r = posix_spawn_file_actions_init(&fa);
	if (r != 0)
		return -r;
	r = posix_spawnattr_init(&attr);
	if (r != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -r;
	}
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	/* The daemon blocks the signals its event loop handles: the hook must not inherit that. */
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
						POSIX_SPAWN_SETPGROUP);
	r = posix_spawn(&pid, path, &fa, &attr, argv, (char *const *)envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -r;

	struct hook_result res = {};
	r = wait_until(pid, now_ms() + timeout_ms, &status);
	if (r == 0) {
		/* Timed out: the whole group, so a hook's own children die too. */
		res.timed_out = true;
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	} else if (r < 0) {
		kill(-pid, SIGKILL);
		return r;
	}
	if (WIFEXITED(status))
		res.exit_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res.signal = WTERMSIG(status);
	*ret = res;
	return 0;
}
