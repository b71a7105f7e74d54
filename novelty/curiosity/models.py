"""The three networks of curiosity-driven exploration (Vatsavai et al., Digital Discovery 2025).

Architectures follow the authors' code (`ramav87/Curiosity-Driven-RL-for-PFM`,
`Notebooks/functions.py`, with `conv_block` / `dilated_block` from `ziatdinovmax/im2spec`):

* `PatchAutoencoder` (their `im2im`): the patch featuriser. Encoder: 3 conv layers
  (1 -> 64 -> 64 -> 64 filters, 3x3, each conv -> LeakyReLU(0.1) -> BatchNorm) -> Linear to a
  3-d latent. Decoder: Linear -> (64, n//4, n//4) -> conv block -> nearest upsample x2 -> conv
  block -> nearest upsample to (n, m) -> dilated block (dilations 1..4) -> conv to 1 channel ->
  1x1 conv.
* `Im2Spec`: the image-patch -> spectrum surrogate. Encoder as above but with dropout 0.5 after
  every conv (conv -> dropout -> LeakyReLU -> BatchNorm) and a 2-d latent; decoder MLP
  2 -> ts/4 -> ts/2 -> 3ts/4 -> ts -> ts -> ts (ReLU, last layer linear), ts = spectrum length.
* `ErrorPredictor` (their `rewards_model`): Linear(3 -> 128) -> ReLU -> Dropout(0.1) ->
  Linear(128 -> 1) on the featuriser latent; dropout stays on at inference (MC dropout).

Every model takes `g`, the generator of its dropout masks, and optionally `init`, the generator
of its initial weights (default `g`). Randomness is explicit: parameters are created on the meta
device (so PyTorch's global generator is never touched) and initialised with PyTorch's default
schemes from a `torch.Generator`; dropout masks come from a generator held by the dropout layer
(`GeneratorDropout`), never from the global RNG. Tensors are float32, as in the authors' code.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn
from torch.nn import functional as F  # noqa: N812

LEAKY_SLOPE = 0.1


class GeneratorDropout(nn.Module):
    """Inverted dropout whose masks are drawn from an explicit `torch.Generator`.

    Active only in training mode, like `nn.Dropout`. The generator is a plain attribute (not
    state), so a learner can hand every dropout layer of a model the same stream.
    """

    def __init__(self, p: float, generator: torch.Generator) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = p
        self.generator = generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        # masks are drawn on the generator's device (the CPU) and moved to the activations,
        # so a seed gives the same masks whichever device the model runs on
        keep = torch.rand(x.shape, generator=self.generator, dtype=x.dtype) >= self.p
        return x * keep.to(x.device) / (1.0 - self.p)


def _conv_unit(
    c_in: int, c_out: int, dropout: float, g: torch.Generator, dil: int = 1
) -> list[nn.Module]:
    """conv -> [dropout] -> LeakyReLU(0.1) -> BatchNorm2d (the im2spec `conv_block` order)."""
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_out, kernel_size=3, padding=dil, dilation=dil, device="meta")
    ]
    if dropout > 0:
        layers.append(GeneratorDropout(dropout, g))
    layers += [nn.LeakyReLU(LEAKY_SLOPE), nn.BatchNorm2d(c_out, device="meta")]
    return layers


def conv_block(
    n_layers: int, c_in: int, c_out: int, g: torch.Generator, dropout: float = 0.0
) -> nn.Sequential:
    """`n_layers` 3x3 conv units (padding 1), the first mapping c_in -> c_out channels."""
    layers: list[nn.Module] = []
    for k in range(n_layers):
        layers += _conv_unit(c_in if k == 0 else c_out, c_out, dropout, g)
    return nn.Sequential(*layers)


class DilatedBlock(nn.Module):
    """Atrous "pyramid" of im2spec's `dilated_block`: conv units with dilations 1, 2, 3, 4 in
    sequence; the output is the sum of the outputs of every layer of the pyramid (each conv,
    activation and batch norm), exactly as in the original."""

    def __init__(
        self, channels: int, g: torch.Generator, dilations: tuple[int, ...] = (1, 2, 3, 4)
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for d in dilations:
            layers += _conv_unit(channels, channels, 0.0, g, dil=d)
        self.layers = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        total = torch.zeros_like(x)
        for layer in self.layers:
            x = layer(x)
            total = total + x
        return total


class PatchEncoder(nn.Module):
    """3 conv units (64 filters) -> flatten -> Linear to `latent_dim`."""

    def __init__(
        self,
        patch_shape: tuple[int, int],
        latent_dim: int,
        g: torch.Generator,
        filters: int = 64,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        n, m = patch_shape
        self.conv = conv_block(3, 1, filters, g, dropout)
        self.fc = nn.Linear(filters * n * m, latent_dim, device="meta")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.conv(x), 1))


class PatchAutoencoder(nn.Module):
    """The patch featuriser (`im2im`): patch (b, 1, n, m) -> latent (b, d) -> patch."""

    def __init__(
        self,
        patch_shape: tuple[int, int],
        latent_dim: int,
        g: torch.Generator,
        filters: int = 64,
        init: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        n, m = patch_shape
        if n < 4 or m < 4:
            raise ValueError(f"patches must be at least 4x4 for the decoder, got {patch_shape}")
        self.patch_shape = (n, m)
        self.filters = filters
        self.encoder = PatchEncoder((n, m), latent_dim, g, filters)
        self.dec_fc = nn.Linear(latent_dim, filters * (n // 4) * (m // 4), device="meta")
        self.dec_conv_1 = conv_block(1, filters, filters, g)
        self.dec_conv_2 = conv_block(1, filters, filters, g)
        self.dec_atrous = DilatedBlock(filters, g)
        self.dec_conv_3 = conv_block(1, filters, 1, g)
        self.dec_out = nn.Conv2d(1, 1, kernel_size=1, device="meta")
        init_parameters(self, init or g)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        n, m = self.patch_shape
        x = self.dec_fc(z).reshape(-1, self.filters, n // 4, m // 4)
        x = F.interpolate(self.dec_conv_1(x), scale_factor=2, mode="nearest")
        x = F.interpolate(self.dec_conv_2(x), size=(n, m), mode="nearest")
        return self.dec_out(self.dec_conv_3(self.dec_atrous(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encoder(x))


class Im2Spec(nn.Module):
    """Image patch (b, 1, n, m) -> spectrum (b, 1, ts) through a low-dimensional latent."""

    def __init__(
        self,
        patch_shape: tuple[int, int],
        spectrum_length: int,
        latent_dim: int,
        g: torch.Generator,
        filters: int = 64,
        dropout: float = 0.5,
        init: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        ts = spectrum_length
        if ts < 4:
            raise ValueError(f"spectra need at least 4 points, got {ts}")
        self.spectrum_length = ts
        self.encoder = PatchEncoder(patch_shape, latent_dim, g, filters, dropout)
        widths = [latent_dim, ts // 4, ts // 4 * 2, ts // 4 * 3, ts, ts, ts]
        self.decoder_layers = nn.ModuleList(
            nn.Linear(a, b, device="meta") for a, b in itertools.pairwise(widths)
        )
        init_parameters(self, init or g)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        x = z
        for layer in self.decoder_layers[:-1]:
            x = F.relu(layer(x))
        return self.decoder_layers[-1](x).reshape(-1, 1, self.spectrum_length)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encoder(x))


class ErrorPredictor(nn.Module):
    """Featuriser latent (b, d) -> predicted surrogate error (b, 1), with MC dropout."""

    def __init__(
        self,
        in_dim: int,
        g: torch.Generator,
        hidden: int = 128,
        dropout: float = 0.1,
        init: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.layer1 = nn.Linear(in_dim, hidden, device="meta")
        self.dropout = GeneratorDropout(dropout, g)
        self.layer2 = nn.Linear(hidden, 1, device="meta")
        init_parameters(self, init or g)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer2(self.dropout(F.relu(self.layer1(x))))

    @torch.no_grad()
    def with_mask(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """One dropout-on pass with a given keep mask (b, hidden) of 0/1: (b, 1)."""
        h = F.relu(self.layer1(x)) * keep / (1.0 - self.dropout.p)
        return self.layer2(h)

    @torch.no_grad()
    def mc_samples(
        self, x: torch.Tensor, passes: int, rng: np.random.Generator, chunk: int = 50
    ) -> NDArray[np.float32]:
        """`passes` dropout-on predictions, shape (passes, b), independent masks per pass,
        location and hidden unit (as `passes` calls of the model in training mode).

        The first layer is deterministic, so it runs once; each pass is then a masked dot
        product per location. Masks come from a numpy Generator (about twice as fast as
        torch.rand on CPUs) and the products are batched matrix-vector products.
        """
        p = self.dropout.p
        h = F.relu(self.layer1(x)).cpu().numpy()  # (b, hidden); the masks are drawn on the CPU
        a = h * (self.layer2.weight[0].cpu().numpy() / np.float32(1.0 - p))  # (b, hidden)
        bias = np.float32(self.layer2.bias[0].item())
        out = np.empty((passes, len(h)), dtype=np.float32)
        for start in range(0, passes, chunk):
            k = min(chunk, passes - start)
            keep = rng.random((len(h), k, h.shape[1]), dtype=np.float32) >= np.float32(p)
            out[start : start + k] = np.matmul(keep.astype(np.float32), a[:, :, None])[:, :, 0].T
        return out + bias


def init_parameters(module: nn.Module, g: torch.Generator) -> None:
    """Materialise meta-device parameters on the CPU with PyTorch's default initialisation
    (Kaiming-uniform weights with a = sqrt(5), fan-in uniform biases, unit/zero batch norm),
    drawing every number from `g`."""
    module.to_empty(device="cpu")
    for sub in module.modules():
        if isinstance(sub, nn.Conv2d | nn.Linear):
            nn.init.kaiming_uniform_(sub.weight, a=math.sqrt(5), generator=g)
            if sub.bias is not None:
                fan_in = sub.weight[0].numel()
                bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                nn.init.uniform_(sub.bias, -bound, bound, generator=g)
        elif isinstance(sub, nn.BatchNorm2d):
            sub.reset_parameters()
