"""Named entities from natasha (Russian news NER; its models ship inside the package and run offline)."""

from __future__ import annotations

import functools
import logging

log = logging.getLogger(__name__)


@functools.cache
def _pipeline():  # noqa: ANN202
    try:
        from natasha import Doc, NewsEmbedding, NewsNERTagger, Segmenter  # noqa: PLC0415 - 30 MB of embeddings, loaded once
    except ImportError as exc:  # pragma: no cover - natasha is a declared dependency
        log.warning("natasha unavailable (%s): names are found by rules only", exc)
        return None
    return Doc, Segmenter(), NewsNERTagger(NewsEmbedding())


def entities(text: str) -> list[tuple[int, int, str]]:
    """(start, end, type) with type "PER", "LOC" or "ORG"; empty when natasha is not installed."""
    pipeline = _pipeline()
    if pipeline is None or not text.strip():
        return []
    doc_class, segmenter, tagger = pipeline
    doc = doc_class(text)
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    return [(span.start, span.stop, span.type) for span in doc.spans]
