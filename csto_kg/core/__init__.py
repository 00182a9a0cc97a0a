"""The core every stage shares: IRIs, errors, the format registry, dates, paths, atomic output, progress."""
