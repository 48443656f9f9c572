"""Safe YAML loading: no Python tags, no aliases or anchors, bounded size.

PyYAML's ``safe_load`` already refuses arbitrary objects, but it expands aliases, so a "billion laughs" file
of a few hundred bytes can expand to gigabytes. Client files and policy have no use for aliases, so we
reject them outright, before they are composed. Duplicate mapping keys are an error too.

With libyaml (PyYAML's C extension, present in the wheels) parsing and composing run in C (``CSafeLoader``;
the constructors stay PyYAML's safe ones): a book of 10,000 client files is read in seconds, not a minute.
"""

from __future__ import annotations

import datetime
import os
import stat
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, TypeVar

import yaml

from .errors import InputError, InputErrors, display_path

T = TypeVar("T")

MAX_BYTES = 1_000_000  # a client file is a few KB; anything this large is a mistake or an attack


def _refuse_anchor_or_alias(event) -> None:
    if isinstance(event, yaml.AliasEvent):
        raise yaml.constructor.ConstructorError(None, None, "YAML aliases (*name) are not allowed", event.start_mark)
    anchor = getattr(event, "anchor", None)
    if anchor is not None:
        raise yaml.constructor.ConstructorError(
            None, None, f"YAML anchors (&{anchor}) are not allowed", event.start_mark
        )


class _NoDuplicateKeys:
    """Constructor mix-in: a duplicate mapping key is an error naming both lines."""

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        # PyYAML keeps the last of two equal keys without a word: a second "USD-MMF:" line would silently
        # replace the first position. A duplicate key is an error naming the line.
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _value in node.value:
                try:
                    key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
                    hash(key)
                except Exception:  # unhashable keys: PyYAML's own error below says so
                    continue
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        f"duplicate key {key!r} (first on line {seen[key] + 1})", key_node.start_mark,
                    )
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class _NoAliasLoader(_NoDuplicateKeys, yaml.SafeLoader):
    """The pure-Python safe loader, refusing anchors and aliases as it composes (used without libyaml)."""

    def compose_node(self, parent, index):  # type: ignore[override]
        _refuse_anchor_or_alias(self.peek_event())
        return super().compose_node(parent, index)


_C_LOADER = getattr(yaml, "CSafeLoader", None) if getattr(yaml, "__with_libyaml__", False) else None

if _C_LOADER is not None:

    class _CNoDuplicateLoader(_NoDuplicateKeys, _C_LOADER):  # type: ignore[misc, valid-type]
        """libyaml's safe loader (about 6x faster than the pure-Python one on a client file): it composes in C,
        where no hook sees the events, so :func:`_parse` first reads the events (also in C) and refuses any
        anchor or alias before composing.

        Construction is PyYAML's safe constructors, reached directly for plain mappings, sequences and the
        scalar types (PyYAML's generic path, built for recursive alias graphs we never have, cost more than the
        parse): the result is the same, and any other node (an explicit ``!!set``, a merge key ``<<``) goes
        through the generic path unchanged."""

        # libyaml's composer calls back into Python for every node it makes (about 250 a client file, 2.5
        # million for a book of 10,000): descend_resolver and ascend_resolver, then resolve. The safe loader has
        # no path resolvers, so the first two do nothing and a node's tag depends on (kind, value, implicit)
        # only: they are replaced by C callables that do nothing, and resolve by a C-level LRU cache of
        # PyYAML's own resolver (a book repeats the same keys and words in every file), so that a hit never
        # enters the interpreter. Checked when the class is made: a program that registers a path resolver
        # on PyYAML's safe loader keeps the ordinary methods.
        if not getattr(_C_LOADER, "yaml_path_resolvers", None):
            descend_resolver = {}.get  # called as (parent, index); the composer ignores what it returns
            ascend_resolver = tuple  # called with no argument
            resolve = staticmethod(lru_cache(maxsize=50_000)(partial(yaml.resolver.Resolver.resolve,
                                                                     yaml.resolver.Resolver())))

        def get_single_data(self):  # type: ignore[override]
            node = self.get_single_node()
            return None if node is None else self._build(node)

        def _build(self, node):
            kind = type(node)
            tag = node.tag
            if kind is _SCALAR:
                if tag == _STR:
                    return node.value
                direct = _SCALARS.get(tag)
                return direct(self, node) if direct is not None else self.construct_object(node, deep=True)
            build = self._build
            if kind is _SEQUENCE and tag == _SEQ:
                return [build(item) for item in node.value]
            if kind is _MAPPING and tag == _MAP:
                out: dict = {}
                for key_node, value_node in node.value:
                    if type(key_node) is _SCALAR and key_node.tag == _STR:  # nearly every key: plain text
                        key = key_node.value
                    elif key_node.tag == _MERGE:  # "<<": PyYAML's generic path merges
                        return self.construct_object(node, deep=True)
                    else:
                        key = build(key_node)
                        try:
                            hash(key)
                        except TypeError:
                            raise yaml.constructor.ConstructorError(
                                "while constructing a mapping", node.start_mark, "found unhashable key",
                                key_node.start_mark) from None
                    if key in out:
                        first = next(k for k, _ in node.value if k is not key_node and build(k) == key)
                        raise yaml.constructor.ConstructorError(
                            "while constructing a mapping", node.start_mark,
                            f"duplicate key {key!r} (first on line {first.start_mark.line + 1})", key_node.start_mark,
                        )
                    out[key] = build(value_node)
                return out
            return self.construct_object(node, deep=True)

    _STR, _SEQ, _MAP, _MERGE = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map", "merge"))
    _SCALAR, _SEQUENCE, _MAPPING = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
    #: scalar constructors that return their value (not a generator): safe to call directly
    _SCALARS = {f"tag:yaml.org,2002:{t}": yaml.constructor.SafeConstructor.yaml_constructors[f"tag:yaml.org,2002:{t}"]
                for t in ("null", "bool", "int", "float", "timestamp", "binary")}
    _PYYAML_INT, _PYYAML_TIMESTAMP = _SCALARS["tag:yaml.org,2002:int"], _SCALARS["tag:yaml.org,2002:timestamp"]

    def _int(loader, node):
        """PyYAML's int, with the common case first: plain decimal digits (no sign, ``_``, base prefix or
        sexagesimal, and no leading zero, which YAML 1.1 reads as octal) are ``int(value)``."""
        value = node.value
        if value.isdigit() and (value[0] != "0" or value == "0"):  # the resolver tagged it: ASCII digits
            return int(value)
        return _PYYAML_INT(loader, node)

    def _timestamp(loader, node):
        """PyYAML's timestamp, with the common case first: ``YYYY-MM-DD`` is that date (PyYAML builds the
        same ``datetime.date`` from the same three numbers; an impossible date still fails in PyYAML's)."""
        value = node.value
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                pass
        return _PYYAML_TIMESTAMP(loader, node)

    _SCALARS.update({"tag:yaml.org,2002:int": _int, "tag:yaml.org,2002:timestamp": _timestamp})


def _parse(text: str) -> Any:
    if _C_LOADER is None:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - the loader is a SafeLoader subclass
    if "&" in text or "*" in text:  # an anchor or an alias needs one of these; most files have neither
        _refuse_anchors_and_aliases(text)
    return yaml.load(text, Loader=_CNoDuplicateLoader)  # noqa: S506 - CSafeLoader: safe constructors only


def _refuse_anchors_and_aliases(text: str) -> None:
    events = _C_LOADER(text)  # type: ignore[misc]
    try:
        while events.check_event():
            _refuse_anchor_or_alias(events.get_event())
    finally:
        events.dispose()


def load_yaml_text(text: str, source: str) -> Any:
    """Parse YAML text; errors become :class:`InputError` naming ``source`` and the line."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise InputError(source, "", f"file is larger than {MAX_BYTES} bytes")
    try:
        return _parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(source, where, f"invalid YAML: {problem}") from None
    except ValueError as exc:
        # PyYAML's timestamp constructor raises a bare ValueError for impossible dates (1975-02-30).
        raise InputError(source, "", f"invalid YAML: {exc}") from None
    except RecursionError:  # [[[[…]]]] thousands deep: no input of ours nests like that
        raise InputError(source, "", "invalid YAML: nested too deeply") from None


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def shown_path(path: str | Path) -> str:
    """``path`` as the user named it (:func:`display_path` of its folder), its last part not resolved: a
    symbolic link is named by itself, not by where it leads."""
    p = Path(path)
    return str(Path(_shown_folder(str(p.parent), os.getcwd())) / p.name) if p.name else display_path(p)


@lru_cache(maxsize=256)
def _shown_folder(folder: str, cwd: str) -> str:
    """:func:`display_path` of a folder, by folder and working directory: a book's files share a few folders,
    and resolving the same two paths again for each of 10,000 files cost a tenth of reading the book."""
    return display_path(folder)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_bounded(path: str | Path, *, within: str | Path | None = None, limit: int = MAX_BYTES,
                 source: str | None = None) -> bytes:
    """The bytes of ``path``, checked by type before anything is read.

    Only a regular file is read (a FIFO would block forever, ``/dev/zero`` never ends, a socket cannot be
    opened): anything else is an :class:`InputError` naming the path and what it is. With ``within`` (the
    params folder), a symbolic link must lead to a file inside that folder. At most ``limit`` + 1 bytes are
    read, whatever ``st_size`` says (it is 0 for devices): a larger file is refused. The file is opened
    non-blocking and checked again on the open descriptor, so a file swapped for a FIFO after the check
    cannot block either.
    """
    source = source or shown_path(path)  # path as given, str or Path: os.* take either
    try:
        lst = os.lstat(path)
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(source, "", f"{_kind(st.st_mode)}, not a regular file; refused without reading it")
        if stat.S_ISLNK(lst.st_mode) and within is not None:
            real, root = os.path.realpath(path), os.path.realpath(within)
            if os.path.commonpath([real, root]) != root:
                raise InputError(source, "", "a symbolic link to a file outside the params folder; refused")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise InputError(source, "", f"{_kind(st.st_mode)}, not a regular file; refused without reading it")
            chunks, got = [], 0
            while got <= limit:
                chunk = os.read(fd, min(1 << 20, limit + 1 - got))
                if not chunk:
                    break
                chunks.append(chunk)
                got += len(chunk)
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise InputError(source, "", "file not found") from None
    except OSError as exc:
        raise InputError(source, "", f"cannot read: {exc.strerror or type(exc).__name__}") from None
    if got > limit:
        raise InputError(source, "", f"file is larger than {limit} bytes")
    return b"".join(chunks)


def load_yaml(path: str | Path, *, within: str | Path | None = None, source: str | None = None) -> Any:
    """Read (:func:`read_bounded`: regular files only, bounded) and parse a YAML file safely; a missing,
    unreadable or special file is an :class:`InputError`. ``within``: the params folder symlinks must stay in;
    ``source``: how errors name the file (default :func:`shown_path`, worked out once by a caller that has it)."""
    source = source or shown_path(path)
    raw = read_bounded(path, within=within, source=source)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(source, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return load_yaml_text(text, source)


def pydantic_errors(source: str, exc: Any, *, quote: bool = True) -> list[InputError]:
    """Turn a pydantic ``ValidationError`` into our errors: one per problem, field as a dotted path.

    ``quote``: end a problem with the offending value (``…, got 6``), as for the firm's own files (policy, shelf,
    market); a client file's messages pass ``False``, since a value typed into the wrong field is client data.
    """
    out = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"])
        msg = err["msg"]
        # pydantic prefixes custom errors with "Value error, "; people do not need that.
        for prefix in ("Value error, ", "Assertion failed, "):
            if msg.startswith(prefix):
                msg = msg[len(prefix):]
        if err["type"] == "missing":
            msg = "is required"
        elif err["type"] == "extra_forbidden":
            msg = "is not a known field"
        elif (quote and "input" in err and err["type"] not in ("value_error",)
              and not isinstance(err["input"], (dict, list))):
            msg = f"{msg}, got {err['input']!r}"
        out.append(InputError(source, loc, msg))
    return out


def as_error(errors: list[InputError]) -> InputError | InputErrors:
    """One problem as itself, several as :class:`InputErrors` (so ``wealth validate`` can list them all)."""
    return errors[0] if len(errors) == 1 else InputErrors(errors)


def validate_model(model: type[T], data: Any, source: str) -> T:
    """``model.model_validate(data)`` with every pydantic problem turned into our errors naming ``source``."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise as_error(pydantic_errors(source, exc)) from None
