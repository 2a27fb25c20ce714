"""Write an evidence bundle to a folder (and optionally a zip of it).

    DIR/index.html          the page (self-contained, no script)
    DIR/complaint-ja.txt    the case text to paste, in Japanese
    DIR/complaint-en.txt    the same in English
    DIR/evidence.json       the same facts as data
    DIR/images/<id>.jpg     the stored copies of the main images shown
    DIR/raw/*.json          the stored API answers behind the versions shown
    DIR/SHA256SUMS          `sha256sum -c` format, over every other file

The folder must not exist yet, or be empty: a bundle is never mixed with older files.
The raw answers are what the SP-API returned; they never hold credentials, and any key that
looks like one (token, secret, authorization, ...) is dropped anyway before writing, as is
any value shaped like an LWA token or client secret (`Atza|...`, `Atzr|...`,
`amzn1.oa2-cs...`) whatever its key.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .. import store
from ..errors import UsageError
from ..model import Catalog
from .check import catalog_json
from .complaint import Case, build_case, case_text, facts_json
from .evidence import Evidence, OfferState
from .fields import FieldCheck
from .html import render

_SECRET_KEY = re.compile(r"token|secret|authori[sz]ation|password|credential|api[-_]?key|signature", re.IGNORECASE)
_SECRET_VALUE = re.compile(r"Atz[ar]\||amzn1\.oa2-cs", re.IGNORECASE)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9+_-]")


@dataclass(frozen=True)
class Bundle:
    directory: Path
    files: tuple[str, ...]  # relative to `directory`, SHA256SUMS last
    zip_path: Path | None


def image_file(image_id: str) -> str:
    """A file name for an image id that cannot escape the folder: `images/71Zp+4mWb2L.jpg`."""
    safe = _SAFE_NAME.sub("_", image_id)[:80]
    if safe != image_id or not safe:
        # Two unusual ids must not share a file: add a digest of the real id.
        safe += "-" + hashlib.sha256(image_id.encode("utf-8")).hexdigest()[:12]
    return f"images/{safe}.jpg"


def scrub(value: Any) -> Any:
    """The answer without any key that looks like a credential, nor any credential value."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if not _SECRET_KEY.search(str(k))}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str) and _SECRET_VALUE.search(value):
        return "(removed: looked like a credential)"
    return value


def write_bundle(
    e: Evidence, out: Path, lang: str = "ja", make_zip: bool = False, zone: str = "Asia/Tokyo"
) -> Bundle:
    """Write every file of the bundle; returns what was written."""
    if lang not in ("ja", "en"):
        raise UsageError(f"--lang must be ja or en, not {lang!r}")
    out = out.resolve()  # `--out .` has no name of its own to give the zip
    zip_path = out.parent / f"{out.name}.zip" if make_zip else None
    _prepare(out, zip_path)
    case = build_case(e, zone)
    files: dict[str, bytes] = {}
    for image_id, record in sorted(e.images.items()):
        if record.copy:
            files.setdefault(image_file(image_id), bytes(record.copy))
    for name, answer in sorted(e.raw.items()):
        files[f"raw/{name}"] = _json_bytes(scrub(answer))
    files["complaint-ja.txt"] = case_text(e, case, "ja").encode("utf-8")
    files["complaint-en.txt"] = case_text(e, case, "en").encode("utf-8")
    files["evidence.json"] = _json_bytes(evidence_json(e, case))
    files["index.html"] = render(e, case, lang, zone).encode("utf-8")
    for name, data in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))
    (out / "SHA256SUMS").write_text(sums, encoding="utf-8")
    names = (*sorted(files), "SHA256SUMS")
    if zip_path is not None:
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in names:
                archive.write(out / name, f"{out.name}/{name}")
    return Bundle(out, names, zip_path)


def _prepare(out: Path, zip_path: Path | None) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} already exists and is not an empty folder: choose another --out")
    if zip_path is not None and zip_path.exists():
        raise UsageError(f"{zip_path} already exists: choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {out}: {exc.strerror or exc}") from None


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- evidence.json -------------------------------------------------------------------------------


def evidence_json(e: Evidence, case: Case) -> dict[str, Any]:
    """The same facts as the case text, plus the timeline they come from. Times in UTC."""
    return {
        "asin": e.asin,
        "label": e.label,
        "generated_at": e.generated_at,
        "window": {"from": e.window_from, "to": e.window_to},
        "seller_id": e.seller_id,
        "baseline": {
            "version": e.baseline.catalog.version,
            "since": e.baseline.since,
            "how": e.baseline.how,
            "catalog": catalog_json(e.registered),
        },
        "facts": facts_json(case),
        "requests": {"ja": list(case.requests_ja), "en": list(case.requests_en)},
        "timeline": [_version_json(v, e.raw) for v in e.versions],
        "offers": [_offers_json(o, e.raw) for o in e.offers],
        "changes": [
            {
                "after_previous_observation": t.before.last_seen,
                "first_observed": t.after.first_seen,
                "from_version": t.before.version,
                "to_version": t.after.version,
                "fields": [_check_json(c.check) | {"from_registered": c.from_registered} for c in t.changes],
                "other_sellers_before": list(t.offers_before.others) if t.offers_before else None,
                "other_sellers_after": list(t.offers_after.others) if t.offers_after else None,
            }
            for t in e.transitions
        ],
        "latest": {
            "version": e.latest.version,
            "last_seen": e.latest.last_seen,
            "differs_from_registered": [_check_json(f) for f in e.latest_fields if f.same is not True],
        },
        "alerts": [
            {"kind": a.kind, "severity": a.severity, "cause": a.cause, "status": a.status, "opened_at": a.opened_at,
             "closed_at": a.closed_at, "before": a.before, "after": a.after, "detail": a.detail}
            for a in e.alerts
        ],
        "images": [
            {"image_id": r.image_id, "width": r.width, "height": r.height, "link": r.link,
             "first_seen": r.first_seen, "file": image_file(r.image_id) if r.copy else None}
            for r in sorted(e.images.values(), key=lambda r: r.image_id)
        ],
        "raw": [f"raw/{name}" for name in sorted(e.raw)],
    }


def _raw_file(name: str, raw: Mapping[str, Any]) -> str | None:
    return f"raw/{name}" if name in raw else None


def _version_json(v: store.Version, raw: Mapping[str, Any]) -> dict[str, Any]:
    cat = v.content if isinstance(v.content, Catalog) else None
    return {"version": v.version, "first_seen": v.first_seen, "last_seen": v.last_seen, "status": v.status,
            "catalog": catalog_json(cat), "raw": _raw_file(f"catalog-v{v.version}.json", raw)}


def _offers_json(o: OfferState, raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "version": o.version.version,
        "first_seen": o.version.first_seen,
        "last_seen": o.version.last_seen,
        "other_sellers": list(o.others),
        "buybox": list(o.buybox),
        "offers": [{"seller_id": x.seller_id, "fulfillment": x.fulfillment, "buybox": x.buybox, "mine": x.mine}
                   for x in o.offers.offers],
        "raw": _raw_file(f"offers-v{o.version.version}.json", raw),
    }


def _check_json(c: FieldCheck) -> dict[str, Any]:
    return {"field": c.field, "from": c.before, "to": c.after, "same": c.same, "severity": c.severity,
            "verdict": c.verdict, "scores": dict(c.scores)}
