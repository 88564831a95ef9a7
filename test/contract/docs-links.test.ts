import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every relative link and every backquoted repository path in the operator's documents points at a
// file or folder of this repository (issue 21: links to files outside it, and docs nothing linked).

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const documents = ['README.md', 'forwarder/README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

function links(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((href) => !/^(https?:|mailto:|#)/.test(href));
}

describe('documentation links', () => {
  it.each(documents)('%s links only to files that exist', (file) => {
    const broken = links(file).filter((href) => !existsSync(resolve(join(root, dirname(file)), href.split('#')[0]!)));
    expect(broken).toEqual([]);
  });

  it('names no design notes kept outside the repository', () => {
    for (const file of documents) {
      const text = readFileSync(join(root, file), 'utf8');
      expect({ file, outside: /\bshared\/VPSIE-API\.md|\bDESIGN\.md/.test(text) }).toEqual({ file, outside: false });
    }
  });

  it('the README links every document in docs/ and the forwarder README', () => {
    const readme = links('README.md');
    const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
    expect(docs.filter((d) => !readme.includes(d))).toEqual([]);
    expect(readme).toContain('forwarder/README.md');
  });
});
