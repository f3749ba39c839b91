"""From images on disk or in S3 to datasets that train: manifests, checks, uploads."""
