/*
 * records.c — a response's bytes as FastCGI STDOUT records (FastCGI 1.0
 * §5.3), written straight to the web server's connection.
 *
 * libfcgi's output stream copies every byte into an 8 KB buffer and
 * writes a record each time it fills: a 53 KB epoch body left the worker
 * in seven write calls after a copy (docs/performance.md, where each
 * microsecond goes).  Here the header lines and the body, which points
 * into the store's memory map, go out as records of up to 65 535 bytes in
 * one sendmsg, with no copy.  libfcgi still reads the request and ends
 * the stream (the empty STDOUT record and FCGI_END_REQUEST) in
 * FCGX_Finish_r.
 *
 * The last bytes of what is sent go through libfcgi's buffer, so that
 * they reach the web server in one write with the end of the stream:
 * lighttpd closes the connection as soon as it has Content-Length bytes,
 * and an END_REQUEST written after them would meet a closed socket
 * (EPIPE, and a SIGPIPE, on every request).  libfcgi's buffer is flushed
 * before each sendmsg, so the order on the wire is kept.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "http.h"

#define RECORD_MAX 65535u   /* contentLength is 16 bits */
#define IOV_BATCH 64        /* iovecs per sendmsg; a batch ends on a record */
#define TAIL 4096           /* bytes left to libfcgi's 8 KB buffer */

struct record_header {
	uint8_t version, type, id_hi, id_lo, len_hi, len_lo, padding, reserved;
};

/* Send n iovecs whole: a stream socket may take part of them. */
static bool send_all(int fd, struct iovec *iov, size_t n)
{
	while (n > 0) {
		struct msghdr m = {.msg_iov = iov, .msg_iovlen = n};
		/* MSG_NOSIGNAL: a web server that hung up is an error, not a signal */
		ssize_t sent = sendmsg(fd, &m, MSG_NOSIGNAL);
		if (sent < 0 && errno == EINTR)
			continue;
		if (sent < 0)
			return false;
		while (n > 0 && (size_t)sent >= iov->iov_len) {
			sent -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + sent;
			iov->iov_len -= (size_t)sent;
		}
	}
	return true;
}

/* The parts' bytes as records straight to the connection. */
static bool send_records(FCGX_Request *r, const struct iovec *parts, size_t nparts)
{
	struct iovec iov[IOV_BATCH];
	struct record_header head[IOV_BATCH / 2];
	size_t niov = 0, nhead = 0, part = 0, offset = 0;
	for (;;) {
		while (part < nparts && offset == parts[part].iov_len) {
			part++;
			offset = 0;
		}
		/* room for a header and at least one piece, or flush first */
		if (part == nparts || niov + 2 > IOV_BATCH || nhead == IOV_BATCH / 2) {
			if (niov && !send_all(r->ipcFd, iov, niov))
				return false;
			if (part == nparts)
				return true;
			niov = nhead = 0;
		}
		struct record_header *h = &head[nhead++];
		size_t header_at = niov++, len = 0;
		while (part < nparts && len < RECORD_MAX && niov < IOV_BATCH) {
			size_t take = parts[part].iov_len - offset;
			if (take > RECORD_MAX - len)
				take = RECORD_MAX - len;
			iov[niov++] = (struct iovec){(char *)parts[part].iov_base + offset, take};
			len += take;
			offset += take;
			if (offset == parts[part].iov_len) {
				part++;
				offset = 0;
			}
		}
		*h = (struct record_header){1, 6 /* FCGI_STDOUT */, (uint8_t)(r->requestId >> 8),
		                            (uint8_t)r->requestId, (uint8_t)(len >> 8), (uint8_t)len, 0, 0};
		iov[header_at] = (struct iovec){h, sizeof *h};
	}
}

bool fcgi_send(FCGX_Request *r, const struct iovec *parts, size_t nparts)
{
	struct iovec head[FCGI_PARTS_MAX];
	size_t total = 0, nhead = 0;
	if (nparts > FCGI_PARTS_MAX)
		return false;
	for (size_t i = 0; i < nparts; i++)
		total += parts[i].iov_len;
	/* all but the last TAIL bytes are sent directly, when there is a
	 * connection (ipcFd < 0 is none: an in-process request, as the
	 * fuzzers build, has only libfcgi's stream) */
	size_t direct = r->ipcFd >= 0 && total > TAIL ? total - TAIL : 0, left = direct;
	for (size_t i = 0; i < nparts && left > 0; i++) {
		size_t take = parts[i].iov_len < left ? parts[i].iov_len : left;
		head[nhead++] = (struct iovec){parts[i].iov_base, take};
		left -= take;
	}
	if (FCGX_FFlush(r->out) != 0 || (nhead && !send_records(r, head, nhead)))
		return false;
	/* the tail, into libfcgi's buffer */
	size_t skip = direct;
	for (size_t i = 0; i < nparts; i++) {
		const char *at = parts[i].iov_base;
		size_t len = parts[i].iov_len;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		if (FCGX_PutStr(at + skip, (int)(len - skip), r->out) != (int)(len - skip))
			return false;
		skip = 0;
	}
	return true;
}
