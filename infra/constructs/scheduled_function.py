"""A function that EventBridge rules invoke on a schedule (snapshot_extract, seal_audit).

Its rules invoke it asynchronously, so it has a dead-letter queue, and its rules send the events
they cannot deliver to that same queue: one place to look when a scheduled run failed for good.
"""

from typing import Any

from aws_cdk import Duration, aws_events, aws_events_targets, aws_kms, aws_lambda
from constructs import Construct

from infra import constants
from infra.constructs.function import TrackerFunction, app_function_code
from infra.constructs.queues import dead_letter_queue
from infra.deployment import DeploymentConfig


class ScheduledFunction(TrackerFunction):
    """One of the app's functions (its code, reserved concurrency and role as ``TrackerFunction``
    makes them), its dead-letter queue, and the rules that invoke it.

    The queue and the rules are the owner's (``scope``'s) children, not this construct's: their
    logical ids are the ones they had before this construct existed, so a deploy keeps the queue,
    and whatever failed runs wait in it, rather than replacing it.
    """

    def __init__(
        self,
        scope: Construct,
        *,
        name: str,
        description: str,
        dead_letters_id: str,
        config: DeploymentConfig,
        layer: aws_lambda.ILayerVersion | None,
        log_key: aws_kms.IKey,
        environment: dict[str, str],
        timeout: Duration,
        memory_size: int = constants.DEFAULT_MEMORY_MB,
    ) -> None:
        dead_letters = dead_letter_queue(scope, dead_letters_id, key=log_key, function_name=name)
        super().__init__(
            scope,
            name=name,
            description=description,
            code=app_function_code(config.functions_root, name),
            layer=layer,
            log_key=log_key,
            reserved_concurrency=config.reserved_concurrency[name],
            environment=environment,
            timeout=timeout,
            memory_size=memory_size,
            dead_letter_queue=dead_letters,
            dead_letter_key=log_key,
        )
        self.owner = scope
        self.dead_letters = dead_letters

    def schedule(
        self,
        rule_id: str,
        *,
        description: str,
        schedule: aws_events.Schedule,
        retry_attempts: int,
        max_event_age: Duration,
        event: dict[str, Any] | None = None,
    ) -> aws_events.Rule:
        """A rule (the owner's child ``rule_id``) invoking the function with ``event`` (EventBridge's
        own event when None), retrying ``retry_attempts`` times for up to ``max_event_age``, then
        sending the event to the dead-letter queue."""
        return aws_events.Rule(
            self.owner,
            rule_id,
            description=description,
            schedule=schedule,
            targets=[
                aws_events_targets.LambdaFunction(
                    self.function,
                    event=aws_events.RuleTargetInput.from_object(event) if event is not None else None,
                    retry_attempts=retry_attempts,
                    max_event_age=max_event_age,
                    dead_letter_queue=self.dead_letters,
                )
            ],
        )
