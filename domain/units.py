"""Units and enumerations. Names in the code carry their unit (`volume_l`, `duration_s`)."""

from __future__ import annotations

from enum import StrEnum


class Fraction(StrEnum):
    """A waste fraction. Values are our own; `fiware_kind` maps to FIWARE `storedWasteKind`."""

    RESIDUAL = "residual"
    PAPER = "paper"
    GLASS = "glass"
    PLASTIC = "plastic"  # PMD: plastic, metal packaging and drink cartons
    ORGANIC = "organic"
    TEXTILE = "textile"

    @property
    def fiware_kind(self) -> str:
        return {
            "residual": "inorganic",
            "paper": "paper",
            "glass": "glass",
            "plastic": "plastic",
            "organic": "organic",
            "textile": "other",
        }[self.value]

    @classmethod
    def parse(cls, text: str) -> Fraction:
        """Parse our names and common Dutch/English/FIWARE synonyms ('Rest', 'GFT', 'PMD', ...)."""
        key = text.strip().lower()
        synonyms = {
            "rest": "residual", "restafval": "residual", "inorganic": "residual",
            "mixed": "residual", "papier": "paper", "paper/cardboard": "paper",
            "glas": "glass", "glas combi": "glass", "glas bont": "glass", "glass": "glass",
            "pmd": "plastic", "plastic, blik en drankpak": "plastic", "plastics": "plastic",
            "gft": "organic", "bio": "organic", "textiel": "textile",
        }
        key = synonyms.get(key, key)
        try:
            return cls(key)
        except ValueError:
            names = ", ".join(f.value for f in cls)
            raise ValueError(f"unknown waste fraction {text!r}; expected one of {names}") from None


#: Typical bulk density of loose waste in a container, kg per litre, per fraction.
DENSITY_KG_PER_L: dict[Fraction, float] = {
    Fraction.RESIDUAL: 0.12,
    Fraction.PAPER: 0.06,
    Fraction.GLASS: 0.30,
    Fraction.PLASTIC: 0.03,
    Fraction.ORGANIC: 0.35,
    Fraction.TEXTILE: 0.10,
}

KM_PER_MILE = 1.609344
M_PER_FOOT = 0.3048
L_PER_CUBIC_YARD = 764.554857984
