"""Paths in the workspace's storage: collector folders, datastore URIs, local job inputs."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from mlops_toolkit.targets.azure.datastore import folder_digest, parse_datastore_uri
from mlops_toolkit.targets.azure.jobs import is_local
from mlops_toolkit.targets.azure.monitoring import collector_prefix, hour_of, in_window

PREFIX = collector_prefix("ep", "blue", "model_inputs")
NOON = datetime(2026, 5, 6, 12, tzinfo=timezone.utc).timestamp()


def test_the_hour_of_a_collector_file_comes_from_its_folder() -> None:
    assert PREFIX == "modelDataCollector/ep/blue/model_inputs/"
    assert hour_of(f"{PREFIX}2026/05/06/12/abc.jsonl", PREFIX) == NOON
    assert hour_of(f"{PREFIX}stray.jsonl", PREFIX) is None


def test_an_hour_is_read_when_it_can_hold_records_of_the_window() -> None:
    assert in_window(NOON, None, None, 0)
    assert in_window(NOON, NOON + 1800, NOON + 7200, 0)  # the window starts inside the hour
    assert not in_window(NOON, NOON + 3600, None, 0)  # the hour ended when the window began
    assert not in_window(NOON, None, NOON, 0)  # the window ended when the hour began
    assert in_window(NOON, None, NOON, 3600)  # outputs: an hour of slack either side
    assert not in_window(None, None, None, 0)


def test_datastore_uris_name_the_store_and_the_path() -> None:
    assert parse_datastore_uri("azureml://datastores/workspaceblobstore/paths/a/b.csv") == (
        "workspaceblobstore", "a/b.csv"
    )  # fmt: skip
    for bad in ("runs:/x/y", "azureml://datastores/ws/paths/", "https://a.blob/x"):
        with pytest.raises(ValueError, match="azureml://datastores"):
            parse_datastore_uri(bad)


def test_local_paths_are_told_from_uris() -> None:
    for local in ("/tmp/data", "data/train", "./x", "C:\\data", "D:/data"):
        assert is_local(local), local
    for remote in ("azureml:data:1", "azureml://datastores/x/paths/y", "https://a/b",
                   "abfss://c@a.dfs.core.windows.net/p", "wasbs://c@a/p"):  # fmt: skip
        assert not is_local(remote), remote


def test_the_digest_follows_names_and_contents(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for folder in (one, two):
        (folder / "sub").mkdir(parents=True)
        (folder / "train.csv").write_text("a,b\n", encoding="utf-8")
        (folder / "sub" / "x.txt").write_text("x", encoding="utf-8")
    assert folder_digest(one) == folder_digest(two)
    (two / "sub" / "x.txt").write_text("y", encoding="utf-8")
    assert folder_digest(one) != folder_digest(two)
    (two / "sub" / "x.txt").rename(two / "sub" / "z.txt")
    (two / "sub" / "z.txt").write_text("x", encoding="utf-8")
    assert folder_digest(one) != folder_digest(two)
