// The README and the pages in docs/ quote code; every quote must still be in
// the file it names. An excerpt is a fenced block right after
// <!-- excerpt: path -->; a line "// …" in it stands for lines left out.
// Their links must lead somewhere, and every src/ file they or the views
// name must exist.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const GAP = '// …';
const README_MAX_LINES = 400;

/** README.md, then every docs/*.md, as paths from the root. */
const PAGES = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];

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

/** The markdown without its fenced blocks: a link in a code sample is not a link. */
function outsideCode(markdown: string): string {
  return markdown.replace(/^\s*```[\s\S]*?^\s*```/gm, '');
}

/** Relative link targets, as written: [text](target) and ![alt](target). */
function relativeLinks(markdown: string): string[] {
  const targets: string[] = [];
  for (const [, target = ''] of outsideCode(markdown).matchAll(/\]\(([^)\s]+)\)/g)) {
    if (!/^[a-z][a-z+.-]*:/i.test(target)) targets.push(target);
  }
  return targets;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, '').replace(/ /g, '-');
}

function anchors(markdown: string): Set<string> {
  const seen = new Set<string>();
  for (const [, heading = ''] of outsideCode(markdown).matchAll(/^#{1,6} (.+)$/gm)) seen.add(slug(heading));
  return seen;
}

/** Every src/… file a text names (../src/… from docs/ too, not tools/src/…), ending .ts, .pug or .js. */
function srcPaths(text: string): string[] {
  return [...text.matchAll(/(?<![\w.-]|[\w-]\/)src\/[\w/.-]+\.(?:ts|pug|js)\b/g)].map(([found]) => found);
}

function pugFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.pug'))
    .map((name) => path.join(folder, name));
}

describe('the README', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

  it('quotes the code it walks through', () => {
    assert.ok(excerpts(readme).length >= 8, `${excerpts(readme).length} excerpts found`);
  });

  it(`is a tutorial of at most ${README_MAX_LINES} lines; the manual is in docs/`, () => {
    const lines = readme.split('\n').length - (readme.endsWith('\n') ? 1 : 0);
    assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines`);
  });

  it('links to every page in docs/', () => {
    const linked = new Set(relativeLinks(readme).map((target) => target.split('#')[0]));
    for (const page of PAGES.filter((p) => p !== 'README.md')) assert.ok(linked.has(page), `${page} is not linked from README.md`);
  });
});

for (const page of PAGES) {
  describe(page, () => {
    const markdown = readFileSync(path.join(ROOT, page), 'utf8');

    for (const excerpt of excerpts(markdown)) {
      it(`quotes ${excerpt.file} as it is`, () => {
        const source = readFileSync(path.join(ROOT, excerpt.file), 'utf8');
        assert.equal(mismatch(excerpt.lines, source), undefined);
      });
    }

    it('links only to files that exist, and to headings that exist', () => {
      for (const target of relativeLinks(markdown)) {
        const [file = '', anchor] = target.split('#');
        const resolved = file === '' ? path.join(ROOT, page) : path.resolve(path.join(ROOT, path.dirname(page)), file);
        assert.ok(resolved.startsWith(ROOT + path.sep), `${target}: outside the repository`);
        assert.doesNotThrow(() => readFileSync(resolved), target);
        if (anchor !== undefined && resolved.endsWith('.md')) {
          assert.ok(anchors(readFileSync(resolved, 'utf8')).has(anchor), `${target}: no such heading`);
        }
      }
    });
  });
}

describe('the src/ files named in the README, docs/ and the views', () => {
  for (const file of [...PAGES, ...pugFiles('views')]) {
    it(`${file} names only files that exist`, () => {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      const missing = srcPaths(text).filter((named) => !existsSync(path.join(ROOT, named)));
      assert.deepEqual([...new Set(missing)], []);
    });
  }
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

describe('the link and path helpers', () => {
  it('makes GitHub\'s anchors', () => {
    assert.equal(slug('Sudo mode: the password again, for what matters most'), 'sudo-mode-the-password-again-for-what-matters-most');
    assert.equal(slug('Under load, through an outage'), 'under-load-through-an-outage');
  });
  it('finds relative links outside code, and src/ paths only where a path starts', () => {
    assert.deepEqual(relativeLinks('[a](docs/x.md#y) [b](https://e.example) ![c](./s.png)\n```\n[d](z.md)\n```\n'), ['docs/x.md#y', './s.png']);
    assert.deepEqual(srcPaths('see src/app.ts, ../src/session/store.ts, dist-src/x.ts and tools/src/y.ts'), ['src/app.ts', 'src/session/store.ts']);
  });
});
