"""The benchmark categories of the synthetic generator and their defects (no numpy needed)."""

from __future__ import annotations

__all__ = [
    "BACKGROUND_COLOR",
    "CATEGORIES",
    "CATEGORY_DEFECTS",
    "DEFECT_COLORS",
    "OBJECT_CATEGORIES",
    "TEXTURE_CATEGORIES",
]

#: Materials: every image is a new patch, so a defect can be anywhere.
TEXTURE_CATEGORIES = ("metal", "fabric", "granite", "gravel")
#: Aligned parts: one layout per category, placed with a small jitter.
OBJECT_CATEGORIES = ("board", "bracket")
CATEGORIES = TEXTURE_CATEGORIES + OBJECT_CATEGORIES

#: The defects each category can carry.
CATEGORY_DEFECTS: dict[str, tuple[str, ...]] = {
    "metal": ("scratch", "stain", "hole", "cut"),
    "fabric": ("thread", "hole", "stain", "cut"),
    "granite": ("crack", "stain", "hole", "cut"),
    "gravel": ("stain", "cut", "crack", "hole"),
    "board": ("missing", "shift", "solder", "scratch", "trace_cut"),
    "bracket": ("missing_hole", "chip", "crack", "scratch", "stain"),
}
#: The mask colour of the background.
BACKGROUND_COLOR = "#000000"
#: The mask colour of every defect class.
DEFECT_COLORS: dict[str, str] = {
    "scratch": "#ff0000",
    "hole": "#00ff00",
    "stain": "#0000ff",
    "crack": "#ffff00",
    "cut": "#ff00ff",
    "thread": "#00ffff",
    "missing": "#ff8000",
    "shift": "#8000ff",
    "solder": "#0080ff",
    "trace_cut": "#80ff00",
    "missing_hole": "#ff0080",
    "chip": "#00ff80",
}
