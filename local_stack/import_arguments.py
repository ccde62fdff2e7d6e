"""``scrt import``'s arguments, apart from the importer so that ``scrt --help`` loads no httpx."""

import argparse

TOKEN_ENV = "SCRT_TOKEN"  # noqa: S105 - the name of the variable holding a token, not a token


def add_import_arguments(imports: argparse.ArgumentParser) -> None:
    imports.add_argument("file", nargs="?", default=None, help="the .xlsx or .csv file of cases")
    imports.add_argument("--icb", default=None, help="the ODS code of the ICB the cases belong to")
    imports.add_argument("--dry-run", action="store_true", help="check every row by the API's rules only")
    imports.add_argument("--api", default=None, help="API base URL (default: the running local stack)")
    imports.add_argument("--token", default=None, help=f"bearer token (default ${TOKEN_ENV}, or a local one)")
    imports.add_argument("--report", default=None, help="where the report goes (default FILE-report.EXT)")
    imports.add_argument(
        "--template", default=None, metavar="FILE", help="write the template (.xlsx or .csv)"
    )
