"""Does a resident need an interpreter? They ask for one, name their
language, say English is hard for them, or write in another language.

Pure functions over the message text. The check for another language is
deliberately cautious (a message is only taken as another language when it
has almost no English words and clear signs of another one: another script,
letters English does not use, or everyday words of the languages most spoken
by UK social housing residents); a wrong guess costs an offer of help.
"""
from __future__ import annotations

import re
import unicodedata

LANGUAGES = (
    "polish|arabic|urdu|punjabi|bengali|bangla|somali|romanian|farsi|persian|kurdish|tigrinya|amharic|"
    "portuguese|spanish|french|welsh|gujarati|tamil|turkish|lithuanian|latvian|russian|ukrainian|chinese|"
    "mandarin|cantonese|pashto|dari|hindi|sylheti|albanian|bulgarian|czech|slovak|hungarian|italian|"
    "vietnamese|tagalog|bsl|sign language|polski|po polsku|español|română|português|türkçe|русский|українська"
)

_ASKS = re.compile(
    rf"\b(interpret\w*|translat\w*|(speak|speaks|talk|write|writing|in|only|prefer)( in)? ({LANGUAGES})|"
    rf"({LANGUAGES})( language)?( please| pls| plz| speaker| only)|no (good )?english|"
    r"english (is )?(not|no) (good|well|great)|my english|(don'?t|do not|dont|can'?t|cannot) (speak|read|write|"
    r"understand) (much |good |very good )?english)\b")
_ONLY_A_LANGUAGE = re.compile(rf"^\W*({LANGUAGES})\W*$")

# Everyday English words: a message with a fair share of them is English.
_ENGLISH = frozenset("""
a about after again all am an and any are as at back be been but by can cant come could day did do does dont
for from get got had has have he help her here him his how i if im in is it its ive just know like look me
my need no not now of on or our out please problem repair since so some than thanks that the their them
then there they this to too up us very was we were what when where which who why will with would yes you your
hi hello flat house home heating boiler water leak broken fix still
""".split())

# Everyday words of other languages, none of them an English word.
_FOREIGN = frozenset("""
dzien dobry prosze jest nie mam mieszkanie ogrzewanie problem z woda dziekuje pomocy sie czy
buna ziua va rog nu este apartament apa caldura multumesc ajutor
hola tengo por favor gracias tiene agua calefaccion ayuda piso estoy
ola tenho obrigado obrigada agua nao casa ajuda
labas diena prasau turiu butas sildymas
merhaba evim yok var lutfen tesekkurler
salam mujhe madad chahiye ghar pani hai nahi shukriya
bonjour merci maison eau chauffage aide je suis pas
""".split()) - _ENGLISH


def _plain(word: str) -> str:
    """`word` without accents ("dzień" -> "dzien")."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def written_in_another_language(text: str) -> bool:
    """True when the message is very likely not in English."""
    words = re.findall(r"[^\W\d_]+", (text or "").lower())
    if not words:
        return False
    latin = [w for w in words if all("a" <= c <= "z" or unicodedata.name(c, "").startswith("LATIN") for c in w)]
    if len(latin) < len(words) / 2:
        return True  # mostly another script: Arabic, Bengali, Cyrillic, Chinese...
    if len(words) < 3:
        return False
    english = sum(w in _ENGLISH for w in words)
    if english / len(words) > 0.25:
        return False
    accented = sum(_plain(w) != w for w in words)
    foreign = sum(_plain(w) in _FOREIGN for w in words)
    return accented + foreign >= 2


def needs_an_interpreter(text: str) -> bool:
    """The resident asks for an interpreter, names their language, says
    English is hard for them, or writes in another language."""
    lowered = (text or "").lower()
    return bool(_ASKS.search(lowered) or _ONLY_A_LANGUAGE.match(lowered)) or written_in_another_language(text)
