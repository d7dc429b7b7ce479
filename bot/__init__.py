"""The core of qovery-slack: the domain and its use cases, free of any web framework, SDK or client.

It meets the outside world only through the small ports it defines; `adapters/` implements them.
"""
