import itertools

import pytest

from localcloud.polling import eventually


def test_eventually_returns_the_first_truthy_answer():
    answers = iter([None, 0, [], {"level": 3}, {"level": 4}])

    assert eventually(lambda: next(answers), "a level", timeout=5, interval=0) == {"level": 3}


def test_eventually_names_what_it_waited_for_and_the_last_answer():
    counter = itertools.count()

    with pytest.raises(AssertionError, match=r"waiting for the report \(last: 0\)"):
        eventually(lambda: 0 * next(counter), "the report", timeout=0.05, interval=0.01)
