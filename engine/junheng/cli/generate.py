"""``junheng generate``: seeded synthetic filings for load tests and the benchmark."""

from __future__ import annotations

from pathlib import Path

import click

from junheng.cli.bilingual import Command, tr

__all__ = ["generate"]


@click.command("generate", cls=Command,
               short_help=tr("生成模拟申报数据（负载测试用）", "Write synthetic filings (load tests)."),
               help=tr("在文件夹 OUT 中写出 DISTRICTS 份模拟申报，每份 SCHOOLS 条学校记录（负载测试和性能测试用）。",
                       "Write DISTRICTS synthetic filings of SCHOOLS records each into the folder OUT (load tests, the benchmark)."))
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--districts", default=38, show_default=True, type=click.IntRange(1, 100_000),
              help=tr("申报份数（每份一个区县）", "Number of filings (one district each)."))
@click.option("--schools", default=75, show_default=True, type=click.IntRange(1, 10_000),
              help=tr("每份申报的学校记录数", "School records per filing."))
@click.option("--violations", default=0.01, show_default=True, type=click.FloatRange(0, 1),
              help=tr("每项检查被故意改为不达标的概率", "Chance that a check is broken on purpose."))
@click.option("--seed", default=2026, show_default=True, type=int,
              help=tr("随机种子：相同的种子生成相同的字节", "The same seed gives the same bytes."))
@click.option("--year", default=2016, show_default=True, type=click.IntRange(1990, 2100), help=tr("申报年度", "The filings' year."))
@click.option("--standard", default="basic", show_default=True,
              help=tr("每份申报的 district.standard", "district.standard of every filing."))
@click.option("--format", "fmt", default="json", show_default=True, type=click.Choice(["json", "yaml"]),
              help=tr("申报文件的格式", "Format of the filings."))
def generate(out: Path, districts: int, schools: int, violations: float, seed: int, year: int, standard: str, fmt: str) -> None:
    """Write DISTRICTS synthetic filings of SCHOOLS records each into the folder OUT (生成模拟申报数据)."""
    from junheng.synthetic import Spec, write  # imported here, not at the top: start-up time of the other commands

    paths = write(Spec(districts=districts, schools=schools, violation_share=violations, seed=seed, year=year, standard=standard), out, fmt)
    click.echo(f"已生成 {len(paths)} 份申报，共 {len(paths) * schools} 条学校记录 → {out}", err=True)
