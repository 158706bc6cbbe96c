/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ifupdown backend (Debian's /etc/network/interfaces): one file,
 * interfaces.d/hvguest-<if>, applied with ifdown and ifup of that
 * interface only.
 *
 * hvguest never edits the admin's files. It writes only when
 * /etc/network/interfaces sources interfaces.d ("source
 * /etc/network/interfaces.d/..." or "source-directory"), and refuses when
 * another file has an "iface <if>" stanza: ifupdown would apply both (a
 * DHCP client and the static address), so the admin's stanza must go
 * first. Both refusals say so in the log and answer a failure.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "netconf_backend.h"

#define IFU_DIR	       "/etc/network/interfaces.d"
#define IFU_MAIN       "/etc/network/interfaces"
#define IFU_MAX_DEPTH  4
#define IFU_WHERE_SIZE (PATH_MAX + 32)

/* What the files ifupdown reads say about one interface. */
struct ifu_scan {
	const char *root, *ifname;
	char ours[PATH_MAX]; /* our file, as ifupdown names it (no config_root) */
	bool names, conflict, sources_ours;
	char names_where[IFU_WHERE_SIZE], conflict_where[IFU_WHERE_SIZE];
};

/* source-directory reads run-parts names only: [A-Za-z0-9_-]+. */
static bool run_parts_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

/* interfaces.d/hvguest-<if>, with what source-directory would skip made '_'. */
static void our_name(const char *ifname, char ret[PATH_MAX])
{
	size_t n = (size_t)snprintf(ret, PATH_MAX, IFU_DIR "/hvguest-%s", ifname);
	for (size_t i = n - strlen(ifname); i < n; i++) {
		char c = ret[i];
		if (!run_parts_name((char[]){ c, '\0' }))
			ret[i] = '_';
	}
}

/* A path in a directive, relative to the directory of the file naming it. */
static void resolve(const char *from, const char *p, char ret[PATH_MAX])
{
	if (p[0] == '/') {
		snprintf(ret, PATH_MAX, "%s", p);
		return;
	}
	const char *slash = strrchr(from, '/');
	snprintf(ret, PATH_MAX, "%.*s/%s", (int)(slash ? slash - from : 0), from, p);
}

static void strip_slashes(char *s)
{
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		s[--n] = '\0';
}

static void scan_file(struct ifu_scan *s, const char *file, unsigned depth);

static void scan_glob(struct ifu_scan *s, const char *pattern, unsigned depth)
{
	char full[PATH_MAX];
	size_t rootlen = strlen(s->root);
	glob_t g;

	while (rootlen > 0 && s->root[rootlen - 1] == '/')
		rootlen--;
	if (netconf_path_join(full, sizeof(full), s->root, pattern) < 0 ||
	    glob(full, 0, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		scan_file(s, g.gl_pathv[i] + rootlen, depth + 1);
	globfree(&g);
}

static void scan_directory(struct ifu_scan *s, const char *dir, unsigned depth)
{
	char full[PATH_MAX], file[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (netconf_path_join(full, sizeof(full), s->root, dir) < 0 || !(d = opendir(full)))
		return;
	while ((de = readdir(d)))
		if (run_parts_name(de->d_name) &&
		    netconf_path_join(file, sizeof(file), dir, de->d_name) == 0)
			scan_file(s, file, depth + 1);
	closedir(d);
}

static void scan_line(struct ifu_scan *s, const char *file, unsigned lineno, char *line,
		      unsigned depth)
{
	char *save = NULL, *word = strtok_r(line, " \t\r\n", &save), *arg, where[IFU_WHERE_SIZE];
	char path[PATH_MAX], dir[PATH_MAX];

	if (!word || word[0] == '#')
		return;
	snprintf(where, sizeof(where), "%s:%u", file, lineno);
	if (strcmp(word, "iface") == 0) {
		arg = strtok_r(NULL, " \t\r\n", &save);
		if (!arg || strcmp(arg, s->ifname) != 0)
			return;
		if (!s->names)
			snprintf(s->names_where, sizeof(s->names_where), "%s", where);
		s->names = true;
		if (strcmp(file, s->ours) != 0 && !s->conflict) {
			s->conflict = true;
			snprintf(s->conflict_where, sizeof(s->conflict_where), "%s", where);
		}
	} else if (strcmp(word, "auto") == 0 || strncmp(word, "allow-", 6) == 0) {
		while ((arg = strtok_r(NULL, " \t\r\n", &save)))
			if (strcmp(arg, s->ifname) == 0 && !s->names) {
				s->names = true;
				snprintf(s->names_where, sizeof(s->names_where), "%s", where);
			}
	} else if (strcmp(word, "source") == 0 && (arg = strtok_r(NULL, " \t\r\n", &save))) {
		resolve(file, arg, path);
		if (fnmatch(path, s->ours, FNM_PATHNAME) == 0)
			s->sources_ours = true;
		scan_glob(s, path, depth);
	} else if (strcmp(word, "source-directory") == 0 &&
		   (arg = strtok_r(NULL, " \t\r\n", &save))) {
		resolve(file, arg, path);
		strip_slashes(path);
		snprintf(dir, sizeof(dir), "%s", s->ours);
		*strrchr(dir, '/') = '\0';
		if (strcmp(path, dir) == 0)
			s->sources_ours = true;
		scan_directory(s, path, depth);
	}
}

static void scan_file(struct ifu_scan *s, const char *file, unsigned depth)
{
	char full[PATH_MAX], line[1024];
	unsigned lineno = 0;

	if (depth > IFU_MAX_DEPTH || netconf_path_join(full, sizeof(full), s->root, file) < 0)
		return;
	_cleanup_fclose_ FILE *f = fopen(full, "re");
	while (f && fgets(line, sizeof(line), f))
		scan_line(s, file, ++lineno, line, depth);
}

static int scan(const struct netconf_options *o, const char *ifname, struct ifu_scan *ret)
{
	char full[PATH_MAX];

	memset(ret, 0, sizeof(*ret));
	ret->root = o->config_root;
	ret->ifname = ifname;
	our_name(ifname, ret->ours);
	if (netconf_path_join(full, sizeof(full), o->config_root, IFU_MAIN) < 0)
		return -ENAMETOOLONG;
	if (access(full, F_OK) < 0)
		return -ENOENT;
	scan_file(ret, IFU_MAIN, 0);
	return 0;
}

/* ifupdown's own record of what it brought up (what ifquery --state reads). */
static bool in_ifstate(const struct netconf_options *o, const char *ifname, char ret[PATH_MAX])
{
	char rel[64 + IF_NAMESIZE], line[256];
	size_t n = strlen(ifname);

	snprintf(rel, sizeof(rel), "network/ifstate.%s", ifname);
	if (netconf_path_join(ret, PATH_MAX, o->run_dir, rel) == 0 && access(ret, F_OK) == 0)
		return true;
	if (netconf_path_join(ret, PATH_MAX, o->run_dir, "network/ifstate") < 0)
		return false;
	_cleanup_fclose_ FILE *f = fopen(ret, "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, ifname, n) == 0 && line[n] == '=')
			return true;
	return false;
}

static int ifupdown_detect(const struct netconf_options *o, const char *ifname, char *why, size_t n)
{
	struct ifu_scan s;
	char state[PATH_MAX];

	if (scan(o, ifname, &s) < 0)
		return 0;
	if (s.names) {
		snprintf(why, n, "ifupdown's %s names %s", s.names_where, ifname);
		return 1;
	}
	if (in_ifstate(o, ifname, state)) {
		snprintf(why, n, "ifupdown brought %s up (%s)", ifname, state);
		return 1;
	}
	return 0;
}

static int ifupdown_target(const struct netconf_options *o, const char *ifname, char *path,
			   size_t size, char *why, size_t n)
{
	struct ifu_scan s;
	int r;

	r = scan(o, ifname, &s);
	if (r < 0) {
		char main_path[PATH_MAX];
		if (netconf_path_join(main_path, sizeof(main_path), o->config_root, IFU_MAIN) == 0)
			snprintf(why, n, "ifupdown: %s does not exist", main_path);
		return r;
	}
	if (!s.sources_ours) {
		snprintf(why, n,
			 "ifupdown: " IFU_MAIN " does not source " IFU_DIR " (\"source " IFU_DIR
			 "/*\" or \"source-directory " IFU_DIR
			 "\"), and hvguest does not edit the admin's file; nothing changed");
		return -EOPNOTSUPP;
	}
	if (s.conflict) {
		snprintf(why, n,
			 "ifupdown: %s configures %s itself, and ifupdown would apply both; "
			 "hvguest does not edit the admin's file: remove that stanza to let the "
			 "host configure %s; nothing changed",
			 s.conflict_where, ifname, ifname);
		return -EEXIST;
	}
	return netconf_path_join(path, size, o->config_root, s.ours);
}

static int ifupdown_take_down(const struct netconf_options *o, const char *ifname,
			      long long deadline)
{
	const char *args[] = { ifname, NULL };
	return netconf_run_named(o, "ifdown", args, deadline);
}

static int ifupdown_apply(const struct netconf_options *o, const char *file, const char *ifname,
			  bool file_present, long long deadline)
{
	const char *args[] = { ifname, NULL };
	(void)file;
	return file_present ? netconf_run_named(o, "ifup", args, deadline) : 0;
}

const struct netconf_backend netconf_backend_ifupdown = {
	.name = "ifupdown",
	.detect_doc = "<config_root>/etc/network/interfaces, or a file it sources, names the "
		      "interface (iface, auto or allow-), or ifupdown's state in "
		      "<run_dir>/network lists it",
	.detect = ifupdown_detect,
	.format = NETCONF_FORMAT_IFUPDOWN,
	.mode = 0644,
	.target = ifupdown_target,
	.take_down = ifupdown_take_down,
	.apply = ifupdown_apply,
};
