// How the rendered bootstrap reaches a new VM (issue 15). Evidence (docs/vpsie-api.md):
// - 'script': a stored VPSie script (POST /apps/v2/script/add) named by `scriptIdentifier` on the
//   create. The official SDK and Terraform provider both have this path: the best-supported one.
// - 'userData': base64 cloud-init in the create body. Only a fork sends it, and to /api/v2/vm; whether
//   /apps/v2/vm honours it is unproven (if not, no node ever joins and every launch churns).
// A stored script is a script (run by the VM's shell at first boot — a GUESS at the details), so a
// `#cloud-config` document cannot be delivered that way. 'auto' (the default) therefore picks 'script'
// for a template that renders to a shell script (`#!`) and 'userData' for anything else.

import { BOOTSTRAP_SCRIPT_SUFFIX } from './bootstrap-scripts.ts';

export const BOOTSTRAP_DELIVERY_MODES = ['auto', 'script', 'userData'] as const;
export type BootstrapDeliveryMode = (typeof BOOTSTRAP_DELIVERY_MODES)[number];

export type ResolvedDelivery = { mode: 'script' | 'userData' } | { mode: 'unsupported'; why: string };

export function isShellScript(rendered: string): boolean {
  return rendered.startsWith('#!');
}

export function resolveDelivery(mode: BootstrapDeliveryMode | undefined, rendered: string): ResolvedDelivery {
  const wanted = mode ?? 'auto';
  if (wanted === 'userData') return { mode: 'userData' };
  if (isShellScript(rendered)) return { mode: 'script' };
  if (wanted === 'auto') return { mode: 'userData' };
  return { mode: 'unsupported', why: 'delivery "script" needs a template that renders to a shell script (first line "#!..."); a #cloud-config document can only be sent as userData' };
}

/** The stored script's name: unique per launch (the add answers no identifier; it is found by name). */
export function bootstrapScriptName(hostname: string): string {
  return `${hostname}${BOOTSTRAP_SCRIPT_SUFFIX}`;
}
