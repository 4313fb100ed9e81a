#!/usr/bin/env bash
# Create the Terraform state storage named in an environment config, once.
#
#   scripts/bootstrap-state.sh config-infra-prod.yml [extra terraform apply args]
#
# Reads terraform.state (resource group, storage account, container), location,
# subscription_id and tags from the config, then applies terraform/bootstrap:
# storage account with versioning, soft delete and shared keys off, a private
# container, a delete lock, and Storage Blob Data Contributor on the container for
# the identity running this script (or STATE_CONTRIBUTORS="<objectId>,<objectId>").
# Authentication is Azure AD only: `az login`, or OIDC in CI (ARM_USE_OIDC=true).
# Idempotent: running it again changes nothing. State of the bootstrap itself stays
# in terraform/bootstrap/terraform.tfstate (git-ignored); keep it.
set -euo pipefail
cd "$(dirname "$0")/.."

config="${1:?usage: scripts/bootstrap-state.sh CONFIG_FILE [terraform apply args]}"
shift
python="${PYTHON:-.venv/bin/python}"
[ -x "$python" ] || python=python3

varfile="$(mktemp --suffix=.tfvars.json)"
trap 'rm -f "$varfile"' EXIT

STATE_CONTRIBUTORS="${STATE_CONTRIBUTORS:-}" "$python" - "$config" "$varfile" <<'PY'
import json
import os
import sys
from pathlib import Path

from mlops_toolkit.config import load_config

config = load_config(Path(sys.argv[1]))
state = config.terraform.state
if state is None:
    sys.exit(f"{sys.argv[1]}: terraform.state is not set; nothing to bootstrap")
contributors = [p for p in os.environ.get("STATE_CONTRIBUTORS", "").split(",") if p]
Path(sys.argv[2]).write_text(json.dumps({
    "subscription_id": config.subscription_id or "",
    "location": config.location,
    "resource_group_name": state.resource_group,
    "storage_account_name": state.storage_account,
    "container_name": state.container,
    "state_contributor_principal_ids": contributors,
    "tags": {**config.tags, "managed_by": "mlops-toolkit", "purpose": "terraform-state"},
}))
PY

terraform -chdir=terraform/bootstrap init -input=false
terraform -chdir=terraform/bootstrap apply -input=false -var-file="$varfile" "$@"
