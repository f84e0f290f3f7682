from decimal import Decimal as D

import pytest

from school.grading import suggest, weighted_average


def test_weighted_average_uses_weights_and_skips_special_entries():
    assert weighted_average([(D(5), D(1)), (D(3), D(2))]) == D("3.67")
    assert weighted_average([(D(4), D(1)), (None, D(1))]) == D("4.00")
    assert weighted_average([]) is None
    assert weighted_average([(None, D(1))]) is None


@pytest.mark.parametrize("avg,threshold,expected", [
    ("4.50", "0.50", "5"), ("4.49", "0.50", "4"), ("4.50", "0.60", "4"), ("4.60", "0.60", "5"),
    ("2.10", "0.50", "2"), ("1.00", "0.50", "1"), ("5.00", "0.50", "5"),
])
def test_suggestion_follows_the_school_rounding_rule(avg, threshold, expected):
    assert suggest(D(avg), D(threshold), 1, 5) == expected


def test_suggestion_on_twelve_point_scale_and_without_marks():
    assert suggest(D("10.5"), D("0.5"), 1, 12) == "11"
    assert suggest(None, D("0.5"), 1, 5) is None
