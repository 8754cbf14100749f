"""Benchmark records and reports: every run is a list of plain :class:`BenchRecord` rows."""

from infolens.bench.records import BenchRecord, ResultStore, run_estimator, write_report

__all__ = ["BenchRecord", "ResultStore", "run_estimator", "write_report"]
