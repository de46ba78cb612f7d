// webui.mjs - the fe-web browser scenario (tests/e2e/browser.sh runs it):
// headless Debian chromium, driven by playwright-core, uses the static UI
// (web/) the way a member would: sign up, confirm the address from the mail
// the SMTP sink stored, log in, add a domain and prove it by DNS TXT (the
// record is published in a real nsd), request a server certificate for a
// CSR uploaded as a file, wait until it is issued, and download the
// certificate and its chain through the page's links.
//
// Prints TAP lines "ok N - ..." / "not ok N - ..." numbered from
// FE_TAP_START + 1, and writes the last number to FE_OUT/tap.n; exits 1 at
// the first failed step (the later ones depend on it).
//
// Environment (all set by browser.sh):
//   FE_URL       fe-web's base URL, http://127.0.0.1:PORT
//   FE_MAILDIR   the smtp-sink's directory (N.eml files)
//   FE_OUT       where the downloads go (cert.pem, cert.der, chain.pem, chain.p7b)
//   FE_CSR       the CSR file to upload
//   FE_DOMAIN    the domain to add (its zone is served by nsd)
//   FE_DNS_NAME  the DNS name to request (under FE_DOMAIN)
//   FE_ZONE      the zone file of FE_DOMAIN (its SOA serial is raised)
//   FE_NSD_RUN, FE_NSD_DIR   `FE_NSD_RUN reload FE_NSD_DIR` after the edit
//   FE_CHROMIUM  the browser (default /usr/bin/chromium)
//   FE_ISSUE_SECONDS  how long to wait for the certificate (default 120)
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const env = (k, d) => {
	const v = process.env[k] ?? d;
	if (v === undefined) {
		console.log(`not ok - webui.mjs: ${k} is not set`);
		process.exit(1);
	}
	return v;
};
const URL = env('FE_URL').replace(/\/$/, '');
const MAILDIR = env('FE_MAILDIR');
const OUT = env('FE_OUT');
const CSR = env('FE_CSR');
const DOMAIN = env('FE_DOMAIN');
const DNS_NAME = env('FE_DNS_NAME');
const ZONE = env('FE_ZONE');
const NSD_RUN = env('FE_NSD_RUN');
const NSD_DIR = env('FE_NSD_DIR');
const CHROMIUM = env('FE_CHROMIUM', '/usr/bin/chromium');
const ISSUE_MS = 1000 * Number(env('FE_ISSUE_SECONDS', '120'));

let n = Number(env('FE_TAP_START', '0'));
const ok = (d) => { n++; console.log(`ok ${n} - ${d}`); };
const notok = (d, why) => {
	n++;
	console.log(`not ok ${n} - ${d}`);
	for (const line of String(why).split('\n').slice(0, 20))
		console.log(`#   ${line}`);
};

const member = {
	name: 'Erin Example',
	dob: '1990-04-12',
	email: 'erin@example.org',
	password: 'correct horse battery staple',
};

// --- mail ---------------------------------------------------------------

// The body of a stored message, decoded by its Content-Transfer-Encoding
// (quoted-printable, base64, or none), so that a link is found whole.
function mailText(raw) {
	const sep = raw.search(/\r?\n\r?\n/);
	const head = sep < 0 ? raw : raw.slice(0, sep);
	const body = sep < 0 ? '' : raw.slice(sep).replace(/^\r?\n\r?\n/, '');
	const cte = (head.match(/^content-transfer-encoding:\s*(\S+)/im) || [])[1] || '';
	switch (cte.toLowerCase()) {
	case 'quoted-printable':
		return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g,
			(_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
	case 'base64':
		return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
	default:
		return body;
	}
}

// Waits for a message to RCPT whose text has a link matching RE; returns
// the link.  SEEN: files already used.
async function waitForLink(rcpt, re, seen, ms = 20000) {
	const end = Date.now() + ms;
	for (;;) {
		const files = fs.readdirSync(MAILDIR).filter((f) => /^\d+\.eml$/.test(f) && !seen.has(f))
			.sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
		for (const f of files) {
			const raw = fs.readFileSync(path.join(MAILDIR, f), 'latin1');
			if (!raw.toLowerCase().includes(`x-sink-rcpt-to: <${rcpt.toLowerCase()}>`))
				continue;
			const m = mailText(raw).match(re);
			if (m) {
				seen.add(f);
				return { link: m[0], file: f };
			}
		}
		if (Date.now() > end)
			throw new Error(`no mail to ${rcpt} with a link like ${re} in ${MAILDIR} after ${ms / 1000} s (files: ${fs.readdirSync(MAILDIR).join(' ') || 'none'})`);
		await new Promise((r) => setTimeout(r, 200));
	}
}

// --- DNS ----------------------------------------------------------------

// Adds "NAME IN TXT VALUE" to the zone, raises its serial, reloads nsd
// (nsd-run reload returns once the new serial is served).
function publishTxt(name, value) {
	let zone = fs.readFileSync(ZONE, 'utf8');
	let bumped = false;
	zone = zone.replace(/(\bSOA\s+\S+\s+\S+\s+\(?\s*)(\d+)/, (_, head, serial) => {
		bumped = true;
		return head + String(Number(serial) + 1);
	});
	if (!bumped)
		throw new Error(`${ZONE}: no SOA serial found`);
	const owner = name.endsWith('.') ? name : name + '.';
	zone += `${owner} 60 IN TXT "${value.replace(/["\\]/g, '')}"\n`;
	fs.writeFileSync(ZONE, zone);
	execFileSync(NSD_RUN, ['reload', NSD_DIR], { stdio: ['ignore', 'pipe', 'pipe'] });
}

// --- the scenario ---------------------------------------------------------

const pageErrors = [];
const apiLog = [];   // the page's API calls, shown when a step fails
let browser;
let page;

async function step(desc, fn) {
	try {
		const r = await fn();
		ok(desc);
		return r;
	} catch (e) {
		const why = e && e.stack ? e.message : String(e);
		let shot = '';
		if (page) {
			const f = path.join(OUT, 'failure.png');
			if (await page.screenshot({ path: f, fullPage: true }).then(() => true, () => false))
				shot = `\nthe page as it was: ${f}`;
		}
		notok(desc, why + (apiLog.length ? '\nthe last API calls:\n' + apiLog.slice(-6).join('\n') : '') + shot);
		throw new Error('stop');
	}
}

async function textOf(loc) {
	return ((await loc.textContent()) || '').trim();
}

async function main() {
	fs.mkdirSync(OUT, { recursive: true });
	browser = await step(`headless chromium starts (${CHROMIUM})`, () => chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
		timeout: 60000,
	}));
	const context = await browser.newContext({ acceptDownloads: true });
	page = await context.newPage();
	page.setDefaultTimeout(20000);
	page.on('console', (m) => {
		if (m.type() === 'error')
			pageErrors.push(`console: ${m.text()}`);
	});
	page.on('pageerror', (e) => pageErrors.push(`page error: ${e.message}`));
	page.on('response', async (r) => {
		const u = new globalThis.URL(r.url());
		if (!u.pathname.startsWith('/api/'))
			return;
		let body = '';
		if (r.status() >= 400)
			body = ' ' + (await r.text().catch(() => '')).slice(0, 300);
		apiLog.push(`${r.request().method()} ${u.pathname} -> ${r.status()}${body}`);
	});
	page.on('requestfailed', (r) => apiLog.push(`${r.method()} ${r.url()} failed: ${r.failure()?.errorText}`));
	// CSRF: every POST from the page must carry the token and JSON.
	const badPosts = [];
	page.on('request', (r) => {
		if (r.method() !== 'POST')
			return;
		const h = r.headers();
		const p = new globalThis.URL(r.url()).pathname;
		if (h['content-type'] !== 'application/json')
			badPosts.push(`${p}: Content-Type ${h['content-type']}`);
		if (!['/api/signup', '/api/confirm', '/api/login', '/api/password/reset', '/api/password/new'].includes(p)
		    && !h['x-csrf-token'])
			badPosts.push(`${p}: no X-CSRF-Token`);
	});

	await step('the UI loads and shows the log-in page', async () => {
		await page.goto(`${URL}/`);
		await page.waitForSelector('body[data-ready="1"]');
		await page.locator('#view-login').waitFor({ state: 'visible' });
	});

	await step('sign up', async () => {
		await page.click('#nav-signup');
		await page.locator('#view-signup').waitFor({ state: 'visible' });
		await page.fill('#signup-name', member.name);
		await page.fill('#signup-dob', member.dob);
		await page.fill('#signup-email', member.email);
		await page.fill('#signup-password', member.password);
		await page.click('#signup-submit');
		const msg = page.locator('#signup-msg');
		await page.locator('#signup-msg.ok, #signup-msg.error').waitFor();
		if (!(await msg.getAttribute('class')).includes('ok'))
			throw new Error(`the page says: ${await textOf(msg)}`);
	});

	await step('logging in before confirming shows the API\'s refusal', async () => {
		await page.goto(`${URL}/#login`);
		await page.fill('#login-email', member.email);
		await page.fill('#login-password', member.password);
		await page.click('#login-submit');
		await page.locator('#login-msg.error').waitFor();
		const t = await textOf(page.locator('#login-msg'));
		if (!/not confirmed/i.test(t))
			throw new Error(`expected "email not confirmed", the page says: ${t}`);
	});

	const seen = new Set();
	const confirmRe = new RegExp(`${URL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/?#confirm=[A-Za-z0-9_.~%-]+`);
	const mail = await step('the confirmation mail reached the SMTP sink, with its link', () =>
		waitForLink(member.email, confirmRe, seen));

	await step(`opening the link (${mail.file}) confirms the address`, async () => {
		await page.goto(mail.link);
		const msg = page.locator('#confirm-msg');
		await page.locator('#confirm-msg.ok, #confirm-msg.error').waitFor();
		const t = await textOf(msg);
		if (!t.includes(`Confirmed: ${member.email}`))
			throw new Error(`the page says: ${t}`);
	});

	await step('a wrong password is refused, with the API\'s message', async () => {
		await page.goto(`${URL}/#login`);
		await page.fill('#login-email', member.email);
		await page.fill('#login-password', 'not the password at all');
		await page.click('#login-submit');
		await page.locator('#login-msg.error').waitFor();
		const t = await textOf(page.locator('#login-msg'));
		if (!/wrong email or password/.test(t))
			throw new Error(`the page says: ${t}`);
	});

	await step('log in: the member\'s page shows the confirmed address', async () => {
		await page.fill('#login-password', member.password);
		await page.click('#login-submit');
		await page.locator('#view-account').waitFor({ state: 'visible' });
		await page.locator('#me-email', { hasText: member.email }).waitFor();
		await page.locator(`li[data-test=email][data-address="${member.email}"] [data-test=email-state]`,
			{ hasText: 'confirmed' }).waitFor();
	});

	const dom = page.locator(`li[data-test=domain][data-name="${DOMAIN}"]`);
	const dcv = await step(`add the domain ${DOMAIN}: the page shows the TXT record to create`, async () => {
		await page.fill('#domain-name', DOMAIN);
		await page.click('#domain-submit');
		await dom.waitFor();
		const name = await textOf(dom.locator('[data-test=txt-name]'));
		const value = await textOf(dom.locator('[data-test=txt-value]'));
		const http = await textOf(dom.locator('[data-test=http-path]'));
		if (!name || !value)
			throw new Error(`TXT name '${name}', value '${value}'`);
		if (!name.replace(/\.$/, '').endsWith(DOMAIN))
			throw new Error(`the TXT name ${name} is not under ${DOMAIN}`);
		if (!http)
			throw new Error('no HTTP path shown');
		return { name, value };
	});

	await step('checking DNS before the record exists: the refusal is shown', async () => {
		await dom.locator('[data-test=verify-dns]').click();
		const msg = dom.locator('[data-test=verify-msg]');
		await dom.locator('[data-test=verify-msg].error, [data-test=verify-msg].ok').waitFor({ timeout: 30000 });
		if (!(await msg.getAttribute('class')).includes('error'))
			throw new Error(`it was accepted: ${await textOf(msg)}`);
		const state = await textOf(dom.locator('[data-test=domain-state]'));
		if (state === 'verified')
			throw new Error('the domain shows verified');
	});

	await step(`publish ${dcv.name} TXT in nsd`, () => publishTxt(dcv.name, dcv.value));

	// The zone's negative answers live 1 s: a member who checked too early
	// presses the button again, and so does this, up to 5 times.
	await step('verify the domain by DNS: the page shows it verified', async () => {
		const state = dom.locator('[data-test=domain-state]');
		let said = '';
		for (let i = 0; i < 5; i++) {
			await dom.locator('[data-test=verify-dns]').click();
			const msg = dom.locator('[data-test=verify-msg].error, [data-test=verify-msg].ok');
			await msg.waitFor({ timeout: 30000 });
			said = await textOf(msg);
			if ((await textOf(state)) === 'verified')
				return;
			await page.waitForTimeout(1500);
		}
		throw new Error(`the domain is ${await textOf(state)}; the page says: ${said}`);
	});

	await step('the server profile is offered now', async () => {
		await page.locator('#req-profile option[value=server]:not([disabled])').waitFor({ state: 'attached' });
		await page.selectOption('#req-profile', 'server');
	});

	const reqId = await step(`request a certificate for ${DNS_NAME} with the CSR uploaded as a file`, async () => {
		await page.setInputFiles('#req-csr-file', CSR);
		await page.locator('#req-msg.ok', { hasText: 'Read ' }).waitFor();
		const csr = await page.inputValue('#req-csr');
		if (!csr.includes('BEGIN CERTIFICATE REQUEST'))
			throw new Error('the CSR did not reach the text area');
		await page.fill('#req-dns', DNS_NAME);
		await page.fill('#req-days', '30');
		await page.click('#req-submit');
		const msg = page.locator('#req-msg');
		await page.locator('#req-msg.ok:not(:has-text("Read ")), #req-msg.error').waitFor();
		const t = await textOf(msg);
		const m = t.match(/^Request (\d+) is (\w+)/);
		if (!m)
			throw new Error(`the page says: ${t}`);
		return m[1];
	});

	const row = page.locator(`tr[data-test=request][data-id="${reqId}"]`);
	const serial = await step(`request ${reqId} is issued (the page polls; at most ${ISSUE_MS / 1000} s)`, async () => {
		const end = Date.now() + ISSUE_MS;
		for (;;) {
			const st = await row.getAttribute('data-state').catch(() => null);
			if (st === 'issued')
				break;
			if (st === 'refused')
				throw new Error(`refused: ${await textOf(row.locator('[data-test=req-state]'))}`);
			if (Date.now() > end)
				throw new Error(`still ${st} after ${ISSUE_MS / 1000} s`);
			await page.waitForTimeout(500);
		}
		const s = await textOf(row.locator('[data-test=req-serial]'));
		if (!/^[0-9A-Fa-f:]+$/.test(s))
			throw new Error(`serial '${s}'`);
		return s;
	});
	fs.writeFileSync(path.join(OUT, 'serial'), serial + '\n');

	for (const f of ['cert.pem', 'cert.der', 'chain.pem', 'chain.p7b']) {
		await step(`download ${f} through the page's link`, async () => {
			const link = row.locator(`[data-test=dl-${f.replace('.', '-')}]`);
			const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
			const failure = await dl.failure();
			if (failure)
				throw new Error(`download failed: ${failure}`);
			await dl.saveAs(path.join(OUT, f));
			if (fs.statSync(path.join(OUT, f)).size === 0)
				throw new Error('empty file');
		});
	}

	await step(`revoke it (keyCompromise): the page shows it revoked once the signer did`, async () => {
		await row.locator('[data-test=revoke-reason]').selectOption('keyCompromise');
		await row.locator('[data-test=revoke]').click();
		const rv = page.locator(`tr[data-test=request][data-id="${reqId}"] [data-test=req-revoked]`);
		const end = Date.now() + ISSUE_MS;
		for (;;) {
			const st = await rv.getAttribute('data-revocation', { timeout: 5000 }).catch(() => null);
			if (st === 'done')
				break;
			if (st === 'refused' || Date.now() > end)
				throw new Error(`revocation ${st}: ${await textOf(page.locator('#req-list-msg'))}`);
			await page.waitForTimeout(500);
		}
		const t = await textOf(rv);
		if (!t.includes('keyCompromise'))
			throw new Error(`the page says: ${t}`);
	});

	await step('log out: the log-in page is back and the session is gone', async () => {
		await page.click('#logout');
		await page.locator('#view-login').waitFor({ state: 'visible' });
		const r = await page.evaluate(async () => (await fetch('/api/me', { credentials: 'same-origin' })).status);
		if (r !== 401 && r !== 403)
			throw new Error(`GET /api/me after logout: ${r}`);
	});

	const resetRe = new RegExp(`${URL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/?#reset=[A-Za-z0-9_.~%-]+`);
	const reset = await step('forgot the password: the reset mail brings a #reset= link', async () => {
		await page.click('#link-forgot');
		await page.fill('#forgot-email', member.email);
		await page.click('#forgot-submit');
		await page.locator('#forgot-msg.ok, #forgot-msg.error').waitFor();
		if (!(await page.getAttribute('#forgot-msg', 'class')).includes('ok'))
			throw new Error(`the page says: ${await textOf(page.locator('#forgot-msg'))}`);
		return waitForLink(member.email, resetRe, seen);
	});

	member.password = 'a new and longer pass phrase';
	await step('the link\'s page sets a new password', async () => {
		await page.goto(reset.link);
		await page.locator('#view-reset').waitFor({ state: 'visible' });
		await page.fill('#reset-password', member.password);
		await page.click('#reset-submit');
		await page.locator('#reset-msg.ok, #reset-msg.error').waitFor();
		if (!(await page.getAttribute('#reset-msg', 'class')).includes('ok'))
			throw new Error(`the page says: ${await textOf(page.locator('#reset-msg'))}`);
	});

	await step('log in with the new password; the certificate is still listed; log out', async () => {
		await page.goto(`${URL}/#login`);
		await page.fill('#login-email', member.email);
		await page.fill('#login-password', member.password);
		await page.click('#login-submit');
		await page.locator('#view-account').waitFor({ state: 'visible' });
		await page.locator(`tr[data-test=request][data-id="${reqId}"]`).waitFor();
		await page.click('#logout');
		await page.locator('#view-login').waitFor({ state: 'visible' });
	});

	await step('every POST carried Content-Type: application/json and, logged in, X-CSRF-Token', async () => {
		if (badPosts.length)
			throw new Error(badPosts.join('\n'));
	});

	await step('no page errors, no Content-Security-Policy violations in the console', async () => {
		// 4xx answers the scenario provoked on purpose log "Failed to load resource".
		const real = pageErrors.filter((e) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(e));
		if (real.length)
			throw new Error(real.join('\n'));
	});
}

let rc = 0;
try {
	await main();
} catch (e) {
	if (e.message !== 'stop')
		notok('the scenario ran to the end', e.stack || e);
	rc = 1;
} finally {
	if (browser)
		await browser.close().catch(() => {});
	try { fs.writeFileSync(path.join(OUT, 'tap.n'), `${n}\n`); } catch { /* OUT missing */ }
}
process.exit(rc);
