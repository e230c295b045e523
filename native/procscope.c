/*
 * procscope's native helper: what Node cannot do itself.
 *
 * unixSockets(): every UNIX socket's peer, queues and name, from the kernel's sock_diag netlink
 * interface (UNIX_DIAG_PEER, _RQLEN, _NAME). /proc/net/unix has no peer or queue column and Node
 * cannot open an AF_NETLINK socket, so without this helper a client of a named socket cannot be
 * told from any other socket, a listener's backlog is unknown, and a name holding a newline and
 * text shaped like a record cannot be told from the sockets /proc/net/unix lists after it.
 *
 * tcpListenQueues(): the accept queue and its maximum (listen()'s backlog) of every listening TCP
 * socket, from sock_diag's INET_DIAG (idiag_rqueue, idiag_wqueue): /proc/net/tcp shows a
 * listener's tx_queue as 0, while ss shows the backlog as its Send-Q.
 *
 * openFdTables()/nextRecords(): the happy path of `lsof` for many processes at once, on every
 * core, handed over in blocks while the rest is still being read. For each
 * PID it opens /proc/PID once and reads through that directory fd (so a reused PID answers ESRCH,
 * never another process's data): stat, the directory's owner, and per fd the link, and as asked a
 * stat through the link, the link's own mode, and fdinfo. Anything unusual (permission denied,
 * an unexpected error) marks the process "redo", and the TypeScript reader does that one itself
 * with its full error reporting. Node's per-call overhead made the JS-only listing about three
 * times slower than the same syscalls in C.
 *
 * openProcessFiles()/nextRecords(): the small files a process listing needs (stat, status,
 * cmdline, exe…), read the same way for many processes at once on other threads, so `ps` spends
 * its own thread parsing instead of in a few thousand system calls.
 *
 * The module is optional: procscope works without it (src/access/native.ts falls back).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

/*
 * Sends one sock_diag dump request and hands each answer record to on_record (which returns 0,
 * or an errno that stops the dump); 0 at the end of the dump, or an errno.
 */
static int sock_diag_dump(const void *request, size_t length, int (*on_record)(struct nlmsghdr *h, void *context), void *context) {
  int sock = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (sock < 0) return errno;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  int result = 0;
  if (sendto(sock, request, length, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
    result = errno;
    close(sock);
    return result;
  }
  /* 32 KiB holds a few hundred records per datagram; the kernel sends as many as needed. */
  static __thread char buffer[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
  for (;;) {
    ssize_t n = recv(sock, buffer, sizeof buffer, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      result = errno;
      break;
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
      result = on_record(h, context);
      if (result != 0) {
        close(sock);
        return result;
      }
    }
  }
  close(sock);
  return result;
}

/* The UNIX sockets of one dump: six numbers per socket and their names' bytes end to end. */
struct unix_sockets {
  struct pairs numbers;
  char *names;
  size_t names_length;
  size_t names_capacity;
};

#define UNIX_ABSENT UINT32_MAX

static int add_unix_socket(struct nlmsghdr *h, void *context) {
  struct unix_sockets *out = context;
  struct unix_diag_msg *record = NLMSG_DATA(h);
  uint32_t peer = 0, rqueue = UNIX_ABSENT, wqueue = UNIX_ABSENT, name_offset = 0, name_length = UNIX_ABSENT;
  int length = h->nlmsg_len - NLMSG_LENGTH(sizeof *record);
  for (struct rtattr *a = (struct rtattr *)(record + 1); RTA_OK(a, length); a = RTA_NEXT(a, length)) {
    if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
      memcpy(&peer, RTA_DATA(a), sizeof peer);
    } else if (a->rta_type == UNIX_DIAG_RQLEN && RTA_PAYLOAD(a) >= sizeof(struct unix_diag_rqlen)) {
      struct unix_diag_rqlen queues;
      memcpy(&queues, RTA_DATA(a), sizeof queues);
      rqueue = queues.udiag_rqueue;
      wqueue = queues.udiag_wqueue;
    } else if (a->rta_type == UNIX_DIAG_NAME) {
      size_t bytes = RTA_PAYLOAD(a);
      if (out->names_length + bytes > out->names_capacity) {
        size_t capacity = out->names_capacity ? out->names_capacity * 2 : 16384;
        while (capacity < out->names_length + bytes) capacity *= 2;
        char *grown = realloc(out->names, capacity);
        if (!grown) return ENOMEM;
        out->names = grown;
        out->names_capacity = capacity;
      }
      memcpy(out->names + out->names_length, RTA_DATA(a), bytes);
      name_offset = (uint32_t)out->names_length;
      name_length = (uint32_t)bytes;
      out->names_length += bytes;
    }
  }
  if (pairs_push(&out->numbers, record->udiag_ino, peer) != 0 || pairs_push(&out->numbers, rqueue, wqueue) != 0 ||
      pairs_push(&out->numbers, name_offset, name_length) != 0)
    return ENOMEM;
  return 0;
}

/* Dumps every UNIX socket of this network namespace with its peer, queues and name; 0 or an errno. */
static int dump_unix_sockets(struct unix_sockets *out) {
  struct {
    struct nlmsghdr header;
    struct unix_diag_req request;
  } message = {
    .header = {.nlmsg_len = sizeof message, .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
    .request = {.sdiag_family = AF_UNIX, .udiag_states = (uint32_t)-1, .udiag_show = UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_NAME},
  };
  return sock_diag_dump(&message, sizeof message, add_unix_socket, out);
}

/*
 * unixSockets(): { numbers, names }: numbers a Uint32Array of [inode, peerInode, rqueue, wqueue,
 * nameOffset, nameLength, ...] (peerInode 0 when not connected; a queue 0xffffffff when not told;
 * nameLength 0xffffffff when unbound), names a Buffer of sun_path bytes as the kernel keeps them
 * (abstract: a leading NUL; a path: its terminating NUL). For a listener, rqueue is the
 * connections waiting to be accepted and wqueue listen()'s backlog.
 */
static napi_value unix_sockets(napi_env env, napi_callback_info info) {
  (void)info;
  struct unix_sockets found = {0};
  int error = dump_unix_sockets(&found);
  if (error != 0) {
    free(found.numbers.items);
    free(found.names);
    return throw_errno(env, "sock_diag dump of UNIX sockets", error);
  }
  napi_value arraybuffer, numbers, names, result = NULL;
  void *data;
  size_t count = found.numbers.count;
  if (napi_create_arraybuffer(env, count * sizeof(uint32_t), &data, &arraybuffer) == napi_ok) {
    if (count) memcpy(data, found.numbers.items, count * sizeof(uint32_t));
    void *copy = NULL;
    if (napi_create_typedarray(env, napi_uint32_array, count, arraybuffer, 0, &numbers) == napi_ok &&
        napi_create_buffer_copy(env, found.names_length, found.names_length ? (const void *)found.names : (const void *)"", &copy, &names) == napi_ok &&
        napi_create_object(env, &result) == napi_ok) {
      napi_set_named_property(env, result, "numbers", numbers);
      napi_set_named_property(env, result, "names", names);
    }
  }
  free(found.numbers.items);
  free(found.names);
  return result;
}

/* A growable array of uint32 triples. */
static int triples_push(struct pairs *p, uint32_t a, uint32_t b, uint32_t c) {
  if (pairs_push(p, a, b) != 0) return -1;
  if (p->count + 1 > p->capacity) {
    size_t capacity = p->capacity * 2;
    uint32_t *grown = realloc(p->items, capacity * sizeof *grown);
    if (!grown) return -1;
    p->items = grown;
    p->capacity = capacity;
  }
  p->items[p->count++] = c;
  return 0;
}

#define TCP_LISTEN_STATE 10 /* TCP_LISTEN in include/net/tcp_states.h */

static int add_tcp_listener(struct nlmsghdr *h, void *context) {
  struct inet_diag_msg *record = NLMSG_DATA(h);
  if (record->idiag_state != TCP_LISTEN_STATE) return 0;
  /* For a listener the kernel reports sk_ack_backlog as rqueue and sk_max_ack_backlog as wqueue. */
  return triples_push(context, record->idiag_inode, record->idiag_rqueue, record->idiag_wqueue) != 0 ? ENOMEM : 0;
}

/* Dumps the listening TCP sockets of one family: (inode, accept queue, max backlog); 0 or an errno. */
static int dump_tcp_listeners(int family, struct pairs *out) {
  struct {
    struct nlmsghdr header;
    struct inet_diag_req_v2 request;
  } message = {
    .header = {.nlmsg_len = sizeof message, .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
    .request = {.sdiag_family = (uint8_t)family, .sdiag_protocol = IPPROTO_TCP, .idiag_states = 1u << TCP_LISTEN_STATE},
  };
  return sock_diag_dump(&message, sizeof message, add_tcp_listener, out);
}

/* tcpListenQueues(): Uint32Array of [inode, acceptQueue, backlog, ...] for TCP and TCPv6 listeners. */
static napi_value tcp_listen_queues(napi_env env, napi_callback_info info) {
  (void)info;
  struct pairs found = {0};
  int error = dump_tcp_listeners(AF_INET, &found);
  /* A kernel without IPv6 answers ENOENT for the family: the IPv4 listeners are still right. */
  if (error == 0) {
    error = dump_tcp_listeners(AF_INET6, &found);
    if (error == ENOENT) error = 0;
  }
  if (error != 0) {
    free(found.items);
    return throw_errno(env, "sock_diag dump of listening TCP sockets", error);
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

/* ---- readFdTables ---------------------------------------------------------------------------- */

/* FdType bits, in the order of FD_TYPES in src/files/fds.ts. */
enum { T_FILE, T_DIR, T_PIPE, T_FIFO, T_SOCKET, T_ANON, T_MEMFD, T_DEV, T_TTY, T_UNKNOWN };
enum { WANT_STAT = 1, WANT_FDINFO = 2, WANT_MODE_FROM_LINK = 4 };
enum { PROCESS_OK = 0, PROCESS_GONE = 1, PROCESS_REDO = 2 };
enum { HAVE_STAT = 1, HAVE_LSTAT = 2, HAVE_FDINFO = 4 };

struct out {
  unsigned char *data;
  size_t length;
  size_t capacity;
  int failed;
};

static void out_bytes(struct out *o, const void *bytes, size_t n) {
  if (o->failed) return;
  if (o->length + n > o->capacity) {
    size_t capacity = o->capacity ? o->capacity : 4096;
    while (capacity < o->length + n) capacity *= 2;
    unsigned char *grown = realloc(o->data, capacity);
    if (!grown) {
      o->failed = 1;
      return;
    }
    o->data = grown;
    o->capacity = capacity;
  }
  memcpy(o->data + o->length, bytes, n);
  o->length += n;
}
static void out_u8(struct out *o, uint8_t v) { out_bytes(o, &v, 1); }
static void out_u32(struct out *o, uint32_t v) { out_bytes(o, &v, 4); }
static void out_u64(struct out *o, uint64_t v) { out_bytes(o, &v, 8); }
#define TEXT_ASCII 0x80000000u

/*
 * Text with its length. The length's top bit says every byte is ASCII: JavaScript then takes the
 * text as latin1, which skips the UTF-8 decoding and check for invalid bytes (about a third of
 * the time it spends decoding a listing).
 */
static void out_text(struct out *o, const char *bytes, size_t n) {
  uint32_t ascii = TEXT_ASCII;
  for (size_t i = 0; i < n; i++) {
    if ((unsigned char)bytes[i] >= 0x80) {
      ascii = 0;
      break;
    }
  }
  out_u32(o, (uint32_t)n | ascii);
  out_bytes(o, bytes, n);
}

/*
 * Reads a file of the process directory with one read(): stat and fdinfo are single-record
 * seq_files, which hand over their whole text at once when it fits (a second read() would only
 * say end-of-file). Returns the length or -errno; a result that fills the buffer may be cut
 * short, and callers redo those.
 */
static ssize_t read_at(int dirfd, const char *name, char *buffer, size_t size) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  ssize_t n = read(fd, buffer, size);
  int error = errno;
  close(fd);
  return n < 0 ? -error : n;
}

static int starts_with(const char *s, size_t n, const char *prefix) {
  size_t k = strlen(prefix);
  return n >= k && memcmp(s, prefix, k) == 0;
}

static int equals(const char *s, size_t n, const char *word) { return n == strlen(word) && memcmp(s, word, n) == 0; }

/* The fd's type as classifyTarget + typeFromMode in fds.ts decide it. */
static int fd_type(const char *target, size_t n, const struct stat *st) {
  if (target[0] != '/') {
    if (starts_with(target, n, "pipe:[")) return T_PIPE;
    if (starts_with(target, n, "socket:[")) return T_SOCKET;
    if (starts_with(target, n, "anon_inode:")) return T_ANON;
    return T_UNKNOWN;
  }
  size_t path_length = n;
  if (n >= 10 && memcmp(target + n - 10, " (deleted)", 10) == 0) path_length = n - 10;
  int memfd = starts_with(target, path_length, "/memfd:");
  if (!st) return memfd ? T_MEMFD : T_FILE;
  switch (st->st_mode & S_IFMT) {
    case S_IFREG: return memfd ? T_MEMFD : T_FILE;
    case S_IFDIR: return T_DIR;
    case S_IFCHR:
      if (starts_with(target, path_length, "/dev/pts/") || starts_with(target, path_length, "/dev/tty") ||
          equals(target, path_length, "/dev/console") || equals(target, path_length, "/dev/ptmx"))
        return T_TTY;
      return T_DEV;
    case S_IFBLK: return T_DEV;
    case S_IFIFO: return T_FIFO;
    case S_IFSOCK: return T_SOCKET;
    default: return T_UNKNOWN;
  }
}

/*
 * A listing in progress: worker threads read blocks of BLOCK processes, taking the next block
 * from a shared counter; JavaScript takes finished blocks in order (nextFdTables) and builds its
 * objects from them while the workers read on, so both cores stay busy.
 */
enum { KIND_FD_TABLES, KIND_PROCESS_FILES };
#define MAX_FILES 16
#define MAX_FILE_NAME 32

struct session {
  int kind;
  int32_t *pids;
  size_t count;
  /* KIND_PROCESS_FILES: the files to read; a name starting with '@' is a link (readlinkat). */
  char names[MAX_FILES][MAX_FILE_NAME];
  uint32_t name_count;
  unsigned flags;
  uint32_t fdinfo_types;
  size_t blocks;
  struct out *results;
  unsigned char *finished;
  size_t delivered;
  atomic_size_t next_block;
  atomic_int cancelled;
  pthread_mutex_t lock;
  pthread_cond_t block_done;
  /* Signalled when JavaScript takes a block, so workers held back by AHEAD go on. */
  pthread_cond_t block_taken;
  /* Set when the blocks are read on JavaScript's thread (no worker could start): nothing to wait for. */
  int reading_inline;
  pthread_t workers[16];
  uint32_t started;
  int joined;
};

#define BLOCK 16
/*
 * How many blocks workers may finish before JavaScript takes them. Without a bound, a listing
 * whose consumer is slower than the readers (a server writing JSON to a slow client) would hold
 * the whole system's records in memory at once.
 */
#define AHEAD 32
/*
 * Workers held back by AHEAD are woken each time JavaScript has taken AHEAD / 2 more blocks (or
 * must wait for one), not at every block: each wake then reads several blocks. Woken at every
 * block, a worker that had slept displaced the JavaScript thread hundreds of times a listing.
 */
#define WAKE_EVERY (AHEAD / 2)

/* Appends one process's record to o. */
static void read_process(const struct session *r, int32_t pid, struct out *o) {
  char name[64], link[4096 + 1], text[16384];
  out_u32(o, (uint32_t)pid);
  snprintf(name, sizeof name, "/proc/%d", pid);
  int dirfd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) {
    out_u8(o, errno == ENOENT ? PROCESS_GONE : PROCESS_REDO);
    return;
  }
  size_t start = o->length;
  out_u8(o, PROCESS_OK);
  int status = PROCESS_OK;
  ssize_t n = read_at(dirfd, "stat", text, sizeof text);
  struct stat dir_stat;
  int fd_dir = -1;
  if (n < 0) status = (n == -ESRCH || n == -ENOENT) ? PROCESS_GONE : PROCESS_REDO;
  else if ((size_t)n == sizeof text) status = PROCESS_REDO; /* maybe cut short: TypeScript reads it whole */
  else if (fstat(dirfd, &dir_stat) != 0) status = PROCESS_REDO;
  else if ((fd_dir = openat(dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    status = (errno == ENOENT || errno == ESRCH) ? PROCESS_GONE : PROCESS_REDO;
  if (status != PROCESS_OK) {
    if (fd_dir >= 0) close(fd_dir);
    close(dirfd);
    o->length = start;
    out_u8(o, (uint8_t)status);
    return;
  }
  out_text(o, text, (size_t)n);
  out_u32(o, dir_stat.st_uid);
  size_t count_at = o->length;
  out_u32(o, 0);
  uint32_t count = 0;
  int vanished = 0;
  /* getdents64 straight into a buffer: fdopendir would add an fstat and two fcntls per process. */
  char entries[16384] __attribute__((aligned(8)));
  long got;
  while (status == PROCESS_OK && (got = getdents64(fd_dir, entries, sizeof entries)) != 0) {
    if (got < 0) {
      status = (errno == ENOENT || errno == ESRCH) ? PROCESS_GONE : PROCESS_REDO;
      break;
    }
    for (long at = 0; at < got && status == PROCESS_OK;) {
      const struct dirent64 *entry = (const struct dirent64 *)(entries + at);
      at += entry->d_reclen;
      if (entry->d_name[0] == '.') continue;
      int fd = atoi(entry->d_name);
      snprintf(name, sizeof name, "fd/%d", fd);
      ssize_t length = readlinkat(dirfd, name, link, sizeof link - 1);
      if (length < 0) {
        if (errno == ENOENT) { /* closed meanwhile, or the whole process is gone */
          vanished = 1;
          continue;
        }
        status = (errno == ESRCH) ? PROCESS_GONE : PROCESS_REDO;
        break;
      }
      if ((size_t)length == sizeof link - 1) {
        status = PROCESS_REDO; /* maybe cut short */
        break;
      }
      link[length] = 0;
      struct stat st, *followed = NULL;
      uint8_t have = 0;
      if ((r->flags & WANT_STAT) && link[0] == '/') {
        if (fstatat(dirfd, name, &st, 0) != 0) {
          if (errno == ENOENT) {
            vanished = 1;
            continue;
          }
          status = (errno == ESRCH) ? PROCESS_GONE : PROCESS_REDO;
          break;
        }
        followed = &st;
        have |= HAVE_STAT;
      }
      int type = fd_type(link, (size_t)length, followed);
      struct stat link_stat;
      ssize_t info = 0;
      if ((r->flags & WANT_FDINFO) && (r->fdinfo_types & (1u << type))) {
        snprintf(name, sizeof name, "fdinfo/%d", fd);
        info = read_at(dirfd, name, text, sizeof text);
        if (info < 0) {
          if (info == -ENOENT) {
            vanished = 1;
            continue;
          }
          status = (info == -ESRCH) ? PROCESS_GONE : PROCESS_REDO;
          break;
        }
        /* An epoll or inotify fd watching many things has fdinfo longer than the buffer. */
        if ((size_t)info == sizeof text) {
          status = PROCESS_REDO;
          break;
        }
        have |= HAVE_FDINFO;
      } else if ((r->flags & WANT_MODE_FROM_LINK) && (r->flags & WANT_FDINFO) && !(type == T_SOCKET && link[0] != '/')) {
        /* (A "socket:[N]" fd is always read-write: fds.ts knows that without the lstat.) */
        if (fstatat(dirfd, name, &link_stat, AT_SYMLINK_NOFOLLOW) != 0) {
          if (errno == ENOENT) {
            vanished = 1;
            continue;
          }
          status = (errno == ESRCH) ? PROCESS_GONE : PROCESS_REDO;
          break;
        }
        have |= HAVE_LSTAT;
      }
      out_u32(o, (uint32_t)fd);
      out_text(o, link, (size_t)length);
      out_u8(o, have);
      if (have & HAVE_STAT) {
        out_u32(o, st.st_mode);
        out_u64(o, st.st_ino);
        out_u64(o, st.st_dev);
        out_u64(o, st.st_nlink);
        out_u64(o, (uint64_t)st.st_size);
      }
      if (have & HAVE_LSTAT) out_u32(o, link_stat.st_mode);
      if (have & HAVE_FDINFO) out_text(o, text, (size_t)info);
      count++;
    }
  }
  close(fd_dir);
  /* An fd that vanished is a closed fd only if the process is still there (as fds.ts decides). */
  if (status == PROCESS_OK && vanished && read_at(dirfd, "stat", text, sizeof text) < 0) status = PROCESS_GONE;
  close(dirfd);
  if (status != PROCESS_OK) {
    o->length = start;
    out_u8(o, (uint8_t)status);
    return;
  }
  if (!o->failed) memcpy(o->data + count_at, &count, 4);
}

/* Files the kernel hands over whole in one read() when the buffer is big enough (seq_files of one record). */
static int whole_in_one_read(const char *name) {
  static const char *const names[] = {"stat", "statm", "status", "cmdline", "comm", "io", "wchan", "oom_score", "oom_score_adj", "loginuid"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (strcmp(name, names[i]) == 0) return 1;
  return 0;
}

/*
 * A worker's buffer for the files it reads, grown as needed and freed when the worker ends. It
 * was thread-local once, but nothing frees a thread's own variables when the thread exits, and
 * every reading starts new workers: each sample of `serve`'s event stream, of `top` and each
 * exporter scrape left a 16 KiB buffer per worker behind (up to 2 MiB a minute on two cores at
 * one sample a second).
 */
struct scratch {
  char *data;
  size_t size;
};

/* Grows *buffer (malloc'd, *size bytes) to at least need bytes; 0 or ENOMEM. */
static int grow(char **buffer, size_t *size, size_t need) {
  if (need <= *size) return 0;
  size_t bigger = *size ? *size : 16384;
  while (bigger < need) bigger *= 2;
  char *grown = realloc(*buffer, bigger);
  if (!grown) return ENOMEM;
  *buffer = grown;
  *size = bigger;
  return 0;
}

/*
 * Reads a whole file of the process directory into *buffer. Returns its length or -errno.
 * (A 1 MiB command line is read whole; the buffer grows as needed and is kept for the next file.)
 */
static ssize_t read_whole_at(int dirfd, const char *name, char **buffer, size_t *size) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  int whole = whole_in_one_read(name);
  size_t length = 0;
  for (;;) {
    if (length == *size && grow(buffer, size, length + 1) != 0) {
      close(fd);
      return -ENOMEM;
    }
    size_t requested = *size - length;
    ssize_t n = read(fd, *buffer + length, requested);
    if (n < 0) {
      if (errno == EINTR) continue;
      int error = errno;
      close(fd);
      return -error;
    }
    length += (size_t)n;
    if (n == 0 || (whole && (size_t)n < requested)) break;
  }
  close(fd);
  return (ssize_t)length;
}

#define FILE_FAILED 0x40000000u

/*
 * Appends one process's record for readProcessFiles: u32 pid, u8 status (0 ok, 2 redo in
 * TypeScript); when ok, per asked file in order, u32 n + text (TEXT_ASCII set when all ASCII), or
 * u32 FILE_FAILED | errno. The name "." asks for the directory's owner, as decimal text: the
 * process's effective uid (the kernel gives a non-dumpable process's files to root, never its
 * directory), which spares a listing the much longer status file. A process whose directory cannot be opened, or that exits while it is
 * read, is "redo": TypeScript's reader then decides, with its full error reporting, whether it
 * is gone, hidden or denied.
 */
static void read_process_files(const struct session *r, int32_t pid, struct out *o, struct scratch *scratch) {
  char name[64], text_owner[16];
  out_u32(o, (uint32_t)pid);
  snprintf(name, sizeof name, "/proc/%d", pid);
  int dirfd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) {
    out_u8(o, PROCESS_REDO);
    return;
  }
  size_t start = o->length;
  out_u8(o, PROCESS_OK);
  int status = PROCESS_OK;
  for (uint32_t i = 0; i < r->name_count && status == PROCESS_OK; i++) {
    const char *file = r->names[i];
    const char *text = NULL; /* the file's text, when it is not in the scratch buffer */
    ssize_t n;
    if (strcmp(file, ".") == 0) {
      struct stat owner;
      n = fstat(dirfd, &owner) != 0 ? -errno : snprintf(text_owner, sizeof text_owner, "%u", (unsigned)owner.st_uid);
      text = text_owner;
    } else if (file[0] == '@') {
      if (grow(&scratch->data, &scratch->size, 4097) != 0) n = -ENOMEM;
      else {
        n = readlinkat(dirfd, file + 1, scratch->data, 4097);
        if (n < 0) n = -errno;
        else if (n == 4097) status = PROCESS_REDO; /* longer than a path can be: read it in TypeScript */
      }
    } else {
      n = read_whole_at(dirfd, file, &scratch->data, &scratch->size);
    }
    if (n == -ESRCH) status = PROCESS_REDO; /* exited while read */
    else if (n == -ENOMEM) status = PROCESS_REDO;
    else if (n < 0) out_u32(o, FILE_FAILED | (uint32_t)-n);
    else if (status == PROCESS_OK) out_text(o, text ? text : scratch->data, (size_t)n);
  }
  close(dirfd);
  if (status != PROCESS_OK) {
    o->length = start;
    out_u8(o, (uint8_t)status);
  }
}

static void *read_blocks(void *argument) {
  struct session *r = argument;
  struct scratch scratch = {NULL, 0};
  /*
   * Batch work for the scheduler: a worker that wakes does not preempt the JavaScript thread, which
   * turns the records into objects and is what a listing waits for.
   */
  if (!r->reading_inline) {
    struct sched_param batch = {0};
    pthread_setschedparam(pthread_self(), SCHED_BATCH, &batch);
  }
  for (;;) {
    size_t b = atomic_fetch_add(&r->next_block, 1);
    if (b >= r->blocks || atomic_load(&r->cancelled)) break;
    if (!r->reading_inline) {
      pthread_mutex_lock(&r->lock);
      while (b >= r->delivered + AHEAD && !atomic_load(&r->cancelled)) pthread_cond_wait(&r->block_taken, &r->lock);
      pthread_mutex_unlock(&r->lock);
      if (atomic_load(&r->cancelled)) break;
    }
    size_t end = (b + 1) * BLOCK < r->count ? (b + 1) * BLOCK : r->count;
    for (size_t i = b * BLOCK; i < end; i++) {
      if (r->kind == KIND_PROCESS_FILES) read_process_files(r, r->pids[i], &r->results[b], &scratch);
      else read_process(r, r->pids[i], &r->results[b]);
    }
    pthread_mutex_lock(&r->lock);
    r->finished[b] = 1;
    pthread_cond_broadcast(&r->block_done);
    pthread_mutex_unlock(&r->lock);
  }
  free(scratch.data);
  return NULL;
}

static void session_join(struct session *r) {
  if (r->joined) return;
  for (uint32_t t = 0; t < r->started; t++) pthread_join(r->workers[t], NULL);
  r->joined = 1;
}

static void session_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  struct session *r = data;
  atomic_store(&r->cancelled, 1);
  pthread_mutex_lock(&r->lock);
  pthread_cond_broadcast(&r->block_taken);
  pthread_mutex_unlock(&r->lock);
  session_join(r);
  for (size_t b = 0; b < r->blocks; b++) free(r->results[b].data);
  free(r->results);
  free(r->finished);
  free(r->pids);
  pthread_mutex_destroy(&r->lock);
  pthread_cond_destroy(&r->block_done);
  pthread_cond_destroy(&r->block_taken);
  free(r);
}

/* Starts a session over `count` pids on `threads` threads; the handle, or NULL with an exception pending. */
static napi_value session_start(napi_env env, struct session *r, const void *pids, size_t count, uint32_t threads, const char *what) {
  if (threads < 1) threads = 1;
  if (threads > 16) threads = 16;
  r->count = count;
  r->blocks = (count + BLOCK - 1) / BLOCK;
  r->pids = malloc((count ? count : 1) * sizeof *r->pids);
  r->results = calloc(r->blocks ? r->blocks : 1, sizeof *r->results);
  r->finished = calloc(r->blocks ? r->blocks : 1, 1);
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->block_done, NULL);
  pthread_cond_init(&r->block_taken, NULL);
  atomic_init(&r->next_block, 0);
  atomic_init(&r->cancelled, 0);
  if (!r->pids || !r->results || !r->finished) {
    session_free(env, r, NULL);
    return throw_errno(env, what, ENOMEM);
  }
  if (count) memcpy(r->pids, pids, count * sizeof *r->pids);
  for (; r->started < threads && r->started < r->blocks; r->started++)
    if (pthread_create(&r->workers[r->started], NULL, read_blocks, r) != 0) break;
  napi_value handle;
  if (napi_create_external(env, r, session_free, NULL, &handle) != napi_ok) {
    session_free(env, r, NULL);
    return NULL;
  }
  if (r->started == 0 && r->blocks > 0) { /* no thread could start: read here */
    r->reading_inline = 1;
    read_blocks(r);
  }
  return handle;
}

/* The Int32Array of pids every reading takes first: 1, or 0 with a TypeError thrown naming `usage`. */
static int get_pids(napi_env env, napi_value value, void **data, size_t *count, const char *usage) {
  napi_typedarray_type kind;
  if (napi_get_typedarray_info(env, value, &kind, count, data, NULL, NULL) == napi_ok && kind == napi_int32_array) return 1;
  napi_throw_type_error(env, NULL, usage);
  return 0;
}

/*
 * openFdTables(pids: Int32Array, flags, fdinfoTypes, threads): a handle for nextRecords; the
 * reading starts at once on `threads` threads.
 */
static napi_value open_fd_tables(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  size_t count;
  void *data;
  if (!get_pids(env, argc < 4 ? NULL : argv[0], &data, &count, "openFdTables(pids: Int32Array, flags, fdinfoTypes, threads)")) return NULL;
  uint32_t flags = 0, types = 0, threads = 1;
  napi_get_value_uint32(env, argv[1], &flags);
  napi_get_value_uint32(env, argv[2], &types);
  napi_get_value_uint32(env, argv[3], &threads);
  struct session *r = calloc(1, sizeof *r);
  if (!r) return throw_errno(env, "openFdTables", ENOMEM);
  r->kind = KIND_FD_TABLES;
  r->flags = flags;
  r->fdinfo_types = types;
  return session_start(env, r, data, count, threads, "openFdTables");
}

/*
 * openProcessFiles(pids: Int32Array, names: string[], threads): a handle for nextRecords; each
 * process's files (a name "@exe" is the link exe, "." the directory's owner) are read through its directory fd, on
 * `threads` threads, in records as read_process_files describes.
 */
static napi_value open_process_files(napi_env env, napi_callback_info info) {
  static const char usage[] = "openProcessFiles(pids: Int32Array, names: string[], threads)";
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  size_t count;
  void *data;
  bool is_array = false;
  if (!get_pids(env, argc < 3 ? NULL : argv[0], &data, &count, usage)) return NULL;
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  uint32_t name_count = 0, threads = 1;
  napi_get_array_length(env, argv[1], &name_count);
  napi_get_value_uint32(env, argv[2], &threads);
  if (name_count > MAX_FILES) {
    napi_throw_range_error(env, NULL, "openProcessFiles: at most 16 files");
    return NULL;
  }
  struct session *r = calloc(1, sizeof *r);
  if (!r) return throw_errno(env, "openProcessFiles", ENOMEM);
  r->kind = KIND_PROCESS_FILES;
  r->name_count = name_count;
  for (uint32_t i = 0; i < name_count; i++) {
    napi_value element;
    size_t length = 0;
    if (napi_get_element(env, argv[1], i, &element) != napi_ok ||
        napi_get_value_string_utf8(env, element, r->names[i], MAX_FILE_NAME, &length) != napi_ok || length == 0 ||
        length >= MAX_FILE_NAME - 1 || strchr(r->names[i], '/') != NULL) {
      free(r);
      napi_throw_type_error(env, NULL, "openProcessFiles: each name is a file of the process directory, without '/'");
      return NULL;
    }
  }
  return session_start(env, r, data, count, threads, "openProcessFiles");
}

/*
 * nextRecords(handle): the records of the next block, in pid order, waiting for it if need be;
 * null when all are delivered. openProcessFiles's records are described at
 * read_process_files; openFdTables's are:
 *   u32 pid, u8 status (0 ok, 1 gone, 2 redo in TypeScript); when ok:
 *   u32 n + stat text, u32 uid, u32 fd count, then per fd:
 *   u32 fd, u32 n + link text, u8 have (1 stat, 2 lstat, 4 fdinfo),
 *   [u32 mode, u64 ino, u64 dev, u64 nlink, u64 size], [u32 link mode], [u32 n + fdinfo text]
 * where each "u32 n" of a text has TEXT_ASCII set when the text is all ASCII.
 */
static napi_value next_records(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct session *r = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&r) != napi_ok || !r) {
    napi_throw_type_error(env, NULL, "nextRecords(handle from openFdTables or openProcessFiles)");
    return NULL;
  }
  if (r->delivered >= r->blocks) {
    session_join(r);
    napi_get_null(env, &result);
    return result;
  }
  pthread_mutex_lock(&r->lock);
  if (!r->finished[r->delivered]) {
    pthread_cond_broadcast(&r->block_taken);
    while (!r->finished[r->delivered]) pthread_cond_wait(&r->block_done, &r->lock);
  }
  struct out *block = &r->results[r->delivered++];
  if (r->delivered % WAKE_EVERY == 0) pthread_cond_broadcast(&r->block_taken);
  pthread_mutex_unlock(&r->lock);
  /*
   * A copy that JavaScript owns and V8 counts, and the block freed at once. Handing the block over
   * as an external Buffer saved the copy but left its memory to be freed whenever the Buffer was
   * collected, which V8 did not know to hurry: a long-running listing (serve, top, the exporter)
   * grew by tens of MiB of blocks waiting for a collection, in the workers' malloc arenas. Freed
   * at once, the next block a worker reads reuses the same memory.
   */
  result = NULL;
  if (block->failed) {
    free(block->data);
    block->data = NULL;
    return throw_errno(env, "nextRecords", ENOMEM);
  }
  void *copy = NULL;
  if (napi_create_buffer_copy(env, block->length, block->length ? (const void *)block->data : (const void *)"", &copy, &result) != napi_ok) result = NULL;
  free(block->data);
  block->data = NULL;
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "unixSockets", NAPI_AUTO_LENGTH, unix_sockets, NULL, &fn);
  napi_set_named_property(env, exports, "unixSockets", fn);
  napi_create_function(env, "tcpListenQueues", NAPI_AUTO_LENGTH, tcp_listen_queues, NULL, &fn);
  napi_set_named_property(env, exports, "tcpListenQueues", fn);
  napi_create_function(env, "openFdTables", NAPI_AUTO_LENGTH, open_fd_tables, NULL, &fn);
  napi_set_named_property(env, exports, "openFdTables", fn);
  napi_create_function(env, "openProcessFiles", NAPI_AUTO_LENGTH, open_process_files, NULL, &fn);
  napi_set_named_property(env, exports, "openProcessFiles", fn);
  napi_create_function(env, "nextRecords", NAPI_AUTO_LENGTH, next_records, NULL, &fn);
  napi_set_named_property(env, exports, "nextRecords", fn);
  return exports;
}
