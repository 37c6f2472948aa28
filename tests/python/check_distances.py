"""Checks the distances of `crates/sluice/tests/geospatial.rs` independently of Sluice.

Reads the `print` rows of the seed's distance query, each
`+I[alarm_id, a.lat, a.lon, r.lat, r.lon, st_distance, st_distance_sphere, st_distance_spheroid]`,
and recomputes every distance from the coordinates in the row: planar Euclidean on
(latitude, longitude) as the seed writes `ST_Point(a.latitude, a.longitude)`, haversine
on a sphere of 6,371,008 m (Apache Sedona's radius) and the WGS84 geodesic with
GeographicLib (PyPI `geographiclib`), both on (longitude, latitude) points.
Prints the number of rows checked; exits non-zero at the first mismatch.
"""

import math
import sys

from geographiclib.geodesic import Geodesic

RADIUS = 6371008.0


def haversine(lon1, lat1, lon2, lat2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * RADIUS * math.asin(math.sqrt(h))


def close(got, want, tolerance):
    return abs(got - want) <= tolerance * max(1.0, abs(want))


def main(path):
    checked = 0
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("+I["):
                continue
            fields = line[3:-1].split(", ")
            lat1, lon1, lat2, lon2, planar, sphere, spheroid = map(float, fields[1:8])
            want_planar = math.hypot(lat1 - lat2, lon1 - lon2)
            want_sphere = haversine(lon1, lat1, lon2, lat2)
            want_spheroid = Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2)["s12"]
            for name, got, want in [("ST_Distance", planar, want_planar),
                                    ("ST_DistanceSphere", sphere, want_sphere),
                                    ("ST_DistanceSpheroid", spheroid, want_spheroid)]:
                if not close(got, want, 1e-9):
                    print("%s of %s is %r, expected %r" % (name, line, got, want))
                    return 1
            checked += 1
    print(checked)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
