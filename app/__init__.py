"""The managers' dashboard (Streamlit): ``Home.py`` is the entry file; ships inside the package."""
