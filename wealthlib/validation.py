"""``wealth validate``: check every input file and list every problem, not just the first.

A file is recognised by its name: ``policy.yaml`` is a firm policy, ``products.yaml`` a shelf, a file in a
``views/`` folder an advisor's views file, any other ``*.yaml``/``*.yml`` a client file. Client files are checked against the policy and shelf of the params
folder: product codes exist, the KYC answers score on the policy's questionnaire, an override names a class
of the active ladder.
"""

from __future__ import annotations

from pathlib import Path

from ._gc import fewer_collections
from .errors import InputError, InputErrors, WealthError, display_path


def _as_list(exc: WealthError) -> list[WealthError]:
    return list(exc.errors) if isinstance(exc, InputErrors) else [exc]


def _collect(paths: list[Path], params: Path) -> list[Path]:
    if not paths:
        paths = [params]
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            root, firm_of = p.resolve(), _FirmOf(p)
            # not is_file(): a FIFO, a device or a socket (or a link to one) is listed too, and refused by its loader
            found = sorted(x for x in p.rglob("*") if x.suffix in (".yaml", ".yml") and not x.is_dir()
                           and firm_of(x) == root)  # not another firm's files
            # a folder named on the command line with nothing to check is a mistake, not "ok: 0 files"
            files += found or [p]
        else:
            files.append(p)
    return files


class _FirmOf:
    """``firm_folder(x, params).resolve()`` for many files ``x`` under ``params``, worked out once per folder: for a
    file that is not a symbolic link it depends only on the folder holding it (a book's 10,000 client files share
    one), while resolving each file's path and each folder above it again cost a tenth of ``wealth validate``."""

    def __init__(self, params: Path):
        self.params = params
        self.by_folder: dict[Path, Path] = {}

    def __call__(self, path: Path) -> Path:
        if path.is_symlink():
            return firm_folder(path, self.params).resolve()
        hit = self.by_folder.get(path.parent)
        if hit is None:
            hit = self.by_folder[path.parent] = firm_folder(path, self.params).resolve()
        return hit


def firm_folder(path: Path, params: Path) -> Path:
    """The firm a file under ``params`` belongs to: the nearest folder from the file up to ``params`` that holds
    its own ``policy.yaml`` (a params folder may ship other firms in sub-folders, e.g. ``params/cn-bank``);
    ``params`` itself for anything else."""
    try:
        rel = path.resolve().relative_to(params.resolve())
    except ValueError:
        return params
    here = path if path.is_dir() else path.parent
    for _ in range(len(rel.parts)):
        if here.resolve() == params.resolve():
            break
        if (here / "policy.yaml").is_file():
            return here
        here = here.parent
    return params


def nested_firms(params: Path) -> list[Path]:
    """Sub-folders of ``params`` that are firms of their own (they hold a ``policy.yaml``), outermost first."""
    found = sorted(p.parent for p in params.rglob("policy.yaml") if p.parent.resolve() != params.resolve())
    return [f for f in found if firm_folder(f.parent, params).resolve() == params.resolve()]


@fewer_collections()
def validate_params(params: Path, paths: list[Path]) -> tuple[list[WealthError], int]:
    """All problems in the given files (default: everything under ``params``) and how many files were read.

    Each file is checked against its own firm (:func:`firm_folder`): a sub-folder holding its own policy.yaml
    is another firm, with its own policy, shelf, market and clients, never read as the outer firm's files."""
    from .clients import reading_once

    groups: dict[Path, list[Path]] = {}
    if not paths:
        groups[params] = []
        for firm in nested_firms(params):
            groups[firm] = []
    else:
        for p in paths:
            groups.setdefault(firm_folder(p, params), []).append(p)
    problems: list[WealthError] = []
    count = 0
    with reading_once():  # a client file is read once, also when the book file's check asks for it again
        for firm, given in groups.items():
            found, n = _validate_params(firm, given)
            problems += found
            count += n
    return problems, count


def _validate_params(params: Path, paths: list[Path]) -> tuple[list[WealthError], int]:
    from .clients import check_product_codes, load_client
    from .policy import load_policy
    from .products import load_shelf
    from .risk import load_questionnaire, score_answers

    problems: list[WealthError] = []
    files = _collect(paths, params)

    from .clients import duplicate_ids

    dups = duplicate_ids([f for f in files if f.parent.name == "clients"])
    problems += list(dups.values())
    policy = shelf = None
    try:
        policy = load_policy(params / "policy.yaml")
    except WealthError as exc:
        problems += _as_list(exc)
    try:
        shelf = load_shelf(params / "products.yaml", policy)
    except WealthError as exc:
        problems += _as_list(exc)
    if policy is not None and shelf is not None:
        problems += check_policy_against_shelf(policy, shelf)
        from .conduct import check_shelf

        problems += check_shelf(policy, shelf)
    if shelf is not None:
        from .charts import shelf_chart_problems

        problems += shelf_chart_problems(shelf)  # the allocation chart draws each name in its locale
    if policy is not None and policy.advisors is not None and not (params / policy.advisors.registry).is_file():
        problems.append(InputError(policy.source, "advisors.registry",
                                   f"no file {display_path(params / policy.advisors.registry)}"))
    market_problems = _market_problems(params)
    problems += market_problems
    market = None
    if shelf is not None and not market_problems:
        from .market import configured_market, currency_mismatches, missing_series

        market = configured_market(params)
        problems += missing_series(shelf, market)  # else every command fails on it later
        problems += currency_mismatches(shelf, market)
    base = {(params / "policy.yaml").resolve(), (params / "products.yaml").resolve()}
    market_file = (params / "market.yaml").resolve()
    registry = None if policy is None or policy.advisors is None else (params / policy.advisors.registry).resolve()
    fx_missing: dict[str, list] = {}  # by base currency: the same for every client of that currency

    # by name first: resolving each of a book's 10,000 client files (every folder above it, again) cost more than
    # reading a tenth of them; a file can only be one of these under one of their names or through a link
    special = {p.name for p in base | {market_file}} | ({registry.name} if registry is not None else set())
    for f in files:
        resolved = f.resolve() if f.name in special or f.is_symlink() else None
        if resolved in base:
            continue  # already checked above
        if f.name == "policy.yaml":
            try:
                load_policy(f)
            except WealthError as exc:
                problems += _as_list(exc)
            continue
        if f.name == "market.yaml":  # the market file and every data file it names
            if resolved != market_file:
                problems += _market_problems(f.parent)
            continue
        if f.name == "products.yaml":
            try:
                load_shelf(f, policy)
            except WealthError as exc:
                problems += _as_list(exc)
            continue
        if not f.exists():
            problems.append(InputError(display_path(f), "", "file not found"))
            continue
        if f.is_dir():
            problems.append(InputError(display_path(f), "", "folder holds no .yaml or .yml file to check"))
            continue
        if registry is not None and resolved == registry:  # the advisor registry
            from .advisors import check_registry_file

            problems += check_registry_file(f, params, policy)
            continue
        if f.name == "books.yaml":  # who owns which client (wealthlib.guard.access)
            from .guard.access import check_books_file

            problems += check_books_file(f, params)
            continue
        if f.parent.name == "views":
            problems += _check_views(f, shelf)
            continue
        try:  # a file of a clients folder: its links must stay inside the params folder
            client = load_client(f, f.parent) if f.parent.name == "clients" else load_client(f)
        except WealthError as exc:
            problems += _as_list(exc)
            continue
        if shelf is not None:
            problems += check_product_codes(client, set(shelf.codes), set(policy.asset_classes) if policy else None)
        if policy is not None:
            from .conduct import check_client_file

            problems += check_client_file(client, policy)
        if shelf is not None and market is not None:  # every product must convert into the client's currency
            from .market import missing_fx_pairs

            if client.base_currency not in fx_missing:
                fx_missing[client.base_currency] = missing_fx_pairs(shelf, market, client.base_currency,
                                                                    policy.fx.not_modeled if policy else ())
            for pair in fx_missing[client.base_currency]:
                problems.append(InputError(client.source, "base_currency", f"no FX rates for {pair} in "
                                           f"{display_path(params / 'market.yaml')}; add the pair to the market's FX "
                                           "files, or mark it not modeled in the policy (fx.not_modeled)"))
        from .charts import client_chart_problems

        problems += client_chart_problems(client, client.locale)
        if policy is not None:
            try:
                score_answers(load_questionnaire(client.kyc.questionnaire), client.kyc.answers, client.source)
            except WealthError as exc:
                problems += _as_list(exc)
            if client.kyc.override is not None:
                try:
                    policy.check_class(client.kyc.override.risk_class, client.source, "kyc.override.risk_class")
                except WealthError as exc:
                    problems += _as_list(exc)
    return problems, len(set(files) | ({params / 'policy.yaml', params / 'products.yaml'} if not paths else set()))


def _check_views(path: Path, shelf) -> list[WealthError]:
    from .estimate import load_views

    try:
        views = load_views(path)
    except WealthError as exc:
        return _as_list(exc)
    if shelf is None:
        return []
    try:
        views.matrices(list(shelf.codes))
    except WealthError as exc:
        return _as_list(exc)
    return []


def check_policy_against_shelf(policy, shelf) -> list[InputError]:
    """Every class of every ladder must be able to meet its band minimums with products it may hold.

    A band minimum for an asset class is reachable only by products of that class graded at or below the
    class's ceiling, each at most at its per-product cap. Catching this here turns a later "infeasible" for
    every client of the class into one message about the policy file.
    """
    problems: list[InputError] = []
    caps = policy.allocation.max_product_weight
    type_caps = policy.allocation.max_type_weight
    for lname, ladder in policy.ladders.items():
        for i, rc in enumerate(ladder.classes):
            for asset, (lo, _hi) in rc.bands.items():
                if lo <= 0:
                    continue
                eligible = [p for p in shelf if p.asset_class == asset and p.grade <= rc.max_grade]
                reach = sum(min(caps.get(asset, 1.0), type_caps.get(p.type, 1.0)) for p in eligible)
                if reach + 1e-9 < lo:
                    held = ", ".join(p.code for p in eligible) or "none"
                    problems.append(InputError(
                        policy.source or "policy.yaml", f"ladders.{lname}.classes.{i}.bands.{asset}",
                        f"class {rc.code} requires {asset} ≥ {lo:.0%}, but the shelf's {asset} products at or below "
                        f"grade {rc.max_grade} ({held}) can reach only {min(reach, 1.0):.0%} under the per-product caps",
                    ))
    return problems


def _market_problems(params: Path) -> list[WealthError]:
    """``market.yaml`` and every file it names: each problem found (not just the first), or none."""
    from ._market.config import check_calendar_names, load_file_source, load_fx_file
    from .market import market_config

    try:
        cfg = market_config(params)
    except WealthError as exc:
        return _as_list(exc)
    out: list[WealthError] = list(check_calendar_names(cfg))
    if out:
        return out
    for entry in cfg.files:
        _, found = load_file_source(cfg, entry, collect=True)
        out += found
    for entry in cfg.fx_files:
        try:
            load_fx_file(cfg, entry)
        except WealthError as exc:
            out += _as_list(exc)
    if not out:
        try:
            from .market import configured_market

            configured_market(params)
        except WealthError as exc:
            out += _as_list(exc)
    return out
