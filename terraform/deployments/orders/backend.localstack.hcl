# LocalStack: tflocal init -backend-config=backend.localstack.hcl (tools/localstack.sh creates the bucket).
# Its own key per root: without it every root shares one state and each apply plans to destroy the others.
bucket       = "terraform-state"
key          = "cloud-pizza-place/orders.tfstate"
region       = "us-east-1"
use_lockfile = true
