"""How pressearch words a count for people, the same on a terminal and a web page."""

from __future__ import annotations


def counted(n: int, noun: str = "article") -> str:
    """`n` with thousands separators and `noun`, singular or plural: "1 article", "2,500 files"."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
