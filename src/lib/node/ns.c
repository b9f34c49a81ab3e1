/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "node/ns.h"
#include "util/run.h"
#include "util/util.h"

#include <dirent.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

int hp_netns_add(const char *name)
{
	char *argv[] = { "ip", "netns", "add", (char *)name, NULL };

	if (hp_netns_exists(name))
		return 0;
	return hp_run(argv, NULL) == 0 ? 0 : -EIO;
}

int hp_netns_del(const char *name)
{
	char *argv[] = { "ip", "netns", "del", (char *)name, NULL };

	if (!hp_netns_exists(name))
		return 0;
	return hp_run(argv, NULL) == 0 ? 0 : -EIO;
}

bool hp_netns_exists(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), HP_NETNS_DIR "/%s", name);
	return access(path, F_OK) == 0;
}

void hp_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

char **hp_netns_list(const char *prefix)
{
	DIR *d = opendir(HP_NETNS_DIR);
	struct dirent *de;
	char **v = calloc(1, sizeof(char *));
	size_t n = 0;

	if (!v)
		goto fail;
	if (!d)
		return v;
	while ((de = readdir(d))) {
		char **nv;

		if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		nv = realloc(v, (n + 2) * sizeof(char *));
		if (!nv)
			goto fail;
		v = nv;
		if (!(v[n] = strdup(de->d_name)))
			goto fail;
		v[++n] = NULL;
	}
	closedir(d);
	return v;
fail:
	if (d)
		closedir(d);
	hp_strv_free(v);
	return NULL;
}

int hp_netns_identify(const char *path, dev_t *ret_dev, ino_t *ret_ino)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET || fstat(fd, &st) < 0)
		return -EINVAL;
	*ret_dev = st.st_dev;
	*ret_ino = st.st_ino;
	return 0;
}

int hp_netns_pin(const char *name, const char *path)
{
	char pin[PATH_MAX];
	int fd, r;

	snprintf(pin, sizeof(pin), HP_NETNS_DIR "/%s", name);
	r = hp_mkdir_p(HP_NETNS_DIR, 0755);
	if (r < 0)
		return r;
	fd = open(pin, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return -errno;
	close(fd);
	if (mount(path, pin, NULL, MS_BIND, NULL) < 0) {
		r = -errno;
		unlink(pin);
		return r;
	}
	return 0;
}

int hp_uts_create(const char *path, const char *hostname)
{
	_cleanup_close_ int fd = -1;
	int status;
	pid_t pid;

	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
	if (fd < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (unshare(CLONE_NEWUTS) < 0 || sethostname(hostname, strlen(hostname)) < 0 ||
		    mount("/proc/self/ns/uts", path, NULL, MS_BIND, NULL) < 0)
			_exit(1);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		unlink(path);
		return -EIO;
	}
	return 0;
}

int hp_uts_remove(const char *path)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int hp_ns_enter(const char *path, int nstype)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (setns(fd, nstype) < 0)
		return -errno;
	return 0;
}

int hp_netns_enter(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), HP_NETNS_DIR "/%s", name);
	return hp_ns_enter(path, CLONE_NEWNET);
}
