/*
 * app.js - the member's side of fe-web (docs/web.md): one page, hash routes,
 * the JSON API over fetch.  Served under a strict Content-Security-Policy, so
 * no inline script or style, no eval; every string that comes from the
 * server or the member is written with textContent, never as HTML.
 *
 * Routes: #signup, #login, #forgot, #confirm=TOKEN, #reset=TOKEN, #account.
 */
'use strict';

(function () {
	var MAILBOXES = ['admin', 'administrator', 'hostmaster', 'postmaster', 'webmaster'];
	var REASONS = ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded',
		'cessationOfOperation'];
	var DOWNLOADS = [
		['cert.pem', 'certificate (PEM)'],
		['cert.der', 'certificate (DER)'],
		['chain.p7b', 'chain (PKCS#7)'],
		['chain.pem', 'chain (PEM)']
	];
	var POLL_MS = 2000;

	var state = {
		me: null,        /* GET /api/me, or null when logged out */
		csrf: null,
		resetToken: null,
		confirmed: {},   /* tokens already sent to /api/confirm */
		pollTimer: null
	};

	function $(id) { return document.getElementById(id); }

	function el(tag, attrs, text) {
		var e = document.createElement(tag);
		if (attrs) {
			Object.keys(attrs).forEach(function (k) {
				if (attrs[k] !== null && attrs[k] !== undefined)
					e.setAttribute(k, attrs[k]);
			});
		}
		if (text !== undefined && text !== null)
			e.textContent = String(text);
		return e;
	}

	function clear(node) {
		while (node.firstChild)
			node.removeChild(node.firstChild);
	}

	/* --- the API ------------------------------------------------------ */

	function ApiError(status, message, data) {
		this.status = status;
		this.message = message;
		this.data = data;
	}

	/*
	 * api(METHOD, PATH, BODY): resolves to {status, data}; rejects with an
	 * ApiError carrying the server's {"error": ...} message.  Every POST
	 * is JSON and carries the CSRF token when there is one.
	 */
	function api(method, path, body) {
		var opts = {
			method: method,
			credentials: 'same-origin',
			cache: 'no-store',
			headers: { 'Accept': 'application/json' }
		};
		if (method !== 'GET') {
			opts.headers['Content-Type'] = 'application/json';
			if (state.csrf)
				opts.headers['X-CSRF-Token'] = state.csrf;
			opts.body = JSON.stringify(body || {});
		}
		return fetch(path, opts).then(function (res) {
			return res.text().then(function (text) {
				var data = null;
				if (text) {
					try { data = JSON.parse(text); } catch (e) { data = null; }
				}
				if (!res.ok) {
					var msg = data && typeof data.error === 'string' ? data.error
						: 'the server answered ' + res.status + ' ' + res.statusText;
					throw new ApiError(res.status, msg, data);
				}
				return { status: res.status, data: data || {} };
			});
		}, function (err) {
			throw new ApiError(0, 'cannot reach the server (' + err.message + ')', null);
		});
	}

	/* The error's message and whatever else the server said (a 422 of a
	 * domain check carries what it found). */
	function errorText(err) {
		if (!(err instanceof ApiError))
			return 'error: ' + (err && err.message ? err.message : String(err));
		var text = err.message;
		if (err.data && typeof err.data === 'object') {
			var extra = Object.keys(err.data).filter(function (k) { return k !== 'error'; });
			extra.forEach(function (k) {
				var v = err.data[k];
				text += '\n' + k + ': ' + (typeof v === 'string' ? v : JSON.stringify(v));
			});
		}
		return text;
	}

	function say(node, text, kind) {
		node.textContent = text || '';
		node.classList.remove('ok', 'error');
		if (text && kind)
			node.classList.add(kind);
	}

	function flash(text, kind) { say($('flash'), text, kind); }

	/* Runs a form's submission: disables its button while the call runs,
	 * shows the outcome in MSG. */
	function onSubmit(form, msg, fn) {
		form.addEventListener('submit', function (ev) {
			ev.preventDefault();
			var button = form.querySelector('button[type=submit]');
			if (button)
				button.disabled = true;
			say(msg, '');
			Promise.resolve().then(fn).then(function (text) {
				if (text)
					say(msg, text, 'ok');
			}, function (err) {
				say(msg, errorText(err), 'error');
			}).then(function () {
				if (button)
					button.disabled = false;
			});
		});
	}

	/* --- views and routes ----------------------------------------------- */

	function showView(name) {
		var views = document.querySelectorAll('.view');
		for (var i = 0; i < views.length; i++)
			views[i].hidden = views[i].getAttribute('data-view') !== name;
		document.body.setAttribute('data-view', name);
		if (name !== 'account')
			stopPolling();
	}

	function setLoggedIn(on) {
		document.body.classList.toggle('logged-in', on);
		document.body.classList.toggle('logged-out', !on);
	}

	function route() {
		var h = location.hash.replace(/^#/, '');
		flash('');
		if (h.indexOf('confirm=') === 0)
			return confirmToken(decodeURIComponent(h.slice(8)));
		if (h.indexOf('reset=') === 0) {
			state.resetToken = decodeURIComponent(h.slice(6));
			say($('reset-msg'), '');
			return showView('reset');
		}
		switch (h) {
		case 'signup':
		case 'login':
		case 'forgot':
			return showView(h);
		case 'account':
			return state.me ? loadAccount() : go('login');
		default:
			return go(state.me ? 'account' : 'login');
		}
	}

	function go(name) {
		if (location.hash === '#' + name)
			route();
		else
			location.hash = '#' + name;
	}

	/* --- signing up, confirming, logging in ------------------------------- */

	function confirmToken(token) {
		showView('confirm');
		var msg = $('confirm-msg');
		$('confirm-next').setAttribute('href', state.me ? '#account' : '#login');
		if (state.confirmed[token]) {
			say(msg, state.confirmed[token], 'ok');
			return;
		}
		say(msg, 'Confirming…');
		return api('POST', '/api/confirm', { token: token }).then(function (r) {
			var text = 'Confirmed: ' + (r.data.confirmed || 'done') + '.';
			state.confirmed[token] = text;
			say(msg, text, 'ok');
			if (state.me)
				return refreshMe();
		}, function (err) {
			say(msg, errorText(err), 'error');
		});
	}

	onSubmit($('signup-form'), $('signup-msg'), function () {
		var email = $('signup-email').value.trim();
		return api('POST', '/api/signup', {
			name: $('signup-name').value.trim(),
			dob: $('signup-dob').value.trim(),
			email: email,
			password: $('signup-password').value
		}).then(function () {
			$('signup-password').value = '';
			return 'Signed up. We mailed a confirmation link to ' + email +
				'; open it, then log in.';
		});
	});

	onSubmit($('login-form'), $('login-msg'), function () {
		return api('POST', '/api/login', {
			email: $('login-email').value.trim(),
			password: $('login-password').value
		}).then(function (r) {
			state.csrf = r.data.csrf;
			$('login-password').value = '';
			return refreshMe().then(function () {
				go('account');
				return '';
			});
		});
	});

	onSubmit($('forgot-form'), $('forgot-msg'), function () {
		var email = $('forgot-email').value.trim();
		return api('POST', '/api/password/reset', { email: email }).then(function () {
			return 'If ' + email + ' belongs to an account, a link to choose a new password is on its way.';
		});
	});

	onSubmit($('reset-form'), $('reset-msg'), function () {
		if (!state.resetToken)
			throw new ApiError(0, 'this page needs the link from the mail', null);
		return api('POST', '/api/password/new', {
			token: state.resetToken,
			password: $('reset-password').value
		}).then(function () {
			$('reset-password').value = '';
			state.resetToken = null;
			return 'Your password is set. Log in with it.';
		});
	});

	$('logout').addEventListener('click', function () {
		api('POST', '/api/logout', {}).catch(function () { return null; }).then(function () {
			state.me = null;
			state.csrf = null;
			setLoggedIn(false);
			go('login');
			flash('You are logged out.', 'ok');
		});
	});

	/* --- the member's page ----------------------------------------------- */

	function refreshMe() {
		return api('GET', '/api/me').then(function (r) {
			state.me = r.data;
			if (r.data.csrf)
				state.csrf = r.data.csrf;
			setLoggedIn(true);
			if (document.body.getAttribute('data-view') === 'account')
				renderMe();
		}, function (err) {
			if (err.status === 401 || err.status === 403) {
				state.me = null;
				state.csrf = null;
				setLoggedIn(false);
				return;
			}
			throw err;
		});
	}

	function loadAccount() {
		showView('account');
		renderMe();
		return Promise.all([refreshMe(), loadProfiles(), loadRequests()]).catch(function (err) {
			flash(errorText(err), 'error');
		});
	}

	function renderMe() {
		var me = state.me;
		if (!me)
			return;
		$('me-name').textContent = me.name || '';
		$('me-dob').textContent = me.dob || '';
		$('me-email').textContent = me.email || '';
		$('me-points').textContent = String(me.points === undefined ? 0 : me.points);
		$('me-assurer').textContent = me.assurer ? 'yes' : 'no';
		var names = Array.isArray(me.assured_names) ? me.assured_names : [];
		$('me-names').textContent = names.length ? names.map(function (n) {
			if (n && typeof n === 'object')
				return n.name + (n.points !== undefined ? ' (' + n.points + ' points)' : '');
			return String(n);
		}).join('; ') : 'none yet';
		$('sec-assure').hidden = !me.assurer;
		renderEmails(me.emails || []);
		renderDomains(me.domains || []);
		renderRequestEmails(me.emails || []);
	}

	function renderEmails(emails) {
		var list = $('email-list');
		clear(list);
		emails.forEach(function (e) {
			var li = el('li', { 'data-test': 'email', 'data-address': e.address });
			li.appendChild(el('span', { 'class': 'name' }, e.address));
			li.appendChild(document.createTextNode(' '));
			li.appendChild(el('span', { 'class': 'state state-' + e.state, 'data-test': 'email-state' }, e.state));
			if (e.state !== 'confirmed')
				li.appendChild(el('span', { 'class': 'help' }, ' — open the link we mailed to it'));
			list.appendChild(li);
		});
		if (!emails.length)
			list.appendChild(el('li', null, 'No addresses.'));
	}

	onSubmit($('email-form'), $('email-msg'), function () {
		var address = $('email-address').value.trim();
		return api('POST', '/api/emails', { address: address }).then(function () {
			$('email-address').value = '';
			return refreshMe().then(function () {
				return 'We mailed a confirmation link to ' + address + '.';
			});
		});
	});

	/* One domain: its state and the three ways to prove control. */
	function renderDomain(d) {
		var li = el('li', { 'class': 'domain', 'data-test': 'domain', 'data-name': d.name, 'data-id': d.id });
		var head = el('p', { 'class': 'domain-head' });
		head.appendChild(el('strong', { 'class': 'name' }, d.name));
		head.appendChild(document.createTextNode(' '));
		head.appendChild(el('span', { 'class': 'state state-' + d.state, 'data-test': 'domain-state' }, d.state));
		if (d.method)
			head.appendChild(el('span', { 'class': 'help', 'data-test': 'domain-method' }, ' (by ' + d.method + ')'));
		li.appendChild(head);

		var dl = el('dl', { 'class': 'dcv' });
		function row(label, value, test) {
			dl.appendChild(el('dt', null, label));
			var dd = el('dd');
			dd.appendChild(el('code', { 'data-test': test }, value || ''));
			dl.appendChild(dd);
		}
		row('DNS: TXT record name', d.txt_name, 'txt-name');
		row('DNS: TXT record value', d.token, 'txt-value');
		row('HTTP: file at', d.http_path ? 'http://' + d.name + d.http_path : '', 'http-path');
		row('HTTP: file content', d.token, 'http-content');
		li.appendChild(dl);

		var form = el('form', { 'class': 'verify', 'data-test': 'verify-form' });
		var msg = el('p', { 'class': 'msg', 'role': 'alert', 'data-test': 'verify-msg' });
		function button(method, label) {
			var b = el('button', { type: 'button', 'data-test': 'verify-' + method, 'data-method': method }, label);
			b.addEventListener('click', function () { verifyDomain(d, method, form, msg); });
			return b;
		}
		form.appendChild(button('dns', 'Check the TXT record'));
		form.appendChild(button('http', 'Check the file'));
		var selId = 'mailbox-' + d.id;
		form.appendChild(el('label', { 'for': selId }, 'Mailbox'));
		var sel = el('select', { id: selId, name: 'mailbox', 'data-test': 'verify-mailbox' });
		MAILBOXES.forEach(function (m) { sel.appendChild(el('option', { value: m }, m + '@' + d.name)); });
		form.appendChild(sel);
		form.appendChild(button('email', 'Mail me a link there'));
		form.addEventListener('submit', function (ev) { ev.preventDefault(); });
		li.appendChild(form);
		li.appendChild(msg);
		return li;
	}

	function renderDomains(domains) {
		var list = $('domain-list');
		clear(list);
		domains.forEach(function (d) { list.appendChild(renderDomain(d)); });
		if (!domains.length)
			list.appendChild(el('li', null, 'No domains.'));
	}

	function verifyDomain(d, method, form, msg) {
		var body = { method: method };
		if (method === 'email')
			body.mailbox = form.querySelector('select[name=mailbox]').value;
		var buttons = form.querySelectorAll('button');
		Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
		say(msg, 'Checking…');
		api('POST', '/api/domains/' + encodeURIComponent(d.id) + '/verify', body).then(function (r) {
			var text;
			if (r.data.state === 'pending')
				text = 'We mailed a link to ' + (r.data.mailed || body.mailbox + '@' + d.name) +
					'; open it to finish.';
			else
				text = d.name + ': ' + (r.data.state || 'done') + '.';
			return refreshMe().then(function () {
				/* the list was redrawn: find this domain's message again */
				var again = document.querySelector('li[data-test=domain][data-id="' + String(d.id).replace(/"/g, '') + '"] [data-test=verify-msg]');
				say(again || msg, text, 'ok');
				flash(text, 'ok');
				return loadProfiles();
			});
		}, function (err) {
			say(msg, errorText(err), 'error');
		}).then(function () {
			Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
		});
	}

	onSubmit($('domain-form'), $('domain-msg'), function () {
		var name = $('domain-name').value.trim();
		return api('POST', '/api/domains', { name: name }).then(function (r) {
			$('domain-name').value = '';
			return refreshMe().then(function () {
				return 'Added ' + (r.data.name || name) + '. Now prove that you control it (below).';
			});
		});
	});

	onSubmit($('assure-form'), $('assure-msg'), function () {
		var member = $('assure-member').value.trim();
		return api('POST', '/api/assurances', {
			member: member,
			points: parseInt($('assure-points').value, 10),
			name: $('assure-name').value.trim(),
			date: $('assure-date').value.trim(),
			place: $('assure-place').value.trim()
		}).then(function () {
			$('assure-form').reset();
			return 'Recorded your assurance of ' + member + '.';
		});
	});

	/* --- certificate requests -------------------------------------------- */

	function loadProfiles() {
		return api('GET', '/api/profiles').then(function (r) {
			var sel = $('req-profile');
			var keep = sel.value;
			clear(sel);
			var profiles = Array.isArray(r.data.profiles) ? r.data.profiles : [];
			profiles.forEach(function (p) {
				var label = p.name + (p.unavailable ? ' (not yet: ' + p.unavailable + ')' : '');
				var o = el('option', { value: p.name }, label);
				if (p.unavailable)
					o.disabled = true;
				o.dataset.names = describe(p.names);
				o.dataset.needs = describe(p.needs);
				o.dataset.usesName = p.uses_name ? '1' : '';
				o.dataset.maxDays = p.max_days === undefined ? '' : String(p.max_days);
				sel.appendChild(o);
			});
			var usable = profiles.filter(function (p) { return !p.unavailable; });
			if (!usable.length)
				sel.insertBefore(el('option', { value: '' }, 'none yet: confirm an address or verify a domain first'), sel.firstChild);
			if (keep && usable.some(function (p) { return p.name === keep; }))
				sel.value = keep;
			else if (usable.length)
				sel.value = usable[0].name;
			else
				sel.value = '';
			profileHelp();
		});
	}

	function describe(v) {
		if (v === undefined || v === null)
			return '';
		if (Array.isArray(v))
			return v.join(', ');
		if (typeof v === 'object')
			return JSON.stringify(v);
		return String(v);
	}

	function profileHelp() {
		var o = $('req-profile').selectedOptions[0];
		var text = '';
		var kinds = { email: 'your confirmed email addresses', dns: 'DNS names under your verified domains',
			none: 'no addresses or DNS names' };
		if (o && o.value) {
			if (o.dataset.names)
				text += 'Names: ' + (kinds[o.dataset.names] || o.dataset.names) + '. ';
			if (o.dataset.usesName)
				text += 'Carries your assured name. ';
			if (o.dataset.needs)
				text += 'Needs: ' + o.dataset.needs + '. ';
			if (o.dataset.maxDays)
				text += 'At most ' + o.dataset.maxDays + ' days for you now.';
			$('req-use-name').checked = !!o.dataset.usesName;
			$('req-days').max = o.dataset.maxDays || '';
		}
		$('req-profile-help').textContent = text;
	}
	$('req-profile').addEventListener('change', profileHelp);

	function renderRequestEmails(emails) {
		var box = $('req-email-list');
		var checked = {};
		Array.prototype.forEach.call(box.querySelectorAll('input:checked'), function (i) { checked[i.value] = true; });
		clear(box);
		var ok = emails.filter(function (e) { return e.state === 'confirmed'; });
		ok.forEach(function (e, i) {
			var id = 'req-email-' + i;
			var div = el('div', { 'class': 'check' });
			var input = el('input', { type: 'checkbox', id: id, value: e.address, 'data-test': 'req-email' });
			input.checked = !!checked[e.address];
			div.appendChild(input);
			div.appendChild(el('label', { 'for': id }, e.address));
			box.appendChild(div);
		});
		if (!ok.length)
			box.appendChild(el('p', { 'class': 'help' }, 'No confirmed addresses.'));
	}

	$('req-csr-file').addEventListener('change', function () {
		var f = this.files && this.files[0];
		if (!f)
			return;
		if (f.size > 32768) {
			say($('req-msg'), 'that file is too large for a CSR', 'error');
			return;
		}
		var reader = new FileReader();
		reader.onload = function () {
			var text = String(reader.result);
			if (text.indexOf('-----BEGIN') === -1) {
				say($('req-msg'), f.name + ': not a PEM file (openssl req -outform PEM makes one)', 'error');
				return;
			}
			$('req-csr').value = text;
			say($('req-msg'), 'Read ' + f.name + '.', 'ok');
		};
		reader.onerror = function () { say($('req-msg'), 'cannot read ' + f.name, 'error'); };
		reader.readAsText(f);
	});

	onSubmit($('req-form'), $('req-msg'), function () {
		/* Only the fields given: a profile refuses names it does not carry. */
		var body = { profile: $('req-profile').value, csr: $('req-csr').value.trim() + '\n' };
		var dns = $('req-dns').value.split(/[\s,]+/).filter(function (s) { return s.length > 0; });
		var email = Array.prototype.map.call($('req-email-list').querySelectorAll('input:checked'),
			function (i) { return i.value; });
		if (dns.length)
			body.dns = dns;
		if (email.length)
			body.email = email;
		if ($('req-use-name').checked)
			body.use_name = true;
		var days = $('req-days').value.trim();
		if (days !== '')
			body.days = parseInt(days, 10);
		return api('POST', '/api/requests', body).then(function (r) {
			return loadRequests().then(function () {
				return 'Request ' + r.data.id + ' is ' + (r.data.state || 'queued') + '.';
			});
		});
	});

	function stopPolling() {
		if (state.pollTimer) {
			clearTimeout(state.pollTimer);
			state.pollTimer = null;
		}
	}

	function loadRequests() {
		stopPolling();
		return api('GET', '/api/requests').then(function (r) {
			var reqs = Array.isArray(r.data.requests) ? r.data.requests : [];
			renderRequests(reqs);
			say($('req-list-msg'), '');
			var busy = reqs.some(function (q) { return q.state === 'queued' || q.revocation === 'queued'; });
			if (busy && document.body.getAttribute('data-view') === 'account')
				state.pollTimer = setTimeout(function () {
					loadRequests().catch(function (err) { say($('req-list-msg'), errorText(err), 'error'); });
				}, POLL_MS);
		});
	}
	$('req-refresh').addEventListener('click', function () {
		loadRequests().catch(function (err) { say($('req-list-msg'), errorText(err), 'error'); });
	});

	/* The revocation of a request: null, or its state (queued, done,
	 * refused) and reason. */
	function revokedText(q) {
		if (!q.revocation)
			return '';
		var st = { queued: 'revocation queued', done: 'revoked', refused: 'revocation refused' };
		return (st[q.revocation] || 'revocation ' + q.revocation) +
			(q.revocation_reason ? ' (' + q.revocation_reason + ')' : '');
	}

	function renderRequests(reqs) {
		var body = $('req-list');
		clear(body);
		$('req-empty').hidden = reqs.length > 0;
		reqs.forEach(function (q) {
			var tr = el('tr', { 'data-test': 'request', 'data-id': q.id, 'data-state': q.state });
			tr.appendChild(el('td', { 'data-test': 'req-id' }, q.id));
			tr.appendChild(el('td', { 'data-test': 'req-profile' }, q.profile));
			tr.appendChild(el('td', { 'data-test': 'req-names' }, describe(q.names)));
			var st = el('td', { 'data-test': 'req-state' });
			st.appendChild(el('span', { 'class': 'state state-' + q.state }, q.state));
			if (q.reason)
				st.appendChild(el('span', { 'class': 'help', 'data-test': 'req-reason' }, ' ' + describe(q.reason)));
			var rv = revokedText(q);
			if (rv)
				st.appendChild(el('span', { 'class': 'state state-revoked', 'data-test': 'req-revoked',
					'data-revocation': q.revocation }, ' — ' + rv));
			if (q.not_after && q.state === 'issued')
				st.appendChild(el('span', { 'class': 'help', 'data-test': 'req-not-after' }, ' until ' + q.not_after));
			tr.appendChild(st);
			tr.appendChild(el('td', { 'data-test': 'req-serial' }, q.serial || ''));

			var dl = el('td', { 'class': 'downloads' });
			if (q.state === 'issued') {
				DOWNLOADS.forEach(function (d) {
					var href = '/api/requests/' + encodeURIComponent(q.id) + '/' + d[0];
					var a = el('a', {
						href: href,
						download: 'request-' + q.id + '-' + d[0],
						'data-test': 'dl-' + d[0].replace('.', '-'),
						title: d[1]
					}, d[0]);
					dl.appendChild(a);
					dl.appendChild(document.createTextNode(' '));
				});
			}
			tr.appendChild(dl);

			var rc = el('td');
			if (q.state === 'issued' && (!q.revocation || q.revocation === 'refused')) {
				var selId = 'revoke-reason-' + q.id;
				rc.appendChild(el('label', { 'for': selId, 'class': 'sr-only' }, 'Reason for revoking request ' + q.id));
				var sel = el('select', { id: selId, 'data-test': 'revoke-reason' });
				REASONS.forEach(function (r) { sel.appendChild(el('option', { value: r }, r)); });
				rc.appendChild(sel);
				var b = el('button', { type: 'button', 'data-test': 'revoke' }, 'Revoke');
				b.addEventListener('click', function () {
					b.disabled = true;
					api('POST', '/api/requests/' + encodeURIComponent(q.id) + '/revoke', { reason: sel.value })
						.then(function () {
							flash('Revocation of request ' + q.id + ' is queued.', 'ok');
							return loadRequests();
						}).catch(function (err) {
							b.disabled = false;
							say($('req-list-msg'), 'request ' + q.id + ': ' + errorText(err), 'error');
						});
				});
				rc.appendChild(b);
			}
			tr.appendChild(rc);
			body.appendChild(tr);
		});
	}

	/* --- start --------------------------------------------------------- */

	window.addEventListener('hashchange', route);
	setLoggedIn(false);
	refreshMe().catch(function (err) { flash(errorText(err), 'error'); }).then(function () {
		document.body.setAttribute('data-ready', '1');
		route();
	});
}());
