# OrderFlow: `make run` serves the dashboard on SQLite, `make test` runs every test.
# Both install what is missing (Debian packages, as root) before building.

BUILD_DIR ?= build
JOBS ?= $(shell nproc)

.PHONY: all setup build run test bench bench-scaling fuzz format tidy clean

all: build

setup:
	@bash scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@ninja -C $(BUILD_DIR) -j $(JOBS) orderflow

run: build
	@mkdir -p data
	./$(BUILD_DIR)/orderflow serve --db sqlite:./data/orderflow.db

test:
	@bash scripts/test.sh

bench:
	@bash scripts/bench.sh

bench-scaling:
	@bash scripts/bench_scaling.sh

fuzz: setup
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-300} bash scripts/fuzz.sh

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

# clang-tidy reads the compile commands of a build without precompiled
# headers (the Release build's are gcc's, which clang cannot load).
tidy: setup
	@cmake -S . -B build-tidy -G Ninja -DCMAKE_BUILD_TYPE=Release -DORDERFLOW_PCH=OFF >/dev/null
	@clang-tidy -p build-tidy --quiet $$(git ls-files 'src/*.cpp')

clean:
	rm -rf $(BUILD_DIR) build-asan build-fuzz build-tidy
