// SPDX-License-Identifier: GPL-2.0
/*
 * flow: the traffic end points of the data-path selftests. A server that
 * tells every client which address it saw it come from, and a client that
 * prints that answer, so a test can check what NAT and routing did to a
 * connection from either end.
 *
 *   flow serve tcp|udp PORT [--tag TAG]
 *	Listens on PORT on every IPv4 and IPv6 address. Prints
 *	"listening PROTO PORT" once ready, then one line per TCP connection and
 *	per UDP datagram or TCP read:
 *	    PROTO PEER PEER_PORT LOCAL LOCAL_PORT LEN TEXT
 *	(TEXT: the payload's first printable characters, "-" if none), and
 *	answers each with "TAG PEER PEER_PORT" from the address the client
 *	sent to. Runs until killed.
 *
 *   flow send tcp|udp ADDR PORT [--sport N] [--bind ADDR] [--msg TEXT]
 *	       [--size N] [--ttl N] [--df|--no-df] [--timeout MS]
 *	Sends one message (TEXT, padded to N bytes) and prints the answer.
 *	Exit status 0: answered; 1: no answer within MS (default 2000);
 *	2: refused, unreachable or another error (said on stderr).
 *
 *   flow hold tcp ADDR PORT [options of send] [--fastopen]
 *	Connects, then for each line of stdin sends it and prints the answer
 *	line; exits 0 at the end of stdin, 1 or 2 as send does. --fastopen:
 *	TCP Fast Open (TCP_FASTOPEN_CONNECT): the first line goes in the SYN
 *	when the namespace's net.ipv4.tcp_fastopen lets it.
 *
 *   flow spray udp ADDR PORT --count N [--sport N] [--bind ADDR]
 *	Sends one datagram to each of the N ports PORT..PORT+N-1 (N
 *	connections for a connection table), answers not awaited; prints
 *	"sent N".
 *
 *   flow bulk tcp ADDR PORT --bytes N [--seed S] [--timeout MS]
 *	Bulk data both ways, every byte checked: sends a line "BULK N S",
 *	then N bytes of the stream named by S in large writes (so that the
 *	stack builds full-size and GSO segments); a `flow serve tcp` server
 *	checks each byte, answers "TAG PEER PEER_PORT got N" (or "bad at
 *	OFFSET") and sends the stream of S+1 back, which the client checks.
 *	Prints the server's line and "verified N bytes each way in MS ms
 *	(MBIT Mbit/s)". Exit status 0 only if every byte arrived intact in
 *	both directions within MS (default 2000) from the start; 3: a byte
 *	differed.
 *
 *   flow pace tcp|udp ADDR PORT --count N [--interval MS] [--timeout MS]
 *	       [--sport N] [--bind ADDR]
 *	A steady exchange to count losses: one message "pace I" every MS
 *	milliseconds (default 10), N of them, on one connection (UDP: one
 *	connected socket, so one flow). UDP counts the answers that come back
 *	within MS of the last send (--timeout); TCP waits for each answer
 *	before the next message and reads the connection's retransmissions
 *	(TCP_INFO). Prints "sent N answered M" (TCP: "... retransmitted R").
 *	Exit status 0 only if every message was answered (TCP: and nothing
 *	was retransmitted); 1 otherwise.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_MSG		65536
#define MAX_CONN	64

struct opts {
	bool tcp;
	bool fastopen;	/* TCP: the first message goes in the SYN */
	const char *addr;
	int port;
	int sport;
	const char *bind;
	const char *msg;
	int size;
	int ttl;
	int df;		/* -1: the kernel's default, 0: never, 1: always */
	int timeout_ms;
	const char *tag;
	int count;
	int interval_ms;
	long bytes;
	unsigned int seed;
};

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: flow serve tcp|udp PORT [--tag TAG]\n"
		"       flow send tcp|udp ADDR PORT [--sport N] [--bind ADDR] [--msg TEXT]\n"
		"                 [--size N] [--ttl N] [--df|--no-df] [--timeout MS]\n"
		"       flow hold tcp ADDR PORT [options of send] [--fastopen]\n"
		"       flow spray udp ADDR PORT --count N [--sport N] [--bind ADDR]\n"
		"       flow bulk tcp ADDR PORT --bytes N [--seed S] [--timeout MS]\n"
		"       flow pace tcp|udp ADDR PORT --count N [--interval MS] [--timeout MS]\n");
	exit(64);
}

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "flow: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* An address as text; IPv4-mapped IPv6 addresses print as IPv4. */
static const char *addr_str(const struct sockaddr_storage *ss, char *buf,
			    size_t len)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;

	if (ss->ss_family == AF_INET)
		return inet_ntop(AF_INET, &s4->sin_addr, buf, len);
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, len);
	return inet_ntop(AF_INET6, &s6->sin6_addr, buf, len);
}

static int port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* Parse ADDR (IPv4 or IPv6) and PORT into ss; returns its length. */
static socklen_t make_addr(const char *addr, int port,
			   struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (void *)ss;
	struct sockaddr_in *s4 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return sizeof(*s6);
	}
	fprintf(stderr, "flow: bad address %s\n", addr);
	exit(64);
}

/* The payload's first printable characters, for the server's log line. */
static void payload_text(const char *buf, ssize_t n, char *out, size_t len)
{
	size_t i;

	for (i = 0; i < (size_t)n && i + 1 < len; i++) {
		if (!isgraph((unsigned char)buf[i]))
			break;
		out[i] = buf[i];
	}
	out[i] = 0;
	if (!i)
		strcpy(out, "-");
}

/* --- server --------------------------------------------------------------- */

static const char *server_tag;

static void log_msg(const char *proto, const struct sockaddr_storage *peer,
		    const struct sockaddr_storage *local, const char *buf,
		    ssize_t n)
{
	char pa[INET6_ADDRSTRLEN], la[INET6_ADDRSTRLEN], text[33];

	payload_text(buf, n, text, sizeof(text));
	printf("%s %s %d %s %d %zd %s\n", proto, addr_str(peer, pa, sizeof(pa)),
	       port_of(peer), addr_str(local, la, sizeof(la)), port_of(local),
	       n, text);
	fflush(stdout);
}

static int answer(const struct sockaddr_storage *peer, char *out, size_t len)
{
	char pa[INET6_ADDRSTRLEN];

	return snprintf(out, len, "%s %s %d\n", server_tag,
			addr_str(peer, pa, sizeof(pa)), port_of(peer));
}

/*
 * A UDP socket's receive queue, deep: a receiver that falls behind (a
 * slow guest: the debug kernel in TCG) drops datagrams in its own socket
 * (Udp RcvbufErrors), which a test would count as the path's loss. 4 MiB
 * when root may force it, else what net.core.rmem_max allows.
 */
static void deep_rcvbuf(int fd)
{
	int size = 4 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

/* One listening socket per family; the IPv6 one may be missing. */
static int listen_socket(int family, bool tcp, int port)
{
	struct sockaddr_storage ss;
	int fd, one = 1;

	fd = socket(family, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!tcp)
		deep_rcvbuf(fd);
	if (family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	}
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	if (bind(fd, (void *)&ss, family == AF_INET ?
		 sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) < 0 ||
	    (tcp && listen(fd, 64) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Receive one datagram and answer it from the address it was sent to (the
 * server may have several), which IP_PKTINFO/IPV6_PKTINFO tell.
 */
static void udp_one(int fd)
{
	static char buf[MAX_MSG];
	char cbuf[256], out[128];
	struct sockaddr_storage peer, local;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = {
		.msg_name = &peer, .msg_namelen = sizeof(peer),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	socklen_t sl = sizeof(local);
	ssize_t n;

	n = recvmsg(fd, &mh, 0);
	if (n < 0)
		return;
	getsockname(fd, (void *)&local, &sl);
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo *pi = (void *)CMSG_DATA(cm);

			((struct sockaddr_in *)&local)->sin_addr = pi->ipi_addr;
			pi->ipi_spec_dst = pi->ipi_addr;
			pi->ipi_ifindex = 0;
		} else if (cm->cmsg_level == IPPROTO_IPV6 &&
			   cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo *pi = (void *)CMSG_DATA(cm);

			((struct sockaddr_in6 *)&local)->sin6_addr = pi->ipi6_addr;
			pi->ipi6_ifindex = 0;
		}
	}
	log_msg("udp", &peer, &local, buf, n);
	iov.iov_base = out;
	iov.iov_len = answer(&peer, out, sizeof(out));
	if (sendmsg(fd, &mh, 0) < 0)
		fprintf(stderr, "flow: answer: %s\n", strerror(errno));
}

/* --- bulk data ------------------------------------------------------------ */

/*
 * The bytes of stream @seed from @off on (splitmix64 of the seed and the
 * 8-byte block): any byte lost, doubled, reordered or changed shows.
 */
static void stream_fill(unsigned int seed, uint64_t off, unsigned char *buf,
			size_t len)
{
	size_t i;

	for (i = 0; i < len; i++, off++) {
		uint64_t z = ((uint64_t)seed << 40 ^ off / 8) +
			     0x9e3779b97f4a7c15ULL;

		z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ z >> 27) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		buf[i] = z >> (off % 8 * 8);
	}
}

/* Write all of @buf (a blocking socket); false on error. */
static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

/*
 * The server's side of `flow bulk`, in a child of its own: @head holds what
 * was read so far (the "BULK N S" line and maybe data after it).
 */
static void __attribute__((noreturn)) bulk_serve(int fd, const char *first,
						 size_t hlen)
{
	static unsigned char buf[MAX_MSG], want[MAX_MSG];
	static char head[MAX_MSG + 1];
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	char line[160], pa[INET6_ADDRSTRLEN];
	unsigned long long total, got = 0, bad = ~0ULL;
	unsigned int seed;
	const char *nl;
	size_t n, i;
	ssize_t r;

	memcpy(head, first, hlen);
	/* The first line may have come in pieces. */
	while (!(nl = memchr(head, '\n', hlen)) && hlen < 64) {
		r = read(fd, head + hlen, 64 - hlen);
		if (r <= 0)
			_exit(2);
		hlen += r;
	}
	head[hlen] = 0;
	if (!nl || sscanf(head, "BULK %llu %u", &total, &seed) != 2)
		_exit(2);
	n = hlen - (nl + 1 - head);
	memcpy(buf, nl + 1, n);
	getpeername(fd, (void *)&peer, &pl);
	for (;;) {
		if (n > total - got)
			n = total - got;
		stream_fill(seed, got, want, n);
		for (i = 0; i < n && bad == ~0ULL; i++)
			if (buf[i] != want[i])
				bad = got + i;
		got += n;
		if (got == total)
			break;
		r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (r <= 0)
			break;
		n = r;
	}
	if (got < total)
		snprintf(line, sizeof(line), "%s %s %d short: %llu of %llu\n",
			 server_tag, addr_str(&peer, pa, sizeof(pa)),
			 port_of(&peer), got, total);
	else if (bad != ~0ULL)
		snprintf(line, sizeof(line), "%s %s %d bad at %llu\n",
			 server_tag, addr_str(&peer, pa, sizeof(pa)),
			 port_of(&peer), bad);
	else
		snprintf(line, sizeof(line), "%s %s %d got %llu\n", server_tag,
			 addr_str(&peer, pa, sizeof(pa)), port_of(&peer), got);
	printf("bulk %s", line);
	fflush(stdout);
	if (!write_all(fd, line, strlen(line)) || got < total || bad != ~0ULL)
		_exit(1);
	for (got = 0; got < total; got += n) {
		n = total - got < sizeof(buf) ? total - got : sizeof(buf);
		stream_fill(seed + 1, got, buf, n);
		if (!write_all(fd, buf, n))
			_exit(1);
	}
	_exit(0);
}

/* Read what a TCP client sent and answer it; false when it is gone. */
static bool tcp_one(int fd)
{
	static char buf[MAX_MSG];
	struct sockaddr_storage peer, local;
	socklen_t pl = sizeof(peer), ll = sizeof(local);
	char out[128];
	ssize_t n;
	int len;

	n = read(fd, buf, sizeof(buf));
	if (n <= 0)
		return false;
	if (n >= 5 && !memcmp(buf, "BULK ", 5)) {
		/* Bulk data: a child takes the connection. */
		if (fork() == 0)
			bulk_serve(fd, buf, n);
		return false;
	}
	getpeername(fd, (void *)&peer, &pl);
	getsockname(fd, (void *)&local, &ll);
	log_msg("tcp", &peer, &local, buf, n);
	len = answer(&peer, out, sizeof(out));
	return write(fd, out, len) == len;
}

static int serve(const struct opts *o)
{
	struct pollfd pfd[2 + MAX_CONN];
	int nl = 0, nfds, i;

	server_tag = o->tag ? o->tag : "server";
	signal(SIGCHLD, SIG_IGN);	/* bulk children reap themselves */
	for (i = 0; i < 2; i++) {
		int fd = listen_socket(i ? AF_INET6 : AF_INET, o->tcp, o->port);

		if (fd >= 0)
			pfd[nl++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	}
	if (!nl)
		die("listen");
	nfds = nl;
	printf("listening %s %d\n", o->tcp ? "tcp" : "udp", o->port);
	fflush(stdout);
	for (;;) {
		if (poll(pfd, nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (i = 0; i < nfds; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!o->tcp) {
				udp_one(pfd[i].fd);
			} else if (i < nl) {
				int c = accept(pfd[i].fd, NULL, NULL);

				if (c < 0)
					continue;
				if (nfds == 2 + MAX_CONN) {
					close(c);
					continue;
				}
				pfd[nfds++] = (struct pollfd){ .fd = c, .events = POLLIN };
			} else if (!tcp_one(pfd[i].fd)) {
				close(pfd[i].fd);
				pfd[i--] = pfd[--nfds];
			}
		}
	}
}

/* --- client --------------------------------------------------------------- */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Wait for fd to be readable (or writable) until deadline; false on timeout. */
static bool wait_fd(int fd, short events, long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return false;
		r = poll(&p, 1, left);
		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR)
			die("poll");
	}
}

static void __attribute__((noreturn)) fail_errno(const char *what)
{
	fprintf(stderr, "flow: %s: %s\n", what, strerror(errno));
	exit(errno == ETIMEDOUT || errno == EAGAIN ? 1 : 2);
}

static int client_socket(const struct opts *o, struct sockaddr_storage *dst,
			 socklen_t *dlen)
{
	struct sockaddr_storage src;
	int fd, one = 1, v;

	*dlen = make_addr(o->addr, o->port, dst);
	fd = socket(dst->ss_family, o->tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!o->tcp)
		deep_rcvbuf(fd);
	if (o->sport || o->bind) {
		const char *ba = o->bind ? o->bind :
				 dst->ss_family == AF_INET ? "0.0.0.0" : "::";
		socklen_t sl = make_addr(ba, o->sport, &src);

		if (bind(fd, (void *)&src, sl) < 0)
			die("bind");
	}
	if (o->ttl) {
		if (dst->ss_family == AF_INET)
			setsockopt(fd, IPPROTO_IP, IP_TTL, &o->ttl, sizeof(o->ttl));
		else
			setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &o->ttl,
				   sizeof(o->ttl));
	}
	if (o->df >= 0) {
		if (dst->ss_family == AF_INET) {
			v = o->df ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
			setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
		} else {
			v = o->df ? IPV6_PMTUDISC_DO : IPV6_PMTUDISC_DONT;
			setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof(v));
		}
	}
	return fd;
}

static void client_connect(int fd, const struct sockaddr_storage *dst,
			   socklen_t dlen, long deadline)
{
	int err = 0;
	socklen_t el = sizeof(err);

	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (connect(fd, (const void *)dst, dlen) == 0)
		return;
	if (errno != EINPROGRESS)
		fail_errno("connect");
	if (!wait_fd(fd, POLLOUT, deadline)) {
		fprintf(stderr, "flow: connect: timed out\n");
		exit(1);
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	if (err) {
		errno = err;
		fail_errno("connect");
	}
}

/* Send buf and print the answer; exits on failure. */
static void exchange(int fd, const char *buf, size_t len, long deadline)
{
	char in[512];
	ssize_t n;

	if (send(fd, buf, len, 0) != (ssize_t)len)
		fail_errno("send");
	if (!wait_fd(fd, POLLIN, deadline)) {
		fprintf(stderr, "flow: no answer\n");
		exit(1);
	}
	n = recv(fd, in, sizeof(in) - 1, 0);
	if (n < 0)
		fail_errno("recv");
	if (n == 0) {
		fprintf(stderr, "flow: connection closed\n");
		exit(2);
	}
	in[n] = 0;
	fputs(in, stdout);
	if (n && in[n - 1] != '\n')
		putchar('\n');
	fflush(stdout);
}

static int send_one(const struct opts *o)
{
	struct sockaddr_storage dst;
	long deadline = now_ms() + o->timeout_ms;
	size_t len = strlen(o->msg);
	socklen_t dlen;
	char *buf;
	int fd;

	if ((size_t)o->size > len)
		len = o->size;
	buf = calloc(1, len + 1);
	if (!buf)
		die("calloc");
	memset(buf, '.', len);
	memcpy(buf, o->msg, strlen(o->msg));
	fd = client_socket(o, &dst, &dlen);
	client_connect(fd, &dst, dlen, deadline);
	exchange(fd, buf, len, deadline);
	return 0;
}

static int hold(const struct opts *o)
{
	struct sockaddr_storage dst;
	char line[1024];
	socklen_t dlen;
	int fd;

	fd = client_socket(o, &dst, &dlen);
	if (o->fastopen) {
		struct timeval tv = { o->timeout_ms / 1000,
				      o->timeout_ms % 1000 * 1000 };
		int one = 1;

		/* connect() returns at once; the first send() sends the SYN. */
		if (setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one,
			       sizeof(one)) ||
		    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
		    connect(fd, (const void *)&dst, dlen))
			fail_errno("fastopen connect");
	} else {
		client_connect(fd, &dst, dlen, now_ms() + o->timeout_ms);
	}
	while (fgets(line, sizeof(line), stdin))
		exchange(fd, line, strlen(line), now_ms() + o->timeout_ms);
	return 0;
}

/* As fast as the socket takes them: the caller counts what arrived. */
static int spray(const struct opts *o)
{
	struct sockaddr_storage dst;
	socklen_t dlen;
	int fd, i;

	if (o->tcp || o->count < 1 || o->port + o->count - 1 > 65535)
		usage();
	fd = client_socket(o, &dst, &dlen);
	for (i = 0; i < o->count; i++) {
		if (dst.ss_family == AF_INET)
			((struct sockaddr_in *)&dst)->sin_port = htons(o->port + i);
		else
			((struct sockaddr_in6 *)&dst)->sin6_port = htons(o->port + i);
		if (sendto(fd, o->msg, strlen(o->msg), 0, (void *)&dst, dlen) < 0)
			fail_errno("sendto");
	}
	printf("sent %d\n", o->count);
	return 0;
}

/*
 * A message every interval on one flow; every answer counted. UDP answers are
 * "TAG PEER PORT" whatever was sent, so each datagram is one answer; the
 * server answers from the address the client sent to (IP_PKTINFO), so the
 * connected socket takes them.
 */
static int pace(const struct opts *o)
{
	struct sockaddr_storage dst;
	long next, deadline;
	int fd, sent = 0, answered = 0;
	char buf[64], in[512];
	socklen_t dlen;
	ssize_t n;

	if (o->count < 1)
		usage();
	fd = client_socket(o, &dst, &dlen);
	if (o->tcp) {
		client_connect(fd, &dst, dlen, now_ms() + o->timeout_ms);
	} else if (connect(fd, (void *)&dst, dlen) < 0) {
		fail_errno("connect");
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	next = now_ms();
	while (sent < o->count) {
		int len = snprintf(buf, sizeof(buf), "pace %d\n", sent);

		if (send(fd, buf, len, 0) != len)
			fail_errno("send");
		sent++;
		next += o->interval_ms;
		if (o->tcp) {
			/* Lockstep: the answer before the next message. */
			if (!wait_fd(fd, POLLIN, now_ms() + o->timeout_ms))
				break;
			n = recv(fd, in, sizeof(in), 0);
			if (n <= 0)
				break;
			answered++;
		}
		while (!o->tcp && wait_fd(fd, POLLIN, next)) {
			n = recv(fd, in, sizeof(in), 0);
			if (n > 0)
				answered++;
			else if (n < 0 && errno != EAGAIN && errno != EINTR &&
				 errno != ECONNREFUSED)
				fail_errno("recv");
		}
		while (now_ms() < next)
			usleep((next - now_ms()) * 1000);
	}
	deadline = now_ms() + o->timeout_ms;
	while (!o->tcp && answered < sent && wait_fd(fd, POLLIN, deadline)) {
		n = recv(fd, in, sizeof(in), 0);
		if (n > 0)
			answered++;
	}
	if (o->tcp) {
		struct tcp_info ti;
		socklen_t tl = sizeof(ti);

		memset(&ti, 0, sizeof(ti));
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) < 0)
			die("TCP_INFO");
		printf("sent %d answered %d retransmitted %u\n", sent, answered,
		       ti.tcpi_total_retrans);
		return answered == o->count && !ti.tcpi_total_retrans ? 0 : 1;
	}
	printf("sent %d answered %d\n", sent, answered);
	return answered == o->count ? 0 : 1;
}

/* Read exactly @len bytes before @deadline; false on timeout or error. */
static bool read_full(int fd, unsigned char *buf, size_t len, long deadline)
{
	ssize_t n;

	while (len) {
		if (!wait_fd(fd, POLLIN, deadline))
			return false;
		n = recv(fd, buf, len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= n;
	}
	return true;
}

static int bulk(const struct opts *o)
{
	static unsigned char buf[1 << 20], want[1 << 20];
	long start = now_ms(), deadline = start + o->timeout_ms, ms;
	unsigned long long total = o->bytes, done;
	struct sockaddr_storage dst;
	char head[64], line[200];
	socklen_t dlen;
	size_t n, i, ll = 0;
	ssize_t w;
	int fd;

	if (!o->tcp || o->bytes < 1)
		usage();
	fd = client_socket(o, &dst, &dlen);
	client_connect(fd, &dst, dlen, deadline);
	snprintf(head, sizeof(head), "BULK %llu %u\n", total, o->seed);
	for (done = 0, n = 0; done < total || n < strlen(head);) {
		size_t len;

		if (!wait_fd(fd, POLLOUT, deadline)) {
			fprintf(stderr, "flow: bulk: sent %llu of %llu bytes\n",
				done, total);
			exit(1);
		}
		if (n < strlen(head)) {
			w = send(fd, head + n, strlen(head) - n, 0);
			if (w > 0)
				n += w;
		} else {
			len = total - done < sizeof(buf) ? total - done :
							     sizeof(buf);
			stream_fill(o->seed, done, buf, len);
			w = send(fd, buf, len, 0);
			if (w > 0)
				done += w;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			fail_errno("bulk: send");
	}
	/* The server's line, then the stream back. */
	while (ll < sizeof(line) - 1 && (!ll || line[ll - 1] != '\n')) {
		if (!read_full(fd, (unsigned char *)line + ll, 1, deadline)) {
			fprintf(stderr, "flow: bulk: no answer from the server\n");
			exit(1);
		}
		ll++;
	}
	line[ll] = 0;
	fputs(line, stdout);
	if (!strstr(line, " got "))
		exit(3);
	for (done = 0; done < total; done += n) {
		n = total - done < sizeof(buf) ? total - done : sizeof(buf);
		if (!read_full(fd, buf, n, deadline)) {
			fprintf(stderr, "flow: bulk: received %llu of %llu bytes\n",
				done, total);
			exit(1);
		}
		stream_fill(o->seed + 1, done, want, n);
		for (i = 0; i < n; i++) {
			if (buf[i] != want[i]) {
				printf("bad at %llu\n", done + i);
				exit(3);
			}
		}
	}
	ms = now_ms() - start;
	printf("verified %llu bytes each way in %ld ms (%.1f Mbit/s)\n", total,
	       ms, ms ? 2.0 * total * 8 / 1000 / ms : 0.0);
	return 0;
}

static int number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 0);

	if (*s == 0 || *end || v < 0 || v > 1 << 24)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	struct opts o = { .msg = "hello", .df = -1, .timeout_ms = 2000,
			  .interval_ms = 10 };
	const char *mode;
	int i, pos;

	if (argc < 4)
		usage();
	mode = argv[1];
	if (strcmp(argv[2], "tcp") && strcmp(argv[2], "udp"))
		usage();
	o.tcp = !strcmp(argv[2], "tcp");
	if (!strcmp(mode, "serve")) {
		o.port = number(argv[3]);
		pos = 4;
	} else if (!strcmp(mode, "send") || !strcmp(mode, "hold") ||
		   !strcmp(mode, "spray") || !strcmp(mode, "bulk") ||
		   !strcmp(mode, "pace")) {
		if (argc < 5 || (!strcmp(mode, "hold") && !o.tcp))
			usage();
		o.addr = argv[3];
		o.port = number(argv[4]);
		pos = 5;
	} else {
		usage();
	}
	for (i = pos; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--df")) {
			o.df = 1;
			continue;
		}
		if (!strcmp(a, "--no-df")) {
			o.df = 0;
			continue;
		}
		if (!strcmp(a, "--fastopen")) {
			o.fastopen = true;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--tag"))
			o.tag = v;
		else if (!strcmp(a, "--sport"))
			o.sport = number(v);
		else if (!strcmp(a, "--bind"))
			o.bind = v;
		else if (!strcmp(a, "--msg"))
			o.msg = v;
		else if (!strcmp(a, "--size"))
			o.size = number(v);
		else if (!strcmp(a, "--ttl"))
			o.ttl = number(v);
		else if (!strcmp(a, "--timeout"))
			o.timeout_ms = number(v);
		else if (!strcmp(a, "--interval"))
			o.interval_ms = number(v);
		else if (!strcmp(a, "--count"))
			o.count = number(v);
		else if (!strcmp(a, "--bytes"))
			o.bytes = number(v);
		else if (!strcmp(a, "--seed"))
			o.seed = number(v);
		else
			usage();
	}
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(mode, "serve"))
		return serve(&o);
	if (!strcmp(mode, "send"))
		return send_one(&o);
	if (!strcmp(mode, "bulk"))
		return bulk(&o);
	if (!strcmp(mode, "spray"))
		return spray(&o);
	if (!strcmp(mode, "pace"))
		return pace(&o);
	return hold(&o);
}
