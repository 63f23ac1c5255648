// Reading a manifest from disk for the registry CLI: one YAML file, or a directory whose *.yaml / *.yml files
// are read together (a directory means the same as its entries in one file). Only YAML syntax and what is
// needed to put files together are checked here; what the entries mean is the service's to check, and its
// messages name an entry by section and index, which `locate` turns back into a file and that file's index.
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { MANIFEST_SECTIONS, type EntryRef, type ManifestSection } from '../registry/manifest.js';

/** A problem with the files themselves: the message says which file, and where in it. */
export class ManifestFileError extends Error {}

export interface LoadedManifest {
  /** The entries of every file, section by section, as the service receives them. */
  manifest: Record<ManifestSection, unknown[]>;
  /** For each entry of `manifest`, the file it came from and its index there. */
  sources: Record<ManifestSection, { file: string; index: number }[]>;
  files: string[];
}

export async function loadManifest(target: string): Promise<LoadedManifest> {
  const files = await manifestFiles(target);
  const manifest = Object.fromEntries(MANIFEST_SECTIONS.map((s) => [s, []])) as unknown as LoadedManifest['manifest'];
  const sources = Object.fromEntries(MANIFEST_SECTIONS.map((s) => [s, []])) as unknown as LoadedManifest['sources'];
  for (const file of files) {
    const content = parseYaml(file, await fs.readFile(file, 'utf8'));
    for (const section of MANIFEST_SECTIONS) {
      const entries = content[section] ?? [];
      if (!Array.isArray(entries)) throw new ManifestFileError(`${file}: ${section} must be a list of entries`);
      entries.forEach((entry, index) => {
        manifest[section].push(entry);
        sources[section].push({ file, index });
      });
    }
  }
  return { manifest, sources, files };
}

/** `file: features[0] (click_rate_7d)` for an entry the service named by its place in the whole manifest. */
export function locate(loaded: LoadedManifest, entry: EntryRef): string {
  const source = loaded.sources[entry.section]?.[entry.index];
  const label = `${entry.section}[${source?.index ?? entry.index}] (${entry.name})`;
  return source ? `${source.file}: ${label}` : label;
}

/** The file itself, or the *.yaml / *.yml files of a directory (not its subdirectories), in name order. */
async function manifestFiles(target: string): Promise<string[]> {
  const stat = await fs.stat(target).catch(() => {
    throw new ManifestFileError(`${target}: no such file or directory`);
  });
  if (!stat.isDirectory()) return [target];
  const names = (await fs.readdir(target, { withFileTypes: true }))
    .filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name))
    .map((e) => e.name)
    .sort();
  if (names.length === 0) throw new ManifestFileError(`${target}: no *.yaml or *.yml files in this directory`);
  return names.map((name) => path.join(target, name));
}

/** One YAML document whose top level is a mapping of manifest sections (an empty file is an empty manifest). */
function parseYaml(file: string, text: string): Record<string, unknown> {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ManifestFileError(document.errors.map((error) => {
      const at = error.linePos?.[0];
      const [first, ...excerpt] = error.message.split('\n');
      const where = at ? `${file}:${at.line}:${at.col}` : file;
      return [`${where}: ${first!.replace(/ at line \d+, column \d+:?$/, '')}`, ...excerpt].join('\n').trimEnd();
    }).join('\n'));
  }
  const content: unknown = document.toJS({ maxAliasCount: 100 });
  if (content === null || content === undefined) return {};
  if (typeof content !== 'object' || Array.isArray(content)) {
    throw new ManifestFileError(`${file}: the top level must be a mapping with the keys ${MANIFEST_SECTIONS.join(', ')}`);
  }
  const unknown = Object.keys(content).filter((key) => !(MANIFEST_SECTIONS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    const line = document.contents && 'items' in document.contents ? lineOfKey(document, text, unknown[0]!) : undefined;
    throw new ManifestFileError(`${file}${line ? `:${line}` : ''}: unknown top-level key ${JSON.stringify(unknown[0])}: a manifest has ${MANIFEST_SECTIONS.join(', ')}`);
  }
  return content as Record<string, unknown>;
}

/** The line of a top-level key, for a message that points at it. */
function lineOfKey(document: ReturnType<typeof parseDocument>, text: string, key: string): number | undefined {
  const items = (document.contents as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] }).items ?? [];
  const offset = items.find((item) => item.key?.value === key)?.key?.range?.[0];
  return offset === undefined ? undefined : text.slice(0, offset).split('\n').length;
}
