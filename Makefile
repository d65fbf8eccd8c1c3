# The two commands of the README:
#   make run   installs what is missing, fetches the default model, builds, embeds samples/texts.txt
#   make test  the same set-up, then every test: the Swift suites (optimised: the numeric tests are
#              slow in debug), the C and Python clients, and the cross-client conformance suite
SWIFT ?= swift
MODEL ?= models/all-MiniLM-L6-v2
RELEASE_BIN = .build/release/multiembed

.PHONY: run test setup deps model build bench-text clean

run: setup build
	$(RELEASE_BIN) embed --model $(MODEL) --texts samples/texts.txt

test: setup
	$(SWIFT) test -c release -Xswiftc -enable-testing
	$(MAKE) -C clients/c test
	clients/python/run-tests -q
	Tests/Conformance/run

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
