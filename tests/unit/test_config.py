"""Settings.from_environ: defaults, every variable, and errors that name the variable."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from image_processor.config import (
    ENVIRONMENT_VARIABLES,
    ConfigError,
    Settings,
    decode_memory_budget,
)
from image_processor.engine import DEFAULT_DECODE_MEMORY_BUDGET, load_variants, variants_signature

BASE = {"METADATA_TABLE": "imgpipe-dev-metadata"}
MIB = 1024 * 1024


def settings(**overrides: str) -> Settings:
    return Settings.from_environ({**BASE, **overrides})


def config_error(**overrides: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        settings(**overrides)
    return caught.value


class ReadsRecorded(Mapping[str, str]):
    """An environment that notes the name of every variable looked up in it, set or not."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.read.add(name)
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def test_the_function_reads_exactly_the_contract_set_and_lambdas_memory_size() -> None:
    # GIVEN an environment that notes what is looked up WHEN the settings are read from it
    environ = ReadsRecorded(dict(BASE))
    Settings.from_environ(environ)
    # THEN the variables read are the ones Terraform sets, and besides them only the one Lambda itself sets
    assert environ.read == ENVIRONMENT_VARIABLES | {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE"}
    assert "AWS_LAMBDA_FUNCTION_MEMORY_SIZE" not in ENVIRONMENT_VARIABLES


def test_only_the_table_is_required_and_every_default_is_documented() -> None:
    # GIVEN only METADATA_TABLE WHEN settings are read THEN every other value is its documented default
    result = settings()
    assert result.metadata_table == "imgpipe-dev-metadata"
    assert result.source_prefix == "uploads/"
    assert result.destination_prefix == "processed/"
    assert result.destination_bucket is None
    assert result.variants_config == "default"
    assert result.variants == load_variants("default")
    assert result.max_input_pixels == 50_000_000
    assert result.max_input_bytes == 52_428_800
    assert result.cache_control == "public, max-age=86400"
    assert result.max_receive_count == 5
    assert result.metadata_ttl_days == 0
    assert result.service_name == "imgpipe"
    assert result.metrics_namespace == "imgpipe"
    assert result.log_level == "INFO"


def test_every_variable_is_read() -> None:
    result = settings(
        SOURCE_PREFIX="in/",
        DESTINATION_PREFIX="out/",
        DESTINATION_BUCKET="my-variants-bucket",
        VARIANTS="half",
        MAX_INPUT_PIXELS="1000",
        MAX_INPUT_BYTES="2000",
        CACHE_CONTROL="public, max-age=60",
        MAX_RECEIVE_COUNT="7",
        METADATA_TTL_DAYS="30",
        POWERTOOLS_SERVICE_NAME="svc",
        POWERTOOLS_METRICS_NAMESPACE="ns",
        POWERTOOLS_LOG_LEVEL="debug",
    )
    assert (result.source_prefix, result.destination_prefix) == ("in/", "out/")
    assert result.destination_bucket == "my-variants-bucket"
    assert result.variants == load_variants("half")
    assert (result.max_input_pixels, result.max_input_bytes) == (1000, 2000)
    assert result.limits.max_input_pixels == 1000
    assert result.limits.max_input_bytes == 2000
    assert result.cache_control == "public, max-age=60"
    assert (result.max_receive_count, result.metadata_ttl_days) == (7, 30)
    assert (result.service_name, result.metrics_namespace, result.log_level) == ("svc", "ns", "DEBUG")


def test_empty_values_mean_the_default_as_terraform_sets_every_variable() -> None:
    result = settings(DESTINATION_BUCKET="", VARIANTS="", MAX_INPUT_BYTES="", SOURCE_PREFIX="")
    assert result.destination_bucket is None
    assert result.variants_config == "default"
    assert result.max_input_bytes == 52_428_800
    assert result.source_prefix == "uploads/"


def test_variants_as_json_list() -> None:
    text = '[{"name": "small", "format": "webp", "width": 320}]'
    result = settings(VARIANTS=text)
    assert [spec.name for spec in result.variants] == ["small"]
    assert result.variants_signature == variants_signature(load_variants(text))


def test_variants_signature_depends_on_the_specs_not_their_spelling() -> None:
    default = settings().variants_signature
    assert settings(VARIANTS=" default ").variants_signature == default
    assert settings(VARIANTS="half").variants_signature != default


def test_missing_table_names_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_environ({})
    assert caught.value.variable == "METADATA_TABLE"
    assert str(caught.value).startswith("METADATA_TABLE: ")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("METADATA_TABLE", "no spaces allowed"),
        ("DESTINATION_BUCKET", "Not_A_Bucket"),
        ("VARIANTS", "no-such-preset"),
        ("VARIANTS", "[{"),
        ("VARIANTS", '[{"name": "x", "format": "gif"}]'),
        ("MAX_INPUT_PIXELS", "lots"),
        ("MAX_INPUT_PIXELS", "0"),
        ("MAX_INPUT_BYTES", "-1"),
        ("MAX_INPUT_BYTES", "1.5"),
        ("CACHE_CONTROL", "max-age=60\r\nX-Injected: 1"),
        ("MAX_RECEIVE_COUNT", "0"),
        ("MAX_RECEIVE_COUNT", "1001"),
        ("METADATA_TTL_DAYS", "-1"),
        ("METADATA_TTL_DAYS", "a week"),
        ("POWERTOOLS_LOG_LEVEL", "LOUD"),
        ("SOURCE_PREFIX", "/uploads/"),
        ("DESTINATION_PREFIX", "/processed/"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str) -> None:
    # GIVEN one bad variable WHEN the settings are read THEN the error names that variable first
    error = config_error(**{variable: value})
    assert error.variable == variable
    assert str(error).startswith(f"{variable}: ")


@pytest.mark.parametrize(
    ("source", "destination"),
    [
        ("uploads/", "uploads/processed/"),  # outputs inside the source prefix
        ("uploads/", "uploads/"),
        ("images/", "images"),  # the source prefix inside the destination prefix
    ],
)
def test_overlapping_prefixes_are_refused_as_a_loop(source: str, destination: str) -> None:
    error = config_error(SOURCE_PREFIX=source, DESTINATION_PREFIX=destination)
    assert error.variable == "DESTINATION_PREFIX"
    assert "loop" in str(error)


def test_sibling_prefixes_that_share_a_stem_are_fine() -> None:
    result = settings(SOURCE_PREFIX="uploads/", DESTINATION_PREFIX="uploads-processed/")
    assert result.destination_prefix == "uploads-processed/"


def test_ttl_above_a_century_is_refused() -> None:
    assert config_error(METADATA_TTL_DAYS="36501").variable == "METADATA_TTL_DAYS"
    assert settings(METADATA_TTL_DAYS="36500").metadata_ttl_days == 36_500


def test_table_arn_is_accepted() -> None:
    arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-prod-metadata"
    assert settings(METADATA_TABLE=arn).metadata_table == arn


# ---------------------------------------------------------------------------------- the memory budget


def test_without_lambdas_memory_size_the_budget_is_the_engines_default() -> None:
    # GIVEN no AWS_LAMBDA_FUNCTION_MEMORY_SIZE (the CLI, the tests) THEN nothing changes: the generous default
    assert settings().decode_memory_budget == DEFAULT_DECODE_MEMORY_BUDGET
    assert settings().limits.decode_memory_budget == DEFAULT_DECODE_MEMORY_BUDGET
    assert settings(AWS_LAMBDA_FUNCTION_MEMORY_SIZE="").decode_memory_budget == DEFAULT_DECODE_MEMORY_BUDGET


@pytest.mark.parametrize(
    ("memory_mb", "max_input_bytes", "budget_mib"),
    [("1024", "", 814), ("1769", "", 1559), ("1024", str(10 * MIB), 854), ("10240", "", 10030)],
    ids=["dev", "staging-prod", "dev-10-mib-uploads", "largest-lambda"],
)
def test_the_budget_is_the_functions_memory_less_the_runtime_and_the_source(
    memory_mb: str, max_input_bytes: str, budget_mib: int
) -> None:
    # GIVEN the memory Lambda says the function has WHEN settings are read
    result = settings(AWS_LAMBDA_FUNCTION_MEMORY_SIZE=memory_mb, MAX_INPUT_BYTES=max_input_bytes)
    # THEN the budget is that memory, less 160 MiB for the runtime and MAX_INPUT_BYTES for the source
    assert result.decode_memory_budget == budget_mib * MIB
    assert result.decode_memory_budget == decode_memory_budget(int(memory_mb), result.max_input_bytes)
    assert result.limits.decode_memory_budget == budget_mib * MIB


@pytest.mark.parametrize("value", ["lots", "1.5", "0", "128", "240"])
def test_a_memory_size_that_leaves_no_budget_names_the_variable(value: str) -> None:
    # GIVEN a memory size that is not a number, or too small to render in (the init fails, not every upload)
    error = config_error(AWS_LAMBDA_FUNCTION_MEMORY_SIZE=value)
    assert error.variable == "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"
    assert str(error).startswith("AWS_LAMBDA_FUNCTION_MEMORY_SIZE: ")


def test_a_small_function_with_small_uploads_still_gets_a_budget() -> None:
    result = settings(AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256", MAX_INPUT_BYTES=str(5 * MIB))
    assert result.decode_memory_budget == (256 - 160 - 5) * MIB
