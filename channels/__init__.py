"""Rasa input channels of our own: the web page and, later, signed social webhooks."""
