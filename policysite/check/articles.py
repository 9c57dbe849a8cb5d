"""Links between apps and Level II articles: kept in one place, each app file's level2.articles.

An article's list of the apps it helps with is derived from those lists (render.doc_context), so the
two directions cannot disagree; an article's front matter that lists apps itself is refused.
"""

from __future__ import annotations

import dataclasses

from policysite.problems import Problem, did_you_mean

SECTION = "level2/"


def check_article_links(apps: list[tuple[str, tuple]], doc_ids: list[str]) -> list[Problem]:
    """Report every article an app file names that does not exist, at its item of level2.articles."""
    article_ids = {doc_id.removeprefix(SECTION) for doc_id in doc_ids if doc_id.startswith(SECTION)}
    problems = []
    for src_path, (_, _, articles, *_) in apps:
        for i, (article, pos) in enumerate(articles):
            if article not in article_ids:
                problems.append(Problem(src_path, *pos, f"level2.articles[{i}]: no Level II article '{article}'{did_you_mean(article, article_ids)}"))
    return problems


def without_moved_keys(doc, problems: list[Problem]):
    """Return a document's front matter without 'apps', refusing it: links are kept in the app files."""
    front = doc.front
    if front is None or front.kind != "map" or "apps" not in front.value:
        return front
    if doc.doc_id.startswith(SECTION):
        fix = f"remove this and add '{doc.doc_id.removeprefix(SECTION)}' to level2.articles in each app's file (content/apps/<basename>.yaml)"
    else:
        fix = "remove this (only Level II articles are linked to apps, from each app's level2.articles)"
    problems.append(Problem(doc.src_path, *front.key_pos["apps"], f"apps: the apps an article helps with are listed in their own files; {fix}"))
    # The rest of the front matter is still checked, so one run reports everything; 'apps' would only add "unknown field".
    return dataclasses.replace(front, value={k: v for k, v in front.value.items() if k != "apps"},
                               key_pos={k: v for k, v in front.key_pos.items() if k != "apps"})
