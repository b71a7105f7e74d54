"""Deep kernel learning (Wilson et al. 2016): a neural feature extractor under an exact GP.

k(x, x') = s² · Matern_ν(φ(x), φ(x')) with ARD lengthscales, φ(x) = [x, g_θ(x)] (the inputs
themselves next to `latent_dim` learned features; `input_skip`) or φ = g_θ alone. g_θ is a small
MLP (flattened inputs), a CNN (image patches) or a linear projection, applied to standardised
inputs s(x) = (x − ½)·√12. The CNN stacks 3×3 'valid' convolutions until the patch shrinks to
its centre pixel, then a small MLP: its receptive field is the whole patch, it shares weights
across positions and it reads the property out at the location itself.

Why the input skip: with φ = g_θ alone, a network with more free parameters than the data has
coordinates can place every training point anywhere in a low-dimensional latent space, so the
marginal likelihood is maximised by interpolating (noise driven to its floor) and the embedding
does not generalise; on the pto-beps-50x50 replay that made dkl_bo no better than gp_bo on
(x, y), while an ARD GP on the same patches was 5× better. With φ = [x, g_θ(x)] and the last
layer of g_θ initialised near zero, training starts from the ARD GP on the inputs and the
network only adds what that misses (`linear_skip` instead adds a PCA-initialised linear map).

The network weights θ and the GP hyperparameters (ARD lengthscales, output scale, noise,
constant mean) are trained jointly by maximising the exact marginal likelihood (gpytorch
ExactMarginalLogLikelihood plus the same hyperparameter priors as explorer.models.gp) with
full-batch AdamW and early stopping on the loss; weight decay acts on the network weights only.

Pretraining (`pretrain: autoencoder`): the inputs of every library location are known before
the first measurement, so g_θ can first be trained without labels, as the encoder of an
autoencoder on all of them (`pretrain_extractor`), its codes bounded by tanh and rescaled to
[0, 1] over that pool. Frozen (`finetune=False`), the kernel is an ARD GP on [x, g(x)] whose
hyperparameters are fitted exactly like the plain GP's (explorer.models.gp.fit_gp: L-BFGS MAP,
same priors), so the deep kernel contains the ARD solution and adds what the codes explain; on
the pto-beps-50x50 replay this is what made dkl_bo match the ARD patch GP.

Warm start: `FittedDKL.state()` is a small JSON-able dict (network weights as base64 float32,
the hyperparameters, an architecture signature); `fit_dkl(..., warm_start=state)` continues
from it with `iters_warm` steps instead of `iters_cold` from a seeded initialisation. Because a
strategy hands this logged state to the next decision, a resumed campaign trains from exactly
the same starting point as an uninterrupted one.

Prediction maps candidates through g_θ once and reuses explorer.models.gp.FittedGP (one
Cholesky factor, batched triangular solves, Kriging-believer conditioning), so a DKL posterior
over thousands of candidates costs one forward pass plus a few matrix products.
"""

from __future__ import annotations

import base64
import itertools
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import gpytorch
import numpy as np
import torch
from numpy.typing import NDArray

from explorer.errors import ModelFitError
from explorer.models.gp import DTYPE, FittedGP, GPHyperparameters, GPOptions, _standardise, fit_gp

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class DKLOptions:
    """Architecture and training of the deep kernel.

    Attributes:
        extractor: "mlp" (any inputs) or "cnn" (square image patches, `channels` per pixel).
        hidden: MLP hidden widths (for the CNN: the dense layers after the convolutions).
        latent_dim: dimension of the learned feature space the GP kernel acts on.
        channels: image channels per patch pixel (CNN only).
        conv_filters: filters of each 3×3 convolution (CNN only; side // 2 layers).
        input_skip: the kernel acts on [x, g(x)], the inputs themselves (ARD lengthscales, as
            the plain GP) next to the learned features, so the deep kernel contains the ARD GP
            on the inputs and the network only has to learn what that misses.
        linear_skip: add a linear map of the inputs to the network's output (z = Wx + g(x)),
            W initialised at the inputs' principal directions and g near zero, so training
            starts from a PCA embedding and learns a nonlinear correction.
        iters_cold / iters_warm: maximum AdamW steps from a fresh / a warm-started model.
        lr: AdamW learning rate; weight_decay: on network weights only.
        patience / tol: early stopping once the loss (−MLL/n) has not improved by `tol` for
            `patience` steps.
        nu: Matern smoothness of the GP kernel in latent space.
        pretrain: "none" (the network starts from a seeded random initialisation) or
            "autoencoder": before the first decision the network is trained, without labels,
            as the encoder of an autoencoder on every library location's inputs (`pool`), its
            latent bounded by tanh and rescaled to [0, 1] over the pool; deterministic from
            the seed, and carried to later decisions in the logged state.
        pretrain_iters: full-batch Adam steps of the autoencoder.
        finetune: train the network jointly with the GP by marginal likelihood (AdamW, as
            without pretraining); False freezes it, and the GP on [x, g(x)] is fitted exactly
            like the plain ARD GP (L-BFGS MAP, explorer.models.gp), warm-started from the
            previous decision's hyperparameters unless `refit_cold`.
        refit_cold: every decision starts the GP hyperparameters (and, when fine-tuning, the
            network: from its pretrained or seeded initial weights) afresh instead of from the
            previous decision's state.
    """

    extractor: str = "mlp"
    hidden: tuple[int, ...] = (32, 16)
    latent_dim: int = 2
    channels: int = 1
    conv_filters: int = 8
    input_skip: bool = True
    linear_skip: bool = False
    iters_cold: int = 400
    iters_warm: int = 100
    lr: float = 0.01
    weight_decay: float = 1e-3
    patience: int = 30
    tol: float = 1e-3
    nu: float = 2.5
    pretrain: str = "none"
    pretrain_iters: int = 500
    finetune: bool = True
    refit_cold: bool = False

    def signature(self, input_dim: int) -> str:
        """Identifies the parameter layout; a warm start with another layout is ignored."""
        h = "x".join(str(v) for v in self.hidden)
        conv = f"-c{self.channels}f{self.conv_filters}" if self.extractor == "cnn" else ""
        skip = ("-lin" if self.linear_skip else "") + ("-x" if self.input_skip else "")
        pre = "" if self.pretrain == "none" else f"-pre{self.pretrain}"
        return f"{self.extractor}{conv}{skip}{pre}-d{input_dim}-h{h}-z{self.latent_dim}"

    @property
    def pretrained(self) -> bool:
        return self.pretrain != "none"

    def kernel_dim(self, input_dim: int) -> int:
        """Dimension of the features the GP kernel acts on."""
        return self.latent_dim + (input_dim if self.input_skip else 0)


def _linear(n_in: int, n_out: int, gen: torch.Generator) -> torch.nn.Linear:
    """A Linear layer initialised from `gen` (PyTorch's default U(±1/√fan_in)), no global RNG."""
    layer = torch.nn.utils.skip_init(torch.nn.Linear, n_in, n_out, dtype=DTYPE)
    bound = 1.0 / math.sqrt(n_in)
    with torch.no_grad():
        for p in (layer.weight, layer.bias):
            p.copy_((torch.rand(p.shape, generator=gen, dtype=DTYPE) * 2 - 1) * bound)
    return layer


def _conv(c_in: int, c_out: int, gen: torch.Generator) -> torch.nn.Conv2d:
    """A 3×3 'valid' convolution (no padding: each layer shrinks the patch by 2 pixels)."""
    layer = torch.nn.utils.skip_init(torch.nn.Conv2d, c_in, c_out, 3, dtype=DTYPE)
    bound = 1.0 / math.sqrt(c_in * 9)
    with torch.no_grad():
        for p in (layer.weight, layer.bias):
            p.copy_((torch.rand(p.shape, generator=gen, dtype=DTYPE) * 2 - 1) * bound)
    return layer


def _mlp(sizes: list[int], gen: torch.Generator) -> list[torch.nn.Module]:
    layers: list[torch.nn.Module] = []
    for k, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(_linear(a, b, gen))
        if k < len(sizes) - 2:
            layers.append(torch.nn.Tanh())
    return layers


#: inputs live in the unit cube; (x − ½)·√12 gives a uniform input zero mean and unit variance
_INPUT_SCALE = math.sqrt(12.0)
#: the nonlinear branch of a linear-skip extractor starts at this fraction of its default size
_RESIDUAL_INIT = 0.1


class DeepFeatures(torch.nn.Module):
    """z = W·s(x) + g(s(x)) with s(x) = (x − ½)·√12 (standardised unit-cube inputs): a linear
    map plus a nonlinear network (`linear` is None without the skip); with `inputs`, the
    features are [x, z]. A bounded extractor (pretrained) outputs (tanh(z) − lo) / span, with
    lo and span fixed (not trained) so that the pool it was pretrained on maps onto [0, 1]."""

    def __init__(
        self,
        linear: torch.nn.Linear | None,
        network: torch.nn.Module,
        inputs: bool,
        latent_dim: int = 0,
    ) -> None:
        super().__init__()
        self.linear = linear
        self.network = network
        self.inputs = inputs
        self.lo: torch.nn.Parameter | None = None
        self.span: torch.nn.Parameter | None = None
        if latent_dim:
            self.lo = torch.nn.Parameter(torch.zeros(latent_dim, dtype=DTYPE), False)
            self.span = torch.nn.Parameter(torch.ones(latent_dim, dtype=DTYPE), False)

    def code(self, s: torch.Tensor) -> torch.Tensor:
        """The latent of standardised inputs s (tanh-bounded, before rescaling, if bounded)."""
        z = self.network(s)
        z = z if self.linear is None else z + self.linear(s)
        return z if self.lo is None else torch.tanh(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.code((x - 0.5) * _INPUT_SCALE)
        if self.lo is not None and self.span is not None:
            z = (z - self.lo) / self.span
        return torch.cat([x, z], dim=1) if self.inputs else z


class _Zero(torch.nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.new_zeros((x.shape[0], self.dim))


def build_extractor(opts: DKLOptions, input_dim: int, seed: int) -> torch.nn.Module:
    """The feature extractor, initialised deterministically from `seed` (see DeepFeatures)."""
    gen = torch.Generator().manual_seed(int(seed))
    skip = opts.linear_skip or opts.extractor == "linear"
    linear = _linear(input_dim, opts.latent_dim, gen) if skip else None
    network = _network(opts, input_dim, gen)
    residual = opts.linear_skip or opts.input_skip
    if residual and opts.extractor != "linear" and not opts.pretrained:
        last = [m for m in network.modules() if isinstance(m, torch.nn.Linear)][-1]
        with torch.no_grad():
            last.weight.mul_(_RESIDUAL_INIT)
            last.bias.zero_()
    bounded = opts.latent_dim if opts.pretrained else 0
    return DeepFeatures(linear, network, opts.input_skip, bounded)


@dataclass(frozen=True)
class Pretraining:
    """How the autoencoder pretraining of an extractor went.

    Attributes:
        error: final reconstruction error (mean squared error / variance of each input).
        seconds: wall time it took (when it ran; a cached result keeps the original time).
    """

    error: float
    seconds: float


def pretrain_extractor(
    extractor: DeepFeatures, pool: FloatArray, opts: DKLOptions, seed: int
) -> Pretraining:
    """Train `extractor` without labels as the encoder of an autoencoder on the (m, d) unit-cube
    `pool` (every library location): decoder latent -> reversed hidden widths -> d, mean
    squared reconstruction error of the standardised inputs, full-batch Adam for
    `pretrain_iters` steps from a seeded initialisation; then fix lo/span so that the pool's
    latents span [0, 1]. Deterministic for given pool, options and seed. A campaign does this
    once per run, before its first decision (`pretrained_state`, through the run's
    preparation), and hands the weights to every `fit_dkl`."""
    pool = np.ascontiguousarray(pool, dtype=float)
    t0 = time.perf_counter()
    gen = torch.Generator().manual_seed(int(seed) + 1)
    decoder = torch.nn.Sequential(
        *_mlp([opts.latent_dim, *reversed(opts.hidden), pool.shape[1]], gen)
    )
    # float32 for the many cheap steps (several times faster on a CPU); the GP stays float64
    extractor.to(torch.float32)
    decoder.to(torch.float32)
    s = torch.as_tensor((pool - 0.5) * _INPUT_SCALE, dtype=torch.float32)
    weight = 1.0 / s.var(0).clamp_min(1e-6)
    params = [p for p in extractor.parameters() if p.requires_grad] + list(decoder.parameters())
    optim = torch.optim.Adam(params, lr=0.01)
    error = math.nan
    for _ in range(opts.pretrain_iters):
        optim.zero_grad()
        loss = (((decoder(extractor.code(s)) - s) ** 2) * weight).mean()
        loss.backward()
        optim.step()
        error = float(loss.detach())
    extractor.to(DTYPE)  # float32 values: exactly what the logged state (float32) restores
    with torch.no_grad():
        z = extractor.code(torch.as_tensor(pool, dtype=DTYPE).sub(0.5).mul(_INPUT_SCALE))
        lo, hi = z.min(0).values, z.max(0).values
        assert extractor.lo is not None and extractor.span is not None
        extractor.lo.copy_(lo.float())
        extractor.span.copy_((hi - lo).clamp_min(1e-6).float())
    return Pretraining(error, time.perf_counter() - t0)


@dataclass(frozen=True, eq=False)
class PretrainedExtractor:
    """The weights of a pretrained extractor (plain arrays, as a run's preparation saves them)
    and how the pretraining went."""

    state: Mapping[str, NDArray[Any]]
    pretraining: Pretraining

    def to_arrays(self) -> dict[str, NDArray[Any]]:
        out = {f"state.{k}": np.asarray(v) for k, v in self.state.items()}
        out["pretrain_error"] = np.asarray(self.pretraining.error)
        out["pretrain_s"] = np.asarray(self.pretraining.seconds)
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, NDArray[Any]]) -> PretrainedExtractor:
        prefix = "state."
        state = {k[len(prefix) :]: np.asarray(v) for k, v in arrays.items() if k.startswith(prefix)}
        done = Pretraining(float(arrays["pretrain_error"]), float(arrays["pretrain_s"]))
        return cls(state, done)


def pretrained_state(
    opts: DKLOptions, input_dim: int, pool: FloatArray, seed: int
) -> PretrainedExtractor:
    """A freshly built extractor pretrained on `pool` (see `pretrain_extractor`), as arrays."""
    extractor = build_extractor(opts, input_dim, seed)
    assert isinstance(extractor, DeepFeatures)
    done = pretrain_extractor(extractor, np.asarray(pool, float), opts, seed)
    state = {k: v.detach().cpu().numpy().copy() for k, v in extractor.state_dict().items()}
    return PretrainedExtractor(state, done)


def _load_pretrained(extractor: torch.nn.Module, pre: PretrainedExtractor) -> Pretraining:
    current = extractor.state_dict()
    extractor.load_state_dict(
        {k: torch.as_tensor(np.asarray(v)).to(current[k].dtype) for k, v in pre.state.items()}
    )
    return pre.pretraining


def init_principal(extractor: torch.nn.Module, X: FloatArray) -> bool:
    """Set the linear branch to the principal directions of the (standardised) inputs X, each
    scaled to unit variance over X and centred; False (unchanged) without a linear branch or
    with fewer than two distinct inputs. Directions beyond the data's rank keep their random
    initialisation."""
    if not isinstance(extractor, DeepFeatures) or extractor.linear is None or len(X) < 2:
        return False
    s = (np.asarray(X, float) - 0.5) * _INPUT_SCALE
    centre = s.mean(0)
    _, sv, vt = np.linalg.svd(s - centre, full_matrices=False)
    sd = sv / math.sqrt(len(s))
    k = int(min(extractor.linear.out_features, np.sum(sd > 1e-8 * max(sd[0], 1e-300))))
    if k == 0:
        return False
    w = vt[:k] / sd[:k, None]
    with torch.no_grad():
        extractor.linear.weight[:k] = torch.as_tensor(w, dtype=DTYPE)
        extractor.linear.bias[:k] = torch.as_tensor(-w @ centre, dtype=DTYPE)
    return True


def _network(opts: DKLOptions, input_dim: int, gen: torch.Generator) -> torch.nn.Module:
    if opts.extractor == "linear":
        return _Zero(opts.latent_dim)
    if opts.extractor == "mlp":
        return torch.nn.Sequential(*_mlp([input_dim, *opts.hidden, opts.latent_dim], gen))
    if opts.extractor != "cnn":
        raise ModelFitError(f"unknown DKL extractor {opts.extractor!r}; use mlp or cnn")
    side = math.isqrt(input_dim // max(opts.channels, 1))
    if side * side * opts.channels != input_dim or side < 3 or side % 2 == 0:
        raise ModelFitError(
            f"the cnn extractor needs odd square image patches: {input_dim} features are not "
            f"{opts.channels} channel(s) × side² (odd side >= 3); use extractor: mlp"
        )
    layers: list[torch.nn.Module] = [torch.nn.Unflatten(1, (opts.channels, side, side))]
    c_in = opts.channels
    for _ in range(side // 2):  # valid 3×3 convolutions down to the centre pixel
        layers += [_conv(c_in, opts.conv_filters, gen), torch.nn.Tanh()]
        c_in = opts.conv_filters
    layers += [torch.nn.Flatten(), *_mlp([c_in, *opts.hidden, opts.latent_dim], gen)]
    return torch.nn.Sequential(*layers)


class _DKLModel(gpytorch.models.ExactGP):
    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        likelihood: gpytorch.likelihoods.GaussianLikelihood,
        extractor: torch.nn.Module,
        opts: DKLOptions,
        kernel_dim: int,
    ) -> None:
        super().__init__(x, y, likelihood)
        self.extractor = extractor
        self.mean_module = gpytorch.means.ConstantMean()
        base = gpytorch.kernels.MaternKernel(
            nu=opts.nu,
            ard_num_dims=kernel_dim,
            lengthscale_prior=gpytorch.priors.GammaPrior(3.0, 6.0),
            lengthscale_constraint=gpytorch.constraints.Interval(1e-3, 1e3),
        )
        self.covar_module = gpytorch.kernels.ScaleKernel(
            base,
            outputscale_prior=gpytorch.priors.GammaPrior(2.0, 0.15),
            outputscale_constraint=gpytorch.constraints.Interval(1e-4, 1e3),
        )

    def forward(self, x: torch.Tensor) -> gpytorch.distributions.MultivariateNormal:
        z = self.extractor(x)
        return gpytorch.distributions.MultivariateNormal(self.mean_module(z), self.covar_module(z))


def _likelihood() -> gpytorch.likelihoods.GaussianLikelihood:
    return gpytorch.likelihoods.GaussianLikelihood(
        noise_prior=gpytorch.priors.GammaPrior(1.1, 0.05),
        noise_constraint=gpytorch.constraints.Interval(1e-6, 10.0),
    )


def _pack(module: torch.nn.Module) -> str:
    flat = torch.cat([p.detach().reshape(-1) for p in module.parameters()])
    return base64.b64encode(flat.numpy().astype("<f4").tobytes()).decode("ascii")


def _unpack(module: torch.nn.Module, blob: str) -> bool:
    values = np.frombuffer(base64.b64decode(blob), dtype="<f4").astype(np.float64)
    params = list(module.parameters())
    if len(values) != sum(p.numel() for p in params):
        return False
    offset = 0
    with torch.no_grad():
        for p in params:
            k = p.numel()
            p.copy_(torch.as_tensor(values[offset : offset + k], dtype=DTYPE).reshape(p.shape))
            offset += k
    return True


def _set_hypers(model: _DKLModel, h: GPHyperparameters) -> None:
    base = model.covar_module.base_kernel
    ls = torch.tensor(h.lengthscales, dtype=DTYPE).clamp(2e-3, 9e2)
    base.lengthscale = ls.reshape(base.lengthscale.shape)
    model.covar_module.outputscale = torch.tensor(h.outputscale, dtype=DTYPE).clamp(2e-4, 9e2)
    model.mean_module.constant = torch.tensor(h.mean, dtype=DTYPE)
    model.likelihood.noise = torch.tensor(h.noise, dtype=DTYPE).clamp(2e-6, 9.0)


def _get_hypers(model: _DKLModel) -> GPHyperparameters:
    return GPHyperparameters(
        tuple(float(v) for v in model.covar_module.base_kernel.lengthscale.detach().reshape(-1)),
        float(model.covar_module.outputscale.detach()),
        float(model.likelihood.noise.detach().reshape(-1)[0]),
        float(model.mean_module.constant.detach()),
    )


def _train(model: _DKLModel, opts: DKLOptions, iters: int) -> float:
    """Full-batch AdamW on −MLL/n (with hyperparameter priors); returns the final loss."""
    model.train()
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(model.likelihood, model)
    nn_params = list(model.extractor.parameters())
    nn_ids = {id(p) for p in nn_params}
    gp_params = [p for p in model.parameters() if id(p) not in nn_ids]
    optim = torch.optim.AdamW(
        [
            {"params": nn_params, "weight_decay": opts.weight_decay},
            {"params": gp_params, "weight_decay": 0.0},
        ],
        lr=opts.lr,
    )
    x, y = model.train_inputs[0], model.train_targets
    loss_value, best, since = math.inf, math.inf, 0
    with (
        gpytorch.settings.max_cholesky_size(1_000_000),
        gpytorch.settings.fast_computations(False, False, False),
    ):
        for _ in range(iters):
            optim.zero_grad()
            loss = -mll(model(x), y)
            if not torch.isfinite(loss):
                raise ModelFitError("DKL marginal likelihood became non-finite")
            loss.backward()
            optim.step()
            loss_value = float(loss.detach())
            best, since = (loss_value, 0) if loss_value < best - opts.tol else (best, since + 1)
            if since >= opts.patience:
                break
    return loss_value


@dataclass
class FittedDKL:
    """A trained deep kernel and the exact GP posterior in its latent space.

    Attributes:
        extractor: the trained feature extractor g_θ (float64, eval mode).
        gp: FittedGP on the latent features of the training inputs (user units for y).
        options: architecture/training options.
        input_dim: d of the inputs.
        loss: final training loss (−MLL/n with priors; nan if not trained by AdamW).
        warnings: fallbacks used (logged by the caller).
        pretraining: the autoencoder pretraining this fit started from (None when the weights
            came from a warm start or the extractor is not pretrained).
    """

    extractor: torch.nn.Module
    gp: FittedGP
    options: DKLOptions
    input_dim: int
    loss: float = math.nan
    warnings: list[str] = field(default_factory=list)
    pretraining: Pretraining | None = None

    def latent(self, X: FloatArray) -> FloatArray:
        """(m, d) inputs -> (m, kernel_dim) features the GP kernel acts on."""
        return _latent(self.extractor, X, self.options.kernel_dim(self.input_dim))

    def predict(self, X: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Posterior mean and std of the latent function (user units) at (m, d) inputs."""
        return self.gp.predict(self.latent(X))

    def condition_on(self, X: FloatArray, y: FloatArray) -> FittedDKL:
        """Same network and hyperparameters, conditioned on extra (fantasy) points."""
        gp = self.gp.condition_on(self.latent(X), np.asarray(y, float))
        return FittedDKL(
            self.extractor,
            gp,
            self.options,
            self.input_dim,
            self.loss,
            self.warnings,
            self.pretraining,
        )

    def state(self) -> dict[str, Any]:
        """JSON-able warm-start state (see module docstring)."""
        return {
            "signature": self.options.signature(self.input_dim),
            "weights": _pack(self.extractor),
            "gp": self.gp.hypers.to_dict(),
        }


def _latent(extractor: torch.nn.Module, X: FloatArray, dim: int, chunk: int = 4096) -> FloatArray:
    out = np.empty((len(X), dim))
    extractor.eval()
    with torch.no_grad():
        for a in range(0, len(X), chunk):
            xt = torch.as_tensor(np.asarray(X[a : a + chunk], float), dtype=DTYPE)
            out[a : a + chunk] = extractor(xt).numpy()
    return out


def _warm(
    extractor: torch.nn.Module, opts: DKLOptions, d: int, warm: Mapping[str, Any] | None
) -> GPHyperparameters | None:
    """Load a warm-start state into `extractor`; its hyperparameters, or None if unusable."""
    if not warm or warm.get("signature") != opts.signature(d):
        return None
    try:
        hypers = GPHyperparameters.from_dict(warm["gp"])
        ok = len(hypers.lengthscales) == opts.kernel_dim(d) and _unpack(extractor, warm["weights"])
    except (KeyError, TypeError, ValueError):
        return None
    return hypers if ok else None


def fit_dkl(
    X: FloatArray,
    y: FloatArray,
    *,
    options: DKLOptions | None = None,
    warm_start: Mapping[str, Any] | None = None,
    seed: int = 0,
    pool: FloatArray | None = None,
    pretrained: PretrainedExtractor | None = None,
) -> FittedDKL:
    """Train a DKL model on (X (n, d) in the unit cube, y (n,) finite, user units).

    Deterministic for given inputs, warm start and seed (the seed initialises the network on a
    cold start). A pretrained extractor (`options.pretrain`) is trained on `pool` (every
    library location's inputs, unit cube) when the warm start does not carry its weights,
    unless `pretrained` holds that pretraining already (the run's preparation).
    Training failures fall back to the starting weights and hyperparameters, and are recorded
    in `warnings`; only inputs that cannot be modelled at all raise ModelFitError.
    """
    opts = options or DKLOptions()
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    if X.ndim != 2 or len(X) != len(y) or len(y) == 0 or not np.all(np.isfinite(y)):
        raise ModelFitError(f"fit_dkl needs >= 1 finite observation, got X {X.shape}, y {y.shape}")
    n, d = X.shape
    extractor = build_extractor(opts, d, seed)
    warm = _warm(extractor, opts, d, warm_start)
    warnings: list[str] = []
    pretraining: Pretraining | None = None
    if warm is None or (opts.refit_cold and opts.finetune):
        if warm is not None:  # a cold refit of a trained network: back to its initial weights
            extractor, warm = build_extractor(opts, d, seed), None
        if opts.pretrained and pretrained is not None:
            pretraining = _load_pretrained(extractor, pretrained)
        elif opts.pretrained:
            if pool is None or len(pool) < 2:
                raise ModelFitError(
                    "a pretrained DKL extractor needs the library's inputs (pool) or its "
                    "pretrained weights (pretrained=); or set pretrain: none"
                )
            assert isinstance(extractor, DeepFeatures)
            pretraining = pretrain_extractor(extractor, np.asarray(pool, float), opts, seed)
        else:
            init_principal(extractor, X)
    if opts.refit_cold:
        warm = None
    y_mean, y_scale, constant = _standardise(y)
    if not opts.finetune:
        z = _latent(extractor, X, opts.kernel_dim(d))
        gp = fit_gp(z, y, options=GPOptions(nu=opts.nu), warm_start=warm, seed=seed)
        return FittedDKL(extractor, gp, opts, d, math.nan, gp.warnings, pretraining)
    hypers = warm or GPHyperparameters.default(opts.kernel_dim(d))
    iters = opts.iters_warm if warm is not None else opts.iters_cold
    loss = math.nan
    if constant or n < 2:
        warnings.append("outputs are constant or too few: deep kernel not trained")
        hypers = GPHyperparameters(hypers.lengthscales, hypers.outputscale, hypers.noise, 0.0)
    else:
        hypers, loss = _fit(extractor, X, (y - y_mean) / y_scale, hypers, opts, iters, warnings)
    z = _latent(extractor, X, opts.kernel_dim(d))
    gp = FittedGP(z, y, hypers, y_mean, y_scale, np.full(n, hypers.noise), opts.nu)
    return FittedDKL(extractor, gp, opts, d, loss, warnings + gp.warnings, pretraining)


def _fit(
    extractor: torch.nn.Module,
    X: FloatArray,
    z: FloatArray,
    start: GPHyperparameters,
    opts: DKLOptions,
    iters: int,
    warnings: list[str],
) -> tuple[GPHyperparameters, float]:
    x_t, z_t = torch.as_tensor(X, dtype=DTYPE), torch.as_tensor(z, dtype=DTYPE)
    initial = {k: v.clone() for k, v in extractor.state_dict().items()}
    model = _DKLModel(x_t, z_t, _likelihood(), extractor, opts, len(start.lengthscales))
    model = model.to(DTYPE)
    _set_hypers(model, start)
    try:
        loss = _train(model, opts, iters)
    except (ModelFitError, RuntimeError, ValueError) as exc:
        warnings.append(f"DKL training failed ({type(exc).__name__}); using the starting model")
        extractor.load_state_dict(initial)
        return start, math.nan
    return _get_hypers(model), loss


def dkl_from_state(
    X: FloatArray, y: FloatArray, state: Mapping[str, Any], options: DKLOptions | None = None
) -> FittedDKL | None:
    """The exact model a decision used, rebuilt from its logged state without training: the
    network weights and hyperparameters of `state` conditioned on (X, y). None if the state
    does not match this architecture."""
    opts = options or DKLOptions()
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    extractor = build_extractor(opts, X.shape[1], 0)
    hypers = _warm(extractor, opts, X.shape[1], state)
    if hypers is None:
        return None
    y_mean, y_scale, constant = _standardise(y)
    if constant or len(y) < 2:
        hypers = GPHyperparameters(hypers.lengthscales, hypers.outputscale, hypers.noise, 0.0)
    z = _latent(extractor, X, opts.kernel_dim(X.shape[1]))
    gp = FittedGP(z, y, hypers, y_mean, y_scale, np.full(len(y), hypers.noise), opts.nu)
    return FittedDKL(extractor, gp, opts, X.shape[1], math.nan, list(gp.warnings))
