"""DynamoDB: claim a source object, write its final record, query records. The only DynamoDB calls made.

The low-level client is used (not the boto3 resource layer): it imports faster at cold start, and the explicit
serialisation in `image_processor.records` keeps numbers ints instead of Decimals.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from image_processor.adapters.errors import AWS_EXCEPTIONS, ConditionFailed, error_code, translate
from image_processor.records import (
    PARTITION_KEY,
    SORT_KEY,
    STATUS_INDEX,
    TTL_ATTRIBUTE,
    RecordKey,
    Status,
    from_item,
    to_item,
)

# Renders of this object stopped at their invocation's deadline (counted by `release`, kept by later claims).
INTERRUPTED = "interrupted"

# Attributes of a final record that a new claim removes, so an IN_PROGRESS item never carries a stale result
# (and, without `processed_at`, drops out of the `by_status` index until its final write).
_RESULT_ATTRIBUTES = (
    "processed_at",
    "reason",
    "source",
    "variants",
    "destination_bucket",
    "duration_ms",
    "event_time",
)

# A claim is granted when there is no item, the last attempt FAILED, a previous claim's lease ran out (its
# function died or timed out), or the final record was made with other variant specs (a preset change).
_CLAIM_CONDITION = (
    "attribute_not_exists(#pk)"
    " OR #status = :failed"
    " OR (#status = :in_progress AND #lease_until < :now)"
    " OR (#status IN (:processed, :rejected)"
    " AND (attribute_not_exists(#signature) OR #signature <> :signature))"
)
# A FAILED record written without holding a claim (the claim itself could not be made) must not overwrite a
# live claim or a final result.
_UNCLAIMED_CONDITION = (
    "attribute_not_exists(#pk) OR #status = :failed OR (#status = :in_progress AND #lease_until < :now)"
)


def table_definition(table_name: str) -> dict[str, Any]:
    """`create_table` arguments for the metadata table as modules/dynamodb builds it, for tests' tables
    (tests/terraform/test_table_schema.py compares it, and TTL_ATTRIBUTE, with the module's plan)."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": SORT_KEY, "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "processed_at", "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": STATUS_INDEX,
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "processed_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }


@dataclass(frozen=True)
class Claim:
    attempts: int  # claims made on this record, this one included
    interrupted: int  # earlier renders of it stopped at their invocation's deadline


# The owner of a destination stem (`processed/2026/cat`) takes the stem's lock to write variants; another
# source is refused by name; a live lock of the owner's own (another version) is waited out.
_STEM_LOCK_CONDITION = (
    "(attribute_not_exists(#owner) OR #owner = :owner)"
    " AND (attribute_not_exists(#lock_until) OR #lock_until < :now)"
)


class MetadataTable:
    """The metadata records over a boto3 DynamoDB client."""

    def __init__(self, client: Any, table_name: str) -> None:
        # Public: tests and the soak run register botocore event hooks on it to inject faults.
        self.client = client
        self.table_name = table_name

    def claim(
        self,
        key: RecordKey,
        *,
        bucket: str,
        object_key: str,
        token: str,
        now: int,
        lease_until: int,
        claimed_at: str,
        signature: str,
        expires_at: int | None,
    ) -> Claim:
        """Take the claim; `ConditionFailed` carries the existing record when it is refused."""
        values: dict[str, Any] = {
            ":in_progress": Status.IN_PROGRESS.value,
            ":failed": Status.FAILED.value,
            ":processed": Status.PROCESSED.value,
            ":rejected": Status.REJECTED.value,
            ":now": now,
            ":token": token,
            ":lease": lease_until,
            ":claimed_at": claimed_at,
            ":bucket": bucket,
            ":key": object_key,
            ":signature": signature,
            ":one": 1,
        }
        names = {
            "#pk": PARTITION_KEY,
            "#status": "status",
            "#lease_until": "lease_until",
            "#signature": "variants_signature",
            "#claim_token": "claim_token",
            "#claimed_at": "claimed_at",
            "#bucket": "bucket",
            "#key": "key",
            "#attempts": "attempts",
        }
        assignments = [
            "#status = :in_progress",
            "#claim_token = :token",
            "#lease_until = :lease",
            "#claimed_at = :claimed_at",
            "#bucket = :bucket",
            "#key = :key",
            "#signature = :signature",
        ]
        removals = list(_RESULT_ATTRIBUTES)
        if expires_at is not None:
            # Claims expire too: a claim whose function died on the last receive would otherwise stay forever.
            assignments.append(f"#{TTL_ATTRIBUTE} = :expires_at")
            values[":expires_at"] = expires_at
            names[f"#{TTL_ATTRIBUTE}"] = TTL_ATTRIBUTE
        else:
            removals.append(TTL_ATTRIBUTE)
        names.update({f"#{name}": name for name in removals})
        removed = ", ".join(f"#{name}" for name in removals)
        expression = f"SET {', '.join(assignments)} ADD #attempts :one REMOVE {removed}"
        response = self._update(
            "claim",
            key,
            expression=expression,
            condition=_CLAIM_CONDITION,
            names=names,
            values=values,
            ReturnValues="ALL_NEW",
        )
        new = from_item(response["Attributes"])
        return Claim(attempts=int(new.get("attempts", 1)), interrupted=int(new.get(INTERRUPTED, 0)))

    def finish(self, key: RecordKey, token: str, record: Mapping[str, Any]) -> None:
        """Replace the claim with the final record if this claim still holds (else `ConditionFailed`)."""
        self._put(
            record,
            "dynamodb:PutItem (final record)",
            "#claim_token = :token",
            {"#claim_token": "claim_token"},
            {":token": token},
        )

    def put_unclaimed(self, record: Mapping[str, Any], now: int) -> None:
        """Write a final record without a claim; `ConditionFailed` over a live claim or a final result."""
        self._put(
            record,
            "dynamodb:PutItem (unclaimed record)",
            _UNCLAIMED_CONDITION,
            {"#pk": PARTITION_KEY, "#status": "status", "#lease_until": "lease_until"},
            {":failed": Status.FAILED.value, ":in_progress": Status.IN_PROGRESS.value, ":now": now},
        )

    def release(self, key: RecordKey, token: str, now: int, *, interrupted: bool = False) -> None:
        """End this claim's lease now, so the retry can claim again at once; `interrupted`: its render was
        stopped at the invocation's deadline (counted on the record)."""
        names, values = {"#lease_until": "lease_until"}, {":now": now - 1}
        expression = "SET #lease_until = :now"
        if interrupted:
            names[f"#{INTERRUPTED}"] = INTERRUPTED
            values[":one"] = 1
            expression += f" ADD #{INTERRUPTED} :one"
        self._update_claim(key, token, expression, names, values)

    def lock_stem(
        self, key: RecordKey, *, owner: str, token: str, now: int, lease_until: int
    ) -> dict[str, Any]:
        """Take the write lock of a destination stem for the source key `owner` (the first taker owns it);
        returns the stem's item (`variant_keys`: the keys last written under it).

        Raises `ConditionFailed` carrying the stem's item when another source owns it or a lock is live.
        """
        response = self._update(
            "stem lock",
            key,
            expression="SET #owner = :owner, #lock_until = :lease, #lock_token = :token",
            condition=_STEM_LOCK_CONDITION,
            names={"#owner": "owner", "#lock_until": "lock_until", "#lock_token": "lock_token"},
            values={":owner": owner, ":now": now, ":lease": lease_until, ":token": token},
            ReturnValues="ALL_NEW",
        )
        return from_item(response.get("Attributes") or {})

    def unlock_stem(
        self, key: RecordKey, token: str, *, variant_keys: list[str] | None = None, disown: bool = False
    ) -> None:
        """End this lock now; `ConditionFailed` if the lock is no longer ours.

        `variant_keys`: the keys just written (remembered for a later delete); `disown`: the owner was
        deleted, the stem is free for any source again.
        """
        names = {"#lock_until": "lock_until", "#lock_token": "lock_token"}
        values: dict[str, Any] = {":token": token}
        removed = ["#lock_until", "#lock_token"]
        expression = ""
        if disown:
            names.update({"#owner": "owner", "#variant_keys": "variant_keys"})
            removed += ["#owner", "#variant_keys"]
        elif variant_keys is not None:
            names["#variant_keys"] = "variant_keys"
            values[":keys"] = variant_keys
            expression = "SET #variant_keys = :keys "
        self._update(
            "stem unlock",
            key,
            expression=f"{expression}REMOVE {', '.join(removed)}",
            condition="#lock_token = :token",
            names=names,
            values=values,
        )

    def _update_claim(
        self, key: RecordKey, token: str, expression: str, names: dict[str, str], values: dict[str, Any]
    ) -> None:
        """An UpdateItem on a claim that still holds (`ConditionFailed` otherwise)."""
        self._update(
            "claim",
            key,
            expression=expression,
            condition="#claim_token = :token",
            names={**names, "#claim_token": "claim_token"},
            values={**values, ":token": token},
        )

    def _update(
        self,
        what: str,
        key: RecordKey,
        *,
        expression: str,
        condition: str,
        names: dict[str, str],
        values: dict[str, Any],
        **extra: Any,
    ) -> dict[str, Any]:
        try:
            response: dict[str, Any] = self.client.update_item(
                TableName=self.table_name,
                Key=key.as_item_key(),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(values),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **extra,
            )
        except ClientError as exc:
            self._raise_condition_failed(f"dynamodb:UpdateItem ({what})", exc)
            raise translate("dynamodb:UpdateItem", exc) from exc
        except AWS_EXCEPTIONS as exc:
            raise translate("dynamodb:UpdateItem", exc) from exc
        return response

    def records_for(self, bucket: str, object_key: str) -> list[dict[str, Any]]:
        """Every record of one source key (one per version / ETag), oldest `processed_at` first."""
        records = list(
            self._query(
                KeyConditionExpression="#pk = :pk",
                ExpressionAttributeNames={"#pk": PARTITION_KEY},
                ExpressionAttributeValues=to_item({":pk": f"{bucket}/{object_key}"}),
                ConsistentRead=True,
            )
        )
        return sorted(records, key=lambda record: record.get("processed_at") or "")

    def _query(self, limit: int | None = None, **params: Any) -> Iterator[dict[str, Any]]:
        returned = 0
        while True:
            if limit is not None:
                params["Limit"] = limit - returned
            try:
                response = self.client.query(TableName=self.table_name, **params)
            except AWS_EXCEPTIONS as exc:
                raise translate("dynamodb:Query", exc) from exc
            for item in response.get("Items", []):
                yield from_item(item)
                returned += 1
            last = response.get("LastEvaluatedKey")
            if not last or (limit is not None and returned >= limit):
                return
            params["ExclusiveStartKey"] = last

    def _put(
        self,
        record: Mapping[str, Any],
        operation: str,
        condition: str,
        names: dict[str, str],
        values: dict[str, Any],
    ) -> None:
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=to_item(record),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(values),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            self._raise_condition_failed(operation, exc)
            raise translate("dynamodb:PutItem", exc) from exc
        except AWS_EXCEPTIONS as exc:
            raise translate("dynamodb:PutItem", exc) from exc

    @staticmethod
    def _raise_condition_failed(operation: str, exc: ClientError) -> None:
        if error_code(exc) == "ConditionalCheckFailedException":
            item = exc.response.get("Item")
            raise ConditionFailed(operation, from_item(item) if item else None) from exc
