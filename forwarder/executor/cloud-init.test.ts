import { describe, expect, it } from 'vitest';
import { parseNodeGroupSpec } from '../../shared/nodegroup.ts';
import { launchTemplateHash } from '../../shared/launch-template.ts';
import { ensureKubeletFlags, PLACEHOLDERS, renderTemplate, TemplateError, type Placeholder } from './cloud-init.ts';
import { STARTUP_TAINT } from '../../shared/labels.ts';
import { kubeletSettingsFromUserData } from '../../test/vpsie-sim/user-data.ts';
import { kubeletFlags } from './kubelet-flags.ts';
import { templateValues } from './template-values.ts';

const values = Object.fromEntries(PLACEHOLDERS.map((p) => [p, `<${p}>`])) as Record<Placeholder, string>;

describe('renderTemplate', () => {
  it('substitutes every known placeholder, spaces inside braces allowed', () => {
    expect(renderTemplate('join {{apiServer}} --token {{ token }} --name {{hostname}}', values)).toBe('join <apiServer> --token <token> --name <hostname>');
  });

  it('refuses unknown placeholders, naming them', () => {
    expect(() => renderTemplate('a {{hostnme}} b {{tokn}}', values)).toThrow(TemplateError);
    expect(() => renderTemplate('a {{hostnme}}', values)).toThrow(/\{\{hostnme\}\}/);
  });

  it('leaves comment lines alone', () => {
    expect(renderTemplate('#cloud-config\n# fills the {{placeholders}} for {{hostname}}\nhostname: {{hostname}}', values))
      .toBe('#cloud-config\n# fills the {{placeholders}} for <hostname>\nhostname: <hostname>');
  });

  it('appends the kubelet flags as a comment when the template does not place them', () => {
    expect(ensureKubeletFlags('#!/bin/sh\necho hi', '--node-labels=a=b')).toEqual({ userData: '#!/bin/sh\necho hi\n# vpsie-autoscaler kubelet flags: --node-labels=a=b\n', appended: true });
    expect(ensureKubeletFlags('kubelet --node-labels=a=b', '--node-labels=a=b').appended).toBe(false);
  });
});

describe('kubeletFlags', () => {
  it('derives labels, taints, reservations and max pods from the group', () => {
    const spec = parseNodeGroupSpec({
      maxNodes: 3, datacenterID: 'dc', offeringIDs: ['small'], osImageID: 'os',
      labels: { tier: 'web' }, taints: [{ key: 'gpu', effect: 'NoSchedule' }, { key: 'team', value: 'a', effect: 'PreferNoSchedule' }],
      kubelet: { maxPods: 30, kubeReserved: { cpu: '200m' }, systemReserved: { memory: '1Gi' }, evictionHard: { 'memory.available': '200Mi' } },
    });
    const flags = kubeletFlags('workers', spec, 'small');
    expect(flags.args).toBe([
      `--node-labels=topology.kubernetes.io/region=dc,topology.kubernetes.io/zone=dc,tier=web,autoscaler.vpsie.com/nodegroup=workers,node.kubernetes.io/instance-type=small,autoscaler.vpsie.com/offering=small,autoscaler.vpsie.com/launch-template=${launchTemplateHash(spec)}`,
      '--register-with-taints=gpu:NoSchedule,team=a:PreferNoSchedule',
      '--kube-reserved=cpu=200m',
      '--system-reserved=memory=1Gi',
      '--eviction-hard=memory.available<200Mi',
      '--max-pods=30',
    ].join(' '));
  });

  it('names the instance type by the plan\'s nickname, keeps the identifier in the offering label, and leaves out a datacenter that is no label value', () => {
    const spec = parseNodeGroupSpec({ maxNodes: 3, datacenterID: '55f06b85-c9ee-11ed-9b6b-0050569c68dc', offeringIDs: ['9f2c-uuid'], osImageID: 'os' });
    const named = kubeletFlags('workers', spec, { identifier: '9f2c-uuid', nickname: 'A-4C-8G' }).nodeLabels;
    expect(named).toContain('node.kubernetes.io/instance-type=A-4C-8G');
    expect(named).toContain('autoscaler.vpsie.com/offering=9f2c-uuid');
    expect(named).toContain('topology.kubernetes.io/zone=55f06b85-c9ee-11ed-9b6b-0050569c68dc');
    // A nickname that is no label value (a space) falls back to the identifier.
    expect(kubeletFlags('workers', spec, { identifier: '9f2c-uuid', nickname: 'A 4C 8G' }).nodeLabels).toContain('node.kubernetes.io/instance-type=9f2c-uuid');
    const odd = parseNodeGroupSpec({ maxNodes: 3, datacenterID: 'Toronto DC', offeringIDs: ['p'], osImageID: 'os' });
    expect(kubeletFlags('workers', odd, 'p').nodeLabels).not.toContain('topology.kubernetes.io');
  });
});

describe('kubeletFlags: the startup taint (issue #22)', () => {
  const spec = parseNodeGroupSpec({ maxNodes: 3, datacenterID: 'dc', offeringIDs: ['small'], osImageID: 'os', taints: [{ key: 'gpu', effect: 'NoSchedule' }] });
  const bare = parseNodeGroupSpec({ maxNodes: 3, datacenterID: 'dc', offeringIDs: ['small'], osImageID: 'os' });

  it('registers with autoscaler.vpsie.com/starting:NoSchedule beside the group\'s own taints when asked, and only then', () => {
    expect(kubeletFlags('workers', spec, 'small', { startupTaint: true }).registerWithTaints).toBe('gpu:NoSchedule,autoscaler.vpsie.com/starting:NoSchedule');
    expect(kubeletFlags('workers', bare, 'small', { startupTaint: true }).args).toContain(' --register-with-taints=autoscaler.vpsie.com/starting:NoSchedule ');
    expect(kubeletFlags('workers', spec, 'small', { startupTaint: false }).registerWithTaints).toBe('gpu:NoSchedule');
    expect(kubeletFlags('workers', bare, 'small').args).not.toContain('--register-with-taints');
  });

  it('reaches both delivery paths: the {{registerWithTaints}} and {{kubeletArgs}} placeholders, and the simulator\'s kubelet reads it back', () => {
    const flags = kubeletFlags('workers', spec, 'small', { startupTaint: true });
    const values = templateValues({ hostname: 'c1-workers-abcde', token: { text: 't', id: 'i' }, join: { apiServerEndpoint: 'h:6443', caCertHash: 'sha256:0' }, flags, nodeGroup: 'workers', offering: 'small', clusterId: 'c1' });
    expect(values.registerWithTaints).toContain(`${STARTUP_TAINT}:NoSchedule`);
    expect(values.kubeletArgs).toContain(`${STARTUP_TAINT}:NoSchedule`);
    const script = renderTemplate('#!/bin/sh\nKUBELET_EXTRA_ARGS="{{kubeletArgs}}"\n', values);
    expect(kubeletSettingsFromUserData(Buffer.from(script).toString('base64')).taints).toEqual([{ key: 'gpu', effect: 'NoSchedule' }, { key: STARTUP_TAINT, effect: 'NoSchedule' }]);
  });
});
