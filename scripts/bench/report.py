"""Medians, ratios, targets and the plot of a benchmark run (pure: figures in, text out)."""

from __future__ import annotations

import statistics
from typing import Any

MEDIAN_FIELDS = {
    "pipeline": [
        "records_per_second",
        "latency_p50_ms",
        "latency_p99_ms",
        "peak_rss_mb",
        "commands_per_batch",
    ],
    "consume_limit": ["records_per_second"],
    "write_limit": ["records_per_second", "commands_per_batch"],
    "baseline": ["records_per_second", "commands_per_batch"],
    "paced": ["records_per_second", "latency_p50_ms", "latency_p99_ms"],
    "primitives": ["find_by_id_ms", "stored_raw_events"],
}


def _median(values: list[Any]) -> float | None:
    numbers = [value for value in values if value is not None]
    return statistics.median(numbers) if numbers else None


def medians(runs: list[dict]) -> dict:
    """{part: {field: median over the repeats}} for one preload size."""
    summary: dict[str, dict[str, float | None]] = {}
    for part, fields in MEDIAN_FIELDS.items():
        present = [run[part] for run in runs if part in run]
        if present:
            summary[part] = {name: _median([p.get(name) for p in present]) for name in fields}
    return summary


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def ratios(summary: dict) -> dict:
    pipeline = summary["pipeline"]["records_per_second"]
    consume = summary["consume_limit"]["records_per_second"]
    write = summary["write_limit"]["records_per_second"]
    baseline = summary.get("baseline", {}).get("records_per_second")
    return {
        "pipeline_vs_limit": _ratio(pipeline, min(consume, write)),
        "pipeline_vs_write_limit": _ratio(pipeline, write),
        "pipeline_vs_baseline": _ratio(pipeline, baseline),
        "limit": "consume" if consume <= write else "write",
    }


API_READS = ("list first page", "list 50 pages deep", "case detail")
# Held to the p99 budget at the largest size measured (issue #23: at 100,000 cases).
API_TIMED = (*API_READS, "case create")
SERVER_READ = "find by _id (server)"
# The same reads sent straight to the server (scripts/bench/api.server_equivalents).
EQUIVALENT = {
    "list first page": "sorted page (server)",
    "list 50 pages deep": "sorted page (server)",
    "case detail": "detail's finds (server)",
}


def api_growth(by_cases: dict[int, dict]) -> dict[str, float | None]:
    """{read: (its p99 at the largest size / at the smallest) / the same ratio of find by _id}.

    At most 1.3 means our code adds at most 30 % growth beyond the server's own primitive.
    """
    small, large = by_cases[min(by_cases)], by_cases[max(by_cases)]
    server = _ratio(large[SERVER_READ]["p99_ms"], small[SERVER_READ]["p99_ms"])
    return {
        name: _ratio(_ratio(large[name]["p99_ms"], small[name]["p99_ms"]), server)
        for name in API_READS
    }


def api_table(by_cases: dict[int, dict]) -> str:
    lines = ["REST API reads (in-process test client), ms"]
    lines.append(f"{'cases':>8} {'read':<24} {'p50':>8} {'p99':>8}")
    for cases, figures in sorted(by_cases.items()):
        for name in (*API_TIMED, SERVER_READ, *sorted(set(EQUIVALENT.values()))):
            if name in figures:
                lines.append(
                    f"{cases:>8,} {name:<24} {figures[name]['p50_ms']:>8.1f} "
                    f"{figures[name]['p99_ms']:>8.1f}"
                )
    if len(by_cases) > 1:
        growth = api_growth(by_cases)
        lines.append(
            f"growth {min(by_cases):,} -> {max(by_cases):,} cases, read's p99 ratio / find by "
            "_id's: " + ", ".join(f"{name} {_fmt(value)}" for name, value in growth.items())
        )
        own = equivalent_growth(by_cases)
        lines.append(
            "  ... / the same finds sent straight to the server: "
            + ", ".join(f"{name} {_fmt(value)}" for name, value in own.items())
        )
    return "\n".join(lines)


def equivalent_growth(by_cases: dict[int, dict]) -> dict[str, float | None]:
    """Like api_growth, against each read's own server-side finds: what our code adds."""
    small, large = by_cases[min(by_cases)], by_cases[max(by_cases)]
    result = {}
    for name, server in EQUIVALENT.items():
        if server in small and server in large:
            base = _ratio(large[server]["p99_ms"], small[server]["p99_ms"])
            result[name] = _ratio(_ratio(large[name]["p99_ms"], small[name]["p99_ms"]), base)
        else:
            result[name] = None
    return result


def rss_table(by_count: dict[int, dict]) -> str:
    lines = ["consumer peak RSS by records consumed (empty database)"]
    for count, figures in sorted(by_count.items()):
        lines.append(
            f"{count:>9,} records: {figures['peak_rss_mb']:.0f} MB, "
            f"{figures['records_per_second']:.1f} rec/s"
        )
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def _api_targets(by_cases: dict[int, dict], add: Any) -> None:
    if not by_cases:
        add("API list/detail/create p99 targets", None, "skipped (--api-cases '')")
        return
    smallest, largest = min(by_cases), max(by_cases)
    timed = [name for name in API_TIMED if name in by_cases[largest]]
    worst = max(timed, key=lambda name: by_cases[largest][name]["p99_ms"])
    p99 = by_cases[largest][worst]["p99_ms"]
    add(
        f"API list/detail/create p99 <= 100 ms at {largest:,} cases",
        p99 <= 100,
        f"worst {worst} p99 {p99:.1f} ms",
    )
    if len(by_cases) < 2:
        add("API growth within 1.3 x of find by _id's", None, "needs two --api-cases sizes")
        return
    growth = api_growth(by_cases)
    known = {name: value for name, value in growth.items() if value is not None}
    worst = max(known, key=known.get) if known else None
    add(
        f"API p99 growth {smallest:,} -> {max(by_cases):,} cases within 1.3 x of find by _id's",
        bool(known) and max(known.values()) <= 1.3,
        f"worst {worst} {known[worst]:.2f} x" if worst else "-",
    )


def _rss_targets(by_count: dict[int, dict], add: Any) -> None:
    if len(by_count) < 2:
        add(
            "consumer RSS flat (+-10 %) from 20,000 to 200,000 records",
            None,
            "needs --rss-counts A,B",
        )
        return
    small, large = min(by_count), max(by_count)
    ratio = by_count[large]["peak_rss_mb"] / by_count[small]["peak_rss_mb"]
    add(
        f"consumer RSS flat (+-10 %) from {small:,} to {large:,} records",
        abs(ratio - 1) <= 0.10,
        f"{by_count[small]['peak_rss_mb']:.0f} -> {by_count[large]['peak_rss_mb']:.0f} MB "
        f"({ratio:.2f} x)",
    )


def targets(
    by_preload: dict[int, dict],
    by_cases: dict[int, dict] | None = None,
    by_count: dict[int, dict] | None = None,
    rss_budget_mb: float = 250.0,
) -> list[dict]:
    """PASS/FAIL per target of issue #13 that this run measured; the rest say why not."""
    results = []

    def add(name: str, passed: bool | None, figure: str) -> None:
        verdict = "n/a" if passed is None else ("PASS" if passed else "FAIL")
        results.append({"target": name, "result": verdict, "figure": figure})

    for preload, entry in sorted(by_preload.items()):
        r = entry["ratios"]
        value = r["pipeline_vs_limit"]
        add(
            f"pipeline >= 0.5 x min(consume, write) limit, {preload:,} stored",
            value is not None and value >= 0.5,
            f"{value:.2f} x ({r['limit']} limit)" if value is not None else "-",
        )
        value = r["pipeline_vs_baseline"]
        add(
            f"pipeline >= 30 x per-message baseline, {preload:,} stored",
            None if value is None else value >= 30,
            f"{value:.1f} x" if value is not None else "baseline skipped",
        )
    sizes = sorted(by_preload)
    if len(sizes) > 1 and sizes[0] == 0:
        empty = by_preload[0]["ratios"]["pipeline_vs_write_limit"]
        full = by_preload[sizes[-1]]["ratios"]["pipeline_vs_write_limit"]
        growth = _ratio(full, empty)
        add(
            f"growth: (pipeline / write limit) at {sizes[-1]:,} >= 0.8 x at 0",
            growth is not None and growth >= 0.8,
            f"{growth:.2f} x" if growth is not None else "-",
        )
    else:
        add("growth: (pipeline / write limit) at K >= 0.8 x at 0", None, "needs --preload 0,K")
    paced = by_preload.get(0, {}).get("summary", {}).get("paced")
    if paced and paced["latency_p99_ms"] is not None:
        add(
            "p99 produce->visible <= 500 ms at the paced rate, empty database",
            paced["latency_p99_ms"] <= 500,
            f"p99 {paced['latency_p99_ms']:.0f} ms, p50 {paced['latency_p50_ms']:.0f} ms",
        )
    else:
        add("p99 produce->visible <= 500 ms at 100 rec/s", None, "needs --rate and preload 0")
    rss = [entry["summary"]["pipeline"]["peak_rss_mb"] for entry in by_preload.values()]
    rss += [figures["peak_rss_mb"] for figures in (by_count or {}).values()]
    add(
        f"consumer peak RSS <= {rss_budget_mb:.0f} MB",
        max(rss) <= rss_budget_mb,
        f"{max(rss):.0f} MB",
    )
    _rss_targets(by_count or {}, add)
    _api_targets(by_cases or {}, add)
    return results


def table(by_preload: dict[int, dict], server: str, count: int, batch_size: int) -> str:
    lines = [f"server: {server}; records per run: {count:,}; batch: {batch_size}"]
    head = (
        f"{'stored':>8} {'pipeline':>9} {'consume':>9} {'write':>9} {'baseline':>9} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'RSS MB':>7} {'cmd/b':>6} {'find_id ms':>10} "
        f"{'pipe/lim':>8} {'pipe/wr':>8} {'pipe/base':>9}"
    )
    lines += ["rec/s (median of repeats)".rjust(38), head]

    def f(value: float | None, width: int, digits: int = 1) -> str:
        return f"{value:>{width}.{digits}f}" if value is not None else f"{'-':>{width}}"

    for preload, entry in sorted(by_preload.items()):
        s, r = entry["summary"], entry["ratios"]
        p = s["pipeline"]
        lines.append(
            f"{preload:>8,} {f(p['records_per_second'], 9)} "
            f"{f(s['consume_limit']['records_per_second'], 9)} "
            f"{f(s['write_limit']['records_per_second'], 9)} "
            f"{f(s.get('baseline', {}).get('records_per_second'), 9, 2)} "
            f"{f(p['latency_p50_ms'], 7, 0)} {f(p['latency_p99_ms'], 7, 0)} "
            f"{f(p['peak_rss_mb'], 7, 0)} {f(p['commands_per_batch'], 6)} "
            f"{f(s['primitives']['find_by_id_ms'], 10)} "
            f"{f(r['pipeline_vs_limit'], 8, 2)} {f(r['pipeline_vs_write_limit'], 8, 2)} "
            f"{f(r['pipeline_vs_baseline'], 9, 1)}"
        )
    paced = by_preload.get(0, {}).get("summary", {}).get("paced")
    if paced:
        lines.append(
            f"paced run, empty database: {f(paced['records_per_second'], 0)} rec/s delivered, "
            f"produce->visible p50 {f(paced['latency_p50_ms'], 0, 0)} ms, "
            f"p99 {f(paced['latency_p99_ms'], 0, 0)} ms"
        )
    return "\n".join(lines)


def plot(by_preload: dict[int, dict], path: str) -> None:
    """Throughput over time per preload size, and latency percentiles per size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for preload, entry in sorted(by_preload.items()):
        timeline = entry["timeline"]
        times = [t for t, _ in timeline]
        rates = [
            (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0
            for (t0, n0), (t1, n1) in zip([(0.0, 0), *timeline[:-1]], timeline, strict=True)
        ]
        left.plot(times, rates, marker=".", label=f"{preload:,} stored")
    left.set(title="pipeline throughput per batch", xlabel="seconds", ylabel="records/s")
    left.legend()
    sizes = sorted(by_preload)
    for share, key in ((0.5, "latency_p50_ms"), (0.99, "latency_p99_ms")):
        values = [by_preload[k]["summary"]["pipeline"][key] or 0 for k in sizes]
        right.plot([f"{k:,}" for k in sizes], values, marker="o", label=f"p{int(share * 100)}")
    right.set(title="produce->visible latency (backlog run)", xlabel="stored", ylabel="ms")
    right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
