"""The local stack's stand-in for GOV.UK Notify (dev-only, never shipped): each email the job would
have sent becomes a JSON file in ``<state dir>/outbox/`` holding the recipient, the template id, the
personalisation and Notify's reference.
"""

import json
import uuid
from pathlib import Path

from tracker import clock

OUTBOX_FOLDER = "outbox"
LOCAL_DIGEST_TEMPLATE_ID = "00000000-0000-4000-8000-0000000d1635"
LOCAL_REGIONAL_DIGEST_TEMPLATE_ID = "00000000-0000-4000-8000-0000000e1635"
"""The template ids the local stack configures (the ICB's and the region's digests): made up (Notify
ids are UUIDs); nothing checks them."""


class OutboxEmailSender:
    """``EmailSender`` writing one file per email; the file is complete or absent (renamed into place)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(
        self, recipient: str, template_id: str, personalisation: dict[str, str | list[str]], reference: str
    ) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        now = clock.now_utc()
        name = f"{now:%Y%m%dT%H%M%S%fZ}-{reference}-{uuid.uuid4().hex[:8]}.json"
        message = {
            "recipient": recipient,
            "templateId": template_id,
            "personalisation": personalisation,
            "reference": reference,
            "createdAt": clock.format_timestamp(now),
        }
        partial = self.folder / f".{name}.partial"
        partial.write_text(json.dumps(message, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        partial.replace(self.folder / name)

    def sent(self) -> list[dict[str, object]]:
        """Every email in the outbox, oldest first (for tests and `scrt remind`'s summary)."""
        if not self.folder.exists():
            return []
        return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(self.folder.glob("*.json"))]
