extension ConsoleAssets {
    /// `GET /console/app.css`: phone-width first, two columns from 800 px.
    static let stylesheet = ##"""
:root {
  --fg: #1b1f24; --muted: #57606a; --bg: #f6f8fa; --card: #fff; --line: #d0d7de; --accent: #1f4e79; --focus: #0969da;
  --error: #b42318; --ok: #1a7f37;
  --sig-longTerm: #2f6fb0; --sig-session: #58a6e8; --sig-context: #8a63d2; --sig-covisit: #e5883a; --sig-popularity: #2da44e;
  --sig-freshness: #b7c93c; --sig-query: #0f8f8f; --sig-negative: #cf3f3f;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; line-height: 1.4; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: var(--card); padding: .5rem; }
.skip:focus { left: .5rem; z-index: 10; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .5rem 1rem; background: var(--accent); color: #fff; }
.top a { color: #fff; }
.brand { font-weight: 700; text-decoration: none; display: inline-flex; align-items: center; gap: .4rem; }
.top nav ul { display: flex; flex-wrap: wrap; gap: .25rem .9rem; list-style: none; margin: 0; padding: 0; }
.top nav a { text-decoration: none; padding: .2rem .1rem; }
.top nav a[aria-current="page"] { border-bottom: 2px solid #ffd27a; }
.top #logout { margin-left: auto; }
main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: .2rem 0 .8rem; }
h2 { font-size: 1.1rem; margin: 1.2rem 0 .5rem; }
h3 { font-size: 1rem; margin: .8rem 0 .4rem; }
button, select, input { font: inherit; }
button { background: var(--accent); color: #fff; border: 1px solid var(--accent); border-radius: 6px; padding: .35rem .8rem; cursor: pointer; }
button.quiet { background: transparent; border-color: currentColor; color: inherit; }
button.small { padding: .15rem .5rem; font-size: .85rem; }
button[disabled] { opacity: .55; cursor: default; }
input[type=text], input[type=search], input[type=password], select { border: 1px solid var(--line); border-radius: 6px; padding: .35rem .5rem; background: #fff; min-width: 0; }
form.row, .row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
.field { display: flex; flex-direction: column; gap: .2rem; }
.field label { font-size: .85rem; color: var(--muted); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem; }
.cards { display: grid; gap: .8rem; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); }
.muted { color: var(--muted); }
.error { color: var(--error); }
.hint { color: var(--muted); font-size: .9rem; }
.login { max-width: 28rem; }
.login form { display: flex; flex-direction: column; gap: .5rem; }
.status { position: fixed; bottom: .5rem; left: 50%; transform: translateX(-50%); background: #24292f; color: #fff; padding: .35rem .8rem;
  border-radius: 6px; font-size: .9rem; max-width: 90vw; }
.status:empty { display: none; }
.list { list-style: none; padding: 0; margin: 0; }
.list li { padding: .35rem 0; border-bottom: 1px solid var(--line); display: flex; gap: .6rem; align-items: center; }
.grid { display: grid; gap: .8rem; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); list-style: none; padding: 0; margin: 0; }
.grid.small { grid-template-columns: repeat(auto-fill, minmax(110px, 1fr)); }
@media (max-width: 600px) { .grid, .grid.small { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .5rem; display: flex; flex-direction: column; gap: .35rem; }
.tile.entered { border-color: var(--ok); box-shadow: 0 0 0 2px var(--ok); }
.tile .title { font-size: .9rem; font-weight: 600; }
.tile .meta { font-size: .8rem; color: var(--muted); }
.thumb { width: 100%; aspect-ratio: 1; object-fit: contain; background: #eef1f4; border-radius: 6px; display: block; }
.thumb.mini { width: 48px; height: 48px; flex: none; }
.thumb.large { max-width: 320px; }
.noimage { display: flex; align-items: center; justify-content: center; font-size: .75rem; color: var(--muted); }
.actions { display: flex; flex-wrap: wrap; gap: .3rem; }
.bar { width: 100%; height: 18px; display: block; }
.bar .axis, .chart .axis { stroke: var(--muted); stroke-width: 1; }
.bar .mark { stroke: var(--fg); stroke-width: 2; }
.legend { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .1rem .6rem; font-size: .75rem; }
.legend li { display: inline-flex; align-items: center; gap: .25rem; }
.swatch { width: .7rem; height: .7rem; border-radius: 2px; display: inline-block; }
.sig-longTerm { fill: var(--sig-longTerm); background: var(--sig-longTerm); }
.sig-session { fill: var(--sig-session); background: var(--sig-session); }
.sig-context { fill: var(--sig-context); background: var(--sig-context); }
.sig-covisit { fill: var(--sig-covisit); background: var(--sig-covisit); }
.sig-popularity { fill: var(--sig-popularity); background: var(--sig-popularity); }
.sig-freshness { fill: var(--sig-freshness); background: var(--sig-freshness); }
.sig-query { fill: var(--sig-query); background: var(--sig-query); }
.sig-negative { fill: var(--sig-negative); background: var(--sig-negative); }
.ev-view { fill: #58a6e8; background: #58a6e8; } .ev-click { fill: #2f6fb0; background: #2f6fb0; }
.ev-add_to_cart { fill: #e5883a; background: #e5883a; } .ev-purchase { fill: #2da44e; background: #2da44e; }
.ev-rating { fill: #8a63d2; background: #8a63d2; } .ev-dismiss { fill: #cf3f3f; background: #cf3f3f; }
.badge { font-size: .75rem; padding: .05rem .4rem; border-radius: 999px; color: #fff; }
.chart { width: 100%; height: auto; display: block; }
.chart text { font-size: 10px; fill: var(--muted); }
.chart .line { fill: none; stroke-width: 2; }
.series-0 { stroke: #2f6fb0; fill: #2f6fb0; } .series-1 { stroke: #e5883a; fill: #e5883a; }
.series-2 { stroke: #2da44e; fill: #2da44e; } .series-3 { stroke: #8a63d2; fill: #8a63d2; }
.series-4 { stroke: #cf3f3f; fill: #cf3f3f; } .series-5 { stroke: #0f8f8f; fill: #0f8f8f; }
.series-6 { stroke: #b7c93c; fill: #b7c93c; } .series-7 { stroke: #57606a; fill: #57606a; }
.chart .area { fill: #58a6e8; opacity: .35; stroke: none; }
.chart .sparkline { fill: none; stroke: #2f6fb0; stroke-width: 2; }
.affinity { fill: var(--sig-longTerm); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; background: var(--card); }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.big { font-size: 1.8rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.split { display: grid; gap: 1rem; grid-template-columns: 1fr; }
@media (min-width: 800px) { .split { grid-template-columns: 1fr 1fr; } .split.wide-left { grid-template-columns: 2fr 1fr; } }
.item-head { display: grid; gap: 1rem; grid-template-columns: 1fr; }
@media (min-width: 700px) { .item-head { grid-template-columns: 320px 1fr; } }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.pill { display: inline-block; padding: .05rem .45rem; border: 1px solid var(--line); border-radius: 999px; font-size: .8rem; margin: 0 .2rem .2rem 0; }
.up { color: var(--ok); } .down { color: var(--error); }
.preview { max-width: 160px; max-height: 160px; border-radius: 6px; }
"""##
}
