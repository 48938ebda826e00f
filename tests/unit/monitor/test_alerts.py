"""Alerts: a webhook POST to a local receiver and an email to a local SMTP server."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from dodnews.monitor.alerts import AlertConfig, build_payload, send_alerts, subject_line

RUN = {"id": 7, "status": "ok", "errors": []}
CHANGES = [
    {
        "id": i,
        "article_id": 4300100 + i,
        "title": f"Depot opens bay {i}",
        "kinds": ["figure_changed"],
        "summaries": [f"Figure changed in paragraph 2: {i} -> {i + 1}"],
    }
    for i in range(40)
]


def test_payload_is_capped_with_whole_changes():
    data = build_payload(RUN, CHANGES, "http://127.0.0.1/diffs/index.html", max_bytes=2000)
    assert len(data) <= 2000
    body = json.loads(data)
    assert body["changes_found"] == 40
    assert 0 < len(body["changes"]) < 40
    assert body["truncated"] == 40 - len(body["changes"])
    assert body["report_url"].endswith("index.html")


def _webhook_receiver() -> tuple[ThreadingHTTPServer, list[bytes]]:
    """A local webhook endpoint (serving from a thread) and the bodies it receives."""
    received: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, received


def test_webhook_and_email_are_delivered_to_local_servers():
    server, received = _webhook_receiver()

    mails = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            mails.append(envelope)
            return "250 OK"

    with socket.socket() as probe:  # aiosmtpd's Controller needs a concrete port
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        config = AlertConfig(
            webhook_url=f"http://127.0.0.1:{server.server_port}/hook",
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            mail_to=["archivist@example.org"],
            report_url="http://127.0.0.1/diffs/index.html",
        )
        assert send_alerts(config, RUN, CHANGES[:3]) == []
    finally:
        controller.stop()
        server.shutdown()
    assert len(received) == 1
    assert json.loads(received[0])["changes_found"] == 3
    assert len(mails) == 1
    text = mails[0].content.decode()
    assert "3 changes in run 7" in text and "Depot opens bay 1" in text


def test_nothing_is_sent_without_changes_and_failed_runs_always_alert():
    config = AlertConfig(webhook_url="http://127.0.0.1:9/never")
    assert send_alerts(config, RUN, []) == []
    problems = send_alerts(config, {**RUN, "status": "failed", "errors": ["bot wall"]}, [])
    assert problems and problems[0].startswith("webhook http://127.0.0.1:9/never")
    assert not AlertConfig().enabled


def _coverage_run(byline_now: float) -> dict:
    """A finished run whose counts carry the coverage check of `dodnews.monitor.coverage.judge`."""
    from dodnews.monitor.coverage import FIELDS, judge

    def cov(byline: float) -> dict:
        return {"pages": 33, "images": 22, "scope": "war", **dict.fromkeys(FIELDS, 1.0),
                "byline": byline}  # fmt: skip

    check = judge(cov(byline_now), [(5, cov(0.42)), (4, cov(0.42))])
    return {**RUN, "counts": {"coverage": cov(byline_now), "coverage_check": check}}


def test_a_coverage_drop_alerts_even_without_changes():
    server, received = _webhook_receiver()
    try:
        config = AlertConfig(webhook_url=f"http://127.0.0.1:{server.server_port}/hook")
        assert send_alerts(config, _coverage_run(0.42), []) == []  # unchanged coverage: silent
        assert received == []
        assert send_alerts(config, _coverage_run(0.0), []) == []
    finally:
        server.shutdown()
    (body,) = [json.loads(r) for r in received]
    assert body["coverage_drops"] == [{"field": "byline", "share": 0.0, "baseline": 0.42}]
    assert body["changes_found"] == 0
    assert subject_line(_coverage_run(0.0), []) == (
        "dodnews: run 7 extraction coverage dropped (byline 42% -> 0%); 0 changes"
    )
    assert subject_line(_coverage_run(0.42), CHANGES[:2]) == "dodnews: 2 changes in run 7"
