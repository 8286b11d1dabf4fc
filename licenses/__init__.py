"""Licences: the SPDX table with the Open License Corpus's tiers, licences found in web pages, opt-out signals."""
