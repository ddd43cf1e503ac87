"""Training DVST: data, augmentation, the rate–distortion loss, progressive stages, the trainer.

``dvst train --config dvst/train/recipes/NAME.yaml`` runs :func:`dvst.train.trainer.train`; see
``docs/training.md`` for the recipe, the data it reads, and the shipped models' figures.
"""
