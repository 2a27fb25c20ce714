"""index.html in a real browser (headless Chromium): the images load, catalog text runs nothing.

The shipped page holds no script and forbids scripts by its Content-Security-Policy. To
read what the browser did, a copy of the page gets a test-only script that writes its
findings into the DOM, which `--dump-dom` then prints. That copy drops the CSP (else the
test script could not run either), so it also shows that escaping alone keeps the hostile
title inert; a second copy keeps the CSP and shows that the policy blocks any script.
Skipped when Chromium is not installed (`.ci/run` installs Debian's `chromium`).
"""

import html
import json
import re
import shutil
import subprocess

import pytest

from test_evidence import BAG, HOSTILE, bundle_for, db  # noqa: F401  (db is a fixture)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")

PROBE = """<script>
window.addEventListener("load", function () {
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({
    images: Array.prototype.map.call(document.images, function (i) { return [i.complete, i.naturalWidth]; }),
    pwned: window.pwned === undefined ? null : window.pwned,
    title: document.title,
    scripts: document.scripts.length
  });
  document.body.appendChild(out);
});
</script>"""
CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>')


def chromium(tmp_path, *args, timeout=120):
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", *args,
    ]
    done = subprocess.run(command, capture_output=True, timeout=timeout, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dump_dom(tmp_path, page):
    return chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom", page.as_uri())


def probe_result(dom):
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    return json.loads(html.unescape(match.group(1))) if match else None


@pytest.fixture
def page(db, tmp_path):  # noqa: F811
    out = tmp_path / "ev"
    bundle_for(db, BAG, out)
    return out / "index.html"


def test_images_load_and_catalog_text_runs_nothing(page, tmp_path):
    source = page.read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(CSP_META.sub("", source).replace("</body>", PROBE + "</body>"), encoding="utf-8")
    result = probe_result(dump_dom(tmp_path, probe))
    assert result is not None, "the test probe did not run"
    assert len(result["images"]) >= 4  # before/after pairs and the timeline thumbnails
    assert all(complete and width > 0 for complete, width in result["images"]), result["images"]
    assert result["pwned"] is None and "PWNED" not in result["title"]
    assert result["scripts"] == 1  # the probe itself; the hostile title made none


def test_the_shipped_page_forbids_scripts(page, tmp_path):
    dom = dump_dom(tmp_path, page)
    assert "<script" not in dom.lower()
    assert html.escape(HOSTILE, quote=False) in dom  # shown as text
    # Even a script that got into the page would be blocked by the page's own policy.
    blocked = tmp_path / "blocked.html"
    blocked.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    assert probe_result(dump_dom(tmp_path, blocked)) is None


def test_screenshot(page, tmp_path):
    shot = tmp_path / "evidence.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", "--hide-scrollbars", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
