"""Print the briefing's HTML to PDF with Debian's headless chromium, fully offline.

The HTML is self-contained (inline CSS, the map as a data: URI), so chromium needs no
network. The binary is ``LIFELINE_CHROMIUM`` when set, else ``chromium`` on the PATH
(Debian's package installs /usr/bin/chromium). ``--no-sandbox`` because servers and CI
often run as root, where chromium refuses its sandbox; the page is our own HTML.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = ("install Debian's chromium and fonts-noto-cjk (sudo apt-get install chromium "
                "fonts-noto-cjk, or `make system-deps` as root), or set LIFELINE_CHROMIUM to a "
                "Chromium or Chrome binary")


class PdfError(RuntimeError):
    """The PDF could not be produced (chromium missing, failed or timed out)."""


def chromium_path() -> str | None:
    """The chromium binary to use, or None when there is none."""
    configured = os.environ.get("LIFELINE_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render_pdf(html_text: str, out: str | Path, timeout: float = 90.0) -> Path:
    """Write ``html_text`` as an A4 PDF to ``out`` and return its path.

    Raises :class:`PdfError` with what to install when chromium is missing, and with
    chromium's own message when it fails or takes longer than ``timeout`` seconds.
    """
    binary = chromium_path()
    if binary is None:
        where = os.environ.get("LIFELINE_CHROMIUM")
        found = f"LIFELINE_CHROMIUM={where} is not executable" if where else "chromium was not found"
        raise PdfError(f"Cannot print the briefing to PDF: {found}; {INSTALL_HINT}.")
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    # A throw-away profile: no clash with a running browser or another briefing.
    with tempfile.TemporaryDirectory(prefix="lifeline-brief-") as tmp:
        page = Path(tmp) / "brief.html"
        page.write_text(html_text, encoding="utf-8")
        target = Path(tmp) / "brief.pdf"
        command = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
            "--disable-extensions", "--no-first-run", "--disable-background-networking",
            "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={target}", page.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"chromium did not finish the PDF within {timeout:.0f} s") from exc
        except OSError as exc:
            raise PdfError(f"cannot run {binary}: {exc}; {INSTALL_HINT}.") from exc
        if not target.exists() or target.stat().st_size == 0:
            tail = "\n".join((done.stderr or "").strip().splitlines()[-5:])
            raise PdfError(f"chromium exited with {done.returncode} and wrote no PDF:\n{tail}")
        shutil.move(str(target), out)
    return out
