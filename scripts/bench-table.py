#!/usr/bin/env python3
"""Markdown table of augmentd-bench's results beside peers.py's, measured in the same sitting.

    python3 scripts/bench-table.py PEERS_OUT/results.json AUGMENTD_OUT/results.json
"""
import json
import sys

peers = json.load(open(sys.argv[1]))["results"]
ours = json.load(open(sys.argv[2]))
REFERENCE = {"rotate30": "keras", "shift": "keras", "shear": "keras", "zoom": "keras", "hflip": "keras",
             "brightness": "keras", "channel_shift": "keras", "hist_equalize": "skimage",
             "contrast_stretch": "skimage", "clahe": "skimage"}


def rate(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


print("| size | op | variant | augmentd img/s | ns/px | fastest peer | peer img/s | vs fastest | reference | ref img/s | vs reference |")
print("|---|---|---|---:|---:|---|---:|---:|---|---:|---:|")
for r in ours:
    rows = [p for p in peers if p["size"] == r["size"] and p["op"] == r["op"]]
    if r["op"] == "pipeline":
        same = [p for p in rows if p["variant"] == "albumentations + OpenCV"]
        ref = [p for p in rows if p["variant"].startswith("keras")]
    else:
        same = [p for p in rows if p["variant"] == r["variant"]]
        ref = [p for p in same if p["lib"] == REFERENCE.get(r["op"])]
    best = max(same, key=lambda p: p["images_per_s"]) if same else None
    ref = ref[0] if ref else None
    ours_rate = r["imagesPerSecond"]
    print(f"| {r['size']} | {r['op']} | {r['variant']} | {rate(ours_rate)} | {r['nsPerPixel']:.2f} | "
          f"{best['variant'] if r['op'] == 'pipeline' and best else (best['lib'] if best else '-')} | "
          f"{rate(best['images_per_s']) if best else '-'} | "
          f"{ours_rate / best['images_per_s']:.2f}x | " if best else "- | - | - | ", end="")
    if ref:
        print(f"{ref['lib'] if r['op'] != 'pipeline' else 'keras + PIL'} | {rate(ref['images_per_s'])} | "
              f"{ours_rate / ref['images_per_s']:.1f}x |")
    else:
        print("- | - | - |")
