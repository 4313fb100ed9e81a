"""score.py in-process: model discovery, predictions, request validation, data collection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.examples.compliance_nlp import serving_fixtures
from tests.examples.compliance_nlp.serving_fixtures import SRC_DIR, azure_model_layout, import_src

# Session fixtures shared by the serving tests.
azure_model_dir = serving_fixtures.azure_model_dir
onnx_dir = serving_fixtures.onnx_dir
untrained_model_dir = serving_fixtures.untrained_model_dir

score = import_src("score")


@pytest.fixture
def served(azure_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """score.init() on the Azure-like layout, int8, no collection."""
    for name in (
        "COMPLIANCE_ONNX_VARIANT",
        "COMPLIANCE_COLLECT_DIR",
        "COMPLIANCE_MODEL_VERSION",
        "COMPLIANCE_DECISION_THRESHOLD",
        "COMPLIANCE_RULE_CHECK",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZUREML_MODEL_DIR", str(azure_model_dir))
    score.init()
    return azure_model_dir


def _body(response: object) -> tuple[int, dict]:
    """(status, JSON body) of a run() result, a dict meaning 200."""
    if isinstance(response, dict):
        return 200, response
    return response.status_code, json.loads(response.get_data(as_text=True))  # type: ignore[attr-defined]


def test_run_returns_labelled_probabilities_and_version(served: Path) -> None:
    texts = ["solder joints on the PCB", "xenon burner D2S, 35 W"]
    status, body = _body(score.run(json.dumps({"inputs": texts})))
    assert status == 200
    assert body["model_version"] == "compliance-nlp:3"
    assert len(body["predictions"]) == 2
    for pred in body["predictions"]:
        probs = pred["probabilities"]
        assert set(probs) == {"compliant", "non_compliant"}
        assert sum(probs.values()) == pytest.approx(1.0, abs=1e-5)
        # a cue the rule check cannot settle: the classifier decides; no decision_threshold in
        # this model's meta: 0.5, i.e. the likelier label
        assert pred["decided_by"] == "model"
        assert pred["label"] == max(probs, key=probs.get)
        assert pred["flags"] == []
        assert "evidence" not in pred
    assert score._state.scorer.model_path.name == "model.int8.onnx"


def test_rule_check_decides_what_it_can_read_and_says_why(served: Path) -> None:
    texts = [
        "Cd 150 mg/kg in the pigment of the door handle",
        "brass fitting CW614N, Pb 3.1 %",
        "door seal EPDM",
        "solder joints on the PCB",
    ]
    status, body = _body(score.run(json.dumps({"inputs": texts})))
    assert status == 200
    cadmium, brass, seal, solder = body["predictions"]
    assert (cadmium["label"], cadmium["decided_by"], cadmium["rule"]) == (
        "non_compliant",
        "rules",
        "R4",
    )
    assert "Cd amount above its limit" in cadmium["evidence"]
    assert (brass["label"], brass["decided_by"], brass["rule"]) == ("compliant", "rules", "")
    # decision 9: a text that names no regulated subject at all is compliant
    assert (seal["label"], seal["decided_by"]) == ("compliant", "rules")
    assert "names no regulated subject" in seal["evidence"]
    assert solder["decided_by"] == "model" and "evidence" not in solder
    # the probabilities stay the classifier's whoever decided
    assert set(cadmium["probabilities"]) == {"compliant", "non_compliant"}


def test_rule_check_can_be_switched_off(
    azure_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZUREML_MODEL_DIR", str(azure_model_dir))
    monkeypatch.delenv("COMPLIANCE_COLLECT_DIR", raising=False)
    monkeypatch.setenv("COMPLIANCE_RULE_CHECK", "off")
    score.init()
    body = score.run(json.dumps({"inputs": ["Cd 150 mg/kg in the pigment"]}))
    (pred,) = body["predictions"]
    assert pred["decided_by"] == "model"
    assert pred["label"] == max(pred["probabilities"], key=pred["probabilities"].get)
    monkeypatch.setenv("COMPLIANCE_RULE_CHECK", "maybe")
    with pytest.raises(ValueError, match="COMPLIANCE_RULE_CHECK='maybe' is not 'on' or 'off'"):
        score.init()


def test_implausible_amounts_are_flagged_and_still_labelled(served: Path) -> None:
    texts = ["brass fitting, Pb 150 %", "pigment Cd -0.01 %", "Pb 0.05 %, efficiency 120 %"]
    status, body = _body(score.run(json.dumps({"inputs": texts})))
    assert status == 200
    assert [p["flags"] for p in body["predictions"]] == [
        ["concentration_above_100_percent"],
        ["negative_amount"],
        [],
    ]
    assert all(p["label"] in ("compliant", "non_compliant") for p in body["predictions"])


def _with_threshold(onnx_dir: Path, root: Path, threshold: float) -> Path:
    version_dir = azure_model_layout(onnx_dir, root)
    meta_path = version_dir / "onnx" / "compliance_meta.json"
    meta = json.loads(meta_path.read_text())
    meta_path.unlink()  # a hard link to the shared export: replace, do not edit in place
    meta_path.write_text(json.dumps({**meta, "decision_threshold": threshold}))
    return version_dir


def test_labels_follow_the_models_decision_threshold(
    onnx_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["brake hose assembly, no DOT marking", "door seal EPDM", "lead-free solder"]
    for threshold, expected in ((0.0, "non_compliant"), (1.0, "compliant")):
        model_root = _with_threshold(onnx_dir, tmp_path / str(threshold), threshold)
        scorer = score.Scorer.load(model_root, "fp32", threads=1, rule_check=False)
        assert scorer.threshold == threshold
        assert {p["label"] for p in scorer.predict(texts)} == {expected}
    probs = scorer.predict_proba(texts)[:, 1]
    middle = float(sorted(probs)[1])
    monkeypatch.setenv("AZUREML_MODEL_DIR", str(model_root))
    monkeypatch.setenv("COMPLIANCE_ONNX_VARIANT", "fp32")
    monkeypatch.delenv("COMPLIANCE_COLLECT_DIR", raising=False)
    monkeypatch.setenv("COMPLIANCE_DECISION_THRESHOLD", str(middle))
    monkeypatch.setenv("COMPLIANCE_RULE_CHECK", "off")
    score.init()
    labels = [p["label"] for p in score.run(json.dumps({"inputs": texts}))["predictions"]]
    assert labels == ["non_compliant" if p >= middle else "compliant" for p in probs]
    with pytest.raises(ValueError, match="within"):
        score.Scorer.load(model_root, "fp32", threshold=1.5)


def test_fp32_variant_and_invalid_variant(served: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLIANCE_ONNX_VARIANT", "fp32")
    score.init()
    assert score._state.scorer.model_path.name == "model.onnx"
    monkeypatch.setenv("COMPLIANCE_ONNX_VARIANT", "fp16")
    with pytest.raises(ValueError, match=r"COMPLIANCE_ONNX_VARIANT='fp16'.*\['fp32', 'int8'\]"):
        score.init()


def test_version_from_environment_overrides_path(
    served: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPLIANCE_MODEL_VERSION", "compliance-nlp:7")
    score.init()
    assert score.run('{"inputs": ["hose clamp"]}')["model_version"] == "compliance-nlp:7"


def test_fp32_probabilities_match_pytorch(onnx_dir: Path, untrained_model_dir: Path) -> None:
    """Tokenizer (tokenizers, no transformers), normalisation and graph agree with PyTorch."""
    modeling = import_src("modeling")
    texts = [
        "Brake hose assembly, FMVSS 106 certification pending, supplier Continental",
        "brass fitting CuZn39Pb3 with 25000 ppm Pb",
        "wiring harness clip " * 40,  # longer than max_length: truncated alike
    ]
    scorer = score.Scorer.load(onnx_dir, "fp32", threads=1)
    reference = modeling.predict_proba(modeling.load_model_dir(untrained_model_dir), texts)
    np.testing.assert_allclose(scorer.predict_proba(texts)[:, 1], reference, atol=1e-5)


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        ("not json", 400, "not valid JSON"),
        ('["a", "b"]', 400, "expected a JSON object"),
        ('{"text": ["a"]}', 400, "without 'inputs'"),
        ('{"inputs": ["a"], "top_k": 2}', 400, "unknown field(s) ['top_k']"),
        ('{"inputs": "brake hose"}', 400, "must be a list of strings"),
        ('{"inputs": []}', 400, "is empty"),
        ('{"inputs": ["ok", 3]}', 400, "inputs[1] must be a string, got int"),
        ('{"inputs": ["ok", "   "]}', 400, "inputs[1] is empty"),
        (json.dumps({"inputs": ["x"] * 65}), 413, "at most 64 per request"),
        (json.dumps({"inputs": ["ok", "y" * 2001]}), 413, "inputs[1] has 2001 characters"),
    ],
)
def test_bad_requests_get_4xx_with_message(
    served: Path, raw: str, status: int, message: str
) -> None:
    got_status, body = _body(score.run(raw))
    assert got_status == status
    assert message in body["message"]


def test_limits_at_the_boundary_are_accepted(served: Path) -> None:
    status, body = _body(score.run(json.dumps({"inputs": ["z" * 2000] + ["hose"] * 63})))
    assert status == 200 and len(body["predictions"]) == 64


def test_requests_are_collected_as_jsonl_when_configured(
    served: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    collect = tmp_path / "collected"
    monkeypatch.setenv("COMPLIANCE_COLLECT_DIR", str(collect))
    score.init()
    score.run('{"inputs": ["lead-free solder", "R-134a A/C line"]}')
    score.run('{"inputs": 5}')  # rejected: not collected
    score.run('{"inputs": ["asbestos-free brake lining"]}')
    (path,) = collect.glob("model_io-*.jsonl")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["inputs"] for r in records] == [
        ["lead-free solder", "R-134a A/C line"],
        ["asbestos-free brake lining"],
    ]
    assert all(len(r["outputs"]) == len(r["inputs"]) for r in records)
    assert {r["model_version"] for r in records} == {"compliance-nlp:3"}
    assert len({r["correlation_id"] for r in records}) == 2


def test_nothing_is_collected_when_unset(served: Path, tmp_path: Path) -> None:
    assert score._state.jsonl is None
    score.run('{"inputs": ["hose"]}')


def test_model_discovery_errors(onnx_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(score.ModelNotFound, match="does not exist"):
        score.find_onnx_model(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(score.ModelNotFound, match="no model.onnx"):
        score.find_onnx_model(tmp_path / "empty")
    azure_model_layout(onnx_dir, tmp_path / "two", version=1)
    azure_model_layout(onnx_dir, tmp_path / "two", version=2)
    with pytest.raises(score.ModelNotFound, match="several exported models"):
        score.find_onnx_model(tmp_path / "two")


def test_int8_falls_back_to_fp32_when_absent(onnx_dir: Path, tmp_path: Path) -> None:
    version_dir = azure_model_layout(onnx_dir, tmp_path)
    (version_dir / "onnx" / "model.int8.onnx").unlink()
    assert score.find_onnx_model(version_dir, "int8").name == "model.onnx"


def test_run_before_init_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(score, "_state", None)
    with pytest.raises(RuntimeError, match="init"):
        score.run('{"inputs": ["x"]}')


def test_scoring_does_not_import_torch_or_transformers(azure_model_dir: Path) -> None:
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import score; score.init(); "
        "out = score.run(json.dumps({'inputs': ['hose']})); assert out['predictions'], out; "
        "heavy = sorted({'torch', 'transformers'} & set(sys.modules)); print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(SRC_DIR)],
        env={"AZUREML_MODEL_DIR": str(azure_model_dir), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
