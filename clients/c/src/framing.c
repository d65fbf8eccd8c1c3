/*
 * framing.c - TCP connect with a timeout, and the protocol's frames: a 4-byte big-endian
 * length, then that many bytes of one protobuf message (Protos/README.md, "Framing").
 *
 * Sockets are non-blocking and every wait goes through poll() against an absolute deadline on
 * the monotonic clock, so one timeout bounds a whole call however the bytes trickle in.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* macOS: SO_NOSIGPIPE is set on the socket instead */
#endif

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t me__deadline_after(uint32_t timeout_ms)
{
    return timeout_ms == 0 ? ME__NO_DEADLINE : now_ms() + timeout_ms;
}

/* Waits until fd is ready for `events` or the deadline passes. ME_OK when ready. */
static int wait_fd(int fd, short events, int64_t deadline, const char *what, me_error *err)
{
    for (;;) {
        int timeout = -1;
        if (deadline != ME__NO_DEADLINE) {
            int64_t left = deadline - now_ms();
            if (left <= 0)
                return me__fail(err, ME_DEADLINE_EXCEEDED, "timed out %s", what);
            timeout = left > 1000000000 ? 1000000000 : (int)left;
        }
        struct pollfd p = {.fd = fd, .events = events, .revents = 0};
        int r = poll(&p, 1, timeout);
        if (r > 0)
            return ME_OK; /* readable, writable, or an error/hang-up the next call reports */
        if (r == 0)
            continue; /* re-check the clock: poll's timeout is only approximate */
        if (errno != EINTR)
            return me__fail(err, ME_UNAVAILABLE, "poll failed %s: %s", what, strerror(errno));
    }
}

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL, 0);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Connects one resolved address within deadline; returns the socket or -1 with *err set. */
static int connect_one(const struct addrinfo *ai, int64_t deadline, me_error *err)
{
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
        me__fail(err, ME_UNAVAILABLE, "socket: %s", strerror(errno));
        return -1;
    }
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || set_nonblocking(fd) < 0) {
        me__fail(err, ME_UNAVAILABLE, "fcntl: %s", strerror(errno));
        close(fd);
        return -1;
    }
#ifdef SO_NOSIGPIPE
    int one_np = 1;
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one_np, sizeof one_np);
#endif
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        if (errno != EINPROGRESS && errno != EINTR) {
            me__fail(err, ME_UNAVAILABLE, "connect: %s", strerror(errno));
            close(fd);
            return -1;
        }
        if (wait_fd(fd, POLLOUT, deadline, "connecting", err) != ME_OK) {
            close(fd);
            return -1;
        }
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
            soerr = errno;
        if (soerr != 0) {
            me__fail(err, ME_UNAVAILABLE, "connect: %s", strerror(soerr));
            close(fd);
            return -1;
        }
    }
    /* Requests are small and answered one at a time: do not let Nagle hold them back. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int me__connect_tcp(const char *host, uint16_t port, int64_t deadline, int *fd, me_error *err)
{
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    struct addrinfo *list = NULL;
    int rc = getaddrinfo(host, service, &hints, &list);
    if (rc != 0)
        return me__fail(err, ME_UNAVAILABLE, "cannot resolve %s: %s", host, gai_strerror(rc));

    me__fail(err, ME_UNAVAILABLE, "no address for %s", host);
    for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
        int s = connect_one(ai, deadline, err);
        if (s >= 0) {
            freeaddrinfo(list);
            *fd = s;
            me__ok(err);
            return ME_OK;
        }
        if (err != NULL && err->code == ME_DEADLINE_EXCEEDED)
            break;
    }
    freeaddrinfo(list);
    int code = err != NULL ? err->code : ME_UNAVAILABLE;
    if (err != NULL) {
        char cause[sizeof err->message];
        memcpy(cause, err->message, sizeof cause);
        me__fail(err, code, "%s:%u: %s", host, (unsigned)port, cause);
    }
    return code;
}

int me__write_all(int fd, const uint8_t *buf, size_t len, int64_t deadline, me_error *err)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = send(fd, buf + done, len - done, MSG_NOSIGNAL);
        if (w > 0) {
            done += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int rc = wait_fd(fd, POLLOUT, deadline, "sending the request", err);
            if (rc != ME_OK)
                return rc;
            continue;
        }
        return me__fail(err, ME_UNAVAILABLE, "send: %s",
                        w < 0 ? strerror(errno) : "connection closed");
    }
    return ME_OK;
}

/* Reads exactly len bytes. *got counts what arrived, so callers can tell "closed between
 * frames" (0) from "closed inside one". */
static int read_exact(int fd, uint8_t *buf, size_t len, int64_t deadline, size_t *got,
                      me_error *err)
{
    *got = 0;
    while (*got < len) {
        ssize_t r = recv(fd, buf + *got, len - *got, 0);
        if (r > 0) {
            *got += (size_t)r;
            continue;
        }
        if (r == 0)
            return me__fail(err, ME_UNAVAILABLE, ME__MSG_CLOSED);
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int rc = wait_fd(fd, POLLIN, deadline, "waiting for the response", err);
            if (rc != ME_OK)
                return rc;
            continue;
        }
        return me__fail(err, ME_UNAVAILABLE, "recv: %s", strerror(errno));
    }
    return ME_OK;
}

int me__read_frame(int fd, uint32_t max_len, int64_t deadline, uint8_t **payload, size_t *len,
                   me_error *err)
{
    uint8_t prefix[4];
    size_t got = 0;
    *payload = NULL;
    *len = 0;
    int rc = read_exact(fd, prefix, sizeof prefix, deadline, &got, err);
    if (rc != ME_OK) {
        if (rc == ME_UNAVAILABLE && got > 0)
            me__fail(err, ME_UNAVAILABLE, "connection closed inside a frame's length prefix");
        return rc;
    }
    uint32_t n = (uint32_t)prefix[0] << 24 | (uint32_t)prefix[1] << 16 |
                 (uint32_t)prefix[2] << 8 | (uint32_t)prefix[3];
    if (n > max_len)
        return me__fail(err, ME_RESOURCE_EXHAUSTED,
                        "response frame of %u bytes is over the limit of %u bytes", n, max_len);
    if (n == 0)
        return ME_OK;
    uint8_t *buf = malloc(n);
    if (buf == NULL)
        return me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for a %u-byte frame", n);
    rc = read_exact(fd, buf, n, deadline, &got, err);
    if (rc != ME_OK) {
        free(buf);
        if (rc == ME_UNAVAILABLE)
            me__fail(err, ME_UNAVAILABLE,
                     "connection closed inside a frame (%zu of %u bytes received)", got, n);
        return rc;
    }
    *payload = buf;
    *len = n;
    return ME_OK;
}

int me__pack_frame(const ProtobufCMessage *msg, uint8_t **frame, size_t *len, me_error *err)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    if (n > UINT32_MAX)
        return me__fail(err, ME_INVALID_ARGUMENT,
                        "request of %zu bytes does not fit a frame (4 GiB at most)", n);
    uint8_t *buf = malloc(4 + n);
    if (buf == NULL)
        return me__fail(err, ME_RESOURCE_EXHAUSTED, "out of memory for a %zu-byte request", n);
    buf[0] = (uint8_t)(n >> 24);
    buf[1] = (uint8_t)(n >> 16);
    buf[2] = (uint8_t)(n >> 8);
    buf[3] = (uint8_t)n;
    size_t packed = protobuf_c_message_pack(msg, buf + 4);
    if (packed != n) {
        free(buf);
        return me__fail(err, ME_INTERNAL, "protobuf-c packed %zu bytes, expected %zu", packed, n);
    }
    *frame = buf;
    *len = 4 + n;
    return ME_OK;
}
