"""Copy the front-end files the pages use from node_modules into the package's static folder.

Run after ``npm install --ignore-scripts`` (the DSFR package refuses its own preinstall otherwise).
Only the files the pages load are copied (the DSFR package weighs 136 MB), and every copied file is
checked against ``scripts/assets.sha256``, so a changed or tampered npm package stops the install.
``--update`` rewrites that checksum file after a deliberate version bump in ``package.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
STATIC = ROOT / "src" / "iapublique" / "web" / "static"
CHECKSUMS = Path(__file__).resolve().parent / "assets.sha256"

DSFR = "@gouvfr/dsfr/dist"
ICON_GROUPS = ("system", "user", "document", "media", "editor", "arrows", "design")
"""DSFR utility icon families the pages use (fr-icon-… classes)."""
CSS_URL = re.compile(r"url\(\s*['\"]?(?!data:)([^'\")]+)['\"]?\s*\)")


@dataclass(frozen=True)
class Asset:
    """One file to copy: its path under node_modules and its path under the static folder."""

    source: str
    target: str


BASE_ASSETS = [
    Asset(f"{DSFR}/dsfr.min.css", "dsfr/dsfr.min.css"),
    Asset(f"{DSFR}/dsfr.module.min.js", "dsfr/dsfr.module.min.js"),
    Asset(f"{DSFR}/dsfr.nomodule.min.js", "dsfr/dsfr.nomodule.min.js"),
    *[
        Asset(
            f"{DSFR}/utility/icons/icons-{group}/icons-{group}.min.css",
            f"dsfr/utility/icons/icons-{group}/icons-{group}.min.css",
        )
        for group in ICON_GROUPS
    ],
    Asset("htmx.org/dist/htmx.min.js", "vendor/htmx.min.js"),
]


def css_dependencies(asset: Asset) -> list[Asset]:
    """Icons and fonts a copied CSS file refers to (woff2 only: every browser the DSFR supports reads it)."""
    if not asset.source.endswith(".css"):
        return []
    text = (NODE_MODULES / asset.source).read_text(encoding="utf-8")
    found: dict[str, Asset] = {}
    src_dir = Path(asset.source).parent
    dst_dir = Path(asset.target).parent
    for ref in CSS_URL.findall(text):
        ref = ref.split("#", 1)[0].split("?", 1)[0]
        if not ref or ref.endswith(".woff"):
            continue
        source = _normalise(src_dir / ref)
        target = _normalise(dst_dir / ref)
        if (NODE_MODULES / source).is_file():
            found[target] = Asset(source, target)
    return sorted(found.values(), key=lambda a: a.target)


def _normalise(path: Path) -> str:
    """Resolve ``..`` segments of a relative path without touching the file system."""
    parts: list[str] = []
    for part in path.as_posix().split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def all_assets() -> list[Asset]:
    """The base files and everything their CSS refers to."""
    assets = {a.target: a for a in BASE_ASSETS}
    for asset in BASE_ASSETS:
        for dep in css_dependencies(asset):
            assets.setdefault(dep.target, dep)
    return sorted(assets.values(), key=lambda a: a.target)


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_checksums() -> dict[str, str]:
    """Expected checksums, by target path."""
    if not CHECKSUMS.exists():
        return {}
    out: dict[str, str] = {}
    for line in CHECKSUMS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, target = line.split(maxsplit=1)
            out[target.strip()] = digest
    return out


def main(argv: list[str] | None = None) -> int:
    """Copy (or, with --update, re-checksum) the assets; non-zero exit with a French message on error."""
    parser = argparse.ArgumentParser(description="Copie les ressources front (DSFR, htmx) dans static/.")
    parser.add_argument("--update", action="store_true", help="réécrire scripts/assets.sha256 (après une mise à jour)")
    args = parser.parse_args(argv)
    missing = [b.source for b in BASE_ASSETS if not (NODE_MODULES / b.source).is_file()]
    if missing:
        print(
            "Ressources absentes de node_modules : "
            + ", ".join(missing)
            + ". Lancez d'abord « npm install --ignore-scripts » à la racine du projet.",
            file=sys.stderr,
        )
        return 1
    assets = all_assets()
    if args.update:
        lines = ["# SHA-256 des fichiers copiés par scripts/install_assets.py (régénérer avec --update)"]
        lines += [f"{sha256(NODE_MODULES / a.source)}  {a.target}" for a in assets]
        CHECKSUMS.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{len(assets)} sommes de contrôle écrites dans {CHECKSUMS.relative_to(ROOT)}.")
        return 0
    expected = read_checksums()
    problems = []
    for a in assets:
        digest = sha256(NODE_MODULES / a.source)
        if expected.get(a.target) != digest:
            problems.append(a.target)
    if problems:
        print(
            "Somme de contrôle inattendue ou absente pour : "
            + ", ".join(problems[:10])
            + (" …" if len(problems) > 10 else "")
            + ". Vérifiez les versions de package.json (npm ci) ; après une mise à jour voulue, "
            "relancez avec --update.",
            file=sys.stderr,
        )
        return 1
    for folder in ("dsfr", "vendor"):
        shutil.rmtree(STATIC / folder, ignore_errors=True)
    for a in assets:
        target = STATIC / a.target
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NODE_MODULES / a.source, target)
    print(f"{len(assets)} fichiers copiés dans {STATIC.relative_to(ROOT)} (sommes SHA-256 vérifiées).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
