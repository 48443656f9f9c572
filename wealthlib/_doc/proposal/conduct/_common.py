"""What the conduct blocks share: the jurisdiction's conduct texts, the firm's rules, a localized text."""

from __future__ import annotations

from typing import Any

from ...html import escape


def _texts(inp: Any) -> dict[str, Any]:
    from ....disclosures import conduct_texts

    return conduct_texts(inp.jur)


def _t(node: Any, loc: str, **fmt: Any) -> str:
    text = node.get(loc) or node["en"]
    return text.format(**fmt) if fmt else text


def _rules(inp: Any):
    return inp.policy.conduct


def _held(inp: Any) -> list[str]:
    return [str(k) for k, v in inp.w.items() if float(v) > 1e-9]


def _signature_labels(tx: dict[str, Any], loc: str) -> dict[str, str]:
    cols = tx["columns"]
    return {"client": _t(cols["client_signature"], loc), "date": _t(cols["date"], loc)}


def _client_signature(labels: dict[str, str]) -> str:
    line = "_" * 24
    return (f'<table class="wl-signature wl-client-signature"><tbody><tr><th>{escape(labels["client"])}</th>'
            f'<td>{line}</td><th>{escape(labels["date"])}</th><td>{line}</td></tr></tbody></table>')
