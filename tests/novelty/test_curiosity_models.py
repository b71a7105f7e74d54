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


def test_mc_samples_match_repeated_training_mode_passes() -> None:
    model = ErrorPredictor(3, gen(4))
    x = torch.rand(7, 3, generator=gen(5))
    fast = model.mc_samples(x, 6, gen(6), chunk=4)
    model.dropout.generator = gen(6)  # same masks, drawn one pass at a time
    with torch.no_grad():
        slow = torch.stack([model(x)[:, 0] for _ in range(6)])
    assert fast.shape == (6, 7)
    assert torch.allclose(fast, slow, atol=1e-6)
    assert float(fast.std(dim=0).min()) > 0  # dropout really varies the prediction
