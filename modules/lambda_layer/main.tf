# The zip is built outside Terraform (`make layer ARCH=...` -> build/layer-<arch>.zip); its hash makes a rebuild
# with different contents publish a new version.
resource "aws_lambda_layer_version" "this" {
  layer_name               = var.name
  description              = var.description
  filename                 = var.zip_path
  source_code_hash         = var.source_code_hash
  compatible_runtimes      = var.compatible_runtimes
  compatible_architectures = var.compatible_architectures
  license_info             = var.license_info

  lifecycle {
    # Publish the new version and move the function to it before the old version is deleted.
    create_before_destroy = true
  }
}
