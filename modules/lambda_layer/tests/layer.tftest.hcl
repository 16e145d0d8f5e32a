# What modules/lambda_layer publishes: one layer version built from the given zip, with its hash, runtimes and
# architectures passed through unchanged, and outputs that are the version's own attributes.

mock_provider "aws" {
  source = "../../tests/terraform/mocks/aws"
}

# The layer version: name, zip and hash passed through, default runtime python3.12, the given architecture,
# the default description and license; uploaded directly (filename), not from S3.
run "defaults" {
  assert {
    condition = jsonencode([aws_lambda_layer_version.this.layer_name, aws_lambda_layer_version.this.filename, aws_lambda_layer_version.this.source_code_hash, aws_lambda_layer_version.this.compatible_runtimes, aws_lambda_layer_version.this.compatible_architectures, aws_lambda_layer_version.this.description, aws_lambda_layer_version.this.license_info]) == jsonencode([
      "imgpipe-test-dependencies",
      "../../build/layer-x86_64.zip",
      "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
      ["python3.12"],
      ["x86_64"],
      "imgpipe: Pillow, Powertools for AWS Lambda and the X-Ray SDK (layers/requirements.txt)",
      "MIT-CMU (Pillow), MIT-0 (Powertools), Apache-2.0 (X-Ray SDK); see each package's dist-info",
    ])
    error_message = "Expected var.name, var.zip_path, var.source_code_hash, the default runtime, var.compatible_architectures and the README's description and license, got [layer_name, filename, source_code_hash, runtimes, architectures, description, license_info] = ${jsonencode([aws_lambda_layer_version.this.layer_name, aws_lambda_layer_version.this.filename, aws_lambda_layer_version.this.source_code_hash, aws_lambda_layer_version.this.compatible_runtimes, aws_lambda_layer_version.this.compatible_architectures, aws_lambda_layer_version.this.description, aws_lambda_layer_version.this.license_info])}."
  }
  assert {
    condition     = aws_lambda_layer_version.this.s3_bucket == null && aws_lambda_layer_version.this.s3_key == null
    error_message = "The zip is uploaded directly (filename), not from S3."
  }
}

# Every input passed through: arm64, several runtimes, another zip/hash, description and license.
run "inputs_pass_through" {
  variables {
    name                     = "imgpipe-prod-dependencies_arm"
    zip_path                 = "build/layer-arm64.zip"
    source_code_hash         = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
    compatible_runtimes      = ["python3.12", "python3.13"]
    compatible_architectures = ["arm64"]
    description              = "layer for arm64"
    license_info             = "MIT"
  }

  assert {
    condition     = jsonencode([aws_lambda_layer_version.this.layer_name, aws_lambda_layer_version.this.filename, aws_lambda_layer_version.this.source_code_hash, aws_lambda_layer_version.this.compatible_runtimes, aws_lambda_layer_version.this.compatible_architectures, aws_lambda_layer_version.this.description, aws_lambda_layer_version.this.license_info]) == jsonencode(["imgpipe-prod-dependencies_arm", "build/layer-arm64.zip", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=", ["python3.12", "python3.13"], ["arm64"], "layer for arm64", "MIT"])
    error_message = "Every input must reach the layer version, got [layer_name, filename, source_code_hash, runtimes, architectures, description, license_info] = ${jsonencode([aws_lambda_layer_version.this.layer_name, aws_lambda_layer_version.this.filename, aws_lambda_layer_version.this.source_code_hash, aws_lambda_layer_version.this.compatible_runtimes, aws_lambda_layer_version.this.compatible_architectures, aws_lambda_layer_version.this.description, aws_lambda_layer_version.this.license_info])}."
  }
}

# Both architectures at once are accepted and passed through.
run "both_architectures" {
  command = plan

  variables {
    compatible_architectures = ["x86_64", "arm64"]
  }

  assert {
    condition     = aws_lambda_layer_version.this.compatible_architectures == toset(["x86_64", "arm64"])
    error_message = "compatible_architectures must be var.compatible_architectures."
  }
}

# The outputs are the layer version's own attributes (versioned ARN, unversioned ARN, version, size), as mocked in
# tests/terraform/mocks/aws/lambda_layer.tfmock.hcl.
run "outputs" {
  assert {
    condition     = jsonencode([output.arn, output.layer_arn, output.version, output.source_code_size]) == jsonencode(["arn:aws:lambda:eu-west-1:123456789012:layer:imgpipe-test-dependencies:3", "arn:aws:lambda:eu-west-1:123456789012:layer:imgpipe-test-dependencies", "3", 7340032])
    error_message = "arn, layer_arn, version and source_code_size must be the layer version's ARN, unversioned ARN, number and stored size, got ${jsonencode([output.arn, output.layer_arn, output.version, output.source_code_size])}."
  }
}
