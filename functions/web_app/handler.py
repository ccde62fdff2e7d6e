"""The tracker web app's Lambda: hands the request to the web app and returns its page."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tracker import composition, snapstart
from tracker.observability import logger
from tracker.web import app as _app  # noqa: F401 - the app and its pages, imported before the snapshot
from tracker.web import rendering


# With SnapStart the templates are compiled once, before the snapshot (nothing secret is built there).
def _before_snapshot() -> None:
    rendering.warm()


snapstart.register(before_snapshot=_before_snapshot, after_restore=lambda: None)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return composition.web_app().handle(event)
