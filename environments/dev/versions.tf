# Terraform/OpenTofu and AWS provider constraints. Each module directory (and environments/dev, which staging and
# prod link) holds its own copy, because a module must stand alone wherever it is fetched: registry packages,
# archives and symlink-less checkouts carry no link out of the directory. The copies must stay equal
# (tests/terraform/test_versions.py): a bump changes every modules/*/versions.tf and environments/dev/versions.tf.
#
# Terraform >= 1.5 / OpenTofu >= 1.6 for the modules; the environment roots need >= 1.10 for their S3 backend's
# native lock file (`use_lockfile`), which their backend.tf requires. The AWS provider: 5.100 is validated, tested
# and applied (on the emulator) in `make test`; 6.x is checked against its schema
# (tests/terraform/test_provider6.py). Only attributes present in both majors are used.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.100, < 7.0" }
  }
}
