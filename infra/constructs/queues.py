"""The dead-letter queue of a scheduled function: encrypted, TLS only, kept two weeks."""

from aws_cdk import aws_kms, aws_sqs
from constructs import Construct

from infra import constants
from infra.nag import AWS_SOLUTIONS, acknowledge


def dead_letter_queue(
    scope: Construct, construct_id: str, *, key: aws_kms.IKey, function_name: str
) -> aws_sqs.Queue:
    """Where ``function_name``'s asynchronous invocations that fail after Lambda's retries, and the
    events its schedule cannot deliver, land."""
    queue = aws_sqs.Queue(
        scope,
        construct_id,
        encryption=aws_sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        retention_period=constants.DEAD_LETTER_RETENTION,
    )
    acknowledge(
        queue,
        f"This queue is itself the dead-letter queue of {function_name}'s asynchronous invocations "
        "and of its schedule's target.",
        f"{AWS_SOLUTIONS}-SQS3",
    )
    return queue
