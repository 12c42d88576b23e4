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
# The order of applies: the shared bus and alarm topic first, the services after (they look them up).
roots=(shared stock oven)

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

case $action in
  apply)
    mkdir -p "$repo/build/terraform-outputs"
    for root in "${roots[@]}"; do
      # Its own backend config, always: without it tflocal gives every root the same state.
      in_root "$root" tflocal init -input=false -reconfigure -backend-config=backend.localstack.hcl
      in_root "$root" tflocal apply -input=false -auto-approve -var-file=localstack.tfvars
      in_root "$root" tflocal output -json > "$repo/build/terraform-outputs/$root.json"
    done
    make -C "$repo" --no-print-directory outputs ENDPOINT="$AWS_ENDPOINT_URL" REGION="$AWS_REGION" \
      DEPLOYMENTS="${roots[*]}"
    ;;
  destroy)
    for ((i = ${#roots[@]} - 1; i >= 0; i--)); do
      root=${roots[i]}
      in_root "$root" tflocal init -input=false -reconfigure -backend-config=backend.localstack.hcl
      in_root "$root" tflocal destroy -input=false -auto-approve -var-file=localstack.tfvars
    done
    ;;
  *)
    echo "usage: tools/localstack.sh apply|destroy" >&2
    exit 2
    ;;
esac
