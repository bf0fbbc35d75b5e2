# Thin wrapper around CMake. `make demo` and `make test` install missing Debian
# packages (as root), configure, build and run.
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build build-asan demo test test-release test-asan test-valgrind clean

all: build

# missing Debian packages are installed with apt-get by .ci/deps.sh (as root)
deps:
	@bash .ci/deps.sh

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) > /dev/null
	@cmake --build build -j $(JOBS)

build-asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNB_SANITIZE=ON > /dev/null
	@cmake --build build-asan -j $(JOBS)

# f-AnoGAN end to end on Fashion-MNIST (class 0, T-shirt/top, as normal): train
# the GAN (3 epochs) and the encoder (1 epoch) on the class's 6000 images, score
# the 10000 test images, write the report. About 3 minutes on 2 cores; the same
# budget as the class-0 row of the table in docs/benchmarks.md.
DEMO_FLAGS ?= --data fashion-mnist:0 --img-size 32 --channels 1 --gan-epochs 3 --encoder-epochs 1 \
	--seed 1 --out out/demo
demo: build
	./build/bin/fanogan run $(DEMO_FLAGS)

# Every test, in float and double, then again under ASan+UBSan and valgrind,
# then a short fuzzing run of the file readers.
test: test-release test-asan test-valgrind test-fuzz
	@echo "all test suites passed"

test-release: build
	cd build && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

# valgrind: the double-precision tests, one thread, leaks and memory errors fatal
test-valgrind: build
	@bash .ci/valgrind.sh build

# a short libFuzzer run (20 s each) of the PNG, npz and IDX readers
test-fuzz: deps
	@bash .ci/fuzz-short.sh 20

clean:
	rm -rf build build-asan build-fuzz
