# Signet's two commands (see README.md):
#   make run    install what is missing (and what the README walkthrough uses),
#               build Release, start signetd on ./data
#   make test   install what is missing, build, run every test
# Everything else is a convenience on top of the CMake presets.

JOBS   ?= $(shell nproc)
# ccache hits across checkouts of the tree need paths relative to it.
export CCACHE_BASEDIR ?= $(CURDIR)
DATA   ?= ./data
LISTEN ?= 127.0.0.1:8080

.PHONY: run test test-asan test-tsan build fuzz fuzz-run bench eval format tidy clean

# The README walkthrough also uses ffmpeg and the corpus recordings.
run: build
	@scripts/install-deps.sh run
	./build/release/server/signetd --data $(DATA) --listen $(LISTEN)

build:
	@scripts/install-deps.sh build
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target signetd signet

test:
	@scripts/install-deps.sh test
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	ctest --preset release -j $(JOBS)

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan:
	@scripts/install-deps.sh test
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

# The fingerprint index under ThreadSanitizer: it merges on a thread of its own
# while Add, Remove and queries go on. Only these tests: the rest link Debian's
# uninstrumented RocksDB and Boost, which TSan cannot see into.
TSAN_TESTS = fingerprint_index_test fingerprint_matcher_test fingerprint_segment_test
test-tsan:
	@scripts/install-deps.sh test
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan -j $(JOBS) --target $(TSAN_TESTS)
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --test-dir build/tsan -j $(JOBS) --output-on-failure --no-tests=error \
	  -R '^(Index|IndexKey|LowInformationMask|PopCount|MatcherTest|ScoreModel|SegmentFile|ValueCodec|PostingCodec|ChromaSegment)\.'

fuzz:
	@scripts/install-deps.sh fuzz
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target signet_fuzzers

# Runs every fuzz target for FUZZ_SECONDS each (bounded; used by CI).
FUZZ_SECONDS ?= 30
fuzz-run: fuzz
	scripts/fuzz.sh $(FUZZ_SECONDS)

# Benchmarks print what they measured, on what, and how; none is a test.
bench: build
	@scripts/install-deps.sh bench
	bench/fingerprint_bench.sh build/release/tools/signet/signet

# The matching evaluation's tools and everything they read: the registered
# corpus, the unrelated music packages, sox/ffmpeg/espeak-ng for degradations
# (fingerprint/EVALUATION.md has the commands and tables).
eval:
	@scripts/install-deps.sh bench
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target signet-eval signet-landmark-probe
	@echo "built build/release/tools/eval/signet-eval and signet-landmark-probe (--help)"

format:
	git ls-files '*.cc' '*.cpp' '*.h' | xargs clang-format -i

tidy:
	run-clang-tidy -p build/release -quiet

clean:
	rm -rf build
