import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Settings a test may add or override (transmission's settings.json keys). */
export type TransmissionSettings = Readonly<Record<string, string | number | boolean>>;

/**
 * Writes `configDir/settings.json` for a transmission-cli 3.00 peer on loopback only: bound to
 * 127.0.0.1 / ::1 on `port`, DHT, LPD, PEX, uTP, port forwarding, blocklist and RPC off, and
 * plaintext preferred (statorrent has no MSE). `extra` entries are added last and win.
 */
export async function writeTransmissionConfig(configDir: string, port: number, extra: TransmissionSettings = {}): Promise<void> {
  const settings = {
    'dht-enabled': false,
    'lpd-enabled': false,
    'pex-enabled': false,
    'utp-enabled': false,
    'port-forwarding-enabled': false,
    'blocklist-enabled': false,
    'bind-address-ipv4': '127.0.0.1',
    'bind-address-ipv6': '::1',
    'peer-port': port,
    'peer-port-random-on-start': false,
    'rpc-enabled': false,
    encryption: 0, // prefer plaintext
    'incomplete-dir-enabled': false,
    'message-level': 2,
    ...extra,
  };
  await writeFile(join(configDir, 'settings.json'), JSON.stringify(settings));
}
