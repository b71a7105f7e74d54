"""Curiosity-driven exploration (Vatsavai et al., Digital Discovery 2025) in torch.

`models`: patch autoencoder (featuriser), im2spec surrogate, MC-dropout error predictor.
`learner`: their training schedule (initial fit, per-measurement updates, error targets).
`acquisition`: ê / novelty / uncertainty scores, the annealed mix A, top-k and ε-random choice.
"""
