"""The curiosity networks: shapes, the authors' layer order, explicit randomness."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from novelty.curiosity.learner import torch_generator
from novelty.curiosity.models import (
    ErrorPredictor,
    GeneratorDropout,
    Im2Spec,
    PatchAutoencoder,
)


def gen(seed: int = 0) -> torch.Generator:
    return torch_generator(np.random.SeedSequence(seed))


def test_shapes_and_latents() -> None:
    x = torch.rand(5, 1, 9, 9, generator=gen())
    ae = PatchAutoencoder((9, 9), 3, gen()).eval()
    assert ae.encoder(x).shape == (5, 3)
    assert ae(x).shape == (5, 1, 9, 9)
    m = Im2Spec((9, 9), 50, 2, gen()).eval()
    assert m.encoder(x).shape == (5, 2)
    assert m(x).shape == (5, 1, 50)
    widths = [(lyr.in_features, lyr.out_features) for lyr in m.decoder_layers]
    assert widths == [(2, 12), (12, 24), (24, 36), (36, 50), (50, 50), (50, 50)]
    assert ErrorPredictor(3, gen())(torch.rand(4, 3, generator=gen())).shape == (4, 1)


def test_im2spec_encoder_follows_conv_dropout_relu_batchnorm() -> None:
    kinds = [type(layer).__name__ for layer in Im2Spec((9, 9), 50, 2, gen()).encoder.conv]
    assert kinds == ["Conv2d", "GeneratorDropout", "LeakyReLU", "BatchNorm2d"] * 3
    ae_kinds = [type(layer).__name__ for layer in PatchAutoencoder((9, 9), 3, gen()).encoder.conv]
    assert ae_kinds == ["Conv2d", "LeakyReLU", "BatchNorm2d"] * 3


def test_initialisation_is_seeded_and_leaves_global_rng_alone() -> None:
    before = torch.random.get_rng_state().clone()
    a = Im2Spec((9, 9), 50, 2, gen(1))
    b = Im2Spec((9, 9), 50, 2, gen(1))
    c = Im2Spec((9, 9), 50, 2, gen(2))
    assert torch.equal(torch.random.get_rng_state(), before)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not torch.equal(sa["encoder.fc.weight"], sc["encoder.fc.weight"])
    bound = 1 / np.sqrt(64 * 81)  # PyTorch's default Linear init bound (kaiming a=sqrt(5))
    assert float(sa["encoder.fc.weight"].abs().max()) <= bound
    assert torch.equal(sa["encoder.conv.3.weight"], torch.ones(64))  # batch-norm scale


def test_generator_dropout_masks_come_from_its_generator() -> None:
    x = torch.ones(1000)
    d1, d2 = GeneratorDropout(0.5, gen(3)), GeneratorDropout(0.5, gen(3))
    y1, y2 = d1(x), d2(x)
    assert torch.equal(y1, y2)
    assert set(torch.unique(y1).tolist()) == {0.0, 2.0}
    assert 400 < int((y1 == 0).sum()) < 600
    assert torch.equal(d1.eval()(x), x)
    with pytest.raises(ValueError):
        GeneratorDropout(1.0, gen())


def test_mc_samples_are_masked_passes_with_the_right_moments() -> None:
    model = ErrorPredictor(3, gen(4))
    x = torch.rand(7, 3, generator=gen(5))
    samples = model.mc_samples(x, 4000, np.random.default_rng(6), chunk=300)
    assert samples.shape == (4000, 7)
    # the same masks, applied pass by pass through the network
    rng = np.random.default_rng(6)
    keep = rng.random((7, 300, 128), dtype=np.float32) >= np.float32(0.1)
    first = model.with_mask(x, torch.as_tensor(keep[:, 0, :].astype(np.float32)))[:, 0]
    np.testing.assert_allclose(samples[0], first.numpy(), rtol=1e-5, atol=1e-6)
    # moments of Bernoulli(0.9) inverted dropout: E = b + Σa, Var = p/(1-p) Σa²
    with torch.no_grad():
        h = torch.relu(model.layer1(x)).numpy()
    a = h * model.layer2.weight[0].detach().numpy()
    mean = a.sum(1) + float(model.layer2.bias.detach()[0])
    var = 0.1 / 0.9 * (a**2).sum(1)
    np.testing.assert_allclose(samples.mean(0), mean, atol=4 * np.sqrt(var.max() / 4000))
    np.testing.assert_allclose(samples.var(0), var, rtol=0.15)
    assert np.array_equal(samples, model.mc_samples(x, 4000, np.random.default_rng(6), 300))
