"""Training of the curiosity models with the authors' schedule (paper §2.2-2.3).

`train_featuriser` fits the patch autoencoder once on every patch of the library (unsupervised:
Adam, lr 1e-3, MSE, minibatches of 64 shuffled each epoch, 30 epochs) and returns it in eval
mode. `SurrogateLearner` owns the im2spec surrogate (AdamW, lr 1e-3, MSE) and the error
predictor (Adam, lr 1e-2, MSE) and updates them exactly as `curiosity_sampling.ipynb` does:

* `fit_initial` (after the first measurements): 150 full-batch im2spec steps on all measured
  points, then error targets, then 60 error-predictor steps (a campaign may take some of the
  150 steps earlier with `warm_up` on the points measured so far, `spread_steps`);
* `update` (after every later measurement): error targets start with `e_i` = per-point MSE of
  the current surrogate on all measured points (the new one included), then 2 im2spec steps,
  `e_f` = the same MSE after them, target `r = (e_i + e_f) / mean(e_i + e_f)`, and 20
  error-predictor steps.

Every im2spec step is one full-batch gradient step in training mode (batch norm on batch
statistics, encoder dropout 0.5); the model is evaluated in eval mode. Dropout masks come from the
learner's own training generator, so the sequence of updates is a pure function of the seed and
of the measured history; acquisition-time sampling uses a separate generator (see
`ErrorPredictor.mc_samples`). Thread use: whatever `torch.get_num_threads()` is; benchmarks set
1 thread per process (`limit_threads`).

Device: the models run on `device` ("cpu" by default; "cuda" for the benchmark on a GPU machine).
Weights are initialised and dropout / MC-dropout masks drawn on the CPU from the same seeded
generators whatever the device, so a run on a GPU draws the same random numbers as on the CPU.
Its arithmetic still differs in the last bits (other kernels); over a trial's hundreds of
optimiser steps that drift reorders near-tied acquisition scores, so later choices and the loss
differ like another sample of the same experiment (on an H200: first evaluation equal to
3e-8, a 12-step window trial 2.3 % apart; trials 0-3 of the full benchmark: per-trial
losses up to 0.4 apart, 4-trial means within 0.05 of the CPU run).
Each benchmark trial records the device it ran on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from novelty.curiosity.models import ErrorPredictor, Im2Spec, PatchAutoencoder

FloatArray = NDArray[np.float32]
AnyFloats = NDArray[np.floating[Any]]
GPU_EVAL_CHUNK = 4096  # on a GPU, one pass per evaluation (kernel launches dominate)
EVAL_CHUNK = 32  # patches per forward pass in evaluation (cache-friendly on CPUs; fixed so
# results never depend on how many candidates there are)


@dataclass(frozen=True)
class FeaturiserSettings:
    """Patch autoencoder (im2im) training, as in the authors' code."""

    latent_dim: int = 3
    filters: int = 64
    epochs: int = 30
    batch_size: int = 64
    lr: float = 1e-3


@dataclass(frozen=True)
class SurrogateSettings:
    """im2spec surrogate and error predictor, and the paper's update schedule.

    Attributes:
        latent_dim: im2spec latent size (the novelty space), 2 in the paper.
        filters, dropout, lr: im2spec encoder width, encoder dropout, AdamW learning rate.
        error_hidden, error_dropout, error_lr: error-predictor width, dropout, Adam lr.
        initial_steps: im2spec steps of the initial fit (5 x 30 initial points).
        initial_error_steps: error-predictor steps of the initial fit (2 x 30).
        update_steps: im2spec steps after each later measurement.
        update_error_steps: error-predictor steps after each later measurement.
    """

    latent_dim: int = 2
    filters: int = 64
    dropout: float = 0.5
    lr: float = 1e-3
    error_hidden: int = 128
    error_dropout: float = 0.1
    error_lr: float = 1e-2
    initial_steps: int = 150
    initial_error_steps: int = 60
    update_steps: int = 2
    update_error_steps: int = 20


def spread_steps(total: int, n_points: int, over: int) -> list[int]:
    """`total` surrogate steps spread over the last `over` of the first `n_points`
    measurements: entry j - 1 is the number taken once j points are measured (they sum to
    `total` and differ by at most one; `over` = 1 is the paper's fit all at once after the
    `n_points`-th measurement). Spread over a few, each decision of the initial phase costs a
    share of the fit instead of one decision paying for all of it."""
    over = max(1, min(over, n_points))
    first = n_points - over
    return [
        0 if j <= first else total * (j - first) // over - total * (j - first - 1) // over
        for j in range(1, n_points + 1)
    ]


def limit_threads(n: int) -> None:
    """Use `n` intra-op threads in this process (set once per worker process)."""
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


def torch_generator(seed: np.random.SeedSequence) -> torch.Generator:
    """A CPU torch.Generator seeded from a SeedSequence (never the global generator)."""
    g = torch.Generator()
    g.manual_seed(int(seed.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)))
    return g


def _as_patches(patches: FloatArray, device: torch.device | str = "cpu") -> torch.Tensor:
    """(b, n, m) or (b, 1, n, m) array -> float32 tensor (b, 1, n, m), channels-last."""
    t = torch.as_tensor(np.ascontiguousarray(patches, dtype=np.float32))
    t = t if t.ndim == 4 else t.unsqueeze(1)
    return t.to(device).contiguous(memory_format=torch.channels_last)


def _as_tensor(values: AnyFloats, device: torch.device | str) -> torch.Tensor:
    return torch.as_tensor(np.ascontiguousarray(values, dtype=np.float32)).to(device)


def resolve_device(name: str) -> torch.device:
    """`cpu`, `cuda` or `cuda:N` as a torch.device; ValueError naming the fix when the device
    is not usable here (nothing silently falls back to the CPU)."""
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ValueError(f"device {name!r}: use cpu, cuda or cuda:N") from None
    if device.type not in ("cpu", "cuda"):
        raise ValueError(f"device {name!r}: use cpu, cuda or cuda:N")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r}: this torch build sees no CUDA GPU; use --device cpu")
    return device


def _channels_last(model: nn.Module) -> None:
    """Channels-last convolution weights: about 1.3-2x faster on CPUs for 9x9 patches."""
    model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]


def train_featuriser(
    patches: FloatArray,
    settings: FeaturiserSettings,
    seed: np.random.SeedSequence,
    epoch_losses: list[float] | None = None,
    device: torch.device | str = "cpu",
) -> PatchAutoencoder:
    """Fit the patch autoencoder on all patches (b, n, m); returns it in eval mode.

    The mean training loss of every epoch is appended to `epoch_losses` when given."""
    g = torch_generator(seed)
    x = _as_patches(patches, device)
    model = PatchAutoencoder((x.shape[2], x.shape[3]), settings.latent_dim, g, settings.filters)
    model.to(device)
    _channels_last(model)
    opt = torch.optim.Adam(model.parameters(), lr=settings.lr)
    model.train()
    for _ in range(settings.epochs):
        order = torch.randperm(len(x), generator=g).to(device)
        total = 0.0
        for start in range(0, len(x), settings.batch_size):
            batch = x[order[start : start + settings.batch_size]]
            loss = nn.functional.mse_loss(model(batch), batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(batch)
        if epoch_losses is not None:
            epoch_losses.append(total / len(x))
    return model.eval()


@torch.no_grad()
def encode_patches(model: PatchAutoencoder, patches: FloatArray) -> FloatArray:
    """Featuriser latents (b, d) of patches (b, n, m), in eval mode."""
    model.eval()
    x = _as_patches(patches, next(model.parameters()).device)
    out = [model.encoder(x[i : i + EVAL_CHUNK]) for i in range(0, len(x), EVAL_CHUNK)]
    return torch.cat(out).cpu().numpy()


def per_point_mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over the spectral axis of the squared error: (b, 1, ts) x2 -> (b,)."""
    return ((pred - target) ** 2).mean(dim=(1, 2))


class SurrogateLearner:
    """The im2spec surrogate + error predictor of one exploration run, and their updates."""

    def __init__(
        self,
        patch_shape: tuple[int, int],
        spectrum_length: int,
        feature_dim: int,
        settings: SurrogateSettings,
        seed: np.random.SeedSequence,
        device: torch.device | str = "cpu",
    ) -> None:
        init_seed, train_seed = seed.spawn(2)
        self.device = torch.device(device)
        self.eval_chunk = EVAL_CHUNK if self.device.type == "cpu" else GPU_EVAL_CHUNK
        g_init = torch_generator(init_seed)
        self.g_train = torch_generator(train_seed)
        self.settings = s = settings
        # weights from the init stream, dropout masks of training from the training stream
        self.im2spec = Im2Spec(
            patch_shape, spectrum_length, s.latent_dim, self.g_train, s.filters, s.dropout, g_init
        )
        self.error = ErrorPredictor(
            feature_dim, self.g_train, s.error_hidden, s.error_dropout, g_init
        )
        self.im2spec.to(self.device)
        self.error.to(self.device)
        _channels_last(self.im2spec)
        self.im2spec.eval()
        self.error.train()  # the error predictor is never switched off dropout (MC dropout)
        self.opt = torch.optim.AdamW(self.im2spec.parameters(), lr=s.lr)
        self.error_opt = torch.optim.Adam(self.error.parameters(), lr=s.error_lr)
        self.n_trained = 0  # measured points the models were last updated with
        self.last_targets: FloatArray = np.zeros(0, dtype=np.float32)

    # ---- schedule ---------------------------------------------------------------------------
    def fit_initial(
        self,
        patches: FloatArray,
        spectra: FloatArray,
        features: FloatArray,
        on_step: Callable[[], None] | None = None,
        steps: int | None = None,
    ) -> None:
        """Initial training on the first measured points: `steps` surrogate steps (default
        `initial_steps`; fewer when `warm_up` took the rest of them earlier), then the error
        targets and error-model steps; `on_step` runs after each surrogate step (the benchmark
        records the loss there)."""
        x, y = _as_patches(patches, self.device), self._spectra(spectra)
        for _ in range(self.settings.initial_steps if steps is None else steps):
            self._im2spec_step(x, y)
            if on_step is not None:
                on_step()
        self._refresh_error_model(x, y, features, self.settings.initial_error_steps)

    def warm_up(self, patches: FloatArray, spectra: FloatArray, steps: int) -> None:
        """`steps` full-batch surrogate steps on the points measured so far, before the initial
        fit (the error model is untouched): the spread schedule of `spread_steps`."""
        if steps <= 0:
            return
        x, y = _as_patches(patches, self.device), self._spectra(spectra)
        for _ in range(steps):
            self._im2spec_step(x, y)

    def update(
        self,
        patches: FloatArray,
        spectra: FloatArray,
        features: FloatArray,
        on_updated: Callable[[], None] | None = None,
    ) -> None:
        """Per-measurement update on all measured points (the newest one included);
        `on_updated` runs once the surrogate steps are done (where the paper logs its loss)."""
        x, y = _as_patches(patches, self.device), self._spectra(spectra)
        self._refresh_error_model(x, y, features, self.settings.update_error_steps, on_updated)

    def _refresh_error_model(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        features: FloatArray,
        error_steps: int,
        on_updated: Callable[[], None] | None = None,
    ) -> None:
        err_i = self._training_mse(x, y)
        for _ in range(self.settings.update_steps):
            self._im2spec_step(x, y)
        if on_updated is not None:
            on_updated()
        err_f = self._training_mse(x, y)
        r = err_i + err_f
        r = r / r.mean()
        self.last_targets = r.cpu().numpy()
        f = _as_tensor(features, self.device)
        for _ in range(error_steps):
            loss = nn.functional.mse_loss(self.error(f), r.reshape(-1, 1))
            self.error_opt.zero_grad()
            loss.backward()
            self.error_opt.step()
        self.n_trained = len(x)

    def _im2spec_step(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.im2spec.train()
        loss = nn.functional.mse_loss(self.im2spec(x), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.im2spec.eval()

    @torch.no_grad()
    def _training_mse(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return per_point_mse(self.im2spec(x), y)

    def _spectra(self, spectra: FloatArray) -> torch.Tensor:
        t = _as_tensor(spectra, self.device)
        return t.reshape(len(t), 1, -1)

    # ---- prediction ---------------------------------------------------------------------------
    @torch.no_grad()
    def predict(self, patches: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Surrogate latents (b, latent_dim) and spectra (b, ts) in eval mode."""
        x = _as_patches(patches, self.device)
        z = torch.cat(
            [
                self.im2spec.encoder(x[i : i + self.eval_chunk])
                for i in range(0, len(x), self.eval_chunk)
            ]
        )
        return z.cpu().numpy(), self.im2spec.decode(z)[:, 0, :].cpu().numpy()

    def error_samples(
        self, features: AnyFloats, passes: int, seed: np.random.SeedSequence
    ) -> FloatArray:
        """MC-dropout predictions of the error model, shape (passes, b)."""
        f = _as_tensor(features, self.device)
        return self.error.mc_samples(f, passes, np.random.default_rng(seed))

    def digest(self) -> str:
        """Short hash of every parameter and buffer (to check a replayed model is the same)."""
        h = hashlib.sha256()
        for model in (self.im2spec, self.error):
            for name, t in model.state_dict().items():
                h.update(name.encode())
                h.update(t.detach().cpu().contiguous().numpy().tobytes())
        return h.hexdigest()[:16]
