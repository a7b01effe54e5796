import { startLive } from './live.js';
import { startTrace } from './trace.js';
import { Renderer } from './view.js';

/** The page's entry: live mode follows a running session, trace mode steps through a recording. */
const mode = document.body.dataset.mode;
const connection = document.getElementById('connection')!;
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
if (mode === 'trace') {
  const renderer = new Renderer((t) => `${t.toFixed(1)} ms`);
  renderer.followSteps = true;
  startTrace(renderer, connection).catch((e: unknown) => {
    connection.dataset.state = 'closed';
    connection.textContent = `cannot load the trace: ${e instanceof Error ? e.message : String(e)}`;
  });
} else {
  const renderer = new Renderer((t) => {
    const d = new Date(t);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  });
  // `#<actor>` in the URL selects that machine (a peer's `ip:port`), even before it exists
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (wanted !== '') renderer.select(wanted);
  startLive(renderer, connection);
}
