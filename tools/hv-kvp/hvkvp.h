/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-kvp: read and write the KVP pool files from a shell. One context
 * struct (the parsed command line and configuration) is passed to every
 * subcommand; each subcommand prints its own errors and returns the exit
 * status, so the mapping from failures to the stable exit codes lives in
 * one place per command.
 */
#ifndef HVKVP_H
#define HVKVP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "kvp_store.h"

/* Stable exit codes (documented in hv-kvp(1)). */
#define HVKVP_EXIT_OK	     0
#define HVKVP_EXIT_NOT_FOUND 1
#define HVKVP_EXIT_USAGE     2
#define HVKVP_EXIT_IO	     3

#define HVKVP_POOL_ALL (-1)

/* What the host can take after the kernel's UTF-8 -> UTF-16 step (§2.3). */
#define HVKVP_HOST_KEY_UNITS   254
#define HVKVP_HOST_VALUE_UNITS 1022

struct hvkvp {
	struct hv_config config;
	const char *pool_dir; /* effective: --pool-dir, else kvp.pool_dir */
	int pool;	      /* HVKVP_POOL_ALL or a pool number */
	bool json;
	bool append;		  /* set: add a record even if the key exists */
	unsigned long count;	  /* watch: stop after this many events; 0 = never */
	unsigned lock_timeout_ms; /* 0 = the store's default */
	char **args;		  /* operands after the subcommand */
	size_t n_args;
};

struct hvkvp_record {
	char *key, *value; /* NULL for a record that cannot be decoded */
	uint32_t index;	   /* file record number (ENUMERATE index) */
};

struct hvkvp_snapshot {
	struct hvkvp_record *recs;
	size_t n;
};

/* pools.c */
int pool_parse(const char *s, unsigned *ret_pool);
const char *pool_name(unsigned pool);
char *pool_path(const struct hvkvp *k, unsigned pool);
int pool_dir_check(const struct hvkvp *k);
int pool_open(const struct hvkvp *k, unsigned pool, bool writable, struct kvp_store **ret);
int pool_snapshot(const struct hvkvp *k, struct kvp_store *s, unsigned pool,
		  struct hvkvp_snapshot *ret);
int auto_snapshot(const struct hvkvp *k, struct hvkvp_snapshot *ret);
void snapshot_done(struct hvkvp_snapshot *snap);
int report_io_error(const struct hvkvp *k, unsigned pool, int r, const char *what);

/* output.c */
void out_text(FILE *f, const char *s);
void out_json_string(FILE *f, const char *s);
/* One record object, no newline. */
void out_record_json(FILE *f, unsigned pool, const struct hvkvp_record *r, const char *event,
		     const char *old_value);
/* A JSON array of records: an item at a time (*count counts them), then the end. */
void out_json_item(FILE *f, size_t *count, unsigned pool, const struct hvkvp_record *r);
void out_json_end(FILE *f, size_t count);

/* commands.c */
int cmd_list(struct hvkvp *k);
int cmd_get(struct hvkvp *k);
int cmd_set(struct hvkvp *k);
int cmd_delete(struct hvkvp *k);
int cmd_host(struct hvkvp *k);

/* watch.c */
int cmd_watch(struct hvkvp *k);

#endif
