"""Copies the NHS.UK frontend's compiled CSS and JavaScript (from node_modules, the version
package.json locks) into the web app's package under content-hashed names, with a manifest.

Hashed names let the app serve them with a year-long cache lifetime: a new release is a new name.
The CSS's own image URLs are rewritten to the hashed copies beside it; the script that starts the
design system's components is a file of its own, because the pages' CSP allows no inline script.

    .venv/bin/python -m tools.web_assets          # write layers/shared/tracker/web/static/
    .venv/bin/python -m tools.web_assets --check  # fail if what is committed is stale
"""

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
TARGET = ROOT / "layers" / "shared" / "tracker" / "web" / "static"
SCRIPTS = ROOT / "layers" / "shared" / "tracker" / "web" / "scripts"
MANIFEST = "manifest.json"
HASH_LENGTH = 16

_CSS_IMAGE = re.compile(r"url\(/assets/images/([a-z0-9-]+)\.svg\)")
# The Frutiger web font is licensed to NHS services from NHS's own CDN; the pages' CSP keeps every
# request on this site, so the font faces go and the design system's fallback (Arial) is used.
_REMOTE_FONT_FACE = re.compile(r"@font-face\{[^}]*https://[^}]*\}")


def _hashed(stem: str, suffix: str, content: bytes) -> str:
    return f"{stem}-{hashlib.sha256(content).hexdigest()[:HASH_LENGTH]}{suffix}"


def _frontend_version() -> str:
    package = json.loads((DIST.parents[1] / "package.json").read_text(encoding="utf-8"))
    return str(package["version"])


def build() -> dict[str, bytes]:
    """Every file the static folder should hold, by name (the manifest included)."""
    if not DIST.is_dir():
        raise SystemExit(f"{DIST} is missing: run `make install` (npm ci) first")
    version = _frontend_version()
    files: dict[str, bytes] = {}
    manifest: dict[str, str] = {"nhsukFrontendVersion": version}

    def add(logical: str, stem: str, suffix: str, content: bytes) -> str:
        name = _hashed(stem, suffix, content)
        files[name] = content
        manifest[logical] = name
        return name

    images = DIST / "assets" / "images"
    css = (DIST / f"nhsuk-frontend-{version}.min.css").read_text(encoding="utf-8")
    css = _REMOTE_FONT_FACE.sub("", css)
    for image in sorted(set(_CSS_IMAGE.findall(css))):
        name = add(f"{image}.svg", image, ".svg", (images / f"{image}.svg").read_bytes())
        css = css.replace(f"url(/assets/images/{image}.svg)", f"url({name})")
    add("nhsuk-frontend.css", "nhsuk-frontend", ".css", css.encode())
    add("favicon.svg", "favicon", ".svg", (images / "favicon.svg").read_bytes())
    frontend_js = add(
        "nhsuk-frontend.js", "nhsuk-frontend", ".js", (DIST / f"nhsuk-frontend-{version}.min.js").read_bytes()
    )
    starter = (
        f'import {{ initAll }} from "./{frontend_js}";\n'
        "// What the design system's page template does inline (the CSP here allows no inline script).\n"
        'document.body.classList.add("js-enabled", "nhsuk-frontend-supported");\n'
        "initAll();\n"
    )
    add("web-app.js", "web-app", ".js", starter.encode())
    # The session timeout warning (WCAG 2.2.1): our own script, served and fingerprinted like the rest.
    add("session-timeout.js", "session-timeout", ".js", (SCRIPTS / "session-timeout.js").read_bytes())
    files[MANIFEST] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed files are stale")
    args = parser.parse_args(argv)
    wanted = build()
    present = {path.name: path.read_bytes() for path in TARGET.glob("*") if path.is_file()}
    if args.check:
        if present != wanted:
            print("web assets are stale: run `.venv/bin/python -m tools.web_assets`", file=sys.stderr)
            return 1
        return 0
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in set(present) - set(wanted):
        (TARGET / name).unlink()
    for name, content in wanted.items():
        (TARGET / name).write_bytes(content)
    print(f"wrote {len(wanted)} files to {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
