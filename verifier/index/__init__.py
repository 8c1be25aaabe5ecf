"""The theorem index: a static, offline site of the whole atlas (``roughatlas index``).

``gather`` collects the data once (plain dicts), ``render`` fills the Jinja2 templates in
``templates/`` and copies ``static/`` (vendored KaTeX, the site's CSS and JS); ``style``
holds the colours and the legend.
"""
