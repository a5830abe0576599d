"""The benchmark's verdicts on API growth and RSS flatness (scripts/bench/report.py, pure)."""

from scripts.bench import report


def _reads(p99: float, server_p99: float, create_p99: float | None = None) -> dict:
    figures = {name: {"p50_ms": p99 / 2, "p99_ms": p99} for name in report.API_READS}
    create = p99 if create_p99 is None else create_p99
    figures["case create"] = {"p50_ms": create / 2, "p99_ms": create}
    for server in (report.SERVER_READ, *report.EQUIVALENT.values()):
        figures[server] = {"p50_ms": server_p99 / 2, "p99_ms": server_p99}
    return figures


def _verdicts(**kwargs) -> dict[str, str]:
    pipeline = {"peak_rss_mb": 100.0, "latency_p99_ms": 1.0, "latency_p50_ms": 1.0}
    entry = {
        "ratios": {
            "pipeline_vs_limit": 0.6,
            "pipeline_vs_baseline": None,
            "pipeline_vs_write_limit": 0.6,
            "limit": "write",
        },
        "summary": {"pipeline": pipeline},
    }
    return {v["target"]: v["result"] for v in report.targets({0: entry}, **kwargs)}


def test_api_reads_that_grow_no_faster_than_the_servers_find_by_id_pass():
    verdicts = _verdicts(by_cases={1_000: _reads(20, 2), 100_000: _reads(60, 6)})

    assert verdicts["API list/detail/create p99 <= 100 ms at 100,000 cases"] == "PASS"
    assert verdicts["API p99 growth 1,000 -> 100,000 cases within 1.3 x of find by _id's"] == (
        "PASS"
    )


def test_api_reads_that_grow_more_than_thirty_percent_beyond_the_server_fail():
    verdicts = _verdicts(by_cases={1_000: _reads(20, 2), 100_000: _reads(1_600, 20)})

    assert verdicts["API list/detail/create p99 <= 100 ms at 100,000 cases"] == "FAIL"
    assert verdicts["API p99 growth 1,000 -> 100,000 cases within 1.3 x of find by _id's"] == (
        "FAIL"
    )


def test_the_p99_budget_holds_at_the_largest_size_and_counts_case_creation():
    slow_create = {1_000: _reads(20, 2), 100_000: _reads(30, 3, create_p99=150)}
    only_small_measured = {1_000: _reads(20, 2, create_p99=150)}
    target = "API list/detail/create p99 <= 100 ms at {:,} cases"

    assert _verdicts(by_cases=slow_create)[target.format(100_000)] == "FAIL"
    assert _verdicts(by_cases=only_small_measured)[target.format(1_000)] == "FAIL"
    assert _verdicts(by_cases={100_000: _reads(30, 3)})[target.format(100_000)] == "PASS"


def test_rss_is_flat_within_ten_percent_between_the_two_counts_or_fails():
    def rss(small: float, large: float) -> str:
        by_count = {
            2_000: {"peak_rss_mb": small, "records_per_second": 1.0},
            20_000: {"peak_rss_mb": large, "records_per_second": 1.0},
        }
        target = "consumer RSS flat (+-10 %) from 2,000 to 20,000 records"
        return _verdicts(by_count=by_count)[target]

    assert (rss(100, 109), rss(100, 115)) == ("PASS", "FAIL")


def test_the_api_table_prints_growth_against_find_by_id_and_against_the_same_finds():
    table = report.api_table({1_000: _reads(20, 2), 100_000: _reads(300, 20)})

    assert "read's p99 ratio / find by _id's: list first page 1.50" in table
    assert "the same finds sent straight to the server: list first page 1.50" in table
