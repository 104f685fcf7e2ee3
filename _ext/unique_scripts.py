"""Sphinx extension: drop repeated <script> entries from each page.

sphinx-thebe registers its inline configuration script once per 'env-before-read-docs' event, which
fires more than once in a Jupyter Book build; the second copy re-declares `const THEBE_JS_URL` and the
browser reports a SyntaxError on every page. Keeping the first of identical entries fixes that.
"""


def dedupe(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # an inline script is registered once with filename None and once with '': same tag
        key = (script.filename or "", tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"][:] = unique          # in place: handlers after this one still append


def setup(app):
    # early (priority < 500): the event stops at the first handler that returns a template name
    app.connect("html-page-context", dedupe, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
