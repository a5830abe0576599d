"""Hostile records for scenario 5: every shape of bad input a topic can carry.

Mutations of valid messages come from hypothesis (derandomized, so a seed-free re-run yields
the same set), driven by the intake contract's field paths. Whether each record is valid is
decided the way the consumer decides it (`parse_message`), so the accounting knows which must
become a case and which must be REJECTED.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator

from confluent_kafka import Producer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kafka_integration.sample_events import sample_event
from tests.integration.consumer_process import ProducedRecords, is_valid

# ~1 MiB, leaving room under the broker's 1 MiB record limit for the hostile keys and headers.
ONE_MIB_PAYLOAD = 1_000_000

# Field paths of the intake contract (SPEC §1) that mutations aim at.
CONTRACT_PATHS = [
    ("client_id",),
    ("version",),
    ("type",),
    ("traitement_type",),
    ("persons",),
    ("persons", 0),
    ("persons", 0, "firstname"),
    ("persons", 0, "lastname"),
    ("persons", 0, "birthdate"),
    ("persons", 0, "nationality"),
    ("company_profile",),
    ("company_profile", "registered_name"),
    ("company_profile", "country_of_incorporation"),
    ("company_profile", "registered_address"),
    ("beneficial_owners",),
    ("beneficial_owners", 0, "ownership_percentage"),
    ("beneficial_owners", 0, "person_details"),
    ("beneficial_owners", 0, "is_ubo"),
]

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=300),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)

MUTATION = st.tuples(
    st.sampled_from(CONTRACT_PATHS),
    st.sampled_from(["set", "delete", "stringify"]),
    JSON_VALUES,
)


def _mutate(message: dict, path: tuple, action: str, value: object) -> dict:
    target: object = message
    for step in path[:-1]:
        in_dict = isinstance(target, dict) and step in target
        in_list = isinstance(target, list) and isinstance(step, int) and step < len(target)
        if not (in_dict or in_list):
            return message
        target = target[step]
    last = path[-1]
    if isinstance(target, dict) or (isinstance(target, list) and last < len(target)):
        if action == "delete" and isinstance(target, dict):
            target.pop(last, None)
        elif action == "stringify":
            target[last] = json.dumps(value)
        else:
            target[last] = value
    return message


def _keep_client_unique(message: dict, index: int) -> None:
    """A mutated client_id that is still text gets the record's index appended.

    Hypothesis favours small values, so many mutations set client_id to "[]", "{}" or "null";
    a second valid record of one client is a client update or a refusal (SPEC §3b), not a new
    case, which the accounting does not model. The full-size run found 26 such collisions.
    """
    client_id = message.get("client_id") if isinstance(message, dict) else None
    if isinstance(client_id, str) and client_id != f"CLI-{index:08d}":
        message["client_id"] = f"{client_id}~{index}"


def mutations(count: int) -> list[tuple[tuple, str, object]]:
    """`count` contract mutations, the same on every run (derandomized hypothesis)."""
    found: list[tuple[tuple, str, object]] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(MUTATION)
    def collect(mutation):
        found.append(mutation)

    while len(found) < count:
        collect()
    return found[:count]


def _keys(rng: random.Random) -> bytes | None:
    return rng.choice(
        [
            None,
            b"",
            b"\x00\xff\xfe",
            "clé-ünïcødé".encode(),
            b"k" * 10_000,
            rng.randbytes(16),
            str(rng.random()).encode(),
        ]
    )


def _headers(rng: random.Random) -> list[tuple[str, bytes | None]]:
    return rng.choice(
        [
            [],
            [("traceparent", b"not-a-traceparent"), ("traceparent", b"00-zz-zz-01")],
            [("event_type", None), ("event_type", b"\xff\xfe")],
            [("x-dup", b"1"), ("x-dup", b"2"), ("x-dup", b"3")],
            [("", b"empty name"), ("h" * 500, rng.randbytes(32))],
            [("big", b"v" * 20_000)],
        ]
    )


def hostile_values(rng: random.Random, count: int, index_base: int) -> Iterator[bytes | None]:
    """Random bytes, contract mutations, ~1 MiB payloads, deep nesting, bad UTF-8, tombstones."""
    pending_mutations = itertools.cycle(mutations(max(1, min(count // 4, 1000))))
    for n in range(count):
        kind = n % 8
        if kind in (0, 1):
            mutation = next(pending_mutations, None)
            _, message = sample_event(rng, index_base + n, 0.5, 0.0)
            if mutation is not None:
                mutated = _mutate(json.loads(message), *mutation)
                _keep_client_unique(mutated, index_base + n)
                message = json.dumps(mutated).encode()
            yield message
        elif kind == 2:
            yield rng.randbytes(rng.randrange(0, 2000))
        elif kind == 3:
            _, message = sample_event(rng, index_base + n, 0.5, 0.0)
            padded = json.loads(message)
            padded["padding"] = "p" * (ONE_MIB_PAYLOAD - len(message))  # unknown: still valid
            yield json.dumps(padded).encode() if n % 16 == 3 else b"{" + b"x" * ONE_MIB_PAYLOAD
        elif kind == 4:
            depth = rng.choice([99, 101, 150, 5000])
            yield b'{"a":' * depth + b"1" + b"}" * depth
        elif kind == 5:
            yield b'{"client_id": "\xff\xfe", "version": "1.0"}'
        elif kind == 6:
            yield None
        else:
            yield rng.choice([b"null", b"[]", b'"text"', b"1e999999", b'{"version": NaN}'])


def produce_hostile(
    bootstrap_servers: str, topic: str, hostile: int, valid: int, *, seed: int
) -> ProducedRecords:
    """Interleave `hostile` bad records with `valid` good ones; returns where each landed."""
    rng = random.Random(seed)
    values: list[bytes | None] = list(hostile_values(rng, hostile, 1_000_000))
    values += [sample_event(rng, n, 0.4, 0.0)[1] for n in range(valid)]
    rng.shuffle(values)
    producer = Producer(
        {
            "bootstrap.servers": bootstrap_servers,
            "acks": "all",
            "enable.idempotence": True,
            "message.max.bytes": 2_000_000,
            "linger.ms": 20,
        }
    )
    produced = ProducedRecords()
    errors: list[str] = []

    def on_delivery(error, message, good: bool) -> None:
        if error is not None:
            errors.append(error.str())
        else:
            (produced.valid if good else produced.invalid).add(
                (message.partition(), message.offset())
            )

    for value in values:
        good = value is not None and is_valid(value)
        while True:
            try:
                producer.produce(
                    topic,
                    value=value,
                    key=_keys(rng),
                    headers=_headers(rng),
                    on_delivery=lambda e, m, g=good: on_delivery(e, m, g),
                )
                break
            except BufferError:
                producer.poll(0.2)
        producer.poll(0)
    remaining = producer.flush(120)
    assert remaining == 0 and not errors, f"{remaining} undelivered, errors: {errors[:3]}"
    return produced
