/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-kvp watch: print records as they are added, changed or removed, until
 * SIGINT or SIGTERM (exit 0) or --count events. The store's inotify fd says
 * when a pool may have changed; each pool is then re-read as one consistent
 * snapshot (under the shared lock) and compared with the previous one.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>

#include "hvkvp.h"
#include "macro.h"

/* Without inotify (the store fell back to stat()), look this often. */
#define WATCH_POLL_MS 250

static const unsigned watchable[] = { KVP_POOL_EXTERNAL, KVP_POOL_GUEST, KVP_POOL_AUTO_EXTERNAL,
				      KVP_POOL_AUTO_INTERNAL };

struct watched {
	unsigned pool;
	struct kvp_store *store;
	struct hvkvp_snapshot snap;
};

static int rec_cmp(const void *a, const void *b)
{
	const struct hvkvp_record *x = *(const struct hvkvp_record *const *)a;
	const struct hvkvp_record *y = *(const struct hvkvp_record *const *)b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Servable records sorted by key, then file order (pairs duplicates in order). */
static const struct hvkvp_record **sorted(const struct hvkvp_snapshot *s, size_t *ret_n)
{
	const struct hvkvp_record **v = calloc(s->n + 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (s->recs[i].key)
			v[n++] = &s->recs[i];
	qsort(v, n, sizeof(*v), rec_cmp);
	*ret_n = n;
	return v;
}

static void print_event(const struct hvkvp *k, unsigned pool, char sign,
			const struct hvkvp_record *r, const char *old_value)
{
	if (k->json) {
		const char *ev = sign == '+' ? "added" : sign == '-' ? "removed" : "changed";
		out_record_json(stdout, pool, r, ev, old_value);
		putchar('\n');
	} else {
		printf("%c %s ", sign, pool_name(pool));
		out_text(stdout, r->key);
		if (sign != '-') {
			fputs(" = ", stdout);
			out_text(stdout, r->value);
		}
		putchar('\n');
	}
}

/* Prints the differences; returns how many events were printed, or -ENOMEM. */
static long diff(const struct hvkvp *k, unsigned pool, const struct hvkvp_snapshot *old,
		 const struct hvkvp_snapshot *cur)
{
	size_t no, nc, i = 0, j = 0;
	_cleanup_free_ const struct hvkvp_record **o = sorted(old, &no);
	_cleanup_free_ const struct hvkvp_record **c = sorted(cur, &nc);
	long events = 0;

	if (!o || !c)
		return -ENOMEM;
	while (i < no || j < nc) {
		int cmp = i == no ? 1 : j == nc ? -1 : strcmp(o[i]->key, c[j]->key);
		if (cmp < 0) {
			print_event(k, pool, '-', o[i++], NULL);
			events++;
		} else if (cmp > 0) {
			print_event(k, pool, '+', c[j++], NULL);
			events++;
		} else {
			if (strcmp(o[i]->value, c[j]->value) != 0) {
				print_event(k, pool, '~', c[j], o[i]->value);
				events++;
			}
			i++;
			j++;
		}
	}
	return events;
}

static int setup_signals(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	int fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

int cmd_watch(struct hvkvp *k)
{
	struct watched w[ELEMENTSOF(watchable)] = { 0 };
	struct pollfd pfd[ELEMENTSOF(watchable) + 1];
	_cleanup_close_ int sfd = -1;
	size_t nw = 0;
	unsigned long seen = 0;
	int ret = HVKVP_EXIT_OK, r;

	if (k->n_args > 0)
		return fprintf(stderr, "hv-kvp: watch takes no operands\n"), HVKVP_EXIT_USAGE;
	if (k->pool == KVP_POOL_AUTO) {
		fprintf(stderr, "hv-kvp: watch: the auto pool (2) is computed on request, "
				"it has no file to watch\n");
		return HVKVP_EXIT_USAGE;
	}
	if ((r = pool_dir_check(k)) != 0)
		return r;

	sfd = setup_signals();
	if (sfd < 0) {
		fprintf(stderr, "hv-kvp: signalfd: %s\n", strerror(-sfd));
		return HVKVP_EXIT_IO;
	}
	for (size_t i = 0; i < ELEMENTSOF(watchable); i++) {
		if (k->pool != HVKVP_POOL_ALL && (unsigned)k->pool != watchable[i])
			continue;
		w[nw].pool = watchable[i];
		r = pool_open(k, w[nw].pool, false, &w[nw].store);
		if (r < 0) {
			ret = report_io_error(k, w[nw].pool, r, "cannot open");
			goto out;
		}
		nw++;
		r = pool_snapshot(k, w[nw - 1].store, w[nw - 1].pool, &w[nw - 1].snap);
		if (r < 0) {
			ret = report_io_error(k, w[nw - 1].pool, r, "cannot read");
			goto out;
		}
	}
	/* Tests (and people) may start changing the pools once this is out. */
	fprintf(stderr, "hv-kvp: watching %s; interrupt to stop\n", k->pool_dir);

	for (;;) {
		size_t n = 0;
		bool all_inotify = true;

		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		for (size_t i = 0; i < nw; i++) {
			int fd = kvp_store_event_fd(w[i].store);
			if (fd < 0)
				all_inotify = false;
			else
				pfd[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
		}
		if (poll(pfd, n, all_inotify ? -1 : WATCH_POLL_MS) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "hv-kvp: poll: %s\n", strerror(errno));
			ret = HVKVP_EXIT_IO;
			goto out;
		}
		if (pfd[0].revents)
			goto out; /* SIGINT or SIGTERM: a normal end */

		for (size_t i = 0; i < nw; i++) {
			struct hvkvp_snapshot cur = { 0 };
			kvp_store_process_events(w[i].store);
			r = pool_snapshot(k, w[i].store, w[i].pool, &cur);
			if (r < 0) {
				ret = report_io_error(k, w[i].pool, r, "cannot read");
				goto out;
			}
			long ev = diff(k, w[i].pool, &w[i].snap, &cur);
			snapshot_done(&w[i].snap);
			w[i].snap = cur;
			if (ev < 0) {
				fprintf(stderr, "hv-kvp: %s\n", strerror((int)-ev));
				ret = HVKVP_EXIT_IO;
				goto out;
			}
			seen += (unsigned long)ev;
		}
		if (fflush(stdout) != 0) {
			ret = HVKVP_EXIT_IO;
			goto out;
		}
		if (k->count && seen >= k->count)
			goto out;
	}
out:
	for (size_t i = 0; i < nw; i++) {
		snapshot_done(&w[i].snap);
		kvp_store_free(w[i].store);
	}
	return ret;
}
