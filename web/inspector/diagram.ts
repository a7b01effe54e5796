import { activePaths } from './model.js';

/**
 * Shows one machine's generated statechart (diagrams/<machine>.svg, drawn by Mermaid from
 * machines/) and highlights the active states. Mermaid names each state's group
 * `my-svg-state-<id>-<n>` where <id> is the generator's `s_<path joined by __>`.
 */
export class Diagram {
  private machine = '';
  private readonly byId = new Map<string, Element>();
  private loading: Promise<void> = Promise.resolve();

  constructor(private readonly host: HTMLElement) {}

  /** Loads the machine's diagram if another one is showing, then highlights `value`. */
  show(machine: string, value: unknown): void {
    if (machine !== this.machine) {
      this.machine = machine;
      this.byId.clear();
      this.shown = '';
      this.host.textContent = 'loading diagram…';
      this.loading = fetch(`diagrams/${encodeURIComponent(machine)}.svg`)
        .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`no diagram for ${machine}`))))
        .then((svg) => {
          if (this.machine !== machine) return;
          this.host.innerHTML = svg;
          for (const g of Array.from(this.host.querySelectorAll('g[id^="my-svg-state-"]'))) {
            const m = /^my-svg-state-(s_[A-Za-z0-9_]+)-\d+$/.exec(g.id);
            if (m !== null) this.byId.set(m[1]!, g);
          }
        })
        .catch((e: unknown) => {
          this.host.textContent = e instanceof Error ? e.message : String(e);
        });
    }
    void this.loading.then(() => this.highlight(value));
  }

  private shown = '';

  private highlight(value: unknown): void {
    const key = JSON.stringify(value);
    if (key === this.shown) return;
    this.shown = key;
    const current = new Set(activePaths(value).map((p) => `s_${p.join('__').replace(/[^A-Za-z0-9_]/g, '_')}`));
    for (const [id, g] of this.byId) {
      const on = current.has(id);
      const cluster = g.classList.contains('statediagram-cluster');
      g.classList.toggle(cluster ? 'st-current-cluster' : 'st-current', on);
      if (on) g.setAttribute('data-current', 'true');
      else g.removeAttribute('data-current');
    }
  }
}
