# SPDX-License-Identifier: GPL-2.0-or-later
# Thin front end over CMake/CTest. `make demo` and `make test` are the two
# commands a fresh machine needs: each installs missing Debian packages first.
BUILD   ?= build
ASAN    ?= build-asan
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?=

ifeq ($(CI),true)
CMAKE_FLAGS += -DHP_WERROR=ON
endif

.PHONY: all deps build test unit-asan demo clean format

all: build

deps:
	@bash scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Every test: unit and integration tests on the normal build, then the unit
# tests again under ASan+UBSan.
test: build unit-asan
	cd $(BUILD) && ctest --output-on-failure --timeout 300

unit-asan: deps
	@cmake -S . -B $(ASAN) -DHP_SANITIZE=ON -DHP_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ctest --output-on-failure -L unit

demo: build
	@bash scripts/demo.sh $(BUILD)/heteropod

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN)
