"""A picture of a web page, by headless Chromium (an external tool, like pdftoppm for the PDF)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import OutputError

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND")


def screenshot(page: Path, target: Path, width: int = 760, height: int = 1100) -> Path:
    """The top of ``page`` (a local HTML file) as the PNG ``target``, at a phone-to-laptop width."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise OutputError("chromium not found; on Debian: apt-get install chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                        f"--screenshot={target}", page.resolve().as_uri()], check=True, capture_output=True, timeout=120)
    return target
