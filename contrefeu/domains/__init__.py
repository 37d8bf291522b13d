"""Lookalike-domain watch: score observed names, generate permutations, compare login pages.

Public entry points: ``score.BrandIndex`` (and ``score.DomainScore``), ``feeds.score_lines``,
``permute.generate``, ``clone.compare_paths``, ``stix.stix_bundle``; the CLI is
``cli.domains_group``. Scoring is ``evidence.EvidenceFinder`` (candidates and features) plus
``linear.LinearModel`` (the fitted weights); ``train`` refits those weights.
"""
