import random

from simulator.geo import Path, haversine_km, near, route


def test_haversine_matches_a_known_distance():
    # People's Square to Lujiazui is about 2.6 km as the crow flies.
    assert 2.4 < haversine_km((31.2323, 121.4737), (31.2397, 121.4998)) < 2.8


def test_a_path_ends_at_its_destination_and_never_overshoots():
    rng = random.Random(1)
    start, end = (31.2323, 121.4737), (31.1505, 121.8030)
    path = Path(route(rng, start, end))
    steps = 0
    while not path.done:
        before = path.position
        after = path.advance(1.5)
        assert haversine_km(before, after) <= 1.5 * 1.001  # steps are straight in degrees, nearly so on the sphere
        steps += 1
    assert path.position == end and steps < 100


def test_near_stays_within_the_radius():
    rng = random.Random(2)
    centre = (31.23, 121.47)
    assert all(haversine_km(centre, near(rng, centre, 3.0)) <= 3.0 * 1.001 for _ in range(200))
