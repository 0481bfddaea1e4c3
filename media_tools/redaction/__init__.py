"""Finding and removing what identifies a family in a story excerpt (pure: no Django models, no stories/facilitation).

`propose` finds the family's real names in any inflected form (Russian declension, Kazakh suffix chains, English
possessives, Latin/Cyrillic spellings), other personal names and places, and identifiers (phones, IIN, e-mail,
addresses, school numbers), each with a proposed replacement; `apply` writes the accepted replacements;
`char_spans_to_times` turns text spans into audio times through the engine's word timestamps; `build_excerpt` cuts
the audio excerpt and mutes (or beeps) those times into a new file without metadata.
"""

from media_tools.redaction.audio import build_excerpt
from media_tools.redaction.text import KINDS, KnownPerson, Proposal, apply, propose
from media_tools.redaction.timing import char_spans_to_times

__all__ = ["KINDS", "KnownPerson", "Proposal", "apply", "build_excerpt", "char_spans_to_times", "propose"]
