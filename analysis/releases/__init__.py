"""The record of every release of a consultation's results, and what it is made of.

A *release* is one output meant for publication (a counts file, the Board paper, a theme
report): what it published, figure by figure, its threshold and breakdowns, and which
responses it covered. Publishing again after that (another threshold, other breakdowns,
an update after late responses) is protected together with everything already released
(`analysis.counts.across_releases`).

- `groups`: each response's *version* (a digest of what it says that counts) and the
  counts of a group of responses at the finest level, by every breakdown;
- `record`: the record itself — the releases, and the groups of responses they covered,
  split as responses arrive, change or go — read from and written to JSON;
- `store`: where a record is kept: a file beside an export (`--releases FILE`) or the
  app's database.

The record holds exact counts (those of the groups), so it is a working file, like the
export it was made from: never for publication.
"""
