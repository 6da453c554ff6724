"""Diversity of generated tasks: near-duplicate instructions and corpus-level measures.

Contract
--------
Exact repeats are caught by a blueprint's action fingerprint (``dedup``); this
package sees what fingerprints miss: two tasks worded almost alike over different
ids, and a corpus that keeps asking for the same few things. No model (numpy for
the signatures), deterministic (hashes are seeded BLAKE2, not Python's salted ``hash``).

``shingles(text, n=3) -> frozenset[str]``
    Word ``n``-grams of ``text`` lower-cased, punctuation dropped, **ids, numbers
    and e-mails masked** as ``<id>`` (``#W2378156``, ``user_12``, ``54.04``) and
    capitalised words inside a sentence (names) as ``<name>``, so the same request
    by another person about another order counts as the same wording.
``MinHash(num_perm=64, seed=0)``
    ``signature(shingles) -> tuple[int, ...]``; ``similarity(a, b)`` estimates
    Jaccard similarity from two signatures.
``NearDuplicates(threshold=0.8, bands=16)``
    An LSH index: ``add(key, text) -> str | None`` returns the key of an earlier
    text whose estimated similarity is >= ``threshold`` (then ``key`` is not
    added), else adds it and returns ``None``.
``Diversity`` / ``measure(instructions, write_sequences, tools_used, tools_offered)``
    The corpus numbers ``apigen stats`` and the report show: distinct write
    sequences, tool coverage (tools used / tools the domain's graph offers),
    distinct-2 of instructions (distinct word bigrams / bigrams), and
    near-duplicate instructions (how many are near an earlier one).
"""

from apigen.diversity._measure import Diversity, distinct_ngrams, measure
from apigen.diversity._minhash import MinHash, NearDuplicates, shingles

__all__ = ["Diversity", "MinHash", "NearDuplicates", "distinct_ngrams", "measure", "shingles"]
