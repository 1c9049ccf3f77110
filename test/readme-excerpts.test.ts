// The README quotes code; every quote must still be in the file it names.
// An excerpt is a fenced block right after <!-- excerpt: path -->; a line
// "// …" in it stands for lines left out.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '..');
const GAP = '// …';

interface Excerpt {
  file: string;
  lines: string[];
}

function excerpts(markdown: string): Excerpt[] {
  const found: Excerpt[] = [];
  for (const match of markdown.matchAll(/<!-- excerpt: (\S+) -->\s*\n\s*```\w*\n([\s\S]*?)\n\s*```/g)) {
    found.push({ file: match[1] ?? '', lines: (match[2] ?? '').split('\n') });
  }
  return found;
}

/** Where the excerpt goes wrong in the source, or undefined if every part is there, in order. */
function mismatch(excerptLines: string[], source: string): string | undefined {
  const sourceLines = source.split('\n').map((line) => line.trim());
  const chunks: string[][] = [[]];
  for (const line of excerptLines.map((l) => l.trim()).filter((l) => l !== '')) {
    if (line === GAP) chunks.push([]);
    else chunks.at(-1)?.push(line);
  }
  let from = 0;
  for (const chunk of chunks.filter((c) => c.length > 0)) {
    let at = -1;
    for (let i = from; i + chunk.length <= sourceLines.length && at === -1; i += 1) {
      if (chunk.every((line, j) => sourceLines[i + j] === line)) at = i;
    }
    if (at === -1) return `not found (in order): ${chunk.join(' ⏎ ')}`;
    from = at + chunk.length;
  }
  return undefined;
}

describe('the README', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const quoted = excerpts(readme);

  it('quotes the code it walks through', () => {
    assert.ok(quoted.length >= 8, `${quoted.length} excerpts found`);
  });

  for (const excerpt of quoted) {
    it(`quotes ${excerpt.file} as it is`, () => {
      const source = readFileSync(path.join(ROOT, excerpt.file), 'utf8');
      assert.equal(mismatch(excerpt.lines, source), undefined);
    });
  }

  it('links only to files that exist', () => {
    for (const [, target = ''] of readme.matchAll(/\]\(((?:src|test|e2e|tools|docs|views|public)\/[^)#\s]+)\)/g)) {
      assert.doesNotThrow(() => readFileSync(path.join(ROOT, target)), target);
    }
  });
});

describe('the excerpt check', () => {
  const source = ['a();', '  b();', 'c();', 'd();'].join('\n');
  it('accepts lines in order, indented differently, with gaps', () => {
    assert.equal(mismatch(['a();', 'b();', GAP, 'd();'], source), undefined);
  });
  it('refuses a changed line, lines out of order, and a gap where lines must be adjacent', () => {
    assert.notEqual(mismatch(['a();', 'b(1);'], source), undefined);
    assert.notEqual(mismatch(['c();', GAP, 'a();'], source), undefined);
    assert.notEqual(mismatch(['a();', 'c();'], source), undefined);
  });
});
