"""Labelled evaluation data and measuring scripts for littrack.background."""
