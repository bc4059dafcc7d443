"""The `duplicates` command: clusters of near-identical articles in the index.

Model: as every command, parse options, call `Archive` once
(`near_duplicates`), render: a block per cluster as text (`render`), or one
JSON object per cluster per line (`jsonify`). Exit status 0 whether or not
clusters were found; 2 for a threshold outside 0.5..1.
"""

from __future__ import annotations

from typing import Annotated

import typer

from pressearch.cli.options import IndexOpt, JsonOpt, open_archive, stdout_console


def duplicates_command(
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            min=0.5,
            max=1.0,
            metavar="0.5-1",
            help="Least similarity (estimated Jaccard of five-word shingles) of two copies.",
        ),
    ] = 0.8,
    index: IndexOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Clusters of near-identical articles: one release from several sources, updated copies."""
    from pressearch.cli.render import render_duplicates
    from pressearch.jsonify import dumps, duplicate_cluster_json

    with open_archive(index) as archive:
        clusters = archive.near_duplicates(threshold)
    if json_:
        for cluster in clusters:
            typer.echo(dumps(duplicate_cluster_json(cluster)))
    else:
        render_duplicates(clusters, threshold, stdout_console())
