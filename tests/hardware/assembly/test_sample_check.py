"""Overrides of a sample model are checked against their domain and by running the model."""

from __future__ import annotations

from hardware.assembly.sample_check import domain_problems, sample_problems, smoke_test


def test_no_overrides_no_problems() -> None:
    assert sample_problems("smbfo", {}) == []


def test_an_unknown_parameter_names_the_sample_and_the_known_ones() -> None:
    (problem,) = sample_problems("smbfo", {"d33": 1.0})
    assert "unknown parameter(s) ['d33'] for sample 'smbfo'" in problem and "x_mpb" in problem


def test_a_value_outside_its_domain_says_what_it_must_be() -> None:
    assert domain_problems({"dead_spot_probability": 1.0}) == [
        "sample_params.dead_spot_probability: 1.0 must be in [0, 1)"
    ]
    assert sample_problems("alscbn", {"film_thickness_nm": -5.0}) == [
        "sample_params.film_thickness_nm: -5.0 must be > 0"
    ]


def test_values_that_break_the_model_are_refused() -> None:
    assert smoke_test("smbfo", {}, ("Sm",)) is None
    message = smoke_test("smbfo", {"x_mpb": float("inf")}, ("Sm",))
    assert message is not None and "the smbfo model fails with these values" in message
