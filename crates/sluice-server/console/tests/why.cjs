// "Why no output yet?" for seed 001's tumble window over a topic of three partitions,
// one of them empty: the panel names the partition and the option that releases it.
const { url, log, check, shot, signIn, run } = require('./lib.cjs');

run(async (page) => {
  await page.goto(`${url}/#/deployments/${process.env.DEPLOYMENT}`);
  await signIn(page);
  await page.locator('#status', { hasText: 'RUNNING' }).waitFor();
  const finding = page.locator('#why li[data-kind="idle_partition"]');
  await finding.waitFor();
  const text = await finding.innerText();
  log(`why no output yet: ${text}`);
  check(text.includes('partition 2 of topic "iot-data-input"'), 'the empty partition is named');
  check(text.includes("'scan.watermark.idle-timeout'") && text.includes('table.exec.source.idle-timeout'), 'the option that releases it is named');
  const summary = await page.locator('#why-summary').innerText();
  check(summary.includes('partition 2'), `the summary leads with the partition: ${summary}`);
  await page.locator('#why li[data-kind="window_waiting"]').waitFor();
  await page.locator('.op[data-name="Source: iot_in"] tr.partition').nth(2).waitFor();
  await shot(page, 'why-no-output');
});
