"""The service's minimum labelled image counts for training, as one record.

Both sides use it: the client's preflight checks a dataset folder against it before
uploading, and the local backend's training job refuses datasets that fall short.
"""

from __future__ import annotations

import attrs

from lookout_sdk._boundary import checked

__all__ = ["Minimums"]


@checked
@attrs.frozen
class Minimums:
    """The service's minimum labelled image counts.

    A single dataset (the service splits it for testing) needs ``single_normal`` normal
    and ``single_anomaly`` anomaly images. Separate datasets need ``train_normal``
    normal images in training, and ``test_normal`` normal plus ``test_anomaly`` anomaly
    images in test. For segmentation, every dataset that has anomaly images needs
    ``per_label`` anomaly images showing each anomaly class of the colour map.

    ``per_label`` is this SDK's conservative default, not a published service minimum;
    lower it (or set it to 0) to suit your data.
    """

    single_normal: int = 20
    single_anomaly: int = 10
    train_normal: int = 10
    test_normal: int = 10
    test_anomaly: int = 10
    per_label: int = 10
