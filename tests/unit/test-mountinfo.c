/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mountinfo parser and the freeze plan (lib/mountinfo.c,
 * lib/fsfreeze_plan.c) on fixture tables: skip rules, one target per
 * superblock, loop dependencies, root last. No root, no mounts.
 */
#include <errno.h>
#include <string.h>

#include "fsfreeze.h"
#include "macro.h"
#include "mountinfo.h"
#include "unit.h"

static void test_parse_fields(void)
{
	static const char text[] =
		"36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
		"37 1 7:3 / /mnt/with\\040space\\011tab rw shared:5 master:2 - xfs /dev/loop3 rw\n"
		"38 1 0:21 / /proc rw,nosuid - proc proc rw\n";
	struct mount_table t;

	CU_ASSERT_EQUAL_FATAL(mountinfo_parse(text, strlen(text), &t), 0);
	CU_ASSERT_EQUAL_FATAL(t.n, 3);
	CU_ASSERT_EQUAL(t.entries[0].mount_id, 36);
	CU_ASSERT_EQUAL(t.entries[0].parent_id, 35);
	CU_ASSERT_EQUAL(t.entries[0].major, 98);
	CU_ASSERT_EQUAL(t.entries[0].minor, 0);
	CU_ASSERT_STRING_EQUAL(t.entries[0].root, "/mnt1");
	CU_ASSERT_STRING_EQUAL(t.entries[0].mount_point, "/mnt/parent");
	CU_ASSERT_STRING_EQUAL(t.entries[0].mount_options, "rw,noatime");
	CU_ASSERT_STRING_EQUAL(t.entries[0].fstype, "ext3");
	CU_ASSERT_STRING_EQUAL(t.entries[0].source, "/dev/root");
	CU_ASSERT_STRING_EQUAL(t.entries[0].super_options, "rw,errors=continue");
	CU_ASSERT_STRING_EQUAL(t.entries[1].mount_point, "/mnt/with space\ttab");
	CU_ASSERT_STRING_EQUAL(t.entries[1].fstype, "xfs");
	CU_ASSERT_STRING_EQUAL(t.entries[2].fstype, "proc");
	CU_ASSERT(mount_options_has(t.entries[0].mount_options, "noatime"));
	CU_ASSERT(!mount_options_has(t.entries[0].mount_options, "noatim"));
	CU_ASSERT(!mount_options_has(t.entries[0].mount_options, "ro"));
	mount_table_done(&t);
}

static void test_parse_bad(void)
{
	static const char *const bad[] = {
		"36 35 98:0 /mnt1 /mnt/parent rw - ext3 /dev/root\n",      /* 2 after '-' */
		"36 35 98:0 /mnt1 /mnt/parent rw ext3 /dev/root rw\n",      /* no '-' */
		"36 35 98x0 / /a rw - ext4 /dev/x rw\n",                    /* dev */
		"36 35 98: / /a rw - ext4 /dev/x rw\n",
		"x 35 98:0 / /a rw - ext4 /dev/x rw\n",
		"36 35 98:0 / a rw - ext4 /dev/x rw\n",                     /* relative */
		"36 35 99999999999:0 / /a rw - ext4 /dev/x rw\n",
		"36 35 98:0 / /a rw - ext4 /dev/x rw\n37 1 8:0 / /b rw -\n", /* second bad */
		"36 35\n",
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct mount_table t;
		int r = mountinfo_parse(bad[i], strlen(bad[i]), &t);
		if (r != -EBADMSG)
			fprintf(stderr, "\n  accepted bad line: \"%s\" (r=%d)\n", bad[i], r);
		CU_ASSERT_EQUAL(r, -EBADMSG);
	}
	/* A NUL inside is malformed too. */
	struct mount_table t;
	CU_ASSERT_EQUAL(mountinfo_parse("36 35 8:0 / /a\0 rw - ext4 /dev/x rw\n", 36, &t), -EBADMSG);
	/* Empty is an empty table. */
	CU_ASSERT_EQUAL_FATAL(mountinfo_parse("", 0, &t), 0);
	CU_ASSERT_EQUAL(t.n, 0);
	mount_table_done(&t);
}

/* ---- the plan ---- */

/* A fixture backing map: device major:minor -> the device of the fs holding its file. */
struct backing_map {
	unsigned maj, min, on_maj, on_min;
};

static const struct backing_map *current_map;
static size_t current_map_n;

static int fixture_backing(void *userdata, const struct mount_entry *m, struct fsfreeze_dev *devs,
			   size_t max, size_t *ret_n)
{
	(void)userdata;
	size_t n = 0;
	for (size_t i = 0; i < current_map_n && n < max; i++)
		if (current_map[i].maj == m->major && current_map[i].min == m->minor)
			devs[n++] = (struct fsfreeze_dev){ current_map[i].on_maj, current_map[i].on_min };
	*ret_n = n;
	return 0;
}

static const char system_table[] =
	"21 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n"
	"22 21 0:5 / /proc rw - proc proc rw\n"
	"23 21 0:6 / /sys rw - sysfs sysfs rw\n"
	"24 21 0:7 / /dev rw - devtmpfs udev rw\n"
	"25 21 0:8 / /run rw - tmpfs tmpfs rw\n"
	"26 21 254:2 / /boot rw - ext4 /dev/vda2 rw\n"
	"27 26 254:3 / /boot/efi rw - vfat /dev/vda3 rw\n"
	"28 21 254:4 / /home rw - xfs /dev/vda4 rw\n"
	"29 21 254:5 / /srv ro - ext4 /dev/vda5 ro\n"
	"30 21 254:4 /alice /srv/alice rw - xfs /dev/vda4 rw\n"     /* bind of /home */
	"31 21 254:1 /var/tmp /mnt/vt rw - ext4 /dev/vda1 rw\n"     /* bind of root */
	"32 21 0:40 / /data rw - btrfs /dev/vdb rw\n"
	"33 21 0:40 /@snap /snap rw - btrfs /dev/vdb rw\n"          /* subvolume */
	"34 21 0:41 / /var/lib/docker/overlay2/x/merged rw - overlay overlay rw\n"
	"35 21 0:42 / /net rw - nfs4 server:/export rw\n"
	"36 21 7:0 / /img rw - ext4 /dev/loop0 rw\n"                /* file on /home */
	"37 21 7:1 / /img2 rw - ext4 /dev/loop1 rw\n"               /* file on /img */
	"38 21 254:6 / /hidden rw - ext4 /dev/vda6 rw\n"
	"39 21 0:43 / /hidden rw - tmpfs tmpfs rw\n"                /* over it */
	"40 21 254:7 / /ro-bind rw - ext4 /dev/vda7 rw\n"
	"41 21 254:7 / /ro-bind2 ro - ext4 /dev/vda7 rw\n";

struct plan_case {
	const char *name;
	char *include[8], *exclude[8], *skip_types[8];
	const char *order; /* mount points of the targets in order, " | " between levels */
	struct { const char *mount_point; enum fsfreeze_verdict v; } verdicts[8];
};

static void order_text(const struct mount_table *t, const struct fsfreeze_plan *p, char *buf,
		       size_t size)
{
	buf[0] = '\0';
	for (size_t k = 0; k < p->n_targets; k++) {
		if (k)
			strncat(buf, p->level[k] != p->level[k - 1] ? " | " : " ",
				size - strlen(buf) - 1);
		strncat(buf, t->entries[p->order[k]].mount_point, size - strlen(buf) - 1);
	}
}

static void test_plan_cases(void)
{
	static const struct backing_map map[] = {
		{ 7, 0, 254, 4 }, /* loop0's file is on /home */
		{ 7, 1, 7, 0 },   /* loop1's file is on /img (loop on loop) */
	};
	static const struct plan_case cases[] = {
		{ "everything (the default)", { "*" }, { "/var/lib/docker/*" }, { "vfat" },
		  "/boot /data /img2 /ro-bind | /img | /home | /",
		  { { "/proc", FSFREEZE_SKIP_NO_DEVICE },
		    { "/boot/efi", FSFREEZE_SKIP_TYPE },
		    { "/srv", FSFREEZE_SKIP_READ_ONLY },
		    { "/srv/alice", FSFREEZE_SKIP_DUPLICATE },
		    { "/mnt/vt", FSFREEZE_SKIP_DUPLICATE },
		    { "/snap", FSFREEZE_SKIP_DUPLICATE },
		    { "/var/lib/docker/overlay2/x/merged", FSFREEZE_SKIP_EXCLUDED },
		    { "/hidden", FSFREEZE_SKIP_HIDDEN } } },
		{ "include without / never reaches the root fs", { "/mnt/*", "/home" }, {}, {},
		  "/home",
		  { { "/mnt/vt", FSFREEZE_SKIP_ROOT_FS }, { "/", FSFREEZE_SKIP_NOT_INCLUDED },
		    { "/boot", FSFREEZE_SKIP_NOT_INCLUDED } } },
		{ "an empty include list freezes nothing", {}, {}, {}, "",
		  { { "/", FSFREEZE_SKIP_NOT_INCLUDED }, { "/home", FSFREEZE_SKIP_NOT_INCLUDED } } },
		{ "a bind mount stands for its filesystem when it alone is included",
		  { "/srv/alice" }, {}, {}, "/srv/alice", {} },
		{ "loop on loop on a filesystem: innermost first", { "/img", "/img2", "/home" }, {}, {},
		  "/img2 | /img | /home", {} },
		{ "exclude wins over include", { "/home", "/img" }, { "/img" }, {}, "/home",
		  { { "/img", FSFREEZE_SKIP_EXCLUDED } } },
		{ "a ro mount of a rw superblock is the same filesystem, frozen once", { "/ro-bind*" },
		  {}, {}, "/ro-bind", { { "/ro-bind2", FSFREEZE_SKIP_DUPLICATE } } },
		{ "a ro mount alone of a rw superblock is frozen (ProtectSystem= view)", { "/ro-bind2" },
		  {}, {}, "/ro-bind2", { { "/ro-bind2", FSFREEZE_TARGET } } },
		{ "no loop files: one level, root apart", { "/", "/boot", "/home", "/data" }, {}, {},
		  "/boot /home /data | /", {} },
		{ "the root filesystem alone is one level", { "/" }, {}, {}, "/", {} },
		{ "type globs", { "*" }, {}, { "x*", "ext?" }, "/boot/efi /data",
		  { { "/", FSFREEZE_SKIP_TYPE }, { "/boot/efi", FSFREEZE_TARGET } } },
	};
	struct mount_table t;

	CU_ASSERT_EQUAL_FATAL(mountinfo_parse(system_table, strlen(system_table), &t), 0);
	current_map = map;
	current_map_n = ELEMENTSOF(map);
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct plan_case *c = &cases[i];
		struct fsfreeze_policy pol = { c->include, c->exclude, c->skip_types };
		struct fsfreeze_plan p;
		char got[512];

		int r = fsfreeze_plan(&t, &pol, fixture_backing, NULL, &p);
		CU_ASSERT_EQUAL_FATAL(r, 0);
		order_text(&t, &p, got, sizeof(got));
		if (strcmp(got, c->order) != 0)
			fprintf(stderr, "\n  %s: order \"%s\", expected \"%s\"\n", c->name, got, c->order);
		CU_ASSERT_STRING_EQUAL(got, c->order);
		for (size_t v = 0; v < ELEMENTSOF(c->verdicts) && c->verdicts[v].mount_point; v++) {
			for (size_t m = 0; m < t.n; m++) {
				if (strcmp(t.entries[m].mount_point, c->verdicts[v].mount_point) != 0)
					continue;
				if (p.verdict[m] != c->verdicts[v].v)
					fprintf(stderr, "\n  %s: %s is \"%s\", expected \"%s\"\n", c->name,
						c->verdicts[v].mount_point, fsfreeze_verdict_str(p.verdict[m]),
						fsfreeze_verdict_str(c->verdicts[v].v));
				CU_ASSERT_EQUAL(p.verdict[m], c->verdicts[v].v);
				break;
			}
		}
		fsfreeze_plan_done(&p);
	}
	mount_table_done(&t);
}

/*
 * Levels: a target is one level after the deepest of those whose loop file
 * it holds; the root filesystem is a level of its own, last.
 */
static void test_plan_levels(void)
{
	static const char text[] = "1 0 254:1 / / rw - ext4 /dev/vda1 rw\n"
				   "2 1 254:2 / /b rw - ext4 /dev/vda2 rw\n"
				   "3 1 7:0 / /a rw - ext4 /dev/loop0 rw\n"  /* file on /b */
				   "4 1 7:1 / /c rw - ext4 /dev/loop1 rw\n"  /* file on /b */
				   "5 1 7:2 / /d rw - ext4 /dev/loop2 rw\n"  /* file on /a */
				   "6 1 7:3 / /e rw - ext4 /dev/loop3 rw\n"  /* file on / */
				   "7 1 254:3 / /f rw - xfs /dev/vda3 rw\n"; /* independent */
	static const struct backing_map map[] = {
		{ 7, 0, 254, 2 },
		{ 7, 1, 254, 2 },
		{ 7, 2, 7, 0 },
		{ 7, 3, 254, 1 },
	};
	static const struct {
		char *include[8];
		const char *levels;
		size_t n_levels;
	} cases[] = {
		{ { "*" }, "/c /d /e /f | /a | /b | /", 4 },
		{ { "/b", "/a", "/c" }, "/a /c | /b", 2 },
		{ { "/b", "/d" }, "/b /d", 1 }, /* /a, between them, is not frozen */
		{ { "/", "/e" }, "/e | /", 2 },
		{ { "/f", "/c", "/e" }, "/c /e /f", 1 },
		{ {}, "", 0 },
	};
	struct mount_table t;

	current_map = map;
	current_map_n = ELEMENTSOF(map);
	CU_ASSERT_EQUAL_FATAL(mountinfo_parse(text, strlen(text), &t), 0);
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct fsfreeze_policy pol = { .include = cases[i].include };
		struct fsfreeze_plan p;
		char got[256];

		CU_ASSERT_EQUAL_FATAL(fsfreeze_plan(&t, &pol, fixture_backing, NULL, &p), 0);
		order_text(&t, &p, got, sizeof(got));
		if (strcmp(got, cases[i].levels) != 0)
			fprintf(stderr, "\n  case %zu: levels \"%s\", expected \"%s\"\n", i, got,
				cases[i].levels);
		CU_ASSERT_STRING_EQUAL(got, cases[i].levels);
		if (p.n_targets > 0) {
			CU_ASSERT_EQUAL(p.n_levels, cases[i].n_levels);
			CU_ASSERT_EQUAL(p.level[0], 0);
			CU_ASSERT_EQUAL(p.level[p.n_targets - 1], cases[i].n_levels - 1);
		}
		fsfreeze_plan_done(&p);
	}
	mount_table_done(&t);
}

static void test_plan_dedup_points_to_target(void)
{
	char *inc[] = { "*", NULL };
	struct fsfreeze_policy pol = { .include = inc };
	struct mount_table t;
	struct fsfreeze_plan p;

	CU_ASSERT_EQUAL_FATAL(mountinfo_parse(system_table, strlen(system_table), &t), 0);
	CU_ASSERT_EQUAL_FATAL(fsfreeze_plan(&t, &pol, NULL, NULL, &p), 0);
	for (size_t m = 0; m < t.n; m++) {
		if (p.verdict[m] != FSFREEZE_SKIP_DUPLICATE)
			continue;
		size_t o = p.other[m];
		CU_ASSERT_FATAL(o < t.n);
		CU_ASSERT_EQUAL(p.verdict[o], FSFREEZE_TARGET);
		CU_ASSERT_EQUAL(t.entries[o].major, t.entries[m].major);
		CU_ASSERT_EQUAL(t.entries[o].minor, t.entries[m].minor);
	}
	/* The root filesystem is represented by "/" and comes last. */
	CU_ASSERT_STRING_EQUAL(t.entries[p.order[p.n_targets - 1]].mount_point, "/");
	fsfreeze_plan_done(&p);
	mount_table_done(&t);
}

static void test_plan_cycle(void)
{
	static const char text[] = "1 0 7:0 / /a rw - ext4 /dev/loop0 rw\n"
				   "2 0 7:1 / /b rw - ext4 /dev/loop1 rw\n";
	static const struct backing_map map[] = { { 7, 0, 7, 1 }, { 7, 1, 7, 0 } };
	char *inc[] = { "*", NULL };
	struct fsfreeze_policy pol = { .include = inc };
	struct mount_table t;
	struct fsfreeze_plan p;

	current_map = map;
	current_map_n = ELEMENTSOF(map);
	CU_ASSERT_EQUAL_FATAL(mountinfo_parse(text, strlen(text), &t), 0);
	CU_ASSERT_EQUAL(fsfreeze_plan(&t, &pol, fixture_backing, NULL, &p), -ELOOP);
	mount_table_done(&t);
}

static void test_state_roundtrip(void)
{
	static const char text[] = "7:0 /mnt/a\n7:1 /mnt/with\\040space\n0:0 /data\n";
	struct fsfreeze_set s;

	CU_ASSERT_EQUAL_FATAL(fsfreeze_state_parse(text, strlen(text), &s), 0);
	CU_ASSERT_EQUAL_FATAL(s.n, 3);
	CU_ASSERT_STRING_EQUAL(s.targets[1].path, "/mnt/with space");
	CU_ASSERT_EQUAL(s.targets[1].minor, 1);
	CU_ASSERT_EQUAL(s.targets[0].fd, -1);
	/* No levels in a record: one target a level, thawed one by one in reverse. */
	CU_ASSERT_EQUAL(s.targets[0].level, 0);
	CU_ASSERT_EQUAL(s.targets[2].level, 2);
	fsfreeze_set_done(&s);

	static const char *const bad[] = { "7:0\n", "x /a\n", "7:0 relative\n", "7:0 /a\\000b\n" };
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		int r = fsfreeze_state_parse(bad[i], strlen(bad[i]), &s);
		if (r != -EBADMSG)
			fprintf(stderr, "\n  accepted bad state line \"%s\"\n", bad[i]);
		CU_ASSERT_EQUAL(r, -EBADMSG);
	}
}

static const struct unit_test tests[] = {
	{ "parse fields and escapes", test_parse_fields },
	{ "parse rejects malformed lines", test_parse_bad },
	{ "plan: skip rules, dedup, order", test_plan_cases },
	{ "plan: dependency levels", test_plan_levels },
	{ "plan: duplicates point at their target; root last", test_plan_dedup_points_to_target },
	{ "plan: a loop cycle is refused", test_plan_cycle },
	{ "state file parse", test_state_roundtrip },
};

UNIT_MAIN("mountinfo", tests)
