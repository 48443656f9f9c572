"""Print fonts for the PDF: Noto Sans CJK cut down to the characters of common use, made once into the cache.

Why: WeasyPrint subsets every face it embeds, per document, with no cache, and the full Noto Sans CJK faces
(65,535 glyphs each; the document keeps its glyph ids, so the embedded CFF carries every empty slot up to the
highest one used) make that the largest part of writing a Chinese PDF. A face holding only the characters of
common use is ~4 MB instead of ~19 MB: subsetting it per document is cheaper, and the embedded subsets are
smaller.

What "common use" is: every Han character of GB2312 (the 6,763 of mainland common use) and of Big5 level 1
(the 5,401 常用字 of Taiwan), both read from Python's own codecs, plus Latin, general punctuation, CJK symbols
and punctuation, Bopomofo and the full-width forms. Any other character still prints: the PDF's font stack
names the common face first and the full Noto Sans CJK face right after it, so a rare character in a client's
name falls back to the full face (embedded like today, CID-keyed, not Type 3).

The cut is made with HarfBuzz's subsetter (the library WeasyPrint itself uses; ~0.3 s a face), at the first PDF
that needs it, into ``$WEALTHLIB_CACHE/fonts`` (default ``~/.cache/wealthlib/fonts``), keyed by the source font
file and the character list; a missing library, font or unwritable cache falls back to today's full faces.

Only the PDF changes: the HTML a browser or the notebook shows keeps the font stacks of ``render.FONT_STACK``.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import shutil
import subprocess
import threading
from functools import lru_cache
from pathlib import Path

_log = logging.getLogger(__name__)

#: Bump when the character list or the way the cut is made changes (the cache key holds it).
CHARSET_VERSION = "1"

#: The CJK family each locale's PDF uses, by script; ``en`` falls back on the Traditional face like its HTML.
SCRIPT = {"en": "TC", "zh-TW": "TC", "zh-CN": "SC"}

#: Weights that are cut: the documents print regular text and bold headings (th at 600 picks the 700 face).
WEIGHTS = {400: "Regular", 700: "Bold"}


def common_family(script: str) -> str:
    return f"Noto Sans CJK {script} Common"


def full_family(script: str) -> str:
    return f"Noto Sans CJK {script}"


@lru_cache(maxsize=1)
def common_codepoints() -> frozenset[int]:
    """The code points a common face holds (see the module docstring)."""
    cps: set[int] = set(range(0x20, 0x7F)) | set(range(0xA0, 0x250))
    for lo, hi in ((0x2000, 0x2070), (0x2070, 0x20D0), (0x2100, 0x2200), (0x2190, 0x2300), (0x2460, 0x2500),
                   (0x2500, 0x2600), (0x2600, 0x27C0), (0x3000, 0x3040), (0x3100, 0x3130), (0xFE30, 0xFE50), (0xFF00, 0xFFF0)):
        cps.update(range(lo, hi))
    for cp in range(0x4E00, 0xA000):
        ch = chr(cp)
        try:
            ch.encode("gb2312")
            cps.add(cp)
            continue
        except UnicodeEncodeError:
            pass
        try:
            code = int.from_bytes(ch.encode("big5"), "big")
        except UnicodeEncodeError:
            continue
        if 0xA440 <= code <= 0xC67E:  # Big5 level 1: the characters of frequent use
            cps.add(cp)
    return frozenset(cps)


def _font_file(family: str, style: str) -> tuple[Path, int] | None:
    """The file and face index fontconfig serves for ``family`` in ``style``, if it is that family."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    proc = subprocess.run([fc_match, "-f", "%{family}\n%{style}\n%{file}\n%{index}", f"{family}:style={style}"],
                          capture_output=True, text=True, timeout=30)
    lines = proc.stdout.split("\n")
    if proc.returncode != 0 or len(lines) < 4:
        return None
    families, styles, file, index = lines[:4]
    if family not in families.split(",") or style not in styles.split(","):
        return None  # fontconfig substituted another font: do not cut that one
    return Path(file), int(index or 0)


_HB_CDEF = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
hb_blob_t *hb_blob_create_from_file_or_fail (const char *file_name);
hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
void hb_face_destroy (hb_face_t *face);
void hb_blob_destroy (hb_blob_t *blob);
hb_blob_t *hb_face_reference_blob (hb_face_t *face);
const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
void hb_set_add (hb_set_t *set, uint32_t codepoint);
hb_subset_input_t *hb_subset_input_create_or_fail (void);
hb_set_t *hb_subset_input_unicode_set (hb_subset_input_t *input);
hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
void hb_subset_input_destroy (hb_subset_input_t *input);
"""


def _subset(src: Path, index: int, codepoints: frozenset[int]) -> bytes:
    """``src`` (face ``index`` of a collection) cut to ``codepoints`` by HarfBuzz; names and metrics kept."""
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(_HB_CDEF)
    hb = hbs = None
    for name in ("libharfbuzz.so.0", "harfbuzz", "libharfbuzz.0.dylib"):
        try:
            hb = ffi.dlopen(name)
            break
        except OSError:
            continue
    for name in ("libharfbuzz-subset.so.0", "harfbuzz-subset", "libharfbuzz-subset.0.dylib"):
        try:
            hbs = ffi.dlopen(name)
            break
        except OSError:
            continue
    if hb is None or hbs is None:
        raise OSError("HarfBuzz subset library not found")
    blob = hb.hb_blob_create_from_file_or_fail(os.fsencode(src))
    if blob == ffi.NULL:
        raise OSError(f"{src}: cannot read")
    face = hb.hb_face_create(blob, index)
    plan = hbs.hb_subset_input_create_or_fail()
    try:
        unicodes = hbs.hb_subset_input_unicode_set(plan)
        for cp in sorted(codepoints):
            hb.hb_set_add(unicodes, cp)
        cut = hbs.hb_subset_or_fail(face, plan)
        if cut == ffi.NULL:
            raise OSError(f"{src}: HarfBuzz could not subset the face")
        out = hb.hb_face_reference_blob(cut)
        length = ffi.new("unsigned int *")
        data = bytes(ffi.buffer(hb.hb_blob_get_data(out, length), length[0]))
        hb.hb_blob_destroy(out)
        hb.hb_face_destroy(cut)
    finally:
        hbs.hb_subset_input_destroy(plan)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)
    if len(data) < 1024:
        raise OSError(f"{src}: HarfBuzz returned an empty face")
    return data


def cache_dir() -> Path:
    from wealthlib._market.demo import cache_root

    return cache_root() / "fonts"


def common_face(script: str, weight: int) -> Path | None:
    """The common-use cut of Noto Sans CJK ``script`` at ``weight``, made into the cache on first use; ``None``
    when it cannot be made here (the PDF then embeds the full face, as before)."""
    found = _font_file(full_family(script), WEIGHTS[weight])
    if found is None:
        return None
    src, index = found
    st = src.stat()
    key = hashlib.sha256(f"{CHARSET_VERSION}|{src}|{index}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:16]
    target = cache_dir() / f"noto-sans-cjk-{script.lower()}-{WEIGHTS[weight].lower()}-common-{key}.otf"
    if target.is_file() and target.stat().st_size > 1024:
        return target
    from wealthlib.render import write_atomic

    write_atomic(target, _renamed(_subset(src, index, common_codepoints()), common_family(script), WEIGHTS[weight]))
    return target


def _renamed(data: bytes, family: str, style: str) -> bytes:
    """The face under its own family name: WeasyPrint's @font-face keeps the file's own names too, and a cut
    still answering to "Noto Sans CJK TC" could be picked where the full face is meant (the rare characters)."""
    import io

    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), lazy=True)
    name = font["name"]
    ps = family.replace(" ", "") + "-" + style
    for rec in list(name.names):
        if rec.nameID in (1, 16):
            name.setName(family, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 4:
            name.setName(f"{family} {style}", rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 6:
            name.setName(ps, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 3:
            name.setName(f"{ps};wealthlib-common-{CHARSET_VERSION}", rec.nameID, rec.platformID, rec.platEncID,
                         rec.langID)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


_lock = threading.Lock()
_styles: dict[tuple[str, str], object] = {}
_font_config = None


def font_config():
    """One WeasyPrint FontConfiguration per process, shared by every PDF it prints (its set-up and the
    @font-face files are paid once per process, not per document)."""
    global _font_config
    with _lock:
        if _font_config is None:
            from weasyprint.text.fonts import FontConfiguration

            _font_config = FontConfiguration()
            atexit.register(_release, os.getpid())
        return _font_config


def _release(creator: int) -> None:
    """At the exit of the process that made them, drop the shared stylesheets and font configuration while the
    interpreter is whole, so WeasyPrint removes its temporary font folder (left to interpreter teardown, its
    clean-up finds its own module emptied, prints "Exception ignored … TypeError" and leaves the folder in the
    temporary folder). A forked child (a kernel, a batch worker) that ever ran this would remove the folder its
    template and siblings still print with: only the process that made it releases it."""
    global _font_config
    if os.getpid() != creator:
        return
    with _lock:
        _styles.clear()
        _font_config = None
    import gc

    gc.collect()  # a stylesheet in a reference cycle holds the configuration too


def _print_css(lang: str, font_stack: str) -> str:
    script = SCRIPT[lang]
    faces = []
    for weight in WEIGHTS:
        try:
            path = common_face(script, weight)
        except Exception as exc:  # no library, no font, read-only cache: the full faces print as before
            _log.debug("common CJK face %s %s not available: %s", script, weight, exc)
            path = None
        if path is None:
            return ""
        faces.append(f'@font-face {{ font-family: "{common_family(script)}"; src: url("{path.as_uri()}"); '
                     f"font-weight: {weight}; }}")
    full = f'"{full_family(script)}"'
    stack = font_stack.replace(full, f'"{common_family(script)}", {full}', 1)
    # User-origin !important outranks the document's own font rules; the margin boxes do not inherit them.
    return "\n".join(faces + [
        f"html, body {{ font-family: {stack} !important; }}",
        # The audit line keeps its monospace Latin; its CJK labels print in the common face instead of a
        # third CJK face (Noto Sans Mono CJK, whose CJK glyphs are the same shapes).
        f'.wl-audit {{ font-family: "DejaVu Sans Mono", "{common_family(script)}", {full}, monospace !important; }}',
        f"@page {{ @top-right {{ font-family: {stack} !important; }} "
        f"@bottom-right {{ font-family: {stack} !important; }} }}",
    ])


def print_stylesheet(lang: str, font_stack: str):
    """The extra (user) stylesheet a PDF of ``lang`` is printed with, or ``None`` when the common faces cannot
    be had; parsed once per process."""
    key = (lang, font_stack)
    with _lock:
        if key in _styles:
            return _styles[key]
    css_text = _print_css(lang, font_stack)
    sheet = None
    if css_text:
        import weasyprint

        sheet = weasyprint.CSS(string=css_text, font_config=font_config())
    with _lock:
        _styles[key] = sheet
    return sheet
