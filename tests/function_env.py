"""The function's full environment for tests: exactly `image_processor.config.ENVIRONMENT_VARIABLES`."""

from image_processor.config import ENVIRONMENT_VARIABLES


def function_environment(table: str, **overrides: str) -> dict[str, str]:
    """Every variable the function reads (and modules/lambda_images sets), with `overrides` applied."""
    env = {
        "METADATA_TABLE": table,
        "SOURCE_PREFIX": "uploads/",
        "DESTINATION_PREFIX": "processed/",
        "DESTINATION_BUCKET": "",
        "VARIANTS": "default",
        "MAX_INPUT_PIXELS": "50000000",
        "MAX_INPUT_BYTES": "52428800",
        "CACHE_CONTROL": "public, max-age=86400",
        "MAX_RECEIVE_COUNT": "3",
        "METADATA_TTL_DAYS": "0",
        "POWERTOOLS_SERVICE_NAME": "imgpipe-test",
        "POWERTOOLS_METRICS_NAMESPACE": "imgpipe-test",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    unknown = set(overrides) - ENVIRONMENT_VARIABLES
    if unknown:
        raise KeyError(f"not function variables: {sorted(unknown)}")
    env.update(overrides)
    assert set(env) == ENVIRONMENT_VARIABLES
    return env
