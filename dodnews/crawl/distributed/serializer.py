"""Requests in the shared queue as JSON (never pickle): bytes and bytes-keyed dicts tagged."""

from __future__ import annotations

import base64
import json
from typing import Any

_BYTES = "$b64"
_PAIRS = "$pairs"


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {_BYTES: base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {_PAIRS: [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(
        f"a {type(value).__name__} in a request cannot go into the shared queue "
        "(distributed crawls carry JSON values only)"
    )


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and _BYTES in value:
            return base64.b64decode(value[_BYTES])
        if len(value) == 1 and _PAIRS in value:
            return {_decode(k): _decode(v) for k, v in value[_PAIRS]}
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dumps(obj: dict[str, Any]) -> str:
    """A request dict (`Request.to_dict()`) as compact JSON."""
    return json.dumps(_encode(obj), separators=(",", ":"), sort_keys=True)


def loads(data: str | bytes) -> dict[str, Any]:
    """The request dict back from `dumps`."""
    return _decode(json.loads(data))
