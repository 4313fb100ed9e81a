"""GitHub Actions workflows for a project: infra, training and release. Pure text rendering.

Keyless: jobs that reach Azure get an OIDC token (``permissions: id-token:
write``) and log in with ``azure/login`` from the client id, tenant id and
subscription id in repository variables (``vars.*``; none of them is a
secret); Terraform uses the same token (``ARM_USE_OIDC``). Every workflow
starts with no permissions and each job asks for what it needs; checkouts
keep no credentials; values from outside reach scripts through ``env``,
never by template expansion inside ``run``.

Variables, per environment ``ENV`` (``DEV``, ``PROD``), printed by the
``terraform/ci_identity`` outputs: ``AZURE_CLIENT_ID_ENV`` (the deploy
identity, used by jobs in GitHub environment ``env``),
``AZURE_PLAN_CLIENT_ID_ENV`` (the read-mostly identity of pull-request
plans), ``AZURE_SUBSCRIPTION_ID_ENV``, and ``AZURE_TENANT_ID``.
"""

from __future__ import annotations

from mlops_toolkit.cicd import actions
from mlops_toolkit.cicd.context import (
    CHECKOV_VERSION,
    CREATE_REGISTRY,
    PYTHON_VERSION,
    TERRAFORM_VERSION,
    EnvironmentPlan,
    PipelineContext,
)
from mlops_toolkit.cicd.text import block, scalar, str_list

INFRA = "mlops-infra.yml"
TRAINING = "mlops-training.yml"
RELEASE = "mlops-release.yml"


def render(ctx: PipelineContext, directory: str = ".github/workflows") -> dict[str, str]:
    """File name -> content of the three workflows. Pure and deterministic."""
    return {
        INFRA: infra_workflow(ctx, directory),
        TRAINING: training_workflow(ctx, directory),
        RELEASE: release_workflow(ctx),
    }


# --------------------------------------------------------------------------- pieces


def _top(ctx: PipelineContext, name: str, triggers: str, concurrency: str) -> str:
    return f"""name: {name}
{triggers}
permissions: {{}}
concurrency:
  group: {concurrency}
  cancel-in-progress: false
defaults:
  run:
    shell: bash
env:
  MLOPS_TOOLKIT_PACKAGE: ${{{{ vars.MLOPS_TOOLKIT_PACKAGE || '{ctx.toolkit_package}' }}}}
  ARM_USE_OIDC: "true"
"""


def _setup(*, terraform: bool = False, extra_packages: str = "") -> str:
    """Checkout, Python and the toolkit (and Terraform) at steps indentation."""
    steps = f"""      - uses: {actions.CHECKOUT.uses}
        with:
          persist-credentials: false
      - uses: {actions.SETUP_PYTHON.uses}
        with:
          python-version: "{PYTHON_VERSION}"
      - name: Install mlops-toolkit
        run: {block(f'python -m pip install "$MLOPS_TOOLKIT_PACKAGE"{extra_packages}', 10)}
"""
    if terraform:
        steps += f"""      - uses: {actions.SETUP_TERRAFORM.uses}
        with:
          terraform_version: "{TERRAFORM_VERSION}"
          terraform_wrapper: false
"""
    return steps


def _identity(env: EnvironmentPlan, *, plan: bool = False) -> str:
    """Job-level ``env`` naming the identity; empty for a local-target environment."""
    if not env.azure:
        return ""
    client = f"AZURE_PLAN_CLIENT_ID_{env.upper}" if plan else f"AZURE_CLIENT_ID_{env.upper}"
    return f"""    env:
      AZURE_CLIENT_ID: ${{{{ vars.{client} }}}}
      AZURE_TENANT_ID: ${{{{ vars.AZURE_TENANT_ID }}}}
      AZURE_SUBSCRIPTION_ID: ${{{{ vars.AZURE_SUBSCRIPTION_ID_{env.upper} }}}}
"""


def _login(env: EnvironmentPlan) -> str:
    if not env.azure:
        return ""
    return f"""      - name: Azure login (OIDC, no secret)
        uses: {actions.AZURE_LOGIN.uses}
        with:
          client-id: ${{{{ env.AZURE_CLIENT_ID }}}}
          tenant-id: ${{{{ env.AZURE_TENANT_ID }}}}
          subscription-id: ${{{{ env.AZURE_SUBSCRIPTION_ID }}}}
"""


READ = "contents: read # check out the repository"
TOKEN = "id-token: write # an OIDC token for azure/login and Terraform: no secret"


def _permissions(env: EnvironmentPlan) -> str:
    token = f"\n      {TOKEN}" if env.azure else ""
    return f"""    permissions:
      {READ}{token}
"""


def _run(name: str, script: str, *, condition: str | None = None, step_id: str | None = None,
         step_env: dict[str, str] | None = None) -> str:  # fmt: skip
    lines = [f"      - name: {scalar(name)}"]
    if step_id:
        lines.append(f"        id: {step_id}")
    if condition:
        lines.append(f"        if: {condition}")
    if step_env:
        lines.append("        env:")
        lines += [f"          {k}: {v}" for k, v in step_env.items()]
    lines.append(f"        run: {block(script, 10)}")
    return "\n".join(lines) + "\n"


def _upload(name: str, path: str) -> str:
    return f"""      - name: Upload {name}
        if: always()
        uses: {actions.UPLOAD_ARTIFACT.uses}
        with:
          name: {name}
          path: {path}
          if-no-files-found: ignore
          include-hidden-files: true
"""


def _terraform_dir(ctx: PipelineContext) -> tuple[str, str]:
    """(a step that finds the Terraform root, the expression naming it)."""
    if ctx.terraform_dir:
        return "", scalar(ctx.terraform_dir)
    script = (
        "dir=\"$(python -c 'from mlops_toolkit.resources import bundled_path; "
        'print(bundled_path("terraform"))\')"\n'
        'echo "dir=$dir" >> "$GITHUB_OUTPUT"'
    )
    step = _run("Locate the Terraform modules shipped with the toolkit", script, step_id="tf")
    return step, "${{ steps.tf.outputs.dir }}"


# --------------------------------------------------------------------------- workflows


def infra_workflow(ctx: PipelineContext, directory: str) -> str:
    """Pull requests: validate, fmt, checkov, plan every environment (summary in the job
    summary). main: apply the environments in order, approval-needing ones behind their
    GitHub environment and ``--confirm-env``."""
    paths = ["config-infra-*.yml", f"{directory}/{INFRA}"]
    if ctx.terraform_dir:
        paths.insert(1, f"{ctx.terraform_dir}/**")
    path_list = str_list(paths, 6)
    triggers = f"""on:
  pull_request:
    branches:
      - main
    paths:
{path_list}
  push:
    branches:
      - main
    paths:
{path_list}
  workflow_dispatch:"""
    locate, tf_dir = _terraform_dir(ctx)
    out = _top(ctx, "mlops-infra", triggers, "mlops-infra-${{ github.ref }}")
    out += f"""jobs:
  validate:
    name: Validate configs and Terraform
    runs-on: ubuntu-latest
    permissions:
      {READ}
    steps:
{_setup(terraform=True, extra_packages=f' "checkov=={CHECKOV_VERSION}"')}"""
    out += _run("Validate every environment config", "mlops-toolkit env validate")
    out += locate
    out += _run("terraform fmt", 'terraform fmt -check -recursive "$TF_DIR"',
                step_env={"TF_DIR": tf_dir})  # fmt: skip
    out += _run("checkov", 'checkov --directory "$TF_DIR" --framework terraform --quiet --compact',
                step_env={"TF_DIR": tf_dir})  # fmt: skip
    for env in ctx.environments:
        out += f"""
  plan-{env.name}:
    name: Plan {env.name}
    if: github.event_name == 'pull_request'
    needs: validate
    runs-on: ubuntu-latest
{_permissions(env)}{_identity(env, plan=True)}    steps:
{_setup(terraform=True)}{_login(env)}"""
        out += _run(
            f"Plan {env.name} (changes nothing)",
            f"mlops-toolkit provision --env {env.name} --plan-only 2>&1 | tee plan-{env.name}.txt",
        )
        out += _run(
            "Plan summary",
            f"""{{
  echo "### Terraform plan: {env.name}"
  echo '```'
  cat plan-{env.name}.txt
  echo '```'
}} >> "$GITHUB_STEP_SUMMARY\"""",
            condition="always()",
        )
    previous = "validate"
    for env in ctx.environments:
        approval = f"--confirm-env {env.name}" if env.needs_approval else "--auto-approve"
        out += f"""
  apply-{env.name}:
    name: Apply {env.name}
    if: github.event_name != 'pull_request' && github.ref == 'refs/heads/main'
    needs: {previous}
    runs-on: ubuntu-latest
    environment: {env.name}
{_permissions(env)}{_identity(env)}    steps:
{_setup(terraform=True)}{_login(env)}"""
        out += _run(f"Apply {env.name}", f"mlops-toolkit provision --env {env.name} {approval}")
        if env.shared_registry:
            out += _run(CREATE_REGISTRY[0], CREATE_REGISTRY[1].format(env=env.name))
        previous = f"apply-{env.name}"
    return out


def training_workflow(ctx: PipelineContext, directory: str) -> str:
    """Model code changes on main, a weekly schedule or by hand: train in the first
    environment, fail when the challenger loses (exit 7), release a new champion."""
    env = ctx.first
    paths = [*ctx.workload_paths, env.config_file, f"{directory}/{TRAINING}"]
    triggers = f"""on:
  push:
    branches:
      - main
    paths:
{str_list(paths, 6)}
  schedule:
    - cron: "0 3 * * 1"
  workflow_dispatch:"""
    out = _top(ctx, "mlops-training", triggers, "mlops-training")
    champion = f"{ctx.model_name}@{ctx.champion_alias}"
    out += f"""jobs:
  train:
    name: Train in {env.name}
    runs-on: ubuntu-latest
    timeout-minutes: 360
    environment: {env.name}
{_permissions(env)}{_identity(env)}    outputs:
      model: ${{{{ steps.champion.outputs.model }}}}
    steps:
{_setup()}{_login(env)}"""
    out += _run(
        "Train, evaluate against the champion, register",
        f"mlops-toolkit train --env {env.name} --require-new-champion",
    )
    out += _run(
        "The new champion",
        f"""ref="$(mlops-toolkit models show {champion} --env {env.name} -o json \\
  | jq -r '.name + ":" + .version')"
echo "model=$ref" >> "$GITHUB_OUTPUT\"""",
        step_id="champion",
    )
    out += f"""
  release:
    name: Release the new champion
    needs: train
    permissions:
      {READ}
      {TOKEN}
    # The ./ form is the one GitHub documents for a workflow of the same repository and commit.
    uses: ./{directory}/{RELEASE} # zizmor: ignore[self-repository]
    with:
      model: ${{{{ needs.train.outputs.model }}}}
"""
    return out


def release_workflow(ctx: PipelineContext) -> str:
    """By hand or called by training: swap the version in the first environment, then
    promote it and swap it into each next one, approval-needing ones behind their
    GitHub environment. A failed gate rolls back and fails the run (exit 7); every
    swap's report is uploaded."""
    description = "Model to release, as the first environment names it (NAME:VERSION or NAME@ALIAS)"
    triggers = f"""on:
  workflow_dispatch:
    inputs:
      model:
        description: {scalar(description)}
        required: true
        default: {scalar(f"{ctx.model_name}@{ctx.champion_alias}")}
        type: string
  workflow_call:
    inputs:
      model:
        description: {scalar(description)}
        required: true
        type: string"""
    out = _top(ctx, "mlops-release", triggers, "mlops-release") + "jobs:"
    previous: EnvironmentPlan | None = None
    for env in ctx.environments:
        out += f"""
  release-{env.name}:
    name: Release to {env.name}
"""
        if previous is not None:
            out += f"    needs: release-{previous.name}\n"
        out += f"""    runs-on: ubuntu-latest
    timeout-minutes: 120
    environment: {env.name}
{_permissions(env)}{_identity(env)}    outputs:
      model: ${{{{ steps.version.outputs.model }}}}
    steps:
{_setup()}{_login(env)}"""
        if previous is None:
            out += _run(
                "Pin the version",
                f"""ref="$(mlops-toolkit models show "$MODEL" --env {env.name} -o json \\
  | jq -r '.name + ":" + .version')"
echo "model=$ref" >> "$GITHUB_OUTPUT\"""",
                step_id="version",
                step_env={"MODEL": "${{ inputs.model }}"},
            )
        else:
            approval = f" --confirm-env {env.name}" if env.needs_approval else ""
            out += _run(
                f"Promote the same version from {previous.name}",
                f"""mlops-toolkit models promote "$SOURCE_MODEL" --from {previous.name} \\
  --to {env.name}{approval} -o json > promotion-{env.name}.json
echo "model=$(jq -r .ref promotion-{env.name}.json)" >> "$GITHUB_OUTPUT\"""",
                step_id="version",
                step_env={
                    "SOURCE_MODEL": f"${{{{ needs.release-{previous.name}.outputs.model }}}}"
                },
            )
        out += _release_steps(env)
        previous = env
    return out + "\n"


def _needs_model(env: EnvironmentPlan) -> str:
    return f"${{{{ needs.release-{env.name}.outputs.model }}}}"


def _release_steps(env: EnvironmentPlan) -> str:
    approval = f" --confirm-env {env.name}" if env.needs_approval else ""
    out = _run(
        "Create the endpoint on the first release",
        f"""endpoint="$(mlops-toolkit env show --env {env.name} -o json \\
  | jq -r .names.online_endpoint)"
echo "name=$endpoint" >> "$GITHUB_OUTPUT"
if ! mlops-toolkit endpoint show "$endpoint" --env {env.name} -o json > /dev/null; then
  mlops-toolkit endpoint create "$endpoint" --env {env.name}
fi""",
        step_id="endpoint",
    )
    out += _run(
        "Deploy to the idle slot, smoke-test, shift traffic with the rollout gates",
        f'mlops-toolkit endpoint swap "$ENDPOINT" --env {env.name} --model "$MODEL_REF"' + approval,
        step_env={
            "ENDPOINT": "${{ steps.endpoint.outputs.name }}",
            "MODEL_REF": "${{ steps.version.outputs.model }}",
        },
    )
    out += _upload(f"release-report-{env.name}", f".mlops/{env.name}/rollouts/")
    return out
