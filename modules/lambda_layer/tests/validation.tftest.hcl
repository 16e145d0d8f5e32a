# Every variable validation of modules/lambda_layer: bad values are refused (each listed variable must fail its
# own validation: a run fails if any one of them is accepted), boundary values pass.

mock_provider "aws" {}

# Malformed name, a path that is not a .zip, a hash that is not a base64 SHA-256, a non-Python runtime, an
# unknown architecture are refused.
run "rejects_malformed" {
  command = plan

  variables {
    name                     = "bad name"
    zip_path                 = "build/layer-x86_64.tar.gz"
    source_code_hash         = "not-a-digest"
    compatible_runtimes      = ["nodejs20.x"]
    compatible_architectures = ["amd64"]
  }

  expect_failures = [
    var.name,
    var.zip_path,
    var.source_code_hash,
    var.compatible_runtimes,
    var.compatible_architectures,
  ]
}

# Second bad value per input: too long a name, ".zip" not at the end, a digest without its padding, a runtime
# without a minor version next to a good one, one bad architecture next to a good one.
run "rejects_malformed_more" {
  command = plan

  variables {
    name                     = "n23456789012345678901234567890123456789012345678901234567890abcde"
    zip_path                 = "build/layer.zip.sha256"
    source_code_hash         = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
    compatible_runtimes      = ["python3.12", "python3"]
    compatible_architectures = ["x86_64", "X86_64"]
  }

  expect_failures = [
    var.name,
    var.zip_path,
    var.source_code_hash,
    var.compatible_runtimes,
    var.compatible_architectures,
  ]
}

# Third bad value per input: empty name and path, a digest padded twice, no runtime, no architecture.
run "rejects_list_sizes" {
  command = plan

  variables {
    name                     = ""
    zip_path                 = ""
    source_code_hash         = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=="
    compatible_runtimes      = []
    compatible_architectures = []
  }

  expect_failures = [
    var.name,
    var.zip_path,
    var.source_code_hash,
    var.compatible_runtimes,
    var.compatible_architectures,
  ]
}

# Too many runtimes (16 entries, all valid runtimes) and architectures (3 entries) are refused.
run "rejects_too_many" {
  command = plan

  variables {
    compatible_runtimes      = ["python3.6", "python3.7", "python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.6", "python3.7", "python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13"]
    compatible_architectures = ["x86_64", "arm64", "x86_64"]
  }

  expect_failures = [
    var.compatible_runtimes,
    var.compatible_architectures,
  ]
}

# Boundaries pass: a 64-character name, 15 runtime entries (the provider knows python3.6-3.13), both
# architectures, the shortest .zip path.
run "accepts_maximum" {
  command = plan

  variables {
    name                     = "n23456789012345678901234567890123456789012345678901234567890abcd"
    zip_path                 = "x.zip"
    source_code_hash         = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP+="
    compatible_runtimes      = ["python3.6", "python3.7", "python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.6", "python3.7", "python3.8", "python3.9", "python3.10", "python3.11", "python3.12"]
    compatible_architectures = ["arm64", "x86_64"]
  }

  assert {
    condition     = aws_lambda_layer_version.this.layer_name == "n23456789012345678901234567890123456789012345678901234567890abcd" && aws_lambda_layer_version.this.compatible_runtimes == toset(["python3.6", "python3.7", "python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13"]) && aws_lambda_layer_version.this.compatible_architectures == toset(["arm64", "x86_64"])
    error_message = "A 64-character name, 15 runtime entries and both architectures must be accepted and passed on."
  }
}

# Boundaries pass: a one-character name, one runtime, arm64 alone, a hash of only '/' and '+'.
run "accepts_minimum" {
  command = plan

  variables {
    name                     = "a"
    source_code_hash         = "+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+="
    compatible_runtimes      = ["python3.13"]
    compatible_architectures = ["arm64"]
  }

  assert {
    condition     = aws_lambda_layer_version.this.layer_name == "a" && aws_lambda_layer_version.this.compatible_runtimes == toset(["python3.13"]) && aws_lambda_layer_version.this.compatible_architectures == toset(["arm64"])
    error_message = "A one-character name, one runtime and arm64 alone must be accepted and passed on."
  }
}
