#!/usr/bin/env python3
"""Throughput of 1, 2 and 3 daemons on one shared inbox and one PostgreSQL ledger (a throwaway
cluster of Debian's server, as the tests start), beside one daemon on its SQLite ledger.
Standard library only; run as root (the cluster runs as the postgres user) or as a user who
can run initdb.

    swift build -c release --product augmentd
    python3 scripts/hosts-bench.py [--binary .build/release/augmentd] [--images DIR] [--files 600]
                                   [--workers 1] [--nodes 1,2,3]

Each daemon has its own state_dir and node_name; all share dataset_root and the inbox. The
profile is daemon-bench.py's (8 JPEG q90 variants). On one machine the nodes share its cores:
the figure shows what coordination costs, not what more machines add.
"""
import argparse, glob, os, pwd, shutil, subprocess, sys, tempfile, time
from pathlib import Path

PROFILE = """
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


def server_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        sys.exit("no PostgreSQL server installed (apt-get install postgresql)")
    return os.path.dirname(found[-1])


def as_server_user(argv):
    if os.getuid() == 0:
        argv = ["runuser", "-u", "postgres", "--"] + argv
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)


class Cluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="pgb-", dir="/tmp")
        self.port = 45000 + os.getpid() % 10000
        if os.getuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.bin = server_bin()
        as_server_user([f"{self.bin}/initdb", "-D", f"{self.dir}/data", "--auth=trust", "--username=postgres", "--no-sync"])
        as_server_user([f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/log", "-w", "-o",
                        f"-c listen_addresses='' -c unix_socket_directories='{self.dir}' -p {self.port}", "start"])
        as_server_user([f"{self.bin}/createdb", "-h", self.dir, "-p", str(self.port), "-U", "postgres", "augmentd"])

    def url(self):
        return f"postgresql:///augmentd?host={self.dir}&port={self.port}&user=postgres"

    def stop(self):
        as_server_user([f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(nodes, sources, url):
    work = Path(tempfile.mkdtemp(prefix="hostsb-"))
    (work / "inbox").mkdir()
    procs = []
    for n in range(nodes):
        ledger = f'[ledger]\nurl = "{url}"\nlease = "30s"\n' if url else ""
        text = (f'[daemon]\ndataset_root = "dataset"\nstate_dir = "state-{n}"\nworkers = {ARGS.workers}\n'
                f'node_name = "bench{n}"\n' + ledger + PROFILE)
        (work / f"n{n}.toml").write_text(text)
        log = open(work / f"n{n}.log", "ab")
        procs.append(subprocess.Popen([ARGS.binary, "run", "--config", str(work / f"n{n}.toml")], cwd=work,
                                      stdout=log, stderr=log, stdin=subprocess.DEVNULL))
    for n in range(nodes):
        while b"watching 1 inbox" not in (work / f"n{n}.log").read_bytes():
            if procs[n].poll() is not None:
                sys.exit((work / f"n{n}.log").read_text())
            time.sleep(0.05)
    cpu0 = sum(cpu_seconds(p.pid) for p in procs)
    (work / "inbox" / "cats").mkdir()
    start = time.time()
    for i in range(ARGS.files):
        tmp = work / "inbox" / f".in-{i}"
        tmp.write_bytes(sources[i % len(sources)] + i.to_bytes(4, "big"))
        os.rename(tmp, work / "inbox" / "cats" / f"f{i}.jpg")
    expected = ARGS.files
    folder = work / "dataset" / "train" / "cats"
    while True:
        # Light polling (the bench shares the cores with the daemons): the inbox empties first.
        if not any((work / "inbox" / "cats").iterdir()) and folder.exists():
            originals = sum(1 for e in os.scandir(folder) if "-aug" not in e.name and not e.name.startswith("."))
            if originals >= expected:
                break
        time.sleep(0.2)
    elapsed = time.time() - start
    cpu = sum(cpu_seconds(p.pid) for p in procs) - cpu0
    for p in procs:
        p.terminate()
        p.wait()
    shutil.rmtree(work, ignore_errors=True)
    return elapsed, cpu


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/augmentd")
    parser.add_argument("--images", default="etc/augmentd/examples/images")
    parser.add_argument("--files", type=int, default=600)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--nodes", default="1,2,3")
    ARGS = parser.parse_args()
    ARGS.binary = str(Path(ARGS.binary).resolve())
    sources = [p.read_bytes() for p in sorted(Path(ARGS.images).rglob("*")) if p.suffix.lower() in (".jpg", ".jpeg")]
    if not sources:
        sys.exit(f"no JPEGs below {ARGS.images}")
    print(f"{ARGS.files} files, {ARGS.workers} worker(s) per daemon, {os.cpu_count()} cores")
    elapsed, cpu = run(1, sources, None)
    print(f"SQLite, 1 daemon: {ARGS.files / elapsed:.1f} originals/s, {1000 * cpu / ARGS.files:.1f} CPU-ms/original")
    cluster = Cluster()
    try:
        for nodes in [int(n) for n in ARGS.nodes.split(",")]:
            elapsed, cpu = run(nodes, sources, cluster.url())
            subprocess.run(["psql", "-X", "-q", "-d", cluster.url(), "-c",
                            "TRUNCATE originals, variants, events, kept_files, blocked_files, retrain_runs, "
                            "retrain_run_originals, retrain_run_variants, nodes CASCADE"], check=True)
            print(f"PostgreSQL, {nodes} daemon{'s' if nodes > 1 else ''}: {ARGS.files / elapsed:.1f} originals/s, "
                  f"{1000 * cpu / ARGS.files:.1f} CPU-ms/original (daemons only)")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
