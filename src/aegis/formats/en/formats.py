# Django's English defaults are American (m/d/Y, 12-hour clock), ambiguous for readers
# elsewhere; the month's name makes the day and month unambiguous.
DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i:s"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
