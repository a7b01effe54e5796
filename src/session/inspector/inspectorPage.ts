/**
 * The inspector's HTML: one page for both modes (`live`: a running torrent over Server-Sent
 * Events; `trace`: a recorded trace with a timeline). Scripts and diagrams are fetched from the
 * same server under the same token, by relative URLs; nothing comes from the internet.
 */
export function inspectorPage(mode: 'live' | 'trace', title: string): string {
  const safeTitle = title.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>statorrent inspector: ${safeTitle}</title>
<style>${STYLE}</style>
</head>
<body data-mode="${mode}">
<header>
  <h1>statorrent inspector <span id="mode">${mode === 'live' ? 'live' : 'trace'}</span></h1>
  <div id="torrent"><span id="torrent-name">${safeTitle}</span> <span id="torrent-stats"></span></div>
  <div id="connection" data-state="connecting">connecting…</div>
</header>
<section id="timeline" hidden>
  <button id="tl-first" title="first step">|◀</button>
  <button id="tl-back" title="step back">◀</button>
  <input id="tl-slider" type="range" min="0" max="0" value="0">
  <button id="tl-forward" title="step forward">▶</button>
  <button id="tl-last" title="last step">▶|</button>
  <span id="tl-position"></span>
  <select id="tl-jump"><option value="">jump to…</option></select>
  <div id="tl-verdict"></div>
</section>
<main>
  <section id="machines-panel">
    <h2>Machines</h2>
    <ul id="machines"></ul>
  </section>
  <section id="diagram-panel">
    <h2 id="diagram-title">statechart</h2>
    <div id="current-state"></div>
    <div id="diagram"></div>
  </section>
  <section id="transitions-panel">
    <h2>Last transitions <label><input type="checkbox" id="only-selected"> only the selected machine</label></h2>
    <table id="transitions"><thead><tr><th>time</th><th>machine</th><th>event</th><th>behind it</th><th>state after</th></tr></thead><tbody></tbody></table>
  </section>
  <section id="peers-panel">
    <h2>Peers</h2>
    <table id="peers"><thead><tr><th>address</th><th>client</th><th>source</th><th title="we choke them">am choking</th><th title="we want their pieces">am interested</th><th title="they choke us">peer choking</th><th title="they want our pieces">peer interested</th><th>snubbed</th><th>down</th><th>up</th><th title="our requests outstanding">pipeline</th><th>pieces</th><th title="failed piece copies it sent blocks of, waiting for a good copy to compare with (smart ban)">strikes</th></tr></thead><tbody></tbody></table>
  </section>
  <section id="pieces-panel">
    <h2>Pieces <span id="piece-summary"></span></h2>
    <canvas id="piece-map" width="800" height="120"></canvas>
    <div id="piece-legend"><span class="lg v">verified</span><span class="lg c">hashing</span><span class="lg p">partial</span><span class="lg r">requested</span><span class="lg m">missing (darker: fewer peers have it)</span><span class="lg f">failed</span></div>
  </section>
  <section id="trackers-panel">
    <h2>Tracker activity</h2>
    <ul id="trackers"></ul>
  </section>
</main>
<script type="module" src="app/inspector.js"></script>
</body>
</html>
`;
}

const STYLE = `
body { font: 13px/1.4 "DejaVu Sans", sans-serif; margin: 0; background: #f6f6f4; color: #222; }
header { display: flex; gap: 1.5em; align-items: baseline; padding: .5em 1em; background: #24323f; color: #fff; }
header h1 { font-size: 16px; margin: 0; }
#mode { font-weight: normal; background: #4a6; padding: 0 .4em; border-radius: 3px; }
#connection[data-state="closed"] { color: #f99; }
main { display: grid; grid-template-columns: 220px 1fr 1fr; gap: .6em; padding: .6em; }
section { background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: .4em .6em; overflow: auto; }
h2 { font-size: 13px; margin: .2em 0 .4em; }
h2 label { font-weight: normal; margin-left: 1em; }
#machines-panel { grid-row: span 2; max-height: 640px; }
#diagram-panel { grid-column: span 2; }
#diagram { max-height: 520px; overflow: auto; }
#diagram svg { width: 100%; height: auto; max-height: 500px; }
#diagram .st-current > g > rect, #diagram .st-current > rect, #diagram .st-current rect.basic, #diagram .st-current > g > path { fill: #ffd54f !important; stroke: #e65100 !important; stroke-width: 3px !important; }
#diagram .st-current-cluster > g > rect.outer { stroke: #e65100 !important; stroke-width: 3px !important; }
#current-state { font-family: monospace; margin-bottom: .3em; }
#machines { list-style: none; padding: 0; margin: 0; }
#machines li { padding: 2px 4px; cursor: pointer; border-radius: 3px; font-family: monospace; }
#machines li.selected { background: #24323f; color: #fff; }
#machines li[data-status="done"], #machines li[data-status="stopped"] { color: #999; }
#transitions-panel, #peers-panel { grid-column: span 3; max-height: 320px; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: left; padding: 1px 6px; border-bottom: 1px solid #eee; white-space: nowrap; }
td.flag[data-on="true"] { background: #c8e6c9; }
td.flag[data-on="false"] { color: #aaa; }
#peers tbody tr { cursor: pointer; }
#peers tbody tr.selected { outline: 2px solid #24323f; }
tr.cause-timer td:nth-child(4) { color: #6a1b9a; }
tr.cause-wire td:nth-child(4) { color: #1565c0; }
tr.tl-current { background: #fff3c4; }
#pieces-panel { grid-column: span 2; }
#piece-map { width: 100%; image-rendering: pixelated; border: 1px solid #ccc; }
.lg { margin-right: 1em; } .lg::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 3px; vertical-align: middle; }
.lg.v::before { background: #2e7d32; } .lg.c::before { background: #9ccc65; } .lg.p::before { background: #fbc02d; } .lg.r::before { background: #90caf9; } .lg.m::before { background: linear-gradient(90deg, #555, #ddd); } .lg.f::before { background: #d32f2f; }
#timeline { display: flex; gap: .5em; align-items: center; padding: .4em 1em; background: #e8eaf0; }
#timeline[hidden] { display: none; }
#tl-slider { flex: 1; }
#tl-verdict[data-ok="false"] { color: #b71c1c; }
`;
