/**
 * Small machines that exercise every construct the diagram generator and the coverage check
 * must handle: parallel regions, named guards (and higher-order ones), named and numeric delays,
 * eventless `always`, nested and final states, invoked actors, history, root transitions.
 */
import { and, assign, fromPromise, not, setup } from 'xstate';

/** A toy connection: handshake with a named timeout, then two parallel regions. */
export const sampleMachine = setup({
  types: {
    context: {} as { retries: number; ok: boolean },
    events: {} as { type: 'CONNECT' } | { type: 'HANDSHAKE'; valid: boolean } | { type: 'CHOKE' } | { type: 'UNCHOKE' } | { type: 'INTERESTED' } | { type: 'DONE' } | { type: 'STOP' } | { type: 'RETRY' },
  },
  guards: {
    validHandshake: ({ event }) => event.type === 'HANDSHAKE' && event.valid,
    canRetry: ({ context }) => context.retries < 1,
    isOk: ({ context }) => context.ok,
  },
  delays: { handshakeTimeout: 1000 },
  actions: {
    countRetry: assign({ retries: ({ context }) => context.retries + 1 }),
    markOk: assign({ ok: true }),
  },
  actors: { dial: fromPromise(async () => 'socket') },
}).createMachine({
  id: 'sample',
  description: 'A toy connection used to test the generator.',
  meta: { bep: 'BEP 3', events: { CONNECT: { description: 'Start dialling.', bep: 'BEP 3' } } },
  context: { retries: 0, ok: false },
  initial: 'idle',
  on: { STOP: { target: '.stopped', description: 'Stop from anywhere.' } },
  states: {
    idle: { description: 'Not connected.', on: { CONNECT: 'dialling' } },
    dialling: {
      invoke: { src: 'dial', onDone: 'handshaking', onError: 'stopped' },
    },
    handshaking: {
      description: 'Waiting for the peer handshake.',
      meta: { bep: 'BEP 3 §handshake' },
      on: {
        HANDSHAKE: [
          { guard: 'validHandshake', target: 'checking', actions: 'markOk', description: 'Handshake matches.' },
          { guard: and(['canRetry', not('validHandshake')]), actions: 'countRetry' },
        ],
        RETRY: { actions: 'markOk' },
      },
      after: { handshakeTimeout: 'stopped', 5000: 'stopped' },
    },
    checking: { always: [{ guard: 'isOk', target: 'connected' }, { target: 'stopped' }] },
    connected: {
      type: 'parallel',
      states: {
        choking: {
          initial: 'choked',
          states: { choked: { on: { UNCHOKE: 'unchoked' } }, unchoked: { on: { CHOKE: 'choked' } } },
        },
        interest: {
          initial: 'notInterested',
          states: {
            notInterested: { on: { INTERESTED: 'interested' } },
            interested: { on: { DONE: 'finished' } },
            finished: { type: 'final' },
            hist: { type: 'history', history: 'deep' },
          },
        },
      },
    },
    stopped: { type: 'final', description: 'Closed.' },
  },
});
