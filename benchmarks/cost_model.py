"""Monthly cost model of the deployed stacks in eu-west-2 (London), at today's scale, 10x and 100x.

Machine-readable on purpose: ``RESOURCE_TYPES`` names every CloudFormation resource type the CDK app
synthesizes and the line of the model that prices it (or why it costs nothing), and
``tests/infra/test_infra_cost_model.py`` fails when the synthesized templates gain a type this
list lacks (or lose one it has). Counts of fixed-price resources (alarms, keys, secrets, web ACL
rules, SnapStart functions) are read from the templates, so the model follows the stacks.

Prices are USD, London unless ``region`` says otherwise, each with its public source and the date
it was written into this model (``as_of``): figures from AWS's published price lists as known to
the model's author on that date, not read from the pages then or since (the sessions that wrote
and revised the model had no internet access). Check them against the pages or the AWS Price List
API before budgeting. The two SnapStart prices are us-east-1 figures (``region``): the model
applies them to eu-west-2 unchanged, and London's may be higher. Run
``python -m benchmarks.cost_model [cdk.out]`` for the table in docs/performance.md.
"""

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRICES_RECORDED = "2026-11-28"
"""When the prices were written into the model, as its author knew them: not a date the pages were read."""


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str
    region: str = "eu-west-2"
    as_of: str = PRICES_RECORDED


PRICES: dict[str, Price] = {
    "lambda_gb_second_arm": Price(0.0000133334, "GB-second (Arm)", "https://aws.amazon.com/lambda/pricing/"),
    "lambda_request": Price(0.20 / 1e6, "request", "https://aws.amazon.com/lambda/pricing/"),
    "snapstart_cache_gb_second": Price(
        0.0000015046,
        "GB-second of a cached SnapStart version",
        "https://aws.amazon.com/lambda/pricing/",
        "us-east-1",
    ),
    "snapstart_restore_gb": Price(
        0.0001397998, "GB restored", "https://aws.amazon.com/lambda/pricing/", "us-east-1"
    ),
    "apigw_rest_request": Price(
        3.70 / 1e6, "REST API request", "https://aws.amazon.com/api-gateway/pricing/"
    ),
    "dynamodb_write_request_unit": Price(
        0.7068 / 1e6, "on-demand WRU", "https://aws.amazon.com/dynamodb/pricing/on-demand/"
    ),
    "dynamodb_read_request_unit": Price(
        0.1415 / 1e6, "on-demand RRU", "https://aws.amazon.com/dynamodb/pricing/on-demand/"
    ),
    "dynamodb_storage_gb_month": Price(
        0.29, "GB-month (Standard)", "https://aws.amazon.com/dynamodb/pricing/on-demand/"
    ),
    "dynamodb_pitr_gb_month": Price(
        0.232, "GB-month (continuous backup)", "https://aws.amazon.com/dynamodb/pricing/on-demand/"
    ),
    "backup_dynamodb_gb_month": Price(
        0.116, "GB-month of backup (AWS Backup, warm)", "https://aws.amazon.com/backup/pricing/"
    ),
    "s3_standard_gb_month": Price(0.024, "GB-month (S3 Standard)", "https://aws.amazon.com/s3/pricing/"),
    "s3_put_request": Price(0.0053 / 1000, "PUT/LIST request", "https://aws.amazon.com/s3/pricing/"),
    "s3_get_request": Price(0.00042 / 1000, "GET request", "https://aws.amazon.com/s3/pricing/"),
    "waf_web_acl_month": Price(5.00, "web ACL-month", "https://aws.amazon.com/waf/pricing/", "all regions"),
    "waf_rule_month": Price(1.00, "rule-month", "https://aws.amazon.com/waf/pricing/", "all regions"),
    "waf_request": Price(
        0.60 / 1e6, "request inspected", "https://aws.amazon.com/waf/pricing/", "all regions"
    ),
    "kms_key_month": Price(1.00, "customer managed key-month", "https://aws.amazon.com/kms/pricing/"),
    "kms_request": Price(0.03 / 10_000, "request", "https://aws.amazon.com/kms/pricing/"),
    "secret_month": Price(0.40, "secret-month", "https://aws.amazon.com/secrets-manager/pricing/"),
    "secret_api_call": Price(0.05 / 10_000, "API call", "https://aws.amazon.com/secrets-manager/pricing/"),
    "cloudwatch_alarm_month": Price(
        0.10, "standard alarm-month", "https://aws.amazon.com/cloudwatch/pricing/"
    ),
    "cloudwatch_dashboard_month": Price(
        3.00, "dashboard-month (beyond 3 free)", "https://aws.amazon.com/cloudwatch/pricing/"
    ),
    "cloudwatch_metric_month": Price(
        0.30, "custom metric-month", "https://aws.amazon.com/cloudwatch/pricing/"
    ),
    "cloudwatch_logs_ingest_gb": Price(
        0.5985, "GB ingested (standard)", "https://aws.amazon.com/cloudwatch/pricing/"
    ),
    "cloudwatch_logs_store_gb_month": Price(
        0.0315, "GB-month stored", "https://aws.amazon.com/cloudwatch/pricing/"
    ),
    "xray_trace": Price(
        5.00 / 1e6, "trace recorded (beyond 100,000 free)", "https://aws.amazon.com/xray/pricing/"
    ),
    "sqs_request": Price(0.40 / 1e6, "request (beyond 1M free)", "https://aws.amazon.com/sqs/pricing/"),
    "sns_notification": Price(0.50 / 1e6, "publish (beyond 1M free)", "https://aws.amazon.com/sns/pricing/"),
    "athena_tb_scanned": Price(5.00, "TB scanned", "https://aws.amazon.com/athena/pricing/"),
}

FREE = "no charge"
RESOURCE_TYPES: dict[str, str] = {
    # priced lines (see ``monthly_costs``)
    "AWS::Lambda::Function": "lambda",
    "AWS::Lambda::Version": "snapstart",
    "AWS::Lambda::Alias": FREE + ": a name for a version",
    "AWS::Lambda::EventSourceMapping": FREE + ": stream reads by Lambda are free; the invocations are priced",
    "AWS::Lambda::LayerVersion": FREE + ": code storage within the free 75 GB",
    "AWS::Lambda::Permission": FREE,
    "AWS::Lambda::EventInvokeConfig": FREE + ": retry settings of asynchronous invocations",
    "AWS::ApiGateway::RestApi": "api_gateway",
    "AWS::ApiGateway::Stage": FREE + ": requests are priced on the API",
    "AWS::ApiGateway::Deployment": FREE,
    "AWS::ApiGateway::Resource": FREE,
    "AWS::ApiGateway::Method": FREE,
    "AWS::ApiGateway::Authorizer": FREE + ": its function is priced",
    "AWS::ApiGateway::GatewayResponse": FREE,
    "AWS::ApiGateway::RequestValidator": FREE,
    "AWS::ApiGateway::Account": FREE,
    "AWS::DynamoDB::GlobalTable": "dynamodb",
    "AWS::Backup::BackupVault": "backup",
    "AWS::Backup::BackupPlan": FREE + ": its recovery points are priced on the vault",
    "AWS::Backup::BackupSelection": FREE,
    "AWS::S3::Bucket": "s3",
    "AWS::S3::BucketPolicy": FREE,
    "AWS::WAFv2::WebACL": "waf",
    "AWS::WAFv2::WebACLAssociation": FREE,
    "AWS::WAFv2::RegexPatternSet": FREE + ": used by a rule, which is priced",
    "AWS::WAFv2::LoggingConfiguration": "logs",
    "AWS::KMS::Key": "kms",
    "AWS::SecretsManager::Secret": "secrets",
    "AWS::SecretsManager::RotationSchedule": FREE + ": its rotation function is priced under Lambda",
    "AWS::CloudWatch::Alarm": "alarms",
    "AWS::CloudWatch::Dashboard": "dashboards",
    "AWS::Logs::LogGroup": "logs",
    "AWS::Logs::MetricFilter": "metrics",
    "AWS::Events::Rule": FREE + ": scheduled rules cost nothing",
    "AWS::Scheduler::Schedule": FREE + ": within the 14 million free invocations",
    "AWS::SQS::Queue": "messaging",
    "AWS::SQS::QueuePolicy": FREE,
    "AWS::SNS::Topic": "messaging",
    "AWS::SNS::TopicPolicy": FREE,
    "AWS::Glue::Database": FREE + ": under the Data Catalog's free million objects",
    "AWS::Glue::Table": FREE + ": under the Data Catalog's free million objects",
    "AWS::Athena::WorkGroup": "athena",
    "AWS::Athena::NamedQuery": FREE + ": a saved query costs nothing until run (then priced as Athena)",
    "AWS::IAM::Role": FREE,
    "AWS::IAM::Policy": FREE,
    "AWS::CDK::Metadata": FREE + ": written by the CDK CLI's synth (not by the tests' synthesis)",
}


@dataclass(frozen=True)
class Scale:
    """What the collection and its users do in a month."""

    name: str
    requests_per_month: float  # API requests (each also runs the authorizer unless cached)
    writes_per_month: float  # submits and updates
    cases: float  # cases held (all years)
    versions_per_case: float = 8.0
    case_kb: float = 8.0


TODAY = Scale("today", requests_per_month=3_000 * 30, writes_per_month=4_000, cases=8_000)
SCALES = (
    TODAY,
    Scale("10x", TODAY.requests_per_month * 10, TODAY.writes_per_month * 10, TODAY.cases * 10),
    Scale("100x", TODAY.requests_per_month * 100, TODAY.writes_per_month * 100, TODAY.cases * 100),
)

SECONDS_PER_MONTH = 730 * 3600
BACKUPS_RETAINED = 35 + 12  # daily for 35 days, monthly for a year (infra/constants.py)


def resource_counts(templates: dict[str, dict[str, Any]]) -> Counter[str]:
    return Counter(
        resource["Type"]
        for template in templates.values()
        for resource in template.get("Resources", {}).values()
    )


def _functions(templates: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        resource["Properties"]
        for template in templates.values()
        for resource in template.get("Resources", {}).values()
        if resource["Type"] == "AWS::Lambda::Function"
    ]


def _waf_rules(templates: dict[str, dict[str, Any]]) -> int:
    return sum(
        len(resource["Properties"].get("Rules", []))
        for template in templates.values()
        for resource in template.get("Resources", {}).values()
        if resource["Type"] == "AWS::WAFv2::WebACL"
    )


def monthly_costs(templates: dict[str, dict[str, Any]], scale: Scale) -> dict[str, float]:
    """USD a month by line. Usage assumptions are written next to each line."""
    p = {name: price.usd for name, price in PRICES.items()}
    counts = resource_counts(templates)
    functions = _functions(templates)
    snapstart_gb = sum(f.get("MemorySize", 128) / 1024 for f in functions if f.get("SnapStart"))
    requests, writes = scale.requests_per_month, scale.writes_per_month
    table_gb = scale.cases * scale.case_kb * (1 + scale.versions_per_case) / 1024 / 1024
    # Case items are copied into every index that keys them (projection ALL): 4 list and due indexes.
    stored_gb = table_gb + scale.cases * scale.case_kb * 4 / 1024 / 1024
    costs = {
        # API handler and authorizer: 100 ms at 0.5 GB each; the publisher per write; the daily snapshot
        # at 1 GB for 4 ms a case (measured locally); 10 % of API calls start a container (restores).
        "lambda": (requests * 2 * 0.1 * 0.5 + writes * 0.3 * 0.5 + 30 * scale.cases * 0.004 * 1.0)
        * p["lambda_gb_second_arm"]
        + (requests * 2 + writes + 30) * p["lambda_request"],
        "snapstart": snapstart_gb * SECONDS_PER_MONTH * p["snapstart_cache_gb_second"]
        + requests * 0.1 * 0.5 * p["snapstart_restore_gb"],
        "api_gateway": requests * p["apigw_rest_request"],
        # a write: transaction of case and history item (x2 WRU), 8 KB each, plus 4 index copies;
        # a read: 52 cases of 8 KB, eventually consistent (a page of an ICB or region reads 26, the
        # nation's 182; gets read one); the daily snapshot reads every case once.
        "dynamodb": writes * (2 * 2 * 8 + 4 * 8) * p["dynamodb_write_request_unit"]
        + requests * 52 * scale.case_kb / 4 * 0.5 * p["dynamodb_read_request_unit"]
        + 30 * scale.cases * scale.case_kb / 4 * 0.5 * p["dynamodb_read_request_unit"]
        + stored_gb * p["dynamodb_storage_gb_month"]
        + stored_gb * p["dynamodb_pitr_gb_month"],
        "backup": BACKUPS_RETAINED * table_gb * p["backup_dynamodb_gb_month"],
        # extracts: 2 objects a write, a daily snapshot (cases x 3 KB) kept a year, current/ per case
        "s3": (365 * scale.cases * 3 / 1024 / 1024 + scale.cases * scale.case_kb / 1024 / 1024)
        * p["s3_standard_gb_month"]
        + (writes * 2 + 30 * 10) * p["s3_put_request"]
        + writes * 2 * p["s3_get_request"],
        "waf": counts["AWS::WAFv2::WebACL"] * p["waf_web_acl_month"]
        + _waf_rules(templates) * p["waf_rule_month"]
        + requests * p["waf_request"],
        "kms": counts["AWS::KMS::Key"] * p["kms_key_month"] + (requests + writes) * 0.05 * p["kms_request"],
        "secrets": counts["AWS::SecretsManager::Secret"] * p["secret_month"]
        + len(functions) * 24 * 30 * p["secret_api_call"],
        "alarms": counts["AWS::CloudWatch::Alarm"] * p["cloudwatch_alarm_month"],
        "dashboards": counts["AWS::CloudWatch::Dashboard"] * p["cloudwatch_dashboard_month"],
        # EMF metrics: about 12 names by service and function; metric filters add one each
        "metrics": (12 + counts["AWS::Logs::MetricFilter"]) * p["cloudwatch_metric_month"],
        # 3 KB of logs a request (function, access log, WAF log), kept: a year's worth stored
        "logs": requests
        * 3
        / 1024
        / 1024
        * (p["cloudwatch_logs_ingest_gb"] + 12 * p["cloudwatch_logs_store_gb_month"]),
        "xray": max(0.0, requests * 2 - 100_000) * p["xray_trace"],
        "messaging": 0.0,  # alarm notifications and dead letters: within the free million
        "athena": 0.01
        * scale.cases
        / 8_000
        * p["athena_tb_scanned"],  # dashboards scan about 10 GB a month today
    }
    return {line: round(value, 2) for line, value in costs.items()}


FIXED_LINES = ("waf", "kms", "secrets", "alarms", "dashboards", "metrics", "snapstart")


def load_templates(outdir: Path) -> dict[str, dict[str, Any]]:
    return {
        path.stem.split(".")[0]: json.loads(path.read_text())
        for path in sorted(outdir.glob("*.template.json"))
    }


def markdown_table(templates: dict[str, dict[str, Any]]) -> str:
    by_scale = {scale.name: monthly_costs(templates, scale) for scale in SCALES}
    lines = [
        "| line | " + " | ".join(scale.name for scale in SCALES) + " |",
        "| --- |" + " ---: |" * len(SCALES),
    ]
    for line in by_scale["today"]:
        marker = " (fixed)" if line in FIXED_LINES else ""
        lines.append(
            f"| {line}{marker} | " + " | ".join(f"{by_scale[s.name][line]:.2f}" for s in SCALES) + " |"
        )
    lines.append(
        "| **total** | " + " | ".join(f"**{sum(by_scale[s.name].values()):.2f}**" for s in SCALES) + " |"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table(load_templates(Path(sys.argv[1] if len(sys.argv) > 1 else "cdk.out"))))
