/*
 * procscope's native helper: what Node cannot do itself.
 *
 * unixSocketPeers(): the peer of every connected UNIX socket, from the kernel's sock_diag
 * netlink interface (UNIX_DIAG_PEER). /proc/net/unix has no peer column and Node cannot open
 * an AF_NETLINK socket, so without this helper a client of a named socket cannot be told from
 * any other socket.
 *
 * The module is optional: procscope works without it (src/access/native.ts falls back).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Throws an Error whose code is the errno name's number ("errno") and message says what failed. */
static napi_value throw_errno(napi_env env, const char *what, int error) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(error));
  napi_value code, text, exception;
  char code_text[32];
  snprintf(code_text, sizeof code_text, "%d", error);
  napi_create_string_utf8(env, code_text, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &exception);
  napi_value errno_value;
  napi_create_int32(env, error, &errno_value);
  napi_set_named_property(env, exception, "errno", errno_value);
  napi_throw(env, exception);
  return NULL;
}

/* A growable array of (inode, peer inode) pairs. */
struct pairs {
  uint32_t *items;
  size_t count;
  size_t capacity;
};

static int pairs_push(struct pairs *p, uint32_t inode, uint32_t peer) {
  if (p->count + 2 > p->capacity) {
    size_t capacity = p->capacity ? p->capacity * 2 : 1024;
    uint32_t *grown = realloc(p->items, capacity * sizeof *grown);
    if (!grown) return -1;
    p->items = grown;
    p->capacity = capacity;
  }
  p->items[p->count++] = inode;
  p->items[p->count++] = peer;
  return 0;
}

/* Dumps every UNIX socket of this network namespace with its peer; returns 0 or an errno. */
static int dump_unix_peers(struct pairs *out) {
  int sock = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (sock < 0) return errno;
  struct {
    struct nlmsghdr header;
    struct unix_diag_req request;
  } message = {
    .header = {.nlmsg_len = sizeof message, .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
    .request = {.sdiag_family = AF_UNIX, .udiag_states = (uint32_t)-1, .udiag_show = UDIAG_SHOW_PEER},
  };
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(sock, &message, sizeof message, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
    int error = errno;
    close(sock);
    return error;
  }
  /* 32 KiB holds a few hundred records per datagram; the kernel sends as many as needed. */
  static __thread char buffer[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
  for (;;) {
    ssize_t n = recv(sock, buffer, sizeof buffer, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      int error = errno;
      close(sock);
      return error;
    }
    if (n == 0) break;
    int remaining = (int)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; NLMSG_OK(h, remaining); h = NLMSG_NEXT(h, remaining)) {
      if (h->nlmsg_type == NLMSG_DONE) {
        close(sock);
        return 0;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr *failure = NLMSG_DATA(h);
        close(sock);
        return failure->error ? -failure->error : EPROTO;
      }
      if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
      struct unix_diag_msg *record = NLMSG_DATA(h);
      int length = h->nlmsg_len - NLMSG_LENGTH(sizeof *record);
      for (struct rtattr *a = (struct rtattr *)(record + 1); RTA_OK(a, length); a = RTA_NEXT(a, length)) {
        if (a->rta_type != UNIX_DIAG_PEER || RTA_PAYLOAD(a) < sizeof(uint32_t)) continue;
        uint32_t peer;
        memcpy(&peer, RTA_DATA(a), sizeof peer);
        if (pairs_push(out, record->udiag_ino, peer) != 0) {
          close(sock);
          return ENOMEM;
        }
      }
    }
  }
  close(sock);
  return 0;
}

/* unixSocketPeers(): Uint32Array of [inode, peerInode, inode, peerInode, ...]. */
static napi_value unix_socket_peers(napi_env env, napi_callback_info info) {
  (void)info;
  struct pairs found = {0};
  int error = dump_unix_peers(&found);
  if (error != 0) {
    free(found.items);
    return throw_errno(env, "sock_diag dump of UNIX sockets", error);
  }
  napi_value buffer, array;
  void *data;
  if (napi_create_arraybuffer(env, found.count * sizeof(uint32_t), &data, &buffer) != napi_ok) {
    free(found.items);
    return NULL;
  }
  if (found.count) memcpy(data, found.items, found.count * sizeof(uint32_t));
  free(found.items);
  napi_create_typedarray(env, napi_uint32_array, found.count, buffer, 0, &array);
  return array;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "unixSocketPeers", NAPI_AUTO_LENGTH, unix_socket_peers, NULL, &fn);
  napi_set_named_property(env, exports, "unixSocketPeers", fn);
  return exports;
}
