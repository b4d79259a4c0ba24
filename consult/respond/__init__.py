"""The respondent's journey: pages for whoever holds a link."""
