// A node:test reporter that prints, once the run ends, every failed test and every skipped one with its file and
// reason. CI keeps only the tail of a long log: without this, a failure 600 tests up is a bare "# fail 1".
// run-tests.mjs adds it beside the TAP (or spec) reporter, on stdout; every line is a TAP comment ("# "), so the
// stream stays valid TAP.
export default async function* summary(source) {
  const failed = [];
  const skipped = [];
  for await (const event of source) {
    const data = event.data;
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
  if (failed.length === 0 && skipped.length === 0) return;
  yield `\n# run-tests summary: ${failed.length} failed, ${skipped.length} skipped\n`;
  for (const line of [...failed, ...skipped]) yield `${line}\n`;
}
