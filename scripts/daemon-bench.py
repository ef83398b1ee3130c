#!/usr/bin/env python3
"""Measures the real daemon (release build): throughput of a burst, close->done latency at a
steady arrival rate, and peak memory (VmHWM). Standard library only.

    swift build -c release --product augmentd
    python3 scripts/daemon-bench.py [--binary .build/release/augmentd] [--images DIR] [--burst 1000]
                                    [--steady 200 --rate 10]

--images: JPEGs to drop (default: peers.py's *_512x512.jpg if DIR is given, else the bundled
example images). Each copy is made unique by appending 4 bytes after the JPEG's end marker,
so every file is a new original. The profile is the benchmark's pipeline: 8 JPEG q90 variants
(rotation 20, shifts 0.2, zoom 0.8-1.2, horizontal flip, contrast stretching always).
"""
import argparse, os, shutil, signal, sqlite3, statistics, struct, subprocess, sys, tempfile, time, zlib
from pathlib import Path

CONFIG = """
[daemon]
dataset_root = "dataset"
state_dir = "state"
workers = {workers}
[profiles.pipeline]
variants = 8
rotation_range = 20
width_shift_range = 0.2
height_shift_range = 0.2
zoom_range = [0.8, 1.2]
horizontal_flip = true
contrast_stretching = 1.0
format = "jpeg"
jpeg_quality = 90
[[watch]]
inbox = "inbox"
profile = "pipeline"
val_fraction = 0.0
"""


def unique_bytes(sources, i):
    return sources[i % len(sources)] + i.to_bytes(4, "big")


def start(workdir):
    log = open(workdir / "log.txt", "ab")
    proc = subprocess.Popen([ARGS.binary, "run", "--config", str(workdir / "augmentd.toml")], cwd=workdir,
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    deadline = time.time() + 30
    while b"watching 1 inbox" not in (workdir / "log.txt").read_bytes():
        if time.time() > deadline or proc.poll() is not None:
            sys.exit("daemon did not start: " + (workdir / "log.txt").read_text())
        time.sleep(0.05)
    return proc


def done_rows(workdir):
    db = sqlite3.connect(f"file:{workdir}/state/ledger.sqlite?mode=ro", uri=True)
    try:
        return db.execute("SELECT source_name, created_at, updated_at FROM originals WHERE status = 'done'").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        db.close()


def wait_for(workdir, count, timeout):
    deadline = time.time() + timeout
    while True:
        rows = done_rows(workdir)
        if len(rows) >= count:
            return rows
        if time.time() > deadline:
            sys.exit(f"only {len(rows)} of {count} done after {timeout} s")
        time.sleep(0.1)


def peak_rss_mib(proc):
    for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def workspace(name):
    workdir = Path(tempfile.mkdtemp(prefix=f"augmentd-bench-{name}-"))
    (workdir / "inbox").mkdir()
    (workdir / "augmentd.toml").write_text(CONFIG.replace("{workers}", str(ARGS.workers)))
    return workdir


def drop_at_once(name, files):
    """Stages `files` (name -> bytes) in one folder, starts the daemon, renames the folder into the
    inbox, waits until every file is done. Returns (workdir, seconds, ledger rows, peak RSS, CPU)."""
    workdir = workspace(name)
    staging = workdir / "staging" / name
    staging.mkdir(parents=True)
    for file_name, data in files.items():
        (staging / file_name).write_bytes(data)
    proc = start(workdir)
    dropped = time.time()
    os.rename(staging, workdir / "inbox" / name)
    rows = wait_for(workdir, len(files), 7200)
    seconds = time.time() - dropped
    rss, cpu = peak_rss_mib(proc), cpu_seconds(proc)
    proc.send_signal(signal.SIGTERM)
    proc.wait()
    return workdir, seconds, rows, rss, cpu


def burst(sources, count):
    workdir, seconds, rows, rss, cpu = drop_at_once(
        "burst", {f"img{i:05d}.jpg": unique_bytes(sources, i) for i in range(count)})
    first = min(r[1] for r in rows)
    last = max(r[2] for r in rows)
    print(f"burst: {count} files moved in at once, 8 JPEG variants each, {os.cpu_count()} cores")
    print(f"  drop -> last done: {seconds:.1f} s ({count / seconds:.1f} originals/s, includes the 1 s settle)")
    print(f"  first claim -> last completion (ledger): {last - first:.1f} s ({count / (last - first):.1f} originals/s, "
          f"{8 * count / (last - first):.0f} variants/s)")
    print(f"  peak RSS (VmHWM): {rss:.0f} MiB")
    print(f"  CPU: {cpu[0]:.1f} s user + {cpu[1]:.1f} s system over {seconds:.1f} s "
          f"({(cpu[0] + cpu[1]) / seconds:.2f} cores busy)")
    shutil.rmtree(workdir)


def cpu_seconds(proc):
    fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def tiny_png(i):
    """A distinct 8x8 RGB PNG for each i."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + bytes(((i >> (8 * (c % 3))) + x * 31 + y * 7) & 0xFF for x in range(8) for c in range(3))
                    for y in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def storm(count):
    """count tiny PNGs moved in at once: the bounded queue keeps memory flat however many arrive."""
    workdir, seconds, _, rss, _ = drop_at_once("storm", {f"t{i:06d}.png": tiny_png(i) for i in range(count)})
    print(f"storm: {count} tiny PNGs moved in at once, 8 variants each")
    print(f"  drop -> last done: {seconds:.1f} s ({count / seconds:.0f} originals/s); peak RSS (VmHWM): {rss:.0f} MiB")
    shutil.rmtree(workdir)


def steady(sources, count, rate):
    workdir = workspace("steady")
    (workdir / "inbox" / "steady").mkdir()
    proc = start(workdir)
    closed = {}
    t0 = time.time()
    for i in range(count):
        target = t0 + i / rate
        if target > time.time():
            time.sleep(target - time.time())
        name = f"s{i:05d}.jpg"
        with open(workdir / "inbox" / "steady" / name, "wb") as f:
            f.write(unique_bytes(sources, 100_000 + i))
        closed[name] = time.time()
    rows = wait_for(workdir, count, 3600)
    rss = peak_rss_mib(proc)
    proc.send_signal(signal.SIGTERM)
    proc.wait()
    latency = sorted(r[2] - closed[r[0]] for r in rows)
    print(f"steady: {count} files written in place at {rate}/s")
    print(f"  close -> done: median {statistics.median(latency) * 1000:.0f} ms, "
          f"p95 {latency[int(0.95 * (len(latency) - 1))] * 1000:.0f} ms, worst {latency[-1] * 1000:.0f} ms "
          "(the 1 s settle is part of it by design)")
    print(f"  peak RSS (VmHWM): {rss:.0f} MiB")
    shutil.rmtree(workdir)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/augmentd")
    parser.add_argument("--images", help="folder with peers.py's *_512x512.jpg")
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--steady", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--workers", type=int, default=0, help="the config's workers (0 = one per core)")
    parser.add_argument("--storm", type=int, default=0, help="also drop this many tiny PNGs at once (memory bound)")
    ARGS = parser.parse_args()
    ARGS.binary = os.path.abspath(ARGS.binary)
    if ARGS.images:
        files = sorted(Path(ARGS.images).glob("*_512x512.jpg"))
    else:
        files = sorted((Path(__file__).parent.parent / "etc/augmentd/examples/images").glob("*.jpg"))
    if not files:
        sys.exit("no JPEGs found")
    sources = [f.read_bytes() for f in files]
    if ARGS.burst:
        burst(sources, ARGS.burst)
    if ARGS.steady:
        steady(sources, ARGS.steady, ARGS.rate)
    if ARGS.storm:
        storm(ARGS.storm)
