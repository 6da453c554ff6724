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
