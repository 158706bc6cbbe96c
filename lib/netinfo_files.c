/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "netinfo_files.h"

const char *netinfo_run_dir(const struct netinfo_options *opts)
{
	return opts && opts->run_dir && opts->run_dir[0] ? opts->run_dir : "/run";
}

const char *netinfo_resolv_conf(const struct netinfo_options *opts)
{
	return opts && opts->resolv_conf && opts->resolv_conf[0] ? opts->resolv_conf
								 : "/etc/resolv.conf";
}

int netinfo_read_file(const char *path, char **ret)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	buf = malloc(NETINFO_FILE_MAX + 1);
	if (!buf)
		return -ENOMEM;
	while (len < NETINFO_FILE_MAX) {
		ssize_t n = read(fd, buf + len, NETINFO_FILE_MAX - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

int netinfo_list_append(char *buf, size_t size, const char *item)
{
	size_t len = strlen(buf), n = strlen(item);
	const char *p = buf;

	/* Already listed? Items are "x;" pieces: compare whole pieces only. */
	while (*p) {
		const char *e = strchrnul(p, ';');

		if ((size_t)(e - p) == n && memcmp(p, item, n) == 0)
			return 0;
		p = *e ? e + 1 : e;
	}
	if (len + n + 2 > size)
		return -ENOBUFS;
	memcpy(buf + len, item, n);
	buf[len + n] = ';';
	buf[len + n + 1] = '\0';
	return 0;
}

int netinfo_parse_server(const char *token, char *ret, size_t size)
{
	char tmp[INET6_ADDRSTRLEN + 16];
	unsigned char bin[sizeof(struct in6_addr)];
	size_t n;
	int family;

	if (token[0] == '[') {
		const char *e = strchr(token, ']');

		if (!e)
			return -EINVAL;
		n = (size_t)(e - token - 1);
		token++;
	} else {
		/* Without brackets a ':' after a dotted address is a port; an IPv6 address has
		 * several. */
		const char *colon = strchr(token, ':');

		n = strcspn(token, "%#");
		if (colon && !strchr(colon + 1, ':') && (size_t)(colon - token) < n)
			n = (size_t)(colon - token);
	}
	if (n == 0 || n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, token, n);
	tmp[n] = '\0';
	tmp[strcspn(tmp, "%")] = '\0'; /* "[fe80::1%eth0]" */
	if (inet_pton(AF_INET, tmp, bin) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, tmp, bin) == 1)
		family = AF_INET6;
	else
		return -EINVAL;
	if (!inet_ntop(family, bin, ret, (socklen_t)size))
		return -ENOBUFS;
	return 0;
}

static int append_server(char *buf, size_t size, const char *token)
{
	char addr[INET6_ADDRSTRLEN];

	if (netinfo_parse_server(token, addr, sizeof(addr)) < 0)
		return 0; /* not an address we can name to the host: skipped */
	return netinfo_list_append(buf, size, addr) < 0 ? -ENOBUFS : 1;
}

int netinfo_servers_from_env(const char *text, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (line && *line) {
		const char *eol = strchrnul(line, '\n');

		if ((size_t)(eol - line) > klen && strncmp(line, key, klen) == 0 &&
		    line[klen] == '=') {
			const char *p = line + klen + 1;
			int count = 0;

			while (p < eol) {
				char tok[128];
				size_t n;
				int r;

				p += strspn(p, " \t");
				n = strcspn(p, " \t\n");
				if (n == 0)
					break;
				if (n < sizeof(tok)) {
					memcpy(tok, p, n);
					tok[n] = '\0';
					r = append_server(buf, size, tok);
					if (r < 0)
						return r;
					count += r;
				}
				p += n;
			}
			return count;
		}
		line = *eol ? eol + 1 : eol;
	}
	return -ENOENT;
}

static bool is_resolved_stub(const char *addr)
{
	return strcmp(addr, "127.0.0.53") == 0 || strcmp(addr, "127.0.0.54") == 0;
}

int netinfo_servers_from_resolv_conf(const char *text, int skip_stub, char *buf, size_t size)
{
	const char *line = text;
	int count = 0;

	while (line && *line) {
		const char *eol = strchrnul(line, '\n');
		const char *p = line + strspn(line, " \t");

		if ((size_t)(eol - p) > 10 && strncmp(p, "nameserver", 10) == 0 &&
		    (p[10] == ' ' || p[10] == '\t')) {
			char tok[128], addr[INET6_ADDRSTRLEN];
			size_t n;

			p += 10;
			p += strspn(p, " \t");
			n = strcspn(p, " \t\n#;");
			if (n > 0 && n < sizeof(tok)) {
				memcpy(tok, p, n);
				tok[n] = '\0';
				if (netinfo_parse_server(tok, addr, sizeof(addr)) == 0 &&
				    !(skip_stub && is_resolved_stub(addr))) {
					if (netinfo_list_append(buf, size, addr) < 0)
						return -ENOBUFS;
					count++;
				}
			}
		}
		line = *eol ? eol + 1 : eol;
	}
	return count;
}

static int path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Reads dir/name/<ifindex>-style paths; returns 0 with *ret or -errno. */
static int read_state(const char *run, const char *rel, int ifindex, char **ret)
{
	char path[4096];
	int n;

	if (ifindex >= 0)
		n = snprintf(path, sizeof(path), "%s/%s/%d", run, rel, ifindex);
	else
		n = snprintf(path, sizeof(path), "%s/%s", run, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return netinfo_read_file(path, ret);
}

static bool resolved_runs(const char *run)
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s/systemd/resolve", run);

	return n > 0 && (size_t)n < sizeof(path) && path_exists(path);
}

/* NetworkManager writes "managed=true" into its per-device state when it manages the link. */
static bool nm_manages(const char *run, int ifindex)
{
	_cleanup_free_ char *text = NULL;
	const char *p;

	if (read_state(run, "NetworkManager/devices", ifindex, &text) < 0)
		return false;
	for (p = text; (p = strstr(p, "managed=")); p += 8)
		if ((p == text || p[-1] == '\n') && strncmp(p + 8, "true", 4) == 0)
			return true;
	return false;
}

static int servers_from_file(const char *run, const char *rel, int skip_stub, char *buf,
			     size_t size)
{
	_cleanup_free_ char *text = NULL;

	if (read_state(run, rel, -1, &text) < 0)
		return 0;
	return netinfo_servers_from_resolv_conf(text, skip_stub, buf, size);
}

int netinfo_dns_servers(const struct netinfo_options *opts, int ifindex, char *buf, size_t size)
{
	const char *run = netinfo_run_dir(opts);
	bool resolved = resolved_runs(run);
	int r;

	if (size == 0)
		return -ENOBUFS;
	buf[0] = '\0';

	if (resolved) {
		_cleanup_free_ char *link = NULL, *networkd = NULL;

		if (read_state(run, "systemd/resolve/netif", ifindex, &link) == 0) {
			r = netinfo_servers_from_env(link, "SERVERS", buf, size);
			if (r == -ENOBUFS)
				return r;
			if (r > 0)
				return 0;
		}
		if (read_state(run, "systemd/netif/links", ifindex, &networkd) == 0) {
			r = netinfo_servers_from_env(networkd, "DNS", buf, size);
			if (r == -ENOBUFS)
				return r;
			if (r > 0)
				return 0;
		}
	}

	if (nm_manages(run, ifindex)) {
		r = servers_from_file(run, "NetworkManager/no-stub-resolv.conf", 1, buf, size);
		if (r == 0)
			r = servers_from_file(run, "NetworkManager/resolv.conf", 1, buf, size);
		if (r < 0)
			return r;
		if (r > 0)
			return 0;
	}

	{
		_cleanup_free_ char *text = NULL;

		if (netinfo_read_file(netinfo_resolv_conf(opts), &text) == 0) {
			r = netinfo_servers_from_resolv_conf(text, 1, buf, size);
			if (r < 0)
				return r;
			if (r > 0)
				return 0;
		}
	}
	if (resolved) {
		r = servers_from_file(run, "systemd/resolve/resolv.conf", 1, buf, size);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool env_nonempty(const char *text, const char *key)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (*line) {
		const char *eol = strchrnul(line, '\n');

		if (strncmp(line, key, klen) == 0 && line[klen] == '=' && line + klen + 1 < eol &&
		    strspn(line + klen + 1, " \t") < (size_t)(eol - line - klen - 1))
			return true;
		line = *eol ? eol + 1 : eol;
	}
	return false;
}

int netinfo_dhcp_from_state(const struct netinfo_options *opts, int ifindex)
{
	_cleanup_free_ char *text = NULL;
	const char *run = netinfo_run_dir(opts);

	if (read_state(run, "systemd/netif/links", ifindex, &text) < 0)
		return -ENOENT;
	/* A links file for an unmanaged link carries ADMIN_STATE=unmanaged and says nothing. */
	if (strstr(text, "ADMIN_STATE=unmanaged"))
		return -ENOENT;
	return env_nonempty(text, "DHCP_LEASE") || env_nonempty(text, "DHCP4_ADDRESS") ||
	       env_nonempty(text, "DHCP6_ADDRESS");
}
