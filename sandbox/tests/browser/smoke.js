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
  function initialize(id) {
    return gql(
      'mutation($input: ConnectorPlaidInitializeInput) { connectorPlaidInitialize(input: $input) { record { connectorToken linkToken } } }',
      { input: { connectionId: id, features: 'TRANSACTIONS' } }
    ).then(function (b) { return b.data.connectorPlaidInitialize.record; });
  }
  function run(token, behavior, drive) {
    window.PlaidSandbox = behavior ? { behavior: behavior } : undefined;
    return new Promise(function (resolve) {
      var r = { events: [], loaded: false };
      var handler = window.Plaid.create({
        token: token,
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
        'mutation($input: ConnectorPlaidCloseInput) { connectorPlaidClose(input: $input) { success } }',
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
      write(true);
    } catch (e) {
      report.error = String(e && e.stack || e);
      write(false);
    }
  })();
})();
