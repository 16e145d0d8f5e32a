# What modules/lambda_layer publishes: one layer version built from the given zip, with its hash, runtimes and
# architectures passed through unchanged, and outputs that are the version's own attributes.

mock_provider "aws" {
  mock_resource "aws_lambda_layer_version" {
    defaults = {
      arn              = "arn:aws:lambda:eu-west-1:123456789012:layer:imgpipe-test-dependencies:3"
      layer_arn        = "arn:aws:lambda:eu-west-1:123456789012:layer:imgpipe-test-dependencies"
      version          = "3"
      source_code_size = 7340032
    }
  }
}

variables {
  name                     = "imgpipe-test-dependencies"
  zip_path                 = "../../build/layer-x86_64.zip"
  source_code_hash         = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
  compatible_architectures = ["x86_64"]
}

# The layer version: name, zip and hash passed through, default runtime python3.12, the given architecture,
# the default description and license.
run "defaults" {
  assert {
    condition     = aws_lambda_layer_version.this.layer_name == "imgpipe-test-dependencies"
    error_message = "layer_name must be var.name."
  }
  assert {
    condition     = aws_lambda_layer_version.this.filename == "../../build/layer-x86_64.zip"
    error_message = "filename must be var.zip_path."
  }
  assert {
    condition     = aws_lambda_layer_version.this.source_code_hash == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    error_message = "source_code_hash must be var.source_code_hash."
  }
  assert {
    condition     = aws_lambda_layer_version.this.compatible_runtimes == toset(["python3.12"])
    error_message = "compatible_runtimes must default to exactly [python3.12]."
  }
  assert {
    condition     = aws_lambda_layer_version.this.compatible_architectures == toset(["x86_64"])
    error_message = "compatible_architectures must be var.compatible_architectures."
  }
  assert {
    condition     = aws_lambda_layer_version.this.description == "imgpipe: Pillow, Powertools for AWS Lambda and the X-Ray SDK (layers/requirements.txt)"
    error_message = "description must default to the README's text."
  }
  assert {
    condition     = aws_lambda_layer_version.this.license_info == "MIT-CMU (Pillow), MIT-0 (Powertools), Apache-2.0 (X-Ray SDK); see each package's dist-info"
    error_message = "license_info must default to the README's text."
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
    condition     = aws_lambda_layer_version.this.layer_name == "imgpipe-prod-dependencies_arm"
    error_message = "layer_name must be var.name."
  }
  assert {
    condition     = aws_lambda_layer_version.this.filename == "build/layer-arm64.zip"
    error_message = "filename must be var.zip_path."
  }
  assert {
    condition     = aws_lambda_layer_version.this.source_code_hash == "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
    error_message = "source_code_hash must be var.source_code_hash."
  }
  assert {
    condition     = aws_lambda_layer_version.this.compatible_runtimes == toset(["python3.12", "python3.13"])
    error_message = "compatible_runtimes must be var.compatible_runtimes."
  }
  assert {
    condition     = aws_lambda_layer_version.this.compatible_architectures == toset(["arm64"])
    error_message = "compatible_architectures must be var.compatible_architectures."
  }
  assert {
    condition     = aws_lambda_layer_version.this.description == "layer for arm64"
    error_message = "description must be var.description."
  }
  assert {
    condition     = aws_lambda_layer_version.this.license_info == "MIT"
    error_message = "license_info must be var.license_info."
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

# The outputs are the layer version's own attributes (versioned ARN, unversioned ARN, version, size).
run "outputs" {
  assert {
    condition     = output.arn == "arn:aws:lambda:eu-west-1:123456789012:layer:imgpipe-test-dependencies:3"
    error_message = "output arn must be the layer version's (versioned) ARN."
  }
  assert {
    condition     = output.layer_arn == "arn:aws:lambda:eu-west-1:123456789012:layer:imgpipe-test-dependencies"
    error_message = "output layer_arn must be the layer's unversioned ARN."
  }
  assert {
    condition     = output.version == "3"
    error_message = "output version must be the layer version's number."
  }
  assert {
    condition     = output.source_code_size == 7340032
    error_message = "output source_code_size must be the stored zip's size."
  }
}
