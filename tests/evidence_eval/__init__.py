"""Labelled evaluation set and recorded-record helpers for the evidence tests."""
