"""Logger, Tracer and Metrics of every function, set up once.

botocore logs request and response bodies at DEBUG, and those hold case items with restricted
text: it is held at INFO whatever level an operator sets for the service.
"""

import logging

from aws_lambda_powertools import Logger, Metrics, Tracer

from tracker import settings

logging.getLogger("botocore").setLevel(logging.INFO)

logger = Logger(service=settings.SERVICE_NAME)
tracer = Tracer(service=settings.SERVICE_NAME)
metrics = Metrics(namespace=settings.METRICS_NAMESPACE, service=settings.SERVICE_NAME)
