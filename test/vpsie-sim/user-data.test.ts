import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MIB } from '../../shared/quantity.ts';
import { nodeResources } from './node-resources.ts';
import { kubeletSettingsFromUserData } from './user-data.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('kubeletSettingsFromUserData', () => {
  it('reads flags from a shell script', () => {
    const script = `#!/bin/bash
kubeadm join 10.0.0.1:6443 --token abc.def --discovery-token-ca-cert-hash sha256:00
echo 'KUBELET_EXTRA_ARGS="--node-labels=autoscaler.vpsie.com/nodegroup=workers,tier=web --register-with-taints=dedicated=gpu:NoSchedule,spot:PreferNoSchedule --max-pods=58 --kube-reserved=cpu=100m,memory=256Mi --system-reserved=cpu=50m,memory=128Mi --eviction-hard=memory.available<100Mi,nodefs.available<10%"' > /etc/default/kubelet
`;
    expect(kubeletSettingsFromUserData(b64(script))).toEqual({
      labels: { 'autoscaler.vpsie.com/nodegroup': 'workers', tier: 'web' },
      taints: [
        { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
        { key: 'spot', effect: 'PreferNoSchedule' },
      ],
      maxPods: 58,
      kubeReserved: { cpu: '100m', memory: '256Mi' },
      systemReserved: { cpu: '50m', memory: '128Mi' },
      evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '10%' },
    });
  });

  it('reads cloud-config write_files (plain, b64, gz+b64) and kubeadm kubeletExtraArgs', () => {
    const kubeadm = `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
nodeRegistration:
  kubeletExtraArgs:
  - name: node-labels
    value: "pool=a,zone=x"
  - name: register-with-taints
    value: "only=batch:NoExecute"
`;
    const env = 'KUBELET_EXTRA_ARGS=--max-pods 30\n';
    const kubeletConfig = 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nkubeReserved:\n  cpu: 200m\nevictionHard:\n  memory.available: 200Mi\n';
    const cloudConfig = `#cloud-config
write_files:
- path: /etc/kubeadm/join.yaml
  encoding: b64
  content: ${b64(kubeadm)}
- path: /etc/default/kubelet
  encoding: gz+b64
  content: ${gzipSync(env).toString('base64')}
- path: /var/lib/kubelet/config.yaml
  content: |
${kubeletConfig.split('\n').map((l) => `    ${l}`).join('\n')}
runcmd:
- kubeadm join --config /etc/kubeadm/join.yaml
`;
    const settings = kubeletSettingsFromUserData(b64(cloudConfig));
    expect(settings.labels).toEqual({ pool: 'a', zone: 'x' });
    expect(settings.taints).toEqual([{ key: 'only', value: 'batch', effect: 'NoExecute' }]);
    expect(settings.maxPods).toBe(30);
    expect(settings.kubeReserved).toEqual({ cpu: '200m' });
    expect(settings.evictionHard).toEqual({ 'memory.available': '200Mi' });
  });

  it('handles gzip-compressed user-data, empty user-data and garbage', () => {
    expect(kubeletSettingsFromUserData(gzipSync('--node-labels=a=b').toString('base64')).labels).toEqual({ a: 'b' });
    expect(kubeletSettingsFromUserData(null)).toMatchObject({ labels: {}, taints: [], maxPods: undefined });
    expect(kubeletSettingsFromUserData(b64('#cloud-config\n: : [unbalanced')).labels).toEqual({});
  });

  it('ignores flags in comment lines, as a real VM would', () => {
    const script = '#!/bin/bash\nkubeadm join x\n# vpsie-autoscaler kubelet flags: --node-labels=a=b --max-pods=10\n  # --register-with-taints=c:NoSchedule\n';
    expect(kubeletSettingsFromUserData(b64(script))).toMatchObject({ labels: {}, taints: [], maxPods: undefined });
  });

  it('ignores taints with an unknown effect', () => {
    expect(kubeletSettingsFromUserData(b64('--register-with-taints=a=b:Sometimes,c:NoSchedule')).taints).toEqual([{ key: 'c', effect: 'NoSchedule' }]);
  });
});

describe('nodeResources', () => {
  it('capacity from the plan; allocatable minus reservations and eviction threshold', () => {
    const settings = kubeletSettingsFromUserData(b64('--max-pods=58 --kube-reserved=cpu=100m,memory=256Mi --system-reserved=cpu=50m,memory=128Mi --eviction-hard=memory.available<100Mi,nodefs.available<10%'));
    const r = nodeResources({ cpu: 2, ramMb: 4096, ssdGb: 80 }, settings);
    expect(r.capacity).toEqual({ cpu: '2', memory: '4096Mi', pods: '58', 'ephemeral-storage': '80Gi' });
    expect(r.allocatable).toEqual({
      cpu: '1850m',
      memory: String((4096 - 256 - 128 - 100) * MIB),
      pods: '58',
      'ephemeral-storage': String(Math.floor(80 * 1024 ** 3 * 0.9)),
    });
  });

  it('defaults to 110 pods and no reservations', () => {
    const r = nodeResources({ cpu: 1, ramMb: 1024, ssdGb: 25 }, kubeletSettingsFromUserData(''));
    expect(r.allocatable).toMatchObject({ cpu: '1000m', memory: String(1024 * MIB), pods: '110' });
  });
});
