import { describe, expect, it } from 'vitest';
import { assertLoopbackOnly } from '../support/cliRunner.js';

describe('test CLI runs stay on loopback', () => {
  it('refuses transfer and dht runs that would join the DHT through the public routers or write the user state', () => {
    expect(() => assertLoopbackOnly(['download', 't.torrent', '--port', '0'])).toThrow(/--no-dht or --dht-bootstrap/);
    expect(() => assertLoopbackOnly(['seed', 't.torrent', 'dir', '--dht-bootstrap', 'router.bittorrent.com:6881', '--data-dir', '/tmp/x'])).toThrow(/outside loopback/);
    expect(() => assertLoopbackOnly(['dht', 'node', '--dht-bootstrap', '127.0.0.1:1'])).toThrow(/--data-dir/);
  });

  it('lets through --no-dht, loopback bootstraps with their own state folder, help, and other commands', () => {
    for (const args of [
      ['download', 't.torrent', '--no-dht'],
      ['seed', 't.torrent', 'dir', '--dht-bootstrap', '127.0.0.5:7000', '--data-dir', '/tmp/x'],
      ['download', '--help'],
      ['info', 't.torrent'],
    ]) expect(() => assertLoopbackOnly(args)).not.toThrow();
  });
});
