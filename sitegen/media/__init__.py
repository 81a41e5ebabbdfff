"""The image pipeline: every photo an article uses, upright, in sRGB, without metadata, resized to
the configured widths in WebP and JPEG (PNG when transparent), under cache-forever names.

probe.py     what a source image is, from its header; bad files refused in words
plan.py      which files it becomes (widths, thumbnail crop, Open Graph JPEG) and their names
process.py   the work on one source, in a worker process
cache.py     <site>/.cache/images/: the files, their index, pruning, the lock
svg.py       SVG drawings from articles: parsed safely, scripts and outside references removed
pipeline.py  one build's images: plan → process (in parallel) → outputs → finish
"""
from sitegen.media.pipeline import MediaPipeline, MediaStats, Passthrough, SvgPlan, Use
from sitegen.media.plan import ImagePlan
from sitegen.media.probe import ImageProblem

__all__ = ["MediaPipeline", "MediaStats", "Passthrough", "SvgPlan", "Use", "ImagePlan", "ImageProblem"]
