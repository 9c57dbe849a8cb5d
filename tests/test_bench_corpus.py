"""bench/corpus.py writes its generated apps with libyaml's emitter because it is faster; the corpora must keep
the bytes PyYAML's emitter gave them, or benchmark figures taken before and after would not compare."""

from __future__ import annotations

import random
import sys

import pytest
import yaml

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
import corpus  # noqa: E402

METHODS = ["forum_casual", "forum_dedicated", "vendor", "clearcenter_pro", "clearcenter_consulting"]


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml here")
def test_libyaml_writes_every_generated_app_and_its_hugo_page_as_pyyaml_does():
    rng = random.Random(3)
    for i in range(300):
        app = corpus.app(rng, i, METHODS)
        for data in (app, corpus.front_matter(app)):
            assert corpus.dump(data, generated=True) == yaml.safe_dump(data, sort_keys=False, width=100)
