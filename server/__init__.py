"""How the Rasa server is started: `python -m server run ...` is `rasa run ...`
with our fixes to Rasa 3.6 installed first (see server/action_results.py) and
its HTTP body cap (server/limits.py)."""
