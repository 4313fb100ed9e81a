"""ONNX export: files, opset and dynamic axes, PyTorch parity, the int8 quality gate."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from tests.examples.compliance_nlp import serving_fixtures
from tests.examples.compliance_nlp.serving_fixtures import import_src

# Session fixtures shared by the serving tests.
onnx_dir = serving_fixtures.onnx_dir
untrained_model_dir = serving_fixtures.untrained_model_dir

export_onnx = import_src("export_onnx")


def test_export_writes_both_variants_tokenizer_meta_and_report(onnx_dir: Path) -> None:
    for name in (
        "model.onnx",
        "model.int8.onnx",
        "tokenizer.json",
        "tokenizer_config.json",
        "compliance_meta.json",
        "export_report.json",
    ):
        assert (onnx_dir / name).is_file(), name
    report = json.loads((onnx_dir / "export_report.json").read_text())
    assert report["passed"] is True and report["problems"] == []
    assert report["fp32_max_abs_logit_diff"] < 1e-4
    assert report["int8_max_abs_logit_diff"] < 0.5
    assert report["int8_size_bytes"] < report["fp32_size_bytes"] / 3


@pytest.mark.parametrize("name", ["model.onnx", "model.int8.onnx"])
def test_graph_has_opset_17_and_dynamic_batch_and_sequence(onnx_dir: Path, name: str) -> None:
    import onnx

    model = onnx.load(str(onnx_dir / name), load_external_data=False)
    default_opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    assert default_opset >= 17
    inputs = {i.name: i for i in model.graph.input}
    assert {"input_ids", "attention_mask"} <= set(inputs)
    for tensor in inputs.values():
        dims = tensor.type.tensor_type.shape.dim
        assert [d.dim_param for d in dims] == ["batch", "sequence"]
    (logits,) = model.graph.output
    assert logits.name == "logits"
    assert logits.type.tensor_type.shape.dim[0].dim_param == "batch"


def test_onnx_matches_pytorch_on_other_batch_and_sequence_shapes(
    onnx_dir: Path, untrained_model_dir: Path
) -> None:
    import onnxruntime as ort

    modeling = import_src("modeling")
    loaded = modeling.load_model_dir(untrained_model_dir)
    texts = [
        "cable tie PA66",
        "Compressor assembly for A/C, refrigerant R-134a 650 g, oil PAG 46, supplier Sanden",
        "steel bracket, Pb 0.3 %",
    ]
    texts = [modeling.normalize_text(t) for t in texts]
    enc = loaded.tokenizer(texts, padding=True, truncation=True, max_length=64, return_tensors="np")
    reference = loaded.model(**loaded.tokenizer(texts, padding=True, return_tensors="pt"))
    reference = reference.logits.detach().numpy()
    session = ort.InferenceSession(str(onnx_dir / "model.onnx"), providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    got = session.run(["logits"], {k: v for k, v in enc.items() if k in wanted})[0]
    assert got.shape == (3, 2)
    np.testing.assert_allclose(got, reference, atol=1e-4)


def test_macro_f1() -> None:
    assert export_onnx.macro_f1([0, 1, 1, 0], [0, 1, 1, 0]) == 1.0
    # class 0: tp=1 fp=1 fn=1 -> 0.5; class 1: tp=1 fp=1 fn=1 -> 0.5
    assert export_onnx.macro_f1([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(0.5)
    assert export_onnx.macro_f1([1, 1], [1, 1]) == pytest.approx(0.5)  # absent class scores 0


def test_cli_reports_f1_and_fails_loudly_when_int8_loses_too_much(
    untrained_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "eval.csv"
    rows = ["description,label"] + [
        f'"{text}",{label}'
        for text, label in [
            ("lead-free solder, SAC305", "compliant"),
            ("brake hose assembly, FMVSS 106 certification pending", "non_compliant"),
            ("A/C charged with R-134a", "non_compliant"),
            ("NAO brake pads, asbestos-free", "compliant"),
        ]
    ]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "onnx"
    # A negative allowance can never be met: the gate must fail after reporting.
    code = export_onnx.main(
        [
            "--model-dir", str(untrained_model_dir),
            "--output-dir", str(out),
            "--eval-data", str(csv),
            "--max-f1-drop", "-1",
        ]
    )  # fmt: skip
    assert code == 1
    assert "int8 macro-F1" in capsys.readouterr().err
    report = json.loads((out / "export_report.json").read_text())
    assert report["passed"] is False
    assert report["eval_rows"] == 4
    assert 0.0 <= report["int8_macro_f1"] <= 1.0 and 0.0 <= report["fp32_macro_f1"] <= 1.0
    assert report["int8_f1_drop"] == pytest.approx(
        report["fp32_macro_f1"] - report["int8_macro_f1"]
    )
    # judged at the decision threshold score.py serves with (0.5: none in this meta)
    assert report["decision_threshold"] == 0.5
    assert report["fp32_recall_non_compliant"] in (0.0, 0.5, 1.0)  # two non_compliant rows


def test_model_dir_without_meta_is_refused(tmp_path: Path) -> None:
    modeling = import_src("modeling")
    with pytest.raises(modeling.ModelDirError, match="compliance_meta.json"):
        export_onnx.export_model(tmp_path, tmp_path / "onnx")
    assert not (tmp_path / "onnx").exists()
    assert os.listdir(tmp_path) == []


def test_int8_fallback_deletes_a_lossy_int8_so_fp32_is_served(
    untrained_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "eval.csv"
    csv.write_text(
        "description,label\n"
        '"lead-free solder, SAC305",compliant\n'
        '"brake hose assembly, FMVSS 106 certification pending",non_compliant\n',
        encoding="utf-8",
    )
    out = tmp_path / "onnx"
    code = export_onnx.main(
        [
            "--model-dir", str(untrained_model_dir),
            "--output-dir", str(out),
            "--eval-data", str(csv),
            "--max-f1-drop", "-1",  # can never be met
            "--int8-fallback",
        ]
    )  # fmt: skip
    assert code == 0
    assert "fp32 is served" in capsys.readouterr().err
    report = json.loads((out / "export_report.json").read_text())
    assert report["passed"] is True and report["int8_dropped"].startswith("int8 macro-F1")
    assert (out / "model.onnx").exists() and not (out / "model.int8.onnx").exists()
    score = import_src("score")
    assert score.find_onnx_model(out, "int8").name == "model.onnx"
