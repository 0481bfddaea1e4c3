"""A minimal Wagtail page type, installed only by bench/settings.py: the baseline bench/pages.py compares against."""
