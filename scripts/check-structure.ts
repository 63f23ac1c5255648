// The structure check run by `npm test` before the tests (issue 11): every dependency in src/ points one way.
// It fails, listing every violation, when
//   - files of src/ import each other in a cycle;
//   - the folders of src/ import each other in a cycle (files directly in src/ count as the folder "root");
//   - a domain folder imports a transport (GraphQL, Express, Apollo, an HTTP server, the server or the
//     configuration: the domain receives its settings as parameters);
//   - a hand-written source file is longer than 400 lines.
// Type-only imports count: a type is a dependency of the design even when it costs nothing at run time.
// Written with the TypeScript compiler's own import scanner (already installed) rather than dependency-cruiser:
// these four rules take fewer lines here than its configuration would, and need no second resolver.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const MAX_LINES = 400;
/** Written by `npm run codegen`, not by hand. */
const GENERATED = new Set(['graphql/generated.ts']);
const DOMAIN = new Set(['core', 'db', 'auth', 'registry', 'online', 'hotkeys', 'monitoring']);
/** Packages that serve requests: the domain knows nothing of them. */
const TRANSPORT_PACKAGES = /^(graphql|graphql-[\w-]+|express|@apollo\/.*|@as-integrations\/.*|@graphql-[\w-]+\/.*|(node:)?https?)$/;
/** Files of src/ that are transport or assembly: the domain imports none of them. */
const TRANSPORT_FILES = /^(graphql\/|server\.ts$|app\.ts$|services\.ts$|main\.ts$|config\.ts$)/;

/** Every .ts file under src/, as a path relative to it with forward slashes. */
function sourceFiles(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [path.relative(SRC, full).split(path.sep).join('/')] : [];
  });
}

const folderOf = (file: string): string => (file.includes('/') ? file.slice(0, file.indexOf('/')) : 'root');

/** The strongly connected components with more than one member (or a member importing itself): the cycles. */
function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (stack.includes(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || graph.get(node)?.has(node)) found.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}

/** The edges inside one cycle, as `a → b` lines, so that the message says which imports to undo. */
function edgesWithin(component: readonly string[], graph: ReadonlyMap<string, ReadonlySet<string>>, label: (from: string, to: string) => string): string[] {
  const members = new Set(component);
  return component.flatMap((from) => [...(graph.get(from) ?? [])].filter((to) => members.has(to) && to !== from).sort().map((to) => label(from, to)));
}

const files = sourceFiles().sort();
const fileGraph = new Map<string, Set<string>>();
const folderGraph = new Map<string, Set<string>>();
/** folder → folder → the file imports behind that edge */
const folderEdgeFiles = new Map<string, string[]>();
const problems: string[] = [];

for (const file of files) {
  const text = fs.readFileSync(path.join(SRC, file), 'utf8');
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > MAX_LINES && !GENERATED.has(file)) problems.push(`size: src/${file} has ${lines} lines (at most ${MAX_LINES}): split it along its seams`);
  const imports = fileGraph.set(file, new Set()).get(file)!;
  for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
    const from = folderOf(file);
    if (!specifier.startsWith('.')) {
      if (DOMAIN.has(from) && TRANSPORT_PACKAGES.test(specifier)) problems.push(`transport: src/${file} (domain folder ${from}) imports ${specifier}`);
      continue;
    }
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
    if (!fileGraph.has(target) && !files.includes(target)) continue; // not a source file (schema, migrations)
    imports.add(target);
    const to = folderOf(target);
    if (DOMAIN.has(from) && TRANSPORT_FILES.test(target)) problems.push(`transport: src/${file} (domain folder ${from}) imports src/${target}`);
    if (from === to) continue;
    (folderGraph.get(from) ?? folderGraph.set(from, new Set()).get(from)!).add(to);
    const key = `${from}→${to}`;
    (folderEdgeFiles.get(key) ?? folderEdgeFiles.set(key, []).get(key)!).push(`src/${file} → src/${target}`);
  }
}

for (const component of cycles(fileGraph)) {
  problems.push(`file cycle: ${component.map((f) => `src/${f}`).join(', ')}\n      ${edgesWithin(component, fileGraph, (a, b) => `src/${a} → src/${b}`).join('\n      ')}`);
}
for (const component of cycles(folderGraph)) {
  const imports = edgesWithin(component, folderGraph, (a, b) => `${a} → ${b}: ${folderEdgeFiles.get(`${a}→${b}`)!.join(', ')}`);
  problems.push(`folder cycle: ${component.join(' ⇄ ')}\n      ${imports.join('\n      ')}`);
}

if (problems.length > 0) {
  console.error(`structure check: ${problems.length} problem${problems.length === 1 ? '' : 's'} in src/\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
console.log(`structure check: ${files.length} files of src/, no import cycle, folders one-way, no transport in the domain, none over ${MAX_LINES} lines`);
