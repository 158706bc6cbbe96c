/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Configuration: the key table, the typed value parsers, and the glue to
 * inih. Every value, the built-in defaults included, goes through
 * config_set(), so defaults are validated by the same code as user input.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "netconf.h"

#define OFF(field) offsetof(struct hv_config, field)

/*
 * The only list of keys: parsing, --dump-config, the man page's key list
 * and conf/hvguest.conf are all checked against it by the tests.
 * watchdog_ms is deliberately absent: it comes from $WATCHDOG_USEC, set by
 * systemd from the unit's WatchdogSec=, and a second knob would only let
 * the two disagree.
 */
/* enum_value is set on CONFIG_ENUM keys only; the others leave it NULL. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const struct config_key config_keys[] = {
	{ "kvp", "device", CONFIG_PATH, OFF(kvp_device), "/dev/vmbus/hv_kvp", 0, 0,
	  "KVP channel: the kernel's character device, or an AF_UNIX SOCK_SEQPACKET socket "
	  "standing in for it" },
	{ "kvp", "pool_dir", CONFIG_PATH, OFF(kvp_pool_dir), HVGUEST_LOCALSTATEDIR "/lib/hyperv", 0,
	  0, "Directory holding the pool files .kvp_pool_0 to .kvp_pool_4" },
	{ "kvp", "pool_mode", CONFIG_MODE, OFF(kvp_pool_mode), "0644", 0, 07777,
	  "Mode (octal) of pool files the daemon creates" },
	{ "kvp", "os_release", CONFIG_PATH, OFF(kvp_os_release), "/etc/os-release", 0, 0,
	  "os-release(5) file read for the OS name and version reported to the host" },
	{ "kvp", "exclude_interfaces", CONFIG_STRV, OFF(kvp_exclude_interfaces),
	  "lo docker* veth* br-* virbr* cni* flannel* cali* cilium* tun* tap*", 0, 0,
	  "Network interfaces (shell globs) never reported to the host" },
	/* The kernel waits 30 s for a reply (5 s on old kernels), so 10 s is the ceiling. */
	{ "kvp", "fqdn_timeout", CONFIG_MSEC, OFF(kvp_fqdn_timeout_ms), "1000ms", 0, 10000,
	  "Time allowed to resolve the fully qualified host name before the short name is "
	  "reported" },
	{ "kvp", "sync", CONFIG_BOOL, OFF(kvp_sync), "no", 0, 0,
	  "Flush pool files to disk (fdatasync) after each write" },
	{ "kvp", "ifconfig_backend", CONFIG_ENUM, OFF(kvp_ifconfig_backend), "auto", 0, 0,
	  "How SET_IP_INFO (static IP injection) is applied: auto (detect the manager) or a "
	  "backend of hypervkvpd --help",
	  netconf_backend_value },
	{ "kvp", "scripts_dir", CONFIG_PATH, OFF(kvp_scripts_dir), "/usr/libexec/hypervkvpd", 0, 0,
	  "Directory of the upstream helper hv_set_ifconfig, run by the script backend" },
	{ "kvp", "config_root", CONFIG_PATH, OFF(kvp_config_root), "/", 0, 0,
	  "Directory prefixed to every network configuration path read or written" },
	{ "kvp", "run_dir", CONFIG_PATH, OFF(kvp_run_dir), "/run", 0, 0,
	  "The system's runtime directory, read to find which network manager runs" },
	{ "kvp", "sysfs_net", CONFIG_PATH, OFF(kvp_sysfs_net), "/sys/class/net", 0, 0,
	  "Directory listing the network interfaces (sysfs)" },
	/* Leaves time to roll back and still answer within the kernel's 30 s. */
	{ "kvp", "apply_timeout", CONFIG_MSEC, OFF(kvp_apply_timeout_ms), "10000ms", 100, 25000,
	  "Time an injected IP configuration has to be applied and the interface to come up, "
	  "after which the previous configuration is restored" },
	{ "kvp", "command_path", CONFIG_STRV, OFF(kvp_command_path),
	  "/usr/sbin /usr/bin /sbin /bin", 0, 0,
	  "Directories searched, in order, for nmcli, networkctl and netplan" },
	{ "kvp", "resolv_conf", CONFIG_PATH, OFF(kvp_resolv_conf), "/etc/resolv.conf", 0, 0,
	  "resolv.conf read for the DNS servers GET_IP_INFO reports when neither "
	  "systemd-resolved nor NetworkManager knows the interface's servers" },
	{ "vss", "device", CONFIG_PATH, OFF(vss_device), "/dev/vmbus/hv_vss", 0, 0,
	  "VSS channel: the kernel's character device, or an AF_UNIX SOCK_SEQPACKET socket "
	  "standing in for it" },
	/* "*" rather than an empty list for "everything": an empty list freezes nothing. */
	{ "vss", "include", CONFIG_STRV, OFF(vss_include), "*", 0, 0,
	  "Mount points (shell globs) that may be frozen; the root filesystem only if a "
	  "pattern matches /" },
	{ "vss", "exclude", CONFIG_STRV, OFF(vss_exclude),
	  "/var/lib/docker/* /var/lib/kubelet/* /run/*", 0, 0,
	  "Mount points (shell globs) never frozen" },
	{ "vss", "skip_types", CONFIG_STRV, OFF(vss_skip_types),
	  "vfat msdos exfat iso9660 udf squashfs erofs fuseblk", 0, 0,
	  "Filesystem types (shell globs) never frozen, besides those on no block device" },
	{ "vss", "hooks_dir", CONFIG_PATH, OFF(vss_hooks_dir),
	  HVGUEST_SYSCONFDIR "/hvguest/freeze.d", 0, 0,
	  "Directory of freeze hooks, run with freeze, thaw or freeze-failed" },
	{ "vss", "hook_timeout", CONFIG_MSEC, OFF(vss_hook_timeout_ms), "30000ms", 100, 600000,
	  "Time each hook may take before it is killed (a freeze hook then fails the freeze)" },
	/* The kernel gives up on FREEZE after 900 s; thaw well before anyone else gives up. */
	{ "vss", "max_frozen", CONFIG_MSEC, OFF(vss_max_frozen_ms), "300000ms", 100, 840000,
	  "Longest time filesystems stay frozen: then they are thawed even without THAW" },
	{ "vss", "state_dir", CONFIG_PATH, OFF(vss_state_dir), HVGUEST_RUNSTATEDIR "/hvguest", 0, 0,
	  "Directory (on tmpfs) of the list of frozen mounts that hypervvssd --thaw reads" },
	{ "fcopy", "device", CONFIG_PATH, OFF(fcopy_device), "/dev/vmbus/hv_fcopy", 0, 0,
	  "Legacy fcopy channel (kernels up to 6.9): the kernel's character device, or an "
	  "AF_UNIX SOCK_SEQPACKET socket standing in for it" },
	{ "fcopy", "transport", CONFIG_STRING, OFF(fcopy_transport), "auto", 0, 0,
	  "fcopy transport: chardev (the device above), uio (the VMBus ring of kernels 6.10 "
	  "and later) or auto (the device if it exists, else uio)" },
	{ "fcopy", "allowed_roots", CONFIG_STRV, OFF(fcopy_allowed_roots), "/", 0, 0,
	  "Absolute directories under which copied files may land" },
	{ "fcopy", "file_mode", CONFIG_MODE, OFF(fcopy_file_mode), "0644", 0, 07777,
	  "Mode (octal) of copied files" },
	{ "fcopy", "sysfs_root", CONFIG_PATH, OFF(fcopy_sysfs_root), "/sys/bus/vmbus/devices", 0, 0,
	  "UIO transport: directory of VMBus devices, searched for the fcopy class GUID" },
	{ "fcopy", "uio_dev_dir", CONFIG_PATH, OFF(fcopy_uio_dev_dir), "/dev", 0, 0,
	  "UIO transport: directory of the uioN device nodes (or hv-hostsim's sockets)" },
	{ "fcopy", "uio_driver_dir", CONFIG_STRING, OFF(fcopy_uio_driver_dir),
	  "/sys/bus/vmbus/drivers/uio_hv_generic", 0, 0,
	  "UIO transport: uio_hv_generic's sysfs directory, whose new_id binds the device; "
	  "empty: never bind" },
	{ "daemon", "debug", CONFIG_BOOL, OFF(debug), "no", 0, 0, "Log debug messages" },
};
#pragma GCC diagnostic pop
const size_t config_keys_count = ELEMENTSOF(config_keys);

/*
 * Longest value accepted. A dumped "key = value" line must fit inih's
 * 199-character line buffer, or --dump-config output would not parse back.
 */
#define CONFIG_VALUE_MAX 160
/* Largest file read; real configs are a few hundred bytes. */
#define CONFIG_FILE_MAX (1024 * 1024)

static void strv_free(char **l)
{
	if (!l)
		return;
	for (char **p = l; *p; p++)
		free(*p);
	free(l);
}

static void *field(struct hv_config *c, const struct config_key *k)
{
	return (char *)c + k->offset;
}

static const void *field_const(const struct hv_config *c, const struct config_key *k)
{
	return (const char *)c + k->offset;
}

static const struct config_key *key_find(const char *section, const char *key)
{
	for (size_t i = 0; i < config_keys_count; i++)
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].key, key) == 0)
			return &config_keys[i];
	return NULL;
}

static bool section_known(const char *section)
{
	for (size_t i = 0; i < config_keys_count; i++)
		if (strcmp(config_keys[i].section, section) == 0)
			return true;
	return false;
}

_printf_(2, 3) static void set_error(char **ret_error, const char *fmt, ...)
{
	va_list ap;

	if (!ret_error)
		return;
	va_start(ap, fmt);
	if (vasprintf(ret_error, fmt, ap) < 0)
		*ret_error = NULL;
	va_end(ap);
}

/* ---- value parsers: each returns NULL or a static reason ---- */

static const char *parse_bool(const char *v, bool *ret)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*ret = true;
			return NULL;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*ret = false;
			return NULL;
		}
	}
	return "not a boolean (yes/no, true/false, on/off, 1/0)";
}

/* Decimal digits only: strtoul alone would accept "-1", " 1", "+1" and "0x1". */
static const char *parse_digits(const char **p, unsigned long long *ret)
{
	unsigned long long n = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return "not a number";
	for (; isdigit((unsigned char)*s); s++) {
		if (n > (ULLONG_MAX - 9) / 10)
			return "number too large";
		n = n * 10 + (unsigned)(*s - '0');
	}
	*p = s;
	*ret = n;
	return NULL;
}

static const char *parse_uint(const char *v, const struct config_key *k, unsigned *ret)
{
	unsigned long long n;
	const char *reason = parse_digits(&v, &n);

	if (reason)
		return reason;
	if (*v)
		return "not a decimal number";
	if (n < k->min || n > k->max || n > UINT_MAX)
		return "out of range";
	*ret = (unsigned)n;
	return NULL;
}

static const char *parse_msec(const char *v, const struct config_key *k, unsigned *ret)
{
	static const struct {
		const char *suffix;
		unsigned long long ms;
	} units[] = {
		{ "", 1 },	 { "ms", 1 },	   { "msec", 1 },    { "s", 1000 },
		{ "sec", 1000 }, { "min", 60000 }, { "h", 3600000 },
	};
	unsigned long long whole, frac = 0, scale = 1;
	const char *reason = parse_digits(&v, &whole);

	if (reason)
		return "not a duration (e.g. 250ms, 2s, 1.5s, 1min)";
	if (*v == '.') {
		v++;
		if (!isdigit((unsigned char)*v))
			return "not a duration (e.g. 250ms, 2s, 1.5s, 1min)";
		/* Nine digits are more precision than any unit here needs. */
		for (; isdigit((unsigned char)*v); v++) {
			if (scale >= 1000000000ULL)
				return "too many decimal places";
			frac = frac * 10 + (unsigned)(*v - '0');
			scale *= 10;
		}
	}
	while (*v == ' ' || *v == '\t')
		v++;
	for (size_t i = 0; i < ELEMENTSOF(units); i++) {
		if (strcmp(v, units[i].suffix) != 0)
			continue;
		unsigned long long u = units[i].ms;
		if (whole > ULLONG_MAX / u || whole * u > UINT_MAX)
			return "out of range";
		if ((frac * u) % scale != 0)
			return "not a whole number of milliseconds";
		unsigned long long ms = whole * u + frac * u / scale;
		if (ms < k->min || ms > k->max)
			return "out of range";
		*ret = (unsigned)ms;
		return NULL;
	}
	return "unknown time unit (use ms, s, min or h)";
}

static const char *parse_mode(const char *v, unsigned *ret)
{
	unsigned long n = 0;

	if (!*v)
		return "not an octal mode";
	for (; *v; v++) {
		if (*v < '0' || *v > '7')
			return "not an octal mode";
		n = n * 8 + (unsigned)(*v - '0');
		if (n > 07777)
			return "mode out of range (at most 07777)";
	}
	*ret = (unsigned)n;
	return NULL;
}

static const char *parse_strv(const char *v, char ***ret)
{
	size_t n = 0;
	char **l = calloc(strlen(v) / 2 + 2, sizeof(char *));

	if (!l)
		return NULL; /* caller sees *ret unset: out of memory */
	for (;;) {
		v += strspn(v, " \t");
		if (!*v)
			break;
		size_t len = strcspn(v, " \t");
		l[n] = strndup(v, len);
		if (!l[n]) {
			strv_free(l);
			return NULL;
		}
		n++;
		v += len;
	}
	*ret = l;
	return NULL;
}

/* Everything that would not survive a round trip through a config file. */
static const char *check_text(const char *v)
{
	if (strlen(v) > CONFIG_VALUE_MAX)
		return "value too long (at most 160 characters)";
	for (const char *p = v; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return "value contains a control character";
		/* inih reads ';' at the start or after whitespace as a comment. */
		if (ch == ';' && (p == v || p[-1] == ' ' || p[-1] == '\t'))
			return "';' at the start of a value or after whitespace starts a comment";
	}
	return NULL;
}

static bool enum_has(const struct config_key *k, const char *v)
{
	const char *name;
	for (size_t i = 0; (name = k->enum_value(i)); i++)
		if (strcmp(name, v) == 0)
			return true;
	return false;
}

/* "not one of: a, b, c", from the key's own list. */
static const char *enum_reason(const struct config_key *k)
{
	/* Per thread, like the other reasons: valid until the next value is parsed. */
	static __thread char buf[256];
	const char *name;
	size_t n = (size_t)snprintf(buf, sizeof(buf), "not one of:");
	for (size_t i = 0; (name = k->enum_value(i)) && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s %s", i ? "," : "", name);
	return buf;
}

static int set_value(struct hv_config *c, const struct config_key *k, const char *v,
		     const char **ret_reason)
{
	const char *reason = check_text(v);
	void *f = field(c, k);

	if (reason) {
		*ret_reason = reason;
		return -EINVAL;
	}
	switch (k->type) {
	case CONFIG_ENUM:
		if (!enum_has(k, v)) {
			*ret_reason = enum_reason(k);
			return -EINVAL;
		}
		__attribute__((fallthrough));
	case CONFIG_PATH:
		if (k->type == CONFIG_PATH && v[0] != '/') {
			*ret_reason = "not an absolute path";
			return -EINVAL;
		}
		__attribute__((fallthrough));
	case CONFIG_STRING: {
		char *s = strdup(v);
		if (!s)
			return -ENOMEM;
		free(*(char **)f);
		*(char **)f = s;
		return 0;
	}
	case CONFIG_BOOL:
		reason = parse_bool(v, (bool *)f);
		break;
	case CONFIG_UINT:
		reason = parse_uint(v, k, (unsigned *)f);
		break;
	case CONFIG_MSEC:
		reason = parse_msec(v, k, (unsigned *)f);
		break;
	case CONFIG_MODE:
		reason = parse_mode(v, (unsigned *)f);
		break;
	case CONFIG_STRV: {
		char **l = NULL;
		parse_strv(v, &l);
		if (!l)
			return -ENOMEM;
		strv_free(*(char ***)f);
		*(char ***)f = l;
		return 0;
	}
	default:
		reason = "key of unknown type";
	}
	if (reason) {
		*ret_reason = reason;
		return -EINVAL;
	}
	return 0;
}

/* Copy of v without leading and trailing whitespace. */
static char *strdup_trimmed(const char *v)
{
	v += strspn(v, " \t\r\n");
	size_t n = strlen(v);
	while (n > 0 && strchr(" \t\r\n", v[n - 1]))
		n--;
	return strndup(v, n);
}

/*
 * with_key: name section and key in the message; -o errors leave them out
 * because the "where" prefix already quotes the whole assignment.
 */
static int config_set_internal(struct hv_config *c, const char *section, const char *key,
			       const char *value, const char *where, bool with_key,
			       char **ret_error)
{
	const char *reason = NULL;
	const struct config_key *k;
	int r;

	if (!section_known(section)) {
		if (section[0] == '\0')
			set_error(ret_error, "%s: %s: key outside of any [section]", where, key);
		else
			set_error(ret_error, "%s: [%s] %s: unknown section [%s]", where, section,
				  key, section);
		return -EINVAL;
	}
	k = key_find(section, key);
	if (!k) {
		set_error(ret_error, "%s: [%s] %s: unknown key", where, section, key);
		return -EINVAL;
	}
	_cleanup_free_ char *v = strdup_trimmed(value);
	if (!v)
		return -ENOMEM;
	r = set_value(c, k, v, &reason);
	if (r == -EINVAL) {
		if (with_key)
			set_error(ret_error, "%s: [%s] %s: %s: \"%s\"", where, section, key, reason,
				  v);
		else
			set_error(ret_error, "%s: %s", where, reason);
	}
	return r;
}

int config_set(struct hv_config *c, const char *section, const char *key, const char *value,
	       const char *where, char **ret_error)
{
	return config_set_internal(c, section, key, value, where, true, ret_error);
}

int config_init(struct hv_config *c)
{
	*c = (struct hv_config){ 0 };
	for (size_t i = 0; i < config_keys_count; i++) {
		const char *reason = NULL;
		int r = set_value(c, &config_keys[i], config_keys[i].default_value, &reason);
		if (r < 0) {
			config_done(c);
			return r;
		}
	}
	return 0;
}

void config_done(struct hv_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < config_keys_count; i++) {
		void *f = field(c, &config_keys[i]);
		switch (config_keys[i].type) {
		case CONFIG_STRING:
		case CONFIG_PATH:
		case CONFIG_ENUM:
			free(*(char **)f);
			*(char **)f = NULL;
			break;
		case CONFIG_STRV:
			strv_free(*(char ***)f);
			*(char ***)f = NULL;
			break;
		default:
			break;
		}
	}
}

int config_set_option(struct hv_config *c, const char *assignment, char **ret_error)
{
	_cleanup_free_ char *where = NULL, *left = NULL;
	const char *eq = strchr(assignment, '=');

	if (asprintf(&where, "-o %s", assignment) < 0)
		return -ENOMEM;
	if (!eq) {
		set_error(ret_error, "%s: expected SECTION.KEY=VALUE", where);
		return -EINVAL;
	}
	left = strndup(assignment, (size_t)(eq - assignment));
	if (!left)
		return -ENOMEM;
	_cleanup_free_ char *name = strdup_trimmed(left);
	if (!name)
		return -ENOMEM;
	char *dot = strchr(name, '.');
	if (!dot || dot == name || !dot[1]) {
		set_error(ret_error, "%s: expected SECTION.KEY=VALUE", where);
		return -EINVAL;
	}
	*dot = '\0';
	return config_set_internal(c, name, dot + 1, eq + 1, where, false, ret_error);
}

/* ---- inih glue ---- */

struct parse_ctx {
	struct hv_config *config;
	const char *name;
	const char *pos, *end;
	unsigned line;
	/* Mirrors inih's prev_name, to spot lines inih takes as continuations. */
	bool have_prev;
	char prev_section[64], prev_key[64];
	unsigned error_line;
	int error;
	char *message;
};

static void ctx_fail(struct parse_ctx *ctx, int r, char *message)
{
	if (ctx->error) {
		free(message);
		return;
	}
	ctx->error = r;
	ctx->error_line = ctx->line;
	ctx->message = message;
}

/*
 * Feeds inih one line at a time so that we know the line number of every
 * handler call (the packaged inih is built without INI_HANDLER_LINENO),
 * and refuses what inih would silently mangle: lines longer than its
 * buffer (split into two lines), NUL bytes (truncated), and indented lines
 * after a key (glued onto that key's value).
 */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	char *msg = NULL;

	if (ctx->error || ctx->pos >= ctx->end)
		return NULL;
	const char *nl = memchr(ctx->pos, '\n', (size_t)(ctx->end - ctx->pos));
	size_t n = nl ? (size_t)(nl - ctx->pos) : (size_t)(ctx->end - ctx->pos);
	ctx->line++;
	if (memchr(ctx->pos, '\0', n)) {
		if (asprintf(&msg, "%s:%u: line contains a NUL byte", ctx->name, ctx->line) < 0)
			msg = NULL;
		ctx_fail(ctx, msg ? -EINVAL : -ENOMEM, msg);
		return NULL;
	}
	if (num <= 0 || n > (size_t)num - 1) {
		if (asprintf(&msg, "%s:%u: line too long (at most %d characters)", ctx->name,
			     ctx->line, num - 1) < 0)
			msg = NULL;
		ctx_fail(ctx, msg ? -EINVAL : -ENOMEM, msg);
		return NULL;
	}
	memcpy(str, ctx->pos, n);
	str[n] = '\0';
	ctx->pos += n + (nl ? 1 : 0);

	const char *s = str + strspn(str, " \t\r\v\f");
	bool blank = strspn(s, " \t\r\v\f\n") == strlen(s);
	if (blank || *s == ';' || *s == '#')
		return str;
	if (ctx->have_prev && s > str) {
		if (asprintf(&msg,
			     "%s:%u: [%s] %s: indented line would continue the previous value; "
			     "continuation lines are not supported",
			     ctx->name, ctx->line, ctx->prev_section, ctx->prev_key) < 0)
			msg = NULL;
		ctx_fail(ctx, msg ? -EINVAL : -ENOMEM, msg);
		return NULL;
	}
	if (*s == '[')
		ctx->have_prev = false;
	return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *ctx = user;
	_cleanup_free_ char *where = NULL;
	char *msg = NULL;
	int r;

	if (ctx->error)
		return 0;
	snprintf(ctx->prev_section, sizeof(ctx->prev_section), "%s", section);
	snprintf(ctx->prev_key, sizeof(ctx->prev_key), "%s", name);
	ctx->have_prev = name[0] != '\0';
	if (asprintf(&where, "%s:%u", ctx->name, ctx->line) < 0) {
		ctx_fail(ctx, -ENOMEM, NULL);
		return 0;
	}
	r = config_set(ctx->config, section, name[0] ? name : "(empty)", value, where, &msg);
	if (r < 0) {
		ctx_fail(ctx, r, msg);
		return 0;
	}
	return 1;
}

int config_load_string(struct hv_config *c, const char *text, size_t len, const char *name,
		       char **ret_error)
{
	struct parse_ctx ctx = {
		.config = c,
		.name = name ? name : "(string)",
		.pos = text,
		.end = text + len,
	};
	int r = ini_parse_stream(reader, &ctx, handler, &ctx);

	/* inih reports syntax errors only as a line number, and keeps going. */
	if (r > 0 && (!ctx.error || (unsigned)r < ctx.error_line)) {
		free(ctx.message);
		set_error(ret_error,
			  "%s:%d: syntax error: expected \"[section]\" or \"key = value\"",
			  ctx.name, r);
		return -EINVAL;
	}
	if (r < 0 && !ctx.error) {
		set_error(ret_error, "%s: cannot parse", ctx.name);
		return -EINVAL;
	}
	if (ctx.error) {
		if (ret_error)
			*ret_error = ctx.message;
		else
			free(ctx.message);
		return ctx.error;
	}
	return 0;
}

static int read_all(int fd, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		if (len == cap) {
			if (cap >= CONFIG_FILE_MAX)
				return -EFBIG;
			cap = cap ? cap * 2 : 4096;
			char *n = realloc(buf, cap);
			if (!n)
				return -ENOMEM;
			buf = n;
		}
		ssize_t k = read(fd, buf + len, cap - len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int config_load_file(struct hv_config *c, const char *path, bool must_exist, char **ret_error)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT && !must_exist)
			return 0;
		set_error(ret_error, "%s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		set_error(ret_error, "%s: %s", path, strerror(-r));
		return r;
	}
	if (S_ISDIR(st.st_mode)) {
		set_error(ret_error, "%s: %s", path, strerror(EISDIR));
		return -EISDIR;
	}
	r = read_all(fd, &buf, &len);
	if (r < 0) {
		set_error(ret_error, "%s: %s", path, r == -EFBIG ? "file too large" : strerror(-r));
		return r;
	}
	return config_load_string(c, buf ? buf : "", len, path, ret_error);
}

static int dropin_filter(const struct dirent *de)
{
	return de->d_name[0] != '.' && fnmatch("*.conf", de->d_name, FNM_PERIOD) == 0;
}

int config_load_dropins(struct hv_config *c, const char *main_path, char **ret_error)
{
	_cleanup_free_ char *dir = NULL;
	struct dirent **names = NULL;
	int n, r = 0;

	if (asprintf(&dir, "%s.d", main_path) < 0)
		return -ENOMEM;
	n = scandir(dir, &names, dropin_filter, alphasort);
	if (n < 0) {
		r = -errno;
		if (r == -ENOENT || r == -ENOTDIR)
			return 0;
		set_error(ret_error, "%s: %s", dir, strerror(-r));
		return r;
	}
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *p = NULL;
		struct stat st;

		if (r == 0 && asprintf(&p, "%s/%s", dir, names[i]->d_name) < 0)
			r = -ENOMEM;
		/* A directory named x.conf is not a drop-in; a vanished file is no error. */
		if (r == 0 && stat(p, &st) == 0 && !S_ISDIR(st.st_mode))
			r = config_load_file(c, p, false, ret_error);
		free(names[i]);
	}
	free(names);
	return r;
}

/* ---- dump ---- */

static void dump_value(const struct hv_config *c, const struct config_key *k, FILE *f)
{
	const void *p = field_const(c, k);

	switch (k->type) {
	case CONFIG_STRING:
	case CONFIG_PATH:
	case CONFIG_ENUM:
		fputs(*(char *const *)p ? *(char *const *)p : "", f);
		break;
	case CONFIG_BOOL:
		fputs(*(const bool *)p ? "yes" : "no", f);
		break;
	case CONFIG_UINT:
		fprintf(f, "%u", *(const unsigned *)p);
		break;
	case CONFIG_MSEC:
		fprintf(f, "%ums", *(const unsigned *)p);
		break;
	case CONFIG_MODE:
		fprintf(f, "%04o", *(const unsigned *)p);
		break;
	case CONFIG_STRV: {
		char *const *l = *(char **const *)p;
		for (size_t i = 0; l && l[i]; i++)
			fprintf(f, "%s%s", i ? " " : "", l[i]);
		break;
	}
	}
}

void config_dump(const struct hv_config *c, FILE *f)
{
	const char *section = NULL;

	for (size_t i = 0; i < config_keys_count; i++) {
		const struct config_key *k = &config_keys[i];

		/* The table keeps each section's keys together. */
		if (!section || strcmp(section, k->section) != 0) {
			fprintf(f, "%s[%s]\n", section ? "\n" : "", k->section);
			section = k->section;
		}
		fprintf(f, "# %s\n%s = ", k->doc, k->key);
		dump_value(c, k, f);
		fputc('\n', f);
	}
}
