"""Category pages remembered by what they are made of, so an edit renders only the pages its app is on.

A category page shows a run of one category's apps (render.catalogue.CategoryPage). When its template reads
no whole site (SharedInputs.pages_of_parts), the page is a function of the shared inputs, its place (category,
number, pages, first, total) and its apps' results, and each result is named by its memo key. So the memo's
'pages' table keeps, under a hash of those, the SHA-256 of the page; a later build whose page has the same
key takes the published file (the publisher checks that it is still there, as it was) instead of rendering it.
"""

from __future__ import annotations

from policysite.cache import digest_of
from policysite.engine.memo import Memo, key_of


def page_reuse(shared, memo: Memo, publisher, planned: list, results: list):
    """Return the reuse function render.pages.render_pages takes, or None when pages cannot be remembered."""
    if not shared.digest or not shared.pages_of_parts:
        return None
    keys = {r.app.basename: key for (_, key, _, _), r in zip(planned, results) if key and r.app is not None}
    table = memo.table("pages")

    def reuse(dest: str, page, render):
        parts = [keys.get(app.basename) for app in page.apps]
        if None in parts:   # a result that is not remembered names nothing
            return render()
        key = key_of("category_page", (shared.digest, dest, page.category, str(page.number), str(page.pages),
                                       str(page.first), str(page.total), "\0".join(parts)))
        digest = table.get(key)
        if digest is not None and publisher.keep(((dest, digest),)):
            return None
        data = render()
        if data is not None:
            table.put(key, digest_of(data))
        return data

    return reuse
