// A node:test reporter that prints, once the run ends, every failed test and every skipped one with its file and
// reason. CI keeps only the tail of a long log: without this, a failure 600 tests up is a bare "# fail 1".
// run-tests.mjs adds it beside the TAP (or spec) reporter, on stdout; every line is a TAP comment ("# "), so the
// stream stays valid TAP.
// It also lists the files that took longest (the sum of their top-level tests' durations), so that a run growing
// towards CI's time limit shows where its time goes.
const SLOWEST_FILES = 15;

export default async function* summary(source) {
  const failed = [];
  const skipped = [];
  const secondsByFile = new Map();
  for await (const event of source) {
    const data = event.data;
    if ((event.type === 'test:pass' || event.type === 'test:fail') && data.nesting === 0 && data.file) {
      const seconds = (data.details?.duration_ms ?? 0) / 1000;
      secondsByFile.set(data.file, (secondsByFile.get(data.file) ?? 0) + seconds);
    }
    if (event.type === 'test:fail') {
      const error = data.details?.error;
      // A suite fails when a test in it does: that test is listed itself, so the suite's own line would repeat it.
      if (error?.failureType === 'subtestsFailed') continue;
      const cause = error?.cause ?? error;
      const message = String(cause?.message ?? cause ?? 'failed')
        .split('\n')
        .slice(0, 8)
        .join('\n');
      failed.push(`# FAILED ${data.name}\n#   file: ${data.file ?? '?'}\n#   ${message.replaceAll('\n', '\n#   ')}`);
    } else if (event.type === 'test:pass' && data.skip !== undefined) {
      skipped.push(`# SKIPPED ${data.name} (${data.file ?? '?'}): ${data.skip === true ? 'no reason given' : data.skip}`);
    }
  }
  yield* slowestFiles(secondsByFile);
  if (failed.length === 0 && skipped.length === 0) return;
  yield `\n# run-tests summary: ${failed.length} failed, ${skipped.length} skipped\n`;
  for (const line of [...failed, ...skipped]) yield `${line}\n`;
}

function* slowestFiles(secondsByFile) {
  if (secondsByFile.size === 0) return;
  const total = [...secondsByFile.values()].reduce((sum, seconds) => sum + seconds, 0);
  const cwd = `${process.cwd()}/`;
  yield `\n# run-tests time: ${Math.round(total)} s in the tests of ${secondsByFile.size} files; the slowest:\n`;
  const slowest = [...secondsByFile].sort((a, b) => b[1] - a[1]).slice(0, SLOWEST_FILES);
  for (const [file, seconds] of slowest)
    yield `#   ${seconds.toFixed(1).padStart(7)} s  ${file.startsWith(cwd) ? file.slice(cwd.length) : file}\n`;
}
