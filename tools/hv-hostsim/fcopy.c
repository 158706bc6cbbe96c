/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `hv-hostsim fcopy SRC DEST_DIR`: what Copy-VMFile does on the host. Send
 * START (file name, destination directory, flags, size), the file in
 * 6144-byte WRITEs, then COMPLETE, one message at a time, each answered
 * before the next; on a failed WRITE send CANCEL, as the host does. With
 * --malformed, send broken messages instead and check that each is
 * refused and that the daemon still serves afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fcopy.h"
#include "fcopy_uio.h"
#include "fcopy_codec.h"
#include "hostsim.h"
#include "macro.h"

#define READ_BLOCK (1024 * 1024)

/* The transports: one option each; the argument is its address (socket, directory). */
static const struct {
	const char *option;
	int (*make)(const char *arg, struct hs_fcopy_transport **ret);
	const char *help;
} transports[] = {
	{ "socket", hs_fcopy_legacy_new, "legacy character device: listen on PATH (fcopy.device)" },
	{ "uio", hs_fcopy_uio_new,
	  "UIO VMBus ring: build the simulated device in DIR[,unbound][,ring=BYTES]" },
};

struct fcopy_run {
	struct hs_fcopy_transport *t;
	int timeout_ms;
	uint32_t flags;
	const char *name;
	long cancel_after;  /* -1: never */
	long stall_after;   /* -1: never; else stop sending and wait to be killed */
	long long announce; /* -1: SRC's size; else the size START announces (a lying host) */
	bool quiet;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: hv-hostsim fcopy TRANSPORT [OPTIONS] SRC DEST_DIR\n"
		   "       hv-hostsim fcopy TRANSPORT --malformed KIND[,KIND...] DEST_DIR\n"
		   "\n"
		   "Copy SRC into DEST_DIR on the guest the way Copy-VMFile does.\n"
		   "\n"
		   "Transport (one):\n");
	for (size_t i = 0; i < ELEMENTSOF(transports); i++)
		fprintf(f, "  --%s ARG%*s%s\n", transports[i].option,
			(int)MAX(1, 14 - (int)strlen(transports[i].option)), "",
			transports[i].help);
	fprintf(f, "\nOptions:\n"
		   "  --overwrite           set OVER_WRITE\n"
		   "  --create-path         set CREATE_PATH\n"
		   "  --name NAME           file name on the guest (default: SRC's base name)\n"
		   "  --cancel-after N      send CANCEL after N WRITEs instead of COMPLETE\n"
		   "  --stall-after N       stop after N WRITEs and wait to be killed (tests)\n"
		   "  --announce-size N     announce N bytes in START, whatever SRC holds (tests)\n"
		   "  --expect STATUS       succeed if the copy ends with STATUS (e.g. HV_E_FAIL)\n"
		   "  --malformed KINDS     send malformed messages (see below); each must be "
		   "refused\n"
		   "  --timeout SECONDS     wait at most this long for the daemon (default 10)\n"
		   "  --quiet               print only the result line\n"
		   "\n"
		   "Output: one line per step, then\n"
		   "  result=STATUS bytes=N seconds=S mb_per_s=R\n"
		   "Exit: 0 done (or the expected status), 1 another status, 2 usage, 3 I/O.\n");
}

static const char *status_str(uint32_t status, char buf[static 16])
{
	const char *n = fcopy_status_name(status);

	if (n)
		return n;
	snprintf(buf, 16, "0x%08X", status);
	return buf;
}

static int status_parse(const char *s, uint32_t *ret)
{
	static const uint32_t known[] = { HV_S_OK, HV_E_FAIL, HV_INVALIDARG,
					  HV_ERROR_ALREADY_EXISTS, HV_ERROR_DISK_FULL };
	for (size_t i = 0; i < ELEMENTSOF(known); i++)
		if (strcmp(s, fcopy_status_name(known[i])) == 0) {
			*ret = known[i];
			return 0;
		}
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int io_error(const char *what, int r)
{
	fflush(stdout);
	fprintf(stderr, "hv-hostsim fcopy: %s: %s\n", what, strerror(-r));
	return HS_EXIT_IO;
}

/* The copy. *ret_status is the status the copy ended with. */
static int run_copy(struct fcopy_run *run, const char *src, const char *dest, uint32_t *ret_status)
{
	_cleanup_close_ int fd = open(src, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ uint8_t *block = NULL;
	struct stat st;
	uint32_t status;
	char sb[16];
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return io_error(src, negative_errno());
	block = malloc(READ_BLOCK);
	if (!block)
		return io_error("memory", -ENOMEM);

	double t0 = now_s();
	struct hs_fcopy_msg m = { .op = START_FILE_COPY,
				  .file_name = run->name,
				  .path_name = dest,
				  .copy_flags = run->flags,
				  .file_size = run->announce >= 0 ? (uint64_t)run->announce
								  : (uint64_t)st.st_size };
	r = run->t->exchange(run->t, &m, &status, run->timeout_ms);
	if (r < 0)
		return io_error("START_FILE_COPY", r);
	if (!run->quiet)
		printf("start: %s\n", status_str(status, sb));
	uint64_t off = 0, writes = 0, sent = 0;
	bool cancelled = false;
	while (status == HV_S_OK) {
		ssize_t n = read(fd, block, READ_BLOCK);
		if (n < 0)
			return io_error(src, negative_errno());
		if (n == 0)
			break;
		for (size_t i = 0; i < (size_t)n && status == HV_S_OK; i += DATA_FRAGMENT) {
			if (run->stall_after >= 0 && writes == (uint64_t)run->stall_after) {
				/* For tests that stop the daemon mid-copy. */
				printf("stalled after %llu writes\n", (unsigned long long)writes);
				fflush(stdout);
				for (;;)
					pause();
			}
			if (run->cancel_after >= 0 && writes == (uint64_t)run->cancel_after) {
				cancelled = true;
				break;
			}
			m = (struct hs_fcopy_msg){ .op = WRITE_TO_FILE,
						   .offset = off + i,
						   .size = (uint32_t)MIN((size_t)DATA_FRAGMENT,
									 (size_t)n - i),
						   .data = block + i };
			r = run->t->exchange(run->t, &m, &status, run->timeout_ms);
			if (r < 0)
				return io_error("WRITE_TO_FILE", r);
			writes++;
			sent += m.size;
			if (status != HV_S_OK && !run->quiet)
				printf("write: offset %llu: %s\n", (unsigned long long)(off + i),
				       status_str(status, sb));
		}
		if (cancelled)
			break;
		off += (uint64_t)n;
	}
	if (status == HV_S_OK && !run->quiet)
		printf("write: %llu messages, %llu bytes: %s\n", (unsigned long long)writes,
		       (unsigned long long)sent, status_str(status, sb));
	/* The host gives up on a failed copy with CANCEL; so does a cancelled one. */
	if (status != HV_S_OK && writes > 0)
		cancelled = true;
	m = (struct hs_fcopy_msg){ .op = cancelled ? CANCEL_FCOPY : COMPLETE_FCOPY };
	if (status == HV_S_OK || cancelled) {
		uint32_t s2;
		r = run->t->exchange(run->t, &m, &s2, run->timeout_ms);
		if (r < 0)
			return io_error(cancelled ? "CANCEL_FCOPY" : "COMPLETE_FCOPY", r);
		if (!run->quiet)
			printf("%s: %s\n", cancelled ? "cancel" : "complete", status_str(s2, sb));
		if (status == HV_S_OK)
			status = s2;
	}
	double secs = now_s() - t0;
	printf("result=%s bytes=%llu seconds=%.3f mb_per_s=%.1f\n", status_str(status, sb),
	       (unsigned long long)sent, secs, secs > 0 ? (double)sent / 1e6 / secs : 0.0);
	*ret_status = status;
	return HS_EXIT_OK;
}

/* Each malformed message must be refused; then the daemon must still serve. */
static int run_malformed(struct fcopy_run *run, char *kinds)
{
	int failed = 0;
	char sb[16];

	for (char *k = strtok(kinds, ","); k; k = strtok(NULL, ",")) {
		uint32_t status = HV_S_OK;
		bool answered;
		int r = run->t->malformed(run->t, k, &status, &answered, run->timeout_ms);
		if (r == -ENOENT) {
			fprintf(stderr,
				"hv-hostsim fcopy: unknown malformed kind \"%s\" (%s has: %s)\n", k,
				run->t->name, run->t->malformed_kinds);
			return HS_EXIT_USAGE;
		}
		if (r < 0)
			return io_error(k, r);
		if (!answered) {
			/* The daemon drops the channel on such a message: take it back. */
			printf("malformed %s: not answered; waiting for the daemon to come back\n",
			       k);
			r = run->t->open(run->t, run->timeout_ms);
			if (r < 0)
				return io_error("reconnect", r);
		} else {
			printf("malformed %s: %s\n", k, status_str(status, sb));
			if (status == HV_S_OK)
				failed++;
		}
		/* Still serving? CANCEL with nothing in progress is always a success. */
		struct hs_fcopy_msg m = { .op = CANCEL_FCOPY };
		r = run->t->exchange(run->t, &m, &status, run->timeout_ms);
		if (r < 0)
			return io_error("CANCEL_FCOPY after a malformed message", r);
		if (status != HV_S_OK) {
			printf("probe after %s: %s\n", k, status_str(status, sb));
			failed++;
		}
	}
	printf("result=%s\n", failed ? "accepted-malformed" : "all-refused");
	return failed ? HS_EXIT_FAIL : HS_EXIT_OK;
}

int hostsim_fcopy_main(int argc, char **argv)
{
	enum {
		OPT_OVERWRITE = 1000,
		OPT_CREATE,
		OPT_NAME,
		OPT_CANCEL,
		OPT_EXPECT,
		OPT_MALFORMED,
		OPT_TIMEOUT,
		OPT_QUIET,
		OPT_STALL,
		OPT_ANNOUNCE,
		OPT_TRANSPORT
	};
	/* The named options, then one per transport (from N_NAMED on), then the terminator. */
	enum { N_NAMED = 11 };
	struct option opts[N_NAMED + ELEMENTSOF(transports) + 1] = {
		{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
		{ "create-path", no_argument, NULL, OPT_CREATE },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "cancel-after", required_argument, NULL, OPT_CANCEL },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "malformed", required_argument, NULL, OPT_MALFORMED },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "stall-after", required_argument, NULL, OPT_STALL },
		{ "announce-size", required_argument, NULL, OPT_ANNOUNCE },
		{ "help", no_argument, NULL, 'h' },
	};
	struct fcopy_run run = { .timeout_ms = HS_DEFAULT_TIMEOUT_MS,
				 .cancel_after = -1,
				 .stall_after = -1,
				 .announce = -1 };
	const char *expect = NULL, *taddr = NULL;
	char *malformed = NULL;
	int tindex = -1, c, idx;

	for (size_t i = 0; i < ELEMENTSOF(transports); i++)
		opts[N_NAMED + i] = (struct option){ transports[i].option, required_argument, NULL,
						     OPT_TRANSPORT };
	while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		switch (c) {
		case OPT_OVERWRITE:
			run.flags |= OVER_WRITE;
			break;
		case OPT_CREATE:
			run.flags |= CREATE_PATH;
			break;
		case OPT_NAME:
			run.name = optarg;
			break;
		case OPT_CANCEL:
		case OPT_STALL: {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 0) {
				fprintf(stderr, "hv-hostsim fcopy: not a count: %s\n", optarg);
				return HS_EXIT_USAGE;
			}
			*(c == OPT_CANCEL ? &run.cancel_after : &run.stall_after) = v;
			break;
		}
		case OPT_ANNOUNCE: {
			char *end;
			errno = 0;
			long long v = strtoll(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 0) {
				fprintf(stderr,
					"hv-hostsim fcopy: --announce-size: not a size: %s\n",
					optarg);
				return HS_EXIT_USAGE;
			}
			run.announce = v;
			break;
		}
		case OPT_EXPECT:
			expect = optarg;
			break;
		case OPT_MALFORMED:
			malformed = optarg;
			break;
		case OPT_TIMEOUT:
			if (hs_parse_seconds(optarg, &run.timeout_ms) < 0) {
				fprintf(stderr, "hv-hostsim fcopy: --timeout: not a duration: %s\n",
					optarg);
				return HS_EXIT_USAGE;
			}
			break;
		case OPT_QUIET:
			run.quiet = true;
			break;
		case OPT_TRANSPORT:
			if (tindex >= 0) {
				fprintf(stderr, "hv-hostsim fcopy: give one transport only\n");
				return HS_EXIT_USAGE;
			}
			tindex = idx - N_NAMED;
			taddr = optarg;
			break;
		case 'h':
			usage(stdout);
			return HS_EXIT_OK;
		default:
			usage(stderr);
			return HS_EXIT_USAGE;
		}
	}
	int nargs = argc - optind;
	if (tindex < 0 || (malformed ? nargs != 1 : nargs != 2)) {
		usage(stderr);
		return HS_EXIT_USAGE;
	}
	uint32_t expect_status = HV_S_OK;
	if (expect && status_parse(expect, &expect_status) < 0) {
		fprintf(stderr, "hv-hostsim fcopy: --expect: unknown status %s\n", expect);
		return HS_EXIT_USAGE;
	}
	const char *src = malformed ? NULL : argv[optind];
	const char *dest = argv[argc - 1];
	_cleanup_free_ char *src_copy = src ? strdup(src) : NULL;
	if (src && !run.name) {
		if (!src_copy)
			return io_error("memory", -ENOMEM);
		run.name = basename(src_copy);
	}

	int r = transports[tindex].make(taddr, &run.t);
	if (r < 0)
		return io_error(taddr, r);
	r = run.t->open(run.t, run.timeout_ms);
	if (r < 0) {
		run.t->free(run.t);
		return io_error("waiting for the daemon", r);
	}
	uint32_t status = HV_S_OK;
	int rc = malformed ? run_malformed(&run, malformed) : run_copy(&run, src, dest, &status);
	run.t->free(run.t);
	if (rc != HS_EXIT_OK || malformed)
		return rc;
	return status == expect_status ? HS_EXIT_OK : HS_EXIT_FAIL;
}
