"""Least privilege, proven: the function does its whole job with exactly the policy Terraform grants, and
loses a specific operation for every statement (and every action) taken away.

The policy is the one Terraform created: the `function_role_policy_json` output of environments/dev applied
to the local emulator (the session's applied stack), checked to be the policy attached to the function's
role there. Its ARNs are those of the applied stack's bucket, queue, table, key and log group; each scenario
below retargets exactly those ARNs to the scenario's own moto resources, attaches the result to an IAM user,
and moto enforces it (`enable_iam_authentication`: the same switch as the
`INITIAL_NO_AUTH_ACTION_COUNT` setting, which moto reads once at import). The handler module is imported with
that user's credentials (its clients are created at import), and an event source mapping is simulated with the
same credentials, because Lambda's mapping polls the queue with the function's execution role.

The job, per scenario (fresh bucket and queue, SSE-KMS like the modules):
1. the mapping is created (Lambda checks `sqs:GetQueueAttributes` with the role);
2. an image uploaded while the bucket is unversioned (the event has no versionId: `GetObject` + If-Match);
3. versioning on, a good and a bad image (the events carry a versionId: `s3:GetObjectVersion`);
4. the good image's message delivered again (at-least-once delivery: acknowledged, never rendered twice).

moto enforces IAM for S3, SQS and DynamoDB; for DynamoDB it checks every action against resource `*`, so this
test teaches it the table (and index) ARN of each request, as AWS evaluates it; and moto's S3 events lack the
`versionId` real S3 sends for a versioned bucket, so the test adds it (else `s3:GetObjectVersion` would never
be exercised). Statements for what only the
Lambda service does with the role (logs, X-Ray) or what S3 and SQS do server-side (KMS) cannot be enforced by
moto: they are checked statically (exact actions, exact resources) and explained in EXPLAINED below.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core.authorization import enable_iam_authentication
from moto.dynamodb.responses import DynamoHandler
from moto.s3 import notifications as moto_notifications
from PIL import Image

from image_processor.adapters import MetadataTable, table_definition
from tests.conftest import LOCAL_STACK_GROUP, REAL_AWS_VARIABLES
from tests.function_env import cold_started, function_environment
from tests.function_events import FakeLambdaContext, received_event

pytestmark = pytest.mark.xdist_group(LOCAL_STACK_GROUP)  # the applied stack lives in that group's worker

REGION = "us-east-1"
FUNCTION_NAME = "imgpipe-iam-test"
TABLE_NAME = "imgpipe-iam-test-metadata"
ADMIN = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": REGION}


@dataclass(frozen=True)
class Breaks:
    """What a run of the job shows without a statement or an action (the docs/security.md table)."""

    denied: tuple[str, ...]  # IAM actions denied, in the order first hit
    records: tuple[str, str, str]  # final status of plain.jpg, photo.jpg, not-an-image.jpg ("-" = no record)
    variants: int  # variant objects written (10 when the job is done: 2 images x 5, the duplicate skipped)
    effect: str


DONE = Breaks((), ("PROCESSED", "PROCESSED", "REJECTED"), 10, "nothing: the job is done")
STUCK = "IN_PROGRESS"  # claimed, then released for a retry: FAILED and dead-lettered after maxReceiveCount
# Every statement moto enforces, and what the job shows without it.
ENFORCED: dict[str, Breaks] = {
    "ReadUploads": Breaks(
        ("s3:GetObject",),  # the first call on each upload is its HeadObject (the current-version check)
        (STUCK, STUCK, STUCK),
        0,
        "no source can be read: every upload retried, then FAILED in the DLQ",
    ),
    "WriteVariants": Breaks(
        ("s3:PutObject",),
        (STUCK, STUCK, "REJECTED"),
        0,
        "no variant can be written: good images retried, then FAILED in the DLQ (bad input still REJECTED)",
    ),
    "ConsumeQueue": Breaks(
        ("sqs:GetQueueAttributes",),
        ("-", "-", "-"),
        0,
        "Lambda cannot create the event source mapping: nothing is ever delivered",
    ),
    "MetadataTable": Breaks(
        ("dynamodb:UpdateItem",),
        ("-", "-", "-"),
        0,
        "no object can be claimed: every upload retried, then dead-lettered without a record",
    ),
}
# Every action of those statements on its own.
ACTION_BREAKS: dict[str, Breaks] = {
    "s3:GetObject": Breaks(
        ("s3:GetObject",),
        (STUCK, STUCK, STUCK),
        0,
        "no upload's current version can be checked (HeadObject), nor an unversioned upload read",
    ),
    "s3:GetObjectVersion": Breaks(
        ("s3:GetObjectVersion",),
        ("PROCESSED", STUCK, STUCK),
        5,
        "uploads to a versioned bucket (the s3 module's) cannot be read",
    ),
    "s3:PutObject": Breaks(("s3:PutObject",), (STUCK, STUCK, "REJECTED"), 0, "no variant can be written"),
    "s3:DeleteObject": DONE,
    "sqs:GetQueueAttributes": Breaks(
        ("sqs:GetQueueAttributes",), ("-", "-", "-"), 0, "the event source mapping cannot be created"
    ),
    "sqs:ReceiveMessage": Breaks(
        ("sqs:ReceiveMessage",),
        ("-", "-", "-"),
        0,
        "the mapping receives nothing: uploads wait until they expire",
    ),
    "sqs:DeleteMessage": Breaks(
        ("sqs:DeleteMessage",),
        DONE.records,
        10,
        "work is done but no message is deleted: all come back and end in the DLQ (false alarms)",
    ),
    "dynamodb:UpdateItem": Breaks(("dynamodb:UpdateItem",), ("-", "-", "-"), 0, "no object can be claimed"),
    "dynamodb:PutItem": Breaks(
        ("dynamodb:PutItem",),
        (STUCK, STUCK, STUCK),
        15,
        "no final record: every delivery renders again (duplicates), then FAILED in the DLQ",
    ),
}
# Granted, but no run of the function needs them: each must say why it is there (docs/security.md).
UNEXERCISED: dict[str, str] = {
    "s3:DeleteObject": "deletes a deleted upload's variants (only under the destination prefix); this job "
    "deletes no upload: tests/integration/test_deletes.py and the local pipeline test exercise it",
}
# Statements moto cannot enforce, with what uses them; checked statically below.
EXPLAINED = {
    "UseKey": "S3 (GetObject/PutObject of SSE-KMS objects) and SQS (ReceiveMessage on the SSE-KMS queue) "
    "call KMS on the role's behalf; moto does not evaluate KMS permissions for server-side encryption",
    "WriteOwnLogs": "the Lambda runtime writes the function's stdout to CloudWatch Logs with the role",
    "XRayTraces": "the Lambda service's X-Ray daemon sends the active-tracing segments with the role",
}


# ------------------------------------------------------------------------------------------------- recording


@dataclass
class Call:
    action: str  # the IAM action AWS evaluates (s3:GetObject with a versionId is s3:GetObjectVersion)
    error: str | None  # error code, None when it succeeded

    @property
    def denied(self) -> bool:
        return self.error in ("AccessDenied", "AccessDeniedException", "403")


@dataclass
class CallLog:
    """Every AWS call made with the function's credentials, from botocore's own events."""

    calls: list[Call] = field(default_factory=list)

    def before(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        service = model.service_model.endpoint_prefix
        action = f"{service}:{model.name}"
        if model.name == "GetObject" and "versionId" in params.get("query_string", {}):
            action = "s3:GetObjectVersion"
        elif model.name == "HeadObject":
            action = "s3:GetObject"  # HEAD is authorised as GET
        context["iam_action"] = action

    def after(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        error = parsed.get("Error", {}).get("Code") if isinstance(parsed, dict) else None
        self.calls.append(Call(context.get("iam_action", "?"), error))

    def attach(self, events: Any) -> None:
        events.register("before-call", self.before)
        events.register("after-call", self.after)

    def denied(self) -> list[str]:
        out: list[str] = []
        for call in self.calls:
            if call.denied and call.action not in out:
                out.append(call.action)
        return out


_moto_s3_event = moto_notifications._get_s3_event


def _s3_event_with_version(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
    """moto's S3 event, plus the `versionId` real S3 sends for a versioned bucket (moto leaves it out)."""
    event = _moto_s3_event(event_name, bucket, key, notification_id)
    version = getattr(key, "version_id", None)
    if version and version != "null":
        event["Records"][0]["s3"]["object"]["versionId"] = version
    return event


def _dynamodb_resource(self: DynamoHandler) -> str:
    """The ARN AWS evaluates a DynamoDB request against: the table, or the index for index queries."""
    body = getattr(self, "body", None) or {}
    table = body.get("TableName")
    if not table:
        return "*"
    arn = f"arn:aws:dynamodb:{self.region}:{self.current_account}:table/{table}"
    index = body.get("IndexName")
    return f"{arn}/index/{index}" if index else arn


# ------------------------------------------------------------------------------------------------- the policy


@dataclass(frozen=True)
class AppliedPolicy:
    """The function role's policy as Terraform created it, and the applied ARNs it names."""

    document: dict[str, Any]
    attached: dict[str, Any]  # the role's inline policy on the applied stack (GetRolePolicy)
    arns: dict[str, str]  # bucket, queue, table, key, log_group -> ARN in the applied stack

    @property
    def statements(self) -> list[dict[str, Any]]:
        statements: list[dict[str, Any]] = self.document["Statement"]
        return statements

    def retarget(self, arns: dict[str, str]) -> RenderedPolicy:
        """The same policy naming other resources: each applied ARN replaced by the one given for it."""
        text = json.dumps(self.document)
        for name, applied in self.arns.items():
            assert applied in text, f"the policy does not name the applied {name} {applied}"
            text = text.replace(applied, arns[name])
        return RenderedPolicy(json.loads(text))


@dataclass(frozen=True)
class RenderedPolicy:
    document: dict[str, Any]

    @property
    def statements(self) -> list[dict[str, Any]]:
        statements: list[dict[str, Any]] = self.document["Statement"]
        return [{**s, "Action": _listed(s["Action"]), "Resource": _listed(s["Resource"])} for s in statements]

    def without(self, sid: str) -> dict[str, Any]:
        kept = [s for s in self.statements if s["Sid"] != sid]
        assert len(kept) == len(self.statements) - 1, sid
        return {**self.document, "Statement": kept}


def _listed(value: str | list[str]) -> list[str]:
    return sorted([value] if isinstance(value, str) else value)


@pytest.fixture(scope="module")
def applied_policy(applied_stack: Any) -> AppliedPolicy:
    outputs = {name: item["value"] for name, item in applied_stack.outputs.items()}
    region, function = outputs["aws_region"], outputs["function_name"]
    account = outputs["queue_arn"].split(":")[4]
    iam = applied_stack.stack.client("iam")
    attached = iam.get_role_policy(RoleName=function, PolicyName=f"{function}-least-privilege")
    document = attached["PolicyDocument"]
    return AppliedPolicy(
        document=json.loads(outputs["function_role_policy_json"]),
        attached=json.loads(document) if isinstance(document, str) else document,
        arns={
            "bucket": f"arn:aws:s3:::{outputs['bucket_name']}",
            "queue": outputs["queue_arn"],
            "table": f"arn:aws:dynamodb:{region}:{account}:table/{outputs['metadata_table_name']}",
            "key": outputs["kms_key_arn"],
            "log_group": f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{function}",
        },
    )


# ------------------------------------------------------------------------------------------------- the stack


def _image(color: tuple[int, int, int]) -> bytes:
    out = BytesIO()
    Image.new("RGB", (320, 200), color).save(out, "JPEG")
    return out.getvalue()


@dataclass
class Function:
    """The handler imported with the IAM user's credentials, and what it takes to run scenarios."""

    handler: Any
    admin: boto3.session.Session
    role: boto3.session.Session
    log: CallLog
    key_arn: str
    table_arn: str
    log_group_arn: str
    user: str
    applied: AppliedPolicy
    runs: int = 0


@pytest.fixture(scope="module")
def function(applied_policy: AppliedPolicy) -> Iterator[Function]:
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for name in REAL_AWS_VARIABLES:
            patch.delenv(name, raising=False)
        patch.setattr(DynamoHandler, "_determine_resource", _dynamodb_resource, raising=False)
        patch.setattr(moto_notifications, "_get_s3_event", _s3_event_with_version)
        admin = boto3.session.Session(**ADMIN)
        key_arn = admin.client("kms").create_key(Description="imgpipe iam test")["KeyMetadata"]["Arn"]
        admin.client("dynamodb").create_table(**table_definition(TABLE_NAME))
        table_arn = admin.client("dynamodb").describe_table(TableName=TABLE_NAME)["Table"]["TableArn"]
        logs = admin.client("logs")
        logs.create_log_group(logGroupName=f"/aws/lambda/{FUNCTION_NAME}")
        group = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{FUNCTION_NAME}")["logGroups"][0]
        log_group_arn = group.get("logGroupArn") or group["arn"].removesuffix(":*")
        iam = admin.client("iam")
        iam.create_user(UserName=FUNCTION_NAME)
        key = iam.create_access_key(UserName=FUNCTION_NAME)["AccessKey"]
        credentials = {
            "aws_access_key_id": key["AccessKeyId"],
            "aws_secret_access_key": key["SecretAccessKey"],
        }
        # The handler creates its clients at import from boto3's default session: make that the user's.
        saved_session = boto3.DEFAULT_SESSION
        boto3.setup_default_session(**credentials, region_name=REGION)
        log = CallLog()
        assert boto3.DEFAULT_SESSION is not None
        log.attach(boto3.DEFAULT_SESSION.events)
        role = boto3.session.Session(**credentials, region_name=REGION)
        log.attach(role.events)
        environment = {
            **function_environment(
                TABLE_NAME,
                MAX_RECEIVE_COUNT="5",
                POWERTOOLS_SERVICE_NAME=FUNCTION_NAME,
                POWERTOOLS_METRICS_NAMESPACE=FUNCTION_NAME,
                POWERTOOLS_LOG_LEVEL="WARNING",
            ),
            "POWERTOOLS_TRACE_DISABLED": "true",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
        }
        try:
            with cold_started(environment) as module:
                yield Function(
                    module.lambda_handler,
                    admin,
                    role,
                    log,
                    key_arn,
                    table_arn,
                    log_group_arn,
                    FUNCTION_NAME,
                    applied_policy,
                )
        finally:
            boto3.DEFAULT_SESSION = saved_session


@dataclass
class Stack:
    bucket: str
    queue_url: str
    queue_arn: str


def _new_stack(function: Function) -> Stack:
    function.runs += 1
    name = f"imgpipe-iam-{function.runs}"
    s3, sqs = function.admin.client("s3"), function.admin.client("sqs")
    queue_url = sqs.create_queue(
        QueueName=name, Attributes={"KmsMasterKeyId": function.key_arn, "VisibilityTimeout": "300"}
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3.create_bucket(Bucket=name)
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": function.key_arn,
                    }
                }
            ]
        },
    )
    s3.put_bucket_notification_configuration(
        Bucket=name,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
                }
            ]
        },
    )
    return Stack(name, queue_url, queue_arn)


def render_policy(function: Function, stack: Stack) -> RenderedPolicy:
    """Terraform's policy, naming this scenario's bucket, queue, table, key and log group."""
    return function.applied.retarget(
        {
            "bucket": f"arn:aws:s3:::{stack.bucket}",
            "queue": stack.queue_arn,
            "table": function.table_arn,
            "key": function.key_arn,
            "log_group": function.log_group_arn,
        }
    )


# ------------------------------------------------------------------------------------------------- the job


@dataclass
class JobResult:
    denied: list[str]
    mapping_created: bool
    item_failures: int
    batch_failures: int
    undeleted: int  # messages received but not deleted (they come back, and end in the DLQ)
    statuses: dict[str, list[str]]
    variant_versions: int  # PutObject versions under processed/ (5 per rendered image)
    calls: list[str]

    @property
    def records(self) -> tuple[str, str, str]:
        def one(key: str) -> str:
            found = self.statuses[key]
            assert len(found) <= 1, found
            return found[0] if found else "-"

        plain, photo, bad = (one(key) for key in EXPECTED_STATUSES)
        return plain, photo, bad

    def shows(self, breaks: Breaks) -> None:
        assert (tuple(self.denied), self.records, self.variant_versions) == (
            breaks.denied,
            breaks.records,
            breaks.variants,
        ), f"{breaks.effect}: {self}"

    @property
    def done(self) -> bool:
        return (
            self.mapping_created
            and not self.denied
            and self.item_failures == 0
            and self.batch_failures == 0
            and self.undeleted == 0
            and self.statuses == EXPECTED_STATUSES
            and self.variant_versions == 10
        )


EXPECTED_STATUSES = {
    "uploads/plain.jpg": ["PROCESSED"],
    "uploads/photo.jpg": ["PROCESSED"],
    "uploads/not-an-image.jpg": ["REJECTED"],
}


class Mapping:
    """Lambda's SQS event source mapping, polling with the function's role (synchronous: one poll a call)."""

    def __init__(self, function: Function, stack: Stack, result: dict[str, int]) -> None:
        self.function, self.stack, self.result = function, stack, result
        self.sqs = function.role.client("sqs")
        self.bodies: list[str] = []

    def create(self) -> bool:
        with enable_iam_authentication():
            try:
                self.sqs.get_queue_attributes(QueueUrl=self.stack.queue_url, AttributeNames=["All"])
            except ClientError:
                return False
        return True

    def poll(self) -> None:
        with enable_iam_authentication():
            messages: list[dict[str, Any]] = []
            try:
                while batch := self.sqs.receive_message(
                    QueueUrl=self.stack.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
                ).get("Messages", []):
                    messages += batch
            except ClientError:
                return
            if not messages:
                return
            self.bodies += [m["Body"] for m in messages]
            event = received_event(messages, self.stack.queue_arn)
            try:
                response = self.function.handler(event, FakeLambdaContext(function_name=FUNCTION_NAME))
            except Exception:  # BatchProcessingError: every record failed, the whole batch is retried
                self.result["batch_failures"] += 1
                self.result["undeleted"] += len(messages)
                return
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
            self.result["item_failures"] += len(failed)
            for message in messages:
                if message["MessageId"] in failed:
                    continue
                try:
                    # One DeleteMessage per message: moto authorizes DeleteMessageBatch as its own action,
                    # AWS as sqs:DeleteMessage; Lambda's mapping is allowed either way by sqs:DeleteMessage.
                    self.sqs.delete_message(
                        QueueUrl=self.stack.queue_url, ReceiptHandle=message["ReceiptHandle"]
                    )
                except ClientError:
                    self.result["undeleted"] += 1


def run_job(function: Function, transform: Any = None) -> tuple[JobResult, RenderedPolicy]:
    """The whole job under the rendered policy (optionally transformed), on a fresh bucket and queue."""
    stack = _new_stack(function)
    policy = render_policy(function, stack)
    document = transform(policy) if transform else policy.document
    iam = function.admin.client("iam")
    iam.put_user_policy(UserName=function.user, PolicyName="function", PolicyDocument=json.dumps(document))
    s3, sqs = function.admin.client("s3"), function.admin.client("sqs")
    counts = {"item_failures": 0, "batch_failures": 0, "undeleted": 0}
    mapping = Mapping(function, stack, counts)
    first_call = len(function.log.calls)

    created = mapping.create()
    if created:
        s3.put_object(Bucket=stack.bucket, Key="uploads/plain.jpg", Body=_image((200, 30, 30)))
        mapping.poll()
        s3.put_bucket_versioning(Bucket=stack.bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket=stack.bucket, Key="uploads/photo.jpg", Body=_image((30, 200, 30)))
        s3.put_object(Bucket=stack.bucket, Key="uploads/not-an-image.jpg", Body=b"not an image\n" * 40)
        mapping.poll()
        photo_event = next((body for body in mapping.bodies if "photo.jpg" in body), None)
        if photo_event is not None:  # (none when the mapping could not receive at all)
            sqs.send_message(QueueUrl=stack.queue_url, MessageBody=photo_event)  # delivered again
            mapping.poll()

    records = MetadataTable(function.admin.client("dynamodb"), TABLE_NAME)
    statuses = {
        key: [r["status"] for r in records.records_for(stack.bucket, key)] for key in EXPECTED_STATUSES
    }
    versions = s3.list_object_versions(Bucket=stack.bucket, Prefix="processed/").get("Versions", [])
    calls = function.log.calls[first_call:]
    result = JobResult(
        denied=CallLog(calls).denied(),
        mapping_created=created,
        item_failures=counts["item_failures"],
        batch_failures=counts["batch_failures"],
        undeleted=counts["undeleted"],
        statuses=statuses,
        variant_versions=len(versions),
        calls=sorted({call.action for call in calls}),
    )
    return result, policy


def without_statement(sid: str) -> Any:
    return lambda policy: policy.without(sid)


def without_action(action: str) -> Any:
    def transform(policy: RenderedPolicy) -> dict[str, Any]:
        statements = []
        for statement in policy.statements:
            actions = [a for a in statement["Action"] if a != action]
            if actions:
                statements.append({**statement, "Action": actions})
        return {**policy.document, "Statement": statements}

    return transform


# ------------------------------------------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def policy(function: Function) -> RenderedPolicy:
    return render_policy(function, _new_stack(function))


def test_the_policy_is_the_one_terraform_attached_to_the_role(applied_policy: AppliedPolicy) -> None:
    # GIVEN the applied stack WHEN its output and the role's inline policy are compared THEN they are equal
    assert applied_policy.document == applied_policy.attached
    sids = [statement.get("Sid") for statement in applied_policy.statements]
    assert all(sids) and len(set(sids)) == len(sids), f"every statement needs a unique sid: {sids}"


def test_no_wildcard_actions_and_every_resource_is_scoped(policy: RenderedPolicy, function: Function) -> None:
    for statement in policy.statements:
        assert statement["Effect"] == "Allow"
        for action in statement["Action"]:
            service, _, name = action.partition(":")
            assert service and name and "*" not in action, f"{statement['Sid']}: wildcard action {action}"
        if "*" in statement["Resource"]:
            # Only X-Ray's trace APIs, which support no resource-level permissions.
            assert statement["Resource"] == ["*"]
            assert set(statement["Action"]) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    resources = {r for statement in policy.statements for r in statement["Resource"]}
    bucket = next(r for r in resources if r.startswith("arn:aws:s3:::")).split("/")[0]
    assert resources == {
        f"{bucket}/uploads/*",
        f"{bucket}/processed/*",
        next(r for r in resources if r.startswith("arn:aws:sqs:")),
        function.table_arn,
        function.key_arn,
        f"{function.log_group_arn}:*",
        "*",
    }


def test_every_statement_is_either_proven_here_or_explained(policy: RenderedPolicy) -> None:
    sids = {statement["Sid"] for statement in policy.statements}
    assert sids == set(ENFORCED) | set(EXPLAINED)
    actions = {a for s in policy.statements if s["Sid"] in ENFORCED for a in s["Action"]}
    assert actions == set(ACTION_BREAKS)
    assert {a for a, b in ACTION_BREAKS.items() if b is DONE} == set(UNEXERCISED)


def test_the_whole_job_succeeds_under_the_policy(function: Function) -> None:
    # GIVEN the rendered policy on the function's identity, IAM enforced
    # WHEN the mapping is created, and good, bad and duplicate deliveries go through the handler
    result, _ = run_job(function)
    # THEN nothing is denied, no item fails, every message is deleted, and every record is final
    result.shows(DONE)
    assert result.done, result
    # AND these are all the calls the function (and its mapping) made
    assert result.calls == [
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:PutObject",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage",
    ]


@pytest.mark.parametrize("sid", sorted(ENFORCED))
def test_dropping_a_statement_breaks_exactly_its_operations(function: Function, sid: str) -> None:
    # GIVEN the policy without one statement WHEN the same job runs
    result, _ = run_job(function, without_statement(sid))
    # THEN exactly that statement's operations are denied, with exactly this damage
    result.shows(ENFORCED[sid])
    assert not result.done
    # AND a denial is never mistaken for bad input: nothing is acknowledged that was not done
    assert "REJECTED" not in result.records[:2]


@pytest.mark.parametrize("action", sorted(ACTION_BREAKS))
def test_dropping_an_action_breaks_exactly_that_operation(function: Function, action: str) -> None:
    result, _ = run_job(function, without_action(action))
    result.shows(ACTION_BREAKS[action])
    if ACTION_BREAKS[action] is DONE:
        assert action in UNEXERCISED, f"{action} is granted but nothing needs it"
        assert result.done
    else:
        assert not result.done


@pytest.mark.parametrize("sid", sorted(EXPLAINED))
def test_statement_moto_cannot_enforce_is_exact(policy: RenderedPolicy, function: Function, sid: str) -> None:
    statement = next(s for s in policy.statements if s["Sid"] == sid)
    expected = {
        "UseKey": (["kms:Decrypt", "kms:GenerateDataKey"], [function.key_arn]),
        "WriteOwnLogs": (["logs:CreateLogStream", "logs:PutLogEvents"], [f"{function.log_group_arn}:*"]),
        "XRayTraces": (["xray:PutTelemetryRecords", "xray:PutTraceSegments"], ["*"]),
    }[sid]
    assert (statement["Action"], statement["Resource"]) == expected
    assert "Condition" not in statement or sid == "UseKey"


def policy_statements_of(function: Function) -> list[dict[str, Any]]:
    return render_policy(
        function, Stack("imgpipe-iam-x", "", "arn:aws:sqs:us-east-1:123456789012:x")
    ).statements


def test_enforcement_is_real(function: Function) -> None:
    """A control: with no policy at all the user can do nothing (moto is enforcing, not just recording)."""
    only_xray = [s for s in policy_statements_of(function) if s["Sid"] == "XRayTraces"]
    result, _ = run_job(function, lambda policy: {**policy.document, "Statement": only_xray})
    assert not result.mapping_created
    assert result.denied == ["sqs:GetQueueAttributes"]
