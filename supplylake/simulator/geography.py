"""Static geography of the simulated network: regions, their cities, logistics hubs and ports.

Real coordinates, so the shipment map looks like the United States and transit times follow
real distances. Kept apart from ``world.py`` because it is data, not logic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class City:
    name: str
    region: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class RegionInfo:
    code: str
    name: str
    # Rough share of US demand, so customer counts per region look plausible.
    demand_share: float
    cities: tuple[City, ...]
    ports: tuple[str, ...]


def _cities(region: str, rows: tuple[tuple[str, float, float], ...]) -> tuple[City, ...]:
    return tuple(City(name, region, lat, lon) for name, lat, lon in rows)


REGIONS: dict[str, RegionInfo] = {
    "US-WEST": RegionInfo(
        "US-WEST",
        "West",
        0.17,
        _cities(
            "US-WEST",
            (
                ("Los Angeles", 34.0522, -118.2437),
                ("Reno", 39.5296, -119.8138),
                ("Seattle", 47.6062, -122.3321),
                ("Oakland", 37.8044, -122.2712),
                ("Portland", 45.5152, -122.6784),
                ("Sacramento", 38.5816, -121.4944),
                ("San Diego", 32.7157, -117.1611),
                ("Fresno", 36.7378, -119.7871),
                ("Salt Lake City", 40.7608, -111.8910),
                ("Boise", 43.6150, -116.2023),
            ),
        ),
        ("Port of Los Angeles", "Port of Long Beach", "Port of Oakland", "Port of Seattle", "Port of Tacoma"),
    ),
    "US-SOUTHWEST": RegionInfo(
        "US-SOUTHWEST",
        "Southwest",
        0.17,
        _cities(
            "US-SOUTHWEST",
            (
                ("Dallas", 32.7767, -96.7970),
                ("Houston", 29.7604, -95.3698),
                ("Phoenix", 33.4484, -112.0740),
                ("Austin", 30.2672, -97.7431),
                ("San Antonio", 29.4241, -98.4936),
                ("Denver", 39.7392, -104.9903),
                ("Albuquerque", 35.0844, -106.6504),
                ("Oklahoma City", 35.4676, -97.5164),
                ("Tucson", 32.2226, -110.9747),
                ("El Paso", 31.7619, -106.4850),
            ),
        ),
        ("Port of Houston", "Port of Corpus Christi", "Port of Galveston", "Port of Laredo"),
    ),
    "US-MIDWEST": RegionInfo(
        "US-MIDWEST",
        "Midwest",
        0.20,
        _cities(
            "US-MIDWEST",
            (
                ("Chicago", 41.8781, -87.6298),
                ("Columbus", 39.9612, -82.9988),
                ("Indianapolis", 39.7684, -86.1581),
                ("Kansas City", 39.0997, -94.5786),
                ("Minneapolis", 44.9778, -93.2650),
                ("Detroit", 42.3314, -83.0458),
                ("St. Louis", 38.6270, -90.1994),
                ("Milwaukee", 43.0389, -87.9065),
                ("Cincinnati", 39.1031, -84.5120),
                ("Omaha", 41.2565, -95.9345),
            ),
        ),
        ("Port of Chicago", "Port of Duluth-Superior", "Port of Detroit", "Port of Toledo"),
    ),
    "US-SOUTHEAST": RegionInfo(
        "US-SOUTHEAST",
        "Southeast",
        0.24,
        _cities(
            "US-SOUTHEAST",
            (
                ("Atlanta", 33.7490, -84.3880),
                ("Memphis", 35.1495, -90.0490),
                ("Charlotte", 35.2271, -80.8431),
                ("Jacksonville", 30.3322, -81.6557),
                ("Miami", 25.7617, -80.1918),
                ("Nashville", 36.1627, -86.7816),
                ("Orlando", 28.5383, -81.3792),
                ("New Orleans", 29.9511, -90.0715),
                ("Louisville", 38.2527, -85.7585),
                ("Raleigh", 35.7796, -78.6382),
            ),
        ),
        ("Port of Savannah", "Port of Charleston", "Port of Jacksonville", "PortMiami", "Port of New Orleans"),
    ),
    "US-NORTHEAST": RegionInfo(
        "US-NORTHEAST",
        "Northeast",
        0.22,
        _cities(
            "US-NORTHEAST",
            (
                ("Newark", 40.7357, -74.1724),
                ("Allentown", 40.6023, -75.4714),
                ("Baltimore", 39.2904, -76.6122),
                ("New York", 40.7128, -74.0060),
                ("Philadelphia", 39.9526, -75.1652),
                ("Boston", 42.3601, -71.0589),
                ("Pittsburgh", 40.4406, -79.9959),
                ("Hartford", 41.7658, -72.6734),
                ("Albany", 42.6526, -73.7562),
                ("Buffalo", 42.8864, -78.8784),
            ),
        ),
        ("Port of New York and New Jersey", "Port of Baltimore", "Port of Boston", "Port of Philadelphia"),
    ),
}

DEFAULT_REGIONS: tuple[str, ...] = tuple(REGIONS)

# Warehouse sites in the order a growing network would open them: big logistics hubs first,
# alternating regions so that four warehouses already cover the country.
HUBS: tuple[tuple[str, str], ...] = (
    ("US-SOUTHWEST", "Dallas"),
    ("US-MIDWEST", "Chicago"),
    ("US-SOUTHEAST", "Atlanta"),
    ("US-WEST", "Los Angeles"),
    ("US-NORTHEAST", "Newark"),
    ("US-SOUTHEAST", "Memphis"),
    ("US-MIDWEST", "Columbus"),
    ("US-WEST", "Reno"),
    ("US-SOUTHWEST", "Houston"),
    ("US-NORTHEAST", "Allentown"),
    ("US-MIDWEST", "Indianapolis"),
    ("US-SOUTHWEST", "Phoenix"),
    ("US-WEST", "Seattle"),
    ("US-MIDWEST", "Kansas City"),
    ("US-SOUTHEAST", "Charlotte"),
    ("US-NORTHEAST", "Baltimore"),
)

_EARTH_RADIUS_KM = 6371.0088


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def city(region: str, name: str) -> City:
    for candidate in REGIONS[region].cities:
        if candidate.name == name:
            return candidate
    raise KeyError(f"{name} is not a city of {region}")
