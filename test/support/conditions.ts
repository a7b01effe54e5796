/**
 * Conditions a test waits for, re-checked each time the test reports that something it
 * watches changed (a wire message, an event): never polled, never a sleep.
 */
export class Conditions {
  private waiting: { readonly what: () => boolean; readonly resolve: () => void }[] = [];

  /** Resolves once `what()` holds (at once if it already does). `_label` only names it for a reader. */
  until(what: () => boolean, _label?: string): Promise<void> {
    return what() ? Promise.resolve() : new Promise((resolve) => this.waiting.push({ what, resolve }));
  }

  /** Something watched changed: resolves every condition that now holds. */
  changed(): void {
    this.waiting = this.waiting.filter((w) => {
      if (!w.what()) return true;
      w.resolve();
      return false;
    });
  }

  /** Forgets every waiting condition (between tests). */
  clear(): void {
    this.waiting = [];
  }
}
