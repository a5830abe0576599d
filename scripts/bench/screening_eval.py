#!/usr/bin/env python
"""Matching quality of screening (issue #25): recall and precision per variation class.

Builds the fictional evaluation set (scripts/bench/screening_evalset.py), loads its list
through the real loader into a scratch database, screens every labelled query through
`screening.services.screen` and prints, per variation class and overall, recall and
precision at the dataset's default threshold, then a threshold sweep so the default is
chosen on evidence. Misses at the default are explained: the expected entity was not among
the blocking candidates (the index never offered it), or it was and scored below the
threshold (the algorithm). Targets: recall >= 0.95 and precision >= 0.90 overall, no class
below 0.80 recall.

Counting: a positive query is a true positive when its entity is among the hits; every other
hit (a relative on the list, a sister company) is a false positive; every hit of a near-miss
negative is a false positive. To sweep, the dataset's threshold is set to the sweep's lowest
value (the per-dataset setting in the database), and hits are filtered at each higher value.

All parties go through one `screen` call, as a worker sends them; `--isolated` screens one
party per call with nomenklatura's entity caches emptied in between (see
screening_scratch.clear_matcher_caches): equal figures show no party borrowed another's.

Four sets (seeds 25-28) are built, screened and pooled by default; each seed's own verdict is
printed too, so a set that happens to be easy cannot carry the figure alone.

    timeout 900 .venv/bin/python scripts/bench/screening_eval.py [--seeds 25,26,27,28]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scripts.bench import screening_evalset as evalset_module  # noqa: E402
from scripts.bench import screening_scratch as scratch  # noqa: E402
from scripts.bench.screening_evalset import CLASSES, DATASET, EvalSet, Query  # noqa: E402

SWEEP = (0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90)
TARGET_RECALL, TARGET_PRECISION, TARGET_CLASS_RECALL = 0.95, 0.90, 0.80


@dataclass
class Tally:
    """Counts of one class at one threshold."""

    positives: int = 0
    negatives: int = 0
    true_positives: int = 0
    false_positives: int = 0
    negatives_hit: int = 0

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.positives if self.positives else None

    @property
    def precision(self) -> float | None:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else None

    def add(self, other: Tally) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Outcome:
    """A query and what screening returned for it: {entity id: score}."""

    query: Query
    scores: dict[str, float] = field(default_factory=dict)

    def hits(self, threshold: float) -> set[str]:
        return {entity for entity, score in self.scores.items() if score >= threshold}


def party(query: Query):  # noqa: ANN201 - screening.parties is importable after django.setup
    from screening.parties import Party

    return Party(
        key=query.key,
        schema=query.schema,
        names=query.names,
        birth_dates=query.birth_dates,
        countries=query.countries,
    )


def screen_all(queries: list[Query], isolated: bool) -> list[Outcome]:
    """Every query through `screen`: one call per party with emptied caches, or one call."""
    from screening.services import screen

    if isolated:
        results = []
        for query in queries:
            scratch.clear_matcher_caches()
            results.extend(screen([party(query)], datasets=[DATASET]))
    else:
        results = screen([party(query) for query in queries], datasets=[DATASET])
    by_key = {result.party_key: result for result in results}
    return [
        Outcome(query, {hit.entity_id: hit.score for hit in by_key[query.key].hits})
        for query in queries
    ]


def tally(outcomes: list[Outcome], threshold: float) -> dict[str, Tally]:
    """{class: Tally} at `threshold`, plus "overall"."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for outcome in outcomes:
        row = tallies[outcome.query.variation]
        hits = outcome.hits(threshold)
        if outcome.query.expected is None:
            row.negatives += 1
            row.false_positives += len(hits)
            row.negatives_hit += bool(hits)
        else:
            row.positives += 1
            found = outcome.query.expected in hits
            row.true_positives += found
            row.false_positives += len(hits) - found
    overall = Tally()
    for row in tallies.values():
        overall.add(row)
    tallies["overall"] = overall
    return tallies


def _figure(value: float | None) -> str:
    return "   -" if value is None else f"{value:.3f}"


def print_table(tallies: dict[str, Tally], threshold: float) -> None:
    print(f"\nAt the default threshold {threshold:.2f}")
    print(f"{'class':<16} {'queries':>7} {'TP':>4} {'FN':>4} {'FP':>4} {'recall':>7} {'prec.':>7}")
    for name in (*CLASSES, "overall"):
        row = tallies.get(name)
        if row is None:
            continue
        queries = row.positives + row.negatives
        missed = row.positives - row.true_positives
        print(
            f"{name:<16} {queries:>7} {row.true_positives:>4} {missed:>4} "
            f"{row.false_positives:>4} {_figure(row.recall):>7} {_figure(row.precision):>7}"
        )
    near = tallies.get("near_miss")
    if near:
        print(f"near misses that raised a hit: {near.negatives_hit} of {near.negatives}")


def print_kinds(outcomes: list[Outcome], threshold: float) -> None:
    """Recall (positives) or share hit (negatives) per derivation, to show where it fails."""
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[(outcome.query.variation, outcome.query.kind)].append(outcome)
    print("\nBy derivation (positives: found/all; near misses: hit/all)")
    for (variation, kind), members in sorted(groups.items()):
        if members[0].query.expected is None:
            count = sum(bool(o.hits(threshold)) for o in members)
        else:
            count = sum(o.query.expected in o.hits(threshold) for o in members)
        print(f"  {variation:<16} {kind:<52} {count:>3}/{len(members)}")


@dataclass
class SeedRun:
    """One evaluation set screened: its outcomes and its misses explained."""

    seed: int
    outcomes: list[Outcome]
    misses: list[tuple[str, str, str, str, str]]  # variation, cause, score, query, expected


def print_sweep(runs: list[SeedRun]) -> list[dict]:
    """Pooled figures per threshold, and how many of the seeds meet the target there."""
    pooled = [outcome for run in runs for outcome in run.outcomes]
    rows = []
    print("\nThreshold sweep (pooled; lowest class recall; seeds meeting the target)")
    print(f"{'threshold':>9} {'recall':>7} {'prec.':>7} {'min class recall':>27} {'seeds':>6}")
    for threshold in SWEEP:
        tallies = tally(pooled, threshold)
        overall = tallies["overall"]
        recalls = {n: r.recall for n, r in tallies.items() if r.recall is not None}
        weakest = min((n for n in recalls if n != "overall"), key=lambda n: recalls[n])
        seeds_met = sum(verdict(tally(run.outcomes, threshold))[0] for run in runs)
        print(
            f"{threshold:>9.2f} {_figure(overall.recall):>7} {_figure(overall.precision):>7} "
            f"{recalls[weakest]:>11.3f} {weakest:<15} {seeds_met:>3}/{len(runs)}"
        )
        rows.append(
            {
                "threshold": threshold,
                "recall": overall.recall,
                "precision": overall.precision,
                "seeds_meeting_target": seeds_met,
                "classes": {name: vars(row) for name, row in tallies.items()},
            }
        )
    return rows


def explain_misses(
    outcomes: list[Outcome], evalset: EvalSet, threshold: float
) -> list[tuple[str, str, str, str, str]]:
    """For each missed positive: blocking (not a candidate) or scoring (scored below).

    Runs while the set's list is the dataset's current version (the next seed replaces it).
    """
    from screening import blocking
    from screening.entities import party_entity
    from screening.keys import entity_keys
    from screening.matching import Scorer
    from screening.models import WatchlistDataset

    sequence = WatchlistDataset.objects.get(name=DATASET).current_sequence
    scorer = Scorer.named("logic-v2")
    names = {p.id: " ".join(p.parts()) for p in evalset.persons}
    names |= {c.id: c.name for c in evalset.companies}
    misses = []
    for outcome in outcomes:
        query = outcome.query
        if query.expected is None or query.expected in outcome.hits(threshold):
            continue
        entity = party_entity(party(query))
        offered = {
            row["entity_id"]: row
            for row in blocking.candidates(DATASET, sequence, entity_keys(entity))
        }
        if query.expected not in offered:
            cause, score = "blocking", ""
        else:
            hit = scorer.hit(entity, offered[query.expected], DATASET, 0.0, scorer.config())
            cause, score = "scoring", f"{hit.score:.3f}" if hit else "0"
        misses.append((query.variation, cause, score, query.names[0], names[query.expected]))
    return misses


def run_seed(seed: int, isolated: bool, threshold: float) -> SeedRun:
    """Build the set for `seed`, load its list as the dataset's next version, screen it."""
    from screening.models import WatchlistDataset

    evalset = evalset_module.build(seed=seed)
    with tempfile.TemporaryDirectory(prefix="screening-eval-") as folder:
        path = Path(folder) / "eval_list.ftm.json"
        written = evalset_module.write_ftm(evalset_module.list_entities(evalset), path)
        result, seconds = scratch.load_list(DATASET, path)
    WatchlistDataset.objects.filter(name=DATASET).update(threshold=min(SWEEP))
    started = time.perf_counter()
    outcomes = screen_all(evalset.queries, isolated=isolated)
    elapsed = time.perf_counter() - started
    print(
        f"seed {seed}: {written} list entities ({len(evalset.persons)} persons, "
        f"{len(evalset.companies)} companies) loaded as {result.version.version} in "
        f"{seconds:.1f} s; {len(outcomes)} queries screened in {elapsed:.1f} s"
    )
    return SeedRun(seed, outcomes, explain_misses(outcomes, evalset, threshold))


def verdict(tallies: dict[str, Tally]) -> tuple[bool, str]:
    overall = tallies["overall"]
    recalls = {n: r.recall for n, r in tallies.items() if r.recall is not None and n != "overall"}
    weakest = min(recalls, key=lambda name: recalls[name])
    met = (
        (overall.recall or 0) >= TARGET_RECALL
        and (overall.precision or 0) >= TARGET_PRECISION
        and recalls[weakest] >= TARGET_CLASS_RECALL
    )
    summary = (
        f"recall {_figure(overall.recall)}, precision {_figure(overall.precision)}, "
        f"lowest class {weakest} {recalls[weakest]:.3f}: {'MET' if met else 'MISSED'}"
    )
    return met, summary


def evaluate(args: argparse.Namespace) -> dict:
    from screening.models import DEFAULT_THRESHOLD

    mode = "one party per call, caches emptied" if args.isolated else "all parties in one call"
    print(f"mode: {mode}")
    runs = [run_seed(seed, args.isolated, DEFAULT_THRESHOLD) for seed in args.seeds]
    pooled = [outcome for run in runs for outcome in run.outcomes]
    tallies = tally(pooled, DEFAULT_THRESHOLD)
    print(f"\nPooled over seeds {', '.join(str(seed) for seed in args.seeds)}")
    print_table(tallies, DEFAULT_THRESHOLD)
    print_kinds(pooled, DEFAULT_THRESHOLD)
    sweep = print_sweep(runs)
    print("\nMisses at the default threshold (variation, cause, score, query -> list entry)")
    causes: Counter = Counter()
    for run in runs:
        for variation, cause, score, query, expected in run.misses:
            causes[(variation, cause)] += 1
            print(f"  {run.seed} {variation:<15} {cause:<8} {score:>5}  {query!r} -> {expected!r}")
    summary = ", ".join(f"{v}/{c}: {n}" for (v, c), n in sorted(causes.items()))
    print(f"Misses by cause: {summary or 'none'}")
    print(
        f"\nTarget: recall >= {TARGET_RECALL} and precision >= {TARGET_PRECISION} overall, "
        f"every class recall >= {TARGET_CLASS_RECALL}, at {DEFAULT_THRESHOLD:.2f}"
    )
    per_seed = {}
    for run in runs:
        met, line = verdict(tally(run.outcomes, DEFAULT_THRESHOLD))
        per_seed[run.seed] = met
        print(f"  seed {run.seed}: {line}")
    met, line = verdict(tallies)
    print(f"  pooled: {line}")
    return {
        "seeds": args.seeds,
        "mode": mode,
        "default_threshold": DEFAULT_THRESHOLD,
        "classes": {name: vars(row) for name, row in tallies.items()},
        "sweep": sweep,
        "misses": {f"{v}/{c}": n for (v, c), n in causes.items()},
        "target_met_per_seed": per_seed,
        "target_met": met,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds", default="25,26,27,28", help="evaluation sets to build and pool, by seed"
    )
    parser.add_argument(
        "--isolated", action="store_true", help="one party per call, caches emptied between"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    args.seeds = [int(seed) for seed in args.seeds.split(",")]
    database = scratch.configure("eval")
    print(f"database: {database} on {scratch.server_kind()}")
    with scratch.scratch_database():
        report = evaluate(args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0 if report["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
