// On a phone (390 × 844, the size of many) no page is wider than the screen: wide tables scroll
// inside their own box, which a keyboard can reach and scroll; the header and footer stay in line
// with the page. Through the trainee list, uploads, sign-off and the audit log (and the pages on the
// way), with JavaScript and without, each checked with axe.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO } from '../../src/demo/index.ts';
import { uploadFixtureFile } from '../support/fixtures.ts';
import { useBrowser } from './support/browser.ts';
import { PLACEMENTS } from './support/kinds.ts';
import { expectPage, signIn } from './support/pages.ts';
import { UploadPages } from './support/upload.ts';

const TEST_TIMEOUT_MS = 180_000;
/** A phone's screen, as the browser context gives it. */
const PHONE_CONTEXT = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/** How much wider than the screen the page is (0 when it fits), and what sticks out. */
async function overflow(page: Page): Promise<{ by: number; widest: string[] }> {
  return page.evaluate(`(() => {
    const width = window.innerWidth;
    const root = document.documentElement;
    const widest = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 1 && el.closest('.rollbook-table-container') === null)
      .slice(0, 5)
      .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : ''));
    return { by: root.scrollWidth - width, widest };
  })()`);
}

/** Header, main and footer start at the same left edge, as on a wide screen. */
async function leftEdges(page: Page): Promise<number[]> {
  return page.evaluate(`[
    '.govuk-service-navigation .govuk-width-container',
    'main',
    '.govuk-footer .govuk-width-container',
  ].map((selector) => Math.round(document.querySelector(selector).getBoundingClientRect().left))`);
}

describe('pages on a phone', () => {
  const browser = useBrowser();

  /** The page fits the screen, its header, content and footer line up, and any wide table scrolls in its own region. */
  async function expectFits(page: Page, where: string) {
    const { by, widest } = await overflow(page);
    assert.ok(by <= 0, `${where} is ${by}px wider than the screen: ${widest.join(', ')}`);
    const edges = await leftEdges(page);
    assert.ok(
      edges.every((edge) => edge === edges[0]),
      `${where}: header, content and footer start at ${edges.join(', ')}`,
    );
    for (const region of await page.locator('.rollbook-table-container').all()) {
      assert.equal(await region.getAttribute('role'), 'region', `${where}: a table's box is a region`);
      assert.equal(await region.getAttribute('tabindex'), '0', `${where}: a keyboard can scroll it`);
      assert.ok(await region.getAttribute('aria-label'), `${where}: the region is named`);
    }
  }

  async function visit(page: Page, path: string, heading: string | RegExp) {
    await page.goto(path);
    await expectPage(page, { path, heading });
    await expectFits(page, path);
  }

  /** The page's table scrolls inside its region, named so, and the arrow keys scroll it once it has focus. */
  async function expectScrollingTable(page: Page, name: string) {
    const region = page.getByRole('region', { name });
    assert.equal(await region.count(), 1, `a region called “${name}”`);
    assert.equal(await region.getByRole('table').count(), 1);
    type Box = { scrollWidth: number; clientWidth: number; scrollLeft: number };
    const sizes = () =>
      region.evaluate((el: Box) => ({ scroll: el.scrollWidth, client: el.clientWidth, left: el.scrollLeft }));
    const before = await sizes();
    assert.ok(before.scroll > before.client, `the “${name}” table is wider than its box, so it scrolls`);
    await region.focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    // Keyboard scrolling is smooth, so it may take a moment.
    let left = 0;
    for (let tries = 0; tries < 20 && left === 0; tries++) {
      await page.waitForTimeout(100);
      left = (await sizes()).left;
    }
    assert.ok(left > 0, `the arrow keys scroll the “${name}” table`);
  }

  for (const javaScript of [true, false]) {
    it(`${javaScript ? 'with' : 'without'} JavaScript: a provider’s pages fit a 390-pixel screen`, {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const page = await browser.newPage({ javaScript, ...PHONE_CONTEXT });
      await page.goto('/sign-in');
      await expectFits(page, '/sign-in');
      await signIn(page, 'provider@example.com');
      await expectPage(page, { path: '/', heading: DEMO.scitt.name });
      await expectFits(page, '/');

      await visit(page, '/trainees', 'Trainees');
      await visit(page, '/trainees?placements=fewer-than-2&sort=end-date', 'Trainees');
      if (javaScript) await expectScrollingTable(page, 'Trainees');
      const first = page.getByRole('table').getByRole('link').first();
      const href = (await first.getAttribute('href')) ?? '';
      await visit(page, href, /.+/);

      // An upload, so that the list of uploads has a row.
      const uploads = new UploadPages(page, PLACEMENTS);
      await uploads.openStartPage();
      await expectFits(page, PLACEMENTS.start);
      await uploads.upload({
        ...uploadFixtureFile('placements', 'unknown-trn'),
        name: `phone-${javaScript ? 'js' : 'no-js'}.csv`,
      });
      await expectFits(page, 'the upload’s summary');
      await visit(page, '/uploads', 'Uploads');
      if (javaScript) await expectScrollingTable(page, 'Your organisation’s uploads');

      await visit(page, '/sign-off', 'Performance profile sign-off');
      await visit(page, '/sign-off?show=all', 'Performance profile sign-off');
      if (javaScript) await expectScrollingTable(page, 'Trainees with a course outcome in');
      await visit(page, '/organisation', 'Your organisation');
      await visit(page, '/organisation/audit-log', 'Audit log');
      await visit(page, '/organisation/audit-log?who=rollbook&what=placement-added', 'Audit log');
      await visit(page, '/placements', 'Placements offered by schools');
    });
  }

  it('support’s lists fit a 390-pixel screen too', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await browser.newPage({ javaScript: true, ...PHONE_CONTEXT });
    await page.goto('/sign-in');
    await signIn(page, 'support@example.com');
    await expectPage(page, { path: '/', heading: DEMO.support.name });
    await expectFits(page, '/');
    await visit(page, '/support/audit-log', 'Audit log');
    await visit(page, '/support/organisations', 'Organisations');
    await visit(page, '/support/sign-offs', 'Performance profile sign-off by provider');
    await visit(page, '/support/outbox', /Emails sent/);
  });
});
