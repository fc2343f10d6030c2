"""Prose answers: the final value a complete response states without a box or marker, never a cut-off one's.

Each complete ending must pass bare, after long reasoning and after a closed thought section; the same final
sentence must not pass when the response is cut off: followed by a sentence cut mid-way, inside a thought
section that never closes, or at the token limit. ``strict`` keeps the marker-only reading.
"""

from __future__ import annotations

import pytest

from thinkforge.grading import grade_answer
from thinkforge.grading.extract import ends_complete, prose_answer, statement_value
from _math_cases import REASONING

# (gold, the final statement of a complete response): no box, no "answer is" marker.
PROSE_ENDINGS = [
    # issue #16's examples, from real reasoning-model responses
    ("5", "Therefore, the value of k is 5."),
    ("14", "So, the number of students in the club is 14."),
    ("38", "So, I'm confident that 38 is the correct answer."),
    ("13", "So the sum \\(p + q + r = 4 + 7 + 2 = 13\\)."),
    ("\\frac{\\sqrt{3}}{2}", "Hence\n\\[ \\cos^2 15^\\circ - \\sin^2 15^\\circ = \\frac{\\sqrt{3}}{2} \\]"),
    ("3x + 4y - 12 = 0", "Thus, the equation of the line is:\n\\[3x + 4y - 12 = 0\\]"),
    ("12", "So she has 12 apples left."),
    ("35", "So there are 35 different outfits."),
    ("6", "That means there are 6 girls in the class."),
    ("24.50", "So he paid \\$24.50 in total."),
    ("24.5", "So he paid $24.50 in total."),
    ("1201_3", "In base 3, the number is 1201_3."),
    ("5\\pi", "So the area of the circle is 5π."),
    ("\\pi", "So, I'm confident that $\\pi$ is the correct answer."),  # \pi is a value, $k$ a name
    ("2/3", "Therefore, the probability that Alice wins the game is 2/3."),  # MV (issue #1)
    ("12", "Therefore, there are 12 distinct arithmetic sequences that meet the three given conditions. I hope it is correct."),  # MV
    ("(7,6)", "So, the ordered pair $(x, y)$ that solves the system is $(7, 6)$."),  # MV (issue #3)
    ("100\\%", "Therefore, the minimum error in the measurement of the position increases by 100%."),  # MV
    ("2, -5", "So the roots are $2$ and $-5$."),
    ("\\{4, 9\\}", "The solutions are $\\boxed{4}$, $\\boxed{9}$."),  # several boxes are their set
    ("720", "There are 720 ways to arrange the letters.\n\nLet me know if you have any other questions!"),
    ("18", "#### 18"),
    ("8", "**8**"),
    # GSM8K-style endings (the problems' golds, sentences written for this table)
    ("18", "Therefore, Janet makes $18 every day at the farmers' market."),
    ("3", "So, the robe takes a total of 3 bolts of fiber."),
    ("70000", "So, Josh made a profit of $70,000."),
]

# (gold, final sentence) where the sentence has an answer marker; read as before, refined to its value.
MARKED_ENDINGS = [
    ("720", "I think the answer is definitely \\(720\\)."),
    ("12", "The answer is indeed 12."),
    ("120", "The answer is 3 * 40 = 120 miles."),
    ("34", "Final Answer: The largest $n$ is 34."),  # MV
    ("19", "Final Answer: The maximum number of points that could be in the domain of $f(x)$ is 19."),  # MV
    ("120", "Final Answer: The volume of $ABCDEFGH$ is 120. I hope it is correct."),  # MV (issue #7)
    ("3", "Final Answer: Jane started growing Sphere 3 hours ago. I hope it is correct."),  # MV
    ("0", "So the os then when we 9/3 we get 8 so the answer is 0"),  # LE
]

CUT = " Let me double-check this by computing the"


def _ids(rows: list[tuple[str, str]]) -> list[str]:
    return [f"{g!r}~{e[-40:]!r}" for g, e in rows]


@pytest.mark.parametrize("gold,ending", PROSE_ENDINGS + MARKED_ENDINGS, ids=_ids(PROSE_ENDINGS + MARKED_ENDINGS))
def test_complete_response_passes_bare_and_after_reasoning(gold: str, ending: str) -> None:
    for response in (ending, REASONING * 3 + "\n" + ending, "<think>\n" + REASONING * 3 + "</think>\n\n" + ending):
        verdict = grade_answer(gold, response)
        assert verdict.status == "pass", (response[-80:], verdict.extracted, verdict.detail)


UNMARKED = [row for row in PROSE_ENDINGS if "\\boxed" not in row[1]]  # a box is read wherever the response ends


@pytest.mark.parametrize("gold,ending", UNMARKED, ids=_ids(UNMARKED))
def test_same_statement_in_a_cut_off_response_never_passes(gold: str, ending: str) -> None:
    mid_sentence = grade_answer(gold, REASONING + ending + CUT)
    assert mid_sentence.status == "no_answer" and "mid-sentence" in mid_sentence.detail["reason"]
    assert grade_answer(gold, "<think>\n" + REASONING + ending).status == "truncated"
    assert grade_answer(gold, REASONING + ending, truncated=True).status == "truncated"
    assert grade_answer(gold, REASONING + ending, strict=True).status == "no_answer"


@pytest.mark.parametrize("gold,ending", MARKED_ENDINGS, ids=_ids(MARKED_ENDINGS))
def test_marked_statement_in_a_cut_off_response_never_passes(gold: str, ending: str) -> None:
    assert grade_answer(gold, "<think>\n" + REASONING + ending).status == "truncated"
    assert grade_answer(gold, REASONING + ending, truncated=True).status == "truncated"


# Real outputs: SmolLM2-135M-Instruct (the default model) on the first GSM8K and MATH-500 test problems,
# greedy, 300 new tokens (`thinkforge generate --task gsm8k|math500 --limit 6 --temperature 0 --system-prompt
# none`); long ones shortened at the front. (gold, text, finish_reason, status). The small model answers none
# right: every complete one is graded wrong (or no_answer: no value stated), every cut one truncated.
REAL_OUTPUTS = [
    ("18", "… per day.\n\nTo find the total number of dollars she makes every day, we need to add the number of eggs she lays each day and the number of days she lays each day. So, 18 eggs * 3 days = 54 eggs per day + 3 days = 62 eggs per day.\n\nSo, Janet makes 62 eggs per", "length", "truncated"),  # gsm8k/0: the gold is a stray number
    ("3", "A robe takes 2 bolts of blue fiber and 1 bolt of white fiber.", "stop", "wrong"),  # gsm8k/1
    ("70000", "… the original price and the new price: 80,000 - 80,000 = 0.000000000000000000000000000000000000000000", "length", "truncated"),  # gsm8k/2
    ("540", "…  So, James runs 1 / 3 = 1.  So, James runs 1 / 3 = 1.  So, James runs 1 / 3 = 1.  So, James runs", "length", "truncated"),  # gsm8k/3
    ("20", "The amount of feed needed to feed 20 chickens is 20 * 3 = 60 cups of feed.", "stop", "wrong"),  # gsm8k/4: 20 is a stray number
    ("64", "… do this by dividing 100 by 1. This gives us 100.\n\nSo, 100 seconds is 100% of the price. So, 100% of the price is 100.\n\nNow, we need to find out how many seconds it takes for one second to cost 100%. We can do this by dividing 100 by 1. This gives us 100.\n\nSo", "length", "truncated"),  # gsm8k/5
    # the first MATH-500 problems, same settings
    ("\\text{Evelyn}", "The student with the greatest average speed is the student with the greatest average speed.", "stop", "no_answer"),  # algebra/1349
    ("p - q", "… = \\frac{1 + (1/p)^3}{1 + (1/p)^3} = \\frac{1 + (1/p)^3}{1 + (1/p)^3} = \\frac{1 + (1/p)^", "length", "truncated"),  # intermediate_algebra/1994
    ("\\left( 3, \\frac{\\pi}{2} \\right)", "The point $(0,3)$ in rectangular coordinates is $(0,3)$ in polar coordinates.", "stop", "wrong"),  # precalculus/807
    ("\\frac{14}{3}", "The answer is 1.", "stop", "wrong"),  # algebra/2584
    ("42", "The perimeter of a regular hexagon is 6 times the perimeter of any triangle. This is because the perimeter of a triangle is calculated by multiplying the sum of its sides by the sine of one angle. In this case, the perimeter of a regular hexagon is 6 times the perimeter of any triangle.", "stop", "wrong"),  # prealgebra/1622
    ("9", "196 = 196 × 1 = 196 × 1 = 196\n\nThe answer is 196.", "stop", "wrong"),  # number_theory/572
]


@pytest.mark.parametrize("gold,text,finish_reason,status", REAL_OUTPUTS)
def test_real_model_outputs(gold: str, text: str, finish_reason: str, status: str) -> None:
    verdict = grade_answer(gold, text, truncated=finish_reason == "length")
    assert verdict.status == status, (verdict.extracted, verdict.detail)
    if finish_reason == "length":  # cut mid-sentence too: even without the flag no number is read
        assert grade_answer(gold, text).status == "no_answer"


# (gold, complete response, expected status): the final statement decides, wrong values stay wrong
MUST_NOTS = [
    ("5", "So the value of k is 500.", "wrong"),
    ("123456", "So the total is 123,460.", "wrong"),
    ("(1, 3)", "So the point is $(3, 1)$.", "wrong"),
    ("5", "It is either 5 or 6.", "no_answer"),  # a hedge
    ("5", "So $x = 5$ or $x = 6$.", "no_answer"),
    ("5", "Would the answer be 5?", "no_answer"),  # a question states nothing
    ("5", "First, 2 + 3 = 5. Then we multiply by 4 to get", "no_answer"),  # a stray number in a cut response
    ("5", "We have \\[ x = 5", "no_answer"),  # an open display
    ("5", "So the answer is...", "no_answer"),
    ("17", "So far 17", "no_answer"),  # a one-line response must open with its value to be a bare answer
    ("12", "3 * 4 =", "no_answer"),
    ("12", "12", "pass"),  # a response that is only its answer
    ("28\\%", "28 percent", "pass"),
    ("17", "<think>So it is 17.</think>\n\nTherefore, the value is 18.", "wrong"),  # never from the thoughts
    ("17", "<think>So it is 17.</think>\n\nI hope this helps.", "no_answer"),
]


@pytest.mark.parametrize("gold,response,status", MUST_NOTS)
def test_prose_reading_keeps_the_must_nots(gold: str, response: str, status: str) -> None:
    assert grade_answer(gold, response).status == status


@pytest.mark.parametrize(
    "text,complete",
    [
        ("The answer is 5.", True),
        ("So $x = 5$", True),
        ("\\[ x = 5 \\]", True),
        ("**14**", True),
        ("#### 14", True),
        ("Is it 5?", True),
        ("So the answer is", False),
        ("The total is 14, but", False),
        ("The total is 14", False),
        ("We get \\[ x = 5", False),
        ("Thus $x = 5", False),
        ("So the answer is...", False),
        ("", False),
    ],
)
def test_a_response_is_complete_only_when_its_last_sentence_ends(text: str, complete: bool) -> None:
    assert ends_complete(text) is complete


@pytest.mark.parametrize(
    "sentence,value",
    [
        ("Therefore, the value of $k$ is $5$.", "5"),
        ("So, I'm confident that 38 is the correct answer.", "38"),
        ("The answer is 12 because each pair is counted twice.", "12"),
        ("The area is 12 square units, which is 3 times the original.", "12"),
        ("There are 12 apples and 3 pears.", "12"),
        ("The roots are 2 and 5.", "2, 5"),
        ("It costs \\$24.50.", "\\$24.50"),
        ("In the 3rd round she scores 40.", "40"),
        ("The score is 12 out of 15.", "12"),
        ("So the sum is 3 + 4 = 7.", "7"),
        ("No value here.", None),
    ],
)
def test_the_value_a_sentence_states(sentence: str, value: str | None) -> None:
    assert statement_value(sentence) == value


def test_filler_after_the_answer_is_skipped_but_not_far_back() -> None:
    assert prose_answer("So the total is 42. I hope it is correct. Let me know!") == "42"
    far = "The total is 42. " + "Some words here. " * 5
    assert prose_answer(far) is None
