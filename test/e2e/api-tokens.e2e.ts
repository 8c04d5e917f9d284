// Creating an API token in Chromium, with axe run on every page: the new token's page says it will
// not be shown again, and with JavaScript has a button that copies the token (what the clipboard
// then holds is checked); without JavaScript there is no button, and the token is still there to copy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO } from '../../src/demo/index.ts';
import { JOURNEY_TIMEOUT_MS, useBrowser } from './support/browser.ts';
import { expectPage, signIn, textOf } from './support/pages.ts';

describe('API tokens in the browser', () => {
  const browser = useBrowser();

  /** Signs in as the SCITT's admin and creates a token called `name`, up to its one-time page. */
  async function createToken(page: Page, name: string) {
    await page.goto('/sign-in');
    await signIn(page, 'provider@example.com');
    await expectPage(page, { path: '/', heading: DEMO.scitt.name });
    await page.getByRole('navigation').getByRole('link', { name: 'Your organisation' }).click();
    await expectPage(page, { path: '/organisation', heading: 'Your organisation' });
    await page.getByRole('link', { name: 'Manage API tokens' }).click();
    await expectPage(page, { path: '/organisation/api-tokens', heading: 'API tokens' });
    await page.getByRole('button', { name: 'Create a token' }).click();
    await expectPage(page, { path: '/organisation/api-tokens/new', heading: 'Create an API token' });
    await page.getByLabel('Token name').fill(name);
    await page.getByRole('button', { name: 'Create token' }).click();
    await expectPage(page, { path: '/organisation/api-tokens/new', heading: 'Your new API token' });
    assert.match(await textOf(page.locator('.govuk-warning-text')), /It will not be shown again/);
    const token = await page.getByLabel(`API token “${name}”`).inputValue();
    assert.match(token, /^rbk_[\w-]{43}$/);
    return token;
  }

  it('with JavaScript: copies the new token with one button, and says so', {
    timeout: JOURNEY_TIMEOUT_MS,
  }, async () => {
    const page = await browser.newPage({ javaScript: true, permissions: ['clipboard-read', 'clipboard-write'] });
    const token = await createToken(page, 'Student record system');
    const copy = page.getByRole('button', { name: 'Copy the token' });
    assert.equal(await copy.count(), 1);
    await copy.click();
    await page.getByText('Token copied').waitFor();
    assert.match(await textOf(page.getByRole('status')), /Token copied\. It will not be shown again/);
    // Run in the page (a string, as this file is type-checked without the DOM's types).
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), token);
    await expectPage(page, { path: '/organisation/api-tokens/new', heading: 'Your new API token' });
  });

  it('without JavaScript: no button, and the token is there to select and copy', {
    timeout: JOURNEY_TIMEOUT_MS,
  }, async () => {
    const page = await browser.newPage({ javaScript: false });
    await createToken(page, 'Finance system');
    assert.equal(await page.getByRole('button', { name: 'Copy the token' }).count(), 0);
  });
});
