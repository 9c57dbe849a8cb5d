"""bench/run.py's report: the figures it prints are the ones it measured, and a cold build starts from nothing.
Nothing here is timed; the samples are fixed numbers."""

from __future__ import annotations

import sys

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
import corpus  # noqa: E402
import results  # noqa: E402
import run  # noqa: E402
import storage  # noqa: E402
from harness import Sample  # noqa: E402


def side_round(cold: float, unchanged: float, edit: float, tree_mb: float, view: tuple[int, int]) -> dict:
    """Return one side's round with the given times, a tree peak reached by its cold build, and a first view."""
    return {"cold": Sample(cold, 60, tree_mb), "unchanged": Sample(unchanged, 50, 50), "edit": Sample(edit, 55, 70),
            "view": view}


def size(n: int = 10000) -> dict:
    """Return one corpus size's measurements: three rounds a side, chosen to land on each side of the targets."""
    ours = [side_round(10, 0.20, 0.6, 240, (1_040_000, 98_000)), side_round(12, 0.30, 0.8, 251, (1_040_000, 98_000)),
            side_round(11, 0.25, 0.7, 200, (1_040_000, 98_000))]
    hugo = [side_round(12, 11, 12, 900, (400_000, 40_000)), side_round(10, 10, 11, 910, (400_000, 40_000)),
            side_round(11, 12, 10, 905, (400_000, 40_000))]
    return {"n": n, "ours": ours, "hugo": hugo, "preview": [0.12, 0.30, 0.14], "load": "0.10 0.20 0.30",
            "others": 0.05, "generated_s": 40, "held": 2e9}


def test_each_target_is_checked_against_the_right_figure_and_says_by_how_much_it_is_missed():
    assert results.targets_table([size(1000), size()])[2:] == [
        "| cold build ≤ 1.0× Hugo's cold build | 1.00× meets | 1.00× meets |",
        "| nothing changed ≤ 0.05× Hugo's cold build | 0.023× meets | 0.023× meets |",
        "| one app edited ≤ 0.05× Hugo's cold build | 0.064× **misses** (+27 %) | 0.064× **misses** (+27 %) |",
        "| peak memory ≤ 250 MB, largest process | 60 MB meets | 60 MB meets |",
        "| peak memory ≤ 250 MB, whole process tree | 251 MB **misses** (+0.4 %) | 251 MB **misses** (+0.4 %) |",
        "| preview save → reload ≤ 150 ms | 140 ms meets | 140 ms meets |",
        "| first view ≤ 100 KB gzip | 98,000 B meets | 98,000 B meets |",
        "| first view ≤ 1 MB raw | 1,040,000 B **misses** (+4.0 %) | 1,040,000 B **misses** (+4.0 %) |",
    ]


def test_a_figure_is_its_median_with_the_spread_beside_hugos_and_the_ratios_are_of_medians():
    assert results.figures_table(size()) == [
        "| figure | policysite | Hugo | policysite ÷ Hugo | ÷ Hugo's cold build |",
        "|---|---|---|---|---|",
        "| cold build | 11.00 s (10.00–12.00) | 11.00 s (10.00–12.00) | 1.00× | 1.00× |",
        "| nothing changed | 0.250 s (0.200–0.300) | 11.00 s (10.00–12.00) | 0.023× | 0.023× |",
        "| one app edited | 0.700 s (0.600–0.800) | 11.00 s (10.00–12.00) | 0.064× | 0.064× |",
        "| preview save → reload | 140 ms (120–300) | not measured | | |",
        "| peak memory, largest process | 60 MB | 60 MB | 1.00× | |",
        "| peak memory, whole process tree | 240 MB (200–251) | 905 MB (900–910) | 0.27× | |",
        "| first view, raw | 1,040,000 B | 400,000 B | 2.60× | |",
        "| first view, gzip -6 | 98,000 B | 40,000 B | 2.45× | |",
    ]


def test_every_round_is_listed_in_the_order_it_ran_with_policysites_figures_before_hugos():
    assert results.rounds_table(size())[2:] == [
        "| 1 | 10.00 s | 0.200 s | 0.600 s | 60 / 240 MB | 12.00 s | 11.00 s | 12.00 s | 60 / 900 MB |",
        "| 2 | 12.00 s | 0.300 s | 0.800 s | 60 / 251 MB | 10.00 s | 10.00 s | 11.00 s | 60 / 910 MB |",
        "| 3 | 11.00 s | 0.250 s | 0.700 s | 60 / 200 MB | 11.00 s | 12.00 s | 10.00 s | 60 / 905 MB |",
    ]


def test_the_report_warns_when_there_were_too_few_rounds_to_be_a_benchmark():
    run_info = {"command": ".venv/bin/python bench/run.py", "commit": "abc1234 (2026-12-03)", "machine": "m",
                "hugo": "hugo v0.111.3", "chromium": "Chromium", "storage": "s", "kind": "image", "load": "1 2 3",
                "started": "now", "seconds": 60, "cleanup_s": 1, "others": 0.1}
    full = size()
    short = {**full, "ours": full["ours"][:2], "hugo": full["hugo"][:2]}
    assert "Fewer than 3 rounds" not in results.report(run_info, [full])
    assert "**Fewer than 3 rounds: these figures only show that the benchmark runs.**" in results.report(run_info, [short])


def test_a_cold_build_finds_nothing_an_earlier_build_left_and_its_inputs_untouched(tmp_path):
    corpus.generate(80, tmp_path / "corpus")
    space = storage.Storage(tmp_path, "folder")
    for side in run.sides(tmp_path / "corpus", tmp_path, 80):
        left = [side.folder / name for name in ("site", ".site.standby", "resources", ".hugo_build.lock")] + list(side.elsewhere)
        for path in left:
            path.mkdir(parents=True, exist_ok=True)
        space.clear(side.outputs())
        assert sorted(p.name for p in side.folder.iterdir()) == sorted(side.inputs), side.name
        assert not any(path.exists() for path in left), side.name
        # on disk they are renamed aside, not deleted
        assert len(list((tmp_path / "set-aside" / str(space.cleared)).iterdir())) == len(left), side.name
