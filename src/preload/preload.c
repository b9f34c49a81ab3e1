/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libheteropod-preload.so: hetero-socket for unmodified programs.
 *
 * Only a shim (rdma-core's librspreload is the model): the interposed libc
 * functions resolve the real ones once with dlsym(RTLD_NEXT), look the
 * descriptor up in a per-process table, and either hand the call to the
 * connection's psock (psock.c over src/lib/socket) or pass it straight
 * on. A thread-local guard sends every call made from inside the shim
 * (the transport, the agent request) to the real libc.
 *
 * Readiness: a doorbell byte reaches a socket only when its reader
 * announced that it sleeps, so the kernel alone cannot tell that a ring
 * holds data (after a partial read, say). poll/ppoll/select/pselect and
 * epoll_ctl/epoll_wait/epoll_pwait are therefore interposed for sockets we
 * track: readiness comes from the ring, the kernel is asked only to watch
 * for doorbells, connection completion and the offer; before sleeping we
 * announce that we sleep (so the peer rings) and re-check (no lost
 * wake-ups). The alternative — keeping a doorbell byte queued while the
 * ring holds data — costs a doorbell per message, the very thing the
 * transport avoids. Edge-triggered registrations report a new edge when
 * the ring's producer index moved (EPOLLIN) or a write found no room since
 * the last EPOLLOUT.
 */

#include "psock.h"

#include "netns/hnetns.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define PS_FD_MAX 65536
#define COPY_CHUNK (1u << 20)	/* sendfile/splice buffer: the largest ring buffer */
#define PS_MSG_BLOCK 0x40000000 /* internal: wait for room even on a non-blocking socket */

static struct {
	int (*socket)(int, int, int);
	int (*close_range)(unsigned int, unsigned int, int);
	void (*closefrom)(int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*close)(int);
	int (*shutdown)(int, int);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*ioctl)(int, unsigned long, void *);
	int (*fcntl)(int, int, void *);
	int (*fcntl64)(int, int, void *);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	pid_t (*fork)(void);
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execv)(const char *, char *const[]);
	int (*execvp)(const char *, char *const[]);
	int (*execvpe)(const char *, char *const[], char *const[]);
	int (*fexecve)(int, char *const[], char *const[]);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	ssize_t (*splice)(int, loff_t *, int, loff_t *, size_t, unsigned int);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
		       const sigset_t *);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
	int (*epoll_pwait2)(int, struct epoll_event *, int, const struct timespec *,
			    const sigset_t *);
} real;

static __thread int in_shim __attribute__((tls_model("initial-exec")));
static struct psock **fdtab; /* per process (copied by fork, as descriptors are) */
static uint8_t *listeners;   /* fd -> we marked this listener capable */
/* The last epoll registration of each untracked descriptor, so that a socket
 * registered before connect() can be converted once we track it. */
struct shadow {
	int epfd_plus1;
	uint32_t events;
	epoll_data_t data;
};
static struct shadow *shadows;
static int fd_high = -1;
static pid_t table_pid; /* the process the table belongs to (0: no table yet) */
static pthread_mutex_t tab_lock = PTHREAD_MUTEX_INITIALIZER;

static void resolve_real(void)
{
#define R(name) real.name = dlsym(RTLD_NEXT, #name)
	R(socket);
	R(close_range);
	R(closefrom);
	R(connect);
	R(listen);
	R(accept);
	R(accept4);
	R(close);
	R(shutdown);
	R(read);
	R(write);
	R(readv);
	R(writev);
	R(send);
	R(recv);
	R(sendto);
	R(recvfrom);
	R(sendmsg);
	R(recvmsg);
	R(ioctl);
	R(fcntl);
	R(fcntl64);
	R(dup);
	R(dup2);
	R(dup3);
	R(fork);
	R(execve);
	R(execv);
	R(execvp);
	R(execvpe);
	R(fexecve);
	R(sendfile);
	R(splice);
	R(getsockopt);
	R(setsockopt);
	R(poll);
	R(ppoll);
	R(select);
	R(pselect);
	R(epoll_ctl);
	R(epoll_pwait);
	R(epoll_pwait2);
#undef R
	if (!real.fcntl64)
		real.fcntl64 = real.fcntl;
}

/* Every fork() (ours, or libc's own as in daemon()) gives the child its own
 * copy of the table; vfork() and posix_spawn() run no fork handlers. */
static void forked_child(void)
{
	if (table_pid)
		table_pid = getpid();
}

/* Resolved before main() (dlsym only: no network, no agent); and on demand
 * for calls made by other constructors that run before ours. */
__attribute__((constructor)) static void preload_init(void)
{
	if (!real.connect)
		resolve_real();
	pthread_atfork(NULL, NULL, forked_child);
}

static void forget_listener(int fd);
#define REAL(name) (real.name ? real.name : (resolve_real(), real.name))

static inline ssize_t ret(ssize_t r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* --- the descriptor table ------------------------------------------------ */

static struct psock *lookup(int fd)
{
	if (in_shim || fd < 0 || fd >= PS_FD_MAX || !__atomic_load_n(&fdtab, __ATOMIC_ACQUIRE))
		return NULL;
	return __atomic_load_n(&fdtab[fd], __ATOMIC_ACQUIRE);
}

static bool table_ready(void)
{
	pthread_mutex_lock(&tab_lock);
	if (!fdtab) {
		void *p = mmap(NULL, sizeof(*fdtab) * PS_FD_MAX, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		void *l = mmap(NULL, PS_FD_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		void *sh = mmap(NULL, sizeof(*shadows) * PS_FD_MAX, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED && l != MAP_FAILED && sh != MAP_FAILED) {
			listeners = l;
			shadows = sh;
			table_pid = getpid();
			__atomic_store_n(&fdtab, p, __ATOMIC_RELEASE);
		} else {
			if (p != MAP_FAILED)
				munmap(p, sizeof(*fdtab) * PS_FD_MAX);
			if (l != MAP_FAILED)
				munmap(l, PS_FD_MAX);
			if (sh != MAP_FAILED)
				munmap(sh, sizeof(*shadows) * PS_FD_MAX);
		}
	}
	pthread_mutex_unlock(&tab_lock);
	return fdtab != NULL;
}

/*
 * A vfork() child (posix_spawn, Python's subprocess) shares our memory until
 * it execs: what it closes or dups before the exec must not touch our table.
 */
static bool foreign_process(void)
{
	return table_pid && getpid() != table_pid;
}

static void track(int fd, struct psock *ps)
{
	pthread_mutex_lock(&tab_lock);
	__atomic_store_n(&fdtab[fd], ps, __ATOMIC_RELEASE);
	if (fd > fd_high)
		fd_high = fd;
	pthread_mutex_unlock(&tab_lock);
}

static void epoll_forget_fd(int fd);
static void dup_listener(int oldfd, int newfd);
static void adopt_registration(int fd, struct psock *ps);

/* The descriptor goes away in this process (close, dup2 over it, exec). */
static void untrack(int fd)
{
	struct psock *ps;

	if (fd < 0 || fd >= PS_FD_MAX || !fdtab || foreign_process())
		return;
	pthread_mutex_lock(&tab_lock);
	ps = fdtab[fd];
	__atomic_store_n(&fdtab[fd], NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&tab_lock);
	if (!ps)
		return;
	epoll_forget_fd(fd);
	in_shim++;
	ps_release(ps, fd);
	in_shim--;
}

/* A second descriptor for the same socket (dup & co). */
static void track_dup(int oldfd, int newfd)
{
	struct psock *ps = lookup(oldfd);

	if (!ps || newfd < 0 || newfd >= PS_FD_MAX || foreign_process())
		return;
	in_shim++;
	ps_hold(ps);
	in_shim--;
	track(newfd, ps);
}

#define PENDING ((struct psock *)1)

/*
 * The psock behind fd if data goes through a channel (or the upgrade broke),
 * PENDING if the offer has not come yet on a non-blocking socket, or NULL:
 * let the kernel do it.
 */
static struct psock *data_sock(int fd, bool want_block)
{
	struct psock *ps = lookup(fd);
	enum ps_state st;

	if (!ps)
		return NULL;
	st = ps_state(ps);
	if (st == PS_CONNECTING || st == PS_ACCEPTING) {
		bool block = want_block && !(atomic_load(&ps->flags) & PSF_NONBLOCK);

		in_shim++;
		if (st == PS_CONNECTING && block) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};

			while (REAL(ppoll)(&p, 1, NULL, NULL) < 0 && errno == EINTR)
				;
		}
		st = ps_resolve(ps, fd, block);
		in_shim--;
		if (st == PS_ACCEPTING)
			return PENDING;
	}
	return st == PS_WINDOW || st == PS_BROKEN ? ps : NULL;
}

/* The application marked the socket itself: it speaks hetero-socket on its own. */
static bool app_capable(int fd)
{
	int v = 0;
	socklen_t l = sizeof(v);

	return REAL(getsockopt)(fd, SOL_TCP, HNETNS_SO_CAPABLE, &v, &l) == 0 && v;
}

static bool is_inet_stream(int fd)
{
	int v = 0;
	socklen_t l = sizeof(v);

	if (REAL(getsockopt)(fd, SOL_SOCKET, SO_DOMAIN, &v, &l) < 0 || v != AF_INET)
		return false;
	l = sizeof(v);
	return REAL(getsockopt)(fd, SOL_SOCKET, SO_TYPE, &v, &l) == 0 && v == SOCK_STREAM;
}

/* --- connection set-up ------------------------------------------------------ */

/*
 * A descriptor number the kernel hands out anew cannot be one of ours: if
 * the table still says so, the old one was closed behind our back (by libc
 * internally, or a raw syscall). Forget it.
 */
static void fresh_fd(int fd)
{
	if (fd < 0 || fd >= PS_FD_MAX || !fdtab || in_shim)
		return;
	if (fdtab[fd])
		untrack(fd);
	forget_listener(fd);
}

EXPORT int socket(int domain, int type, int proto)
{
	int r = REAL(socket)(domain, type, proto);

	fresh_fd(r);
	return r;
}

EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct psock *ps;
	int r, e;

	if (in_shim || !addr || len < sizeof(sa_family_t) || addr->sa_family != AF_INET)
		return REAL(connect)(fd, addr, len);
	ps = lookup(fd);
	if (ps) {
		/* A second connect() asking how the first one is doing. */
		r = REAL(connect)(fd, addr, len);
		e = errno;
		if (r == 0 || e == EISCONN) {
			in_shim++;
			ps_resolve(ps, fd, false);
			in_shim--;
		}
		errno = e;
		return r;
	}
	in_shim++;
	ps = is_inet_stream(fd) && !app_capable(fd) && table_ready()
		 ? ps_new(fd, PS_CONNECTING, true)
		 : NULL;
	if (ps && !ps_mark_capable(fd)) {
		ps_release(ps, fd); /* not in a pod half */
		ps = NULL;
	}
	in_shim--;
	if (!ps)
		return REAL(connect)(fd, addr, len);
	track(fd, ps);
	adopt_registration(fd, ps);
	r = REAL(connect)(fd, addr, len);
	e = errno;
	if (r == 0) {
		in_shim++;
		ps_resolve(ps, fd, false);
		in_shim--;
	} else if (e != EINPROGRESS && e != EINTR && e != EALREADY) {
		untrack(fd);
	}
	errno = e;
	return r;
}

EXPORT int listen(int fd, int backlog)
{
	if (!in_shim && fd >= 0 && fd < PS_FD_MAX && is_inet_stream(fd) && !app_capable(fd)) {
		in_shim++;
		/* (EINVAL when it already listens unmarked: it stays plain.) */
		if (ps_window() && table_ready() && ps_mark_capable(fd))
			listeners[fd] = 1;
		in_shim--;
	}
	return REAL(listen)(fd, backlog);
}

static void accepted(int lfd, int fd)
{
	struct psock *ps;

	if (fd < 0 || fd >= PS_FD_MAX || in_shim || lfd < 0 || lfd >= PS_FD_MAX || !fdtab ||
	    !listeners[lfd])
		return;
	in_shim++;
	if (ps_peer_capable(fd) && table_ready()) {
		ps = ps_new(fd, PS_ACCEPTING, false);
		if (ps) {
			track(fd, ps);
			ps_resolve(ps, fd, false); /* the offer is usually here already */
		}
	}
	in_shim--;
}

EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	int r = REAL(accept)(fd, addr, len);

	fresh_fd(r);
	if (r >= 0)
		accepted(fd, r);
	return r;
}

EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	int r = REAL(accept4)(fd, addr, len, flags);

	fresh_fd(r);
	if (r >= 0)
		accepted(fd, r);
	return r;
}

/* --- data ------------------------------------------------------------------- */

static ssize_t do_recv(struct psock *ps, void *buf, size_t len, int flags)
{
	ssize_t r;

	if (ps == PENDING)
		return ret(-EAGAIN);
	in_shim++;
	r = ps_recv(ps, buf, len, flags);
	in_shim--;
	return ret(r);
}

static ssize_t do_send(struct psock *ps, const void *buf, size_t len, int flags)
{
	ssize_t r;

	if (ps == PENDING)
		return ret(-EAGAIN);
	in_shim++;
	r = ps_send(ps, buf, len, flags);
	in_shim--;
	return ret(r);
}

EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	struct psock *ps = data_sock(fd, true);

	return ps ? do_recv(ps, buf, len, 0) : REAL(read)(fd, buf, len);
}

EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		abort();
	return read(fd, buf, len);
}

EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	struct psock *ps = data_sock(fd, true);

	return ps ? do_send(ps, buf, len, 0) : REAL(write)(fd, buf, len);
}

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct psock *ps = data_sock(fd, !(flags & MSG_DONTWAIT));

	return ps ? do_recv(ps, buf, len, flags) : REAL(recv)(fd, buf, len, flags);
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (len > buflen)
		abort();
	return recv(fd, buf, len, flags);
}

EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	struct psock *ps = data_sock(fd, !(flags & MSG_DONTWAIT));

	return ps ? do_send(ps, buf, len, flags) : REAL(send)(fd, buf, len, flags);
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr,
			socklen_t *alen)
{
	struct psock *ps = data_sock(fd, !(flags & MSG_DONTWAIT));
	ssize_t r;

	if (!ps)
		return REAL(recvfrom)(fd, buf, len, flags, addr, alen);
	r = do_recv(ps, buf, len, flags);
	if (r >= 0 && addr && alen)
		*alen = 0; /* as TCP: no source address */
	return r;
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
			      struct sockaddr *addr, socklen_t *alen)
{
	if (len > buflen)
		abort();
	return recvfrom(fd, buf, len, flags, addr, alen);
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr,
		      socklen_t alen)
{
	struct psock *ps = data_sock(fd, !(flags & MSG_DONTWAIT));

	/* A connected TCP socket ignores the address. */
	return ps ? do_send(ps, buf, len, flags) : REAL(sendto)(fd, buf, len, flags, addr, alen);
}

/* Scatter/gather: one iovec after the other; stop at the first short one. */
static ssize_t recv_iov(struct psock *ps, const struct iovec *iov, int cnt, int flags)
{
	ssize_t done = 0;

	if (ps == PENDING)
		return ret(-EAGAIN);
	if (cnt < 0 || cnt > IOV_MAX)
		return ret(-EINVAL);
	in_shim++;
	for (int i = 0; i < cnt; i++) {
		ssize_t n;

		if (!iov[i].iov_len)
			continue;
		/* After the first bytes, take only what is there (as the kernel does). */
		n = ps_recv(ps, iov[i].iov_base, iov[i].iov_len,
			    done && !(flags & MSG_WAITALL) ? flags | MSG_DONTWAIT : flags);
		if (n < 0 && done)
			break;
		if (n < 0) {
			in_shim--;
			return ret(n);
		}
		done += n;
		if ((size_t)n < iov[i].iov_len || (flags & MSG_PEEK))
			break;
	}
	in_shim--;
	return done;
}

static ssize_t send_iov(struct psock *ps, const struct iovec *iov, int cnt, int flags)
{
	ssize_t done = 0;

	if (ps == PENDING)
		return ret(-EAGAIN);
	if (cnt < 0 || cnt > IOV_MAX)
		return ret(-EINVAL);
	in_shim++;
	for (int i = 0; i < cnt; i++) {
		ssize_t n;

		if (!iov[i].iov_len)
			continue;
		n = ps_send(ps, iov[i].iov_base, iov[i].iov_len,
			    done ? flags | MSG_NOSIGNAL : flags);
		if (n < 0 && done)
			break;
		if (n < 0) {
			in_shim--;
			return ret(n);
		}
		done += n;
		if ((size_t)n < iov[i].iov_len)
			break;
	}
	in_shim--;
	return done;
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	struct psock *ps = data_sock(fd, true);

	return ps ? recv_iov(ps, iov, cnt, 0) : REAL(readv)(fd, iov, cnt);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	struct psock *ps = data_sock(fd, true);

	return ps ? send_iov(ps, iov, cnt, 0) : REAL(writev)(fd, iov, cnt);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct psock *ps = data_sock(fd, !(flags & MSG_DONTWAIT));
	ssize_t r;

	if (!ps)
		return REAL(recvmsg)(fd, msg, flags);
	r = recv_iov(ps, msg->msg_iov, (int)msg->msg_iovlen, flags);
	if (r >= 0) {
		msg->msg_namelen = 0;
		msg->msg_controllen = 0;
		msg->msg_flags = 0;
	}
	return r;
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct psock *ps = data_sock(fd, !(flags & MSG_DONTWAIT));

	if (!ps)
		return REAL(sendmsg)(fd, msg, flags);
	return send_iov(ps, msg->msg_iov, (int)msg->msg_iovlen, flags);
}

/*
 * splice() on the window (and sendfile() but on non-blocking sockets) copy
 * through a per-thread buffer as large as the largest ring (COPY_CHUNK):
 * pipe -> buffer -> ring, ring -> buffer -> pipe. On a non-blocking socket
 * no more is read than the ring has room for, so a short write leaves
 * nothing to put back. (Writing straight from the ring into the pipe was
 * measured no faster: docs/hetero-socket.md, "Large transfers".)
 */
static pthread_key_t bounce_key;
static pthread_once_t bounce_once = PTHREAD_ONCE_INIT;

static void bounce_key_init(void)
{
	pthread_key_create(&bounce_key, free);
}

static char *bounce_buf(void)
{
	char *b;

	pthread_once(&bounce_once, bounce_key_init);
	b = pthread_getspecific(bounce_key);
	if (!b) {
		/* Page-aligned, a page more than a chunk: see file_buf(). */
		if (posix_memalign((void **)&b, 4096, COPY_CHUNK + 4096) != 0)
			b = NULL;
		if (b && pthread_setspecific(bounce_key, b) != 0) {
			free(b);
			b = NULL;
		}
	}
	return b;
}

/*
 * Where in the buffer to read file bytes from offset off: at the same place
 * in a page as in the file. The kernel's copy (rep movsb) is several times
 * slower when source and destination are differently aligned (measured:
 * nginx's sendfile ran at a third of the speed); the copy into the ring is
 * glibc's memcpy, which does not care.
 */
static char *file_buf(char *b, off_t off)
{
	return b + (off & 4095);
}

/* A pipe end with SPLICE_F_NONBLOCK: is it ready now? Anything else: yes. */
static bool pipe_ready_now(int fd, short ev)
{
	struct pollfd p = {.fd = fd, .events = ev};
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return true;
	return REAL(ppoll)(&p, 1, &(struct timespec){0}, NULL) != 0;
}

/*
 * How much of want a send may take without blocking: want for a blocking
 * socket, else the ring's room (0: full, the caller says EAGAIN).
 */
static size_t send_room(struct psock *ps, size_t want)
{
	ssize_t room;

	if (!(atomic_load(&ps->flags) & PSF_NONBLOCK))
		return want;
	room = ps_tx_room(ps, want);
	if (room == -EAGAIN || room == -ENOBUFS)
		return 0;
	/* Other errors (EPIPE, ECONNRESET): the send reports them. */
	return room > 0 && (size_t)room < want ? (size_t)room : want;
}

/* The copying sendfile (blocking sockets, or HETERONET_ZEROCOPY=0): file -> buffer -> ring. */
static ssize_t sendfile_copy(struct psock *ps, int in, off_t *off, size_t count)
{
	char *buf = bounce_buf();
	ssize_t done = 0;

	if (!buf)
		return -ENOMEM;
	while ((size_t)done < count) {
		size_t want = send_room(ps, count - done < COPY_CHUNK ? count - done : COPY_CHUNK);
		off_t pos;
		ssize_t n, w;
		char *p;

		if (!want) {
			ps_note_full(ps);
			return done ? done : -EAGAIN;
		}
		pos = off ? *off : lseek(in, 0, SEEK_CUR);
		p = file_buf(buf, pos < 0 ? 0 : pos);
		n = off ? pread(in, p, want, *off) : REAL(read)(in, p, want);
		if (n <= 0)
			return done ? done : n < 0 ? -errno : 0;
		w = ps_send(ps, p, (size_t)n, 0);
		if (w < 0) {
			if (!off)
				lseek(in, -n, SEEK_CUR);
			return done ? done : w;
		}
		/* Short only if another writer took the room meanwhile. */
		if (off)
			*off += w;
		else if (w < n)
			lseek(in, -(n - w), SEEK_CUR);
		done += w;
		if (w < n)
			break;
	}
	return done;
}

/* The zero-copy source: read the file straight into the ring's free space. */
struct fd_src {
	int fd;
	off_t *off; /* pread at *off (and move it), else the file position */
};

static ssize_t fill_from_fd(void *arg, const struct iovec *span, int n)
{
	struct fd_src *src = arg;
	ssize_t r = src->off ? preadv(src->fd, span, n, *src->off) : REAL(readv)(src->fd, span, n);

	if (r < 0)
		return -errno;
	if (src->off)
		*src->off += r;
	return r;
}

static int zerocopy = -1;

/* HETERONET_ZEROCOPY=0: the copying sendfile everywhere (to measure one against the other). */
static bool use_zerocopy(void)
{
	if (zerocopy < 0) {
		const char *v = getenv("HETERONET_ZEROCOPY");

		zerocopy = !(v && !strcmp(v, "0"));
	}
	return zerocopy;
}

/*
 * sendfile() on a non-blocking socket (nginx and other event-driven
 * servers) reads the file straight into the ring's free space (preadv):
 * one copy per byte, where file -> buffer -> ring makes two. Only what fits
 * is read, so a short write leaves nothing to put back. A blocking caller
 * copies through the 1 MiB buffer instead: reading the next megabyte there
 * while the peer drains the ring overlaps the two, which pays more than the
 * copy costs. Both measured: docs/hetero-socket.md, "Large transfers".
 */
EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	struct psock *ps = data_sock(out, true);
	struct fd_src src = {.fd = in, .off = off};
	struct stat st;
	ssize_t n;

	if (!ps)
		return REAL(sendfile)(out, in, off, count);
	if (ps == PENDING)
		return ret(-EAGAIN);
	if (off && *off < 0)
		return ret(-EINVAL);
	in_shim++;
	/* At the end of the file sendfile() says 0, even when the socket is full
	 * (the kernel reads first); the ring is looked at only for data. */
	if (fstat(in, &st) == 0 && S_ISREG(st.st_mode) &&
	    (off ? *off : lseek(in, 0, SEEK_CUR)) >= st.st_size)
		n = 0;
	else if (use_zerocopy() && (atomic_load(&ps->flags) & PSF_NONBLOCK))
		n = ps_send_fill(ps, count, fill_from_fd, &src, 0);
	else
		n = sendfile_copy(ps, in, off, count);
	in_shim--;
	return ret(n);
}
EXPORT ssize_t sendfile64(int out, int in, off64_t *off, size_t count)
{
	return sendfile(out, in, (off_t *)off, count);
}

/* A drain callback that only consumes: the bytes were already copied out by a peek. */
static ssize_t skip_bytes(void *arg, const struct iovec *span, int n)
{
	size_t want = *(size_t *)arg, have = span[0].iov_len + (n > 1 ? span[1].iov_len : 0);

	return (ssize_t)(want < have ? want : have);
}

EXPORT ssize_t splice(int in, loff_t *off_in, int out, loff_t *off_out, size_t len,
		      unsigned int flags)
{
	struct psock *pin = data_sock(in, !(flags & SPLICE_F_NONBLOCK));
	struct psock *pout = pin ? NULL : data_sock(out, !(flags & SPLICE_F_NONBLOCK));
	size_t want = len < COPY_CHUNK ? len : COPY_CHUNK;
	char *buf;
	ssize_t n, w;

	if (!pin && !pout)
		return REAL(splice)(in, off_in, out, off_out, len, flags);
	if (pin == PENDING || pout == PENDING)
		return ret(-EAGAIN);
	if ((off_in && *off_in < 0) || (off_out && *off_out < 0))
		return ret(-EINVAL);
	buf = bounce_buf();
	if (!buf)
		return ret(-ENOMEM);
	in_shim++;
	if (pin) {
		/* Peek, write what the pipe takes, then consume exactly that. No
		 * more than the pipe holds: a splice moves no more either. */
		int pipe_sz = fcntl(out, F_GETPIPE_SZ);

		if (pipe_sz > 0 && want > (size_t)pipe_sz)
			want = (size_t)pipe_sz;
		if ((flags & SPLICE_F_NONBLOCK) && !pipe_ready_now(out, POLLOUT))
			n = -EAGAIN;
		else
			n = ps_recv(pin, buf, want,
				    MSG_PEEK | (flags & SPLICE_F_NONBLOCK ? MSG_DONTWAIT : 0));
		w = n;
		if (n > 0) {
			w = off_out ? pwrite(out, buf, (size_t)n, *off_out)
				    : REAL(write)(out, buf, (size_t)n);
			if (w < 0)
				w = -errno;
			if (w > 0) {
				size_t k = (size_t)w;

				ps_recv_drain(pin, k, skip_bytes, &k, MSG_DONTWAIT);
				if (off_out)
					*off_out += w;
			}
		}
	} else {
		/* No more than the ring takes now (non-blocking socket): what
		 * left the pipe must reach the socket. */
		want = send_room(pout, want);
		if (!want || ((flags & SPLICE_F_NONBLOCK) && !pipe_ready_now(in, POLLIN))) {
			if (!want)
				ps_note_full(pout);
			w = -EAGAIN;
		} else {
			n = off_in ? pread(in, buf, want, *off_in) : REAL(read)(in, buf, want);
			w = n < 0 ? -errno : n;
			if (n > 0) {
				w = ps_send(pout, buf, (size_t)n, PS_MSG_BLOCK);
				if (w > 0 && off_in)
					*off_in += w;
			}
		}
	}
	in_shim--;
	return ret(w);
}

/* --- descriptors -------------------------------------------------------------- */

static void forget_listener(int fd)
{
	if (listeners && fd >= 0 && fd < PS_FD_MAX && !foreign_process()) {
		listeners[fd] = 0;
		shadows[fd].epfd_plus1 = 0;
	}
}

EXPORT int close(int fd)
{
	if (lookup(fd))
		untrack(fd);
	forget_listener(fd);
	return REAL(close)(fd);
}

static void forget_range(unsigned int first, unsigned int last)
{
	int hi = fd_high;

	if (!fdtab || in_shim || foreign_process())
		return;
	for (unsigned int fd = first; fd <= last && (int)fd <= hi && fd < PS_FD_MAX; fd++) {
		if (fdtab[fd])
			untrack((int)fd);
		forget_listener((int)fd);
	}
}

EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (!REAL(close_range))
		return ret(-ENOSYS);
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		forget_range(first, last);
	return real.close_range(first, last, flags);
}

EXPORT void closefrom(int lowfd)
{
	if (lowfd >= 0)
		forget_range((unsigned int)lowfd, ~0u);
	if (REAL(closefrom))
		real.closefrom(lowfd);
}

EXPORT int shutdown(int fd, int how)
{
	struct psock *ps = data_sock(fd, true);

	if (!ps || ps == PENDING)
		return REAL(shutdown)(fd, how);
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return ret(-EINVAL);
	/* The TCP socket stays open: it carries the doorbells, and its FIN would
	 * tell the peer we are gone. The channel says EOF. */
	in_shim++;
	ps_shutdown(ps, how);
	in_shim--;
	return 0;
}

static void set_nonblock(int fd, bool on)
{
	struct psock *ps = lookup(fd);

	if (!ps)
		return;
	if (on)
		atomic_fetch_or(&ps->flags, PSF_NONBLOCK);
	else
		atomic_fetch_and(&ps->flags, ~PSF_NONBLOCK);
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	struct psock *ps;
	va_list ap;
	void *arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req == FIONREAD && (ps = data_sock(fd, false))) {
		in_shim++;
		*(int *)arg = ps == PENDING ? 0 : (int)ps_readable(ps); /* not the offer's bytes */
		in_shim--;
		return 0;
	}
	r = REAL(ioctl)(fd, req, arg);
	if (r == 0 && req == FIONBIO)
		set_nonblock(fd, *(int *)arg);
	return r;
}

static int fcntl_common(int (*fn)(int, int, void *), int fd, int cmd, void *arg)
{
	int r = fn(fd, cmd, arg);

	if (r < 0 || in_shim)
		return r;
	if (cmd == F_SETFL)
		set_nonblock(fd, (long)arg & O_NONBLOCK);
	else if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
		track_dup(fd, r);
		dup_listener(fd, r);
	}
	return r;
}

EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(REAL(fcntl), fd, cmd, arg);
}

EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(REAL(fcntl64), fd, cmd, arg);
}

EXPORT int dup(int fd)
{
	int r = REAL(dup)(fd);

	if (r >= 0) {
		track_dup(fd, r);
		dup_listener(fd, r);
	}
	return r;
}

static void dup_listener(int oldfd, int newfd)
{
	if (listeners && oldfd >= 0 && oldfd < PS_FD_MAX && newfd >= 0 && newfd < PS_FD_MAX &&
	    !foreign_process())
		listeners[newfd] = listeners[oldfd];
}

static int dup_over(int r, int oldfd, int newfd)
{
	if (r >= 0 && oldfd != newfd) {
		track_dup(oldfd, newfd);
		dup_listener(oldfd, newfd);
	}
	return r;
}

EXPORT int dup2(int oldfd, int newfd)
{
	if (oldfd != newfd && lookup(newfd))
		untrack(newfd); /* dup2 closes it */
	if (oldfd != newfd)
		forget_listener(newfd);
	return dup_over(REAL(dup2)(oldfd, newfd), oldfd, newfd);
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (oldfd != newfd && lookup(newfd))
		untrack(newfd);
	if (oldfd != newfd)
		forget_listener(newfd);
	return dup_over(REAL(dup3)(oldfd, newfd, flags), oldfd, newfd);
}

/* TCP_NODELAY of a socket on the window: what the application set (doorbells need it on). */
static struct psock *nodelay_sock(int fd, int level, int name)
{
	struct psock *ps = level == IPPROTO_TCP && name == TCP_NODELAY ? lookup(fd) : NULL;

	return ps && ps_state(ps) == PS_WINDOW ? ps : NULL;
}

EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct psock *ps = nodelay_sock(fd, level, name);
	int r;

	if (ps && val && len && *len >= sizeof(int)) {
		*(int *)val = ps->app_nodelay;
		*len = sizeof(int);
		return 0;
	}
	ps = lookup(fd);
	r = REAL(getsockopt)(fd, level, name, val, len);

	/* A non-blocking connect() has finished: negotiate now, before the
	 * application sends anything. */
	if (r == 0 && ps && level == SOL_SOCKET && name == SO_ERROR && *(int *)val == 0 &&
	    ps_state(ps) == PS_CONNECTING) {
		int e = errno;

		in_shim++;
		ps_resolve(ps, fd, false);
		in_shim--;
		errno = e;
	}
	return r;
}

/* An application that marks its own sockets speaks hetero-socket itself. */
EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct psock *ps = nodelay_sock(fd, level, name);
	int r;

	if (ps && val && len >= sizeof(int)) {
		ps->app_nodelay = *(const int *)val != 0;
		return 0;
	}
	r = REAL(setsockopt)(fd, level, name, val, len);

	if (r == 0 && !in_shim && level == SOL_TCP && name == HNETNS_SO_CAPABLE)
		forget_listener(fd);
	return r;
}

/* --- processes ------------------------------------------------------------------ */

EXPORT pid_t fork(void)
{
	int hi, i;
	pid_t pid;

	if (!fdtab)
		return REAL(fork)();
	pthread_mutex_lock(&tab_lock);
	hi = fd_high;
	in_shim++;
	for (i = 0; i <= hi; i++)
		if (fdtab[i])
			ps_fork_prepare(fdtab[i]);
	pid = REAL(fork)();
	for (i = 0; i <= hi; i++) {
		if (!fdtab[i])
			continue;
		if (pid == 0)
			ps_fork_child(fdtab[i], 1);
		else
			ps_fork_parent(fdtab[i], pid < 0);
	}
	in_shim--;
	pthread_mutex_unlock(&tab_lock);
	return pid;
}

/* exec closes the O_CLOEXEC descriptors: let go of those sockets first. */
static void before_exec(void)
{
	int hi = fd_high;

	if (!fdtab || in_shim || foreign_process())
		return;
	for (int i = 0; i <= hi; i++) {
		int fl;

		if (!fdtab[i])
			continue;
		fl = REAL(fcntl)(i, F_GETFD, NULL);
		if (fl >= 0 && (fl & FD_CLOEXEC))
			untrack(i);
	}
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	before_exec();
	return REAL(execve)(path, argv, envp);
}

EXPORT int execv(const char *path, char *const argv[])
{
	before_exec();
	return REAL(execv)(path, argv);
}

EXPORT int execvp(const char *file, char *const argv[])
{
	before_exec();
	return REAL(execvp)(file, argv);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	before_exec();
	return REAL(execvpe)(file, argv, envp);
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	before_exec();
	return REAL(fexecve)(fd, argv, envp);
}

#define ARGS_MAX 4096
/* The execl family: collect the arguments, then as execv*. */
#define COLLECT(first, ap, argv)                                                                   \
	do {                                                                                       \
		int _n = 0;                                                                        \
		argv[_n++] = (char *)(first);                                                      \
		while (_n < ARGS_MAX - 1 && (argv[_n] = va_arg(ap, char *)) != NULL)               \
			_n++;                                                                      \
		argv[_n] = NULL;                                                                   \
	} while (0)

EXPORT int execl(const char *path, const char *arg, ...)
{
	char *argv[ARGS_MAX];
	va_list ap;

	va_start(ap, arg);
	COLLECT(arg, ap, argv);
	va_end(ap);
	return execv(path, argv);
}

EXPORT int execlp(const char *file, const char *arg, ...)
{
	char *argv[ARGS_MAX];
	va_list ap;

	va_start(ap, arg);
	COLLECT(arg, ap, argv);
	va_end(ap);
	return execvp(file, argv);
}

EXPORT int execle(const char *path, const char *arg, ...)
{
	char *argv[ARGS_MAX], **envp;
	va_list ap;

	va_start(ap, arg);
	COLLECT(arg, ap, argv);
	envp = va_arg(ap, char **);
	va_end(ap);
	return execve(path, argv, envp);
}

/* --- readiness: poll, select --------------------------------------------------------- */

static int remaining_ms(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	if (!deadline)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000LL + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)(ms > INT_MAX ? INT_MAX : ms);
}

static void make_deadline(struct timespec *d, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += ms / 1000;
	d->tv_nsec += (long)(ms % 1000) * 1000000;
	if (d->tv_nsec >= 1000000000) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000;
	}
}

static short synth_poll(struct psock *ps, short events)
{
	return ps_ready(ps) & (events | POLLERR | POLLHUP);
}

/*
 * poll() with tracked sockets among fds. timeout_ms < 0: forever.
 */
static int poll_core(struct pollfd *fds, nfds_t n, int timeout_ms, const sigset_t *sigmask)
{
	struct pollfd small[16], *k = n <= 16 ? small : calloc(n, sizeof(*k));
	struct psock *sps[16], **ps = n <= 16 ? sps : calloc(n, sizeof(*ps));
	struct timespec deadline;
	int r = 0, count;

	if (!k || !ps) {
		if (k != small)
			free(k);
		if (ps != sps)
			free(ps);
		return ret(-ENOMEM);
	}
	if (timeout_ms > 0)
		make_deadline(&deadline, timeout_ms);
	for (;;) {
		int t = timeout_ms < 0 ? -1 : timeout_ms == 0 ? 0 : remaining_ms(&deadline);

		count = 0;
		for (nfds_t i = 0; i < n; i++) {
			ps[i] = lookup(fds[i].fd);
			if (ps[i] && ps_state(ps[i]) == PS_TCP)
				ps[i] = NULL;
			fds[i].revents = ps[i] ? synth_poll(ps[i], fds[i].events) : 0;
			count += fds[i].revents != 0;
		}
		if (!count) {
			/* Announce that we sleep, then look again (Dekker, see chan.h). */
			for (nfds_t i = 0; i < n; i++)
				if (ps[i])
					ps_arm(ps[i], fds[i].events);
			for (nfds_t i = 0; i < n; i++) {
				if (ps[i])
					fds[i].revents = synth_poll(ps[i], fds[i].events);
				count += fds[i].revents != 0;
			}
		}
		for (nfds_t i = 0; i < n; i++) {
			k[i].fd = fds[i].fd;
			k[i].events =
			    ps[i] ? ps_kernel_events(ps[i], fds[i].events) : fds[i].events;
			k[i].revents = 0;
			if (ps[i] && !k[i].events)
				k[i].fd = -1; /* nothing for the kernel to watch */
		}
		struct timespec ts = {.tv_sec = (count ? 0 : t) / 1000,
				      .tv_nsec = (long)((count ? 0 : t) % 1000) * 1000000};
		r = REAL(ppoll)(k, n, count || t >= 0 ? &ts : NULL, sigmask);
		if (r < 0) {
			r = count ? count : -errno;
			break;
		}
		count = 0;
		in_shim++;
		for (nfds_t i = 0; i < n; i++) {
			if (!ps[i]) {
				fds[i].revents = k[i].revents;
			} else if (k[i].revents) {
				ps_kernel_event(ps[i], fds[i].fd, k[i].revents);
				switch (ps_state(ps[i])) {
				case PS_TCP:	    /* decided: plain TCP */
				case PS_CONNECTING: /* failed to connect: the kernel's answer */
					fds[i].revents =
					    k[i].revents & (fds[i].events | POLLERR | POLLHUP);
					break;
				case PS_ACCEPTING:
					break;
				default:
					fds[i].revents = synth_poll(ps[i], fds[i].events);
				}
			}
			count += fds[i].revents != 0;
		}
		in_shim--;
		if (count || t == 0) {
			r = count;
			break;
		}
	}
	if (k != small)
		free(k);
	if (ps != sps)
		free(ps);
	return ret(r);
}

static bool any_tracked(const struct pollfd *fds, nfds_t n)
{
	if (!fdtab || in_shim)
		return false;
	for (nfds_t i = 0; i < n; i++)
		if (lookup(fds[i].fd))
			return true;
	return false;
}

static int ts_ms(const struct timespec *ts)
{
	long long ms;

	if (!ts)
		return -1;
	ms = ts->tv_sec * 1000LL + (ts->tv_nsec + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (!any_tracked(fds, n))
		return REAL(poll)(fds, n, timeout);
	return poll_core(fds, n, timeout, NULL);
}

EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		abort();
	return poll(fds, n, timeout);
}

EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *sigmask)
{
	if (!any_tracked(fds, n))
		return REAL(ppoll)(fds, n, ts, sigmask);
	return poll_core(fds, n, ts_ms(ts), sigmask);
}

EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		       const sigset_t *sigmask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		abort();
	return ppoll(fds, n, ts, sigmask);
}

static int select_core(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, int timeout_ms,
		       const sigset_t *sigmask)
{
	struct pollfd *p;
	int n = 0, r, count = 0;

	if (nfds < 0 || nfds > FD_SETSIZE)
		return ret(-EINVAL);
	p = calloc(nfds ? (size_t)nfds : 1, sizeof(*p));
	if (!p)
		return ret(-ENOMEM);
	for (int fd = 0; fd < nfds; fd++) {
		short ev = (rd && FD_ISSET(fd, rd) ? POLLIN : 0) |
			   (wr && FD_ISSET(fd, wr) ? POLLOUT : 0) |
			   (ex && FD_ISSET(fd, ex) ? POLLPRI : 0);

		if (ev)
			p[n++] = (struct pollfd){.fd = fd, .events = ev};
	}
	r = poll_core(p, (nfds_t)n, timeout_ms, sigmask);
	if (r >= 0) {
		for (int i = 0; i < n; i++) {
			short re = p[i].revents;
			int fd = p[i].fd;

			if (re & POLLNVAL) {
				free(p);
				return ret(-EBADF);
			}
			if (rd && FD_ISSET(fd, rd) && !(re & (POLLIN | POLLHUP | POLLERR)))
				FD_CLR(fd, rd);
			if (wr && FD_ISSET(fd, wr) && !(re & (POLLOUT | POLLERR)))
				FD_CLR(fd, wr);
			if (ex && FD_ISSET(fd, ex) && !(re & POLLPRI))
				FD_CLR(fd, ex);
			count += (rd && FD_ISSET(fd, rd)) + (wr && FD_ISSET(fd, wr)) +
				 (ex && FD_ISSET(fd, ex));
		}
		r = count;
	}
	free(p);
	return r;
}

static bool any_tracked_set(int nfds, fd_set *rd, fd_set *wr, fd_set *ex)
{
	if (!fdtab || in_shim)
		return false;
	for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++)
		if (((rd && FD_ISSET(fd, rd)) || (wr && FD_ISSET(fd, wr)) ||
		     (ex && FD_ISSET(fd, ex))) &&
		    lookup(fd))
			return true;
	return false;
}

EXPORT int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	struct timespec start, end;
	int r, ms;

	if (!any_tracked_set(nfds, rd, wr, ex))
		return REAL(select)(nfds, rd, wr, ex, tv);
	ms = tv ? (int)(tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000) : -1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	r = select_core(nfds, rd, wr, ex, ms, NULL);
	if (tv) {
		long long left;

		clock_gettime(CLOCK_MONOTONIC, &end);
		left = ms * 1000LL - ((end.tv_sec - start.tv_sec) * 1000000LL +
				      (end.tv_nsec - start.tv_nsec) / 1000);
		if (left < 0)
			left = 0;
		tv->tv_sec = left / 1000000;
		tv->tv_usec = left % 1000000;
	}
	return r;
}

EXPORT int pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *ts,
		   const sigset_t *sigmask)
{
	if (!any_tracked_set(nfds, rd, wr, ex))
		return REAL(pselect)(nfds, rd, wr, ex, ts, sigmask);
	return select_core(nfds, rd, wr, ex, ts_ms(ts), sigmask);
}

/* --- readiness: epoll ----------------------------------------------------------------- */

/*
 * The kernel registration of a tracked socket carries our tag and the
 * descriptor instead of the application's data; the application's events
 * and data live here, per (epoll instance, descriptor).
 */
#define EP_TAG 0xc0de485000000000ull
#define EP_TAG_MASK 0xffffffff00000000ull

struct epreg {
	int epfd, fd;
	struct psock *ps;
	uint32_t events; /* the application's */
	epoll_data_t data;
	uint32_t kevents;	       /* what the kernel watches now */
	uint32_t last_prod, last_full; /* edge-triggered bookkeeping */
	bool in_seen, out_seen, hup_seen, disabled;
	unsigned round;
};

static pthread_mutex_t ep_lock = PTHREAD_MUTEX_INITIALIZER;
static struct epreg *regs;
static size_t nregs, capregs;
static unsigned ep_round;

/* Room for one more registration; caller holds ep_lock. */
static bool reg_room(void)
{
	if (nregs == capregs) {
		size_t cap = capregs ? capregs * 2 : 64;
		struct epreg *nr = realloc(regs, cap * sizeof(*nr));

		if (!nr)
			return false;
		regs = nr;
		capregs = cap;
	}
	return true;
}

static struct epreg *find_reg(int epfd, int fd)
{
	for (size_t i = 0; i < nregs; i++)
		if (regs[i].epfd == epfd && regs[i].fd == fd)
			return &regs[i];
	return NULL;
}

static void drop_reg(struct epreg *r)
{
	*r = regs[--nregs];
}

static void epoll_forget_fd(int fd)
{
	pthread_mutex_lock(&ep_lock);
	for (size_t i = 0; i < nregs;) {
		if (regs[i].fd == fd)
			drop_reg(&regs[i]);
		else
			i++;
	}
	pthread_mutex_unlock(&ep_lock);
}

static uint32_t kernel_events(struct epreg *r)
{
	short want = (short)(r->events & (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI));

	return (uint16_t)ps_kernel_events(r->ps, want);
}

static int kernel_mod(struct epreg *r, int op)
{
	struct epoll_event ev = {.events = kernel_events(r), .data.u64 = EP_TAG | (uint32_t)r->fd};

	r->kevents = ev.events;
	return REAL(epoll_ctl)(r->epfd, op, r->fd, &ev);
}

/* The socket turned out plain TCP: give the kernel the application's registration. */
static void restore_reg(struct epreg *r)
{
	struct epoll_event ev = {.events = r->events, .data = r->data};

	if (r->disabled)
		ev.events &= ~(EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI);
	REAL(epoll_ctl)(r->epfd, EPOLL_CTL_MOD, r->fd, &ev);
	drop_reg(r);
}

/* This process may get a window (heteropod exec said where to ask). */
static bool accel_env(void)
{
	static int v = -1;

	if (v < 0)
		v = secure_getenv("HETERONET_AGENT") != NULL;
	return v;
}

EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct psock *ps = lookup(fd);
	struct epreg *r;
	int rc;

	if (!fdtab && !in_shim && accel_env())
		table_ready(); /* so that a registration before connect() is remembered */

	if (!ps || ps_state(ps) == PS_TCP) {
		rc = REAL(epoll_ctl)(epfd, op, fd, ev);
		if (rc < 0 || in_shim || !fdtab || fd < 0 || fd >= PS_FD_MAX || foreign_process())
			return rc;
		if (op == EPOLL_CTL_DEL) {
			pthread_mutex_lock(&ep_lock);
			if ((r = find_reg(epfd, fd)))
				drop_reg(r);
			pthread_mutex_unlock(&ep_lock);
			if (shadows[fd].epfd_plus1 == epfd + 1)
				shadows[fd].epfd_plus1 = 0;
		} else if (!ps && ev && (op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD)) {
			shadows[fd] = (struct shadow){epfd + 1, ev->events, ev->data};
		}
		return rc;
	}
	pthread_mutex_lock(&ep_lock);
	r = find_reg(epfd, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
	case EPOLL_CTL_MOD:
		if (!ev) {
			rc = ret(-EFAULT);
			break;
		}
		if (op == EPOLL_CTL_ADD && r) {
			rc = ret(-EEXIST);
			break;
		}
		if (!r) {
			if (!reg_room()) {
				rc = ret(-ENOMEM);
				break;
			}
			r = &regs[nregs];
			*r = (struct epreg){.epfd = epfd, .fd = fd, .ps = ps};
		}
		r->events = ev->events;
		r->data = ev->data;
		r->in_seen = r->out_seen = r->hup_seen = r->disabled = false;
		/* A socket registered before we tracked it (MOD) is converted too. */
		rc = kernel_mod(r, op);
		if (rc == 0 && r == &regs[nregs])
			nregs++;
		break;
	case EPOLL_CTL_DEL:
		rc = REAL(epoll_ctl)(epfd, op, fd, ev);
		if (r)
			drop_reg(r);
		break;
	default:
		rc = REAL(epoll_ctl)(epfd, op, fd, ev);
	}
	pthread_mutex_unlock(&ep_lock);
	return rc;
}

/* A socket the application registered before connect(): take its registration over. */
static void adopt_registration(int fd, struct psock *ps)
{
	struct shadow sh;
	struct epreg *r;

	if (!shadows || fd < 0 || fd >= PS_FD_MAX || !shadows[fd].epfd_plus1)
		return;
	sh = shadows[fd];
	shadows[fd].epfd_plus1 = 0;
	pthread_mutex_lock(&ep_lock);
	if (!find_reg(sh.epfd_plus1 - 1, fd) && reg_room()) {
		r = &regs[nregs];
		*r = (struct epreg){.epfd = sh.epfd_plus1 - 1,
				    .fd = fd,
				    .ps = ps,
				    .events = sh.events,
				    .data = sh.data};
		if (kernel_mod(r, EPOLL_CTL_MOD) == 0)
			nregs++;
	}
	pthread_mutex_unlock(&ep_lock);
}

/* What to report for a registration now (level or edge), and note it. */
static uint32_t synth_epoll(struct epreg *r)
{
	uint32_t ev, want = r->events;
	short ready;

	if (r->disabled || r->round == ep_round)
		return 0;
	ready = ps_ready(r->ps);
	ev = (uint16_t)ready & (want | EPOLLERR | EPOLLHUP);
	if (want & EPOLLET) {
		uint32_t prod = ps_rx_prod(r->ps), full = atomic_load(&r->ps->tx_full);
		bool hup = ready & (POLLRDHUP | POLLHUP | POLLERR);

		if ((ev & EPOLLIN) && r->in_seen && prod == r->last_prod && (!hup || r->hup_seen))
			ev &= ~EPOLLIN;
		if ((ev & EPOLLOUT) && r->out_seen && full == r->last_full)
			ev &= ~EPOLLOUT;
		if (!(ev & (EPOLLIN | EPOLLOUT)) && (!hup || r->hup_seen))
			ev = 0;
		if (ev & EPOLLIN) {
			r->in_seen = true;
			r->last_prod = prod;
		}
		if (ev & EPOLLOUT) {
			r->out_seen = true;
			r->last_full = full;
		}
		if (ev)
			r->hup_seen = hup;
	}
	if (ev) {
		r->round = ep_round;
		if (want & EPOLLONESHOT)
			r->disabled = true;
	}
	return ev;
}

/* Collect ring readiness of epfd's tracked sockets; restore the ones now plain. */
static int synth_all(int epfd, struct epoll_event *evs, int max)
{
	int n = 0;

	for (size_t i = 0; i < nregs && n < max;) {
		struct epreg *r = &regs[i];
		uint32_t ev;

		if (r->epfd != epfd) {
			i++;
			continue;
		}
		if (ps_state(r->ps) == PS_TCP) {
			restore_reg(r);
			continue;
		}
		if ((ev = synth_epoll(r)))
			evs[n++] = (struct epoll_event){.events = ev, .data = r->data};
		i++;
	}
	return n;
}

static bool epfd_tracked(int epfd)
{
	bool any = false;

	if (!fdtab || in_shim)
		return false;
	pthread_mutex_lock(&ep_lock);
	for (size_t i = 0; i < nregs && !any; i++)
		any = regs[i].epfd == epfd;
	pthread_mutex_unlock(&ep_lock);
	return any;
}

static int epoll_core(int epfd, struct epoll_event *evs, int max, int timeout,
		      const sigset_t *sigmask)
{
	struct timespec deadline;

	if (max <= 0)
		return ret(-EINVAL);
	if (timeout > 0)
		make_deadline(&deadline, timeout);
	for (;;) {
		int t = timeout < 0 ? -1 : timeout == 0 ? 0 : remaining_ms(&deadline), n, m, k;

		pthread_mutex_lock(&ep_lock);
		ep_round++;
		n = synth_all(epfd, evs, max);
		if (!n) {
			for (size_t i = 0; i < nregs; i++)
				if (regs[i].epfd == epfd && !regs[i].disabled)
					ps_arm(regs[i].ps,
					       (short)(regs[i].events &
						       (EPOLLIN | EPOLLOUT | EPOLLRDHUP)));
			n = synth_all(epfd, evs, max);
		}
		pthread_mutex_unlock(&ep_lock);
		if (n == max)
			return n; /* full: the kernel's events wait for the next call */
		m = REAL(epoll_pwait)(epfd, evs + n, max - n, n ? 0 : t, sigmask);
		if (m < 0)
			return n ? n : -1;
		pthread_mutex_lock(&ep_lock);
		k = n;
		in_shim++;
		for (int i = n; i < n + m; i++) {
			struct epoll_event e = evs[i];
			struct epreg *r;
			uint32_t ev = 0;

			if ((e.data.u64 & EP_TAG_MASK) != EP_TAG) {
				evs[k++] = e;
				continue;
			}
			r = find_reg(epfd, (int)(uint32_t)e.data.u64);
			if (!r)
				continue; /* stale: closed meanwhile */
			ps_kernel_event(r->ps, r->fd, (short)e.events);
			switch (ps_state(r->ps)) {
			case PS_TCP:
				ev = e.events & (r->events | EPOLLERR | EPOLLHUP);
				evs[k] = (struct epoll_event){.events = ev, .data = r->data};
				restore_reg(r);
				break;
			case PS_CONNECTING:
				ev = e.events & (r->events | EPOLLERR | EPOLLHUP);
				evs[k] = (struct epoll_event){.events = ev, .data = r->data};
				break;
			case PS_ACCEPTING:
				break;
			default:
				if (kernel_events(r) != r->kevents)
					kernel_mod(r, EPOLL_CTL_MOD);
				ev = synth_epoll(r);
				evs[k] = (struct epoll_event){.events = ev, .data = r->data};
			}
			if (ev)
				k++;
		}
		in_shim--;
		pthread_mutex_unlock(&ep_lock);
		if (k || t == 0)
			return k;
	}
}

EXPORT int epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	if (!epfd_tracked(epfd))
		return REAL(epoll_pwait)(epfd, evs, max, timeout, NULL);
	return epoll_core(epfd, evs, max, timeout, NULL);
}

EXPORT int epoll_pwait(int epfd, struct epoll_event *evs, int max, int timeout,
		       const sigset_t *sigmask)
{
	if (!epfd_tracked(epfd))
		return REAL(epoll_pwait)(epfd, evs, max, timeout, sigmask);
	return epoll_core(epfd, evs, max, timeout, sigmask);
}

EXPORT int epoll_pwait2(int epfd, struct epoll_event *evs, int max, const struct timespec *ts,
			const sigset_t *sigmask)
{
	if (!epfd_tracked(epfd)) {
		if (!REAL(epoll_pwait2))
			return ret(-ENOSYS);
		return real.epoll_pwait2(epfd, evs, max, ts, sigmask);
	}
	return epoll_core(epfd, evs, max, ts_ms(ts), sigmask);
}
