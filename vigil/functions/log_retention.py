"""Retention for this account's log groups in this region that never expire (ApplyTo never-expire-or-longer:
also those kept longer). The vigil StackSet's custom resource runs it on Create and Update, a schedule daily;
settings (RetentionInDays, Prefixes, ApplyTo) come with the event. Delete changes nothing. It logs log-group
names, counts and AWS error codes only."""
import json
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

RESOURCE_ID = "vigil-log-retention"
STOP_MS = 90000  # time left when no further log group is started: a throttled call may back off for ~30 s
RETRIES = Config(retries={"mode": "standard", "max_attempts": 6}, connect_timeout=10, read_timeout=30)


def code(error: Exception) -> str:
    """The AWS error code or the exception's type, never its message (it may name roles and accounts)."""
    return error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__


def apply(settings: dict, context: object) -> dict:
    """Set the retention; counts of log groups changed, unchanged and failed (Unfinished: 1 if time ran out)."""
    days = int(settings["RetentionInDays"])
    longer = settings.get("ApplyTo") == "never-expire-or-longer"
    logs = boto3.client("logs", config=RETRIES)
    counts = {"Changed": 0, "Unchanged": 0, "Failed": 0, "Unfinished": 0}
    seen = set()
    for prefix in settings.get("Prefixes") or [""]:
        pages = logs.get_paginator("describe_log_groups").paginate(**({"logGroupNamePrefix": prefix} if prefix
                                                                        else {}))
        for group in (g for page in pages for g in page["logGroups"]):
            name, kept = group["logGroupName"], group.get("retentionInDays")
            if name in seen:
                continue
            seen.add(name)
            if kept and not (longer and kept > days):
                counts["Unchanged"] += 1
                continue
            if context.get_remaining_time_in_millis() < STOP_MS:
                counts["Unfinished"] = 1
                return counts
            try:
                logs.put_retention_policy(logGroupName=name, retentionInDays=days)
                counts["Changed"] += 1
                print(f"retention {days} days: {name}")
            except (BotoCoreError, ClientError) as error:
                counts["Failed"] += 1
                print(f"not changed ({code(error)}): {name}")
    return counts


def respond(event: dict, status: str, reason: str, data: dict) -> None:
    """Answer the custom resource over its pre-signed URL (the response object of CloudFormation's docs)."""
    body = {"Status": status, "Reason": reason, "PhysicalResourceId": event.get("PhysicalResourceId", RESOURCE_ID),
            "StackId": event["StackId"], "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"], "Data": data}
    request = urllib.request.Request(event["ResponseURL"], data=json.dumps(body).encode(), method="PUT",
                                     headers={"Content-Type": ""})
    urllib.request.urlopen(request, timeout=30).close()


def handler(event: dict, context: object) -> dict:
    """A custom resource request (it has RequestType) or the daily schedule."""
    request = event.get("RequestType")
    status, reason, counts = "SUCCESS", "done", {}
    if request != "Delete":
        try:
            counts = apply(event.get("ResourceProperties", event), context)
            print(json.dumps(counts))
        except (BotoCoreError, ClientError) as error:
            status, reason = "FAILED", f"cannot list log groups: {code(error)}"
        except Exception as error:  # CloudFormation must get an answer
            status, reason = "FAILED", f"cannot run: {code(error)}"
    if request is None:
        if status == "FAILED":
            raise RuntimeError(reason)
        return counts
    respond(event, status, reason, counts)
    return counts
