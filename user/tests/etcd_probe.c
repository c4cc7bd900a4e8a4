// SPDX-License-Identifier: GPL-2.0
/*
 * What test_etcd_tls.sh cannot see from the tools: the etcd client's token
 * refresh and a watch's end. etcd's settings from the ETCDCTL_* environment
 * (the library's parser).
 *
 *   etcd_probe reauth PREFIX SEC   read PREFIX, wait SEC (the token expires),
 *                                  read again; prints the tokens obtained
 *   etcd_probe watch PREFIX SEC    watch PREFIX until etcd ends the watch
 *                                  (exit 3, its message) or SEC pass (4)
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "etcd.h"

static struct vgw_etcd *open_env(void)
{
	struct vgw_etcd_config cfg;
	struct vgw_etcd *e;
	char err[512];

	vgw_etcd_config_init(&cfg);
	if (vgw_etcd_config_env(&cfg, true, err, sizeof(err)) ||
	    vgw_etcd_open_config(&cfg, &e, err, sizeof(err))) {
		fprintf(stderr, "etcd_probe: %s\n", err);
		exit(1);
	}
	vgw_etcd_config_clear(&cfg);
	return e;
}

static int reauth(const char *prefix, unsigned int sec)
{
	struct vgw_etcd *e = open_env();
	struct vgw_etcd_kvs kvs;
	int i;

	for (i = 0; i < 2; i++) {
		if (i)
			sleep(sec);
		if (vgw_etcd_get_prefix(e, prefix, &kvs)) {
			printf("read %d failed: %s\n", i + 1, vgw_etcd_error(e));
			return 1;
		}
		printf("read %d: %zu keys\n", i + 1, kvs.n);
		vgw_etcd_kvs_free(&kvs);
	}
	printf("tokens %u\n", vgw_etcd_auth_count(e));
	vgw_etcd_close(e);
	return 0;
}

static int on_event(const struct vgw_etcd_event *ev, void *arg)
{
	(void)arg;
	printf("event %s\n", ev->kv.key);
	fflush(stdout);
	return 0;
}

static int watch(const char *prefix, unsigned int sec)
{
	struct vgw_etcd *e = open_env();
	struct vgw_etcd_watch *w;
	struct pollfd fds[8];
	time_t end = time(NULL) + sec;
	bool said = false;
	unsigned int n;
	int t, err;

	err = vgw_etcd_watch_start(e, prefix, 0, &w);
	if (err) {
		printf("watch not started: %s\n", vgw_etcd_error(e));
		return 1;
	}
	while (time(NULL) < end) {
		n = vgw_etcd_watch_fds(w, fds, 8, &t);
		poll(fds, n, t < 0 || t > 200 ? 200 : t);
		err = vgw_etcd_watch_run(w, on_event, NULL);
		if (!said && vgw_etcd_watch_created(w)) {
			printf("created\n");
			fflush(stdout);
			said = true;
		}
		if (err) {
			printf("watch ended (%s): %s\n", strerror(-err),
			       vgw_etcd_watch_error(w));
			vgw_etcd_watch_stop(w);
			vgw_etcd_close(e);
			return 3;
		}
	}
	printf("no error after %u s\n", sec);
	vgw_etcd_watch_stop(w);
	vgw_etcd_close(e);
	return 4;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "reauth"))
		return reauth(argv[2], (unsigned int)atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "watch"))
		return watch(argv[2], (unsigned int)atoi(argv[3]));
	fprintf(stderr, "usage: etcd_probe reauth|watch PREFIX SEC\n");
	return 2;
}
