"""Run `scrapy crawl` for dodnews as a child process, from any working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence


def crawl_command(
    spider: str,
    args: Mapping[str, object] | None = None,
    settings: Mapping[str, object] | None = None,
) -> list[str]:
    """The argv of `scrapy crawl SPIDER -a k=v ... -s K=V ...` under this Python."""
    argv = scrapy_argv(spider)
    for key, value in (args or {}).items():
        argv += ["-a", f"{key}={value}"]
    for key, value in (settings or {}).items():
        argv += ["-s", f"{key}={value}"]
    return argv


def scrapy_argv(spider: str, extra: Sequence[str] = ()) -> list[str]:
    """`python -m scrapy crawl SPIDER EXTRA...` under this Python."""
    return [sys.executable, "-m", "scrapy", "crawl", spider, *extra]


def crawl_env(
    archive: str | None = None, diffs_dir: str | None = None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    env = dict(os.environ)
    env["SCRAPY_SETTINGS_MODULE"] = "dodnews.settings"
    if archive:
        env["DODNEWS_ARCHIVE"] = archive
    if diffs_dir:
        env["DODNEWS_DIFFS_DIR"] = diffs_dir
    env.update(extra or {})
    return env


def start_crawl(
    spider: str,
    args: Mapping[str, object] | None = None,
    *,
    settings: Mapping[str, object] | None = None,
    archive: str | None = None,
    diffs_dir: str | None = None,
    log_file: str,
    extra_env: Mapping[str, str] | None = None,
    pass_fds: Sequence[int] = (),
) -> subprocess.Popen[bytes]:
    """Start one crawl in the background, its log appended to `log_file`.

    `pass_fds` are inherited by the crawl: a lock held on one of them stays held until the crawl
    ends too, even if the caller dies first.
    """
    with open(log_file, "ab") as log:
        return subprocess.Popen(
            crawl_command(spider, args, settings),
            env=crawl_env(archive, diffs_dir, extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            pass_fds=tuple(pass_fds),
        )


def run_crawl(
    spider: str,
    args: Mapping[str, object] | None = None,
    *,
    settings: Mapping[str, object] | None = None,
    archive: str | None = None,
    diffs_dir: str | None = None,
    log_file: str | None = None,
    extra_env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run one crawl to the end; its log goes to `log_file` (or is captured)."""
    argv: Sequence[str] = crawl_command(spider, args, settings)
    env = crawl_env(archive, diffs_dir, extra_env)
    if log_file:
        with open(log_file, "a", encoding="utf-8") as log:
            return subprocess.run(
                argv,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
    return subprocess.run(
        argv,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )
