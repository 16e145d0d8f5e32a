"""Shared helpers of the Terraform checks: the repository tree, a small fixture tree, copies to break."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MODULES = ("kms", "s3", "sqs", "dynamodb", "lambda_layer", "lambda_images")
ENVIRONMENTS = ("dev", "staging", "prod")


def repo_has_terraform() -> bool:
    return all((REPO / "modules" / m / "main.tf").exists() for m in MODULES) and all(
        (REPO / "environments" / e / "main.tf").exists() for e in ENVIRONMENTS
    )


def copy_tree(src: Path, dst: Path) -> Path:
    """The Terraform part of a tree, symlinks dereferenced (edits never reach the original)."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("modules", "environments"):
        if (src / name).is_dir():
            shutil.copytree(
                src / name,
                dst / name,
                symlinks=False,
                ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl"),
            )
    for file in ("versions.tf",):
        if (src / file).is_file():
            shutil.copy(src / file, dst / file)
    return dst


def insert_after(file: Path, line: int, text: str) -> int:
    """Insert `text` (one or more lines) after line `line` (1-based); returns the first inserted line."""
    lines = file.read_text().splitlines(keepends=True)
    lines[line:line] = [t + "\n" for t in text.splitlines()]
    file.write_text("".join(lines))
    return line + 1


def delete_line(file: Path, line: int) -> str:
    lines = file.read_text().splitlines(keepends=True)
    removed = lines.pop(line - 1)
    file.write_text("".join(lines))
    return removed


def append(file: Path, text: str) -> int:
    """Append `text`; returns the line number of its first line."""
    content = file.read_text()
    if not content.endswith("\n"):
        content += "\n"
    first = content.count("\n") + 1
    file.write_text(content + text)
    return first


# --- a small tree in the shape of the real one: used while (and in addition to) the real tree ---

FIXTURE_FILES = {
    "versions.tf": """
        terraform {
          required_version = ">= 1.5"
          required_providers {
            aws = {
              source  = "hashicorp/aws"
              version = "~> 6.0"
            }
          }
        }
    """,
    "modules/sqs/main.tf": """
        data "aws_caller_identity" "current" {}

        resource "aws_sqs_queue" "dlq" {
          name                      = "${var.name}-dlq"
          message_retention_seconds = var.dlq_retention_seconds
          kms_master_key_id         = var.kms_key_arn
        }

        resource "aws_sqs_queue" "this" {
          name                       = var.name
          visibility_timeout_seconds = var.visibility_timeout_seconds
          kms_master_key_id          = var.kms_key_arn
          redrive_policy = jsonencode({
            deadLetterTargetArn = aws_sqs_queue.dlq.arn
            maxReceiveCount     = var.max_receive_count
          })
          tags = local.tags
        }

        data "aws_iam_policy_document" "queue" {
          statement {
            sid       = "AllowS3"
            actions   = ["sqs:SendMessage"]
            resources = [aws_sqs_queue.this.arn]
            principals {
              type        = "Service"
              identifiers = ["s3.amazonaws.com"]
            }
            dynamic "condition" {
              for_each = var.source_arns
              iterator = arn
              content {
                test     = "ArnEquals"
                variable = "aws:SourceArn"
                values   = [arn.value]
              }
            }
            condition {
              test     = "StringEquals"
              variable = "aws:SourceAccount"
              values   = [data.aws_caller_identity.current.account_id]
            }
          }
        }

        resource "aws_sqs_queue_policy" "this" {
          queue_url = aws_sqs_queue.this.url
          policy    = data.aws_iam_policy_document.queue.json
        }

        resource "aws_lambda_event_source_mapping" "this" {
          count                   = var.function_name == null ? 0 : 1
          event_source_arn        = aws_sqs_queue.this.arn
          function_name           = var.function_name
          function_response_types = ["ReportBatchItemFailures"]
          scaling_config {
            maximum_concurrency = 2
          }
        }

        resource "random_id" "suffix" {
          byte_length = 4
        }

        locals {
          tags = { for k, v in var.tags : k => v if v != null }
        }
    """,
    "modules/sqs/variables.tf": """
        variable "name" {
          description = "Queue name."
          type        = string
        }

        variable "kms_key_arn" {
          description = "CMK."
          type        = string
        }

        variable "visibility_timeout_seconds" {
          description = "Visibility timeout."
          type        = number
          default     = 180
          validation {
            condition     = var.visibility_timeout_seconds >= 0
            error_message = "Must not be negative."
          }
        }

        variable "dlq_retention_seconds" {
          description = "DLQ retention."
          type        = number
          default     = 1209600
        }

        variable "max_receive_count" {
          description = "Receives before the DLQ."
          type        = number
          default     = 5
        }

        variable "source_arns" {
          description = "Bucket ARNs allowed to send."
          type        = list(string)
          default     = []
        }

        variable "function_name" {
          description = "Consumer."
          type        = string
          default     = null
        }

        variable "tags" {
          description = "Tags."
          type        = map(string)
          default     = {}
        }
    """,
    "modules/sqs/outputs.tf": """
        output "queue_arn" {
          description = "Main queue ARN."
          value       = aws_sqs_queue.this.arn
        }

        output "queue_url" {
          description = "Main queue URL."
          value       = aws_sqs_queue.this.url
        }

        output "suffix" {
          description = "Random suffix."
          value       = random_id.suffix.hex
        }
    """,
    "environments/dev/main.tf": """
        module "sqs" {
          source = "../../modules/sqs"

          name                       = "${var.name_prefix}-queue"
          kms_key_arn                = var.kms_key_arn
          visibility_timeout_seconds = 6 * var.function_timeout_seconds
        }
    """,
    "environments/dev/variables.tf": """
        variable "name_prefix" {
          description = "Prefix."
          type        = string
        }

        variable "kms_key_arn" {
          description = "CMK."
          type        = string
        }

        variable "function_timeout_seconds" {
          description = "Function timeout."
          type        = number
          default     = 30
        }
    """,
    "environments/dev/outputs.tf": """
        output "queue_url" {
          description = "Main queue URL."
          value       = module.sqs.queue_url
        }
    """,
    "environments/dev/terraform.tfvars": """
        name_prefix = "imgpipe-dev"
        kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/example"
    """,
}


def write_fixture_tree(root: Path) -> Path:
    for rel, text in FIXTURE_FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root
