/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `hv-hostsim vss`: play the kernel's hv_snapshot driver and the host.
 * Listen where the daemon's vss.device points, answer its 12-byte
 * registration (op 129) with the kernel's 4-byte answer, then send each
 * step's request as the kernel does (a zeroed 12-byte hv_vss_msg with only
 * the operation set, hv-protocol.md 3.2) and show the status the host
 * would get, with the time the daemon took.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostsim.h"
#include "hv_abi.h"
#include "macro.h"
#include "vss.h"

enum vss_step_kind {
	VSS_STEP_OP, /* freeze, thaw, hot-backup, check, op N */
	VSS_STEP_SLEEP,
	VSS_STEP_EXPECT_STATUS,
	VSS_STEP_DISCONNECT, /* close: the kernel's release, as when the driver resets */
	VSS_STEP_RECONNECT,  /* close, then wait for the daemon to register again */
};

struct vss_step {
	enum vss_step_kind kind;
	uint8_t op;
	unsigned long number; /* sleep ms */
	uint32_t status;
	char where[16];
};

struct vss_run {
	const char *socket_path;
	int timeout_ms;
	int listen_fd, fd;
	bool have_status;
	uint32_t status;
	unsigned failed;
};

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *op_name(uint8_t op, char buf[static 16])
{
	switch (op) {
	case VSS_OP_FREEZE:
		return "FREEZE";
	case VSS_OP_THAW:
		return "THAW";
	case VSS_OP_HOT_BACKUP:
		return "HOT_BACKUP";
	default:
		snprintf(buf, 16, "OP %u", op);
		return buf;
	}
}

static void status_text(uint32_t s, char buf[static 16])
{
	if (s == HV_S_OK)
		snprintf(buf, 16, "S_OK");
	else if (s == HV_E_FAIL)
		snprintf(buf, 16, "E_FAIL");
	else
		snprintf(buf, 16, "0x%08X", s);
}

static int parse_status(const char *s, uint32_t *ret)
{
	const char *n = strncasecmp(s, "HV_", 3) == 0 ? s + 3 : s;
	if (strcasecmp(n, "S_OK") == 0 || strcmp(n, "0") == 0) {
		*ret = HV_S_OK;
		return 0;
	}
	if (strcasecmp(n, "E_FAIL") == 0) {
		*ret = HV_E_FAIL;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v > UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static int parse_step(const char *text, struct vss_step *st)
{
	struct hs_words w = {};
	const char *err = NULL;
	int r = hs_split_words(text, &w, &err);
	if (r < 0)
		return r;
	r = -EINVAL;
	if (w.n == 1 && strcmp(w.words[0], "freeze") == 0)
		*st = (struct vss_step){ .kind = VSS_STEP_OP, .op = VSS_OP_FREEZE };
	else if (w.n == 1 && strcmp(w.words[0], "thaw") == 0)
		*st = (struct vss_step){ .kind = VSS_STEP_OP, .op = VSS_OP_THAW };
	else if (w.n == 1 &&
		 (strcmp(w.words[0], "hot-backup") == 0 || strcmp(w.words[0], "check") == 0))
		*st = (struct vss_step){ .kind = VSS_STEP_OP, .op = VSS_OP_HOT_BACKUP };
	else if (w.n == 1 && strcmp(w.words[0], "disconnect") == 0)
		*st = (struct vss_step){ .kind = VSS_STEP_DISCONNECT };
	else if (w.n == 1 && strcmp(w.words[0], "reconnect") == 0)
		*st = (struct vss_step){ .kind = VSS_STEP_RECONNECT };
	else if (w.n == 2 && (strcmp(w.words[0], "op") == 0 || strcmp(w.words[0], "sleep") == 0)) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(w.words[1], &end, 10);
		if (errno || *end || end == w.words[1] || (w.words[0][0] == 'o' && v > 255) ||
		    v > 86400000UL)
			goto out;
		if (w.words[0][0] == 'o')
			*st = (struct vss_step){ .kind = VSS_STEP_OP, .op = (uint8_t)v };
		else
			*st = (struct vss_step){ .kind = VSS_STEP_SLEEP, .number = v };
	} else if (w.n == 2 && strcmp(w.words[0], "expect-status") == 0) {
		*st = (struct vss_step){ .kind = VSS_STEP_EXPECT_STATUS };
		if (parse_status(w.words[1], &st->status) < 0)
			goto out;
	} else
		goto out;
	r = 0;
out:
	hs_words_done(&w);
	return r;
}

static int io_fail(int r, const char *what)
{
	fflush(stdout);
	fprintf(stderr, "hv-hostsim vss: %s: %s\n", what,
		r == -ETIMEDOUT ? "timed out"
		: r == 0	? "the daemon closed the connection"
				: strerror(-r));
	return HS_EXIT_IO;
}

static int do_register(struct vss_run *v, const char *what)
{
	uint8_t buf[64];
	int r = hs_accept(v->listen_fd, v->timeout_ms);
	if (r < 0)
		return io_fail(r, "waiting for the daemon to connect");
	v->fd = r;
	ssize_t n = hs_recv(v->fd, buf, sizeof(buf), v->timeout_ms);
	if (n <= 0)
		return io_fail(n == -EMSGSIZE ? -EMSGSIZE : (int)n, "waiting for the registration");
	/* The kernel's checks: exactly 12 bytes, op 129 (128 gets no answer). */
	if (n != (ssize_t)sizeof(struct hv_vss_msg) || buf[0] != VSS_OP_REGISTER1) {
		fflush(stdout);
		fprintf(stderr,
			"hv-hostsim vss: malformed registration: %zd bytes, op %u "
			"(expected 12 bytes, op 129)\n",
			n, buf[0]);
		return HS_EXIT_FAIL;
	}
	uint8_t answer[4] = { VSS_OP_REGISTER1, 0, 0, 0 };
	r = hs_send(v->fd, answer, sizeof(answer));
	if (r < 0)
		return io_fail(r, "answering the registration");
	printf("%s: daemon registered with op 129, answered 129\n", what);
	return 0;
}

static int do_op(struct vss_run *v, uint8_t op)
{
	struct hv_vss_msg m = {};
	uint8_t buf[64];
	char on[16], sn[16];

	m.vss_hdr.operation = op;
	long long t0 = now_us();
	int r = hs_send(v->fd, &m, sizeof(m));
	if (r < 0)
		return io_fail(r, "sending a request");
	ssize_t n = hs_recv(v->fd, buf, sizeof(buf), v->timeout_ms);
	long long dt = now_us() - t0;
	if (n <= 0 && n != -EMSGSIZE)
		return io_fail((int)n, "waiting for the daemon's reply");
	/* The kernel takes exactly 12 bytes and nothing else. */
	if (n != (ssize_t)sizeof(struct hv_vss_msg)) {
		fflush(stdout);
		fprintf(stderr, "hv-hostsim vss: malformed reply to %s: %zd bytes, expected 12\n",
			op_name(op, on), n);
		return HS_EXIT_FAIL;
	}
	uint32_t status = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
			  (uint32_t)buf[3] << 24;
	if (buf[0] == VSS_OP_REGISTER || buf[0] == VSS_OP_REGISTER1) {
		fflush(stdout);
		fprintf(stderr,
			"hv-hostsim vss: reply's byte 0 is %u: the kernel would take it "
			"for a registration\n",
			buf[0]);
		return HS_EXIT_FAIL;
	}
	v->have_status = true;
	v->status = status;
	status_text(status, sn);
	printf("%s: %s (%lld.%03lld ms)\n", op_name(op, on), sn, dt / 1000, dt % 1000);
	return 0;
}

static int run_step(struct vss_run *v, const struct vss_step *st)
{
	switch (st->kind) {
	case VSS_STEP_OP:
		return do_op(v, st->op);
	case VSS_STEP_SLEEP: {
		struct timespec ts = { .tv_sec = (time_t)(st->number / 1000),
				       .tv_nsec = (long)(st->number % 1000) * 1000000 };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		printf("SLEEP %lu ms\n", st->number);
		return 0;
	}
	case VSS_STEP_EXPECT_STATUS: {
		char want[16], got[16];
		status_text(st->status, want);
		bool ok = v->have_status && v->status == st->status;
		if (v->have_status)
			status_text(v->status, got);
		else
			snprintf(got, sizeof(got), "nothing");
		printf("EXPECT status %s: %s%s\n", want, ok ? "ok" : "FAILED, got ", ok ? "" : got);
		if (!ok) {
			v->failed++;
			fprintf(stderr, "hv-hostsim vss: %s: expectation failed\n", st->where);
		}
		return 0;
	}
	case VSS_STEP_DISCONNECT:
		v->fd = safe_close(v->fd);
		printf("DISCONNECT\n");
		return 0;
	case VSS_STEP_RECONNECT:
		v->fd = safe_close(v->fd);
		return do_register(v, "RECONNECT");
	}
	return 0;
}

static void help(void)
{
	printf("Usage: hv-hostsim vss --socket PATH [-t SEC] [-e STEP]...\n"
	       "\n"
	       "Play the kernel's VSS driver and the Hyper-V host for a VSS daemon whose\n"
	       "vss.device is PATH, then run the steps in order.\n"
	       "\n"
	       "  -s, --socket PATH   listen here (a stale socket is replaced)\n"
	       "  -t, --timeout SEC   give up waiting on the daemon after SEC (default 10)\n"
	       "  -e, --step STEP     a step (repeatable)\n"
	       "  -h, --help          this text\n"
	       "\n"
	       "Steps:\n"
	       "  freeze | thaw | hot-backup | check | op N      one request, its status shown\n"
	       "  sleep MS | expect-status STATUS (S_OK, E_FAIL or a number)\n"
	       "  disconnect (the driver resets) | reconnect (and wait for registration)\n"
	       "\n"
	       "Exit: 0 done, 1 expectation failed or malformed reply, 2 usage, 3 I/O or "
	       "timeout.\n");
}

int hostsim_vss_main(int argc, char **argv)
{
	static const struct option options[] = { { "socket", required_argument, NULL, 's' },
						 { "timeout", required_argument, NULL, 't' },
						 { "step", required_argument, NULL, 'e' },
						 { "help", no_argument, NULL, 'h' },
						 {} };
	struct vss_run v = { .timeout_ms = HS_DEFAULT_TIMEOUT_MS, .listen_fd = -1, .fd = -1 };
	_cleanup_free_ struct vss_step *steps = calloc((size_t)argc + 1, sizeof(*steps));
	size_t n_steps = 0;
	int c, r, ret;

	if (!steps)
		return HS_EXIT_IO;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":s:t:e:h", options, NULL)) >= 0) {
		switch (c) {
		case 's':
			v.socket_path = optarg;
			break;
		case 't':
			if (hs_parse_seconds(optarg, &v.timeout_ms) < 0) {
				fprintf(stderr, "hv-hostsim vss: bad --timeout \"%s\" (seconds)\n",
					optarg);
				return HS_EXIT_USAGE;
			}
			break;
		case 'e':
			if (parse_step(optarg, &steps[n_steps]) < 0) {
				fprintf(stderr,
					"hv-hostsim vss: -e %zu: bad step \"%s\" (try --help)\n",
					n_steps + 1, optarg);
				return HS_EXIT_USAGE;
			}
			snprintf(steps[n_steps].where, sizeof(steps[n_steps].where), "-e %zu",
				 n_steps + 1);
			n_steps++;
			break;
		case 'h':
			help();
			return HS_EXIT_OK;
		case ':':
			fprintf(stderr, "hv-hostsim vss: option %s needs an argument\n",
				argv[optind - 1]);
			return HS_EXIT_USAGE;
		default:
			fprintf(stderr, "hv-hostsim vss: unknown option %s (try --help)\n",
				argv[optind - 1]);
			return HS_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hv-hostsim vss: unexpected argument \"%s\" (steps go after -e)\n",
			argv[optind]);
		return HS_EXIT_USAGE;
	}
	if (!v.socket_path) {
		fprintf(stderr, "hv-hostsim vss: --socket PATH is required (try --help)\n");
		return HS_EXIT_USAGE;
	}
	r = hs_listen(v.socket_path);
	if (r < 0) {
		fprintf(stderr, "hv-hostsim vss: cannot listen on %s: %s\n", v.socket_path,
			r == -EEXIST ? "exists and is not a socket" : strerror(-r));
		return HS_EXIT_IO;
	}
	v.listen_fd = r;
	ret = do_register(&v, "REGISTER");
	for (size_t i = 0; ret == HS_EXIT_OK && i < n_steps; i++) {
		ret = run_step(&v, &steps[i]);
		fflush(stdout);
	}
	if (ret == HS_EXIT_OK && v.failed > 0) {
		fprintf(stderr, "hv-hostsim vss: %u expectation%s failed\n", v.failed,
			v.failed == 1 ? "" : "s");
		ret = HS_EXIT_FAIL;
	}
	fflush(stdout);
	safe_close(v.fd);
	safe_close(v.listen_fd);
	unlink(v.socket_path);
	return ret;
}
