# Kairos — build, run and test. `make run` boots Kairos in QEMU on this terminal;
# `make test` runs every check CI runs. Both install what they need first (tests/setup.sh).

CARGO       ?= cargo
PYTHON      ?= python3
KERNEL_ELF  := target/x86_64-unknown-none/release/kairos
KERNEL      := target/kairos/kairos.elf
KERNEL_ARGS ?=

.PHONY: all setup kernel run ktest test host-test fmt-check clippy clean

all: kernel

setup:
	@tests/setup.sh

# The kernel image, with its symbol table written into .ksyms (for symbolised backtraces).
kernel: setup
	$(CARGO) build --release -p kairos-kernel --target x86_64-unknown-none
	@mkdir -p $(dir $(KERNEL))
	cp $(KERNEL_ELF) $(KERNEL)
	$(PYTHON) tests/ksyms.py $(KERNEL)

# Interactive boot on this terminal (Ctrl-A X quits QEMU).
run: kernel
	$(PYTHON) tests/kairos_qemu.py --interactive --cmdline "$(KERNEL_ARGS)" $(KERNEL)

# Kernel self-tests in QEMU (including the deliberate-panic check).
ktest: kernel
	$(PYTHON) tests/ktest.py $(KERNEL)

# Pure crates on the host.
host-test:
	$(CARGO) test

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) clippy -p kairos-kernel --target x86_64-unknown-none -- -D warnings

test: setup fmt-check clippy host-test ktest
	@echo "make test: all checks passed"

clean:
	$(CARGO) clean
