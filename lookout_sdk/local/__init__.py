"""The local backend: the Lookout for Vision API answered on this machine.

It serves the same wire API as the retired AWS service, in-process
(``LookoutVision.local(path)``) or over HTTP (``lookout serve``), with metadata in
SQLite, files in a folder per S3 bucket (or a real S3-compatible endpoint), a
background worker for long-running operations, and a real anomaly detector. It needs
the ``local`` extra: ``pip install 'lookout-sdk[local]'``.
"""
