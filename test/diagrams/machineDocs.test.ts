import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMachines } from '../../scripts/loadMachines.js';
import { eventNames, machineModel } from '../../scripts/machineModel.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const machines = await loadMachines(repoRoot, join(repoRoot, 'machines'), 'ts');

/**
 * diagrams/README.md explains every guard and event from the machines' own meta; a renamed
 * guard or event whose text was left under the old name shows "(no description)" there.
 * Only guards and events that exist get text, and every one that exists has it.
 */
describe('machine docs', () => {
  for (const { name, machine } of machines) {
    it(`${name}: every named guard and every event it takes is described in its meta`, () => {
      const model = machineModel(machine);
      const undocumentedGuards = [...model.guards].filter(([, d]) => d.description === undefined).map(([g]) => g);
      expect(undocumentedGuards).toEqual([]);
      const guardTexts = Object.keys(((machine.root.meta ?? {}) as { guards?: Record<string, unknown> }).guards ?? {});
      expect(guardTexts.filter((g) => !model.guards.has(g))).toEqual([]);
      const undocumentedEvents = eventNames(model).filter((e) => !e.startsWith('xstate.') && model.events.get(e)?.description === undefined);
      expect(undocumentedEvents).toEqual([]);
    });
  }
});
