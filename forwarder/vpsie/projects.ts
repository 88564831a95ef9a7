import { VpsieError } from './errors.ts';
import type { VpsieProject } from './types.ts';

// A VPSie project is named three ways: the numeric `id` (the official SDK's CreateServerRequest
// `ProjectID int64`, and every VM row's `project_id`), the UUID `identifier` (the newest Terraform
// provider sends it on create; the SDK's project-scoped calls take it) and the `name` people see in the
// panel. The configuration may give any of them; `GET /apps/v2/projects` lists all three, so the client
// resolves the configured reference there once and then uses the form each call wants
// (docs/vpsie-api.md, "Projects"): the numeric id on create and in `?projectId=`, and either id when
// matching rows.

/** The configured project is not in `/apps/v2/projects`, or names two projects. A configuration error. */
export class VpsieProjectError extends VpsieError {
  override name = 'VpsieProjectError';
  constructor(message: string) {
    super(message, { operation: 'resolveProject', retryable: false, code: 'vpsie.project' });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The project `wanted` names: by numeric id, then UUID, then name (a name must be unique). */
export function matchProject(wanted: string, projects: readonly VpsieProject[]): VpsieProject {
  const ref = wanted.trim();
  const known = () => projects.map((p) => `${p.name || '(no name)'} (id ${p.id}, ${p.identifier})`).join(', ') || 'none';
  if (ref === '') throw new VpsieProjectError('no VPSie project given (a numeric id, a UUID or a name)');
  const byId = /^\d+$/.test(ref) ? projects.find((p) => p.id === ref) : undefined;
  if (byId) return byId;
  const byUuid = UUID.test(ref) ? projects.find((p) => p.identifier.toLowerCase() === ref.toLowerCase()) : undefined;
  if (byUuid) return byUuid;
  const byName = projects.filter((p) => p.name === ref);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new VpsieProjectError(`VPSie project "${ref}" is ambiguous: ${byName.length} projects have that name (${byName.map((p) => `id ${p.id}`).join(', ')}); give its numeric id or UUID`);
  throw new VpsieProjectError(`VPSie project "${ref}" is not in /apps/v2/projects of this account (known: ${known()}); give a numeric id, a UUID or a name from that list`);
}

/**
 * Resolves each reference once for the client's life (a project's id and UUID never change). A
 * failed listing is not remembered (the next call lists again); neither is "not found" (the project
 * may be created later), so a misconfigured forwarder lists projects once per VPSie call that needs one.
 */
export class ProjectResolver {
  private readonly resolved = new Map<string, VpsieProject>();
  private inFlight: Promise<VpsieProject[]> | undefined;

  constructor(private readonly listProjects: () => Promise<VpsieProject[]>) {}

  async resolve(wanted: string): Promise<VpsieProject> {
    const cached = this.resolved.get(wanted);
    if (cached) return cached;
    this.inFlight ??= this.listProjects().finally(() => {
      this.inFlight = undefined;
    });
    const project = matchProject(wanted, await this.inFlight);
    this.resolved.set(wanted, project);
    return project;
  }
}

/**
 * Whether a row (a VM row's `project_id`, a pending create's echoed `projectId`) is in `project`.
 * The row may carry either id form; a row without one is kept — the API's `?projectId=` filter
 * decided (a GUESS that such rows exist at all; ownership markers still judge each VM).
 */
export function inProject(rowProjectId: string | null, project: VpsieProject): boolean {
  if (rowProjectId === null || rowProjectId === '') return true;
  return rowProjectId === project.id || rowProjectId.toLowerCase() === project.identifier.toLowerCase();
}
