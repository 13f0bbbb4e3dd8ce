# Developer entry points. A fresh Debian 12 machine needs only `make demo` or `make test`;
# both install the missing Debian packages first (as root, or through sudo).

MAKEFLAGS += --no-print-directory

BUILD_DIR ?= build
PRESET    ?= default
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)

DEB_PACKAGES := build-essential cmake pkg-config libboost1.81-dev libboost-json1.81-dev \
                libboost-url1.81-dev libssl-dev doctest-dev libhowardhinnant-date-dev \
                libutf8proc-dev libcli11-dev tzdata ca-certificates

# Quality gates (see the README): fuzzing needs clang and its runtimes, the lint targets clang's tools.
DEB_FUZZ_PACKAGES  := clang-14 libclang-rt-14-dev
DEB_LINT_PACKAGES  := clang-format-14 clang-tidy-14
CLANG_FORMAT       ?= clang-format-14
RUN_CLANG_TIDY     ?= run-clang-tidy-14
FUZZ_SECONDS       ?= 300
FUZZ_SHORT_SECONDS ?= 20
FUZZ_TARGETS       ?=
TIDY_BUILD_DIR     ?= build-tidy

.PHONY: all deps configure build demo test bench asan tsan clean format format-check tidy \
        fuzz-build fuzz-short fuzz

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
	@TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/cmake/tsan-suppressions.txt" \
	  ctest --preset tsan -j $(JOBS)

# The libFuzzer targets of fuzz/ (preset fuzz, clang, build-fuzz/). fuzz-short runs each for
# FUZZ_SHORT_SECONDS (CI), fuzz for FUZZ_SECONDS; FUZZ_TARGETS="config http_response" picks some.
# Either fails on a finding, whose input is left in build-fuzz/fuzz-work/artifacts/<target>/.
fuzz-build: deps
	@./cmake/install-deps.sh $(DEB_FUZZ_PACKAGES)
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)

fuzz-short: fuzz-build
	@fuzz/run.sh build-fuzz $(FUZZ_SHORT_SECONDS) $(FUZZ_TARGETS)

fuzz: fuzz-build
	@fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

format:
	@$(CLANG_FORMAT) -i $$(git ls-files '*.cpp' '*.hpp' '*.h' '*.c')

# Fails when a tracked source file differs from what clang-format makes of it.
format-check:
	@./cmake/install-deps.sh $(DEB_LINT_PACKAGES)
	@$(CLANG_FORMAT) --dry-run -Werror $$(git ls-files '*.cpp' '*.hpp' '*.h' '*.c')

# clang-tidy with the checks of .clang-tidy over every C and C++ source of the tree: the library
# (src/, capi/), the simulator (sim/), the CLI (tools/), the benchmark (bench/), the tests (tests/)
# and the fuzz targets (fuzz/, as the replay build compiles them); findings are errors.
tidy: deps
	@./cmake/install-deps.sh $(DEB_LINT_PACKAGES)
	@cmake -S . -B $(TIDY_BUILD_DIR) -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
	  -DAUTOTASK_SYNC_BUILD_TESTS=ON -DAUTOTASK_SYNC_BUILD_TOOLS=ON \
	  -DAUTOTASK_SYNC_BUILD_BENCH=ON >/dev/null
	@$(RUN_CLANG_TIDY) -p $(TIDY_BUILD_DIR) -j $(JOBS) -quiet \
	  '$(CURDIR)/(src|capi|sim|tools|bench|tests|fuzz)/.*\.(cpp|c)$$'

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan build-debug build-fuzz $(TIDY_BUILD_DIR)
