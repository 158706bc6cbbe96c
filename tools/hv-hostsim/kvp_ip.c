/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-hostsim's GET_IP_INFO and SET_IP_INFO steps: build the message the
 * kernel's hv_kvp.c builds from the host's (hv-protocol.md 2.3, 2.7, 2.8),
 * and show the reply the way the host gets it after the kernel's UTF-16
 * conversion, bounded by the host's field sizes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hostsim.h"
#include "iplist.h"
#include "kvp.h"
#include "macro.h"
#include "utf8.h"

/* Bytes of s the kernel keeps converting the host's field to at most max_bytes of UTF-8. */
static size_t kernel_bytes(const char *s, size_t max_bytes)
{
	size_t len = strlen(s), off = 0;

	while (off < len) {
		size_t k = utf8_char_len(s + off, len - off);

		/* The host's UTF-16 field holds max_bytes units at most; one unit is >= 1 byte. */
		if (k == 0 || off + k > max_bytes)
			break;
		off += k;
	}
	return off;
}

static void put_field(uint8_t *b, size_t off, size_t max_bytes, const char *s)
{
	memcpy(b + off, s, kernel_bytes(s, max_bytes));
}

void kvp_build_get_ip(struct hv_kvp_msg *m, const char *mac, uint8_t family)
{
	uint8_t *b = (uint8_t *)m;

	memset(m, 0, sizeof(*m));
	m->kvp_hdr.operation = KVP_OP_GET_IP_INFO;
	/* The kernel copies only adapter_id and addr_family for GET_IP_INFO. */
	put_field(b, KVP_OFF_IP_ADAPTER, MAX_ADAPTER_ID_SIZE, mac);
	b[KVP_OFF_IP_FAMILY] = family;
}

void kvp_build_set_ip(struct hv_kvp_msg *m, const char *guid, const struct kvp_ip_fields *f)
{
	uint8_t *b = (uint8_t *)m;

	memset(m, 0, sizeof(*m));
	m->kvp_hdr.operation = KVP_OP_SET_IP_INFO;
	put_field(b, KVP_OFF_IP_ADAPTER, MAX_ADAPTER_ID_SIZE, guid);
	b[KVP_OFF_IP_FAMILY] = f->family;
	b[KVP_OFF_IP_DHCP] = f->dhcp;
	put_field(b, KVP_OFF_IP_ADDR, MAX_IP_ADDR_SIZE, f->ip);
	put_field(b, KVP_OFF_IP_SUBNET, MAX_IP_ADDR_SIZE, f->subnet);
	put_field(b, KVP_OFF_IP_GATEWAY, MAX_GATEWAY_SIZE, f->gw);
	put_field(b, KVP_OFF_IP_DNS, MAX_IP_ADDR_SIZE, f->dns);
}

int kvp_read_ip_reply(const struct hv_kvp_msg *m, struct kvp_ip_reply *ret)
{
	static const struct {
		size_t off, size, units, index;
	} fields[] = {
		{ KVP_OFF_IP_ADAPTER, 2 * MAX_ADAPTER_ID_SIZE, MAX_ADAPTER_ID_SIZE, 0 },
		{ KVP_OFF_IP_ADDR, 2 * MAX_IP_ADDR_SIZE, MAX_IP_ADDR_SIZE, 1 },
		{ KVP_OFF_IP_SUBNET, 2 * MAX_IP_ADDR_SIZE, MAX_IP_ADDR_SIZE, 2 },
		{ KVP_OFF_IP_GATEWAY, 2 * MAX_GATEWAY_SIZE, MAX_GATEWAY_SIZE, 3 },
		{ KVP_OFF_IP_DNS, 2 * MAX_IP_ADDR_SIZE, MAX_IP_ADDR_SIZE, 4 },
	};
	const uint8_t *b = (const uint8_t *)m;
	struct kvp_host_string *out[] = { &ret->adapter, &ret->ip, &ret->subnet, &ret->gw,
					  &ret->dns };

	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		int r = kvp_host_string(m, fields[i].off, fields[i].size, fields[i].units,
					out[fields[i].index]);
		if (r < 0)
			return r;
	}
	ret->family = b[KVP_OFF_IP_FAMILY];
	ret->dhcp = b[KVP_OFF_IP_DHCP];
	return 0;
}

/* "ipv4", "ipv6", "both" or a number 0..255 (the kernel passes the byte through). */
static int parse_family(const char *s, uint8_t *ret)
{
	char *end;
	unsigned long v;

	if (strcmp(s, "ipv4") == 0)
		v = ADDR_FAMILY_IPV4;
	else if (strcmp(s, "ipv6") == 0)
		v = ADDR_FAMILY_IPV6;
	else if (strcmp(s, "both") == 0)
		v = ADDR_FAMILY_IPV4 | ADDR_FAMILY_IPV6;
	else if (strcmp(s, "none") == 0)
		v = ADDR_FAMILY_NONE;
	else {
		if (s[0] < '0' || s[0] > '9')
			return -EINVAL;
		errno = 0;
		v = strtoul(s, &end, 0);
		if (errno || *end || v > 255)
			return -EINVAL;
	}
	*ret = (uint8_t)v;
	return 0;
}

static uint8_t families_of(const char *list)
{
	struct iplist_token t;
	uint8_t f = 0;

	while (iplist_next(&list, &t) > 0)
		f |= t.family == AF_INET    ? ADDR_FAMILY_IPV4
		     : t.family == AF_INET6 ? ADDR_FAMILY_IPV6
					    : 0;
	return f;
}

static const char *const ip_field_names[] = { "ip", "subnet", "gw", "dns" };

int kvp_ip_parse_step(struct kvp_step *st, char **words, size_t n, const char **ret_error)
{
	bool have_family = false;

	switch (st->kind) {
	case KVP_STEP_GET_IP:
		st->family = ADDR_FAMILY_IPV4 | ADDR_FAMILY_IPV6;
		if (n == 3 && parse_family(words[2], &st->family) < 0) {
			*ret_error = "bad FAMILY (ipv4, ipv6, both, none or a number)";
			return -EINVAL;
		}
		break;
	case KVP_STEP_SET_IP:
		for (size_t i = 2; i < n; i++) {
			char *eq = strchr(words[i], '=');
			size_t j;

			if (!eq) {
				*ret_error =
					"expected NAME=VALUE (dhcp= ip= subnet= gw= dns= family=)";
				return -EINVAL;
			}
			*eq = '\0';
			if (strcmp(words[i], "dhcp") == 0) {
				if (strcmp(eq + 1, "0") != 0 && strcmp(eq + 1, "1") != 0) {
					*ret_error = "dhcp= takes 0 or 1";
					return -EINVAL;
				}
				st->dhcp = eq[1] == '1';
				continue;
			}
			if (strcmp(words[i], "family") == 0) {
				if (parse_family(eq + 1, &st->family) < 0) {
					*ret_error =
						"bad family= (ipv4, ipv6, both, none or a number)";
					return -EINVAL;
				}
				have_family = true;
				continue;
			}
			for (j = 0; j < ELEMENTSOF(ip_field_names); j++)
				if (strcmp(words[i], ip_field_names[j]) == 0)
					break;
			if (j == ELEMENTSOF(ip_field_names)) {
				*ret_error = "unknown NAME (dhcp ip subnet gw dns family)";
				return -EINVAL;
			}
			if (!utf8_is_valid(eq + 1, strlen(eq + 1))) {
				*ret_error = "value is not valid UTF-8";
				return -EINVAL;
			}
			free(st->ip[j]);
			st->ip[j] = strdup(eq + 1);
			if (!st->ip[j])
				return -ENOMEM;
		}
		for (size_t j = 0; j < ELEMENTSOF(st->ip); j++)
			if (!st->ip[j] && !(st->ip[j] = strdup("")))
				return -ENOMEM;
		/* Without family=, what the host would say for these addresses. */
		if (!have_family)
			st->family = families_of(st->ip[0]);
		break;
	case KVP_STEP_EXPECT_IP: {
		static const char *const names[] = { "ip",   "subnet", "gw",	 "dns",
						     "dhcp", "family", "adapter" };
		bool ok = false;

		for (size_t j = 0; j < ELEMENTSOF(names); j++)
			ok |= strcmp(words[1], names[j]) == 0;
		if (!ok) {
			*ret_error = "bad FIELD (ip subnet gw dns dhcp family adapter)";
			return -EINVAL;
		}
		break;
	}
	default:
		break;
	}
	if (!utf8_is_valid(words[1], strlen(words[1]))) {
		*ret_error = "not valid UTF-8";
		return -EINVAL;
	}
	st->key = strdup(words[1]);
	if (!st->key)
		return -ENOMEM;
	if (st->kind == KVP_STEP_EXPECT_IP) {
		st->value = strdup(words[2]);
		if (!st->value)
			return -ENOMEM;
	}
	return 0;
}

static void put_status(FILE *f, uint32_t status, bool json)
{
	const char *n = kvp_status_name(status);
	char buf[16];

	if (n)
		snprintf(buf, sizeof(buf), "%s", n);
	else
		snprintf(buf, sizeof(buf), "0x%08X", status);
	if (json)
		fprintf(f, "\"status\":\"%s\",\"code\":\"0x%08X\"", buf, status);
	else
		fputs(buf, f);
}

static void put_hs(FILE *f, const char *name, const struct kvp_host_string *h, bool json)
{
	if (json) {
		fprintf(f, ",\"%s\":", name);
		hs_put_json_string(f, h->text, strlen(h->text));
		if (h->cut)
			fprintf(f, ",\"%s_cut\":true", name);
	} else {
		fprintf(f, " %s=", name);
		hs_put_quoted(f, h->text, strlen(h->text));
		if (h->cut)
			fprintf(f, " (%s cut to %zu of %zu units)", name, h->units,
				h->daemon_units);
	}
}

int kvp_ip_report(const struct kvp_step *st, const struct hv_kvp_msg *reply, uint32_t status,
		  bool json, struct kvp_ip_reply *ret, bool *ret_have)
{
	bool get = st->kind == KVP_STEP_GET_IP;
	int r;

	*ret_have = false;
	if (get && status == HV_S_OK) {
		r = kvp_read_ip_reply(reply, ret);
		if (r < 0)
			return r;
		*ret_have = true;
	}
	if (json) {
		printf("{\"step\":\"%s\",\"adapter\":", get ? "get-ip" : "set-ip");
		hs_put_json_string(stdout, st->key, strlen(st->key));
		putchar(',');
		put_status(stdout, status, true);
	} else {
		fputs(get ? "GET_IP_INFO " : "SET_IP_INFO ", stdout);
		fputs(st->key, stdout);
		if (!get) {
			printf(" dhcp=%u family=%u", st->dhcp, st->family);
			for (size_t j = 0; j < ELEMENTSOF(ip_field_names); j++) {
				printf(" %s=", ip_field_names[j]);
				hs_put_quoted(stdout, st->ip[j], strlen(st->ip[j]));
			}
		}
		fputs(": ", stdout);
		put_status(stdout, status, false);
	}
	if (*ret_have) {
		if (json)
			printf(",\"addr_family\":%u,\"dhcp\":%u", ret->family, ret->dhcp);
		else
			printf(" addr_family=%u dhcp=%u", ret->family, ret->dhcp);
		put_hs(stdout, "ip", &ret->ip, json);
		put_hs(stdout, "subnet", &ret->subnet, json);
		put_hs(stdout, "gw", &ret->gw, json);
		put_hs(stdout, "dns", &ret->dns, json);
	}
	puts(json ? "}" : "");
	return 0;
}

bool kvp_ip_expect(const struct kvp_ip_reply *last, const struct kvp_step *st, bool json)
{
	char num[8];
	const char *got = NULL;
	bool ok;

	if (last) {
		if (strcmp(st->key, "ip") == 0)
			got = last->ip.text;
		else if (strcmp(st->key, "subnet") == 0)
			got = last->subnet.text;
		else if (strcmp(st->key, "gw") == 0)
			got = last->gw.text;
		else if (strcmp(st->key, "dns") == 0)
			got = last->dns.text;
		else if (strcmp(st->key, "adapter") == 0)
			got = last->adapter.text;
		else {
			snprintf(num, sizeof(num), "%u",
				 strcmp(st->key, "dhcp") == 0 ? last->dhcp : last->family);
			got = num;
		}
	}
	ok = got && strcmp(got, st->value) == 0;
	if (json) {
		printf("{\"step\":\"expect-ip\",\"field\":\"%s\",\"ok\":%s,\"expected\":", st->key,
		       ok ? "true" : "false");
		hs_put_json_string(stdout, st->value, strlen(st->value));
		fputs(",\"got\":", stdout);
		if (got)
			hs_put_json_string(stdout, got, strlen(got));
		else
			fputs("null", stdout);
		puts("}");
	} else {
		printf("EXPECT ip %s ", st->key);
		hs_put_quoted(stdout, st->value, strlen(st->value));
		if (ok)
			puts(": ok");
		else {
			fputs(": FAILED, got ", stdout);
			if (got)
				hs_put_quoted(stdout, got, strlen(got));
			else
				fputs("no GET_IP_INFO reply", stdout);
			putchar('\n');
		}
	}
	return ok;
}
