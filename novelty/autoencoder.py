"""A small MLP autoencoder for the reconstruction-error novelty score (optional; torch).

L → 32 → bottleneck → 32 → L with tanh activations, trained full batch with Adam on the archive
spectra (standardised per point). Deterministic: weights come from a torch generator seeded with
`seed`, and the training is single-threaded full-batch. torch is imported on the first fit.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def autoencoder_reconstruction(
    spectra: FloatArray, query: FloatArray, bottleneck: int, epochs: int, seed: int
) -> FloatArray:
    """Fit an autoencoder to (m, L) `spectra`; return its reconstruction of (q, L) `query`."""
    import torch  # noqa: PLC0415  (the PCA scores never load torch)

    s = np.asarray(spectra, float)
    mean, scale = s.mean(axis=0), s.std(axis=0) + 1e-9
    x = torch.as_tensor((s - mean) / scale, dtype=torch.float64)
    gen = torch.Generator().manual_seed(int(seed))
    dims = [s.shape[1], 32, bottleneck, 32, s.shape[1]]
    layers: list[torch.nn.Module] = []
    for i in range(len(dims) - 1):
        lin = torch.nn.Linear(dims[i], dims[i + 1], dtype=torch.float64)
        with torch.no_grad():
            bound = 1.0 / np.sqrt(dims[i])
            lin.weight.uniform_(-bound, bound, generator=gen)
            lin.bias.zero_()
        layers.append(lin)
        if i < len(dims) - 2:
            layers.append(torch.nn.Tanh())
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.mean((net(x) - x) ** 2)
        loss.backward()
        opt.step()
    xq = torch.as_tensor((np.asarray(query, float) - mean) / scale, dtype=torch.float64)
    with torch.no_grad():
        rec = net(xq).numpy()
    return np.asarray(rec * scale + mean)
