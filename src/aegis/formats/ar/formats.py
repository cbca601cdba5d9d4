# Django's Arabic formats set no date-and-time form (it fell back to the American one) and a
# 12-hour clock; the right-to-left marks keep the short date in order inside Arabic text.
DATE_FORMAT = "j F، Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F، Y، H:i:s"
SHORT_DATE_FORMAT = "d\u200f/m\u200f/Y"
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y H:i"
