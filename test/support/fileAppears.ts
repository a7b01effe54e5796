import { watch } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/**
 * Resolves once `path` exists (watching its folder, so no polling loop), rejects after
 * `timeoutMs`. The folder must exist already.
 */
export function waitForFile(path: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const exists = (): Promise<boolean> => access(path).then(() => true, () => false);
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      watcher.close();
      if (err) reject(err);
      else resolve();
    };
    const watcher = watch(dirname(path), (_event, name) => {
      if (name === null || name === basename(path)) void exists().then((yes) => yes && finish());
    });
    const timer = setTimeout(() => finish(new Error(`${path} did not appear within ${timeoutMs} ms`)), timeoutMs);
    // it may have appeared before the watcher started
    void exists().then((yes) => yes && finish());
  });
}
