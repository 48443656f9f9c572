"""Risk profiling: questionnaires, scoring, tolerance vs capacity, class ladder, flags, KYC expiry.

Questionnaires are package data (``wealthlib/data/questionnaires/<name>.yaml``). Each item belongs to one
*dimension*; the firm questionnaire scores ``tolerance`` (willingness) and ``capacity`` (ability to bear
losses) separately (DOMAIN.md §2). A dimension's class is ``policy.active.for_share(score / max_score)``: the
cut-offs live in the policy file, never here. The class used is the lower of the two, then:

1. capped at the ladder's ``elderly_max_class`` for clients aged ``policy.kyc.elderly_age`` or more;
2. replaced by a documented override when the client file carries one (recorded and flagged).

Consistency flags (SITCA robo-advice rules ask for such a mechanism) read questionnaire items by their
``role`` tag, so wording and ids can change without touching code. "High" tolerance means the tolerance
class sits in the upper half of the ladder (tw3: aggressive; cn5: C4, C5); "low" capacity the lower half
(tw3: conservative; cn5: C1, C2).

The Grable & Lytton (1999) 13-item scale is shipped as ``grable_lytton``; :func:`score_grable_lytton` scores
it from the published grid. Its bands map to a firm's ladder through ``policy.grable_lytton_map``. It measures
tolerance only, so a client profiled with it gets capacity equal to tolerance and a ``capacity_not_assessed``
flag.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._yaml import as_error, load_yaml_text, validate_model
from .clients import Client, Override
from .errors import InputError

if TYPE_CHECKING:
    from .policy import Policy

__all__ = [
    "Answer", "Flag", "GrableLyttonResult", "Item", "Questionnaire", "RiskProfile", "GL_BANDS",
    "grable_lytton_band", "kyc_expiry", "load_questionnaire", "profile_client", "score_answers",
    "score_grable_lytton",
]

Locale = Literal["en", "zh-TW", "zh-CN"]
Text = dict[Locale, str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Answer(_Strict):
    key: str = Field(pattern=r"^[a-z]$")
    points: int
    text: Text


class Item(_Strict):
    id: str
    dimension: str
    role: str | None = None
    text: Text
    answers: list[Answer] = Field(min_length=2)

    @model_validator(mode="after")
    def _keys_unique(self) -> "Item":
        keys = [a.key for a in self.answers]
        if len(set(keys)) != len(keys):
            raise ValueError(f"item {self.id}: answer keys must be unique, got {keys}")
        return self

    @property
    def keys(self) -> list[str]:
        return [a.key for a in self.answers]

    def points(self, key: str) -> int:
        for a in self.answers:
            if a.key == key:
                return a.points
        raise KeyError(key)

    @property
    def min_points(self) -> int:
        return min(a.points for a in self.answers)

    @property
    def max_points(self) -> int:
        return max(a.points for a in self.answers)


class Questionnaire(_Strict):
    id: str
    version: str
    title: Text
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_unique(self) -> "Questionnaire":
        ids = [i.id for i in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("item ids must be unique")
        roles = [i.role for i in self.items if i.role]
        if len(set(roles)) != len(roles):
            raise ValueError("item roles must be unique")
        return self

    @property
    def dimensions(self) -> list[str]:
        out: list[str] = []
        for i in self.items:
            if i.dimension not in out:
                out.append(i.dimension)
        return out

    def item(self, item_id: str) -> Item:
        for i in self.items:
            if i.id == item_id:
                return i
        raise KeyError(item_id)

    def by_role(self, role: str) -> Item | None:
        for i in self.items:
            if i.role == role:
                return i
        return None

    def max_scores(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in self.items:
            out[i.dimension] = out.get(i.dimension, 0) + i.max_points
        return out


@lru_cache(maxsize=None)
def load_questionnaire(name: str) -> Questionnaire:
    """A questionnaire shipped in ``wealthlib/data/questionnaires/<name>.yaml``."""
    if not name.replace("_", "").replace("-", "").isalnum():
        raise InputError("questionnaire", "", f"{name!r} is not a questionnaire name")
    folder = resources.files("wealthlib") / "data" / "questionnaires"
    ref = folder / f"{name}.yaml"
    source = f"wealthlib/data/questionnaires/{name}.yaml"
    if not ref.is_file():
        known = sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))
        raise InputError(source, "", f"no questionnaire {name!r}; shipped: {', '.join(known)}")
    data = load_yaml_text(ref.read_text(encoding="utf-8"), source)
    q = validate_model(Questionnaire, data, source)
    if q.id != name:
        raise InputError(source, "id", f"must equal the file name {name!r}, got {q.id!r}")
    return q


def score_answers(q: Questionnaire, answers: Mapping[str, str], source: str = "answers") -> dict[str, int]:
    """Points per dimension. Every item must be answered with one of its keys; unknown items are errors."""
    errors: list[InputError] = []
    known = {i.id for i in q.items}
    for n, item_id in enumerate(answers, 1):
        if item_id not in known:  # its name is not echoed: a field name can be client data
            errors.append(InputError(source, f"kyc.answers (position {n})", f"not an item of questionnaire {q.id}"))
    scores = {d: 0 for d in q.dimensions}
    for item in q.items:
        key = answers.get(item.id)
        if key is None:
            errors.append(InputError(source, f"kyc.answers.{item.id}", f"is required (questionnaire {q.id})"))
            continue
        key_s = str(key).strip().lower()
        if key_s not in item.keys:
            errors.append(InputError(
                source, f"kyc.answers.{item.id}", f"answer must be one of {', '.join(item.keys)}"
            ))
            continue
        scores[item.dimension] += item.points(key_s)
    if errors:
        raise as_error(errors)
    return scores


# --- Grable & Lytton ----------------------------------------------------------------------------------------

GL_BANDS: tuple[tuple[int, str], ...] = (
    (18, "low"), (22, "below average"), (28, "average"), (32, "above average"), (10**9, "high"),
)


def grable_lytton_band(score: int) -> str:
    """Published bands: ≤18 low, 19–22 below average, 23–28 average, 29–32 above average, ≥33 high."""
    for upper, band in GL_BANDS:
        if score <= upper:
            return band
    raise AssertionError("unreachable")


class GrableLyttonResult(_Strict):
    score: int
    band: Literal["low", "below average", "average", "above average", "high"]


def score_grable_lytton(answers: Sequence[str]) -> GrableLyttonResult:
    """Score the 13 answers (``'a'``…``'d'``, item 1 first) with the published grid."""
    q = load_questionnaire("grable_lytton")
    if isinstance(answers, str):
        answers = list(answers)
    if len(answers) != len(q.items):
        raise ValueError(f"Grable–Lytton needs {len(q.items)} answers, one per item, got {len(answers)}")
    total = 0
    for n, (item, key) in enumerate(zip(q.items, answers), start=1):
        k = str(key).strip().lower()
        if k not in item.keys:
            raise ValueError(f"Grable–Lytton item {n}: answer must be one of {', '.join(item.keys)}, got {key!r}")
        total += item.points(k)
    return GrableLyttonResult(score=total, band=grable_lytton_band(total))  # type: ignore[arg-type]


# --- profiles -----------------------------------------------------------------------------------------------


class Flag(_Strict):
    """Something the advisor must see, printed in the proposal."""

    code: str
    message: Text


_FLAG_TEXT: dict[str, dict[str, str]] = {
    "short_horizon_high_tolerance": {
        "en": "Short horizon ({horizon}) but high risk tolerance: confirm the client understands the money may be needed before a loss can be recovered.",
        "zh-TW": "投資期間短（{horizon}）但風險容忍度高：請確認客戶了解資金可能在虧損回復前就需動用。",
        "zh-CN": "投资期限短（{horizon}）但风险承受意愿高：请确认客户了解资金可能在亏损恢复前就需动用。",
    },
    "no_experience_aggressive": {
        "en": "No investment experience but an aggressive choice: explain the risks before any purchase.",
        "zh-TW": "無投資經驗卻選擇積極的答案：申購前請詳細說明風險。",
        "zh-CN": "无投资经验却选择激进的答案：购买前请详细说明风险。",
    },
    "low_capacity_high_tolerance": {
        "en": "Low capacity to bear losses ({capacity}) but high tolerance ({tolerance}): the lower class applies.",
        "zh-TW": "承受損失的能力低（{capacity}）但風險容忍度高（{tolerance}）：以較低等級為準。",
        "zh-CN": "承受损失的能力低（{capacity}）但风险承受意愿高（{tolerance}）：以较低等级为准。",
    },
    "loss_tolerance_vs_gamble": {
        "en": "Stated loss tolerance and the choice between outcomes disagree: discuss with the client and re-ask if needed.",
        "zh-TW": "可承受損失的回答與報酬選擇題不一致：請與客戶討論，必要時重新填答。",
        "zh-CN": "可承受亏损的回答与收益选择题不一致：请与客户沟通，必要时重新填答。",
    },
    "elderly_cap": {
        "en": "Client is {age} (elderly from {elderly_age}): class capped from {computed} to {capped}.",
        "zh-TW": "客戶 {age} 歲（{elderly_age} 歲以上為高齡客戶）：等級由 {computed} 調降為上限 {capped}。",
        "zh-CN": "客户 {age} 岁（{elderly_age} 岁及以上为高龄客户）：等级由 {computed} 下调至上限 {capped}。",
    },
    "override_above_computed": {
        "en": "Override to {override}, above the assessed {assessed}, by {by} on {date}. Reason: {reason}",
        "zh-TW": "經 {by} 於 {date} 調整為 {override}，高於評估結果 {assessed}。理由：{reason}",
        "zh-CN": "经 {by} 于 {date} 调整为 {override}，高于评估结果 {assessed}。理由：{reason}",
    },
    "override": {
        "en": "Override to {override} (assessed {assessed}) by {by} on {date}. Reason: {reason}",
        "zh-TW": "經 {by} 於 {date} 調整為 {override}（評估結果 {assessed}）。理由：{reason}",
        "zh-CN": "经 {by} 于 {date} 调整为 {override}（评估结果 {assessed}）。理由：{reason}",
    },
    "kyc_expired": {
        "en": "KYC of {kyc_date} expired on {expiry}: reassess before any new proposal.",
        "zh-TW": "{kyc_date} 的風險屬性評估已於 {expiry} 到期：提出新建議前須重新評估。",
        "zh-CN": "{kyc_date} 的风险测评已于 {expiry} 过期：提出新建议前须重新测评。",
    },
    "capacity_not_assessed": {
        "en": "Questionnaire {questionnaire} measures tolerance only; capacity was not assessed separately.",
        "zh-TW": "問卷 {questionnaire} 僅衡量風險容忍度，未另行評估風險承受能力。",
        "zh-CN": "问卷 {questionnaire} 仅衡量风险承受意愿，未另行评估风险承受能力。",
    },
}


def _flag(code: str, policy: "Policy | None" = None, class_args: tuple[str, ...] = (), **fmt: object) -> Flag:
    """A flag with its text in every locale; ``class_args`` name fmt keys holding class codes to localize."""
    msg: dict[str, str] = {}
    for loc, template in _FLAG_TEXT[code].items():
        args = {k: (v[loc] if isinstance(v, dict) else v) for k, v in fmt.items()}
        if policy is not None:
            for k in class_args:
                args[k] = policy.active.get(str(fmt[k])).name(loc)
        msg[loc] = template.format(**args)
    return Flag(code=code, message=msg)  # type: ignore[arg-type]


def kyc_expiry(kyc_date: date, months: int) -> date:
    """``months`` calendar months after ``kyc_date`` (day clipped to the month's end: 2018-01-31 + 1 → 02-28).

    The assessment is valid up to and including this date; on the day after it has expired.
    """
    m = kyc_date.month - 1 + months
    year, month = kyc_date.year + m // 12, m % 12 + 1
    return date(year, month, min(kyc_date.day, calendar.monthrange(year, month)[1]))


class RiskProfile(_Strict):
    client_id: str
    as_of: date
    policy_version: str
    ladder: str
    questionnaire: str
    questionnaire_version: str
    scores: dict[str, int]
    max_scores: dict[str, int]
    tolerance_class: str
    capacity_class: str
    computed_class: str
    final_class: str
    override: Override | None = None
    flags: list[Flag] = Field(default_factory=list)
    ceiling: int
    kyc_date: date
    kyc_expiry: date
    kyc_expired: bool

    def class_name(self, policy: "Policy", locale: str) -> str:
        """The final class in the client's words (``穩健型``)."""
        return policy.ladders[self.ladder].get(self.final_class).name(locale)

    @property
    def flag_codes(self) -> list[str]:
        return [f.code for f in self.flags]


def _share(item_points: int, item) -> float:  # type: ignore[no-untyped-def]
    span = item.max_points - item.min_points
    return (item_points - item.min_points) / span if span else 0.0


def check_kyc_date(client: Client, as_of: date) -> None:
    """A KYC assessment dated after ``as_of`` did not exist on that date: an :class:`InputError` on ``kyc.date``.

    A profile, an allocation or a proposal as of a date cannot rest on a later assessment (``wealth profile``,
    ``allocate``, ``propose`` and :func:`wealthlib.context.advise` check it). A quarterly review, written after
    its quarter end, shows the current KYC and does not; nor does :func:`profile_client` itself, which answers
    "what would these answers give on that date" (age boundaries, what-ifs).
    """
    if client.kyc.date > as_of:
        raise InputError(client.source or client.id, "kyc.date", f"is after the as-of date {as_of}: "
                         "an assessment made later cannot profile the client on that date")


def check_assessment_counts(client: Client, policy: "Policy") -> None:
    """The assessments the client file records (``kyc`` and ``kyc.history``) within the policy's limits: at most
    ``kyc.max_assessments_per_day`` on one date and ``kyc.max_assessments_12m`` in any 12 months; else an
    :class:`InputError` naming the client file and ``kyc.history`` (no date quoted: it is client data)."""
    rules = policy.kyc
    if rules.max_assessments_per_day is None and rules.max_assessments_12m is None:
        return
    dates = sorted([client.kyc.date, *(k.date for k in client.kyc.history)])
    source = client.source or client.id
    if rules.max_assessments_per_day is not None:
        if any(dates.count(d) > rules.max_assessments_per_day for d in set(dates)):
            raise InputError(source, "kyc.history", f"records more than {rules.max_assessments_per_day} "
                             "assessments on one day (policy kyc.max_assessments_per_day)")
    if rules.max_assessments_12m is not None:
        for i, start in enumerate(dates):
            end = kyc_expiry(start, 12)  # the 12 months from this assessment, the day of its anniversary excluded
            if sum(1 for d in dates[i:] if d < end) > rules.max_assessments_12m:
                raise InputError(source, "kyc.history", f"records more than {rules.max_assessments_12m} "
                                 "assessments in 12 months (policy kyc.max_assessments_12m)")


def profile_client(client: Client, policy: "Policy", as_of: date) -> RiskProfile:
    """Score the client's KYC answers and apply the policy: classes, caps, override, flags, expiry."""
    source = client.source or client.id
    check_assessment_counts(client, policy)
    ladder = policy.active
    try:
        q = load_questionnaire(client.kyc.questionnaire)
    except InputError as exc:
        if exc.field:  # the questionnaire file itself is broken: that is not the client's fault
            raise
        from .clients import shipped_questionnaires  # the name given is not echoed: it is the client file's

        raise InputError(source, "kyc.questionnaire",
                         f"is not a shipped questionnaire ({', '.join(shipped_questionnaires())})") from None
    scores = score_answers(q, client.kyc.answers, source)
    maxima = q.max_scores()
    flags: list[Flag] = []
    answers = {k: str(v).strip().lower() for k, v in client.kyc.answers.items()}

    if q.id == "grable_lytton":
        gl = score_grable_lytton([answers[i.id] for i in q.items])
        mapping = policy.grable_lytton_map.get(policy.ladder)
        if mapping is None or gl.band not in mapping:
            raise InputError(policy.source or "policy", f"grable_lytton_map.{policy.ladder}",
                             f"no class for Grable–Lytton band {gl.band!r}")
        tolerance = capacity = mapping[gl.band]
        flags.append(_flag("capacity_not_assessed", questionnaire=q.id))
    else:
        for dim in ("tolerance", "capacity"):
            if dim not in scores:
                raise InputError(f"wealthlib/data/questionnaires/{q.id}.yaml", "items",
                                 f"questionnaire has no {dim} items")
        tolerance = ladder.for_share(scores["tolerance"] / maxima["tolerance"]).code
        capacity = ladder.for_share(scores["capacity"] / maxima["capacity"]).code
    computed = ladder.lower(tolerance, capacity)

    # consistency checks
    n = len(ladder.classes)
    high_tol = ladder.rank(tolerance) > (n - 1) / 2
    low_cap = ladder.rank(capacity) < (n - 1) / 2

    def role(r: str) -> tuple[object, float] | None:
        item = q.by_role(r)
        if item is None or item.id not in answers:
            return None
        return item, _share(item.points(answers[item.id]), item)

    horizon = role("horizon")
    if horizon is not None and high_tol and horizon[1] < 0.5:
        item = horizon[0]
        chosen = next(a.text for a in item.answers if a.key == answers[item.id])  # type: ignore[attr-defined]
        flags.append(_flag("short_horizon_high_tolerance", horizon=chosen))
    years, pref, gamble, loss = role("experience_years"), role("risk_preference"), role("gamble"), role("loss_tolerance")
    if years is not None and years[1] == 0.0 and any(x is not None and x[1] == 1.0 for x in (pref, gamble)):
        flags.append(_flag("no_experience_aggressive"))
    if high_tol and low_cap:
        flags.append(_flag("low_capacity_high_tolerance", policy, ("capacity", "tolerance"),
                           capacity=capacity, tolerance=tolerance))
    if loss is not None and gamble is not None and abs(loss[1] - gamble[1]) >= 0.5:
        flags.append(_flag("loss_tolerance_vs_gamble"))

    # elderly cap
    assessed = computed
    age = client.age(as_of)
    cap = ladder.elderly_max_class
    if cap is not None and client.is_elderly(as_of, policy.kyc.elderly_age) and ladder.rank(computed) > ladder.rank(cap):
        flags.append(_flag("elderly_cap", policy, ("computed", "capped"), age=age,
                           elderly_age=policy.kyc.elderly_age, computed=computed, capped=cap))
        assessed = cap

    # override
    final = assessed
    ov = client.kyc.override
    if ov is not None:
        policy.check_class(ov.risk_class, source, "kyc.override.risk_class")
        if not policy.kyc.upward_override and ladder.rank(ov.risk_class) > ladder.rank(assessed):
            raise InputError(source, "kyc.override.risk_class",
                             f"names a class above the assessed one; {policy.source or 'the policy'} "
                             "(kyc.upward_override: false) allows no upward change of a client's class by staff "
                             "— the client is reassessed instead")
        code = "override_above_computed" if ladder.rank(ov.risk_class) > ladder.rank(assessed) else "override"
        flags.append(_flag(code, policy, ("override", "assessed"), override=ov.risk_class, assessed=assessed,
                           by=ov.by, date=ov.date.isoformat(), reason=ov.reason))
        final = ov.risk_class

    expiry = kyc_expiry(client.kyc.date, policy.kyc.validity_months)
    expired = as_of > expiry  # valid up to and including the expiry date
    if expired:
        flags.append(_flag("kyc_expired", kyc_date=client.kyc.date.isoformat(), expiry=expiry.isoformat()))

    return RiskProfile(
        client_id=client.id, as_of=as_of, policy_version=policy.version, ladder=policy.ladder,
        questionnaire=q.id, questionnaire_version=q.version, scores=scores, max_scores=maxima,
        tolerance_class=tolerance, capacity_class=capacity, computed_class=computed, final_class=final,
        override=ov, flags=flags, ceiling=ladder.get(final).max_grade,
        kyc_date=client.kyc.date, kyc_expiry=expiry, kyc_expired=expired,
    )

