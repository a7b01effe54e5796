/**
 * What a machine's source says about the events it exchanges, read from its syntax tree with the
 * TypeScript parser (no type checking, so it is quick): the event types it emits to whoever
 * subscribes (`emit(…)`, `enqueue.emit(…)`) and those it sends to other actors (`sendTo(…)`,
 * `enqueue.sendTo(…)`, `sendParent(…)`). The machine objects cannot tell: both live inside
 * action functions.
 */
import ts from 'typescript';

/** Event types named in one source file. */
export interface SourceFacts {
  /** `type` of every event object given to `emit`, sorted, without duplicates. */
  readonly emits: readonly string[];
  /** `type` of every event object given to `sendTo` / `sendParent`, sorted, without duplicates. */
  readonly sends: readonly string[];
}

/** Reads {@link SourceFacts} from TypeScript source text. */
export function sourceFacts(fileName: string, text: string): SourceFacts {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const emits = new Set<string>();
  const sends = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = calleeName(node.expression);
      // sendTo(target, event): the event is the second argument; sendParent(event), emit(event).
      const eventArg = callee === 'sendTo' ? node.arguments[1] : callee === 'emit' || callee === 'sendParent' ? node.arguments[0] : undefined;
      if (eventArg !== undefined) {
        const type = eventTypeOf(eventArg, file);
        if (type !== undefined) (callee === 'emit' ? emits : sends).add(type);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { emits: [...emits].sort(), sends: [...sends].sort() };
}

/** `emit` for `emit(…)` and `enqueue.emit(…)`. */
function calleeName(e: ts.Expression): string | undefined {
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

/**
 * The `type` of an event expression: an object literal (`{ type: 'X' }`, possibly `as …`), a
 * function returning one (`({ event }) => ({ type: 'X' })`), or a call of a function declared in
 * the same file that returns one (`closeEvent('…')`).
 */
function eventTypeOf(e: ts.Node, file: ts.SourceFile, depth = 0): string | undefined {
  if (depth > 4) return undefined;
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e)) {
    return eventTypeOf(e.expression, file, depth + 1);
  }
  if (ts.isObjectLiteralExpression(e)) {
    for (const p of e.properties) {
      if (ts.isPropertyAssignment(p) && propertyName(p.name) === 'type') return stringOf(p.initializer);
    }
    return undefined;
  }
  if (ts.isArrowFunction(e) || ts.isFunctionExpression(e) || ts.isFunctionDeclaration(e)) {
    const body = e.body;
    if (body === undefined) return undefined;
    if (!ts.isBlock(body)) return eventTypeOf(body, file, depth + 1);
    let found: string | undefined;
    const visit = (n: ts.Node): void => {
      if (found !== undefined || (n !== body && ts.isFunctionLike(n))) return;
      if (ts.isReturnStatement(n) && n.expression !== undefined) found = eventTypeOf(n.expression, file, depth + 1);
      else ts.forEachChild(n, visit);
    };
    visit(body);
    return found;
  }
  if (ts.isCallExpression(e) && ts.isIdentifier(e.expression)) {
    const declared = declarationOf(e.expression.text, file);
    return declared === undefined ? undefined : eventTypeOf(declared, file, depth + 1);
  }
  return undefined;
}

/** A top-level `const name = …` initializer or `function name` declaration. */
function declarationOf(name: string, file: ts.SourceFile): ts.Node | undefined {
  for (const s of file.statements) {
    if (ts.isFunctionDeclaration(s) && s.name?.text === name) return s;
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer !== undefined) return d.initializer;
      }
    }
  }
  return undefined;
}

function propertyName(n: ts.PropertyName): string | undefined {
  return ts.isIdentifier(n) || ts.isStringLiteral(n) ? n.text : undefined;
}

function stringOf(e: ts.Expression): string | undefined {
  if (ts.isAsExpression(e) || ts.isParenthesizedExpression(e)) return stringOf(e.expression);
  return ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) ? e.text : undefined;
}
