"""The operator's command that lists every stored case breaking a current case rule.

Run after deploying a new rule (``python -m tools.check_cases`` from a checkout, with the table's
environment and AWS credentials): each line names the case (id, reference, ICB), the field and how
to fix it, never the case's text, so the ICB can correct it. It reads only. ``scrt check-cases`` does
the same locally. An entry point like a handler (so it asks the composition root); the rules are
``tracker.rules.case_rules``'.
"""


def main() -> None:  # pragma: no cover - an operator's command over the configured table
    import json

    from tracker import composition

    print(json.dumps(composition.run_case_check().as_dict(), indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
