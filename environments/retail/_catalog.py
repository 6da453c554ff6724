"""Static word lists and the product catalogue the retail state is generated from.

Everything here is our own: names, places and products are invented lists, and
the variants of each product are drawn from its option space by ``_data``.
"""

# ruff: noqa: E501
from __future__ import annotations

__all__ = ["CARRIERS", "CITIES", "EMAIL_DOMAINS", "FIRST_NAMES", "LAST_NAMES", "PRODUCTS"]

# fmt: off
FIRST_NAMES: tuple[str, ...] = (
    "Olivia", "Mateo", "Amara", "Liam", "Sofia", "Noah", "Priya", "Ethan", "Chloe", "Diego",
    "Hana", "Lucas", "Zara", "Omar", "Isla", "Kenji", "Maya", "Elijah", "Leila", "Samuel",
    "Ava", "Rohan", "Grace", "Tomas", "Nadia", "Julian", "Mei", "Caleb", "Yara", "Felix",
    "Ingrid", "Malik", "Rosa", "Arjun", "Clara", "Idris", "Lena", "Marco", "Aisha", "Henry",
    "Freya", "Jonah", "Lucia", "Tariq", "Evelyn", "Kofi", "Naomi", "Victor", "Sana", "Owen",
    "Beatriz", "Declan", "Imani", "Anders", "Paloma", "Raj", "Harper", "Emeka", "Selin", "Theo",
    "Camila", "Dmitri", "Keira", "Bashir", "Elena", "Hugo", "Jia", "Wesley", "Farah", "Nico",
)

LAST_NAMES: tuple[str, ...] = (
    "Alvarez", "Nakamura", "Okafor", "Lindqvist", "Patel", "Moreau", "Haddad", "Kowalski",
    "Brennan", "Castillo", "Dubois", "Eriksen", "Fischer", "Gallagher", "Hoang", "Ibrahim",
    "Jensen", "Kaur", "Larsen", "Mendoza", "Novak", "O'Connor", "Petrov", "Quinn", "Rossi",
    "Sato", "Thornton", "Usman", "Vargas", "Whitaker", "Xu", "Yilmaz", "Zimmerman", "Abbott",
    "Bianchi", "Chen", "Delgado", "Ellison", "Fontaine", "Greer", "Hollis", "Iyer", "Jovanovic",
    "Kim", "Lopez", "Mbeki", "Nguyen", "Ortiz", "Park", "Reyes", "Silva", "Tanaka", "Varga",
    "Walsh", "Adeyemi", "Bergstrom", "Costa", "Dalton", "Esposito", "Farouk", "Greene", "Hart",
    "Ivanova", "Keller", "Morales", "Nilsen", "Osei", "Pereira", "Sandoval", "Volkov",
)

# (city, state, first three digits of its zip codes, street names)
CITIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("Portland", "OR", "972", ("Alder Street", "Belmont Avenue", "Hawthorne Boulevard")),
    ("Austin", "TX", "787", ("Congress Avenue", "Lamar Boulevard", "Barton Springs Road")),
    ("Denver", "CO", "802", ("Colfax Avenue", "Larimer Street", "Speer Boulevard")),
    ("Raleigh", "NC", "276", ("Hillsborough Street", "Glenwood Avenue", "Oberlin Road")),
    ("Madison", "WI", "537", ("Willy Street", "Monroe Street", "Atwood Avenue")),
    ("Tucson", "AZ", "857", ("Speedway Boulevard", "Fourth Avenue", "Grant Road")),
    ("Savannah", "GA", "314", ("Abercorn Street", "Bull Street", "Victory Drive")),
    ("Burlington", "VT", "054", ("Church Street", "Pine Street", "North Avenue")),
    ("Boise", "ID", "837", ("Harrison Boulevard", "Warm Springs Avenue", "State Street")),
    ("Providence", "RI", "029", ("Wickenden Street", "Hope Street", "Broad Street")),
    ("Omaha", "NE", "681", ("Dodge Street", "Leavenworth Street", "Farnam Street")),
    ("Richmond", "VA", "232", ("Cary Street", "Monument Avenue", "Grace Street")),
    ("Albuquerque", "NM", "871", ("Central Avenue", "Rio Grande Boulevard", "Lomas Boulevard")),
    ("Spokane", "WA", "992", ("Monroe Street", "Sprague Avenue", "Division Street")),
    ("Columbus", "OH", "432", ("High Street", "Parsons Avenue", "Neil Avenue")),
    ("Ann Arbor", "MI", "481", ("Liberty Street", "Packard Street", "Stadium Boulevard")),
    ("Chattanooga", "TN", "374", ("Market Street", "Frazier Avenue", "McCallie Avenue")),
    ("Sacramento", "CA", "958", ("J Street", "Folsom Boulevard", "Freeport Boulevard")),
    ("Minneapolis", "MN", "554", ("Lyndale Avenue", "Hennepin Avenue", "Lake Street")),
    ("Charleston", "SC", "294", ("King Street", "Meeting Street", "Rutledge Avenue")),
    ("Pittsburgh", "PA", "152", ("Penn Avenue", "Forbes Avenue", "Carson Street")),
    ("Salt Lake City", "UT", "841", ("Ninth South", "Highland Drive", "Redwood Road")),
    ("New Haven", "CT", "065", ("Chapel Street", "Orange Street", "Whitney Avenue")),
    ("Louisville", "KY", "402", ("Bardstown Road", "Frankfort Avenue", "Baxter Avenue")),
    ("Tulsa", "OK", "741", ("Peoria Avenue", "Brookside Drive", "Cherry Street")),
    ("Des Moines", "IA", "503", ("Ingersoll Avenue", "Grand Avenue", "Beaver Avenue")),
    ("Eugene", "OR", "974", ("Willamette Street", "Pearl Street", "Friendly Street")),
    ("Asheville", "NC", "288", ("Haywood Road", "Merrimon Avenue", "Biltmore Avenue")),
    ("Fort Collins", "CO", "805", ("College Avenue", "Mountain Avenue", "Shields Street")),
    ("Santa Fe", "NM", "875", ("Canyon Road", "Cerrillos Road", "Agua Fria Street")),
    ("Brooklyn", "NY", "112", ("Atlantic Avenue", "Court Street", "Flatbush Avenue")),
    ("Oakland", "CA", "946", ("Telegraph Avenue", "Grand Avenue", "Piedmont Avenue")),
    ("Baltimore", "MD", "212", ("Charles Street", "Eastern Avenue", "Light Street")),
    ("Milwaukee", "WI", "532", ("Brady Street", "Oakland Avenue", "Kinnickinnic Avenue")),
    ("Knoxville", "TN", "379", ("Gay Street", "Kingston Pike", "Magnolia Avenue")),
    ("Reno", "NV", "895", ("Virginia Street", "Plumas Street", "Wells Avenue")),
    ("Honolulu", "HI", "968", ("Kapahulu Avenue", "King Street", "Waialae Avenue")),
    ("Anchorage", "AK", "995", ("Spenard Road", "Northern Lights Boulevard", "C Street")),
    ("Boulder", "CO", "803", ("Pearl Street", "Arapahoe Avenue", "Baseline Road")),
    ("Lexington", "KY", "405", ("Main Street", "Limestone", "Euclid Avenue")),
)

EMAIL_DOMAINS: tuple[str, ...] = (
    "lumenmail.com", "postbox.net", "kestrelmail.com", "orbitmail.com", "fernpost.org",
    "quickinbox.com", "harbormail.net", "tidewater.io",
)

CARRIERS: tuple[str, ...] = ("Swiftship", "Parcelline", "Northstar Freight", "Bluebird Express")

# (product name, (low, high) price range in dollars, {option: values})
PRODUCTS: tuple[tuple[str, tuple[int, int], dict[str, tuple[str, ...]]], ...] = (
    ("Trail Running Shoes", (85, 160), {"size": ("7", "8", "9", "10", "11", "12"), "color": ("black", "slate grey", "orange")}),
    ("Leather Wallet", (30, 90), {"color": ("brown", "black", "tan"), "style": ("bifold", "trifold", "card sleeve")}),
    ("Wireless Earbuds", (60, 220), {"color": ("white", "black", "navy"), "case": ("standard", "wireless charging")}),
    ("Ceramic Coffee Mug", (12, 30), {"capacity": ("8 oz", "12 oz", "16 oz"), "color": ("white", "sage", "terracotta", "charcoal")}),
    ("Yoga Mat", (25, 95), {"thickness": ("4mm", "6mm", "8mm"), "color": ("purple", "teal", "black", "coral"), "material": ("TPE", "natural rubber")}),
    ("Desk Lamp", (35, 140), {"finish": ("matte black", "brushed brass", "white"), "bulb": ("LED", "halogen")}),
    ("Hiking Backpack", (70, 230), {"capacity": ("20L", "35L", "50L"), "color": ("forest green", "black", "rust")}),
    ("Insulated Water Bottle", (18, 48), {"capacity": ("500ml", "750ml", "1L"), "color": ("silver", "midnight blue", "mint"), "lid": ("straw", "screw cap")}),
    ("Mechanical Keyboard", (70, 210), {"switch": ("linear", "tactile", "clicky"), "layout": ("full size", "tenkeyless", "65%"), "backlight": ("none", "white", "RGB")}),
    ("Wireless Mouse", (22, 95), {"color": ("black", "white", "graphite"), "grip": ("ambidextrous", "right-handed")}),
    ("Electric Kettle", (30, 120), {"capacity": ("1L", "1.7L"), "finish": ("stainless steel", "white", "black"), "temperature control": ("yes", "no")}),
    ("Cast Iron Skillet", (25, 80), {"diameter": ("8 inch", "10 inch", "12 inch"), "pre-seasoned": ("yes", "no")}),
    ("Bluetooth Speaker", (40, 180), {"color": ("black", "blue", "red", "sand"), "waterproof": ("yes", "no")}),
    ("Smartwatch", (150, 420), {"case size": ("40mm", "44mm"), "color": ("black", "silver", "rose gold"), "band": ("silicone", "leather", "metal")}),
    ("Rain Jacket", (65, 190), {"size": ("XS", "S", "M", "L", "XL"), "color": ("yellow", "navy", "olive")}),
    ("Wool Sweater", (55, 150), {"size": ("S", "M", "L", "XL"), "color": ("oatmeal", "charcoal", "burgundy"), "neck": ("crew", "v-neck")}),
    ("Cotton T-Shirt", (14, 38), {"size": ("S", "M", "L", "XL", "XXL"), "color": ("white", "black", "heather grey", "navy", "red"), "fit": ("regular", "slim")}),
    ("Denim Jeans", (45, 130), {"waist": ("28", "30", "32", "34", "36"), "leg": ("straight", "slim", "bootcut"), "wash": ("light", "dark")}),
    ("Office Chair", (140, 480), {"color": ("black", "grey", "blue"), "material": ("mesh", "fabric", "leather"), "armrests": ("fixed", "adjustable")}),
    ("Standing Desk", (280, 720), {"width": ("48 inch", "60 inch", "72 inch"), "top": ("walnut", "oak", "white")}),
    ("Air Purifier", (90, 380), {"room size": ("small", "medium", "large"), "filter": ("HEPA", "HEPA with carbon")}),
    ("Robot Vacuum", (180, 650), {"suction": ("standard", "high"), "mapping": ("yes", "no"), "color": ("black", "white")}),
    ("Countertop Blender", (45, 210), {"capacity": ("1L", "1.5L", "2L"), "power": ("600W", "900W", "1200W"), "color": ("black", "silver")}),
    ("Espresso Machine", (160, 760), {"type": ("manual", "semi-automatic", "automatic"), "finish": ("stainless steel", "black"), "milk frother": ("yes", "no")}),
    ("Compact Camera", (240, 890), {"resolution": ("20MP", "24MP", "30MP"), "zoom": ("3x", "10x"), "color": ("black", "silver")}),
    ("Tablet", (260, 880), {"storage": ("64GB", "128GB", "256GB"), "screen": ("10 inch", "12 inch"), "color": ("space grey", "silver")}),
    ("Laptop Sleeve", (20, 60), {"size": ("13 inch", "15 inch", "16 inch"), "material": ("grey felt", "black neoprene", "navy canvas")}),
    ("Noise-Cancelling Headphones", (120, 420), {"color": ("black", "cream", "midnight blue"), "connection": ("wireless", "wired")}),
    ("Fitness Tracker", (45, 170), {"color": ("black", "lilac", "mint"), "band size": ("small", "large")}),
    ("Camping Tent", (110, 520), {"capacity": ("2-person", "4-person", "6-person"), "season": ("3-season", "4-season"), "color": ("green", "orange")}),
    ("Sleeping Bag", (60, 280), {"temperature rating": ("0F", "20F", "40F"), "length": ("regular", "long"), "fill": ("down", "synthetic")}),
    ("Bicycle Helmet", (40, 160), {"size": ("S", "M", "L"), "color": ("white", "black", "fluorescent yellow"), "visor": ("yes", "no")}),
    ("Sunglasses", (35, 210), {"frame": ("tortoise", "black", "gold"), "lens": ("polarized", "standard"), "shape": ("round", "aviator", "square")}),
    ("Throw Blanket", (30, 140), {"material": ("fleece", "cotton knit", "wool"), "color": ("ivory", "dusty rose", "slate"), "size": ("50x60 inch", "60x80 inch")}),
    ("Bedsheet Set", (45, 240), {"size": ("twin", "full", "queen", "king"), "material": ("percale", "sateen", "linen"), "color": ("white", "sand", "sky blue")}),
    ("Bath Towel Set", (25, 110), {"color": ("white", "grey", "seafoam", "navy"), "pieces": ("2", "4", "6")}),
    ("Scented Candle", (14, 52), {"scent": ("cedarwood", "lavender", "vanilla bean", "sea salt"), "size": ("small", "large")}),
    ("Planter Pot", (16, 85), {"diameter": ("6 inch", "8 inch", "12 inch"), "material": ("ceramic", "terracotta", "concrete"), "drainage": ("yes", "no")}),
    ("Strategy Board Game", (28, 95), {"edition": ("standard", "deluxe"), "language": ("English", "Spanish", "French")}),
    ("Jigsaw Puzzle", (14, 45), {"pieces": ("500", "1000", "2000"), "theme": ("landscape", "animals", "fine art")}),
    ("Acoustic Guitar", (180, 950), {"body": ("dreadnought", "concert", "parlor"), "top wood": ("spruce", "mahogany", "cedar"), "handedness": ("right", "left")}),
    ("Dumbbell Set", (30, 210), {"weight": ("5 lb", "10 lb", "15 lb", "25 lb"), "material": ("rubber coated", "cast iron")}),
    ("Electric Toothbrush", (35, 160), {"color": ("white", "black", "pink"), "brush heads": ("2", "4")}),
    ("Hair Dryer", (40, 260), {"power": ("1600W", "1875W"), "color": ("black", "white", "rose"), "attachment": ("concentrator", "diffuser")}),
    ("Phone Case", (15, 55), {"model": ("Nova 12", "Nova 13", "Nova 14"), "material": ("silicone", "leather", "clear"), "color": ("black", "red", "green")}),
    ("Portable Charger", (25, 110), {"capacity": ("10000mAh", "20000mAh", "26800mAh"), "color": ("black", "white"), "output": ("18W", "45W")}),
    ("Smart Light Bulb", (12, 70), {"fitting": ("E26", "E12"), "light": ("white", "tunable white", "full color"), "pack": ("1", "4")}),
    ("Kids Scooter", (45, 140), {"color": ("red", "blue", "pink"), "wheels": ("2", "3")}),
    ("Garden Hose", (25, 95), {"length": ("25 ft", "50 ft", "100 ft"), "material": ("rubber", "vinyl", "expandable")}),
    ("Chef's Knife", (40, 230), {"blade length": ("6 inch", "8 inch", "10 inch"), "steel": ("German", "Japanese"), "handle": ("wood", "composite")}),
)
# fmt: on
