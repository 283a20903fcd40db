"""Generic factor-analysis statistics (no survey knowledge), each mirroring an R function.

- :mod:`.correlation` -- Pearson / polychoric matrices (:class:`CorrelationResult`);
- :mod:`.suitability` -- KMO and Bartlett's test (``psych::KMO``, ``psych::cortest.bartlett``);
- :mod:`.extraction` -- SMC, minres and ML extraction (``psych::fa``);
- :mod:`.rotation` -- varimax, psych's promax, GPArotation's oblimin;
- :mod:`.efa` -- :func:`efa` and :func:`factor_scores`;
- :mod:`.parallel` -- Horn's parallel analysis (``psych::fa.parallel``);
- :mod:`.congruence` -- Tucker's congruence and factor alignment;
- :mod:`.checks` -- argument checks of the layer.

Import from the submodules (this package imports nothing, so that
:mod:`samanalyse.stats.polychoric` can use :mod:`.checks` without a cycle).
"""

__all__: list[str] = []
