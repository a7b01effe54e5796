import type { Command } from './command.js';

/**
 * Every `statorrent <command>`, in the order `--help` lists them. To add a command, write a
 * module exporting a `run(argv, io)` function and add one line here. Modules load only when
 * their command runs, so `statorrent info` does not pay for the tracker server and vice versa.
 */
export const commands: readonly Command[] = [
  { name: 'info', summary: 'show what a .torrent file or URL holds', run: async (a, io) => (await import('./infoCommand.js')).runInfoCommand(a, io) },
  { name: 'create', summary: 'make a .torrent from a file or folder', run: async (a, io) => (await import('./createCommand.js')).runCreateCommand(a, io) },
  { name: 'download', summary: 'download a torrent (then optionally keep seeding)', run: async (a, io) => (await import('./downloadCommand.js')).runDownloadCommand(a, io) },
  { name: 'seed', summary: 'check data you have and serve it to peers', run: async (a, io) => (await import('./seedCommand.js')).runSeedCommand(a, io) },
  { name: 'peers', summary: "ask the trackers who is in a torrent's swarm and probe each peer", run: async (a, io) => (await import('./peersCommand.js')).runPeersCommand(a, io) },
  { name: 'dht', summary: 'look up a torrent in the DHT round by round, or run a DHT node', run: async (a, io) => (await import('./dhtCommand.js')).runDhtCommand(a, io) },
  { name: 'trace', summary: 'summarize, replay or view (in a browser) a trace written by download --trace', run: async (a, io) => (await import('./traceCommand.js')).runTraceCommand(a, io) },
  { name: 'tracker', summary: 'run an HTTP + UDP tracker', run: async (a, io) => (await import('./trackerCommand.js')).runTrackerCommand(a, io) },
  { name: 'demo', summary: 'a whole local swarm: tracker, seeder and leechers trading pieces on 127.0.0.1', run: async (a, io) => (await import('./demo.js')).runDemo(a, io) },
];
