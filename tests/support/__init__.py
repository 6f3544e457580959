"""What the tests and the benchmarks share: toy models, a Streamlit server and Chromium, simulated student sessions."""
