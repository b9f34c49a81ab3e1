/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: node configuration files. Whatever the text, parsing
 * either succeeds with a valid config that round-trips, or fails with a
 * message.
 * FUZZ-SOURCES: config/config.c netns/addr.c util/util.c
 */
#include "config/config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_node_config c, again;
	struct hp_error err = { "" };
	char *text = malloc(size + 1), *fmt;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	hp_config_defaults(&c, 2);
	if (hp_config_parse(&c, text, "fuzz", &err) == 0 && hp_config_validate(&c, &err) == 0) {
		fmt = hp_config_format(&c);
		hp_config_defaults(&again, 2);
		if (!fmt || hp_config_parse(&again, fmt, "again", &err) != 0)
			abort(); /* what we write we must read back */
		free(fmt);
	} else if (!err.msg[0]) {
		abort(); /* every rejection names the problem */
	}
	free(text);
	return 0;
}
