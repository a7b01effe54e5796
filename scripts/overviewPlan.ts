/**
 * The hand-written part of diagrams/overview: what the machines cannot tell about themselves.
 * Which machine talks to which, and with what events, is derived (see overview.ts); how bytes
 * flow through streams/ is not visible in any machine, so it is written here, by file name.
 * A step naming a file that no longer exists is left out of the diagram and reported by
 * `npm run diagrams` and by test/diagrams/overview.test.ts: update this file when streams/ moves.
 */

/** The composition root, drawn above the machines (what goes in) and below them (what comes out). */
export const SESSION = {
  label: 'session (src/session)',
  inRole: 'starts the actors, provides their IO actors, turns network and disk IO into events',
  outRole: 'subscribes to emitted events and turns them into IO (dial, send, write, report)',
} as const;

/** Things outside the project's code that the data plane reads and writes. */
export const OUTSIDE = {
  socket: 'TCP socket (node:net)',
  disk: 'files on disk (src/storage)',
} as const;

/** One arrow of the data plane: from/to a streams/ file (no extension), `machine:<name>`, or an {@link OUTSIDE} key. */
export interface FlowStep {
  readonly from: string;
  readonly to: string;
  readonly label: string;
}

/** How bytes move, BEP 3 peer wire protocol: receive on the left, send back on the right. */
export const DATA_FLOW: readonly FlowStep[] = [
  { from: 'socket', to: 'wireSocket', label: 'bytes' },
  { from: 'wireSocket', to: 'frames', label: 'bytes to parse' },
  { from: 'frames', to: 'peerEvents', label: 'control messages' },
  { from: 'peerEvents', to: 'machine:peer', label: 'one event per control message; traffic coalesced' },
  { from: 'frames', to: 'peerTraffic', label: 'piece, request, cancel, reject' },
  { from: 'peerTraffic', to: 'downloadFlow', label: 'blocks' },
  { from: 'downloadFlow', to: 'disk', label: 'blocks; pieces hashed' },
  { from: 'peerTraffic', to: 'uploadFlow', label: 'requests' },
  { from: 'disk', to: 'uploadFlow', label: 'blocks read' },
  { from: 'uploadFlow', to: 'wireSocket', label: 'piece messages' },
];
