#!/usr/bin/env bash
# Deploy every Terraform root to LocalStack with tflocal, write the integration tests' outputs file, or tear
# everything down. The recipe of terraform/README.md ("LocalStack") and the LocalStack job of
# .github/workflows/test.yml both run this.
#
#   make package && tools/localstack.sh apply     # then: LOCALCLOUD_OUTPUTS=build/outputs.json make test-integration
#   tools/localstack.sh destroy
#
# Needs: LocalStack running (LOCALSTACK_AUTH_TOKEN set for the image, the Docker socket mounted for Lambda),
# Terraform >= 1.10, tflocal >= 0.26 (terraform/requirements-localstack.txt) and python3 with boto3 on PATH.
set -euo pipefail

action=${1:?usage: tools/localstack.sh apply|destroy}
repo=$(cd "$(dirname "$0")/.." && pwd)
# The order of applies: the shared bus and alarm topic first, the services after (they look them up);
# orders after reservations, whose outputs it takes (and destroyed before it: the reverse order).
roots=(shared stock oven reservations orders)

export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_REGION=${AWS_REGION:-us-east-1}
export AWS_ENDPOINT_URL=${AWS_ENDPOINT_URL:-http://localhost.localstack.cloud:4566}
state_bucket=terraform-state  # what every backend.localstack.hcl names

# The state bucket lives in LocalStack too; each root keeps its own key in it (backend.localstack.hcl).
python3 - "$state_bucket" <<'PY'
import sys, boto3
s3 = boto3.client("s3")
if sys.argv[1] not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
    s3.create_bucket(Bucket=sys.argv[1])
PY

in_root() {
  local root=$1
  shift
  (cd "$repo/terraform/deployments/$root" && "$@")
}

# The variables a root takes from another root's outputs, as -var arguments (read from that root's state).
# On destroy a missing output (reservations never applied) gives an empty value: there is nothing to destroy.
root_vars=()
output_of() {
  in_root "$1" tflocal output -raw "$2" 2>/dev/null || [[ $action == destroy ]]
}
outputs_of() {
  local root=$1
  root_vars=()
  if [[ $root == orders ]]; then
    in_root reservations tflocal init -input=false -reconfigure -backend-config=backend.localstack.hcl >/dev/null
    root_vars+=("-var=reservations_commands_queue_url=$(output_of reservations commands_queue_url)")
    root_vars+=("-var=reservations_archive_bucket=$(output_of reservations archive_bucket)")
    in_root stock tflocal init -input=false -reconfigure -backend-config=backend.localstack.hcl >/dev/null
    root_vars+=("-var=stock_api_url=$(output_of stock api_url)")
    in_root oven tflocal init -input=false -reconfigure -backend-config=backend.localstack.hcl >/dev/null
    root_vars+=("-var=oven_new_items_queue_url=$(output_of oven new_items_queue_url)")
  fi
}

case $action in
  apply)
    mkdir -p "$repo/build/terraform-outputs"
    for root in "${roots[@]}"; do
      # Its own backend config, always: without it tflocal gives every root the same state.
      outputs_of "$root"
      in_root "$root" tflocal init -input=false -reconfigure -backend-config=backend.localstack.hcl
      in_root "$root" tflocal apply -input=false -auto-approve -var-file=localstack.tfvars "${root_vars[@]}"
      in_root "$root" tflocal output -json > "$repo/build/terraform-outputs/$root.json"
    done
    make -C "$repo" --no-print-directory outputs ENDPOINT="$AWS_ENDPOINT_URL" REGION="$AWS_REGION" \
      DEPLOYMENTS="${roots[*]}"
    ;;
  destroy)
    for ((i = ${#roots[@]} - 1; i >= 0; i--)); do
      root=${roots[i]}
      outputs_of "$root"
      in_root "$root" tflocal init -input=false -reconfigure -backend-config=backend.localstack.hcl
      in_root "$root" tflocal destroy -input=false -auto-approve -var-file=localstack.tfvars "${root_vars[@]}"
    done
    ;;
  *)
    echo "usage: tools/localstack.sh apply|destroy" >&2
    exit 2
    ;;
esac
