// Seed 004's workflow in the console: a Kafka integration, the pizza filter's SQL with a
// typo and its inline error, the fix, a deployment that runs (rows/s above zero, the
// watermark advancing, live rows), and a stop with a savepoint.
const { url, log, check, shot, signIn, run } = require('./lib.cjs');

const SOURCE = `CREATE TABLE pizza_source (
    id INT,
    shop VARCHAR,
    name VARCHAR,
    phoneNumber VARCHAR,
    address VARCHAR,
    pizzas ARRAY <ROW (pizzaName VARCHAR, additionalToppings ARRAY <VARCHAR>)>,
    orderTimestamp TIMESTAMP(3) METADATA FROM 'timestamp',
    orderProctime AS PROCTIME(),
    WATERMARK FOR orderTimestamp AS orderTimestamp - INTERVAL '5' SECOND
) WITH (
    'connector' = 'kafka',
    'properties.bootstrap.servers' = '',
    'scan.startup.mode' = 'earliest-offset',
    'topic' = 'pizzas',
    'value.format' = 'json'
)`;
const SINK = `CREATE TABLE pizza_filtered (
    id INT,
    name VARCHAR,
    topping VARCHAR,
    orderTimestamp TIMESTAMP(3)
) WITH (
    'connector' = 'kafka',
    'properties.bootstrap.servers' = '',
    'topic' = 'pizza_stream_out_filter',
    'value.format' = 'json'
)`;
const STATEMENT = `insert into pizza_filtered
select
    id,
    name,
    c.topping,
    orderTimestamp
from pizza_source
cross join UNNEST(pizzas) b
cross join UNNEST(b.additionalToppings) as c(topping)
where c.topping in ('🍍 pineapple', '🍓 strawberry','🍌 banana')`;

const banner = (page) => page.locator('#banner');

run(async (page) => {
  // No token, then a wrong one: the console says so.
  await page.goto(`${url}/#/integrations`);
  await banner(page).filter({ hasText: 'Enter a token' }).waitFor();
  await signIn(page, 'sluice_wrong');
  await banner(page).filter({ hasText: 'refused the token' }).waitFor();
  log('no token and a wrong token are explained');
  await signIn(page);
  await page.locator('h1', { hasText: 'Integrations' }).waitFor();

  // A Kafka integration, with the keyboard.
  await page.focus('#i-name');
  await page.keyboard.type('demo-kafka');
  await page.keyboard.press('Tab');
  await page.keyboard.type(process.env.BOOTSTRAP);
  await page.keyboard.press('Enter');
  await page.locator('td', { hasText: 'demo-kafka' }).waitFor();
  await shot(page, 'integrations');

  // Edited in place: renamed, its connection kept.
  await page.click('button[aria-label="Edit integration demo-kafka"]');
  await page.locator('#i-heading', { hasText: 'Edit integration demo-kafka' }).waitFor();
  check(await page.inputValue('#i-bootstrap') === process.env.BOOTSTRAP, 'the edit form shows the bootstrap servers');
  await page.fill('#i-name', 'pizza-kafka');
  await page.click('#i-submit');
  await page.getByRole('cell', { name: 'pizza-kafka', exact: true }).waitFor();
  check(await page.getByRole('cell', { name: 'demo-kafka', exact: true }).count() === 0, 'the renamed integration is listed once');
  log('an integration is edited in place');

  // A table over it, then edited: its CREATE TABLE follows.
  await page.click('nav a[data-page=tables]');
  await page.locator('h1', { hasText: 'Tables' }).waitFor();
  await page.fill('#t-name', 'pizza_orders');
  await page.fill('#t-topic', 'pizzas');
  await page.fill('#t-schema-sql', 'id INT,\nshop VARCHAR');
  await page.click('#t-submit');
  await page.getByRole('cell', { name: 'pizza_orders', exact: true }).waitFor();
  await page.click('button[aria-label="Edit table pizza_orders"]');
  await page.locator('#t-heading', { hasText: 'Edit table pizza_orders' }).waitFor();
  check(await page.inputValue('#t-topic') === 'pizzas', 'the edit form shows the topic');
  await page.fill('#t-topic', 'pizza-orders-v2');
  await page.fill('#t-schema-sql', 'id INT,\nshop VARCHAR,\nname VARCHAR');
  await page.click('#t-submit');
  await page.locator('pre', { hasText: 'pizza-orders-v2' }).waitFor();
  check(await page.getByRole('cell', { name: 'pizza_orders', exact: true }).count() === 1, 'the edited table is listed once');
  log('a table is edited in place');
  await shot(page, 'tables');

  // The application, and a version with a typo.
  await page.click('nav a[data-page=applications]');
  await page.fill('#a-name', 'BasicFiltering');
  await page.keyboard.press('Enter');
  await page.locator('h1', { hasText: 'Application BasicFiltering' }).waitFor();
  await page.fill('#sql-sources-0', SOURCE);
  await page.fill('#sql-sinks-0', SINK);
  // Completion of a table name from the DDL above.
  await page.focus('#sql-statement');
  await page.keyboard.type('insert into pizza_f');
  await page.locator('.completion li', { hasText: 'pizza_filtered' }).waitFor();
  await page.keyboard.press('Enter');
  check((await page.inputValue('#sql-statement')) === 'insert into pizza_filtered', 'completion fills in pizza_filtered');
  await page.keyboard.type('\nselect phone');
  await page.locator('.completion li', { hasText: 'phoneNumber' }).waitFor();
  await page.keyboard.press('Escape');
  check((await page.locator('.completion').count()) === 0, 'Escape closes the completion list');
  log('completion offers table and column names');
  const typo = STATEMENT.replace('    name,', '    nmae,');
  await page.fill('#sql-statement', typo);
  await page.click('#validate');
  const error = page.locator('#sql-statement').locator('xpath=ancestor::div[contains(@class,"editor")]').locator('.sql-error');
  await error.first().waitFor();
  const text = await error.first().innerText();
  check(/Line 4, column 5/.test(text) && /nmae/.test(text), `the error is at line 4, column 5 and names nmae: ${text}`);
  check((await page.locator('.err-mark').first().innerText()).includes('nmae'), 'the typo is marked in the text');
  log(`inline error: ${text}`);
  await shot(page, 'application-error');

  // The fix, saved and deployed.
  await page.fill('#sql-statement', STATEMENT);
  await page.click('#validate');
  await page.locator('#v-status', { hasText: 'Valid SQL.' }).waitFor();
  await page.click('#save');
  await banner(page).filter({ hasText: 'Version 1 saved.' }).waitFor();
  await shot(page, 'application');
  await page.click('button:has-text("Deploy version 1")');
  await page.locator('#status', { hasText: 'RUNNING' }).waitFor();
  log('RUNNING');

  // The graph: rows per second above zero, the watermark moving on.
  const positive = async () => page.$$eval('.rate-in', (cells) => cells.some((c) => parseFloat(c.textContent.replace(/,/g, '')) > 0));
  for (let i = 0; !(await positive()); i++) {
    check(i < 120, 'rows/s above zero in the graph');
    await page.waitForTimeout(500);
  }
  log('rows/s above zero');
  const watermark = () => page.locator('.op[data-name="WatermarkAssigner"] .watermark').innerText();
  let first = await watermark();
  for (let i = 0; first === 'none yet'; i++) {
    check(i < 120, 'a watermark');
    await page.waitForTimeout(500);
    first = await watermark();
  }
  for (let i = 0; (await watermark()) <= first; i++) {
    check(i < 120, `the watermark advances past ${first}`);
    await page.waitForTimeout(500);
  }
  log(`watermark advanced from ${first} to ${await watermark()}`);
  await page.locator('.tail-row').first().waitFor();
  check((await page.locator('.tail-row').first().innerText()).includes('+I'), 'live rows are +I');
  log('live rows in the tail');
  // Clicking a box highlights its SQL.
  const highlighted = async () => (await page.locator('#sql .hl').allInnerTexts()).join('');
  await page.click('.op[data-name="Sink: pizza_filtered"]');
  check((await highlighted()).toLowerCase() === 'insert into pizza_filtered', `the sink highlights its INSERT INTO: ${await highlighted()}`);
  await page.focus('.op[data-name="WatermarkAssigner"]');
  await page.keyboard.press('Enter');
  check((await highlighted()).startsWith('WATERMARK FOR orderTimestamp'), `the watermark assigner highlights WATERMARK FOR: ${await highlighted()}`);
  await shot(page, 'deployment');

  // Stop with a savepoint.
  await page.click('#stop');
  await page.locator('#status', { hasText: 'FINISHED' }).waitFor();
  await page.locator('tr.savepoint').first().waitFor();
  log('stopped with a savepoint');
  await shot(page, 'deployment-stopped');
  await page.click('nav a[data-page=deployments]');
  await page.locator('.status', { hasText: 'FINISHED' }).waitFor();
  await shot(page, 'deployments');

  // The server gone: the console says it is unreachable.
  await page.route('**/api/**', (r) => r.abort());
  await page.click('nav a[data-page=integrations]');
  await banner(page).filter({ hasText: 'unreachable' }).waitFor();
  log('an unreachable server is explained');
});
