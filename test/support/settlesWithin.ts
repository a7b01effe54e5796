/**
 * `p`, or a rejection naming `what` if it has not settled within `timeoutMs`: a bound on a wait
 * for an event (a process exiting, a download finishing), never a sleep standing in for one.
 */
export function settlesWithin<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
