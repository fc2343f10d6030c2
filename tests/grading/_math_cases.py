"""The math grading table: (gold, final answer as a model writes it, expected status), by category.

Every bug found adds a row. Rows are graded twice by the tests: as an extracted answer (``answers_only``)
and embedded in a realistic long response (reasoning, then the answer in one of the ways models end).
"""

from __future__ import annotations

P, W = "pass", "wrong"

INTEGERS = [
    ("2", "2", P),
    ("70", "70", P),
    ("588", "588", P),
    ("-4", "-4", P),
    ("-4", "4", W),
    ("0", "0", P),
    ("0", "0.0", P),
    ("17", "17.0", P),
    ("17", "17.00", P),
    ("204", "204.", P),
    ("33", "033", P),
    ("104", "140", W),
    ("821", "812", W),
    ("1", "-1", W),
    ("25", "+25", P),
    ("9", "\\mathbf{9}", P),
    ("9", "{9}", P),
    ("12", "\\textbf{12}", P),
    ("7", "7 ", P),
    ("3", "3.5", W),
]

MUST_NOT = [  # the original Sky-T1 grader's defects
    ("5", "500", W),
    ("500", "5", W),
    ("5", "0.05", W),
    ("123456", "123460", W),
    ("123460", "123456", W),
    ("(3,1)", "(1,3)", W),
    ("(1,3)", "(3,1)", W),
    ("(1, 2, 3)", "(3, 2, 1)", W),
    ("0.5", "50\\%", W),
    ("1000", "1", W),
    ("12", "0.12", W),
    ("123456", "123,460", W),
    ("5", "500 apples", W),
    ("3.5", "3,500", W),
    ("x < 2", "x \\le 2", W),
    ("(1, 2)", "\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}", W),
]

DECIMALS_FRACTIONS = [
    ("\\frac{1}{2}", "0.5", P),
    ("0.5", "\\frac{1}{2}", P),
    ("\\frac{1}{2}", "1/2", P),
    ("\\frac{1}{2}", "\\dfrac{1}{2}", P),
    ("\\frac{1}{2}", "\\tfrac{1}{2}", P),
    ("\\frac{1}{2}", "\\frac12", P),
    ("\\frac{1}{2}", "\\frac{2}{4}", P),
    ("\\frac{1}{2}", "\\frac{1}{3}", W),
    ("\\frac{3}{4}", "0.75", P),
    ("\\frac{3}{4}", "0.7", W),
    ("\\frac{1}{3}", "0.333333", P),
    ("\\frac{1}{3}", "0.3333333333", P),
    ("\\frac{1}{3}", "0.33", W),
    ("\\frac{1}{3}", "0.3", W),
    ("\\frac{2}{3}", "0.666667", P),
    ("\\frac{2}{3}", "0.67", W),
    ("-\\frac{1}{2}", "-0.5", P),
    ("-\\frac{1}{2}", "\\frac{-1}{2}", P),
    ("-\\frac{1}{2}", "0.5", W),
    ("\\frac{7}{2}", "3.5", P),
    ("\\frac{7}{2}", "3\\frac{1}{2}", P),
    ("\\frac{9}{4}", "2.25", P),
    ("1.25", "\\frac{5}{4}", P),
    ("1.25", "1.250", P),
    ("1.25", "1.2", W),
    ("0.1", ".1", P),
    ("\\frac{14}{3}", "\\dfrac{14}{3}", P),
    ("\\frac{14}{3}", "4.666667", P),
    ("\\frac{14}{3}", "4.67", W),
    ("\\frac{1}{12}", "\\frac{1}{12}", P),
    ("\\frac{5}{12}", "\\frac{12}{5}", W),
    ("\\frac{a}{b}", "\\frac{a}{b}", P),
    ("\\frac{\\sqrt{3}}{2}", "\\dfrac{\\sqrt{3}}{2}", P),
    ("\\frac{\\sqrt{3}}{2}", "\\frac{\\sqrt3}{2}", P),
    ("\\frac{\\sqrt{3}}{2}", "0.866025", P),
    ("\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}", W),
    ("\\frac{1}{\\sqrt{2}}", "\\frac{\\sqrt{2}}{2}", P),
    ("2.5", "\\frac{5}{2}", P),
    ("3.14", "3.14", P),
    ("3.14", "\\pi", W),
    # repeating decimals are exact values, not approximations
    ("\\frac{1}{3}", "0.\\overline{3}", P),
    ("\\frac{1}{6}", "0.1\\overline{6}", P),
    ("\\frac{14}{11}", "1.\\overline{27}", P),
    ("0.\\overline{3}", "0.3", W),
    # bug found: a relative tolerance once passed nearby large decimals
    ("123456.7", "123456.8", W),
    ("2.000001", "2.000002", W),
    # bug found: rounding to 6 decimal places made every number below 5e-7 equal (Minerva's 3.89e-10)
    ("3.89e-10", "3.89e-11", W),
    ("3.89e-10", "3.89 \\times 10^{-10}", P),
    ("1.5 \\times 10^{-7}", "0", W),
    ("0", "1.5 \\times 10^{-7}", W),
    ("0.0000001", "0.0000002", W),
    ("\\frac{1}{3000}", "0.000333333", P),
    ("\\frac{1}{3000}", "0.000333", W),
]

THOUSANDS_UNITS = [
    ("1000", "1,000", P),
    ("1000", "1{,}000", P),
    ("1000", "1\\,000", P),
    ("1234567", "1,234,567", P),
    ("1234567", "1,234,576", W),
    ("10000", "10,000", P),
    ("10000", "1,000", W),
    ("3500", "3, 500", W),  # bug found: a list with a space after the comma was read as 3,500
    # bug found: MATH's ",\\!" thousands separator made the gold a list (10,\\!080 passed "80, 10")
    ("10,\\!080", "80, 10", W),
    ("10,\\!080", "10, 80", W),
    ("10,\\!080", "10080", P),
    ("10,\\!080", "10,080", P),
    ("11,\\! 111,\\! 111,\\! 100", "11111111100", P),
    ("\\$32,\\!348", "32348", P),
    ("3, 500", "500, 3", P),
    ("18", "18 \\text{ cm}", P),
    ("18", "18\\text{ cm}^2", P),
    ("18", "18 cm", P),
    # bug found: a bare unit word was cut from the end of any expression ("x+2m" passed "x+2")
    ("x+2m", "x+2", W),
    ("n+2s", "n+2", W),
    ("a+3m^2", "a+3", W),
    ("2m", "2", W),
    ("18", "18 m", P),
    ("18", "18cm", P),
    ("18", "18 cm^2", P),
    ("1200", "1,200 feet", P),
    ("18", "18\\mbox{ inches}", P),
    ("18", "19 \\text{ cm}", W),
    ("30", "30^\\circ", P),
    ("30", "30^{\\circ}", P),
    ("30^\\circ", "30", P),
    ("30^\\circ", "30 degrees", P),
    ("30", "30°", P),
    ("30", "60^\\circ", W),
    ("150", "\\$150", P),
    ("150", "150 \\text{ dollars}", P),
    ("4", "4 \\text{ ways}", P),
    ("12", "12 \\text{ units}^2", P),
    ("7", "7\\text{ days}", P),
    ("\\text{east}", "\\text{East}", P),
]

EQUATIONS = [
    ("3", "x = 3", P),
    ("3", "x=3", P),
    ("3", "k = 3", P),
    ("3", "x = 4", W),
    ("-2", "a=-2", P),
    ("\\frac{1}{2}", "p = \\frac{1}{2}", P),
    ("x = 3", "3", P),
    ("x = 3", "x = 3", P),
    ("x = 3", "y = 3", W),  # bug found: the fast path dropped both variable names
    ("y = 2x + 3", "y = 2x + 3", P),
    ("y = 2x + 3", "y = 3 + 2x", P),
    ("y = 2x + 3", "y = 2x - 3", W),
    ("y = 2x + 3", "x = 2x + 3", W),  # bug found: the left side was dropped on the fast path
    ("y = 2x + 3", "2x + 3", P),
    ("k = \\frac{1}{2}", "\\frac{1}{2}", P),
    ("y=-\\frac{1}{2}x+4", "y = -0.5x + 4", P),
    ("2x - y = 1", "2x-y=1", P),
    ("x^2 + y^2 = 25", "x^2+y^2=25", P),
]

PERCENT = [
    ("50\\%", "50\\%", P),
    ("50\\%", "50", P),
    ("50\\%", "0.5", P),
    ("50\\%", "50%", P),
    ("50\\%", "5\\%", W),
    ("50\\%", "0.05", W),
    ("25", "25\\%", P),
    ("25", "25%", P),
    ("25", "0.25", W),
    ("0.25", "25\\%", W),
    ("12.5\\%", "0.125", P),
    ("12.5\\%", "12.5", P),
    ("40", "40 \\text{ percent}", P),
]

INTERVALS = [
    ("[1, 3)", "[1,3)", P),
    ("[1, 3)", "(1, 3)", W),
    ("[1, 3)", "[1, 3]", W),
    ("[1, 3)", "(1, 3]", W),
    ("(-\\infty, 2)", "(-\\infty,2)", P),
    ("(-\\infty, 2)", "(-\\infty, 2]", W),
    ("(-\\infty, 2]", "(-\\infty, 2]", P),
    ("[2, \\infty)", "[2,\\infty)", P),
    ("[2, \\infty)", "(2, \\infty)", W),
    ("(-\\infty,-2)\\cup(2,\\infty)", "(-\\infty, -2) \\cup (2, \\infty)", P),
    ("(-\\infty,-2)\\cup(2,\\infty)", "(-\\infty, -2] \\cup [2, \\infty)", W),
    ("[-\\frac{1}{2}, 1]", "[-0.5, 1]", P),
    ("[0, \\frac{\\pi}{2}]", "\\left[0, \\frac{\\pi}{2}\\right]", P),
    ("[0,1]", "[0, 2]", W),
]

TUPLES = [
    ("(1, 2)", "(1,2)", P),
    ("(1, 2)", "\\left(1, 2\\right)", P),
    ("(1, 2)", "(2, 1)", W),
    ("(3, -4)", "(3,-4)", P),
    ("(3, -4)", "(-4, 3)", W),
    ("(\\frac{1}{2}, 3)", "(0.5, 3)", P),
    ("(2, 3, 5)", "(2,3,5)", P),
    ("(2, 3, 5)", "(2, 5, 3)", W),
    ("(2, 3, 5)", "(2, 3)", W),
    ("(1, -2, 3)", "(1,-2,3)", P),
    ("(\\sqrt{2}, \\pi)", "(\\sqrt 2, \\pi)", P),
    ("(\\sqrt{2}, \\pi)", "(\\pi, \\sqrt{2})", W),
    ("(0, 0)", "(0,0)", P),
    ("(-1, \\frac{3}{2})", "\\left(-1, \\dfrac{3}{2}\\right)", P),
]

SETS = [  # "enter all solutions, separated by commas": order does not matter
    ("1, 3", "3, 1", P),
    ("1, 3", "1, 3", P),
    ("1, 3", "1", W),
    ("1, 3", "1, 3, 5", W),
    ("-2, 1", "1, -2", P),
    ("-2, 1", "1,-2", P),
    ("\\frac{1}{2}, -3", "-3, 0.5", P),
    ("2, -2", "\\pm 2", P),
    ("1, 2, 3", "3, 1, 2", P),
    ("1, 2, 3", "3, 1, 1", W),
    ("\\frac{1}{3}, 2", "2, 0.333333", P),  # bug found: unordered lists compared decimals exactly
    ("\\{1, 2\\}", "\\{2, 1\\}", P),
    ("\\{1, 2\\}", "\\{1, 3\\}", W),
    ("1+\\sqrt{2}, 1-\\sqrt{2}", "1-\\sqrt{2}, 1+\\sqrt{2}", P),
    ("1+\\sqrt{2}, 1-\\sqrt{2}", "1 \\pm \\sqrt{2}", P),
    ("1+\\sqrt{2}, 1-\\sqrt{2}", "1+\\sqrt{2}", W),
    ("-1, 4", "x = -1, x = 4", P),
]

MATRICES = [
    ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}", P),
    ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}", W),
    ("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", P),
    ("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}", P),
    ("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{pmatrix}1&3\\\\2&4\\end{pmatrix}", W),
    ("\\begin{pmatrix} \\frac{1}{2} \\\\ -1 \\end{pmatrix}", "\\begin{pmatrix} 0.5 \\\\ -1 \\end{pmatrix}", P),
    ("\\begin{pmatrix} -1 \\\\ 2 \\\\ 5 \\end{pmatrix}", "\\begin{pmatrix} -1 \\\\ 2 \\\\ 5 \\end{pmatrix}", P),
    ("\\begin{pmatrix} -1 \\\\ 2 \\\\ 5 \\end{pmatrix}", "\\begin{pmatrix} -1 \\\\ 2 \\\\ 6 \\end{pmatrix}", W),
]

PI_RADICALS = [
    ("\\pi", "\\pi", P),
    ("2\\pi", "2 \\pi", P),
    ("2\\pi", "\\pi \\cdot 2", P),
    ("2\\pi", "6.283185", P),
    ("2\\pi", "6.28", W),
    ("\\frac{\\pi}{4}", "\\frac{1}{4}\\pi", P),
    ("\\frac{\\pi}{4}", "45^\\circ", W),
    ("12\\pi", "12 \\pi \\text{ cm}^2", P),
    ("\\sqrt{2}", "\\sqrt 2", P),
    ("\\sqrt{2}", "2^{1/2}", P),
    ("\\sqrt{2}", "1.414214", P),
    ("\\sqrt{2}", "\\sqrt{3}", W),
    ("2\\sqrt{3}", "\\sqrt{12}", P),
    ("2\\sqrt{3}", "3\\sqrt{2}", W),
    ("3\\sqrt{5}", "3 \\sqrt{5}", P),
    ("\\frac{5\\sqrt{2}}{2}", "\\frac{5}{\\sqrt{2}}", P),
    ("4 + 2\\sqrt{2}", "2\\sqrt{2} + 4", P),
    ("4 + 2\\sqrt{2}", "4 - 2\\sqrt{2}", W),
    ("\\sqrt[3]{2}", "2^{\\frac{1}{3}}", P),
    ("6 - 2\\sqrt{5}", "6-2\\sqrt5", P),
    ("10\\sqrt{3} + 8\\pi", "8\\pi + 10\\sqrt{3}", P),
]

SCIENTIFIC_EXPRESSIONS = [
    ("3 \\times 10^{8}", "300000000", P),
    ("3 \\times 10^{8}", "3e8", P),
    ("3 \\times 10^{8}", "3 \\times 10^8", P),
    ("3 \\times 10^{8}", "3 \\times 10^{9}", W),
    ("1.5 \\times 10^{-3}", "0.0015", P),
    ("1.5 \\times 10^{-3}", "0.015", W),
    ("2^{10}", "1024", P),
    ("x^2 + 2x + 1", "(x+1)^2", P),
    ("x^2 + 2x + 1", "(x-1)^2", W),
    ("\\frac{x+1}{x-1}", "\\frac{x+1}{x-1}", P),
    ("2x - 3", "-3 + 2x", P),
    ("a^2 b", "b a^2", P),
    ("\\log_2 3", "\\frac{\\ln 3}{\\ln 2}", P),
    ("e^2", "e^{2}", P),
    ("3 + 4i", "3+4i", P),
    ("3 + 4i", "3-4i", W),
    ("\\binom{10}{3}", "120", P),
    ("5!", "120", P),
    ("\\frac{3}{4}x^2", "0.75x^2", P),
]

TEXT = [
    ("\\text{Monday}", "\\text{Monday}", P),
    ("\\text{Monday}", "Monday", P),
    ("\\text{Monday}", "\\text{monday}", P),
    ("\\text{Monday}", "\\text{Tuesday}", W),
    ("\\text{(C)}", "\\text{(C)}", P),
    ("\\text{(C)}", "(C)", P),
    ("\\text{(C)}", "\\text{(D)}", W),
    ("\\text{Evelyn}", "Evelyn", P),
    ("\\text{Evelyn}", "Bob", W),
    ("\\text{yes}", "Yes", P),
    ("\\text{yes}", "no", W),
    ("\\text{odd}", "\\text{even}", W),
    ("\\text{odd}", "\\text{odd}", P),
    ("\\text{Devon}", "\\textbf{Devon}", P),
]

BASES = [  # bug found: Math-Verify drops a base subscript, so 52_8 passed as 52_9
    ("52_8", "52_8", P),
    ("52_8", "52", P),
    ("52_8", "52_9", W),
    ("52_8", "53_8", W),
    ("52_8", "42", W),
    ("4210_{5}", "4210_5", P),
    ("4210_{5}", "4210_{6}", W),
    ("1011_2", "1011_{2}", P),
    ("52_8", "52_80", W),
    ("52_8", "52_1", W),
]

VARIABLES_NOT_UNITS = [
    # bug found: Math-Verify's unit stripping dropped variables named like units (Minerva's "\frac{1}{\sqrt{2}}c",
    # "\frac{1}{m} t", OlympiadBench's "6m"): the right answer failed and the answer without the variable passed
    ("\\frac{1}{\\sqrt{2}}c", "\\frac{c}{\\sqrt{2}}", P),
    ("\\frac{1}{\\sqrt{2}}c", "\\frac{1}{\\sqrt{2}}", W),
    ("\\frac{1}{m} t", "\\frac{t}{m}", P),
    ("\\frac{1}{m} t", "\\frac{1}{m}", W),
    ("\\frac{37}{4} m", "\\frac{37m}{4}", P),
    ("\\frac{37}{4} m", "\\frac{37}{4}", W),
    ("6m", "6", W),
    ("3t", "3", W),
    ("x + 2s", "x + 2", W),
    # units in \text{} / \mbox{} are still units
    ("10", "10 \\text{ m/s}", P),
    ("864", "864 \\mbox{ inches}^2", P),
    ("5", "5 \\text{ apples}", P),
    ("\\frac{1}{2}", "\\frac{1}{2} \\text{ hour}", P),
    ("4\\sqrt{2}", "4\\sqrt{2} \\text{ cm}", P),
    ("\\text{Monday}", "\\text{Monday}", P),
    ("40", "40 \\mathrm{~km}", P),  # Minerva's style
    ("1.6", "1.6 \\mathrm{~m}", P),
    ("3 \\times 10^{8}", "3 \\times 10^{8} \\mathrm{~m} / \\mathrm{s}", P),
    ("9.8", "9.8 \\mathrm{~m} / \\mathrm{s}^{2}", P),
    ("2e", "2\\mathrm{e}", P),
    ("2e", "2", W),
]

# ---- Grading III: equivalence beyond numbers. Rows marked MV come from Math-Verify's test suite
# (huggingface/Math-Verify tests/test_all.py), rows marked LE from lighteval's extractive-match tests.

RELATIONS = [
    ("y \\geq 2", "y >= 2", P),
    ("y \\geq 2", "2 \\leq y", P),
    ("y \\geq 2", "y > 2", W),
    ("y \\geq 2", "y \\leq 2", W),
    ("x \\neq 3", "x != 3", P),
    ("x \\neq 3", "x \\ne 3", P),
    ("x \\neq 3", "x = 3", W),
    ("x < 3", "x \\lt 3", P),  # MV
    ("x > 5", "x \\gt 5", P),  # MV
    ("x > 5", "x < 5", W),  # MV
    ("x \\geq 5", "x \\leq 5", W),  # MV
    ("x \\leq 5", "5 \\geq x", P),  # MV
    ("x < 2", "-x > -2", P),
    ("x < 2", "x > -2", W),  # MV
    ("x \\le 1", "-x \\ge -1", P),  # MV
    ("x < 2", "x \\le 2", W),
]

INTERVALS_AS_INEQUALITIES = [
    ("x \\in [-3,4]", "-3 \\le x \\le 4", P),
    ("[-3,4]", "-3 \\le x \\le 4", P),
    ("[-3,4]", "-3 < x \\le 4", W),
    ("-3 \\le x \\le 4", "x \\in [-3,4]", P),
    ("-2 \\le x \\le 7", "x \\in [-2,7]", P),  # MV
    ("(-\\infty, 2)", "x < 2", P),
    ("(-\\infty, 2]", "x < 2", W),
    ("(2, \\infty)", "x > 2", P),
    ("(2, \\infty)", "x \\geq 2", W),
    ("[-2, 7]", "x \\in [-2,7]", P),  # MV
]

VECTORS_MATRICES = [
    ("\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}", "\\left[\\begin{array}{cc}1 & 2 \\\\ 3 & 4\\end{array}\\right]", P),  # MV
    ("\\begin{bmatrix}0 & 0 \\\\ 0 & 0\\end{bmatrix}", "\\begin{pmatrix}0 & 0 \\\\ 0 & 0\\end{pmatrix}", P),  # MV
    ("\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}", "\\begin{pmatrix}1 & 2 \\\\ 3 & 5\\end{pmatrix}", W),  # MV
    ("\\begin{pmatrix}\\frac{1}{2} & \\frac{3}{4} \\\\ \\frac{5}{6} & \\frac{7}{8}\\end{pmatrix}", "\\begin{pmatrix}0.5 & 0.75 \\\\ 0.833333 & 0.875\\end{pmatrix}", P),
    ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "(1, 2)", P),
    ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "(2, 1)", W),
    ("\\begin{pmatrix} -1 \\\\ 2 \\\\ 5 \\end{pmatrix}", "(-1, 2, 5)", P),
    ("\\begin{pmatrix} -1 \\\\ 2 \\\\ 5 \\end{pmatrix}", "(-1, 2)", W),
    ("(1, 2)", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", P),
    ("(1, 2)", "\\begin{pmatrix} 1 & 2 \\end{pmatrix}", P),
    ("\\begin{pmatrix} \\frac{1}{3} \\\\ \\sqrt{2} \\end{pmatrix}", "\\begin{bmatrix} 1/3 \\\\ \\sqrt 2 \\end{bmatrix}", P),
]

ASSIGNMENTS = [
    ("7", "x = 7", P),
    ("\\frac25", "m=\\frac25", P),
    ("\\frac25", "m=\\frac52", W),
    ("(5,3)", "(a,b)=(5,3)", P),
    ("(5,3)", "(a,b)=(3,5)", W),
    ("3:5", "A:B = 3:5", P),
    ("3:5", "A:B = 5:3", W),
    ("11", "x = 5+5+1 = 7 =11", P),  # MV: the last side of a chain
    ("1", "k=1", P),  # MV
    ("k=1", "1", P),  # MV
    ("a +3z = 0", "0", W),  # MV
    ("2x + z = 1", "1", W),  # MV
    ("\\text{E}", "E", P),  # MV
    ("\\text{E}", "F", W),
    ("\\text{C}", "\\text{(C)}", P),  # MV
]

PLUS_MINUS_SETS = [
    ("\\pm 3", "3, -3", P),
    ("3, -3", "\\pm 3", P),
    ("\\pm 3", "3", W),
    ("3 \\pm 2\\sqrt{2}", "3+2\\sqrt{2}, 3-2\\sqrt{2}", P),  # MV
    ("\\{1\\pm\\sqrt{5},-2\\}", "\\{-2, 1+\\sqrt{5}, 1-\\sqrt{5}\\}", P),  # MV
    ("\\{4, 9\\}", "4, 9", P),
    ("\\{4, 9\\}", "9, 4", P),
    ("\\{4, 9\\}", "4, 8", W),
]

SEPARATORS = [  # thousands separators and a decimal comma where it cannot group thousands
    ("27350", "27{,}350", P),
    ("4500", "4\\,500", P),
    ("4500", "4 500", P),
    ("7425000", "7,425,000", P),  # MV
    ("1000.99", "1,000.99", P),  # MV
    ("1000", "1 000", P),  # MV
    ("3.85", "3,85", P),
    ("3.85", "3,58", W),
    ("0.111", "0,111", P),  # MV
    ("1.22", "1,22", P),  # MV
    ("1000.99", "1000,99", P),  # MV
    ("3500", "3,500", P),
    ("3.5", "3,500", W),  # "3,500" groups thousands: never 3.5
    ("32349", "32, 349", W),  # MV: with a space it is a list
    ("11111111100", "11,\\! 111,\\! 111,\\! 100", P),  # MV
]

EQUATIONS_UP_TO_A_FACTOR = [
    ("3x-2y+z-5=0", "-12x+8y-4z+20=0", P),
    ("3x-2y+z-5=0", "-12x+8y-4z-20=0", W),
    ("34x+45y-20z+100=0", "-34x-45y+20z-100=0", P),  # MV
    ("x^2/4 + y^2/3 = 1", "x^2/16 + y^2/12 = 1/4", P),  # MV
    ("2x+4y-3=0", "y=-\\frac{1}{2}x+\\frac{3}{4}", P),  # MV
    ("x-2y+z-1=0", "x-2y+z+1=0", W),
]

IDENTITIES = [
    ("\\csc^2 t", "1 + \\cot^2 t", P),
    ("\\csc^2 t", "\\cot^2 t", W),
    ("\\sec^2(y)", "\\tan^2(y)+1", P),  # MV
    ("\\frac{x+2}{7}", "\\frac{x}{7}+\\frac{2}{7}", P),  # MV
    ("\\sin 2x", "2 \\sin x \\cos x", P),
    ("x+2n+1", "x+1", W),  # MV
    ("(a+5)(b+2)", "(+5)(b+2)", W),  # MV
]

UNICODE_MATH = [
    ("\\pi", "π", P),
    ("2\\pi", "2π", P),
    ("5\\pi", "5π", P),
    ("5\\pi", "5", W),
    ("\\frac{\\pi}{2}", "π/2", P),
    ("\\sqrt{2}", "√2", P),
    ("2\\sqrt{3}", "2√3", P),
    ("2\\sqrt{3}", "3√2", W),
    ("x \\le 3", "x ≤ 3", P),
    ("x \\ge 3", "x ≥ 3", P),
    ("x \\ge 3", "x ≤ 3", W),
    ("x \\neq 2", "x ≠ 2", P),
    ("-5", "−5", P),
    ("6", "2 × 3", P),
    ("(-\\infty, 3]", "(−∞, 3]", P),
]

APPROXIMATIONS = [  # "a ≈ b": the exact side is the answer
    ("\\frac{1}{3}", "x = \\frac13 \\approx 0.333", P),
    ("\\frac{1}{2}", "x = \\frac13 \\approx 0.5", W),
    ("11", "x\\approx11", P),  # MV
    ("\\frac{9.5}{3.14159}", "\\frac{9.5}{3.14159} \\approx 3.01", P),  # LE
    ("\\sqrt{2}", "\\sqrt{2} \\approx 1.41", P),
    ("\\sqrt{3}", "\\sqrt{2} \\approx 1.41", W),
]

WORDS_AROUND_VALUES = [
    ("120", "3 * 40 = 120 miles", P),
    ("120", "3 * 40 = 121 miles", W),
    ("12", "12 apples", P),
    ("12", "13 apples", W),
    ("35", "35 different outfits", P),
    ("6", "6 girls", P),
    ("24.50", "\\$24.50", P),
    ("24.5", "\\$24.50", P),
    ("1201_3", "1201_3", P),
    ("1000.99", "\\$1,000.99", P),  # MV
    ("5", "500 apples", W),
    ("125", "125 \\textnormal{ miles}", P),  # MV
]

#: Answers the default model extracted on generated arithmetic (demo runs, 2026-11-30): words where a number is
#: asked were sent to sympy and timed out under load; they are wrong at once. Math written without backslashes stays math.
WORDS_FOR_A_NUMBER = [
    ("49", "thinking of it", W),
    ("5", "2 + 3 is equal to 9", W),
    ("27", "not", W),
    ("12", "twelve", W),
    ("49", "sqrt(2401)", P),
    ("49", "7 \\times 7", P),
    ("6", "3\\cdot 2", P),
]

ALL_PAIRS = [
    *WORDS_FOR_A_NUMBER,
    *INTEGERS,
    *MUST_NOT,
    *DECIMALS_FRACTIONS,
    *THOUSANDS_UNITS,
    *EQUATIONS,
    *PERCENT,
    *INTERVALS,
    *TUPLES,
    *SETS,
    *MATRICES,
    *PI_RADICALS,
    *SCIENTIFIC_EXPRESSIONS,
    *TEXT,
    *BASES,
    *VARIABLES_NOT_UNITS,
    *RELATIONS,
    *INTERVALS_AS_INEQUALITIES,
    *VECTORS_MATRICES,
    *ASSIGNMENTS,
    *PLUS_MINUS_SETS,
    *SEPARATORS,
    *EQUATIONS_UP_TO_A_FACTOR,
    *IDENTITIES,
    *UNICODE_MATH,
    *APPROXIMATIONS,
    *WORDS_AROUND_VALUES,
]

REASONING = (
    "Okay, let me think about this problem step by step. First I restate what is given and set up notation. "
    "Trying a small case: with 2 items we get 4, with 3 items we get 9, and 17 looks suspicious, so let me "
    "recompute. Hmm, wait, 123 + 456 = 579, not 589. Let me double-check the arithmetic once more before answering.\n"
)

TEMPLATES = [
    "{r}Therefore, the final answer is $\\boxed{{{a}}}$.",
    "<think>\n{r}</think>\n\nPutting it together, the answer is \\(\\boxed{{{a}}}\\).",
    "<|begin_of_thought|>\n{r}<|end_of_thought|>\n\n<|begin_of_solution|>\n**Final Answer**\n\n\\[\n\\boxed{{{a}}}\n\\]\n<|end_of_solution|>",
    "{r}So we conclude:\n\n$$\\boxed{{{a}}}$$",
    "{r}The final answer is ${a}$. I hope it is correct.",
    "{r}\n**Answer:** ${a}$",
    "<think>{r}So it should be 42.</think>\nThus $\\fbox{{{a}}}$ is the answer.",
]
