"""Fault injection (issue #12): scenarios that break a dependency and account for every record.

`scripts/chaos.py` runs them at full size; `tests/integration/test_chaos.py` keeps small,
fast versions in CI. Orchestration (`scenarios`) needs no Django; the accounting runs in a
Django subprocess bound to the scenario's own database (`python -m tests.chaos.accounting`).
"""
