/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hook scripts: the executables of a directory, in name order, each run
 * with posix_spawn (never a shell), an argv, a clean environment and a
 * timeout after which its whole process group is killed. Used by the VSS
 * freeze hooks; generic enough for KVP's scripts.
 */
#ifndef HVGUEST_HOOKS_H
#define HVGUEST_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

struct hook_list {
	char **paths; /* absolute, in byte order of their names */
	size_t n;
};

/*
 * The regular, executable files of dir (symlinks followed), sorted by
 * name; names starting with '.' or ending in '~', ".dpkg-*", ".rpmnew",
 * ".rpmsave" or ".disabled" are left out. A missing directory is an empty
 * list. Returns 0 or -errno.
 */
int hooks_list(const char *dir, struct hook_list *ret);
void hook_list_done(struct hook_list *l);

struct hook_result {
	bool timed_out;
	int exit_status; /* when it exited */
	int signal;	 /* when killed by a signal (SIGKILL after a timeout) */
};

/* Whether a result means "the hook succeeded" (exit 0 in time). */
bool hook_result_ok(const struct hook_result *r);

/*
 * Run path with argv (argv[0] is set to path) and envp, stdin from
 * /dev/null, stdout and stderr inherited, default signal dispositions and
 * an empty signal mask, in a process group of its own. Waits at most
 * timeout_ms, then SIGKILLs the group. Returns 0 when it ran (see *ret) or
 * -errno when it could not be started.
 */
int hook_run(const char *path, const char *const *args, const char *const *envp,
	     unsigned timeout_ms, struct hook_result *ret);

/* The environment hooks get: PATH only, so nothing of the daemon's leaks. */
extern const char *const hook_default_env[];

#endif
