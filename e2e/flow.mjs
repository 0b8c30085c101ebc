// Pinhole's browser flow: two members in separate browser contexts share,
// follow, like and comment through the real web UI.
//
// Environment:
//   BASE_URL          where Pinhole runs, e.g. http://127.0.0.1:8080 (required)
//   FIXTURE_JPEG      path to a JPEG photo to upload (required)
//   SCREENSHOT_DIR    where to save screenshots (optional)
//   PINHOLE_CHROMIUM  the Chromium binary (default /usr/bin/chromium)
//
// Exits non-zero with a message naming the failed step.

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const BASE = (process.env.BASE_URL || '').replace(/\/$/, '');
const FIXTURE = process.env.FIXTURE_JPEG || '';
const SHOTS = process.env.SCREENSHOT_DIR || '';
const CHROMIUM = process.env.PINHOLE_CHROMIUM || '/usr/bin/chromium';

const STEP_TIMEOUT = 15_000;
const TOTAL_TIMEOUT = 150_000;

const CAPTION = 'Sunset at the pier #sunset';
const ALT = 'The sun setting behind a wooden pier, the sea glowing orange';
const COMMENT = 'Gorgeous light!';

if (!BASE || !FIXTURE) {
  console.error('flow: set BASE_URL and FIXTURE_JPEG');
  process.exit(2);
}

const watchdog = setTimeout(() => {
  console.error(`flow: FAILED: the whole flow took longer than ${TOTAL_TIMEOUT / 1000}s`);
  process.exit(1);
}, TOTAL_TIMEOUT);

let step = 'start';
const problems = []; // console errors and page errors (CSP violations show up here)
const pages = [];

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function newMember(browser, name) {
  const context = await browser.newContext({ viewport: { width: 430, height: 932 }, deviceScaleFactor: 2, locale: 'en-US' });
  context.setDefaultTimeout(STEP_TIMEOUT);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT);
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${name}: console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`));
  pages.push({ name, page });
  return page;
}

async function signup(page, username) {
  await page.goto(BASE + '/');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.waitForURL(BASE + '/signup');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('E-mail').fill(`${username}@example.com`);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL(BASE + '/');
  await page.getByRole('heading', { name: `Welcome to Pinhole, ${username}!` }).waitFor();
}

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name), timeout: STEP_TIMEOUT });
  console.log(`flow: screenshot ${join(SHOTS, name)}`);
}

async function run() {
  step = 'launch chromium';
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const alice = await newMember(browser, 'alice');
    const bob = await newMember(browser, 'bob');

    step = 'alice signs up';
    await signup(alice, 'alice');
    step = 'bob signs up';
    await signup(bob, 'bob');

    step = 'alice posts a photo';
    await alice.getByRole('link', { name: 'New post' }).click();
    await alice.waitForURL(BASE + '/new');
    await alice.getByLabel('Photos').setInputFiles(FIXTURE);
    const altField = alice.getByLabel('Alt text for photo 1'); // added by app.js with the preview
    await altField.fill(ALT);
    await alice.getByRole('img', { name: 'Preview of photo 1' }).waitFor();
    await alice.getByLabel('Caption').fill(CAPTION);
    await alice.getByRole('button', { name: 'Share' }).click();
    await alice.waitForURL(/\/p\/\d+$/);
    const postURL = alice.url();
    const photo = alice.locator('article.post .slide img').first();
    check(await photo.getAttribute('alt') === ALT, `the post's photo should have the alt text, got ${await photo.getAttribute('alt')}`);
    await alice.waitForFunction(() => { const i = document.querySelector('article.post .slide img'); return i && i.complete && i.naturalWidth > 0; });
    const tag = alice.locator('article.post .caption a.hashtag');
    check((await tag.getAttribute('href')).endsWith('/tags/sunset'), 'the caption should link #sunset');

    step = 'bob follows alice';
    await bob.goto(BASE + '/@alice');
    await bob.getByRole('heading', { name: 'alice' }).waitFor();
    await bob.getByRole('button', { name: 'Follow', exact: true }).click();
    await bob.waitForURL(BASE + '/@alice');
    await bob.getByRole('button', { name: 'Unfollow' }).waitFor();
    check((await bob.locator('.stats').innerText()).includes('1 follower'), 'alice should have 1 follower');
    await bob.locator('.grid .tile img').first().waitFor();

    step = 'bob sees the post on his home feed';
    const card = bob.locator('article.post', { hasText: 'Sunset at the pier' });
    const deadline = Date.now() + 10_000; // the feed is filled by an event consumer
    for (;;) {
      await bob.goto(BASE + '/');
      if (await card.count() > 0) break;
      check(Date.now() < deadline, 'the post never reached bob\'s home feed');
      await bob.waitForTimeout(500);
    }
    await card.getByRole('link', { name: 'alice' }).first().waitFor();
    check(await card.locator('.slide img').getAttribute('alt') === ALT, 'the feed photo should have the alt text');
    await bob.waitForFunction(() => { const i = document.querySelector('article.post .slide img'); return i && i.complete && i.naturalWidth > 0; });

    step = 'bob likes the post';
    const like = card.getByRole('button', { name: 'Like' });
    check(await like.getAttribute('aria-pressed') === 'false', 'the post should start unliked');
    await like.click();
    await card.locator('[data-like-count]', { hasText: /^1 like$/ }).waitFor();
    await bob.waitForFunction(() => document.querySelector('article.post .like').getAttribute('aria-pressed') === 'true');
    check(bob.url() === BASE + '/', 'liking should not leave the feed');
    await bob.reload(); // the like is stored, not only shown
    await card.locator('[data-like-count]', { hasText: /^1 like$/ }).waitFor();
    check(await card.getByRole('button', { name: 'Like' }).getAttribute('aria-pressed') === 'true', 'the like should persist');
    await shot(bob, 'bob-home-feed.png');

    step = 'alice waits on her home feed';
    await alice.goto(BASE + '/');
    const before = parseInt(await alice.locator('.badge[data-unread]').getAttribute('data-unread'), 10) || 0;
    await alice.waitForTimeout(500); // the live stream connects

    step = 'bob comments';
    await card.getByRole('link', { name: 'Comment' }).click();
    await bob.waitForURL(postURL + '#comment');
    await bob.getByLabel('Add a comment').fill(COMMENT);
    await bob.getByRole('button', { name: 'Post', exact: true }).click();
    await bob.waitForURL(/\/p\/\d+#c\d+$/);
    await bob.locator('#comment-list .comment', { hasText: COMMENT }).waitFor();

    step = "alice's notification badge counts the comment without a reload";
    await alice.waitForFunction((n) => {
      const b = document.querySelector('.badge[data-unread]');
      return b && !b.hidden && parseInt(b.textContent, 10) >= n;
    }, before + 1, { timeout: 15000 });
    check(alice.url() === BASE + '/', 'the badge should update in place');

    step = 'alice sees the comment and the like';
    await alice.goto(postURL);
    const comment = alice.locator('#comment-list .comment', { hasText: COMMENT });
    await comment.waitFor();
    check((await comment.locator('.author').innerText()) === 'bob', 'the comment should be by bob');
    await alice.locator('[data-like-count]', { hasText: /^1 like$/ }).waitFor();
    check(await comment.getByRole('button', { name: 'Delete comment by bob' }).count() === 1, 'alice should be able to delete comments on her post');
    await alice.waitForFunction(() => { const i = document.querySelector('article.post .slide img'); return i && i.complete && i.naturalWidth > 0; });
    await shot(alice, 'alice-post-page.png');

    step = 'no browser errors';
    check(problems.length === 0, 'the pages logged errors:\n  ' + problems.join('\n  '));
  } catch (err) {
    for (const { name, page } of pages) {
      try {
        console.error(`flow: ${name} was at ${page.url()}`);
        if (SHOTS) await shot(page, `failure-${name}.png`);
      } catch { /* the page may be gone */ }
    }
    throw err;
  } finally {
    await browser.close().catch(() => {});
  }
}

try {
  await run();
  clearTimeout(watchdog);
  console.log('flow: OK: signup, post, follow, feed, like, comment');
} catch (err) {
  console.error(`flow: FAILED at "${step}": ${err && err.message ? err.message : err}`);
  if (problems.length) console.error('flow: browser errors:\n  ' + problems.join('\n  '));
  process.exit(1);
}
