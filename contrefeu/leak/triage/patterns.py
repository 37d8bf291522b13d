"""The regular expressions of the built-in detectors (personal and financial data, dates of
birth, reply zones), in one place so that their shapes can be read side by side. They are the
reference of what is found: `anchors.py` and the windows of `personal.py`/`financial.py` only
decide where they run.

Python's engine scans about 30 ns per character for a pattern that starts with a character
class or a look-behind, and much faster for one that starts with a literal. So: families of
numbers run only inside "dense runs" (digits and capitals) found by one pass; amounts run only
around a currency sign; label-led and word-led families run at the offsets the anchor pass
found; the rest start with literals or check the start boundary in Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from stdnum.be import nn as be_nn
from stdnum.es import dni as es_dni
from stdnum.es import nie as es_nie
from stdnum.it import codicefiscale as it_cf

SEP = r"[ \u00a0\u202f]"
# A dense run: digits, capitals and number separators, holding enough digits to be a phone,
# NIR, IBAN, card or identity number; every number family below runs only inside one.
DENSE_RUN_RE = re.compile(r"[0-9A-Z+(][0-9A-Z \t\u00a0\u202f.\-/()]{6,}")
DENSE_MIN_DIGITS = 6
EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
EMAIL_DOMAIN_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}\.){1,8}[A-Za-z]{2,24}(?![\w\-])")
PHONE_REGION_RE = re.compile(r"(?<![\w+])(?:\+|\(\+?)?\d[\d \t\u00a0\u202f().\-/]{6,}")
NIR_RE = re.compile(
    r"(?<![\w])[1-478](?:[ .\u00a0]?\d{2}){2}[ .\u00a0]?(?:\d{2}|2[ABab])"
    r"(?:[ .\u00a0]?\d{3}){2}[ .\u00a0]?\d{2}(?![\w])"
)
IBAN_RE = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:" + SEP + r"?[A-Z0-9]){11,30}(?![A-Za-z0-9])"
)
CARD_RE = re.compile(r"(?<![\w\-.,])\d(?:[ \-]?\d){12,18}(?![\w\-]|[.,]\d)")
CARD_IIN_RE = re.compile(
    r"4|5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|3[47]|3(?:0[0-5]|[689])|35"
    r"|6(?:011|5|4[4-9]|2)"
)
CARD_GROUPS_RE = re.compile(
    r"\d{4}(?:([ \-])\d{4}(?:\1\d{4}(?:\1\d{1,7})?)?)?|\d{4}([ \-])\d{6}\2\d{4,5}"
)
NATIONAL_IDS: tuple[tuple[str, re.Pattern[str], Callable[[str], bool]], ...] = (
    (
        "be-nn",
        re.compile(r"(?<![\w.\-])\d{2}\.?\d{2}\.?\d{2}[\-. ]?\d{3}\.?\d{2}(?![\w\-]|[.,]\d)"),
        be_nn.is_valid,
    ),
    ("es-dni", re.compile(r"(?<![\w\-])\d{8}-?[A-Z](?![\w\-])"), es_dni.is_valid),
    ("es-nie", re.compile(r"(?<![\w\-])[XYZ]-?\d{7}-?[A-Z](?![\w\-])"), es_nie.is_valid),
    (
        "it-cf",
        re.compile(
            r"(?<![\w])[A-Z]{6}[0-9LMNP-V]{2}[A-EHLMPRST][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z]"
            r"(?![\w])"
        ),
        it_cf.is_valid,
    ),
)
# A bare 11-digit run passes the Belgian check 1 time in 97: ask for its usual punctuation or
# a label nearby.
BE_NN_CONTEXT_RE = re.compile(
    r"\b(?:registre national|rijksregister\w*|numero national|national number|niss|insz|nn)\b"
)
BE_NN_PUNCTUATED_RE = re.compile(r"\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}")
# BIC and VAT numbers look like ordinary capitals and digits: only after their label.
BIC_LABEL_RE = re.compile(r"(?:bic|swift)(?![a-z])")
BIC_AFTER_LABEL_RE = re.compile(  # right after the label: "BIC : BNPAFRPPXXX", "SWIFT/BIC BNPA..."
    r"(?:[ \t:=/\-]|code|bic)*(?P<bic>[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)(?![A-Za-z0-9])"
)
VAT_LABEL_RE = re.compile(r"(?:tva|vat|ust|iva|btw|intracom)")
VAT_RE = re.compile(
    r"(?<![\w])(?:AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI"
    r"|SK)" + SEP + r"?[0-9A-Z](?:[ .\u00a0]?[0-9A-Z]){7,13}(?![\w])"
)
# Every amount holds a currency sign or code (these) or a spelled currency (Euro, euro,
# Dollar, dollar); the amount pattern runs only around them. The signs are found with
# `str.find`, the codes and words by the anchor pass (a regex alternation of these literals
# tries every character: five times the cost); `CURRENCY_RE` is what they stand for.
CURRENCY_RE = re.compile(r"€|£|\$|EUR|GBP|USD")
CURRENCY_SIGNS = ("€", "£", "$")
CURRENCY_CODES = ("EUR", "GBP", "USD")
# Characters of a number in an amount besides digits (any `\d`): group and decimal separators.
AMOUNT_SEPARATORS = frozenset(" \u00a0\u202f.,'")
AMOUNT_RE = re.compile(
    r"(?<![\w.,])(?:(?:€|EUR|£|\$|USD|GBP)" + SEP + r"?\d{1,3}(?:[ \u00a0\u202f.,']?\d{3})*"
    r"(?:[.,]\d{1,2})?|\d{1,3}(?:[ \u00a0\u202f.,']?\d{3})*(?:[.,]\d{1,2})?" + SEP + r"?"
    r"(?:€|EUR\b|[Ee]uros?\b|k€|M€|£|GBP\b|USD\b|\$|[Dd]ollars?\b))"
)
PEM_BEGIN_RE = re.compile(r"-----BEGIN (?P<label>[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?)-----")
PEM_BODY_RE = re.compile(r"(?:\r?\n(?!-----)[ \t]*[A-Za-z0-9+/=:,\- \t]*[A-Za-z0-9+/=:,\-])*")

STREET_FR = (
    r"rue|avenue|av\.|bd|boulevard|place|pl\.|all[ée]e|chemin|impasse|quai|route|rte|cours"
    r"|square|passage|villa|faubourg|fbg|voie|sentier|esplanade|promenade|parvis|rond-point"
    r"|cit[ée]|r[ée]sidence|hameau|lieu-dit|mont[ée]e|traverse|domaine|lotissement|zac|za|zi"
)
CITY = r"[A-ZÀ-ÖØ-Þ][\w'’\-]*(?:[ \-][A-ZÀ-ÖØ-Þ][\w'’\-]*){0,3}"
# Both address patterns start with the house number's digit (then check what precedes it),
# so that the engine's first-character scan applies.
ADDRESS_FR_RE = re.compile(
    r"\d(?<![\w,.]\d)\d{0,3}(?:[ ]?(?i:bis|ter|quater|[a-d]))?,?[ \t]+(?i:" + STREET_FR + r")\b"
    r"[^\n]{2,60}?[, \t]*(?:\r?\n[ \t]*)?(?:(?i:bp|cs|tsa)[ \t]?\d{1,6}[, \t]*(?:\r?\n[ \t]*)?)?"
    r"(?<!\d)(?:0[1-9]|[1-8]\d|9[0-8])[ ]?\d{3}[ \t]+" + CITY
    + r"(?:[ \t]+(?i:cedex)(?:[ \t]+\d{1,2})?)?"
)  # fmt: skip
STREET_EN = (
    r"street|st\.?|road|rd\.?|avenue|ave\.?|lane|ln\.?|drive|dr\.?|boulevard|blvd\.?|way|court"
    r"|ct\.?|place|pl\.?|square|sq\.?|terrace|close|crescent|gardens|row|mews|parkway|highway"
)
ADDRESS_EN_RE = re.compile(
    r"\d(?<![\w,.]\d)\d{0,4}[A-Za-z]?[ \t]+(?:[A-Z][\w'’.\-]*[ \t]+){1,4}(?i:" + STREET_EN + r")"
    r"(?![\w])[^\n]{0,60}?(?:(?<![\w])[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2}"
    r"|,?[ \t]*(?<![\w])[A-Z]{2}[ \t]+\d{5}(?:-\d{4})?)(?![\w])"
)
MONTHS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "octobre": 10, "novembre": 11, "decembre": 12, "january": 1, "jan": 1, "february": 2,
    "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6,
    "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
DOB_RE = re.compile(  # on folded text; the start boundary is checked in Python
    r"(?:ne\(e\)|nee?|date\s+de\s+naissance|ddn|born|date\s+of\s+birth|birth\s*date"
    r"|d\.?o\.?b\.?)(?!\w)[ \t]*(?:a\s+[^\n,:]{1,40}?\s+)?(?:le|on|:|,)?[ \t]*"
    r"(?P<date>(?P<d1>\d{1,2})[/.\-](?P<m1>\d{1,2})[/.\-](?P<y1>(?:19|20)?\d{2})"
    r"|(?P<y2>(?:19|20)\d{2})-(?P<m2>\d{2})-(?P<d2>\d{2})"
    r"|(?P<d3>\d{1,2})(?:er|st|nd|rd|th)?\s+(?P<m3>" + MONTH + r"),?\s+(?P<y3>(?:19|20)\d{2})"
    r"|(?P<m4>" + MONTH + r")\s+(?P<d4>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y4>(?:19|20)\d{2}))"
    r"(?![\w])"
)
# Zones where the organisation's own addresses are expected (a signature block, a quoted reply
# header); matched on folded text.
SIGNATURE_RE = re.compile(
    r"(?m)^[ \t>]*(?:--[ \t]*|_{3,}[ \t]*|(?:bien |tres |tres bien |bien a vous,? )?cordialement"
    r"|bien a vous|amities|amicalement|bises|bonne (?:journee|soiree)|(?:best|kind|warm)? ?regards"
    r"|best|cheers|thanks|thank you|merci|sincerely|yours sincerely|envoye de mon|sent from my)"
    r"\b[^\n]{0,60}$"
)
QUOTED_HEADER_RE = re.compile(
    r"(?m)^[ \t>]*(?:(?:de|from|a|to|cc|cci|bcc|envoye|sent|date|objet|subject|reply-to"
    r"|repondre a)[ \t]*:[^\n]*|(?:le|on)\b[^\n]{0,200}(?:a ecrit|wrote)[ \t]*:)"
)
SIGNATURE_LINES = 10
