"""The function's configuration: environment variables only, read and validated once at cold start.

A bad value raises `ConfigError` from `Settings.from_environ`, which runs at import of the handler module, so
the Lambda init fails with a message that names the variable instead of failing each record later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from image_processor.engine import (
    DEFAULT_DECODE_MEMORY_BUDGET,
    DEFAULT_MAX_INPUT_BYTES,
    DEFAULT_MAX_INPUT_PIXELS,
    Limits,
    SpecError,
    VariantSpec,
    load_variants,
    variants_signature,
)

# The exact set modules/lambda_images sets; tests/terraform compares the two: add a variable in both places.
ENVIRONMENT_VARIABLES: frozenset[str] = frozenset(
    {
        "METADATA_TABLE",
        "SOURCE_PREFIX",
        "DESTINATION_PREFIX",
        "DESTINATION_BUCKET",
        "VARIANTS",
        "MAX_INPUT_PIXELS",
        "MAX_INPUT_BYTES",
        "CACHE_CONTROL",
        "MAX_RECEIVE_COUNT",
        "METADATA_TTL_DAYS",
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_LOG_LEVEL",
    }
)

DEFAULT_SOURCE_PREFIX = "uploads/"
DEFAULT_DESTINATION_PREFIX = "processed/"
DEFAULT_VARIANTS = "default"
# Not `immutable`: `imgpipe reprocess` overwrites variant keys in place.
DEFAULT_CACHE_CONTROL = "public, max-age=86400"
# Matches the queue module's default redrive policy; Terraform always sets the real value.
DEFAULT_MAX_RECEIVE_COUNT = 5
DEFAULT_METADATA_TTL_DAYS = 0  # 0 = records never expire
DEFAULT_SERVICE_NAME = "imgpipe"
DEFAULT_METRICS_NAMESPACE = "imgpipe"
DEFAULT_LOG_LEVEL = "INFO"

# Set by Lambda itself in every function's environment (MB): not one of ENVIRONMENT_VARIABLES, which are the
# ones Terraform sets. Absent (CLI, tests, the local stack without it), the engine's default budget applies.
FUNCTION_MEMORY_VARIABLE = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
# What the function holds besides one render: the Python runtime and Lambda's runtime client, boto3,
# Powertools, the X-Ray SDK and Pillow (~90 MB measured after a cold start and a render, docs/security.md),
# with room for the allocator's slack.
RUNTIME_ALLOWANCE = 160 * 1024 * 1024
# Below this no image worth rendering fits: a configuration error, not a reason to reject every upload.
MIN_DECODE_MEMORY_BUDGET = 32 * 1024 * 1024
_MIB = 1024 * 1024

LOG_LEVELS = frozenset({"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})
# SQS accepts maxReceiveCount 1..1000.
_MAX_RECEIVE_COUNT_RANGE = (1, 1000)
# 100 years: DynamoDB TTL is epoch seconds; anything longer is almost certainly a typo.
_MAX_TTL_DAYS = 36_500
# S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens, starting and ending alphanumeric.
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# DynamoDB table names: 3-255 of [A-Za-z0-9_.-]. The ARN form is accepted too (cross-account tables).
_TABLE_RE = re.compile(
    r"^([A-Za-z0-9_.-]{3,255}|arn:aws[a-z-]*:dynamodb:[^:]+:\d{12}:table/[A-Za-z0-9_.-]{3,255})$"
)
# Cache-Control is sent as an HTTP header: printable ASCII only.
_HEADER_RE = re.compile(r"^[\x20-\x7e]+$")


class ConfigError(ValueError):
    """An environment variable is missing or invalid; the message starts with the variable's name."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        super().__init__(f"{variable}: {problem}")


@dataclass(frozen=True)
class Settings:
    metadata_table: str
    source_prefix: str = DEFAULT_SOURCE_PREFIX
    destination_prefix: str = DEFAULT_DESTINATION_PREFIX
    # None: write variants to the bucket the event came from.
    destination_bucket: str | None = None
    variants_config: str = DEFAULT_VARIANTS
    variants: tuple[VariantSpec, ...] = field(default=(), repr=False)
    max_input_pixels: int = DEFAULT_MAX_INPUT_PIXELS
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    # Bytes one render may use (Limits.decode_memory_budget): from the function's memory, see
    # `decode_memory_budget`.
    decode_memory_budget: int = DEFAULT_DECODE_MEMORY_BUDGET
    cache_control: str = DEFAULT_CACHE_CONTROL
    max_receive_count: int = DEFAULT_MAX_RECEIVE_COUNT
    metadata_ttl_days: int = DEFAULT_METADATA_TTL_DAYS
    service_name: str = DEFAULT_SERVICE_NAME
    metrics_namespace: str = DEFAULT_METRICS_NAMESPACE
    log_level: str = DEFAULT_LOG_LEVEL

    @property
    def limits(self) -> Limits:
        return Limits(
            max_input_pixels=self.max_input_pixels,
            max_input_bytes=self.max_input_bytes,
            decode_memory_budget=self.decode_memory_budget,
        )

    @property
    def variants_signature(self) -> str:
        # Computed from the parsed specs, so `default` and the same list spelled out in JSON sign the same.
        return variants_signature(self.variants)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """Read and validate every variable; raise `ConfigError` naming the first bad one."""
        table = _required(environ, "METADATA_TABLE")
        if not _TABLE_RE.match(table):
            raise ConfigError("METADATA_TABLE", f"{table!r} is not a DynamoDB table name or ARN")

        source_prefix = _text(environ, "SOURCE_PREFIX", DEFAULT_SOURCE_PREFIX)
        destination_prefix = _text(environ, "DESTINATION_PREFIX", DEFAULT_DESTINATION_PREFIX)
        _check_prefixes(source_prefix, destination_prefix)

        destination_bucket = environ.get("DESTINATION_BUCKET", "").strip() or None
        if destination_bucket is not None and not _BUCKET_RE.match(destination_bucket):
            raise ConfigError("DESTINATION_BUCKET", f"{destination_bucket!r} is not a valid S3 bucket name")

        variants_config = environ.get("VARIANTS", "").strip() or DEFAULT_VARIANTS
        try:
            variants = tuple(load_variants(variants_config))
        except SpecError as exc:
            raise ConfigError("VARIANTS", str(exc)) from exc
        if not variants:
            raise ConfigError("VARIANTS", "at least one variant is required")

        cache_control = _text(environ, "CACHE_CONTROL", DEFAULT_CACHE_CONTROL)
        if not _HEADER_RE.match(cache_control):
            raise ConfigError("CACHE_CONTROL", "must be printable ASCII (it is sent as an HTTP header)")

        log_level = _text(environ, "POWERTOOLS_LOG_LEVEL", DEFAULT_LOG_LEVEL).upper()
        if log_level not in LOG_LEVELS:
            raise ConfigError(
                "POWERTOOLS_LOG_LEVEL", f"{log_level!r} is not one of {', '.join(sorted(LOG_LEVELS))}"
            )

        max_input_bytes = _integer(environ, "MAX_INPUT_BYTES", DEFAULT_MAX_INPUT_BYTES, minimum=1)
        return cls(
            metadata_table=table,
            source_prefix=source_prefix,
            destination_prefix=destination_prefix,
            destination_bucket=destination_bucket,
            variants_config=variants_config,
            variants=variants,
            max_input_pixels=_integer(environ, "MAX_INPUT_PIXELS", DEFAULT_MAX_INPUT_PIXELS, minimum=1),
            max_input_bytes=max_input_bytes,
            decode_memory_budget=_memory_budget(environ, max_input_bytes),
            cache_control=cache_control,
            max_receive_count=_integer(
                environ, "MAX_RECEIVE_COUNT", DEFAULT_MAX_RECEIVE_COUNT, *_MAX_RECEIVE_COUNT_RANGE
            ),
            metadata_ttl_days=_integer(
                environ, "METADATA_TTL_DAYS", DEFAULT_METADATA_TTL_DAYS, minimum=0, maximum=_MAX_TTL_DAYS
            ),
            service_name=_text(environ, "POWERTOOLS_SERVICE_NAME", DEFAULT_SERVICE_NAME),
            metrics_namespace=_text(environ, "POWERTOOLS_METRICS_NAMESPACE", DEFAULT_METRICS_NAMESPACE),
            log_level=log_level,
        )


def decode_memory_budget(function_memory_mb: int, max_input_bytes: int) -> int:
    """The memory one render may use in a function of `function_memory_mb` MB (Lambda's MB are MiB):
    the function's memory, minus RUNTIME_ALLOWANCE for what the process holds anyway, minus MAX_INPUT_BYTES
    for the source bytes the handler holds while the render runs. The variants the render returns are part of
    the render's own estimate (engine/budget.py)."""
    return function_memory_mb * _MIB - RUNTIME_ALLOWANCE - max_input_bytes


def _memory_budget(environ: Mapping[str, str], max_input_bytes: int) -> int:
    if not environ.get(FUNCTION_MEMORY_VARIABLE, "").strip():
        return DEFAULT_DECODE_MEMORY_BUDGET
    memory_mb = _integer(environ, FUNCTION_MEMORY_VARIABLE, 0, minimum=1)
    budget = decode_memory_budget(memory_mb, max_input_bytes)
    if budget < MIN_DECODE_MEMORY_BUDGET:
        runtime, minimum = RUNTIME_ALLOWANCE // _MIB, MIN_DECODE_MEMORY_BUDGET // _MIB
        raise ConfigError(
            FUNCTION_MEMORY_VARIABLE,
            f"{memory_mb} MB leaves {budget // _MIB} MiB to render in after {runtime} MiB for the runtime "
            f"and MAX_INPUT_BYTES for the source, under the {minimum} MiB minimum: give the function more "
            "memory or lower MAX_INPUT_BYTES",
        )
    return budget


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(name, "is required and not set")
    return value


def _text(environ: Mapping[str, str], name: str, default: str) -> str:
    # Terraform sets every variable, possibly to "": empty means "use the default", like absent.
    return environ.get(name, "").strip() or default


def _integer(
    environ: Mapping[str, str],
    name: str,
    default: int,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"{environ[name]!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ConfigError(name, f"{value} is below the minimum {minimum}")
    if maximum is not None and value > maximum:
        raise ConfigError(name, f"{value} is above the maximum {maximum}")
    return value


def _check_prefixes(source: str, destination: str) -> None:
    for name, prefix in (("SOURCE_PREFIX", source), ("DESTINATION_PREFIX", destination)):
        if prefix.startswith("/"):
            raise ConfigError(name, f"{prefix!r} must not start with '/' (S3 keys have no leading slash)")
    # Loop guard: variants written under DESTINATION_PREFIX must never match SOURCE_PREFIX, or each output
    # would trigger another render. Either prefix containing the other is an overlap.
    if destination.startswith(source) or source.startswith(destination):
        raise ConfigError(
            "DESTINATION_PREFIX",
            f"{destination!r} overlaps SOURCE_PREFIX {source!r}: outputs would be processed again (loop)",
        )
