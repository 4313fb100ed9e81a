"""Watching a live model: drift checks, their reports and retraining data.

``settings`` validates the ``monitoring.drift`` and ``monitoring.retraining``
sections of a config; ``records`` reads collected model inputs and outputs;
``features`` and ``drift`` compute the signals (pure, scipy's tests);
``report`` renders a picture; ``retraining`` turns labelled collected inputs
into a training data folder. ``client.monitoring`` ties them to a target.
"""
