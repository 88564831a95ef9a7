import { MAX_COMMAND_MESSAGE, type Command, type Decision } from '../../shared/plan-message.ts';
import type { Offering } from '../../shared/snapshot.ts';

// Names beside ids where people read: a VPSie plan identifier (a UUID on the real API) in a command's
// message (Events, the forwarder's log) or a decision's message (the audit trail, `plan`) becomes
// "<nickname> (<identifier>)". Structured fields keep the bare identifier; a decision that names an
// offering in its details gets `offeringName` beside it.

/** Identifier → nickname, for offerings whose nickname differs from their identifier. */
export function offeringNames(offerings: readonly Offering[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const o of offerings) if (o.nickname !== '' && o.nickname !== o.identifier) names.set(o.identifier, o.nickname);
  return names;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces every whole-word identifier in `text` by "<nickname> (<identifier>)". */
export function nameOfferings(text: string, names: ReadonlyMap<string, string>): string {
  if (names.size === 0) return text;
  const ids = [...names.keys()].filter((id) => text.includes(id));
  if (ids.length === 0) return text;
  // Longest first, so an identifier that contains another is replaced whole.
  ids.sort((a, b) => b.length - a.length);
  const pattern = new RegExp(`(?<![\\w-])(${ids.map(escape).join('|')})(?![\\w-])`, 'g');
  return text.replace(pattern, (id) => `${names.get(id)} (${id})`);
}

function bounded(text: string): string {
  return text.length > MAX_COMMAND_MESSAGE ? `${text.slice(0, MAX_COMMAND_MESSAGE - 3)}...` : text;
}

/** In place: the plan's commands and decisions, after every phase has run (ids are already fixed). */
export function nameOfferingsInPlan(commands: Command[], decisions: Decision[], offerings: readonly Offering[]): void {
  const names = offeringNames(offerings);
  if (names.size === 0) return;
  for (const command of commands) command.message = bounded(nameOfferings(command.message, names));
  for (const decision of decisions) {
    decision.message = nameOfferings(decision.message, names);
    const offering = decision.details?.offering;
    if (typeof offering === 'string' && names.has(offering)) decision.details!.offeringName = names.get(offering)!;
  }
}
