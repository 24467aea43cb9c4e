"""Heritage groups for the demo's children, with the names each group's children are given.

Population linkage is known to under-link some groups: names with very common
surnames (Khan, Begum, Patel, Singh), names written in another script and
transliterated differently by each system (Mohammed, Muhammad, Mohammad;
Chowdhury, Choudhury), letters an old system cannot hold (Łukasz keyed as
Lukasz). The generator gives each family a heritage group and names from that
group's pools, so linkage quality can be measured group by group (benchmarks
read TruthLink.heritage).

Shares, roughly those of the children of an English city such as Birmingham or
Nottingham: ONS Census 2021 ethnic group (TS021) for those cities, weighted
towards the under-18s, who are more diverse than the whole population.
Approximate and rounded; "Eastern European" stands for the Polish and Romanian
children within White Other, and "Mixed" for the Mixed/multiple groups (White
and Black Caribbean the largest). Not a model of any real place.

Name pools are Faker's bundled locales (en_GB, en_IN, pl_PL, ro_RO, yo_NG,
ig_NG, en_NG, tw_GH) where they have Latin-script names, and otherwise short
hand-made lists of common names, weighted by rough popularity (first the
commonest). Every person is invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from faker.providers.person.en_IN import Provider as IndianNames
from faker.providers.person.en_NG import Provider as NigerianNames
from faker.providers.person.ig_NG import Provider as IgboNames
from faker.providers.person.pl_PL import Provider as PolishNames
from faker.providers.person.ro_RO import Provider as RomanianNames
from faker.providers.person.tw_GH import Provider as GhanaianNames
from faker.providers.person.yo_NG import Provider as YorubaNames

WHITE_BRITISH = "White British"

# (group, share of children)
SHARES: tuple[tuple[str, float], ...] = (
    (WHITE_BRITISH, 0.52),
    ("Pakistani", 0.11),
    ("Indian", 0.05),
    ("Bangladeshi", 0.03),
    ("Black African", 0.07),
    ("Black Caribbean", 0.03),
    ("Eastern European", 0.07),
    ("Arab", 0.02),
    ("Mixed", 0.10),
)


def _split(text: str) -> list[str]:
    return text.split()


def _clean(names: object) -> list[str]:
    """Faker's lists, deduplicated, without entries in odd case ("COmfort")."""
    out = []
    for name in names if not isinstance(names, dict) else names.keys():  # type: ignore[attr-defined]
        if name and all(w[:1].isupper() and w[1:] == w[1:].lower() for w in name.replace("-", " ").split()):
            out.append(name)
    return list(dict.fromkeys(out))


def _weights(n: int, offset: int = 8) -> list[float]:
    # Zipf-Mandelbrot, as the generator's own given names: the first few names are much commoner.
    return [1.0 / (rank + offset) for rank in range(1, n + 1)]


@dataclass
class Pool:
    """One origin's names: given names by sex, surnames, in order of popularity."""

    female: list[str]
    male: list[str]
    surnames: list[str]
    surname_w: list[float] | None = None
    offset: int = 8
    # The first male name's weight, times this: among boys of Pakistani, Bangladeshi, Arab and
    # Somali heritage in England, Muhammad in one spelling or another is by far the commonest.
    first_male_boost: float = 1.0
    female_w: list[float] = field(init=False)
    male_w: list[float] = field(init=False)

    def __post_init__(self) -> None:
        self.female_w = _weights(len(self.female), self.offset)
        self.male_w = _weights(len(self.male), self.offset)
        if self.male_w:
            self.male_w[0] *= self.first_male_boost
        if self.surname_w is None:
            self.surname_w = _weights(len(self.surnames), self.offset)

    def given(self, rng: random.Random, sex: str) -> str:
        pool, weights = (self.female, self.female_w) if sex == "F" else (self.male, self.male_w)
        return rng.choices(pool, weights)[0]

    def surname(self, rng: random.Random) -> str:
        return rng.choices(self.surnames, self.surname_w)[0]


def _with_weights(pairs: str) -> tuple[list[str], list[float]]:
    """ "Khan:12 Hussain:8 ..." -> names and weights."""
    names, weights = [], []
    for item in pairs.split():
        name, _, w = item.partition(":")
        names.append(name.replace("_", " "))
        weights.append(float(w or 1))
    return names, weights


_PK_SURNAMES = _with_weights(
    "Khan:14 Hussain:9 Ali:8 Ahmed:7 Akhtar:4 Mahmood:4 Iqbal:4 Shah:3 Butt:3 Malik:3 Bibi:2 Aslam:2 Rashid:2 "
    "Raja:2 Mirza:2 Qureshi:2 Rehman:2 Javed:2 Anwar:2 Riaz:1.5 Saleem:1.5 Yousaf:1.5 Hanif:1.5 Latif:1.5 "
    "Zaman:1.5 Nawaz:1 Sharif:1 Siddiqui:1 Chaudhry:1 Bashir:1 Arshad:1 Ashraf:1 Rafiq:1 Sadiq:1 Younis:1 "
    "Mughal:1 Abbasi:1 Hameed:1 Majid:1 Parveen:1"
)
_BD_SURNAMES = _with_weights(
    "Begum:12 Miah:9 Uddin:8 Ahmed:8 Rahman:7 Hussain:6 Ali:6 Islam:5 Hoque:4 Khatun:4 Choudhury:4 Alam:3 "
    "Hossain:3 Khan:3 Karim:2 Akhter:2 Ullah:2 Amin:2 Kabir:2 Sultana:2 Bibi:1.5 Haque:1.5 Sheikh:1 Rashid:1 "
    "Mahmud:1 Siddique:1 Talukdar:1 Sarkar:1 Molla:1"
)
_ARAB_SURNAMES = _with_weights(
    "Ahmed:6 Mohamed:6 Hassan:5 Ali:5 Ibrahim:4 Abdullah:4 Al-Sayed:3 Mahmoud:3 Hussein:3 Saleh:3 Khalil:3 "
    "Mansour:2 Haddad:2 Nasser:2 Yousef:2 Othman:2 Al-Hashimi:2 Said:2 Abbas:2 Jaber:2 Aziz:2 Farouk:1.5 "
    "Khoury:1.5 Darwish:1.5 Al-Masri:1.5 Omar:1.5 Hamdan:1 Qasim:1 Suleiman:1 Barakat:1 Al-Amin:1 Salem:1"
)
_SOMALI_SURNAMES = _with_weights(
    "Mohamed:8 Ahmed:7 Abdi:7 Hassan:6 Ali:6 Omar:4 Farah:4 Warsame:3 Osman:3 Hussein:3 Ibrahim:3 Abdullahi:3 "
    "Yusuf:3 Nur:2 Aden:2 Jama:2 Ismail:2 Elmi:2 Duale:1 Egal:1 Guled:1 Hirsi:1 Mohamud:2 Abdirahman:1"
)
_CARIBBEAN_SURNAMES = _with_weights(
    "Campbell:6 Brown:6 Williams:5 Smith:4 Johnson:4 Thomas:3 Clarke:3 Robinson:3 Francis:3 Grant:3 Reid:3 "
    "Lewis:3 Morgan:2 Henry:2 Bailey:2 Gordon:2 Stewart:2 Walker:2 Richards:2 Edwards:2 Graham:2 Spencer:2 "
    "Forbes:2 McKenzie:2 Samuels:2 Bennett:2 Dixon:1.5 Powell:1.5 Wright:1.5 Barrett:1.5 Douglas:1.5 "
    "Hylton:1.5 Thompson:1.5 Anderson:1.5 Mullings:1 Christie:1 Nelson:1 Ferguson:1 Gayle:1 Lindo:1 "
    "Ellis:1 Hinds:1 Bryan:1 Daley:1 Simpson:1"
)
# Indian children in English cities are mostly of Gujarati and Punjabi heritage: Patel, Singh and
# Kaur are among the commonest names of any group. The rest from Faker's en_IN list.
_IN_COMMON = _with_weights(
    "Patel:40 Singh:18 Shah:5 Sharma:4 Kumar:4 Mistry:3 Gill:3 Sandhu:2 Parmar:2 Chauhan:2 Lad:2 Dhillon:2 "
    "Sidhu:2 Johal:1.5 Bains:1.5 Atwal:1 Grewal:1 Sahota:1 Solanki:1.5 Modi:1 Desai:1 Joshi:1 Mehta:1"
)

_PK_MALE = _split(
    "Muhammad Ali Hamza Ibrahim Yusuf Zain Ayaan Abdullah Hassan Usman Bilal Imran Adam Haris Rayyan Omar "
    "Zakariya Umar Ahmed Idris Musa Arham Ismail Ayaan Haider Saad Faisal Danyal Zayan Aryan Shayan Abdul Hamzah "
    "Sameer Kashif Junaid Rehan Amaan Ehsan"
)
_PK_FEMALE = _split(
    "Maryam Aisha Fatima Zainab Hafsa Inaya Amina Khadija Safa Hania Zoya Eman Anaya Zara Aleena Alisha Amna "
    "Sana Noor Mahnoor Hiba Iqra Laiba Areeba Ayat Haleema Rimsha Hana Mariam Sumaya Aiza Anaya Mehwish Sadia"
)
_BD_MALE = _split(
    "Mohammed Abdul Ayaan Ibrahim Yusuf Zayn Rayhan Sami Arif Shahid Tanvir Rahim Imran Mahir Adam Ishaq Hamza "
    "Sulaiman Ismail Raihan Safwan Tahmid Nabil Sayem Ahnaf Ashraf Jubayer Mahfuz Sabbir Fahim"
)
_BD_FEMALE = _split(
    "Ayesha Fatima Sumaiya Tasnim Nusrat Sadia Tahmina Jannat Maryam Safiya Raisa Anisa Nadia Sabrina Maisha "
    "Ruqayyah Hafsa Halima Rumana Sharmin Tania Farhana Jasmin Mahira Nafisa Israt Lamia Samira"
)
_ARAB_MALE = _split(
    "Mohammed Ahmed Omar Ali Yusuf Adam Hamza Khalid Ibrahim Mustafa Zaid Karim Hassan Hussein Abdullah "
    "Abdulrahman Samir Tariq Amir Youssef Ayman Bilal Jamal Nabil Rami Walid Yahya Idris Sami Fares"
)
_ARAB_FEMALE = _split(
    "Maryam Fatima Aya Layla Nour Sara Yasmin Amira Hana Salma Rania Malak Jana Lina Reem Zainab Huda Mariam "
    "Dina Farah Rana Leen Joud Sama Lujain Ruba Noura Dalia Hala Rahaf"
)
_SOMALI_MALE = _split(
    "Mohamed Abdirahman Abdullahi Ahmed Hassan Yusuf Liban Mustafa Abdi Ibrahim Omar Ismail Khalid Abdiaziz "
    "Mahad Hamza Zakaria Bilal Suleiman Anwar"
)
_SOMALI_FEMALE = _split(
    "Hodan Amina Sagal Ayan Faduma Hamda Ilhan Nasra Sahra Hibo Khadija Maryam Hawa Idil Nimo Ifrah Ayaan "
    "Sumaya Asma Ubah Deeqa Najma"
)
_AFRICAN_CHRISTIAN_MALE = _split(
    "Daniel David Emmanuel Joshua Samuel Michael Joseph Favour Victor Precious Elijah Isaac Jeremiah Caleb "
    "Nathaniel Divine Praise Godwin Ethan Jayden"
)
_AFRICAN_CHRISTIAN_FEMALE = _split(
    "Grace Favour Precious Blessing Esther Deborah Joy Mercy Gift Miracle Peace Testimony Goodness Faith "
    "Victoria Elizabeth Abigail Hannah Zoe Amara"
)
_CARIBBEAN_MALE = _split(
    "Jayden Tyrese Malachi Zion Isaiah Elijah Josiah Kyrie Jaheim Marcus Andre Nathaniel Leon Jermaine Kemar "
    "Tyrone Kai Reuben Micah Darnell Aaron Jordan Joel Ezekiel Lennox"
)
_CARIBBEAN_FEMALE = _split(
    "Amara Imani Nia Jada Aaliyah Shanice Tia Kiara Naomi Leah Zuri Alicia Chantelle Jasmine Renee Keisha "
    "Tanisha Aliyah Safiya Monique Serenity Destiny Sienna Kezia Nyah"
)
_POLISH_FEMALE = _split(
    "Zuzanna Julia Maja Zofia Hanna Lena Alicja Maria Amelia Oliwia Wiktoria Natalia Aleksandra Pola Laura "
    "Nikola Gabriela Emilia Antonina Martyna"
) + _clean(PolishNames.first_names_female)
_POLISH_MALE = _split(
    "Antoni Jan Jakub Aleksander Franciszek Szymon Filip Nikodem Wojciech Kacper Michał Mikołaj Łukasz Paweł "
    "Bartłomiej Mateusz Adam Igor Wiktor Stanisław"
) + _clean(PolishNames.first_names_male)
_ROMANIAN_FEMALE = _split(
    "Maria Ioana Elena Andreea Alexandra Sofia Daria Ana Bianca Raluca Denisa Alesia Ștefania Larisa Iulia"
) + _clean(RomanianNames.first_names_female)
_ROMANIAN_MALE = _split(
    "Andrei David Alexandru Ștefan Gabriel Luca Matei Ionuț Mihai Darius Răzvan Cristian Vlad Florin Marius"
) + _clean(RomanianNames.first_names_male)
_ROMANIAN_SURNAMES = _split(
    "Popa Popescu Pop Radu Dumitru Stan Stoica Gheorghe Matei Ciobanu Rusu Munteanu Ionescu Constantin Marin "
    "Mihai Lazăr Florea Dobre Tudor Ene Moldovan Ștefan Nistor Barbu"
) + _clean(RomanianNames.last_names)
_INDIAN_FEMALE = _split(
    "Aanya Anaya Diya Priya Simran Jasleen Harleen Navneet Anika Isha Riya Kiran Meera Saanvi Aarohi Sana "
    "Pooja Avneet Gurleen Manpreet"
) + _clean(IndianNames.first_names_female)
_INDIAN_MALE = _split(
    "Arjun Aarav Rohan Dev Harjot Jasdeep Gurpreet Vihaan Krish Aryan Veer Karan Harvinder Rishi Jai Manveer "
    "Ravi Sahil Kabir Ishaan"
) + _clean(IndianNames.first_names_male)


def _indian_surnames() -> tuple[list[str], list[float]]:
    names, weights = list(_IN_COMMON[0]), list(_IN_COMMON[1])
    for name in _clean(IndianNames.last_names):
        if name not in names:
            names.append(name)
            weights.append(0.15)
    return names, weights


POOLS: dict[str, Pool] = {
    "pakistani": Pool(_PK_FEMALE, _PK_MALE, *_PK_SURNAMES, first_male_boost=3.0),
    "bangladeshi": Pool(_BD_FEMALE, _BD_MALE, *_BD_SURNAMES, first_male_boost=3.0),
    "indian": Pool(_INDIAN_FEMALE, _INDIAN_MALE, *_indian_surnames(), offset=15),
    "arab": Pool(_ARAB_FEMALE, _ARAB_MALE, *_ARAB_SURNAMES, first_male_boost=2.0),
    "somali": Pool(_SOMALI_FEMALE, _SOMALI_MALE, *_SOMALI_SURNAMES, first_male_boost=2.0),
    "yoruba": Pool(
        _clean(YorubaNames.first_names_female), _clean(YorubaNames.first_names_male), _clean(YorubaNames.last_names)
    ),
    "igbo": Pool(
        _clean(IgboNames.first_names_female),
        _clean(IgboNames.first_names_male),
        _clean(list(IgboNames.last_names) + list(NigerianNames.last_names)),
    ),
    "ghanaian": Pool(
        _clean(GhanaianNames.first_names_female),
        _clean(GhanaianNames.first_names_male),
        _clean(GhanaianNames.last_names),
    ),
    "african_christian": Pool(
        _AFRICAN_CHRISTIAN_FEMALE + _clean(NigerianNames.first_names_female),
        _AFRICAN_CHRISTIAN_MALE + _clean(NigerianNames.first_names_male),
        [],
        [],
    ),
    "caribbean": Pool(_CARIBBEAN_FEMALE, _CARIBBEAN_MALE, *_CARIBBEAN_SURNAMES),
    "polish": Pool(_POLISH_FEMALE, _POLISH_MALE, list(dict.fromkeys(PolishNames.male_last_names)), offset=15),
    "romanian": Pool(_ROMANIAN_FEMALE, _ROMANIAN_MALE, list(dict.fromkeys(_ROMANIAN_SURNAMES)), offset=15),
}

# Given names a White British child in this city is rarely given: the generator's own child-name
# list (which serves every child) has them among its commonest. Drawn again for White British.
NOT_WHITE_BRITISH_GIVEN = frozenset({"Muhammad", "Aisha", "Maryam", "Fatima", "Ibrahim", "Yusuf"})
NOT_WHITE_BRITISH_FAMILY = frozenset(
    {"Khan", "Patel", "Ali", "Begum", "Singh", "Hussain", "Ahmed", "Shah", "Akhtar", "Iqbal", "Mahmood", "Kaur"}
)

# Spellings of one name that different systems hold for the same child: a name written in
# Arabic or Bengali script is transliterated by whoever keys it, and the same child is Mohammed
# at the GP, Muhammad at school and Mohammad to the police. What real records do; the matcher's
# own table (core/data/nicknames.txt) is kept separately, so the benchmark measures whether it
# knows them.
_TRANSLITERATIONS = """
mohammed muhammad mohammad mohamed muhammed mohamad
ahmed ahmad
yusuf yousuf yousef youssef yusef
aisha ayesha aysha aishah
fatima fatimah fatma
maryam mariam mariyam
zainab zaynab zeinab
omar umar
usman osman uthman othman
hussain hussein husain hossain
hassan hasan
ibrahim ebrahim
khadija khadijah khadeeja
abdullah abdulla
abdulrahman abdurrahman abdirahman
rayyan rayan
zain zayn
zayan zayaan
ismail ismael
sumaiya sumaya sumayyah sumaya
tasnim tasneem
yasmin yasmine yasmeen
nour noor nur
layla leila laila
amira ameera
hamza hamzah
zakariya zakaria zakariyya
haleema halima
safiya safiyyah safia
khalid khaled
mustafa mostafa mustapha
karim kareem
saeed said sayed
hafsa hafsah
inaya inaaya
anaya anaaya
aleena alina
iqra iqraa
idris idrees
haris harris
haider hyder
bilal belal
imran imraan
abdul abdool
rahim raheem
sabrina sabrena
raihan rayhan
nusrat nusrath
jannat jannah
chowdhury choudhury chaudhry chaudhary choudhry
hoque haque huq
miah mia
rahman rehman
uddin udin
mahmood mahmud mahmoud
qureshi quraishi
akhtar akhter
siddiqui siddique siddiqi
sheikh shaikh
mansour mansoor
nasser nasir naser
saleh salih
yousaf yousuf yusuf
al-sayed alsayed el-sayed elsayed
al-hashimi alhashimi
al-masri almasri el-masri
al-amin alamin
abdi abdy
mohamud mahmoud
farah faarah
faduma fadumo
sahra zahra
"""


def _variant_table() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for line in _TRANSLITERATIONS.strip().splitlines():
        group = list(dict.fromkeys(line.split()))
        for name in group:
            table.setdefault(name, [])
            table[name] += [v for v in group if v != name and v not in table[name]]
    return {k: tuple(v) for k, v in table.items()}


TRANSLITERATIONS = _variant_table()
# Groups whose names are written in another script first, and so spelled differently by each system.
TRANSLITERATED = frozenset({"Pakistani", "Bangladeshi", "Arab", "Black African"})
# Letters an old or careless system drops: Łukasz keyed as Lukasz, Ștefan as Stefan.
ACCENTS_DROPPED_GROUPS = frozenset({"Eastern European"})


def variant(name: str, rng: random.Random) -> str | None:
    """Another spelling of a (single- or hyphen-word) name, in the name's own case style, or None."""
    options = TRANSLITERATIONS.get(name.casefold())
    if not options:
        return None
    chosen = rng.choice(options)
    return "-".join(p.capitalize() for p in chosen.split("-"))


_PLAIN = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻăâîșțşţĂÂÎȘȚŞŢ", "acelnoszzACELNOSZZaaistStAAISTST")


def without_accents(name: str) -> str:
    return name.translate(_PLAIN)


def feminine(surname: str, origin: str) -> str:
    """A Polish surname's feminine form (Kowalski, Kowalska); a Sikh family's Singh is a girl's Kaur."""
    if origin == "polish":
        for male, female in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
            if surname.endswith(male):
                return surname[: -len(male)] + female
    if origin == "indian" and surname == "Singh":
        return "Kaur"
    return surname


def plain_form(surname: str) -> str:
    """The family's own form of a child's surname: Kowalska is a Kowalski, Kaur a Singh."""
    for male, female in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if surname.endswith(female):
            return surname[: -len(female)] + male
    return "Singh" if surname == "Kaur" else surname


@dataclass
class Family:
    """A family's heritage group and the origin its names are drawn from (None: the main pools),
    and its surname in its plain (for Polish, masculine) form, once drawn."""

    group: str
    origin: str | None
    surname_origin: str | None
    surname: str = ""


def family(rng: random.Random) -> Family:
    group = rng.choices([g for g, _ in SHARES], [s for _, s in SHARES])[0]
    if group == WHITE_BRITISH:
        return Family(group, None, None)
    if group == "Black African":
        origin = rng.choices(("yoruba", "igbo", "ghanaian", "somali"), (0.35, 0.2, 0.2, 0.25))[0]
        return Family(group, origin, origin)
    if group == "Eastern European":
        origin = rng.choices(("polish", "romanian"), (0.6, 0.4))[0]
        return Family(group, origin, origin)
    if group == "Mixed":
        # Given names as any child's here; the surname from one parent's side.
        side = rng.choices((None, "caribbean", "pakistani", "yoruba", "indian"), (0.5, 0.3, 0.08, 0.07, 0.05))[0]
        return Family(group, None, side)
    origin = {
        "Pakistani": "pakistani",
        "Indian": "indian",
        "Bangladeshi": "bangladeshi",
        "Black Caribbean": "caribbean",
        "Arab": "arab",
    }[group]
    return Family(group, origin, origin)


def given(rng: random.Random, fam: Family, sex: str, main: str) -> str:
    """A child's given name: from the family's origin; `main` (the generator's own draw) otherwise."""
    if fam.origin is None:
        return main
    if fam.origin in {"yoruba", "igbo", "ghanaian"} and rng.random() < 0.5:
        # Many children of Nigerian and Ghanaian heritage have an English first name.
        return POOLS["african_christian"].given(rng, sex)
    if fam.origin == "caribbean" and rng.random() < 0.5:
        return main
    return POOLS[fam.origin].given(rng, sex)
