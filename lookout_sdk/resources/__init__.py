"""Resource handles: the entry point and the Project, Dataset, Model and PackagingJob classes."""
