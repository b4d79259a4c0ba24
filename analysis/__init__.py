"""Response analysis for consult: counts with disclosure control, and free-text themes.

Runs from the anonymised response export (CSV) or a database URL. Never imports Flask or
`consult`; question definitions come from the shared `questions` package.
"""
