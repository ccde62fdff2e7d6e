"""The pages every service has, linked from the footer and open to anyone, signed in or not: the
accessibility statement, the privacy notice and how to get help.

Their wording is in the templates; what a deployment changes (the help mailbox, when it is read,
known accessibility issues, the controller and its privacy contact, the approved notice's address)
comes from the settings, so a deployment sets its own without a code change.
"""

from dataclasses import dataclass
from datetime import date

from tracker import settings
from tracker.models.wording import long_date
from tracker.web.http import WebResponse
from tracker.web.site import Context, Routes, Services, Site

ACCESSIBILITY_PATH = "/app/accessibility"
PRIVACY_PATH = "/app/privacy"
HELP_PATH = "/app/help"


@dataclass(frozen=True)
class ServiceText:
    """The variable parts of the service pages."""

    help_email: str
    help_hours: str
    known_issues: tuple[str, ...]  # parts of the service not meeting WCAG 2.2 AA; empty: none known
    tested_on: date
    controller: str
    privacy_email: str
    privacy_notice_url: str | None  # the approved notice; None: the page's text is the default

    @classmethod
    def from_settings(cls, config: settings.Settings) -> "ServiceText":
        return cls(
            help_email=config.web_help_email,
            help_hours=config.web_help_hours,
            known_issues=tuple(
                line.strip() for line in config.web_accessibility_known_issues.splitlines() if line.strip()
            ),
            tested_on=config.web_accessibility_tested_on,
            controller=config.web_privacy_controller,
            privacy_email=config.web_privacy_email,
            privacy_notice_url=config.web_privacy_notice_url,
        )


class ServicePages:
    """Open pages: the web app registers ``public_routes()`` where no session is needed."""

    def __init__(self, site: Site, services: Services, text: ServiceText | None = None) -> None:
        self.site = site
        self.services = services
        self._text = text

    @property
    def text(self) -> ServiceText:
        # Read on first use, not at import: the settings are the container's, read once.
        if self._text is None:
            self._text = ServiceText.from_settings(settings.settings())
        return self._text

    def public_routes(self) -> Routes:
        return {
            ("GET", ACCESSIBILITY_PATH): self.accessibility,
            ("GET", PRIVACY_PATH): self.privacy,
            ("GET", HELP_PATH): self.help,
        }

    def _page(self, template: str, context: Context, active: str) -> WebResponse:
        return self.site.page(
            template,
            context,
            service=self.text,
            tested_on=long_date(self.text.tested_on),
            active=active,
        )

    def accessibility(self, context: Context) -> WebResponse:
        return self._page("accessibility.html", context, "accessibility")

    def privacy(self, context: Context) -> WebResponse:
        return self._page("privacy.html", context, "privacy")

    def help(self, context: Context) -> WebResponse:
        return self._page("help.html", context, "help")
