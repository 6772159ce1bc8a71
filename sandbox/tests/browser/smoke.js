// Exercises the Plaid Link stand-in in a real browser under the strict CSP; writes a JSON
// report into #out, which tests/browser.rs reads from Chromium's --dump-dom output.
(function () {
  'use strict';
  var report = { warnings: window.__smoke.warnings, violations: window.__smoke.violations, results: {} };
  function write(done) {
    report.done = done;
    document.getElementById('out').textContent = JSON.stringify(report);
  }
  function sleep(ms) {
    return new Promise(function (r) { setTimeout(r, ms); });
  }
  function gql(query, variables) {
    return fetch('/v1/graphql', {
      method: 'POST',
      headers: { Authorization: 'Bearer sandbox-session-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ query: query, variables: variables })
    }).then(function (r) { return r.json(); });
  }
  function initialize(id, redirectUri) {
    return gql(
      'mutation($input: ConnectorPlaidInitializeInput!) { connectorPlaidInitialize(input: $input) { record { connectorToken linkToken } } }',
      { input: { connectionId: id, featuresRequired: ['TRANSACTIONS'], redirectUri: redirectUri || null } }
    ).then(function (b) { return b.data.connectorPlaidInitialize.record; });
  }
  function create(config) {
    return window.Plaid.create(config);
  }
  function run(token, behavior, drive, extra) {
    window.PlaidSandbox = behavior ? { behavior: behavior } : undefined;
    if (extra && extra.navigate) {
      window.PlaidSandbox = window.PlaidSandbox || {};
      window.PlaidSandbox.navigate = extra.navigate;
    }
    return new Promise(function (resolve) {
      var r = { events: [], loaded: false };
      var handler = create({
        token: token,
        receivedRedirectUri: extra && extra.receivedRedirectUri,
        onLoad: function () { r.loaded = true; },
        onEvent: function (name, meta) { r.events.push(name + (meta.view_name ? ':' + meta.view_name : '')); r.isUpdate = meta.is_update_mode; },
        onSuccess: function (publicToken, meta) {
          r.success = (r.success || 0) + 1;
          r.publicToken = publicToken;
          r.metadata = meta;
          setTimeout(function () { resolve(r); }, 50);
        },
        onExit: function (err, meta) {
          r.exitError = err;
          r.exitMeta = meta;
          setTimeout(function () { resolve(r); }, 50);
        }
      });
      r.handler = handler;
      handler.open(); // before onLoad: must be queued
      if (drive) { drive(handler, r); }
    }).then(function (r) {
      try { r.handler.destroy(); r.destroyedAfter = true; } catch (e) { r.destroyedAfter = String(e); }
      delete r.handler;
      return r;
    });
  }
  (async function () {
    try {
      report.twice = window.Plaid.isSandboxStandIn === true;
      var rec = await initialize('conn_login_required');
      var s = await run(rec.linkToken, { mode: 'success' });
      var closed = await gql(
        'mutation($input: ConnectorPlaidCloseInput!) { connectorPlaidClose(input: $input) { success } }',
        { input: { connectorToken: rec.connectorToken, publicToken: s.publicToken, metadata: s.metadata } }
      );
      s.closeSuccess = closed.data.connectorPlaidClose.success;
      s.publicToken = s.publicToken ? 'minted' : s.publicToken;
      report.results.success = s;

      rec = await initialize('conn_chase_checking');
      report.results.exitError = await run(rec.linkToken, { mode: 'exit_error', delayMs: 20 });
      report.results.invalid = await run('link-sandbox-bogus', null);
      report.results.twice = await run((await initialize('conn_chase_checking')).linkToken, { mode: 'success_twice' });
      report.results.nullToken = await run((await initialize('conn_chase_checking')).linkToken, { mode: 'null_public_token' });

      rec = await initialize('conn_credit_union');
      report.results.modal = await run(rec.linkToken, null, async function (handler, r) {
        handler.exit(); // not open yet: warns
        for (var i = 0; i < 100 && !document.getElementById('plaid-sandbox-continue'); i++) { await sleep(20); }
        var modal = document.querySelector('[data-testid="plaid-sandbox-modal"]');
        r.modalText = modal ? modal.textContent : null;
        r.modalFixed = modal ? getComputedStyle(modal).position : null;
        try { handler.destroy(); r.destroyWhileOpen = 'no error'; } catch (e) { r.destroyWhileOpen = e.message; }
        document.getElementById('plaid-sandbox-continue').click();
      });
      rec = await initialize('conn_credit_union');
      report.results.force = await run(rec.linkToken, null, async function (handler) {
        for (var i = 0; i < 100 && !document.getElementById('plaid-sandbox-exit'); i++) { await sleep(20); }
        handler.exit({ force: true });
      });
      report.results.modalGone = !document.getElementById('plaid-sandbox-modal');

      // OAuth without redirectUri: the modal offers "Continue to bank"; the bank's pop-up is
      // simulated and Link succeeds in place.
      rec = await initialize('conn_oauth');
      report.results.oauthModal = await run(rec.linkToken, null, async function (handler, r) {
        for (var i = 0; i < 100 && !document.getElementById('plaid-sandbox-continue-to-bank'); i++) { await sleep(20); }
        r.plainContinue = !!document.getElementById('plaid-sandbox-continue');
        document.getElementById('plaid-sandbox-continue-to-bank').click();
      });

      // OAuth with redirectUri, the page's navigation caught by PlaidSandbox.navigate.
      var redirectUri = location.origin + '/oauth-return.html?app=smoke';
      rec = await initialize('conn_oauth', redirectUri);
      var left = { navigated: null, events: [], callbacks: 0 };
      window.PlaidSandbox = { behavior: { mode: 'oauth' }, navigate: function (url) { left.navigated = url; } };
      var h = create({
        token: rec.linkToken,
        onEvent: function (name, meta) { left.events.push(name + (meta.view_name ? ':' + meta.view_name : '')); },
        onSuccess: function () { left.callbacks += 1; },
        onExit: function () { left.callbacks += 1; }
      });
      h.open();
      for (var i = 0; i < 100 && left.navigated === null; i++) { await sleep(20); }
      await sleep(100);
      try { h.destroy(); left.destroyed = true; } catch (e) { left.destroyed = String(e); }
      var navigated = left.navigated;
      report.results.oauthRedirect = left;
      // The handler ended without a callback (the page would be gone). The page re-creates
      // Link with receivedRedirectUri: a wrong state, another link token, then the right one.
      var wrongState = await run(rec.linkToken, null, null, { receivedRedirectUri: redirectUri + '&oauth_state_id=made-up' });
      var other = await initialize('conn_chase_checking');
      var otherToken = await run(other.linkToken, null, null, { receivedRedirectUri: navigated });
      var resumed = await run(rec.linkToken, null, null, { receivedRedirectUri: navigated });
      var closedOAuth = await gql(
        'mutation($input: ConnectorPlaidCloseInput!) { connectorPlaidClose(input: $input) { success record { id } } }',
        { input: { connectorToken: rec.connectorToken, publicToken: resumed.publicToken, metadata: resumed.metadata } }
      );
      resumed.closed = closedOAuth.data.connectorPlaidClose;
      resumed.publicToken = resumed.publicToken ? 'minted' : resumed.publicToken;
      var again = await run(rec.linkToken, null, null, { receivedRedirectUri: navigated });
      report.results.oauthResume = { wrongState: wrongState, otherToken: otherToken, resumed: resumed, again: again };
      report.stats = window.Plaid.stats;
      write(true);
    } catch (e) {
      report.error = String(e && e.stack || e);
      write(false);
    }
  })();
})();
