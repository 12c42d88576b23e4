from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pizza_common.dynamodb import from_item, to_item, to_value

plain_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1), inner, max_size=4),
    max_leaves=10,
)


@given(st.dictionaries(st.text(min_size=1), plain_values.filter(lambda value: value is not None), max_size=6))
def test_an_item_comes_back_as_the_values_that_went_in(values):
    assert from_item(to_item(values)) == values


def test_whole_numbers_come_back_as_int_and_fractions_as_decimal():
    item = {"quantity": {"N": "12"}, "price": {"N": "2.50"}}

    assert from_item(item) == {"quantity": 12, "price": Decimal("2.50")}
    assert type(from_item(item)["quantity"]) is int


def test_none_values_are_left_out_of_an_item():
    assert to_item({"typeId": "ham", "expiresAt": None}) == {"typeId": {"S": "ham"}}


def test_floats_are_refused_rather_than_rounded():
    with pytest.raises(TypeError):
        to_value(0.1)
