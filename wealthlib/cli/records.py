"""``wealth accept``: the client's decision about a proposal, recorded in the records store
(:mod:`wealthlib.records`); the advisor's client YAML is never rewritten."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import typer

from ..errors import InputError
from .common import CLIENT, load_client, load_policy, out, state


def register(app: typer.Typer) -> None:
    app.command()(accept)


def accept(
    client: str = CLIENT,
    proposal: Path = typer.Option(..., "--proposal", help="The signed proposal PDF the client decided about."),
    on: str = typer.Option(..., "--date", help="The date the client decided (YYYY-MM-DD)."),
    declined: Optional[str] = typer.Option(None, "--declined", help="The client declined; the reason, in words."),
) -> None:
    """Record that CLIENT accepted the proposal (its audit hash and target weights become the agreed target
    reviews measure drift against), or declined it with a reason. Appended to the records store
    (``<params>/records.sqlite``, or WEALTH_RECORDS=sqlite:///…)."""
    from ..guard.archive import archive_folder
    from ..guard.signing import firm_certificate
    from ..records import index_archive, open_store, proposal_decision

    try:
        decided_on = date.fromisoformat(on)
    except ValueError:
        raise InputError("--date", "", "not a date in YYYY-MM-DD form") from None
    c = load_client(client)
    policy = load_policy()
    decision, sha = proposal_decision(proposal, c.id, decided_on=decided_on, declined=declined,
                                      firm_cert=firm_certificate(policy, state.params))
    with open_store(state.params) as store:
        index_archive(store, archive_folder(policy, state.params))
        store.record(decision, source_sha256=sha)
    out.print(f"recorded: {c.id} {decision.decision} proposal {decision.proposal_hash[:16]} "
              f"({decision.proposal_as_of}) on {decision.decided_on} in {store.path}", markup=False)
