/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by every module: cleanup attributes (crun/systemd
 * style), logging, string and file helpers. Functions return >= 0 on
 * success and -errno on failure.
 */
#ifndef HP_UTIL_H
#define HP_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}
static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))
#define _cleanup_fclose_ __attribute__((cleanup(fclosep)))

/* CLOCK_MONOTONIC in nanoseconds, and in milliseconds */
static inline uint64_t hp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline double hp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Hand ownership out of a cleanup variable. */
#define steal_ptr(p)                                                           \
	({                                                                     \
		__typeof__(p) _t = (p);                                        \
		(p) = NULL;                                                    \
		_t;                                                            \
	})
#define steal_fd(fd)                                                           \
	({                                                                     \
		int _t = (fd);                                                 \
		(fd) = -1;                                                     \
		_t;                                                            \
	})

/* Logging goes to stderr, prefixed by the program name set in hp_log_init. */
enum hp_log_level { HP_LOG_ERR, HP_LOG_WARN, HP_LOG_INFO, HP_LOG_DEBUG };
void hp_log_init(const char *prog);
void hp_log_set_level(enum hp_log_level level);
void hp_log(enum hp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define log_err(...) hp_log(HP_LOG_ERR, __VA_ARGS__)
#define log_warn(...) hp_log(HP_LOG_WARN, __VA_ARGS__)
#define log_info(...) hp_log(HP_LOG_INFO, __VA_ARGS__)
#define log_debug(...) hp_log(HP_LOG_DEBUG, __VA_ARGS__)

/* printf into a fresh string; NULL on allocation failure. */
char *hp_sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write a string to a file (sysfs/procfs/cgroupfs style: one write). */
int hp_write_file(const char *path, const char *value);
/* The same, creating or truncating a regular file (mode 0644). */
int hp_write_file_create(const char *path, const char *value);
/* Read a whole (small) file into a NUL-terminated buffer. */
int hp_read_file(const char *path, char **ret_buf);
/*
 * Create a new file beside path, to be renamed over it once written: named
 * "PATH.TAG.PID.N", with path's mode where it exists, else the one open(2)
 * gives under the umask. Returns the open fd (its name in *ret_tmp, to
 * free) or -errno.
 */
int hp_create_beside(const char *path, const char *tag, char **ret_tmp);
/*
 * Temporary files that SIGINT, SIGTERM or SIGHUP removes before it ends the
 * process, once hp_tmp_on_signal has run (signals ignored stay ignored): at
 * most HP_TMP_MAX at once, a longer path or one more is not removed.
 * hp_tmp_forget once it is renamed or removed. One thread's.
 */
#define HP_TMP_MAX 8
void hp_tmp_on_signal(void);
void hp_tmp_remember(const char *path);
void hp_tmp_forget(const char *path);

/* The path of NAME beside this program's executable (it may not exist). */
int hp_exe_sibling(const char *name, char *buf, size_t n);

/* Is pid a live process (not a zombie)? */
bool hp_pid_alive(pid_t pid);

/* mkdir -p; existing directories are fine. */
int hp_mkdir_p(const char *path, mode_t mode);

/* Parse helpers; they reject trailing garbage and overflow. */
int hp_parse_u64(const char *s, uint64_t *ret);
/* Sizes: "64M", "1G", "4096", "512k" (binary units). */
int hp_parse_size(const char *s, uint64_t *ret);
int hp_parse_bool(const char *s, bool *ret);
/* A finite decimal number, all of s (no white space, no hexadecimal). */
int hp_parse_double(const char *s, double *ret);

/* A name usable in interface, namespace and cgroup names: [a-z0-9-], 1..max. */
bool hp_name_valid(const char *s, size_t max);

#endif
