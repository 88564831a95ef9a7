import { dirname, join, normalize, sep } from 'node:path';
import ts from 'typescript';
import type { Violation } from './import-rules.ts';

// Import cycles across the project's TypeScript files (static imports, re-exports and dynamic
// import()), one violation per cycle. A cycle makes evaluation order matter: a module can run
// before the one it needs has finished (the old "IMPORTANT: no top-level await" note between
// forwarder/command.ts and main.ts). `import type` / `export type` are erased (verbatimModuleSyntax)
// and do not count; `import { type X }` stays a runtime import under verbatimModuleSyntax, so it does.

export interface ImportEdge {
  target: string;
  line: number;
  specifier: string;
}

/** The project files a file imports at runtime. `file` is project-relative with '/' separators. */
export function runtimeImports(file: string, source: string, exists: (path: string) => boolean): ImportEdge[] {
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (node: ts.Node, literal: ts.Expression | undefined) => {
    if (!literal || !ts.isStringLiteralLike(literal) || !literal.text.startsWith('.')) return;
    const target = resolve(file, literal.text, exists);
    if (target) edges.push({ target, specifier: literal.text, line: sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      if (!node.importClause?.isTypeOnly) add(node, node.moduleSpecifier);
    } else if (ts.isExportDeclaration(node)) {
      if (!node.isTypeOnly) add(node, node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node)) {
      if (!node.isTypeOnly && ts.isExternalModuleReference(node.moduleReference)) add(node, node.moduleReference.expression);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return edges;
}

function resolve(file: string, specifier: string, exists: (path: string) => boolean): string | undefined {
  const base = normalize(join(dirname(file), specifier)).split(sep).join('/');
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => c.endsWith('.ts') && exists(c));
}

/** One violation per import cycle, at the import that closes it, naming every file on the way. */
export function findImportCycles(graph: ReadonlyMap<string, readonly ImportEdge[]>): Violation[] {
  const violations: Violation[] = [];
  for (const component of stronglyConnected(graph)) {
    const members = new Set(component);
    const start = [...members].sort()[0]!;
    const cycle = cycleThrough(start, members, graph);
    if (!cycle) continue;
    const closing = cycle.edges[cycle.edges.length - 1]!;
    const from = cycle.files[cycle.files.length - 1]!;
    const path = [...cycle.files, start].join(' → ');
    const more = members.size > cycle.files.length ? ` (${members.size} files import each other in all)` : '';
    violations.push({ file: from, line: closing.line, specifier: closing.specifier, rule: `import cycle: ${path}${more}` });
  }
  return violations.sort((a, b) => a.file.localeCompare(b.file));
}

/** Tarjan's algorithm, iterative; components of one file count only if the file imports itself. */
function stronglyConnected(graph: ReadonlyMap<string, readonly ImportEdge[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  for (const root of [...graph.keys()].sort()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; edge: number }> = [{ node: root, edge: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const target = edges[frame.edge++]!.target;
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, edge: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      const selfImport = (graph.get(frame.node) ?? []).some((e) => e.target === frame.node);
      if (component.length > 1 || selfImport) components.push(component);
    }
  }
  return components;
}

/** The shortest way from `start` back to itself inside the component (breadth first). */
function cycleThrough(start: string, members: ReadonlySet<string>, graph: ReadonlyMap<string, readonly ImportEdge[]>): { files: string[]; edges: ImportEdge[] } | undefined {
  const previous = new Map<string, { from: string; edge: ImportEdge }>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const edge of graph.get(node) ?? []) {
      if (!members.has(edge.target)) continue;
      if (edge.target === start) {
        const files = [node];
        const edges = [edge];
        for (let at = node; at !== start;) {
          const step = previous.get(at)!;
          files.unshift(step.from);
          edges.unshift(step.edge);
          at = step.from;
        }
        return { files, edges };
      }
      if (edge.target !== start && !previous.has(edge.target)) {
        previous.set(edge.target, { from: node, edge });
        queue.push(edge.target);
      }
    }
  }
  return undefined;
}
