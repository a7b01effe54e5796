import { randomBytes } from 'node:crypto';

/** Our Azureus-style client prefix: `-ST` + version 0.0.1.0 (BEP 20). */
export const PEER_ID_PREFIX = '-ST0010-';

/** A fresh 20-byte peer id: `-ST0010-` then 12 random bytes. `random` is injectable for tests. */
export function generatePeerId(random: (n: number) => Uint8Array = (n) => new Uint8Array(randomBytes(n))): Uint8Array {
  const id = new Uint8Array(20);
  id.set(new TextEncoder().encode(PEER_ID_PREFIX), 0);
  id.set(random(12).subarray(0, 12), 8);
  return id;
}

/** Azureus-style two-letter client codes (BEP 20), the ones seen most often. */
const AZUREUS_CLIENTS: Readonly<Record<string, string>> = {
  ST: 'statorrent',
  LT: 'libtorrent',
  lt: 'libTorrent (rakshasa)',
  TR: 'Transmission',
  qB: 'qBittorrent',
  AR: 'aria2',
  WW: 'WebTorrent',
  WD: 'WebTorrent Desktop',
  UT: 'µTorrent',
  UM: 'µTorrent Mac',
  UW: 'µTorrent Web',
  BT: 'BitTorrent',
  DE: 'Deluge',
  AZ: 'Vuze',
  BC: 'BitComet',
  FD: 'Free Download Manager',
  KT: 'KTorrent',
  TX: 'Tixati',
  BI: 'BiglyBT',
  PI: 'PicoTorrent',
  FX: 'Freebox',
};

const printable = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');

/** Azureus versions are 4 characters; Transmission packs major.minor as `3000` → 3.00. */
const formatVersion = (code: string, v: string): string => {
  if (code === 'TR') return `${v[0] ?? ''}.${v.slice(1, 3)}`;
  return v.replace(/[-.]+$/, '').split('').join('.');
};

/**
 * A display name for the client behind a peer id, e.g. `libtorrent 2.0.8.0`. Falls back to
 * the printable prefix, never throws: peer ids are arbitrary bytes from the network.
 */
export function clientNameFromPeerId(peerId: Uint8Array): string {
  const head = printable(peerId.subarray(0, 8));
  const az = /^-([A-Za-z0-9]{2})([A-Za-z0-9.]{4})-$/.exec(head);
  if (az) {
    const code = az[1] ?? '';
    const name = AZUREUS_CLIENTS[code];
    const version = formatVersion(code, az[2] ?? '');
    return name === undefined ? `unknown client ${code} ${version}` : `${name} ${version}`;
  }
  const mainline = /^M(\d+)-(\d+)-(\d+)-/.exec(head);
  if (mainline) return `Mainline ${mainline[1]}.${mainline[2]}.${mainline[3]}`;
  // aria2 writes its version in full, Mainline-like: `A2-1-36-0-` then random bytes (QUIRKS.md)
  const aria2 = /^A2-(\d{1,3})-(\d{1,3})-(\d{1,3})-/.exec(printable(peerId.subarray(0, 16)));
  if (aria2) return `aria2 ${aria2[1]}.${aria2[2]}.${aria2[3]}`;
  return `unknown client (${head})`;
}
