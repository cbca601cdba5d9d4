"""Date formats per language (settings.FORMAT_MODULE_PATH), over Django's own: one short and
one long form in each language, a 24-hour clock everywhere, and seconds in the long form,
which the audit and custody logs use. Machine-readable places (CSV, `datetime=` attributes,
manifests, the API) stay ISO 8601."""
