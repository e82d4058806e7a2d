// Batched UDP for the DNS server (src/dns/udp-batch.ts): a socket of its own, watched by the Node event loop
// (uv_poll_t), read with recvmmsg(2) and answered with sendmmsg(2), one JS call per batch of up to SLOTS
// datagrams over one shared ArrayBuffer instead of a Buffer and an rinfo object per datagram. Linux only;
// Node-API only, so one build serves every Node version. See README.md for the memory layout.

#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#define SLOTS 64
// A query longer than IN_SIZE is cut to IN_SIZE (counted as truncated): the parser reads the header and the
// question, and a real query is a few hundred bytes.
#define IN_SIZE 4096
// The largest UDP answer the server makes (MAX_UDP in src/core/dns/response.ts); longer ones go by sendTo.
#define OUT_SIZE 4096
#define ADDR_SIZE 32 // a sockaddr_in or sockaddr_in6 (28 bytes), as the kernel wrote it
// Batches per wake-up: then back to the event loop (level-triggered, so it wakes again at once), which keeps
// zone updates and timers of the thread flowing under a flood.
#define MAX_BATCHES 8

enum { ST_RECEIVED, ST_SENT, ST_DROPPED, ST_TRUNCATED, ST_BATCHES, NSTATS };
#define OFF_IN 0
#define OFF_OUT (OFF_IN + SLOTS * IN_SIZE)
#define OFF_ADDR (OFF_OUT + SLOTS * OUT_SIZE)
#define OFF_IN_LEN (OFF_ADDR + SLOTS * ADDR_SIZE)
#define OFF_OUT_LEN (OFF_IN_LEN + SLOTS * 4)
#define OFF_STATS (OFF_OUT_LEN + SLOTS * 4)
#define MEM_SIZE (OFF_STATS + NSTATS * 8)

typedef struct {
  napi_env env;
  int fd;
  int closing, closed, in_batch;
  int owners; // the open socket and the JS wrapper: freed when both let go
  uv_poll_t poll;
  napi_ref on_batch, memory;
  napi_async_context actx;
  napi_async_cleanup_hook_handle hook;
  uint8_t *mem;
  uint32_t *in_len, *out_len;
  double *stats;
  struct mmsghdr rmsg[SLOTS], smsg[SLOTS];
  struct iovec riov[SLOTS], siov[SLOTS];
} sock_t;

#define CHECK(call)                                                                                          \
  do {                                                                                                       \
    if ((call) != napi_ok) return NULL;                                                                      \
  } while (0)

static napi_value throw_errno(napi_env env, const char *syscall, const char *host, int port, int err) {
  char msg[256];
  const char *code = uv_err_name(-err);
  snprintf(msg, sizeof msg, "%s %s %s:%d (%s)", syscall, code, host, port, strerror(err));
  napi_value m, c, e, n;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &c);
  napi_create_error(env, c, m, &e);
  napi_set_named_property(env, e, "code", c);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &n);
  napi_set_named_property(env, e, "syscall", n);
  napi_throw(env, e);
  return NULL;
}

static void release(sock_t *s) {
  if (--s->owners == 0) free(s);
}

static void on_closed(uv_handle_t *h) {
  sock_t *s = h->data;
  napi_delete_reference(s->env, s->on_batch);
  napi_delete_reference(s->env, s->memory);
  napi_async_destroy(s->env, s->actx);
  // last: the env stays alive until the hook is removed
  napi_remove_async_cleanup_hook(s->hook);
  release(s);
}

static void do_close(sock_t *s) {
  if (s->closed) return;
  s->closed = 1;
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_closed); // removes the fd from epoll now, calls back on the next turn
  close(s->fd);
  s->fd = -1;
}

/** Env teardown (worker terminated, process ending) with the socket still open. */
static void on_env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  sock_t *s = arg;
  s->closing = 1;
  do_close(s);
}

/** Sends the answers JS left in the out slots; a datagram the kernel refuses is dropped (UDP: the client retries). */
static void send_answers(sock_t *s, int n) {
  int k = 0;
  for (int i = 0; i < n; i++) {
    uint32_t len = s->out_len[i];
    if (len == 0 || len > OUT_SIZE) continue;
    s->siov[k].iov_base = s->mem + OFF_OUT + (size_t)i * OUT_SIZE;
    s->siov[k].iov_len = len;
    struct msghdr *m = &s->smsg[k].msg_hdr;
    memset(m, 0, sizeof *m);
    m->msg_name = s->mem + OFF_ADDR + (size_t)i * ADDR_SIZE;
    m->msg_namelen = s->rmsg[i].msg_hdr.msg_namelen;
    m->msg_iov = &s->siov[k];
    m->msg_iovlen = 1;
    k++;
  }
  int off = 0;
  while (off < k) {
    int r = sendmmsg(s->fd, s->smsg + off, k - off, MSG_DONTWAIT);
    if (r > 0) {
      s->stats[ST_SENT] += r;
      off += r;
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
      s->stats[ST_DROPPED] += k - off; // send buffer full: drop rather than stall every other query
      break;
    } else {
      s->stats[ST_DROPPED]++; // this one cannot be sent (e.g. a firewall's EPERM): skip it
      off++;
    }
  }
}

/** One batch to JS: `onBatch(n)`. An exception becomes the thread's uncaught exception. */
static void call_js(sock_t *s, int n) {
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, argv[1], result;
  napi_get_reference_value(env, s->on_batch, &fn);
  napi_get_global(env, &recv); // make_callback wants an object
  napi_create_int32(env, n, &argv[0]);
  s->in_batch = 1;
  napi_status st = napi_make_callback(env, s->actx, recv, fn, 1, argv, &result);
  s->in_batch = 0;
  if (st == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  sock_t *s = h->data;
  for (int b = 0; b < MAX_BATCHES && !s->closing; b++) {
    for (int i = 0; i < SLOTS; i++) s->rmsg[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in6);
    int n = recvmmsg(s->fd, s->rmsg, SLOTS, MSG_DONTWAIT | MSG_TRUNC, NULL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break; // EAGAIN: drained; any other error is the socket's pending error, now cleared
    for (int i = 0; i < n; i++) {
      uint32_t len = s->rmsg[i].msg_len;
      if (len > IN_SIZE || (s->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC)) {
        s->stats[ST_TRUNCATED]++;
        if (len > IN_SIZE) len = IN_SIZE;
      }
      s->in_len[i] = len;
      s->out_len[i] = 0;
    }
    s->stats[ST_RECEIVED] += n;
    s->stats[ST_BATCHES]++;
    call_js(s, n);
    if (s->closing) break;
    send_answers(s, n);
    if (n < SLOTS) break;
  }
  if (s->closing) do_close(s);
}

/** Opens, configures and binds the socket; returns the fd or -errno with *syscall naming the failed step. */
static int open_socket(const char *host, int port, int family, int reuse_port, int rcvbuf, const char **syscall) {
  struct addrinfo hints = {0}, *ai = NULL;
  hints.ai_family = family == 6 ? AF_INET6 : AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  char portText[8];
  snprintf(portText, sizeof portText, "%d", port);
  *syscall = "getaddrinfo";
  if (getaddrinfo(host, portText, &hints, &ai) != 0 || ai == NULL) return -EINVAL;
  int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int err = 0, one = 1;
  if (fd < 0) {
    *syscall = "socket";
    err = errno;
  } else if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
    *syscall = "setsockopt";
    err = errno;
  } else if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0) {
    *syscall = "setsockopt";
    err = errno;
  } else if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
    *syscall = "bind";
    err = errno;
  }
  freeaddrinfo(ai);
  if (err == 0) return fd;
  if (fd >= 0) close(fd);
  return -err;
}

static int local_port(int fd) {
  struct sockaddr_in6 a;
  socklen_t len = sizeof a;
  if (getsockname(fd, (struct sockaddr *)&a, &len) < 0) return -1;
  return ntohs(a.sin6_port); // sin_port and sin6_port sit at the same offset
}

static sock_t *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *p = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &p) != napi_ok) return NULL;
  return p;
}

static void finalize(napi_env env, void *data, void *hint) {
  release(data);
}

static void setup_slots(sock_t *s) {
  s->in_len = (uint32_t *)(s->mem + OFF_IN_LEN);
  s->out_len = (uint32_t *)(s->mem + OFF_OUT_LEN);
  s->stats = (double *)(s->mem + OFF_STATS);
  for (int i = 0; i < SLOTS; i++) {
    s->riov[i].iov_base = s->mem + OFF_IN + (size_t)i * IN_SIZE;
    s->riov[i].iov_len = IN_SIZE;
    struct msghdr *m = &s->rmsg[i].msg_hdr;
    m->msg_name = s->mem + OFF_ADDR + (size_t)i * ADDR_SIZE;
    m->msg_iov = &s->riov[i];
    m->msg_iovlen = 1;
  }
}

/** new UdpBatchSocket(family 4|6, host, port, reusePort, recvBufferSize, onBatch(n)) */
static napi_value construct(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6], self;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  int32_t family = 0, port = 0, rcvbuf = 0;
  bool reuse = false;
  char host[128];
  size_t hostLen = 0;
  napi_valuetype fnType;
  if (argc < 6 || napi_get_value_int32(env, argv[0], &family) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], host, sizeof host, &hostLen) != napi_ok ||
      napi_get_value_int32(env, argv[2], &port) != napi_ok || napi_get_value_bool(env, argv[3], &reuse) != napi_ok ||
      napi_get_value_int32(env, argv[4], &rcvbuf) != napi_ok || napi_typeof(env, argv[5], &fnType) != napi_ok ||
      fnType != napi_function || (family != 4 && family != 6) || port < 0 || port > 65535) {
    napi_throw_type_error(env, NULL, "UdpBatchSocket(family 4|6, host, port, reusePort, recvBufferSize, onBatch)");
    return NULL;
  }
  const char *syscall;
  int fd = open_socket(host, port, family, reuse, rcvbuf, &syscall);
  if (fd < 0) return throw_errno(env, syscall, host, port, -fd);
  sock_t *s = calloc(1, sizeof *s);
  napi_value memory, name, portValue;
  uv_loop_t *loop;
  if (s == NULL || napi_create_arraybuffer(env, MEM_SIZE, (void **)&s->mem, &memory) != napi_ok ||
      napi_get_uv_event_loop(env, &loop) != napi_ok) {
    free(s);
    close(fd);
    napi_throw_error(env, "ENOMEM", "udp-batch: cannot allocate the socket's buffers");
    return NULL;
  }
  s->env = env;
  s->fd = fd;
  s->owners = 2;
  setup_slots(s);
  napi_create_string_utf8(env, "sixpn:udp-batch", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, argv[5], 1, &s->on_batch);
  napi_create_reference(env, memory, 1, &s->memory);
  napi_async_init(env, NULL, name, &s->actx);
  uv_poll_init(loop, &s->poll, fd);
  s->poll.data = s;
  uv_poll_start(&s->poll, UV_READABLE, on_readable);
  napi_add_async_cleanup_hook(env, on_env_cleanup, s, &s->hook);
  napi_wrap(env, self, s, finalize, NULL, NULL);
  napi_create_int32(env, local_port(fd), &portValue);
  napi_set_named_property(env, self, "port", portValue);
  napi_set_named_property(env, self, "memory", memory);
  return self;
}

/** close(): stops reading and closes the socket (after the current batch when called from onBatch). */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  sock_t *s = unwrap(env, info, &argc, NULL);
  if (s != NULL && !s->closing) {
    s->closing = 1;
    if (!s->in_batch) do_close(s);
  }
  return NULL;
}

/** sendTo(bytes, sockaddr): one datagram to an address saved from an addr slot; returns an error code or undefined. */
static napi_value js_send_to(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  sock_t *s = unwrap(env, info, &argc, argv);
  void *data, *addr;
  size_t len, alen;
  if (s == NULL || argc < 2 || napi_get_typedarray_info(env, argv[0], NULL, &len, &data, NULL, NULL) != napi_ok ||
      napi_get_typedarray_info(env, argv[1], NULL, &alen, &addr, NULL, NULL) != napi_ok) {
    napi_throw_type_error(env, NULL, "sendTo(bytes: Uint8Array, sockaddr: Uint8Array)");
    return NULL;
  }
  if (s->closed) return NULL;
  struct sockaddr *sa = addr;
  socklen_t salen = alen >= sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                                                      : sizeof(struct sockaddr_in);
  ssize_t r;
  do r = sendto(s->fd, data, len, MSG_DONTWAIT, sa, salen);
  while (r < 0 && errno == EINTR);
  if (r >= 0) {
    s->stats[ST_SENT]++;
    return NULL;
  }
  s->stats[ST_DROPPED]++;
  napi_value code;
  napi_create_string_utf8(env, uv_err_name(-errno), NAPI_AUTO_LENGTH, &code);
  return code;
}

static void set_int(napi_env env, napi_value obj, const char *key, int v) {
  napi_value n;
  napi_create_int32(env, v, &n);
  napi_set_named_property(env, obj, key, n);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"sendTo", NULL, js_send_to, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value cls, layout;
  CHECK(napi_define_class(env, "UdpBatchSocket", NAPI_AUTO_LENGTH, construct, NULL, 2, methods, &cls));
  CHECK(napi_set_named_property(env, exports, "UdpBatchSocket", cls));
  CHECK(napi_create_object(env, &layout));
  set_int(env, layout, "slots", SLOTS);
  set_int(env, layout, "inSize", IN_SIZE);
  set_int(env, layout, "outSize", OUT_SIZE);
  set_int(env, layout, "addrSize", ADDR_SIZE);
  set_int(env, layout, "inOff", OFF_IN);
  set_int(env, layout, "outOff", OFF_OUT);
  set_int(env, layout, "addrOff", OFF_ADDR);
  set_int(env, layout, "inLenOff", OFF_IN_LEN);
  set_int(env, layout, "outLenOff", OFF_OUT_LEN);
  set_int(env, layout, "statsOff", OFF_STATS);
  set_int(env, layout, "size", MEM_SIZE);
  CHECK(napi_set_named_property(env, exports, "layout", layout));
  return exports;
}
