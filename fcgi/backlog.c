/*
 * backlog.c — how many connections wait in the worker's listening socket
 * (docs/operating.md "Worker pools").  The web server connects one request at a time
 * to a pool's socket and the kernel queues what the busy workers have not
 * accepted yet; that queue is the pool's backlog.  Linux tells its length
 * for TCP through TCP_INFO (tcpi_unacked of a listener) and for Unix
 * sockets through sock_diag (UNIX_DIAG_RQLEN), one system call or one
 * netlink round trip, no state of our own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include "http.h"

/* The queue of a listening Unix socket, asked of the kernel by its inode. */
static int unix_queue_length(ino_t ino)
{
	static int nl = -1;
	static unsigned seq;
	if (nl < 0 && (nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) < 0)
		return -1;
	struct {
		struct nlmsghdr nh;
		struct unix_diag_req req;
	} ask = {
		.nh = {.nlmsg_len = sizeof ask, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = ++seq},
		.req = {.sdiag_family = AF_UNIX, .udiag_states = 1u << 10 /* TCP_LISTEN */,
		        .udiag_ino = (unsigned)ino, .udiag_show = UDIAG_SHOW_RQLEN,
		        .udiag_cookie = {~0u, ~0u}},
	};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	if (sendto(nl, &ask, sizeof ask, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
		return -1;
	union {
		struct nlmsghdr nh;
		char bytes[512];
	} answer;
	/* the kernel has queued its one answer before sendto returns: never
	 * wait for it, and pass over any older answer left unread */
	ssize_t n;
	do
		n = recv(nl, &answer, sizeof answer, MSG_DONTWAIT);
	while (n >= (ssize_t)NLMSG_HDRLEN && answer.nh.nlmsg_seq != seq);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct unix_diag_msg)) || !NLMSG_OK(&answer.nh, (size_t)n) ||
	    answer.nh.nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return -1;
	const char *at = (const char *)NLMSG_DATA(&answer.nh) + sizeof(struct unix_diag_msg);
	const char *end = answer.bytes + answer.nh.nlmsg_len;
	while (at + NLA_HDRLEN <= end) {  /* the attributes that follow */
		const struct nlattr *a = (const struct nlattr *)at;
		if (a->nla_len < NLA_HDRLEN || at + a->nla_len > end)
			break;
		if (a->nla_type == UNIX_DIAG_RQLEN && a->nla_len >= NLA_HDRLEN + sizeof(struct unix_diag_rqlen)) {
			struct unix_diag_rqlen q;
			memcpy(&q, at + NLA_HDRLEN, sizeof q);
			return (int)q.udiag_rqueue;  /* a listener's pending connections */
		}
		at += NLA_ALIGN(a->nla_len);
	}
	return -1;
}

/* What kind of socket fd is, and its inode: asked once, since a worker
 * keeps its listening socket for life. */
struct listener {
	int fd;
	sa_family_t family;
	ino_t ino;
};

static const struct listener *listener_of(int fd)
{
	static struct listener known = {.fd = -1};
	struct sockaddr_storage addr;
	socklen_t len = sizeof addr;
	struct stat st;
	if (known.fd == fd)
		return &known;
	if (getsockname(fd, (struct sockaddr *)&addr, &len) != 0 || fstat(fd, &st) != 0)
		return NULL;  /* not a socket: plain CGI */
	known = (struct listener){fd, addr.ss_family, st.st_ino};
	return &known;
}

int listen_queue_length(int fd)
{
	const struct listener *l = listener_of(fd);
	if (l == NULL)
		return -1;
	if (l->family == AF_UNIX)
		return unix_queue_length(l->ino);
	if (l->family != AF_INET && l->family != AF_INET6)
		return -1;
	struct tcp_info info;
	socklen_t len = sizeof info;
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 || info.tcpi_state != 10 /* LISTEN */)
		return -1;
	return (int)info.tcpi_unacked;  /* a listener's accept queue */
}
