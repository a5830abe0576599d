"""The screening evaluation set: a fictional watchlist and labelled queries (issue #25).

The project builds its own set because real lists are licensed data and real people must not
sit in a repository. Everything comes from one seeded `random.Random`, so a seed always gives
the same list and the same queries, and a figure in docs/screening.md can be reproduced.

The list is shaped like OpenSanctions data: FtM `Person` entities carry `name` plus the parts
(`firstName`, `middleName` or `fatherName`, `lastName`), since the matcher tags name parts from
them; birth dates are full dates or a year only (lists often know only the year); topics are
`sanction` or `role.pep`. Surnames and company words repeat on purpose, so family members and
sister companies sit on the list and a query can hit the wrong entity (that is what precision
measures).

Native-script names come with the romanisation a Western list would print: Russian in BGN/PCGN
(Сергей -> Sergey, Елена -> Yelena), Greek in ELOT 743 (Γεώργιος -> Georgios), Arabic in the
common English-press spelling (محمد -> Mohammed; Arabic has no single standard). A
transliteration query gives the other script than the list entry; the matcher must bridge it.

Each query is a positive (it names the list entity it should find) or a near-miss negative
(a different, fictional party that should find nothing); `kind` says how it was derived.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from followthemoney import model

T = TypeVar("T")

DATASET = "eval_fictional"

# (native, Latin) pairs; surnames are (male native, male Latin, female native, female Latin).
RU_MALE = [
    ("Александр", "Aleksandr"), ("Алексей", "Aleksey"), ("Андрей", "Andrey"),
    ("Борис", "Boris"), ("Дмитрий", "Dmitriy"), ("Евгений", "Yevgeniy"), ("Михаил", "Mikhail"),
    ("Николай", "Nikolay"), ("Олег", "Oleg"), ("Павел", "Pavel"), ("Сергей", "Sergey"),
    ("Владимир", "Vladimir"), ("Юрий", "Yuriy"), ("Виктор", "Viktor"),
]  # fmt: skip
RU_FEMALE = [
    ("Анна", "Anna"), ("Елена", "Yelena"), ("Ольга", "Olga"), ("Татьяна", "Tatyana"),
    ("Наталья", "Natalya"), ("Ирина", "Irina"), ("Светлана", "Svetlana"),
    ("Екатерина", "Yekaterina"),
]  # fmt: skip
RU_PATRONYMIC = [  # (male native, male Latin, female native, female Latin)
    ("Александрович", "Aleksandrovich", "Александровна", "Aleksandrovna"),
    ("Сергеевич", "Sergeyevich", "Сергеевна", "Sergeyevna"),
    ("Петрович", "Petrovich", "Петровна", "Petrovna"),
    ("Иванович", "Ivanovich", "Ивановна", "Ivanovna"),
    ("Николаевич", "Nikolayevich", "Николаевна", "Nikolayevna"),
    ("Викторович", "Viktorovich", "Викторовна", "Viktorovna"),
    ("Борисович", "Borisovich", "Борисовна", "Borisovna"),
    ("Михайлович", "Mikhaylovich", "Михайловна", "Mikhaylovna"),
]
RU_SURNAMES = [
    (m, lat, m + "а", lat + "a")
    for m, lat in [
        ("Иванов", "Ivanov"), ("Смирнов", "Smirnov"), ("Кузнецов", "Kuznetsov"),
        ("Попов", "Popov"), ("Соколов", "Sokolov"), ("Лебедев", "Lebedev"),
        ("Козлов", "Kozlov"), ("Новиков", "Novikov"), ("Морозов", "Morozov"),
        ("Волков", "Volkov"), ("Павлов", "Pavlov"), ("Богданов", "Bogdanov"),
        ("Виноградов", "Vinogradov"), ("Голубев", "Golubev"),
    ]
]  # fmt: skip
GR_MALE = [
    ("Γεώργιος", "Georgios"), ("Δημήτριος", "Dimitrios"), ("Νικόλαος", "Nikolaos"),
    ("Κωνσταντίνος", "Konstantinos"), ("Ιωάννης", "Ioannis"), ("Παναγιώτης", "Panagiotis"),
    ("Χρήστος", "Christos"), ("Αθανάσιος", "Athanasios"), ("Ευάγγελος", "Evangelos"),
]  # fmt: skip
GR_FEMALE = [
    ("Μαρία", "Maria"), ("Ελένη", "Eleni"), ("Αικατερίνη", "Aikaterini"), ("Σοφία", "Sofia"),
    ("Δέσποινα", "Despoina"), ("Βασιλική", "Vasiliki"),
]  # fmt: skip
GR_SURNAMES = [
    ("Παπαδόπουλος", "Papadopoulos", "Παπαδοπούλου", "Papadopoulou"),
    ("Οικονόμου", "Oikonomou", "Οικονόμου", "Oikonomou"),
    ("Γεωργίου", "Georgiou", "Γεωργίου", "Georgiou"),
    ("Καραγιάννης", "Karagiannis", "Καραγιάννη", "Karagianni"),
    ("Βλάχος", "Vlachos", "Βλάχου", "Vlachou"),
    ("Μαυρίδης", "Mavridis", "Μαυρίδου", "Mavridou"),
    ("Παπανικολάου", "Papanikolaou", "Παπανικολάου", "Papanikolaou"),
    ("Κωνσταντινίδης", "Konstantinidis", "Κωνσταντινίδου", "Konstantinidou"),
    ("Δημητρίου", "Dimitriou", "Δημητρίου", "Dimitriou"),
]
AR_MALE = [
    ("محمد", "Mohammed"), ("أحمد", "Ahmed"), ("علي", "Ali"), ("حسن", "Hassan"),
    ("حسين", "Hussein"), ("عمر", "Omar"), ("خالد", "Khaled"), ("يوسف", "Youssef"),
    ("إبراهيم", "Ibrahim"), ("سمير", "Samir"), ("كريم", "Karim"), ("طارق", "Tarek"),
    ("وليد", "Walid"), ("ناصر", "Nasser"),
]  # fmt: skip
AR_FEMALE = [
    ("فاطمة", "Fatima"), ("مريم", "Maryam"), ("ليلى", "Layla"), ("نور", "Nour"),
    ("سارة", "Sara"), ("هدى", "Huda"), ("رنا", "Rana"),
]  # fmt: skip
AR_SURNAMES = [
    (n, lat, n, lat)
    for n, lat in [
        ("المصري", "Al-Masri"), ("الخطيب", "Al-Khatib"), ("حداد", "Haddad"), ("نصر", "Nasr"),
        ("سليمان", "Suleiman"), ("الحسيني", "Al-Husseini"), ("الشامي", "Al-Shami"),
        ("منصور", "Mansour"), ("عباس", "Abbas"), ("الزين", "Al-Zein"), ("قاسم", "Qasim"),
    ]
]  # fmt: skip

# Latin-script cultures: (countries, male, female, (male, female middle names), surnames).
LATIN = {
    "en": (
        ["gb", "us", "ie"],
        ["James", "John", "Robert", "Michael", "William", "David", "Richard", "Thomas", "Daniel"],
        ["Mary", "Elizabeth", "Sarah", "Margaret", "Emily", "Catherine", "Rebecca"],
        (["Edward", "Francis", "Henry", "Patrick", "George"],
         ["Louise", "Anne", "Victoria", "Rose"]),
        ["Harrington", "Whitfield", "Ashcombe", "Pemberton", "Caldwell", "Fairbanks",
         "Holloway", "Kingsley", "Thornton", "Blackwood", "Ellsworth", "Radcliffe"],
    ),
    "de": (
        ["de", "at"],
        ["Jürgen", "Jörg", "Günther", "Klaus", "Matthias", "Stefan", "Wolfgang", "Björn"],
        ["Bärbel", "Jutta", "Käthe", "Sabine", "Ursula", "Jördis"],
        (["Maximilian", "Friedrich", "Lüder"], ["Johanna", "Marie", "Hannelore"]),
        ["Müller", "Schröder", "Schäfer", "Krüger", "Köhler", "Jäger", "Hoffmann", "Weiß",
         "Böhm", "Schütz", "Vogt", "Brückner"],
    ),
    "fr": (
        ["fr", "be", "lu"],
        ["François", "Jérôme", "Éric", "Stéphane", "Frédéric", "Sébastien", "Gérard"],
        ["Hélène", "Cécile", "Amélie", "Élodie", "Françoise", "Noémie"],
        (["Aimé", "René", "Noël"], ["Élise", "Thérèse", "Anaïs"]),
        ["Lefèvre", "Girard", "Dufrêne", "Rousseau", "Mercier", "Fontaine", "Chevalier",
         "Lemaître", "Bérenger", "Allègre", "Ferrié"],
    ),
    "es": (
        ["es", "mx", "ve"],
        ["José", "Jesús", "Andrés", "Ramón", "Íñigo", "Raúl", "Joaquín"],
        ["María", "Inés", "Begoña", "Sofía", "Lucía", "Mónica"],
        (["Ángel", "Luis", "Fernando"], ["Carmen", "Pilar", "Ángela"]),
        ["Muñoz", "Núñez", "Pérez", "Gómez", "Ibáñez", "Sánchez", "Martínez", "Jiménez",
         "Fernández", "Domínguez", "Ordóñez"],
    ),
    "pt": (
        ["pt", "br"],
        ["João", "Sebastião", "Gonçalo", "António", "Joaquim", "Estêvão"],
        ["Conceição", "Inês", "Leonor", "Mónica", "Lúcia"],
        (["Luís", "Tomé"], ["Assunção", "Fátima"]),
        ["Gonçalves", "Magalhães", "Simões", "Guimarães", "Araújo", "Antunes", "Louçã"],
    ),
    "pl": (
        ["pl"],
        ["Łukasz", "Paweł", "Wojciech", "Krzysztof", "Michał", "Bartłomiej"],
        ["Małgorzata", "Agnieszka", "Zofia", "Żaneta", "Jolanta"],
        (["Józef", "Stanisław"], ["Bożena", "Jadwiga"]),
        ["Wójcik", "Kowalczyk", "Woźniak", "Kamiński", "Lewandowski", "Zieliński",
         "Dąbrowski", "Król"],
    ),
    "tr": (
        ["tr"],
        ["Çağlar", "Şükrü", "Gökhan", "Ömer", "Serdar", "İsmail"],
        ["Özlem", "Gülşen", "Şule", "Çiğdem", "Müge"],
        ([], []),
        ["Öztürk", "Şahin", "Çelik", "Yıldız", "Yılmaz", "Aydın", "Doğan", "Kılıç"],
    ),
    "cs": (
        ["cz"],
        ["Jiří", "Tomáš", "Lukáš", "Zdeněk", "Přemysl"],
        ["Věra", "Jana", "Šárka", "Růžena"],
        ([], []),
        ["Dvořák", "Novák", "Černý", "Procházka", "Kučera", "Horák", "Růžička"],
    ),
    "nordic": (
        ["no", "dk", "se"],
        ["Bjørn", "Søren", "Jørgen", "Øystein", "Åke", "Håkan"],
        ["Åsa", "Sigrid", "Ingrid", "Bodil", "Märta"],
        (["Ragnar", "Ståle"], ["Solveig", "Måna"]),
        ["Sørensen", "Lindqvist", "Håkansson", "Ødegaard", "Bråten", "Strøm", "Ångström"],
    ),
}  # fmt: skip

# Characters NFKD does not decompose, folded as the ICAO 9303 machine-readable zone does.
FOLD = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "ss", "ı": "i", "đ": "d"})
# German's own fallback (the spelling in a German passport's machine-readable zone).
GERMAN_FALLBACK = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}

COMPANY_WORDS = [
    "Nordwind", "Kestrel", "Silverline", "Baltic Crest", "Aurora Meridian", "Blue Harbour",
    "Ironvale", "Redstone Ridge", "Goldmark", "Polar Star", "Eastgate", "Westbrook",
    "Crescent Bay", "Highmoor", "Sable Point", "Amberley", "Caspian Gate", "Zenith Orbit",
    "Marlow Reach", "Tessaro", "Valdoro", "Corvina", "Lindholm", "Brightwater", "Quantara",
    "Stormhaven", "Oakridge Vale", "Pelagos", "Karavan", "Solaria Nova", "Greywater",
    "Falkenstein", "Montclair", "Ravensmoor", "Tiberon", "Vantor",
]  # fmt: skip
SECTORS = [
    "Trading", "Shipping", "Logistics", "Holdings", "Capital", "Petroleum", "Metals", "Mining",
    "Engineering", "Energy", "Investments", "Marine", "Chemicals", "Technologies", "Aviation",
]  # fmt: skip
# Legal forms per country: the list's spelling, then variants a client's record may carry.
LEGAL_FORMS = {
    "gb": [("Ltd", ["Limited", "Ltd."]), ("PLC", ["Public Limited Company", "P.L.C."])],
    "us": [("LLC", ["L.L.C.", "Limited Liability Company"]), ("Inc.", ["Incorporated", "Inc"])],
    "de": [
        ("GmbH", ["Gesellschaft mit beschränkter Haftung", "G.m.b.H."]),
        ("AG", ["Aktiengesellschaft", "A.G."]),
    ],
    "fr": [("SA", ["S.A.", "Société Anonyme"]), ("SARL", ["S.A.R.L.", "Sàrl"])],
    "es": [("S.A.", ["SA", "Sociedad Anónima"]), ("S.L.", ["SL", "Sociedad Limitada"])],
    "nl": [("B.V.", ["BV", "Besloten Vennootschap"]), ("N.V.", ["NV", "Naamloze Vennootschap"])],
    "it": [("S.p.A.", ["SpA", "Società per Azioni"]), ("S.r.l.", ["Srl", "SRL"])],
    "ru": [("OOO", ["LLC", "Limited Liability Company"]), ("AO", ["JSC", "Joint Stock Company"])],
    "ae": [("FZE", ["F.Z.E.", "Free Zone Establishment"]), ("LLC", ["L.L.C."])],
    "cy": [("Ltd", ["Limited", "Ltd."])],
    "ch": [("AG", ["Aktiengesellschaft", "A.G."]), ("SA", ["S.A."])],
    "pl": [("Sp. z o.o.", ["sp. z o. o.", "spółka z ograniczoną odpowiedzialnością"])],
}

PERSON_CLASSES = ("exact", "transliteration", "name_order", "diacritics", "middle_dropped")
CLASSES = (*PERSON_CLASSES, "typo", "initials", "legal_form", "near_miss")


@dataclass
class ListPerson:
    """One person on the list, with the name parts used to derive queries."""

    id: str
    culture: str  # "ru", "gr", "ar" (native script) or a LATIN key
    gender: str
    first: str
    middle: str  # "" when none; a patronymic for Russian, the father's name for Arabic
    last: str
    native: tuple[str, str, str] | None  # (first, middle, last) in the native script
    stored_native: bool  # the list prints the native script (else the Latin form)
    stored_ascii: bool  # the list dropped the diacritics (as many Western lists do)
    birth: date
    year_only: bool  # the list knows only the birth year
    country: str
    topic: str
    id_number: str  # a national id or passport number; "" when the list has none

    def parts(self) -> list[str]:
        """The name as the list stores it (script and diacritics as stored)."""
        if self.stored_native and self.native:
            return [part for part in self.native if part]
        parts = [part for part in (self.first, self.middle, self.last) if part]
        return [ascii_fold(part) for part in parts] if self.stored_ascii else parts


@dataclass
class ListCompany:
    """One company on the list."""

    id: str
    word: str
    sector: str
    form: str
    variants: list[str]
    country: str
    registration: str
    topic: str

    @property
    def name(self) -> str:
        return f"{self.word} {self.sector} {self.form}"


@dataclass(frozen=True)
class Query:
    """A labelled query: `expected` is the list entity id it should hit, None for a negative."""

    key: str
    variation: str  # one of CLASSES
    kind: str  # how it was derived, e.g. "native->latin" or "same surname, other first name"
    schema: str
    names: tuple[str, ...]
    birth_dates: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    expected: str | None = None


@dataclass
class EvalSet:
    persons: list[ListPerson] = field(default_factory=list)
    companies: list[ListCompany] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)


def ascii_fold(text: str) -> str:
    """Drop diacritics: NFKD and strip combining marks, then fold what NFKD leaves (ø, ł, ß)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(FOLD))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def has_diacritics(text: str) -> bool:
    return ascii_fold(text) != text


def _gendered(rng: random.Random, male: list, female: list) -> tuple[str, object]:
    gender = rng.choice(["male", "male", "female"])
    return gender, rng.choice(male if gender == "male" else female)


def _native_person(rng: random.Random, culture: str) -> dict:
    pools = {
        "ru": (RU_MALE, RU_FEMALE, RU_SURNAMES, "ru"),
        "gr": (GR_MALE, GR_FEMALE, GR_SURNAMES, "gr"),
        "ar": (AR_MALE, AR_FEMALE, AR_SURNAMES, rng.choice(["sy", "iq", "lb", "ye"])),
    }
    male, female, surnames, country = pools[culture]
    gender, (first_native, first) = _gendered(rng, male, female)
    surname = rng.choice(surnames)
    last_native, last = (surname[0], surname[1]) if gender == "male" else (surname[2], surname[3])
    middle_native = middle = ""
    if culture == "ru":
        patronymic = rng.choice(RU_PATRONYMIC)
        middle_native, middle = patronymic[0:2] if gender == "male" else patronymic[2:4]
    elif culture == "ar" and rng.random() < 0.7:
        middle_native, middle = rng.choice(AR_MALE)  # the father's name (nasab)
    return {
        "gender": gender,
        "first": first,
        "middle": middle,
        "last": last,
        "native": (first_native, middle_native, last_native),
        "country": country,
    }


def _latin_person(rng: random.Random, culture: str) -> dict:
    countries, male, female, middles, surnames = LATIN[culture]
    gender, first = _gendered(rng, male, female)
    last = rng.choice(surnames)
    if gender == "female" and culture == "pl" and last.endswith(("ski", "cki")):
        last = last[:-1] + "a"
    if gender == "female" and culture == "cs":
        last = last[:-1] + "á" if last.endswith("ý") else last.removesuffix("a") + "ová"
    middles = middles[0] if gender == "male" else middles[1]
    middle = rng.choice(middles) if middles and rng.random() < 0.6 else ""
    return {
        "gender": gender,
        "first": first,
        "middle": middle,
        "last": last,
        "native": None,
        "country": rng.choice(countries),
    }


def _birth(rng: random.Random) -> date:
    return date(1945, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))


def _pick_culture(rng: random.Random, native_share: dict[str, float]) -> str:
    roll = rng.random()
    for culture, share in native_share.items():
        if roll < share:
            return culture
        roll -= share
    return rng.choice(list(LATIN))


def build_list(rng: random.Random, persons: int, companies: int) -> EvalSet:
    """The list: persons (a fifth of them in native-script cultures) and companies."""
    evalset = EvalSet()
    seen: set[tuple[str, str]] = set()
    native_share = {"ru": 0.09, "gr": 0.05, "ar": 0.07}
    while len(evalset.persons) < persons:
        culture = _pick_culture(rng, native_share)
        fields = (
            _native_person(rng, culture) if culture in native_share else _latin_person(rng, culture)
        )
        if (fields["first"], fields["last"]) in seen:
            continue  # a full-name twin would make the labels ambiguous
        seen.add((fields["first"], fields["last"]))
        diacritics = any(has_diacritics(fields[part]) for part in ("first", "middle", "last"))
        evalset.persons.append(
            ListPerson(
                id=f"eval-person-{len(evalset.persons) + 1:04d}",
                culture=culture,
                stored_native=culture in native_share and rng.random() < 0.35,
                stored_ascii=diacritics and rng.random() < 0.3,
                birth=_birth(rng),
                year_only=rng.random() < 0.3,
                topic=rng.choice(["sanction", "sanction", "role.pep"]),
                id_number=f"{rng.randrange(10**8, 10**9)}" if rng.random() < 0.4 else "",
                **fields,
            )
        )
    names: set[tuple[str, str]] = set()
    while len(evalset.companies) < companies:
        word, sector = rng.choice(COMPANY_WORDS), rng.choice(SECTORS)
        if (word, sector) in names:
            continue
        names.add((word, sector))
        country = rng.choice(list(LEGAL_FORMS))
        form, variants = rng.choice(LEGAL_FORMS[country])
        evalset.companies.append(
            ListCompany(
                id=f"eval-company-{len(evalset.companies) + 1:04d}",
                word=word,
                sector=sector,
                form=form,
                variants=variants,
                country=country,
                registration=f"{country.upper()}{rng.randrange(10**7, 10**8)}",
                topic=rng.choice(["sanction", "sanction", "sanction", "crime"]),
            )
        )
    return evalset


def person_entity(person: ListPerson) -> dict:
    """The FtM entity as a list publisher writes it: full name plus the tagged parts."""
    entity = model.make_entity("Person")
    entity.id = person.id
    parts = person.parts()
    entity.add("name", " ".join(parts))
    entity.add("firstName", parts[0])
    entity.add("lastName", parts[-1])
    if len(parts) == 3:
        entity.add("fatherName" if person.culture in ("ru", "ar") else "middleName", parts[1])
    birth = str(person.birth.year) if person.year_only else person.birth.isoformat()
    entity.add("birthDate", birth)
    entity.add("nationality", person.country)
    entity.add("gender", person.gender)
    entity.add("topics", person.topic)
    entity.add("idNumber", person.id_number)
    return entity.to_dict()


def company_entity(company: ListCompany) -> dict:
    entity = model.make_entity("Company")
    entity.id = company.id
    entity.add("name", company.name)
    entity.add("jurisdiction", company.country)
    entity.add("registrationNumber", company.registration)
    entity.add("topics", company.topic)
    return entity.to_dict()


def list_entities(evalset: EvalSet) -> Iterator[dict]:
    yield from (person_entity(person) for person in evalset.persons)
    yield from (company_entity(company) for company in evalset.companies)


def write_ftm(entities: Iterator[dict], path: Path) -> int:
    """Write line-delimited FtM JSON (the OpenSanctions export format); returns the count."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for entity in entities:
            out.write(json.dumps(entity, ensure_ascii=False) + "\n")
            count += 1
    return count


def one_typo(rng: random.Random, word: str) -> str:
    """One edit (substitute, delete, insert or swap neighbours), never on the first letter."""
    position = rng.randrange(1, len(word) - 1)
    letter = rng.choice("aeioulnrstmkdh")
    edit = rng.choice(["substitute", "delete", "insert", "swap"])
    if edit == "substitute":
        letter = letter if letter != word[position].lower() else "y"
        return word[:position] + letter + word[position + 1 :]
    if edit == "delete":
        return word[:position] + word[position + 1 :]
    if edit == "insert":
        return word[:position] + letter + word[position:]
    swapped = word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    # Swapping two equal letters ("rr") changes nothing: delete one of them instead.
    return swapped if swapped != word else word[:position] + word[position + 1 :]


def _person_query(person: ListPerson, variation: str, kind: str, names: list[str]) -> Query:
    return Query(
        key=f"{variation}:{person.id}",
        variation=variation,
        kind=kind,
        schema="Person",
        names=(" ".join(names),),
        birth_dates=(person.birth.isoformat(),),  # the client's full date of birth
        countries=(person.country,),
        expected=person.id,
    )


def _company_query(company: ListCompany, variation: str, kind: str, name: str) -> Query:
    return Query(
        key=f"{variation}:{company.id}",
        variation=variation,
        kind=kind,
        schema="Company",
        names=(name,),
        countries=(company.country,),
        expected=company.id,
    )


def _latin_stored(persons: list[ListPerson]) -> list[ListPerson]:
    return [p for p in persons if not p.stored_native]


def positive_queries(rng: random.Random, evalset: EvalSet, per_class: int) -> list[Query]:
    """Up to `per_class` positive queries per variation class, each from a different entity."""
    persons = evalset.persons
    latin = _latin_stored(persons)
    queries: list[Query] = []

    def sample(pool: list, count: int = per_class) -> list:
        return rng.sample(pool, min(count, len(pool)))

    for p in sample(latin, per_class * 2 // 3):
        queries.append(_person_query(p, "exact", "as listed", p.parts()))
    for c in sample(evalset.companies, per_class // 3):
        queries.append(_company_query(c, "exact", "as listed", c.name))

    for p in sample([p for p in persons if p.native]):
        if p.stored_native:
            names, kind = [p.first, p.middle, p.last], "list native, query Latin"
        else:
            names, kind = list(p.native or ()), f"list Latin, query {p.culture} script"
        queries.append(_person_query(p, "transliteration", kind, [n for n in names if n]))

    for p in sample(latin):
        parts = p.parts()
        if rng.random() < 0.5:
            names, kind = [parts[-1], *parts[:-1]], "surname first"
        else:
            names, kind = [f"{parts[-1]},", *parts[:-1]], "surname, given names"
        queries.append(_person_query(p, "name_order", kind, names))

    with_marks = [p for p in latin if any(has_diacritics(x) for x in (p.first, p.middle, p.last))]
    for p in sample(with_marks):
        full = [x for x in (p.first, p.middle, p.last) if x]
        if p.stored_ascii:
            names, kind = full, "added"
        elif p.culture == "de" and rng.random() < 0.5:
            names = ["".join(GERMAN_FALLBACK.get(ch, ch) for ch in x) for x in full]
            kind = "German fallback (ü -> ue)"
        else:
            names, kind = [ascii_fold(x) for x in full], "dropped"
        queries.append(_person_query(p, "diacritics", kind, names))

    with_middle = [p for p in latin if p.middle]
    for p in sample(with_middle):
        parts = p.parts()
        queries.append(_person_query(p, "middle_dropped", "first and last", [parts[0], parts[-1]]))

    for p in sample(latin, per_class * 3 // 4):
        parts = p.parts()
        target = max(range(len(parts)), key=lambda i: (len(parts[i]) >= 5, rng.random()))
        parts[target] = one_typo(rng, parts[target])
        queries.append(_person_query(p, "typo", "one edit", parts))
    for c in sample(evalset.companies, per_class // 4):
        tokens = c.word.split()
        longest = max(range(len(tokens)), key=lambda i: len(tokens[i]))
        tokens[longest] = one_typo(rng, tokens[longest])
        name = f"{' '.join(tokens)} {c.sector} {c.form}"
        queries.append(_company_query(c, "typo", "one edit", name))

    for p in sample(with_middle):
        first, middle, last = p.parts()
        style = rng.choice(["middle", "first", "both"])
        names = {
            "middle": [first, f"{middle[0]}.", last],
            "first": [f"{first[0]}.", middle, last],
            "both": [f"{first[0]}.", f"{middle[0]}.", last],
        }[style]
        queries.append(_person_query(p, "initials", f"{style} initial", names))

    for c in sample(evalset.companies):
        variant = rng.choice([*c.variants, ""])
        kind = f"{c.form} -> {variant}" if variant else f"{c.form} dropped"
        name = f"{c.word} {c.sector} {variant}".strip()
        queries.append(_company_query(c, "legal_form", kind, name))
    return queries


def _other_year(rng: random.Random, birth: date) -> date:
    shift = rng.choice([-1, 1]) * rng.randrange(4, 16)
    return birth.replace(year=birth.year + shift, day=min(birth.day, 28))


def _negative(tag: str, kind: str, schema: str, name: str, birth: str, country: str) -> Query:
    return Query(
        key=f"near_miss:{tag}",
        variation="near_miss",
        kind=kind,
        schema=schema,
        names=(name,),
        birth_dates=(birth,) if birth else (),
        countries=(country,),
    )


def _draw(
    rng: random.Random, pool: list[T], count: int, make: Callable[[T], Query | None]
) -> list[Query]:
    """Up to `count` queries from a shuffled pool, skipping members `make` cannot use."""
    made: list[Query] = []
    for member in rng.sample(pool, len(pool)):
        query = make(member)
        if query is not None:
            made.append(query)
            if len(made) == count:
                break
    return made


def negative_queries(rng: random.Random, evalset: EvalSet, per_kind: int) -> list[Query]:
    """Near misses: fictional parties that share part of a listed name but are someone else."""
    listed = {(p.first, p.last) for p in evalset.persons}
    companies = {(c.word, c.sector) for c in evalset.companies}
    latin = [p for p in _latin_stored(evalset.persons) if p.culture in LATIN]

    def other_first(p: ListPerson) -> Query | None:
        _, male, female, _, _ = LATIN[p.culture]
        others = [f for f in (male if p.gender == "male" else female) if (f, p.last) not in listed]
        if not others:
            return None
        kind = "same surname, other first name, same birth date"
        name = f"{rng.choice(others)} {p.last}"
        return _negative("surname", kind, "Person", name, p.birth.isoformat(), p.country)

    def other_surname(p: ListPerson) -> Query | None:
        others = [s for s in LATIN[p.culture][4] if (p.first, s) not in listed and s != p.last]
        if not others:
            return None
        kind = "same first name, other surname, same birth date"
        name = f"{p.first} {rng.choice(others)}"
        return _negative("first", kind, "Person", name, p.birth.isoformat(), p.country)

    def other_year(p: ListPerson) -> Query:
        kind = "same first and last name, birth year 4-15 years apart"
        birth = _other_year(rng, p.birth).isoformat()
        return _negative("year", kind, "Person", f"{p.first} {p.last}", birth, p.country)

    def other_country(c: ListCompany) -> Query | None:
        sectors = [s for s in SECTORS if (c.word, s) not in companies]
        if not sectors:
            return None
        country = rng.choice([k for k in LEGAL_FORMS if k != c.country])
        name = f"{c.word} {rng.choice(sectors)} {LEGAL_FORMS[country][0][0]}"
        kind = "same first word, other sector, other country"
        return _negative("company", kind, "Company", name, "", country)

    def other_word(c: ListCompany) -> Query | None:
        words = [w for w in COMPANY_WORDS if (w, c.sector) not in companies]
        if not words:
            return None
        kind = "other first word, same sector, form and country"
        name = f"{rng.choice(words)} {c.sector} {c.form}"
        return _negative("sector", kind, "Company", name, "", c.country)

    queries = _draw(rng, latin, per_kind, other_first)
    queries += _draw(rng, latin, per_kind, other_surname)
    queries += _draw(rng, latin, per_kind, other_year)
    queries += _draw(rng, evalset.companies, per_kind, other_country)
    queries += _draw(rng, evalset.companies, per_kind, other_word)
    # Keys number the near misses in order, so a seed always names them the same way.
    return [replace(query, key=f"{query.key}-{index}") for index, query in enumerate(queries)]


def build(seed: int = 25, persons: int = 240, companies: int = 120, per_class: int = 40) -> EvalSet:
    """The whole evaluation set for `seed`: the list, then positives, then near misses."""
    rng = random.Random(seed)
    evalset = build_list(rng, persons, companies)
    evalset.queries = positive_queries(rng, evalset, per_class)
    evalset.queries += negative_queries(rng, evalset, per_class // 2)
    return evalset
