"""SVG sanitizer for documents: what a chart needs (shapes, paths, text, gradients, clip paths, internal
``#id`` references), nothing that reaches outside the picture.

Removed: scripts, ``foreignObject``, ``image``/``feImage`` (they embed other files), animation elements, event
handler attributes (``on…``), every ``href`` that is not an internal ``#id`` reference, every ``url(…)`` that
is not ``url(#id)``, ``@import`` in style sheets, DOCTYPE and entity declarations (the parser is never asked to
expand them). What cannot be parsed is refused (empty result): a document then shows no picture rather than an
unsafe one. Matplotlib's SVG output passes unchanged in meaning.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

_DROP = {"script", "foreignobject", "image", "feimage", "iframe", "embed", "object", "animate", "animatemotion",
         "animatetransform", "set", "handler", "listener"}
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def _safe_css(text: str) -> str:
    text = re.sub(r"@import[^;]*;?", "", text, flags=re.IGNORECASE)
    return _URL.sub(lambda m: m.group(0) if m.group(2).strip().startswith("#") else "none", text)


def sanitize_svg(svg: str | bytes) -> str:
    """``svg`` with everything that could fetch, run or embed removed; ``""`` if it is not well-formed SVG."""
    text = svg.decode("utf-8", "replace") if isinstance(svg, bytes) else str(svg)
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        text = re.sub(r"<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", "", text, flags=re.IGNORECASE | re.DOTALL)
        if re.search(r"<!ENTITY", text, re.IGNORECASE):
            return ""
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return ""
    if _local(root.tag) != "svg":
        return ""
    todo = [root]
    while todo:
        el = todo.pop()
        for child in list(el):
            if not isinstance(child.tag, str) or _local(child.tag) in _DROP:
                el.remove(child)
            else:
                todo.append(child)
        for name in list(el.attrib):
            value = el.attrib[name]
            local = _local(name)
            if local.startswith("on") or (local == "href" and not value.strip().startswith("#")):
                del el.attrib[name]
            elif "url(" in value.lower() or local == "style":
                el.attrib[name] = _safe_css(value)
        if _local(el.tag) == "style" and el.text:
            el.text = _safe_css(el.text)
    ET.register_namespace("", "http://www.w3.org/2000/svg")
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    return ET.tostring(root, encoding="unicode")
