"""The web app's page table and the gateway's route table name the same routes: a page the gateway
does not route is unreachable, and a route with no page answers 404."""

from infra.routes import ROUTES, WEB_APP
from tests.unit.web.conftest import Harness
from tracker.web.app import STATIC_ROUTE


def test_every_web_app_route_has_a_page_and_every_page_a_route(web: Harness) -> None:
    routed = {(route.method, route.path) for route in ROUTES if route.function == WEB_APP}
    served = {*web.app.public_routes, *web.app.signed_in_routes, ("GET", STATIC_ROUTE)}

    assert routed == served


def test_no_web_app_route_goes_through_the_apis_authorizer() -> None:
    # The app signs people in itself; the bearer authorizer would refuse every browser request.
    assert all(not route.authorized for route in ROUTES if route.function == WEB_APP)
