import { randomUUID } from 'node:crypto';
import type { ApiFailure } from './state.ts';

// Stored scripts (`/apps/v2/script...`), the bootstrap path the official SDK and Terraform provider
// prove: `POST /apps/v2/script/add {name, scriptContent, scriptType, tags}` (the answer carries no
// identifier, so the caller finds it in `GET /apps/v2/scripts` by name), `DELETE /apps/v2/script
// {scriptIdentifier}`, and `scriptIdentifier` on a VM create runs the script on the new VM.
// GUESSES: names need not be unique (nothing says otherwise); an unknown scriptIdentifier on a create
// is refused ("Invalid scriptIdentifier"); the script runs at first boot like cloud-init user data.

export type SimScript = { id: number; identifier: string; name: string; content: string; type: string; createdAtMs: number };

export class ScriptStore {
  private scripts: SimScript[] = [];
  private nextId = 1;

  add(body: Record<string, unknown>, nowMs: number): ApiFailure | undefined {
    const name = typeof body['name'] === 'string' ? body['name'] : '';
    const content = typeof body['scriptContent'] === 'string' ? body['scriptContent'] : '';
    if (!name) return { code: 400, message: 'name is required' };
    if (!content) return { code: 400, message: 'scriptContent is required' };
    this.scripts.push({ id: this.nextId++, identifier: randomUUID(), name, content, type: typeof body['scriptType'] === 'string' ? body['scriptType'] : '', createdAtMs: nowMs });
    return undefined;
  }

  remove(identifier: unknown): ApiFailure | undefined {
    const index = this.scripts.findIndex((s) => s.identifier === identifier);
    if (index < 0) return { code: 404, message: 'Script not found' };
    this.scripts.splice(index, 1);
    return undefined;
  }

  find(identifier: string): SimScript | undefined {
    return this.scripts.find((s) => s.identifier === identifier);
  }

  all(): SimScript[] {
    return this.scripts.map((s) => ({ ...s }));
  }
}
