"""Static lists the airline state is generated from: airports and names.

Airport codes, cities and rough coordinates are public facts; the name lists are
our own. Everything else (routes, schedules, fares, people) is drawn by ``_data``.
"""

from __future__ import annotations

__all__ = ["AIRPORTS", "EMAIL_DOMAINS", "FIRST_NAMES", "LAST_NAMES"]

# (IATA code, city, latitude, longitude)
# fmt: off
AIRPORTS: tuple[tuple[str, str, float, float], ...] = (
    ("SEA", "Seattle", 47.4, -122.3), ("PDX", "Portland", 45.6, -122.6),
    ("SFO", "San Francisco", 37.6, -122.4), ("LAX", "Los Angeles", 33.9, -118.4),
    ("SAN", "San Diego", 32.7, -117.2), ("LAS", "Las Vegas", 36.1, -115.2),
    ("PHX", "Phoenix", 33.4, -112.0), ("SLC", "Salt Lake City", 40.8, -111.9),
    ("DEN", "Denver", 39.9, -104.7), ("DFW", "Dallas-Fort Worth", 32.9, -97.0),
    ("AUS", "Austin", 30.2, -97.7), ("IAH", "Houston", 30.0, -95.3),
    ("MSP", "Minneapolis", 44.9, -93.2), ("ORD", "Chicago", 42.0, -87.9),
    ("DTW", "Detroit", 42.2, -83.4), ("BNA", "Nashville", 36.1, -86.7),
    ("ATL", "Atlanta", 33.6, -84.4), ("MCO", "Orlando", 28.4, -81.3),
    ("MIA", "Miami", 25.8, -80.3), ("CLT", "Charlotte", 35.2, -80.9),
    ("IAD", "Washington Dulles", 38.9, -77.5), ("PHL", "Philadelphia", 39.9, -75.2),
    ("JFK", "New York JFK", 40.6, -73.8), ("BOS", "Boston", 42.4, -71.0),
)

FIRST_NAMES: tuple[str, ...] = (
    "Adele", "Bram", "Carmen", "Dario", "Elise", "Fintan", "Gemma", "Hector", "Ines", "Jasper",
    "Kiran", "Leona", "Milo", "Nora", "Oscar", "Petra", "Quentin", "Rhea", "Silas", "Tamsin",
    "Ulric", "Vera", "Wyatt", "Xenia", "Yusuf", "Zoe", "Anika", "Boris", "Celeste", "Damon",
    "Esme", "Florian", "Greta", "Hamza", "Ivy", "Joaquin", "Katya", "Lorenzo", "Mina", "Nikolai",
    "Odette", "Pablo", "Rosalind", "Soren", "Talia", "Umar", "Viola", "Wendell", "Yasmin", "Zeke",
    "Alma", "Benedikt", "Cyrus", "Delphine", "Emil", "Fatima", "Gideon", "Hazel", "Ilse", "Jude",
)

LAST_NAMES: tuple[str, ...] = (
    "Ashworth", "Bakshi", "Carrow", "Drummond", "Echeverria", "Falk", "Gunnarsson", "Halloran",
    "Ivers", "Jablonski", "Kagawa", "Lindgren", "Marchetti", "Nwosu", "Oyelaran", "Pruitt",
    "Quintero", "Rasmussen", "Sokolova", "Trevino", "Underhill", "Vasquez", "Wexler", "Yamada",
    "Zielinski", "Abernathy", "Bouchard", "Cavanagh", "Dvorak", "Engstrom", "Fairbanks",
    "Galloway", "Hadley", "Ishikawa", "Jafari", "Kovacs", "Lachance", "Mahmoud", "Novotny",
    "Okonkwo", "Pellegrini", "Renner", "Sadowski", "Thackeray", "Ulloa", "Vance", "Whitfield",
    "Yoshida", "Zamora", "Albrecht", "Bustamante", "Castellanos", "Delacroix", "Ferreira",
)

EMAIL_DOMAINS: tuple[str, ...] = (
    "skymail.com", "mailbay.net", "inboxly.org", "harborpost.com", "northmail.io", "quillbox.net",
)
# fmt: on
