"""Each ranking signal on its own, and the weighted sum."""

import math

from aix_lsp.symbols.signals import (
    Weights, ambiguity, analog, bm25_similarity, code_tokens, combine, frequency, imported_name, nearest_distance,
    proximity, unused_import, via_module,
)


def test_imported_name():
    assert imported_name({"name"}) == 1.0
    assert imported_name({"star"}) == 0.5
    assert imported_name({"module", "bm25"}) == 0.0


def test_unused_import():
    assert unused_import({"name"}, "helper", used={"other"}) == 1.0
    assert unused_import({"name"}, "helper", used={"helper"}) == 0.0
    assert unused_import({"used"}, "helper", used=set()) == 0.0  # not imported


def test_nearest_distance():
    assert nearest_distance([3, 10, 40], 12) == 2
    assert nearest_distance([3, 10, 40], 0) == 3
    assert nearest_distance([3, 10, 40], 100) == 60
    assert nearest_distance([], 5) is None and nearest_distance(None, 5) is None


def test_proximity_decays_with_distance():
    assert proximity(0) == 1.0
    assert math.isclose(proximity(8, scale=8), 0.5)
    assert proximity(1) > proximity(5) > proximity(50) > 0
    assert proximity(None) == 0.0


def test_frequency():
    assert frequency(0) == 0.0
    assert 0 < frequency(1) < frequency(3) < frequency(15) == 1.0 == frequency(500)


def test_via_module():
    assert via_module({"module"}) == 1.0 and via_module({"member"}) == 1.0 and via_module({"name"}) == 0.0


def test_bm25_similarity():
    assert bm25_similarity(5.0, 10.0) == 0.5
    assert bm25_similarity(0.0, 0.0) == 0.0


def test_analog_lines():
    windows = [{"load", "config"}, {"save", "config"}, {"other"}, {"load"}]
    assert analog("load", windows) == 0.5
    assert analog("missing", windows) == 0.0
    assert analog("load", []) == 0.0


def test_ambiguity_penalises_common_names():
    assert ambiguity(1) == 0.0 and ambiguity(0) == 0.0
    assert ambiguity(256) == 8.0
    assert ambiguity(2) < ambiguity(20)


def test_combine_is_a_weighted_sum_with_ambiguity_subtracted():
    w = Weights(imported_name=2, unused_import=0, name_proximity=1, owner_proximity=0, frequency=0, via_module=0,
                bm25=3, analog=0, ambiguity=0.5)
    signals = {"imported_name": 1.0, "name_proximity": 0.5, "bm25": 0.2, "ambiguity": 2.0, "analog": 1.0}
    assert math.isclose(combine(signals, w), 2 + 0.5 + 0.6 - 1.0)


def test_code_tokens_split_identifiers():
    assert code_tokens("getUserName(user_id)") == ["getusername", "get", "user", "name", "user_id", "user", "id"]
    assert code_tokens("x = 1") == []  # one-letter names carry nothing
