// SPDX-License-Identifier: Apache-2.0 OR MIT
/* LD_PRELOAD shim for peers that cannot be told where to listen (gnutls-serv binds the
 * wildcard address of every family). It rewrites a bind() to 0.0.0.0 into a bind() to
 * 127.0.0.1 and refuses IPv6 binds, so the interop tests never listen on anything but
 * 127.0.0.1. The test harness also checks /proc/net/tcp{,6} after the peer starts. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*bind_fn)(int, const struct sockaddr*, socklen_t);

int bind(int fd, const struct sockaddr* address, socklen_t length) {
  static bind_fn real_bind;
  if (real_bind == NULL) {
    real_bind = (bind_fn)dlsym(RTLD_NEXT, "bind");
    if (real_bind == NULL) {
      errno = ENOSYS;
      return -1;
    }
  }
  if (address != NULL && address->sa_family == AF_INET6) {
    errno = EADDRNOTAVAIL;
    return -1;
  }
  if (address != NULL && address->sa_family == AF_INET && length >= sizeof(struct sockaddr_in)) {
    struct sockaddr_in loopback;
    memcpy(&loopback, address, sizeof loopback);
    loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return real_bind(fd, (const struct sockaddr*)&loopback, sizeof loopback);
  }
  return real_bind(fd, address, length);
}
