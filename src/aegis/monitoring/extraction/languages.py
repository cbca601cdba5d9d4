"""What the extractor reads in the other languages of the news an organisation monitors:
Spanish, French and Arabic. The models learnt from English articles only (HRDsAttack), so
these are rules and word lists, used only for an article in one of these languages, never
for an English one (whose output they must not change):

- countries: the names pycountry's translations of ISO 3166 give (iso-codes, LGPL-2.1,
  already a dependency) and Babel's CLDR territory names where Babel is installed (BSD-3;
  trafilatura brings it), with the demonyms and a few capitals written here;
- violation types: a few words of each (killed, detained, disappeared, kidnapped, tortured,
  threatened), in place of the English classifiers, which see no word they know;
- victims: the words that open a sentence or name an office, which are no person's name;
  the words for a journalist, a defender, an activist or a trade unionist beside a name,
  which say the victim's type and, through their grammatical gender, the victim's sex; in
  Arabic, where no capital marks a name, the two or three words after such a word.

Dates are in dates.py (its foreign patterns)."""

from __future__ import annotations

import gettext
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pycountry

FOREIGN = frozenset(("es", "fr", "ar"))


def code_of(language: str | None) -> str:
    """The two-letter code of a language tag ("es-MX": "es"), lower case."""
    return (language or "").strip().split("-")[0].split("_")[0].lower()[:8]


def detected(text: str) -> str:
    """The article's language when nobody said it (texts.language_of's few common words)."""
    from ..texts import language_of

    return language_of(text)


# --- Arabic script ---------------------------------------------------------------------------

# Short vowels, shadda, tatweel, and the invisible joiners and direction marks typed inside
# words ("الصحفي\u200c"): none changes what a word is.
_HARAKAT = re.compile("[\u064b-\u065f\u0670\u0640\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_ALEF = str.maketrans(
    {
        "\u0623": "\u0627",
        "\u0625": "\u0627",
        "\u0622": "\u0627",
        "\u0671": "\u0627",
        "\u0649": "\u064a",
    }
)
ARABIC_WORD = re.compile("[\u0621-\u064a\u064b-\u065f\u0670\u0640\u0671-\u06d3]+")


def arabic_key(word: str) -> str:
    """A word as looked up: no short vowels, one alef, final yaa dotted."""
    return _HARAKAT.sub("", word).translate(_ALEF)


def _proclitic_forms(key: str) -> list[str]:
    """The word and what it is less the particles written joined to it: "wa", "fa", then
    "bi", "li", "ka" ("والعراق", "بالعراق", "للعراق": "العراق")."""
    forms = [key]
    for first in ("", "و", "ف"):
        if first and not key.startswith(first):
            continue
        rest = key[len(first) :]
        if first and len(rest) > 2:
            forms.append(rest)
        if rest.startswith("لل") and len(rest) > 3:
            forms.append("ال" + rest[2:])
        for second in ("ب", "ل", "ك"):
            if rest.startswith(second) and len(rest) > 3:
                forms.append(rest[1:])
    return forms


# --- Countries -------------------------------------------------------------------------------

# Names a language writes for a country that the translations lack or spell otherwise, its
# demonyms (masculine singular: the other forms are made), and capitals that stand for it.
# Western and Central Africa, Latin America and the Middle East first (where the product's
# users read local news), then the countries the news of anywhere names most.
EXTRA_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "CD": ("República Democrática del Congo", "RDC", "RD Congo"),
        "CI": ("Costa de Marfil",),
        "PS": ("Palestina", "Gaza", "Cisjordania"),
        "US": ("EE. UU.", "EE.UU.", "EEUU"),
        "GB": ("Reino Unido", "Gran Bretaña"),
    },
    "fr": {
        "CD": ("République démocratique du Congo", "RDC", "RD Congo"),
        "CG": ("Congo-Brazzaville",),
        "CI": ("Côte d'Ivoire", "Côte d\u2019Ivoire"),
        "PS": ("Palestine", "Gaza", "Cisjordanie"),
        "US": ("USA",),
    },
    "ar": {
        "CD": ("الكونغو الديمقراطية",),
        "PS": ("فلسطين", "غزة", "قطاع غزة", "الضفة الغربية", "رام الله"),
        "SY": ("سوريا", "سورية"),
        "US": ("الولايات المتحدة", "أمريكا", "أميركا"),
        "SA": ("السعودية",),
        "AE": ("الإمارات",),
        "IR": ("إيران",),
        "MA": ("المغرب",),
        "IL": ("إسرائيل",),
        "GB": ("بريطانيا",),
        "RU": ("روسيا",),
    },
}
DEMONYMS: dict[str, dict[str, str]] = {
    "es": {
        "MX": "mexicano",
        "CO": "colombiano",
        "VE": "venezolano",
        "HN": "hondureño",
        "GT": "guatemalteco",
        "SV": "salvadoreño",
        "NI": "nicaragüense",
        "CR": "costarricense",
        "PA": "panameño",
        "CU": "cubano",
        "DO": "dominicano",
        "HT": "haitiano",
        "PE": "peruano",
        "BO": "boliviano",
        "EC": "ecuatoriano",
        "BR": "brasileño",
        "AR": "argentino",
        "CL": "chileno",
        "PY": "paraguayo",
        "UY": "uruguayo",
        "US": "estadounidense",
        "ES": "español",
    },
    "fr": {
        "ML": "malien",
        "BF": "burkinabè",
        "NE": "nigérien",
        "NG": "nigérian",
        "SN": "sénégalais",
        "CI": "ivoirien",
        "GN": "guinéen",
        "BJ": "béninois",
        "TG": "togolais",
        "CM": "camerounais",
        "TD": "tchadien",
        "MR": "mauritanien",
        "DZ": "algérien",
        "MA": "marocain",
        "TN": "tunisien",
        "LY": "libyen",
        "EG": "égyptien",
        "SY": "syrien",
        "LB": "libanais",
        "IQ": "irakien",
        "IR": "iranien",
        "YE": "yéménite",
        "PS": "palestinien",
        "IL": "israélien",
        "JO": "jordanien",
        "SA": "saoudien",
        "SD": "soudanais",
        "HT": "haïtien",
        "MX": "mexicain",
        "CO": "colombien",
        "RU": "russe",
        "UA": "ukrainien",
        "TR": "turc",
        "US": "américain",
        "FR": "français",
    },
    "ar": {
        "EG": "مصري",
        "SY": "سوري",
        "IQ": "عراقي",
        "LB": "لبناني",
        "PS": "فلسطيني",
        "JO": "أردني",
        "SA": "سعودي",
        "YE": "يمني",
        "SD": "سوداني",
        "LY": "ليبي",
        "TN": "تونسي",
        "DZ": "جزائري",
        "MA": "مغربي",
        "MR": "موريتاني",
        "IR": "إيراني",
        "TR": "تركي",
        "IL": "إسرائيلي",
        "KW": "كويتي",
        "BH": "بحريني",
        "QA": "قطري",
        "MX": "مكسيكي",
        "CO": "كولومبي",
        "US": "أمريكي",
        "FR": "فرنسي",
    },
}
# Capitals and cities that stand for their country, and their English names (the dataset's).
CITIES: dict[str, dict[str, tuple[str, str]]] = {
    "es": {
        "Ciudad de México": ("MX", "Mexico City"),
        "Bogotá": ("CO", "Bogota"),
        "Tegucigalpa": ("HN", "Tegucigalpa"),
        "Managua": ("NI", "Managua"),
        "Ciudad de Guatemala": ("GT", "Guatemala City"),
        "La Habana": ("CU", "Havana"),
        "Quito": ("EC", "Quito"),
        "Caracas": ("VE", "Caracas"),
    },
    "fr": {
        "Ouagadougou": ("BF", "Ouagadougou"),
        "Bamako": ("ML", "Bamako"),
        "Niamey": ("NE", "Niamey"),
        "Dakar": ("SN", "Dakar"),
        "Abidjan": ("CI", "Abidjan"),
        "Conakry": ("GN", "Conakry"),
        "Lomé": ("TG", "Lome"),
        "Cotonou": ("BJ", "Cotonou"),
        "Yaoundé": ("CM", "Yaounde"),
        "N'Djamena": ("TD", "N'Djamena"),
        "Kinshasa": ("CD", "Kinshasa"),
        "Port-au-Prince": ("HT", "Port-au-Prince"),
        "Alger": ("DZ", "Algiers"),
        "Rabat": ("MA", "Rabat"),
        "Le Caire": ("EG", "Cairo"),
        "Damas": ("SY", "Damascus"),
        "Beyrouth": ("LB", "Beirut"),
        "Bagdad": ("IQ", "Baghdad"),
        "Téhéran": ("IR", "Tehran"),
    },
    "ar": {
        "بغداد": ("IQ", "Baghdad"),
        "دمشق": ("SY", "Damascus"),
        "حلب": ("SY", "Aleppo"),
        "بيروت": ("LB", "Beirut"),
        "القاهرة": ("EG", "Cairo"),
        "الإسكندرية": ("EG", "Alexandria"),
        "الرياض": ("SA", "Riyadh"),
        "صنعاء": ("YE", "Sanaa"),
        "عدن": ("YE", "Aden"),
        "تعز": ("YE", "Taiz"),
        "الخرطوم": ("SD", "Khartoum"),
        "الرباط": ("MA", "Rabat"),
        "طهران": ("IR", "Tehran"),
        "الدوحة": ("QA", "Doha"),
        "المنامة": ("BH", "Manama"),
        "نواكشوط": ("MR", "Nouakchott"),
    },
}
# Translated names that are also common words or given names: "Mauricio", "Maurice"
# (Mauritius), "Granada" (Grenada, and a Spanish city), "مالي" (Mali, and "financial"),
# "عمان" (Oman, and Amman unvowelled).
AMBIGUOUS = frozenset(("Mauricio", "Maurice", "Granada", "Jersey", "Man", "مالي", "عمان"))


@dataclass(frozen=True)
class Named:
    code: str
    kind: str  # name, demonym, place (as countries.Mention.kind)
    city: str = ""  # a place's English name


def _demonym_forms(language: str, word: str) -> tuple[str, ...]:
    if language == "es":
        if word.endswith("o"):
            return (word, word[:-1] + "a", word + "s", word[:-1] + "as")
        if word.endswith("ol"):
            return (word, word + "a", word + "es", word + "as")
        return (word, word + "s")
    if language == "fr":
        if word.endswith(("e", "è")):
            return (word, word + "s")
        feminine = word + ("ne" if word.endswith("en") else "que" if word == "turc" else "e")
        plural = word if word.endswith("s") else word + "s"
        return (word, feminine, plural, feminine + "s")
    # Arabic: the nisba, feminine, and the two masculine plurals ("مصري", "مصرية", "مصريون",
    # "مصريين"), each also with the article (read as a particle: _proclitic_forms).
    return (word, word + "ة", word + "ون", word + "ين", word + "يون", word + "يين")


def _babel_names(language: str) -> dict[str, str]:
    try:
        from babel import Locale
    except ImportError:  # pragma: no cover - trafilatura brings Babel
        return {}
    try:
        territories = Locale.parse(language).territories
    except Exception:  # a locale Babel lacks: the other names serve
        return {}
    return {code: name for code, name in territories.items() if len(code) == 2 and code.isalpha()}


@cache
def country_names(language: str) -> dict[str, Named]:
    """A country's names in the language (as looked up: Arabic ones by arabic_key) -> its
    code and how it is named."""
    names: dict[str, Named] = {}

    def add(name: str, named: Named) -> None:
        name = name.strip()
        if len(name) < 3 or name in AMBIGUOUS or "," in name:
            return
        key = arabic_key(name) if language == "ar" else name
        if key in AMBIGUOUS:
            return
        names.setdefault(key, named)

    folder = Path(pycountry.__file__).resolve().parent / "locales"
    try:
        translation: gettext.NullTranslations = gettext.translation(
            "iso3166-1", str(folder), languages=[language]
        )
    except OSError:
        translation = gettext.NullTranslations()
    for code, places in EXTRA_NAMES.get(language, {}).items():
        for place in places:
            add(place, Named(code, "name"))
    for code, word in DEMONYMS.get(language, {}).items():
        for form in _demonym_forms(language, word):
            add(form, Named(code, "demonym"))
            if language != "ar":
                add(form[:1].upper() + form[1:], Named(code, "demonym"))
    for place, (code, english) in CITIES.get(language, {}).items():
        add(place, Named(code, "place", english))
    for code, name in _babel_names(language).items():
        add(unicodedata.normalize("NFC", name), Named(code, "name"))
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                add(translation.gettext(value), Named(str(country.alpha_2), "name"))
    return names


def country_mentions(text: str, language: str) -> list[tuple[str, int, str, Named]]:
    """(name as written, offset, lookup key, what it names) for each country the text names
    in its language, in order (an article's: features.Article.places_named)."""
    names = country_names(language)
    if language != "ar":
        from . import places

        return [(name, offset, name, names[name]) for name, offset in places.find(text, names)]
    words = [(m.group(0), m.start()) for m in ARABIC_WORD.finditer(text)]
    keys = [arabic_key(word) for word, _ in words]
    out = []
    i = 0
    while i < len(words):
        for n in range(min(4, len(words) - i), 0, -1):
            rest = " ".join(keys[i + 1 : i + n])
            hit = next(
                (
                    key
                    for form in _proclitic_forms(keys[i])
                    if (key := f"{form} {rest}".strip()) in names
                ),
                None,
            )
            if hit is not None:
                start = words[i][1]
                end = words[i + n - 1][1] + len(words[i + n - 1][0])
                out.append((text[start:end], start, hit, names[hit]))
                i += n
                break
        else:
            i += 1
    return out


# --- Violation types -------------------------------------------------------------------------

# The words of each violation type; a killing's words exclude threats ("amenazas de muerte",
# "menaces de mort", "التهديد بالقتل": a threat of death is no killing).
_ES = {
    "killing": r"asesinad[oa]s?|asesinato|asesinaron|asesinan|mataron|ultimad[oa]s?|"
    r"ejecutad[oa]s?|homicidio|feminicidio|sin vida|acribillad[oa]s?|baleado",
    "arbitrary detention": r"detenid[oa]s?|detenci[oó]n|arrestad[oa]s?|arresto|"
    r"encarcelad[oa]s?|aprehendid[oa]s?|privad[oa]s? de (?:la )?libertad|prisi[oó]n preventiva",
    "enforced disappearance": r"desaparecid[oa]s?|desaparici[oó]n forzada|paradero",
    "kidnapping": r"secuestrad[oa]s?|secuestro|secuestraron|raptad[oa]s?|privad[oa]s? ilegalmente",
    "torture": r"torturad[oa]s?|tortura|golpead[oa]s?|golpiza",
    "other": r"amenazad[oa]s?|amenazas?|hostigamiento|hostigad[oa]s?|acoso|agredid[oa]s?|"
    r"agresi[oó]n|atacad[oa]s?|ataque|intimidaci[oó]n|allanamiento|criminalizaci[oó]n",
}
_FR = {
    "killing": r"assassin[ée]e?s?|assassinat|tu[ée]e?s?|abattue?s?|meurtre|exécut[ée]e?s?|"
    r"retrouv[ée]e?s? morte?s?",
    "arbitrary detention": r"arr[êe]t[ée]e?s?|arrestation|interpell[ée]e?s?|interpellation|"
    r"d[ée]tenue?s?|d[ée]tention|incarc[ée]r[ée]e?s?|écrou[ée]e?s?|gard[ée]e?s? à vue|"
    r"garde à vue",
    "enforced disappearance": r"disparue?s?|disparition forc[ée]e|sans nouvelles?",
    "kidnapping": r"enlev[ée]e?s?|enl[èe]vement|kidnapp[ée]e?s?|kidnapping|rapt|"
    r"s[ée]questr[ée]e?s?|otage",
    "torture": r"tortur[ée]e?s?|torture|battue?s?|passage à tabac|tabass[ée]e?s?|sévices",
    "other": r"menac[ée]e?s?|menaces?|harc[eè]lement|harcel[ée]e?s?|agress[ée]e?s?|agression|"
    r"attaqu[ée]e?s?|intimidation|convoqu[ée]e?s?|perquisition",
}
# Arabic: stems, matched inside words (the particles and endings joined to them), on the text
# less its short vowels.
_AR = {
    "killing": r"قتل|مقتل|اغتيال|اغتيل|اغتالت|اغتالوا|تصفية|أعدم|اعدم|إعدام|اعدام",
    "arbitrary detention": r"اعتقال|اعتقل|معتقل|احتجاز|احتجز|محتجز|توقيف|أوقف|اوقف|سجن|"
    r"القبض|قبض على",
    "enforced disappearance": r"اختفاء قسري|الاختفاء القسري|إخفاء قسري|اخفاء قسري|"
    r"مصيره مجهول|مصيرها مجهول|مجهول المصير|مجهولة المصير",
    "kidnapping": r"اختطاف|اختطف|مختطف|خطف",
    "torture": r"تعذيب|عذب|ضرب مبرح|سوء المعاملة",
    "other": r"تهديد|هدد|مضايقة|مضايقات|ملاحقة|اعتداء|الاعتداء|تحريض|استدعاء|استدعي",
}
_THREAT_BEFORE = {
    "es": re.compile(r"(?:amenaz\w*|amenazas? de muerte|intent\w* de)\s+(?:\w+\s+){0,2}$"),
    "fr": re.compile(r"(?:menac\w*|tentative d'|tentative de)\s*(?:\w+\s+){0,2}$"),
    # "تهديدات بالقتل": the killing's word may carry its particles ("بال", "ال", "ب").
    "ar": re.compile(
        r"(?:تهديد\w*|هدد\w*|تهديدات|محاولة)\s+(?:\w+\s+){0,1}(?:[وف]?(?:بال|ال|ب|ل))?$"
    ),
}


def _violation_patterns(language: str) -> dict[str, re.Pattern[str]]:
    table = {"es": _ES, "fr": _FR, "ar": _AR}[language]
    if language == "ar":
        return {label: re.compile(words) for label, words in table.items()}
    return {
        label: re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)
        for label, words in table.items()
    }


VIOLATIONS = {language: _violation_patterns(language) for language in FOREIGN}


def _as_read(sentence: str, language: str) -> str:
    return arabic_key(sentence) if language == "ar" else sentence.lower()


def violations(sentences: list[str], language: str) -> list[tuple[str, int, str]]:
    """(violation type, how many sentences tell it, the first that does) for each type the
    article's words tell; a killing's word after a threat's is a threat, not a killing."""
    patterns = VIOLATIONS[language]
    threat = _THREAT_BEFORE[language]
    found: dict[str, tuple[int, str]] = {}
    for sentence in sentences:
        read = _as_read(sentence, language)
        for label, pattern in patterns.items():
            hits = [
                m
                for m in pattern.finditer(read)
                if not (
                    label == "killing" and threat.search(read, max(0, m.start() - 40), m.start())
                )
            ]
            if hits:
                count, first = found.get(label, (0, sentence))
                found[label] = (count + 1, first)
    return [(label, count, first) for label, (count, first) in found.items()]


def violent(sentence: str, language: str) -> bool:
    """Whether a sentence tells of violence (a country named beside it: countries.py)."""
    read = _as_read(sentence, language)
    return any(
        pattern.search(read) for label, pattern in VIOLATIONS[language].items() if label != "other"
    )


# --- Victims ---------------------------------------------------------------------------------

# Capitalised words that open a sentence, link or name an office or a body, never a person's
# name (each added to features.NOT_NAME for an article in the language).
NOT_NAME = {
    "es": frozenset(
        re.split(
            r"\s+",
            """
        El La Los Las Un Una Unos Unas Lo Al Del De En Con Por Para Sin Sobre Tras Desde
        Hasta Entre Ante Bajo Durante Según Segun Este Esta Estos Estas Ese Esa Esos Esas
        Aquel Su Sus Mi Y O Pero Sin Además Asimismo También Cuando Donde Mientras Aunque Como
        Porque Que Quien Quienes Hoy Ayer Anoche Ello Él Ella Ellos Ellas No Ni Ya Luego Tanto
        Cada Todo Todos Otra Otro Otros Dos Tres Cuatro Cinco Señor Señora Sr Sra Don Doña
        Dra Lic Licenciado Licenciada Presidente Presidenta Gobernador Gobernadora Alcalde
        Alcaldesa Ministro Ministra Fiscal Fiscalía Gobierno Policía Ejército Guardia Nacional
        Secretaría Secretario Secretaria Comisión Comisionado Derechos Humanos Red Centro
        Instituto Consejo Tribunal Juez Jueza Juzgado Corte Suprema Procuraduría Defensoría
        Pueblo Artículo Periodista Periodistas Defensor Defensora Defensores Activista
        Activistas Sindicalista Comité Asociación Sindicato Federación Frente Movimiento Partido
        Universidad Organización Naciones Unidas Lunes Martes Miércoles Jueves Viernes Sábado
        Domingo Enero Febrero Marzo Abril Mayo Junio Julio Agosto Septiembre Octubre Noviembre
        Diciembre República Municipio Ciudad Estado Provincia Departamento Región Norte Sur
        Oeste Oriente Occidente Fuerzas Armadas Militar Coordinadora Colectivo Agencia Diario
        Periódico Radio Canal Noticias Prensa Libertad Expresión Protección Mecanismo Ley
        Asamblea Congreso Senado Cámara Fundación Observatorio Oficina Alto Alta Comisionada
        Internacional Amnistía Reporteros Fronteras
        """.strip(),
        )
    ),
    "fr": frozenset(
        re.split(
            r"\s+",
            """
        Le La Les Un Une Des Du De Au Aux Selon Dans Par Pour Sur Sous Avec Sans Après Avant
        Depuis Pendant Lors Ce Cet Cette Ces Son Sa Ses Leur Leurs Il Elle Ils Elles On Nous
        Vous Et Ou Mais Donc Ni Car Quand Lorsque Alors Ainsi Aussi Toutefois Cependant
        Pourtant Hier Aujourd'hui Mardi Lundi Mercredi Jeudi Vendredi Samedi Dimanche Janvier
        Février Mars Avril Mai Juin Juillet Août Septembre Octobre Novembre Décembre Monsieur
        Madame Mme Mlle Me Maître Président Présidente Ministre Procureur Gouvernement Police
        Gendarmerie Armée État Etat Général Générale Nationale National Assemblée Tribunal Cour
        Juge Commission Comité Conseil Association Syndicat Union Fédération Ligue Mouvement
        Parti Front Réseau Centre Institut Université Organisation Nations Unies Droits Homme
        Humains Reporters Frontières Journaliste Journalistes Militant Militante Militants
        Défenseur Défenseure Défenseurs Avocat Avocate Activiste Syndicaliste République Région
        Province Ville Nord Sud Ouest Agence Radio Télévision Journal Quotidien Hebdomadaire
        Bimensuel Ministère Direction Sécurité Services Service Renseignement Justice Liberté
        Presse Observatoire Collectif Fondation Internationale International Amnesty Deux Trois
        Quatre Cinq Plusieurs Tous Toutes Chaque Aucun Aucune Lui Eux Ne Non Oui Plus Mais
        Constitution Défense Protection Promotion Citoyen Citoyenne Citoyens Patriotique
        """.strip(),
        )
    ),
}
# A word glued to an elided article or "que" ("l'Association", "qu'Ali"): a thing's name, or
# no name's first word.
ELIDED = re.compile(r"^(?:[Ll]|[Qq]u|[Dd]|[Jj])['\u2019]")

_DEFENDER = "human rights defender"
# Victim words: (pattern, victim type, sex: "" where the word has none and its article tells).
_ES_ROLES = (
    (r"periodistas?|fotoperiodistas?|corresponsal|columnista", "journalist", ""),
    (r"reportero|comunicador|locutor|camarógrafo|fotógrafo", "journalist", "man"),
    (r"reportera|comunicadora|locutora|camarógrafa|fotógrafa", "journalist", "woman"),
    (r"sindicalista|dirigente sindical|líder sindical", "trade unionist", ""),
    (r"defensor|abogado", _DEFENDER, "man"),
    (r"defensora|abogada|lideresa", _DEFENDER, "woman"),
    (r"activista|ambientalista|dirigente|líder", _DEFENDER, ""),
)
_FR_ROLES = (
    (r"journaliste|photojournaliste|reporter|chroniqueur|chroniqueuse", "journalist", ""),
    (r"correspondant|blogueur|animateur|photographe", "journalist", "man"),
    (r"correspondante|blogueuse|animatrice", "journalist", "woman"),
    (r"syndicaliste|dirigeant syndical", "trade unionist", ""),
    (r"défenseur|militant|avocat", _DEFENDER, "man"),
    (r"défenseure|défenseuse|militante|avocate", _DEFENDER, "woman"),
    (r"activiste", _DEFENDER, ""),
)
_AR_ROLES = (
    (r"صحفي|صحافي|مراسل|مدون|مصور|الاعلامي|اعلامي", "journalist", "man"),
    (r"صحفية|صحافية|مراسلة|مدونة|مصورة|الاعلامية|اعلامية", "journalist", "woman"),
    (r"نقابي|النقابي", "trade unionist", "man"),
    (r"نقابية|النقابية", "trade unionist", "woman"),
    (r"ناشط|مدافع|محامي|الحقوقي|حقوقي", _DEFENDER, "man"),
    (r"ناشطة|مدافعة|محامية|الحقوقية|حقوقية", _DEFENDER, "woman"),
)
FEMININE_ARTICLE = {"es": ("la", "una"), "fr": ("la", "une")}
MASCULINE_ARTICLE = {"es": ("el", "un", "del", "al"), "fr": ("le", "un", "du", "au")}


def _roles(language: str) -> list[tuple[re.Pattern[str], str, str]]:
    table = {"es": _ES_ROLES, "fr": _FR_ROLES, "ar": _AR_ROLES}[language]
    if language == "ar":
        # With the article or a joined particle ("الصحفية", "للناشط"), never a plural.
        return [
            (
                re.compile(
                    rf"(?<![\u0621-\u064a])(?:[وف]?(?:ال|لل|بال)?)(?:{words})(?![\u0621-\u064a])"
                ),
                kind,
                sex,
            )
            for words, kind, sex in table
        ]
    return [
        (re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE), kind, sex)
        for words, kind, sex in table
    ]


ROLES = {language: _roles(language) for language in FOREIGN}
# Between a victim word and the name ("el defensor de derechos humanos Juan", "la
# journaliste burkinabè Awa", "le militant des droits de l'homme Ali"): a few small words.
_BETWEEN = {
    "es": re.compile(
        r"^(?:\s+(?:de|del|los|las|la|derechos|humanos|ambiental|sindical|indígena|comunitari[oa]|"
        r"social|\w+(?:an[oa]|eñ[oa]|ens[e]|ic[oa])))*[\s,]+$",
        re.IGNORECASE,
    ),
    "fr": re.compile(
        r"^(?:\s+(?:de|des|du|d'|l'|la|droits|humains|l'homme|l\u2019homme|environnemental|"
        r"\w+(?:ien|ienne|ais|aise|ain|aine|è|é|ois|oise)))*[\s,]+$",
        re.IGNORECASE,
    ),
}
# After the name: a comma, perhaps an article ("María López, una periodista de").
_AFTER = re.compile(r"\s*,\s*(?:(?:un|una|le|la|une|el)\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class Role:
    victim_type: str
    sex: str  # man, woman or "" where neither the word nor its article says


def role_of(text: str, name: str, language: str) -> Role | None:
    """The victim word right before the person's name ("la periodista María López", "le
    militant des droits humains Ali Traoré") or right after it ("María López, periodista"),
    with the sex its grammatical gender or its article tells."""
    if language == "ar":
        return _arabic_role(text, name)
    at = text.find(name)
    while at >= 0:
        before = text[max(0, at - 80) : at]
        for pattern, kind, sex in ROLES[language]:
            for m in pattern.finditer(before):
                if _BETWEEN[language].match(before[m.end() :]):
                    return Role(kind, sex or _article_sex(before[: m.start()], language))
            after = text[at + len(name) : at + len(name) + 40]
            comma = _AFTER.match(after)
            if comma and pattern.match(after, comma.end()):
                return Role(kind, sex or _article_sex(after[: comma.end()], language))
        at = text.find(name, at + 1)
    return None


def _article_sex(before: str, language: str) -> str:
    words = re.findall(r"\w+", before.lower())
    if not words:
        return ""
    if words[-1] in FEMININE_ARTICLE[language]:
        return "woman"
    if words[-1] in MASCULINE_ARTICLE[language]:
        return "man"
    return ""


def _arabic_role(text: str, name: str) -> Role | None:
    at = text.find(name)
    while at >= 0:
        before = arabic_key(text[max(0, at - 60) : at])
        best: tuple[int, Role] | None = None
        for pattern, kind, sex in ROLES["ar"]:
            for m in pattern.finditer(before):
                if best is None or m.end() > best[0]:
                    best = (m.end(), Role(kind, sex))
        if best is not None and len(ARABIC_WORD.findall(before[best[0] :])) <= 5:
            return best[1]
        at = text.find(name, at + 1)
    return None


# Words after which an Arabic name has ended (prepositions, "who", time words) and those
# that describe rather than name ("العراقية", "الحقوقي": any word with the article).
_AR_STOP = frozenset(
    arabic_key(w)
    for w in re.split(
        r"\s+",
        """
    في من عن أمام امام بعد قبل خلال منذ الذي التي الذين وهو وهي هو هي إثر اثر جراء
    مع حيث أثناء اثناء بسبب عند داخل قرب لدى يوم مساء صباح ليلة فجر برصاص بالرصاص وقد قد كان
    كانت تم وتم ضد أن ان إن لا لم لن ما أو او ثم حتى بين عقب وسط جنوب شمال شرق غرب مدينة
    بلدة قرية محافظة منطقة حي وذلك ذلك هذا هذه بحسب حسب وفق وفقا أيضا ايضا فقط تعمل يعمل
    تغطي يغطي عمل عملت قال قالت أكد أكدت أضاف أضافت أعلن أعلنت أفاد أفادت لقي لقيت توفي توفيت
    أصيب أصيبت نجا نجت تعرض تعرضت اعتقل اعتقلت قتل قتلت اختطف اختطفت
    """.strip(),
    )
)
# Read before the keys: "على" and "إلى" end a name, but their key ("علي") is the name Ali.
_AR_STOP_RAW = frozenset(("على", "إلى", "الى", "علی"))
# Words with the article that end a name rather than end it with a family name ("محمد
# الأسبوع الماضي"): times, and the nationalities of DEMONYMS with the article.
_AR_NOT_FAMILY = frozenset(
    arabic_key(w)
    for w in re.split(
        r"\s+",
        """
    الأسبوع الاسبوع الماضي الماضية الجاري الجارية الحالي الحالية اليوم الليلة الشهر العام
    السنة الجمعة السبت الأحد الاحد الاثنين الإثنين الثلاثاء الأربعاء الاربعاء الخميس
    الحقوقي الحقوقية المستقل المستقلة المعروف المعروفة البارز البارزة الشهير الشهيرة
    """.strip(),
    )
)
_DEFINITE = re.compile("[وف]?(?:ال|لل|بال)")
# Words that start a compound name with the next ("عبد الله", "أبو بكر").
_AR_JOINING = frozenset(
    arabic_key(w) for w in ("عبد", "أبو", "ابو", "بن", "بنت", "ابن", "أم", "ام")
)


def arabic_names(text: str) -> list[tuple[str, int]]:
    """(name, offset) of each person named right after a victim word ("الصحفية زينب حسن",
    "الناشط الحقوقي علي محمد", "المدافعة عن حقوق الإنسان سارة أحمد"): its two to four words,
    up to a stop word, a punctuation mark or a word with the article."""
    out: list[tuple[str, int]] = []
    seen: set[str] = set()
    keyed = arabic_key(text)
    positions = _positions(text)
    for pattern, _, _ in ROLES["ar"]:
        for m in pattern.finditer(keyed):
            if not _DEFINITE.match(m.group(0)):
                continue  # "تعمل مراسلة لقناة": a name follows the word with the article
            found = _name_after(text, positions[m.end()])
            if found is not None and found[0] not in seen:
                seen.add(found[0])
                out.append(found)
    out.sort(key=lambda pair: pair[1])
    return out


_SKIP_AFTER_ROLE = re.compile(
    r"\s*(?:عن حقوق (?:الإنسان|الانسان|المرأة|المراة)|في (?:مجال )?حقوق (?:الإنسان|الانسان))?"
)


def _name_after(text: str, position: int) -> tuple[str, int] | None:
    while position < len(text) and _HARAKAT.fullmatch(text[position]):
        position += 1
    skip = _SKIP_AFTER_ROLE.match(text, position)
    position = skip.end() if skip else position
    words: list[tuple[str, int]] = []
    for m in re.finditer(r"\S+", text[position : position + 120]):
        raw = m.group(0)
        word = raw.rstrip('،,.:;!؟?"»)')
        key = arabic_key(word)
        start = position + m.start()
        if not ARABIC_WORD.fullmatch(_HARAKAT.sub("", word)):
            break
        if key in _AR_STOP or _HARAKAT.sub("", word) in _AR_STOP_RAW:
            break
        previous = arabic_key(words[-1][0]) if words else ""
        ends = False
        if key.startswith("ال") and previous not in _AR_JOINING:
            if not words:
                continue  # an adjective before the name ("العراقية", "الحقوقي")
            if key in _AR_NOT_FAMILY or _nationality(key):
                break
            ends = True  # a family name with the article ends the name ("عمر الراضي")
        words.append((word, start))
        if ends or word != raw or len(words) == 4:
            break
    if len(words) < 2:
        return None
    start = words[0][1]
    end = words[-1][1] + len(words[-1][0])
    return _INVISIBLE.sub("", text[start:end]), start


_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _nationality(key: str) -> bool:
    """Whether a word with the article is a nationality ("السوداني", "العراقية")."""
    bare = key[2:]
    bare = bare[:-1] if bare.endswith("ه") or bare.endswith("ة") else bare
    return bare in _AR_NATIONALITIES


_AR_NATIONALITIES = frozenset(arabic_key(d) for d in DEMONYMS["ar"].values())


def _positions(text: str) -> list[int]:
    """For each letter of arabic_key(text), its offset in the text (the key drops the short
    vowels), and the text's length after the last."""
    kept = [i for i, char in enumerate(text) if not _HARAKAT.fullmatch(char)]
    return [*kept, len(text)]
