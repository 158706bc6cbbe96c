/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Feeds arbitrary bytes to the config parser, and checks that whatever
 * loads also survives --dump-config: dump, load the dump into fresh
 * defaults, dump again, and the two dumps must match.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dump(const struct hv_config *c)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (!f)
		abort();
	config_dump(c, f);
	fclose(f);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_config a, b;
	char *err = NULL;

	if (size > 64 * 1024)
		return 0;
	if (config_init(&a) < 0)
		return 0;
	int r = config_load_string(&a, (const char *)data, size, "fuzz", &err);
	free(err);
	err = NULL;
	if (r == 0 && config_init(&b) == 0) {
		char *d1 = dump(&a);
		if (config_load_string(&b, d1, strlen(d1), "dump", &err) != 0) {
			fprintf(stderr, "dump does not load back: %s\n%s", err ? err : "", d1);
			abort();
		}
		char *d2 = dump(&b);
		if (strcmp(d1, d2) != 0) {
			fprintf(stderr, "dump changed on reload:\n%s---\n%s", d1, d2);
			abort();
		}
		free(d1);
		free(d2);
		config_done(&b);
	}
	config_done(&a);

	/* The same bytes as one -o argument. */
	char *opt = strndup((const char *)data, size);
	if (opt && config_init(&a) == 0) {
		config_set_option(&a, opt, &err);
		free(err);
		config_done(&a);
	}
	free(opt);
	return 0;
}
