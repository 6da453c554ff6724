"""The ``hf-datasets`` exporter: a Hugging Face ``datasets`` folder with a dataset card.

``out`` is a folder written by ``Dataset.save_to_disk`` (``load_from_disk`` reads it
back); with ``split`` one folder per side. Columns: ``id``, ``domain``, ``messages``
and ``tools`` (lists of ``datasets.Json`` values: every message and tool schema comes
back exactly as written, with no keys added by Arrow's type unification) and
``provenance`` (``Json``, null unless asked for). Messages have the shape of the
``openai`` export with arguments as objects by default, so ``apply_chat_template``
and TRL take a row as it is. Each folder gets a ``README.md`` dataset card: counts,
domains, models per role, the licence, and a warning when any record came from
``sim/…`` models. Needs ``datasets`` 5 or later.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from apigen.errors import ConfigError
from apigen.export._base import Exporter, Sink, register_exporter
from apigen.export._convert import Conversation, chat_messages

__all__ = ["DatasetsExporter"]


def _features() -> Any:
    try:
        from datasets import Features, Json, List, Value
    except ImportError:
        raise ConfigError(
            "needs the `datasets` package, version 5 or later (pip install 'datasets>=5')",
            field="--format hf-datasets",
        ) from None
    return Features(
        {
            "id": Value("string"),
            "domain": Value("string"),
            "messages": List(Json()),
            "tools": List(Json()),
            "provenance": Json(),
        }
    )


class _DatasetSink:
    """Rows held until ``close``, then saved with ``save_to_disk``."""

    def __init__(self, path: Path, features: Any) -> None:
        self._path = path
        self._features = features
        self._rows: list[dict[str, Any]] | None = []

    def write(self, item: Any) -> None:
        assert self._rows is not None, "sink closed"
        self._rows.append(item)

    def close(self) -> None:
        """Save once; a second call (the cleanup after a failure) does nothing."""
        import datasets

        if self._rows is None:
            return
        rows, self._rows = self._rows, None
        quiet = datasets.are_progress_bars_disabled()
        datasets.disable_progress_bars()  # the CLI prints its own summary
        try:
            ds = datasets.Dataset.from_list(rows, features=self._features)
            ds.save_to_disk(str(self._path))
        finally:
            if not quiet:
                datasets.enable_progress_bars()


@register_exporter
class DatasetsExporter(Exporter):
    """A ``datasets`` folder (``save_to_disk``) with a dataset card per split."""

    name = "hf-datasets"
    description = "Hugging Face datasets folder (save_to_disk) with a dataset card."
    suffix = ""
    writes_folder = True

    def __init__(self, options: Any) -> None:
        super().__init__(options)
        self._features = _features()
        self.domains: Counter[str] = Counter()
        self.models: dict[str, set[str]] = {}

    def encode(self, conv: Conversation) -> Any:
        self.domains[conv.domain] += 1
        for role, names in ((conv.provenance or {}).get("models") or {}).items():
            self.models.setdefault(role, set()).update(names)
        o = self.options
        weights = o.train_on != "all" or o.per_turn
        return {
            "id": conv.id,
            "domain": conv.domain,
            "messages": chat_messages(
                conv, arguments=self.arguments, reasoning="field", weights=weights
            ),
            "tools": list(conv.tools),
            "provenance": conv.provenance if o.provenance else None,
        }

    def sink(self, path: Path) -> Sink:
        return _DatasetSink(path, self._features)

    def finish(self, files: dict[str, Path]) -> list[Path]:
        from datasets import load_from_disk

        counts = {k: len(load_from_disk(str(p))) for k, p in files.items()}
        cards = []
        for path in files.values():
            card = path / "README.md"
            card.write_text(self.card(path.name, counts), "utf-8")
            cards.append(card)
        return cards

    def card(self, name: str, counts: dict[str, int]) -> str:
        """The dataset card (Markdown with the Hub's YAML header)."""
        total = sum(counts.values())
        size = "n<1K" if total < 1000 else "1K<n<10K" if total < 10_000 else "10K<n<100K"
        licence = self.options.license or "other"
        lines = [
            "---",
            f"license: {licence}",
            "task_categories:\n- text-generation",
            "tags:\n- tool-use\n- function-calling\n- synthetic\n- apigen-mt",
            f"size_categories:\n- {size}",
            "---",
            "",
            f"# {name}",
            "",
            "Multi-turn tool-use conversations synthesised and verified by apigen "
            "(APIGen-MT, arXiv 2504.03601): a simulated human and an agent role-play "
            "validated task blueprints in a sandbox; only trajectories the verifiers "
            "accepted are exported unless the export said otherwise.",
            "",
        ]
        sim = sorted({m for names in self.models.values() for m in names if m.startswith("sim/")})
        if sim:
            lines += [
                "> **Warning:** records came from the built-in `sim/…` models "
                f"({', '.join(sim)}): scripted stand-ins for tests and demos, not "
                "language models. Do not train on them.",
                "",
            ]
        lines += ["## Counts", "", "| split | records |", "|---|---|"]
        lines += [f"| {k} | {n} |" for k, n in counts.items()]
        lines += ["", "| domain | records |", "|---|---|"]
        lines += [f"| {d} | {n} |" for d, n in sorted(self.domains.items())]
        lines += ["", "## Models per role", ""]
        if self.models:
            lines += ["| role | models |", "|---|---|"]
            lines += [
                f"| {role} | {', '.join(sorted(names))} |"
                for role, names in sorted(self.models.items())
            ]
        else:
            lines.append("Not recorded for these records.")
        o = self.options
        lines += [
            "",
            "## Format",
            "",
            "Columns `id`, `domain`, `messages` (OpenAI chat messages; tool-call "
            f"arguments as {self.arguments}s; `name` on tool messages), `tools` (OpenAI "
            "function definitions) and `provenance`. Load with "
            "`datasets.load_from_disk`; pass `messages` and `tools` to "
            "`tokenizer.apply_chat_template` as they are.",
            "",
            f"Export options: reasoning {o.reasoning}, parallel calls {o.parallel}, "
            f"call ids {o.call_ids}, train on {o.train_on}"
            f"{', one record per assistant turn' if o.per_turn else ''}, "
            f"seed {o.seed}, distractors {o.distractors}.",
            "",
            f"## Licence\n\n{licence}",
            "",
        ]
        return "\n".join(lines)
