"""The market file ``<params>/market.yaml``: which market data a params folder uses, read, judged and cached.

::

    version: "2026.12.1"          # the market file's version (printed in every audit record)
    defaults: {currency: USD, kind: real, calendar: XNYS}   # for every series of every file (optional)
    sources:
      - {demo: bundled}            # the bundled demo market (real series shipped in arch and skfolio)
      - file: data/prices.csv      # relative to the params folder; CSV or Parquet
        values: prices             # prices | total_return | nav | returns (decimals)
        layout: wide               # wide (date + one column per series) | long (date, series, value)
        frequency: daily           # daily | monthly
        currency: USD              # defaults for this file's series …
        calendar: XNYS
        source: "Firm data desk (Bloomberg adjusted close)"
        series:                    # … and per-series overrides
          TW0050: {currency: TWD, calendar: XTAI, name: "Yuanta Taiwan 50 ETF"}
    fx:
      - {file: data/fx.csv}        # wide: date + columns "CCY/BASE" (BASE per one CCY), levels
    calendars:                     # corrections to exchange_calendars, as data with their source
      XTAI: {add_sessions: [2016-01-30], source: "TWSE trading calendar 2016"}
    price_limits:                  # daily price limits per calendar, from a date
      XTAI: [{from: 2015-06-01, limit: 0.10, source: "TWSE"}]
    tolerances: {missing_sessions: 0, off_session: refuse, max_gap_bdays: 5, price_limit_slack: 0.005}
    converted:                     # a series re-expressed in another currency with the market's FX rates
      SP500_CNY: {series: SP500, currency: CNY, name: "S&P 500 in renminbi"}
    as_of: 2018-12-31              # optional default as-of date; else the shelf data's last complete month-end

Parsed files are cached by content: in process, and on disk under ``$WEALTHLIB_CACHE/market/file-<key>`` (the
key covers the file's SHA-256, how it is read and the calendar rules), so a batch's workers and a second run
neither re-parse nor re-judge a file. A changed byte is a new key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import InputError, InputErrors, display_path
from .calendars import NONE, CalendarPatch, CalendarRules, PriceLimit, Tolerances
from .core import Market, SeriesInfo, month_end_calendar

MARKET_FILE = "market.yaml"
BUILD = 3  # bump when what a cached file holds changes
VALUES_AS = {"prices": "prices", "total_return": "prices", "nav": "prices", "returns": "returns"}
CCY = r"^[A-Z]{3}$"


# ------------------------------------------------------------------------------------------------ the file
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class SeriesSpec(_Strict):
    """Per-series settings (each optional: the file's, then the market's defaults apply)."""

    currency: str | None = Field(default=None, pattern=CCY)
    kind: Literal["real", "modeled"] | None = None
    calendar: str | None = None
    name: str | None = None
    note: str | None = None
    price_limit: float | None | Literal["calendar"] = "calendar"


class Defaults(_Strict):
    currency: str | None = Field(default=None, pattern=CCY)
    kind: Literal["real", "modeled"] = "real"
    calendar: str | None = None


class FileSource(_Strict):
    """One firm file of series."""

    file: str = Field(min_length=1)
    values: Literal["prices", "total_return", "nav", "returns"] = "prices"
    layout: Literal["wide", "long"] = "wide"
    frequency: Literal["daily", "monthly"] = "daily"
    currency: str | None = Field(default=None, pattern=CCY)
    kind: Literal["real", "modeled"] | None = None
    calendar: str | None = None
    source: str | None = None
    series: dict[str, SeriesSpec] = Field(default_factory=dict)


class DemoSource(_Strict):
    demo: Literal["bundled"]


class FxFile(_Strict):
    """One firm file of FX rate levels: columns ``CCY/BASE`` = units of BASE per one CCY."""

    file: str = Field(min_length=1)
    layout: Literal["wide", "long"] = "wide"
    frequency: Literal["daily", "weekly", "monthly"] = "daily"
    source: str | None = None


class CalendarSpec(_Strict):
    source: str = Field(min_length=1, description="where the added sessions and closures come from")
    add_sessions: list[date] = Field(default_factory=list)
    add_closures: list[date] = Field(default_factory=list)
    extend_to: date | None = None

    @model_validator(mode="after")
    def _disjoint(self) -> "CalendarSpec":
        both = sorted(set(self.add_sessions) & set(self.add_closures))
        if both:
            raise ValueError(f"{both[0]} is both an added session and an added closure")
        return self


class LimitSpec(_Strict):
    start: date = Field(alias="from")
    limit: float | None = Field(gt=0, le=1)
    source: str = ""


class TolerancesSpec(_Strict):
    missing_sessions: int = Field(default=0, ge=0)
    off_session: Literal["refuse", "drop"] = "refuse"
    max_gap_bdays: int = Field(default=5, ge=1)
    price_limit_slack: float = Field(default=0.005, ge=0, le=0.5)


class ConvertedSpec(_Strict):
    """A series of the market re-expressed in ``currency``: each period's return ``(1 + r)(1 + r_fx) − 1``, with
    ``r_fx`` the return of ``SRC/currency`` from the market's FX rates over the same period (monthly: month-end
    levels; daily: the rate known at each of the series' own observation dates). What a fund that holds the
    series' assets and is priced in ``currency`` (a QDII fund's renminbi share class) earns before its fees. Its
    kind is the source series' kind (a modeled series stays modeled); its source names the FX source."""

    series: str = Field(min_length=1)
    currency: str = Field(pattern=CCY)
    name: str | None = None
    note: str | None = None


class MarketFile(_Strict):
    version: str | int | float
    sources: list[FileSource | DemoSource] = Field(min_length=1)
    fx: list[FxFile] = Field(default_factory=list)
    defaults: Defaults = Field(default_factory=Defaults)
    calendars: dict[str, CalendarSpec] = Field(default_factory=dict)
    price_limits: dict[str, list[LimitSpec]] = Field(default_factory=dict)
    tolerances: TolerancesSpec = Field(default_factory=TolerancesSpec)
    converted: dict[str, ConvertedSpec] = Field(default_factory=dict)
    as_of: date | None = None

    @field_validator("version")
    @classmethod
    def _version(cls, v: str | int | float) -> str:
        text = str(v).strip()
        if not text:
            raise ValueError("must not be blank")
        return text


# ------------------------------------------------------------------------------------------------ resolved
@dataclass(frozen=True)
class SeriesMeta:
    """What the market file says about one series of a file (after defaults)."""

    currency: str | None
    kind: str
    calendar: str
    name: str | None
    note: str | None
    price_limit: float | None | str


@dataclass(frozen=True)
class FileEntry:
    """One configured firm file, resolved: absolute path, content hash, how it is read."""

    field: str  # e.g. "sources[1]" (for messages)
    spec: FileSource | FxFile
    path: Path
    sha256: str

    @property
    def display(self) -> str:
        return display_path(self.path)


@dataclass(frozen=True)
class MarketConfig:
    """``market.yaml`` read and checked (paths resolved, files hashed); no market data parsed yet."""

    path: Path
    model: MarketFile
    files: tuple[FileEntry, ...]
    fx_files: tuple[FileEntry, ...]
    rules: CalendarRules
    digest: str  # market.yaml bytes + every configured file's content hash: what the data a document uses is

    def data_key(self) -> str:
        """What the market data a document uses is: :attr:`digest`, plus the versions of the packages that ship
        the bundled demo and its FX rates when it is a source (their data change only with them)."""
        if not self.has_demo:
            return self.digest
        from .demo import BUILD as DEMO_BUILD, versions
        from .fx import versions as fx_versions

        shipped = {**versions(), **fx_versions()}  # the demo's series and its FX rates
        return f"{self.digest}|demo {DEMO_BUILD} {json.dumps(shipped, sort_keys=True)}"

    @property
    def version(self) -> str:
        return str(self.model.version)

    @property
    def has_demo(self) -> bool:
        return any(isinstance(s, DemoSource) for s in self.model.sources)

    @property
    def source(self) -> str:
        return display_path(self.path)

    def meta(self, entry: FileEntry, series: str) -> SeriesMeta:
        spec = entry.spec
        assert isinstance(spec, FileSource)
        own = spec.series.get(series, SeriesSpec())
        d = self.model.defaults
        return SeriesMeta(
            currency=own.currency or spec.currency or d.currency,
            kind=own.kind or spec.kind or d.kind,
            calendar=own.calendar or spec.calendar or d.calendar or NONE,
            name=own.name,
            note=own.note,
            price_limit=own.price_limit,
        )


_SHA: dict[tuple, str] = {}
_MODELS: dict[tuple, "MarketFile"] = {}  # market.yaml parsed, by file state (see _sha256)


def _sha256(path: Path) -> str:
    """The file's SHA-256, computed once per process and file state (device, inode, size, mtime in ns): a file
    rewritten in place gets a new mtime and is hashed again."""
    st = path.stat()
    key = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    hit = _SHA.get(key)
    if hit is not None:
        return hit
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    _SHA[key] = out = h.hexdigest()
    return out


def load_market_config(params: str | Path) -> MarketConfig:
    """Read ``<params>/market.yaml``; every problem is an :class:`InputError` naming the file and field.

    A params folder without one is refused: there is no implicit market (the shipped ``params/market.yaml``
    names the bundled demo, ``sources: [{demo: bundled}]``).
    """
    from .._yaml import load_yaml, validate_model

    params = Path(params)
    path = params / MARKET_FILE
    src = display_path(path)
    if not path.is_file():
        raise InputError(src, "", "file not found: a params folder names its market data in market.yaml "
                         "(e.g. 'sources: [{demo: bundled}]' for the bundled demo market; see README, "
                         "\"Use your own data\")")
    st = path.stat()
    memo = (str(path.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    model = _MODELS.get(memo)
    if model is None:
        raw = load_yaml(path)
        if not isinstance(raw, dict):
            raise InputError(src, "", "must be a mapping with at least 'version' and 'sources'")
        model = validate_model(MarketFile, raw, src)
        _MODELS[memo] = model
    problems: list[InputError] = []
    files, fx_files = [], []
    seen: dict[Path, str] = {}
    for kind_, items in (("sources", model.sources), ("fx", model.fx)):
        for i, spec in enumerate(items):
            if isinstance(spec, DemoSource):
                continue  # the demo brings its own FX (wealthlib._market.fx)
            field = f"{kind_}[{i}].file"
            rel = Path(spec.file)
            p = (params / rel).resolve() if not rel.is_absolute() else rel
            if p in seen:
                problems.append(InputError(src, field, f"{spec.file} is configured twice (also {seen[p]})"))
                continue
            seen[p] = field
            if not p.is_file():
                problems.append(InputError(src, field, f"{spec.file}: file not found (paths are relative to "
                                           f"{display_path(params)})"))
                continue
            if p.suffix.lower() not in (".csv", ".txt", ".parquet", ".pq"):
                problems.append(InputError(src, field, f"{spec.file}: unknown file type {p.suffix or '(none)'!r}; "
                                           "use .csv or .parquet"))
                continue
            entry = FileEntry(field, spec, p, _sha256(p))
            (files if kind_ == "sources" else fx_files).append(entry)
    if sum(isinstance(s, DemoSource) for s in model.sources) > 1:
        problems.append(InputError(src, "sources", "the bundled demo is listed more than once"))
    if problems:
        raise problems[0] if len(problems) == 1 else InputErrors(problems)
    rules = CalendarRules(
        patches={k: CalendarPatch(tuple(v.add_sessions), tuple(v.add_closures), v.extend_to, v.source)
                 for k, v in model.calendars.items()},
        price_limits={k: tuple(PriceLimit(x.start, x.limit, x.source) for x in sorted(v, key=lambda x: x.start))
                      for k, v in model.price_limits.items()},
        tolerances=Tolerances(**model.tolerances.model_dump()),
    )
    digest = hashlib.sha256(path.read_bytes() + b"".join(f.sha256.encode() for f in (*files, *fx_files)))
    return MarketConfig(path.resolve(), model, tuple(files), tuple(fx_files), rules, digest.hexdigest()[:20])


def check_calendar_names(cfg: MarketConfig) -> list[InputError]:
    """Calendar names the market file uses that exchange_calendars does not know (imports the library: ~1 s,
    so only ``wealth validate``, ``wealth market check`` and a file's first parse pay it)."""
    model, files = cfg.model, list(cfg.files)
    names = {c for f in files for c in _calendars_named(model, f.spec)} | set(model.calendars) | set(model.price_limits)
    out = []
    for name in sorted(names - {NONE}):
        err = _check_calendar_name(name)
        if err:
            out.append(InputError(cfg.source, _where_calendar(model, files, name), err))
    return out


def _calendars_named(model: MarketFile, spec: Any) -> set[str]:
    out = set()
    if model.defaults.calendar:
        out.add(model.defaults.calendar)
    if getattr(spec, "calendar", None):
        out.add(spec.calendar)
    for s in getattr(spec, "series", {}).values():
        if s.calendar:
            out.add(s.calendar)
    return out


def _where_calendar(model: MarketFile, files: list[FileEntry], name: str) -> str:
    if name in model.calendars:
        return f"calendars.{name}"
    if name in model.price_limits:
        return f"price_limits.{name}"
    if model.defaults.calendar == name:
        return "defaults.calendar"
    for f in files:
        spec = f.spec
        if getattr(spec, "calendar", None) == name:
            return f.field.replace(".file", ".calendar")
        for sid, s in getattr(spec, "series", {}).items():
            if s.calendar == name:
                return f.field.replace(".file", f".series.{sid}.calendar")
    return "calendars"


def _check_calendar_name(name: str) -> str | None:
    import exchange_calendars as xc

    try:
        xc.get_calendar_names(include_aliases=True)
        if name not in xc.get_calendar_names(include_aliases=True):
            return (f"unknown exchange calendar {name!r}: use an exchange_calendars name (XNYS, XTAI, XSHG, XHKG, …) "
                    "or 'none' for a series without an exchange")
    except Exception:  # pragma: no cover - the library's own lookup failing is not the file's fault
        return None
    return None


# ------------------------------------------------------------------------------------------------ loading
_FILES: dict[str, Market] = {}  # parsed files by cache key, in process


def _file_key(cfg: MarketConfig, entry: FileEntry) -> str:
    spec = entry.spec
    assert isinstance(spec, FileSource)
    # what the parse and the checks depend on (names, kinds and currencies are applied after, uncached)
    per = json.dumps({k: v.model_dump() for k, v in spec.series.items()}, sort_keys=True, default=str)
    blob = json.dumps({"build": BUILD, "sha": entry.sha256, "values": spec.values, "layout": spec.layout,
                       "frequency": spec.frequency, "calendar": spec.calendar, "series": per,
                       "defaults": cfg.model.defaults.calendar, "rules": cfg.rules.key()},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def _cache_dir(key: str) -> Path:
    from .demo import cache_root

    return cache_root() / "market" / f"file-{key}"


def _save_frame(d: Path, name: str, frame: pd.DataFrame) -> list[str]:
    """A float frame as two ``.npy`` files (values, index as ns): reading them back is a few milliseconds, where
    Parquet costs a pyarrow import and a conversion (measured: 200 daily series × 20 years, 0.2 s vs 0.01 s)."""
    np.save(d / f"{name}.values.npy", frame.to_numpy(dtype=float))
    np.save(d / f"{name}.index.npy", frame.index.to_numpy())  # its own unit (pandas 3: us from CSV, ns elsewhere)
    return [str(c) for c in frame.columns]


def _load_frame(d: Path, name: str, columns: list[str]) -> pd.DataFrame:
    values = np.load(d / f"{name}.values.npy", allow_pickle=False)
    index = pd.DatetimeIndex(np.load(d / f"{name}.index.npy", allow_pickle=False), name="date")
    return pd.DataFrame(values, index=index, columns=pd.Index(columns))


def _read_cached(d: Path, vintage: str) -> Market | None:
    try:
        raw = json.loads((d / "info.json").read_text(encoding="utf-8"))
        monthly = _load_frame(d, "monthly", raw["columns"]["monthly"])
        daily = _load_frame(d, "daily", raw["columns"]["daily"]) if raw["columns"].get("daily") is not None else None
    except Exception:  # noqa: BLE001 - missing or damaged cache: parse again
        return None
    info = {k: SeriesInfo(**{**v, "start": date.fromisoformat(v["start"]), "end": date.fromisoformat(v["end"])})
            for k, v in raw["info"].items()}
    return Market(monthly, daily, None, info, vintage)


def _write_cached(d: Path, m: Market) -> None:
    try:
        d.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{d.name}-", dir=d.parent))
        try:
            cols = {"monthly": _save_frame(tmp, "monthly", m.monthly),
                    "daily": None if m.daily is None else _save_frame(tmp, "daily", m.daily)}
            info = {k: {**dataclasses.asdict(v), "start": v.start.isoformat(), "end": v.end.isoformat()}
                    for k, v in m.info.items()}
            (tmp / "info.json").write_text(json.dumps({"columns": cols, "info": info}, ensure_ascii=False, default=str),
                                           encoding="utf-8")
            try:
                os.replace(tmp, d)
            except OSError:
                pass  # another process wrote it first
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        warnings.warn(f"wealthlib: cannot write the market cache in {d}: {exc.strerror}", stacklevel=3)


def load_file_source(cfg: MarketConfig, entry: FileEntry, *, collect: bool = False) -> tuple[Market | None, list[InputError]]:
    """One configured file as a :class:`Market` (cached by content), or its problems (``collect=True``)."""
    from .files import read_market_file

    spec = entry.spec
    assert isinstance(spec, FileSource)
    key = _file_key(cfg, entry)
    vintage = f"{entry.path.name} sha256 {entry.sha256[:12]}"
    market = _FILES.get(key)
    if market is None:  # a cache entry exists only for a file that passed these very checks
        market = _read_cached(_cache_dir(key), vintage)
        if market is not None:
            _FILES[key] = market
    if market is None:
        bad = check_calendar_names(cfg)
        if bad:
            if not collect:
                raise bad[0]
            return None, bad
        def meta(sid: str) -> SeriesMeta:
            return cfg.meta(entry, sid)

        market, problems = read_market_file(
            entry.path, VALUES_AS[spec.values], spec.layout, spec.frequency, rules=cfg.rules,
            calendar_of=lambda sid: meta(sid).calendar, price_limit_of=lambda sid: meta(sid).price_limit,
            collect=collect,
        )
        if market is None:
            return None, problems
        market = Market(market.monthly, market.daily, None, market.info, vintage)
        _FILES[key] = market
        _write_cached(_cache_dir(key), market)
    return _with_meta(cfg, entry, market), []


def _with_meta(cfg: MarketConfig, entry: FileEntry, market: Market) -> Market:
    """Names, kinds, currencies, calendars and the source text from the market file (cheap, never cached)."""
    spec = entry.spec
    assert isinstance(spec, FileSource)
    label = f"{spec.source} (file {entry.display})" if spec.source else f"file {entry.display}"
    info = {}
    fields = {f.name for f in dataclasses.fields(SeriesInfo)}
    for sid, si in market.info.items():
        m = cfg.meta(entry, sid)
        extra: dict[str, Any] = {}
        if "currency" in fields and m.currency:
            extra["currency"] = m.currency
        if "calendar" in fields:
            extra["calendar"] = m.calendar if (spec.frequency == "daily" and m.calendar != NONE) else None
        note = m.note or f"{spec.values.replace('_', ' ')}, {spec.frequency}, {spec.layout} layout"
        info[sid] = dataclasses.replace(si, name=m.name or sid, kind=m.kind, source=label, note=note, **extra)
    return Market(market.monthly.copy(deep=False), None if market.daily is None else market.daily.copy(deep=False),
                  None, info, market.vintage)


def check_currencies(cfg: MarketConfig, markets: list[tuple[FileEntry, Market]]) -> list[InputError]:
    out = []
    for entry, m in markets:
        for sid in m.info:
            if cfg.meta(entry, sid).currency is None:
                out.append(InputError(cfg.source, entry.field.replace(".file", f".series.{sid}.currency"),
                                      f"no currency for series {sid!r} of {entry.spec.file}: set currency on the "
                                      "source, under its series, or in defaults"))
    return out


_MARKETS: dict[str, Market] = {}


def configured_market(params: str | Path) -> Market:
    """The whole market ``<params>/market.yaml`` names (every source merged), cached by the config's digest."""
    cfg = load_market_config(params)
    hit = _MARKETS.get(cfg.digest)
    if hit is not None:
        return hit.copy()
    parts: list[tuple[str, Market]] = []
    problems: list[InputError] = []
    loaded: list[tuple[FileEntry, Market]] = []
    by_path = {e.field: e for e in cfg.files}
    for i, spec in enumerate(cfg.model.sources):
        if isinstance(spec, DemoSource):
            from .demo import full_demo

            parts.append((f"sources[{i}]", full_demo()))
            continue
        entry = by_path.get(f"sources[{i}].file")
        if entry is None:
            continue
        try:
            m, _ = load_file_source(cfg, entry)
        except InputError as err:
            problems.append(err)
            continue
        assert m is not None
        loaded.append((entry, m))
        parts.append((entry.field, m))
    problems += check_currencies(cfg, loaded)
    if problems:
        raise problems[0] if len(problems) == 1 else InputErrors(problems)
    market = merge(cfg, parts, load_fx(cfg))
    if cfg.model.converted:
        market = convert_series(cfg, market)
    _MARKETS[cfg.digest] = market
    return market.copy()


def convert_series(cfg: MarketConfig, market: Market) -> Market:
    """The market with the market file's ``converted`` series added (:class:`ConvertedSpec`); a converted id
    that is already a series, a source series the market lacks, or an FX pair it cannot make is an
    :class:`InputError` naming the market file and the field."""
    from .core import FxPairMissing

    monthly, daily, info = market.monthly.copy(), None if market.daily is None else market.daily.copy(), dict(market.info)
    for sid, spec in cfg.model.converted.items():
        field = f"converted.{sid}"
        if sid in info:
            raise InputError(cfg.source, field, f"{sid!r} is already a series of this market; pick another id")
        src = info.get(spec.series)
        if src is None or spec.series not in monthly.columns:
            raise InputError(cfg.source, f"{field}.series", f"no series {spec.series!r} in this market")
        pair = f"{src.currency}/{spec.currency}"
        try:
            r_fx = market.fx_returns(src.currency, spec.currency, "monthly")
        except FxPairMissing:
            raise InputError(cfg.source, f"{field}.currency", f"the market has no FX rates for {pair}") from None
        monthly[sid] = (1.0 + monthly[spec.series]) * (1.0 + r_fx) - 1.0
        if daily is not None and spec.series in daily.columns:
            obs = daily[spec.series].dropna()
            level = (1.0 + obs).cumprod() * market.fx_levels_on(src.currency, spec.currency, obs.index).to_numpy()
            daily[sid] = level.pct_change(fill_method=None).reindex(daily.index)
        col = daily[sid] if daily is not None and sid in daily.columns else monthly[sid]
        valid = col.dropna()
        if valid.empty:
            raise InputError(cfg.source, field, f"{spec.series} and the {pair} rates have no period in common")
        fx_src = market.fx_info.get(pair) or market.fx_info.get(f"{spec.currency}/{src.currency}")
        fx_name = fx_src.source if fx_src is not None else f"{pair} rates of this market"
        info[sid] = dataclasses.replace(
            src, id=sid, name=spec.name or f"{src.name} in {spec.currency}", currency=spec.currency,
            source=f"{src.source}, converted to {spec.currency} with {fx_name}",
            start=valid.index[0].date(), end=valid.index[-1].date(), note=spec.note or src.note)
    return Market(monthly, daily, market.inflation, info, market.vintage, market.fx, market.fx_info,
                  market.yields, market.yield_info)


def merge(cfg: MarketConfig, parts: list[tuple[str, Market]],
          firm_fx: tuple[pd.DataFrame, dict[str, SeriesInfo], list[str]] | None = None) -> Market:
    """One market from several sources; a series id in two sources is an error naming both. FX: the sources'
    pairs (the demo's) and the firm's FX files, outer-joined on dates; a firm pair replaces a demo pair of the
    same name."""
    owner: dict[str, str] = {}
    for field, m in parts:
        for sid in m.info:
            if sid in owner:
                raise InputError(cfg.source, field, f"series {sid!r} is also in {owner[sid]}; series ids must be "
                                 "unique across sources")
            owner[sid] = field
    if len(parts) == 1:
        m = parts[0][1]
        monthly, daily, inflation, info = m.monthly, m.daily, m.inflation, dict(m.info)
    else:
        frames = [m.monthly for _, m in parts if len(m.monthly.index)]
        cal = month_end_calendar(min(f.index[0] for f in frames), max(f.index[-1] for f in frames))
        monthly = pd.concat([f.reindex(cal) for f in frames], axis=1)
        monthly.index.freq = None
        dailies = [m.daily for _, m in parts if m.daily is not None]
        daily = pd.concat(dailies, axis=1, sort=True) if dailies else None
        if daily is not None:
            daily.index.name = "date"
        inflation = next((m.inflation for _, m in parts if m.inflation is not None), None)
        info = {k: v for _, m in parts for k, v in m.info.items()}
    fx_frames = [m.fx for _, m in parts if m.fx is not None]
    fx_info = {k: v for _, m in parts for k, v in m.fx_info.items()}
    names = [m.vintage.split(", data to ")[0] for _, m in parts]
    if firm_fx is not None:
        frame, finfo, fnames = firm_fx
        fx_frames = [f.drop(columns=[c for c in f.columns if c in frame.columns]) for f in fx_frames] + [frame]
        fx_info.update(finfo)
        names += fnames
    fx = None
    if fx_frames:
        fx = pd.concat(fx_frames, axis=1, sort=True) if len(fx_frames) > 1 else fx_frames[0]
        fx.index.name = "date"
        fx_info = {k: v for k, v in fx_info.items() if k in fx.columns}
    last = monthly.index[-1].date() if len(monthly.index) else None
    vintage = f"{MARKET_FILE} {cfg.version} ({'; '.join(names)}), data to {last}"
    yparts = [m for _, m in parts if m.yields is not None]  # the demo's (a firm's files carry no yields yet)
    yields = pd.concat([m.yields for m in yparts], axis=1, sort=True) if yparts else None
    yinfo = {k: v for m in yparts for k, v in m.yield_info.items()}
    return Market(monthly, daily, inflation, info, vintage, fx, fx_info, yields, yinfo)


def load_fx(cfg: MarketConfig) -> tuple[pd.DataFrame, dict[str, SeriesInfo], list[str]] | None:
    """FX rate levels of the configured FX files, one column per ``CCY/BASE`` pair (BASE per one CCY), with a
    :class:`SeriesInfo` per pair and the files' vintage parts; ``None`` without FX files. A pair in two files
    is an error naming both."""
    frames, info, names, owner = [], {}, [], {}
    for entry in cfg.fx_files:
        frame = load_fx_file(cfg, entry)
        spec = entry.spec
        label = f"{spec.source} (file {entry.display})" if spec.source else f"file {entry.display}"
        for pair in frame.columns:
            if pair in owner:
                raise InputError(cfg.source, entry.field, f"FX pair {pair} is also in {owner[pair]}")
            owner[pair] = entry.field
            v = frame[pair].dropna()
            info[pair] = SeriesInfo(id=pair, name=f"{pair[4:]} per {pair[:3]}", source=label, kind="real",
                                    frequency=spec.frequency, start=v.index[0].date(), end=v.index[-1].date(),
                                    note="FX rate level", currency=pair[4:], method="as in the file")
        frames.append(frame)
        names.append(f"FX {entry.path.name} sha256 {entry.sha256[:12]}")
    if not frames:
        return None
    out = pd.concat(frames, axis=1, sort=True) if len(frames) > 1 else frames[0]
    out.index.name = "date"
    return out, info, names


def load_fx_file(cfg: MarketConfig, entry: FileEntry, *, collect: bool = False) -> pd.DataFrame:
    """One FX file: positive levels, pairs named ``CCY/BASE``, dates in order; cached by content."""
    from .files import _parse_dates, _parse_values, _read, _check_order

    key = "fx-" + entry.sha256[:20] + str(BUILD)
    hit = _FX.get(key)
    if hit is not None:
        return hit
    src = entry.display
    spec = entry.spec
    df, where = _read(entry.path, src)
    df = df.rename(columns=lambda c: str(c).strip())
    if spec.layout == "long":
        lower = {c.lower(): c for c in df.columns}
        missing = [c for c in ("date", "series", "value") if c not in lower]
        if missing:
            raise InputError(src, "", f"long layout needs columns date, series, value; missing: {', '.join(missing)}")
        df = df.pivot(index=lower["date"], columns=lower["series"], values=lower["value"]).reset_index()
        df = df.rename(columns={lower["date"]: "date"})
    lower = {c.lower(): c for c in df.columns}
    if "date" not in lower:
        raise InputError(src, "date", "no date column (expected a column named 'date')")
    if len(df) == 0:
        raise InputError(src, "", "file has no data rows")
    rows = list(range(len(df)))
    dates = _parse_dates(df[lower["date"]], src, "date", where)
    _check_order(dates, spec.frequency == "monthly", src, "date", where, rows)
    cols = {}
    import re

    for c in df.columns:
        if c == lower["date"]:
            continue
        if not re.fullmatch(r"[A-Z]{3}/[A-Z]{3}", c) or c[:3] == c[4:]:
            raise InputError(src, c, "an FX column is named CCY/BASE with two different ISO currency codes, e.g. "
                             "USD/TWD = TWD per one USD")
        vals = _parse_values(df[c], dates, "prices", src, c, where, rows)
        s = pd.Series(vals, index=dates, name=c).dropna()
        if s.empty:
            raise InputError(src, c, "no values")
        cols[c] = s
    out = pd.DataFrame(cols).sort_index()
    out.index.name = "date"
    _FX[key] = out
    return out


_FX: dict[str, pd.DataFrame] = {}


def clear_caches() -> None:
    """Forget every parsed file and merged market held in this process (the disk cache stays)."""
    _FILES.clear()
    _MARKETS.clear()
    _FX.clear()
    _SHA.clear()
    _MODELS.clear()


# ------------------------------------------------------------------------------------------------ checking
def check_file(
    path: str | Path,
    params: str | Path | None = None,
    *,
    values: str | None = None,
    layout: str | None = None,
    frequency: str | None = None,
    calendar: str | None = None,
    currency: str | None = None,
    fx: bool | None = None,
) -> tuple[Market | pd.DataFrame | None, list[InputError]]:
    """Judge one firm file before (or after) it is configured: ``(what it holds, every defect found)``.

    When ``params`` has a market file that names ``path`` (under ``sources`` or ``fx``), that entry's settings are
    used; given options override them. The market file's calendar corrections, price limits and tolerances
    apply; without a market file, the defaults (no corrections, no price limits).
    """
    p = Path(path).resolve()
    cfg = None
    if params is not None and (Path(params) / MARKET_FILE).is_file():
        cfg = load_market_config(params)
    model = cfg.model if cfg is not None else MarketFile(version="none", sources=[DemoSource(demo="bundled")])
    rules = cfg.rules if cfg is not None else CalendarRules()
    configured = None
    if cfg is not None:
        configured = next((e for e in (*cfg.files, *cfg.fx_files) if e.path == p), None)
    is_fx = fx if fx is not None else (configured is not None and isinstance(configured.spec, FxFile))
    if not p.is_file():
        return None, [InputError(display_path(p), "", "file not found")]
    sha = _sha256(p)
    if is_fx:
        spec = configured.spec if configured is not None and isinstance(configured.spec, FxFile) else FxFile(file=str(p))
        over = {k: v for k, v in {"layout": layout, "frequency": frequency}.items() if v is not None}
        spec = spec.model_copy(update=over)
        entry = FileEntry("fx", spec, p, sha)
        tmp = MarketConfig(p, model, (), (entry,), rules, "check")
        try:
            return load_fx_file(tmp, entry), []
        except InputError as err:
            return None, [err]
    spec = configured.spec if configured is not None and isinstance(configured.spec, FileSource) else FileSource(file=str(p))
    over = {k: v for k, v in {"values": values, "layout": layout, "frequency": frequency, "calendar": calendar,
                               "currency": currency}.items() if v is not None}
    try:
        spec = FileSource.model_validate({**spec.model_dump(), **over})
    except Exception as exc:  # noqa: BLE001 - a bad option value
        return None, [InputError("options", "", str(exc).splitlines()[-1])]
    entry = FileEntry(configured.field if configured else "file", spec, p, sha)
    tmp = MarketConfig(p, model, (entry,), (), rules, "check")
    problems = check_calendar_names(tmp)
    if problems:
        return None, problems
    market, problems = load_file_source(tmp, entry, collect=True)
    if market is not None:
        missing = [sid for sid in market.info if tmp.meta(entry, sid).currency is None]
        if missing:
            problems = [InputError(display_path(p), sid, "no currency: give --currency, or set it in market.yaml")
                        for sid in missing]
    return market, problems
