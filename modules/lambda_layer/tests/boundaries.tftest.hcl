# modules/lambda_layer: the smallest and largest values its variables accept pass. What they refuse, and with
# which message, is tests/terraform/rejections.json (tests/terraform/test_rejections.py).

mock_provider "aws" {}

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
