# SPDX-License-Identifier: Apache-2.0 OR MIT
# The two commands of the README, plus a few for developers.
#   make demo   install missing packages, build, run `sanstls demo`
#   make test   install missing packages, build, run every test (ctest)

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)

.PHONY: demo test deps configure build clean format docs test-asan test-tsan check-globals fuzz \
        fuzz-corpus

demo: build
	./$(BUILD_DIR)/tools/sanstls demo

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

deps:
	./scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The API reference (Doxygen): $(BUILD_DIR)/docs/api/html/index.html. `make test` builds it
# too (test api_reference_documented), failing on any undocumented public name.
docs: configure
	cmake --build $(BUILD_DIR) --target docs
	@echo "open $(BUILD_DIR)/docs/api/html/index.html"

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)

# --- Hardening (docs/limits.md, fuzz/README.md) ---------------------------------------------
# Test labels skipped under ASan+UBSan: the interop tests drive external programs (openssl,
# gnutls-cli, curl, python) and mostly exercise them, and they are the slowest; the packaging
# test builds consumers of the installed (here: instrumented) library without sanitizers; the
# python tests load the module into the system python, which cannot load an instrumented one.
ASAN_EXCLUDE ?= interop|packaging|python
FUZZ_SECONDS ?= 60

# The whole test suite under ASan+UBSan (clang 14; build-asan, without benchmarks).
test-asan:
	./scripts/install-deps.sh --clang
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS) -LE '$(ASAN_EXCLUDE)'

# The concurrency tests under TSan (build-tsan: only they are built; label concurrency).
test-tsan: deps
	cmake --preset tsan
	cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan -j 1

# The library keeps no writable static data of its own.
check-globals: build
	./scripts/check-globals.sh $(BUILD_DIR)/src/libsanstls.a
	./scripts/check-globals.sh $(BUILD_DIR)/src/wire/libsanstls_native.a

# Every libFuzzer target (clang 14, ASan+UBSan) for FUZZ_SECONDS each, two at a time, on a
# copy of its corpus (new inputs land in build-fuzz/corpus/<target>; crashes in
# build-fuzz/artifacts/).
fuzz:
	./scripts/install-deps.sh --clang
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)
	./fuzz/engines/run-all.sh build-fuzz $(FUZZ_SECONDS) $(JOBS)

# Re-records the engine targets' seed corpora from real handshakes (fuzz/engines/corpus) and
# the native state-machine targets' seeds (fuzz/corpus/native_*_handshake*/seed_*,
# fuzz/corpus/native_early_data/seed_*).
fuzz-corpus: build
	cmake --build $(BUILD_DIR) --target record_fuzz_corpus record_native_fuzz_corpus
	./$(BUILD_DIR)/tests/hardening/record_fuzz_corpus fuzz/engines/corpus
	./$(BUILD_DIR)/tests/native/record_native_fuzz_corpus fuzz/corpus
