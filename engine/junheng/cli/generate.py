"""``junheng generate``: seeded synthetic filings for load tests and the benchmark."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["generate"]


@click.command("generate")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--districts", default=38, show_default=True, type=click.IntRange(1, 100_000), help="Number of filings (one district each).")
@click.option("--schools", default=75, show_default=True, type=click.IntRange(1, 10_000), help="School records per filing.")
@click.option("--violations", default=0.01, show_default=True, type=click.FloatRange(0, 1),
              help="Chance that a check is broken on purpose.")
@click.option("--seed", default=2026, show_default=True, type=int, help="The same seed gives the same bytes.")
@click.option("--year", default=2016, show_default=True, type=click.IntRange(1990, 2100))
@click.option("--standard", default="basic", show_default=True, help="district.standard of every filing.")
@click.option("--format", "fmt", default="json", show_default=True, type=click.Choice(["json", "yaml"]))
def generate(out: Path, districts: int, schools: int, violations: float, seed: int, year: int, standard: str, fmt: str) -> None:
    """Write DISTRICTS synthetic filings of SCHOOLS records each into the folder OUT (生成模拟申报数据)."""
    from junheng.synthetic import Spec, write  # imported here, not at the top: start-up time of the other commands

    paths = write(Spec(districts=districts, schools=schools, violation_share=violations, seed=seed, year=year, standard=standard), out, fmt)
    click.echo(f"{len(paths)} filings, {len(paths) * schools} school records → {out}", err=True)
