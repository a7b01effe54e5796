import type { Command } from './command.js';
import { createCommand } from './createCommand.js';
import { demoCommand } from './demo.js';
import { infoCommand } from './infoCommand.js';
import { runTrackerCommand } from './trackerCommand.js';

/**
 * Every `statorrent <command>`, in the order `--help` lists them. To add a command, write a
 * module exporting a {@link Command} and add one line here.
 */
export const commands: readonly Command[] = [
  infoCommand,
  createCommand,
  { name: 'tracker', summary: 'run an HTTP + UDP tracker', run: (argv, io) => runTrackerCommand(argv, io) },
  demoCommand,
];
