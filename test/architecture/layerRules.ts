/**
 * The project's dependency rules (brief, "Layout"), checked on source text with the TypeScript
 * parser: every import (static, `export … from`, `import type`, `import('…')` types and calls,
 * `require`) is resolved to a layer, and an import that points the wrong way is a violation.
 * Machines are also searched for IO and ambient clocks/randomness, which must come in as
 * provided actors, named delays, input or events instead.
 */
import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import ts from 'typescript';

/** Where a file sits; `package` and `builtin` are import targets only. */
export type Layer = 'core' | 'trace' | 'entry' | 'session' | 'cli' | 'machines' | 'streams' | 'package' | 'builtin';

/** One source file, path relative to the repository root with `/` separators. */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

/** A rule broken at one place. */
export interface Violation {
  readonly file: string;
  /** The resolved target file, package or API named by the rule. */
  readonly target: string;
  readonly rule: string;
}

/**
 * Layer of a repository path. Cores are src/* except the composition root (src/session), the
 * CLI, the trace tools (which replay machines, so may import them) and the package entry
 * src/index.ts (which re-exports the session for embedders).
 */
export function layerOf(path: string): Layer | undefined {
  if (path.startsWith('machines/')) return 'machines';
  if (path.startsWith('streams/')) return 'streams';
  if (path === 'src/index.ts') return 'entry';
  if (path.startsWith('src/session/')) return 'session';
  if (path.startsWith('src/cli/')) return 'cli';
  if (path.startsWith('src/trace/')) return 'trace';
  if (path.startsWith('src/')) return 'core';
  return undefined;
}

/** Which layers each layer may import (packages are checked separately). */
const allowed: Readonly<Record<Layer, readonly Layer[]>> = {
  core: ['core'],
  machines: ['core', 'machines'],
  streams: ['core', 'machines', 'streams'],
  trace: ['core', 'machines', 'trace'],
  session: ['core', 'machines', 'streams', 'trace', 'session'],
  entry: ['core', 'machines', 'streams', 'trace', 'session', 'entry'],
  cli: ['core', 'machines', 'streams', 'trace', 'session', 'entry', 'cli'],
  package: [],
  builtin: [],
};

/** The only package a machine may import: machines are pure decisions over cores. */
const machinePackages = new Set(['xstate']);

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Ambient time, timers and randomness: in a machine they break replay and simulated clocks. */
const forbiddenInMachines = {
  identifiers: new Set(['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate']),
  members: new Set(['Date.now', 'Math.random', 'performance.now', 'crypto.getRandomValues', 'crypto.randomUUID']),
};

/** Every module specifier a file references (`<computed import>` for a non-literal one). */
export function importsOf(file: SourceFile): string[] {
  const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      out.push(node.moduleReference.expression.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push(node.argument.literal.text);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      const [arg] = node.arguments;
      // a computed specifier cannot be checked statically: report it so it is looked at
      out.push(arg !== undefined && ts.isStringLiteralLike(arg) ? arg.text : '<computed import>');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Ambient clocks, timers and randomness used in a file (identifiers and `Object.member` reads). */
export function ambientEffectsOf(file: SourceFile): string[] {
  const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const member = `${node.expression.text}.${node.name.text}`;
      if (forbiddenInMachines.members.has(member)) out.push(member);
      if (node.expression.text === 'globalThis' && forbiddenInMachines.identifiers.has(node.name.text)) out.push(member);
    } else if (ts.isIdentifier(node) && forbiddenInMachines.identifiers.has(node.text)) {
      // a property name (`x.setTimeout`) is not the global; a bare identifier is
      const parent = node.parent;
      if (!(ts.isPropertyAccessExpression(parent) && parent.name === node) && !ts.isPropertyAssignment(parent)) out.push(node.text);
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date' && (node.arguments?.length ?? 0) === 0) {
      out.push('new Date()');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Resolves a specifier from `from` to a repository path (`.js` → `.ts`), a package or a builtin. */
export function resolveImport(from: string, specifier: string): { layer: Layer; target: string } {
  if (builtins.has(specifier)) return { layer: 'builtin', target: specifier };
  if (!specifier.startsWith('.')) {
    const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
    return { layer: 'package', target: name };
  }
  const joined = posix.normalize(posix.join(posix.dirname(from), specifier));
  const target = joined.replace(/\.js$/, '.ts');
  return { layer: layerOf(target) ?? 'package', target };
}

/** Every rule broken by `files`. */
export function layerViolations(files: readonly SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    const from = layerOf(file.path);
    if (from === undefined) continue;
    for (const specifier of importsOf(file)) {
      if (specifier === '<computed import>') {
        violations.push({ file: file.path, target: specifier, rule: 'imports must name their module literally, so layers can be checked' });
        continue;
      }
      const { layer, target } = resolveImport(file.path, specifier);
      if (layer === 'package' || layer === 'builtin') {
        if (from === 'machines' && !machinePackages.has(target)) {
          violations.push({ file: file.path, target, rule: 'machines import only cores and xstate (no net, fs, dgram, timers or other packages)' });
        }
        continue;
      }
      if (!allowed[from].includes(layer)) violations.push({ file: file.path, target, rule: `${from} must not import ${layer}` });
    }
    if (from === 'machines') {
      for (const use of ambientEffectsOf(file)) {
        violations.push({ file: file.path, target: use, rule: 'machines get time and randomness as provided actors, named delays, input or events' });
      }
    }
  }
  return violations;
}
