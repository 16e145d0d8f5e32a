# The one source of the Terraform/OpenTofu and provider version constraints.
# modules/*/versions.tf and environments/*/versions.tf are symlinks to this file, so a bump happens here once.
#
# Terraform >= 1.5 / OpenTofu >= 1.6 for the modules. The environment roots additionally need
# Terraform/OpenTofu >= 1.10 for the S3 backend's native lock file (`use_lockfile`, see their backend.tf).
# The AWS provider: 5.100 is validated, tested and applied (on the emulator) in `make test`; 6.x is checked
# against its schema (see docs/terraform.md). Only attributes present in both majors are used.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}
