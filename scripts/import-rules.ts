import { dirname, join, normalize, relative, sep } from 'node:path';
import ts from 'typescript';

// The architecture as import rules (CONVENTIONS.md "Imports tell the architecture"). Pure: takes a
// file's path and text, returns the violations; scripts/lint-imports.ts walks the tree.

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  rule: string;
}

/** Packages that do I/O or keep time: the planning core takes data and returns data. */
const PLANNING_FORBIDDEN_PACKAGES = [
  /^(node:)?(fs|fs\/promises|http|https|http2|net|dgram|child_process|cluster|worker_threads|dns|tls|readline)$/,
  /^pino/, /^@aws-sdk\//, /^@kubernetes\/client-node/, /^axios/, /^hono/, /^@hono\//, /^prom-client/, /^dynalite/,
];

export function isTestFile(file: string): boolean {
  return /\.test\.ts$/.test(file);
}

function area(path: string): string {
  const [top = '', second = ''] = path.split('/');
  return top === 'functions' && second === 'planning' ? 'functions/planning' : top;
}

const under = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

/** The rule a project-relative import from `file` to `target` breaks, if any. */
function projectRule(file: string, target: string): string | undefined {
  const from = area(file);
  const test = isTestFile(file);
  const shipped = ['shared', 'functions', 'functions/planning', 'forwarder'];
  if (from === 'shared' && ['forwarder', 'functions', 'cli', 'scripts'].some((f) => under(target, f))) {
    return 'shared/ imports nothing from forwarder/, functions/, cli/ or scripts/';
  }
  if (from === 'functions/planning' && !under(target, 'shared') && !under(target, 'functions/planning') && !(test && under(target, 'test'))) {
    return 'functions/planning/ imports only shared/ and functions/planning/';
  }
  if (from === 'functions/planning' && !test && target === 'shared/logger.ts') {
    return 'functions/planning/ does not log: return decisions as data';
  }
  if ((from === 'functions' || from === 'functions/planning') && under(target, 'forwarder')) return 'functions/ never imports forwarder/';
  if (from === 'forwarder' && under(target, 'functions')) return 'forwarder/ never imports functions/';
  if (shipped.includes(from) && under(target, 'test') && !test) {
    return `${from}/ does not import test/ (fakes and fixtures live in test/; only *.test.ts files beside the code may use them)`;
  }
  if (shipped.includes(from) && (under(target, 'cli') || under(target, 'scripts'))) return `${from}/ does not import cli/ or scripts/`;
  return undefined;
}

function packageRule(file: string, specifier: string): string | undefined {
  if (area(file) === 'functions/planning' && !isTestFile(file) && PLANNING_FORBIDDEN_PACKAGES.some((p) => p.test(specifier))) {
    return 'functions/planning/ is pure: no I/O, network, logger or SDK packages';
  }
  return undefined;
}

/** Violations in one file. `file` is relative to the project root, with '/' separators. */
export function checkImports(file: string, source: string): Violation[] {
  const info = ts.preProcessFile(source, true, true);
  const violations: Violation[] = [];
  for (const ref of info.importedFiles) {
    const specifier = ref.fileName;
    const line = source.slice(0, ref.pos).split('\n').length;
    let rule: string | undefined;
    if (specifier.startsWith('.')) {
      const target = normalize(join(dirname(file), specifier)).split(sep).join('/');
      rule = target.startsWith('..') ? 'imports must stay inside the project' : projectRule(file, target);
    } else {
      rule = packageRule(file, specifier);
    }
    if (rule) violations.push({ file, line, specifier, rule });
  }
  return violations;
}

export function formatViolation(v: Violation): string {
  return `${v.file}:${v.line}: import '${v.specifier}': ${v.rule}`;
}

export function projectPath(root: string, absolute: string): string {
  return relative(root, absolute).split(sep).join('/');
}
