/**
 * `tessera scan` end to end, through the real binary: a temp tree with planted tokens and look-alikes.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateApiToken } from '../../src/domain/api-token-format.js';
import { legacyApiToken } from '../helpers/legacy-api-token.js';
import { spawnSync } from 'node:child_process';
import { BIN, runCli } from './run-cli.js';

/** The same token with its last checksum character changed: the right shape, the wrong checksum. */
function badChecksum(token: string): string {
  const last = token.at(-1)!;
  return token.slice(0, -1) + (last === 'a' ? 'b' : 'a');
}

let root: string;
const planted = { env: generateApiToken(), json: generateApiToken(), deep: generateApiToken(), legacy: legacyApiToken() };

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-scan-'));
  await mkdir(join(root, 'config/deep'), { recursive: true });
  await mkdir(join(root, '.git'), { recursive: true });
  await mkdir(join(root, 'node_modules/x'), { recursive: true });
  await mkdir(join(root, 'clean'), { recursive: true });
  await writeFile(join(root, '.env'), `# secrets\nVCD_API_TOKEN=${planted.env}\n`);
  await writeFile(join(root, 'config/token.json'), `{\n  "refresh_token": "${planted.json}"\n}\n`);
  await writeFile(join(root, 'config/deep/notes.md'), `look-alike: ${badChecksum(generateApiToken())}\n\n\tuse ${planted.deep} here\n`);
  await writeFile(join(root, 'config/old.env'), `VCD_API_TOKEN=${planted.legacy} # minted before 32-character tokens\n`);
  await writeFile(
    join(root, 'config/fixtures.txt'),
    `${badChecksum(generateApiToken())}\ntsr_${'0'.repeat(49)}\n${'x'.repeat(9)}${generateApiToken()}\n${badChecksum(legacyApiToken())}\n` +
      `integrity md5 0123456789abcdef0123456789abcdef\n`,
  );
  await writeFile(join(root, 'image.bin'), Buffer.concat([Buffer.from([0x89, 0x50, 0x00, 0x00]), Buffer.from(generateApiToken())]));
  await writeFile(join(root, '.git/COMMIT_EDITMSG'), generateApiToken());
  await writeFile(join(root, 'node_modules/x/index.js'), `const t = "${generateApiToken()}";`);
  await writeFile(join(root, 'clean/readme.txt'), 'tsr_ is our prefix; nothing to see here\n');
});

after(() => rm(root, { recursive: true, force: true }));

test('reports each real token as file:line:col, masked, and exits 1', async () => {
  const result = await runCli(['scan', root]);
  assert.equal(result.code, 1, result.stderr);
  assert.deepEqual(result.stdout.trimEnd().split('\n'), [
    `${join(root, '.env')}:2:15: Tessera API token ${planted.env.slice(0, 4)}…`,
    `${join(root, 'config/deep/notes.md')}:3:6: Tessera API token ${planted.deep.slice(0, 4)}…`,
    `${join(root, 'config/old.env')}:1:15: Tessera API token ${planted.legacy.slice(0, 10)}…`,
    `${join(root, 'config/token.json')}:2:21: Tessera API token ${planted.json.slice(0, 4)}…`,
  ]);
  for (const token of Object.values(planted)) {
    assert.ok(!result.stdout.includes(token) && !result.stderr.includes(token), 'never prints a whole token');
  }
  assert.match(result.stderr, /4 API tokens found in 4 files/);
});

test('one token pasted in several places is counted once among the tokens to revoke', async () => {
  // Until 2026-12-06 the summary counted places only: "3 API tokens found" for two tokens.
  const twice = `a=${planted.env}\nb=${planted.env}\nc=${planted.json}\n`;
  const result = await runCli(['scan', '-'], { input: twice });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /3 API tokens found in 1 file \(2 distinct\)\./);
  assert.ok(!result.stderr.includes(planted.env), 'never prints a whole token');
});

test('exits 0 and prints nothing on a clean tree or look-alikes only', async () => {
  const clean = await runCli(['scan', join(root, 'clean'), join(root, 'config/fixtures.txt')]);
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(clean.stdout, '');
  assert.equal(clean.stderr, '');
});

test('--quiet keeps the exit code and prints nothing', async () => {
  const quiet = await runCli(['scan', '--quiet', root]);
  assert.equal(quiet.code, 1);
  assert.equal(quiet.stdout + quiet.stderr, '');
});

test('reads standard input with "-"', async () => {
  const found = await runCli(['scan', '-'], { input: `+ token: ${planted.env}\n` });
  assert.equal(found.code, 1);
  assert.equal(found.stdout, `(stdin):1:10: Tessera API token ${planted.env.slice(0, 4)}…\n`);
  const none = await runCli(['scan', '-'], { input: 'nothing\n' });
  assert.equal(none.code, 0);
});

test('usage errors exit 2: no path, a missing path, an unknown option', async () => {
  const noPath = await runCli(['scan']);
  assert.equal(noPath.code, 2);
  assert.match(noPath.stderr, /missing required argument/);
  const missing = await runCli(['scan', join(root, 'does-not-exist')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /does-not-exist: no such file or directory/);
  const unknown = await runCli(['scan', '--bogus', root]);
  assert.equal(unknown.code, 2);
});

test('a reader that stops early (| head -1) ends the scan quietly with exit 1', async () => {
  const many = join(root, 'many');
  await mkdir(many);
  await writeFile(join(many, 'tokens.txt'), Array.from({ length: 20_000 }, () => generateApiToken()).join('\n'));
  try {
    const result = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" scan "${many}" | head -1`], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 1);
    assert.equal(result.stdout.split('\n').filter(Boolean).length, 1);
    assert.doesNotMatch(result.stderr, /EPIPE|node:events/);
  } finally {
    await rm(many, { recursive: true, force: true });
  }
});

test('reads UTF-16 files (with or without a BOM) and a pipe named on the command line', async () => {
  // PowerShell 5's Out-File writes UTF-16LE; until 2026-12-05 its NUL bytes made the file look binary.
  const dir = await mkdtemp(join(tmpdir(), 'tessera-scan16-'));
  const tokens = [generateApiToken(), generateApiToken(), generateApiToken()];
  await writeFile(join(dir, 'bom.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`token=${tokens[0]}\r\n`, 'utf16le')]));
  await writeFile(join(dir, 'nobom.txt'), Buffer.from(`token=${tokens[1]}\r\n`, 'utf16le'));
  const found = await runCli(['scan', dir]);
  assert.equal(found.code, 1, found.stderr);
  assert.deepEqual(found.stdout.trimEnd().split('\n'), [
    `${join(dir, 'bom.txt')}:1:7: Tessera API token ${tokens[0]!.slice(0, 4)}…`,
    `${join(dir, 'nobom.txt')}:1:7: Tessera API token ${tokens[1]!.slice(0, 4)}…`,
  ]);
  // A FIFO, as `tessera scan <(git log -p)` passes one: read, not skipped with exit 0.
  const fifo = join(dir, 'pipe');
  spawnSync('mkfifo', [fifo]);
  const writer = spawnSync('bash', ['-c', `(printf 'x=%s\\n' ${tokens[2]} > ${fifo} &) ; ${process.execPath} ${BIN} scan ${fifo}`], {
    encoding: 'utf8',
  });
  assert.equal(writer.status, 1, writer.stderr);
  assert.match(writer.stdout, new RegExp(`${fifo}:1:3: Tessera API token ${tokens[2]!.slice(0, 4)}`));
  await rm(dir, { recursive: true, force: true });
});

test("docs/cli.md's pre-commit hook refuses a commit whose staged content holds a token, whatever the working tree holds", async () => {
  // Until 2026-12-05 the hook scanned the files on disk: a token staged and then edited away was committed.
  const cliDoc = await import('node:fs/promises').then((fs) => fs.readFile(join(import.meta.dirname, '../../docs/cli.md'), 'utf8'));
  const hook = /Pre-commit hook[^\n]*\n\n```sh\n([\s\S]*?)```/.exec(cliDoc)?.[1];
  assert.ok(hook?.startsWith('#!/bin/sh'), 'docs/cli.md shows the hook');
  const repo = await mkdtemp(join(tmpdir(), 'tessera-hook-'));
  try {
    const shims = join(repo, '.shims');
    await mkdir(shims);
    await writeFile(join(shims, 'tessera'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
    const env = {
      ...process.env,
      PATH: `${shims}:${process.env.PATH}`,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@x',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@x',
    };
    const git = (...args: string[]) => spawnSync('git', args, { cwd: repo, env, encoding: 'utf8' });
    git('init', '-q');
    await writeFile(join(repo, '.git/info/exclude'), '.shims/\n');
    await writeFile(join(repo, '.git/hooks/pre-commit'), hook!, { mode: 0o755 });
    await writeFile(join(repo, 'clean file.txt'), 'nothing secret\n');
    git('add', '.');
    assert.equal(git('commit', '-qm', 'clean').status, 0, 'a clean commit passes');
    const token = generateApiToken();
    await writeFile(join(repo, 'cfg.txt'), `key=${token}\n`);
    git('add', 'cfg.txt');
    await writeFile(join(repo, 'cfg.txt'), 'key=removed\n'); // edited after `git add`, not staged again
    const refused = git('commit', '-qm', 'with a token');
    assert.notEqual(refused.status, 0, `the commit is refused: ${refused.stdout}${refused.stderr}`);
    assert.match(refused.stdout + refused.stderr, /cfg\.txt:1:5: Tessera API token/);
    assert.equal(git('rev-list', '--count', 'HEAD').stdout.trim(), '1', 'nothing was committed');
  } finally {
    await rm(repo, { recursive: true, force: true });
  }
});

test('a file over 20 MiB is searched a piece at a time: tokens anywhere in it, at their own line and column', async () => {
  // Until 2026-12-06 such a file was skipped with a note and the scan exited 0: a token in a large log went unseen.
  const dir = await mkdtemp(join(tmpdir(), 'tessera-scan-large-'));
  try {
    const tokens = [generateApiToken(), generateApiToken(), generateApiToken(), legacyApiToken(), generateApiToken()];
    const filler = `${'log line with words and 0123456789 numbers, nothing secret here at all ....'.repeat(2)}\n`; // 152 bytes
    const lines: string[] = [];
    const fillTo = (bytes: number) => {
      let size = lines.reduce((n, l) => n + l.length, 0);
      while (size < bytes) {
        lines.push(filler);
        size += filler.length;
      }
    };
    lines.push(`first=${tokens[0]}\n`);
    fillTo(4 * 1024 * 1024 - 20); // a token glued to a JSON escape straddling the first piece's end
    lines.push(`{"msg":"x\\n${tokens[1]}"}\n`);
    fillTo(9 * 1024 * 1024);
    // A line of 10 MiB with no break (a minified dump): cut within, never inside a token or its glue.
    lines.push(`${'ab,'.repeat((10 * 1024 * 1024) / 3)}%3D${tokens[2]},${'cd;'.repeat(1000)}\n`);
    lines.push(`old=${tokens[3]}\n`);
    fillTo(22 * 1024 * 1024);
    lines.push(`last ${tokens[4]}`);
    const text = lines.join('');
    await writeFile(join(dir, 'big.log'), text);
    // UTF-16 with a byte-order mark, as PowerShell 5 writes logs: the same tokens found.
    await writeFile(join(dir, 'big-utf16.log'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const result = await runCli(['scan', dir]);
    assert.equal(result.code, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /skipped/);
    const where = (token: string) => {
      const at = text.indexOf(token);
      const lineStart = text.lastIndexOf('\n', at - 1) + 1;
      return `${text.slice(0, at).split('\n').length}:${at - lineStart + 1}`;
    };
    const expected = tokens.map((t) => `${where(t)}: Tessera API token ${t.slice(0, t.startsWith('tsr_') ? 10 : 4)}…`);
    for (const file of ['big.log', 'big-utf16.log']) {
      const found = result.stdout
        .trimEnd()
        .split('\n')
        .filter((l) => l.startsWith(`${join(dir, file)}:`))
        .map((l) => l.slice(join(dir, file).length + 1));
      assert.deepEqual(found, expected, file);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("scan --help shows docs/cli.md's pre-commit hook (the staged content), not the one that scanned the working tree", async () => {
  // Until 2026-12-06 the help still gave `git diff --cached --name-only --diff-filter=ACM -z | xargs -0 -r tessera scan`,
  // which reads the files on disk: a token staged and then edited away passed.
  const cliDoc = await import('node:fs/promises').then((fs) => fs.readFile(join(import.meta.dirname, '../../docs/cli.md'), 'utf8'));
  const hook = /Pre-commit hook[^\n]*\n\n```sh\n([\s\S]*?)```/.exec(cliDoc)?.[1];
  assert.ok(hook, 'docs/cli.md shows the hook');
  const help = await runCli(['scan', '--help']);
  assert.equal(help.code, 0, help.stderr);
  const lines = hook
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('# '));
  assert.ok(lines.some((line) => line.includes('git checkout-index')));
  for (const line of lines) assert.ok(help.stdout.includes(`  ${line}\n`), `the help shows: ${line}`);
  assert.doesNotMatch(help.stdout, /xargs -0 -r tessera scan/);
});

test('scan --help gives exit code 2 for an incomplete scan too, as docs/cli.md does', async () => {
  // Until 2026-12-07 the help said 2 was a usage error only: a script reading it took an unreadable file for a typo.
  const help = await runCli(['scan', '--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(
    help.stdout.replace(/\s+/g, ' '),
    /2 usage error \(e\.g\. a path that does not exist\) or, with none found, an incomplete scan \(a file or directory that could not be read, named on stderr\)/,
  );
});

test('a directory that cannot be read is named on stderr and the scan goes on; the exit code is that of the findings', async () => {
  // Until 2026-12-06 it ended the scan (`tessera: locked: permission denied`, exit 2): later directories were never
  // scanned and a token already found was reported with exit 2, not 1. Tests run as root, which chmod 000 does not
  // stop: a path too long to examine (ENAMETOOLONG) is the unreadable directory here (walk.test.ts mocks EACCES).
  const dir = await mkdtemp(join(tmpdir(), 'tessera-scan-unreadable-'));
  try {
    const deep = spawnSync('bash', [
      '-c',
      `cd "${dir}" && for i in $(seq 1 24); do mkdir ${'d'.repeat(200)} && cd ${'d'.repeat(200)} || exit 1; done`,
    ]);
    assert.equal(deep.status, 0, String(deep.stderr));
    const token = generateApiToken();
    await mkdir(join(dir, 'later'));
    await writeFile(join(dir, 'later', 'cfg.env'), `TOKEN=${token}\n`);
    const found = await runCli(['scan', dir]);
    assert.equal(found.code, 1, found.stderr);
    assert.equal(found.stdout, `${join(dir, 'later', 'cfg.env')}:1:7: Tessera API token ${token.slice(0, 4)}…\n`);
    assert.match(found.stderr, new RegExp(`^tessera: cannot read ${dir}/d{200}/\\S+: path too long\\n`));
    await rm(join(dir, 'later'), { recursive: true });
    const clean = await runCli(['scan', dir]);
    assert.equal(clean.code, 2, clean.stderr);
    assert.match(clean.stderr, /cannot read .*path too long\ntessera: 1 file or directory could not be read; the scan is incomplete/);
  } finally {
    spawnSync('rm', ['-rf', dir]);
  }
});

test('a pipe over 20 MiB (a FIFO, <(cmd), standard input) is searched as one stream, tokens at its start and end found', async () => {
  // Until 2026-12-06 a FIFO or `<(cmd)` over 20 MiB failed with `ESPIPE: invalid seek` (exit 1, no finding printed,
  // not even a token on line 1): its first 20 MiB were read to learn its size, then it was reopened and read at offsets.
  const dir = await mkdtemp(join(tmpdir(), 'tessera-scan-pipe-'));
  try {
    const [first, last] = [generateApiToken(), generateApiToken()];
    // 1 + 1,200,000 + 1 lines, 22.8 MB: more than 20 MiB; the last token's line is 1200002.
    const generate = `printf 'x=%s\\n' ${first}; yes 'some log line here' | head -c 22800000; printf 'y=%s\\n' ${last}`;
    const expected = (name: string) => [
      `${name}:1:3: Tessera API token ${first.slice(0, 4)}…`,
      `${name}:1200002:3: Tessera API token ${last.slice(0, 4)}…`,
    ];
    const fifo = join(dir, 'pipe');
    spawnSync('mkfifo', [fifo]);
    const viaFifo = spawnSync(
      'bash',
      ['-c', `(${generate}) > ${fifo} & ${process.execPath} ${BIN} scan ${fifo}; status=$?; wait; exit $status`],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(viaFifo.status, 1, viaFifo.stderr);
    assert.deepEqual(viaFifo.stdout.trimEnd().split('\n'), expected(fifo));
    assert.doesNotMatch(viaFifo.stderr, /ESPIPE/);
    const viaFd = spawnSync('bash', ['-c', `${process.execPath} ${BIN} scan <(${generate})`], { encoding: 'utf8' });
    assert.equal(viaFd.status, 1, viaFd.stderr);
    assert.deepEqual(viaFd.stdout.trimEnd().split('\n'), expected(viaFd.stdout.split(':')[0]!));
    assert.match(viaFd.stdout, /^\/dev\/fd\/\d+:1:3:/);
    const viaStdin = spawnSync('bash', ['-c', `(${generate}) | ${process.execPath} ${BIN} scan -`], { encoding: 'utf8' });
    assert.equal(viaStdin.status, 1, viaStdin.stderr);
    assert.deepEqual(viaStdin.stdout.trimEnd().split('\n'), expected('(stdin)'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the summary names the command that revokes a service account's refresh token, and the files in that account's format", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-scan-sa-'));
  try {
    const file = join(dir, 'ci-token.json');
    await writeFile(
      file,
      JSON.stringify({ token_type: 'Service Account', refresh_token: generateApiToken(), updated_by: 'tessera', updated_on: 'x' }, null, 1),
    );
    await writeFile(join(dir, 'api.env'), `VCD_API_TOKEN=${generateApiToken()}\n`);
    const result = await runCli(['scan', dir]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /an API token with tessera token revoke ID/);
    assert.match(
      result.stderr,
      /a service account's refresh token, which token list does not show, with tessera service-account revoke ACCOUNT/,
    );
    assert.ok(
      result.stderr.includes(
        `tessera: ${file} is a service account's token file: revoke its token with tessera service-account revoke ACCOUNT`,
      ),
    );
    assert.ok(!result.stderr.includes(`${join(dir, 'api.env')} is a service account`), result.stderr);
    assert.equal(result.stdout.split('\n').filter(Boolean).length, 2, 'stdout is the findings, as before');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
