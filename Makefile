# Developer entry points. A fresh Debian 12 machine needs only `make demo` or `make test`;
# both install the missing Debian packages first (as root, or through sudo).

MAKEFLAGS += --no-print-directory

BUILD_DIR ?= build
PRESET    ?= default
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)

DEB_PACKAGES := build-essential cmake pkg-config libboost1.81-dev libboost-json1.81-dev \
                libboost-url1.81-dev libssl-dev doctest-dev libhowardhinnant-date-dev \
                libutf8proc-dev libcli11-dev tzdata ca-certificates

.PHONY: all deps configure build demo test bench asan tsan clean format

all: build

deps:
	@./cmake/install-deps.sh $(DEB_PACKAGES)

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

demo: configure
	@cmake --build --preset $(PRESET) -j $(JOBS) --target autotask-sync
	@$(BUILD_DIR)/tools/autotask-sync sync --config examples/demo/config.json --repeat 2

test: build
	@ctest --preset $(PRESET) -j $(JOBS)

# Figures for a sync of 2,000 mappings: requests, writes, time, memory.
bench: build
	@$(BUILD_DIR)/bench/sync_bench 2000

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer, and under ThreadSanitizer.
asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@ctest --preset asan -j $(JOBS)

tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan -j $(JOBS)
	@TSAN_OPTIONS=halt_on_error=1 ctest --preset tsan -j $(JOBS)

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp' '*.h' '*.c')

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan build-debug
