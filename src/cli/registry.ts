// `feature-registry` (also `npm run registry --`): definitions as code against a running registry service.
//   plan <file|dir> [--json]   what applying the manifest would change; exit 0: nothing, 2: something, 1: error
//   apply <file|dir> [--yes]   shows the plan, asks, applies exactly that plan; exit 0: applied, 1: not
//   export                     the registry's current state as a manifest (YAML)
//   client --consumer NAME --out FILE   a typed TypeScript client for a consumer's pins (src/client/generate.ts)
// It talks to the service over GraphQL only (--url / REGISTRY_URL, --key / REGISTRY_KEY): the service computes
// every plan, so the canonical form of a definition lives in one place.
import fs from 'node:fs/promises';
import readline from 'node:readline/promises';
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { generateClient, type ClientPin } from '../client/generate.js';
import type { DefinitionPlan } from '../registry/plan.js';
import type { EntryRef } from '../registry/manifest.js';
import { loadManifest, locate, ManifestFileError, type LoadedManifest } from './manifest-files.js';

/** Exit codes of `plan`, and of everything on error. */
const EXIT = { unchanged: 0, error: 1, changes: 2 } as const;

const PLAN_FIELDS = 'hash changes actions notes text';

interface Connection {
  url: string;
  key?: string;
}

/** A refusal from the service, or a service that cannot be reached: reported in one message, exit 1. */
class RegistryError extends Error {}

const program = new Command()
  .name('feature-registry')
  .description('Definitions as code for the feature registry: plan, apply and export manifests (DESIGN section 7).')
  .addOption(new Option('--url <url>', 'the registry service').env('REGISTRY_URL').default('http://localhost:4000'))
  .addOption(new Option('--key <key>', 'an API key (sent as a bearer token)').env('REGISTRY_KEY'))
  .showHelpAfterError('(feature-registry --help shows the commands)');

program
  .command('plan')
  .description('show what applying a manifest would change (exit 0: nothing, 2: something, 1: error)')
  .argument('<path>', 'a manifest file, or a directory whose *.yaml / *.yml files are read together')
  .option('--json', 'print the plan as JSON (hash, changes, actions, notes) for CI')
  .action(async (target: string, options: { json?: boolean }) => {
    const loaded = await loadManifest(target);
    const plan = await planOf(connection(), loaded);
    console.log(options.json ? JSON.stringify({ hash: plan.hash, changes: plan.changes, actions: plan.actions, notes: plan.notes }, null, 2) : plan.text);
    process.exitCode = plan.changes === 0 ? EXIT.unchanged : EXIT.changes;
  });

program
  .command('apply')
  .description('show the plan, ask, and apply exactly that plan in one transaction (exit 0: applied, 1: not)')
  .argument('<path>', 'a manifest file, or a directory whose *.yaml / *.yml files are read together')
  .option('--yes', 'apply without asking (needed when there is no terminal to ask on)')
  .action(async (target: string, options: { yes?: boolean }) => {
    const service = connection();
    const loaded = await loadManifest(target);
    const plan = await planOf(service, loaded);
    console.log(plan.text);
    if (plan.changes === 0) return;
    if (!options.yes && !(await confirm(`Apply these ${plan.changes} changes?`))) {
      console.error('Not applied.');
      process.exitCode = EXIT.error;
      return;
    }
    // The hash of the plan just shown: if the registry changed since, the service refuses and writes nothing.
    const applied = await request<{ applyDefinitions: DefinitionPlan }>(
      service,
      `mutation Apply($manifest: JSON!, $expectedPlan: String) { applyDefinitions(manifest: $manifest, expectedPlan: $expectedPlan) { ${PLAN_FIELDS} } }`,
      { manifest: loaded.manifest, expectedPlan: plan.hash },
      loaded,
    );
    console.log(`Applied ${applied.applyDefinitions.changes} change${applied.applyDefinitions.changes === 1 ? '' : 's'} (plan ${applied.applyDefinitions.hash}).`);
  });

program
  .command('export')
  .description("print the registry's current state as a manifest (YAML), to move an existing registry into git")
  .action(async () => {
    const service = connection();
    const { exportDefinitions } = await request<{ exportDefinitions: unknown }>(service, '{ exportDefinitions }', {});
    process.stdout.write(`# exported from ${service.url} at ${new Date().toISOString()}\n${stringify(exportDefinitions)}`);
  });

program
  .command('client')
  .description("write a typed TypeScript client for a consumer's pinned versions (one self-contained module, fetch only)")
  .requiredOption('--consumer <name>', 'the consumer (model service) the client reads as')
  .requiredOption('--out <file>', 'the .ts file to write')
  .action(async (options: { consumer: string; out: string }) => {
    const service = connection();
    const { consumer } = await request<{ consumer: ConsumerPins | null }>(
      service,
      'query Pins($name: String!) { consumer(name: $name) { name versions { ref valueType nullable definitionHash feature { name entity { name } } } } }',
      { name: options.consumer },
    );
    if (!consumer) throw new RegistryError(`consumer ${options.consumer} is not registered at ${service.url}`);
    if (consumer.versions.length === 0) throw new RegistryError(`consumer ${consumer.name} is pinned to no version: bind it (bindConsumer, or reads: in a manifest), then generate its client`);
    const pins: ClientPin[] = consumer.versions.map((v) => ({
      feature: v.feature.name,
      entity: v.feature.entity.name,
      ref: v.ref,
      valueType: v.valueType,
      nullable: v.nullable,
      definitionHash: v.definitionHash,
    }));
    await fs.writeFile(options.out, generateClient({ consumer: consumer.name, registry: service.url, pins }));
    console.log(`Wrote ${options.out}: a client for ${consumer.name} (${pins.map((p) => p.ref).join(', ')}).`);
  });

interface ConsumerPins {
  name: string;
  versions: (Omit<ClientPin, 'feature' | 'entity'> & { feature: { name: string; entity: { name: string } } })[];
}

function connection(): Connection {
  const { url, key } = program.opts<{ url: string; key?: string }>();
  return { url: url.replace(/\/+$/, '').replace(/\/graphql$/, ''), key: key || undefined };
}

function planOf(service: Connection, loaded: LoadedManifest): Promise<DefinitionPlan> {
  return request<{ planDefinitions: DefinitionPlan }>(
    service,
    `query Plan($manifest: JSON!) { planDefinitions(manifest: $manifest) { ${PLAN_FIELDS} } }`,
    { manifest: loaded.manifest },
    loaded,
  ).then((data) => data.planDefinitions);
}

/** One GraphQL operation; an error names the file and entry it concerns when the service says which entry. */
async function request<T>(service: Connection, query: string, variables: Record<string, unknown>, loaded?: LoadedManifest): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${service.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(service.key ? { authorization: `Bearer ${service.key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new RegistryError(`cannot reach the registry at ${service.url} (${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}): start it, or set --url / REGISTRY_URL`);
  }
  const body = (await response.json().catch(() => undefined)) as
    | { data?: T; errors?: { message: string; extensions?: { code?: string; entry?: EntryRef; problem?: string } }[] }
    | undefined;
  if (!body) throw new RegistryError(`${service.url}/graphql answered HTTP ${response.status} without a GraphQL response: is --url the registry?`);
  const [error] = body.errors ?? [];
  if (error) {
    const { code, entry, problem } = error.extensions ?? {};
    const message = entry && loaded && problem ? `${locate(loaded, entry)}: ${problem}` : error.message;
    throw new RegistryError(`${code ?? 'ERROR'}: ${message}`);
  }
  return body.data!;
}

/** Asks on the terminal; without one (CI, a pipe) it refuses rather than wait for an answer that never comes. */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new RegistryError('there is no terminal to ask for confirmation: review the plan, then run apply with --yes');
  }
  const prompt = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

try {
  await program.parseAsync();
} catch (error) {
  if (!(error instanceof RegistryError || error instanceof ManifestFileError)) throw error;
  console.error(`error: ${error.message}`);
  process.exitCode = EXIT.error;
}
