# tools/localstack.sh: the test settings of this root on LocalStack.
region = "us-east-1"
