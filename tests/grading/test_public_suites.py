"""Whole responses from public grader test suites, graded as thinkforge grades a sample.

Rows come from Math-Verify's tests (huggingface/Math-Verify ``tests/test_all.py``, MV) and lighteval's
extractive-match tests (``tests/metrics/test_extractive_match.py``, LE); long reasoning in the middle of a
response is shortened (``…``), its ending kept as written. Where thinkforge's policy differs from the suite's
expectation the row says so (docs/grading.md lists these policies).
"""

from __future__ import annotations

import pytest

from thinkforge.grading import grade_answer

P, W, N = "pass", "wrong", "no_answer"

# (gold, response, thinkforge status, the suite's expectation: 1 pass / 0 fail)
SUITE_RESPONSES = [
    # MV test_math_extraction_edge_cases: base-model outputs that run on into a made-up next turn
    ("2/3", "… P(A) = (1/2) * (4/3) P(A) = 2/3 Therefore, the probability that Alice wins the game is 2/3. <|im_start|>user", P, 1),
    ("12", "… For each divisor $n$, there corresponds a unique common difference $d = \\frac{90}{n}$ that generates an arithmetic sequence with the given conditions. Therefore, there are 12 distinct arithmetic sequences that meet the three given conditions. I hope it is correct. <|im_start|>user", P, 1),
    ("(7,6)", "… $y = 8.8 - 2.8 = 6$ So, the ordered pair $(x, y)$ that solves the system is $(7, 6)$. <|im_start|>user", P, 1),
    ("[0,1)", "… Combining these conditions, we find that the domain of $q(x)$ is the interval $(0, 1)$, since $x$ must be greater than or equal to 0 and less than 1, but not equal to 1. Final Answer: The final answer is $(0, 1)$. I hope it is correct. <|im_start|>user", W, 0),
    ("120", "… Therefore, the volume of rectangular prism $ABCDEFGH$ is $5 \\times 6 \\times 4 = 120$. Final Answer: The volume of $ABCDEFGH$ is 120. I hope it is correct.", P, 1),
    ("12000023", "… $85 + (-67) + 12,\\!000,\\!003 + (-3) = 12,\\!000,\\!023$. Final Answer: The final answer is 12,000,023. I hope it is correct. <|im_start|>user", P, 1),
    ("14916", "… Therefore, the smallest possible value for $N$ is $14{,}922$. Final Answer: The smallest possible value of $N$ is $\\boxed{14{,}916}$. I hope it is correct. <|im_start|>user", P, 1),
    ("\\left(\\frac{4}{5},\\frac{1}{5}\\right)", "… Thus, $(t,u) = \\boxed{\\left( \\frac{4}{5}, \\frac{1}{5} \\right)}.$ Final Answer: The final answer is $\\left( \\frac{4}{5}, \\frac{1}{5} \\right)$. I hope it is correct. <|im_start|>user", P, 1),
    ("16386.17", "… Rounded to the nearest cent, Paula's investment is worth $\\boxed{\\$16386.17}$ after 5 years. I hope it is correct. <|im_start|>user", P, 1),
    ("16386.20", "… Rounded to the nearest cent, Paula's investment is worth $\\boxed{\\$16,\\!386.20}$ at the end of the 5-year period. The answer is $16,\\!386.20$. I apologize for the repetition in my previous responses. Here is the correct solution: To find the value of her investment after 5 years, we can use the formula for compound interest: \\[A = P \\left(1 + \\frac{r}{n}\\right)^{nt}\\] where $A$ is the final amount, $P$ is the principal (initial investment), $r$ is the annual interest rate (as a decimal), $n$ is the number of times the interest is compounded per year, and $t$ is the number of years. In this", P, 1),
    ("20\\%", "… $$\\frac{\\frac{A }{4 }}{\\frac{5A }{4 }}=\\frac{1 }{5 }=\\boxed{20 \\%}. $$ Final Answer: The final answer is $20 \\%$. I hope it is correct. Note: The solution provided assumes that the total number of people in Mathopolis is the sum of adults and children, which is a reasonable assumption given the context", P, 1),
    # MV test_math_extraction_additional_cases
    ("3", "… So, Jane started growing Sphere 3 hours ago. Since Rod started 5 hours before Sphere, the number of hours ago Jane started growing Rod is $t = s + 5 = 3 + 5 = 8$ hours. Final Answer: Jane started growing Sphere 3 hours ago. I hope it is correct. <|im_start|>user", P, 1),
    ("19", "… So, the total number of points in the domain is $1 + 2 \\times 9 = 1 + 18 = 19$ points. Final Answer: The maximum number of points that could be in the domain of $f(x)$ is 19. <|im_start|>user", P, 1),
    ("(\\tfrac{27}{8},\\tfrac{15}{8})", "… Therefore, the point where the line intersects $\\overline{CD}$ is $\\boxed{(0, 0)}$. Final Answer: The final answer is $(0, 0)$. I hope it is correct. <|im_start|>user", W, 0),
    ("34", "Final Answer: The largest $n$ is 34.", P, 1),
    ("\\left( \\frac{4}{3}, -\\frac{1}{3} \\right)", "… Thus, $(t,u) = \\boxed{\\left( \\frac{4}{3}, -\\frac{1}{3} \\right)}.$", P, 1),
    ("100\\%", "… Dividing the second equation by the first equation, we get: $$\\frac{\\Delta x'}{\\Delta x} = \\frac{2\\Delta x}{\\Delta x'} \\geq \\frac{2}{1}.$$ Therefore, the minimum error in the measurement of the position increases by 100%.", P, 1),
    ("16386.16", "… So, Paula's investment is worth approximately $\\boxed{16386.16}$ dollars at the end of the 5 years. Final Answer: The final answer is 16386.16.", P, 1),
    ("7.78", "… $\\frac{70}{9} \\approx 7.78$ So, Anna pays approximately $7.78 for her fudge. Final Answer: The final answer is 7.78.", P, 1),
    ("100", "… Thus, the new error in the measurement of the position is at least $100\\%$ of the original error in the measurement of the position. Final Answer: The final answer is $100$. I hope it is correct.", P, 1),
    ("x-2y+z-1=0", "… $$-1(x-1)+2(y-1)+1(z-1)=0\\Rightarrow\\boxed{x-2y+z-1=0}.$$ Final Answer: The final answer is $x-2y+z-1=0$. I hope it is correct.", P, 1),
    ("10455", "… So, after six months in the second CD, Dr. Zaius has $10,200 + $255 = $10,455. Final Answer: The final answer is $10,455$. I hope it is correct.", P, 1),
    ("[-4,0]", "Thus, the values of \\( k \\) for which the quadratic has real roots are: \\[ \\boxed{[-4, 0]} \\]", P, 1),
    ("(-6, 10)", "The solution to the inequality is \\( x \\in (-6, 10) \\). Final Answer: The final answer is \\((-6, 10)\\). I hope it is correct.", P, 1),
    ("1112112_3", "… Thus, the product \\( ab \\) expressed in the base-three number system is \\(\\boxed{1112122_3}\\).", W, 0),
    ("\\text{C}", "$\\boxed{\\text{(C)}}.$", P, 1),
    ("11111111100", "is $\\boxed{11,\\! 111,\\! 111,\\! 100}$", P, 1),
    ("32349", "is $\\boxed{32, 349}$", W, 0),
    ("(2, 12) \\cup (12, 102)", "Thus, the answer is $x \\in \\boxed{(2,12) \\cup (12,102)}$", P, 1),
    ("1,2", "$\\boxed{1}, \\boxed{2}$", P, 1),
    ("1, -2", "<think> … Hmm, functional equations can sometimes be tricky. **Final Answer** The integers are \\boxed{-2} and \\boxed{1}. </think> … Thus, the integers \\( n \\) such that \\( f(n) = n \\) are: \\[ \\boxed{-2} \\quad \\text{and} \\quad \\boxed{1}. \\]", P, 1),
    # MV test_relations_math: relations in prose
    ("x >= 5", "Therefore $x \\geq 5$ is the solution.", P, 1),
    ("x < 3", "We find that $x \\lt 3$.", P, 1),
    ("x \\leq 2", "Thus $x <= 2$ is our answer.", P, 1),
    ("x > 5", "Therefore $x \\gt 5$ is the solution.", P, 1),
    ("x != 3", "We find that $x \\neq 3$.", P, 1),
    ("x > 5", "Therefore $x < 5$ is the solution.", W, 0),
    ("x \\geq 5", "The solution is $x \\leq 5$", W, 0),
    ("x \\neq 5", "The solution is $x != 5$", P, 1),
    # MV test_matrix_extraction
    ("\\begin{pmatrix}1 & 0 \\\\ 0 & 1\\end{pmatrix}", "The identity matrix is $ \\begin{pmatrix}1 & 0 \\\\ 0 & 1\\end{pmatrix} $.", P, 1),
    ("\\begin{bmatrix}0 & 0 \\\\0 & 0\\end{bmatrix}", "Here is a zero matrix: $ \\begin{pmatrix}0 & 0 \\\\0 & 0\\end{pmatrix} $", P, 1),
    ("\\begin{pmatrix}1 & 2 \\\\3 & 4\\end{pmatrix}", "Special matrix: $ \\left[\\begin{array}{cc}1 & 2 \\\\3 & 4\\end{array}\\right] $", P, 1),
    ("\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}", "The matrix is $\\begin{pmatrix}1 & 2 \\\\ 3 & 5\\end{pmatrix}$", W, 0),
    # MV test_latex_notation: answers after a bare "Answer"
    ("9", "Answer \\[ 9 \\]", P, 1),
    ("9", "Answer $ 9 $", P, 1),
    ("9", "Answer $$ 9 $$", P, 1),
    ("9", "Answer \\( 9 \\)", P, 1),
    ("10", "Answer \\( (9+1) \\)", P, 1),
    ("9", "Answer \\[ \n 9 \n \\]", P, 1),
    ("1/3", "$k = \\frac{1}{3}$", P, 1),
    ("1/3", "$\\frac{1}{3} \\textbf{meters}$", P, 1),
    # MV test_trailing_punctuation
    ("\\frac{1}{3}", "$\\frac{1}{3}.$", P, 1),
    ("\\frac{1}{3}", "The answer is $\\frac{1}{3}.$", P, 1),
    ("\\frac{1}{3}", "\\[\\frac{1}{3}.\\]", P, 1),
    ("\\frac{1}{3}", "$\\frac{1}{3},$", P, 1),
    ("(1,2)", "$(1,2).$", P, 1),
    ("5", "$5 \\text{ cm}.$", P, 1),
    ("42", "$42.$", P, 1),
    ("2", "$2^{10}.$", W, 0),
    ("1", "The answer is $1/3.$", W, 0),
    ("1, 2, 3", "$1, 2, 3, ...$", W, 0),
    # MV test_percent_notation / test_number_extraction / test_latex_notation: a response that is only its answer
    ("28\\%", "28 percent", P, 1),
    ("28\\%", "28 pct", P, 1),
    ("28\\%", "28 %", P, 1),
    ("28\\%", "$28$ %", P, 1),
    ("28\\%", "$\\boxed{28 percent}", P, 1),
    ("28\\%", "28", P, 1),
    ("0.28", "28", W, 0),
    ("28", "28/100", W, 0),
    ("\\frac{28}{100}", "28", W, 0),
    ("7425000", "7,425,000", P, 1),
    ("1000", "1 000", P, 1),
    ("1000.0", "1,000.0", P, 1),
    ("1000.99", "1000,99", P, 1),
    ("1,22", "1.22", P, 1),
    ("0.4", ".4", P, 1),
    ("1000.99", "$1,000.99", P, 1),
    ("1000.99", "1,000.99$", P, 1),
    ("2", "AZYUK2A", N, 0),
    ("10/9", "\\frac{10}{9}", P, 1),
    ("-10/9", "-\\frac{10}{9}", P, 1),
    ("[0,9)", "$[0,1)$", W, 0),
    ("(0,9)", "$[0,9)$", W, 0),
    ("1/3", "$\\frac13 $", P, 1),
    ("\\sqrt{3}", "$\\sqrt3 $", P, 1),
    ("1/3", "$\\left( \\frac{1}{3} \\right)$", P, 1),
    ("\\frac{1}{12}", "$0.0833333333333333$", P, 1),
    ("(1,\\frac{9}{2})", "$(1,4.5)$", P, 1),
    ("2", "$\\frac{1+\\sqrt{5}}{2}$", W, 0),
    ("4", "$4\\sqrt{2}$", W, 0),
    ("(3,1)", "${1,3}$", W, 0),
    ("1/3", "$x=1/3\\approx1.3$", P, 1),
    ("z = 1 + 1 = 2", "$z = 3+3 = 2$", P, 1),
    # LE test_multilingual_extraction_math (English rows) and latex numbers
    ("0", "So the os then when we 9/3 we get 8 so the answer is 0", P, 1),
    ("1", "so $x+y = 1000$ therefore answer is $1$", P, 1),
    # Policy differences: a response that does not end a sentence is not read without a marker (the suites
    # read the last number anywhere); the words "\text{13}" are the number 13 here (MV issue #37 says no).
    ("1000.99", "the number is not 10 which is 1,000.99€", N, 1),
    ("2.74", "Soucis : 2,74 $ a..", N, 1),
    ("13", "$\\text{13}$", P, 0),
    ("9", "Answer $ \n 9 \n $", P, 0),
    ("9", "Answer \\( \n 9 \n \\)", P, 0),
]


@pytest.mark.parametrize("gold,response,status,suite", SUITE_RESPONSES, ids=[f"{i}:{r[0]!r}" for i, r in enumerate(SUITE_RESPONSES)])
def test_public_suite_response(gold: str, response: str, status: str, suite: int) -> None:
    verdict = grade_answer(gold, response)
    assert verdict.status == status, (verdict.extracted, verdict.detail)
