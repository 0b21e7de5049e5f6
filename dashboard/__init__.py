"""Lifeline's dashboard: the analyses, the access gate, translations, the briefing, the
Streamlit app and the command line, in layers (docs/ARCHITECTURE.md)."""


def _read_version() -> str:
    """The project version from pyproject.toml, its one home (exports record it)."""
    import tomllib
    from pathlib import Path

    try:
        with open(Path(__file__).resolve().parents[1] / "pyproject.toml", "rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0+unknown"


__version__ = _read_version()
