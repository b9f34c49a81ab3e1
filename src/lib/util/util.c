/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util/util.h"

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>

static const char *log_prog = "heteropod";
static enum hp_log_level log_level = HP_LOG_INFO;

void hp_log_init(const char *prog)
{
	const char *slash = strrchr(prog, '/');

	log_prog = slash ? slash + 1 : prog;
	if (getenv("HETEROPOD_DEBUG"))
		log_level = HP_LOG_DEBUG;
}

void hp_log_set_level(enum hp_log_level level)
{
	log_level = level;
}

void hp_log(enum hp_log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	va_list ap;

	if (level > log_level)
		return;
	fprintf(stderr, "%s: %s", log_prog, prefix[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

char *hp_sprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

static int write_file(const char *path, const char *value, int flags)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | flags, 0644);
	size_t len = strlen(value);

	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		return errno ? -errno : -EIO;
	return 0;
}

int hp_write_file(const char *path, const char *value)
{
	return write_file(path, value, 0);
}

int hp_write_file_create(const char *path, const char *value)
{
	return write_file(path, value, O_CREAT | O_TRUNC);
}

int hp_create_beside(const char *path, const char *tag, char **ret_tmp)
{
	_cleanup_free_ char *t = NULL;
	struct stat st;
	bool exists = stat(path, &st) == 0;
	int fd = -EEXIST;

	/*
	 * O_EXCL: no file or link of the name is followed or reused. Owner
	 * only until it has the mode of the file it replaces: under umask 022
	 * a copy of a 0600 file was readable by all for a moment.
	 */
	for (unsigned n = 0; fd == -EEXIST && n < 64; n++) {
		free(t);
		t = hp_sprintf("%s.%s.%ld.%u", path, tag, (long)getpid(), n);
		if (!t)
			return -ENOMEM;
		fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, exists ? 0600 : 0666);
		if (fd < 0)
			fd = -errno;
	}
	if (fd < 0)
		return fd;
	if (exists && fchmod(fd, st.st_mode & 07777) < 0) {
		int r = -errno;

		close(fd);
		unlink(t);
		return r; /* left 0600, it would have replaced the file with another mode */
	}
	*ret_tmp = steal_ptr(t);
	return fd;
}

/* a slot's path is written before it is marked used (the fence), read after */
static char tmp_path[HP_TMP_MAX][PATH_MAX];
static volatile sig_atomic_t tmp_used[HP_TMP_MAX];

static void tmp_signal(int sig)
{
	for (unsigned i = 0; i < HP_TMP_MAX; i++)
		if (tmp_used[i])
			unlink(tmp_path[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

void hp_tmp_on_signal(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = tmp_signal }, old;

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}

void hp_tmp_remember(const char *path)
{
	size_t len = strlen(path);

	for (unsigned i = 0; i < HP_TMP_MAX && len < PATH_MAX; i++)
		if (!tmp_used[i]) {
			memcpy(tmp_path[i], path, len + 1);
			atomic_signal_fence(memory_order_seq_cst);
			tmp_used[i] = 1;
			return;
		}
}

void hp_tmp_forget(const char *path)
{
	for (unsigned i = 0; i < HP_TMP_MAX; i++)
		if (tmp_used[i] && !strcmp(tmp_path[i], path)) {
			tmp_used[i] = 0;
			return;
		}
}

int hp_read_file(const char *path, char **ret_buf)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 8192);

			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap += 8192;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	*ret_buf = steal_ptr(buf);
	return (int)len;
}

int hp_exe_sibling(const char *name, char *buf, size_t n)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (len <= 0)
		return -errno;
	self[len] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return snprintf(buf, n, "%s/%s", self, name) >= (int)n ? -ENAMETOOLONG : 0;
}

bool hp_pid_alive(pid_t pid)
{
	_cleanup_free_ char *stat = NULL;
	char path[64], *paren;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid <= 0 || hp_read_file(path, &stat) < 0)
		return false;
	paren = strrchr(stat, ')');
	return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

int hp_mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = strdup(path);
	char *s;

	if (!p)
		return -ENOMEM;
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int hp_parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int hp_parse_size(const char *s, uint64_t *ret)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default:
		return -EINVAL;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*ret = (uint64_t)v << shift;
	return 0;
}

int hp_parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*ret = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

int hp_parse_double(const char *s, double *ret)
{
	char *end;
	double v;

	/*
	 * A decimal number as written: strtod would also take white space
	 * before it (but not after) and hexadecimal ("0x1" seconds).
	 */
	if (!s || !*s || isspace((unsigned char)*s) || strpbrk(s, "xX"))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno)
		return -errno;
	if (*end || isnan(v) || isinf(v))
		return -EINVAL;
	*ret = v;
	return 0;
}

bool hp_name_valid(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}
