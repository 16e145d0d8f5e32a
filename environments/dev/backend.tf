# Remote state in S3 with S3-native locking (a .tflock object next to the state; no DynamoDB table).
# use_lockfile needs Terraform >= 1.10 or OpenTofu >= 1.10; required_version says so before init fails.
#
# Partial configuration, identical in every environment: the state bucket, its Region and the state key are
# passed at init, e.g. for dev:
#   terraform init -backend-config="bucket=<state-bucket>" -backend-config="region=<bucket-region>" \
#                  -backend-config="key=imgpipe/dev/terraform.tfstate"
# or kept in a backend.hcl next to this file and passed as -backend-config=backend.hcl:
#   bucket = "<state-bucket>"
#   region = "<bucket-region>"
#   key    = "imgpipe/dev/terraform.tfstate"
#   # kms_key_id = "<key ARN>"   (optional: SSE-KMS for the state object)
# scripts/terraform_env.py (make plan|apply|destroy ENV=...) sets key=imgpipe/<env>/terraform.tfstate and reads
# the bucket from backend.hcl or IMGPIPE_STATE_BUCKET / IMGPIPE_STATE_REGION. See docs/deploy.md.
terraform {
  required_version = ">= 1.10.0"

  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}
