"""Near-duplicate instructions and diversity measures, on a real task corpus (tau2)."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from apigen.diversity import MinHash, NearDuplicates, distinct_ngrams, measure, shingles

CORPUS = Path(__file__).parents[1] / "data" / "corpora" / "tau2_airline_claude" / "simulations.json"


def tau2_instructions() -> list[str]:
    """What each tau2 airline task tells its simulated user (known info, then the reason)."""
    tasks = json.loads(CORPUS.read_text(encoding="utf-8"))["tasks"]
    out = []
    for task in tasks:
        said = task["user_scenario"]["instructions"]
        out.append(" ".join(x for x in (said.get("known_info"), said.get("reason_for_call")) if x))
    return out


def test_near_duplicates_in_a_real_corpus_are_the_variant_tasks() -> None:
    texts = tau2_instructions()
    index = NearDuplicates()
    found = [(k, index.add(str(k), t)) for k, t in enumerate(texts)]
    pairs = [(k, int(o)) for k, o in found if o is not None]
    assert pairs  # tau2 holds variants of one scenario (the same user, the same request)
    for k, o in pairs:  # each flagged pair is near-identical text, by an independent measure
        assert difflib.SequenceMatcher(None, texts[k], texts[o]).ratio() > 0.8
    assert len(pairs) <= len(texts) // 10  # the rest of the corpus is distinct tasks


def test_another_person_and_other_ids_do_not_hide_a_repeat() -> None:
    a = (
        "You are Yusuf Rossi (yusuf.rossi7301@example.com). You want to cancel order "
        "#W2378156 because you ordered it by mistake, and you want the refund on your card."
    )
    b = (
        "You are Mei Kovacs (mei.kovacs8020@example.com). You want to cancel order "
        "#W6390527 because you ordered it by mistake, and you want the refund on your card."
    )
    c = (
        "You are Mei Kovacs (mei.kovacs8020@example.com). You want to exchange the water "
        "bottle in order #W6390527 for the 1000ml one and pay the difference by gift card."
    )
    index = NearDuplicates()
    assert [index.add(k, t) for k, t in (("a", a), ("b", b), ("c", c))] == [None, "a", None]
    m = MinHash()
    assert m.similarity(m.signature(shingles(a)), m.signature(shingles(b))) == 1.0


def test_measures_of_a_small_corpus() -> None:
    assert distinct_ngrams(["a b a b", "a b c"]) == round(3 / 5, 4)
    assert distinct_ngrams([""]) is None
    d = measure(
        ["Cancel order #W1 please.", "Cancel order #W2 please.", "Exchange the lamp in #W3."],
        [["cancel"], ["cancel"], ["exchange", "modify"]],
        ["find", "cancel", "exchange", "modify"],
        ["find", "cancel", "exchange", "modify", "return", "get"],
    )
    assert d.distinct_write_sequences == 2
    assert (d.tools_used, d.tools_offered, d.tool_coverage) == (4, 6, round(4 / 6, 4))
    assert d.near_duplicate_instructions == 1
