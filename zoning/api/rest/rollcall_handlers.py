"""The roll call's API handlers (晚点名): a student's check-in from the phone. The service
checks the window, the building's rotating code and the location; the coordinates are used
for that check and dropped (only pass/fail, the distance band and the accuracy are kept)."""

from __future__ import annotations

from zoning.api.rest.endpoint import Call, Reply
from zoning.api.rest.errors import ApiError, from_error
from zoning.errors import InvalidInput
from zoning.services import people_grid

#: Why a check-in was refused (``error.reason``, for the phone's own words), by the words
#: of the service's message; the message itself says the rest.
REASONS: tuple[tuple[str, str], ...] = (
    ("already checked in", "already"),
    ("code is wrong or expired", "code"),
    ("too imprecise", "imprecise"),
    ("too far", "far"),
    ("outside the roll-call window", "window"),
    ("No roll call is open", "not_open"),
    ("is closed", "closed"),
)
#: The answer to a check-in without a location (the phone could not get one).
NO_LOCATION = (
    "Check-in refused: no location was sent (the phone gave none). Allow location for this "
    "page and try again, or find your building's grid member, who checks you in."
)


def reason_of(message: str) -> str:
    """Return the refusal's reason code (``other`` when none of :data:`REASONS` fits)."""
    return next((code for words, code in REASONS if words in message), "other")


def check_in(call: Call) -> Reply:
    """Check in to tonight's roll call from the phone: the account's own student number
    (a grid member may name a student of their building), the building's 6-digit code and
    the phone's location with its accuracy. 201 with the band; 400 with ``reason``."""
    b = call.body
    student = str(b.get("student") or call.actor.person or "").strip()
    if not student:
        raise ApiError(400, "invalid_input", f"Account {call.actor.name!r} is not linked to a "
                       "student number: ask an admin to link it, or name the student.",
                       reason="no_student")  # fmt: skip
    if "lon" not in b or "lat" not in b:
        raise ApiError(400, "invalid_input", NO_LOCATION, reason="no_location")
    if "accuracy_m" not in b:
        raise ApiError(422, "validation", "accuracy_m: required with lon and lat (the phone's "
                       "accuracy radius, metres)", field="accuracy_m")  # fmt: skip
    try:
        verdict = people_grid.check_in(
            call.engine,
            call.path["campus"],
            student_no=student,
            lon=b["lon"],
            lat=b["lat"],
            accuracy_m=b["accuracy_m"],
            code=b["code"],
            actor=call.actor,
        )
    except InvalidInput as err:
        refused = from_error(err)
        raise ApiError(refused.status, refused.code, refused.message,
                       reason=reason_of(str(err))) from None  # fmt: skip
    return 201, {
        "student_no": student,
        "checked_in": True,
        "band": verdict.band,
        "accuracy_m": verdict.accuracy_m,
    }
