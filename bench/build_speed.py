"""Build speed: our build, cold, warm, after one edit and after a data change, beside Hugo,
Pelican and MkDocs building the same generated briefs.

    python bench/build_speed.py --pages 1000                   # plain Markdown briefs
    python bench/build_speed.py --pages 1000 --charts 3        # + figures and 3 charts each
    python bench/build_speed.py --pages 1000 --peers --runs 3  # + Hugo, Pelican, MkDocs
    python bench/build_speed.py --pages 1000 --gate            # + a full check of each site
    python bench/build_speed.py --pages 1000 --runs 0 --profile
    python bench/build_speed.py --pages 100 --json out.json

The corpus is generated from a seed, one file at a time (10,000 pages fit in little memory),
into a temporary folder: a copy of the project (templates, data snapshot, settings) with N
briefs, and, with --peers, the same pages as a Hugo, a Pelican and an MkDocs site. Every
build runs in a fresh interpreter, timed from process start to exit, so start-up and imports
count; peak memory is the largest resident size in the build's process tree (from wait4).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from speed import ROOT, ours, peers
from speed.corpus import edit_one_brief, generate, revise_exports
from speed.floor import run_floor
from speed.launch import Sample
from speed.report import render_table, summarise

# This checkout's code is what gets measured, wherever the benchmark runs from and whatever
# else is installed: first on the path here (a data change uses it) and in every build.
sys.path.insert(0, str(ROOT))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--charts", type=int, choices=[0, 3], default=0,
                        help="chart blocks per brief (3: with figures and charts)")
    parser.add_argument("--chart-briefs", type=int, default=None,
                        help="with --charts 3: how many briefs get charts (default: all)")
    parser.add_argument("--runs", type=int, default=3, help="0: generate (and profile) only")
    parser.add_argument("--peers", action="store_true",
                        help="also build with Hugo, Pelican and MkDocs where installed")
    parser.add_argument("--peer-timeout", type=float, default=600.0)
    parser.add_argument("--gate", action="store_true",
                        help="also time `check --offline --full` on each run's site, beside "
                             "its cold build (needs Chromium)")
    parser.add_argument("--profile", action="store_true",
                        help="profile a cold build under cProfile, imports included")
    parser.add_argument("--no-check", action="store_true",
                        help="skip comparing incremental output with a clean build")
    parser.add_argument("--preview-edits", type=int, default=5,
                        help="saves of one brief under a running preview (0: skip)")
    parser.add_argument("--json", type=Path, help="write every number to this file")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--workdir", type=Path,
                        help="generate here and keep it (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.pages < 2:
        parser.error("--pages must be at least 2")
    return args


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Generate the corpus in ``work``, run every build, print the tables; the summary."""
    wanted = peers.NAMES if args.peers else []
    charted = args.pages if args.chart_briefs is None else min(args.chart_briefs, args.pages)
    started = time.perf_counter()
    corpus = generate(work, args.pages, args.charts, charted, args.seed, wanted)
    print(f"generated {args.pages} briefs in {work} in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)
    found = peers.find_peers(corpus) if args.peers else []
    missing = [n for n in wanted if not any(p.name.startswith(n) for p in found)]
    if missing:
        print(f"not installed, skipped: {', '.join(missing)}", file=sys.stderr)
    if args.gate and args.runs:
        from site_builder.check.browser import browser_missing

        if absent := browser_missing():
            raise SystemExit(f"--gate needs the browser check: {absent}")
    ours.compile_ours()
    peers.warm_up(found)
    load_before = os.getloadavg()[0]
    our_samples: dict[str, list[Sample]] = {}
    results: dict[str, list[dict[str, Any]]] = {}
    checks: dict[str, str] = {}
    peer_samples: dict[str, list[Sample]] = {p.name: [] for p in found}
    floors: list[dict[str, float]] = []
    gates: list[tuple[Sample, dict[str, int]]] = []
    own_gates: list[tuple[Sample, dict[str, int]]] = []  # the same check without the browser
    for run_number in range(args.runs):
        cache, output = work / f"cache-{run_number}", work / f"output-{run_number}"
        for scenario in ours.SCENARIOS:
            if scenario == "edit":
                edit_one_brief(corpus, run_number)
            elif scenario == "data":
                revise_exports(corpus, run_number)
            sample, result = ours.run_ours(corpus, cache, output)
            our_samples.setdefault(scenario, []).append(sample)
            results.setdefault(scenario, []).append(result)
            print(f"run {run_number + 1}: {scenario}: {sample.wall:.3f} s, rebuilt "
                  f"{result['rebuilt']}, charts {result['charts_rendered']}/{result['charts']}",
                  file=sys.stderr)
            if scenario in ("edit", "data") and run_number == 0 and not args.no_check:
                checks[scenario] = ours.check_against_clean(corpus, output, work / scenario)
        if args.gate:
            own_gates.append(ours.run_gate(corpus, cache, output, browser=False))
            gates.append(ours.run_gate(corpus, cache, output))
            print(f"run {run_number + 1}: full check: {gates[-1][0].wall:.3f} s, without "
                  f"the browser {own_gates[-1][0].wall:.3f} s", file=sys.stderr)
        _, floor = run_floor(corpus)
        floors.append(floor)
        print(f"run {run_number + 1}: Markdown floor: {floor['convert_s']:.3f} s",
              file=sys.stderr)
        for peer in found:
            sample = peers.run_peer(peer, work, run_number, args.peer_timeout)
            peer_samples[peer.name].append(sample)
            print(f"run {run_number + 1}: {peer.label}: "
                  f"{'timeout' if sample.timed_out else f'{sample.wall:.3f} s'}",
                  file=sys.stderr)
    summary = summarise(args, corpus, our_samples, results, checks, found, peer_samples,
                        floors, gates, own_gates)
    if args.runs and args.preview_edits:
        summary["preview"] = preview = ours.run_preview(corpus, work, args.preview_edits)
        print(f"preview: {len(preview['reload_s'])} saves, rebuild "
              + ", ".join(f"{s:.3f}" for s in preview["rebuild_s"]) + " s", file=sys.stderr)
    summary["machine"]["load_average"] = [load_before, os.getloadavg()[0]]
    if args.runs:
        print(render_table(summary))
    if args.profile:
        sample = ours.profile(corpus, work)
        print(f"\ncold build under cProfile, in one interpreter (imports included), "
              f"{args.pages} pages, wall {sample.wall:.2f} s:")
        print(sample.stdout)
        summary["profile"] = {"wall_s": sample.wall, "text": sample.stdout}
    return summary


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        summary = run(args, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="build-speed-") as tmp:
            summary = run(args, Path(tmp))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
