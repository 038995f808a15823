from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from athsys.errors import ValidationError
from athsys.timing.formats import detect_format, parse_passings
from athsys.timing.formats.chronotrack import parse_chronotrack
from athsys.timing.formats.ipico import ipico_checksum, parse_ipico
from athsys.timing.formats.mylaps import acknowledgements, parse_mylaps
from athsys.timing.formats.raceresult import parse_raceresult
from athsys.timing.passing import ParseOptions

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).parent / "samples"
PLUS_TWO = timezone(timedelta(hours=2))


def sample(name):
    return (SAMPLES / name).read_bytes()


def errors_of(parser, body, options=None):
    with pytest.raises(ValidationError) as info:
        parser(body, options)
    return info.value.details["errors"]


# --- RACE RESULT -------------------------------------------------------------------------


def test_raceresult_sample_with_crlf_blank_line_push_prefix_and_trailing_blanks():
    passings = parse_raceresult(sample("raceresult_passings.txt"), ParseOptions(tz=PLUS_TWO))
    assert [p.read_id for p in passings] == ["3:1", "3:2", "3:3"]
    assert [p.line for p in passings] == [1, 2, 4]
    first, second, third = passings
    assert first.timestamp == datetime(2024, 10, 13, 9, 47, 12, 347000, tzinfo=PLUS_TWO)
    assert (first.chip, first.hits, first.rssi, first.antenna, first.reader) == (
        "NHHAK17",
        0x1A,
        0x5F,
        2,
        "FinishBox",
    )
    assert first.timing_point is None and not first.is_gun
    assert second.chip == "NHHAK18" and second.epoch_ms - first.epoch_ms == 663
    assert third.timing_point == "7" and third.antenna is None


def test_raceresult_older_firmware_with_four_fields():
    (passing,) = parse_raceresult("17;058812;2024-10-13;09:47:12.347")
    assert passing.read_id == "17"
    assert passing.timestamp == datetime(2024, 10, 13, 9, 47, 12, 347000, tzinfo=UTC)


def test_raceresult_reports_every_bad_line():
    body = (
        "1;A1;2024-10-13;09:47:12.347\n"
        "2;A2;13.10.2024;09:47:12.347\n"
        "3;A3;2024-10-13;9h47\n"
        "x;A4;2024-10-13;09:47:12.347;0;ZZ\n"
        "5;A5\n"
    )
    errors = errors_of(parse_raceresult, body)
    assert [(e["line"], e["field"]) for e in errors] == [
        (2, "date"),
        (3, "time"),
        (4, "passing_no"),
        (4, "hits"),
        (5, None),
    ]


def test_raceresult_duplicate_passing_number_in_one_payload():
    body = "1;A1;2024-10-13;09:47:12.347\n1;A2;2024-10-13;09:47:13.000\n"
    errors = errors_of(parse_raceresult, body)
    assert errors == [
        {"line": 2, "field": "read_id", "problem": "duplicate read id '1' (first on line 1)"}
    ]


def test_raceresult_read_a_day_after_the_competition_is_rejected():
    window = ParseOptions(
        valid_from=datetime(2024, 10, 13, tzinfo=UTC),
        valid_until=datetime(2024, 10, 14, tzinfo=UTC),
    )
    body = "1;A1;2024-10-13;09:47:12.347\n2;A2;2024-10-15;09:47:12.347\n"
    errors = errors_of(parse_raceresult, body, window)
    assert [(e["line"], e["field"]) for e in errors] == [(2, "time")]
    assert "after the competition window" in errors[0]["problem"]


def test_raceresult_line_limit():
    with pytest.raises(ValidationError, match="exceed the limit of 3"):
        parse_raceresult(sample("raceresult_passings.txt"), ParseOptions(max_lines=3))


# --- MYLAPS ------------------------------------------------------------------------------


def test_mylaps_published_passing_message_and_gun_marker():
    passings = parse_mylaps(sample("mylaps_passings.txt"))
    assert len(passings) == 3  # two passings, one gun; the 'mark' marker is no passing
    first, second, gun = passings
    assert (first.chip, first.bib, first.timing_point, first.reader) == (
        "0000041",
        "41",
        "10KM",
        "4",
    )
    assert first.timestamp == datetime(2012, 6, 6, 13, 11, 30, 904000, tzinfo=UTC)
    assert first.antenna is None  # BibTag antenna bit mask, no strongest antenna given
    assert second.chip == "0000039"
    assert second.epoch_ms - first.epoch_ms == 50_926
    assert gun.is_gun and gun.chip is None and gun.timing_point == "Start"
    assert gun.timestamp == datetime(2012, 6, 6, 12, 30, 0, 120000, tzinfo=UTC)
    assert len({p.read_id for p in passings}) == 3


def test_mylaps_acknowledgements():
    assert acknowledgements(sample("mylaps_passings.txt"), "AthSys") == [
        "AthSys@AckPassing@1016@$",
        "AthSys@AckMarker@1017@$",
        "AthSys@AckMarker@1018@$",
    ]


def test_mylaps_message_numbers_with_a_leading_space_are_read_and_echoed():
    """Some decoders pad the message number (``@ 1016@$``); the host answers with the number
    as it came, so the decoder recognises its message and stops resending it."""
    body = ("Finish@Passing@t=09:00:01.005|c=AB12345|d=241013@ 1016@$\r\n"
            "Start@Marker@t=08:59:00.000|mt=gun|d=241013@  7@$\r\n")
    passing, gun = parse_mylaps(body)
    assert passing.chip == "AB12345" and gun.is_gun
    assert acknowledgements(body, "AthSys") == ["AthSys@AckPassing@ 1016@$",
                                                "AthSys@AckMarker@  7@$"]
    with pytest.raises(ValidationError, match="'1O16' is not a message number"):
        parse_mylaps("Finish@Passing@t=09:00:01.005|c=AB12345|d=241013@1O16@$")


def test_mylaps_fields_antenna_hits_and_date_from_options():
    body = "Finish@Passing@t=09:00:01.005|c=AB12345|an=2|h=14|am=87@3@$"
    (passing,) = parse_mylaps(body, ParseOptions(day=date(2024, 10, 13)))
    assert (passing.antenna, passing.hits, passing.rssi) == (2, 14, 87)
    assert passing.timestamp == datetime(2024, 10, 13, 9, 0, 1, 5000, tzinfo=UTC)


def test_mylaps_marker_with_full_date_time():
    (gun,) = parse_mylaps("Start@Marker@t=2024-10-13 08:00:00.250|mt=ext-gun|n=Wave A@9@$")
    assert gun.is_gun and gun.timestamp == datetime(2024, 10, 13, 8, 0, 0, 250000, tzinfo=UTC)


def test_mylaps_bad_records_and_messages_are_all_reported():
    body = (
        "Finish@Passing@t=09:00:01.005|c=A1|d=241013@t=25:00:00.000|c=A2|d=241013@4@$\r\n"
        "Finish@Passing@c=A3|d=241013@5@$\r\n"
        "Finish@Passing@t=09:00:02.000|d=241013@6@$\r\n"
        "Finish@Passing@t=09:00:03.000|c=A4@7@$\r\n"
        "Finish@Store@t=09:00:03.000|c=A4@8@$\r\n"
    )
    errors = errors_of(parse_mylaps, body)
    assert [(e["line"], e["field"]) for e in errors] == [
        (1, "record 2 t"),
        (2, "record 1 t"),
        (3, "record 1 c"),
        (4, "record 1 d"),
        (5, "kind"),
    ]


def test_mylaps_unterminated_and_bad_message_number():
    errors = errors_of(parse_mylaps, "Finish@Passing@t=09:00:01.005|c=A1|d=241013@x@$\nFin@")
    assert [(e["line"], e["field"]) for e in errors] == [(1, "message_number"), (2, None)]


# --- ChronoTrack -------------------------------------------------------------------------


def test_chronotrack_sample():
    passings = parse_chronotrack(
        sample("chronotrack_reads.txt"), ParseOptions(day=date(2024, 10, 13))
    )
    gun, start, finish, comma = passings
    assert gun.is_gun and gun.chip is None and gun.timing_point == "start"
    assert gun.timestamp == datetime(2024, 10, 13, 7, 45, 1, 10000, tzinfo=UTC)
    assert (start.chip, start.timing_point, start.antenna, start.reader) == (
        "50101",
        "START",
        8,
        "117F37",
    )
    assert not start.is_gun
    assert finish.epoch_ms - gun.epoch_ms == 2_683_360
    assert (comma.chip, comma.timing_point, comma.antenna) == ("50102", "FINISH", 4)


def test_chronotrack_antenna_zero_is_the_gun_and_new_location_is_skipped():
    body = (
        "CT01_13~1~START~0000~08:00:00.00~1~117F37~0\n"
        "CT01_33~2~30k~newlocation~09:15:21.00~0~ED932A~0\n"
        "CT01_13~3~START~50101~2024-10-13T08:00:04.20~1~117F37~1\n"
    )
    gun, read = parse_chronotrack(body, ParseOptions(day=date(2024, 10, 13)))
    assert gun.is_gun and gun.chip is None
    assert read.timestamp == datetime(2024, 10, 13, 8, 0, 4, 200000, tzinfo=UTC)


def test_chronotrack_time_without_a_date_needs_the_competition_day():
    errors = errors_of(parse_chronotrack, sample("chronotrack_reads.txt"))
    assert [(e["line"], e["field"]) for e in errors] == [(n, "time") for n in (1, 2, 3, 4)]


def test_chronotrack_bad_lines():
    body = "CT01_13~1~START~50101~08:00:00.00~1~117F37\nCT02_13~x\nCT01_13~x~~50101~8~1~M~a\n"
    errors = errors_of(parse_chronotrack, body, ParseOptions(day=date(2024, 10, 13)))
    assert [(e["line"], e["field"]) for e in errors] == [
        (1, None),
        (2, "protocol"),
        (3, "point"),
        (3, "line_no"),
        (3, "antenna"),
        (3, "time"),
    ]


def test_a_ctp01_session_capture_keeps_the_reads_and_skips_the_control_lines():
    """chronotrack_ctp01_session.txt: a CTP01 session as a public CTP01 client's integration
    specification documents it (greetings, initialisation requests, start/ack, ping,
    getconnectionid, err, stop) with its three tag observations."""
    body = sample("chronotrack_ctp01_session.txt")
    assert detect_format(body) == "chronotrack"
    reads = parse_chronotrack(body, ParseOptions(day=date(2026, 2, 1)))
    assert [(r.chip, r.timing_point) for r in reads] == [
        ("1234", "finish"), ("567", "finish"), ("UNKNOWN", "finish")]
    assert reads[1].epoch_ms - reads[0].epoch_ms == 140


@pytest.mark.parametrize("line", ["hello there", "CT01_34~1~finish~1~14:02:15.31~0~R~0",
                                  "start finish now", "RunScore~6.5"])
def test_a_line_that_is_neither_a_read_nor_a_control_line_is_refused(line):
    errors = errors_of(parse_chronotrack, f"CT01_33~1~finish~1234~14:02:15.31~0~R~0\n{line}\n",
                       ParseOptions(day=date(2026, 2, 1)))
    assert [e["line"] for e in errors] == [2]


# --- IPICO -------------------------------------------------------------------------------


def test_ipico_published_read():
    plain, first_seen = parse_ipico(sample("ipico_reads.txt"))
    assert plain.chip == "000000012345" and plain.reader == "40" and plain.seen is None
    assert plain.timestamp == datetime(2001, 12, 30, 18, 45, 59, 390000, tzinfo=UTC)
    assert first_seen.seen == "FS" and first_seen.epoch_ms == plain.epoch_ms
    assert plain.read_id != first_seen.read_id


def test_ipico_checksum_is_ascii_sum_mod_256():
    assert ipico_checksum("aa400000000123450a2a01123018455927") == "a7"
    assert ipico_checksum("aa400000000123450a2a01123018455927a7") == "a7"
    # the extended frame sums the 38 characters between 'aa' and the checksum
    assert ipico_checksum("aa00058000123b3200012603081222022f060080cd") == "cd"


def test_ipico_reads_with_the_tag_status_extension_from_a_reader_capture():
    """42-character frames (TTO bit on) carry first/last seen in their status byte."""
    reads = parse_ipico(sample("ipico_tag_status_reads.txt"))
    assert [(r.chip, r.seen) for r in reads] == [
        ("058000123b32", "FS"),
        ("058000123b32", "LS"),  # status 0x60: bit 6 (last seen) and an undocumented bit 5
        ("058000121838", "FS"),
        ("058000128608", None),  # status 0x00: event mode
        ("058000128608", None),  # a 36-character frame of the same reader
    ]
    assert reads[0].timestamp == datetime(2026, 3, 8, 12, 22, 2, 470000, tzinfo=UTC)
    assert reads[0].epoch_ms == reads[1].epoch_ms and reads[0].read_id != reads[1].read_id
    assert {r.reader for r in reads} == {"00"}


def with_checksum(body, suffix=""):
    record = "aa" + body
    return record + ipico_checksum(record) + suffix


@pytest.mark.parametrize(
    ("status", "seen"),
    [("80", "FS"), ("40", "LS"), ("60", "LS"), ("c0", "FS"), ("00", None), ("01", None),
     ("ff", None), ("81", "FS")],
)
def test_ipico_tag_status_byte(status, seen):
    line = with_checksum("400000000123450a2a01123018455927" + "1200" + status)
    (read,) = parse_ipico(line)
    assert read.seen == seen and read.chip == "000000012345"
    assert read.timestamp == datetime(2001, 12, 30, 18, 45, 59, 390000, tzinfo=UTC)


@pytest.mark.parametrize("suffix", ["fs", "ls", "Fs", "lS", "FS", "LS"])
def test_ipico_seen_suffix_in_either_case(suffix):
    (read,) = parse_ipico("aa400000000123450a2a01123018455927a7" + suffix)
    assert read.seen == suffix.upper()
    assert read.read_id == "aa400000000123450a2a01123018455927a7" + suffix.upper()
    assert detect_format("aa400000000123450a2a01123018455927a7" + suffix) == "ipico"


def test_ipico_suffix_after_an_extended_frame_agrees_with_its_status_byte():
    body = "400000000123450a2a01123018455927" + "120080"
    (read,) = parse_ipico(with_checksum(body, "fs"))
    assert read.seen == "FS"
    (read,) = parse_ipico(with_checksum("400000000123450a2a01123018455927" + "120000", "ls"))
    assert read.seen == "LS"
    errors = errors_of(parse_ipico, with_checksum(body, "LS"))
    assert [(e["field"], e["problem"]) for e in errors] == [
        ("suffix", "'LS' contradicts the tag-status byte '80' (FS)")]


LENGTHS = "36 hexadecimal characters, or 42 with the tag-status extension"


@pytest.mark.parametrize(
    ("line", "field", "problem"),
    [
        ("aa400000000123450a2a01123018455927a8", "checksum", "'a8' does not match"),
        ("aa400000000123450a2a01123018455927a8", "checksum", "expected a7"),
        ("aa00058000123b3200012603081222022f060080ce", "checksum", "expected cd"),
        ("aa00058000123b3200012603081222022f060080cefs", "checksum", "expected cd"),
        (with_checksum("400000000123450a2a01123018455964"), "centiseconds",
         "'64' (hex) are 100, out of range 00-63 (0-99)"),
        (with_checksum("400000000123450a2a011230184559ff"), "centiseconds",
         "'ff' (hex) are 255, out of range"),
        (with_checksum("400000000123450a2a011230184559641200800"[:38]), "centiseconds",
         "'64' (hex) are 100"),
        (with_checksum("400000000123450a2a01133018455927"), "date", "YYMMDD"),
        (with_checksum("400000000123450a2a01123025455927"), "time", "time of day"),
        ("aa400000000123450a2a01123018455927a", "length", "35 characters; expected " + LENGTHS),
        ("aa400000000123450a2a01123018455927a7a7", "length", "38 characters; expected"),
        ("aa400000000123450a2a01123018455927a7FSFS", "length", "40 characters; expected"),
        ("aa00058000123b3200012603081222022f060080", "length",
         "(so 36, 38, 42 or 44 characters)"),
        ("aa400000000123450a2a01123018455927a7ZZ", "suffix", "'ZZ' after the record is not FS"),
        ("aa00058000123b3200012603081222022f060080cdXS", "suffix", "'XS'"),
        ("ab400000000123450a2a01123018455927a7", "prefix", "'aa'"),
        ("aa40000000012345Xa2a01123018455927a7", None, "hexadecimal"),
    ],
)
def test_ipico_bad_records(line, field, problem):
    errors = errors_of(parse_ipico, "aa400000000123450a2a01123018455927a7\n" + line)
    assert len(errors) == 1
    assert (errors[0]["line"], errors[0]["field"]) == (2, field)
    assert problem in errors[0]["problem"]


# --- detection and dispatch --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("json_batch_valid.json", "json"),
        ("raceresult_passings.txt", "raceresult"),
        ("mylaps_passings.txt", "mylaps"),
        ("chronotrack_reads.txt", "chronotrack"),
        ("ipico_reads.txt", "ipico"),
        ("ipico_tag_status_reads.txt", "ipico"),
        ("lif_hundredths_delta_to_winner.lif", "lif"),
    ],
)
def test_detect_format(name, fmt):
    assert detect_format(sample(name)) == fmt


def test_detect_pushed_raceresult_passing():
    assert detect_format("\r\n#P;1;A1;2024-10-13;09:47:12.347\r\n") == "raceresult"


def test_unrecognised_format_names_its_line():
    with pytest.raises(ValidationError) as info:
        detect_format("\n\nhello world\n")
    assert info.value.details["errors"][0]["line"] == 3


def test_binary_payload_is_rejected_before_detection():
    with pytest.raises(ValidationError, match="binary"):
        parse_passings(sample("binary_upload.bin"))


def test_parse_passings_dispatches_on_the_detected_format():
    options = ParseOptions(day=date(2024, 10, 13))
    passings = parse_passings(sample("chronotrack_reads.txt"), options=options)
    assert [p.chip for p in passings] == [None, "50101", "50101", "50102"]
    ipico = parse_passings(sample("ipico_reads.txt"), "ipico")
    assert ipico[0].chip == "000000012345"


def test_parse_passings_refuses_lif_and_unknown_formats():
    with pytest.raises(ValidationError, match="parse_lif"):
        parse_passings(sample("lif_hundredths_delta_to_winner.lif"))
    with pytest.raises(ValidationError, match="unknown passing format 'csv'"):
        parse_passings("x", "csv")
