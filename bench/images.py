"""Benchmark of the image pipeline: the sample site's photos plus N generated camera-sized JPEGs.

    python bench/images.py                     # 200 photos of 4000×3000, all cores
    python bench/images.py --count 20          # a quick run
    python bench/images.py --workers 1         # one process
    python bench/images.py --record            # also append the figures to bench/RESULTS.md

The photos are generated deterministically (seeded) into a temporary folder: smooth colour fields
with grain, JPEG quality 92, camera EXIF with GPS, every tenth one stored sideways (EXIF orientation
6), so they weigh what phone and DSLR photos weigh. The repository's sample site is copied next to
them, one page-bundle article per photo is added, and the site is built twice:

- cold: an empty image cache, every photo decoded, resized and encoded;
- warm: the same site again, everything comes from <site>/.cache/images/.

It prints the build times, the image phase alone, and the bytes of the source photos against the
bytes published under /media/ (all widths and formats) and against what one reader downloads for an
article photo (the 800-wide WebP).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from sitegen.build.pipeline import BuildOptions, build  # noqa: E402
from sitegen.media.pipeline import cpu_count  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=TZ)
SIZE = (4000, 3000)


def make_photo(args: tuple[int, str]) -> int:
    """One deterministic 'camera' JPEG; returns its size in bytes."""
    seed, path = args
    rnd = random.Random(seed)
    w, h = SIZE
    small = Image.frombytes("RGB", (16, 12), rnd.randbytes(16 * 12 * 3))
    base = small.resize(SIZE, Image.Resampling.BICUBIC)
    grain = Image.frombytes("L", (w // 2, h // 2), rnd.randbytes(w * h // 4)).resize(SIZE, Image.Resampling.NEAREST)
    photo = Image.blend(base, Image.merge("RGB", (grain, grain, grain)), 0.12)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "BenchCam", "B-4000"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (21.0, 1.0, float(seed % 60)), "E", (105.0, 47.0, 43.2)
    if seed % 10 == 0:
        exif[0x0112] = 6
        photo = photo.transpose(Image.Transpose.ROTATE_90)
    photo.save(path, "JPEG", quality=92, exif=exif.tobytes())
    return os.path.getsize(path)


def generate(folder: Path, count: int, workers: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"anh-{i:03d}.jpg" for i in range(count)]
    todo = [(i, str(p)) for i, p in enumerate(paths) if not p.exists()]
    if todo:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(make_photo, todo, chunksize=4))
    return paths


def make_site(root: Path, photos: list[Path]) -> Path:
    site = root / "site"
    site.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "site.toml", site / "site.toml")
    for name in ("content", "static", "themes"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, site / name, dirs_exist_ok=True)
    start = datetime(2025, 1, 1, 8, 0, tzinfo=TZ)
    for i, photo in enumerate(photos):
        bundle = site / "content" / "tin-hoat-dong" / f"anh-thu-nghiem-{i:03d}"
        bundle.mkdir(parents=True, exist_ok=True)
        if not (bundle / "anh.jpg").exists():
            os.link(photo, bundle / "anh.jpg")
        date = (start + timedelta(hours=7 * i)).strftime("%Y-%m-%d %H:%M")
        (bundle / "index.md").write_text(
            f"---\ntitle: Ảnh thử nghiệm số {i}\ndate: {date}\nsummary: Bài có ảnh cỡ máy ảnh.\n"
            f"photos:\n  - src: anh.jpg\n    caption: Ảnh thử nghiệm số {i}\n    credit: Máy ảnh thử\n---\n\n"
            "Nội dung bài viết.\n", "utf-8")
    return site


def used_sources(site: Path) -> list[Path]:
    """The source photos the build used, as its image cache lists them."""
    index = json.loads((site / ".cache" / "images" / "index.json").read_text("utf-8"))
    return sorted(Path(p) for p in index["sources"])


def folder_bytes(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
    return len(files), sum(p.stat().st_size for p in files)


def mb(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB"


def run(args) -> str:
    workers = args.workers or cpu_count()
    tmp = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="sitegen-bench-images-"))
    try:
        t = time.perf_counter()
        photos = generate(tmp / "photos", args.count, cpu_count())
        gen = time.perf_counter() - t
        site = make_site(tmp, photos)
        with open(site / "site.toml", "a", encoding="utf-8") as f:
            f.write(f"\n[images]\nworkers = {args.workers}\n")
        shutil.rmtree(site / ".cache", ignore_errors=True)
        out = tmp / "public"
        opts = BuildOptions(site=site, out=out, now=NOW)
        t = time.perf_counter()
        cold = build(opts)
        cold_s = time.perf_counter() - t
        t = time.perf_counter()
        warm = build(opts)
        warm_s = time.perf_counter() - t
        sources = used_sources(site)
        src_bytes = sum(p.stat().st_size for p in sources)
        n_out, out_bytes = folder_bytes(out / "media")
        webp800 = [p for p in (out / "media").glob("*-800x*.webp")]
        per_view = sum(p.stat().st_size for p in webp800) / max(1, len(webp800))
        per_src = src_bytes / max(1, len(sources))
        gen_mb = sum(p.stat().st_size for p in photos)
        ci = cold.images
        lines = [
            f"## Image pipeline ({datetime.now().strftime('%Y-%m-%d')})",
            "",
            f"`python bench/images.py --count {args.count}" + (f" --workers {args.workers}" if args.workers else "")
            + "` — Python " + platform.python_version() + f", Pillow {Image.__version__}, "
            f"{cpu_count()} CPU core(s) available, {workers} worker process(es).",
            "",
            f"Input: the sample site's photos plus {args.count} generated {SIZE[0]}×{SIZE[1]} JPEGs "
            f"(quality 92, camera EXIF with GPS, every tenth stored sideways; {mb(gen_mb)}, "
            f"generated in {gen:.0f} s, not counted): {len(sources)} source photos, {mb(src_bytes)}.",
            "",
            "| | cold (empty cache) | warm (cached) |",
            "|---|---|---|",
            f"| whole build | {cold_s:.1f} s | {warm_s:.1f} s |",
            f"| image phase | {cold.timings.get('images', 0):.1f} s | {warm.timings.get('images', 0):.2f} s |",
            f"| photos decoded | {ci.processed} | {warm.images.processed} |",
            f"| files encoded | {ci.written} | {warm.images.written} |",
            f"| pages | {cold.pages} | {warm.pages} |",
            "",
            "Phases (cold / warm, seconds): " + ", ".join(
                f"{k} {cold.timings.get(k, 0):.1f} / {warm.timings.get(k, 0):.1f}" for k in cold.timings) + ".",
            "",
            f"Per photo (cold): {cold.timings.get('images', 0) / max(1, ci.processed) * workers:.2f} s of one core.",
            "",
            f"Bytes: sources {mb(src_bytes)} → published under /media/ {mb(out_bytes)} in {n_out} files "
            f"({out_bytes / max(1, src_bytes):.0%} of the input, for {len(sources)} photos in every width and "
            "format, thumbnails and Open Graph JPEGs). One reader of an article photo downloads the 800-wide "
            f"WebP: {per_view / 1000:,.0f} kB on average instead of the {per_src / 1_000_000:,.1f} MB original "
            f"({per_view / max(1, per_src):.1%}).",
            "",
        ]
        return "\n".join(lines)
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=200, help="generated 4000×3000 photos (default 200)")
    ap.add_argument("--workers", type=int, default=0, help="worker processes (default 0: one per core)")
    ap.add_argument("--dir", help="work folder to keep and reuse (generated photos are kept there)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md")
    args = ap.parse_args()
    text = run(args)
    print(text)
    if args.record:
        results = REPO / "bench" / "RESULTS.md"
        existing = results.read_text("utf-8") if results.exists() else ""   # read right before appending
        lead = "# Benchmark results\n\n" if not existing else "" if existing.endswith("\n\n") else \
            "\n" if existing.endswith("\n") else "\n\n"
        with open(results, "a", encoding="utf-8") as f:   # append only: others write here too
            f.write(lead + text)


if __name__ == "__main__":
    main()
