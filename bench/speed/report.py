"""The numbers: every sample summarised into one JSON-ready dict, and that dict printed as
the tables the benchmark shows."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
from typing import Any

from speed.corpus import Corpus
from speed.launch import Sample
from speed.ours import SCENARIOS, STAGES
from speed.peers import Peer


def goal_for(scenario: str, pages: int, charts: int) -> float | None:
    """The issue's targets, where it sets one for this size."""
    if scenario == "cold":
        return {(1000, 0): 1.5, (10000, 0): 15.0, (1000, 3): 40.0}.get((pages, charts))
    if pages == 1000:
        return {"warm": 0.3, "edit": 0.15}.get(scenario)
    return None


def _med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarise(args: argparse.Namespace, corpus: Corpus, ours: dict[str, list[Sample]],
              results: dict[str, list[dict[str, Any]]], checks: dict[str, str],
              peers: list[Peer], peer_samples: dict[str, list[Sample]],
              floors: list[dict[str, float]],
              gates: list[tuple[Sample, dict[str, int]]],
              own_gates: list[tuple[Sample, dict[str, int]]]) -> dict[str, Any]:
    """Medians and peaks of every scenario and peer, the Markdown floor, the full check (with
    and without the browser) and the ratios the issue sets goals for, with the run's settings
    and machine."""
    peer_times = {}
    for peer in peers:
        samples = peer_samples[peer.name]
        done = [s.wall for s in samples if not s.timed_out]
        peer_times[peer.name] = _med(done) if len(done) == len(samples) else None
    summary: dict[str, Any] = {
        "config": {"pages": args.pages, "charts": args.charts, "charted": corpus.charted,
                   "runs": args.runs, "seed": args.seed, "readers_of_exports": len(corpus.readers)},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "ours": {}, "peers": {},
    }
    for scenario, samples in ours.items():
        kids = results[scenario]
        summary["ours"][scenario] = {
            "label": SCENARIOS[scenario],
            "median_s": _med([s.wall for s in samples]),
            "min_s": min(s.wall for s in samples),
            "cpu_s": _med([s.cpu for s in samples]),
            "samples_s": [s.wall for s in samples],
            "peak_mb": max(s.peak_mb for s in samples),
            "tree_mb": max(s.tree_mb for s in samples),
            "python_mb": max(k["self_mb"] for k in kids),
            "pages": kids[0]["pages"],
            "rebuilt": [k["rebuilt"] for k in kids],
            "charts": [k["charts"] for k in kids],
            "charts_rendered": [k["charts_rendered"] for k in kids],
            "written": [k["written"] for k in kids],
            "check": checks.get(scenario, ""),
            "goal_s": goal_for(scenario, args.pages, args.charts),
            "breakdown_s": breakdown(samples, kids),
            "ratios": {name: (t / _med([s.wall for s in samples]) if t else None)
                       for name, t in peer_times.items()},
            "cpu_ratios": {p.name: _med([s.cpu for s in peer_samples[p.name]])
                           / _med([s.cpu for s in samples]) for p in peers},
        }
    for peer in peers:
        samples = peer_samples[peer.name]
        summary["peers"][peer.name] = {
            "label": peer.label, "version": peer.version, "command": peer.command,
            "median_s": peer_times[peer.name], "samples_s": [s.wall for s in samples],
            "min_s": min(s.wall for s in samples), "cpu_s": _med([s.cpu for s in samples]),
            "timed_out": any(s.timed_out for s in samples),
            "peak_mb": max(s.peak_mb for s in samples),
            "tree_mb": max(s.tree_mb for s in samples), "output": samples[0].stdout,
        }
    if floors:
        summary["floor"] = {"samples_s": [f["convert_s"] for f in floors],
                            "median_s": _med([f["convert_s"] for f in floors]),
                            "markdown": floors[0]["version"]}
    for key, runs in (("gate", gates), ("gate_no_browser", own_gates)):
        if runs:
            walls = [sample.wall for sample, _ in runs]
            summary[key] = {"samples_s": walls, "median_s": _med(walls),
                            "cpu_s": _med([sample.cpu for sample, _ in runs]),
                            "problems": runs[0][1]}
    summary["side_by_side"] = side_by_side(summary, results.get("cold", []))
    return summary


#: The issue's goals for each ratio (at most this much): our cold build's to Pelican's and to
#: the floor, and the full check's to our cold build.
RATIO_GOALS = {"pelican": 0.6, "floor": 1.25, "gate": 1.5}


def side_by_side(summary: dict[str, Any], cold: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Our cold build against each peer and against the Markdown floor divided by the cores
    plus our search stage, run by run (build i beside build i of the same round): the median
    and the range of the ratios."""
    ours = summary["ours"].get("cold")
    if not ours:
        return []
    walls = ours["samples_s"]
    rows = []
    for name, peer in summary["peers"].items():
        if peer["median_s"] is not None:
            rows.append(_ratio_row(f"ours / {peer['label']}", name, walls, peer["samples_s"]))
    floor = summary.get("floor")
    if floor:
        cores = summary["machine"]["cpus"] or 1
        bound = [f / cores + kid["stages"].get("search", 0.0)
                 for f, kid in zip(floor["samples_s"], cold, strict=True)]
        rows.append(_ratio_row(f"ours / (Markdown floor / {cores} cores + our search)",
                               "floor", walls, bound))
    for key, label in (("gate", "full check (check --offline --full) / our cold build"),
                       ("gate_no_browser", "the same, without the browser / our cold build")):
        if key in summary:
            rows.append(_ratio_row(label, "gate", summary[key]["samples_s"], walls))
    return rows


def _ratio_row(label: str, key: str, ours: list[float], theirs: list[float]
               ) -> dict[str, Any]:
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    return {"label": label, "key": key, "median": _med(ratios), "min": min(ratios),
            "max": max(ratios), "goal": RATIO_GOALS.get(key)}


def _ratio_lines(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["side by side, cold builds of the same pages, run by run (below 1: ours is "
             "faster):"]
    for row in rows:
        goal = row["goal"]
        verdict = "" if goal is None else \
            f"   goal <= {goal:g}: {'met' if row['median'] <= goal else 'NOT met'}"
        lines.append(f"  {row['label']:<58}{row['median']:>6.2f}  "
                     f"(range {row['min']:.2f}-{row['max']:.2f}){verdict}")
    return lines


def breakdown(samples: list[Sample], kids: list[dict[str, Any]]) -> dict[str, float]:
    """Median seconds of: interpreter start and exit, imports, each stage, the rest."""
    rows: dict[str, list[float]] = {}
    for sample, kid in zip(samples, kids, strict=True):
        stages = kid["stages"]
        parts = {"start+exit": sample.wall - kid["inside_s"], "imports": kid["imports_s"]}
        for stage in STAGES:
            parts[stage] = stages.get(stage, 0.0)
        parts["other"] = kid["inside_s"] - kid["imports_s"] - sum(stages.values())
        for key, value in parts.items():
            rows.setdefault(key, []).append(value)
    return {key: _med(values) for key, values in rows.items()}


def _main_table(summary: dict[str, Any]) -> list[str]:
    """A row per scenario of ours, then a row per peer."""
    peers, pages = summary["peers"], summary["config"]["pages"]
    header = (f"{'scenario':<42}{'median s':>9}{'min s':>9}{'cpu s':>9}{'ms/page':>9}"
              f"{'peak MB':>9}{'tree MB':>9}{'rebuilt':>9}{'charts':>11}{'output':>8}"
              f"{'goal s':>9}")
    header += "".join(f"{'x' + name:>12}" for name in peers)
    lines = [header, "-" * len(header)]
    for row in summary["ours"].values():
        charts = f"{row['charts_rendered'][0]}/{row['charts'][0]}"
        goal = row["goal_s"]
        goal_text = "" if goal is None else (f"{goal:g}" + (" ok" if row["median_s"] <= goal
                                                             else " NO"))
        check = row["check"].split(" ")[0] if row["check"] else ""
        line = (f"{'ours: ' + row['label']:<42}{row['median_s']:>9.3f}{row['min_s']:>9.3f}"
                f"{row['cpu_s']:>9.2f}{row['median_s'] / pages * 1000:>9.2f}"
                f"{row['peak_mb']:>9.0f}{row['tree_mb']:>9.0f}{row['rebuilt'][0]:>9}"
                f"{charts:>11}{check:>8}{goal_text:>9}")
        for name in peers:
            ratio = row["ratios"].get(name)
            line += f"{'' if ratio is None else f'{ratio:.2f}x':>12}"
        lines.append(line)
    for row in peers.values():
        median = row["median_s"]
        time_text = f"{median:>9.3f}" if median is not None else f"{'timeout':>9}"
        per_page = f"{median / pages * 1000:>9.2f}" if median is not None else f"{'':>9}"
        lines.append(f"{row['label'] + ' (cold)':<42}{time_text}{row['min_s']:>9.3f}"
                     f"{row['cpu_s']:>9.2f}{per_page}{row['peak_mb']:>9.0f}"
                     f"{row['tree_mb']:>9.0f}")
    return lines


def _where_time_goes(summary: dict[str, Any]) -> list[str]:
    """Our median split into start-up, imports and the build's stages; then our memory."""
    ours = summary["ours"]
    keys = list(next(iter(ours.values()))["breakdown_s"])
    lines = ["where our time goes (medians, s):",
             f"{'scenario':<42}" + "".join(f"{k:>11}" for k in keys)]
    for row in ours.values():
        lines.append(f"{row['label']:<42}" + "".join(f"{row['breakdown_s'][k]:>11.3f}"
                                                     for k in keys))
    lines.append("peak MB of the build's Python process (VmHWM; 'peak MB' above is the "
                 "largest process of the tree, Pagefind included): " + ", ".join(
                     f"{scenario} {row['python_mb']:.0f}" for scenario, row in ours.items()))
    return lines


def _preview_line(preview: dict[str, Any], pages: int, charts: int) -> str:
    goal = goal_for("edit", pages, charts)
    rebuild = _med(preview["rebuild_s"])
    verdict = "" if goal is None else f" (goal {goal:g} s: {'ok' if rebuild <= goal else 'NO'})"
    return (f"preview (serve), one brief saved {len(preview['reload_s'])} times: rebuild "
            f"{rebuild:.3f} s median{verdict}, pages rebuilt {preview['rebuilt']}; save to "
            f"reload event {_med(preview['reload_s']):.3f} s (the watcher polls every "
            f"{preview['poll_s']:g} s and waits 0.1 s for the save to settle); save to "
            f"searchable {_med(preview['searchable_s']):.3f} s (the index follows the reload)")


def render_table(summary: dict[str, Any]) -> str:
    """The header line, the main table, its legend, where our time goes, the preview and
    each peer's samples."""
    config, machine = summary["config"], summary["machine"]
    lines = [f"build_speed: {config['pages']} pages, charts {config['charts']} "
             f"({config['charted']} briefs charted, {config['readers_of_exports']} read "
             f"`exports`), runs {config['runs']}, seed {config['seed']}; "
             f"{machine['cpus']} CPUs, Python {machine['python']}, "
             "load average {:.1f} before, {:.1f} after".format(*machine["load_average"])]
    lines += _main_table(summary)
    lines.append("")
    if summary["side_by_side"]:
        lines += _ratio_lines(summary["side_by_side"])
        for key, label in (("gate", "full check"), ("gate_no_browser", "without the browser")):
            gate = summary.get(key)
            if gate:
                found = ", ".join(f"{n} {kind}" for kind, n in sorted(gate["problems"].items()))
                lines.append(f"  {label}: {gate['median_s']:.3f} s median (samples "
                             + ", ".join(f"{s:.3f}" for s in gate["samples_s"])
                             + f"), {gate['cpu_s']:.1f} s of CPU; problems found: "
                             + (found or "none"))
        floor = summary["floor"]
        lines.append(f"  Markdown floor: Python-Markdown {floor['markdown']} alone, one "
                     f"process, {floor['median_s']:.3f} s median for the corpus (samples "
                     + ", ".join(f"{s:.3f}" for s in floor["samples_s"]) + ")")
        lines.append("")
    lines.append("xPEER = the peer's cold median / ours (above 1: ours is faster). 'cpu s': "
                 "user+system seconds of the process tree (median). 'output': incremental "
                 "output byte-identical to a clean build of the same inputs. 'charts': "
                 "rendered/total in the build. 'peak MB': the largest process of the tree; "
                 "'tree MB': the peak of all its processes together (sampled every 50 ms).")
    if summary["ours"]:
        lines.append(f"Expected: edit rebuilt 1; data change rebuilt "
                     f"{config['readers_of_exports']} (the briefs that read `exports`).")
        lines.append("")
        lines += _where_time_goes(summary)
    preview = summary.get("preview")
    if preview:
        lines.append("")
        lines.append(_preview_line(preview, config["pages"], config["charts"]))
    for row in summary["peers"].values():
        lines.append(f"{row['label']}: {row['output']}; samples "
                     + ", ".join(f"{s:.2f}" for s in row["samples_s"]) + " s")
    return "\n".join(lines)
