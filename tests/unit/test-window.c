/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check.h"
#include "node/window.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
	char path[] = "/tmp/hp-test-window-XXXXXX";
	struct hp_window w, w2;
	struct hp_window_slot s;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	close(fd);
	unlink(path);

	CHECK(hp_window_create(path, 1 << 20) == 0);
	CHECK(hp_window_create(path, 1 << 20) == 0);        /* idempotent */
	CHECK(hp_window_create(path, 2 << 20) == -EEXIST);   /* but not resized */
	CHECK(hp_window_map(path, &w) == 0);
	CHECK(w.size == 1 << 20);
	CHECK(hp_window_slot_read(&w, 1, &s) == -ENOENT);
	CHECK(hp_window_attach(&w, 1, "dpu0", 42) == 0);
	/* A second mapping (the other PU) sees the slot. */
	CHECK(hp_window_map(path, &w2) == 0);
	CHECK(hp_window_slot_read(&w2, 1, &s) == 0);
	CHECK_STR(s.pu, "dpu0");
	CHECK(s.agent_pid == 42);
	CHECK(hp_window_slot_read(&w2, HP_WINDOW_MAX_PUS, &s) == -EINVAL);
	/* A hostile peer fills a slot name without a NUL: the copy is terminated. */
	memset(((struct hp_window_header *)w.base)->slot[1].pu, 'A', 16);
	CHECK(hp_window_slot_read(&w2, 1, &s) == 0);
	CHECK(strlen(s.pu) == 15);
	hp_window_detach(&w, 1);
	CHECK(hp_window_slot_read(&w2, 1, &s) == -ENOENT);
	/* A corrupted header is refused. */
	((struct hp_window_header *)w.base)->size = 12345;
	hp_window_unmap(&w2);
	CHECK(hp_window_map(path, &w2) == -EBADMSG);
	hp_window_unmap(&w);
	unlink(path);
	return check_done("test-window");
}
