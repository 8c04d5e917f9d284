// Helpers for browser journeys: where a page is, what it says, checking each page as it is reached
// (path, heading, axe), signing in, and files going in and out through the browser as a user's would.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../../src/demo/index.ts';
import { expectNoAxeViolations } from './server.ts';

/** The path and query of the page's URL. */
export const pathOf = (page: Page) => {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
};

/** The text of an element with its white space collapsed, as a reader would see it. */
export const textOf = async (locator: Locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

/** After each navigation: the page is where we expect, has the heading we expect, and passes axe. */
export async function expectPage(page: Page, { path, heading }: { path: string | RegExp; heading: string | RegExp }) {
  await page.waitForLoadState('load');
  if (typeof path === 'string') assert.equal(pathOf(page), path);
  else assert.match(pathOf(page), path);
  const h1 = await textOf(page.getByRole('heading', { level: 1 }));
  if (typeof heading === 'string') assert.equal(h1, heading);
  else assert.match(h1, heading);
  await expectNoAxeViolations(page);
}

export async function signIn(page: Page, email: string) {
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

export interface DownloadedFile {
  /** The name the browser would save it under. */
  fileName: string;
  bytes: Buffer;
}

/** Clicks a link that downloads a file, and reads the file the browser saved. */
export async function download(page: Page, link: Locator): Promise<DownloadedFile> {
  const [saved] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const failure = await saved.failure();
  if (failure) throw new Error(`The download of ${saved.url()} failed: ${failure}`);
  return { fileName: saved.suggestedFilename(), bytes: await readFile(await saved.path()) };
}

/**
 * Chooses a file in a file input by its label, as a user would: clicking the control opens the
 * browser's file chooser. Without JavaScript that is the native input; with it, GOV.UK Frontend's
 * "Choose file" button, which the label then names.
 */
export async function chooseFile(page: Page, label: string, file: { name: string; mimeType: string; buffer: Buffer }) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByLabel(label).click()]);
  await chooser.setFiles(file);
}
