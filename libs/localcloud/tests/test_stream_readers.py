"""The local cloud warns when a stack puts a third reader on one DynamoDB stream (AWS throttles it)."""

from __future__ import annotations

import pytest

from localcloud.cloud import LocalCloud
from localcloud.stack import Attribute, Function, Stack, StreamSource, Table


def _stack(readers: int) -> Stack:
    return Stack(
        name="crowded",
        tables=(Table(name="t", hash_key=Attribute(name="pk"), stream_view="NEW_IMAGE"),),
        functions=tuple(
            Function(
                name=f"reader-{n}",
                handler="x.handler",
                event_sources=(StreamSource(kind="dynamodb", table="t"),),
            )
            for n in range(readers)
        ),
    )


def test_two_readers_are_fine_and_a_third_is_named():
    assert _stack(2).crowded_table_streams() == {}
    assert _stack(3).crowded_table_streams() == {"t": ["reader-0", "reader-1", "reader-2"]}


def test_the_cloud_warns_before_it_starts_anything(tmp_path):
    cloud = LocalCloud([_stack(3)], state_dir=tmp_path)
    with pytest.warns(UserWarning, match="stream of table 't' has 3 readers"):
        cloud._check_names()
