import { CompactError } from '../errors.ts';
import { parseBytes, parseCpuMillis } from '../quantity.ts';
import type { Resources } from '../snapshot.ts';
import type { KubeContainer, KubePodSpec, StringMap } from './kube-types.ts';

// Effective pod requests, the way the scheduler computes them (k8s.io/component-helpers
// resource.PodRequests, with sidecar containers per KEP-753):
//
//   regular  = Σ containers + Σ sidecars (restartable init containers run alongside them)
//   init     = max over init containers, in order, of
//                sidecar:      Σ sidecars started so far (itself included)
//                non-sidecar:  its own requests + Σ sidecars started before it
//   effective = max(regular, init) per resource, + pod overhead

const ZERO: Resources = { cpuMillis: 0, memoryBytes: 0, ephemeralBytes: 0 };

function add(a: Resources, b: Resources): Resources {
  return { cpuMillis: a.cpuMillis + b.cpuMillis, memoryBytes: a.memoryBytes + b.memoryBytes, ephemeralBytes: a.ephemeralBytes + b.ephemeralBytes };
}

function max(a: Resources, b: Resources): Resources {
  return {
    cpuMillis: Math.max(a.cpuMillis, b.cpuMillis),
    memoryBytes: Math.max(a.memoryBytes, b.memoryBytes),
    ephemeralBytes: Math.max(a.ephemeralBytes, b.ephemeralBytes),
  };
}

/** cpu, memory and ephemeral-storage of a resource list; `field` names it in errors. */
export function resourceList(list: StringMap, object: string, field: string): Resources {
  const read = (name: string, parse: (q: string) => number): number => {
    const value = list?.[name];
    if (value === undefined || value === null) return 0;
    try {
      return parse(String(value));
    } catch (cause) {
      throw new CompactError(object, `${field}.${name}: ${(cause as Error).message}`, { cause });
    }
  };
  return {
    cpuMillis: read('cpu', parseCpuMillis),
    memoryBytes: read('memory', parseBytes),
    ephemeralBytes: read('ephemeral-storage', parseBytes),
  };
}

/** A container's requests; a resource with a limit but no request is requested at its limit (API defaulting). */
function containerRequests(container: KubeContainer, object: string, field: string): Resources {
  const requests = { ...(container.resources?.limits ?? {}), ...(container.resources?.requests ?? {}) };
  return resourceList(requests, object, `${field}.resources.requests`);
}

export function isSidecar(container: KubeContainer): boolean {
  return container.restartPolicy === 'Always';
}

export function effectiveRequests(spec: KubePodSpec, object: string): Resources {
  let regular = ZERO;
  (spec.containers ?? []).forEach((c, i) => {
    regular = add(regular, containerRequests(c, object, `spec.containers[${i}]`));
  });
  let sidecars = ZERO;
  let init = ZERO;
  (spec.initContainers ?? []).forEach((c, i) => {
    const own = containerRequests(c, object, `spec.initContainers[${i}]`);
    if (isSidecar(c)) {
      regular = add(regular, own);
      sidecars = add(sidecars, own);
      init = max(init, sidecars);
    } else {
      init = max(init, add(own, sidecars));
    }
  });
  return add(max(regular, init), resourceList(spec.overhead, object, 'spec.overhead'));
}
