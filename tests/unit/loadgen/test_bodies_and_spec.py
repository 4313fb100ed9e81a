"""Sample-file bodies, load spec validation and the result's dict round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_toolkit.errors import ConfigError, UsageError
from mlops_toolkit.histogram import LatencyHistogram
from mlops_toolkit.loadgen import LoadResult, LoadSpec, SecondStats, load_bodies

SAMPLE_CSV = (
    Path(__file__).resolve().parents[3] / "examples" / "compliance_nlp" / "data" / "sample"
    / "test.csv"
)  # fmt: skip


def test_jsonl_bodies_are_sent_as_written(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text('{"inputs": ["a"]}\n\n  {"inputs": ["b"]}  \n', encoding="utf-8")
    assert load_bodies(path) == [b'{"inputs": ["a"]}', b'{"inputs": ["b"]}']
    assert load_bodies(path, limit=1) == [b'{"inputs": ["a"]}']


def test_json_array_elements_become_bodies(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps([{"inputs": ["x"]}, [1, 2]]), encoding="utf-8")
    assert [json.loads(b) for b in load_bodies(path)] == [{"inputs": ["x"]}, [1, 2]]


def test_csv_column_wrapped_as_the_compliance_request() -> None:
    bodies = load_bodies(SAMPLE_CSV, column="description", json_key="inputs", limit=5)
    assert len(bodies) == 5
    for body in bodies:
        payload = json.loads(body)
        assert list(payload) == ["inputs"] and len(payload["inputs"]) == 1
        assert isinstance(payload["inputs"][0], str) and payload["inputs"][0]


def test_csv_column_raw(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("id,text\n1,hello\n2,wörld\n", encoding="utf-8")
    assert load_bodies(path, column="text") == [b"hello", "wörld".encode()]


@pytest.mark.parametrize(
    ("name", "content", "options", "message"),
    [
        ("b.jsonl", '{"ok": 1}\nnot json\n', {}, r"b.jsonl:2: not a JSON document"),
        ("b.json", '{"not": "a list"}', {}, "expected a JSON array"),
        ("b.csv", "a,b\n1,2\n", {"column": "text"}, "no column 'text' \\(columns: a, b\\)"),
        ("b.csv", "a,b\n1,2\n", {}, "needs a column name"),
        ("b.txt", "x", {}, "unknown body file type '.txt'"),
        ("b.jsonl", "\n\n", {}, "holds no request body"),
    ],
)
def test_bad_body_files_name_the_problem(
    tmp_path: Path, name: str, content: str, options: dict, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_bodies(path, **options)


def test_missing_body_file() -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_bodies("/nonexistent/bodies.jsonl")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rate": 10}, "count, duration or both"),
        ({"count": 1}, "exactly one of rate"),
        ({"rate": 10, "concurrency": 2, "count": 1}, "exactly one of rate"),
        ({"rate": 0, "count": 1}, "rate must be a positive"),
        ({"concurrency": 0, "count": 1}, "concurrency must be >= 1"),
        ({"rate": 1, "duration": -1}, "duration must be > 0"),
        ({"rate": 1, "count": 1, "bodies": []}, "at least one request body"),
        ({"rate": 1, "count": 1, "timeout": 0}, "timeout must be > 0"),
        ({"rate": 1, "count": 1, "max_in_flight": 0}, "max_in_flight must be >= 1"),
    ],
)
def test_spec_names_the_bad_parameter(options: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        LoadSpec("http://127.0.0.1:1/score", **options)


def test_spec_refuses_a_non_http_url() -> None:
    with pytest.raises(UsageError, match="url must be an http"):
        LoadSpec("127.0.0.1:1/score", rate=1, count=1)


def test_result_round_trips_and_derives_its_figures() -> None:
    histogram = LatencyHistogram()
    for value in (1.0, 2.0, 3.0, 50.0):
        histogram.record(value)
    result = LoadResult(
        mode="open",
        url="http://127.0.0.1:1/score",
        target_rate=10.0,
        sent=7,
        completed=4,
        status_counts={200: 3, 503: 1},
        errors={"timeout": 2, "in_flight_cap": 1},
        duration_s=2.0,
        latency=histogram,
        tally_header="azureml-model-deployment",
        tallies={"blue": 3, "green": 1},
        timeseries=(SecondStats(0, 4, 3, 1, 3.0), SecondStats(1, 3, 0, 3, None)),
    )
    assert result.ok == 3 and result.failed == 4 and result.error_count == 3
    assert result.achieved_rate == 2.0
    assert result.status_class_counts() == {"2xx": 3, "3xx": 0, "4xx": 0, "5xx": 1}
    again = LoadResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result
    assert "sent 7, completed 4" in result.describe()
