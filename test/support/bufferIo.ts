/** A CliIo that keeps what a command writes, for assertions. */
export function bufferIo() {
  let out = '';
  let err = '';
  return {
    out: { write: (s: string) => (out += s) },
    err: { write: (s: string) => (err += s) },
    outText: () => out,
    errText: () => err,
  };
}
