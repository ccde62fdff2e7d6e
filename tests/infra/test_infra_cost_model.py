"""The cost model (benchmarks/cost_model.py) prices every resource type the stacks synthesize.

A new resource type in a template fails here until the model says what it costs (a priced line or
why it costs nothing); a type the templates no longer have fails too, so the list stays exact.
"""

from benchmarks.cost_model import FREE, PRICES, RESOURCE_TYPES, SCALES, monthly_costs, resource_counts
from tests.infra.infra_support import Synthesized

CLI_ONLY = {"AWS::CDK::Metadata"}  # the CDK CLI adds it; the tests' synthesis does not


def test_the_model_lists_exactly_the_synthesized_resource_types(synthesized: Synthesized) -> None:
    synthesized_types = set(resource_counts(synthesized.templates)) - CLI_ONLY
    modelled = set(RESOURCE_TYPES) - CLI_ONLY
    assert sorted(synthesized_types - modelled) == [], "resource types the cost model leaves out"
    assert sorted(modelled - synthesized_types) == [], "resource types the stacks no longer have"


def test_every_priced_line_has_a_cost_and_every_price_a_source(synthesized: Synthesized) -> None:
    lines = {line for line in RESOURCE_TYPES.values() if not line.startswith(FREE)}
    for scale in SCALES:
        costs = monthly_costs(synthesized.templates, scale)
        assert lines <= set(costs), sorted(lines - set(costs))
        assert all(value >= 0 for value in costs.values())
    for name, price in PRICES.items():
        assert price.source.startswith("https://aws.amazon.com/"), name
        assert price.usd > 0 and price.as_of, name


def test_costs_grow_with_scale_and_fixed_costs_stay(synthesized: Synthesized) -> None:
    today, _, hundredfold = (monthly_costs(synthesized.templates, scale) for scale in SCALES)
    assert sum(hundredfold.values()) > sum(today.values())
    assert today["alarms"] == hundredfold["alarms"] > 0
    assert today["waf"] > 5  # a web ACL and its rules, whatever the traffic
