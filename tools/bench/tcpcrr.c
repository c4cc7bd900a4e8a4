// SPDX-License-Identifier: GPL-2.0
/*
 * tcpcrr - TCP connections per second through a gateway: a real client
 * and server (the kernel's TCP on both ends), each connection a handshake
 * and a close and nothing else.
 *
 *   tcpcrr -s ADDR PORT                     the server
 *   tcpcrr -c ADDR PORT [--time SEC] [--parallel N] [--cpu N]
 *
 * The server accepts and closes at once (it closes first, so its side
 * holds the TIME_WAIT and the client's ports come free); the client
 * connects, waits for the server's FIN, closes. Through the gateway each
 * connection is six or seven packets: SYN, SYN-ACK, ACK, FIN, (ACK,) FIN,
 * ACK (the client often acknowledges the server's FIN with its own).
 * The client runs N connections at a time (threads, default 16) for SEC
 * seconds (default 2) and prints one JSON object:
 *   {"conns": N, "errors": N, "seconds": S, "cps": R}
 * errors: connections that failed (refused, reset, timed out after 3 s);
 * the benchmark refuses a run with any.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARALLEL 256

static struct sockaddr_in dst;
static double end_at;
static atomic_ullong conns, errors;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: tcpcrr -s ADDR PORT\n"
			"       tcpcrr -c ADDR PORT [--time SEC] [--parallel N] [--cpu N]\n");
	exit(2);
}

/* One connection: handshake, the server's FIN, our close. 0 if all went. */
static int one(void)
{
	struct timeval tv = { .tv_sec = 3 };
	char b;
	int fd, ok = -1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0 &&
	    read(fd, &b, 1) == 0)
		ok = 0;
	close(fd);
	return ok;
}

static void *client(void *arg)
{
	(void)arg;
	while (now() < end_at) {
		if (one())
			atomic_fetch_add(&errors, 1);
		else
			atomic_fetch_add(&conns, 1);
	}
	return NULL;
}

static int server(void)
{
	int fd, c, one = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&dst, sizeof(dst)) || listen(fd, 4096)) {
		perror("tcpcrr: server");
		return 1;
	}
	for (;;) {
		c = accept(fd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			perror("tcpcrr: accept");
			return 1;
		}
		close(c);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "time", 1, 0, 't' }, { "parallel", 1, 0, 'p' }, { "cpu", 1, 0, 'C' },
		{ 0 }
	};
	pthread_t th[MAX_PARALLEL];
	int c, srv = -1, parallel = 16, cpu = -1, i;
	double seconds = 2, t0;

	while ((c = getopt_long(argc, argv, "sc", opts, NULL)) != -1) {
		switch (c) {
		case 's': srv = 1; break;
		case 'c': srv = 0; break;
		case 't': seconds = atof(optarg); break;
		case 'p': parallel = atoi(optarg); break;
		case 'C': cpu = atoi(optarg); break;
		default: usage();
		}
	}
	if (srv < 0 || argc - optind != 2 || parallel < 1 || parallel > MAX_PARALLEL ||
	    seconds <= 0)
		usage();
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &dst.sin_addr) != 1)
		usage();
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	signal(SIGPIPE, SIG_IGN);
	if (srv)
		return server();
	t0 = now();
	end_at = t0 + seconds;
	for (i = 0; i < parallel; i++)
		if (pthread_create(&th[i], NULL, client, NULL)) {
			fprintf(stderr, "tcpcrr: pthread_create failed\n");
			return 1;
		}
	for (i = 0; i < parallel; i++)
		pthread_join(th[i], NULL);
	t0 = now() - t0;
	printf("{\"conns\": %llu, \"errors\": %llu, \"seconds\": %.3f, \"cps\": %.0f}\n",
	       (unsigned long long)conns, (unsigned long long)errors, t0,
	       (double)conns / t0);
	return 0;
}
