"""Between the engine and its faces: what a run says (run data, metrics, bands, Pareto tables,
comparisons, posterior and figure data, report data) as plain frozen data; no drawing."""
