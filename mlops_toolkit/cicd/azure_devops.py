"""Azure Pipelines for a project: infra, training and release. Pure text rendering.

Keyless: every step that reaches Azure runs in an ``AzureCLI@2`` task
bound to a workload identity federation service connection (no secret in
the connection or here); the task's federated token goes to Terraform as
``ARM_OIDC_TOKEN`` with ``ARM_USE_OIDC``, and the toolkit's SDK calls use
the task's Azure CLI login. Service connections, one per environment and
one for pull-request plans, are named ``mlops-<env>`` and
``mlops-<env>-plan``; ``terraform/ci_identity`` prints the issuer and
subject each needs. Approval-needing environments run in deployment jobs
whose Azure DevOps environment carries the approval check, and pass the
toolkit's own ``--confirm-env``.
"""

from __future__ import annotations

from mlops_toolkit.cicd.context import (
    CHECKOV_VERSION,
    CREATE_REGISTRY,
    PYTHON_VERSION,
    TERRAFORM_VERSION,
    EnvironmentPlan,
    PipelineContext,
)
from mlops_toolkit.cicd.text import block, indent, scalar, str_list

INFRA = "mlops-infra.yml"
TRAINING = "mlops-training.yml"
RELEASE = "mlops-release.yml"
#: The pipeline name the release pipeline's completion trigger refers to.
TRAINING_PIPELINE_NAME = "mlops-training"


def render(ctx: PipelineContext, directory: str = ".azure-pipelines") -> dict[str, str]:
    """File name -> content of the three pipelines. Pure and deterministic."""
    return {
        INFRA: infra_pipeline(ctx, directory),
        TRAINING: training_pipeline(ctx, directory),
        RELEASE: release_pipeline(ctx),
    }


#: Apply stages run for main only, never for a pull request.
MAIN_ONLY = (
    "and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'), "
    "eq(variables['Build.SourceBranch'], 'refs/heads/main'))"
)


def _output_of(env: EnvironmentPlan) -> str:
    """The version the release stage of ``env`` pinned or promoted (an output variable)."""
    return f"$[ stageDependencies.release_{env.name}.release.outputs['release.version.model'] ]"


def service_connection(env: EnvironmentPlan, *, plan: bool = False) -> str:
    return f"mlops-{env.name}-plan" if plan else f"mlops-{env.name}"


# --------------------------------------------------------------------------- pieces


def _variables(ctx: PipelineContext) -> str:
    return f"""pool:
  vmImage: ubuntu-latest
variables:
  - name: MLOPS_TOOLKIT_PACKAGE
    value: {scalar(ctx.toolkit_package)}
  - name: ARM_USE_OIDC
    value: "true"
"""


def _script(name: str, script: str, *, condition: str | None = None,
            env: dict[str, str] | None = None) -> str:  # fmt: skip
    """A bash ``script`` step (at steps indentation 0; callers indent)."""
    lines = [f"- script: {block('set -euo pipefail' + chr(10) + script, 4)}",
             f"  displayName: {scalar(name)}"]  # fmt: skip
    if condition:
        lines.append(f"  condition: {condition}")
    if env:
        lines.append("  env:")
        lines += [f"    {k}: {v}" for k, v in env.items()]
    return "\n".join(lines) + "\n"


def _azure(
    env: EnvironmentPlan,
    name: str,
    script: str,
    *,
    plan: bool = False,
    step_name: str | None = None,
    step_env: dict[str, str] | None = None,
) -> str:
    """``script`` with the environment's identity: an ``AzureCLI@2`` task for an azure
    target, a plain script for a local one."""
    if not env.azure:
        step = _script(name, script, env=step_env)
        return (
            step.replace("- script:", f"- name: {step_name}\n  script:", 1) if step_name else step
        )
    login = (
        'export ARM_CLIENT_ID="$servicePrincipalId" ARM_TENANT_ID="$tenantId" '
        'ARM_OIDC_TOKEN="$idToken"\n'
        'export AZURE_SUBSCRIPTION_ID="$(az account show --query id -o tsv)"\n'
    )
    lines = ["- task: AzureCLI@2"]
    if step_name:
        lines.append(f"  name: {step_name}")
    lines += [
        f"  displayName: {scalar(name)}",
        "  inputs:",
        f"    azureSubscription: {service_connection(env, plan=plan)}",
        "    scriptType: bash",
        "    scriptLocation: inlineScript",
        "    addSpnToEnvironment: true",
        f"    inlineScript: {block('set -euo pipefail' + chr(10) + login + script, 6)}",
    ]
    if step_env:
        lines.append("  env:")
        lines += [f"    {k}: {v}" for k, v in step_env.items()]
    return "\n".join(lines) + "\n"


def _setup(*, terraform: bool = False, extra_packages: str = "") -> str:
    steps = f"""- checkout: self
  persistCredentials: "false"
- task: UsePythonVersion@0
  displayName: Python {PYTHON_VERSION}
  inputs:
    versionSpec: "{PYTHON_VERSION}"
"""
    steps += _script(
        "Install mlops-toolkit", f'python -m pip install "$MLOPS_TOOLKIT_PACKAGE"{extra_packages}'
    )
    if terraform:
        steps += _script(
            f"Install Terraform {TERRAFORM_VERSION} (HashiCorp's signed apt repository)",
            "wget -qO- https://apt.releases.hashicorp.com/gpg \\\n"
            "  | sudo gpg --dearmor -o /usr/share/keyrings/hashicorp-archive-keyring.gpg\n"
            'echo "deb [signed-by=/usr/share/keyrings/hashicorp-archive-keyring.gpg] '
            'https://apt.releases.hashicorp.com $(lsb_release -cs) main" \\\n'
            "  | sudo tee /etc/apt/sources.list.d/hashicorp.list\n"
            "sudo apt-get update -q\n"
            f'sudo apt-get install -y -q "terraform={TERRAFORM_VERSION}-1"',
        )
    return steps


def _publish(name: str, path: str) -> str:
    return f"""- publish: {path}
  artifact: {name}
  displayName: Publish {name}
  condition: always()
"""


def _deployment(env: EnvironmentPlan, steps: str, *, job: str) -> str:
    """A deployment job in Azure DevOps environment ``env`` (its checks gate it)."""
    return f"""      - deployment: {job}
        environment: {env.name}
        strategy:
          runOnce:
            deploy:
              steps:
{indent(steps, 16)}
"""


# --------------------------------------------------------------------------- pipelines


def infra_pipeline(ctx: PipelineContext, directory: str) -> str:
    """Pull requests: validate, fmt, checkov and a plan per environment (published as a
    build artefact). main: apply the environments in order behind their checks."""
    paths = ["config-infra-*.yml", f"{directory}/{INFRA}"]
    if ctx.terraform_dir:
        paths.insert(1, ctx.terraform_dir)
    path_list = str_list(paths, 6)
    out = f"""trigger:
  branches:
    include:
      - main
  paths:
    include:
{path_list}
pr:
  branches:
    include:
      - main
  paths:
    include:
{path_list}
{_variables(ctx)}stages:
  - stage: validate
    displayName: Validate configs and Terraform
    jobs:
      - job: validate
        steps:
"""
    if ctx.terraform_dir:
        tf_dir = scalar(ctx.terraform_dir)
        locate = ""
    else:
        tf_dir = "$(TF_DIR)"
        locate = _script(
            "Locate the Terraform modules shipped with the toolkit",
            "dir=\"$(python -c 'from mlops_toolkit.resources import bundled_path; "
            'print(bundled_path("terraform"))\')"\n'
            'echo "##vso[task.setvariable variable=TF_DIR]$dir"',
        )
    steps = _setup(terraform=True, extra_packages=f' "checkov=={CHECKOV_VERSION}"')
    steps += _script("Validate every environment config", "mlops-toolkit env validate")
    steps += locate
    steps += _script("terraform fmt", 'terraform fmt -check -recursive "$DIR"', env={"DIR": tf_dir})
    steps += _script(
        "checkov",
        'checkov --directory "$DIR" --framework terraform --quiet --compact',
        env={"DIR": tf_dir},
    )
    out += indent(steps, 10) + "\n"
    for env in ctx.environments:
        plan_file = f"$(Build.ArtifactStagingDirectory)/plan-{env.name}.txt"
        steps = _setup(terraform=True)
        steps += _azure(
            env,
            f"Plan {env.name} (changes nothing)",
            f'mlops-toolkit provision --env {env.name} --plan-only 2>&1 | tee "$PLAN_FILE"',
            plan=True,
            step_env={"PLAN_FILE": plan_file},
        )
        steps += _publish(f"plan-{env.name}", plan_file)
        out += f"""  - stage: plan_{env.name}
    displayName: Plan {env.name}
    dependsOn: validate
    condition: and(succeeded(), eq(variables['Build.Reason'], 'PullRequest'))
    jobs:
      - job: plan
        steps:
{indent(steps, 10)}
"""
    previous = "validate"
    for env in ctx.environments:
        approval = f"--confirm-env {env.name}" if env.needs_approval else "--auto-approve"
        steps = _setup(terraform=True)
        steps += _azure(
            env, f"Apply {env.name}", f"mlops-toolkit provision --env {env.name} {approval}"
        )
        if env.shared_registry:
            steps += _azure(env, CREATE_REGISTRY[0], CREATE_REGISTRY[1].format(env=env.name))
        out += f"""  - stage: apply_{env.name}
    displayName: Apply {env.name}
    dependsOn: {previous}
    condition: {MAIN_ONLY}
    jobs:
{_deployment(env, steps, job="apply")}"""
        previous = f"apply_{env.name}"
    return out


def training_pipeline(ctx: PipelineContext, directory: str) -> str:
    """Model code changes on main, a weekly schedule or by hand: train in the first
    environment and fail when the challenger loses (exit 7). The release pipeline runs
    when this one succeeds."""
    env = ctx.first
    paths = [*ctx.workload_paths, env.config_file, f"{directory}/{TRAINING}"]
    steps = _setup()
    steps += _azure(
        env,
        "Train, evaluate against the champion, register",
        f"mlops-toolkit train --env {env.name} --require-new-champion",
    )
    return f"""trigger:
  branches:
    include:
      - main
  paths:
    include:
{str_list(paths, 6)}
pr: none
schedules:
  - cron: "0 3 * * 1"
    displayName: Weekly retraining
    branches:
      include:
        - main
    always: "true"
{_variables(ctx)}stages:
  - stage: train
    displayName: Train in {env.name}
    jobs:
      - job: train
        timeoutInMinutes: "360"
        steps:
{indent(steps, 10)}
"""


def release_pipeline(ctx: PipelineContext) -> str:
    """When training succeeds, or by hand: swap the version in the first environment,
    then promote it and swap it into each next one behind its environment's checks. A
    failed gate rolls back and fails the run (exit 7); reports are published."""
    out = f"""trigger: none
pr: none
resources:
  pipelines:
    - pipeline: training
      source: {TRAINING_PIPELINE_NAME}
      trigger:
        branches:
          include:
            - main
parameters:
  - name: model
    displayName: Model to release, as the first environment names it (NAME:VERSION or NAME@ALIAS)
    type: string
    default: {scalar(f"{ctx.model_name}@{ctx.champion_alias}")}
{_variables(ctx)}stages:
"""
    previous: EnvironmentPlan | None = None
    for env in ctx.environments:
        steps = _setup()
        if previous is None:
            steps += _azure(
                env,
                "Pin the version",
                f"""ref="$(mlops-toolkit models show "$MODEL" --env {env.name} -o json \\
  | jq -r '.name + ":" + .version')"
echo "##vso[task.setvariable variable=model;isOutput=true]$ref"
echo "##vso[task.setvariable variable=MODEL_REF]$ref\"""",
                step_name="version",
                step_env={"MODEL": "${{ parameters.model }}"},
            )
        else:
            approval = f" --confirm-env {env.name}" if env.needs_approval else ""
            steps += _azure(
                env,
                f"Promote the same version from {previous.name}",
                f"""mlops-toolkit models promote "$SOURCE_MODEL" --from {previous.name} \\
  --to {env.name}{approval} -o json > promotion-{env.name}.json
ref="$(jq -r .ref promotion-{env.name}.json)"
echo "##vso[task.setvariable variable=model;isOutput=true]$ref"
echo "##vso[task.setvariable variable=MODEL_REF]$ref\"""",
                step_name="version",
                step_env={"SOURCE_MODEL": "$(SOURCE_MODEL)"},
            )
        steps += _release_steps(env)
        out += f"""  - stage: release_{env.name}
    displayName: Release to {env.name}
"""
        if previous is not None:
            out += f"""    dependsOn: release_{previous.name}
    variables:
      - name: SOURCE_MODEL
        value: {_output_of(previous)}
"""
        out += f"    jobs:\n{_deployment(env, steps, job='release')}"
        previous = env
    return out


def _release_steps(env: EnvironmentPlan) -> str:
    approval = f" --confirm-env {env.name}" if env.needs_approval else ""
    steps = _azure(
        env,
        "Create the endpoint on the first release",
        f"""endpoint="$(mlops-toolkit env show --env {env.name} -o json \\
  | jq -r .names.online_endpoint)"
echo "##vso[task.setvariable variable=ENDPOINT]$endpoint"
if ! mlops-toolkit endpoint show "$endpoint" --env {env.name} -o json > /dev/null; then
  mlops-toolkit endpoint create "$endpoint" --env {env.name}
fi""",
    )
    steps += _azure(
        env,
        "Deploy to the idle slot, smoke-test, shift traffic with the rollout gates",
        f'mlops-toolkit endpoint swap "$ENDPOINT" --env {env.name} --model "$MODEL_REF"{approval}',
        step_env={"ENDPOINT": "$(ENDPOINT)", "MODEL_REF": "$(MODEL_REF)"},
    )
    steps += _publish(f"release-report-{env.name}", f".mlops/{env.name}/rollouts")
    return steps
