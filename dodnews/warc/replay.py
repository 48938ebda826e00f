"""pywb, the standard replay tool, in a virtual environment of its own, serving a WARC folder.

pywb pins old libraries (redis 2.10) that dodnews's own environment cannot share, so it is
installed, at the versions tested with dodnews, into its own virtual environment: by
`dodnews replay --setup` or on the first `dodnews replay`. The server binds 127.0.0.1 only and
has no live-web collection: a replayed page can only come from the WARC files.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from dodnews.errors import UserError
from dodnews.warc.index import IndexerFailed

PYWB_VERSION = "2.10.0"
# The set tested with dodnews (pywb and everything it pulled in), so that a later release of one
# of them cannot change what replay does.
PYWB_REQUIREMENTS = (
    f"pywb=={PYWB_VERSION}",
    "brotlipy==0.7.0",
    "certauth==1.3.0",
    "certifi==2026.10.19.post1",
    "cffi==2.1.1",
    "charset-normalizer==3.5.3",
    "cryptography==47.0.0",
    "defusedxml==0.7.1",
    "fakeredis==0.16.0",
    "filelock==4.3.2",
    "gevent==26.9.0",
    "greenlet==3.5.6",
    "idna==3.21",
    "Jinja2==3.1.6",
    "MarkupSafe==3.0.4",
    "portalocker==4.4.2",
    "Py3AMF==0.9.1",
    "pycparser==3.12",
    "pyOpenSSL==26.1.0",
    "python-dateutil==4.0.0",
    "PyYAML==6.0.4",
    "redis==2.10.6",
    "requests==2.34.2",
    "requests-file==3.0.1",
    "six==1.17.0",
    "surt==0.3.1",
    "tldextract==5.4.0",
    "typing_extensions==4.16.0",
    "tzdata==2026.6",
    "ua-parser==1.0.2",
    "ua-parser-builtins==202610",
    "urllib3==2.8.0",
    "warcio==1.8.1",
    "webassets==2.0",
    "webencodings==0.6.1",
    "Werkzeug==3.1.7",
    "wsgiprox==1.5.2",
    "zope.event==6.2",
    "zope.interface==8.7",
)
COLLECTION = "dodnews"
_MARKER = "dodnews-pywb.json"  # written last: a venv without it is unfinished


def data_home() -> Path:
    """`$XDG_DATA_HOME/dodnews`, else `~/.local/share/dodnews`."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "dodnews"


def venv_dir() -> Path:
    """Where pywb's environment lives: `$DODNEWS_PYWB_VENV`, else under the user's data home."""
    configured = os.environ.get("DODNEWS_PYWB_VENV")
    return Path(configured).expanduser() if configured else data_home() / "pywb-venv"


def work_dir(warc_dir: Path) -> Path:
    """The replay index and pywb's configuration for one WARC folder (a cache: derived data)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    tag = hashlib.sha256(str(warc_dir.resolve()).encode()).hexdigest()[:16]
    return Path(base) / "dodnews" / "replay" / tag


class Pywb:
    """An installed pywb: its programs in one virtual environment."""

    def __init__(self, venv: Path) -> None:
        self.venv = venv
        self.bin = venv / "bin"

    @property
    def wayback(self) -> Path:
        return self.bin / "wayback"

    def ready(self) -> bool:
        """True when the environment holds exactly the tested set."""
        try:
            marker = json.loads((self.venv / _MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        wanted = list(PYWB_REQUIREMENTS)
        return marker.get("requirements") == wanted and self.wayback.exists()

    def indexer(self, warc_dir: Path) -> Callable[[list[Path]], list[str]]:
        """pywb's own indexer over files of `warc_dir`: CDXJ lines, file names relative to it."""

        def run(paths: list[Path]) -> list[str]:
            command = [str(self.bin / "cdx-indexer"), "-j", "-o", "-", "-d", str(warc_dir)]
            done = subprocess.run(
                [*command, *(str(p) for p in paths)],
                capture_output=True,
                text=True,
                check=False,
                stdin=subprocess.DEVNULL,
            )
            if done.returncode != 0:
                raise IndexerFailed(_last_line(done.stderr) or f"exit {done.returncode}")
            return [line for line in done.stdout.splitlines() if line.strip()]

        return run


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One process at a time sets up the environment (two `dodnews replay` started together)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_pywb(venv: Path | None = None, say: Callable[[str], None] = print) -> Pywb:
    """pywb's environment, made first if it is missing (one line said); UserError when it
    cannot be made (no network, pip failing)."""
    venv = venv or venv_dir()
    pywb = Pywb(venv)
    if pywb.ready():
        return pywb
    with _locked(venv.with_name(venv.name + ".lock")):
        if pywb.ready():  # made by another process while this one waited
            return pywb
        if venv.exists() and not (venv / "bin" / "python").exists():
            raise UserError(
                f"{venv} exists and is not a virtual environment; remove it or set "
                "DODNEWS_PYWB_VENV to another folder"
            )
        say(f"Setting up pywb {PYWB_VERSION} in its own environment {venv} (once; about a minute)")
        steps = []
        if not venv.exists():
            steps.append([sys.executable, "-m", "venv", str(venv)])
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        steps.append([*pip, "--disable-pip-version-check", *PYWB_REQUIREMENTS])
        for step in steps:
            try:
                done = subprocess.run(
                    step, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
                )
            except OSError as exc:
                raise UserError(f"cannot set up pywb in {venv}: {exc}") from None
            if done.returncode != 0:
                why = (
                    _last_line(done.stderr) or _last_line(done.stdout) or f"exit {done.returncode}"
                )
                raise UserError(f"cannot set up pywb in {venv}: {why}")
        marker = {"pywb": PYWB_VERSION, "requirements": list(PYWB_REQUIREMENTS)}
        (venv / _MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")
    if not pywb.ready():
        raise UserError(f"cannot set up pywb in {venv}: no {pywb.wayback} after installing")
    return pywb


def write_config(directory: Path, warc_dir: Path, index_dir: Path) -> Path:
    """pywb's config.yaml: one collection over the WARC folder, our index, no live web."""
    # JSON is YAML: no YAML writer needed, and paths are quoted whatever they contain.
    config = {
        "collections": {
            COLLECTION: {
                "index_paths": str(index_dir.resolve()) + os.sep,
                "archive_paths": str(warc_dir.resolve()) + os.sep,
            }
        },
        "enable_auto_colls": False,
        # the page itself at the link, with pywb's banner inside it, rather than a frame around it
        "framed_replay": False,
        "enable_memento": True,
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.yaml"
    path.write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
    return path


def free_port(port: int = 0) -> int:
    """`port` when nothing listens on it on 127.0.0.1 (0: any free one); UserError if taken."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise UserError(
                f"port {port} on 127.0.0.1 is in use: choose another with --port N (0: any)"
            ) from None
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """pywb stops when `dodnews replay` dies, even by kill -9 (Linux's PR_SET_PDEATHSIG)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def start_server(pywb: Pywb, directory: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`wayback` on 127.0.0.1:`port` with the config in `directory`; returns once it answers."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [str(pywb.wayback), "--bind", "127.0.0.1", "--port", str(port)],
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = _last_line(log.read_text(encoding="utf-8", errors="replace"))
            raise UserError(f"pywb stopped at start (exit {proc.returncode}): {tail}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise UserError(f"pywb did not answer on 127.0.0.1:{port} within 60 s (see {log})")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
