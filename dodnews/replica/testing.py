"""Run the replica in a subprocess for tests and benchmarks: `with ReplicaProcess() as r: r.url`.

Talks to the replica with urllib on 127.0.0.1 only; every wait has a timeout and a failed start
kills the process and reports its stderr.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode


class ReplicaError(RuntimeError):
    """The replica did not start, or an admin call failed."""


class ReplicaProcess:
    """`python -m dodnews replica serve --port 0 ...` as a context manager."""

    def __init__(
        self,
        epoch: int = 0,
        articles: int = 0,
        seed: int = 1,
        data_dir: str | Path | None = None,
        latency_ms: float = 0.0,
        faults: list[str] | None = None,
        extra_args: list[str] | None = None,
        start_timeout: float = 60.0,
        site: str | None = None,
        variants: bool | None = None,
        markup_shifts: list[str] | None = None,
    ) -> None:
        """`site`: serve under that site profile (`--site af`); None: $DODNEWS_SITE, else war.

        `variants`: markup variants on/off (None: $DODNEWS_REPLICA_VARIANTS, else on);
        `markup_shifts`: `PART@EPOCH[=SHAPE]` redesigns (docs/replica-data.md).
        """
        self.args = [sys.executable, "-m", "dodnews", "replica", "serve", "--host", "127.0.0.1"]
        self.args += ["--port", "0", "--epoch", str(epoch), "--articles", str(articles)]
        self.args += ["--seed", str(seed)]
        if data_dir is not None:
            self.args += ["--data", str(data_dir)]
        if latency_ms:
            self.args += ["--latency", str(latency_ms)]
        for spec in faults or []:
            self.args += ["--fault", spec]
        if site is not None:
            self.args += ["--site", site]
        if variants is not None:
            self.args += ["--variants", "on" if variants else "off"]
        for spec in markup_shifts or []:
            self.args += ["--markup-shift", spec]
        self.args += extra_args or []
        self.start_timeout = start_timeout
        self.url = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None

    def start(self) -> ReplicaProcess:
        """Start the server and wait for its `Serving on ...` line."""
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in __exit__)
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            self.args,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        line = self._first_line()
        if not line.startswith("Serving on http://"):
            self._fail(f"unexpected first line {line!r}")
        self.url = line.split(" ", 2)[2].strip()
        return self

    def _first_line(self) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + self.start_timeout
        data = b""
        try:
            while b"\n" not in data:
                left = deadline - time.monotonic()
                if left <= 0:
                    self._fail(f"no 'Serving on' line within {self.start_timeout:.0f} s")
                if selector.select(left):
                    chunk = os.read(self.proc.stdout.fileno(), 4096)
                    if not chunk:
                        self._fail(f"exited with status {self.proc.wait(5)} before serving")
                    data += chunk
        finally:
            selector.close()
        return data.split(b"\n", 1)[0].decode("utf-8", "replace")

    def _fail(self, message: str) -> None:
        err = self.stderr_text()
        self.stop()
        raise ReplicaError(f"replica: {message}; stderr: {err[-2000:]}")

    def stderr_text(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL if it does not exit in `timeout` seconds; the exit status."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if proc.stdout is not None:
            proc.stdout.close()
        return proc.returncode

    def close(self) -> None:
        """Stop the server and drop its captured stderr."""
        self.stop()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> ReplicaProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- HTTP helpers -----------------------------------------------------------------------

    def get(
        self, path: str, headers: dict[str, str] | None = None, timeout: float = 30.0
    ) -> tuple[int, dict[str, str], bytes]:
        """GET a path (no redirect following): status, lower-case headers, raw body."""
        request = urllib.request.Request(self.url + path, headers=headers or {})
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status, _headers(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, _headers(exc.headers), exc.read()

    def admin(self, action: str, **params: Any) -> dict[str, Any]:
        """Call /__replica__/<action>?params and return its JSON; ReplicaError on failure."""
        query = urlencode({k: v for k, v in params.items() if v is not None})
        status, _, body = self.get(f"/__replica__/{action}" + (f"?{query}" if query else ""))
        data = json.loads(body)
        if status != 200:
            raise ReplicaError(f"replica {action}: {data.get('error', status)}")
        return data

    def set_epoch(self, epoch: int) -> dict[str, Any]:
        return self.admin("epoch", set=epoch)

    def state(self) -> dict[str, Any]:
        return self.admin("state")

    def fault(
        self,
        kind: str,
        path: str | None = None,
        count: int | None = None,
        delay: float | None = None,
        retry_after: int | None = None,
        to: str | None = None,
    ) -> dict[str, Any]:
        """Arm a fault (botwall, 5xx, 429, slow, truncate, reset, ...) for paths matching `path`."""
        return self.admin(
            "fault",
            kind=kind,
            path=path,
            count=count,
            delay=delay,
            retry_after=retry_after,
            to=to,
        )

    def clear_faults(self) -> dict[str, Any]:
        return self.admin("fault", clear=1)

    def requests(self, reset: bool = False) -> dict[str, Any]:
        """Requests received so far: total, first and last arrival (epoch seconds), counts per
        second, and the most in any one second; `reset` starts the count again."""
        return self.admin("requests", reset=1 if reset else None)

    def manifest(self, epoch: int) -> dict[str, Any]:
        """The edits of `epoch` (as `dodnews replica manifest` prints them)."""
        return self.admin("manifest", epoch=epoch)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _headers(message: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in message.items()}


@contextmanager
def running_replica(**kwargs: Any) -> Iterator[ReplicaProcess]:
    """Fixture-friendly: `yield from` it, or `with running_replica(articles=50) as replica:`."""
    with ReplicaProcess(**kwargs) as replica:
        yield replica
