// A plan as a readable table, for people reviewing it (the CLI prints it; CI reads the JSON actions instead):
// one row per action with a sign (+ new, - removed, ~ changed), what, which and how; a new version's reasons
// and the consumers pinned to the live version under it; then what the plan leaves waiting, and its hash.
import type { From, PlanAction } from './plan-actions.js';

const SIGN: Record<PlanAction['action'], string> = {
  registerEntity: '+',
  registerVersion: '+',
  registerProducer: '+',
  registerConsumer: '+',
  bindProducer: '+',
  unbindProducer: '-',
  describeEntity: '~',
  describeProducer: '~',
  describeConsumer: '~',
  pinConsumer: '~',
};

/** One row per action (a sign, what, which, how), the reasons of a new version under it, then the notes. */
export function planText(actions: PlanAction[], notes: string[], hash: string): string {
  const rows: [string, string, string, string][] = [];
  const under: Map<number, string[]> = new Map();
  for (const a of actions) {
    const sign = SIGN[a.action];
    switch (a.action) {
      case 'registerEntity':
        rows.push([sign, 'entity', a.entity, `key ${a.keyName}${a.owner ? `, owner ${a.owner}` : ''}`]);
        break;
      case 'describeEntity':
        rows.push([sign, 'entity', a.entity, describeChanges({ description: a.description, owner: a.owner })]);
        break;
      case 'registerVersion': {
        const d = a.definition;
        const shape = `${d.valueType}${d.window ? `, window ${d.window}` : ''}, maxAge ${d.maxAge}`;
        const against = a.comparedWith ? `, ${a.compatibility} against ${a.comparedWith}` : '';
        rows.push([sign, 'version', a.ref, `${a.status}, ${shape}${against}`]);
        const lines = a.reasons.map((r) => `  ${r}`);
        if (a.comparedWith) lines.push(`  consumers pinned to ${a.comparedWith}: ${a.pinnedConsumers.join(', ') || 'none'}`);
        under.set(rows.length - 1, lines);
        break;
      }
      case 'registerProducer':
      case 'registerConsumer':
        rows.push([sign, a.action === 'registerProducer' ? 'producer' : 'consumer', a.name, `owner ${a.owner}`]);
        break;
      case 'describeProducer':
      case 'describeConsumer':
        rows.push([sign, a.action === 'describeProducer' ? 'producer' : 'consumer', a.name, describeChanges({ description: a.description })]);
        break;
      case 'bindProducer':
        rows.push([sign, 'bind', a.producer, `writes ${a.refs.join(', ')}`]);
        break;
      case 'unbindProducer':
        rows.push([sign, 'unbind', a.producer, `no longer writes ${a.refs.join(', ')}`]);
        break;
      case 'pinConsumer':
        rows.push([sign, 'pin', a.consumer, `${a.from ?? '(none)'} → ${a.to}`]);
        break;
    }
  }
  const widths = [0, 1, 2].map((i) => Math.max(0, ...rows.map((r) => r[i]!.length)));
  const lines = [actions.length === 0 ? 'No changes: the registry matches the manifest.' : `Plan: ${actions.length} change${actions.length === 1 ? '' : 's'}`];
  rows.forEach((row, i) => {
    lines.push(`  ${row.slice(0, 3).map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}  ${row[3]}`);
    for (const line of under.get(i) ?? []) lines.push(`${' '.repeat(widths[0]! + widths[1]! + 6)}${line}`);
  });
  if (notes.length > 0) lines.push('', 'Waiting:', ...notes.map((n) => `  - ${n}`));
  lines.push('', `plan ${hash}`);
  return lines.join('\n');
}

function describeChanges(changes: Record<string, From<string | null> | undefined>): string {
  return Object.entries(changes)
    .filter(([, c]) => c !== undefined)
    .map(([field, c]) => `${field} ${JSON.stringify(c!.from)} → ${JSON.stringify(c!.to)}`)
    .join(', ');
}

