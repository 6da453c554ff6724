"""``apigen envs show`` shows what a domain declares: tool declarations and framing."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from apigen.cli import app


def test_envs_show_lists_declarations_and_framing() -> None:
    result = CliRunner().invoke(app, ["envs", "show", "retail", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    declared = {t["name"]: t["declarations"] for t in shown["tools"]}
    assert declared["transfer_to_human_agents"] == {"handoff": True, "free_text": ["summary"]}
    assert declared["cancel_pending_order"] == {"confirm": True}
    assert declared["find_user_id_by_email"] == {"authenticates": True}
    assert declared["get_order_details"] == {}
    assert shown["framing"]["user_label"] == "CUSTOMER"
    text = CliRunner().invoke(app, ["envs", "show", "toy"]).output
    assert "declares: confirm" in text and "declares: authenticates" in text
