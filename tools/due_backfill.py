"""The operator's command that puts every case on the due indexes where the rule places it now.

Run once after deploying the due indexes (``python -m tools.due_backfill`` from a checkout, with the
table's environment and AWS credentials), and again whenever ``SAR_COMPLETION_MONTHS`` changes, since
SAR due dates follow it. ``scrt backfill`` does the same locally. An entry point like a handler (so
it asks the composition root); the work is ``tracker.dal.due_keys``'s.
"""


def main() -> None:  # pragma: no cover - an operator's command over the configured table
    from tracker import composition

    print(composition.run_due_backfill())


if __name__ == "__main__":  # pragma: no cover
    main()
