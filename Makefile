# iapboot - thin wrapper over CMake. `make demo` and `make test` install
# what a fresh Debian/Ubuntu machine lacks (scripts/install-deps.sh).
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps configure build test demo bench clean format

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Debug >/dev/null

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)

bench: build
	@bash scripts/bench.sh $(BUILD)

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

# libFuzzer targets (docs/FUZZING.md): FUZZ_SECONDS each, corpus and crash
# files in $(BUILD)/fuzz-out/.
FUZZ_SECONDS ?= 300
.PHONY: fuzz
fuzz: build
	@bash tests/fuzz/run.sh long $(BUILD) $(FUZZ_SECONDS)

clean:
	@rm -rf $(BUILD)
