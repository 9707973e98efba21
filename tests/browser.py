"""A headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
JSON messages separated by NUL bytes on file descriptors 3 and 4), with the standard library only.

How the tests know nothing was fetched: every request the page makes is reported by the protocol
(``Network.requestWillBeSent``, the page's own file:// URL included), so the tests list them all;
and the browser runs with every host name mapped to nothing and a proxy on a closed local port, so
a fetch that slipped past the listing would fail loudly instead of reaching the network.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--remote-debugging-pipe"]


class Browser:
    """One Chromium process with a fresh profile; ``open`` loads a page and waits for it."""

    def __init__(self, chromium: str, width: int = 1000, height: int = 1400):
        # Chromium's helper processes may still write the profile for a moment after it exits.
        self.profile = tempfile.TemporaryDirectory(ignore_cleanup_errors=True)
        reads, self._write = os.pipe()
        self._read, writes = os.pipe()
        # Chromium reads fd 3 and writes fd 4: move the child's ends above them first, so no dup2 clobbers.
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (reads, writes)]
        self.process = subprocess.Popen(
            [chromium, *FLAGS, f"--user-data-dir={self.profile.name}", f"--window-size={width},{height}", "about:blank"],
            pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=lambda: (os.dup2(high[0], 3), os.dup2(high[1], 4)))
        for fd in (reads, writes, *high):
            os.close(fd)
        self._buffer, self._id, self.events = b"", 0, []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self.call(f"{domain}.enable", session=True)

    def call(self, method: str, session: bool = False, **params) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._next()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def _next(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._read, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, page: Path, timeout: float = 60.0) -> None:
        """Load ``page`` and wait until it is parsed, loaded and its fonts are ready.

        The events start afresh, so :meth:`requested_urls` lists this page's requests. A load
        event alone is not enough: one for the start page (about:blank) can arrive late on a busy
        machine, so the wait also asks the page itself for its URL and its ready state.
        """
        uri = page.resolve().as_uri()
        self.events = []
        self.call("Page.navigate", session=True, url=uri)
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"document.URL === {json.dumps(uri)} && document.readyState === 'complete'"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{uri} did not load within {timeout} s")
            time.sleep(0.05)
        self.call("Runtime.evaluate", session=True, expression="document.fonts.ready.then(() => true)",
                  awaitPromise=True, returnByValue=True)

    def evaluate(self, expression: str):
        return self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)["result"]["value"]

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, target: Path) -> Path:
        data = self.call("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True)["data"]
        target.write_bytes(base64.b64decode(data))
        return target

    def close(self) -> None:
        try:  # a clean exit lets Chromium's helpers finish with the profile before it is removed
            self.call("Browser.close")
            self.process.wait(timeout=10)
        except (RuntimeError, OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        os.close(self._write), os.close(self._read)
        self.profile.cleanup()
