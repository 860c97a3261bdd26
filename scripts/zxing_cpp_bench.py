#!/usr/bin/env python3
"""Times zxing-cpp (PyPI `zxing-cpp`) on the same luma buffers as QuetMa's scan bench.

Usage: zxing_cpp_bench.py MANIFEST.json  > RESULTS.json

MANIFEST (written by `cargo bench -p quetma-core --bench scan_corpus`):
  {"items": [{"id": "...", "raw": "/path/file.gray", "w": 640, "h": 480, "repeat": 1}, ...]}
Each `.gray` file holds w*h bytes of 8-bit luma, row after row.

Output: {"zxing_cpp_version": "...", "results": [{"id": "...", "ms": [..], "texts": [..]}]}
Only the `read_barcodes` call is timed (time.perf_counter), restricted to QR codes, with the
library's defaults otherwise (try_rotate, try_downscale, try_invert, LocalAverage binarizer).
The Rust side judges the texts against the expected ones, with the same rules for both.
"""

import json
import sys
import time

import zxingcpp


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        manifest = json.load(f)
    qr = zxingcpp.BarcodeFormat.QRCode
    results = []
    for item in manifest["items"]:
        with open(item["raw"], "rb") as f:
            data = f.read()
        view = memoryview(data).cast("B", (item["h"], item["w"]))
        times = []
        texts = []
        for _ in range(max(1, int(item.get("repeat", 1)))):
            t0 = time.perf_counter()
            found = zxingcpp.read_barcodes(view, formats=qr)
            times.append((time.perf_counter() - t0) * 1000.0)
            texts = [b.text for b in found]
        results.append({"id": item["id"], "ms": times, "texts": texts})
    try:
        from importlib.metadata import version

        ver = version("zxing-cpp")
    except Exception:  # noqa: BLE001 - version is informative only
        ver = "unknown"
    json.dump({"zxing_cpp_version": ver, "results": results}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
