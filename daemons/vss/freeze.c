/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hypervvssd's freeze and thaw: hooks, plan, pre-sync, the frozen window
 * (in which nothing is written anywhere but the channel: the log is kept in
 * memory and hooks do not run), thaw, and the auto-thaw timer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "macro.h"
#include "mountinfo.h"
#include "vssd.h"

#define MOUNTINFO "/proc/self/mountinfo"
#define SYSFS	  "/sys"

static int load_plan(const struct hv_config *c, struct mount_table *ret_table,
		     struct fsfreeze_plan *ret_plan)
{
	struct fsfreeze_policy p = {
		.include = c->vss_include,
		.exclude = c->vss_exclude,
		.skip_types = c->vss_skip_types,
	};
	struct mount_table t;
	int r = mountinfo_read(MOUNTINFO, &t);
	if (r < 0)
		return r;
	r = fsfreeze_plan(&t, &p, fsfreeze_backing_sysfs, (void *)SYSFS, ret_plan);
	if (r < 0) {
		mount_table_done(&t);
		return r;
	}
	*ret_table = t;
	return 0;
}

/* Run every hook of ctx->hooks[from..to) with arg, forwards or backwards. */
static void run_hooks_stage(struct vssd *ctx, size_t n, bool reverse, const char *arg)
{
	for (size_t k = 0; k < n; k++) {
		size_t i = reverse ? n - 1 - k : k;
		const char *args[] = { arg, NULL };
		struct hook_result res;
		/* Each hook may take up to vss.hook_timeout while the loop waits. */
		sd_notify(false, "WATCHDOG=1");
		int r = hook_run(ctx->hooks.paths[i], args, hook_default_env,
				 ctx->config.vss_hook_timeout_ms, &res);
		if (r < 0)
			log_warning_errno(r, "Hook %s %s could not be started: %m",
					  ctx->hooks.paths[i], arg);
		else if (!hook_result_ok(&res))
			log_warning("Hook %s %s failed (%s %d)", ctx->hooks.paths[i], arg,
				    res.timed_out ? "timed out, killed by signal"
				    : res.signal  ? "killed by signal"
						  : "exit status",
				    res.signal ? res.signal : res.exit_status);
	}
}

/* Writing the record is no disk I/O, and cannot block on a frozen filesystem. */
static bool state_dir_in_memory(const char *dir)
{
	struct statfs sf;

	return statfs(dir, &sf) == 0 && (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
}

/*
 * The record is written before the first FIFREEZE and names every target.
 * A target another tool had frozen already (FIFREEZE said EBUSY) is not
 * ours: left out of the record, so that a thaw after a crash of ours does
 * not end that tool's snapshot. Done only when the record lives in memory
 * (the default, /run), since nothing may touch a disk while frozen; else
 * the fuller record stays. Logs only into the in-memory buffer.
 */
static void record_only_ours(struct vssd *ctx, bool in_memory)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; i < ctx->set.n; i++)
		n += ctx->set.targets[i].frozen;
	if (n == ctx->set.n)
		return;
	if (!in_memory) {
		log_notice("%zu filesystem%s frozen by another tool stay%s in the record: %s is "
			   "not in memory",
			   ctx->set.n - n, ctx->set.n - n == 1 ? " was" : "s were",
			   ctx->set.n - n == 1 ? "s" : "", ctx->config.vss_state_dir);
		return;
	}
	_cleanup_free_ struct fsfreeze_target *t = calloc(n ? n : 1, sizeof(*t));
	if (!t)
		return; /* the fuller record stays */
	for (size_t i = 0; i < ctx->set.n; i++)
		if (ctx->set.targets[i].frozen)
			t[k++] = ctx->set.targets[i]; /* borrowed: the paths stay ctx->set's */
	const struct fsfreeze_set ours = { .targets = t, .n = n };
	int r = fsfreeze_state_write(ctx->config.vss_state_dir, &ours);
	if (r < 0)
		log_warning_errno(r, "Cannot take the filesystems another tool froze out of the "
				     "record: %m; a thaw after a crash would thaw them too");
	else
		log_info("Left %zu filesystem%s frozen by another tool out of the record",
			 ctx->set.n - n, ctx->set.n - n == 1 ? "" : "s");
}

/* The levels, for --debug: frozen one after the other, each at once. */
static void log_levels(const struct fsfreeze_set *s)
{
	size_t n_levels = s->n ? s->targets[s->n - 1].level + 1 : 0;

	if (!log_debug_enabled())
		return;
	for (size_t i = 0, j; i < s->n; i = j) {
		char list[1024] = "";
		size_t len = 0;
		for (j = i; j < s->n && s->targets[j].level == s->targets[i].level; j++)
			if (len < sizeof(list))
				len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
							j > i ? " " : "", s->targets[j].path);
		log_debug("Freeze level %zu of %zu (%zu at once): %s", s->targets[i].level + 1,
			  n_levels, j - i, list);
	}
}

static int on_max_frozen(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct vssd *ctx = userdata;
	(void)s;
	(void)usec;

	(void)vssd_thaw(ctx, "vss.max_frozen elapsed without THAW from the host");
	vssd_thaw_hooks(ctx);
	ctx->auto_thawed = true;
	return 0;
}

int vssd_freeze(struct vssd *ctx, struct vssd_failure *f)
{
	_cleanup_(mount_table_done) struct mount_table t = {};
	_cleanup_(fsfreeze_plan_done) struct fsfreeze_plan plan = {};
	size_t failed = 0;
	int r;

	*f = (struct vssd_failure){};
	if (ctx->frozen) {
		(void)vssd_thaw(ctx, "FREEZE while already frozen: starting again");
		vssd_thaw_hooks(ctx);
	}
	ctx->auto_thawed = false;

	hook_list_done(&ctx->hooks);
	r = hooks_list(ctx->config.vss_hooks_dir, &ctx->hooks);
	if (r < 0) {
		f->r = r;
		snprintf(f->what, sizeof(f->what), "cannot list the hooks in %s",
			 ctx->config.vss_hooks_dir);
		return r;
	}
	/* Hooks first: a database flushes while its files can still be written. */
	for (ctx->hooks_frozen = 0; ctx->hooks_frozen < ctx->hooks.n; ctx->hooks_frozen++) {
		const char *path = ctx->hooks.paths[ctx->hooks_frozen];
		const char *args[] = { "freeze", NULL };
		struct hook_result res;
		sd_notify(false, "WATCHDOG=1");
		r = hook_run(path, args, hook_default_env, ctx->config.vss_hook_timeout_ms, &res);
		if (r < 0 || !hook_result_ok(&res)) {
			f->r = r < 0 ? r : res.timed_out ? -ETIMEDOUT : -ECANCELED;
			if (r < 0)
				snprintf(f->what, sizeof(f->what),
					 "freeze hook %s could not be started", path);
			else
				snprintf(f->what, sizeof(f->what), "freeze hook %s %s %d", path,
					 res.timed_out ? "timed out, killed by signal"
					 : res.signal  ? "was killed by signal"
						       : "exited with status",
					 res.signal ? res.signal : res.exit_status);
			goto fail;
		}
	}

	r = load_plan(&ctx->config, &t, &plan);
	if (r < 0) {
		f->r = r;
		snprintf(f->what, sizeof(f->what),
			 "cannot work out what to freeze from " MOUNTINFO);
		goto fail;
	}
	r = fsfreeze_set_from_plan(&t, &plan, &ctx->set);
	if (r < 0) {
		f->r = r;
		snprintf(f->what, sizeof(f->what), "out of memory");
		goto fail;
	}
	r = fsfreeze_open(&ctx->set, &failed);
	if (r < 0) {
		f->r = r;
		snprintf(f->what, sizeof(f->what), "cannot open %s%s",
			 ctx->set.targets[failed].path,
			 r == -ESTALE ? " (no longer the filesystem planned)" : "");
		goto fail;
	}
	/* Recorded before the first FIFREEZE, so that a crash can always be undone. */
	r = fsfreeze_state_write(ctx->config.vss_state_dir, &ctx->set);
	if (r < 0) {
		f->r = r;
		snprintf(f->what, sizeof(f->what), "cannot record the freeze in %s",
			 ctx->config.vss_state_dir);
		goto fail;
	}
	r = fsfreeze_sync(&ctx->set);
	if (r < 0)
		log_warning_errno(r, "Flushing before the freeze failed: %m; freezing anyway");
	bool in_memory = state_dir_in_memory(ctx->config.vss_state_dir);
	log_levels(&ctx->set);

	/* From here to the last FITHAW: no disk I/O, so no log line leaves memory. */
	log_set_buffered(true);
	r = fsfreeze_freeze(&ctx->set, &failed);
	if (r < 0) {
		log_set_buffered(false);
		log_flush();
		f->r = r;
		snprintf(f->what, sizeof(f->what), "FIFREEZE of %s failed",
			 ctx->set.targets[failed].path);
		goto fail;
	}
	ctx->frozen = true;
	record_only_ours(ctx, in_memory);
	r = sd_event_add_time_relative(ctx->event, &ctx->max_frozen_source, CLOCK_MONOTONIC,
				       (uint64_t)ctx->config.vss_max_frozen_ms * 1000, 0,
				       on_max_frozen, ctx);
	if (r < 0) {
		/* Without the safety net, do not stay frozen. */
		f->r = r;
		snprintf(f->what, sizeof(f->what), "cannot arm the vss.max_frozen timer");
		(void)vssd_thaw(ctx, NULL);
		ctx->hooks_frozen = ctx->hooks_to_thaw;
		ctx->hooks_to_thaw = 0;
		goto fail;
	}
	log_info("Froze %zu filesystem%s", ctx->set.n, ctx->set.n == 1 ? "" : "s");
	return 0;

fail:
	/* Everything frozen is already thawed here; tell the hooks that ran. */
	run_hooks_stage(ctx, ctx->hooks_frozen, true, "freeze-failed");
	ctx->hooks_frozen = 0;
	fsfreeze_set_done(&ctx->set);
	(void)fsfreeze_state_remove(ctx->config.vss_state_dir);
	return f->r;
}

int vssd_thaw(struct vssd *ctx, const char *why)
{
	size_t failed = 0;
	int r = 0;

	ctx->max_frozen_source = sd_event_source_disable_unref(ctx->max_frozen_source);
	if (ctx->frozen || fsfreeze_any_frozen(&ctx->set))
		r = fsfreeze_thaw(&ctx->set, false, &failed);
	bool was_frozen = ctx->frozen;
	ctx->frozen = false;
	/* Thawed: the log may reach the disk again. */
	log_set_buffered(false);
	log_flush();
	if (r < 0)
		log_error_errno(r, "FITHAW of %s failed: %m", ctx->set.targets[failed].path);
	if (was_frozen) {
		if (why)
			log_warning("Thawed %zu filesystem%s: %s", ctx->set.n,
				    ctx->set.n == 1 ? "" : "s", why);
		else
			log_info("Thawed %zu filesystem%s", ctx->set.n, ctx->set.n == 1 ? "" : "s");
	}
	if (r == 0) {
		int k = fsfreeze_state_remove(ctx->config.vss_state_dir);
		if (k < 0)
			log_warning_errno(k, "Cannot remove the state file in %s: %m",
					  ctx->config.vss_state_dir);
	}
	fsfreeze_set_done(&ctx->set);
	if (was_frozen)
		ctx->hooks_to_thaw = ctx->hooks_frozen;
	ctx->hooks_frozen = 0;
	return r;
}

void vssd_thaw_hooks(struct vssd *ctx)
{
	size_t n = ctx->hooks_to_thaw;

	ctx->hooks_to_thaw = 0;
	run_hooks_stage(ctx, n, true, "thaw");
}

/*
 * Without a record, say which filesystems hvguest would freeze, so that an
 * administrator looking for a frozen one knows where to look. Whether one is
 * frozen cannot be told without I/O that would block on it (or a FIFREEZE
 * probe, which is exactly what must not happen): only mountinfo and sysfs
 * are read here.
 */
static void log_candidates(const struct vssd *ctx)
{
	_cleanup_(mount_table_done) struct mount_table t = {};
	_cleanup_(fsfreeze_plan_done) struct fsfreeze_plan plan = {};
	char list[1024] = "";
	size_t len = 0;

	if (load_plan(&ctx->config, &t, &plan) < 0)
		return;
	if (plan.n_targets == 0)
		snprintf(list, sizeof(list), "none (vss.include matches no mount)");
	for (size_t k = 0; k < plan.n_targets && len < sizeof(list); k++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", k ? " " : "",
					t.entries[plan.order[k]].mount_point);
	log_info("A filesystem frozen by another tool is that tool's to thaw (fsfreeze -u "
		 "MOUNTPOINT); the ones hvguest would freeze: %s",
		 list);
}

int vssd_thaw_from_state(struct vssd *ctx, bool verbose)
{
	_cleanup_(fsfreeze_set_done) struct fsfreeze_set s = {};
	size_t failed = 0;
	int r;

	/*
	 * Only what our own record names: every freeze of ours is recorded
	 * before the first FIFREEZE, so without a record we froze nothing,
	 * and a frozen filesystem belongs to another tool (an LVM snapshot
	 * script, a backup agent) in the middle of its own snapshot.
	 */
	r = fsfreeze_state_read(ctx->config.vss_state_dir, &s);
	if (r == -ENOENT) {
		if (verbose) {
			log_info("No freeze recorded in %s/vss-frozen: hvguest froze nothing, "
				 "thawing nothing",
				 ctx->config.vss_state_dir);
			log_candidates(ctx);
		}
		return 0;
	}
	if (r < 0)
		return log_error_errno(r, "Cannot read the state file in %s: %m",
				       ctx->config.vss_state_dir);
	log_notice("Found a freeze recorded in %s/vss-frozen (%zu filesystems): thawing",
		   ctx->config.vss_state_dir, s.n);

	/* Open what can be opened; a mount that is gone cannot be frozen either. */
	for (size_t i = 0; i < s.n; i++) {
		struct fsfreeze_set one = { .targets = &s.targets[i], .n = 1 };
		size_t ignored;
		if (fsfreeze_open(&one, &ignored) < 0) {
			log_warning("Cannot open %s (or it is another filesystem now), skipping it",
				    s.targets[i].path);
			s.targets[i].fd = safe_close(s.targets[i].fd);
		}
	}
	for (size_t i = 0; i < s.n; i++)
		if (s.targets[i].fd < 0) {
			free(s.targets[i].path);
			memmove(&s.targets[i], &s.targets[i + 1],
				(s.n - i - 1) * sizeof(s.targets[0]));
			s.n--;
			i--;
		}
	r = fsfreeze_thaw(&s, true, &failed);
	if (r < 0)
		return log_error_errno(r, "FITHAW of %s failed: %m", s.targets[failed].path);
	int k = fsfreeze_state_remove(ctx->config.vss_state_dir);
	if (k < 0)
		log_warning_errno(k, "Cannot remove the state file: %m");
	log_info("Thawed %zu filesystem%s", s.n, s.n == 1 ? "" : "s");
	return 0;
}

int vssd_dry_run(struct vssd *ctx)
{
	_cleanup_(mount_table_done) struct mount_table t = {};
	_cleanup_(fsfreeze_plan_done) struct fsfreeze_plan plan = {};
	int r = load_plan(&ctx->config, &t, &plan);

	if (r == -ELOOP) {
		fprintf(stderr, "The loop-device dependencies between the mounts form a cycle: "
				"nothing can be frozen safely\n");
		return r;
	}
	if (r < 0) {
		fprintf(stderr, "Cannot read %s: %s\n", MOUNTINFO, strerror(-r));
		return r;
	}
	printf("Would freeze %zu filesystem%s, in this order (thawed in reverse):\n",
	       plan.n_targets, plan.n_targets == 1 ? "" : "s");
	for (size_t k = 0; k < plan.n_targets; k++) {
		size_t i = plan.order[k];
		const struct mount_entry *m = &t.entries[i];
		if (k == 0 || plan.level[k] != plan.level[k - 1]) {
			size_t w = 0;
			while (k + w < plan.n_targets && plan.level[k + w] == plan.level[k])
				w++;
			printf(" level %zu of %zu%s:\n", plan.level[k] + 1, plan.n_levels,
			       w > 1 ? ", all at once" : "");
		}
		printf("  %zu. %s  (%s on %s, %u:%u)", k + 1, m->mount_point, m->fstype, m->source,
		       m->major, m->minor);
		if (plan.other[i] != FSFREEZE_NONE)
			printf(": before %s, which holds its loop file",
			       t.entries[plan.other[i]].mount_point);
		else if (strcmp(m->mount_point, "/") == 0)
			printf(": the root filesystem, last");
		putchar('\n');
	}
	printf("Skipped:\n");
	for (size_t i = 0; i < t.n; i++) {
		const struct mount_entry *m = &t.entries[i];
		if (plan.verdict[i] == FSFREEZE_TARGET)
			continue;
		printf("  %s  (%s): %s", m->mount_point, m->fstype,
		       fsfreeze_verdict_str(plan.verdict[i]));
		if (plan.verdict[i] == FSFREEZE_SKIP_DUPLICATE)
			printf(", frozen as %s", t.entries[plan.other[i]].mount_point);
		putchar('\n');
	}
	return 0;
}
