"""Field helpers shared by the decoders: strict types, ranges, timestamps, codec field names."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from ingest.errors import INVALID_FIELD, MALFORMED_JSON, OUT_OF_RANGE, Rejected

# Field names of the decoded payload (TTS `decoded_payload`, ChirpStack `object`) from common
# fill-level codecs (Milesight EM400-MUD / EM310-UDL, Dragino DDS75-LB) and our own names.
DISTANCE_KEYS = ("distance_mm", "distance", "distance1")
FILL_FRACTION_KEYS = ("fill_fraction", "fillingLevel")
FILL_PERCENT_KEYS = ("fill_percent", "fill_level_pct")
BATTERY_KEYS = ("battery_pct", "battery", "batteryLevel")
TEMPERATURE_KEYS = ("temperature_c", "temperature", "temperature_pro")
FLOAT4_TINY = 1.2e-38  # smallest normal PostgreSQL `real` is about 1.18e-38


def parse_json_object(payload: bytes) -> dict[str, Any]:
    """The payload as a JSON object, or `Rejected(malformed_json)`."""
    try:
        obj = json.loads(payload.decode())  # str: json skips its encoding detection
    except (ValueError, UnicodeDecodeError) as exc:
        raise Rejected(MALFORMED_JSON, f"not JSON: {exc}") from None
    except RecursionError:
        raise Rejected(MALFORMED_JSON, "not JSON: nested too deeply") from None
    if not isinstance(obj, dict):
        raise Rejected(MALFORMED_JSON, f"expected a JSON object, got {type(obj).__name__}")
    return obj


def number(obj: dict[str, Any], key: str) -> float | None:
    """obj[key] as a finite float; None if absent or null; `Rejected(invalid_field)` otherwise."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected(INVALID_FIELD, f"{key} must be a number, got {type(value).__name__}")
    try:
        value = float(value)
    except OverflowError:  # an integer of hundreds of digits
        raise Rejected(OUT_OF_RANGE, f"{key} is too large") from None
    if not math.isfinite(value):
        raise Rejected(INVALID_FIELD, f"{key} must be finite")
    if abs(value) < FLOAT4_TINY:
        return 0.0  # would underflow PostgreSQL `real` (an error, not a zero)
    return value


def first_number(obj: dict[str, Any], keys: tuple[str, ...]) -> float | None:
    for key in keys:
        if obj.get(key) is not None:
            return number(obj, key)
    return None


def boolean(obj: dict[str, Any], key: str) -> bool | None:
    value = obj.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise Rejected(INVALID_FIELD, f"{key} must be true or false, got {type(value).__name__}")


def text(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise Rejected(INVALID_FIELD, f"{key} must be a string, got {type(value).__name__}")


def timestamp(value: Any, key: str) -> datetime:
    """An ISO 8601 string with a UTC offset, or epoch seconds, as an aware UTC datetime."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(_trim_fraction(value))
        except ValueError:
            raise Rejected(
                INVALID_FIELD, f"{key} is not an ISO 8601 timestamp: {value[:40]!r}"
            ) from None
        if parsed.tzinfo is None:
            raise Rejected(INVALID_FIELD, f"{key} has no UTC offset: {value[:40]!r}")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # year 1 with a positive offset, year 9999 with a negative one
            raise Rejected(OUT_OF_RANGE, f"{key} is out of range: {value[:40]!r}") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)  # NaN: ValueError; 10**400: OverflowError
        except (OverflowError, OSError, ValueError):
            raise Rejected(
                OUT_OF_RANGE, f"{key} is not a valid epoch time: {str(value)[:40]}"
            ) from None
    if value is None:
        raise Rejected(INVALID_FIELD, f"{key} is missing")
    raise Rejected(INVALID_FIELD, f"{key} must be an ISO 8601 string or epoch seconds")


def _trim_fraction(value: str) -> str:
    """Cut fractional seconds to 6 digits (ChirpStack and TTS send nanoseconds)."""
    dot = value.find(".")
    if dot < 0:
        return value
    end = dot + 1
    while end < len(value) and value[end].isdigit():
        end += 1
    if end - dot - 1 <= 6:
        return value
    return value[: dot + 7] + value[end:]


def decoded_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """Normalise a codec's decoded object to our field names (missing fields are None)."""
    fill = first_number(obj, FILL_FRACTION_KEYS)
    if fill is None:
        percent = first_number(obj, FILL_PERCENT_KEYS)
        fill = None if percent is None else percent / 100.0
    tilt = obj.get("tilt")
    if tilt is None and obj.get("position") is not None:
        position = text(obj, "position")
        tilt = position == "tilt"
    elif tilt is not None:
        tilt = boolean(obj, "tilt")
    return {
        "fill_fraction": fill,
        "distance_mm": first_number(obj, DISTANCE_KEYS),
        "battery_pct": first_number(obj, BATTERY_KEYS),
        "temperature_c": first_number(obj, TEMPERATURE_KEYS),
        "tilt": tilt,
    }


def best_signal(rx: Any, rssi_key: str, snr_key: str) -> tuple[float | None, float | None]:
    """RSSI and SNR of the gateway that heard the uplink best (highest RSSI)."""
    if not isinstance(rx, list):
        return None, None
    best: tuple[float | None, float | None] = (None, None)
    for gateway in rx:
        if not isinstance(gateway, dict):
            continue
        rssi = number(gateway, rssi_key)
        if rssi is not None and (best[0] is None or rssi > best[0]):
            best = (rssi, number(gateway, snr_key))
    return best
