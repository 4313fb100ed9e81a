#!/usr/bin/env bash
# Static security checks of the Terraform code with checkov, offline.
#
# Two scans: terraform/ as a whole (the root composition, which checks the modules
# with the root's inputs, dev's public endpoints included, plus the state bootstrap
# and the CI identity root),
# and every module on its own with its secure defaults (checkov 3.x drops resources
# whose inputs come from other modules' outputs from the composition, e.g. the
# workspace). The plans of the shipped configs are scanned by
# tests/terraform/test_checkov.py, which needs the azurerm provider to plan.
# Prints the totals and every inline skip with its reason; exits non-zero when a
# check fails. Usage: terraform/checkov.sh [checkov args]
set -euo pipefail
cd "$(dirname "$0")"
export BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false CKV_FRAMEWORK=terraform
CHECKOV="${CHECKOV:-$(command -v checkov || echo ../.venv/bin/checkov)}"

status=0
for dir in . modules; do
  echo "== checkov $dir" >&2
  "$CHECKOV" --directory "$dir" --framework terraform --skip-download --compact --quiet "$@" || status=$?
done

# The CI identities' role assignments: scoped to a resource group or a resource in one,
# never a subscription (custom policy). checkov cannot expand the root's computed for_each,
# so the policy runs on a literal composition of the module.
echo "== checkov ci_identity role assignment scopes (CKV2_MLOPS_1)" >&2
"$CHECKOV" --directory ../tests/terraform/fixtures/ci_identity_checkov --framework terraform \
  --skip-download --compact --quiet --external-checks-dir ci_identity/checkov \
  --check CKV2_MLOPS_1 "$@" || status=$?

echo "== inline checkov skips (file:line: id: reason)" >&2
grep -rnoE '#checkov:skip=[A-Z0-9_]+:.*' --include='*.tf' . | sed 's|^\./||; s|#checkov:skip=||' | sort
exit "$status"
