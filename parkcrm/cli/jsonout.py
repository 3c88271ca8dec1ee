"""JSON on stdout for scripts: UTF-8, one line per top-level key and per list item, at C speed.

json.dumps with indent= falls back to the pure-Python encoder (seconds for 100,000 findings);
encoding each item compactly keeps the C encoder and still gives a file a person can scan.
"""

from __future__ import annotations

import json
from typing import Any

from parkcrm.core.privacy import EncodedItems

_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)  # json.dumps(value, ensure_ascii=False, default=str)


def _c_encoder():
    """The C encoder _ENCODER.encode makes for each value, made once (100,000 findings: one each)."""
    from json import encoder

    if encoder.c_make_encoder is None:  # pragma: no cover - CPython has it
        return None
    e = _ENCODER
    return encoder.c_make_encoder({} if e.check_circular else None, e.default, encoder.encode_basestring, e.indent,
                                  e.key_separator, e.item_separator, e.sort_keys, e.skipkeys, e.allow_nan)


def _enc(value: Any, fast=None) -> str:
    if fast is not None and isinstance(value, dict):
        try:
            return "".join(fast(value, 0))
        except Exception:  # whatever went wrong, _ENCODER says it (or encodes what it can)
            pass
    return _ENCODER.encode(value)


def dumps(data: Any, utf8: bool = False) -> str | list:
    """data as JSON text; utf8: as a list of UTF-8 chunks (bytes-like) to write one after the other, a
    list of EncodedItems written as it was made (validate's 100,000 findings: no copy of it)."""
    if not isinstance(data, dict):
        text = _enc(data)
        return [text.encode("utf-8")] if utf8 else text
    parts: list = []
    for key, value in data.items():
        if isinstance(value, EncodedItems) and utf8 and len(value):  # items encoded already
            parts.append([f" {_enc(key)}: [\n  ".encode("utf-8"), value.utf8_joined(",\n  "), b"\n ]"])
            continue
        if isinstance(value, EncodedItems):
            texts = value.texts
            part = f" {_enc(key)}: [\n  " + ",\n  ".join(texts) + "\n ]" if texts else f" {_enc(key)}: []"
        elif isinstance(value, list) and value:
            fast = _c_encoder() if len(value) > 100 else None
            items = ",\n  ".join(_enc(item, fast) for item in value)
            part = f" {_enc(key)}: [\n  {items}\n ]"
        else:
            part = f" {_enc(key)}: {_enc(value)}"
        parts.append([part.encode("utf-8")] if utf8 else part)
    if utf8:
        chunks = [b"{\n"]
        for i, part in enumerate(parts):
            chunks += ([b",\n"] if i else []) + part
        return chunks + [b"\n}"]
    return "{\n" + ",\n".join(parts) + "\n}"


# ---- one convention for every command's JSON (docs/json.md, docs/json-schema.json) ----------
# Structural keys are English snake_case; rows of a table are objects keyed by the table's
# column headers as in the workbook (Chinese: they are data). Every command's object opens
# with the same envelope: command, workspace, skipped, unreadable (where they apply).

ENVELOPE = ("command", "workspace", "skipped", "unreadable")


def workspace_json(ws) -> dict:
    """What was used and why: {item (Chinese label, data): {"value": …, "origin": …}}."""
    return {label: {"value": value, "origin": origin} for label, value, origin in ws.rows()}


def file_entries(files) -> list[dict]:
    """(path, reason) pairs as [{file, path, reason}]."""
    return [{"file": p.name, "path": str(p), "reason": r} for p, r in files]


def envelope(command: str, ws=None, *, skipped=None, unreadable=None, **body) -> dict:
    """A command's JSON object: the envelope keys first, then the command's own keys."""
    out: dict = {"command": command}
    if ws is not None:
        out["workspace"] = workspace_json(ws)
    if skipped is not None:
        out["skipped"] = skipped if all(isinstance(x, dict) for x in skipped) else file_entries(skipped)
    if unreadable is not None:
        out["unreadable"] = unreadable if all(isinstance(x, dict) for x in unreadable) else file_entries(unreadable)
    out.update(body)
    return out
