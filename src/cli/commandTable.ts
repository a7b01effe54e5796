import type { Command } from './command.js';

/**
 * Every `statorrent <command>`, in the order `--help` lists them. To add a command, write a
 * module exporting a `run(argv, io)` function and add one line here. Modules load only when
 * their command runs, so `statorrent info` does not pay for the tracker server and vice versa.
 */
export const commands: readonly Command[] = [
  { name: 'info', summary: 'show what a .torrent file or URL holds', run: async (a, io) => (await import('./infoCommand.js')).runInfoCommand(a, io) },
  { name: 'create', summary: 'make a .torrent from a file or folder', run: async (a, io) => (await import('./createCommand.js')).runCreateCommand(a, io) },
  { name: 'tracker', summary: 'run an HTTP + UDP tracker', run: async (a, io) => (await import('./trackerCommand.js')).runTrackerCommand(a, io) },
  { name: 'demo', summary: 'make sample content, create a torrent of it, show its info', run: async (a, io) => (await import('./demo.js')).runDemo(a, io) },
];
