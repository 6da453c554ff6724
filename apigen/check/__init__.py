"""Check the configured models before paying for a run (``apigen models check``).

Contract
--------
``await check_models(settings, *, roles=None) -> list[ModelCheck]``
    For every role (``roles``, default every role of ``settings.models``) and every
    model configured for it, ONE probe through the role's real prompt and parser,
    on the first curated blueprint of ``settings.domain`` in its pristine
    environment (``settings.state_seed``). Each model is probed alone: a client whose
    role has only that model and no fallback, other roles as configured. Probes:

    - ``generator``: one phase-1 attempt, no feedback round, stage ``format``: the
      answer parses as a blueprint (:func:`apigen.blueprints.parse_generation`).
    - ``reviewer``: one attempt with the ``sim/generator`` writing the blueprint
      and the stages up to ``review``, the model the only member: its answer reads
      as scores (:func:`apigen.committee.parse_answer`), no abstention.
    - ``human``: the human simulator's prompt (:func:`apigen.rollout.flipped_view`):
      a non-empty message.
    - ``agent``: the domain policy, the human's opening (the configured human
      model's) and the domain's tools: no malformed tool call and either text or
      a tool call.
    - ``judge``: the trajectory judge's prompt on that short conversation: the
      answer reads as scores of ``rollout.criteria`` on 0-1.
    - any other role (``feedback``, plug-ins): a one-line request; non-empty text.

    A :class:`ModelCheck` holds role, model, ``ok``, the one-line ``reason`` when
    not ok, latency (seconds), prompt/completion tokens, cost (``None`` when
    unpriced) and ``dropped`` (the role's parameters the provider does not take, as
    :mod:`apigen.llm` drops them). A provider failure is a failed check with its
    kind, never an exception.

``register_probe(role)`` (decorator) adds or replaces the probe of a role: an async
function ``(ProbeInput) -> Probed``.
"""

from apigen.check._probes import ModelCheck, Probed, ProbeInput, check_models, register_probe

__all__ = ["ModelCheck", "ProbeInput", "Probed", "check_models", "register_probe"]
