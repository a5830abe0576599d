#!/usr/bin/env python
"""Screening speed (issue #25): indexed screening beside a brute-force scan, and a delta.

For each list size (synthetic, screening_synthetic.py; streamed to a file and loaded with the
real loader into a scratch database):
  load         seconds and entities/s of `load_watchlist`;
  screen       --parties parties through `screening.services.screen`, one party per call
               (as the case side screens a case's parties): parties/s, ms and commands per
               party;
  blocking     for --profile-parties of them, the candidate query alone and how many stored
               entities its keys match (what the query reads and ranks before its limit);
  brute force  --brute-parties of the same parties, each scored against every list entity
               with the same algorithm and configuration (logic-v2): the file is read once per
               party; "scan" times everything (JSON, entity building, scoring), "score" only the
               algorithm. The brute-force figure per party is measured on those few parties and
               extrapolated to parties/s (it is linear in the list size, not in the parties).
Then, on the 100k list (or the largest size below it), a delta re-screen: a second version
changes 1 % of the list (0.6 % changed, 0.2 % added, 0.2 % removed), is loaded, and
--delta-parties parties are screened against its delta only (`only_entities`), in calls of
--delta-batch parties, as a worker would: seconds and database commands (pymongo command
monitoring). One party in a hundred carries a changed or added entity's new name, so the
delta's hits are checked too. The issue's figure is 100,000 parties (the default); a smaller
--delta-parties is extrapolated linearly and labelled so.

    timeout 4200 .venv/bin/python scripts/bench/screening_speed.py   # 10k, 100k, 500k
    timeout 1800 .venv/bin/python scripts/bench/screening_speed.py --sizes 10000,100000 \
        --delta-parties 10000
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scripts.bench import screening_scratch as scratch  # noqa: E402
from scripts.bench import screening_synthetic as synthetic  # noqa: E402
from scripts.bench.screening_evalset import write_ftm  # noqa: E402

DELTA_SIZE = 100_000
ISSUE_DELTA_PARTIES = 100_000


def to_party(data: synthetic.PartyData) -> Any:
    from screening.parties import Party

    return Party(
        key=data.key,
        schema=data.schema,
        names=(data.name,),
        birth_dates=(data.birth_date,) if data.birth_date else (),
        countries=(data.country,),
    )


def sample_listed(path: Path, count: int) -> list[dict]:
    """The first `count` entities of a list file (the parties' listed tenth comes from them)."""
    with path.open("rb") as handle:
        return [orjson.loads(line) for line in _first(handle, count)]


def _first(handle: Any, count: int) -> Iterator[bytes]:
    for number, line in enumerate(handle):
        if number >= count:
            return
        yield line


def screen_indexed(dataset: str, parties: list[Any]) -> dict:
    """Parties one per call through `screen`; seconds, commands and hits."""
    from screening.services import screen

    per_party: list[float] = []
    commands = 0
    hits = 0
    for party in parties:
        results, seconds, counts = scratch.COUNTER.measure(
            lambda party=party: screen([party], datasets=[dataset])
        )
        per_party.append(seconds)
        commands += sum(counts.values())
        hits += sum(len(result.hits) for result in results)
    total = sum(per_party)
    return {
        "parties": len(parties),
        "seconds": total,
        "parties_per_second": len(parties) / total,
        "ms_per_party": 1000 * total / len(parties),
        "ms_per_party_p50": 1000 * statistics.median(per_party),
        "commands_per_party": commands / len(parties),
        "hits": hits,
    }


def blocking_profile(dataset: str, parties: list[Any]) -> dict:
    """Where a screening's time goes: the candidate query alone, and how many stored entities
    its keys match (the index entries it reads and ranks before its limit).

    The keys counted are those the query sends (screening.frequencies leaves out keys most
    of the list holds); the count runs after the timed query, on the same index.
    """
    from django.db import DEFAULT_DB_ALIAS, connections

    from screening import blocking, frequencies
    from screening.datasets import snapshots
    from screening.entities import party_entity
    from screening.keys import entity_keys
    from screening.models import ListEntity

    snapshot = snapshots([dataset])[0]
    sequence, version = snapshot.sequence, snapshot.version
    collection = connections[DEFAULT_DB_ALIAS].get_collection(ListEntity._meta.db_table)
    seconds: list[float] = []
    touched: list[int] = []
    for party in parties:
        keys = entity_keys(party_entity(party))
        started = time.perf_counter()
        blocking.candidates(dataset, sequence, keys, version)
        seconds.append(time.perf_counter() - started)
        sent = frequencies.selective(dataset, sequence, keys, version)
        query = blocking.candidate_pipeline(dataset, sequence, sent)[0]["$match"]
        touched.append(collection.count_documents(query, hint=blocking.KEY_INDEX))
    ordered = sorted(touched)
    return {
        "parties": len(parties),
        "candidate_query_ms_p50": 1000 * statistics.median(seconds),
        "candidate_query_ms_mean": 1000 * statistics.mean(seconds),
        "entities_matched_p50": statistics.median(touched),
        "entities_matched_p90": ordered[int(0.9 * (len(ordered) - 1))],
        "entities_matched_max": ordered[-1],
    }


def brute_force(path: Path, parties: list[Any], threshold: float) -> dict:
    """Each party scored against every entity of the list file (logic-v2, default config)."""
    from screening.entities import party_entity, stored_entity
    from screening.matching import Scorer

    scorer = Scorer.named("logic-v2")
    config = scorer.config()
    scan_seconds: list[float] = []
    score_seconds: list[float] = []
    hits = 0
    for party in parties:
        scratch.clear_matcher_caches()  # each scan starts cold, as a scan of its own would
        query = party_entity(party)
        scoring = 0.0
        started = time.perf_counter()
        with path.open("rb") as handle:
            for line in handle:
                item = orjson.loads(line)
                entity = stored_entity(item["schema"], item["properties"], item["id"])
                before = time.perf_counter()
                score = scorer.algorithm.compare(query, entity, config).score
                scoring += time.perf_counter() - before
                hits += score >= threshold
        scan_seconds.append(time.perf_counter() - started)
        score_seconds.append(scoring)
    scan = statistics.mean(scan_seconds)
    score = statistics.mean(score_seconds)
    return {
        "parties_sampled": len(parties),
        "scan_seconds_per_party": scan,
        "score_seconds_per_party": score,
        "scan_parties_per_second": 1 / scan,
        "score_parties_per_second": 1 / score,
        "hits": hits,
    }


def measure_size(args: argparse.Namespace, folder: Path, size: int) -> dict:
    from screening.models import DEFAULT_THRESHOLD

    dataset = f"synthetic_{size}"
    path = folder / f"{dataset}.ftm.json"
    written = write_ftm(synthetic.entities(size, args.seed), path)
    result, load_seconds = scratch.load_list(dataset, path)
    print(f"\n{dataset}: {written} entities loaded in {load_seconds:.0f} s", flush=True)
    listed = sample_listed(path, 5_000)
    parties = [to_party(p) for p in synthetic.parties(args.parties, args.seed, listed)]
    screen_indexed(dataset, parties[:5])  # warm-up: rigour's tables load on first use
    indexed = screen_indexed(dataset, parties)
    print(
        f"  screen: {indexed['parties_per_second']:.1f} parties/s, "
        f"{indexed['ms_per_party']:.1f} ms/party, {indexed['commands_per_party']:.1f} "
        f"commands/party",
        flush=True,
    )
    profile = blocking_profile(dataset, parties[: args.profile_parties])
    print(
        f"  blocking query alone: {profile['candidate_query_ms_mean']:.1f} ms/party (mean), "
        f"entities matched by the keys: median {profile['entities_matched_p50']:.0f}, "
        f"p90 {profile['entities_matched_p90']}, max {profile['entities_matched_max']}",
        flush=True,
    )
    brute = brute_force(path, parties[: args.brute_parties], DEFAULT_THRESHOLD)
    print(
        f"  brute force ({brute['parties_sampled']} parties): "
        f"{brute['scan_seconds_per_party']:.1f} s/party scan, "
        f"{brute['score_seconds_per_party']:.1f} s/party scoring only",
        flush=True,
    )
    return {
        "size": size,
        "version": result.version.version,
        "load_seconds": load_seconds,
        "load_entities_per_second": size / load_seconds,
        "screen": indexed,
        "blocking": profile,
        "brute_force": brute,
        "speedup_vs_scoring_only": indexed["parties_per_second"]
        / brute["score_parties_per_second"],
        "path": path,
    }


def second_version(path: Path, target: Path, seed: int) -> tuple[list[dict], int]:
    """Write `path` with 1 % of it changed; return the changed/added entities and the count.

    0.6 % get an alias (a changed entity), 0.2 % are dropped (removed), and as many new
    entities are appended (added), so the list keeps its size.
    """
    rng = random.Random(seed)
    words = synthetic.Vocabularies.build(seed)
    moved: list[dict] = []
    lines = removed = 0
    with path.open("rb") as source, target.open("w", encoding="utf-8") as out:
        for line in source:
            item = orjson.loads(line)
            roll = rng.random()
            if roll < 0.002:
                removed += 1
                continue
            if roll < 0.008:
                alias = " ".join(synthetic.person_name(rng, words))
                if item["schema"] == "Company":
                    alias = synthetic.company_name(rng, words)[0]
                item["properties"]["alias"] = [alias]
                moved.append(item)
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
            lines += 1
        for number in range(removed):
            item = synthetic.entity(rng, words, f"syn-added-{number:07d}")
            moved.append(item)
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
            lines += 1
    return moved, lines


def delta_parties(count: int, seed: int, moved: list[dict], listed: list[dict]) -> list[Any]:
    """`count` parties; one in a hundred named as a changed or added entity now is."""
    base = synthetic.parties(count, seed + 1, listed)
    rng = random.Random(seed + 2)
    parties = []
    for number, data in enumerate(base):
        if number % 100 == 0 and moved:
            item = rng.choice(moved)
            props = item["properties"]
            name = (props.get("alias") or props["name"])[0]
            country = (props.get("nationality") or props.get("jurisdiction"))[0]
            data = synthetic.PartyData(data.key, item["schema"], name, "", country)
        parties.append(to_party(data))
    return parties


def measure_delta(args: argparse.Namespace, folder: Path, base: dict) -> dict:
    from screening.services import delta_entity_ids, screen

    dataset = f"synthetic_{base['size']}"
    target = folder / f"{dataset}-v2.ftm.json"
    moved, lines = second_version(base["path"], target, args.seed)
    (result, load_seconds), load_commands = _counted(lambda: scratch.load_list(dataset, target))
    version = result.version
    ids = delta_entity_ids(dataset, version.version)
    listed = sample_listed(target, 5_000)
    parties = delta_parties(args.delta_parties, args.seed, moved, listed)
    expected = sum(1 for number in range(len(parties)) if number % 100 == 0)
    hits = matched = 0
    started = time.perf_counter()
    scratch.COUNTER.counts.clear()
    scratch.COUNTER.active = True
    try:
        for start in range(0, len(parties), args.delta_batch):
            chunk = parties[start : start + args.delta_batch]
            for number, result_row in enumerate(screen(chunk, only_entities={dataset: ids})):
                hits += len(result_row.hits)
                matched += bool(result_row.hits) and (start + number) % 100 == 0
    finally:
        scratch.COUNTER.active = False
    seconds = time.perf_counter() - started
    commands = sum(scratch.COUNTER.counts.values())
    by_name = dict(scratch.COUNTER.counts)
    factor = ISSUE_DELTA_PARTIES / len(parties)
    print(
        f"\ndelta on {dataset}: version {version.version} {version.delta} "
        f"({lines} entities) loaded in {load_seconds:.0f} s with "
        f"{sum(load_commands.values())} commands; {len(ids)} delta entities"
    )
    print(
        f"  {len(parties)} parties against the delta in {seconds:.1f} s "
        f"({len(parties) / seconds:.0f} parties/s), {commands} commands {by_name}; "
        f"delta-named parties with a hit: {matched} of {expected}; hits in all: {hits}"
    )
    if factor != 1:
        print(
            f"  EXTRAPOLATED to {ISSUE_DELTA_PARTIES} parties (x{factor:g}): "
            f"{seconds * factor:.0f} s, about {commands * factor:.0f} commands"
        )
    return {
        "dataset": dataset,
        "version": version.version,
        "delta": version.delta,
        "delta_entities": len(ids),
        "load_seconds": load_seconds,
        "load_commands": sum(load_commands.values()),
        "parties": len(parties),
        "batch": args.delta_batch,
        "seconds": seconds,
        "commands": commands,
        "commands_by_name": by_name,
        "delta_named_parties": expected,
        "delta_named_parties_hit": matched,
        "extrapolated_to_100k_seconds": seconds * factor if factor != 1 else None,
    }


def _counted(work: Any) -> tuple[Any, dict]:
    result, _, counts = scratch.COUNTER.measure(work)
    return result, dict(counts)


def print_summary(rows: list[dict]) -> None:
    print("\nsize      load ent/s  screen p/s  ms/party  cmds/party  brute p/s (score)  ratio")
    for row in rows:
        screen, brute = row["screen"], row["brute_force"]
        print(
            f"{row['size']:>8} {row['load_entities_per_second']:>11.0f} "
            f"{screen['parties_per_second']:>11.1f} {screen['ms_per_party']:>9.1f} "
            f"{screen['commands_per_party']:>11.1f} {brute['score_parties_per_second']:>18.4f} "
            f"{row['speedup_vs_scoring_only']:>6.0f}x"
        )
    if len(rows) > 1:
        growth = rows[-1]["screen"]["ms_per_party"] / rows[0]["screen"]["ms_per_party"]
        verdict = "PASS" if growth < 2 else "FAIL"
        print(
            f"cost per party {rows[0]['size']} -> {rows[-1]['size']}: x{growth:.2f} "
            f"(target < 2): {verdict}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,500000")
    parser.add_argument("--parties", type=int, default=300, help="parties screened per size")
    parser.add_argument("--brute-parties", type=int, default=2, help="parties brute-forced")
    parser.add_argument(
        "--profile-parties", type=int, default=100, help="parties whose blocking is profiled"
    )
    parser.add_argument("--delta-parties", type=int, default=ISSUE_DELTA_PARTIES)
    parser.add_argument("--delta-batch", type=int, default=1_000, help="parties per call")
    parser.add_argument("--no-delta", action="store_true")
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    database = scratch.configure("speed")
    print(f"database: {database} on {scratch.server_kind()}")
    rows: list[dict] = []
    delta: dict | None = None
    with tempfile.TemporaryDirectory(prefix="screening-speed-") as name:
        folder = Path(name)
        with scratch.scratch_database():
            for size in sizes:
                rows.append(measure_size(args, folder, size))
            below = [row for row in rows if row["size"] <= DELTA_SIZE]
            if below and not args.no_delta:
                delta = measure_delta(args, folder, below[-1])
    print_summary(rows)
    if args.json:
        for row in rows:
            row.pop("path")
        args.json.write_text(json.dumps({"sizes": rows, "delta": delta}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
