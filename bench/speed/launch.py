"""Run one command in a process tree of its own: wall time from spawn to exit, CPU time and
peak memory, as a ``Sample``."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Every build is started by this small launcher, not by the benchmark itself: on Linux a
# process's peak RSS (ru_maxrss) starts at the size of the process it was spawned from, so a
# launcher of a few MB keeps the benchmark's own memory out of the numbers. It times the
# command from spawn to exit and reports the peak RSS of the largest process of its tree
# (wait4), and, where there is a /proc, the peak of the tree's total RSS: every process in the
# command's session, summed every 50 ms (workers and Pagefind's parts run side by side). On
# Linux it adopts the processes whose parent ends first (Chromium's helpers do), and waits
# for them after the command, so that the CPU of the whole tree counts.
LAUNCHER = r"""
import ctypes, json, os, resource, signal, sys, threading, time
report, timeout, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
if sys.platform == "linux":
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
start = time.perf_counter()
pid = os.posix_spawnp(cmd[0], cmd, os.environ, setsid=True)
tree_kib, finished = [0], threading.Event()
def sample_tree():
    page_kib = os.sysconf("SC_PAGE_SIZE") // 1024
    while not finished.wait(0.05):
        total = 0
        for name in os.listdir("/proc"):
            try:
                with open(f"/proc/{name}/stat", "rb") as stat:
                    fields = stat.read().rpartition(b")")[2].split()
            except (OSError, NotADirectoryError):
                continue
            if int(fields[3]) == pid:  # in the command's session
                total += int(fields[21]) * page_kib
        tree_kib[0] = max(tree_kib[0], total)
if os.path.isdir("/proc"):
    threading.Thread(target=sample_tree, daemon=True).start()
timed_out = []
def stop(*_):
    timed_out.append(True)
    os.killpg(pid, signal.SIGKILL)
signal.signal(signal.SIGALRM, stop)
if timeout > 0:
    signal.setitimer(signal.ITIMER_REAL, timeout)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
finished.set()
signal.setitimer(signal.ITIMER_REAL, 0)
patience = time.monotonic() + 5  # for the adopted processes, which end on their own
while time.monotonic() < patience:
    try:
        if os.waitpid(-1, os.WNOHANG)[0] == 0:
            time.sleep(0.02)
    except ChildProcessError:  # none left
        break
every = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(report, "w") as handle:
    json.dump({"wall": wall, "maxrss_kib": usage.ru_maxrss, "tree_kib": tree_kib[0],
               "cpu": every.ru_utime + every.ru_stime,
               "returncode": os.waitstatus_to_exitcode(status),
               "timed_out": bool(timed_out)}, handle)
"""


@dataclass
class Sample:
    wall: float
    peak_mb: float  # the largest process of the tree (ru_maxrss of the command, via wait4)
    tree_mb: float  # the tree's total RSS at its peak, sampled (0 without /proc)
    cpu: float  # user + system seconds of the whole tree
    stdout: str
    stderr: str
    returncode: int
    timed_out: bool = False


def measure(cmd: list[str], timeout: float = 0.0, env: dict[str, str] | None = None
            ) -> Sample:
    """Run ``cmd`` through the launcher (killed after ``timeout`` seconds, if above 0)."""
    with tempfile.TemporaryDirectory() as tmp:
        report, out, err = Path(tmp) / "report.json", Path(tmp) / "out", Path(tmp) / "err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            subprocess.run([sys.executable, "-S", "-c", LAUNCHER, str(report), str(timeout),
                            *cmd], stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
                           env=env, check=True)
        facts = json.loads(report.read_text("utf-8"))
        return Sample(facts["wall"], facts["maxrss_kib"] / 1024, facts["tree_kib"] / 1024,
                      facts["cpu"],
                      out.read_text("utf-8", errors="replace"),
                      err.read_text("utf-8", errors="replace"), facts["returncode"],
                      facts["timed_out"])
