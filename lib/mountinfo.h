/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /proc/self/mountinfo, parsed into a table (proc(5)). Pure: text in,
 * table out, so that the freeze planner's rules are unit-tested on fixture
 * texts and the parser is fuzzed.
 */
#ifndef HVGUEST_MOUNTINFO_H
#define HVGUEST_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>

struct mount_entry {
	unsigned mount_id, parent_id;
	unsigned major, minor; /* the superblock's device (st_dev) */
	/* Unescaped (\040 etc.), each NUL-terminated, all in one allocation. */
	char *root; /* the directory of the filesystem mounted here */
	char *mount_point;
	char *mount_options; /* per mount: "rw,relatime" */
	char *fstype;	     /* "ext4", "fuse.sshfs" */
	char *source;	     /* "/dev/sda1", "tmpfs", "none" */
	char *super_options; /* per superblock */
};

struct mount_table {
	struct mount_entry *entries;
	size_t n;
};

/*
 * Parse the whole text. Any malformed line (too few fields, no " - "
 * separator, bad numbers, a NUL byte, a relative mount point) fails the
 * lot with -EBADMSG: a half-understood mount table must not drive a freeze.
 * Returns 0, -EBADMSG or -ENOMEM; *ret is set only on success.
 */
int mountinfo_parse(const char *text, size_t len, struct mount_table *ret);

/* Read and parse a mountinfo file (normally /proc/self/mountinfo). */
int mountinfo_read(const char *path, struct mount_table *ret);

void mount_table_done(struct mount_table *t);

/* Whether the comma-separated option list has exactly this option. */
bool mount_options_has(const char *options, const char *option);

#endif
