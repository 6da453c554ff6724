"""No secret reaches the database: run configs are redacted before they are stored."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr
from sqlalchemy import text

from apigen.store import Store
from apigen.store._redact import redact_config, redact_text

SECRETS = ("sk-live-123", "hunter2", "tok-abc", "s3cr3t", "pg-pass", "qpass", "Bearer xyz")


class Provider(BaseModel):
    model: str
    api_key: SecretStr


def config() -> dict[str, object]:
    return {
        "agent": {"model": "gpt-4o", "api_key": "sk-live-123", "max_tokens": 512},
        "judges": [{"model": "claude", "auth_token": "tok-abc"}],
        "password": "hunter2",
        "client_secret": "s3cr3t",
        "database_url": "postgresql+psycopg://apigen:pg-pass@db:5432/apigen",
        "notes": "mirror at https://u:qpass@example.com/x and sqlite:///runs/a.db",
        "headers": {"Authorization": "Bearer xyz"},
        "provider": Provider(model="m", api_key=SecretStr("sk-live-123")),
        "seed": 3,
        "keys_used": None,
    }


def test_redact_config() -> None:
    out = redact_config(config())
    assert out["agent"] == {"model": "gpt-4o", "api_key": "***", "max_tokens": 512}
    assert out["judges"] == [{"model": "claude", "auth_token": "***"}]
    assert out["password"] == out["client_secret"] == "***"
    assert out["database_url"] == "postgresql+psycopg://apigen:***@db:5432/apigen"
    assert out["notes"] == "mirror at https://u:***@example.com/x and sqlite:///runs/a.db"
    assert out["headers"] == {"Authorization": "***"}
    assert out["provider"] == {"model": "m", "api_key": "***"}
    assert (out["seed"], out["keys_used"]) == (3, None)


def test_redact_text_query_parameters() -> None:
    dsn = "host=db user=x password=pw1 sslmode=require"
    assert redact_text(dsn) == "host=db user=x password=*** sslmode=require"
    assert redact_text("https://h/x?api_key=abc&y=1") == "https://h/x?api_key=***&y=1"


def test_no_secret_in_the_database(store: Store) -> None:
    store.start_run(config(), domain="toy")
    with store.engine.connect() as conn:
        dumped = " ".join(
            str(row)
            for table in ("runs", "items")
            for row in conn.execute(text(f"SELECT * FROM {table}")).all()
        )
    assert "gpt-4o" in dumped and "***" in dumped
    for secret in SECRETS:
        assert secret not in dumped
    assert "pg-pass" not in store.url


def test_names_of_secret_variables_are_kept() -> None:
    cfg = {"endpoints": {"openai/*": {"api_key_env": "OPENAI_API_KEY", "api_key": "sk-live"}}}
    out = redact_config(cfg)
    assert out["endpoints"]["openai/*"] == {"api_key_env": "OPENAI_API_KEY", "api_key": "***"}


URL_SECRETS = {
    # issue 15: a key in an api_base query string was stored and printed verbatim
    "https://generativelanguage.googleapis.com/v1beta?key=AIzaSyQ": "?key=***",
    "https://proxy.local/v1?alt=sse&api_key=k-1": "&api_key=***",
    "https://acct.blob.core.windows.net/c?sv=2022&sig=abc%3D&se=1": "&sig=***&se=1",
    "http://h/v1?access_token=ya29.x#frag": "?access_token=***#frag",
    "Cookie: sessionid=abc; csrftoken=def": "Cookie: ***",
    "curl -H 'Authorization: Basic dXNlcjpwYXNz' http://x": "Authorization: ***'",
    "sent Bearer sk-ant-123 to the proxy": "Bearer *** to",
}


def test_secrets_in_urls_and_headers_are_redacted() -> None:
    for raw, expected in URL_SECRETS.items():
        assert expected in redact_text(raw), raw
    cfg = {
        "endpoints": {"gemini/*": {"api_base": "https://g.example/v1?key=AIzaSyQ"}},
        "headers": {"Cookie": "s=1", "Proxy-Authorization": "Basic x", "Accept": "json"},
        "extra_headers": ["Cookie: s=2"],
    }
    out = redact_config(cfg)
    assert out["endpoints"]["gemini/*"]["api_base"] == "https://g.example/v1?key=***"
    assert out["headers"] == {"Cookie": "***", "Proxy-Authorization": "***", "Accept": "json"}
    assert out["extra_headers"] == ["Cookie: ***"]


def test_runs_json_never_prints_a_url_key(store: Store) -> None:
    store.start_run(
        {"models": {"endpoints": {"x/*": {"api_base": "https://h/v1?key=AIzaSyQ"}}}},
        domain="toy",
        run_id="r1",
    )
    printed = str([r.model_dump(mode="json") for r in store.runs()])
    assert "AIzaSyQ" not in printed and "key=***" in printed
