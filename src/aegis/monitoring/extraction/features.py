"""Features shared by training (train.py) and inference (pipeline.py), so both see the same."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from . import dates, given_names, languages, places
from . import text as textmod
from .linear import Features, bag

PARTICLES = {
    "al",
    "bin",
    "ibn",
    "de",
    "da",
    "del",
    "della",
    "dos",
    "van",
    "von",
    "der",
    "el",
    "la",
    "le",
    "di",
    "du",
    "bint",
    "abu",
    "ben",
}
NAME_TOKEN = re.compile(
    r"[A-Z\u00c0-\u00de][\w'\u2019.-]*|(?:al|el|bin|ibn|de|da|del|della|dos|van|von|der|la|le|di|du|abu|ben)(?=[\s-])"
)
# Capitalised words that start no person's name in news text.
NOT_NAME = frozenset(
    re.split(
        r"\s+",
        """
        The A An In On At Of For And But Or If As By To From With After Before During Since
        Until When While Where What Who Why How This That These Those It Its He She His Her They
        Their We Our You Your I Mr Mrs Ms Miss Dr Prof Sir President Prime Minister Journalist
        Activist Police General Gen Col Lt Sgt Capt Maj Judge Justice Chief Senator Sen Rep
        Governor Gov King Queen Prince Sheikh Imam Father Rev Pastor Bishop Saint St January
        February March April May June July August September October November December Monday
        Tuesday Wednesday Thursday Friday Saturday Sunday Click Image Photo AP AFP Reuters Read
        More Also According However Meanwhile Human Rights Watch Amnesty International United
        Nations UN Republic Democratic People Government Ministry Court Army National
        State Federal Supreme High University News Times Post Tribune Press Agency
        Committee Council Union Association Network Foundation Center Centre Institute
        Commission Organization Organisation Forces Force Guard Security Service
        Services Department Office Bureau Police Station North South East West New Mount Lake
        River City Province Region District County
                Executive Director Editor Chairman Chairwoman Founder Secretary Commander Officer
        Deputy Vice Mayor Lawyer Attorney Reporter Correspondent Photographer Editor-in-chief
        Head Spokesman Spokesperson Spokeswoman Blogger Writer Columnist Anchor Producer
        Journalists Activists Lawyers Reporters Defenders Bloggers Prosecutor Prosecutors
        Special Legionnaire Daw Limited Ltd Ventures Company Case Engineering Group
        """.strip(),
    )
)

# Words that open a sentence, count or link ("Although Kris", "Both Echanis", "Four
# Burundi"), titles and offices ("Staff Sergeant", "Home Affairs Samuel Aruwan") and peoples
# ("Jewish Community"): none a given name in the lists (a test sees to it) nor a common
# surname ("Nor", "Arab", "Even", "Christian" and "Thai" stay out).
OPENERS_AND_TITLES = frozenset(
    re.split(
        r"\s+",
        """
        Although Though Despite Following Like Unlike Both Another Other Every Each All Some
        Many Several Most Such Two Three Four Five Six Seven Eight Nine Ten Dozens Hundreds
        Thousands Formerly Former Late Then Now Today Yesterday Tonight Last Next Under Over
        Between Against Without Within Amid Across Through Including Whether Because Unless
        Once Not There Here Upon Via Instead Earlier Later Recently Currently Eventually
        Finally Indeed Still Just Only Nevertheless Moreover Furthermore Additionally Similarly
        Likewise Besides Thus Therefore Subsequently Previously Ultimately Sergeant Staff Lord
        Commissioner Inspector Superintendent Detective Ambassador Councillor Councilor
        Assemblyman Congressman Congresswoman Lawmaker Senior Advocate Manager Affairs Jewish
        Islamic Turkic Deutsche European African Asian Arabic Kurdish Western Eastern Northern
        Southern
        """.strip(),
    )
)
NOT_NAME = NOT_NAME | OPENERS_AND_TITLES
# Words that end the name of a thing, not a person: the capitalised words before them go
# with them ("Geo TV", "Public Safety Act", "Roosevelt Avenue", "Serious Illegal Detention",
# "Penal Code"). Surnames stay out ("Law", "Temple", "Legion", "Church", "Street").
THING = frozenset(
    re.split(
        r"\s+",
        """
        TV FC Radio Television Channel Gazette Magazine Journal Daily Online Community Chapter
        Avenue Road Square Highway Airport Prison Hospital School College Academy Act Code
        Protests Protest Students Prisoners Muslims Christians Catholic Mosque Emirate Empire
        Magistrates Tribunal Parliament Assembly Congress Senate Robbery Kidnapping Detention
        Murder Assault Terrorism Liberation Party Movement Front
        """.strip(),
    )
)
# Words that are neither a name nor a place's (the city finder's test).
NOT_PLACE = NOT_NAME | THING
TITLES = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "prof",
    "sir",
    "journalist",
    "activist",
    "reporter",
    "lawyer",
    "president",
    "leader",
}
MALE = {
    "he",
    "him",
    "his",
    "himself",
    "mr",
    "man",
    "father",
    "husband",
    "son",
    "brother",
    "boy",
    "uncle",
    "sir",
    "king",
    "male",
    "gentleman",
    "grandfather",
}
FEMALE = {
    "she",
    "her",
    "hers",
    "herself",
    "mrs",
    "ms",
    "miss",
    "woman",
    "mother",
    "wife",
    "daughter",
    "sister",
    "girl",
    "aunt",
    "lady",
    "female",
    "grandmother",
    "madam",
}


# What is read of an article: its name features count each candidate over the whole text, so
# the time grows with the square of the length (2 MB of news took minutes). The longest of the
# 400 HRDsAttack articles is 99,693 characters; a news story is rarely a tenth of that.
READ_CHARS = 100_000
TITLE_CHARS = 1_000


@dataclass
class Article:
    title: str
    plain: str
    published: date | None
    sentences: list[str]
    tokens: list[str]
    title_tokens: list[str]
    full: str = field(default="")
    # The words the article writes in lower case (a capitalised one among them is no name).
    lowered: frozenset[str] = field(default=frozenset())
    # Its name candidates, found once (candidates()): each victim's features ask again.
    found: list[Candidate] | None = field(default=None, repr=False, compare=False)
    # Who is listed beside another victim, by the victims asked about (listed_together):
    # found once for them all, kept with the article (a cache beside it kept the text).
    listed: dict[tuple[str, ...], frozenset[str]] = field(
        default_factory=dict, repr=False, compare=False
    )

    # The countries it names in its own language (languages.country_mentions), found once.
    named_places: list[tuple[str, int, str, languages.Named]] | None = field(
        default=None, repr=False, compare=False
    )
    # Its language (an ISO 639-1 code, "" where unknown): Spanish, French and Arabic are
    # read with their own words too (languages.py), any other as English.
    language: str = ""

    @classmethod
    def make(
        cls, title: str, body: str, published: date | None, language: str | None = None
    ) -> Article:
        """The article as the extractor reads it: its plain text up to READ_CHARS (at a
        paragraph's end), its publish date unless it is a placeholder, and its language (the
        one given, e.g. the source's or the page's, else recognised from the text)."""
        plain = textmod.html_to_text(body) if "<" in body else body
        if len(plain) > READ_CHARS:
            cut = plain.rfind("\n", 0, READ_CHARS)
            plain = plain[: cut if cut > READ_CHARS // 2 else READ_CHARS]
        title = title[:TITLE_CHARS]
        full = f"{title}\n{plain}" if title else plain
        code = languages.code_of(language) or languages.detected(full)
        return cls(
            title=title,
            plain=plain,
            published=dates.usable(published),
            sentences=textmod.sentences(full, code in languages.FOREIGN),
            tokens=textmod.tokens(full),
            title_tokens=textmod.tokens(title),
            full=full,
            lowered=frozenset(w for w in textmod.words(full) if w.islower()),
            language=code,
        )

    def places_named(self) -> list[tuple[str, int, str, languages.Named]]:
        """The countries and capitals it names in its language (Spanish, French, Arabic),
        found once."""
        if self.named_places is None:
            self.named_places = languages.country_mentions(self.full, self.language)
        return self.named_places


# Words of each violation (and of other attacks), counted over the article and the title.
KEYWORDS = {
    "kill": r"\b(?:kill\w*|murder\w*|shot dead|assassinat\w*|slain|gunned down|death|dead|"
    r"bod(?:y|ies))\b",
    "kidnap": r"\b(?:kidnap\w*|abduct\w*|hostage\w*|seized|ransom)\b",
    "detain": r"\b(?:arrest\w*|detain\w*|detention|jail\w*|prison\w*|custody|imprison\w*|"
    r"sentenced|charged|remand\w*)\b",
    "torture": r"\b(?:tortur\w*|beat|beaten|beating|assault\w*|ill-treat\w*|abuse\w*)\b",
    "disappear": r"\b(?:disappear\w*|whereabouts|missing)\b",
    "other": r"\b(?:threat\w*|harass\w*|intimidat\w*|attack\w*|censor\w*|raid\w*|ban\w*|"
    r"surveil\w*|spyware|hack\w*)\b",
}
KEYWORD_PATTERNS = {name: re.compile(p) for name, p in KEYWORDS.items()}


# Which of the keyword groups above tells each violation type (its sentence, for the analyst).
VIOLATION_KEYWORDS = {
    "arbitrary detention": "detain",
    "enforced disappearance": "disappear",
    "kidnapping": "kidnap",
    "killing": "kill",
    "torture": "torture",
    "other": "other",
}
_DEATH_THREAT = re.compile(r"death[\s-]+threat", re.IGNORECASE)
# A killing said as a threat: "would be killed", "threatened to kill", "vowed to kill",
# "threatened with death". Read in the few words before the killing's word only.
_AS_A_THREAT = re.compile(
    r"(?:\b(?:would|will|could|might)\s+(?:be\s+|have\s+been\s+)?"
    r"|\b(?:threat\w*|vow\w*|promis\w*)\s+to\s+"
    r"|\bthreat\w*\s+(?:\w+\s+){0,2}?(?:of|with)\s+)$"
)
_BEFORE = 60  # characters before a killing's word where a threat is looked for


def _threatened(lowered: str, start: int) -> bool:
    return bool(
        _DEATH_THREAT.match(lowered, start)
        or _AS_A_THREAT.search(lowered, max(0, start - _BEFORE), start)
    )


def killing_only_threatened(article: Article) -> bool:
    """The article's every word of a killing is a threat of one ("death threats", "would be
    killed"), and there is one: the classifier, weighing "death", had called threats
    killings."""
    pattern = KEYWORD_PATTERNS["kill"]
    threats = False
    for sentence in article.sentences:
        lowered = sentence.lower()
        for found in pattern.finditer(lowered):
            if not _threatened(lowered, found.start()):
                return False
            threats = True
    return threats


def violation_sentence(article: Article, label: str) -> str:
    """The first sentence with a word of the violation (for a killing, not "death threats"
    nor a killing threatened), or "" where none has: the classifier weighed the whole
    article."""
    pattern = KEYWORD_PATTERNS.get(VIOLATION_KEYWORDS.get(label, ""))
    if pattern is None:
        return ""
    for sentence in article.sentences:
        lowered = sentence.lower()
        for found in pattern.finditer(lowered):
            if label == "killing" and _threatened(lowered, found.start()):
                continue
            return sentence
    return ""


def document(article: Article, idf: dict[str, float]) -> Features:
    features = bag(article.tokens, idf)
    features.update(bag(article.title_tokens, idf, prefix="t:", bigrams=False))
    body, title = article.full.lower(), article.title.lower()
    for name, pattern in KEYWORD_PATTERNS.items():
        features[f"kw:{name}"] = math.log1p(len(pattern.findall(body)))
        features[f"kwt:{name}"] = float(bool(pattern.search(title)))
    return features


# Who does it, in the words of the dataset's perpetrator types: the state's own forces and
# officials; armed groups and criminals acting without leave; companies and others acting with
# it; local officials, parties and militias close to the state. Written from what the types
# mean, not from the articles' errors.
PERPETRATOR_CUES = {
    "state": r"police\w*|army|soldiers?|military|security forces?|authorit\w*|government|"
    r"officials?|courts?|prosecutors?|intelligence|troops|junta|regime|ministry|"
    r"state security|national guard|gendarm\w*|officers?",
    "non_state": r"gunm[ae]n|militants?|armed (?:group|men)|rebels?|insurgents?|cartels?|"
    r"gangs?|bandits?|taliban|boko haram|isis|islamic state|al-shabaab|jihadists?|"
    r"terrorists?|assailants?|attackers?|unknown (?:men|persons|people|assailants|gunmen)|"
    r"hitm[ae]n|kidnappers?|mob",
    "with_leave": r"compan(?:y|ies)|employers?|landowners?|private security|mining|"
    r"corporat\w*|firm|plantation|guards?|business\w*",
    "near_state": r"mayor|governor|local (?:government|authorities|officials)|municipal\w*|"
    r"ruling party|lawmakers?|politicians?|militias?|paramilitar\w*|pro-government|"
    r"vigilantes?",
}
PERPETRATOR_CUE_PATTERNS = {
    kind: re.compile(rf"\b(?:{words})\b", re.IGNORECASE) for kind, words in PERPETRATOR_CUES.items()
}
# Who each perpetrator type the dataset names is, as Aegis shows it (labels.py), for the
# sentence the analyst is shown: the State's forces; its other organs (officials, courts);
# those acting with its leave (militias, vigilantes, paramilitaries); those acting without
# it. Not the classifier's cues above, which group the words as the training data does.
PERPETRATOR_EVIDENCE = {
    "state actor": PERPETRATOR_CUE_PATTERNS["state"],
    "other state actors": re.compile(
        r"\b(?:officials?|courts?|judges?|prosecutors?|ministr\w*|ministers?|mayors?|"
        r"governors?|local (?:government|authorities|officials)|municipal\w*|lawmakers?|"
        r"politicians?|government|authorities)\b",
        re.IGNORECASE,
    ),
    "other actors with permissions": re.compile(
        r"\b(?:militias?|militiam[ae]n|paramilitar\w*|vigilantes?|pro-government|"
        r"death squads?|self-defen[cs]e groups?|private security|security guards?)\b",
        re.IGNORECASE,
    ),
    "other actors without permissions": PERPETRATOR_CUE_PATTERNS["non_state"],
}


def perpetrator_sentence(article: Article, label: str | None) -> str:
    """The first sentence naming a perpetrator of the type proposed, one that tells of an
    attack before one that does not; "" where none does."""
    pattern = PERPETRATOR_EVIDENCE.get(label or "")
    if pattern is None:
        return ""
    named = [s for s in article.sentences if pattern.search(s)]
    told = [s for s in named if any(p.search(s.lower()) for p in KEYWORD_PATTERNS.values())]
    return (told or named or [""])[0]


# "Ana Diaz, 34," "Ana Diaz (34)", "Ana Diaz, aged 34", "Ana Diaz, 34 years old"; not "Ana
# Diaz, 3 islanders" nor "Ana Diaz, 15 years a journalist".
_AGE_AFTER = (
    r"\s*(?:,\s*(?:aged\s+)?|\(\s*(?:aged\s+)?)(\d{1,3})"
    r"(?:\s*(?:,|\)|\.|;|$)|\s+(?:years?[\s-]+old|was|is|who|and)\b)"
)
# "the 61-year-old activist Ana Diaz"; not "the 8-year-old son of Ana Diaz".
_AGE_BEFORE = r"(\d{1,3})[- ]years?[- ]old\s+(?:(?!of\b)[\w-]+\s+){0,4}?"


def stated_age(article: Article, name: str) -> int | None:
    """An age the article gives right beside the name ("Ana Diaz, 34," "Ana Diaz (34)", "the
    34-year-old journalist Ana Diaz"), or None."""
    if not name:
        return None
    written = re.escape(name)
    for pattern in (written + _AGE_AFTER, _AGE_BEFORE + written):
        found = re.search(pattern, article.full)
        if found and 0 < (age := int(found.group(1))) < 120:
            return age
    return None


# The cues' scale beside the character n-grams (each L2-normalised): 5-fold CV on train+dev,
# 59.25 without them, 61.25 at 0.3 and 0.5, 60.75 at 0.1 and 0.7, 59.25 at 1.
PERPETRATOR_CUE_WEIGHT = 0.3


def perpetrator_cues(article: Article) -> Features:
    """How often each kind of perpetrator is named: in the article, in its sentences with an
    attack word, in its title, and as a share of all the cues."""
    attacks = " ".join(
        s for s in article.sentences if any(p.search(s.lower()) for p in KEYWORD_PATTERNS.values())
    )
    features: Features = {}
    counts = {}
    for kind, pattern in PERPETRATOR_CUE_PATTERNS.items():
        counts[kind] = len(pattern.findall(article.full))
        features[f"cue:{kind}"] = math.log1p(counts[kind])
        features[f"cue:{kind}:attack"] = math.log1p(len(pattern.findall(attacks)))
        features[f"cue:{kind}:title"] = float(bool(pattern.search(article.title)))
    total = sum(counts.values())
    for kind, count in counts.items():
        features[f"cue:{kind}:share"] = count / total if total else 0.0
    return {name: value * PERPETRATOR_CUE_WEIGHT for name, value in features.items()}


def violation_document(article: Article, idf: dict[str, float], doc: Features) -> Features:
    """The violation classifiers' input: the document's features and the words of its lead
    (first four sentences), where news says what happened (5-fold CV on train+dev)."""
    lead = textmod.tokens(" ".join(article.sentences[:4]))
    return {**doc, **bag(lead, idf, prefix="lead:", bigrams=False)}


# --- Victim names ---------------------------------------------------------------------------


@dataclass
class Candidate:
    name: str
    offsets: list[int]
    sentence_index: int


POSSESSIVE = re.compile(r"['\u2019]s$")


# "Mainland-born", "Kyiv-based", "Hamas-led": a word describing what follows it.
DESCRIBING = re.compile(
    r"(?:Pro|Anti|Ex)-[\w'\u2019-]+|[A-Z][\w'\u2019-]*-(?:born|based|led|backed|owned|run|"
    r"linked|funded|affiliated|aligned|era|style|bound|controlled|sponsored|allied|speaking)"
)


@cache
def _peoples() -> frozenset[str]:
    """The demonyms places.py knows ("Nigerian", "Chinese"), but for those that are also parts
    of names ("Thai", "Saudi")."""
    return frozenset(
        alias
        for aliases in places.ALIASES.values()
        for alias in aliases
        if places.mention_kind(alias) == "demonym"
        and alias not in ("Thai", "Saudi", "Welsh", "Somali")
    )


def _not_a_name(token: str) -> bool:
    """A demonym, plural or joined ("Nigerians", "British-Iranian"), or a describing word."""
    peoples = _peoples()
    return (
        all(part in peoples or part.removesuffix("s") in peoples for part in token.split("-"))
        or DESCRIBING.fullmatch(token) is not None
    )


def _a_place(name: str) -> bool:
    """A country, a state or province, or a city that stands for a country ("Saudi Arabia",
    "Uttar Pradesh", "Hong Kong"); not a province named after a person ("Diego Martin",
    "Francisco Morazán": a given name first)."""
    if name in places.country_names() or name in places.PLACES:
        return True
    return name in places.subdivisions() and given_names.prior(name.split()[0]) is None


def _segments(tokens: list[str], language: str = "") -> list[list[str]]:
    """The run cut at words that are no part of a name (titles, function words, acronyms,
    and in Spanish or French that language's), each piece without lower-case particles at
    its ends ("al", "de")."""
    pieces: list[list[str]] = [[]]
    foreign = languages.NOT_NAME.get(language)
    for token in tokens:
        owner = POSSESSIVE.sub("", token)
        bare = owner.rstrip("'\u2019")
        if foreign is not None and (bare in foreign or languages.ELIDED.match(bare)):
            pieces.append([])
        elif bare in THING:
            # The name of a thing: the words before it are no person's name either.
            pieces[-1] = []
            pieces.append([])
        elif bare in NOT_NAME or (token.isupper() and len(token) > 2) or _not_a_name(token):
            pieces.append([])
        elif owner != token:
            # "Myanmar's Aung San Suu Kyi": a possessive ends the name it closes.
            pieces[-1].append(owner)
            pieces.append([])
        else:
            pieces[-1].append(token)
    out = []
    for piece in pieces:
        while piece and piece[0] in PARTICLES:
            piece = piece[1:]
        while piece and piece[-1] in PARTICLES:
            piece = piece[:-1]
        if piece:
            out.append(piece)
    return out


NAME_RUN = re.compile(
    r"(?:[A-Z\u00c0-\u00de][\w'\u2019.-]*|(?:al|el|bin|ibn|de|da|del|dos|van|von|der|di|du|abu|ben)-?)"
    r"(?:[\s-](?:[A-Z\u00c0-\u00de][\w'\u2019.-]*|(?:al|el|bin|ibn|de|da|del|dos|van|von|der|di|du|abu|ben)))*"
)


def candidates(article: Article) -> list[Candidate]:
    """Person-like capitalised runs of two to five words, merged by exact name (found once
    per article; the list is shared, not to be changed)."""
    if article.found is None:
        article.found = _find_candidates(article)
    return article.found


def _find_candidates(article: Article) -> list[Candidate]:
    found: dict[str, Candidate] = {}
    offset = 0
    for index, sentence in enumerate(article.sentences):
        start = article.full.find(sentence, offset)
        offset = max(start, 0)
        for m in NAME_RUN.finditer(sentence):
            raw = re.split(r"\s+", m.group(0).strip(".,'\u2019"))
            raw = [p.rstrip(".,") if not re.fullmatch(r"[A-Z]\.", p) else p for p in raw]
            for parts in _segments(raw, article.language):
                if not 2 <= len(parts) <= 5:
                    continue
                name = " ".join(parts).removesuffix("\u2019s").removesuffix("'s")
                if _a_place(name) or (
                    article.language in languages.FOREIGN
                    and name in languages.country_names(article.language)
                ):
                    continue
                entry = found.setdefault(name, Candidate(name, [], index))
                entry.offsets.append(offset + m.start())
    return list(found.values())


def _window(tokens: list[str], i: int, j: int, k: int = 4) -> tuple[list[str], list[str]]:
    return tokens[max(0, i - k) : i], tokens[j : j + k]


def _wordy(char: str) -> bool:
    return char.isalnum() or char == "_"  # \w in a pattern of text


def whole_word_count(text: str, word: str) -> int:
    """len(re.findall(r"\\b" + re.escape(word) + r"\\b", text)), by str.find: a pattern
    compiled per name candidate made an article naming hundreds of people take seconds."""
    if not word:
        return 0
    count, at = 0, text.find(word)
    first, last = _wordy(word[0]), _wordy(word[-1])
    while at >= 0:
        end = at + len(word)
        before = at > 0 and _wordy(text[at - 1])
        after = end < len(text) and _wordy(text[end])
        if before != first and after != last:
            count += 1
            at = text.find(word, end)
        else:
            at = text.find(word, at + 1)
    return count


def name_features(article: Article, candidate: Candidate, first_offsets: list[int]) -> Features:
    name = candidate.name
    parts = name.split()
    surname = parts[-1]
    count = article.full.count(name)
    surname_count = whole_word_count(article.full, surname)
    features: Features = {
        f"words={min(len(parts), 4)}": 1.0,
        "log_count": math.log1p(count),
        "log_surname": math.log1p(surname_count),
        "in_title": float(name in article.title or surname in article.title),
        "first_sentence": 1.0 / (1 + candidate.sentence_index),
        "rank": 1.0 / (1 + sorted(first_offsets).index(candidate.offsets[0])),
        "hyphen": float("-" in name),
        "initial": float(any(len(p) <= 2 for p in parts)),
        # A person's name mostly starts with a given name in the lists ("Burkina Faso",
        # "Double Wealth Ventures" do not): 5-fold CV on train+dev, exact F1 43.7 to 44.8.
        "given_known" if given_names.prior(parts[0]) is not None else "given_unknown": 1.0,
    }
    if any(given_names.prior(part) is not None for part in parts[1:]):
        features["other_known"] = 1.0
    # The words themselves: "Church", "Party", "Daily" end no person's name, "Two", "All"
    # start none; and a word the article also writes in lower case is a common noun
    # ("Serious Illegal Detention"). 5-fold CV on train+dev (with name_rows' features).
    features[f"first_word:{parts[0].lower()}"] = 1.0
    features[f"last_word:{surname.lower()}"] = 1.0
    if any(part.lower() in article.lowered for part in parts):
        features["lower_elsewhere"] = 1.0
    for sentence in article.sentences:
        # The substring test first: the search can only match where it does (same answer,
        # without a regular expression per candidate and sentence).
        if name not in sentence and (
            surname not in sentence or not re.search(r"\b" + re.escape(surname) + r"\b", sentence)
        ):
            continue
        toks = textmod.words(sentence)
        lowered = [t.lower() for t in toks]
        for idx, tok in enumerate(toks):
            if tok == surname or tok == parts[0]:
                left, right = _window(
                    lowered, idx - (len(parts) - 1 if tok == surname else 0), idx + 1
                )
                for w in left:
                    features[f"l:{w}"] = 1.0
                for w in right:
                    features[f"r:{w}"] = 1.0
                if left:
                    features[f"l1:{left[-1]}"] = 1.0
                if right:
                    features[f"r1:{right[0]}"] = 1.0
        for w in set(lowered):
            features[f"s:{w}"] = features.get(f"s:{w}", 0.0) + 0.2
    return features


def name_rows(article: Article, found: list[Candidate]) -> list[Features]:
    """name_features for each candidate, with how it stands against the article's others:
    its rank and share by surname mentions, its share of the most mentions and how many
    candidates there are (the victim is the person the article is about: 5-fold CV on
    train+dev, with the word features, exact F1 44.8 to 48.0)."""
    firsts = [c.offsets[0] for c in found]
    rows = [name_features(article, c, firsts) for c in found]
    if not rows:
        return rows
    counts = [row["log_count"] for row in rows]
    surnames = [row["log_surname"] for row in rows]
    most_count, most_surname = max(counts), max(surnames)
    order = sorted(range(len(rows)), key=lambda i: -surnames[i])
    many = math.log1p(len(rows))
    for rank, i in enumerate(order):
        rows[i]["surname_rank"] = 1.0 / (1 + rank)
        rows[i]["surname_share"] = surnames[i] / most_surname if most_surname else 0.0
        rows[i]["count_share"] = counts[i] / most_count if most_count else 0.0
        rows[i]["n_candidates"] = many
    return rows


# --- Victim attributes ----------------------------------------------------------------------


def victim_context(article: Article, name: str) -> list[str]:
    """The sentences about a person: those naming them (full or surname) and each next one."""
    parts = name.split()
    keys = [name] + ([parts[-1]] if len(parts) > 1 and len(parts[-1]) > 2 else [])
    out: list[str] = []
    for i, sentence in enumerate(article.sentences):
        if any(
            k in sentence and re.search(r"(?<!\w)" + re.escape(k) + r"(?!\w)", sentence)
            for k in keys
        ):
            out.append(sentence)
            if i + 1 < len(article.sentences):
                out.append(article.sentences[i + 1])
    return out


def pronouns(article: Article, name: str) -> tuple[int, int, str]:
    """He/his and she/her counts in the 25 words after each mention of the person (in its
    sentence and the next), and which came first ("m", "f" or "")."""
    parts = name.split()
    keys = [name.lower()] + ([parts[-1].lower()] if len(parts) > 1 else [])
    own = set(textmod.tokens(name))
    male = female = 0
    first = ""
    for i, sentence in enumerate(article.sentences):
        lowered = sentence.lower()
        if not any(k in lowered for k in keys):
            continue
        following = article.sentences[i + 1].lower() if i + 1 < len(article.sentences) else ""
        span = f"{lowered} {following}"
        start = max(span.find(k) for k in keys)
        for token in textmod.tokens(span[start:])[:25]:
            if token in own:  # a name's own words are no pronoun ("He Qian" is a woman)
                continue
            if token in ("he", "his", "him", "himself"):
                male += 1
                first = first or "m"
            elif token in ("she", "her", "hers", "herself"):
                female += 1
                first = first or "f"
    return male, female, first


def victim_features(article: Article, name: str, idf: dict[str, float]) -> Features:
    context = victim_context(article, name)
    tokens = textmod.tokens(" ".join(context))
    features = bag(tokens, idf, prefix="c:", bigrams=False)
    own = set(textmod.tokens(name))  # the surname He is no pronoun
    male = sum(t in MALE and t not in own for t in tokens)
    female = sum(t in FEMALE and t not in own for t in tokens)
    features["male"] = math.log1p(male)
    features["female"] = math.log1p(female)
    features["male_share"] = male / (male + female) if male + female else 0.5
    features["no_pronoun"] = float(male + female == 0)
    features["mentions"] = math.log1p(len(context))
    near_male, near_female, first = pronouns(article, name)
    features["near_male"] = math.log1p(near_male)
    features["near_female"] = math.log1p(near_female)
    features[f"near_first={first or 'none'}"] = 1.0
    parts = name.split()
    if parts:
        features[f"first:{parts[0].lower()}"] = 1.0
    if len(parts) > 1:
        # The given name's ending ("-a", "-na", "-ova") tells many women's names apart where
        # the text has no pronoun; chosen on dev, confirmed by cross-validation.
        given = parts[0].lower()
        features[f"given_end1:{given[-1:]}"] = 1.0
        features[f"given_end2:{given[-2:]}"] = 1.0
    features.update(honorifics(article, name))
    for sentence in context[:6]:
        m = re.search(r"(\w+)\s+" + re.escape(name), sentence)
        if m:
            features[f"before:{m.group(1).lower()}"] = 1.0
    features["doc_child"] = float(not CHILD_WORDS.isdisjoint(article.tokens))
    return features


CHILD_WORDS = frozenset(("child", "children", "boy", "girl", "minor", "teenager"))


def sex_features(
    article: Article, name: str, row: Features, victims: Sequence[str] = ()
) -> Features:
    """The sex classifier's input: a victim's features (victim_features) less the words about
    them, and the given-name prior (given_names.py), with whether a pronoun follows the name,
    whether the name is in no list and whether it is named once: the annotators left
    "unknown" mostly for victims named once, in a list, with no pronoun and a name in no list.
    `victims` are all the victims named in the article (given, or found): the more there are,
    the likelier "unknown" (a lone named victim almost never is), more so without a pronoun,
    and more so for a name listed beside another. 5-fold CV on train+dev: 74.57 to 78.32."""
    features = {k: v for k, v in row.items() if not k.startswith("c:")}
    share = name_prior(name)
    if share is None:
        features["prior_none"] = 1.0
    else:
        features["prior_male"] = share
        features["prior_female"] = 1 - share
    # The wider prior too (Arabic, Persian, African, Asian given names): 5-fold CV on
    # train+dev, 78.16 to 79.31 over the victims the paper scores, 72.50 to 74.35 over all.
    women = name_prior(name, given_names.female_share)
    if women is None:
        features["wide_prior_none"] = 1.0
    else:
        features["wide_prior_female"] = women
        features["wide_prior_male"] = 1 - women
    near_male, near_female, _ = pronouns(article, name)
    pronoun = near_male + near_female > 0
    count = article.full.count(name)
    features[f"conj={pronoun}/{share is None}"] = 1.0
    features[f"conj2={pronoun}/{share is None}/{count == 1}"] = 1.0
    features["n_cands"] = math.log1p(len(candidates(article)))
    features["name_count"] = math.log1p(count)
    named = len(set(victims) | {name})
    features["n_victims"] = math.log1p(named)
    features[f"n_victims={min(named, 5)}"] = 1.0
    features[f"n_victims={min(named, 5)}/{pronoun}"] = 1.0
    features["in_list"] = float(listed_together(article, name, victims))
    return features


def name_prior(name: str, prior: Callable[[str], float | None] = given_names.prior) -> float | None:
    """A given-name prior (given_names.prior, or another of given_names) of a person's first
    name, or of the second where the first is an initial or an abbreviation ("Md Sohel
    Rana"), never of a surname ("Nalani Johnson" is not a man for "Johnson")."""
    parts = name.split()
    if not parts:
        return None
    share = prior(parts[0])
    if share is None and len(parts) > 1 and len(parts[0].strip(".")) <= 2:
        share = prior(parts[1])
    return share


def listed_together(article: Article, name: str, victims: Sequence[str]) -> bool:
    """Whether the article lists the person right beside another victim ("A, B and C"):
    after some mention of one, a comma or "and", then the other."""
    # The same key for every victim of the article (the cache's point): the name is among
    # the victims when the pipeline asks.
    named = tuple(victims) if name in victims else (*victims, name)
    if named not in article.listed:
        article.listed[named] = _listed(article.full, named)
    return name in article.listed[named]


def _listed(text: str, victims: tuple[str, ...]) -> frozenset[str]:
    """The victims listed right beside another in the text: one pass over the mentions for
    every victim of the article (sex_features asks for each), not a pattern per pair (an
    article naming 400 people took seconds)."""
    names = {v for v in victims if v}
    starts: dict[int, set[str]] = {}
    ends: list[tuple[int, str]] = []
    for victim in names:
        at = text.find(victim)
        while at >= 0:
            starts.setdefault(at, set()).add(victim)
            ends.append((at + len(victim), victim))
            at = text.find(victim, at + 1)
    listed: set[str] = set()
    for end, first in ends:
        for start in _after_separator(text, end):
            following = starts.get(start, set()) - {first}
            if following:
                listed.add(first)
                listed |= following
    return frozenset(listed)


def _after_separator(text: str, at: int) -> range:
    """Where a name may start after `at` across a separator (\\s*(?:,|and)\\s*): from
    just after the comma or "and" to the end of the spaces after it; empty when none."""
    while at < len(text) and text[at].isspace():  # as \s in a pattern of text
        at += 1
    if text.startswith(",", at):
        at += 1
    elif text.startswith("and", at):
        at += 3
    else:
        return range(0)
    last = at
    while last < len(text) and text[last].isspace():
        last += 1
    return range(at, last + 1)


HONORIFIC_MALE = re.compile(
    r"\b(?:Mr|Sir|Mister|Monsieur|Sheikh|Father|Brother|Imam|Pastor)\.?\s+$"
)
HONORIFIC_FEMALE = re.compile(r"\b(?:Mrs|Ms|Miss|Madam|Madame|Dame|Lady|Sister|Mme)\.?\s+$")


def honorifics(article: Article, name: str) -> Features:
    """Whether the person is called "Mr"/"Ms" (and the like) anywhere: by full name or
    surname right after the title."""
    parts = name.split()
    features: Features = {}
    if not parts:
        return features
    keys = "|".join(re.escape(k) for k in {name, parts[-1]} if k)
    for m in re.finditer(r"(?<!\w)(?:" + keys + r")(?!\w)", article.full):
        before = article.full[max(0, m.start() - 12) : m.start()]
        if HONORIFIC_MALE.search(before):
            features["honorific_male"] = 1.0
        if HONORIFIC_FEMALE.search(before):
            features["honorific_female"] = 1.0
    return features


ROLE_WORDS = (
    (
        "journalist",
        re.compile(
            r"\b(?:journalists?|reporters?|editors?|correspondents?|photographers?|"
            r"photojournalists?|broadcasters?|columnists?|bloggers?|newspaper|presenters?|"
            r"anchors?|cameram[ae]n)\b"
        ),
    ),
    ("trade unionist", re.compile(r"\b(?:unions?|unionists?|workers|labou?r)\b")),
    (
        "human rights defender",
        re.compile(
            r"\b(?:activists?|defenders?|human rights|lawyers?|campaigners?|"
            r"environmentalists?|dissidents?)\b"
        ),
    ),
)


def role_near(article: Article, name: str, width: int = 80) -> str | None:
    """The victim type whose words come first within `width` characters of the person's
    name (full or surname), or None where no such word is near."""
    parts = name.split()
    keys = [name] + ([parts[-1]] if len(parts) > 1 else [])
    best: tuple[int, str] | None = None
    for sentence in article.sentences:
        for key in keys:
            at = sentence.find(key)
            if at < 0:
                continue
            window = sentence[max(0, at - width) : at + len(key) + width].lower()
            for label, pattern in ROLE_WORDS:
                m = pattern.search(window)
                if m and (best is None or m.start() < best[0]):
                    best = (m.start(), label)
            if best is not None:
                return best[1]
    return None


def with_roles(article: Article, name: str, row: Features) -> Features:
    """A victim's features (victim_features) and role_features: the victim-type classifier's
    input (sex and age are better without the role words)."""
    return {**row, **role_features(article, name, victim_context(article, name))}


def role_features(article: Article, name: str, context: list[str]) -> Features:
    """The role words near the person (the nearest at several widths) and how often each
    role's words occur in the sentences about them: the victim-type classifier weighs these
    instead of a fixed rule (chosen on dev, confirmed by cross-validation)."""
    features: Features = {}
    for width in (20, 40, 80, 200):
        role = role_near(article, name, width)
        if role:
            features[f"role{width}={role}"] = 1.0
    lowered = " ".join(context).lower()
    for label, pattern in ROLE_WORDS:
        count = len(pattern.findall(lowered))
        if count:
            features[f"role_count={label}"] = math.log1p(count)
    return features
