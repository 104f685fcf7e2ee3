#!/usr/bin/env bash
# Bundle the JavaScript that the built book needs, so it renders math and widgets with no network:
# MathJax 3, require.js and the ipywidgets HTML manager, fetched from the npm registry at build time
# into _vendor/vendor/ (copied to _build/html/vendor/ by Sphinx's html_extra_path; see _config.yml).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=_vendor/vendor
stamp=_vendor/.versions
layout=3
versions="mathjax@3.2.2 requirejs@2.3.7 @jupyter-widgets/html-manager@1.0.15"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$layout $versions" ]; then
    exit 0
fi
command -v npm >/dev/null || { echo "vendor_static.sh: npm (Node.js) is needed to bundle MathJax and the widget JS" >&2; exit 1; }
cache=.npm-vendor
mkdir -p "$cache"
# shellcheck disable=SC2086
npm install --prefix "$cache" --no-audit --no-fund --no-save --silent $versions
rm -rf _vendor
mkdir -p "$dest/@jupyter-widgets/html-manager/dist"
cp -r "$cache/node_modules/mathjax/es5" "$dest/mathjax"
cp "$cache/node_modules/requirejs/require.js" "$dest/require.js"
# embed-amd.js fetches its fonts from <data-jupyter-widgets-cdn>@jupyter-widgets/html-manager/dist/
cp "$cache"/node_modules/@jupyter-widgets/html-manager/dist/* "$dest/@jupyter-widgets/html-manager/dist/"
# ...but it resolves that folder against the page through require.js, so on chapter pages (in notebooks/)
# it asks for notebooks/@jupyter-widgets/html-manager/dist/<font>: put the fonts there as well.
fonts=_vendor/notebooks/@jupyter-widgets/html-manager/dist
mkdir -p "$fonts"
cp "$dest"/@jupyter-widgets/html-manager/dist/*.{woff,woff2,ttf,eot,svg} "$fonts/"
echo "$layout $versions" > "$stamp"
