"""The alarms modules/lambda_images defines, read from its Terraform and created on the local emulator.

moto stores alarms and reports their state but never evaluates them or publishes to SNS, so locally they are
there for `imgpipe alarms` to list, with the names, metrics and thresholds the Terraform gives them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from imgpipe.local.hcl_eval import UnsupportedExpression, evaluate
from imgpipe.local.settings import TerraformSettings, load_hcl

logger = logging.getLogger(__name__)

ALARMS_TF = Path("modules/lambda_images/alarms.tf")
# Terraform argument -> PutMetricAlarm parameter.
_ARGUMENTS = {
    "alarm_name": "AlarmName",
    "alarm_description": "AlarmDescription",
    "namespace": "Namespace",
    "metric_name": "MetricName",
    "statistic": "Statistic",
    "extended_statistic": "ExtendedStatistic",
    "unit": "Unit",
    "period": "Period",
    "evaluation_periods": "EvaluationPeriods",
    "datapoints_to_alarm": "DatapointsToAlarm",
    "comparison_operator": "ComparisonOperator",
    "threshold": "Threshold",
    "treat_missing_data": "TreatMissingData",
    "actions_enabled": "ActionsEnabled",
    "alarm_actions": "AlarmActions",
    "ok_actions": "OKActions",
}


def alarm_specs(
    root: Path, settings: TerraformSettings, variables: dict[str, Any], resources: dict[str, Any]
) -> list[dict[str, Any]]:
    """PutMetricAlarm arguments for each `aws_cloudwatch_metric_alarm` in the module.

    `variables` are the module inputs the environment root would pass (names, topic, timeout);
    anything else comes from the settings (module variable defaults and the environment's values).
    """
    path = root / ALARMS_TF
    if not path.exists():
        logger.warning("%s not found: the local stack has no alarms", path)
        return []
    document = load_hcl(path)
    scope = {
        "var": {**settings.values, **variables},
        "local": {k: v for block in document.get("locals", []) for k, v in block.items()},
        **resources,
    }
    specs = []
    for block in document.get("resource", []):
        for name, body in block.get("aws_cloudwatch_metric_alarm", {}).items():
            try:
                specs.append(_spec(body, scope))
            except UnsupportedExpression as exc:
                logger.warning("alarm %s skipped locally: cannot evaluate %s", name, exc)
    return specs


def _spec(body: dict[str, Any], scope: dict[str, Any]) -> dict[str, Any]:
    spec = {_ARGUMENTS[k]: evaluate(v, scope) for k, v in body.items() if k in _ARGUMENTS}
    if "dimensions" in body:
        dimensions = evaluate(body["dimensions"], scope)
        spec["Dimensions"] = [{"Name": k, "Value": str(v)} for k, v in dimensions.items()]
    for integer in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if integer in spec:
            spec[integer] = int(spec[integer])
    if "Threshold" in spec:
        spec["Threshold"] = float(spec["Threshold"])
    return spec
