"""Tokenizer and envelope writer: delimiters come from the ISA, counts from what is written."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from knead.billing.x12.envelope import (
    MemoryControlNumbers,
    TradingPartners,
    TransactionSet,
    write_interchange,
)
from knead.billing.x12.envelope_reader import first_set_kind
from knead.billing.x12.errors import X12Error
from knead.billing.x12.syntax import Delimiters, SegmentStream

ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*^*00501"
    "*000000001*0*T*:~"
)


def test_delimiters_are_taken_from_the_isa_segment():
    isa = ISA.replace("*", "|").replace("^", "{").replace(":", "}").replace("~", "\x1e")
    stream = SegmentStream(isa + "GS|HP|A}B\x1e")
    assert stream.delimiters == Delimiters("|", "{", "}", "\x1e")
    assert list(stream)[1] == ["GS", "HP", "A}B"]


def test_newlines_after_terminators_are_ignored():
    stream = SegmentStream(ISA + "\r\nGS*HP~\nST*835~\n")
    assert [seg[0] for seg in stream] == ["ISA", "GS", "ST"]


def test_a_newline_can_be_the_segment_terminator():
    text = ISA[:-1] + "\n" + "GS*HP\nST*835\n"
    assert [seg[0] for seg in SegmentStream(text)] == ["ISA", "GS", "ST"]


def test_segments_split_across_read_blocks_are_joined():
    text = ISA + "".join(f"REF*X*{n}~" for n in range(50))
    segments = list(SegmentStream(io.StringIO(text), chunk_size=7))
    assert len(segments) == 51 and segments[-1] == ["REF", "X", "49"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("GS*HP~", r"starts with 'GS\*'"),
        (ISA[:60], "106 characters"),
        (ISA.replace("SENDER         ", "SENDER") + "GS*HP*A*B~", "not 106 characters"),
        (ISA.replace("*^*", "*:*"), "must all differ"),
        (ISA.replace(":~", "A~"), "not a letter, digit"),
    ],
)
def test_a_bad_isa_is_rejected_clearly(text, words):
    with pytest.raises(X12Error, match=words):
        SegmentStream(text)


def _tx(*body):
    return TransactionSet("999", "005010X231A1", list(body))


def test_counts_and_control_numbers_are_computed_from_what_is_written():
    written = write_interchange(
        TradingPartners("SENDER", "RECEIVER"),
        MemoryControlNumbers(start=41),
        "FA",
        "005010X231A1",
        [_tx(("AK1", "HC", "7")), _tx(("AK1", "HC", "8"), ("AK9", "A", "1"))],
        datetime(2026, 1, 2, 3, 4),
    )
    assert (written.interchange_control, written.group_control, written.set_controls) == (
        42,
        42,
        ("0001", "0002"),
    )
    lines = written.text.split("~")
    assert lines[0].startswith("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER ")
    assert lines[0].endswith("*260102*0304*^*00501*000000042*0*P*:")
    assert len(lines[0]) == 105  # ISA is 106 characters with its terminator
    assert lines[1:] == [
        "GS*FA*SENDER*RECEIVER*20260102*0304*42*X*005010X231A1",
        "ST*999*0001*005010X231A1",
        "AK1*HC*7",
        "SE*3*0001",
        "ST*999*0002*005010X231A1",
        "AK1*HC*8",
        "AK9*A*1",
        "SE*4*0002",
        "GE*2*42",
        "IEA*1*000000042",
        "",
    ]


def test_trailing_empty_elements_and_components_are_dropped():
    text = write_interchange(
        TradingPartners("S", "R"),
        MemoryControlNumbers(),
        "FA",
        "V",
        [_tx(("AK2", ("HC", "", ""), "", "x", "", ""))],
        datetime(2026, 1, 1),
    ).text
    assert "~AK2*HC**x~" in text


def test_data_containing_a_delimiter_is_refused_with_its_position():
    with pytest.raises(X12Error) as caught:
        write_interchange(
            TradingPartners("S", "R"),
            MemoryControlNumbers(),
            "FA",
            "V",
            [_tx(("NM1", "41", "2", "A*B"))],
            datetime(2026, 1, 1),
        )
    assert (caught.value.position, caught.value.segment_id) == (4, "NM1")
    assert "NM103 'A*B' contains the delimiter '*'" in str(caught.value)


def test_the_first_sets_kind_is_read_from_st01_not_from_a_control_number():
    isa = (
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
        "*260102*0304*^*00501*000000277*0*P*:~"
    )
    assert first_set_kind(isa + "GS*FA*S*R*20260102*0304*277*X*005010X231A1~ST*999*0277~") == "999"
    assert first_set_kind(isa + "GS*HN*S*R*20260102*0304*5*X*005010X214~ST*277*0001~") == "277"
    assert first_set_kind("not an interchange") == ""
