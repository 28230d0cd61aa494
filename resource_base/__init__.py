"""Relais domain: resources, vocabulary, territories, French text and the search contract.

This package imports neither Flask nor Elasticsearch.
"""
