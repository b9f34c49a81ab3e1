/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util/run.h"
#include "util/util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

struct capture {
	char *buf;
	size_t len, cap;
};

static int capture_read(int fd, struct capture *c)
{
	for (;;) {
		ssize_t n;

		if (c->cap - c->len < 1024) {
			char *nb = realloc(c->buf, c->cap + 4096);

			if (!nb)
				return -ENOMEM;
			c->buf = nb;
			c->cap += 4096;
		}
		n = read(fd, c->buf + c->len, c->cap - c->len - 1);
		if (n < 0)
			return errno == EINTR ? 0 : (errno == EAGAIN ? 1 : -errno);
		if (n == 0)
			return -EPIPE; /* EOF */
		c->len += n;
		c->buf[c->len] = '\0';
	}
}

static void child_exec(char *const argv[], int in, int out, int err)
{
	/* Only async-signal-safe calls between fork and exec. */
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	_exit(127);
}

int hp_run(char *const argv[], const struct hp_run_opts *opts)
{
	static const struct hp_run_opts none;
	int inp[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct capture out = { 0 }, err = { 0 };
	const char *input;
	size_t in_len, in_off = 0;
	int status, r = 0, devnull = -1;
	pid_t pid;

	if (!opts)
		opts = &none;
	input = opts->input;
	in_len = input ? strlen(input) : 0;

	if (pipe2(inp, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0 ||
	    pipe2(errp, O_CLOEXEC) < 0) {
		r = -errno;
		goto out_close;
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out_close;
	}
	if (pid == 0)
		child_exec(argv, inp[0], opts->ret_output ? outp[1] : (devnull >= 0 ? devnull : 2),
			   errp[1]);

	close(inp[0]), inp[0] = -1;
	close(outp[1]), outp[1] = -1;
	close(errp[1]), errp[1] = -1;
	if (!in_len)
		close(inp[1]), inp[1] = -1;
	fcntl(outp[0], F_SETFL, O_NONBLOCK);
	fcntl(errp[0], F_SETFL, O_NONBLOCK);
	if (inp[1] >= 0)
		fcntl(inp[1], F_SETFL, O_NONBLOCK);

	/* Pump stdin/stdout/stderr together so a chatty child never blocks. */
	while (outp[0] >= 0 || errp[0] >= 0 || inp[1] >= 0) {
		struct pollfd pfd[3] = {
			{ .fd = outp[0], .events = POLLIN },
			{ .fd = errp[0], .events = POLLIN },
			{ .fd = inp[1], .events = POLLOUT },
		};

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (pfd[0].revents && capture_read(outp[0], &out) < 0)
			close(outp[0]), outp[0] = -1;
		if (pfd[1].revents && capture_read(errp[0], &err) < 0)
			close(errp[0]), errp[0] = -1;
		if (pfd[2].revents) {
			ssize_t n = write(inp[1], input + in_off, in_len - in_off);

			if (n > 0)
				in_off += n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || in_off == in_len)
				close(inp[1]), inp[1] = -1;
		}
	}

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			r = -errno;
			goto out_close;
		}
	}
	if (r < 0)
		goto out_close;
	if (WIFEXITED(status))
		r = WEXITSTATUS(status);
	else
		r = 128 + WTERMSIG(status);
	if (r == 127 && !err.len)
		r = -ENOENT;

	if (r != 0 && !opts->quiet && !opts->ret_errout) {
		char *nl = err.buf ? strchr(err.buf, '\n') : NULL;

		if (nl && nl[1] == '\0')
			*nl = '\0';
		log_err("%s failed (%s): %s", argv[0], r < 0 ? strerror(-r) : "exit",
			err.len ? err.buf : "no message");
	}
	if (opts->ret_output) {
		*opts->ret_output = out.buf ? out.buf : strdup("");
		out.buf = NULL;
	}
	if (opts->ret_errout) {
		*opts->ret_errout = err.buf ? err.buf : strdup("");
		err.buf = NULL;
	}

out_close:
	for (int i = 0; i < 2; i++) {
		if (inp[i] >= 0)
			close(inp[i]);
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	if (devnull >= 0)
		close(devnull);
	free(out.buf);
	free(err.buf);
	return r;
}

static int ip_batch(const char *netns, const char *script, bool force)
{
	char *argv[8];
	int n = 0, r;

	argv[n++] = "ip";
	if (netns) {
		argv[n++] = "-n";
		argv[n++] = (char *)netns;
	}
	if (force)
		argv[n++] = "-force";
	argv[n++] = "-batch";
	argv[n++] = "-";
	argv[n] = NULL;
	r = hp_run(argv, &(struct hp_run_opts){ .input = script, .quiet = force });
	if (r < 0)
		return r;
	return r == 0 ? 0 : -EIO;
}

int hp_ip_batch(const char *netns, const char *script)
{
	return ip_batch(netns, script, false);
}

void hp_ip_batch_force(const char *netns, const char *script)
{
	(void)ip_batch(netns, script, true);
}

int hp_iptables_restore(const char *netns, const char *rules)
{
	char *argv[] = { "ip", "netns", "exec", (char *)netns, "iptables-restore", "--noflush",
			 NULL };
	int r = hp_run(argv, &(struct hp_run_opts){ .input = rules });

	if (r < 0)
		return r;
	return r == 0 ? 0 : -EIO;
}

int hp_sysctl_in(const char *netns, const char *const *settings)
{
	char *argv[32] = { "ip", "netns", "exec", (char *)netns, "sysctl", "-q", "-w" };
	int n = 7;

	for (; *settings && n < 31; settings++)
		argv[n++] = (char *)*settings;
	argv[n] = NULL;
	return hp_run(argv, NULL) == 0 ? 0 : -EIO;
}
