"""Unit vocabulary and conversions, checked against hand-computed values."""
import math

import pytest

from lca.errors import InputError
from lca.units import CARRIERS, UNITS, convert, convert_carrier, dimension, normalize_unit, to_brightway


@pytest.mark.parametrize("text,unit", [("kg", "kg"), ("KG", "kg"), ("kwh", "kWh"), ("m³", "m3"), ("Nm3", "m3"),
                                       ("吨", "t"), ("度", "kWh"), (" L ", "L"), ("ｋｇ", "kg"), ("pcs", "piece")])
def test_normalize_unit(text, unit):
    assert normalize_unit(text) == unit


@pytest.mark.parametrize("text", ["mt", "kilo", "", "1", None, 5])
def test_normalize_unit_unknown(text):
    assert normalize_unit(text) is None


@pytest.mark.parametrize("unit,amount,bw", [("g", 0.001, "kilogram"), ("t", 1000.0, "kilogram"),
                                            ("MWh", 1000.0, "kilowatt hour"), ("GJ", 1000.0, "megajoule"),
                                            ("L", 1.0, "liter"), ("m3", 1.0, "cubic meter"), ("piece", 1.0, "unit"),
                                            ("kWp", 1.0, "kilowatt"), ("tkm", 1.0, "ton kilometer"),
                                            ("m2", 1.0, "square meter")])
def test_to_brightway(unit, amount, bw):
    assert to_brightway(1.0, unit) == (pytest.approx(amount), bw)


def test_every_unit_maps_to_a_brightway_unit():
    for u in UNITS.values():
        assert dimension(u.bw_unit) == u.dimension


def test_convert_same_dimension():
    assert convert(2, "t", "kg") == 2000
    assert convert(1, "kWh", "MJ") == pytest.approx(3.6)
    assert convert(1, "MWh", "GJ") == pytest.approx(3.6)
    assert convert(500, "L", "cubic meter") == pytest.approx(0.5)
    assert convert(1, "kilowatt hour", "megajoule") == pytest.approx(3.6)


def test_convert_with_properties():
    assert convert(1000, "L", "kg", density=835) == pytest.approx(835)
    assert convert(2, "kg", "MJ", heating_value=42.652) == pytest.approx(85.304)
    assert convert(38.931, "MJ", "m3", heating_value=38.931) == pytest.approx(1.0)


@pytest.mark.parametrize("args,kw", [(("kg", "m3"), {}), (("kg", "MJ"), {"heating_value": -1}),
                                     (("kg", "m2"), {"density": 1}), (("kg", "furlong"), {}),
                                     (("L", "kg"), {"density": math.nan})])
def test_convert_refuses(args, kw):
    with pytest.raises(InputError):
        convert(1.0, *args, **kw)


def test_carrier_conversions():
    # natural gas: 1 GJ / 38.931 MJ/Nm3 = 25.6865 Nm3
    assert convert_carrier("natural_gas", 1, "GJ") == pytest.approx(1000 / 38.931)
    # diesel 1000 L * 0.835 kg/L
    assert convert_carrier("diesel", 1000, "L") == pytest.approx(835.0)
    assert convert_carrier("diesel", 1, "t", "GJ") == pytest.approx(42.652)
    assert convert_carrier("coal", 1, "GJ") == pytest.approx(1000 / 20.908)
    assert convert_carrier("electricity", 2, "MWh") == pytest.approx(2000)
    assert convert_carrier("electricity", 36, "MJ") == pytest.approx(10)
    assert convert_carrier("steam", 1, "t") == pytest.approx(1000)
    assert convert_carrier("hydrogen", 1, "kg", "m3") == pytest.approx(1 / 0.08988)


def test_carrier_refuses_units_that_do_not_fit():
    with pytest.raises(InputError, match="electricity cannot be stated in 'kg'"):
        convert_carrier("electricity", 1, "kg")
    with pytest.raises(InputError, match="unknown energy carrier"):
        convert_carrier("plasma", 1, "kg")


def test_every_carrier_converts_each_of_its_units():
    for key, c in CARRIERS.items():
        for u in c.units:
            x = convert_carrier(key, 1.0, u)
            assert math.isfinite(x) and x > 0
            assert convert_carrier(key, x, c.reference_unit, u) == pytest.approx(1.0)
