"""The local backend's background work: the worker, and what each kind of job does.

API handlers queue jobs (:func:`lookout_sdk.local.store.queue.enqueue`) in the same
transaction as the call that asks for them; the :class:`~.worker.Worker` runs them.
Every job is safe to run again after a crash: it first checks that its resource is
still in the state the job expects, and does its writes in one transaction.
"""
