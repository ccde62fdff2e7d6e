"""Customer-managed KMS keys (stateful) and the API's web ACL (stateless)."""

from aws_cdk import ArnFormat, RemovalPolicy, Stack, aws_iam, aws_kms, aws_logs, aws_wafv2
from constructs import Construct

from infra import constants


class Keys(Construct):
    """One key per purpose, so revoking one (say, the reporting key) leaves the others working.

    - ``data``: the DynamoDB tables, their backups and the cursor signing secret;
    - ``reporting``: the reporting bucket, failed stream records and Athena results;
    - ``operations``: CloudWatch log groups, the alarm topic and dead-letter queues.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.data = self._key("Data", "cases and idempotency tables, backups, cursor signing secret")
        self.reporting = self._key("Reporting", "reporting extracts, failed stream records, Athena results")
        self.operations = self._key("Operations", "log groups, alarm topic, dead-letter queues")

        stack = Stack.of(self)
        # CloudWatch Logs encrypts log groups with the key only if the key policy lets it.
        self.operations.add_to_resource_policy(
            aws_iam.PolicyStatement(
                principals=[aws_iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                            service="logs", resource="log-group", resource_name="*"
                        )
                    }
                },
            )
        )
        # CloudWatch alarms publish to the encrypted topic, which needs the key.
        self.operations.add_to_resource_policy(
            aws_iam.PolicyStatement(
                principals=[aws_iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )

    def _key(self, name: str, purpose: str) -> aws_kms.Key:
        return aws_kms.Key(
            self,
            name,
            description=f"Safeguarding Case Review Tracker: {purpose}",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )


def audit_log_group(
    scope: Construct, construct_id: str, log_key: aws_kms.IKey, log_group_name: str | None = None
) -> aws_logs.LogGroup:
    """A log group as every log here must be: encrypted with the log key, kept for the retention
    period, and retained when the stack goes (logs are audit evidence)."""
    return aws_logs.LogGroup(
        scope,
        construct_id,
        log_group_name=log_group_name,
        encryption_key=log_key,
        retention=constants.LOG_RETENTION,
        removal_policy=RemovalPolicy.RETAIN,
    )


class WebAcl(Construct):
    """A regional web ACL with AWS managed rule groups and a per-IP rate limit, logged (redacted)."""

    def __init__(self, scope: Construct, construct_id: str, *, log_key: aws_kms.IKey) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        # WAF only logs to a group whose name starts with aws-waf-logs-.
        log_group_name = f"aws-waf-logs-{stack.stack_name}"
        log_group = audit_log_group(self, "Logs", log_key, log_group_name)
        rules: list[aws_wafv2.CfnWebACL.RuleProperty] = []
        managed_groups = (
            "AWSManagedRulesAmazonIpReputationList",
            "AWSManagedRulesCommonRuleSet",
            "AWSManagedRulesKnownBadInputsRuleSet",
            "AWSManagedRulesSQLiRuleSet",
        )
        for priority, group in enumerate(managed_groups):
            # Case reviews carry several 4000-character free-text fields: the common rule set's
            # 8 KB body limit would block legitimate submissions, so that one rule only counts.
            overrides = (
                [
                    aws_wafv2.CfnWebACL.RuleActionOverrideProperty(
                        name="SizeRestrictions_BODY",
                        action_to_use=aws_wafv2.CfnWebACL.RuleActionProperty(count={}),
                    )
                ]
                if group == "AWSManagedRulesCommonRuleSet"
                else None
            )
            rules.append(
                aws_wafv2.CfnWebACL.RuleProperty(
                    name=group,
                    priority=priority,
                    statement=aws_wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=aws_wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS", name=group, rule_action_overrides=overrides
                        )
                    ),
                    override_action=aws_wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    visibility_config=self._visibility(group),
                )
            )
        rules.append(
            aws_wafv2.CfnWebACL.RuleProperty(
                name="RateLimitPerIp",
                priority=len(managed_groups),
                statement=aws_wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=aws_wafv2.CfnWebACL.RateBasedStatementProperty(
                        limit=constants.WAF_RATE_LIMIT_PER_5_MIN, aggregate_key_type="IP"
                    )
                ),
                action=aws_wafv2.CfnWebACL.RuleActionProperty(block={}),
                visibility_config=self._visibility("RateLimitPerIp"),
            )
        )
        self.web_acl = aws_wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=aws_wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            visibility_config=self._visibility("ScrtWebAcl"),
        )
        # WAF logging wants the bare log-group ARN (no ":*") of a group named aws-waf-logs-*.
        logging = aws_wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.web_acl.attr_arn,
            log_destination_configs=[
                stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=log_group_name,
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
            # Bearer tokens never reach the logs.
            redacted_fields=[
                aws_wafv2.CfnLoggingConfiguration.FieldToMatchProperty(
                    single_header={"Name": "authorization"}
                )
            ],
        )

        logging.node.add_dependency(log_group)

    @staticmethod
    def _visibility(name: str) -> aws_wafv2.CfnWebACL.VisibilityConfigProperty:
        return aws_wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
        )
