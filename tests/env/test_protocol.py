"""The conversation protocol: markers, confirmation requests and answers, identity
requests and hand-off notices, on the sim's own phrasing and on the way real agents
and users write (OpenAI / Anthropic style paraphrases, Markdown, curly quotes)."""

from __future__ import annotations

import pytest

from apigen.env import protocol


def test_markers_close_the_conversation_and_strip_cleanly() -> None:
    assert protocol.ending("Thanks, bye! ###STOP###") == "stop"
    assert protocol.ending("###TRANSFER###") == "transfer"
    assert protocol.ending("Thanks!") is None
    assert protocol.strip_markers("That's all.  ###STOP###") == "That's all."


def test_the_canonical_shapes_read_back() -> None:
    request = protocol.confirmation_request("cancel order #W1 (reason: ordered by mistake).")
    assert request == (
        "Here is what I am about to do: cancel order #W1 (reason: ordered by mistake). "
        "Do you confirm (yes/no)?"
    )
    assert protocol.asks_confirmation(request)
    assert protocol.consent(protocol.AGREE) == "yes"
    assert protocol.consent(protocol.DECLINE) == "no"


@pytest.mark.parametrize(
    "text",
    [
        "Deposit 1? (yes/no)",
        "I'll cancel reservation EHGLP3 for a refund of $169.\n\nWould you like me to proceed?",
        "**Summary**\n- New flight: HAT041\n- Total: $179\n\nShall I go ahead with this change?",
        "Should I ship order W123 to 1 Main St, Austin TX 78701?",
        "Here are the details: 2 bags, $0. Is that correct?",
        "Please confirm by replying \u201cyes\u201d to proceed with the booking.",
        "Before I make the change, please confirm: the new address is 12 Oak Lane.",
    ],
)
def test_confirmation_requests_are_recognised(text: str) -> None:
    assert protocol.asks_confirmation(text)


@pytest.mark.parametrize(
    "text",
    [
        "Could you please provide your email address?",
        "Is there anything else I can help with?",
        "I have cancelled the order. The refund goes to your gift card.",
        "What is the reason for the cancellation: no longer needed or ordered by mistake?",
        "",
    ],
)
def test_other_messages_are_no_confirmation_requests(text: str) -> None:
    assert not protocol.asks_confirmation(text)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Yes, please.", "yes"),
        ("yes", "yes"),
        ("Confirm.", "yes"),
        ("Sure, do it.", "yes"),
        ("Yes, that\u2019s correct. Please go ahead!", "yes"),
        ("OK, proceed with that.", "yes"),
        ("No.", "no"),
        ("Nope, leave it as it is.", "no"),
        ("Yes... actually don\u2019t, never mind.", "no"),
        ("That's not correct, the zip is 78702.", "no"),
        ("Hmm, let me think about it.", "unclear"),
        ("Wait, what will it cost?", "unclear"),
        ("Yes \u2014 but wait, what's the refund amount first?", "unclear"),
        ("My email is a@b.com.", "unclear"),
    ],
)
def test_consent_is_an_agreement_without_refusal_or_open_question(
    answer: str, expected: str
) -> None:
    assert protocol.consent(answer) == expected


def test_identity_requests_name_a_declared_field_or_ask_to_verify() -> None:
    fields = ["first_name", "last_name", "zip"]
    assert protocol.asks_identity("Could you tell me your name and zip code?", fields)
    assert protocol.asks_identity("May I have your e-mail?", ["email"])
    assert protocol.asks_identity("First, can you help me verify your identity?", [])
    assert not protocol.asks_identity("Your zip code is on file.", fields)
    assert not protocol.asks_identity("Which order would you like to return?", fields)


def test_a_transfer_is_announced_by_a_statement_not_a_question() -> None:
    assert protocol.announces_transfer("I have transferred you to a colleague.")
    assert protocol.announces_transfer("I'm transferring you to a human agent now. Thanks!")
    assert not protocol.announces_transfer("Shall I transfer you to a human agent?")
    assert protocol.announces_transfer("I am handing this conversation over to a specialist.")
    assert not protocol.announces_transfer("Your money transfer of $40 is done.")
    assert not protocol.announces_transfer("I have transferred $40 to account A7.")
    assert not protocol.announces_transfer("I transferred the money to your friend.")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        # τ-bench / τ²-bench style users (gpt-4 simulated): agreement without a "yes"
        ('Please cancel it with the reason "no longer needed."', "yes"),
        ("Please process the refund to the original payment method, PayPal. Thank you!", "yes"),
        ("Just make the changes for what you can.", "yes"),
        # an agreement that also asks something unrelated still tells the agent to act
        (
            "Yes, please go ahead and downgrade all of us. Can you confirm when I\u2019ll see "
            "the refund on my account?",
            "yes",
        ),
        ("Yes please, and don't charge me anything.", "yes"),
        ("No problem, go ahead.", "yes"),
        # a condition or a new question left open is no agreement
        ("Yes, but could you first tell me the total?", "unclear"),
        ("Yes, let's go with that. What would the refund be?", "unclear"),
        ("That sounds great! However, could you let me know the cost for business?", "unclear"),
        ("I'd rather not. Can I speak to a human agent?", "no"),
        ("Don't do it yet, I need to check with my wife.", "no"),
    ],
)
def test_consent_on_real_user_phrasing(answer: str, expected: str) -> None:
    assert protocol.consent(answer) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Does this sound correct? If so, I'll need the reason for cancellation.",
        "Here's the summary. Does everything look right?",
        "Would you like me to use gift card 6276644 (the one with $113 balance)?",
    ],
)
def test_more_confirmation_requests(text: str) -> None:
    assert protocol.asks_confirmation(text)


@pytest.mark.parametrize("phrasing", protocol.PHRASINGS)
def test_every_shape_of_a_phrasing_reads_as_what_it_is(phrasing: protocol.Phrasing) -> None:
    """Every request the players can write is recognised, every agreement is a "yes",
    every refusal a "no" (the sim's words are the protocol's, so the rules read them)."""
    shapes = protocol.phrasing_shapes(phrasing)
    action = "cancel pending order (order id: #W1; reason: ordered by mistake)"
    for lead in shapes.leads:
        for question in shapes.questions:
            request = protocol.confirmation_request(action, lead, question)
            assert protocol.asks_confirmation(request), request
            assert "#W1" in request and request.endswith(question)
    assert all(protocol.consent(a) == "yes" for a in shapes.agreements)
    assert all(protocol.consent(r) == "no" for r in shapes.refusals)


def test_canonical_phrasing_is_the_fixed_question_and_answers() -> None:
    shapes = protocol.phrasing_shapes("canonical")
    assert shapes.questions == (protocol.CONFIRM_QUESTION,)
    assert shapes.agreements[0] == protocol.AGREE and shapes.refusals == (protocol.DECLINE,)
    varied = protocol.phrasing_shapes("varied")
    assert len(varied.questions) >= 6 and len(varied.agreements) >= 6
