#!/bin/bash
# Make and mount an ext4 filesystem with a journal (Debian's default) in an image file, for the
# benchmarks' --work and --out-dir: the test machine's own disk is an ext4 without a journal, where
# creating files right after deleting many is slow (see bench/RESULTS.md). Needs root.
#
#   bash bench/journaled_ext4.sh [IMAGE] [MOUNTPOINT] [SIZE]     # defaults below
#   umount /mnt/bench && rm /var/tmp/sitegen-bench-ext4.img       # when done
set -euo pipefail
image=${1:-/var/tmp/sitegen-bench-ext4.img}
mnt=${2:-/mnt/bench}
size=${3:-8G}
if mountpoint -q "$mnt"; then
    echo "$mnt is mounted already" >&2
    exit 1
fi
truncate -s "$size" "$image"
mkfs.ext4 -q -F "$image"
mkdir -p "$mnt"
mount -o loop "$image" "$mnt"
echo "ext4 with a journal on $mnt (image $image, $size)"
