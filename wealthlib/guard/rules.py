"""The ``guard:`` section of a firm's policy (``params/policy.yaml``): which forbidden-claim rule sets apply and
which rules only warn, the signing certificate, the archive folder, and who may see whom. Data, not code."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WordingRules(_Strict):
    """Forbidden claims: rule sets are package data ``wealthlib/data/wording/<name>.yaml``."""

    rule_sets: list[str] = Field(default_factory=lambda: ["tw", "cn", "en"],
                                 description="rule sets checked on every text a person writes into a document")
    warn: list[str] = Field(default_factory=list, description="rule ids that warn instead of refusing")

    @field_validator("rule_sets")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        from .wording import available_rule_sets

        unknown = sorted(set(v) - set(available_rule_sets()))
        if unknown:
            raise ValueError(f"unknown rule set(s) {', '.join(unknown)}; available: {', '.join(available_rule_sets())}")
        return v

    @model_validator(mode="after")
    def _warn_known(self) -> "WordingRules":
        from .wording import load_rule_set

        ids = {r.id for name in self.rule_sets for r in load_rule_set(name).rules}
        unknown = sorted(set(self.warn) - ids)
        if unknown:
            raise ValueError(f"warn: unknown rule id(s) {', '.join(unknown)}; the rule sets have {', '.join(sorted(ids))}")
        return self


class SigningRules(_Strict):
    """The firm's signing certificate (PKCS#12), relative to the params folder; the password comes from the
    environment variable ``password_env`` or, for a DEMO certificate only, ``demo_password``."""

    certificate: str | None = None
    verify_certificate: str | None = Field(default=None, description="the firm's certificate alone (PEM), what "
                                           "`wealth verify` compares a signer with (default: the one in `certificate`)")
    password_env: str = "WEALTH_SIGNING_PASSWORD"
    demo_password: str | None = None
    certificate_env: str = "WEALTH_SIGNING_CERTIFICATE"


class ArchiveRules(_Strict):
    """Where signed documents and their inputs are kept, write-once (relative to the params folder)."""

    folder: str | None = None
    folder_env: str = Field(default="WEALTH_ARCHIVE", description="environment variable that overrides `folder`")


class AccessRules(_Strict):
    """Who may see whom: an advisor sees their own clients; a supervisor sees the advisors of their branch."""

    books: str | None = Field(default=None, description="the book file (advisor id → client ids), relative to "
                              "the params folder: who owns which client, known without opening client files")
    branches: dict[str, list[str]] = Field(default_factory=dict, description="branch → advisor ids")
    supervisors: dict[str, list[str]] = Field(default_factory=dict, description="supervisor id → branches")


class GuardRules(_Strict):
    wording: WordingRules = WordingRules()
    signing: SigningRules = SigningRules()
    archive: ArchiveRules = ArchiveRules()
    access: AccessRules = AccessRules()
