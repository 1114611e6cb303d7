#!/usr/bin/env python3
"""Times the Python peers of hashscope on the same files as `cargo bench --bench hashing`.

Each peer goes from the file to the hash, decoding included, on one core:

- PDQ: Meta's C++ reference through the `pdqhash` package, on `cv2.imread` pixels (as RGB);
- OpenCV `img_hash` (opencv-contrib): `PHash` and `AverageHash`, on `cv2.imread` pixels;
- Python `imagehash`: `phash`, `average_hash`, `dhash`, `whash` on `PIL.Image.open`;
- `OpenCV imread (decode only)`: the OpenCV peers' decoding alone, hashing nothing (how
  much of their time is the decoder's: compare hashscope's `decode-only/...` bench cases).

For every set and peer it runs `--repeats` passes over all files (after one warm-up pass)
and prints the median files/s (wall clock), the fastest and slowest pass, and the median
files per CPU-second of this process (less sensitive to other load on a shared machine), as
a Markdown table, after a line with the versions of Python and of the peer packages (the
peers' speed moves with them: record them with the figures).

Usage (from the crate root; the pip packages `pdqhash`, `opencv-contrib-python-headless`,
`imagehash` and `numpy` must be installed; a missing one is reported and skipped):

    python3 benches/peers.py [--repeats 5] [--small DIR] [--large DIR] [--only NAME,...]

The defaults are the bench's: `fixtures/corpus` and `$HASHSCOPE_BENCH_LARGE` or
`fixtures/large`. Optional: not part of `.ci/run`. See docs/src/throughput.md.
"""

import argparse
import os
import statistics
import sys
import time

# One core: must be set before numpy / OpenCV start their thread pools.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"}


def image_files(root):
    """Every file under `root` with an image extension, sorted (hashscope's walk)."""
    out = []
    for dirpath, _, names in os.walk(root):
        for n in names:
            if os.path.splitext(n)[1].lower() in EXTENSIONS:
                out.append(os.path.join(dirpath, n))
    return sorted(out)


def peers():
    """(name, function path -> hash) for every peer whose package is installed."""
    found = []
    try:
        import cv2

        cv2.setNumThreads(1)

        def cv_read(path):
            img = cv2.imread(path, cv2.IMREAD_COLOR)
            if img is None:
                raise ValueError(f"OpenCV cannot read {path}")
            return img

        try:
            import pdqhash

            def pdq(path):
                rgb = cv2.cvtColor(cv_read(path), cv2.COLOR_BGR2RGB)
                return pdqhash.compute(rgb)

            found.append(("pdqhash (PDQ)", pdq))
        except ImportError:
            print("note: pdqhash not installed, skipped", file=sys.stderr)
        try:
            phash = cv2.img_hash.PHash_create()
            ahash = cv2.img_hash.AverageHash_create()
            found.append(("OpenCV PHash", lambda p: phash.compute(cv_read(p))))
            found.append(("OpenCV AverageHash", lambda p: ahash.compute(cv_read(p))))
        except AttributeError:
            print("note: cv2.img_hash missing (needs opencv-contrib), skipped", file=sys.stderr)
        found.append(("OpenCV imread (decode only)", cv_read))
    except ImportError:
        print("note: OpenCV not installed, skipped pdqhash and OpenCV", file=sys.stderr)
    try:
        import imagehash
        from PIL import Image

        def with_pil(f):
            def run(path):
                with Image.open(path) as img:
                    return f(img)

            return run

        found.append(("imagehash phash", with_pil(imagehash.phash)))
        found.append(("imagehash average_hash", with_pil(imagehash.average_hash)))
        found.append(("imagehash dhash", with_pil(imagehash.dhash)))
        found.append(("imagehash whash", with_pil(imagehash.whash)))
    except ImportError:
        print("note: imagehash / Pillow not installed, skipped", file=sys.stderr)
    return found


def versions():
    """The versions of Python and of every peer package that is installed, as one line.

    A peer's speed moves with them (pdqhash's luma is computed by numpy, its decode by
    OpenCV), so a ratio is only reproducible with the versions it was measured with."""
    from importlib import metadata

    out = [f"python {sys.version.split()[0]}"]
    for dist in ("pdqhash", "opencv-contrib-python-headless", "numpy", "imagehash", "pillow"):
        try:
            out.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            out.append(f"{dist} (not installed)")
    return ", ".join(out)


def time_pass(f, files):
    """(wall seconds, CPU seconds of this process) for one pass over `files`."""
    start, cpu = time.perf_counter(), time.process_time()
    for p in files:
        f(p)
    return time.perf_counter() - start, time.process_time() - cpu


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--small", default=os.path.join(root, "fixtures", "corpus"))
    ap.add_argument(
        "--large",
        default=os.environ.get("HASHSCOPE_BENCH_LARGE", os.path.join(root, "fixtures", "large")),
    )
    ap.add_argument("--only", default="", help="comma-separated substrings of peer names")
    args = ap.parse_args()

    wanted = [w.strip().lower() for w in args.only.split(",") if w.strip()]
    chosen = [(n, f) for n, f in peers() if not wanted or any(w in n.lower() for w in wanted)]
    print(f"# peers.py, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, repeats {args.repeats}")
    print(f"# {versions()}")
    print("| set | files | peer | median files/s | min | max | files/CPU-s (median) |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for label, d in (("small", args.small), ("large", args.large)):
        files = image_files(d)
        if not files:
            print(f"note: no image files under {d}", file=sys.stderr)
            continue
        for name, f in chosen:
            time_pass(f, files)  # warm-up (file cache, lazy initialisation)
            passes = [time_pass(f, files) for _ in range(args.repeats)]
            rates = [len(files) / wall for wall, _ in passes]
            cpu_rate = statistics.median(len(files) / max(cpu, 1e-9) for _, cpu in passes)
            print(
                f"| {label} | {len(files)} | {name} | {statistics.median(rates):.1f} "
                f"| {min(rates):.1f} | {max(rates):.1f} | {cpu_rate:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
