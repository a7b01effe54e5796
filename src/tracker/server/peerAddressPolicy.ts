import { isLoopback, parseIp } from '../../peers/ipAddress.js';

/**
 * Decides which address a peer is listed under. The socket's remote address is the truth;
 * a client-supplied address (HTTP `ip` parameter, BEP 3; the UDP announce's IP field, BEP 15) is
 * honoured only when both the socket address and the claimed address are loopback. That lets
 * several local peers on 127.0.0.x share one tracker, but a remote client can never make the
 * tracker hand out a third party's address (a known way to aim swarms at a victim).
 * Returns `undefined` only when the socket address itself is unusable.
 */
export function resolvePeerIp(socketAddress: string, claimed: string | undefined): { ip: string; bytes: Uint8Array } | undefined {
  const actual = parseIp(socketAddress);
  if (actual === undefined) return undefined;
  if (claimed === undefined || claimed === '') return actual;
  const wanted = parseIp(claimed);
  if (wanted !== undefined && isLoopback(actual.bytes) && isLoopback(wanted.bytes)) return wanted;
  return actual;
}
