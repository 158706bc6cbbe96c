/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-hostsim: plays the kernel and the Hyper-V host for the daemons over an
 * AF_UNIX SOCK_SEQPACKET socket. This header is what the subcommands share:
 * exit codes, the listening/accepting/timed-read helpers (sock.c), the step
 * script tokenizer (script.c) and output quoting (textout.c).
 */
#ifndef HVGUEST_HOSTSIM_H
#define HVGUEST_HOSTSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* Exit codes of every subcommand (documented in hv-hostsim(1)). */
enum {
	HS_EXIT_OK = 0,	   /* every step done, every expectation met */
	HS_EXIT_FAIL = 1,  /* an expectation failed or a reply was malformed */
	HS_EXIT_USAGE = 2, /* bad command line or step script */
	HS_EXIT_IO = 3,	   /* I/O error or timeout: the daemon never came or went quiet */
};

#define HS_DEFAULT_TIMEOUT_MS 10000

/* sock.c ------------------------------------------------------------------ */

/*
 * Listen on a SEQPACKET socket at path. A stale socket left by an earlier run
 * is removed first; any other kind of file at path is left alone (-EEXIST).
 * Returns the listening fd or -errno.
 */
int hs_listen(const char *path);

/* Wait up to timeout_ms for a connection. Returns the fd, -ETIMEDOUT or -errno. */
int hs_accept(int listen_fd, int timeout_ms);

/*
 * Receive one message (up to size bytes) within timeout_ms. Returns its
 * length, 0 when the peer closed, -ETIMEDOUT, -EMSGSIZE if it was longer than
 * size (the message is consumed), or -errno.
 */
ssize_t hs_recv(int fd, void *buf, size_t size, int timeout_ms);

/* Send one whole message. Returns 0 or -errno. */
int hs_send(int fd, const void *buf, size_t len);

/* Parse "10", "2.5" (seconds) into milliseconds. Returns 0 or -EINVAL. */
int hs_parse_seconds(const char *s, int *ret_ms);

/* script.c ---------------------------------------------------------------- */

struct hs_words {
	char **words; /* each owned */
	size_t n;
};

/*
 * Split one line into words: whitespace separates, double quotes group,
 * inside quotes the escapes \" \\ \n \t \r and \xHH work. A '#'
 * outside quotes at the start of a word starts a comment. Returns 0 (n may be
 * 0 for a blank or comment line), -EINVAL with *ret_error set to a static
 * message on a syntax error, or -ENOMEM.
 */
int hs_split_words(const char *line, struct hs_words *ret, const char **ret_error);
void hs_words_done(struct hs_words *w);

/* textout.c --------------------------------------------------------------- */

/* Write s (len bytes) with C-style escapes for anything unprintable, no quotes. */
void hs_put_escaped(FILE *f, const char *s, size_t len);

/* Write s (len bytes) in double quotes, C-style escapes for anything unprintable. */
void hs_put_quoted(FILE *f, const char *s, size_t len);

/* Write s (len bytes) as a JSON string (with quotes); invalid UTF-8 bytes become \u00XX. */
void hs_put_json_string(FILE *f, const char *s, size_t len);

#endif
